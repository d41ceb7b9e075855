//! Dates in a message, relative to the day it is asked on: "today", "tomorrow", "next Friday",
//! "in 3 days", "2027-01-15", "15 January 2027", "January 15th, 2027", "غداً"; Hijri dates
//! ("1 Muharram 1449", "15th of Sha'ban 1448 AH", "١ محرم ١٤٤٩"); the Islamic occasions by their
//! names (Ramadan, the two Eids, Arafah, the Islamic New Year, Ashura…); years ("in 2027", "next
//! year", "1448 AH"); and "how many days until …". Resolving an occasion to a day uses the Umm
//! al-Qura calendar of [`crate::calculators::hijri`].

use chrono::{Datelike, Duration, NaiveDate, Weekday};

use super::text::{Token, contains_any_word, normalize, tokenize};
use crate::calculators::hijri::{self, HijriDate, HijriError};

const MONTHS: &[(&str, u32)] = &[
    ("january", 1),
    ("jan", 1),
    ("february", 2),
    ("feb", 2),
    ("march", 3),
    ("mar", 3),
    ("april", 4),
    ("apr", 4),
    ("may", 5),
    ("june", 6),
    ("jun", 6),
    ("july", 7),
    ("jul", 7),
    ("august", 8),
    ("aug", 8),
    ("september", 9),
    ("sept", 9),
    ("sep", 9),
    ("october", 10),
    ("oct", 10),
    ("november", 11),
    ("nov", 11),
    ("december", 12),
    ("dec", 12),
    ("يناير", 1),
    ("فبراير", 2),
    ("مارس", 3),
    ("أبريل", 4),
    ("ابريل", 4),
    ("إبريل", 4),
    ("مايو", 5),
    ("يونيو", 6),
    ("يوليو", 7),
    ("أغسطس", 8),
    ("اغسطس", 8),
    ("سبتمبر", 9),
    ("أكتوبر", 10),
    ("اكتوبر", 10),
    ("نوفمبر", 11),
    ("ديسمبر", 12),
];

/// Hijri month names as keys: lowercase Latin letters only (spaces, hyphens, apostrophes gone),
/// or Arabic without marks, alef forms folded and spaces removed.
const HIJRI_MONTHS: &[(&[&str], u32)] = &[
    (&["muharram", "muharam", "محرم", "المحرم"], 1),
    (&["safar", "safer", "صفر"], 2),
    (
        &[
            "rabialawwal",
            "rabiulawwal",
            "rabiulawal",
            "rabialawal",
            "rabiawwal",
            "rabii",
            "rabi1",
            "rabiallawwal",
            "ربيعالاول",
        ],
        3,
    ),
    (
        &[
            "rabialthani",
            "rabiuthani",
            "rabiulthani",
            "rabialakhir",
            "rabiulakhir",
            "rabiussani",
            "rabiii",
            "rabi2",
            "rabiathani",
            "ربيعالاخر",
            "ربيعالثاني",
        ],
        4,
    ),
    (
        &[
            "jumadaalula",
            "jumadalula",
            "jumadaalawwal",
            "jumadalawwal",
            "jumadiulawwal",
            "jamadiulawal",
            "jumadai",
            "jumada1",
            "جماديالاولي",
            "جماديالاول",
        ],
        5,
    ),
    (
        &[
            "jumadaalakhirah",
            "jumadaalakhira",
            "jumadalakhira",
            "jumadaalthani",
            "jumadiussani",
            "jamadiulakhir",
            "jumadaii",
            "jumada2",
            "jumadaathani",
            "جماديالاخره",
            "جماديالثانيه",
            "جماديالاخرة",
        ],
        6,
    ),
    (&["rajab", "رجب"], 7),
    (&["shaban", "shaaban", "sha'ban", "شعبان"], 8),
    (&["ramadan", "ramadhan", "ramzan", "ramazan", "ramadaan", "رمضان"], 9),
    (&["shawwal", "shawal", "shawaal", "شوال"], 10),
    (
        &[
            "dhualqadah",
            "dhulqadah",
            "dhulqidah",
            "dhualqidah",
            "zulqadah",
            "zilqad",
            "dhulqada",
            "dhualqada",
            "ذوالقعده",
            "ذيالقعده",
        ],
        11,
    ),
    (
        &[
            "dhualhijjah",
            "dhulhijjah",
            "zulhijjah",
            "zilhaj",
            "zilhijjah",
            "dhulhijja",
            "dhualhija",
            "dhualhijja",
            "ذوالحجه",
            "ذيالحجه",
        ],
        12,
    ),
];

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
    /// The first day of a Hijri month asked about by name ("when does Dhul Hijjah start").
    MonthStart(u32),
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
            Occasion::MonthStart(month) => (month, 1),
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
            Occasion::MonthStart(month) => format!("the start of {}", hijri::MONTH_NAMES_EN[(month - 1) as usize]),
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
            Occasion::MonthStart(month) => format!("بداية شهر {}", hijri::MONTH_NAMES_AR[(month - 1) as usize]),
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

/// A date and the words it was read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DateMention {
    pub date: NaiveDate,
    pub phrase: String,
}

/// Folds Arabic for matching names: marks and tatweel removed, alef forms to ا, ى to ي, ة to ه.
pub fn fold_arabic(text: &str) -> String {
    text.chars()
        .filter_map(|c| match c {
            '\u{064B}'..='\u{065F}' | '\u{0670}' | '\u{0640}' => None,
            'أ' | 'إ' | 'آ' | 'ٱ' => Some('ا'),
            'ى' => Some('ي'),
            'ة' => Some('ه'),
            other => Some(other),
        })
        .collect()
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

/// The Hijri month a run of words starting at `start` names, and how many words it takes.
fn hijri_month_at(words: &[&str], start: usize) -> Option<(u32, usize)> {
    for length in (1..=4.min(words.len() - start)).rev() {
        let key = month_key(&words[start..start + length]);
        // "rabi al awwal" → "rabialawwal"; "ul"/"ath" joiners are in the variant lists.
        for (names, month) in HIJRI_MONTHS {
            if names.iter().any(|name| month_key(&[name]) == key) {
                return Some((*month, length));
            }
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

/// A Gregorian date written out: ISO, "15 January 2027", "January 15th, 2027", "15/01/2027",
/// with or without the year (then the year of `today`).
fn written_date(tokens: &[Token], today: NaiveDate) -> Option<DateMention> {
    for index in 0..tokens.len() {
        // ISO: 2027-01-15 arrives as 2027, -, 01, -, 15.
        if let (Some(year), Some(Token::Mark('-')), Some(month), Some(Token::Mark('-')), Some(day)) = (
            tokens.get(index).and_then(year_number),
            tokens.get(index + 1),
            tokens.get(index + 2).and_then(day_number),
            tokens.get(index + 3),
            tokens.get(index + 4).and_then(day_number),
        ) && let Some(date) = NaiveDate::from_ymd_opt(year, month, day)
        {
            return Some(DateMention {
                date,
                phrase: date.to_string(),
            });
        }
        // Day-first with slashes: 15/01/2027.
        if let (Some(day), Some(Token::Mark('/')), Some(month), Some(Token::Mark('/')), Some(year)) = (
            tokens.get(index).and_then(day_number),
            tokens.get(index + 1),
            tokens.get(index + 2).and_then(day_number),
            tokens.get(index + 3),
            tokens.get(index + 4).and_then(year_number),
        ) && let Some(date) = NaiveDate::from_ymd_opt(year, month, day)
        {
            return Some(DateMention {
                date,
                phrase: format!("{day}/{month}/{year}"),
            });
        }
        // "15 January 2027", "15th of January".
        if let Some(day) = tokens.get(index).and_then(day_number) {
            let at = skip_joiners(tokens, index + 1);
            if let Some(month) = token_word(tokens, at).and_then(gregorian_month) {
                let year_at = skip_joiners(tokens, at + 1);
                let year = tokens.get(year_at).and_then(year_number).filter(|y| *y > 1800);
                if let Some(date) = NaiveDate::from_ymd_opt(year.unwrap_or(today.year()), month, day) {
                    return Some(DateMention {
                        date,
                        phrase: date.format("%-d %B %Y").to_string(),
                    });
                }
            }
        }
        // "January 15th, 2027".
        if let Some(month) = token_word(tokens, index).and_then(gregorian_month)
            && let Some(day) = tokens.get(index + 1).and_then(day_number)
        {
            // "may" is also a verb: take it as a month only with a day right after it.
            let year_at = skip_joiners(tokens, index + 2);
            let year = tokens.get(year_at).and_then(year_number).filter(|y| *y > 1800);
            if let Some(date) = NaiveDate::from_ymd_opt(year.unwrap_or(today.year()), month, day) {
                return Some(DateMention {
                    date,
                    phrase: date.format("%-d %B %Y").to_string(),
                });
            }
        }
    }
    None
}

const WEEKDAYS: &[(&str, Weekday)] = &[
    ("monday", Weekday::Mon),
    ("tuesday", Weekday::Tue),
    ("wednesday", Weekday::Wed),
    ("thursday", Weekday::Thu),
    ("friday", Weekday::Fri),
    ("saturday", Weekday::Sat),
    ("sunday", Weekday::Sun),
    ("الاثنين", Weekday::Mon),
    ("الثلاثاء", Weekday::Tue),
    ("الأربعاء", Weekday::Wed),
    ("الاربعاء", Weekday::Wed),
    ("الخميس", Weekday::Thu),
    ("الجمعة", Weekday::Fri),
    ("السبت", Weekday::Sat),
    ("الأحد", Weekday::Sun),
    ("الاحد", Weekday::Sun),
];

/// "today", "tomorrow", "yesterday", "the day after tomorrow", "next Friday", "on Friday",
/// "in 3 days", "next week", and the Arabic words for them.
fn relative_date(lower: &str, tokens: &[Token], today: NaiveDate) -> Option<DateMention> {
    let mention = |date: NaiveDate, phrase: &str| {
        Some(DateMention {
            date,
            phrase: phrase.to_owned(),
        })
    };
    if contains_any_word(lower, &["day after tomorrow", "بعد غد", "بعد بكرة"]) {
        return mention(today + Duration::days(2), "the day after tomorrow");
    }
    if contains_any_word(lower, &["tomorrow", "tmrw", "tmr", "غدا", "غداً", "بكرة", "بكره"]) {
        return mention(today + Duration::days(1), "tomorrow");
    }
    if contains_any_word(lower, &["yesterday", "أمس", "امس", "البارحة"]) {
        return mention(today - Duration::days(1), "yesterday");
    }
    for (index, token) in tokens.iter().enumerate() {
        if let Some(word) = token.word()
            && let Some((_, weekday)) = WEEKDAYS.iter().find(|(name, _)| *name == word)
        {
            let ahead = (7 + weekday.num_days_from_monday() as i64 - today.weekday().num_days_from_monday() as i64) % 7;
            let next_word = index.checked_sub(1).and_then(|i| token_word(tokens, i)) == Some("next");
            let days = if ahead == 0 && next_word { 7 } else { ahead };
            return mention(today + Duration::days(days), word);
        }
        if token_word(tokens, index) == Some("in")
            && let Some(count) = tokens.get(index + 1).and_then(Token::number)
            && let Some(unit) = token_word(tokens, index + 2)
        {
            let count = i64::try_from(count.trunc().mantissa()).ok()?;
            let days = match unit {
                "day" | "days" => count,
                "week" | "weeks" => count * 7,
                _ => continue,
            };
            if (0..=3660).contains(&days) {
                return mention(today + Duration::days(days), &format!("in {count} {unit}"));
            }
        }
    }
    if contains_any_word(lower, &["next week"]) {
        return mention(today + Duration::days(7), "next week");
    }
    if contains_any_word(lower, &["today", "tonight", "now", "current", "اليوم", "الليلة"]) {
        return mention(today, "today");
    }
    None
}

/// The day a message is about: a date written out, else a relative one, else none.
pub fn read_date(message: &str, today: NaiveDate) -> Option<DateMention> {
    let (lower, tokens) = lower_tokens(message);
    written_date(&tokens, today).or_else(|| relative_date(&lower, &tokens, today))
}

/// A Hijri date written out: "1 Muharram 1449", "15th of Sha'ban 1448 AH", "Muharram 1, 1449",
/// "١ محرم ١٤٤٩". Without a year it is not read (the year decides the day).
pub fn read_hijri_date(message: &str) -> Option<HijriDate> {
    let (_, tokens) = lower_tokens(message);
    let words: Vec<(usize, &str)> = tokens
        .iter()
        .enumerate()
        .filter_map(|(i, t)| t.word().map(|w| (i, w)))
        .collect();
    let plain: Vec<&str> = words.iter().map(|(_, w)| *w).collect();
    for (position, (token_index, _)) in words.iter().enumerate() {
        let Some((month, length)) = hijri_month_at(&plain, position) else {
            continue;
        };
        let after_month = words.get(position + length - 1).map_or(*token_index, |(i, _)| *i) + 1;
        // Day before the month ("1 Muharram", "15th of Sha'ban") or after it ("Muharram 1, 1449").
        let before_index = {
            let mut at = *token_index;
            while at > 0 && matches!(token_word(&tokens, at - 1), Some("of" | "the")) {
                at -= 1;
            }
            at.checked_sub(1)
        };
        let (day, year_from) = match before_index.and_then(|i| tokens.get(i)).and_then(day_number) {
            Some(day) => (Some(day), after_month),
            None => match tokens.get(after_month).and_then(day_number) {
                Some(day) => (Some(day), after_month + 1),
                None => (None, after_month),
            },
        };
        let year_at = skip_joiners(&tokens, year_from);
        let year = tokens
            .get(year_at)
            .and_then(year_number)
            .filter(|y| (1300..=1600).contains(y));
        if let (Some(day), Some(year)) = (day, year) {
            return Some(HijriDate { year, month, day });
        }
    }
    None
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
        "ليله النصف من شعبان",
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
    let words: Vec<&str> = tokens.iter().filter_map(Token::word).collect();
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
    for position in 0..words.len() {
        if let Some((month, _)) = hijri_month_at(&words, position) {
            if month == 9 {
                return Some(if ending {
                    Occasion::RamadanEnd
                } else {
                    Occasion::RamadanStart
                });
            }
            return Some(Occasion::MonthStart(month));
        }
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
            for hijri_year in current - 1..=current + 1 {
                let day = occasion_day(occasion, hijri_year)?;
                if day >= today {
                    return Ok(vec![(hijri_year, day)]);
                }
            }
            Ok(Vec::new())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn dates_written_out_and_relative() {
        let today = day("2026-12-02");
        for (text, expected) in [
            ("prayer times for Jakarta on 15 January 2027", "2027-01-15"),
            ("on January 15th, 2027", "2027-01-15"),
            ("2027-01-15", "2027-01-15"),
            ("the 3rd of March", "2026-03-03"),
            ("15/01/2027", "2027-01-15"),
            ("What time is fajr in Manchester tomorrow?", "2026-12-03"),
            ("the day after tomorrow", "2026-12-04"),
            ("next friday", "2026-12-04"),
            ("in 3 days", "2026-12-05"),
            ("مواقيت الصلاة غداً", "2026-12-03"),
            ("maghrib in cairo today", "2026-12-02"),
        ] {
            assert_eq!(read_date(text, today).map(|m| m.date), Some(day(expected)), "{text}");
        }
        assert_eq!(read_date("what may I do", today), None, "the verb 'may' is no month");
    }

    #[test]
    fn hijri_dates_in_words() {
        for (text, expected) in [
            ("what date is 1 Muharram 1449?", (1449, 1, 1)),
            ("15th of Sha'ban 1448 AH", (1448, 8, 15)),
            ("Muharram 1, 1449", (1449, 1, 1)),
            ("10 dhul hijjah 1448", (1448, 12, 10)),
            ("1 rabi al awwal 1448", (1448, 3, 1)),
            ("١ محرم ١٤٤٩", (1449, 1, 1)),
            ("١ ذو الحجة ١٤٤٨", (1448, 12, 1)),
        ] {
            let date = read_hijri_date(text).unwrap_or_else(|| panic!("{text}"));
            assert_eq!((date.year, date.month, date.day), expected, "{text}");
        }
        assert_eq!(read_hijri_date("Ramadan is coming"), None);
    }

    #[test]
    fn occasions_and_their_days() {
        let today = day("2026-11-29");
        let ask = |text: &str| read_calendar_question(text, today).unwrap();
        let CalendarQuestion::Occasion { occasion, which, .. } = ask("When does Ramadan start in 2027?") else {
            panic!()
        };
        assert_eq!(occurrences(occasion, which, today).unwrap()[0].1, day("2027-02-08"));
        let CalendarQuestion::Occasion { occasion, which, .. } = ask("when is eid al-adha 2027") else {
            panic!()
        };
        assert_eq!(occurrences(occasion, which, today).unwrap()[0].1, day("2027-05-16"));
        let CalendarQuestion::Occasion { occasion, which, .. } = ask("When is Ramadan next year?") else {
            panic!()
        };
        assert_eq!(which, Which::GregorianYear(2027));
        assert_eq!(occurrences(occasion, which, today).unwrap()[0].1, day("2027-02-08"));
        let CalendarQuestion::Occasion {
            occasion,
            which,
            days_until,
        } = ask("how many days until ramadan?")
        else {
            panic!()
        };
        assert!(days_until);
        let next = occurrences(occasion, which, day("2026-12-01")).unwrap()[0].1;
        assert_eq!((next - day("2026-12-01")).num_days(), 69);
        let CalendarQuestion::Occasion {
            occasion, days_until, ..
        } = ask("كم يوماً بقي على عيد الفطر؟")
        else {
            panic!()
        };
        assert!(days_until);
        assert_eq!(occasion, Occasion::EidAlFitr);
        let next = occurrences(occasion, Which::Next, day("2027-01-20")).unwrap()[0].1;
        assert_eq!((next - day("2027-01-20")).num_days(), 48);
        assert_eq!(
            occurrences(Occasion::Arafah, Which::HijriYear(1448), today).unwrap()[0].1,
            day("2027-05-15")
        );
        assert_eq!(
            occurrences(Occasion::RamadanEnd, Which::HijriYear(1448), today).unwrap()[0].1 + Duration::days(1),
            occurrences(Occasion::EidAlFitr, Which::HijriYear(1448), today).unwrap()[0].1
        );
    }

    #[test]
    fn conversions_both_ways() {
        let today = day("2026-12-25");
        assert_eq!(
            read_calendar_question("what is the hijri date today?", today),
            Some(CalendarQuestion::ToHijri(today))
        );
        assert_eq!(
            read_calendar_question("What's 1 April 2027 in the Islamic calendar?", today),
            Some(CalendarQuestion::ToHijri(day("2027-04-01")))
        );
        assert_eq!(
            read_calendar_question("what date is 1 Muharram 1449?", today),
            Some(CalendarQuestion::ToGregorian(HijriDate {
                year: 1449,
                month: 1,
                day: 1
            }))
        );
        assert_eq!(read_calendar_question("how do I pray witr", today), None);
        assert_eq!(
            read_calendar_question("do women have to make up the ramadan fasts they missed?", today),
            None,
            "naming Ramadan is not asking its date"
        );
    }
}
