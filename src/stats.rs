//! Counts of the log's events over a window, grouped and filtered by what analysts ask about,
//! without writing a projection: `GET /api/v1/events/stats` and `hijraah events stats`.
//!
//! They read `event_counts_minute` and `event_counts_hour` (migrations/0015), which the append
//! function keeps in the statement that appends the events (migrations/0019), never the events' sealed payloads. A window's whole
//! hours come from the hourly counts and its ragged ends from the per-minute ones, so a question
//! over a month reads a few thousand rows however many events the month holds. Counts are kept
//! per minute: a window's ends are widened to whole minutes, and the answer says which window it
//! counted. The shape is the contract's: `{"groups": [{"key", "count"}], "total"}`.

use chrono::{DateTime, Duration, DurationRound, NaiveDate, TimeZone, Utc};
use serde::Serialize;
use sqlx::{AssertSqlSafe, PgPool};

/// One row of a stats query: the time bucket or the text key, the group's count, and the total.
type StatsRow = (Option<DateTime<Utc>>, Option<String>, i64, i64);

/// The most groups one answer holds; past it the answer says `truncated`.
pub const MAX_GROUPS: usize = 10_000;
/// The most values one filter takes.
const MAX_FILTER_VALUES: usize = 50;

/// What events can be grouped by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dimension {
    /// The event's type (`UserRequestReceived`, `AgentReplied`...).
    Type,
    /// The stream's category: its id before the first `-` (`conversation`, `user`, `knowledge`).
    Category,
    /// The agent type an event names (replies, failures, feedback).
    Agent,
    /// The language a request was asked in.
    Language,
    /// The UTC day.
    Day,
    /// The UTC hour.
    Hour,
}

impl Dimension {
    pub const ALL: [Dimension; 6] = [
        Dimension::Type,
        Dimension::Category,
        Dimension::Agent,
        Dimension::Language,
        Dimension::Day,
        Dimension::Hour,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Dimension::Type => "type",
            Dimension::Category => "category",
            Dimension::Agent => "agent",
            Dimension::Language => "language",
            Dimension::Day => "day",
            Dimension::Hour => "hour",
        }
    }

    fn expression(self) -> &'static str {
        match self {
            Dimension::Type => "event_type",
            Dimension::Category => "category",
            Dimension::Agent => "NULLIF(agent, '')",
            Dimension::Language => "NULLIF(language, '')",
            Dimension::Day => "date_trunc('day', bucket, 'UTC')",
            Dimension::Hour => "date_trunc('hour', bucket, 'UTC')",
        }
    }

    fn is_time(self) -> bool {
        matches!(self, Dimension::Day | Dimension::Hour)
    }
}

impl std::str::FromStr for Dimension {
    type Err = StatsError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Dimension::ALL
            .into_iter()
            .find(|dimension| dimension.name() == text)
            .ok_or_else(|| {
                StatsError::Invalid(format!(
                    "group_by: unknown dimension {text:?}; use one of {}",
                    Dimension::ALL.map(Dimension::name).join(", ")
                ))
            })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StatsError {
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// A question: the grouping (none: the total only), the window `[from, to)` and the filters (each
/// a set of values, any of which matches; empty: no filter).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StatsQuery {
    pub group_by: Option<Dimension>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub types: Vec<String>,
    pub categories: Vec<String>,
    pub agents: Vec<String>,
    pub languages: Vec<String>,
}

impl StatsQuery {
    /// Reads the query-string form: comma-separated filters, RFC 3339 times or dates.
    #[allow(clippy::too_many_arguments)]
    pub fn parse(
        group_by: Option<&str>,
        from: Option<&str>,
        to: Option<&str>,
        types: Option<&str>,
        categories: Option<&str>,
        agents: Option<&str>,
        languages: Option<&str>,
    ) -> Result<Self, StatsError> {
        let group_by = match group_by.filter(|name| !name.is_empty()) {
            Some(name) => Some(name.parse::<Dimension>()?),
            None => None,
        };
        let query = StatsQuery {
            group_by,
            from: time("from", from)?,
            to: time("to", to)?,
            types: list("type", types)?,
            categories: list("category", categories)?,
            agents: list("agent", agents)?,
            languages: list("language", languages)?,
        };
        if let (Some(from), Some(to)) = (query.from, query.to)
            && from >= to
        {
            return Err(StatsError::Invalid("from must be before to".to_owned()));
        }
        Ok(query)
    }
}

fn list(name: &str, value: Option<&str>) -> Result<Vec<String>, StatsError> {
    let Some(value) = value else { return Ok(Vec::new()) };
    let values: Vec<String> = value
        .split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(str::to_owned)
        .collect();
    if values.len() > MAX_FILTER_VALUES {
        return Err(StatsError::Invalid(format!(
            "{name}: at most {MAX_FILTER_VALUES} values"
        )));
    }
    // Any other value is taken, and matches nothing when no event has it; PostgreSQL's text
    // cannot hold NUL, so that alone is refused.
    if values.iter().any(|item| item.contains('\0')) {
        return Err(StatsError::Invalid(format!("{name}: a value holds a NUL character")));
    }
    Ok(values)
}

/// Whether `value` has the shape the API documents for a time (not whether the date exists):
/// a date, or RFC 3339 with `T`, seconds, up to 9 fractional digits and `Z` or an offset.
fn time_shape(value: &str) -> bool {
    let bytes = value.as_bytes();
    let digits =
        |range: std::ops::Range<usize>| bytes.get(range).is_some_and(|part| part.iter().all(u8::is_ascii_digit));
    let at = |index: usize, byte: u8| bytes.get(index) == Some(&byte);
    if !(digits(0..4) && at(4, b'-') && digits(5..7) && at(7, b'-') && digits(8..10)) {
        return false;
    }
    if bytes.len() == 10 {
        return true;
    }
    if !(at(10, b'T') && digits(11..13) && at(13, b':') && digits(14..16) && at(16, b':') && digits(17..19)) {
        return false;
    }
    let mut rest = &bytes[19..];
    if rest.first() == Some(&b'.') {
        let fraction = rest[1..].iter().take_while(|byte| byte.is_ascii_digit()).count();
        if !(1..=9).contains(&fraction) {
            return false;
        }
        rest = &rest[1 + fraction..];
    }
    match rest {
        [b'Z'] => true,
        [b'+' | b'-', h1, h2, b':', m1, m2] => [h1, h2, m1, m2].iter().all(|byte| byte.is_ascii_digit()),
        _ => false,
    }
}

pub(crate) fn time(name: &str, value: Option<&str>) -> Result<Option<DateTime<Utc>>, StatsError> {
    let Some(value) = value.filter(|value| !value.is_empty()) else {
        return Ok(None);
    };
    if !time_shape(value) {
        return Err(StatsError::Invalid(format!(
            "{name}: {value:?} is not a time; use RFC 3339 (2026-11-01T00:00:00Z) or a date (2026-11-01)"
        )));
    }
    let parsed = DateTime::parse_from_rfc3339(value)
        .map(|time| time.with_timezone(&Utc))
        .or_else(|_| {
            // A bare date is that day's start, UTC.
            NaiveDate::parse_from_str(value, "%Y-%m-%d")
                .map(|day| Utc.from_utc_datetime(&day.and_time(Default::default())))
        })
        .map_err(|_| {
            StatsError::Invalid(format!(
                "{name}: {value:?} is not a time; use RFC 3339 (2026-11-01T00:00:00Z) or a date (2026-11-01)"
            ))
        })?;
    if !(earliest()..=latest()).contains(&parsed) {
        return Err(StatsError::Invalid(format!(
            "{name}: out of range (years 1970 to 9998)"
        )));
    }
    Ok(Some(parsed))
}

fn earliest() -> DateTime<Utc> {
    DateTime::UNIX_EPOCH
}

fn latest() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(9999, 1, 1, 0, 0, 0)
        .single()
        .unwrap_or(DateTime::UNIX_EPOCH)
}

fn floor(time: DateTime<Utc>, step: Duration) -> DateTime<Utc> {
    time.duration_trunc(step).unwrap_or(time)
}

fn ceil(time: DateTime<Utc>, step: Duration) -> DateTime<Utc> {
    let floored = floor(time, step);
    if floored == time { time } else { floored + step }
}

/// The rows a window `[lower, upper)` reads: whole hours from the hourly counts, the rest from the
/// per-minute counts, never both for one minute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Plan {
    hours: (DateTime<Utc>, DateTime<Utc>),
    minutes_before: (DateTime<Utc>, DateTime<Utc>),
    minutes_after: (DateTime<Utc>, DateTime<Utc>),
}

fn plan(lower: DateTime<Utc>, upper: DateTime<Utc>) -> Plan {
    let first_hour = ceil(lower, Duration::hours(1));
    let last_hour = floor(upper, Duration::hours(1));
    if first_hour < last_hour {
        Plan {
            hours: (first_hour, last_hour),
            minutes_before: (lower, first_hour),
            minutes_after: (last_hour, upper),
        }
    } else {
        Plan {
            hours: (lower, lower),
            minutes_before: (lower, upper),
            minutes_after: (upper, upper),
        }
    }
}

/// One group: its value (`null`: the events name none, as a request names no agent) and count.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Group {
    /// A type, category, agent or language; a day `2026-11-01`; an hour `2026-11-01T10:00:00Z`.
    pub key: Option<String>,
    pub count: i64,
}

/// The answer.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Stats {
    /// By time when grouped by day or hour, else the largest first; empty without `group_by`.
    pub groups: Vec<Group>,
    /// Events in the window that pass the filters, over every group (also when truncated).
    pub total: i64,
    pub group_by: Option<&'static str>,
    /// The window counted, widened to whole minutes (`null`: unbounded).
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    /// More than [`MAX_GROUPS`] groups: the first ones only.
    pub truncated: bool,
}

/// Counts events as `query` asks.
pub async fn stats(pool: &PgPool, query: &StatsQuery) -> Result<Stats, StatsError> {
    let from = query.from.map(|time| floor(time, Duration::minutes(1)));
    let to = query.to.map(|time| ceil(time, Duration::minutes(1)));
    let plan = plan(from.unwrap_or_else(earliest), to.unwrap_or_else(latest));

    let columns = "bucket, event_type, category, agent, language, events";
    let filters = "($7::text[] IS NULL OR event_type = ANY($7)) AND ($8::text[] IS NULL OR category = ANY($8))
         AND ($9::text[] IS NULL OR agent = ANY($9)) AND ($10::text[] IS NULL OR language = ANY($10))";
    let counts = format!(
        "SELECT {columns} FROM event_counts_hour WHERE bucket >= $1 AND bucket < $2 AND {filters}
         UNION ALL
         SELECT {columns} FROM event_counts_minute
         WHERE ((bucket >= $3 AND bucket < $4) OR (bucket >= $5 AND bucket < $6)) AND {filters}"
    );
    let sql = match query.group_by {
        None => format!(
            "SELECT NULL::timestamptz, NULL::text, COALESCE(sum(events), 0)::bigint, COALESCE(sum(events), 0)::bigint
             FROM ({counts}) counts"
        ),
        Some(dimension) => {
            // A time as a time (to format it), anything else as text, in the column that suits it.
            let (time, text) = if dimension.is_time() {
                (dimension.expression(), "NULL::text")
            } else {
                ("NULL::timestamptz", dimension.expression())
            };
            let order = if dimension.is_time() { "1" } else { "3 DESC, 2" };
            format!(
                "SELECT {time}, {text}, sum(events)::bigint, (sum(sum(events)) OVER ())::bigint
                 FROM ({counts}) counts GROUP BY 1, 2 ORDER BY {order} LIMIT {}",
                MAX_GROUPS + 1
            )
        }
    };
    let filter = |values: &Vec<String>| (!values.is_empty()).then(|| values.clone());
    let rows: Vec<StatsRow> = sqlx::query_as(AssertSqlSafe(sql))
        .bind(plan.hours.0)
        .bind(plan.hours.1)
        .bind(plan.minutes_before.0)
        .bind(plan.minutes_before.1)
        .bind(plan.minutes_after.0)
        .bind(plan.minutes_after.1)
        .bind(filter(&query.types))
        .bind(filter(&query.categories))
        .bind(filter(&query.agents))
        .bind(filter(&query.languages))
        .fetch_all(pool)
        .await?;

    let total = rows.first().map_or(0, |row| row.3);
    let truncated = rows.len() > MAX_GROUPS;
    let groups = match query.group_by {
        None => Vec::new(),
        Some(dimension) => rows
            .into_iter()
            .take(MAX_GROUPS)
            .map(|(time, text, count, _)| Group {
                key: match (dimension, time) {
                    (Dimension::Day, Some(time)) => Some(time.format("%Y-%m-%d").to_string()),
                    (Dimension::Hour, Some(time)) => Some(time.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
                    _ => text,
                },
                count,
            })
            .collect(),
    };
    Ok(Stats {
        groups,
        total,
        group_by: query.group_by.map(Dimension::name),
        from,
        to,
        truncated,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn a_window_reads_whole_hours_once_and_its_ends_by_the_minute() {
        let window = super::plan(at("2026-11-01T10:15:00Z"), at("2026-11-01T13:30:00Z"));
        assert_eq!(window.hours, (at("2026-11-01T11:00:00Z"), at("2026-11-01T13:00:00Z")));
        assert_eq!(
            window.minutes_before,
            (at("2026-11-01T10:15:00Z"), at("2026-11-01T11:00:00Z"))
        );
        assert_eq!(
            window.minutes_after,
            (at("2026-11-01T13:00:00Z"), at("2026-11-01T13:30:00Z"))
        );

        // Within one hour: minutes only, counted once.
        let window = super::plan(at("2026-11-01T10:05:00Z"), at("2026-11-01T10:20:00Z"));
        assert_eq!(window.hours.0, window.hours.1);
        assert_eq!(
            window.minutes_before,
            (at("2026-11-01T10:05:00Z"), at("2026-11-01T10:20:00Z"))
        );
        assert_eq!(window.minutes_after.0, window.minutes_after.1);

        // Whole hours on both ends: no minutes.
        let window = super::plan(at("2026-11-01T10:00:00Z"), at("2026-11-01T12:00:00Z"));
        assert_eq!(window.hours, (at("2026-11-01T10:00:00Z"), at("2026-11-01T12:00:00Z")));
        assert_eq!(window.minutes_before.0, window.minutes_before.1);
        assert_eq!(window.minutes_after.0, window.minutes_after.1);
    }

    #[test]
    fn the_query_string_is_read_strictly() {
        let query = StatsQuery::parse(
            Some("day"),
            Some("2026-11-01"),
            Some("2026-11-02T00:00:30+01:00"),
            Some("AgentReplied,UserRequestReceived"),
            None,
            Some(""),
            None,
        )
        .unwrap();
        assert_eq!(query.group_by, Some(Dimension::Day));
        assert_eq!(query.from, Some(at("2026-11-01T00:00:00Z")));
        assert_eq!(query.to, Some(at("2026-11-01T23:00:30Z")));
        assert_eq!(query.types, vec!["AgentReplied", "UserRequestReceived"]);
        assert!(query.agents.is_empty());

        for (by, from, until, types) in [
            (Some("week"), None, None, None),
            (Some("type,day"), None, None, None),
            (None, Some("yesterday"), None, None),
            (None, Some("2026-11-02"), Some("2026-11-01"), None),
            (None, Some("1900-01-01"), None, None),
            (None, None, None, Some("Agent\u{0}Replied")),
            // The documented shapes exactly: no spaces, `T`, an offset with its colon.
            (Some(" day"), None, None, None),
            (None, Some(" 2026-11-01"), None, None),
            (None, Some("2026-11-01 10:00:00Z"), None, None),
            (None, Some("2026-11-01T10:00:00+0100"), None, None),
            (None, Some("2026-11-01T10:00:00.1234567890Z"), None, None),
            (None, Some("2026-02-30"), None, None),
        ] {
            let outcome = StatsQuery::parse(by, from, until, types, None, None, None);
            assert!(
                matches!(outcome, Err(StatsError::Invalid(_))),
                "{by:?} {from:?} {until:?} {types:?}"
            );
        }
    }
}
