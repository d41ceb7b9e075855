//! The community features shared by the HTTP API and the community agent: prayer-time requests
//! (parsed once, answered the same way everywhere), Hijri dates, the built-in gazetteer of
//! cities, and mosques and community events as event-sourced entities.

pub mod gazetteer;
pub mod places;
pub mod prayer;

use chrono::NaiveDate;
use hijraah_domain::calculators::hijri::{self, HijriDate, HijriError};
use serde_json::{Value, json};

/// `{"gregorian", "hijri": {"year", "month", "day"}, "month_name_en", "month_name_ar"}`.
pub fn hijri_json(gregorian: NaiveDate, hijri: HijriDate) -> Value {
    json!({
        "gregorian": gregorian.to_string(),
        "hijri": {"year": hijri.year, "month": hijri.month, "day": hijri.day},
        "month_name_en": hijri.month_name_en(),
        "month_name_ar": hijri.month_name_ar(),
        "calendar": "umm_al_qura",
    })
}

/// The Hijri date of `gregorian` as the API returns it.
pub fn hijri_of(gregorian: NaiveDate) -> Result<Value, HijriError> {
    Ok(hijri_json(gregorian, hijri::to_hijri(gregorian)?))
}

/// The Gregorian date of a Hijri date as the API returns it.
pub fn gregorian_of(year: i32, month: u32, day: u32) -> Result<Value, HijriError> {
    let gregorian = hijri::to_gregorian(year, month, day)?;
    Ok(hijri_json(gregorian, HijriDate { year, month, day }))
}

/// A Gregorian date from `YYYY-MM-DD`, with a message that says what is wrong.
pub fn parse_date(field: &str, value: &str) -> Result<NaiveDate, String> {
    let value = value.trim();
    let shape_ok = value.len() == 10
        && value
            .char_indices()
            .all(|(i, c)| if i == 4 || i == 7 { c == '-' } else { c.is_ascii_digit() });
    if !shape_ok {
        return Err(format!("{field} must be a date as YYYY-MM-DD, got `{value}`"));
    }
    NaiveDate::parse_from_str(value, "%Y-%m-%d").map_err(|_| format!("{field} `{value}` is not a date in the calendar"))
}

#[cfg(test)]
mod tests {
    use super::parse_date;

    #[test]
    fn dates_must_exist() {
        assert!(parse_date("date", "2024-02-29").is_ok());
        let error = parse_date("date", "2024-02-30").unwrap_err();
        assert!(error.contains("not a date in the calendar"), "{error}");
        assert!(parse_date("date", "2024-2-3").unwrap_err().contains("YYYY-MM-DD"));
        assert!(parse_date("date", "tomorrow").is_err());
    }
}
