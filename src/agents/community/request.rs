//! What a community request asks and for where: the intents its words carry (prayer times,
//! qibla, calendar, mosques, events), the place from `context` or a city named in the text, the
//! date, and the calculation method the user named.

use chrono::NaiveDate;
use chrono_tz::Tz;
use hijraah_domain::calculators::prayer::Method;
use hijraah_domain::understanding::dates::{self, CalendarQuestion};
use hijraah_domain::understanding::questions;
use serde_json::{Value, json};

use crate::agents::AgentRequest;
use crate::agents::routing::{Keyword, kw, matches, score_keywords};
use crate::community::gazetteer::{self, City};

pub(super) const QIBLA: &[Keyword] = &[
    kw("qibla", 0.95),
    kw("qiblah", 0.95),
    kw("kiblat", 0.95),
    kw("kibla", 0.95),
    kw("direction of the kaaba", 0.95),
    kw("direction of makkah", 0.9),
    kw("direction of mecca", 0.9),
    kw("which way is mecca", 0.9),
    kw("which way is makkah", 0.9),
    kw("which way do i face", 0.9),
    kw("which way should i face", 0.9),
    kw("which direction do i face", 0.9),
    kw("which direction should i face", 0.9),
    kw("which direction do i pray", 0.9),
    kw("which direction to pray", 0.9),
    kw("which way to pray", 0.9),
    kw("which way do i pray", 0.9),
    kw("direction of prayer", 0.9),
    kw("direction to pray", 0.9),
    kw("prayer direction", 0.9),
    kw("face when praying", 0.9),
    kw("face to pray", 0.9),
    kw("facing mecca", 0.9),
    kw("facing makkah", 0.9),
    kw("قبلة", 0.95),
    kw("اتجاه الصلاة", 0.9),
    kw("اتجاه مكة", 0.9),
    kw("القبلة", 0.95),
    kw("القبله", 0.95),
];
/// The Kaaba or Mecca named as a destination ("where is the Kaaba from Houston", «اتجاه مكة»).
const HOLY_PLACE: &[&str] = &[
    "kaaba",
    "ka'ba",
    "kabah",
    "ka'bah",
    "mecca",
    "makkah",
    "makka",
    "الكعبة",
    "مكة",
    "مكه",
];
/// Words that ask for a direction or a way to it.
const DIRECTION: &[&str] = &[
    "direction",
    "which way",
    "what way",
    "where is",
    "where's",
    "bearing",
    "heading",
    "face",
    "facing",
    "point",
    "اتجاه",
    "جهة",
    "وين",
    "أين",
    "اين",
];

/// How strongly a message asks for the qibla: its own words ("qibla", «القبلة»), or the Kaaba or
/// Mecca named beside a word for a direction ("which way is Makkah from Oslo?").
pub(super) fn qibla_score(content: &str) -> crate::agents::RouteScore {
    let scored = score_keywords(content, QIBLA);
    if scored.score >= 0.9 {
        return scored;
    }
    let lower = content.to_lowercase();
    let holy = HOLY_PLACE.iter().find(|word| matches(&lower, word));
    let direction = DIRECTION.iter().find(|word| matches(&lower, word));
    match (holy, direction) {
        (Some(holy), Some(direction)) => scored.with(0.9, format!("asks the direction (`{direction}`) of `{holy}`")),
        _ => scored,
    }
}

pub(super) const MOSQUE: &[Keyword] = &[
    kw("mosque", 0.8),
    kw("masjid", 0.8),
    kw("jumu'ah", 0.6),
    kw("jummah", 0.6),
    kw("friday prayer", 0.6),
    kw("مسجد", 0.8),
    kw("المسجد", 0.8),
];
pub(super) const EVENTS: &[Keyword] = &[
    kw("community event", 0.9),
    kw("events", 0.6),
    kw("halaqa", 0.7),
    kw("eid prayer", 0.7),
    kw("fundraiser", 0.5),
];
pub(super) const PRAYER_WORDS: &[&str] = &[
    "prayer",
    "prayers",
    "pray",
    "salah",
    "salat",
    "namaz",
    "صلاة",
    "الصلاة",
    "الصلاه",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Intent {
    PrayerTimes,
    Qibla,
    Calendar,
    Mosques,
    Events,
}

/// Method names as users write them.
pub(super) const METHOD_NAMES: &[(&str, Method)] = &[
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
pub(super) struct Place {
    pub(super) name: String,
    /// The name as the reply shows it: in an Arabic question that wrote the city in Arabic, that
    /// name beside the gazetteer's ("عمان (Amman, Jordan)"); else `name`.
    pub(super) shown: String,
    pub(super) latitude: f64,
    pub(super) longitude: f64,
    pub(super) timezone: Option<Tz>,
    pub(super) city: Option<&'static City>,
    pub(super) source: &'static str,
}

pub(super) fn context_str(context: &Value, key: &str) -> Option<String> {
    match context.get(key)? {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        Value::Bool(flag) => Some(flag.to_string()),
        _ => None,
    }
}

/// A problem with the user's input, said back to them.
pub(super) struct Unusable(pub(super) String);

pub(super) fn place_of(request: &AgentRequest) -> Result<Option<Place>, Unusable> {
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
        hijraah_domain::community::validate_place(latitude, longitude).map_err(|error| Unusable(error.to_string()))?;
        let name = format!("{latitude:.4}, {longitude:.4}");
        return Ok(Some(Place {
            shown: name.clone(),
            name,
            latitude,
            longitude,
            timezone,
            city: None,
            source: "context",
        }));
    }
    let (named, written) = match context_str(context, "city") {
        Some(name) => (
            Some(gazetteer::by_name(&name).ok_or_else(|| {
                Unusable(format!(
                    "I do not know the city `{name}`; send its latitude, longitude and timezone in the context"
                ))
            })?),
            name,
        ),
        // Asked for the qibla, Mecca is where the user faces, not where they are: another city
        // named is the place ("اتجاه مكة من عمّان").
        None if super::asks_qibla(&request.content) => (
            gazetteer::find_in_text_except(&request.content, |city| city.name == "Makkah")
                .or_else(|| gazetteer::find_in_text(&request.content)),
            request.content.clone(),
        ),
        None => (gazetteer::find_in_text(&request.content), request.content.clone()),
    };
    Ok(named.map(|city| {
        let name = format!("{}, {}", city.name, city.country);
        let shown = match city.arabic_name_in(&written) {
            Some(arabic) if request.in_arabic() => format!("{arabic} ({name})"),
            _ => name.clone(),
        };
        Place {
            name,
            shown,
            latitude: city.latitude,
            longitude: city.longitude,
            timezone: timezone.or_else(|| city.timezone.parse().ok()),
            city: Some(city),
            source: "gazetteer",
        }
    }))
}

/// The date asked about: the context's, a date in the text, "tomorrow"…, or today where the
/// user is.
pub(super) fn date_of(request: &AgentRequest, timezone: Tz) -> Result<NaiveDate, Unusable> {
    // A date written as YYYY-MM-DD that does not exist is said back, not guessed around.
    if let Some(written) = request
        .content
        .split(|c: char| !(c.is_ascii_digit() || c == '-'))
        .find(|word| word.len() == 10 && word.as_bytes()[4] == b'-' && word.as_bytes()[7] == b'-')
    {
        return crate::community::parse_date("the date", written).map_err(Unusable);
    }
    if let Some(date) = context_str(&request.context, "date") {
        // `context.date` is the day the question is asked on; "tomorrow" counts from it.
        let today = crate::community::parse_date("date", &date).map_err(Unusable)?;
        return Ok(dates::read_date(&request.content, today).map_or(today, |mention| mention.date));
    }
    let today = request.today(Some(timezone));
    Ok(dates::read_date(&request.content, today).map_or(today, |mention| mention.date))
}

/// A calculation method named in the message ("using ISNA", "the Karachi method").
pub(super) fn method_of(request: &AgentRequest) -> Option<Method> {
    let lower = request.content.to_lowercase();
    METHOD_NAMES
        .iter()
        .find(|(name, _)| {
            matches(&lower, name) && gazetteer::find_in_text(name).is_none_or(|_| lower.contains("method"))
        })
        .map(|(_, method)| *method)
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
    // After a calendar answer, a follow-up that names another occasion ("and eid al-adha?",
    // «وعيد الأضحى؟») asks when that one is.
    let calendar = dates::read_calendar_question(content, today).or_else(|| {
        let after_calendar = request.follow_up().is_some()
            && request.previous_reply("community").is_some_and(|previous| {
                previous["intents"]
                    .as_array()
                    .is_some_and(|intents| intents.contains(&json!("Calendar")))
            });
        after_calendar
            .then(|| dates::read_calendar_question(&format!("when is {content}"), today))
            .flatten()
    });
    // A question about what the texts say is not a request for times, unless it names a place.
    let ruling = questions::ruling_cue(content, true);
    let any_ruling = questions::ruling_cue(content, false);
    let mut intents = Vec::new();
    if let Some(question) = &calendar {
        intents.push((
            Intent::Calendar,
            format!("asks a calendar question ({question:?})"),
            0.9,
        ));
    }
    // "Which way do I face to pray in Toronto?" asks for the qibla, not the times: prayer words
    // beside a qibla question count for the times only when the times are asked for.
    let qibla_asked = qibla_score(content).score >= 0.9;
    match questions::asks_prayer_times(content, has_place) {
        Some(reason) if qibla_asked && !reason.starts_with("asks for prayer times") => {}
        Some(reason) if ruling.is_none() || has_place || reason.starts_with("asks for prayer times") => {
            intents.push((Intent::PrayerTimes, reason, 0.9));
        }
        None if !qibla_asked
            && any_ruling.is_none()
            && calendar.is_none()
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
        if scored.score >= 0.5 && (ruling.is_none() || has_place) {
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
    let has_date = dates::read_date(&request.content, request.today(None)).is_some();
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

/// The place the previous answer was for, as it recorded it.
fn previous_place(previous: &Value) -> Option<Place> {
    let recorded = &previous["place"];
    let latitude = recorded["latitude"].as_f64()?;
    let longitude = recorded["longitude"].as_f64()?;
    let name = recorded["name"].as_str()?.to_owned();
    let city = (recorded["source"] == "gazetteer")
        .then(|| gazetteer::by_name(&name))
        .flatten()
        .filter(|city| (city.latitude - latitude).abs() < 1e-6 && (city.longitude - longitude).abs() < 1e-6);
    Some(Place {
        shown: recorded["shown"].as_str().map_or_else(|| name.clone(), str::to_owned),
        name,
        latitude,
        longitude,
        timezone: recorded["timezone"].as_str().and_then(|tz| tz.parse().ok()),
        city,
        source: "previous exchange",
    })
}

/// A reply that only changes what the previous question was about.
struct FollowUp {
    /// What it changes: "place", "day", "method", "prayer".
    changes: Vec<&'static str>,
    /// It names a prayer ("and fajr?"): the times, whatever the previous answer was.
    prayer: bool,
}

/// Words that carry no request of their own in a follow-up.
const LINKING: &[&str] = &[
    "and",
    "what",
    "whats",
    "what's",
    "about",
    "how",
    "for",
    "in",
    "at",
    "the",
    "then",
    "same",
    "please",
    "ok",
    "okay",
    "there",
    "instead",
    "also",
    "is",
    "it",
    "with",
    "from",
    "by",
    "using",
    "of",
    "time",
    "times",
    "when",
    "so",
    "now",
    "thanks",
    "thank",
    "you",
    "again",
    "do",
    "does",
    "one",
    "that",
    "this",
    "و",
    "ماذا",
    "عن",
    "في",
    "فى",
    "طيب",
    "من",
    "الى",
    "إلى",
    "ل",
    "ثم",
    "اذن",
    "إذن",
    "ايضا",
    "أيضا",
    "كذلك",
    "بالنسبة",
    "متى",
    "وقت",
    "موعد",
    "هل",
    "يا",
    "شكرا",
];
const DAY_WORDS: &[&str] = &[
    "today",
    "tonight",
    "tomorrow",
    "tmrw",
    "tmr",
    "yesterday",
    "day",
    "after",
    "next",
    "week",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
    "jan",
    "feb",
    "mar",
    "apr",
    "jun",
    "jul",
    "aug",
    "sep",
    "sept",
    "oct",
    "nov",
    "dec",
    "اليوم",
    "الليلة",
    "غدا",
    "غداً",
    "بكرة",
    "بكره",
    "امس",
    "أمس",
    "بعد",
    "غد",
    "الغد",
    "يوم",
];
const METHOD_WORDS: &[&str] = &[
    "method",
    "calculation",
    "madhab",
    "hanafi",
    "shafi",
    "shafii",
    "shafi'i",
    "standard",
    "طريقة",
    "حنفي",
    "الحنفي",
];

/// Reads a short reply as a follow-up: at most eight words, each a linking word, a day (when the
/// words make a date), a method, a prayer's name, or part of one city's name, and at least one of
/// them a change.
fn follow_up(content: &str, names_place: bool, has_date: bool) -> Option<FollowUp> {
    let lower = content.to_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !(c.is_alphanumeric() || c == '\'' || ('\u{064B}'..='\u{065F}').contains(&c)))
        .filter(|word| !word.is_empty())
        .collect();
    if words.is_empty() || words.len() > 8 {
        return None;
    }
    let method_words: Vec<&str> = METHOD_NAMES
        .iter()
        .flat_map(|(name, _)| name.split([' ', '-']))
        .collect();
    let bare = |word: &str| -> String {
        // Arabic joins "and" and "in" to the next word: "وغدا", "وفي".
        let arabic = word.chars().any(hijraah_domain::understanding::text::is_arabic);
        match word
            .strip_prefix('و')
            .filter(|rest| arabic && rest.chars().count() >= 2)
        {
            Some(rest) => rest.to_owned(),
            None => word.to_owned(),
        }
    };
    let (mut day, mut method, mut prayer) = (false, false, false);
    let mut rest = Vec::new();
    for word in &words {
        let plain = bare(word);
        if LINKING.contains(word) || LINKING.contains(&plain.as_str()) {
            continue;
        }
        // Day words and numbers count only where they make a date ("and tomorrow?", "and on
        // 3 March?"); "what's 2+2?" is not a follow-up.
        if has_date && (DAY_WORDS.contains(&plain.as_str()) || plain.chars().all(|c| c.is_numeric())) {
            day = true;
        } else if METHOD_WORDS.contains(&plain.as_str()) || method_words.contains(word) {
            method = true;
        } else if questions::prayer_named(&plain).is_some() {
            prayer = true;
        } else {
            rest.push(*word);
        }
    }
    let place = !rest.is_empty();
    if place && !(names_place && rest.len() <= 4 && gazetteer::named_exactly(&rest.join(" ")).is_some()) {
        return None;
    }
    let changes: Vec<&'static str> = [(place, "place"), (day, "day"), (method, "method"), (prayer, "prayer")]
        .into_iter()
        .filter_map(|(changed, what)| changed.then_some(what))
        .collect();
    (!changes.is_empty()).then_some(FollowUp { changes, prayer })
}

pub(super) fn mentions_hanafi(content: &str) -> bool {
    let lower = content.to_lowercase();
    matches(&lower, "hanafi") || lower.contains("حنفي")
}
