//! English query expansion from `data/synonyms_en.txt`: the words people use and the words the
//! translations use for the same things ("gossip" and "backbite", "salah" and "prayer").

use std::collections::HashMap;
use std::sync::OnceLock;

const SYNONYMS: &str = include_str!("../../data/synonyms_en.txt");

pub struct Synonyms {
    /// A word or phrase → the other members of every group it is in.
    related: HashMap<String, Vec<String>>,
    /// The longest phrase, in words.
    longest: usize,
}

impl Synonyms {
    fn load() -> Self {
        let mut related: HashMap<String, Vec<String>> = HashMap::new();
        let mut longest = 1;
        for line in SYNONYMS.lines() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let members: Vec<String> = line
                .split(',')
                .map(|member| member.trim().to_lowercase())
                .filter(|member| !member.is_empty())
                .collect();
            for member in &members {
                longest = longest.max(member.split_whitespace().count());
                let others = related.entry(member.clone()).or_default();
                for other in &members {
                    if other != member && !others.contains(other) {
                        others.push(other.clone());
                    }
                }
            }
        }
        Self { related, longest }
    }

    pub fn get() -> &'static Synonyms {
        static SYNONYMS: OnceLock<Synonyms> = OnceLock::new();
        SYNONYMS.get_or_init(Synonyms::load)
    }

    /// For each position of `words`, the expansions that start there (a phrase expansion is
    /// attached to its first word), as `(covered word count, alternatives)`.
    pub fn expand(&self, words: &[String]) -> Vec<(usize, Vec<String>)> {
        let mut out = Vec::new();
        for start in 0..words.len() {
            for length in (1..=self.longest.min(words.len() - start)).rev() {
                let phrase = words[start..start + length].join(" ");
                if let Some(others) = self.related.get(&phrase) {
                    out.push((length, others.clone()));
                    break;
                }
            }
            if out.len() <= start {
                out.push((1, Vec::new()));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<String> {
        text.split_whitespace().map(str::to_owned).collect()
    }

    #[test]
    fn words_and_phrases_expand_to_their_groups() {
        let synonyms = Synonyms::get();
        let expanded = synonyms.expand(&words("gossip salah"));
        assert!(expanded[0].1.contains(&"backbite".to_owned()));
        assert!(expanded[1].1.contains(&"prayer".to_owned()));
        let phrase = synonyms.expand(&words("lose hope quickly"));
        assert_eq!(phrase[0].0, 2);
        assert!(phrase[0].1.contains(&"despair".to_owned()));
        assert!(synonyms.expand(&words("xyzzy"))[0].1.is_empty());
    }
}
