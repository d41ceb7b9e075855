//! Calendar answers: the Islamic occasions (Ramadan, the Eids, Arafah, the New Year, Ashura…)
//! by year or the next one, "how many days until", and Hijri ⇄ Gregorian dates, all in the Umm
//! al-Qura calendar, with the moon-sighting caveat, in English or Arabic.

use chrono::{Datelike, NaiveDate};
use hijraah_domain::calculators::hijri::{self, HijriDate};
use hijraah_domain::understanding::dates::{self, CalendarQuestion, Occasion, Which};
use serde_json::{Value, json};

use super::texts::{arabic_date, english_date};
use crate::agents::language::Language;

/// Said with every date: the calendar and what can shift it.
fn caveat(language: Language) -> &'static str {
    match language {
        Language::English => {
            "Dates follow the Umm al-Qura calendar; where the month begins by local moon sighting, it can differ by a day."
        }
        Language::Arabic => "التواريخ حسب تقويم أم القرى، وقد تختلف يومًا حيث يُعتمد على رؤية الهلال محليًا.",
    }
}

fn hijri_text(language: Language, date: HijriDate) -> String {
    match language {
        Language::English => format!(
            "{} {} {} AH ({:04}-{:02}-{:02})",
            date.day,
            date.month_name_en(),
            date.year,
            date.year,
            date.month,
            date.day
        ),
        Language::Arabic => format!("{} {} {} هـ", date.day, date.month_name_ar(), date.year),
    }
}

fn day_text(language: Language, date: NaiveDate) -> String {
    match language {
        Language::English => english_date(date),
        Language::Arabic => arabic_date(date),
    }
}

/// Answers a calendar question asked on `today`; the text and what it computed.
pub(super) fn answer(
    question: &CalendarQuestion,
    today: NaiveDate,
    language: Language,
) -> Result<(String, Value), String> {
    match question {
        CalendarQuestion::ToHijri(date) => {
            let converted = hijri::to_hijri(*date).map_err(|error| error.to_string())?;
            let text = match language {
                Language::English => format!(
                    "{} is {} in the Islamic (Hijri) calendar. {}",
                    day_text(language, *date),
                    hijri_text(language, converted),
                    caveat(language)
                ),
                Language::Arabic => format!(
                    "يوافق {} يوم {} ({}). {}",
                    day_text(language, *date),
                    hijri_text(language, converted),
                    converted.month_name_ar(),
                    caveat(language)
                ),
            };
            Ok((text, crate::community::hijri_json(*date, converted)))
        }
        CalendarQuestion::ToGregorian(date) => {
            let gregorian = hijri::to_gregorian(date.year, date.month, date.day).map_err(|error| error.to_string())?;
            let text = match language {
                Language::English => format!(
                    "{} is {}. {}",
                    hijri_text(language, *date),
                    day_text(language, gregorian),
                    caveat(language)
                ),
                Language::Arabic => format!(
                    "يوافق {} يوم {}. {}",
                    hijri_text(language, *date),
                    day_text(language, gregorian),
                    caveat(language)
                ),
            };
            Ok((text, crate::community::hijri_json(gregorian, *date)))
        }
        CalendarQuestion::Occasion {
            occasion,
            which,
            days_until,
        } => occasion_answer(*occasion, *which, *days_until, today, language),
    }
}

fn occasion_answer(
    occasion: Occasion,
    which: Which,
    days_until: bool,
    today: NaiveDate,
    language: Language,
) -> Result<(String, Value), String> {
    // "How many days until" is always about the next one.
    let which = if days_until { Which::Next } else { which };
    let found = dates::occurrences(occasion, which, today).map_err(|error| error.to_string())?;
    if found.is_empty() {
        return Err(match language {
            Language::English => format!("{} does not fall in that year", occasion.name_en()),
            Language::Arabic => format!("{} لا يقع في تلك السنة", occasion.name_ar()),
        });
    }
    let mut lines = Vec::new();
    let mut computed = Vec::new();
    for (hijri_year, day) in &found {
        let (month, hijri_day) = occasion.month_day();
        let hijri_day = if occasion == Occasion::RamadanEnd {
            hijri::month_length(*hijri_year, 9).unwrap_or(hijri_day)
        } else {
            hijri_day
        };
        let hijri_date = HijriDate {
            year: *hijri_year,
            month,
            day: hijri_day,
        };
        let away = (*day - today).num_days();
        let mut line = match language {
            Language::English => format!(
                "{} {} AH falls on {} ({}).",
                capitalised(&occasion.name_en()),
                hijri_year,
                day_text(language, *day),
                hijri_text(language, hijri_date)
            ),
            Language::Arabic => format!(
                "{} لعام {} هـ: {} ({}).",
                occasion.name_ar(),
                hijri_year,
                day_text(language, *day),
                hijri_text(language, hijri_date)
            ),
        };
        // How far away is said right after the day it is about, before any other day.
        if days_until || which == Which::Next || away < 0 {
            line.push_str(&match (language, away) {
                (Language::English, days) if days < 0 => format!(" That was {} days ago.", -days),
                (Language::Arabic, days) if days < 0 => format!(" وقد مضى قبل {} يومًا.", -days),
                (Language::English, 0) => " That is today.".to_owned(),
                (Language::English, 1) => " That is tomorrow, 1 day from today.".to_owned(),
                (Language::English, days) => {
                    format!(" That is {days} days from today ({}).", day_text(language, today))
                }
                (Language::Arabic, 0) => " وهو اليوم.".to_owned(),
                (Language::Arabic, days) => format!(" يتبقى {days} يومًا من اليوم ({}).", day_text(language, today)),
            });
        }
        if occasion == Occasion::RamadanStart
            && let (Ok(length), Ok(eid)) = (
                hijri::month_length(*hijri_year, 9),
                dates::occasion_day(Occasion::EidAlFitr, *hijri_year),
            )
        {
            line.push_str(&match language {
                Language::English => format!(
                    " This Ramadan has {length} days in the table, so Eid al-Fitr is expected on {}.",
                    day_text(language, eid)
                ),
                Language::Arabic => format!(" ويُتوقع عيد الفطر يوم {}.", day_text(language, eid)),
            });
        }
        lines.push(line);
        computed.push(
            json!({"hijri_year": hijri_year, "hijri": {"year": hijri_year, "month": month, "day": hijri_day},
                             "gregorian": day.to_string(), "days_from_today": away}),
        );
    }
    // "This year" when this year's has passed: the next one is what the asker can still keep.
    let mut next_one = Value::Null;
    if which == Which::GregorianYear(today.year())
        && found.iter().all(|(_, day)| *day < today)
        && let Ok(next) = dates::occurrences(occasion, Which::Next, today)
        && let Some((hijri_year, day)) = next.first()
    {
        let away = (*day - today).num_days();
        lines.push(match language {
            Language::English => format!(
                "The next one, in {hijri_year} AH, falls on {}: {away} days from today.",
                day_text(language, *day)
            ),
            Language::Arabic => format!(
                "والقادم لعام {hijri_year} هـ يوافق {}، بعد {away} يومًا من اليوم.",
                day_text(language, *day)
            ),
        });
        next_one = json!({"hijri_year": hijri_year, "gregorian": day.to_string(), "days_from_today": away});
    }
    // Asked how long until Ramadan during Ramadan: say it is under way.
    if occasion == Occasion::RamadanStart
        && let Ok(now) = hijri::to_hijri(today)
        && now.month == 9
    {
        lines.insert(
            0,
            match language {
                Language::English => format!("Ramadan {} is under way: today is day {}.", now.year, now.day),
                Language::Arabic => format!("نحن في رمضان {} هـ: اليوم هو اليوم {} منه.", now.year, now.day),
            },
        );
    }
    if occasion == Occasion::LaylatAlQadr {
        lines.push(match language {
            Language::English => "Laylat al-Qadr is sought in the odd nights of the last ten of Ramadan; the 27th is the night many observe. The night begins at maghrib of the evening before that date.".to_owned(),
            Language::Arabic => "تُلتمس ليلة القدر في الليالي الوتر من العشر الأواخر من رمضان، وكثيرون يتحرّونها ليلة السابع والعشرين، وتبدأ الليلة بمغرب اليوم السابق.".to_owned(),
        });
    }
    lines.push(caveat(language).to_owned());
    Ok((
        lines.join(" "),
        json!({"occasion": format!("{occasion:?}"), "which": format!("{which:?}"), "today": today.to_string(),
               "year": asked_year(which), "calendar": "umm_al_qura", "dates": computed, "next": next_one}),
    ))
}

/// The year an occasion was asked for, as recorded for a follow-up to keep: `{"hijri": 1448}`,
/// `{"gregorian": 2027}`, or null for the next one.
fn asked_year(which: Which) -> Value {
    match which {
        Which::HijriYear(year) => json!({"hijri": year}),
        Which::GregorianYear(year) => json!({"gregorian": year}),
        Which::Next => Value::Null,
    }
}

/// The year a previous calendar answer recorded ([`asked_year`]), for a follow-up that names
/// another occasion and no year ("Ashura in 1448" → "and the first of Muharram?").
pub(in crate::agents::community) fn year_asked_before(recorded: &Value) -> Option<Which> {
    let year = |key: &str| recorded["year"][key].as_i64().and_then(|year| i32::try_from(year).ok());
    year("hijri")
        .map(Which::HijriYear)
        .or_else(|| year("gregorian").map(Which::GregorianYear))
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn ramadan_by_year_with_its_eid_and_the_caveat() {
        let question = dates::read_calendar_question("When does Ramadan start in 2027?", day("2026-11-29")).unwrap();
        let (text, value) = answer(&question, day("2026-11-29"), Language::English).unwrap();
        assert!(text.contains("Monday 8 February 2027"), "{text}");
        assert!(text.contains("2027-02-08"), "{text}");
        assert!(text.contains("moon sighting"), "{text}");
        assert_eq!(value["dates"][0]["gregorian"], "2027-02-08");
    }

    #[test]
    fn this_years_when_it_has_passed_says_the_next_one_too() {
        let today = day("2026-11-29");
        let question = dates::read_calendar_question("when is laylat al-qadr this year?", today).unwrap();
        let (text, value) = answer(&question, today, Language::English).unwrap();
        assert!(text.contains("That was 258 days ago"), "{text}");
        // 27 Ramadan 1448, from the Umm al-Qura table: Ramadan 1448 starts on 2027-02-08.
        assert_eq!(value["next"]["gregorian"], "2027-03-06", "{value}");
        assert!(text.contains("The next one, in 1448 AH"), "{text}");
        // A year still to come is answered as asked, with nothing added.
        let question = dates::read_calendar_question("When does Ramadan start in 2027?", today).unwrap();
        let (_, value) = answer(&question, today, Language::English).unwrap();
        assert!(value["next"].is_null());
    }

    #[test]
    fn days_until_in_arabic() {
        let question = dates::read_calendar_question("كم يوماً بقي على عيد الفطر؟", day("2027-01-20")).unwrap();
        let (text, _) = answer(&question, day("2027-01-20"), Language::Arabic).unwrap();
        assert!(text.contains("48"), "{text}");
        assert!(text.contains("عيد"), "{text}");
    }

    #[test]
    fn conversions() {
        let (text, _) = answer(
            &CalendarQuestion::ToHijri(day("2026-12-25")),
            day("2026-12-25"),
            Language::English,
        )
        .unwrap();
        assert!(text.contains("16 Rajab 1448"), "{text}");
        let (text, _) = answer(
            &CalendarQuestion::ToGregorian(HijriDate {
                year: 1449,
                month: 1,
                day: 1,
            }),
            day("2026-12-25"),
            Language::English,
        )
        .unwrap();
        assert!(text.contains("6 June 2027"), "{text}");
    }
}
