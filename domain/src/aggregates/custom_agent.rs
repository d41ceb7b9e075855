//! A custom agent's stream (`custom-agent-{id}`): registered, removed, registered again.

use super::Aggregate;
use crate::Event;
use crate::events::{CustomAgentRegistered, CustomAgentRemoved};

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CustomAgentError {
    #[error("a custom agent `{0}` is already registered; remove it first")]
    AlreadyRegistered(String),
    #[error("no custom agent `{0}`")]
    NotRegistered(String),
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct CustomAgentRecord {
    registered: Option<CustomAgentRegistered>,
}

impl Aggregate for CustomAgentRecord {
    fn apply(&mut self, event: &Event) {
        match event {
            Event::CustomAgentRegistered(registered) => self.registered = Some(registered.clone()),
            Event::CustomAgentRemoved(_) => self.registered = None,
            _ => {}
        }
    }
}

impl CustomAgentRecord {
    pub fn registered(&self) -> Option<&CustomAgentRegistered> {
        self.registered.as_ref()
    }

    pub fn register(&self, spec: CustomAgentRegistered) -> Result<Vec<Event>, CustomAgentError> {
        if self.registered.is_some() {
            return Err(CustomAgentError::AlreadyRegistered(spec.agent_id));
        }
        Ok(vec![Event::CustomAgentRegistered(spec)])
    }

    pub fn remove(&self, agent_id: &str) -> Result<Vec<Event>, CustomAgentError> {
        if self.registered.is_none() {
            return Err(CustomAgentError::NotRegistered(agent_id.to_owned()));
        }
        Ok(vec![Event::CustomAgentRemoved(CustomAgentRemoved {
            agent_id: agent_id.to_owned(),
        })])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> CustomAgentRegistered {
        CustomAgentRegistered {
            agent_id: "halal-eats".into(),
            name: "Halal eats".into(),
            agent_type: "restaurants".into(),
            endpoint: "http://127.0.0.1:9000/".into(),
            keywords: vec!["restaurant".into()],
            timeout_ms: 2_000,
        }
    }

    #[test]
    fn given_nothing_when_registered_twice_then_the_second_is_refused() {
        let registered = CustomAgentRecord::default().register(spec()).unwrap();
        let state = CustomAgentRecord::from_events(&registered);
        assert_eq!(state.registered(), Some(&spec()));
        assert_eq!(
            state.register(spec()),
            Err(CustomAgentError::AlreadyRegistered("halal-eats".into()))
        );
    }

    #[test]
    fn given_a_removed_agent_when_registered_again_then_it_is_back() {
        let registered = CustomAgentRecord::default().register(spec()).unwrap();
        let removed = CustomAgentRecord::from_events(&registered)
            .remove("halal-eats")
            .unwrap();
        let state = CustomAgentRecord::from_events(&[registered, removed].concat());
        assert_eq!(state.registered(), None);
        assert_eq!(
            state.remove("halal-eats"),
            Err(CustomAgentError::NotRegistered("halal-eats".into()))
        );
        assert!(state.register(spec()).is_ok());
    }
}
