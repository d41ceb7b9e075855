//! Where the answer is for: the context's place or coordinates, a city named in the text, or the
//! place of the previous answer.

use chrono_tz::Tz;
use serde_json::Value;

use crate::agents::AgentRequest;
use crate::community::gazetteer::{self, City};

/// Where the answer is for, and where that came from.
pub(in crate::agents::community) struct Place {
    pub(in crate::agents::community) name: String,
    /// The name as the reply shows it: in an Arabic question that wrote the city in Arabic, that
    /// name beside the gazetteer's ("عمان (Amman, Jordan)"); else `name`.
    pub(in crate::agents::community) shown: String,
    pub(in crate::agents::community) latitude: f64,
    pub(in crate::agents::community) longitude: f64,
    pub(in crate::agents::community) timezone: Option<Tz>,
    pub(in crate::agents::community) city: Option<&'static City>,
    pub(in crate::agents::community) source: &'static str,
}

pub(in crate::agents::community) fn context_str(context: &Value, key: &str) -> Option<String> {
    match context.get(key)? {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        Value::Bool(flag) => Some(flag.to_string()),
        _ => None,
    }
}

/// A problem with the user's input, said back to them.
pub(in crate::agents::community) struct Unusable(pub(in crate::agents::community) String);

pub(in crate::agents::community) fn place_of(request: &AgentRequest) -> Result<Option<Place>, Unusable> {
    let context = &request.context;
    let timezone = match context_str(context, "timezone") {
        Some(name) => Some(name.parse::<Tz>().map_err(|_| {
            Unusable(format!(
                "`{name}` is not a time zone I know; use an IANA name such as Europe/London"
            ))
        })?),
        None => None,
    };
    let latitude = context_str(context, "latitude");
    let longitude = context_str(context, "longitude");
    if latitude.is_some() || longitude.is_some() {
        let parse = |field: &str, value: Option<String>| -> Result<f64, Unusable> {
            value
                .and_then(|v| v.parse::<f64>().ok())
                .ok_or_else(|| Unusable(format!("the context needs a numeric {field} with the other coordinate")))
        };
        let (latitude, longitude) = (parse("latitude", latitude)?, parse("longitude", longitude)?);
        hijraah_domain::community::validate_place(latitude, longitude).map_err(|error| Unusable(error.to_string()))?;
        let name = format!("{latitude:.4}, {longitude:.4}");
        return Ok(Some(Place {
            shown: name.clone(),
            name,
            latitude,
            longitude,
            timezone,
            city: None,
            source: "context",
        }));
    }
    // Coordinates typed in the question ("the nearest mosque to 51.5, -0.12"): that point, in the
    // time zone of the nearest city the gazetteer holds within 300 km (else UTC, as said).
    if context_str(context, "city").is_none()
        && let Some((latitude, longitude)) = coordinates_in_text(&request.content)
    {
        hijraah_domain::community::validate_place(latitude, longitude).map_err(|error| Unusable(error.to_string()))?;
        let near = gazetteer::nearest(latitude, longitude, NEAR_KM);
        let name = format!("{latitude:.4}, {longitude:.4}");
        return Ok(Some(Place {
            shown: match near {
                Some(city) => format!("{name} (near {}, {})", city.name, city.country),
                None => name.clone(),
            },
            name,
            latitude,
            longitude,
            timezone: timezone.or_else(|| near.and_then(|city| city.timezone.parse().ok())),
            city: None,
            source: "text",
        }));
    }
    let (named, written) = match context_str(context, "city") {
        Some(name) => (
            Some(gazetteer::by_name(&name).ok_or_else(|| {
                Unusable(format!(
                    "I do not know the city `{name}`; send its latitude, longitude and timezone in the context"
                ))
            })?),
            name,
        ),
        // Asked for the qibla, Mecca is where the user faces, not where they are: another city
        // named is the place ("اتجاه مكة من عمّان").
        None if request.reading().qibla => (request.reading().places.standing_at(), request.content.clone()),
        None => (request.reading().city, request.content.clone()),
    };
    Ok(named.map(|city| {
        let name = format!("{}, {}", city.name, city.country);
        let shown = match city.arabic_name_in(&written) {
            Some(arabic) if request.in_arabic() => format!("{arabic} ({name})"),
            _ => name.clone(),
        };
        Place {
            name,
            shown,
            latitude: city.latitude,
            longitude: city.longitude,
            timezone: timezone.or_else(|| city.timezone.parse().ok()),
            city: Some(city),
            source: "gazetteer",
        }
    }))
}

/// How far the nearest city may be for its time zone to be taken for coordinates.
const NEAR_KM: f64 = 300.0;

/// A latitude and a longitude typed in a message: two numbers written with a decimal point, next
/// to each other ("51.5, -0.12", "21.4225 39.8262"), each in range. Amounts ("12,000", "2.5 %")
/// are not: they come alone, or without a point.
pub(in crate::agents::community) fn coordinates_in_text(text: &str) -> Option<(f64, f64)> {
    let pieces: Vec<&str> = text
        .split(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | '(' | ')' | '،' | '°'))
        .filter(|piece| !piece.is_empty())
        .collect();
    let coordinate = |piece: &str| -> Option<f64> {
        let piece = piece.trim_end_matches(['?', '.', '!', '؟']);
        let digits = piece.trim_start_matches(['-', '+']);
        let (whole, fraction) = digits.split_once('.')?;
        (!whole.is_empty() && !fraction.is_empty() && whole.chars().chain(fraction.chars()).all(|c| c.is_ascii_digit()))
            .then(|| piece.parse::<f64>().ok())
            .flatten()
    };
    pieces.windows(2).find_map(|pair| {
        let (latitude, longitude) = (coordinate(pair[0])?, coordinate(pair[1])?);
        ((-90.0..=90.0).contains(&latitude) && (-180.0..=180.0).contains(&longitude)).then_some((latitude, longitude))
    })
}

/// The place the previous answer was for, as it recorded it.
pub(super) fn previous_place(previous: &Value) -> Option<Place> {
    let recorded = &previous["place"];
    let latitude = recorded["latitude"].as_f64()?;
    let longitude = recorded["longitude"].as_f64()?;
    let name = recorded["name"].as_str()?.to_owned();
    // A place carried from an exchange that itself carried it is still the gazetteer's city
    // (its customary method): "prayer times in Dubai", "and tomorrow?", "with the hanafi asr?".
    let city = (recorded["source"] == "gazetteer" || recorded["source"] == "previous exchange")
        .then(|| gazetteer::by_name(&name))
        .flatten()
        .filter(|city| (city.latitude - latitude).abs() < 1e-6 && (city.longitude - longitude).abs() < 1e-6);
    Some(Place {
        shown: recorded["shown"].as_str().map_or_else(|| name.clone(), str::to_owned),
        name,
        latitude,
        longitude,
        timezone: recorded["timezone"].as_str().and_then(|tz| tz.parse().ok()),
        city,
        source: "previous exchange",
    })
}
