//! Validated identifiers. Anything that reaches the core was checked here first.

use std::fmt;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Namespace for deriving conversation ids from `(user id, session id)`, so that the same session
/// always lands on the same stream without a lookup table.
const SESSION_NAMESPACE: Uuid = Uuid::from_u128(0x6869_6a72_6161_4800_8000_0000_0000_0001);

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum IdError {
    #[error("{what} must not be empty")]
    Empty { what: &'static str },
    #[error("{what} is longer than {max} characters")]
    TooLong { what: &'static str, max: usize },
    #[error("{what} must not contain control or invisible format characters")]
    ForbiddenCharacter { what: &'static str },
}

fn check_text(value: &str, what: &'static str, max: usize) -> Result<(), IdError> {
    if value.trim().is_empty() {
        return Err(IdError::Empty { what });
    }
    if value.chars().count() > max {
        return Err(IdError::TooLong { what, max });
    }
    // Bidirectional overrides and zero-width characters make two ids look alike in logs and UIs.
    let forbidden = |c: char| {
        c.is_control()
            || matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
    };
    if value.chars().any(forbidden) || value != value.trim() {
        return Err(IdError::ForbiddenCharacter { what });
    }
    Ok(())
}

/// A user id as it appears in tokens (`sub`) and requests.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct UserId(String);

impl UserId {
    pub const MAX_CHARS: usize = 128;

    pub fn parse(value: &str) -> Result<Self, IdError> {
        check_text(value, "user id", Self::MAX_CHARS)?;
        Ok(Self(value.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The stream that records this user's own facts (first appearance, later erasure).
    pub fn stream_id(&self) -> String {
        format!("user-{}", self.0)
    }
}

impl fmt::Display for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A client-chosen session id: continuing a session continues its conversation.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SessionId(String);

impl SessionId {
    pub const MAX_CHARS: usize = 128;

    pub fn parse(value: &str) -> Result<Self, IdError> {
        check_text(value, "session id", Self::MAX_CHARS)?;
        Ok(Self(value.to_owned()))
    }

    /// A fresh session id for a request that did not name one.
    pub fn generate() -> Self {
        Self(Uuid::now_v7().to_string())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The conversation a user's session belongs to. Derived, so concurrent first requests on one
/// session agree on the stream and the event store's optimistic concurrency serialises them.
pub fn conversation_id_for(user: &UserId, session: &SessionId) -> Uuid {
    let mut name = Vec::with_capacity(user.as_str().len() + session.as_str().len() + 1);
    name.extend_from_slice(user.as_str().as_bytes());
    name.push(0);
    name.extend_from_slice(session.as_str().as_bytes());
    Uuid::new_v5(&SESSION_NAMESPACE, &name)
}

pub fn conversation_stream_id(conversation_id: Uuid) -> String {
    format!("conversation-{conversation_id}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_ids_reject_empty_long_and_invisible_text() {
        assert!(UserId::parse("alice").is_ok());
        assert!(UserId::parse("عائشة").is_ok());
        assert_eq!(UserId::parse("  "), Err(IdError::Empty { what: "user id" }));
        assert!(matches!(UserId::parse(&"a".repeat(129)), Err(IdError::TooLong { .. })));
        assert!(matches!(
            UserId::parse("ali\u{202E}ce"),
            Err(IdError::ForbiddenCharacter { .. })
        ));
        assert!(matches!(
            UserId::parse("bob\n"),
            Err(IdError::ForbiddenCharacter { .. })
        ));
        assert!(matches!(UserId::parse(" bob"), Err(IdError::ForbiddenCharacter { .. })));
    }

    #[test]
    fn a_session_maps_to_one_conversation_per_user() {
        let alice = UserId::parse("alice").unwrap();
        let bob = UserId::parse("bob").unwrap();
        let session = SessionId::parse("s1").unwrap();
        assert_eq!(
            conversation_id_for(&alice, &session),
            conversation_id_for(&alice, &session)
        );
        assert_ne!(
            conversation_id_for(&alice, &session),
            conversation_id_for(&bob, &session)
        );
        // The separator keeps ("ab", "c") and ("a", "bc") apart.
        let ab = UserId::parse("ab").unwrap();
        let a = UserId::parse("a").unwrap();
        assert_ne!(
            conversation_id_for(&ab, &SessionId::parse("c").unwrap()),
            conversation_id_for(&a, &SessionId::parse("bc").unwrap())
        );
    }
}
