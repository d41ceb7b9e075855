//! The sun's position from Jean Meeus, *Astronomical Algorithms*: low-precision solar
//! coordinates, the interpolated transit and the hour angle at which the sun reaches an altitude.

use chrono::{Datelike, NaiveDate};

/// The sun on one date at one place: transit and hour angles in hours after 0h UT of the date.
pub(super) struct SolarTime {
    latitude: f64,
    longitude: f64,
    pub(super) transit: f64,
    /// Transit as a fraction of the day.
    m0: f64,
    sidereal: f64,
    today: Solar,
    yesterday: Solar,
    tomorrow: Solar,
}

impl SolarTime {
    pub(super) fn new(date: NaiveDate, latitude: f64, longitude: f64) -> Self {
        let jd = julian_day(date);
        let today = Solar::at(jd);
        let yesterday = Solar::at(jd - 1.0);
        let tomorrow = Solar::at(jd + 1.0);
        let m0 = approximate_transit(longitude, today.sidereal, today.right_ascension);
        let transit = corrected_transit(m0, longitude, today.sidereal, &today, &yesterday, &tomorrow);
        Self {
            latitude,
            longitude,
            transit,
            m0,
            sidereal: today.sidereal,
            today,
            yesterday,
            tomorrow,
        }
    }

    /// Hours after 0h UT when the sun is at `altitude` degrees, before or after transit; `None`
    /// when it never reaches it that day.
    pub(super) fn hour_angle(&self, altitude: f64, after_transit: bool) -> Option<f64> {
        let (phi, h0) = (self.latitude.to_radians(), altitude.to_radians());
        let delta2 = self.today.declination.to_radians();
        let cos_h0 = (h0.sin() - phi.sin() * delta2.sin()) / (phi.cos() * delta2.cos());
        if !(-1.0..=1.0).contains(&cos_h0) {
            return None;
        }
        let hour_angle = cos_h0.acos().to_degrees();
        let m = if after_transit {
            self.m0 + hour_angle / 360.0
        } else {
            self.m0 - hour_angle / 360.0
        };
        let theta = unwind(self.sidereal + 360.985_647 * m);
        let alpha = unwind(interpolate_angles(
            self.today.right_ascension,
            self.yesterday.right_ascension,
            self.tomorrow.right_ascension,
            m,
        ));
        let delta = interpolate(
            self.today.declination,
            self.yesterday.declination,
            self.tomorrow.declination,
            m,
        );
        let local_hour_angle = theta + self.longitude - alpha;
        let h = altitude_of(self.latitude, delta, local_hour_angle);
        let correction = (h - altitude)
            / (360.0
                * delta.to_radians().cos()
                * self.latitude.to_radians().cos()
                * local_hour_angle.to_radians().sin());
        let hours = (m + correction) * 24.0;
        hours.is_finite().then_some(hours)
    }

    /// Asr: when a shadow is `shadow_length` times the object plus its noon shadow.
    pub(super) fn afternoon(&self, shadow_length: f64) -> Option<f64> {
        let tangent = (self.latitude - self.today.declination).abs().to_radians().tan();
        let inverse = shadow_length + tangent;
        let angle = (1.0 / inverse).atan().to_degrees();
        self.hour_angle(angle, true)
    }
}

/// Apparent solar coordinates (degrees) and sidereal time at a Julian day.
struct Solar {
    declination: f64,
    right_ascension: f64,
    sidereal: f64,
}

impl Solar {
    fn at(jd: f64) -> Self {
        let t = (jd - 2_451_545.0) / 36_525.0;
        let l0 = unwind(280.466_456_7 + 36_000.769_83 * t + 0.000_303_2 * t * t);
        let lunar = unwind(218.3165 + 481_267.881_3 * t);
        let omega = unwind(125.044_52 - 1_934.136_261 * t + 0.002_070_8 * t * t + t * t * t / 450_000.0);
        let mean_anomaly = unwind(357.529_11 + 35_999.050_29 * t - 0.000_153_7 * t * t).to_radians();
        let centre = (1.914_602 - 0.004_817 * t - 0.000_014 * t * t) * mean_anomaly.sin()
            + (0.019_993 - 0.000_101 * t) * (2.0 * mean_anomaly).sin()
            + 0.000_289 * (3.0 * mean_anomaly).sin();
        let lambda = (l0 + centre - 0.005_69 - 0.004_78 * omega.to_radians().sin()).to_radians();
        let obliquity0 = 23.439_291 - 0.013_004_167 * t - 0.000_000_163_9 * t * t + 0.000_000_503_6 * t * t * t;
        let obliquity = (obliquity0 + 0.002_56 * omega.to_radians().cos()).to_radians();
        let theta0 = unwind(
            280.460_618_37 + 360.985_647_366_29 * (jd - 2_451_545.0) + 0.000_387_933 * t * t - t * t * t / 38_710_000.0,
        );
        let (o, l, p) = (omega.to_radians(), l0.to_radians(), lunar.to_radians());
        let nutation_longitude =
            (-17.2 / 3600.0) * o.sin() - (1.32 / 3600.0) * (2.0 * l).sin() - (0.23 / 3600.0) * (2.0 * p).sin()
                + (0.21 / 3600.0) * (2.0 * o).sin();
        let nutation_obliquity =
            (9.2 / 3600.0) * o.cos() + (0.57 / 3600.0) * (2.0 * l).cos() + (0.10 / 3600.0) * (2.0 * p).cos()
                - (0.09 / 3600.0) * (2.0 * o).cos();
        let sidereal = theta0 + nutation_longitude * (obliquity0 + nutation_obliquity).to_radians().cos();
        Self {
            declination: (obliquity.sin() * lambda.sin()).asin().to_degrees(),
            right_ascension: unwind((obliquity.cos() * lambda.sin()).atan2(lambda.cos()).to_degrees()),
            sidereal,
        }
    }
}

fn julian_day(date: NaiveDate) -> f64 {
    // 0h UT of the date.
    f64::from(date.num_days_from_ce()) + 1_721_424.5
}

fn approximate_transit(longitude: f64, sidereal: f64, right_ascension: f64) -> f64 {
    let west = -longitude;
    ((right_ascension + west - sidereal) / 360.0).rem_euclid(1.0)
}

fn corrected_transit(
    m0: f64,
    longitude: f64,
    sidereal: f64,
    today: &Solar,
    yesterday: &Solar,
    tomorrow: &Solar,
) -> f64 {
    let west = -longitude;
    let theta = unwind(sidereal + 360.985_647 * m0);
    let alpha = unwind(interpolate_angles(
        today.right_ascension,
        yesterday.right_ascension,
        tomorrow.right_ascension,
        m0,
    ));
    let hour_angle = quadrant_shift(theta - west - alpha);
    (m0 - hour_angle / 360.0) * 24.0
}

fn altitude_of(latitude: f64, declination: f64, hour_angle: f64) -> f64 {
    let (phi, delta, h) = (latitude.to_radians(), declination.to_radians(), hour_angle.to_radians());
    (phi.sin() * delta.sin() + phi.cos() * delta.cos() * h.cos())
        .asin()
        .to_degrees()
}

fn interpolate(y2: f64, y1: f64, y3: f64, n: f64) -> f64 {
    let a = y2 - y1;
    let b = y3 - y2;
    let c = b - a;
    y2 + (n / 2.0) * (a + b + n * c)
}

fn interpolate_angles(y2: f64, y1: f64, y3: f64, n: f64) -> f64 {
    let a = unwind(y2 - y1);
    let b = unwind(y3 - y2);
    let c = b - a;
    y2 + (n / 2.0) * (a + b + n * c)
}

fn unwind(degrees: f64) -> f64 {
    degrees.rem_euclid(360.0)
}

fn quadrant_shift(angle: f64) -> f64 {
    if (-180.0..=180.0).contains(&angle) {
        angle
    } else {
        angle - 360.0 * (angle / 360.0).round()
    }
}
