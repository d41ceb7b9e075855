//! A prayer-time request as users send it (query parameters, or an agent's context) and its
//! answer. One parser and one answer for the endpoint and the community agent, so both give the
//! same times for the same inputs, and every answer states the parameters it used.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use chrono_tz::Tz;
use hijraah_domain::calculators::prayer::{
    HighLatitudeRule, Isha, Madhab, Method, Parameters, PrayerError, PrayerTimes, prayer_times,
};
use hijraah_domain::community::validate_place;
use serde::Serialize;
use serde_json::{Value, json};

/// Every parameter a request may carry; anything else is refused, so a typo is not ignored.
pub const FIELDS: &[&str] = &[
    "latitude",
    "longitude",
    "date",
    "timezone",
    "method",
    "madhab",
    "high_latitude_rule",
    "fajr_angle",
    "isha_angle",
    "isha_interval",
    "maghrib_angle",
    "adjust_fajr",
    "adjust_sunrise",
    "adjust_dhuhr",
    "adjust_asr",
    "adjust_maghrib",
    "adjust_isha",
];

/// The defaults when the user states no preference (said in every answer).
pub const DEFAULT_METHOD: Method = Method::MuslimWorldLeague;
pub const DEFAULT_MADHAB: Madhab = Madhab::Shafi;
pub const DEFAULT_HIGH_LATITUDE_RULE: HighLatitudeRule = HighLatitudeRule::MiddleOfTheNight;

#[derive(Debug, Clone)]
pub struct PrayerRequest {
    pub latitude: f64,
    pub longitude: f64,
    /// The local calendar date.
    pub date: NaiveDate,
    pub timezone: Tz,
    pub parameters: Parameters,
}

fn number(fields: &BTreeMap<String, String>, name: &str) -> Result<Option<f64>, String> {
    let Some(raw) = fields.get(name) else {
        return Ok(None);
    };
    raw.trim()
        .parse::<f64>()
        .ok()
        .filter(|value| value.is_finite())
        .map(Some)
        .ok_or_else(|| format!("{name} must be a number, got `{raw}`"))
}

fn minutes(fields: &BTreeMap<String, String>, name: &str) -> Result<Option<i64>, String> {
    let Some(raw) = fields.get(name) else {
        return Ok(None);
    };
    raw.trim()
        .parse::<i64>()
        .map(Some)
        .map_err(|_| format!("{name} must be a whole number of minutes, got `{raw}`"))
}

/// Parses and validates a request. `now` decides the default date: today where the user is.
pub fn parse(fields: &BTreeMap<String, String>, now: DateTime<Utc>) -> Result<PrayerRequest, String> {
    if let Some(unknown) = fields.keys().find(|key| !FIELDS.contains(&key.as_str())) {
        return Err(format!(
            "unknown parameter `{unknown}`; the parameters are {}",
            FIELDS.join(", ")
        ));
    }
    let latitude = number(fields, "latitude")?.ok_or("latitude is required")?;
    let longitude = number(fields, "longitude")?.ok_or("longitude is required")?;
    validate_place(latitude, longitude).map_err(|error| error.to_string())?;
    let timezone = match fields.get("timezone").map(|tz| tz.trim()) {
        None | Some("") => Tz::UTC,
        Some(name) => name
            .parse::<Tz>()
            .map_err(|_| format!("unknown time zone `{name}`; use an IANA name such as Europe/London"))?,
    };
    let date = match fields.get("date") {
        Some(date) => super::parse_date("date", date)?,
        None => now.with_timezone(&timezone).date_naive(),
    };
    let method = match fields.get("method") {
        Some(name) => name.trim().parse::<Method>().map_err(|error| error.to_string())?,
        None => DEFAULT_METHOD,
    };
    let mut parameters = method.parameters();
    let custom_only = ["fajr_angle", "isha_angle", "isha_interval", "maghrib_angle"];
    if method != Method::Custom {
        if let Some(field) = custom_only.iter().find(|field| fields.contains_key(**field)) {
            return Err(format!(
                "{field} applies only to method=custom; `{}` has its own angles",
                method.name()
            ));
        }
    } else {
        parameters.fajr_angle = number(fields, "fajr_angle")?.ok_or("method=custom needs fajr_angle")?;
        parameters.isha = match (number(fields, "isha_angle")?, minutes(fields, "isha_interval")?) {
            (Some(angle), None) => Isha::Angle(angle),
            (None, Some(interval)) => Isha::Interval(interval),
            (Some(_), Some(_)) => return Err("give isha_angle or isha_interval, not both".into()),
            (None, None) => return Err("method=custom needs isha_angle or isha_interval".into()),
        };
        parameters.maghrib_angle = number(fields, "maghrib_angle")?;
    }
    let adjust = |name: &str| minutes(fields, &format!("adjust_{name}")).map(Option::unwrap_or_default);
    parameters.adjustments.fajr = adjust("fajr")?;
    parameters.adjustments.sunrise = adjust("sunrise")?;
    parameters.adjustments.dhuhr = adjust("dhuhr")?;
    parameters.adjustments.asr = adjust("asr")?;
    parameters.adjustments.maghrib = adjust("maghrib")?;
    parameters.adjustments.isha = adjust("isha")?;
    parameters.madhab = match fields.get("madhab") {
        Some(madhab) => madhab.trim().parse().map_err(|error: PrayerError| error.to_string())?,
        None => DEFAULT_MADHAB,
    };
    parameters.high_latitude_rule = match fields.get("high_latitude_rule") {
        Some(rule) => rule.trim().parse().map_err(|error: PrayerError| error.to_string())?,
        None => DEFAULT_HIGH_LATITUDE_RULE,
    };
    Ok(PrayerRequest {
        latitude,
        longitude,
        date,
        timezone,
        parameters,
    })
}

/// A time as RFC 3339 with the zone's offset on that instant (DST included).
pub fn local(time: DateTime<Utc>, timezone: Tz) -> String {
    time.with_timezone(&timezone)
        .to_rfc3339_opts(SecondsFormat::Secs, false)
}

pub fn compute(request: &PrayerRequest) -> Result<PrayerTimes, PrayerError> {
    prayer_times(request.latitude, request.longitude, request.date, &request.parameters)
}

/// The parameters an answer used, so it can be explained and reproduced.
pub fn parameters_json(request: &PrayerRequest) -> Value {
    let parameters = &request.parameters;
    let mut used = json!({
        "method": parameters.method.name(),
        "madhab": parameters.madhab,
        "high_latitude_rule": parameters.high_latitude_rule,
        "fajr_angle": parameters.fajr_angle,
        "maghrib_angle": parameters.maghrib_angle,
        "method_adjustments_minutes": parameters.method_adjustments,
        "adjustments_minutes": parameters.adjustments,
        "latitude": request.latitude,
        "longitude": request.longitude,
        "date": request.date.to_string(),
        "timezone": request.timezone.name(),
    });
    match parameters.isha {
        Isha::Angle(angle) => used["isha_angle"] = json!(angle),
        Isha::Interval(minutes) => used["isha_interval_minutes"] = json!(minutes),
    }
    used
}

/// The five prayers and sunrise, each RFC 3339 with the local offset of its own instant.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PrayerClock {
    pub fajr: String,
    pub sunrise: String,
    pub dhuhr: String,
    pub asr: String,
    pub maghrib: String,
    /// After midnight it carries the next day's date.
    pub isha: String,
}

/// The endpoint's answer: the day's times and every parameter they were computed with.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PrayerTimesAnswer {
    /// `YYYY-MM-DD`, the local date.
    pub date: String,
    /// The IANA zone.
    pub timezone: String,
    #[schema(value_type = Method)]
    pub method: String,
    #[schema(inline)]
    pub madhab: Madhab,
    #[schema(inline)]
    pub high_latitude_rule: HighLatitudeRule,
    pub latitude: f64,
    pub longitude: f64,
    pub times: PrayerClock,
    /// Angles, intervals and minute adjustments as used.
    #[schema(value_type = Object)]
    pub parameters: Value,
}

pub fn answer(request: &PrayerRequest) -> Result<PrayerTimesAnswer, PrayerError> {
    let times = compute(request)?;
    let tz = request.timezone;
    Ok(PrayerTimesAnswer {
        date: request.date.to_string(),
        timezone: tz.name().to_owned(),
        method: request.parameters.method.name().to_owned(),
        madhab: request.parameters.madhab,
        high_latitude_rule: request.parameters.high_latitude_rule,
        latitude: request.latitude,
        longitude: request.longitude,
        times: PrayerClock {
            fajr: local(times.fajr, tz),
            sunrise: local(times.sunrise, tz),
            dhuhr: local(times.dhuhr, tz),
            asr: local(times.asr, tz),
            maghrib: local(times.maghrib, tz),
            isha: local(times.isha, tz),
        },
        parameters: parameters_json(request),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    fn now() -> DateTime<Utc> {
        "2024-06-30T23:30:00Z".parse().expect("instant")
    }

    #[test]
    fn defaults_are_stated_and_today_is_local() {
        let request = parse(
            &fields(&[
                ("latitude", "21.4225"),
                ("longitude", "39.8262"),
                ("timezone", "Asia/Riyadh"),
            ]),
            now(),
        )
        .expect("valid");
        // 23:30 UTC is already 1 July in Makkah.
        assert_eq!(request.date.to_string(), "2024-07-01");
        assert_eq!(request.parameters.method, Method::MuslimWorldLeague);
        assert_eq!(request.parameters.madhab, Madhab::Shafi);
    }

    #[test]
    fn bad_inputs_say_what_is_wrong() {
        let base = [("latitude", "51.5"), ("longitude", "-0.12")];
        let error = |extra: &[(&str, &str)]| {
            let mut all = fields(&base);
            all.extend(fields(extra));
            parse(&all, now()).expect_err("invalid")
        };
        assert!(error(&[("method", "sunni")]).contains("unknown method `sunni`"));
        assert!(error(&[("date", "2024-02-30")]).contains("not a date"));
        assert!(error(&[("timezone", "Mars/Olympus")]).contains("unknown time zone"));
        assert!(error(&[("madhab", "maliki")]).contains("unknown madhab"));
        assert!(error(&[("fajr_angle", "15")]).contains("only to method=custom"));
        assert!(error(&[("method", "custom"), ("fajr_angle", "15")]).contains("isha_angle or isha_interval"));
        assert!(error(&[("adjust_fajr", "two")]).contains("whole number of minutes"));
        assert!(error(&[("lattitude", "1")]).contains("unknown parameter `lattitude`"));
        assert!(
            parse(&fields(&[("latitude", "200"), ("longitude", "0")]), now())
                .unwrap_err()
                .contains("latitude")
        );
    }

    #[test]
    fn local_times_carry_the_offset_of_their_own_instant() {
        // London on the day the clocks go forward (01:00 UTC): every prayer that day is in BST,
        // so dhuhr (about 12:10 GMT) reads 13:xx+01:00.
        let request = parse(
            &fields(&[
                ("latitude", "51.5074"),
                ("longitude", "-0.1278"),
                ("timezone", "Europe/London"),
                ("date", "2024-03-31"),
            ]),
            now(),
        )
        .expect("valid");
        let answer = answer(&request).expect("times");
        assert!(answer.times.dhuhr.ends_with("+01:00"));
        assert!(answer.times.dhuhr.starts_with("2024-03-31T13:"));
    }
}
