//! Community endpoints: prayer times and the Hijri calendar (any authenticated role), mosques
//! and community events (read by anyone signed in; published, updated and cancelled by
//! curators and admins, each change an event naming them).

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::StatusCode;
use axum::{Extension, Json};
use chrono::Utc;
use hijraah_domain::community::{CommunityEvent, Mosque, validate_place};
use hijraah_domain::user::Role;
use hijraah_projections::Projection;
use hijraah_projections::queries::{CommunityEventView, MosqueView};
use serde::{Deserialize, Serialize};
use tower_http::request_id::RequestId;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::error::{ApiError, ErrorBody};
use super::extract::{AppJson, AppPath, AppQuery, Auth};
use super::{AppState, correlation_id};
use crate::community::places::{self, Actor, EventFields, MosqueFields, Near};
use crate::community::prayer::PrayerTimesAnswer;
use crate::community::{self, CalendarDay, prayer};
use crate::store::Checkpoint;
use hijraah_domain::calculators::prayer::{HighLatitudeRule, Madhab, Method};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(prayer_times))
        .routes(routes!(hijri))
        .routes(routes!(gregorian))
        .routes(routes!(list_mosques, publish_mosque))
        .routes(routes!(get_mosque, update_mosque, remove_mosque))
        .routes(routes!(list_events, publish_event))
        .routes(routes!(get_event, update_event))
        .routes(routes!(cancel_event))
}

/// The prayer-time parameters (documentation of the query the handler reads as a map, so that
/// an unknown parameter is refused by name rather than ignored).
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
struct PrayerTimesQuery {
    #[param(minimum = -90.0, maximum = 90.0)]
    latitude: f64,
    #[param(minimum = -180.0, maximum = 180.0)]
    longitude: f64,
    /// `YYYY-MM-DD`; default today where the place is.
    #[param(format = Date)]
    date: Option<String>,
    /// An IANA zone, e.g. `Europe/London`; default UTC.
    #[param(example = "Europe/London", max_length = 64)]
    timezone: Option<String>,
    /// Default `muslim_world_league`; `custom` takes the angles below.
    #[param(inline)]
    method: Option<Method>,
    /// Default `shafi`.
    #[param(inline)]
    madhab: Option<Madhab>,
    /// Default `middle_of_the_night`.
    #[param(inline)]
    high_latitude_rule: Option<HighLatitudeRule>,
    /// With `method=custom`: degrees below the horizon, above 0.
    #[param(exclusive_minimum = 0.0, maximum = 30.0)]
    fajr_angle: Option<f64>,
    /// With `method=custom`: degrees below the horizon, above 0.
    #[param(exclusive_minimum = 0.0, maximum = 30.0)]
    isha_angle: Option<f64>,
    /// With `method=custom`: minutes after maghrib (instead of an isha angle).
    #[param(minimum = 1, maximum = 300)]
    isha_interval: Option<i64>,
    /// With `method=custom`.
    #[param(minimum = 0.0, maximum = 30.0)]
    maghrib_angle: Option<f64>,
    /// Minutes added to the time, from -120 to 120; likewise the others.
    #[param(minimum = -120, maximum = 120)]
    adjust_fajr: Option<i64>,
    #[param(minimum = -120, maximum = 120)]
    adjust_sunrise: Option<i64>,
    #[param(minimum = -120, maximum = 120)]
    adjust_dhuhr: Option<i64>,
    #[param(minimum = -120, maximum = 120)]
    adjust_asr: Option<i64>,
    #[param(minimum = -120, maximum = 120)]
    adjust_maghrib: Option<i64>,
    #[param(minimum = -120, maximum = 120)]
    adjust_isha: Option<i64>,
}

/// The day's prayer times for a place, with every parameter used.
#[utoipa::path(get, path = "/community/prayer-times", tag = "calculators", params(PrayerTimesQuery),
    responses((status = 200, body = PrayerTimesAnswer)))]
async fn prayer_times(
    _auth: Auth,
    AppQuery(fields): AppQuery<BTreeMap<String, String>>,
) -> Result<Json<PrayerTimesAnswer>, ApiError> {
    let request = prayer::parse(&fields, Utc::now()).map_err(ApiError::invalid)?;
    Ok(Json(prayer::answer(&request)?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct HijriQuery {
    /// `YYYY-MM-DD`, within the Umm al-Qura calendar's published range (1924-08-01 to
    /// 2077-11-16); default today (UTC).
    #[param(format = Date, pattern = r"^(?:1924-(?:0[89]|1[0-2])-(?:0[1-9]|[12]\d|3[01])|(?:192[5-9]|19[3-9]\d|20[0-6]\d|207[0-6])-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])|2077-(?:0[1-9]|10)-(?:0[1-9]|[12]\d|3[01])|2077-11-(?:0[1-9]|1[0-6]))$")]
    date: Option<String>,
}

/// A Gregorian day in the Umm al-Qura calendar (1924-08-01 to 2077-11-16).
#[utoipa::path(get, path = "/calendar/hijri", tag = "calculators", params(HijriQuery),
    responses((status = 200, body = CalendarDay)))]
async fn hijri(_auth: Auth, AppQuery(query): AppQuery<HijriQuery>) -> Result<Json<CalendarDay>, ApiError> {
    let date = match query.date {
        Some(date) => community::parse_date("date", &date).map_err(ApiError::invalid)?,
        None => Utc::now().date_naive(),
    };
    Ok(Json(community::hijri_of(date)?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct GregorianQuery {
    #[param(minimum = 1343, maximum = 1500)]
    year: i32,
    #[param(minimum = 1, maximum = 12)]
    month: u32,
    #[param(minimum = 1, maximum = 30)]
    day: u32,
}

/// A Hijri day (Umm al-Qura, 1343 to 1500 AH) in the Gregorian calendar.
#[utoipa::path(get, path = "/calendar/gregorian", tag = "calculators", params(GregorianQuery),
    responses((status = 200, body = CalendarDay)))]
async fn gregorian(_auth: Auth, AppQuery(query): AppQuery<GregorianQuery>) -> Result<Json<CalendarDay>, ApiError> {
    if query.day == 0 {
        return Err(ApiError::invalid("day must be 1 to 30"));
    }
    Ok(Json(community::gregorian_of(query.year, query.month, query.day)?))
}

/// `?latitude=&longitude=&radius_km=&limit=`: both coordinates or neither.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct NearQuery {
    #[param(minimum = -90.0, maximum = 90.0)]
    latitude: Option<f64>,
    #[param(minimum = -180.0, maximum = 180.0)]
    longitude: Option<f64>,
    /// Default 50; needs latitude and longitude.
    #[param(minimum = 0.0, maximum = 20040.0)]
    radius_km: Option<f64>,
    #[param(minimum = 1, maximum = 100, default = 20)]
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
                validate_place(latitude, longitude).map_err(|error| ApiError::invalid(error.to_string()))?;
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

#[derive(Debug, Serialize, ToSchema)]
struct MosqueList {
    mosques: Vec<MosqueView>,
}

/// Mosques nearest first within the radius, or all by name without a place.
#[utoipa::path(get, path = "/community/mosques", tag = "community", params(NearQuery),
    responses((status = 200, body = MosqueList)))]
async fn list_mosques(
    State(state): State<AppState>,
    _auth: Auth,
    AppQuery(query): AppQuery<NearQuery>,
) -> Result<Json<MosqueList>, ApiError> {
    let (near, limit) = query.parse()?;
    let mosques = places::mosques(&state.pool, near, limit).await?;
    Ok(Json(MosqueList { mosques }))
}

#[utoipa::path(get, path = "/community/mosques/{id}", tag = "community", params(("id" = Uuid, Path)),
    responses(
        (status = 200, body = MosqueView),
        (status = 404, description = "No such mosque", body = ErrorBody),
    ))]
async fn get_mosque(
    State(state): State<AppState>,
    _auth: Auth,
    AppPath(id): AppPath<Uuid>,
) -> Result<Json<MosqueView>, ApiError> {
    let mut mosque = places::mosque(&state.pool, id).await?;
    if mosque.is_none() {
        // Published a moment ago, perhaps on another server, or the read model is being rebuilt.
        state.read_model_stored_current(Projection::Community).await?;
        mosque = places::mosque(&state.pool, id).await?;
    }
    mosque.map(Json).ok_or_else(|| ApiError::not_found("no such mosque"))
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

/// Publishes a mosque (curator, admin).
#[utoipa::path(post, path = "/community/mosques", tag = "community", request_body = MosqueFields,
    responses(
        (status = 201, body = Mosque),
        (status = 403, description = "Needs the curator or admin role", body = ErrorBody),
    ))]
async fn publish_mosque(
    State(state): State<AppState>,
    auth: Auth,
    request_id: Option<Extension<RequestId>>,
    AppJson(fields): AppJson<MosqueFields>,
) -> Result<(StatusCode, Json<Mosque>), ApiError> {
    let correlation = correlation_id(request_id.as_deref());
    let actor = curator(&auth, &correlation)?;
    let (mosque, checkpoint) = places::publish_mosque(&state.store, fields, actor).await?;
    settle(&state, checkpoint).await;
    Ok((StatusCode::CREATED, Json(mosque)))
}

/// Replaces a mosque's details (curator, admin); a removed mosque cannot be updated.
#[utoipa::path(put, path = "/community/mosques/{id}", tag = "community", request_body = MosqueFields,
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, body = Mosque),
        (status = 403, description = "Needs the curator or admin role", body = ErrorBody),
        (status = 404, description = "No such mosque (or removed)", body = ErrorBody),
        (status = 409, description = "Changed by another curator at the same time", body = ErrorBody),
    ))]
async fn update_mosque(
    State(state): State<AppState>,
    auth: Auth,
    request_id: Option<Extension<RequestId>>,
    AppPath(id): AppPath<Uuid>,
    AppJson(fields): AppJson<MosqueFields>,
) -> Result<Json<Mosque>, ApiError> {
    let correlation = correlation_id(request_id.as_deref());
    let actor = curator(&auth, &correlation)?;
    let (mosque, checkpoint) = places::update_mosque(&state.store, id, fields, actor).await?;
    settle(&state, checkpoint).await;
    Ok(Json(mosque))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct ReasonQuery {
    #[serde(default)]
    #[param(max_length = 500, pattern = r"^[^\u0000-\u001F\u007F-\u009F]*$")]
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

/// Removes a mosque (curator, admin).
#[utoipa::path(delete, path = "/community/mosques/{id}", tag = "community",
    params(("id" = Uuid, Path), ReasonQuery),
    responses(
        (status = 204, description = "Removed"),
        (status = 403, description = "Needs the curator or admin role", body = ErrorBody),
        (status = 404, description = "No such mosque", body = ErrorBody),
        (status = 409, description = "Changed by another curator at the same time", body = ErrorBody),
    ))]
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

#[derive(Debug, Serialize, ToSchema)]
struct EventList {
    events: Vec<CommunityEventView>,
}

/// Upcoming community events, soonest first, optionally near a place.
#[utoipa::path(get, path = "/community/events", tag = "community", params(NearQuery),
    responses((status = 200, body = EventList)))]
async fn list_events(
    State(state): State<AppState>,
    _auth: Auth,
    AppQuery(query): AppQuery<NearQuery>,
) -> Result<Json<EventList>, ApiError> {
    let (near, limit) = query.parse()?;
    let events = places::upcoming_events(&state.pool, Utc::now(), near, limit).await?;
    Ok(Json(EventList { events }))
}

#[utoipa::path(get, path = "/community/events/{id}", tag = "community", params(("id" = Uuid, Path)),
    responses(
        (status = 200, body = CommunityEventView),
        (status = 404, description = "No such community event", body = ErrorBody),
    ))]
async fn get_event(
    State(state): State<AppState>,
    _auth: Auth,
    AppPath(id): AppPath<Uuid>,
) -> Result<Json<CommunityEventView>, ApiError> {
    let mut event = places::community_event(&state.pool, id).await?;
    if event.is_none() {
        // Published a moment ago, perhaps on another server, or the read model is being rebuilt
        // (`POST /projections/community/rebuild` empties it while the log is applied again).
        state.read_model_stored_current(Projection::Community).await?;
        event = places::community_event(&state.pool, id).await?;
    }
    event
        .map(Json)
        .ok_or_else(|| ApiError::not_found("no such community event"))
}

/// Publishes a community event (curator, admin).
#[utoipa::path(post, path = "/community/events", tag = "community", request_body = EventFields,
    responses(
        (status = 201, body = CommunityEvent),
        (status = 403, description = "Needs the curator or admin role", body = ErrorBody),
    ))]
async fn publish_event(
    State(state): State<AppState>,
    auth: Auth,
    request_id: Option<Extension<RequestId>>,
    AppJson(fields): AppJson<EventFields>,
) -> Result<(StatusCode, Json<CommunityEvent>), ApiError> {
    let correlation = correlation_id(request_id.as_deref());
    let actor = curator(&auth, &correlation)?;
    let (event, checkpoint) = places::publish_event(&state.store, fields, actor).await?;
    settle(&state, checkpoint).await;
    Ok((StatusCode::CREATED, Json(event)))
}

/// Replaces a community event's details (curator, admin); a cancelled event cannot change.
#[utoipa::path(put, path = "/community/events/{id}", tag = "community", request_body = EventFields,
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, body = CommunityEvent),
        (status = 403, description = "Needs the curator or admin role", body = ErrorBody),
        (status = 404, description = "No such community event", body = ErrorBody),
        (status = 409, description = "The event was cancelled, or changed at the same time", body = ErrorBody),
    ))]
async fn update_event(
    State(state): State<AppState>,
    auth: Auth,
    request_id: Option<Extension<RequestId>>,
    AppPath(id): AppPath<Uuid>,
    AppJson(fields): AppJson<EventFields>,
) -> Result<Json<CommunityEvent>, ApiError> {
    let correlation = correlation_id(request_id.as_deref());
    let actor = curator(&auth, &correlation)?;
    let (event, checkpoint) = places::update_event(&state.store, id, fields, actor).await?;
    settle(&state, checkpoint).await;
    Ok(Json(event))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct CancelBody {
    #[serde(default)]
    #[schema(max_length = 500, pattern = r"^[^\u0000-\u001F\u007F-\u009F]*$")]
    reason: String,
}

/// Cancels a community event (curator, admin).
#[utoipa::path(post, path = "/community/events/{id}/cancel", tag = "community", request_body = CancelBody,
    params(("id" = Uuid, Path)),
    responses(
        (status = 204, description = "Cancelled"),
        (status = 403, description = "Needs the curator or admin role", body = ErrorBody),
        (status = 404, description = "No such community event", body = ErrorBody),
        (status = 409, description = "Already cancelled, or changed at the same time", body = ErrorBody),
    ))]
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
