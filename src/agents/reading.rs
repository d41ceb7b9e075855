//! One reading of a message, made once per request before any agent scores it (#23 item 0).
//!
//! Every agent used to parse the raw text again, in `score` and in `handle`, and re-run the
//! other agents' readers to guess whether one of them owned the message (the knowledge agent's
//! `computing()` re-read the prayer-time, calendar, zakat and zakat al-fitr questions). The
//! reading holds what those readers find, computed once from one prepared [`Message`] (lowercased,
//! normalised and folded once), and every agent answers from it. What it found is recorded in
//! `RequestRouted` ([`Reading::record`]), without the message's values: amounts and places stay
//! in the sealed request.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use hijraah_domain::events::MessageRead;
use hijraah_domain::understanding::dates::{self, CalendarQuestion};
use hijraah_domain::understanding::fitr::{self, FitrReading};
use hijraah_domain::understanding::follow_up;
use hijraah_domain::understanding::message::Message;
use hijraah_domain::understanding::questions;
use hijraah_domain::understanding::zakat::{self, ZakatReading};

use crate::community::gazetteer::{self, City};

#[derive(Debug, Clone)]
pub struct Reading {
    /// The request's language (given, or detected from the script): the language of the reply.
    pub language: String,
    /// The script the message is written in, as [`crate::agents::language::detect`] reads it
    /// (`ar`, `ur`, `en` or `und`): what its words are searched in, whatever the client sent as
    /// its language.
    pub script: &'static str,
    pub message: Message,
    /// It asks something: a question mark, or a question word first.
    pub question: bool,
    /// The greeting it opens with (`salam`, `hello`).
    pub greeting: Option<&'static str>,
    /// The prayer it names.
    pub prayer: Option<&'static str>,
    /// A word of how a prayer is done (combining, shortening, units, making one up).
    pub practice: Option<&'static str>,
    /// It asks for words to say (a supplication, a remembrance).
    pub supplication: bool,
    /// It names something of the religion, in either script.
    pub mentions_religion: bool,
    /// It is about the religion at all (Arabic script counts).
    pub religious_context: bool,
    /// The city the text asks about, from the gazetteer ([`gazetteer::Places::asked_about`]).
    pub city: Option<&'static City>,
    /// Every city and country it names, with the part each plays ("from Amman", "to Berlin",
    /// "the direction of Mecca"): the qibla stands at one, a move goes to another.
    pub places: gazetteer::Places,
    /// Why it asks for prayer times, if it does.
    pub prayer_times: Option<String>,
    /// The calendar question it asks, read against `today`.
    pub calendar: Option<CalendarQuestion>,
    /// The dates it gives ("tomorrow", "next Friday", "15 January"), read but not yet placed
    /// on the calendar: each answer resolves them against the day it counts from
    /// ([`dates::resolve_first`]), which for prayer times is today where the user is.
    pub dates: Vec<dates::DateWords>,
    /// The day it is asked on (`context.date`, else the request's day in UTC).
    pub today: NaiveDate,
    /// Zakat al-mal inputs: the amounts with their roles.
    pub zakat: ZakatReading,
    /// Zakat al-fitr inputs: persons, staple, prices.
    pub fitr: FitrReading,
    pub asks_zakat_al_fitr: bool,
    pub asks_zakat_recipients: bool,
    /// It asks for a computation, a time or a date: prayer times, a calendar question, zakat on
    /// the wealth it names, or zakat al-fitr for the persons it counts.
    pub computing: bool,
    /// The phrase that shows it asks what the texts say, of the strong ones (which count even
    /// beside a computation).
    pub ruling_strong: Option<&'static str>,
    /// The same, weak phrases included ("is it", "what about…" in a message about the religion).
    pub ruling_any: Option<&'static str>,
    /// Why it continues the previous exchange, when there is one.
    pub follow_up: Option<&'static str>,
    /// The verse, hadith, surah or passage it names ("2:255", "ayat al-kursi", "bukhari 12").
    pub named_text: Option<hijraah_index::query::Named>,
    /// It asks the texts in its own words: a text named, "the Qur'an", "a hadith", or a ruling.
    pub asks_the_texts: bool,
    /// It asks for the qibla's direction.
    pub qibla: bool,
    /// It asks for a workflow (a yearly review, a zakat reminder).
    pub workflow: bool,
    /// It is an errand of settling in ("register my address"), whatever it mentions.
    pub errand: bool,
}

impl Reading {
    /// Reads `content` once. `previous`: the conversation has an exchange before this one.
    pub fn new(content: &str, language: &str, today: NaiveDate, previous: bool) -> Self {
        let message = Message::new(content);
        let prayer = questions::prayer_named(&message);
        let places = gazetteer::places_in_text(content);
        let city = places.asked_about();
        let prayer_times = questions::asks_prayer_times(&message, city.is_some());
        let calendar = dates::read_calendar_question(content, today);
        let zakat = zakat::read_message(&message);
        let fitr = fitr::read_message(&message);
        let asks_zakat_al_fitr = questions::asks_zakat_al_fitr(&message);
        // "My parents" counts two persons, but is a sum only in a question about zakat al-fitr.
        let computing = prayer_times.is_some()
            || calendar.is_some()
            || zakat.has_wealth()
            || (asks_zakat_al_fitr && fitr.persons.is_some());
        let named_text = crate::agents::knowledge::names_a_text(content);
        let ruling_any = questions::ruling_cue(&message, false);
        Self {
            asks_the_texts: named_text.is_some()
                || hijraah_index::query::source_hint(content).is_some()
                || ruling_any.is_some(),
            named_text,
            qibla: crate::agents::community::asks_qibla(content),
            workflow: crate::agents::workflow::asks_for_workflow(content),
            errand: crate::agents::knowledge::is_errand(content),
            language: language.to_owned(),
            script: crate::agents::language::detect(content),
            question: questions::is_question(&message),
            greeting: questions::greeting(&message),
            prayer,
            practice: questions::practice_cue(&message),
            supplication: questions::asks_for_a_supplication(&message),
            mentions_religion: questions::mentions_religion(&message),
            religious_context: questions::religious_context(&message),
            city,
            places,
            prayer_times,
            calendar,
            dates: dates::parse_dates(content),
            today,
            asks_zakat_recipients: questions::asks_zakat_recipients(&message),
            asks_zakat_al_fitr,
            ruling_strong: questions::ruling_cue(&message, true),
            ruling_any,
            follow_up: if previous {
                follow_up::reads_as_follow_up(&message)
            } else {
                None
            },
            computing,
            zakat,
            fitr,
            message,
        }
    }

    /// The phrase that shows it asks what the texts say: weak phrases do not count when it is
    /// `computing`.
    pub fn ruling(&self) -> Option<&'static str> {
        if self.computing {
            self.ruling_strong
        } else {
            self.ruling_any
        }
    }

    /// What the reading found, as `RequestRouted` records it: the cues that fired and the roles
    /// of the amounts, not the amounts, nor the city (a reason of the community agent's score
    /// names it when it counts).
    pub fn record(&self) -> MessageRead {
        let mut cues = BTreeMap::new();
        let mut cue = |name: &str, value: Option<&str>| {
            if let Some(value) = value {
                cues.insert(name.to_owned(), value.to_owned());
            }
        };
        cue("greeting", self.greeting);
        cue("prayer", self.prayer);
        cue("practice", self.practice);
        cue("ruling", self.ruling());
        cue("follow_up", self.follow_up);
        cue("prayer_times", self.prayer_times.as_deref());
        let calendar = self.calendar.as_ref().map(|question| match question {
            CalendarQuestion::Occasion { occasion, .. } => format!("{occasion:?}"),
            CalendarQuestion::ToHijri(_) => "to_hijri".to_owned(),
            CalendarQuestion::ToGregorian(_) => "to_gregorian".to_owned(),
        });
        cue("calendar", calendar.as_deref());
        cue("date", self.dates.first().map(dates::DateWords::kind));
        let mut amounts: Vec<String> = self.zakat.amounts.keys().map(|role| (*role).to_owned()).collect();
        if self.zakat.unnamed_price_per_gram.is_some() {
            amounts.push("price_per_gram".to_owned());
        }
        amounts.extend(self.zakat.income.iter().map(|_| "income".to_owned()));
        if self.fitr.persons.is_some() {
            amounts.push("persons".to_owned());
        }
        let flags = [
            ("question", self.question),
            ("supplication", self.supplication),
            ("mentions_religion", self.mentions_religion),
            ("zakat_al_fitr", self.asks_zakat_al_fitr),
            ("zakat_recipients", self.asks_zakat_recipients),
            ("computing", self.computing),
            ("names_a_city", self.city.is_some()),
        ];
        MessageRead {
            language: self.language.clone(),
            cues,
            amounts,
            places: self.places.roles(),
            flags: flags
                .into_iter()
                .filter(|(_, set)| *set)
                .map(|(name, _)| name.to_owned())
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(content: &str) -> Reading {
        Reading::new(content, "en", NaiveDate::from_ymd_opt(2026, 12, 5).unwrap(), false)
    }

    #[test]
    fn a_computation_keeps_weak_ruling_phrases_from_counting() {
        let asked = read("What time is fajr in Manchester tomorrow?");
        assert!(asked.computing);
        assert!(asked.prayer_times.is_some());
        assert_eq!(asked.ruling(), None);
        assert_eq!(asked.city.map(|city| city.name.as_str()), Some("Manchester"));
        // The date is read once, unresolved, and recorded by its kind, not its day.
        assert_eq!(asked.dates[0].kind(), "relative");
        assert_eq!(asked.record().cues.get("date").map(String::as_str), Some("relative"));
        let fifteenth = read("isha in Cairo on 15 January 2027");
        assert_eq!(
            dates::resolve_first(&fifteenth.dates, fifteenth.today).map(|mention| mention.date),
            NaiveDate::from_ymd_opt(2027, 1, 15)
        );
        assert!(!read("hello").record().cues.contains_key("date"));

        let zakat = read("I have 12,000 dollars saved and gold is 85 dollars a gram, how much zakat do I owe?");
        assert!(zakat.computing);
        assert_eq!(zakat.record().amounts, ["cash", "gold_price_per_gram"]);
    }

    #[test]
    fn the_record_names_cues_and_roles_but_no_values() {
        let asked = Reading::new(
            "and what if I also owe 2000 on my credit card?",
            "en",
            NaiveDate::from_ymd_opt(2026, 12, 5).unwrap(),
            true,
        );
        let record = asked.record();
        assert!(record.cues.contains_key("follow_up"), "{record:?}");
        let written = serde_json::to_string(&record).unwrap();
        assert!(!written.contains("2000"), "{written}");
        // Without a previous exchange, nothing is a follow-up.
        assert!(
            !read("and what if I also owe 2000 on my credit card?")
                .record()
                .cues
                .contains_key("follow_up")
        );
    }
}
