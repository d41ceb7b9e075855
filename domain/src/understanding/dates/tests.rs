//! Reading dates, Hijri dates, occasions and calendar questions as people write them.

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
    assert_eq!(
        read_hijri_date("what day is 15 shaban this year"),
        None,
        "no Hijri year written"
    );
}

#[test]
fn a_day_of_a_hijri_month_without_its_year_is_that_day_not_the_month_start() {
    let today = day("2026-12-07");
    let ask = |text: &str| match read_calendar_question(text, today) {
        Some(CalendarQuestion::Occasion { occasion, which, .. }) => (occasion, which),
        other => panic!("{text}: {other:?}"),
    };
    assert_eq!(ask("what day is 15 shaban this year").0, Occasion::MonthDay(8, 15));
    assert_eq!(ask("when is the 27th of rajab?").0, Occasion::MonthDay(7, 27));
    assert_eq!(ask("when is rajab 27?").0, Occasion::MonthDay(7, 27));
    assert_eq!(ask("متى ١٥ شعبان؟").0, Occasion::MonthDay(8, 15));
    assert_eq!(ask("when is 27 ramadan").0, Occasion::MonthDay(9, 27));
    // Without a day it is still the month's start, and Ramadan's start or end.
    assert_eq!(ask("when does rajab start").0, Occasion::MonthDay(7, 1));
    assert_eq!(ask("when does ramadan end").0, Occasion::RamadanEnd);
    assert_eq!(ask("when is the middle of shaban").0, Occasion::MidShaban);
    // A number that counts something else is no day of the month.
    assert_eq!(
        ask("when does ramadan start, is it 29 or 30 days").0,
        Occasion::RamadanStart
    );
    // The next 15 Sha'ban from 7 December 2026 is in 1448, on 23 January 2027.
    let (occasion, _) = ask("when is 15 shaban");
    assert_eq!(
        occurrences(occasion, Which::Next, today).unwrap(),
        vec![(1448, day("2027-01-23"))]
    );
    // A 30th is found in the next year whose month has one.
    let thirtieth = occurrences(Occasion::MonthDay(8, 30), Which::Next, today).unwrap();
    assert_eq!(thirtieth.len(), 1);
    assert!(thirtieth[0].1 >= today);
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

#[test]
fn a_date_is_read_once_and_resolved_against_the_day_each_answer_counts_from() {
    // "Tomorrow" read once: a day later in Jakarta than in UTC when it is already tomorrow there.
    let words = parse_dates("fajr in Jakarta tomorrow");
    assert_eq!(
        words,
        vec![DateWords::Relative {
            days: 1,
            phrase: "tomorrow".to_owned()
        }]
    );
    assert_eq!(
        resolve_first(&words, day("2026-12-02")).unwrap().date,
        day("2026-12-03")
    );
    assert_eq!(
        resolve_first(&words, day("2026-12-03")).unwrap().date,
        day("2026-12-04")
    );

    // A weekday counts from the day asked: "next" skips that day itself.
    let friday = parse_dates("isha next friday");
    assert_eq!(
        resolve_first(&friday, day("2026-12-04")).unwrap().date,
        day("2026-12-11")
    );
    let friday = parse_dates("isha on friday");
    assert_eq!(
        resolve_first(&friday, day("2026-12-04")).unwrap().date,
        day("2026-12-04")
    );
    assert_eq!(
        resolve_first(&friday, day("2026-12-05")).unwrap().date,
        day("2026-12-11")
    );

    // A day without its year takes the year it is resolved in; the 29th of February is a day
    // only in a leap year, and otherwise the next date of the message counts.
    let leap = parse_dates("maghrib on 29 February, or tomorrow");
    assert_eq!(leap.len(), 2);
    assert_eq!(resolve_first(&leap, day("2028-01-10")).unwrap().date, day("2028-02-29"));
    assert_eq!(resolve_first(&leap, day("2027-01-10")).unwrap().date, day("2027-01-11"));

    // A written year is part of the words; a day that does not exist in it is no date at all.
    assert_eq!(
        parse_dates("15/01/2027"),
        vec![DateWords::Written {
            year: Some(2027),
            month: 1,
            day: 15,
            style: Written::Slashes
        }]
    );
    assert_eq!(parse_dates("2027-02-30"), Vec::new());
    assert_eq!(parse_dates("what may I do"), Vec::new());
    assert_eq!(parse_dates("غداً")[0].kind(), "relative");
}
