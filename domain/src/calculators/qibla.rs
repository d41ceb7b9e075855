//! The qibla: the initial great-circle bearing from a place to the Kaaba, in degrees clockwise
//! from true north.

/// The Kaaba, in degrees (latitude, longitude).
pub const KAABA: (f64, f64) = (21.422_487, 39.826_206);

/// Bearing in [0, 360) from `(latitude, longitude)` in degrees; the inputs must be valid
/// coordinates (latitude −90..90, longitude −180..180).
pub fn bearing(latitude: f64, longitude: f64) -> f64 {
    let (phi1, phi2) = (latitude.to_radians(), KAABA.0.to_radians());
    let delta_lambda = (KAABA.1 - longitude).to_radians();
    let y = delta_lambda.sin() * phi2.cos();
    let x = phi1.cos() * phi2.sin() - phi1.sin() * phi2.cos() * delta_lambda.cos();
    let degrees = y.atan2(x).to_degrees();
    (degrees + 360.0) % 360.0
}

/// The bearing as the API gives it, to the hundredth of a degree, after checking the place:
/// latitude from −90 to 90, longitude from −180 to 180 (the message says which is wrong).
pub fn checked_bearing(latitude: f64, longitude: f64) -> Result<f64, String> {
    if !latitude.is_finite() || !(-90.0..=90.0).contains(&latitude) {
        return Err("latitude must be from -90 to 90".to_owned());
    }
    if !longitude.is_finite() || !(-180.0..=180.0).contains(&longitude) {
        return Err("longitude must be from -180 to 180".to_owned());
    }
    Ok((bearing(latitude, longitude) * 100.0).round() / 100.0)
}

#[cfg(test)]
mod tests {
    use super::bearing;

    /// Commonly published great-circle qibla bearings for these cities (to within 0.1°):
    /// New York 58.48°, London 118.99°, Jakarta 295.15°, Sydney 277.50°.
    #[test]
    fn bearings_match_published_values_for_major_cities() {
        for (name, latitude, longitude, expected) in [
            ("New York", 40.7128, -74.0060, 58.48),
            ("London", 51.5074, -0.1278, 118.99),
            ("Jakarta", -6.2088, 106.8456, 295.15),
            ("Sydney", -33.8688, 151.2093, 277.50),
        ] {
            let got = bearing(latitude, longitude);
            assert!((got - expected).abs() < 0.1, "{name}: {got:.2} vs {expected}");
        }
    }

    #[test]
    fn due_directions_near_the_kaaba() {
        // Due north of Mecca faces south; due south faces north.
        assert!((bearing(30.0, 39.826_206) - 180.0).abs() < 1e-6);
        assert!(bearing(10.0, 39.826_206).abs() < 1e-6);
    }
}
