//! The calculation methods of the authorities (twilight angles, isha intervals and their own
//! minute adjustments), the asr madhab and the high-latitude rules, as the Adhan library
//! (batoulapps/adhan, MIT) collects each authority's published convention.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use super::{Adjustments, Isha, Parameters, PrayerError, Rounding};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Method {
    MuslimWorldLeague,
    Isna,
    Egyptian,
    Karachi,
    UmmAlQura,
    Tehran,
    Dubai,
    Qatar,
    Kuwait,
    Singapore,
    Turkey,
    MoonsightingCommittee,
    Custom,
}

impl Method {
    pub const NAMED: [Method; 12] = [
        Method::MuslimWorldLeague,
        Method::Isna,
        Method::Egyptian,
        Method::Karachi,
        Method::UmmAlQura,
        Method::Tehran,
        Method::Dubai,
        Method::Qatar,
        Method::Kuwait,
        Method::Singapore,
        Method::Turkey,
        Method::MoonsightingCommittee,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Method::MuslimWorldLeague => "muslim_world_league",
            Method::Isna => "isna",
            Method::Egyptian => "egyptian",
            Method::Karachi => "karachi",
            Method::UmmAlQura => "umm_al_qura",
            Method::Tehran => "tehran",
            Method::Dubai => "dubai",
            Method::Qatar => "qatar",
            Method::Kuwait => "kuwait",
            Method::Singapore => "singapore",
            Method::Turkey => "turkey",
            Method::MoonsightingCommittee => "moonsighting_committee",
            Method::Custom => "custom",
        }
    }

    /// The authority's own parameters. `Custom` starts from nothing: the caller sets angles.
    pub fn parameters(self) -> Parameters {
        let base = |fajr: f64, isha: f64| Parameters {
            method: self,
            fajr_angle: fajr,
            isha: Isha::Angle(isha),
            maghrib_angle: None,
            method_adjustments: Adjustments::default(),
            adjustments: Adjustments::default(),
            madhab: Madhab::Shafi,
            high_latitude_rule: HighLatitudeRule::MiddleOfTheNight,
            rounding: Rounding::Nearest,
        };
        let dhuhr_plus = |minutes: i64| Adjustments {
            dhuhr: minutes,
            ..Adjustments::default()
        };
        match self {
            Method::MuslimWorldLeague => Parameters {
                method_adjustments: dhuhr_plus(1),
                ..base(18.0, 17.0)
            },
            Method::Isna => Parameters {
                method_adjustments: dhuhr_plus(1),
                ..base(15.0, 15.0)
            },
            Method::Egyptian => Parameters {
                method_adjustments: dhuhr_plus(1),
                ..base(19.5, 17.5)
            },
            Method::Karachi => Parameters {
                method_adjustments: dhuhr_plus(1),
                ..base(18.0, 18.0)
            },
            Method::UmmAlQura => Parameters {
                isha: Isha::Interval(90),
                ..base(18.5, 0.0)
            },
            Method::Tehran => Parameters {
                maghrib_angle: Some(4.5),
                ..base(17.7, 14.0)
            },
            Method::Dubai => Parameters {
                method_adjustments: Adjustments {
                    sunrise: -3,
                    dhuhr: 3,
                    asr: 3,
                    maghrib: 3,
                    ..Adjustments::default()
                },
                ..base(18.2, 18.2)
            },
            Method::Qatar => Parameters {
                isha: Isha::Interval(90),
                ..base(18.0, 0.0)
            },
            Method::Kuwait => base(18.0, 17.5),
            Method::Singapore => Parameters {
                method_adjustments: dhuhr_plus(1),
                rounding: Rounding::Up,
                ..base(20.0, 18.0)
            },
            Method::Turkey => Parameters {
                method_adjustments: Adjustments {
                    sunrise: -7,
                    dhuhr: 5,
                    asr: 4,
                    maghrib: 7,
                    ..Adjustments::default()
                },
                ..base(18.0, 17.0)
            },
            Method::MoonsightingCommittee => Parameters {
                method_adjustments: Adjustments {
                    dhuhr: 5,
                    maghrib: 3,
                    ..Adjustments::default()
                },
                ..base(18.0, 18.0)
            },
            Method::Custom => base(18.0, 17.0),
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Method {
    type Err = PrayerError;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        Method::NAMED
            .into_iter()
            .chain([Method::Custom])
            .find(|method| method.name() == value)
            .ok_or_else(|| PrayerError::UnknownMethod(value.to_string()))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Madhab {
    /// Asr when an object's shadow equals its length plus its noon shadow.
    Shafi,
    /// Asr when the shadow is twice the length plus the noon shadow.
    Hanafi,
}

impl Madhab {
    pub(super) fn shadow_length(self) -> f64 {
        match self {
            Madhab::Shafi => 1.0,
            Madhab::Hanafi => 2.0,
        }
    }
}

impl FromStr for Madhab {
    type Err = PrayerError;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        match value {
            "shafi" => Ok(Madhab::Shafi),
            "hanafi" => Ok(Madhab::Hanafi),
            other => Err(PrayerError::Invalid(format!(
                "unknown madhab `{other}`; use shafi or hanafi"
            ))),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum HighLatitudeRule {
    /// Fajr no earlier, and isha no later, than the middle of the night.
    MiddleOfTheNight,
    /// Fajr no earlier than the last seventh of the night, isha no later than the first seventh.
    SeventhOfTheNight,
    /// The night portion is the twilight angle divided by 60.
    TwilightAngle,
}

impl FromStr for HighLatitudeRule {
    type Err = PrayerError;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        match value {
            "middle_of_the_night" => Ok(HighLatitudeRule::MiddleOfTheNight),
            "seventh_of_the_night" => Ok(HighLatitudeRule::SeventhOfTheNight),
            "twilight_angle" => Ok(HighLatitudeRule::TwilightAngle),
            other => Err(PrayerError::Invalid(format!(
                "unknown high_latitude_rule `{other}`; use middle_of_the_night, seventh_of_the_night or twilight_angle"
            ))),
        }
    }
}
