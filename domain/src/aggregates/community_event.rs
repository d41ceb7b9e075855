//! A community event's stream (`community-event-{id}`): published, updated as a whole while
//! scheduled, cancelled for good.

use super::Aggregate;
use crate::Event;
use crate::community::CommunityEvent;
use crate::events::{CommunityEventCancelled, CommunityEventPublished, CommunityEventUpdated};

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum CommunityEventError {
    #[error("no such community event")]
    NotFound,
    #[error("community event {0} is already published")]
    AlreadyPublished(uuid::Uuid),
    #[error("the community event was cancelled; publish a new one instead")]
    Cancelled,
    #[error(transparent)]
    Invalid(#[from] crate::community::InvalidField),
    #[error("the event id cannot change")]
    IdChanged,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub enum CommunityEventRecord {
    #[default]
    Unknown,
    Scheduled(CommunityEvent),
    Cancelled(CommunityEvent),
}

impl Aggregate for CommunityEventRecord {
    fn apply(&mut self, event: &Event) {
        match event {
            Event::CommunityEventPublished(CommunityEventPublished { event })
            | Event::CommunityEventUpdated(CommunityEventUpdated { event }) => {
                *self = CommunityEventRecord::Scheduled(event.clone());
            }
            Event::CommunityEventCancelled(_) => {
                if let CommunityEventRecord::Scheduled(current) = self {
                    *self = CommunityEventRecord::Cancelled(current.clone());
                }
            }
            _ => {}
        }
    }
}

impl CommunityEventRecord {
    pub fn publish(&self, event: CommunityEvent) -> Result<Vec<Event>, CommunityEventError> {
        if !matches!(self, CommunityEventRecord::Unknown) {
            return Err(CommunityEventError::AlreadyPublished(event.event_id));
        }
        event.validate()?;
        Ok(vec![Event::CommunityEventPublished(CommunityEventPublished { event })])
    }

    /// Replaces the whole state; a cancelled event cannot change.
    pub fn update(&self, event: CommunityEvent) -> Result<Vec<Event>, CommunityEventError> {
        match self {
            CommunityEventRecord::Unknown => Err(CommunityEventError::NotFound),
            CommunityEventRecord::Cancelled(_) => Err(CommunityEventError::Cancelled),
            CommunityEventRecord::Scheduled(current) if current.event_id != event.event_id => {
                Err(CommunityEventError::IdChanged)
            }
            CommunityEventRecord::Scheduled(_) => {
                event.validate()?;
                Ok(vec![Event::CommunityEventUpdated(CommunityEventUpdated { event })])
            }
        }
    }

    pub fn cancel(&self, reason: &str) -> Result<Vec<Event>, CommunityEventError> {
        match self {
            CommunityEventRecord::Unknown => Err(CommunityEventError::NotFound),
            CommunityEventRecord::Cancelled(_) => Err(CommunityEventError::Cancelled),
            CommunityEventRecord::Scheduled(current) => {
                Ok(vec![Event::CommunityEventCancelled(CommunityEventCancelled {
                    event_id: current.event_id,
                    reason: reason.to_owned(),
                })])
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};
    use uuid::Uuid;

    fn iftar(title: &str) -> CommunityEvent {
        CommunityEvent {
            event_id: Uuid::from_u128(2),
            title: title.into(),
            description: String::new(),
            starts_at: Utc.with_ymd_and_hms(2027, 2, 10, 17, 0, 0).unwrap(),
            ends_at: None,
            mosque_id: None,
            latitude: 51.5,
            longitude: -0.12,
            address: String::new(),
            organiser: String::new(),
        }
    }

    fn given(events: &[Event]) -> CommunityEventRecord {
        CommunityEventRecord::from_events(events)
    }

    #[test]
    fn given_a_scheduled_event_when_updated_then_it_changes() {
        let published = given(&[]).publish(iftar("Community iftar")).unwrap();
        let updated = given(&published).update(iftar("Community iftar, all welcome")).unwrap();
        assert_eq!(
            given(&[published, updated].concat()),
            CommunityEventRecord::Scheduled(iftar("Community iftar, all welcome"))
        );
    }

    #[test]
    fn given_a_cancelled_event_when_changed_or_cancelled_again_then_it_is_refused() {
        let published = given(&[]).publish(iftar("Community iftar")).unwrap();
        let cancelled = given(&published).cancel("snow").unwrap();
        let state = given(&[published, cancelled].concat());
        assert!(matches!(state, CommunityEventRecord::Cancelled(_)));
        assert_eq!(state.update(iftar("Back on")), Err(CommunityEventError::Cancelled));
        assert_eq!(state.cancel("again"), Err(CommunityEventError::Cancelled));
    }

    #[test]
    fn given_nothing_when_changed_then_it_is_not_found_and_bad_values_are_refused() {
        assert_eq!(given(&[]).update(iftar("x")), Err(CommunityEventError::NotFound));
        assert_eq!(given(&[]).cancel("x"), Err(CommunityEventError::NotFound));
        let mut backwards = iftar("Backwards");
        backwards.ends_at = Some(backwards.starts_at - chrono::Duration::hours(1));
        assert!(matches!(
            given(&[]).publish(backwards),
            Err(CommunityEventError::Invalid(_))
        ));
    }
}
