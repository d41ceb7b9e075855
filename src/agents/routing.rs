//! The routing rules agents score requests with, and the coordinator's thresholds. Deterministic
//! and explainable: every score is built from named signals with fixed weights, and each signal
//! that fired becomes a reason in the `RequestRouted` event.
//!
//! - An agent's keywords each carry a weight in 0..1; matches combine as independent evidence
//!   (`1 - Π(1 - w)`), so two moderate signals outrank one, and no sum passes 1.
//! - Latin-script keywords match at the start of a word ("pray" matches "prayers", not
//!   "spray"); Arabic-script keywords match anywhere, since Arabic attaches clitics ("والصلاة").
//! - Agents at or above [`SELECTION_THRESHOLD`] answer, best first (fan-out when a request spans
//!   several). When none reaches it, the request is ambiguous: the candidates at or above
//!   [`AMBIGUITY_FLOOR`] and within [`AMBIGUITY_MARGIN`] of the best all answer, each saying
//!   plainly when it does not know, rather than the user getting no specialist at all.

use hijraah_domain::understanding::text;

use super::RouteScore;

/// Agents scoring at least this much answer a request.
pub const SELECTION_THRESHOLD: f64 = 0.5;
/// Below the threshold, candidates scoring at least this much are ambiguous, not absent.
pub const AMBIGUITY_FLOOR: f64 = 0.3;
/// Ambiguous candidates this close to the best one answer together.
pub const AMBIGUITY_MARGIN: f64 = 0.1;

/// A routing signal: a word or phrase (lowercase) and how strongly it points to an agent.
#[derive(Debug, Clone, Copy)]
pub struct Keyword {
    pub text: &'static str,
    pub weight: f64,
}

pub const fn kw(text: &'static str, weight: f64) -> Keyword {
    Keyword { text, weight }
}

/// Whether `keyword` (lowercase) occurs in `lower` by the rules above (one word matcher for
/// every agent: `hijraah_domain::understanding::text`).
pub fn matches(lower: &str, keyword: &str) -> bool {
    if keyword.chars().any(text::is_arabic) {
        text::contains_word(lower, keyword)
    } else {
        text::starts_word(lower, keyword)
    }
}

/// Combines independent evidence: `1 - Π(1 - w)`.
pub fn combine(weights: impl IntoIterator<Item = f64>) -> f64 {
    1.0 - weights
        .into_iter()
        .fold(1.0, |miss, weight| miss * (1.0 - weight.clamp(0.0, 1.0)))
}

/// Scores `content` against an agent's keywords, one reason per keyword that fired.
pub fn score_keywords(content: &str, keywords: &[Keyword]) -> RouteScore {
    let lower = content.to_lowercase();
    let fired: Vec<&Keyword> = keywords.iter().filter(|k| matches(&lower, k.text)).collect();
    RouteScore {
        score: combine(fired.iter().map(|k| k.weight)),
        reasons: fired
            .iter()
            .map(|k| format!("keyword `{}` ({})", k.text, k.weight))
            .collect(),
    }
}

impl RouteScore {
    /// Adds one more piece of evidence with its reason.
    pub fn with(mut self, weight: f64, reason: impl Into<String>) -> Self {
        self.score = combine([self.score, weight]);
        self.reasons.push(format!("{} ({weight})", reason.into()));
        self
    }
}

/// Which candidates answer, from their scores: `(selected indexes, decision)`.
pub fn select(scores: &[f64]) -> (Vec<usize>, &'static str) {
    let confident: Vec<usize> = (0..scores.len())
        .filter(|&i| scores[i] >= SELECTION_THRESHOLD)
        .collect();
    if !confident.is_empty() {
        return (confident, "selected");
    }
    let best = scores.iter().copied().fold(0.0, f64::max);
    if best < AMBIGUITY_FLOOR {
        return (Vec::new(), "no_specialist");
    }
    let close: Vec<usize> = (0..scores.len())
        .filter(|&i| scores[i] >= AMBIGUITY_FLOOR && best - scores[i] <= AMBIGUITY_MARGIN + 1e-9)
        .collect();
    (close, "ambiguous")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latin_keywords_match_at_word_starts_and_arabic_anywhere() {
        assert!(matches("when do we pray?", "pray"));
        assert!(matches("prayers in london", "pray"));
        assert!(!matches("spray paint", "pray"));
        assert!(matches("ما هي أوقات والصلاة", "الصلاة"));
    }

    #[test]
    fn evidence_combines_without_passing_one() {
        let keywords = [kw("zakat", 0.9), kw("gold", 0.3)];
        let one = score_keywords("zakat please", &keywords);
        let both = score_keywords("zakat on my gold", &keywords);
        assert!((one.score - 0.9).abs() < 1e-9);
        assert!(both.score > one.score && both.score < 1.0);
        assert_eq!(both.reasons.len(), 2);
        assert_eq!(score_keywords("hello", &keywords).score, 0.0);
    }

    #[test]
    fn selection_fans_out_and_handles_ambiguity() {
        assert_eq!(select(&[0.9, 0.6, 0.2]), (vec![0, 1], "selected"));
        assert_eq!(select(&[0.45, 0.4, 0.2]), (vec![0, 1], "ambiguous"));
        assert_eq!(select(&[0.45, 0.3]), (vec![0], "ambiguous"));
        assert_eq!(select(&[0.2, 0.0]), (vec![], "no_specialist"));
    }
}
