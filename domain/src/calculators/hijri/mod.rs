//! The Umm al-Qura calendar (Saudi Arabia's official Hijri calendar), exact to the day over its
//! published table: 1 Muharram 1343 (1 August 1924) to 30 Dhu al-Hijjah 1500 (16 November 2077).
//! Outside that range there is no table to be exact against, so conversions fail rather than
//! guess with an arithmetic approximation.

mod table;

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use table::{BASE_JDN, MONTH_STARTS};

pub const FIRST_YEAR: i32 = 1343;
pub const LAST_YEAR: i32 = 1500;

pub const MONTH_NAMES_EN: [&str; 12] = [
    "Muharram",
    "Safar",
    "Rabi al-Awwal",
    "Rabi al-Thani",
    "Jumada al-Ula",
    "Jumada al-Akhirah",
    "Rajab",
    "Sha'ban",
    "Ramadan",
    "Shawwal",
    "Dhu al-Qadah",
    "Dhu al-Hijjah",
];

pub const MONTH_NAMES_AR: [&str; 12] = [
    "محرم",
    "صفر",
    "ربيع الأول",
    "ربيع الآخر",
    "جمادى الأولى",
    "جمادى الآخرة",
    "رجب",
    "شعبان",
    "رمضان",
    "شوال",
    "ذو القعدة",
    "ذو الحجة",
];

/// The Julian Day Number of 0001-01-01 minus one, so `jdn = days_from_ce + JDN_OFFSET`.
const JDN_OFFSET: i64 = 1_721_425;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HijriDate {
    pub year: i32,
    pub month: u32,
    pub day: u32,
}

impl HijriDate {
    pub fn month_name_en(&self) -> &'static str {
        MONTH_NAMES_EN[(self.month - 1) as usize]
    }

    pub fn month_name_ar(&self) -> &'static str {
        MONTH_NAMES_AR[(self.month - 1) as usize]
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HijriError {
    #[error(
        "{0} is outside the Umm al-Qura calendar's published range (1924-08-01 to 2077-11-16, \
         1 Muharram 1343 to 30 Dhu al-Hijjah 1500)"
    )]
    GregorianOutOfRange(NaiveDate),
    #[error("Hijri year {0} is outside the Umm al-Qura calendar's published range ({FIRST_YEAR} to {LAST_YEAR})")]
    HijriOutOfRange(i32),
    #[error("month must be 1 to 12, got {0}")]
    InvalidMonth(u32),
    #[error("{month_name} {year} has {length} days in the Umm al-Qura calendar, so day {day} does not exist")]
    InvalidDay {
        year: i32,
        month_name: &'static str,
        day: u32,
        length: u32,
    },
}

fn jdn(date: NaiveDate) -> i64 {
    i64::from(date.num_days_from_ce()) + JDN_OFFSET
}

fn month_start(index: usize) -> i64 {
    BASE_JDN + i64::from(MONTH_STARTS[index])
}

/// The number of days in a Hijri month of the table (29 or 30; a few early months differ).
pub fn month_length(year: i32, month: u32) -> Result<u32, HijriError> {
    let index = month_index(year, month)?;
    Ok((month_start(index + 1) - month_start(index)) as u32)
}

fn month_index(year: i32, month: u32) -> Result<usize, HijriError> {
    if !(FIRST_YEAR..=LAST_YEAR).contains(&year) {
        return Err(HijriError::HijriOutOfRange(year));
    }
    if !(1..=12).contains(&month) {
        return Err(HijriError::InvalidMonth(month));
    }
    Ok(((year - FIRST_YEAR) * 12) as usize + (month - 1) as usize)
}

/// Gregorian to Umm al-Qura Hijri.
pub fn to_hijri(date: NaiveDate) -> Result<HijriDate, HijriError> {
    let day_number = jdn(date);
    let last = MONTH_STARTS.len() - 1;
    if day_number < month_start(0) || day_number >= month_start(last) {
        return Err(HijriError::GregorianOutOfRange(date));
    }
    // The last month start at or before the day.
    let offset = (day_number - BASE_JDN) as u16;
    let index = MONTH_STARTS.partition_point(|start| *start <= offset) - 1;
    Ok(HijriDate {
        year: FIRST_YEAR + (index / 12) as i32,
        month: (index % 12) as u32 + 1,
        day: (day_number - month_start(index)) as u32 + 1,
    })
}

/// Umm al-Qura Hijri to Gregorian.
pub fn to_gregorian(year: i32, month: u32, day: u32) -> Result<NaiveDate, HijriError> {
    let index = month_index(year, month)?;
    let length = (month_start(index + 1) - month_start(index)) as u32;
    if day == 0 || day > length {
        return Err(HijriError::InvalidDay {
            year,
            month_name: MONTH_NAMES_EN[(month - 1) as usize],
            day,
            length,
        });
    }
    let days_from_ce = month_start(index) + i64::from(day) - 1 - JDN_OFFSET;
    i32::try_from(days_from_ce)
        .ok()
        .and_then(NaiveDate::from_num_days_from_ce_opt)
        .ok_or(HijriError::HijriOutOfRange(year))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    /// Dates announced from the Umm al-Qura calendar (Saudi Supreme Court / ummulqura.org.sa
    /// and widely reported): 1 Ramadan 1444 = 23 March 2023, 1 Ramadan 1445 = 11 March 2024,
    /// 1 Shawwal 1445 (Eid al-Fitr) = 10 April 2024, 10 Dhu al-Hijjah 1445 (Eid al-Adha) =
    /// 16 June 2024, 1 Muharram 1446 = 7 July 2024; and the table's first and last days.
    #[test]
    fn published_dates_convert_both_ways() {
        for (gregorian, hijri) in [
            (date(2023, 3, 23), (1444, 9, 1)),
            (date(2024, 3, 11), (1445, 9, 1)),
            (date(2024, 4, 10), (1445, 10, 1)),
            (date(2024, 6, 16), (1445, 12, 10)),
            (date(2024, 7, 7), (1446, 1, 1)),
            (date(1924, 8, 1), (1343, 1, 1)),
            (date(2077, 11, 16), (1500, 12, 30)),
        ] {
            let got = to_hijri(gregorian).unwrap();
            assert_eq!((got.year, got.month, got.day), hijri, "{gregorian}");
            assert_eq!(to_gregorian(hijri.0, hijri.1, hijri.2).unwrap(), gregorian);
        }
    }

    #[test]
    fn every_day_of_the_range_round_trips_and_advances_by_one() {
        let mut day = date(1924, 8, 1);
        let mut previous = to_hijri(day).unwrap();
        while day < date(2077, 11, 16) {
            day = day.succ_opt().unwrap();
            let hijri = to_hijri(day).unwrap();
            assert_eq!(to_gregorian(hijri.year, hijri.month, hijri.day).unwrap(), day);
            let next_in_month = hijri.day == previous.day + 1 && hijri.month == previous.month;
            let new_month = hijri.day == 1 && (hijri.month == previous.month % 12 + 1);
            assert!(next_in_month || new_month, "{previous:?} -> {hijri:?}");
            previous = hijri;
        }
    }

    #[test]
    fn outside_the_table_is_an_error_not_a_guess() {
        assert_eq!(
            to_hijri(date(1924, 7, 31)),
            Err(HijriError::GregorianOutOfRange(date(1924, 7, 31)))
        );
        assert!(to_hijri(date(2077, 11, 17)).is_err());
        assert_eq!(to_gregorian(1342, 12, 29), Err(HijriError::HijriOutOfRange(1342)));
        assert_eq!(to_gregorian(1501, 1, 1), Err(HijriError::HijriOutOfRange(1501)));
        assert_eq!(to_gregorian(1445, 13, 1), Err(HijriError::InvalidMonth(13)));
        // Ramadan 1444 had 29 days (Eid al-Fitr was 21 April 2023).
        assert_eq!(month_length(1444, 9), Ok(29));
        assert_eq!(to_gregorian(1444, 10, 1), Ok(date(2023, 4, 21)));
        assert!(matches!(
            to_gregorian(1444, 9, 30),
            Err(HijriError::InvalidDay { length: 29, .. })
        ));
    }
}
