//! Mosques and community events: entities curators publish, update and cancel as events, and
//! the distance used to find the nearest.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A mosque as published (the whole current state, so every event is self-contained).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Mosque {
    pub mosque_id: Uuid,
    pub name: String,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub city: String,
    #[serde(default)]
    pub country: String,
    pub latitude: f64,
    pub longitude: f64,
    /// Free-form facilities: "women's prayer area", "wudu", "parking", "jumu'ah 13:30".
    #[serde(default)]
    pub facilities: Vec<String>,
    #[serde(default)]
    pub contact: String,
}

/// A community event (a class, an iftar, Eid prayer) as published.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CommunityEvent {
    pub event_id: Uuid,
    pub title: String,
    #[serde(default)]
    pub description: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: Option<DateTime<Utc>>,
    /// The mosque it takes place at, if any.
    #[serde(default)]
    pub mosque_id: Option<Uuid>,
    pub latitude: f64,
    pub longitude: f64,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub organiser: String,
}

pub const MAX_TEXT: usize = 2_000;

pub fn mosque_stream(id: Uuid) -> String {
    format!("mosque-{id}")
}

pub fn community_event_stream(id: Uuid) -> String {
    format!("community-event-{id}")
}

/// Why a mosque, an event or a place cannot be accepted; each says which field and why.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum InvalidField {
    #[error("latitude must be from -90 to 90, got {0}")]
    Latitude(f64),
    #[error("longitude must be from -180 to 180, got {0}")]
    Longitude(f64),
    #[error("{0} must not be empty")]
    Empty(&'static str),
    #[error("{0} must be at most {MAX_TEXT} characters")]
    TooLong(&'static str),
    #[error("{0} must not contain control characters")]
    ControlCharacters(&'static str),
    #[error("at most {MAX_FACILITIES} facilities")]
    TooManyFacilities,
    #[error("ends_at must not be before starts_at")]
    EndsBeforeStart,
}

/// The most facilities a mosque lists.
pub const MAX_FACILITIES: usize = 50;

/// A coordinate to a tenth of a micro-degree (about a centimetre): what a place needs, and no
/// value so small that distance arithmetic in the database underflows.
pub fn snap(coordinate: f64) -> f64 {
    (coordinate * 1e7).round() / 1e7
}

/// Checks a coordinate pair.
pub fn validate_place(latitude: f64, longitude: f64) -> Result<(), InvalidField> {
    if !latitude.is_finite() || !(-90.0..=90.0).contains(&latitude) {
        return Err(InvalidField::Latitude(latitude));
    }
    if !longitude.is_finite() || !(-180.0..=180.0).contains(&longitude) {
        return Err(InvalidField::Longitude(longitude));
    }
    Ok(())
}

fn validate_text(field: &'static str, value: &str, required: bool) -> Result<(), InvalidField> {
    if required && value.trim().is_empty() {
        return Err(InvalidField::Empty(field));
    }
    if value.chars().count() > MAX_TEXT {
        return Err(InvalidField::TooLong(field));
    }
    if value.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err(InvalidField::ControlCharacters(field));
    }
    Ok(())
}

impl Mosque {
    pub fn validate(&self) -> Result<(), InvalidField> {
        validate_text("name", &self.name, true)?;
        for (field, value) in [
            ("address", &self.address),
            ("city", &self.city),
            ("country", &self.country),
            ("contact", &self.contact),
        ] {
            validate_text(field, value, false)?;
        }
        if self.facilities.len() > MAX_FACILITIES {
            return Err(InvalidField::TooManyFacilities);
        }
        for facility in &self.facilities {
            validate_text("facilities", facility, true)?;
        }
        validate_place(self.latitude, self.longitude)
    }
}

impl CommunityEvent {
    pub fn validate(&self) -> Result<(), InvalidField> {
        validate_text("title", &self.title, true)?;
        for (field, value) in [
            ("description", &self.description),
            ("address", &self.address),
            ("organiser", &self.organiser),
        ] {
            validate_text(field, value, false)?;
        }
        if let Some(ends_at) = self.ends_at
            && ends_at < self.starts_at
        {
            return Err(InvalidField::EndsBeforeStart);
        }
        validate_place(self.latitude, self.longitude)
    }
}

/// Great-circle distance in kilometres (haversine, mean Earth radius 6371.0088 km).
pub fn distance_km(from: (f64, f64), to: (f64, f64)) -> f64 {
    let (phi1, phi2) = (from.0.to_radians(), to.0.to_radians());
    let d_phi = (to.0 - from.0).to_radians();
    let d_lambda = (to.1 - from.1).to_radians();
    let a = (d_phi / 2.0).sin().powi(2) + phi1.cos() * phi2.cos() * (d_lambda / 2.0).sin().powi(2);
    2.0 * 6371.0088 * a.sqrt().atan2((1.0 - a).sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distance_matches_published_great_circle_distances() {
        // London–Paris is about 344 km; Makkah–Madinah about 338 km (great circle).
        let london_paris = distance_km((51.5074, -0.1278), (48.8566, 2.3522));
        assert!((london_paris - 343.5).abs() < 2.0, "{london_paris}");
        let makkah_madinah = distance_km((21.4225, 39.8262), (24.4672, 39.6111));
        assert!((makkah_madinah - 338.0).abs() < 3.0, "{makkah_madinah}");
        assert_eq!(distance_km((10.0, 10.0), (10.0, 10.0)), 0.0);
    }
}
