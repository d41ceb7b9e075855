//! Scoring a ranked list against graded judgements (`../shared/eval/knowledge_judged_dev.jsonl`:
//! 2 a key text, 1 a relevant one), as the eval README scores search and the chat's quotes. Used
//! by `benches/eval_http.rs`, `benches/semantic.rs` and `examples/retrieval_eval.rs`.

use std::collections::HashMap;

fn dcg(gains: &[f64]) -> f64 {
    gains
        .iter()
        .enumerate()
        .map(|(rank, gain)| gain / (rank as f64 + 2.0).log2())
        .sum()
}

/// (precision, nDCG@5, key hit) of `quoted` against the graded texts.
pub fn judged(quoted: &[String], relevant: &HashMap<String, f64>) -> (f64, f64, bool) {
    let gains: Vec<f64> = quoted
        .iter()
        .map(|id| relevant.get(id).copied().unwrap_or(0.0))
        .collect();
    judged_gains(&gains, relevant)
}

/// [`judged`] of texts already read as their grades (`gains`, in the order quoted).
pub fn judged_gains(gains: &[f64], relevant: &HashMap<String, f64>) -> (f64, f64, bool) {
    let precision = if gains.is_empty() {
        0.0
    } else {
        gains.iter().filter(|gain| **gain > 0.0).count() as f64 / gains.len() as f64
    };
    let mut ideal: Vec<f64> = relevant.values().copied().collect();
    ideal.sort_by(|a, b| b.total_cmp(a));
    ideal.truncate(5);
    let first_five: Vec<f64> = gains.iter().take(5).copied().collect();
    let ndcg = dcg(&first_five) / dcg(&ideal).max(1e-9);
    (precision, ndcg, first_five.iter().any(|gain| *gain >= 2.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ranking_is_scored_against_its_grades() {
        let relevant: HashMap<String, f64> = [("a", 2.0), ("b", 1.0)]
            .map(|(id, grade)| (id.to_owned(), grade))
            .into();
        let ids = |list: &[&str]| list.iter().map(|id| (*id).to_owned()).collect::<Vec<_>>();
        // The ideal order scores 1; the key text below the relevant one scores less; no relevant
        // text at all scores 0 and no key.
        assert_eq!(judged(&ids(&["a", "b"]), &relevant), (1.0, 1.0, true));
        let (precision, ndcg, key) = judged(&ids(&["b", "x", "a"]), &relevant);
        assert!((precision - 2.0 / 3.0).abs() < 1e-9 && ndcg < 1.0 && ndcg > 0.5 && key);
        assert_eq!(judged(&ids(&["x", "y"]), &relevant), (0.0, 0.0, false));
    }
}
