//! Mosques and community events: commands decided against their own streams (so a removed
//! mosque cannot be updated and two curators cannot overwrite each other unknowingly). The
//! queries on the `community` read model (nearest first, upcoming events) are the projections
//! crate's, re-exported here.

use chrono::{DateTime, Utc};
use hijraah_domain::community::{CommunityEvent, Mosque, community_event_stream, mosque_stream};
use hijraah_domain::events::{
    CommunityEventCancelled, CommunityEventPublished, CommunityEventUpdated, MosquePublished, MosqueRemoved,
    MosqueUpdated,
};
use hijraah_domain::{Event, EventMetadata, NewEvent};
use serde::Deserialize;

use uuid::Uuid;

use crate::store::{Checkpoint, EventStore, ExpectedVersion, PgEventStore, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum PlaceError {
    #[error("no such {0}")]
    NotFound(&'static str),
    #[error("{0}")]
    Invalid(String),
    #[error("the community event was cancelled; publish a new one instead")]
    Cancelled,
    #[error("stored event cannot be read: {0}")]
    Corrupt(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Who acts, recorded in every event's metadata.
#[derive(Debug, Clone, Copy)]
pub struct Actor<'a> {
    pub user_id: &'a str,
    pub correlation_id: Option<&'a str>,
}

impl Actor<'_> {
    fn metadata(&self) -> EventMetadata {
        EventMetadata::by(self.user_id, self.correlation_id)
    }
}

/// A mosque as a curator sends it (the server assigns the id).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MosqueFields {
    pub name: String,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub city: String,
    #[serde(default)]
    pub country: String,
    pub latitude: f64,
    pub longitude: f64,
    #[serde(default)]
    pub facilities: Vec<String>,
    #[serde(default)]
    pub contact: String,
}

impl MosqueFields {
    pub fn into_mosque(self, mosque_id: Uuid) -> Result<Mosque, PlaceError> {
        let mosque = Mosque {
            mosque_id,
            name: self.name.trim().to_owned(),
            address: self.address,
            city: self.city,
            country: self.country,
            latitude: self.latitude,
            longitude: self.longitude,
            facilities: self.facilities,
            contact: self.contact,
        };
        mosque.validate().map_err(PlaceError::Invalid)?;
        Ok(mosque)
    }
}

/// A community event as a curator sends it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventFields {
    pub title: String,
    #[serde(default)]
    pub description: String,
    pub starts_at: DateTime<Utc>,
    #[serde(default)]
    pub ends_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub mosque_id: Option<Uuid>,
    pub latitude: f64,
    pub longitude: f64,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub organiser: String,
}

impl EventFields {
    pub fn into_event(self, event_id: Uuid) -> Result<CommunityEvent, PlaceError> {
        let event = CommunityEvent {
            event_id,
            title: self.title.trim().to_owned(),
            description: self.description,
            starts_at: self.starts_at,
            ends_at: self.ends_at,
            mosque_id: self.mosque_id,
            latitude: self.latitude,
            longitude: self.longitude,
            address: self.address,
            organiser: self.organiser,
        };
        event.validate().map_err(PlaceError::Invalid)?;
        Ok(event)
    }
}

/// The folded state of an entity stream: its version and its live state, if any.
async fn fold<T>(
    store: &PgEventStore,
    stream_id: &str,
    mut apply: impl FnMut(Option<T>, Event) -> Option<T>,
) -> Result<(i64, Option<T>), PlaceError> {
    let mut state = None;
    let mut version = 0;
    for envelope in store.read_stream(stream_id, 0).await? {
        version = envelope.stream_version;
        let event = envelope
            .decode()
            .map_err(|error| PlaceError::Corrupt(error.to_string()))?;
        state = apply(state, event);
    }
    Ok((version, state))
}

async fn mosque_state(store: &PgEventStore, mosque_id: Uuid) -> Result<(i64, Option<Mosque>), PlaceError> {
    fold(store, &mosque_stream(mosque_id), |state, event| match event {
        Event::MosquePublished(MosquePublished { mosque }) | Event::MosqueUpdated(MosqueUpdated { mosque }) => {
            Some(mosque)
        }
        Event::MosqueRemoved(_) => None,
        _ => state,
    })
    .await
}

/// `(event, cancelled)`.
async fn event_state(
    store: &PgEventStore,
    event_id: Uuid,
) -> Result<(i64, Option<(CommunityEvent, bool)>), PlaceError> {
    fold(store, &community_event_stream(event_id), |state, event| match event {
        Event::CommunityEventPublished(CommunityEventPublished { event })
        | Event::CommunityEventUpdated(CommunityEventUpdated { event }) => Some((event, false)),
        Event::CommunityEventCancelled(_) => state.map(|(event, _)| (event, true)),
        _ => state,
    })
    .await
}

async fn append(
    store: &PgEventStore,
    stream_id: &str,
    expected: ExpectedVersion,
    event: &Event,
    actor: Actor<'_>,
) -> Result<Checkpoint, PlaceError> {
    let appended = store
        .append(stream_id, expected, &[NewEvent::new(event, actor.metadata())])
        .await?;
    Ok(appended.last)
}

pub async fn publish_mosque(
    store: &PgEventStore,
    fields: MosqueFields,
    actor: Actor<'_>,
) -> Result<(Mosque, Checkpoint), PlaceError> {
    let mosque = fields.into_mosque(Uuid::now_v7())?;
    let event = Event::MosquePublished(MosquePublished { mosque: mosque.clone() });
    let checkpoint = append(
        store,
        &mosque_stream(mosque.mosque_id),
        ExpectedVersion::NoStream,
        &event,
        actor,
    )
    .await?;
    Ok((mosque, checkpoint))
}

pub async fn update_mosque(
    store: &PgEventStore,
    mosque_id: Uuid,
    fields: MosqueFields,
    actor: Actor<'_>,
) -> Result<(Mosque, Checkpoint), PlaceError> {
    let mosque = fields.into_mosque(mosque_id)?;
    let (version, current) = mosque_state(store, mosque_id).await?;
    if current.is_none() {
        return Err(PlaceError::NotFound("mosque"));
    }
    let event = Event::MosqueUpdated(MosqueUpdated { mosque: mosque.clone() });
    let checkpoint = append(
        store,
        &mosque_stream(mosque_id),
        ExpectedVersion::Exact(version),
        &event,
        actor,
    )
    .await?;
    Ok((mosque, checkpoint))
}

pub async fn remove_mosque(
    store: &PgEventStore,
    mosque_id: Uuid,
    reason: &str,
    actor: Actor<'_>,
) -> Result<Checkpoint, PlaceError> {
    let (version, current) = mosque_state(store, mosque_id).await?;
    if current.is_none() {
        return Err(PlaceError::NotFound("mosque"));
    }
    let event = Event::MosqueRemoved(MosqueRemoved {
        mosque_id,
        reason: reason.to_owned(),
    });
    append(
        store,
        &mosque_stream(mosque_id),
        ExpectedVersion::Exact(version),
        &event,
        actor,
    )
    .await
}

pub async fn publish_event(
    store: &PgEventStore,
    fields: EventFields,
    actor: Actor<'_>,
) -> Result<(CommunityEvent, Checkpoint), PlaceError> {
    let event = fields.into_event(Uuid::now_v7())?;
    let published = Event::CommunityEventPublished(CommunityEventPublished { event: event.clone() });
    let stream = community_event_stream(event.event_id);
    let checkpoint = append(store, &stream, ExpectedVersion::NoStream, &published, actor).await?;
    Ok((event, checkpoint))
}

pub async fn update_event(
    store: &PgEventStore,
    event_id: Uuid,
    fields: EventFields,
    actor: Actor<'_>,
) -> Result<(CommunityEvent, Checkpoint), PlaceError> {
    let event = fields.into_event(event_id)?;
    let (version, current) = event_state(store, event_id).await?;
    match current {
        None => return Err(PlaceError::NotFound("community event")),
        Some((_, true)) => return Err(PlaceError::Cancelled),
        Some((_, false)) => {}
    }
    let updated = Event::CommunityEventUpdated(CommunityEventUpdated { event: event.clone() });
    let stream = community_event_stream(event_id);
    let checkpoint = append(store, &stream, ExpectedVersion::Exact(version), &updated, actor).await?;
    Ok((event, checkpoint))
}

pub async fn cancel_event(
    store: &PgEventStore,
    event_id: Uuid,
    reason: &str,
    actor: Actor<'_>,
) -> Result<Checkpoint, PlaceError> {
    let (version, current) = event_state(store, event_id).await?;
    match current {
        None => return Err(PlaceError::NotFound("community event")),
        Some((_, true)) => return Err(PlaceError::Cancelled),
        Some((_, false)) => {}
    }
    let cancelled = Event::CommunityEventCancelled(CommunityEventCancelled {
        event_id,
        reason: reason.to_owned(),
    });
    let stream = community_event_stream(event_id);
    append(store, &stream, ExpectedVersion::Exact(version), &cancelled, actor).await
}

pub use hijraah_projections::queries::{Near, community_event, mosque, mosques, upcoming_events};
