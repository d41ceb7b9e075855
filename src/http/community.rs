//! Community endpoints: prayer times and the Hijri calendar (any authenticated role), mosques
//! and community events (read by anyone signed in; published, updated and cancelled by
//! curators and admins, each change an event naming them).

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use chrono::Utc;
use hijraah_domain::calculators::hijri::HijriError;
use hijraah_domain::calculators::prayer::PrayerError;
use hijraah_domain::community::validate_place;
use hijraah_domain::user::Role;
use hijraah_projections::Projection;
use serde::Deserialize;
use serde_json::{Value, json};
use tower_http::request_id::RequestId;
use uuid::Uuid;

use super::error::ApiError;
use super::extract::{AppJson, AppPath, AppQuery, Auth};
use super::{AppState, correlation_id};
use crate::community::places::{self, Actor, EventFields, MosqueFields, Near, PlaceError};
use crate::community::{self, prayer};
use crate::store::Checkpoint;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/community/prayer-times", get(prayer_times))
        .route("/calendar/hijri", get(hijri))
        .route("/calendar/gregorian", get(gregorian))
        .route("/community/mosques", get(list_mosques).post(publish_mosque))
        .route(
            "/community/mosques/{id}",
            get(get_mosque).put(update_mosque).delete(remove_mosque),
        )
        .route("/community/events", get(list_events).post(publish_event))
        .route("/community/events/{id}", get(get_event).put(update_event))
        .route("/community/events/{id}/cancel", post(cancel_event))
}

impl From<PrayerError> for ApiError {
    fn from(error: PrayerError) -> Self {
        ApiError::invalid(error.to_string())
    }
}

impl From<HijriError> for ApiError {
    fn from(error: HijriError) -> Self {
        ApiError::invalid(error.to_string())
    }
}

impl From<PlaceError> for ApiError {
    fn from(error: PlaceError) -> Self {
        match error {
            PlaceError::NotFound(_) => ApiError::not_found(error.to_string()),
            PlaceError::Invalid(message) => ApiError::invalid(message),
            PlaceError::Cancelled => ApiError::conflict("event_cancelled", error.to_string()),
            PlaceError::Corrupt(_) => ApiError::internal(error),
            PlaceError::Store(store) => store.into(),
        }
    }
}

async fn prayer_times(
    _auth: Auth,
    AppQuery(fields): AppQuery<BTreeMap<String, String>>,
) -> Result<Json<Value>, ApiError> {
    let request = prayer::parse(&fields, Utc::now()).map_err(ApiError::invalid)?;
    Ok(Json(prayer::answer(&request)?))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct HijriQuery {
    date: Option<String>,
}

async fn hijri(_auth: Auth, AppQuery(query): AppQuery<HijriQuery>) -> Result<Json<Value>, ApiError> {
    let date = match query.date {
        Some(date) => community::parse_date("date", &date).map_err(ApiError::invalid)?,
        None => Utc::now().date_naive(),
    };
    Ok(Json(community::hijri_of(date)?))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct GregorianQuery {
    year: i32,
    month: u32,
    day: u32,
}

async fn gregorian(_auth: Auth, AppQuery(query): AppQuery<GregorianQuery>) -> Result<Json<Value>, ApiError> {
    if query.day == 0 {
        return Err(ApiError::invalid("day must be 1 to 30"));
    }
    Ok(Json(community::gregorian_of(query.year, query.month, query.day)?))
}

/// `?latitude=&longitude=&radius_km=&limit=`: both coordinates or neither.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NearQuery {
    latitude: Option<f64>,
    longitude: Option<f64>,
    radius_km: Option<f64>,
    limit: Option<i64>,
}

/// Kilometres searched around a place when the client does not say.
const DEFAULT_RADIUS_KM: f64 = 50.0;

impl NearQuery {
    fn parse(&self) -> Result<(Option<Near>, i64), ApiError> {
        let limit = self.limit.unwrap_or(20);
        if !(1..=100).contains(&limit) {
            return Err(ApiError::invalid("limit must be 1 to 100"));
        }
        let radius_km = self.radius_km.unwrap_or(DEFAULT_RADIUS_KM);
        if !radius_km.is_finite() || !(0.0..=20_040.0).contains(&radius_km) {
            return Err(ApiError::invalid(
                "radius_km must be 0 to 20040 (half the Earth's circumference)",
            ));
        }
        let near = match (self.latitude, self.longitude) {
            (Some(latitude), Some(longitude)) => {
                validate_place(latitude, longitude).map_err(ApiError::invalid)?;
                Some(Near {
                    latitude,
                    longitude,
                    radius_km,
                })
            }
            (None, None) if self.radius_km.is_none() => None,
            (None, None) => return Err(ApiError::invalid("radius_km needs latitude and longitude")),
            _ => return Err(ApiError::invalid("send both latitude and longitude, or neither")),
        };
        Ok((near, limit))
    }
}

async fn list_mosques(
    State(state): State<AppState>,
    _auth: Auth,
    AppQuery(query): AppQuery<NearQuery>,
) -> Result<Json<Value>, ApiError> {
    let (near, limit) = query.parse()?;
    let mosques = places::mosques(&state.pool, near, limit).await?;
    Ok(Json(json!({"mosques": mosques})))
}

async fn get_mosque(
    State(state): State<AppState>,
    _auth: Auth,
    AppPath(id): AppPath<Uuid>,
) -> Result<Json<Value>, ApiError> {
    places::mosque(&state.pool, id)
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::not_found("no such mosque"))
}

/// The curator or admin making a change, with the request's correlation id.
fn curator<'a>(auth: &'a Auth, correlation: &'a Option<String>) -> Result<Actor<'a>, ApiError> {
    let principal = auth.require(&[Role::Curator, Role::Admin])?;
    Ok(Actor {
        user_id: principal.user_id.as_str(),
        correlation_id: correlation.as_deref(),
    })
}

/// Read-your-writes: the change is in the read model before the curator gets the answer.
async fn settle(state: &AppState, checkpoint: Checkpoint) {
    state
        .projector
        .wait_for(Projection::Community, checkpoint, state.read_your_writes_timeout)
        .await;
}

async fn publish_mosque(
    State(state): State<AppState>,
    auth: Auth,
    request_id: Option<Extension<RequestId>>,
    AppJson(fields): AppJson<MosqueFields>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let correlation = correlation_id(request_id.as_deref());
    let actor = curator(&auth, &correlation)?;
    let (mosque, checkpoint) = places::publish_mosque(&state.store, fields, actor).await?;
    settle(&state, checkpoint).await;
    Ok((StatusCode::CREATED, Json(json!(mosque))))
}

async fn update_mosque(
    State(state): State<AppState>,
    auth: Auth,
    request_id: Option<Extension<RequestId>>,
    AppPath(id): AppPath<Uuid>,
    AppJson(fields): AppJson<MosqueFields>,
) -> Result<Json<Value>, ApiError> {
    let correlation = correlation_id(request_id.as_deref());
    let actor = curator(&auth, &correlation)?;
    let (mosque, checkpoint) = places::update_mosque(&state.store, id, fields, actor).await?;
    settle(&state, checkpoint).await;
    Ok(Json(json!(mosque)))
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ReasonQuery {
    #[serde(default)]
    reason: String,
}

fn checked_reason(reason: &str) -> Result<&str, ApiError> {
    let reason = reason.trim();
    if reason.chars().count() > 500 || reason.chars().any(char::is_control) {
        return Err(ApiError::invalid(
            "reason must be at most 500 characters, without control characters",
        ));
    }
    Ok(reason)
}

async fn remove_mosque(
    State(state): State<AppState>,
    auth: Auth,
    request_id: Option<Extension<RequestId>>,
    AppPath(id): AppPath<Uuid>,
    AppQuery(query): AppQuery<ReasonQuery>,
) -> Result<StatusCode, ApiError> {
    let correlation = correlation_id(request_id.as_deref());
    let actor = curator(&auth, &correlation)?;
    let checkpoint = places::remove_mosque(&state.store, id, checked_reason(&query.reason)?, actor).await?;
    settle(&state, checkpoint).await;
    Ok(StatusCode::NO_CONTENT)
}

async fn list_events(
    State(state): State<AppState>,
    _auth: Auth,
    AppQuery(query): AppQuery<NearQuery>,
) -> Result<Json<Value>, ApiError> {
    let (near, limit) = query.parse()?;
    let events = places::upcoming_events(&state.pool, Utc::now(), near, limit).await?;
    Ok(Json(json!({"events": events})))
}

async fn get_event(
    State(state): State<AppState>,
    _auth: Auth,
    AppPath(id): AppPath<Uuid>,
) -> Result<Json<Value>, ApiError> {
    places::community_event(&state.pool, id)
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::not_found("no such community event"))
}

async fn publish_event(
    State(state): State<AppState>,
    auth: Auth,
    request_id: Option<Extension<RequestId>>,
    AppJson(fields): AppJson<EventFields>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let correlation = correlation_id(request_id.as_deref());
    let actor = curator(&auth, &correlation)?;
    let (event, checkpoint) = places::publish_event(&state.store, fields, actor).await?;
    settle(&state, checkpoint).await;
    Ok((StatusCode::CREATED, Json(json!(event))))
}

async fn update_event(
    State(state): State<AppState>,
    auth: Auth,
    request_id: Option<Extension<RequestId>>,
    AppPath(id): AppPath<Uuid>,
    AppJson(fields): AppJson<EventFields>,
) -> Result<Json<Value>, ApiError> {
    let correlation = correlation_id(request_id.as_deref());
    let actor = curator(&auth, &correlation)?;
    let (event, checkpoint) = places::update_event(&state.store, id, fields, actor).await?;
    settle(&state, checkpoint).await;
    Ok(Json(json!(event)))
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct CancelBody {
    #[serde(default)]
    reason: String,
}

async fn cancel_event(
    State(state): State<AppState>,
    auth: Auth,
    request_id: Option<Extension<RequestId>>,
    AppPath(id): AppPath<Uuid>,
    AppJson(body): AppJson<CancelBody>,
) -> Result<StatusCode, ApiError> {
    let correlation = correlation_id(request_id.as_deref());
    let actor = curator(&auth, &correlation)?;
    let checkpoint = places::cancel_event(&state.store, id, checked_reason(&body.reason)?, actor).await?;
    settle(&state, checkpoint).await;
    Ok(StatusCode::NO_CONTENT)
}
