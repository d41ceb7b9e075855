//! `GET /api/v1/events`: the log in global order for analysts, as pages of JSON or live as
//! server-sent events (`Accept: text/event-stream`), resuming after `after` or `Last-Event-ID`.

use std::convert::Infallible;
use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::http::header::ACCEPT;
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::stream::{self, Stream};
use hijraah_domain::Envelope;
use hijraah_domain::user::Role;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::error::{ApiError, ErrorBody};
use super::extract::{AppQuery, Auth};
use crate::store::LogFollower;

pub const MAX_PAGE: i64 = 1000;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(events)).routes(routes!(stats))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct StatsParams {
    /// Group by one of: type, category, agent, language, day, hour (none: the total only).
    #[serde(default)]
    #[param(example = "day", pattern = r"^(?:|type|category|agent|language|day|hour)$")]
    group_by: Option<String>,
    /// The window's start (RFC 3339, or a date: that day's start, UTC); widened to the minute.
    #[serde(default)]
    #[param(
        pattern = r"^(?:|[0-9]{4}-[0-9]{2}-[0-9]{2}(?:T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,9})?(?:Z|[+-][0-9]{2}:[0-9]{2}))?)$"
    )]
    from: Option<String>,
    /// The window's end, excluded; widened to the minute.
    #[serde(default)]
    #[param(
        pattern = r"^(?:|[0-9]{4}-[0-9]{2}-[0-9]{2}(?:T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,9})?(?:Z|[+-][0-9]{2}:[0-9]{2}))?)$"
    )]
    to: Option<String>,
    /// Only these event types (comma-separated).
    #[serde(default, rename = "type")]
    #[param(rename = "type", pattern = r"^[^\u0000]*$")]
    event_type: Option<String>,
    /// Only these stream categories (`conversation`, `user`, `knowledge`...).
    #[serde(default)]
    #[param(pattern = r"^[^\u0000]*$")]
    category: Option<String>,
    /// Only events naming these agent types.
    #[serde(default)]
    #[param(pattern = r"^[^\u0000]*$")]
    agent: Option<String>,
    /// Only requests in these languages.
    #[serde(default)]
    #[param(pattern = r"^[^\u0000]*$")]
    language: Option<String>,
}

/// Counts of the log's events over a window, grouped and filtered, from counts kept as events
/// are appended (never the sealed contents).
#[utoipa::path(get, path = "/events/stats", tag = "events", params(StatsParams),
    responses(
        (status = 200, description = "The counts", body = crate::stats::Stats),
        (status = 403, description = "Needs the analyst or admin role", body = ErrorBody),
        (status = 422, description = "An unknown dimension, a malformed time or filter", body = ErrorBody),
    ))]
async fn stats(
    State(state): State<AppState>,
    auth: Auth,
    AppQuery(params): AppQuery<StatsParams>,
) -> Result<Json<crate::stats::Stats>, ApiError> {
    auth.require(&[Role::Analyst, Role::Admin])?;
    let query = crate::stats::StatsQuery::parse(
        params.group_by.as_deref(),
        params.from.as_deref(),
        params.to.as_deref(),
        params.event_type.as_deref(),
        params.category.as_deref(),
        params.agent.as_deref(),
        params.language.as_deref(),
    )?;
    Ok(Json(crate::stats::stats(&state.pool, &query).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct EventsQuery {
    /// Events after this position (0: from the start).
    #[serde(default)]
    #[param(minimum = 0, default = 0)]
    after: i64,
    #[serde(default = "default_limit")]
    #[param(minimum = 1, maximum = 1000, default = 100)]
    limit: i64,
    /// Only this stream's events.
    #[serde(default)]
    #[param(pattern = r"^[^\u0000]*$")]
    stream_id: Option<String>,
}

fn default_limit() -> i64 {
    100
}

#[derive(Debug, Serialize, ToSchema)]
struct EventsPage {
    events: Vec<Envelope>,
    /// Pass as `after` to get the next page; equal to `after` when there was nothing new.
    next_after: i64,
}

/// The log in global order, a page at a time; with `Accept: text/event-stream`, live as
/// server-sent events from `after` (or `Last-Event-ID`) on.
#[utoipa::path(get, path = "/events", tag = "events", params(EventsQuery),
    responses(
        (status = 200, description = "A page of events, or a live stream", content(
            (EventsPage = "application/json"),
            (String = "text/event-stream"),
        )),
        (status = 403, description = "Needs the analyst or admin role", body = ErrorBody),
        (status = 404, description = "`after` names no event (positions run from 1 to the log's head)", body = ErrorBody),
    ))]
async fn events(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    AppQuery(query): AppQuery<EventsQuery>,
) -> Result<Response, ApiError> {
    auth.require(&[Role::Analyst, Role::Admin])?;
    if !(1..=MAX_PAGE).contains(&query.limit) {
        return Err(ApiError::invalid(format!("limit must be 1 to {MAX_PAGE}")));
    }
    if query.after < 0 {
        return Err(ApiError::invalid("after must not be negative"));
    }
    let wants_stream = headers
        .get(ACCEPT)
        .and_then(|accept| accept.to_str().ok())
        .is_some_and(|accept| accept.contains("text/event-stream"));
    let last_event_id = headers
        .get("last-event-id")
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.trim().parse::<i64>().ok());
    let after = if wants_stream {
        last_event_id.unwrap_or(query.after)
    } else {
        query.after
    };
    let from = state.store.checkpoint_of(after).await?;
    if wants_stream {
        let follower = LogFollower::new(state.store.clone(), &state.notifier, from)
            .with_batch_size(query.limit)
            .only_stream(query.stream_id);
        let mut response = Sse::new(live(follower, state.vault.clone(), state.shutdown.clone()))
            .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
            .into_response();
        // A proxy in front (nginx) passes each event on as it comes instead of buffering them.
        response.headers_mut().insert(
            axum::http::HeaderName::from_static("x-accel-buffering"),
            axum::http::HeaderValue::from_static("no"),
        );
        return Ok(response);
    }
    let batch = state
        .store
        .read_all(from, query.limit, query.stream_id.as_deref())
        .await?;
    let next_after = batch.last().map_or(after, |(checkpoint, _)| checkpoint.position);
    let mut events: Vec<_> = batch.into_iter().map(|(_, envelope)| envelope).collect();
    // Personal content as its user's key opens it, or "[erased]" once the key is destroyed.
    state
        .vault
        .unseal_pooled(&mut events)
        .await
        .map_err(ApiError::internal)?;
    Ok(Json(EventsPage { events, next_after }).into_response())
}

/// Each event as one SSE message whose id is its position, so a reconnecting client resumes
/// with `Last-Event-ID`. The stream ends on a store error (the client reconnects) or at shutdown.
fn live(
    follower: LogFollower,
    vault: crate::privacy::Vault,
    shutdown: tokio_util::sync::CancellationToken,
) -> impl Stream<Item = Result<SseEvent, Infallible>> {
    let batches = stream::unfold(
        (follower, vault, shutdown),
        |(mut follower, vault, shutdown)| async move {
            match follower.next_batch(&shutdown).await {
                Ok(Some(mut batch)) => match vault.unseal_pooled(&mut batch).await {
                    Ok(()) => Some((batch, (follower, vault, shutdown))),
                    Err(error) => {
                        tracing::error!(error = %error, "event stream ended: sealed content cannot be opened");
                        None
                    }
                },
                Ok(None) => None,
                Err(error) => {
                    tracing::warn!(error = %error, "event stream ended by a store error");
                    None
                }
            }
        },
    );
    futures_util::StreamExt::flat_map(batches, |batch| {
        stream::iter(batch.into_iter().map(|envelope| {
            let event = SseEvent::default()
                .id(envelope.position.to_string())
                .event(envelope.event_type.clone())
                .json_data(&envelope)
                .unwrap_or_else(|_| SseEvent::default().comment("unserialisable event"));
            Ok(event)
        }))
    })
}
