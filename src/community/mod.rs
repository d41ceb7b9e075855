//! The community features shared by the HTTP API and the community agent: prayer-time requests
//! (parsed once, answered the same way everywhere), Hijri dates, the built-in gazetteer of
//! cities, and mosques and community events as event-sourced entities.

pub mod gazetteer;
pub mod places;
pub mod prayer;

use chrono::NaiveDate;
use hijraah_domain::calculators::hijri::{self, HijriDate, HijriError};
use serde::Serialize;
use serde_json::Value;

/// A day in both calendars, as the calendar endpoints and the community agent give it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CalendarDay {
    /// `YYYY-MM-DD`.
    pub gregorian: String,
    pub hijri: HijriDate,
    pub month_name_en: String,
    pub month_name_ar: String,
    /// Always `umm_al_qura`.
    pub calendar: String,
}

impl CalendarDay {
    pub fn new(gregorian: NaiveDate, hijri: HijriDate) -> Self {
        Self {
            gregorian: gregorian.to_string(),
            hijri,
            month_name_en: hijri.month_name_en().to_owned(),
            month_name_ar: hijri.month_name_ar().to_owned(),
            calendar: "umm_al_qura".to_owned(),
        }
    }
}

/// `{"gregorian", "hijri": {"year", "month", "day"}, "month_name_en", "month_name_ar"}`.
pub fn hijri_json(gregorian: NaiveDate, hijri: HijriDate) -> Value {
    serde_json::to_value(CalendarDay::new(gregorian, hijri)).unwrap_or_default()
}

/// The Hijri date of `gregorian` as the API returns it.
pub fn hijri_of(gregorian: NaiveDate) -> Result<CalendarDay, HijriError> {
    Ok(CalendarDay::new(gregorian, hijri::to_hijri(gregorian)?))
}

/// The Gregorian date of a Hijri date as the API returns it.
pub fn gregorian_of(year: i32, month: u32, day: u32) -> Result<CalendarDay, HijriError> {
    let gregorian = hijri::to_gregorian(year, month, day)?;
    Ok(CalendarDay::new(gregorian, HijriDate { year, month, day }))
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
