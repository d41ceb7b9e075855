//! The community agent's fixed texts in English and Arabic: dates written out, prayer times, the
//! qibla, and what it needs to know. Times, bearings and names are the same in both.

use chrono::{Datelike, NaiveDate};

pub(super) use crate::agents::language::Language;

const WEEKDAYS_AR: [&str; 7] = ["الاثنين", "الثلاثاء", "الأربعاء", "الخميس", "الجمعة", "السبت", "الأحد"];
const MONTHS_AR: [&str; 12] = [
    "يناير",
    "فبراير",
    "مارس",
    "أبريل",
    "مايو",
    "يونيو",
    "يوليو",
    "أغسطس",
    "سبتمبر",
    "أكتوبر",
    "نوفمبر",
    "ديسمبر",
];

/// "Monday 8 February 2027 (2027-02-08)".
pub(crate) fn english_date(date: NaiveDate) -> String {
    format!("{} ({date})", date.format("%A %-d %B %Y"))
}

/// "الاثنين 8 فبراير 2027 (2027-02-08)".
pub(crate) fn arabic_date(date: NaiveDate) -> String {
    format!(
        "{} {} {} {} ({date})",
        WEEKDAYS_AR[date.weekday().num_days_from_monday() as usize],
        date.day(),
        MONTHS_AR[date.month0() as usize],
        date.year()
    )
}

pub(super) struct PrayerLine<'a> {
    pub place: &'a str,
    pub date: NaiveDate,
    pub timezone: &'a str,
    /// Fajr, sunrise, dhuhr, asr, maghrib, isha as local clock times.
    pub times: [String; 6],
    pub method: &'a str,
    pub fajr_angle: f64,
    pub isha: String,
    pub method_choice: &'a str,
    pub madhab: &'a str,
    pub high_latitude_rule: &'a str,
    pub in_utc: bool,
}

pub(super) fn prayer_times(language: Language, line: &PrayerLine) -> String {
    let [fajr, sunrise, dhuhr, asr, maghrib, isha] = &line.times;
    match language {
        Language::English => format!(
            "Prayer times for {} on {}, {}:\nFajr {fajr} · Sunrise {sunrise} · Dhuhr {dhuhr} · Asr {asr} · Maghrib {maghrib} · Isha {isha}\n\
             Method: {} (fajr {}°, {}), {}. Asr: {} madhab. High-latitude rule: {}.{} \
             Your mosque's timetable may differ by a minute or two.",
            line.place,
            line.date.format("%A %-d %B %Y"),
            line.timezone,
            line.method,
            line.fajr_angle,
            line.isha,
            line.method_choice,
            line.madhab,
            line.high_latitude_rule,
            if line.in_utc {
                " Times are in UTC: send your timezone to get local times."
            } else {
                ""
            }
        ),
        Language::Arabic => format!(
            "مواقيت الصلاة في {} يوم {} ({}):\nالفجر {fajr} · الشروق {sunrise} · الظهر {dhuhr} · العصر {asr} · المغرب {maghrib} · العشاء {isha}\n\
             طريقة الحساب: {} (زاوية الفجر {}°، {}). العصر على المذهب: {}.{} قد يختلف تقويم مسجدك بدقيقة أو دقيقتين.",
            line.place,
            arabic_date(line.date),
            line.timezone,
            method_in_arabic(line.method),
            line.fajr_angle,
            line.isha,
            madhab_in_arabic(line.madhab),
            if line.in_utc {
                " الأوقات بتوقيت UTC: أرسل منطقتك الزمنية لتحصل على التوقيت المحلي."
            } else {
                ""
            }
        ),
    }
}

/// A calculation method's authority as an Arabic reader knows it (the name it is recorded under
/// stays in the metadata); an unknown name is shown as it is.
fn method_in_arabic(name: &str) -> &str {
    match name {
        "muslim_world_league" => "رابطة العالم الإسلامي",
        "isna" => "الجمعية الإسلامية لأمريكا الشمالية (ISNA)",
        "egyptian" => "الهيئة المصرية العامة للمساحة",
        "karachi" => "جامعة العلوم الإسلامية بكراتشي",
        "umm_al_qura" => "تقويم أم القرى",
        "tehran" => "معهد الجيوفيزياء بجامعة طهران",
        "dubai" => "دبي",
        "qatar" => "قطر",
        "kuwait" => "الكويت",
        "singapore" => "سنغافورة",
        "turkey" => "رئاسة الشؤون الدينية التركية",
        "moonsighting_committee" => "لجنة رؤية الهلال (Moonsighting Committee)",
        "custom" => "زوايا مخصّصة",
        other => other,
    }
}

fn madhab_in_arabic(name: &str) -> &str {
    match name {
        "shafi" => "الجمهور (الشافعي والمالكي والحنبلي)",
        "hanafi" => "الحنفي",
        other => other,
    }
}

pub(super) fn qibla(language: Language, place: &str, bearing: f64, distance_km: f64) -> String {
    // Whole kilometres, grouped for reading as amounts are ("4,794").
    let distance =
        crate::agents::financial::texts::grouped(rust_decimal::Decimal::from(distance_km.round().max(0.0) as u64));
    match language {
        Language::English => format!(
            "The qibla from {place} is {bearing}° from true north, clockwise: the great-circle direction to the Kaaba \
             (21.4225° N, 39.8262° E), {distance} km away. A magnetic compass needs your local magnetic declination added."
        ),
        Language::Arabic => format!(
            "اتجاه القبلة من {place} هو {bearing}° من الشمال الجغرافي باتجاه عقارب الساعة، وهو اتجاه الدائرة العظمى \
             إلى الكعبة (21.4225° شمالًا، 39.8262° شرقًا)، وتبعد عنها {distance} كم. البوصلة المغناطيسية تحتاج إلى إضافة الانحراف المغناطيسي المحلي."
        ),
    }
}

pub(super) fn needs_place(language: Language) -> &'static str {
    match language {
        Language::English => {
            "For prayer times, the qibla or mosques near you, tell me your city (for example \"prayer times in \
             Birmingham\"), or send latitude, longitude and timezone in the request's context."
        }
        Language::Arabic => {
            "لأعطيك مواقيت الصلاة أو اتجاه القبلة أو المساجد القريبة، أخبرني بمدينتك (مثلًا: \"مواقيت الصلاة في \
             القاهرة\")، أو أرسل خط العرض وخط الطول والمنطقة الزمنية في سياق الطلب."
        }
    }
}

/// A city named with a state or country the gazetteer holds no city of that name in.
pub(super) fn unheld_place(language: Language, city: &str, qualifier: &str) -> String {
    match language {
        Language::English => format!(
            "{city}, {qualifier} is not among the cities I know (I hold cities of 100,000 people or more, and every \
             capital), so I have not answered for another {city}. Send its latitude, longitude and timezone in the \
             request's context, or name a larger city nearby."
        ),
        Language::Arabic => format!(
            "{city}، {qualifier} ليست بين المدن التي أعرفها (أعرف المدن التي يبلغ سكانها مئة ألف أو أكثر، وكل \
             العواصم)، فلم أجب عن مدينة أخرى بالاسم نفسه. أرسل خط العرض وخط الطول والمنطقة الزمنية في سياق الطلب، \
             أو اذكر مدينة أكبر قريبة منها."
        ),
    }
}

pub(super) fn unusable(language: Language, problem: &str) -> String {
    match language {
        Language::English => format!("I could not work this out: {problem}."),
        Language::Arabic => format!("لم أستطع حساب ذلك: {problem}."),
    }
}

pub(super) fn no_mosques(language: Language, place: &str) -> String {
    match language {
        Language::English => format!("No mosques within 50 km of {place} are listed with us yet."),
        Language::Arabic => format!("لا توجد لدينا بعد مساجد مسجّلة في نطاق 50 كم من {place}."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_in_both_languages() {
        let date = NaiveDate::from_ymd_opt(2027, 2, 8).unwrap();
        assert_eq!(english_date(date), "Monday 8 February 2027 (2027-02-08)");
        assert_eq!(arabic_date(date), "الاثنين 8 فبراير 2027 (2027-02-08)");
    }
}
