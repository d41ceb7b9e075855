//! The community agent: prayer times, the qibla and the Hijri date for a place and a date taken
//! from `context` or the text (a city from the built-in gazetteer), and the nearest mosques and
//! upcoming community events. The method, madhab and high-latitude rule are the user's choice;
//! without one it uses the city's customary method or the stated default, and says which. Every
//! reply records the place, date and parameters it used, so it can be reproduced from the log.

use std::collections::BTreeMap;

use chrono::{NaiveDate, Utc};
use chrono_tz::Tz;
use futures_util::future::BoxFuture;
use hijraah_domain::calculators::hijri;
use hijraah_domain::calculators::prayer::{Isha, Method};
use hijraah_domain::calculators::qibla;
use serde_json::{Value, json};
use sqlx::PgPool;

use super::routing::{Keyword, kw, matches, score_keywords};
use super::{Agent, AgentAnswer, AgentError, AgentRequest, RouteScore};
use crate::community::gazetteer::{self, City};
use crate::community::places::{self, Near};
use crate::community::prayer::{self, PrayerRequest};

const PRAYER: &[Keyword] = &[
    kw("prayer time", 0.9),
    kw("prayer schedule", 0.9),
    kw("timetable", 0.5),
    kw("when is fajr", 0.9),
    kw("when to pray", 0.9),
    kw("prayer", 0.6),
    kw("pray", 0.5),
    kw("salah", 0.6),
    kw("salat", 0.6),
    kw("namaz", 0.6),
    kw("fajr", 0.6),
    kw("dhuhr", 0.6),
    kw("zuhr", 0.6),
    kw("asr", 0.6),
    kw("maghrib", 0.6),
    kw("isha", 0.6),
    kw("sunrise", 0.3),
    kw("iftar time", 0.7),
    kw("suhoor", 0.6),
    kw("مواقيت", 0.9),
    kw("أوقات الصلاة", 0.9),
    kw("اوقات الصلاة", 0.9),
    kw("صلاة", 0.6),
    kw("الصلاه", 0.6),
    kw("الفجر", 0.6),
    kw("المغرب", 0.6),
    kw("نماز", 0.6),
];
const QIBLA: &[Keyword] = &[
    kw("qibla", 0.95),
    kw("qiblah", 0.95),
    kw("kiblat", 0.95),
    kw("direction of the kaaba", 0.95),
    kw("direction of makkah", 0.9),
    kw("direction of mecca", 0.9),
    kw("قبلة", 0.95),
    kw("القبلة", 0.95),
];
const HIJRI: &[Keyword] = &[
    kw("hijri", 0.9),
    kw("islamic date", 0.9),
    kw("islamic calendar", 0.9),
    kw("lunar date", 0.7),
    kw("islamic month", 0.8),
    kw("هجري", 0.9),
    kw("الهجري", 0.9),
];
const MOSQUE: &[Keyword] = &[
    kw("mosque", 0.8),
    kw("masjid", 0.8),
    kw("jumu'ah", 0.6),
    kw("jummah", 0.6),
    kw("friday prayer", 0.6),
    kw("مسجد", 0.8),
    kw("المسجد", 0.8),
];
const EVENTS: &[Keyword] = &[
    kw("community event", 0.9),
    kw("events", 0.6),
    kw("event", 0.5),
    kw("halaqa", 0.7),
    kw("iftar", 0.5),
    kw("eid prayer", 0.7),
    kw("fundraiser", 0.5),
    kw("class", 0.3),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Intent {
    PrayerTimes,
    Qibla,
    Hijri,
    Mosques,
    Events,
}

fn intents(content: &str) -> Vec<Intent> {
    [
        (Intent::PrayerTimes, PRAYER),
        (Intent::Qibla, QIBLA),
        (Intent::Hijri, HIJRI),
        (Intent::Mosques, MOSQUE),
        (Intent::Events, EVENTS),
    ]
    .into_iter()
    .filter(|(_, keywords)| score_keywords(content, keywords).score >= 0.5)
    .map(|(intent, _)| intent)
    .collect()
}

/// Method names as users write them.
const METHOD_NAMES: &[(&str, Method)] = &[
    ("muslim world league", Method::MuslimWorldLeague),
    ("mwl", Method::MuslimWorldLeague),
    ("isna", Method::Isna),
    ("north america", Method::Isna),
    ("egyptian", Method::Egyptian),
    ("karachi", Method::Karachi),
    ("umm al-qura", Method::UmmAlQura),
    ("umm al qura", Method::UmmAlQura),
    ("tehran", Method::Tehran),
    ("dubai", Method::Dubai),
    ("qatar", Method::Qatar),
    ("kuwait", Method::Kuwait),
    ("singapore", Method::Singapore),
    ("muis", Method::Singapore),
    ("diyanet", Method::Turkey),
    ("turkey", Method::Turkey),
    ("moonsighting", Method::MoonsightingCommittee),
];

/// Where the answer is for, and where that came from.
struct Place {
    name: String,
    latitude: f64,
    longitude: f64,
    timezone: Option<Tz>,
    city: Option<&'static City>,
    source: &'static str,
}

fn context_str(context: &Value, key: &str) -> Option<String> {
    match context.get(key)? {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        Value::Bool(flag) => Some(flag.to_string()),
        _ => None,
    }
}

/// A problem with the user's input, said back to them.
struct Unusable(String);

fn place_of(request: &AgentRequest) -> Result<Option<Place>, Unusable> {
    let context = &request.context;
    let timezone = match context_str(context, "timezone") {
        Some(name) => Some(name.parse::<Tz>().map_err(|_| {
            Unusable(format!(
                "`{name}` is not a time zone I know; use an IANA name such as Europe/London"
            ))
        })?),
        None => None,
    };
    let latitude = context_str(context, "latitude");
    let longitude = context_str(context, "longitude");
    if latitude.is_some() || longitude.is_some() {
        let parse = |field: &str, value: Option<String>| -> Result<f64, Unusable> {
            value
                .and_then(|v| v.parse::<f64>().ok())
                .ok_or_else(|| Unusable(format!("the context needs a numeric {field} with the other coordinate")))
        };
        let (latitude, longitude) = (parse("latitude", latitude)?, parse("longitude", longitude)?);
        hijraah_domain::community::validate_place(latitude, longitude).map_err(Unusable)?;
        return Ok(Some(Place {
            name: format!("{latitude:.4}, {longitude:.4}"),
            latitude,
            longitude,
            timezone,
            city: None,
            source: "context",
        }));
    }
    let named = match context_str(context, "city") {
        Some(name) => Some(gazetteer::by_name(&name).ok_or_else(|| {
            Unusable(format!(
                "I do not know the city `{name}`; send its latitude, longitude and timezone in the context"
            ))
        })?),
        None => gazetteer::find_in_text(&request.content),
    };
    Ok(named.map(|city| Place {
        name: format!("{}, {}", city.name, city.country),
        latitude: city.latitude,
        longitude: city.longitude,
        timezone: timezone.or_else(|| city.timezone.parse().ok()),
        city: Some(city),
        source: "gazetteer",
    }))
}

/// The date asked about: the context's, a date in the text, "tomorrow"/"yesterday", or today
/// where the user is.
fn date_of(request: &AgentRequest, timezone: Tz) -> Result<NaiveDate, Unusable> {
    if let Some(date) = context_str(&request.context, "date") {
        return crate::community::parse_date("date", &date).map_err(Unusable);
    }
    let lower = request.content.to_lowercase();
    if let Some(found) = lower
        .split(|c: char| !(c.is_ascii_digit() || c == '-'))
        .find(|word| word.len() == 10 && word.as_bytes()[4] == b'-' && word.as_bytes()[7] == b'-')
    {
        return crate::community::parse_date("the date", found).map_err(Unusable);
    }
    let today = Utc::now().with_timezone(&timezone).date_naive();
    let offset = if matches(&lower, "tomorrow") || lower.contains("غدا") || lower.contains("بكرة") {
        1
    } else if matches(&lower, "yesterday") || lower.contains("أمس") {
        -1
    } else {
        0
    };
    Ok(today + chrono::Duration::days(offset))
}

fn method_of(request: &AgentRequest) -> Option<Method> {
    let lower = request.content.to_lowercase();
    METHOD_NAMES
        .iter()
        .find(|(name, _)| {
            matches(&lower, name) && gazetteer::find_in_text(name).is_none_or(|_| lower.contains("method"))
        })
        .map(|(_, method)| *method)
}

pub struct CommunityAgent {
    agent_id: String,
    pool: PgPool,
}

fn clock(time: chrono::DateTime<Utc>, timezone: Tz, date: NaiveDate) -> String {
    let local = time.with_timezone(&timezone);
    let mut text = local.format("%H:%M").to_string();
    if local.date_naive() > date {
        text.push_str(" (next day)");
    } else if local.date_naive() < date {
        text.push_str(" (previous day)");
    }
    text
}

impl CommunityAgent {
    pub fn new(agent_id: impl Into<String>, pool: PgPool) -> Self {
        Self {
            agent_id: agent_id.into(),
            pool,
        }
    }

    /// The prayer-time request: the user's options from the context or the text, else the
    /// city's customary method, else the stated default.
    fn prayer_request(&self, request: &AgentRequest, place: &Place) -> Result<(PrayerRequest, String), Unusable> {
        let mut fields = BTreeMap::new();
        for field in prayer::FIELDS {
            if let Some(value) = context_str(&request.context, field) {
                fields.insert((*field).to_owned(), value);
            }
        }
        fields.insert("latitude".into(), place.latitude.to_string());
        fields.insert("longitude".into(), place.longitude.to_string());
        let timezone = place.timezone.unwrap_or(Tz::UTC);
        fields.insert("timezone".into(), timezone.name().to_owned());
        fields.insert("date".into(), date_of(request, timezone)?.to_string());
        let lower = request.content.to_lowercase();
        let method_choice = if fields.contains_key("method") {
            "the method you chose".to_owned()
        } else if let Some(method) = method_of(request) {
            fields.insert("method".into(), method.name().into());
            "the method you named".to_owned()
        } else if let Some(method) = place.city.and_then(|city| city.customary_method) {
            fields.insert("method".into(), method.name().into());
            "the method customary there; ask for another if your mosque uses one".to_owned()
        } else {
            "the default; ask for another (isna, egyptian, karachi, umm_al_qura, moonsighting_committee, ...) \
             if your mosque uses one"
                .to_owned()
        };
        if !fields.contains_key("madhab") && matches(&lower, "hanafi") {
            fields.insert("madhab".into(), "hanafi".into());
        }
        if !fields.contains_key("high_latitude_rule") {
            if lower.contains("seventh of the night") {
                fields.insert("high_latitude_rule".into(), "seventh_of_the_night".into());
            } else if lower.contains("twilight angle") {
                fields.insert("high_latitude_rule".into(), "twilight_angle".into());
            }
        }
        let parsed = prayer::parse(&fields, Utc::now()).map_err(Unusable)?;
        Ok((parsed, method_choice))
    }

    fn prayer_times(&self, request: &AgentRequest, place: &Place) -> Result<(String, Value), Unusable> {
        let (prayer_request, method_choice) = self.prayer_request(request, place)?;
        let times = prayer::compute(&prayer_request).map_err(|error| Unusable(error.to_string()))?;
        let tz = prayer_request.timezone;
        let date = prayer_request.date;
        let parameters = &prayer_request.parameters;
        let isha = match parameters.isha {
            Isha::Angle(angle) => format!("isha {angle}°"),
            Isha::Interval(minutes) => format!("isha {minutes} minutes after maghrib"),
        };
        let zone_note = if place.timezone.is_none() {
            " Times are in UTC: send your timezone to get local times."
        } else {
            ""
        };
        let text = format!(
            "Prayer times for {} on {} ({}):\nFajr {} · Sunrise {} · Dhuhr {} · Asr {} · Maghrib {} · Isha {}\n\
             Method: {} (fajr {}°, {isha}), {method_choice}. Asr: {} madhab. High-latitude rule: {}.{zone_note} \
             Your mosque's timetable may differ by a minute or two.",
            place.name,
            date.format("%A %-d %B %Y"),
            tz.name(),
            clock(times.fajr, tz, date),
            clock(times.sunrise, tz, date),
            clock(times.dhuhr, tz, date),
            clock(times.asr, tz, date),
            clock(times.maghrib, tz, date),
            clock(times.isha, tz, date),
            parameters.method.name(),
            parameters.fajr_angle,
            serde_json::to_value(parameters.madhab)
                .unwrap_or_default()
                .as_str()
                .unwrap_or("shafi"),
            serde_json::to_value(parameters.high_latitude_rule)
                .unwrap_or_default()
                .as_str()
                .unwrap_or_default()
                .replace('_', " "),
        );
        let answer = prayer::answer(&prayer_request).map_err(|error| Unusable(error.to_string()))?;
        Ok((text, answer))
    }

    fn qibla(place: &Place) -> (String, Value) {
        let bearing = (qibla::bearing(place.latitude, place.longitude) * 100.0).round() / 100.0;
        (
            format!(
                "The qibla from {} is {bearing}° from true north, clockwise: the great-circle direction to the Kaaba \
                 (21.4225° N, 39.8262° E). A magnetic compass needs your local magnetic declination added.",
                place.name
            ),
            json!({"bearing_degrees": bearing, "latitude": place.latitude, "longitude": place.longitude}),
        )
    }

    fn hijri(request: &AgentRequest, timezone: Tz) -> Result<(String, Value), Unusable> {
        let date = date_of(request, timezone)?;
        let hijri = hijri::to_hijri(date).map_err(|error| Unusable(error.to_string()))?;
        Ok((
            format!(
                "{} is {} {} {} AH ({}) in the Umm al-Qura calendar. Where the month begins by local moon sighting, \
                 the date can differ by a day.",
                date.format("%A %-d %B %Y"),
                hijri.day,
                hijri.month_name_en(),
                hijri.year,
                hijri.month_name_ar(),
            ),
            crate::community::hijri_json(date, hijri),
        ))
    }

    async fn mosques(&self, place: &Place) -> Result<(String, Value), AgentError> {
        let near = Near {
            latitude: place.latitude,
            longitude: place.longitude,
            radius_km: 50.0,
        };
        let found = places::mosques(&self.pool, Some(near), 5)
            .await
            .map_err(|error| AgentError::Failed(format!("cannot read mosques: {error}")))?;
        if found.is_empty() {
            return Ok((
                format!("No mosques within 50 km of {} are listed with us yet.", place.name),
                json!([]),
            ));
        }
        let lines: Vec<String> = found
            .iter()
            .map(|m| {
                format!(
                    "- {} ({} km){}",
                    m["name"].as_str().unwrap_or_default(),
                    m["distance_km"],
                    m["address"]
                        .as_str()
                        .filter(|a| !a.is_empty())
                        .map(|a| format!(", {a}"))
                        .unwrap_or_default()
                )
            })
            .collect();
        Ok((
            format!("Mosques nearest {}:\n{}", place.name, lines.join("\n")),
            json!(
                found
                    .iter()
                    .map(|m| json!({"mosque_id": m["mosque_id"], "distance_km": m["distance_km"]}))
                    .collect::<Vec<_>>()
            ),
        ))
    }

    async fn events(&self, place: Option<&Place>) -> Result<(String, Value), AgentError> {
        let near = place.map(|place| Near {
            latitude: place.latitude,
            longitude: place.longitude,
            radius_km: 50.0,
        });
        let found = places::upcoming_events(&self.pool, Utc::now(), near, 5)
            .await
            .map_err(|error| AgentError::Failed(format!("cannot read community events: {error}")))?;
        let around = place
            .map(|p| format!(" within 50 km of {}", p.name))
            .unwrap_or_default();
        if found.is_empty() {
            return Ok((
                format!("No upcoming community events{around} are listed with us yet."),
                json!([]),
            ));
        }
        let lines: Vec<String> = found
            .iter()
            .map(|e| {
                format!(
                    "- {} — {}",
                    e["starts_at"].as_str().unwrap_or_default(),
                    e["title"].as_str().unwrap_or_default()
                )
            })
            .collect();
        Ok((
            format!("Upcoming community events{around}:\n{}", lines.join("\n")),
            json!(found.iter().map(|e| e["event_id"].clone()).collect::<Vec<_>>()),
        ))
    }

    async fn answer(&self, request: &AgentRequest) -> Result<AgentAnswer, AgentError> {
        let mut wanted = intents(&request.content);
        if wanted.is_empty() {
            // Asked through the context alone (coordinates and no words to go by).
            wanted.push(Intent::PrayerTimes);
        }
        let place = match place_of(request) {
            Ok(place) => place,
            Err(Unusable(problem)) => return Ok(unusable(problem, &wanted)),
        };
        let mut sections = Vec::new();
        let mut metadata =
            json!({"intents": wanted.iter().map(|i| format!("{i:?}")).collect::<Vec<_>>(), "citations": []});
        if let Some(place) = &place {
            metadata["place"] = json!({
                "name": place.name,
                "latitude": place.latitude,
                "longitude": place.longitude,
                "timezone": place.timezone.map(|tz| tz.name()),
                "source": place.source,
            });
        }
        let mut needs_place = false;
        for intent in &wanted {
            let outcome = match (intent, &place) {
                (Intent::Hijri, _) => Self::hijri(request, place.as_ref().and_then(|p| p.timezone).unwrap_or(Tz::UTC))
                    .map(|(text, value)| (text, "hijri", value)),
                (Intent::Events, place) => {
                    let (text, value) = self.events(place.as_ref()).await?;
                    Ok((text, "events", value))
                }
                (_, None) => {
                    needs_place = true;
                    continue;
                }
                (Intent::PrayerTimes, Some(place)) => self
                    .prayer_times(request, place)
                    .map(|(text, value)| (text, "prayer_times", value)),
                (Intent::Qibla, Some(place)) => {
                    let (text, value) = Self::qibla(place);
                    Ok((text, "qibla", value))
                }
                (Intent::Mosques, Some(place)) => {
                    let (text, value) = self.mosques(place).await?;
                    Ok((text, "mosques", value))
                }
            };
            match outcome {
                Ok((text, key, value)) => {
                    sections.push(text);
                    metadata[key] = value;
                }
                Err(Unusable(problem)) => return Ok(unusable(problem, &wanted)),
            }
        }
        if needs_place {
            sections.push(
                "For prayer times, the qibla or mosques near you, tell me your city (for example \"prayer times in \
                 Birmingham\"), or send latitude, longitude and timezone in the request's context."
                    .to_owned(),
            );
            metadata["needs"] = json!(["place"]);
        }
        let answered = sections.len() - usize::from(needs_place);
        Ok(AgentAnswer {
            content: sections.join("\n\n"),
            confidence: if answered == 0 { 0.4 } else { 0.95 },
            metadata,
        })
    }
}

fn unusable(problem: String, wanted: &[Intent]) -> AgentAnswer {
    AgentAnswer {
        content: format!("I could not work this out: {problem}."),
        confidence: 0.3,
        metadata: json!({
            "kind": "invalid_input",
            "problem": problem,
            "intents": wanted.iter().map(|i| format!("{i:?}")).collect::<Vec<_>>(),
            "citations": [],
        }),
    }
}

impl Agent for CommunityAgent {
    fn agent_id(&self) -> &str {
        &self.agent_id
    }

    fn agent_type(&self) -> &str {
        "community"
    }

    fn score(&self, request: &AgentRequest) -> RouteScore {
        let all: Vec<Keyword> = [PRAYER, QIBLA, HIJRI, MOSQUE, EVENTS].concat();
        let mut score = score_keywords(&request.content, &all);
        if score.score > 0.0 && gazetteer::find_in_text(&request.content).is_some() {
            score = score.with(0.3, "names a city in the gazetteer");
        }
        if request.context.get("latitude").is_some() && request.context.get("longitude").is_some() {
            score = score.with(0.6, "context gives a place");
        }
        score
    }

    fn handle<'a>(&'a self, request: &'a AgentRequest) -> BoxFuture<'a, Result<AgentAnswer, AgentError>> {
        Box::pin(self.answer(request))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intents_are_read_from_the_words() {
        assert_eq!(intents("What are the prayer times in London?"), [Intent::PrayerTimes]);
        assert_eq!(intents("Which way is the qibla from Tokyo?"), [Intent::Qibla]);
        assert_eq!(intents("What is the Hijri date today?"), [Intent::Hijri]);
        assert_eq!(intents("Is there a mosque near me?"), [Intent::Mosques]);
        assert!(intents("Tell me a joke").is_empty());
    }
}
