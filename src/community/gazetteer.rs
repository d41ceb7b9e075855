//! A built-in gazetteer of major cities: where they are, their IANA time zone, and the
//! calculation method customary there (only where one authority is clearly in use; elsewhere the
//! stated default applies). Coordinates are city centres to about 0.01°, about a minute's
//! difference at most in prayer times across a city of that size.

use hijraah_domain::calculators::prayer::Method;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct City {
    pub name: &'static str,
    pub country: &'static str,
    pub latitude: f64,
    pub longitude: f64,
    pub timezone: &'static str,
    /// The method commonly used there, if one clearly is.
    pub customary_method: Option<Method>,
    /// Other names users write (lowercase), in Latin or Arabic script.
    pub aliases: &'static [&'static str],
}

const fn city(
    name: &'static str,
    country: &'static str,
    latitude: f64,
    longitude: f64,
    timezone: &'static str,
    customary_method: Option<Method>,
    aliases: &'static [&'static str],
) -> City {
    City {
        name,
        country,
        latitude,
        longitude,
        timezone,
        customary_method,
        aliases,
    }
}

use Method::*;

pub const CITIES: &[City] = &[
    city(
        "Makkah",
        "Saudi Arabia",
        21.4225,
        39.8262,
        "Asia/Riyadh",
        Some(UmmAlQura),
        &["mecca", "makkah", "مكة", "مكة المكرمة"],
    ),
    city(
        "Madinah",
        "Saudi Arabia",
        24.4686,
        39.6142,
        "Asia/Riyadh",
        Some(UmmAlQura),
        &["medina", "madinah", "المدينة", "المدينة المنورة"],
    ),
    city(
        "Riyadh",
        "Saudi Arabia",
        24.7136,
        46.6753,
        "Asia/Riyadh",
        Some(UmmAlQura),
        &["الرياض"],
    ),
    city(
        "Jeddah",
        "Saudi Arabia",
        21.4858,
        39.1925,
        "Asia/Riyadh",
        Some(UmmAlQura),
        &["jiddah", "جدة"],
    ),
    city(
        "Dubai",
        "United Arab Emirates",
        25.2048,
        55.2708,
        "Asia/Dubai",
        Some(Dubai),
        &["دبي"],
    ),
    city(
        "Abu Dhabi",
        "United Arab Emirates",
        24.4539,
        54.3773,
        "Asia/Dubai",
        Some(Dubai),
        &["أبو ظبي", "ابوظبي"],
    ),
    city(
        "Doha",
        "Qatar",
        25.2854,
        51.5310,
        "Asia/Qatar",
        Some(Qatar),
        &["الدوحة"],
    ),
    city(
        "Kuwait City",
        "Kuwait",
        29.3759,
        47.9774,
        "Asia/Kuwait",
        Some(Kuwait),
        &["kuwait", "الكويت"],
    ),
    city("Muscat", "Oman", 23.5880, 58.3829, "Asia/Muscat", None, &["مسقط"]),
    city(
        "Cairo",
        "Egypt",
        30.0444,
        31.2357,
        "Africa/Cairo",
        Some(Egyptian),
        &["القاهرة"],
    ),
    city(
        "Alexandria",
        "Egypt",
        31.2001,
        29.9187,
        "Africa/Cairo",
        Some(Egyptian),
        &["الإسكندرية", "الاسكندرية"],
    ),
    city(
        "Khartoum",
        "Sudan",
        15.5007,
        32.5599,
        "Africa/Khartoum",
        Some(Egyptian),
        &["الخرطوم"],
    ),
    city("Amman", "Jordan", 31.9539, 35.9106, "Asia/Amman", None, &[]),
    city(
        "Jerusalem",
        "Palestine",
        31.7683,
        35.2137,
        "Asia/Jerusalem",
        None,
        &["al-quds", "القدس"],
    ),
    city("Beirut", "Lebanon", 33.8938, 35.5018, "Asia/Beirut", None, &["بيروت"]),
    city("Damascus", "Syria", 33.5138, 36.2765, "Asia/Damascus", None, &["دمشق"]),
    city("Baghdad", "Iraq", 33.3152, 44.3661, "Asia/Baghdad", None, &["بغداد"]),
    city(
        "Tehran",
        "Iran",
        35.6892,
        51.3890,
        "Asia/Tehran",
        Some(Tehran),
        &["طهران", "تهران"],
    ),
    city(
        "Istanbul",
        "Turkey",
        41.0082,
        28.9784,
        "Europe/Istanbul",
        Some(Turkey),
        &["إسطنبول", "اسطنبول"],
    ),
    city(
        "Ankara",
        "Turkey",
        39.9334,
        32.8597,
        "Europe/Istanbul",
        Some(Turkey),
        &["أنقرة"],
    ),
    city(
        "Karachi",
        "Pakistan",
        24.8607,
        67.0011,
        "Asia/Karachi",
        Some(Karachi),
        &["كراتشي", "کراچی"],
    ),
    city(
        "Lahore",
        "Pakistan",
        31.5204,
        74.3587,
        "Asia/Karachi",
        Some(Karachi),
        &["لاہور"],
    ),
    city(
        "Islamabad",
        "Pakistan",
        33.6844,
        73.0479,
        "Asia/Karachi",
        Some(Karachi),
        &["اسلام آباد"],
    ),
    city(
        "Delhi",
        "India",
        28.6139,
        77.2090,
        "Asia/Kolkata",
        Some(Karachi),
        &["new delhi", "دہلی"],
    ),
    city(
        "Mumbai",
        "India",
        19.0760,
        72.8777,
        "Asia/Kolkata",
        Some(Karachi),
        &["bombay"],
    ),
    city(
        "Dhaka",
        "Bangladesh",
        23.8103,
        90.4125,
        "Asia/Dhaka",
        Some(Karachi),
        &["dacca"],
    ),
    city(
        "Kabul",
        "Afghanistan",
        34.5553,
        69.2075,
        "Asia/Kabul",
        Some(Karachi),
        &["کابل"],
    ),
    city(
        "Kuala Lumpur",
        "Malaysia",
        3.1390,
        101.6869,
        "Asia/Kuala_Lumpur",
        Some(Singapore),
        &[],
    ),
    city(
        "Singapore",
        "Singapore",
        1.3521,
        103.8198,
        "Asia/Singapore",
        Some(Singapore),
        &[],
    ),
    city(
        "Jakarta",
        "Indonesia",
        -6.2088,
        106.8456,
        "Asia/Jakarta",
        Some(Singapore),
        &[],
    ),
    city(
        "Casablanca",
        "Morocco",
        33.5731,
        -7.5898,
        "Africa/Casablanca",
        None,
        &["الدار البيضاء"],
    ),
    city(
        "Rabat",
        "Morocco",
        34.0209,
        -6.8416,
        "Africa/Casablanca",
        None,
        &["الرباط"],
    ),
    city(
        "Algiers",
        "Algeria",
        36.7538,
        3.0588,
        "Africa/Algiers",
        None,
        &["الجزائر"],
    ),
    city("Tunis", "Tunisia", 36.8065, 10.1815, "Africa/Tunis", None, &["تونس"]),
    city("Lagos", "Nigeria", 6.5244, 3.3792, "Africa/Lagos", None, &[]),
    city("Kano", "Nigeria", 12.0022, 8.5920, "Africa/Lagos", None, &[]),
    city("Nairobi", "Kenya", -1.2921, 36.8219, "Africa/Nairobi", None, &[]),
    city(
        "Mogadishu",
        "Somalia",
        2.0469,
        45.3182,
        "Africa/Mogadishu",
        None,
        &["مقديشو"],
    ),
    city(
        "Addis Ababa",
        "Ethiopia",
        9.0300,
        38.7400,
        "Africa/Addis_Ababa",
        None,
        &[],
    ),
    city(
        "Johannesburg",
        "South Africa",
        -26.2041,
        28.0473,
        "Africa/Johannesburg",
        None,
        &[],
    ),
    city(
        "Cape Town",
        "South Africa",
        -33.9249,
        18.4241,
        "Africa/Johannesburg",
        None,
        &[],
    ),
    city(
        "London",
        "United Kingdom",
        51.5074,
        -0.1278,
        "Europe/London",
        None,
        &["لندن"],
    ),
    city(
        "Birmingham",
        "United Kingdom",
        52.4862,
        -1.8904,
        "Europe/London",
        None,
        &[],
    ),
    city(
        "Manchester",
        "United Kingdom",
        53.4808,
        -2.2426,
        "Europe/London",
        None,
        &[],
    ),
    city(
        "Bradford",
        "United Kingdom",
        53.7960,
        -1.7594,
        "Europe/London",
        None,
        &[],
    ),
    city(
        "Glasgow",
        "United Kingdom",
        55.8642,
        -4.2518,
        "Europe/London",
        None,
        &[],
    ),
    city("Dublin", "Ireland", 53.3498, -6.2603, "Europe/Dublin", None, &[]),
    city("Paris", "France", 48.8566, 2.3522, "Europe/Paris", None, &["باريس"]),
    city("Marseille", "France", 43.2965, 5.3698, "Europe/Paris", None, &[]),
    city(
        "Brussels",
        "Belgium",
        50.8503,
        4.3517,
        "Europe/Brussels",
        None,
        &["bruxelles"],
    ),
    city(
        "Amsterdam",
        "Netherlands",
        52.3676,
        4.9041,
        "Europe/Amsterdam",
        None,
        &[],
    ),
    city(
        "Rotterdam",
        "Netherlands",
        51.9244,
        4.4777,
        "Europe/Amsterdam",
        None,
        &[],
    ),
    city("Berlin", "Germany", 52.5200, 13.4050, "Europe/Berlin", None, &["برلين"]),
    city("Hamburg", "Germany", 53.5511, 9.9937, "Europe/Berlin", None, &[]),
    city(
        "Munich",
        "Germany",
        48.1351,
        11.5820,
        "Europe/Berlin",
        None,
        &["münchen", "muenchen"],
    ),
    city(
        "Cologne",
        "Germany",
        50.9375,
        6.9603,
        "Europe/Berlin",
        None,
        &["köln", "koeln"],
    ),
    city("Frankfurt", "Germany", 50.1109, 8.6821, "Europe/Berlin", None, &[]),
    city("Vienna", "Austria", 48.2082, 16.3738, "Europe/Vienna", None, &["wien"]),
    city(
        "Zurich",
        "Switzerland",
        47.3769,
        8.5417,
        "Europe/Zurich",
        None,
        &["zürich"],
    ),
    city(
        "Copenhagen",
        "Denmark",
        55.6761,
        12.5683,
        "Europe/Copenhagen",
        None,
        &[],
    ),
    city("Stockholm", "Sweden", 59.3293, 18.0686, "Europe/Stockholm", None, &[]),
    city("Oslo", "Norway", 59.9139, 10.7522, "Europe/Oslo", None, &[]),
    city("Helsinki", "Finland", 60.1699, 24.9384, "Europe/Helsinki", None, &[]),
    city("Madrid", "Spain", 40.4168, -3.7038, "Europe/Madrid", None, &[]),
    city("Barcelona", "Spain", 41.3874, 2.1686, "Europe/Madrid", None, &[]),
    city("Rome", "Italy", 41.9028, 12.4964, "Europe/Rome", None, &["roma"]),
    city("Milan", "Italy", 45.4642, 9.1900, "Europe/Rome", None, &["milano"]),
    city(
        "Sarajevo",
        "Bosnia and Herzegovina",
        43.8563,
        18.4131,
        "Europe/Sarajevo",
        None,
        &[],
    ),
    city("Moscow", "Russia", 55.7558, 37.6173, "Europe/Moscow", None, &["moskva"]),
    city(
        "New York",
        "United States",
        40.7128,
        -74.0060,
        "America/New_York",
        Some(Isna),
        &["new york city", "nyc"],
    ),
    city(
        "Washington, D.C.",
        "United States",
        38.9072,
        -77.0369,
        "America/New_York",
        Some(Isna),
        &["washington dc", "washington d.c."],
    ),
    city(
        "Chicago",
        "United States",
        41.8781,
        -87.6298,
        "America/Chicago",
        Some(Isna),
        &[],
    ),
    city(
        "Houston",
        "United States",
        29.7604,
        -95.3698,
        "America/Chicago",
        Some(Isna),
        &[],
    ),
    city(
        "Dallas",
        "United States",
        32.7767,
        -96.7970,
        "America/Chicago",
        Some(Isna),
        &[],
    ),
    city(
        "Detroit",
        "United States",
        42.3314,
        -83.0458,
        "America/Detroit",
        Some(Isna),
        &["dearborn"],
    ),
    city(
        "Los Angeles",
        "United States",
        34.0522,
        -118.2437,
        "America/Los_Angeles",
        Some(Isna),
        &["la"],
    ),
    city(
        "San Francisco",
        "United States",
        37.7749,
        -122.4194,
        "America/Los_Angeles",
        Some(Isna),
        &[],
    ),
    city(
        "Raleigh",
        "United States",
        35.7796,
        -78.6382,
        "America/New_York",
        Some(Isna),
        &[],
    ),
    city(
        "Minneapolis",
        "United States",
        44.9778,
        -93.2650,
        "America/Chicago",
        Some(Isna),
        &[],
    ),
    city(
        "Toronto",
        "Canada",
        43.6532,
        -79.3832,
        "America/Toronto",
        Some(Isna),
        &[],
    ),
    city(
        "Montreal",
        "Canada",
        45.5017,
        -73.5673,
        "America/Toronto",
        Some(Isna),
        &["montréal"],
    ),
    city(
        "Ottawa",
        "Canada",
        45.4215,
        -75.6972,
        "America/Toronto",
        Some(Isna),
        &[],
    ),
    city(
        "Calgary",
        "Canada",
        51.0447,
        -114.0719,
        "America/Edmonton",
        Some(Isna),
        &[],
    ),
    city(
        "Vancouver",
        "Canada",
        49.2827,
        -123.1207,
        "America/Vancouver",
        Some(Isna),
        &[],
    ),
    city(
        "Mexico City",
        "Mexico",
        19.4326,
        -99.1332,
        "America/Mexico_City",
        None,
        &[],
    ),
    city(
        "São Paulo",
        "Brazil",
        -23.5505,
        -46.6333,
        "America/Sao_Paulo",
        None,
        &["sao paulo"],
    ),
    city(
        "Buenos Aires",
        "Argentina",
        -34.6037,
        -58.3816,
        "America/Argentina/Buenos_Aires",
        None,
        &[],
    ),
    city("Sydney", "Australia", -33.8688, 151.2093, "Australia/Sydney", None, &[]),
    city(
        "Melbourne",
        "Australia",
        -37.8136,
        144.9631,
        "Australia/Melbourne",
        None,
        &[],
    ),
    city(
        "Auckland",
        "New Zealand",
        -36.8485,
        174.7633,
        "Pacific/Auckland",
        None,
        &[],
    ),
    city("Tokyo", "Japan", 35.6762, 139.6503, "Asia/Tokyo", None, &[]),
    city("Beijing", "China", 39.9042, 116.4074, "Asia/Shanghai", None, &[]),
];

fn is_boundary(c: Option<char>) -> bool {
    c.is_none_or(|c| !c.is_alphanumeric())
}

/// Whether `needle` occurs in `haystack` as whole words.
fn contains_words(haystack: &str, needle: &str) -> bool {
    haystack.match_indices(needle).any(|(start, _)| {
        is_boundary(haystack[..start].chars().next_back())
            && is_boundary(haystack[start + needle.len()..].chars().next())
    })
}

/// The city a text names, preferring the longest name ("New York City" over "York").
pub fn find_in_text(text: &str) -> Option<&'static City> {
    let lower = text.to_lowercase();
    CITIES
        .iter()
        .flat_map(|city| {
            let name = city.name.to_lowercase();
            std::iter::once((city, name)).chain(city.aliases.iter().map(move |alias| (city, (*alias).to_owned())))
        })
        .filter(|(_, name)| name.chars().count() > 2 && contains_words(&lower, name))
        .max_by_key(|(_, name)| name.chars().count())
        .map(|(city, _)| city)
}

/// A city by its exact name or alias (case-insensitive), as sent in a context.
pub fn by_name(name: &str) -> Option<&'static City> {
    let lower = name.trim().to_lowercase();
    CITIES
        .iter()
        .find(|city| city.name.to_lowercase() == lower || city.aliases.contains(&lower.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_entry_is_a_real_place_and_zone() {
        for city in CITIES {
            assert!((-90.0..=90.0).contains(&city.latitude), "{}", city.name);
            assert!((-180.0..=180.0).contains(&city.longitude), "{}", city.name);
            assert!(city.timezone.parse::<chrono_tz::Tz>().is_ok(), "{}", city.timezone);
        }
    }

    #[test]
    fn cities_are_found_as_whole_words_in_either_script() {
        assert_eq!(
            find_in_text("Prayer times in London tomorrow").map(|c| c.name),
            Some("London")
        );
        assert_eq!(find_in_text("مواقيت الصلاة في القاهرة").map(|c| c.name), Some("Cairo"));
        assert_eq!(
            find_in_text("qibla from new york city please").map(|c| c.name),
            Some("New York")
        );
        // "Islamabad" contains no other city; "Londoner" is not London; "la" is too short to trust.
        assert_eq!(find_in_text("I am a Londoner").map(|c| c.name), None);
        assert_eq!(find_in_text("la ilaha illa allah"), None);
        assert_eq!(by_name("mecca").map(|c| c.name), Some("Makkah"));
    }
}
