//! The Moonsighting Committee's seasonal fajr and isha: Khalid Shaukat's piecewise-linear
//! minutes before sunrise and after sunset, by latitude and days since the winter solstice.

use chrono::NaiveDate;

/// Days since the winter solstice: 21 December in the north, 21 June in the south.
fn days_since_solstice(day_of_year: i64, year: i32, latitude: f64) -> i64 {
    let leap = NaiveDate::from_ymd_opt(year, 2, 29).is_some();
    let days_in_year = if leap { 366 } else { 365 };
    if latitude >= 0.0 {
        let days = day_of_year + 10;
        if days >= days_in_year {
            days - days_in_year
        } else {
            days
        }
    } else {
        let days = day_of_year - if leap { 173 } else { 172 };
        if days < 0 { days + days_in_year } else { days }
    }
}

/// Piecewise-linear minutes over the year through four anchor values.
fn seasonal(a: f64, b: f64, c: f64, d: f64, dyy: i64) -> f64 {
    let dyy = dyy as f64;
    match dyy {
        x if x < 91.0 => a + (b - a) / 91.0 * x,
        x if x < 137.0 => b + (c - b) / 46.0 * (x - 91.0),
        x if x < 183.0 => c + (d - c) / 46.0 * (x - 137.0),
        x if x < 229.0 => d + (c - d) / 46.0 * (x - 183.0),
        x if x < 275.0 => c + (b - c) / 46.0 * (x - 229.0),
        x => b + (a - b) / 91.0 * (x - 275.0),
    }
}

/// Minutes before sunrise of the Moonsighting Committee's fajr.
pub(super) fn season_adjusted_morning(latitude: f64, day_of_year: i64, year: i32) -> f64 {
    let lat = latitude.abs();
    let a = 75.0 + 28.65 / 55.0 * lat;
    let b = 75.0 + 19.44 / 55.0 * lat;
    let c = 75.0 + 32.74 / 55.0 * lat;
    let d = 75.0 + 48.10 / 55.0 * lat;
    seasonal(a, b, c, d, days_since_solstice(day_of_year, year, latitude)).round()
}

/// Minutes after sunset of the Moonsighting Committee's isha (general shafaq).
pub(super) fn season_adjusted_evening(latitude: f64, day_of_year: i64, year: i32) -> f64 {
    let lat = latitude.abs();
    let a = 75.0 + 25.60 / 55.0 * lat;
    let b = 75.0 + 2.050 / 55.0 * lat;
    let c = 75.0 - 9.21 / 55.0 * lat;
    let d = 75.0 + 6.14 / 55.0 * lat;
    seasonal(a, b, c, d, days_since_solstice(day_of_year, year, latitude)).round()
}

#[cfg(test)]
mod tests {
    use chrono::Datelike;

    use super::*;

    #[test]
    fn days_since_solstice_follows_the_hemisphere() {
        // Adhan's published cases.
        let dyy =
            |y, m, d, lat| days_since_solstice(NaiveDate::from_ymd_opt(y, m, d).unwrap().ordinal() as i64, y, lat);
        assert_eq!(dyy(2016, 1, 1, 1.0), 11);
        assert_eq!(dyy(2016, 12, 21, 1.0), 0);
        assert_eq!(dyy(2016, 3, 1, 1.0), 71);
        assert_eq!(dyy(2015, 12, 20, 1.0), 364);
        assert_eq!(dyy(2015, 6, 21, -1.0), 0);
        assert_eq!(dyy(2016, 6, 20, -1.0), 365);
    }
}
