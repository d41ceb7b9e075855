//! A mosque's stream (`mosque-{id}`): published once, updated as a whole, removed for good.

use super::Aggregate;
use crate::Event;
use crate::community::Mosque;
use crate::events::{MosquePublished, MosqueRemoved, MosqueUpdated};

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum MosqueError {
    #[error("no such mosque")]
    NotFound,
    #[error("mosque {0} is already published")]
    AlreadyPublished(uuid::Uuid),
    #[error(transparent)]
    Invalid(#[from] crate::community::InvalidField),
    #[error("the mosque id cannot change")]
    IdChanged,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub enum MosqueRecord {
    #[default]
    Unknown,
    Published(Mosque),
    Removed,
}

impl Aggregate for MosqueRecord {
    fn apply(&mut self, event: &Event) {
        match event {
            Event::MosquePublished(MosquePublished { mosque }) | Event::MosqueUpdated(MosqueUpdated { mosque }) => {
                *self = MosqueRecord::Published(mosque.clone());
            }
            Event::MosqueRemoved(_) => *self = MosqueRecord::Removed,
            _ => {}
        }
    }
}

impl MosqueRecord {
    pub fn publish(&self, mosque: Mosque) -> Result<Vec<Event>, MosqueError> {
        if !matches!(self, MosqueRecord::Unknown) {
            return Err(MosqueError::AlreadyPublished(mosque.mosque_id));
        }
        mosque.validate()?;
        Ok(vec![Event::MosquePublished(MosquePublished { mosque })])
    }

    /// Replaces the whole state; a removed mosque cannot be updated.
    pub fn update(&self, mosque: Mosque) -> Result<Vec<Event>, MosqueError> {
        let MosqueRecord::Published(current) = self else {
            return Err(MosqueError::NotFound);
        };
        if current.mosque_id != mosque.mosque_id {
            return Err(MosqueError::IdChanged);
        }
        mosque.validate()?;
        Ok(vec![Event::MosqueUpdated(MosqueUpdated { mosque })])
    }

    pub fn remove(&self, reason: &str) -> Result<Vec<Event>, MosqueError> {
        let MosqueRecord::Published(current) = self else {
            return Err(MosqueError::NotFound);
        };
        Ok(vec![Event::MosqueRemoved(MosqueRemoved {
            mosque_id: current.mosque_id,
            reason: reason.to_owned(),
        })])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn mosque(name: &str) -> Mosque {
        Mosque {
            mosque_id: Uuid::from_u128(1),
            name: name.into(),
            address: String::new(),
            city: "Leeds".into(),
            country: "GB".into(),
            latitude: 53.8,
            longitude: -1.55,
            facilities: vec![],
            contact: String::new(),
        }
    }

    fn given(events: &[Event]) -> MosqueRecord {
        MosqueRecord::from_events(events)
    }

    #[test]
    fn given_nothing_when_published_then_it_is_published_once() {
        let events = given(&[]).publish(mosque("Grand Mosque")).unwrap();
        assert!(matches!(&events[..], [Event::MosquePublished(_)]));
        assert_eq!(
            given(&events).publish(mosque("Again")),
            Err(MosqueError::AlreadyPublished(Uuid::from_u128(1)))
        );
        assert!(matches!(given(&[]).publish(mosque(" ")), Err(MosqueError::Invalid(_))));
    }

    #[test]
    fn given_a_published_mosque_when_updated_or_removed_then_it_changes() {
        let published = given(&[]).publish(mosque("Grand Mosque")).unwrap();
        let updated = given(&published).update(mosque("Grand Mosque of Leeds")).unwrap();
        let state = given(&[published.clone(), updated].concat());
        assert_eq!(state, MosqueRecord::Published(mosque("Grand Mosque of Leeds")));
        let removed = state.remove("closed").unwrap();
        assert!(matches!(&removed[..], [Event::MosqueRemoved(MosqueRemoved { reason, .. })] if reason == "closed"));
    }

    #[test]
    fn given_a_removed_mosque_when_updated_or_removed_again_then_it_is_not_found() {
        let published = given(&[]).publish(mosque("Grand Mosque")).unwrap();
        let removed = given(&published).remove("closed").unwrap();
        let state = given(&[published, removed].concat());
        assert_eq!(state.update(mosque("Back")), Err(MosqueError::NotFound));
        assert_eq!(state.remove("again"), Err(MosqueError::NotFound));
        assert_eq!(given(&[]).remove("never was"), Err(MosqueError::NotFound));
    }
}
