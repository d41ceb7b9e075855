//! The entities whose rules decide what may be recorded, each folded from its own stream:
//! given its history, a command either becomes new events or is refused with a reason. The
//! `Conversation` aggregate (in `conversation.rs`) follows the same shape.
//!
//! - [`mosque`]: a published mosque can be updated or removed; a removed one is gone.
//! - [`community_event`]: a scheduled event can be updated or cancelled; a cancelled one is final.
//! - [`custom_agent`]: an agent id is registered at most once at a time.

pub mod community_event;
pub mod custom_agent;
pub mod mosque;

use crate::Event;

/// An entity folded from the events of its stream.
pub trait Aggregate: Default {
    /// Folds one recorded event into the state; events of other kinds are ignored.
    fn apply(&mut self, event: &Event);

    /// The state after a history, oldest event first.
    fn from_events<'a>(history: impl IntoIterator<Item = &'a Event>) -> Self {
        let mut state = Self::default();
        for event in history {
            state.apply(event);
        }
        state
    }
}
