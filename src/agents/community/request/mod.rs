//! What a community request asks and for where: the intents its words carry (prayer times,
//! qibla, calendar, mosques, events), the place from `context` or a city named in the text, the
//! date, and the calculation method the user named.

use chrono::NaiveDate;
use hijraah_domain::calculators::prayer::Method;
use hijraah_domain::understanding::dates::{self, CalendarQuestion};
use hijraah_domain::understanding::questions;
use serde_json::{Value, json};

use crate::agents::AgentRequest;
use crate::agents::routing::{matches, score_keywords};

mod follow_up;
mod place;
mod when;
mod words;

use follow_up::*;
pub(super) use place::*;
pub(super) use when::*;
pub(super) use words::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Intent {
    PrayerTimes,
    Qibla,
    Calendar,
    Mosques,
    Events,
}

/// What the message asks of this agent, each with the reason, and its calendar question.
pub(super) struct Understood {
    pub(super) intents: Vec<(Intent, String, f64)>,
    pub(super) calendar: Option<CalendarQuestion>,
    /// What a follow-up keeps from the answer it continues.
    pub(super) carried: Carried,
}

/// The day and the user's own choices of the answer a follow-up continues ("and in Ankara?"
/// after "fajr in Istanbul tomorrow using ISNA" is tomorrow, by ISNA).
#[derive(Default)]
pub(super) struct Carried {
    pub(super) date: Option<NaiveDate>,
    pub(super) method: Option<Method>,
    pub(super) hanafi: bool,
}

pub(super) fn understand(request: &AgentRequest, place: Option<&Place>) -> Understood {
    let content = &request.content;
    let lower = content.to_lowercase();
    let has_place = place.is_some();
    let today = request.today(place.and_then(|p| p.timezone));
    // The reading read it against the request's day; read again only where the place's day differs.
    let reading = request.reading();
    let calendar = if today == reading.today {
        reading.calendar.clone()
    } else {
        dates::read_calendar_question(content, today)
    };
    // After a calendar answer, a follow-up that names another occasion ("and eid al-adha?",
    // «وعيد الأضحى؟») asks when that one is.
    // An occasion it names comes first: «ورأس السنة الهجرية؟» names the new year, not "the Hijri
    // date" of today.
    let after_calendar = request.follow_up().is_some()
        && request.previous_reply("community").is_some_and(|previous| {
            previous["intents"]
                .as_array()
                .is_some_and(|intents| intents.contains(&json!("Calendar")))
        });
    let calendar = if after_calendar {
        let again = dates::read_calendar_question(&format!("when is {content}"), today);
        match (again, calendar) {
            (Some(occasion @ CalendarQuestion::Occasion { .. }), _) => Some(occasion),
            (again, calendar) => calendar.or(again).or_else(|| {
                // After a conversion, another day ("and on 1 March 2027?") is converted too.
                let converted = request
                    .previous_reply("community")
                    .is_some_and(|previous| !previous["hijri"].is_null());
                converted
                    .then(|| dates::read_calendar_question(&format!("{content} in the hijri calendar"), today))
                    .flatten()
            }),
        }
    } else {
        calendar
    };
    // Such a follow-up names no year: it keeps the one the previous answer was asked for
    // ("Ashura in 1448" → "and the first of Muharram?" is 1 Muharram 1448), unless it asks for
    // the next one.
    let calendar = match calendar {
        Some(CalendarQuestion::Occasion {
            occasion,
            which: dates::Which::Next,
            days_until: false,
        }) if request.follow_up().is_some() && !asks_for_the_next(content) => {
            let carried = request
                .previous_reply("community")
                .and_then(|previous| super::calendar::year_asked_before(&previous["calendar"]));
            Some(CalendarQuestion::Occasion {
                occasion,
                which: carried.unwrap_or(dates::Which::Next),
                days_until: false,
            })
        }
        other => other,
    };
    // A question about what the texts say is not a request for times, unless it names a place.
    let ruling = reading.ruling_strong;
    let any_ruling = reading.ruling_any;
    let mut intents = Vec::new();
    // "Which way do I face to pray in Toronto?" asks for the qibla, not the times: prayer words
    // beside a qibla question count for the times only when the times are asked for.
    let qibla_asked = reading.qibla;
    let prayer_times = if has_place == reading.city.is_some() {
        reading.prayer_times.clone()
    } else {
        questions::asks_prayer_times(&reading.message, has_place)
    };
    // "What time does the Ramadan fast end today in Dubai?" asks for today's maghrib, not for
    // the day Ramadan ends.
    let calendar = calendar.filter(|_| {
        !prayer_times
            .as_deref()
            .is_some_and(|reason| reason.starts_with("asks when the fast"))
    });
    if let Some(question) = &calendar {
        intents.push((
            Intent::Calendar,
            format!("asks a calendar question ({question:?})"),
            0.9,
        ));
    }
    match prayer_times {
        Some(reason) if qibla_asked && !reason.starts_with("asks for prayer times") => {}
        Some(reason) if ruling.is_none() || has_place || reason.starts_with("asks for prayer times") => {
            intents.push((Intent::PrayerTimes, reason, 0.9));
        }
        // Prayer named with no time asked: the times are meant with a place ("prayer in
        // Leeds"), or with no question; a question about praying with neither ("my son is 7, when
        // should he start praying?") asks about the practice, which the texts answer.
        None if !qibla_asked
            && any_ruling.is_none()
            && calendar.is_none()
            // Words to say in or after the prayer («دعاء الاستفتاح في الصلاة», «الاذكار بعد
            // الصلاة») are asked of the texts, not the clock.
            && (has_place || (!reading.question && !reading.supplication))
            && PRAYER_WORDS.iter().any(|word| matches(&lower, word)) =>
        {
            intents.push((Intent::PrayerTimes, "mentions prayer".to_owned(), 0.6));
        }
        _ => {}
    }
    for (intent, keywords) in [
        (Intent::Qibla, QIBLA),
        (Intent::Mosques, MOSQUE),
        (Intent::Events, EVENTS),
    ] {
        let scored = if intent == Intent::Qibla {
            qibla_score(content)
        } else {
            score_keywords(content, keywords)
        };
        // "The dua for entering the mosque" asks for words to say, not for a mosque to find.
        let asks_words = intent != Intent::Qibla && !has_place && reading.supplication;
        if scored.score >= 0.5 && (ruling.is_none() || has_place) && !asks_words {
            intents.push((intent, scored.reasons.join(", "), scored.score));
        }
    }
    if intents.is_empty() && place.is_some_and(|p| p.source == "context") {
        // Asked through the context alone (coordinates and no words to go by).
        intents.push((Intent::PrayerTimes, "context gives a place".to_owned(), 0.6));
    }
    if intents.is_empty()
        && has_place
        && let Some(previous) = request.previous_reply("community")
        && previous["needs"] == json!(["place"])
    {
        // The answer to "tell me your city": do what was asked then.
        for intent in previous["intents"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
        {
            let intent = match intent {
                "PrayerTimes" => Intent::PrayerTimes,
                "Qibla" => Intent::Qibla,
                "Mosques" => Intent::Mosques,
                _ => continue,
            };
            intents.push((
                intent,
                "gives the place asked for in the previous exchange".to_owned(),
                0.9,
            ));
        }
    }
    Understood {
        intents,
        calendar,
        carried: Carried::default(),
    }
}

/// The place and the request, read together with the previous exchange:
/// - a short follow-up that only changes the place, the day, the method or the prayer ("and
///   tomorrow?", "what about Ankara?", "وفي أنقرة؟") asks again what the previous answer did;
/// - a question that needs a place and names none ("and the qibla?", "when is isha tonight?")
///   is for the place of the previous answer.
///
/// Each is said in the reasons, and the answer names the place and the day it is for.
pub(super) fn read(request: &AgentRequest) -> Result<(Option<Place>, Understood), Unusable> {
    let mut place = place_of(request)?;
    let mut understood = understand(request, place.as_ref());
    let Some(previous) = request.previous_reply("community") else {
        return Ok((place, understood));
    };
    let has_date = dates::resolve_first(&request.reading().dates, request.today(None)).is_some();
    if understood.intents.is_empty()
        && let Some(follow_up) = follow_up(&request.content, place.is_some(), has_date)
    {
        let previous_intents: Vec<Intent> = previous["intents"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .filter_map(|intent| match intent {
                "PrayerTimes" => Some(Intent::PrayerTimes),
                "Qibla" => Some(Intent::Qibla),
                "Mosques" => Some(Intent::Mosques),
                _ => None,
            })
            .collect();
        let intents = if follow_up.prayer {
            vec![Intent::PrayerTimes]
        } else {
            previous_intents
        };
        for intent in intents {
            understood.intents.push((
                intent,
                format!("continues the previous exchange ({})", follow_up.changes.join(", ")),
                0.9,
            ));
        }
        if !understood.intents.is_empty() {
            // What the previous answer used, as it recorded it: the method only where the user
            // chose it (a city's customary method is the new city's to decide), the madhab always.
            let times = &previous["prayer_times"];
            understood.carried = Carried {
                date: (!follow_up.changes.contains(&"day"))
                    .then(|| times["date"].as_str())
                    .flatten()
                    .and_then(|date| NaiveDate::parse_from_str(date, "%Y-%m-%d").ok()),
                method: (times["method_chosen"] == true)
                    .then(|| times["method"].as_str())
                    .flatten()
                    .and_then(|name| name.parse::<Method>().ok())
                    .filter(|method| *method != Method::Custom),
                hanafi: times["madhab"] == "hanafi",
            };
        }
    }
    let needs_place = understood
        .intents
        .iter()
        .any(|(intent, _, _)| matches!(intent, Intent::PrayerTimes | Intent::Qibla | Intent::Mosques));
    if place.is_none() && needs_place {
        place = previous_place(previous);
    }
    Ok((place, understood))
}

pub(super) fn mentions_hanafi(content: &str) -> bool {
    let lower = content.to_lowercase();
    matches(&lower, "hanafi") || lower.contains("حنفي")
}

/// Whether a follow-up asks for the next occurrence itself ("and the next one?", «والقادم؟»).
/// Arabic words match inside longer ones ([`matches`]), so «القادم» also finds «القادمة».
fn asks_for_the_next(content: &str) -> bool {
    let lower = content.to_lowercase();
    ["next", "upcoming", "coming", "القادم", "المقبل", "التالي"]
        .iter()
        .any(|word| matches(&lower, word))
}
