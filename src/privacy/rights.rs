//! The right to erasure and the right of access, as commands the API calls: erasing a user
//! (their open conversations end, then their data key is destroyed and `UserErased` recorded in
//! one transaction) and exporting everything we hold about them (in a constant number of
//! queries, however many conversations they have).

use chrono::{DateTime, Utc};
use hijraah_domain::events::UserErased;
use hijraah_domain::ids::UserId;
use hijraah_domain::{Envelope, Event, EventMetadata, NewEvent};
use hijraah_projections::Projection;
use hijraah_projections::queries::{self, ConversationView, InteractionView, UserProfile};
use serde::Serialize;
use sqlx::PgPool;

use super::{PrivacyError, Vault};
use crate::agents::migration::Checklist;
use crate::chat::{ChatError, ChatService};
use crate::projector::Projector;
use crate::store::{EventStore, ExpectedVersion, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum RightsError {
    #[error("no such user")]
    UnknownUser,
    #[error(transparent)]
    Chat(#[from] ChatError),
    #[error(transparent)]
    Privacy(#[from] PrivacyError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error(transparent)]
    AsOf(#[from] crate::asof::AsOfError),
}

/// Everything we hold about a user.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Export {
    pub user_id: String,
    pub exported_at: DateTime<Utc>,
    /// Whether their data key still exists (false after an erasure).
    pub encryption_key_held: bool,
    pub profile: Option<UserProfile>,
    pub conversations: Vec<ConversationView>,
    pub agent_interactions: Vec<InteractionView>,
    pub checklist: Checklist,
    /// Their events, unsealed.
    pub events: Vec<Envelope>,
}

/// The projections that hold a user's rows, which an erasure waits for.
const PERSONAL: [Projection; 4] = [
    Projection::Users,
    Projection::Conversations,
    Projection::AgentInteractions,
    Projection::Checklists,
];

/// What the rights need: the log, the read models, the keys, the chat (to end conversations).
pub struct Rights<'a> {
    pub pool: &'a PgPool,
    pub store: &'a EventStore,
    pub vault: &'a Vault,
    pub chat: &'a ChatService,
    pub projector: &'a Projector,
    pub read_your_writes_timeout: std::time::Duration,
}

impl Rights<'_> {
    /// Whether we know the user (their stream exists).
    pub async fn known(&self, user_id: &UserId) -> Result<bool, RightsError> {
        Ok(sqlx::query("SELECT 1 FROM streams WHERE stream_id = $1")
            .bind(user_id.stream_id())
            .fetch_optional(self.pool)
            .await?
            .is_some())
    }

    /// Erases a user: their open conversations end first (so an old session cannot continue one
    /// whose rows are about to go), then their key is destroyed and the erasure recorded
    /// together, or neither; the answer waits until the read models dropped their rows.
    pub async fn erase(
        &self,
        user_id: &UserId,
        actor: &UserId,
        correlation_id: &Option<String>,
    ) -> Result<(), RightsError> {
        if !self.known(user_id).await? {
            return Err(RightsError::UnknownUser);
        }
        // Conversations started a moment ago, perhaps on another server, end too.
        self.projector
            .wait_for_head(self.pool, &[Projection::Conversations], self.read_your_writes_timeout)
            .await?;
        let open: Vec<uuid::Uuid> =
            sqlx::query_scalar("SELECT conversation_id FROM conversations WHERE user_id = $1 AND status <> 'ended'")
                .bind(user_id.as_str())
                .fetch_all(self.pool)
                .await?;
        for conversation_id in open {
            match self
                .chat
                .end(conversation_id, user_id.clone(), actor, correlation_id)
                .await
            {
                Ok(()) | Err(ChatError::Ended | ChatError::NotFound) => {}
                Err(other) => return Err(other.into()),
            }
        }
        let event = Event::UserErased(UserErased {
            user_id: user_id.as_str().to_owned(),
        });
        let metadata = EventMetadata::by(actor.as_str(), correlation_id.as_deref());
        let mut transaction = self.pool.begin().await?;
        let destroyed = self.vault.destroy(&mut transaction, user_id.as_str()).await?;
        // Analysts' copies of the read models as of a past moment forget the user too.
        crate::asof::erase_user(&mut transaction, user_id.as_str()).await?;
        let appended = self
            .store
            .append_in(
                &mut transaction,
                &user_id.stream_id(),
                ExpectedVersion::StreamExists,
                &[NewEvent::new(&event, metadata)],
            )
            .await?;
        transaction.commit().await?;
        // Forgotten again: a chat between the destroy and the commit may have cached it anew.
        self.vault.forget(user_id.as_str());
        tracing::info!(actor = %actor, user_id = %user_id, key_destroyed = destroyed, "user erased");
        if let Some(appended) = appended {
            for projection in PERSONAL {
                self.projector
                    .wait_for(projection, appended.last, self.read_your_writes_timeout)
                    .await;
            }
        }
        Ok(())
    }

    /// Everything we hold about a user, in a constant number of queries.
    pub async fn export(&self, user_id: &UserId) -> Result<Export, RightsError> {
        if !self.known(user_id).await? {
            return Err(RightsError::UnknownUser);
        }
        // Everything acknowledged before the export is in it, whichever server took it.
        self.projector
            .wait_for_head(self.pool, &PERSONAL, self.read_your_writes_timeout)
            .await?;
        let id = user_id.as_str();
        // The user's own streams and the conversations they started.
        let own = [user_id.stream_id(), crate::agents::migration::checklist_stream(id)];
        let mut events = self
            .store
            .read_streams_of(&own, ("ConversationStarted", "user_id", id))
            .await?;
        self.vault.unseal_pooled(&mut events).await?;
        let encryption_key_held = sqlx::query("SELECT 1 FROM user_keys WHERE user_id = $1")
            .bind(id)
            .fetch_optional(self.pool)
            .await?
            .is_some();
        Ok(Export {
            user_id: id.to_owned(),
            exported_at: Utc::now(),
            encryption_key_held,
            profile: queries::user_profile(self.pool, id).await?,
            conversations: queries::user_conversations_whole(self.pool, id).await?,
            agent_interactions: queries::user_interactions(self.pool, id).await?,
            checklist: crate::agents::migration::checklist(self.pool, id).await?,
            events,
        })
    }
}
