//! Mosques and community events: each command decided by its aggregate
//! (`hijraah_domain::aggregates`) against its own stream, with the store's load → decide →
//! append helper, so a removed mosque cannot be updated and two curators cannot overwrite each
//! other unknowingly. The queries on the `community` read model (nearest first, upcoming
//! events) are the projections crate's, re-exported here.

use chrono::{DateTime, Utc};
use hijraah_domain::aggregates::community_event::{CommunityEventError, CommunityEventRecord};
use hijraah_domain::aggregates::mosque::{MosqueError, MosqueRecord};
use hijraah_domain::community::{CommunityEvent, Mosque, community_event_stream, mosque_stream, snap};
use serde::Deserialize;
use uuid::Uuid;

use crate::store::{Checkpoint, DecideError, EventStore, StoreError, decide};

#[derive(Debug, thiserror::Error)]
pub enum PlaceError {
    #[error(transparent)]
    Mosque(#[from] MosqueError),
    #[error(transparent)]
    Event(#[from] CommunityEventError),
    #[error("stored event cannot be read: {0}")]
    Corrupt(String),
    #[error("too many curators changed this at once; try again")]
    Contended,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl<E: Into<PlaceError>> From<DecideError<E>> for PlaceError {
    fn from(error: DecideError<E>) -> Self {
        match error {
            DecideError::Refused(refused) => refused.into(),
            DecideError::Corrupt(reason) => PlaceError::Corrupt(reason),
            DecideError::Contended => PlaceError::Contended,
            DecideError::Store(store) => PlaceError::Store(store),
        }
    }
}

/// Who acts, recorded in every event's metadata.
#[derive(Debug, Clone, Copy)]
pub struct Actor<'a> {
    pub user_id: &'a str,
    pub correlation_id: Option<&'a str>,
}

impl Actor<'_> {
    fn metadata(&self) -> hijraah_domain::EventMetadata {
        hijraah_domain::EventMetadata::by(self.user_id, self.correlation_id)
    }
}

/// A mosque as a curator sends it (the server assigns the id).
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MosqueFields {
    #[schema(
        max_length = 2000,
        min_length = 1,
        pattern = r"^[^\u0000-\u0008\u000B-\u001F\u007F-\u009F]*[^\s\u0000-\u0008\u000B-\u001F\u007F-\u009F][^\u0000-\u0008\u000B-\u001F\u007F-\u009F]*$"
    )]
    pub name: String,
    #[serde(default)]
    #[schema(max_length = 2000, pattern = r"^[^\u0000-\u0008\u000B-\u001F\u007F-\u009F]*$")]
    pub address: String,
    #[serde(default)]
    #[schema(max_length = 2000, pattern = r"^[^\u0000-\u0008\u000B-\u001F\u007F-\u009F]*$")]
    pub city: String,
    #[serde(default)]
    #[schema(max_length = 2000, pattern = r"^[^\u0000-\u0008\u000B-\u001F\u007F-\u009F]*$")]
    pub country: String,
    #[schema(minimum = -90.0, maximum = 90.0)]
    pub latitude: f64,
    #[schema(minimum = -180.0, maximum = 180.0)]
    pub longitude: f64,
    /// Free-form: "women's prayer area", "wudu", "parking", "jumu'ah 13:30"; none blank.
    #[serde(default)]
    #[schema(max_items = 50, value_type = Vec<crate::http::openapi::items::Facility>)]
    pub facilities: Vec<String>,
    #[serde(default)]
    #[schema(max_length = 2000, pattern = r"^[^\u0000-\u0008\u000B-\u001F\u007F-\u009F]*$")]
    pub contact: String,
}

impl MosqueFields {
    pub fn into_mosque(self, mosque_id: Uuid) -> Mosque {
        Mosque {
            mosque_id,
            name: self.name.trim().to_owned(),
            address: self.address,
            city: self.city,
            country: self.country,
            latitude: snap(self.latitude),
            longitude: snap(self.longitude),
            facilities: self.facilities,
            contact: self.contact,
        }
    }
}

/// A community event as a curator sends it.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EventFields {
    #[schema(
        max_length = 2000,
        min_length = 1,
        pattern = r"^[^\u0000-\u0008\u000B-\u001F\u007F-\u009F]*[^\s\u0000-\u0008\u000B-\u001F\u007F-\u009F][^\u0000-\u0008\u000B-\u001F\u007F-\u009F]*$"
    )]
    pub title: String,
    #[serde(default)]
    #[schema(max_length = 2000, pattern = r"^[^\u0000-\u0008\u000B-\u001F\u007F-\u009F]*$")]
    pub description: String,
    pub starts_at: DateTime<Utc>,
    /// Not before `starts_at`.
    #[serde(default)]
    pub ends_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub mosque_id: Option<Uuid>,
    #[schema(minimum = -90.0, maximum = 90.0)]
    pub latitude: f64,
    #[schema(minimum = -180.0, maximum = 180.0)]
    pub longitude: f64,
    #[serde(default)]
    #[schema(max_length = 2000, pattern = r"^[^\u0000-\u0008\u000B-\u001F\u007F-\u009F]*$")]
    pub address: String,
    #[serde(default)]
    #[schema(max_length = 2000, pattern = r"^[^\u0000-\u0008\u000B-\u001F\u007F-\u009F]*$")]
    pub organiser: String,
}

impl EventFields {
    pub fn into_event(self, event_id: Uuid) -> CommunityEvent {
        CommunityEvent {
            event_id,
            title: self.title.trim().to_owned(),
            description: self.description,
            starts_at: self.starts_at,
            ends_at: self.ends_at,
            mosque_id: self.mosque_id,
            latitude: snap(self.latitude),
            longitude: snap(self.longitude),
            address: self.address,
            organiser: self.organiser,
        }
    }
}

/// The checkpoint a decided command reached (the start when it decided nothing).
fn reached<T>(decided: (T, Option<crate::store::AppendResult>)) -> Checkpoint {
    decided.1.map_or(Checkpoint::START, |appended| appended.last)
}

pub async fn publish_mosque(
    store: &EventStore,
    fields: MosqueFields,
    actor: Actor<'_>,
) -> Result<(Mosque, Checkpoint), PlaceError> {
    let mosque = fields.into_mosque(Uuid::now_v7());
    let decided = decide(
        store,
        &mosque_stream(mosque.mosque_id),
        &actor.metadata(),
        |record: &MosqueRecord| record.publish(mosque.clone()),
    )
    .await?;
    Ok((mosque, reached(decided)))
}

pub async fn update_mosque(
    store: &EventStore,
    mosque_id: Uuid,
    fields: MosqueFields,
    actor: Actor<'_>,
) -> Result<(Mosque, Checkpoint), PlaceError> {
    let mosque = fields.into_mosque(mosque_id);
    let decided = decide(
        store,
        &mosque_stream(mosque_id),
        &actor.metadata(),
        |record: &MosqueRecord| record.update(mosque.clone()),
    )
    .await?;
    Ok((mosque, reached(decided)))
}

pub async fn remove_mosque(
    store: &EventStore,
    mosque_id: Uuid,
    reason: &str,
    actor: Actor<'_>,
) -> Result<Checkpoint, PlaceError> {
    let decided = decide(
        store,
        &mosque_stream(mosque_id),
        &actor.metadata(),
        |record: &MosqueRecord| record.remove(reason),
    )
    .await?;
    Ok(reached(decided))
}

pub async fn publish_event(
    store: &EventStore,
    fields: EventFields,
    actor: Actor<'_>,
) -> Result<(CommunityEvent, Checkpoint), PlaceError> {
    let event = fields.into_event(Uuid::now_v7());
    let stream = community_event_stream(event.event_id);
    let decided = decide(store, &stream, &actor.metadata(), |record: &CommunityEventRecord| {
        record.publish(event.clone())
    })
    .await?;
    Ok((event, reached(decided)))
}

pub async fn update_event(
    store: &EventStore,
    event_id: Uuid,
    fields: EventFields,
    actor: Actor<'_>,
) -> Result<(CommunityEvent, Checkpoint), PlaceError> {
    let event = fields.into_event(event_id);
    let stream = community_event_stream(event_id);
    let decided = decide(store, &stream, &actor.metadata(), |record: &CommunityEventRecord| {
        record.update(event.clone())
    })
    .await?;
    Ok((event, reached(decided)))
}

pub async fn cancel_event(
    store: &EventStore,
    event_id: Uuid,
    reason: &str,
    actor: Actor<'_>,
) -> Result<Checkpoint, PlaceError> {
    let stream = community_event_stream(event_id);
    let decided = decide(store, &stream, &actor.metadata(), |record: &CommunityEventRecord| {
        record.cancel(reason)
    })
    .await?;
    Ok(reached(decided))
}

pub use hijraah_projections::queries::{Near, community_event, mosque, mosques, upcoming_events};
