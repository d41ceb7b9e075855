//! The community agent: prayer times, the qibla, the Islamic calendar (occasions, "how many days
//! until", Hijri ⇄ Gregorian), nearest mosques and upcoming community events. The place comes
//! from `context` or a city named in the text (the gazetteer), the date from `context.date`, the
//! text ("tomorrow", "15 January 2027") or today where the user is. The method, madhab and
//! high-latitude rule are the user's choice; without one it uses the city's customary method or
//! the stated default, and says which. Every reply records the place, date and parameters it
//! used, so it can be reproduced from the log. Questions about what the texts say, even when they
//! name a prayer ("can I combine dhuhr and asr?"), are the knowledge agent's.

mod calendar;
mod request;
mod texts;

use std::collections::BTreeMap;

use chrono::{NaiveDate, Utc};
use chrono_tz::Tz;
use futures_util::future::BoxFuture;
use hijraah_domain::calculators::prayer::Isha;
use hijraah_domain::calculators::qibla;
use hijraah_domain::understanding::dates::CalendarQuestion;
use serde_json::{Value, json};
use sqlx::PgPool;

use self::request::*;
use self::texts::{Language, PrayerLine};
use super::{Agent, AgentAnswer, AgentError, AgentRequest, RouteScore};
use crate::community::places::{self, Near};
use crate::community::prayer::{self, PrayerRequest};

pub struct CommunityAgent {
    agent_id: String,
    pool: PgPool,
}

fn clock(time: chrono::DateTime<Utc>, timezone: Tz, date: NaiveDate, language: Language) -> String {
    let local = time.with_timezone(&timezone);
    let mut text = local.format("%H:%M").to_string();
    let (next, previous) = match language {
        Language::English => (" (next day)", " (previous day)"),
        Language::Arabic => (" (اليوم التالي)", " (اليوم السابق)"),
    };
    if local.date_naive() > date {
        text.push_str(next);
    } else if local.date_naive() < date {
        text.push_str(previous);
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
    fn prayer_request(
        &self,
        request: &AgentRequest,
        place: &Place,
        carried: &Carried,
    ) -> Result<(PrayerRequest, String), Unusable> {
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
        let date = match carried.date {
            Some(date) if !fields.contains_key("date") => date,
            _ => date_of(request, timezone)?,
        };
        fields.insert("date".into(), date.to_string());
        let lower = request.content.to_lowercase();
        let method_choice = if fields.contains_key("method") {
            "the method you chose".to_owned()
        } else if let Some(method) = method_of(request) {
            fields.insert("method".into(), method.name().into());
            "the method you named".to_owned()
        } else if let Some(method) = carried.method {
            fields.insert("method".into(), method.name().into());
            "the method you named before".to_owned()
        } else if let Some(method) = place.city.and_then(|city| city.customary_method) {
            fields.insert("method".into(), method.name().into());
            "the method customary there; ask for another if your mosque uses one".to_owned()
        } else {
            "the default; ask for another (isna, egyptian, karachi, umm_al_qura, moonsighting_committee, ...) \
             if your mosque uses one"
                .to_owned()
        };
        if !fields.contains_key("madhab") && (mentions_hanafi(&request.content) || carried.hanafi) {
            fields.insert("madhab".into(), "hanafi".into());
        }
        if !fields.contains_key("high_latitude_rule") {
            if lower.contains("seventh of the night") {
                fields.insert("high_latitude_rule".into(), "seventh_of_the_night".into());
            } else if lower.contains("twilight angle") {
                fields.insert("high_latitude_rule".into(), "twilight_angle".into());
            }
        }
        let parsed = prayer::parse(&fields, request.asked_at).map_err(Unusable)?;
        Ok((parsed, method_choice))
    }

    fn prayer_times(
        &self,
        request: &AgentRequest,
        place: &Place,
        carried: &Carried,
        language: Language,
    ) -> Result<(String, Value), Unusable> {
        let (prayer_request, method_choice) = self.prayer_request(request, place, carried)?;
        let times = prayer::compute(&prayer_request).map_err(|error| Unusable(error.to_string()))?;
        let tz = prayer_request.timezone;
        let date = prayer_request.date;
        let parameters = &prayer_request.parameters;
        let isha = match (parameters.isha, language) {
            (Isha::Angle(angle), Language::English) => format!("isha {angle}°"),
            (Isha::Interval(minutes), Language::English) => format!("isha {minutes} minutes after maghrib"),
            (Isha::Angle(angle), Language::Arabic) => format!("زاوية العشاء {angle}°"),
            (Isha::Interval(minutes), Language::Arabic) => format!("العشاء بعد المغرب بـ {minutes} دقيقة"),
        };
        let name_of = |value: Value| value.as_str().unwrap_or_default().replace('_', " ");
        let madhab = name_of(serde_json::to_value(parameters.madhab).unwrap_or_default());
        let rule = name_of(serde_json::to_value(parameters.high_latitude_rule).unwrap_or_default());
        let text = texts::prayer_times(
            language,
            &PrayerLine {
                place: &place.shown,
                date,
                timezone: tz.name(),
                times: [
                    times.fajr,
                    times.sunrise,
                    times.dhuhr,
                    times.asr,
                    times.maghrib,
                    times.isha,
                ]
                .map(|time| clock(time, tz, date, language)),
                method: parameters.method.name(),
                fajr_angle: parameters.fajr_angle,
                isha,
                method_choice: &method_choice,
                madhab: &madhab,
                high_latitude_rule: &rule,
                in_utc: place.timezone.is_none(),
            },
        );
        let answer = prayer::answer(&prayer_request).map_err(|error| Unusable(error.to_string()))?;
        let mut recorded = json!(answer);
        // Whether the user chose the method (a follow-up keeps it), or it was the city's or ours.
        recorded["method_chosen"] = json!(method_choice.starts_with("the method you"));
        Ok((text, recorded))
    }

    fn qibla(place: &Place, language: Language) -> (String, Value) {
        let bearing = (qibla::bearing(place.latitude, place.longitude) * 100.0).round() / 100.0;
        // How far the Kaaba is along that great circle: asked as often as its direction ("how
        // far is Mecca from London?").
        let distance_km = hijraah_domain::community::distance_km((place.latitude, place.longitude), qibla::KAABA);
        (
            texts::qibla(language, &place.shown, bearing, distance_km),
            json!({
                "bearing_degrees": bearing,
                "distance_km": (distance_km * 10.0).round() / 10.0,
                "latitude": place.latitude,
                "longitude": place.longitude
            }),
        )
    }

    async fn mosques(&self, place: &Place, language: Language) -> Result<(String, Value), AgentError> {
        let near = Near {
            latitude: place.latitude,
            longitude: place.longitude,
            radius_km: 50.0,
        };
        let found = places::mosques(&self.pool, Some(near), 5)
            .await
            .map_err(|error| AgentError::Failed(format!("cannot read mosques: {error}")))?;
        if found.is_empty() {
            return Ok((texts::no_mosques(language, &place.shown), json!([])));
        }
        let lines: Vec<String> = found
            .iter()
            .map(|m| {
                format!(
                    "- {} ({} km){}",
                    m.mosque.name,
                    m.distance_km.unwrap_or_default(),
                    Some(&m.mosque.address)
                        .filter(|a| !a.is_empty())
                        .map(|a| format!(", {a}"))
                        .unwrap_or_default()
                )
            })
            .collect();
        let heading = match language {
            Language::English => format!("Mosques nearest {}:", place.name),
            Language::Arabic => format!("أقرب المساجد إلى {}:", place.shown),
        };
        Ok((
            format!("{heading}\n{}", lines.join("\n")),
            json!(
                found
                    .iter()
                    .map(|m| json!({"mosque_id": m.mosque.mosque_id, "distance_km": m.distance_km}))
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
            .map(|e| format!("- {} — {}", e.event.starts_at.to_rfc3339(), e.event.title))
            .collect();
        Ok((
            format!("Upcoming community events{around}:\n{}", lines.join("\n")),
            json!(found.iter().map(|e| e.event.event_id).collect::<Vec<_>>()),
        ))
    }

    async fn answer(&self, request: &AgentRequest) -> Result<AgentAnswer, AgentError> {
        let language = Language::of(request);
        let (place, understood) = match read(request) {
            Ok(read) => read,
            Err(Unusable(problem)) => return Ok(unusable(language, problem, &[])),
        };
        let mut wanted: Vec<Intent> = understood.intents.iter().map(|(intent, _, _)| *intent).collect();
        if wanted.is_empty() {
            wanted.push(Intent::PrayerTimes);
        }
        let mut sections = Vec::new();
        let mut metadata =
            json!({"intents": wanted.iter().map(|i| format!("{i:?}")).collect::<Vec<_>>(), "citations": []});
        if let Some(place) = &place {
            metadata["place"] = json!({
                "name": place.name,
                "shown": place.shown,
                "latitude": place.latitude,
                "longitude": place.longitude,
                "timezone": place.timezone.map(|tz| tz.name()),
                "source": place.source,
                "country": place.city.map(|city| city.country_code.clone()),
            });
        }
        let mut needs_place = false;
        for intent in &wanted {
            let outcome = match (intent, &place) {
                (Intent::Calendar, place) => {
                    let Some(question) = &understood.calendar else { continue };
                    let today = request.today(place.as_ref().and_then(|p| p.timezone));
                    // Conversions keep the calendar endpoint's shape under `hijri`.
                    let key = match question {
                        CalendarQuestion::Occasion { .. } => "calendar",
                        _ => "hijri",
                    };
                    calendar::answer(question, today, language)
                        .map(|(text, value)| (text, key, value))
                        .map_err(Unusable)
                }
                (Intent::Events, place) => {
                    let (text, value) = self.events(place.as_ref()).await?;
                    Ok((text, "events", value))
                }
                (_, None) => {
                    needs_place = true;
                    continue;
                }
                (Intent::PrayerTimes, Some(place)) => self
                    .prayer_times(request, place, &understood.carried, language)
                    .map(|(text, value)| (text, "prayer_times", value)),
                (Intent::Qibla, Some(place)) => {
                    let (text, value) = Self::qibla(place, language);
                    Ok((text, "qibla", value))
                }
                (Intent::Mosques, Some(place)) => {
                    let (text, value) = self.mosques(place, language).await?;
                    Ok((text, "mosques", value))
                }
            };
            match outcome {
                Ok((text, key, value)) => {
                    sections.push(text);
                    metadata[key] = value;
                }
                Err(Unusable(problem)) => return Ok(unusable(language, problem, &wanted)),
            }
        }
        if needs_place {
            sections.push(match crate::community::gazetteer::unheld_in_text(&request.content) {
                Some((city, qualifier)) => texts::unheld_place(language, &city, &qualifier),
                None => texts::needs_place(language).to_owned(),
            });
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

fn unusable(language: Language, problem: String, wanted: &[Intent]) -> AgentAnswer {
    AgentAnswer {
        content: texts::unusable(language, &problem),
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
        // An unusable context still routes here by the words, so the answer can say what is wrong.
        let (place, understood) = read(request).unwrap_or_else(|_| (None, understand(request, None)));
        let mut score = RouteScore {
            score: 0.0,
            reasons: Vec::new(),
        };
        for (_, reason, weight) in &understood.intents {
            score = score.with(*weight, reason.clone());
        }
        if score.score > 0.0
            && let Some(place) = &place
        {
            score = score.with(
                0.3,
                match place.source {
                    "context" => "context gives a place".to_owned(),
                    "previous exchange" => format!("the previous answer was for {}", place.name),
                    "text" => format!("gives coordinates: {}", place.name),
                    _ => format!("names a city in the gazetteer: {}", place.name),
                },
            );
        }
        score
    }

    fn handle<'a>(&'a self, request: &'a AgentRequest) -> BoxFuture<'a, Result<AgentAnswer, AgentError>> {
        Box::pin(self.answer(request))
    }
}

/// Whether a message asks for the qibla's direction (other agents leave it to this one).
pub(crate) fn asks_qibla(content: &str) -> bool {
    request::qibla_score(content).score >= 0.9
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(content: &str) -> AgentRequest {
        AgentRequest::first_message(content)
    }

    fn intents(content: &str) -> Vec<Intent> {
        let request = request(content);
        let place = place_of(&request).ok().flatten();
        understand(&request, place.as_ref())
            .intents
            .into_iter()
            .map(|(intent, _, _)| intent)
            .collect()
    }

    #[test]
    fn intents_are_read_from_the_words() {
        assert_eq!(intents("What are the prayer times in London?"), [Intent::PrayerTimes]);
        assert_eq!(intents("Which way is the qibla from Tokyo?"), [Intent::Qibla]);
        assert_eq!(intents("Which way do I face to pray in Toronto?"), [Intent::Qibla]);
        assert_eq!(intents("ما اتجاه الصلاة في لندن؟"), [Intent::Qibla]);
        assert_eq!(
            intents("prayer times and qibla in Berlin"),
            [Intent::PrayerTimes, Intent::Qibla]
        );
        assert_eq!(intents("What is the Hijri date today?"), [Intent::Calendar]);
        assert_eq!(intents("When does Ramadan start in 2027?"), [Intent::Calendar]);
        assert_eq!(intents("Is there a mosque near me?"), [Intent::Mosques]);
        assert!(intents("Tell me a joke").is_empty());
        // Words to say on entering a mosque are for the texts, in either language; a place
        // named beside them still asks for mosques.
        assert!(intents("what is the dua for entering the mosque?").is_empty());
        assert!(intents("ما هو دعاء دخول المسجد؟").is_empty());
        assert_eq!(intents("mosques in Cairo where I can make dua"), [Intent::Mosques]);
        // How far Mecca is: the same great circle as its direction.
        assert_eq!(intents("How far is Mecca from London?"), [Intent::Qibla]);
        assert_eq!(intents("كم تبعد مكة عن القاهرة؟"), [Intent::Qibla]);
    }

    #[test]
    fn the_qibla_gives_how_far_the_kaaba_is() {
        let london = Place {
            name: "London".to_owned(),
            shown: "London".to_owned(),
            latitude: 51.5074,
            longitude: -0.1278,
            timezone: None,
            city: None,
            source: "test",
        };
        let (text, recorded) = CommunityAgent::qibla(&london, Language::English);
        // London to Mecca along the great circle: about 4,790 km.
        let distance = recorded["distance_km"].as_f64().unwrap();
        assert!((4_750.0..4_830.0).contains(&distance), "{distance}");
        assert!(text.contains(" km away"), "{text}");
        assert!(
            text.contains("118.98°") || text.contains("118.99°") || text.contains("119."),
            "{text}"
        );
    }

    /// The agent with a pool that never connects: these tests read no read model.
    fn agent() -> CommunityAgent {
        CommunityAgent::new(
            "community-test",
            sqlx::postgres::PgPoolOptions::new()
                .connect_lazy("postgres://unused@127.0.0.1:1/unused")
                .unwrap(),
        )
    }

    /// Asks `first`, then `then` as the next message of the same conversation, as the chat does:
    /// the second request carries the first exchange (its words and this agent's reply).
    async fn exchange(first: &str, then: &str) -> (AgentAnswer, RouteScore) {
        let agent = agent();
        let in_language = |content: &str| {
            let mut asked = request(content);
            if content.chars().any(hijraah_domain::understanding::text::is_arabic) {
                asked.language = "ar".into();
            }
            asked
        };
        let asked = in_language(first);
        let answered = agent.answer(&asked).await.unwrap();
        let mut next = in_language(then);
        next.previous = Some(std::sync::Arc::new(hijraah_domain::conversation::LastExchange {
            content: first.into(),
            language: asked.language.clone(),
            context: Value::Null,
            replies: vec![hijraah_domain::conversation::ExchangeReply {
                agent_type: "community".into(),
                metadata: answered.metadata,
            }],
        }));
        let score = agent.score(&next);
        (agent.answer(&next).await.unwrap(), score)
    }

    #[tokio::test]
    async fn a_short_follow_up_changes_only_the_day_or_the_place() {
        // "and tomorrow?": the same place, the next day.
        let (answer, score) = exchange("isha in Manchester today", "and tomorrow?").await;
        assert!(score.score >= 0.5, "routed here: {score:?}");
        assert_eq!(answer.metadata["prayer_times"]["date"], "2026-11-30");
        assert_eq!(answer.metadata["place"]["name"], "Manchester, United Kingdom");
        assert!(answer.content.contains("Manchester"), "{}", answer.content);
        // "what about Ankara?": the new place, on the day and by the method asked before.
        let (answer, _) = exchange("fajr in Istanbul tomorrow using ISNA", "what about Ankara?").await;
        assert_eq!(answer.metadata["place"]["name"], "Ankara, Turkey");
        assert_eq!(answer.metadata["prayer_times"]["date"], "2026-11-30");
        assert_eq!(answer.metadata["prayer_times"]["method"], "isna");
        // In Arabic, with the conjunction joined to the word.
        let (answer, _) = exchange("مواقيت الصلاة في القاهرة", "وغدا؟").await;
        assert_eq!(answer.metadata["prayer_times"]["date"], "2026-11-30");
        assert_eq!(answer.metadata["place"]["name"], "Cairo, Egypt");
        // The city as the user wrote it, beside the gazetteer's name.
        assert!(answer.content.contains("القاهرة (Cairo, Egypt)"), "{}", answer.content);
        let (answer, _) = exchange("مواقيت الصلاة في القاهرة", "وفي الرياض؟").await;
        assert_eq!(answer.metadata["place"]["name"], "Riyadh, Saudi Arabia");
        // Other ways of saying the same.
        for (then, city) in [
            ("how about Manchester?", "Manchester, United Kingdom"),
            ("same for Berlin", "Berlin, Germany"),
            ("ok and for Dubai?", "Dubai, United Arab Emirates"),
            ("what about New York", "New York City, United States"),
        ] {
            let (answer, score) = exchange("isha in Leeds today", then).await;
            assert!(score.score >= 0.5, "{then}: {score:?}");
            assert_eq!(answer.metadata["place"]["name"], city, "{then}");
        }
        let (answer, _) = exchange("isha in Leeds today", "what about friday?").await;
        assert_eq!(answer.metadata["prayer_times"]["date"], "2026-12-04");
        // The qibla, asked again for another city.
        let (answer, _) = exchange("qibla from Toronto", "and from London?").await;
        assert_eq!(answer.metadata["intents"], json!(["Qibla"]));
        assert_eq!(answer.metadata["place"]["name"], "London, United Kingdom");
        // A new question that needs a place and names none is for the previous answer's place.
        let (answer, _) = exchange("prayer times in Cairo", "which way is the qibla?").await;
        assert_eq!(answer.metadata["intents"], json!(["Qibla"]));
        assert_eq!(answer.metadata["place"]["source"], "previous exchange");
        let (direct, _) = exchange("isha in Manchester today", "qibla from Cairo").await;
        assert_eq!(answer.metadata["qibla"], direct.metadata["qibla"]);
    }

    #[tokio::test]
    async fn a_city_the_gazetteer_does_not_hold_there_gets_a_question_not_another_citys_times() {
        let agent = agent();
        let answer = agent
            .answer(&request("when is maghrib in Paris, Texas?"))
            .await
            .unwrap();
        assert!(
            answer
                .content
                .starts_with("Paris, Texas is not among the cities I know"),
            "{}",
            answer.content
        );
        assert!(!answer.content.contains("Europe/Paris"), "{}", answer.content);
        assert_eq!(answer.metadata["needs"], json!(["place"]));
        // With a state where it does hold one, that city's.
        let answer = agent
            .answer(&request("when is maghrib in Birmingham, Alabama?"))
            .await
            .unwrap();
        assert!(answer.content.contains("America/Chicago"), "{}", answer.content);
    }

    #[tokio::test]
    async fn coordinates_typed_in_the_question_are_the_place() {
        let agent = agent();
        let answer = agent
            .answer(&request("prayer times at 51.5, -0.12 please"))
            .await
            .unwrap();
        assert_eq!(answer.metadata["place"]["latitude"], 51.5, "{}", answer.metadata);
        assert_eq!(answer.metadata["place"]["longitude"], -0.12);
        assert_eq!(answer.metadata["place"]["timezone"], "Europe/London");
        assert!(answer.content.contains("near London"), "{}", answer.content);
        // Far from any city: the times in UTC, said so.
        let answer = agent.answer(&request("prayer times at -45.5, -130.25")).await.unwrap();
        assert_eq!(answer.metadata["place"]["timezone"], Value::Null, "{}", answer.metadata);
        // Amounts are not coordinates.
        assert_eq!(
            request::coordinates_in_text("I have 12,000 and gold is 85.5 a gram"),
            None
        );
        assert_eq!(request::coordinates_in_text("2.5, 3"), None);
        assert_eq!(
            request::coordinates_in_text("qibla from 21.4225 39.8262?"),
            Some((21.4225, 39.8262))
        );
        assert_eq!(request::coordinates_in_text("at 95.5, 10.5"), None);
    }

    #[tokio::test]
    async fn a_chosen_method_and_madhab_carry_through_several_follow_ups() {
        let (answer, _) = exchange("isha in London with hanafi asr using ISNA", "and tomorrow?").await;
        assert_eq!(answer.metadata["prayer_times"]["method"], "isna");
        assert_eq!(answer.metadata["prayer_times"]["madhab"], "hanafi");
        // A city's customary method is not carried to another city.
        let (answer, _) = exchange("fajr in Istanbul", "and in Cairo?").await;
        assert_eq!(answer.metadata["prayer_times"]["method"], "egyptian");
    }

    #[tokio::test]
    async fn other_messages_after_a_prayer_time_answer_are_not_taken_for_follow_ups() {
        for then in [
            "what's 2+2?",
            "and 5?",
            "tomorrow I am moving to Sweden",
            "and what does the Quran say about patience?",
            "thanks",
            "and zakat on 5000 dollars?",
        ] {
            let (_, score) = exchange("isha in Manchester today", then).await;
            assert!(score.score < 0.3, "{then}: {score:?}");
        }
    }

    #[test]
    fn questions_about_the_texts_are_not_time_requests() {
        assert!(intents("can I combine dhuhr and asr when I'm travelling for work?").is_empty());
        assert!(intents("is it ok to pray on a train if i cant get off in time?").is_empty());
        assert!(intents("my back really hurts, am i allowed to pray sitting on a chair?").is_empty());
        assert!(intents("do women have to make up the ramadan fasts they missed during their period?").is_empty());
        assert_eq!(intents("when is maghrib in cairo today"), [Intent::PrayerTimes]);
    }
}
