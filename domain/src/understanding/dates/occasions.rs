//! The Islamic occasions by their names (Ramadan, the two Eids, Arafah, the Islamic New Year,
//! Ashura…), which instance of one is meant, the calendar questions a message asks, and the days
//! they fall on by the Umm al-Qura calendar.

use chrono::{Datelike, NaiveDate};

use super::*;
use crate::calculators::hijri::{self, HijriDate, HijriError};

/// Named days of the Islamic year.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Occasion {
    RamadanStart,
    RamadanEnd,
    EidAlFitr,
    EidAlAdha,
    Arafah,
    IslamicNewYear,
    Ashura,
    Mawlid,
    IsraMiraj,
    MidShaban,
    LaylatAlQadr,
    Hajj,
    /// A day of a Hijri month asked about without its year: (month, day). Day 1 is the month's
    /// start ("when does Dhul Hijjah start"); "what day is 15 Sha'ban" is day 15.
    MonthDay(u32, u32),
}

impl Occasion {
    /// The Hijri month and day it falls on (the end of Ramadan is its last day: see
    /// [`occurrences`]).
    pub fn month_day(self) -> (u32, u32) {
        match self {
            Occasion::RamadanStart => (9, 1),
            Occasion::RamadanEnd => (9, 29),
            Occasion::EidAlFitr => (10, 1),
            Occasion::EidAlAdha => (12, 10),
            Occasion::Arafah => (12, 9),
            Occasion::IslamicNewYear => (1, 1),
            Occasion::Ashura => (1, 10),
            Occasion::Mawlid => (3, 12),
            Occasion::IsraMiraj => (7, 27),
            Occasion::MidShaban => (8, 15),
            Occasion::LaylatAlQadr => (9, 27),
            Occasion::Hajj => (12, 8),
            Occasion::MonthDay(month, day) => (month, day),
        }
    }

    pub fn name_en(self) -> String {
        match self {
            Occasion::RamadanStart => "the start of Ramadan".into(),
            Occasion::RamadanEnd => "the last day of Ramadan".into(),
            Occasion::EidAlFitr => "Eid al-Fitr".into(),
            Occasion::EidAlAdha => "Eid al-Adha".into(),
            Occasion::Arafah => "the Day of Arafah".into(),
            Occasion::IslamicNewYear => "the Islamic New Year".into(),
            Occasion::Ashura => "Ashura".into(),
            Occasion::Mawlid => "the Mawlid (12 Rabi al-Awwal)".into(),
            Occasion::IsraMiraj => "al-Isra wal-Mi'raj (27 Rajab)".into(),
            Occasion::MidShaban => "the middle of Sha'ban (15 Sha'ban)".into(),
            Occasion::LaylatAlQadr => "the 27th night of Ramadan".into(),
            Occasion::Hajj => "the start of Hajj (8 Dhu al-Hijjah)".into(),
            Occasion::MonthDay(month, 1) => format!("the start of {}", hijri::MONTH_NAMES_EN[(month - 1) as usize]),
            Occasion::MonthDay(month, day) => format!("{day} {}", hijri::MONTH_NAMES_EN[(month - 1) as usize]),
        }
    }

    pub fn name_ar(self) -> String {
        match self {
            Occasion::RamadanStart => "بداية شهر رمضان".into(),
            Occasion::RamadanEnd => "آخر يوم من رمضان".into(),
            Occasion::EidAlFitr => "عيد الفطر".into(),
            Occasion::EidAlAdha => "عيد الأضحى".into(),
            Occasion::Arafah => "يوم عرفة".into(),
            Occasion::IslamicNewYear => "رأس السنة الهجرية".into(),
            Occasion::Ashura => "يوم عاشوراء".into(),
            Occasion::Mawlid => "المولد النبوي (12 ربيع الأول)".into(),
            Occasion::IsraMiraj => "الإسراء والمعراج (27 رجب)".into(),
            Occasion::MidShaban => "ليلة النصف من شعبان".into(),
            Occasion::LaylatAlQadr => "ليلة السابع والعشرين من رمضان".into(),
            Occasion::Hajj => "بداية الحج (8 ذو الحجة)".into(),
            Occasion::MonthDay(month, 1) => format!("بداية شهر {}", hijri::MONTH_NAMES_AR[(month - 1) as usize]),
            Occasion::MonthDay(month, day) => format!("{day} {}", hijri::MONTH_NAMES_AR[(month - 1) as usize]),
        }
    }
}

/// Which instance of an occasion is meant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Which {
    /// The next one on or after today.
    Next,
    /// The one(s) falling in this Gregorian year.
    GregorianYear(i32),
    /// The one of this Hijri year.
    HijriYear(i32),
}

/// A calendar question, read from a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CalendarQuestion {
    Occasion {
        occasion: Occasion,
        which: Which,
        /// "how many days until …"
        days_until: bool,
    },
    /// A Gregorian day in the Hijri calendar ("the hijri date today", "1 April 2027 in Hijri").
    ToHijri(NaiveDate),
    /// A Hijri day in the Gregorian calendar ("what date is 1 Muharram 1449").
    ToGregorian(HijriDate),
}

/// An occasion named in a message, and whether it asks about its end.
pub fn read_occasion(message: &str) -> Option<Occasion> {
    let (lower, tokens) = lower_tokens(message);
    let folded = fold_arabic(&lower);
    let has = |needles: &[&str]| contains_any_word(&lower, needles) || contains_any_word(&folded, needles);
    if has(&[
        "eid al-fitr",
        "eid al fitr",
        "eid ul fitr",
        "eid-ul-fitr",
        "eid ul-fitr",
        "eidul fitr",
        "eid-al-fitr",
        "small eid",
        "chhoti eid",
        "عيد الفطر",
    ]) {
        return Some(Occasion::EidAlFitr);
    }
    if has(&[
        "eid al-adha",
        "eid al adha",
        "eid ul adha",
        "eid-ul-adha",
        "eid ul-adha",
        "eidul adha",
        "eid-al-adha",
        "bakri eid",
        "bakra eid",
        "big eid",
        "eid ul azha",
        "qurbani eid",
        "عيد الاضحي",
        "عيد الأضحى",
    ]) {
        return Some(Occasion::EidAlAdha);
    }
    if has(&["arafah", "arafat", "arafa", "عرفه", "عرفة"]) {
        return Some(Occasion::Arafah);
    }
    if has(&[
        "islamic new year",
        "hijri new year",
        "muslim new year",
        "new islamic year",
        "new hijri year",
        "رأس السنة الهجرية",
        "راس السنه الهجريه",
        "السنه الهجريه الجديده",
    ]) {
        return Some(Occasion::IslamicNewYear);
    }
    if has(&["ashura", "ashoura", "aashura", "ashurah", "عاشوراء", "عاشورا"]) {
        return Some(Occasion::Ashura);
    }
    if has(&[
        "mawlid",
        "milad",
        "mawlud",
        "prophet's birthday",
        "birthday of the prophet",
        "المولد النبوي",
    ]) {
        return Some(Occasion::Mawlid);
    }
    if has(&[
        "isra and miraj",
        "isra wal miraj",
        "isra miraj",
        "miraj",
        "mi'raj",
        "الاسراء والمعراج",
        "الإسراء والمعراج",
    ]) {
        return Some(Occasion::IsraMiraj);
    }
    if has(&[
        "shab e barat",
        "shab-e-barat",
        "shab e baraat",
        "laylat al-baraah",
        "mid-shaban",
        "mid shaban",
        "nisf shaban",
        "middle of shaban",
        "middle of sha'ban",
        "15th night of shaban",
        "النصف من شعبان",
    ]) {
        return Some(Occasion::MidShaban);
    }
    if has(&[
        "laylat al-qadr",
        "laylat al qadr",
        "laylatul qadr",
        "lailatul qadr",
        "night of power",
        "night of decree",
        "shab e qadr",
        "ليله القدر",
        "ليلة القدر",
    ]) {
        return Some(Occasion::LaylatAlQadr);
    }
    let ending = has(&[
        "end",
        "ends",
        "ending",
        "finish",
        "finishes",
        "over",
        "last day",
        "ينتهي",
        "نهاية",
        "آخر",
    ]);
    if let Some(named) = hijri_mentions(&tokens).first() {
        return Some(match (named.month, named.day) {
            // A day of the month written: that day ("27 ramadan", "15 sha'ban").
            (month, Some(day)) if day > 1 || month != 9 => Occasion::MonthDay(month, day),
            (9, _) if ending => Occasion::RamadanEnd,
            (9, _) => Occasion::RamadanStart,
            (month, _) => Occasion::MonthDay(month, 1),
        });
    }
    if has(&["eid", "عيد", "العيد"]) {
        // Plain "eid": whichever comes next is decided by the caller; Eid al-Fitr stands for it.
        return Some(Occasion::EidAlFitr);
    }
    if has(&["hajj", "الحج"]) && has(&["when", "date", "start", "begin", "متي", "متى"]) {
        return Some(Occasion::Hajj);
    }
    None
}

/// Whether the message asks "how many days until …", "how long until …", "كم يوما بقي".
pub fn asks_days_until(message: &str) -> bool {
    let lower = normalize(&message.to_lowercase());
    let folded = fold_arabic(&lower);
    contains_any_word(
        &lower,
        &[
            "how many days",
            "how long until",
            "how long till",
            "how long is it until",
            "how long to",
            "days until",
            "days till",
            "days left",
            "days away",
            "days to go",
            "countdown",
        ],
    ) || contains_any_word(
        &folded,
        &["كم يوما", "كم يوم", "كم باقي", "كم بقي", "كم تبقي", "كم يتبقي"],
    )
}

/// Whether the message asks for a date ("when", "what date", "start", "متى"), so that naming
/// Ramadan in a question about fasting is not a calendar question.
pub fn asks_when(message: &str) -> bool {
    let lower = normalize(&message.to_lowercase());
    let folded = fold_arabic(&lower);
    contains_any_word(
        &lower,
        &[
            "when",
            "what date",
            "which date",
            "what day",
            "which day",
            "date of",
            "date for",
            "the date",
            "dates of",
            "start",
            "starts",
            "starting",
            "begin",
            "begins",
            "beginning",
            "end",
            "ends",
            "how many days",
            "how long",
            "until",
            "till",
            "countdown",
            "expected",
            "is it on",
            "fall on",
            "falls on",
        ],
    ) || contains_any_word(
        &folded,
        &[
            "متي",
            "موعد",
            "تاريخ",
            "كم يوم",
            "يبدا",
            "تبدا",
            "ينتهي",
            "بدايه",
            "كم يوما",
        ],
    )
}

/// The year a message asks about: "in 2027", "2027", "next year", "this year", "1448 AH".
pub fn read_which(message: &str, today: NaiveDate) -> Which {
    let (lower, tokens) = lower_tokens(message);
    if contains_any_word(
        &lower,
        &[
            "next year",
            "العام القادم",
            "السنة القادمة",
            "السنه القادمه",
            "العام المقبل",
        ],
    ) {
        return Which::GregorianYear(today.year() + 1);
    }
    if contains_any_word(&lower, &["this year", "هذا العام", "هذه السنة", "هذا العام"]) {
        return Which::GregorianYear(today.year());
    }
    if contains_any_word(&lower, &["last year", "العام الماضي"]) {
        return Which::GregorianYear(today.year() - 1);
    }
    for (index, token) in tokens.iter().enumerate() {
        if let Some(year) = year_number(token) {
            let hijri_marked = matches!(token, Token::Number { suffix, .. } if suffix == "ah" || suffix == "h")
                || matches!(
                    token_word(&tokens, index + 1),
                    Some("ah" | "a" | "هـ" | "ه" | "هجري" | "هجرية" | "hijri")
                );
            if hijri_marked || (1300..=1600).contains(&year) {
                return Which::HijriYear(year);
            }
            if (1900..=2200).contains(&year) {
                return Which::GregorianYear(year);
            }
        }
    }
    Which::Next
}

/// Reads a calendar question, if the message asks one. `today` is the day it is asked on.
pub fn read_calendar_question(message: &str, today: NaiveDate) -> Option<CalendarQuestion> {
    let days_until = asks_days_until(message);
    if let Some(hijri) = read_hijri_date(message) {
        return Some(CalendarQuestion::ToGregorian(hijri));
    }
    if let Some(occasion) = read_occasion(message)
        && (days_until || asks_when(message) || read_which(message, today) != Which::Next)
    {
        return Some(CalendarQuestion::Occasion {
            occasion,
            which: read_which(message, today),
            days_until,
        });
    }
    let (lower, _) = lower_tokens(message);
    let about_hijri = contains_any_word(
        &lower,
        &[
            "hijri",
            "islamic date",
            "islamic calendar",
            "islamic month",
            "islamic year",
            "lunar date",
            "arabic date",
            "muslim calendar",
            "هجري",
            "الهجري",
            "بالهجري",
            "التاريخ الهجري",
            "التقويم الهجري",
        ],
    );
    if about_hijri {
        let date = read_date(message, today).map_or(today, |mention| mention.date);
        return Some(CalendarQuestion::ToHijri(date));
    }
    None
}

/// The day an occasion falls on in a Hijri year (the end of Ramadan is its real last day).
pub fn occasion_day(occasion: Occasion, hijri_year: i32) -> Result<NaiveDate, HijriError> {
    let (month, day) = occasion.month_day();
    let day = if occasion == Occasion::RamadanEnd {
        hijri::month_length(hijri_year, 9)?
    } else {
        day
    };
    hijri::to_gregorian(hijri_year, month, day)
}

/// The instances of an occasion that `which` means, as (Hijri year, day), soonest first.
pub fn occurrences(occasion: Occasion, which: Which, today: NaiveDate) -> Result<Vec<(i32, NaiveDate)>, HijriError> {
    match which {
        Which::HijriYear(year) => Ok(vec![(year, occasion_day(occasion, year)?)]),
        Which::GregorianYear(year) => {
            // A Hijri year is about 354 days: the occasion falls in Gregorian year Y in Hijri
            // year about (Y - 622) × 33/32, give or take one; rarely twice.
            let estimate = ((year - 622) * 33) / 32;
            let mut found = Vec::new();
            for hijri_year in estimate - 1..=estimate + 2 {
                if let Ok(day) = occasion_day(occasion, hijri_year)
                    && day.year() == year
                {
                    found.push((hijri_year, day));
                }
            }
            if found.is_empty() {
                occasion_day(occasion, estimate)?;
            }
            Ok(found)
        }
        Which::Next => {
            let current = hijri::to_hijri(today)?.year;
            let mut failed = None;
            for hijri_year in current - 1..=current + 2 {
                // A 30th that one year's month lacks is looked for in the next year.
                match occasion_day(occasion, hijri_year) {
                    Ok(day) if day >= today => return Ok(vec![(hijri_year, day)]),
                    Ok(_) => {}
                    Err(error) => failed = Some(error),
                }
            }
            failed.map_or(Ok(Vec::new()), Err)
        }
    }
}
