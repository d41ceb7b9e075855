//! What the learned router sees of a request: its words and word pairs, the character trigrams
//! of its words (so `prayers` and `prayer`, or a misspelling, still share most of them), its
//! language, whether its context carries a place or amounts, whether it has a number, the
//! agent that answered the conversation's previous request, and, when the message was read by
//! meaning (the sentence encoder against labelled examples), the intent it was nearest to and
//! whether that reading was clear. Each is hashed into one of [`DIMENSIONS`] buckets (FNV-1a:
//! the same bucket on every machine and build), as counts.
//!
//! The meaning is the one `RequestRouted` recorded, so training replays it from the log without
//! the encoder, and a server computes it once per message, for the rules and the model alike.

use serde_json::Value;

use crate::understanding::text::{fold_arabic, normalize};

/// How many hashed buckets a request's features fall into.
pub const DIMENSIONS: usize = 4096;

/// A request as the router sees it.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    pub text: &'a str,
    pub language: &'a str,
    pub context: &'a Value,
    /// The specialised agent that answered the conversation's previous request, if any.
    pub previous_agent: Option<&'a str>,
    /// The intent the message was read as by meaning, and whether that reading was clear enough
    /// to change the rules' routing; `None` when it was not read by meaning.
    pub meaning: Option<(&'a str, bool)>,
}

/// Sparse hashed counts: `(bucket, count)`, buckets ascending, each once.
pub type Features = Vec<(u32, f32)>;

const LOCATION_KEYS: [&str; 6] = ["latitude", "longitude", "city", "location", "place", "country"];
const AMOUNT_KEYS: [&str; 8] = [
    "cash",
    "gold_grams",
    "silver_grams",
    "gold_price_per_gram",
    "silver_price_per_gram",
    "amount",
    "assets",
    "debts",
];

/// The features of a request.
pub fn features(request: &Request<'_>) -> Features {
    let mut buckets: Vec<(u32, f32)> = Vec::with_capacity(64);
    let mut add = |feature: &str, weight: f32| buckets.push((bucket(feature), weight));
    let text = fold_arabic(&normalize(&request.text.to_lowercase()));
    let words: Vec<&str> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .take(200)
        .collect();
    for word in &words {
        add(&format!("w:{word}"), 1.0);
        let chars: Vec<char> = format!(" {word} ").chars().collect();
        for trigram in chars.windows(3) {
            add(&format!("c:{}", trigram.iter().collect::<String>()), 0.25);
        }
    }
    for pair in words.windows(2) {
        add(&format!("b:{} {}", pair[0], pair[1]), 1.0);
    }
    if words.iter().any(|word| word.chars().any(|c| c.is_ascii_digit())) {
        add("x:number", 1.0);
    }
    add(&format!("l:{}", request.language), 1.0);
    let has = |keys: &[&str]| {
        request
            .context
            .as_object()
            .is_some_and(|context| keys.iter().any(|key| context.get(*key).is_some_and(|v| !v.is_null())))
    };
    if has(&LOCATION_KEYS) {
        add("x:location", 1.0);
    }
    if has(&AMOUNT_KEYS) {
        add("x:amounts", 1.0);
    }
    add(&format!("p:{}", request.previous_agent.unwrap_or("none")), 1.0);
    if let Some((intent, clear)) = request.meaning {
        add(&format!("m:{intent}"), 1.0);
        if clear {
            add(&format!("mc:{intent}"), 1.0);
        }
    }
    buckets.sort_unstable_by_key(|(bucket, _)| *bucket);
    let mut merged: Features = Vec::with_capacity(buckets.len());
    for (bucket, weight) in buckets {
        match merged.last_mut() {
            Some((last, total)) if *last == bucket => *total += weight,
            _ => merged.push((bucket, weight)),
        }
    }
    merged
}

fn bucket(feature: &str) -> u32 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in feature.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    (hash % DIMENSIONS as u64) as u32
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn of(text: &str, context: &Value) -> Features {
        features(&Request {
            text,
            language: "en",
            context,
            previous_agent: None,
            meaning: None,
        })
    }

    #[test]
    fn the_same_request_gives_the_same_buckets_and_each_bucket_once() {
        let a = of("How much zakat on 5000 dollars?", &Value::Null);
        assert_eq!(a, of("how much ZAKAT on 5000 dollars", &Value::Null));
        assert!(a.windows(2).all(|pair| pair[0].0 < pair[1].0));
        assert!(
            a.iter()
                .all(|(bucket, count)| (*bucket as usize) < DIMENSIONS && *count > 0.0)
        );
        // A fixed hash: a bucket does not move between builds.
        assert_eq!(bucket("w:zakat"), bucket("w:zakat"));
        assert_ne!(bucket("w:zakat"), bucket("w:salah"));
    }

    #[test]
    fn word_forms_share_trigrams_and_context_adds_its_own_features() {
        let overlap = |a: &Features, b: &Features| a.iter().filter(|(x, _)| b.iter().any(|(y, _)| x == y)).count();
        let prayer = of("prayer", &Value::Null);
        assert!(overlap(&prayer, &of("prayers", &Value::Null)) > overlap(&prayer, &of("charity", &Value::Null)));
        let plain = of("prayer times", &Value::Null);
        let placed = of("prayer times", &json!({"city": "London"}));
        assert_eq!(placed.len(), plain.len() + 1);
        let arabic_marks = of("الصَّلاة", &Value::Null);
        assert_eq!(arabic_marks, of("الصلاة", &Value::Null), "marks are folded away");
    }

    #[test]
    fn an_intent_read_by_meaning_is_a_feature_of_its_own() {
        let read = |meaning| {
            features(&Request {
                text: "tell me about the night journey",
                language: "en",
                context: &Value::Null,
                previous_agent: None,
                meaning,
            })
        };
        let plain = read(None);
        let texts = read(Some(("texts", false)));
        let clear = read(Some(("texts", true)));
        assert_eq!(texts.len(), plain.len() + 1);
        assert_eq!(clear.len(), plain.len() + 2);
        assert!(texts.contains(&(bucket("m:texts"), 1.0)));
        assert!(clear.contains(&(bucket("mc:texts"), 1.0)));
        // Another intent is another feature.
        assert_ne!(read(Some(("zakat", false))), texts);
    }
}
