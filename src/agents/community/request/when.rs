//! When, and by which method: the date asked about and a calculation method named.

use chrono::NaiveDate;
use chrono_tz::Tz;
use hijraah_domain::calculators::prayer::Method;
use hijraah_domain::understanding::dates;

use super::*;
use crate::agents::AgentRequest;
use crate::agents::routing::matches;
use crate::community::gazetteer;

/// Method names as users write them.
pub(in crate::agents::community) const METHOD_NAMES: &[(&str, Method)] = &[
    ("muslim world league", Method::MuslimWorldLeague),
    ("mwl", Method::MuslimWorldLeague),
    ("isna", Method::Isna),
    ("north america", Method::Isna),
    ("egyptian", Method::Egyptian),
    ("karachi", Method::Karachi),
    ("umm al-qura", Method::UmmAlQura),
    ("umm al qura", Method::UmmAlQura),
    ("tehran", Method::Tehran),
    ("dubai", Method::Dubai),
    ("qatar", Method::Qatar),
    ("kuwait", Method::Kuwait),
    ("singapore", Method::Singapore),
    ("muis", Method::Singapore),
    ("diyanet", Method::Turkey),
    ("turkey", Method::Turkey),
    ("moonsighting", Method::MoonsightingCommittee),
];

/// The date asked about: the context's, a date in the text, "tomorrow"…, or today where the
/// user is.
pub(in crate::agents::community) fn date_of(request: &AgentRequest, timezone: Tz) -> Result<NaiveDate, Unusable> {
    // A date written as YYYY-MM-DD that does not exist is said back, not guessed around.
    if let Some(written) = request
        .content
        .split(|c: char| !(c.is_ascii_digit() || c == '-'))
        .find(|word| word.len() == 10 && word.as_bytes()[4] == b'-' && word.as_bytes()[7] == b'-')
    {
        return crate::community::parse_date("the date", written).map_err(Unusable);
    }
    if let Some(date) = context_str(&request.context, "date") {
        // `context.date` is the day the question is asked on; "tomorrow" counts from it.
        let today = crate::community::parse_date("date", &date).map_err(Unusable)?;
        return Ok(dates::resolve_first(&request.reading().dates, today).map_or(today, |mention| mention.date));
    }
    let today = request.today(Some(timezone));
    Ok(dates::resolve_first(&request.reading().dates, today).map_or(today, |mention| mention.date))
}

/// A calculation method named in the message ("using ISNA", "the Karachi method").
pub(in crate::agents::community) fn method_of(request: &AgentRequest) -> Option<Method> {
    let lower = request.content.to_lowercase();
    METHOD_NAMES
        .iter()
        .find(|(name, _)| {
            matches(&lower, name) && gazetteer::find_in_text(name).is_none_or(|_| lower.contains("method"))
        })
        .map(|(_, method)| *method)
}
