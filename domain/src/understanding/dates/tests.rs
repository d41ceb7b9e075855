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
