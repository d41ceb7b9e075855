//! Dates in a message, relative to the day it is asked on: "today", "tomorrow", "next Friday",
//! "in 3 days", "2027-01-15", "15 January 2027", "January 15th, 2027", "غداً"; Hijri dates
//! ("1 Muharram 1449", "15th of Sha'ban 1448 AH", "١ محرم ١٤٤٩"); the Islamic occasions by their
//! names (Ramadan, the two Eids, Arafah, the Islamic New Year, Ashura…); years ("in 2027", "next
//! year", "1448 AH"); and "how many days until …". Resolving an occasion to a day uses the Umm
//! al-Qura calendar of [`crate::calculators::hijri`].

mod months;
mod occasions;
#[cfg(test)]
mod tests;

use chrono::{Datelike, Duration, NaiveDate};

use super::text::{Token, contains_any_word, fold_arabic, normalize, tokenize};
use crate::calculators::hijri::HijriDate;
use months::{HIJRI_MONTHS, MONTHS, WEEKDAYS};
pub use occasions::*;

/// A date and the words it was read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DateMention {
    pub date: NaiveDate,
    pub phrase: String,
}

fn month_key(words: &[&str]) -> String {
    let joined: String = words.concat();
    let arabic = joined.chars().any(super::text::is_arabic);
    if arabic {
        fold_arabic(&joined)
    } else {
        joined.chars().filter(char::is_ascii_alphanumeric).collect()
    }
}

/// Every Hijri month name's key, made once: matching runs for every word of every message.
static HIJRI_MONTH_KEYS: std::sync::LazyLock<std::collections::HashMap<String, u32>> = std::sync::LazyLock::new(|| {
    let mut keys = std::collections::HashMap::new();
    for (names, month) in HIJRI_MONTHS {
        for name in *names {
            keys.entry(month_key(&[name])).or_insert(*month);
        }
    }
    keys
});

/// The Hijri month a run of words starting at `start` names, and how many words it takes.
fn hijri_month_at(words: &[&str], start: usize) -> Option<(u32, usize)> {
    for length in (1..=4.min(words.len() - start)).rev() {
        let run = &words[start..start + length];
        // "rabi al awwal" → "rabialawwal"; "ul"/"ath" joiners are in the variant lists.
        if let Some(month) = HIJRI_MONTH_KEYS.get(&month_key(run)) {
            return Some((*month, length));
        }
    }
    None
}

fn gregorian_month(word: &str) -> Option<u32> {
    MONTHS.iter().find(|(name, _)| *name == word).map(|(_, month)| *month)
}

fn day_number(token: &Token) -> Option<u32> {
    match token {
        Token::Number { value, suffix }
            if suffix.is_empty() || matches!(suffix.as_str(), "st" | "nd" | "rd" | "th") =>
        {
            u32::try_from(value.trunc().mantissa())
                .ok()
                .filter(|d| (1..=31).contains(d) && value.fract().is_zero())
        }
        _ => None,
    }
}

fn year_number(token: &Token) -> Option<i32> {
    match token {
        Token::Number { value, suffix } if suffix.is_empty() || suffix == "ah" || suffix == "h" => {
            i32::try_from(value.trunc().mantissa())
                .ok()
                .filter(|y| (1300..=2200).contains(y) && value.fract().is_zero())
        }
        _ => None,
    }
}

fn token_word(tokens: &[Token], index: usize) -> Option<&str> {
    tokens.get(index).and_then(Token::word)
}

/// Skips "of" and "," between a day and its month.
fn skip_joiners(tokens: &[Token], mut index: usize) -> usize {
    while matches!(token_word(tokens, index), Some("of" | "the")) || matches!(tokens.get(index), Some(Token::Mark(',')))
    {
        index += 1;
    }
    index
}

fn lower_tokens(message: &str) -> (String, Vec<Token>) {
    let lower = normalize(&message.to_lowercase());
    let tokens = tokenize(&lower);
    (lower, tokens)
}

/// Gregorian dates written out, in the order the words give them: ISO, "15 January 2027",
/// "January 15th, 2027", "15/01/2027", with or without the year. Only a day that exists in the
/// year written is one; a day without its year is checked when it is resolved.
fn written_dates(tokens: &[Token]) -> Vec<DateWords> {
    let mut found = Vec::new();
    for index in 0..tokens.len() {
        // ISO: 2027-01-15 arrives as 2027, -, 01, -, 15.
        if let (Some(year), Some(Token::Mark('-')), Some(month), Some(Token::Mark('-')), Some(day)) = (
            tokens.get(index).and_then(year_number),
            tokens.get(index + 1),
            tokens.get(index + 2).and_then(day_number),
            tokens.get(index + 3),
            tokens.get(index + 4).and_then(day_number),
        ) && NaiveDate::from_ymd_opt(year, month, day).is_some()
        {
            found.push(DateWords::Written {
                year: Some(year),
                month,
                day,
                style: Written::Iso,
            });
        }
        // Day-first with slashes: 15/01/2027.
        if let (Some(day), Some(Token::Mark('/')), Some(month), Some(Token::Mark('/')), Some(year)) = (
            tokens.get(index).and_then(day_number),
            tokens.get(index + 1),
            tokens.get(index + 2).and_then(day_number),
            tokens.get(index + 3),
            tokens.get(index + 4).and_then(year_number),
        ) && NaiveDate::from_ymd_opt(year, month, day).is_some()
        {
            found.push(DateWords::Written {
                year: Some(year),
                month,
                day,
                style: Written::Slashes,
            });
        }
        // "15 January 2027", "15th of January".
        if let Some(day) = tokens.get(index).and_then(day_number) {
            let at = skip_joiners(tokens, index + 1);
            if let Some(month) = token_word(tokens, at).and_then(gregorian_month) {
                let year_at = skip_joiners(tokens, at + 1);
                let year = tokens.get(year_at).and_then(year_number).filter(|y| *y > 1800);
                found.push(DateWords::Written {
                    year,
                    month,
                    day,
                    style: Written::Words,
                });
            }
        }
        // "January 15th, 2027".
        if let Some(month) = token_word(tokens, index).and_then(gregorian_month)
            && let Some(day) = tokens.get(index + 1).and_then(day_number)
        {
            // "may" is also a verb: take it as a month only with a day right after it.
            let year_at = skip_joiners(tokens, index + 2);
            let year = tokens.get(year_at).and_then(year_number).filter(|y| *y > 1800);
            found.push(DateWords::Written {
                year,
                month,
                day,
                style: Written::Words,
            });
        }
    }
    found
}

/// "today", "tomorrow", "yesterday", "the day after tomorrow", "next Friday", "on Friday",
/// "in 3 days", "next week", and the Arabic words for them: the first that the words give.
fn relative_words(lower: &str, tokens: &[Token]) -> Option<DateWords> {
    let days = |days: i64, phrase: &str| {
        Some(DateWords::Relative {
            days,
            phrase: phrase.to_owned(),
        })
    };
    if contains_any_word(lower, &["day after tomorrow", "بعد غد", "بعد بكرة"]) {
        return days(2, "the day after tomorrow");
    }
    if contains_any_word(lower, &["tomorrow", "tmrw", "tmr", "غدا", "غداً", "بكرة", "بكره"]) {
        return days(1, "tomorrow");
    }
    if contains_any_word(lower, &["yesterday", "أمس", "امس", "البارحة"]) {
        return days(-1, "yesterday");
    }
    for (index, token) in tokens.iter().enumerate() {
        if let Some(word) = token.word()
            && let Some((name, weekday)) = WEEKDAYS.iter().find(|(name, _)| *name == word)
        {
            return Some(DateWords::Weekday {
                weekday: *weekday,
                next: index.checked_sub(1).and_then(|i| token_word(tokens, i)) == Some("next"),
                phrase: (*name).to_owned(),
            });
        }
        if token_word(tokens, index) == Some("in")
            && let Some(count) = tokens.get(index + 1).and_then(Token::number)
            && let Some(unit) = token_word(tokens, index + 2)
        {
            let count = i64::try_from(count.trunc().mantissa()).ok()?;
            let ahead = match unit {
                "day" | "days" => count,
                "week" | "weeks" => count * 7,
                _ => continue,
            };
            if (0..=3660).contains(&ahead) {
                return days(ahead, &format!("in {count} {unit}"));
            }
        }
    }
    if contains_any_word(lower, &["next week"]) {
        return days(7, "next week");
    }
    if contains_any_word(lower, &["today", "tonight", "now", "current", "اليوم", "الليلة"]) {
        return days(0, "today");
    }
    None
}

/// How a date was written out, so it is said back the same way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Written {
    /// 2027-01-15.
    Iso,
    /// 15/01/2027.
    Slashes,
    /// "15 January 2027", "January 15th".
    Words,
}

/// A date as the words give it, before it is placed on the calendar: reading a message needs
/// no day, and each answer resolves the words against the day it counts from (the request's,
/// the context's, or today where the user is).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DateWords {
    /// A day written out; without its year, the year of the day it counts from.
    Written {
        year: Option<i32>,
        month: u32,
        day: u32,
        style: Written,
    },
    /// Days from the day it counts from: "today" 0, "tomorrow" 1, "in 2 weeks" 14.
    Relative { days: i64, phrase: String },
    /// A weekday: the next one from the day it counts from (that day itself, unless "next").
    Weekday {
        weekday: chrono::Weekday,
        next: bool,
        phrase: String,
    },
}

impl DateWords {
    /// The day these words name, counted from `today`; `None` for a day without its year that
    /// does not exist in `today`'s (the 29th of February).
    pub fn resolve(&self, today: NaiveDate) -> Option<DateMention> {
        match self {
            DateWords::Written {
                year,
                month,
                day,
                style,
            } => {
                let date = NaiveDate::from_ymd_opt(year.unwrap_or(today.year()), *month, *day)?;
                let phrase = match style {
                    Written::Iso => date.to_string(),
                    Written::Slashes => format!("{day}/{month}/{}", date.year()),
                    Written::Words => date.format("%-d %B %Y").to_string(),
                };
                Some(DateMention { date, phrase })
            }
            DateWords::Relative { days, phrase } => Some(DateMention {
                date: today + Duration::days(*days),
                phrase: phrase.clone(),
            }),
            DateWords::Weekday { weekday, next, phrase } => {
                let ahead =
                    (7 + weekday.num_days_from_monday() as i64 - today.weekday().num_days_from_monday() as i64) % 7;
                let days = if ahead == 0 && *next { 7 } else { ahead };
                Some(DateMention {
                    date: today + Duration::days(days),
                    phrase: phrase.clone(),
                })
            }
        }
    }

    /// The kind of words, as `RequestRouted` records it (not the date itself).
    pub fn kind(&self) -> &'static str {
        match self {
            DateWords::Written { .. } => "written",
            DateWords::Relative { .. } => "relative",
            DateWords::Weekday { .. } => "weekday",
        }
    }
}

/// Every date a message gives, unresolved and in the order they count: dates written out first,
/// then the first relative one.
pub fn parse_dates(message: &str) -> Vec<DateWords> {
    let (lower, tokens) = lower_tokens(message);
    let mut found = written_dates(&tokens);
    found.extend(relative_words(&lower, &tokens));
    found
}

/// The first of `words` that names a day, counted from `today`.
pub fn resolve_first(words: &[DateWords], today: NaiveDate) -> Option<DateMention> {
    words.iter().find_map(|words| words.resolve(today))
}

/// The day a message is about: a date written out, else a relative one, else none.
pub fn read_date(message: &str, today: NaiveDate) -> Option<DateMention> {
    resolve_first(&parse_dates(message), today)
}

/// A Hijri month named in a message, with the day and the year written beside it, if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct HijriWords {
    month: u32,
    day: Option<u32>,
    year: Option<i32>,
}

/// Every Hijri month the tokens name, each with its day ("15 Sha'ban", "the 27th of Rajab",
/// "Muharram 1, 1449") and its year ("1448 AH") when they are written beside it.
fn hijri_mentions(tokens: &[Token]) -> Vec<HijriWords> {
    let words: Vec<(usize, &str)> = tokens
        .iter()
        .enumerate()
        .filter_map(|(i, t)| t.word().map(|w| (i, w)))
        .collect();
    let plain: Vec<&str> = words.iter().map(|(_, w)| *w).collect();
    let mut found = Vec::new();
    for (position, (token_index, _)) in words.iter().enumerate() {
        let Some((month, length)) = hijri_month_at(&plain, position) else {
            continue;
        };
        let after_month = words.get(position + length - 1).map_or(*token_index, |(i, _)| *i) + 1;
        // Day before the month ("1 Muharram", "15th of Sha'ban") or after it ("Muharram 1, 1449").
        let before_index = {
            let mut at = *token_index;
            while at > 0 && matches!(token_word(tokens, at - 1), Some("of" | "the")) {
                at -= 1;
            }
            at.checked_sub(1)
        };
        // A number after the month is its day only where nothing else reads it: "Muharram 1,
        // 1449", "rajab 27?", not "ramadan 29 or 30 days".
        let day_after = tokens
            .get(after_month)
            .and_then(day_number)
            .filter(|_| match tokens.get(after_month + 1) {
                None | Some(Token::Mark(_)) => true,
                Some(next) => year_number(next).is_some(),
            });
        let (day, year_from) = match before_index.and_then(|i| tokens.get(i)).and_then(day_number) {
            Some(day) => (Some(day), after_month),
            None => match day_after {
                Some(day) => (Some(day), after_month + 1),
                None => (None, after_month),
            },
        };
        let year_at = skip_joiners(tokens, year_from);
        let year = tokens
            .get(year_at)
            .and_then(year_number)
            .filter(|y| (1300..=1600).contains(y));
        found.push(HijriWords { month, day, year });
    }
    found
}

/// A Hijri date written out: "1 Muharram 1449", "15th of Sha'ban 1448 AH", "Muharram 1, 1449",
/// "١ محرم ١٤٤٩". Without a year it is not read (the year decides the day): a day of a month
/// without its year is an occasion ([`Occasion::MonthDay`]), the next one or the year's asked.
pub fn read_hijri_date(message: &str) -> Option<HijriDate> {
    let (_, tokens) = lower_tokens(message);
    hijri_mentions(&tokens).into_iter().find_map(|words| match words {
        HijriWords {
            month,
            day: Some(day),
            year: Some(year),
        } => Some(HijriDate { year, month, day }),
        _ => None,
    })
}
