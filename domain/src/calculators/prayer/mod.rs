//! Prayer times by the standard astronomical method: the sun's position from Jean Meeus,
//! *Astronomical Algorithms* (low-precision solar coordinates, interpolated transit and hour
//! angles), the twilight angles, intervals and minute adjustments of each authority, Shafi or
//! Hanafi asr, the three high-latitude rules, and the Moonsighting Committee's seasonal
//! fajr/isha (Khalid Shaukat's piecewise-linear day counts). Times are instants; the caller
//! shows them in the place's IANA time zone, so DST is whatever the tz database says that day.
//!
//! The method parameters follow each authority's published convention as collected by the Adhan
//! library (batoulapps/adhan, MIT), whose test data is used in the tests below.

mod methods;
mod seasonal;
mod solar;
#[cfg(test)]
mod tests;

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc};
use serde::Serialize;

pub use methods::{HighLatitudeRule, Madhab, Method};
use seasonal::{season_adjusted_evening, season_adjusted_morning};
use solar::SolarTime;

use super::hijri;

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Isha {
    /// The sun this many degrees below the horizon.
    Angle(f64),
    /// This many minutes after maghrib.
    Interval(i64),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Rounding {
    /// To the nearest minute (30 seconds round up).
    Nearest,
    /// Any seconds round up to the next minute.
    Up,
}

/// Minutes added to each time.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Adjustments {
    pub fajr: i64,
    pub sunrise: i64,
    pub dhuhr: i64,
    pub asr: i64,
    pub maghrib: i64,
    pub isha: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Parameters {
    pub method: Method,
    pub fajr_angle: f64,
    pub isha: Isha,
    pub maghrib_angle: Option<f64>,
    /// The authority's own adjustments.
    pub method_adjustments: Adjustments,
    /// The user's adjustments, added on top.
    pub adjustments: Adjustments,
    pub madhab: Madhab,
    pub high_latitude_rule: HighLatitudeRule,
    pub rounding: Rounding,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PrayerError {
    #[error(
        "unknown method `{0}`; use one of muslim_world_league, isna, egyptian, karachi, umm_al_qura, tehran, \
         dubai, qatar, kuwait, singapore, turkey, moonsighting_committee, custom"
    )]
    UnknownMethod(String),
    #[error("{0}")]
    Invalid(String),
    #[error(
        "the sun does not rise or set at latitude {latitude} on {date}, so sunrise and maghrib do not exist there \
         that day; use the times of the nearest latitude where they do"
    )]
    NoSunriseOrSunset { latitude: f64, date: NaiveDate },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PrayerTimes {
    pub fajr: DateTime<Utc>,
    pub sunrise: DateTime<Utc>,
    pub dhuhr: DateTime<Utc>,
    pub asr: DateTime<Utc>,
    pub maghrib: DateTime<Utc>,
    pub isha: DateTime<Utc>,
}

/// Prayer times for `date` (the local calendar date) at `(latitude, longitude)`.
pub fn prayer_times(
    latitude: f64,
    longitude: f64,
    date: NaiveDate,
    parameters: &Parameters,
) -> Result<PrayerTimes, PrayerError> {
    if !latitude.is_finite() || !(-90.0..=90.0).contains(&latitude) {
        return Err(PrayerError::Invalid(format!(
            "latitude must be between -90 and 90, got {latitude}"
        )));
    }
    if !longitude.is_finite() || !(-180.0..=180.0).contains(&longitude) {
        return Err(PrayerError::Invalid(format!(
            "longitude must be between -180 and 180, got {longitude}"
        )));
    }
    validate(parameters)?;
    let no_sun = || PrayerError::NoSunriseOrSunset { latitude, date };
    let day = SolarTime::new(date, latitude, longitude);
    let tomorrow = SolarTime::new(date.succ_opt().ok_or_else(no_sun)?, latitude, longitude);

    let sunrise = day.hour_angle(-SUN_ALTITUDE_AT_RISE, false).ok_or_else(no_sun)?;
    let sunset = day.hour_angle(-SUN_ALTITUDE_AT_RISE, true).ok_or_else(no_sun)?;
    let tomorrow_sunrise = tomorrow.hour_angle(-SUN_ALTITUDE_AT_RISE, false).ok_or_else(no_sun)? + 24.0;
    let transit = day.transit;
    let asr = day.afternoon(parameters.madhab.shadow_length()).ok_or_else(no_sun)?;
    let night = tomorrow_sunrise - sunset;

    let (fajr_portion, isha_portion) = night_portions(parameters);
    let moonsighting = parameters.method == Method::MoonsightingCommittee;
    let high_moonsighting = moonsighting && latitude >= 55.0;
    let day_of_year = date.ordinal() as i64;

    // Fajr by its angle, never earlier than the rule's safe bound.
    let mut fajr = if high_moonsighting {
        Some(sunrise - night / 7.0)
    } else {
        day.hour_angle(-parameters.fajr_angle, false)
    };
    let safe_fajr = if moonsighting {
        sunrise - season_adjusted_morning(latitude, day_of_year, date.year()) / 60.0
    } else {
        sunrise - fajr_portion * night
    };
    if fajr.is_none_or(|fajr| fajr.is_nan() || safe_fajr > fajr) {
        fajr = Some(safe_fajr);
    }

    // Isha by its interval, or by its angle never later than the safe bound.
    let isha = match parameters.isha {
        Isha::Interval(minutes) => {
            // Umm al-Qura keeps isha two hours after maghrib in Ramadan.
            let ramadan =
                parameters.method == Method::UmmAlQura && hijri::to_hijri(date).is_ok_and(|hijri| hijri.month == 9);
            sunset + if ramadan { 120.0 } else { minutes as f64 } / 60.0
        }
        Isha::Angle(angle) => {
            let by_angle = if high_moonsighting {
                Some(sunset + night / 7.0)
            } else {
                day.hour_angle(-angle, true)
            };
            let safe_isha = if moonsighting {
                sunset + season_adjusted_evening(latitude, day_of_year, date.year()) / 60.0
            } else {
                sunset + isha_portion * night
            };
            match by_angle {
                Some(isha) if !isha.is_nan() && isha <= safe_isha => isha,
                _ => safe_isha,
            }
        }
    };

    // Maghrib at an angle below the horizon where the authority says so (Tehran), if it falls
    // between sunset and isha.
    let maghrib = parameters
        .maghrib_angle
        .and_then(|angle| day.hour_angle(-angle, true))
        .filter(|time| *time > sunset && *time < isha)
        .unwrap_or(sunset);

    let midnight = Utc.from_utc_datetime(&date.and_time(chrono::NaiveTime::MIN));
    let method = parameters.method_adjustments;
    let user = parameters.adjustments;
    let at = |hours: f64, method_minutes: i64, user_minutes: i64| -> Result<DateTime<Utc>, PrayerError> {
        let seconds = (hours * 3600.0).round();
        if !seconds.is_finite() {
            return Err(no_sun());
        }
        let instant = midnight + Duration::seconds(seconds as i64) + Duration::minutes(method_minutes + user_minutes);
        Ok(round(instant, parameters.rounding))
    };
    Ok(PrayerTimes {
        fajr: at(fajr.unwrap_or(safe_fajr), method.fajr, user.fajr)?,
        sunrise: at(sunrise, method.sunrise, user.sunrise)?,
        dhuhr: at(transit, method.dhuhr, user.dhuhr)?,
        asr: at(asr, method.asr, user.asr)?,
        maghrib: at(maghrib, method.maghrib, user.maghrib)?,
        isha: at(isha, method.isha, user.isha)?,
    })
}

fn validate(parameters: &Parameters) -> Result<(), PrayerError> {
    let angle_ok = |angle: f64| angle.is_finite() && (0.0..=30.0).contains(&angle);
    if !angle_ok(parameters.fajr_angle) || parameters.fajr_angle == 0.0 {
        return Err(PrayerError::Invalid(format!(
            "fajr_angle must be above 0 and at most 30 degrees, got {}",
            parameters.fajr_angle
        )));
    }
    match parameters.isha {
        Isha::Angle(angle) if !angle_ok(angle) || angle == 0.0 => {
            return Err(PrayerError::Invalid(format!(
                "isha_angle must be above 0 and at most 30 degrees, got {angle}"
            )));
        }
        Isha::Interval(minutes) if !(1..=300).contains(&minutes) => {
            return Err(PrayerError::Invalid(format!(
                "isha_interval must be 1 to 300 minutes, got {minutes}"
            )));
        }
        _ => {}
    }
    if let Some(angle) = parameters.maghrib_angle
        && !angle_ok(angle)
    {
        return Err(PrayerError::Invalid(format!(
            "maghrib_angle must be 0 to 30 degrees, got {angle}"
        )));
    }
    let user = parameters.adjustments;
    for (name, minutes) in [
        ("fajr", user.fajr),
        ("sunrise", user.sunrise),
        ("dhuhr", user.dhuhr),
        ("asr", user.asr),
        ("maghrib", user.maghrib),
        ("isha", user.isha),
    ] {
        if !(-120..=120).contains(&minutes) {
            return Err(PrayerError::Invalid(format!(
                "adjust_{name} must be -120 to 120 minutes, got {minutes}"
            )));
        }
    }
    Ok(())
}

fn night_portions(parameters: &Parameters) -> (f64, f64) {
    match parameters.high_latitude_rule {
        HighLatitudeRule::MiddleOfTheNight => (0.5, 0.5),
        HighLatitudeRule::SeventhOfTheNight => (1.0 / 7.0, 1.0 / 7.0),
        HighLatitudeRule::TwilightAngle => {
            let isha = match parameters.isha {
                Isha::Angle(angle) => angle,
                Isha::Interval(_) => parameters.fajr_angle,
            };
            (parameters.fajr_angle / 60.0, isha / 60.0)
        }
    }
}

fn round(instant: DateTime<Utc>, rounding: Rounding) -> DateTime<Utc> {
    let seconds = instant.timestamp().rem_euclid(60);
    let floor = instant - Duration::seconds(seconds);
    let up = match rounding {
        Rounding::Nearest => seconds >= 30,
        Rounding::Up => seconds > 0,
    };
    if up { floor + Duration::minutes(1) } else { floor }
}

/// The sun's centre is 50 arc-minutes below the horizon at sunrise and sunset (refraction and
/// the sun's semi-diameter).
const SUN_ALTITUDE_AT_RISE: f64 = 50.0 / 60.0;
