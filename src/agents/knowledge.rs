//! The knowledge agent: answers religious questions with passages from the index, quoted
//! verbatim with their references and listed by id in `metadata.citations`. It never writes a
//! verse or hadith from anywhere else, and says it found nothing reliable rather than guess.

use std::sync::Arc;

use futures_util::future::BoxFuture;
use hijraah_index::{Hit, SearchRequest};
use serde_json::json;

use super::{Agent, AgentAnswer, AgentError, AgentRequest, RouteScore};
use crate::knowledge::KnowledgeService;

/// Below this BM25 score the best passage is not a reliable answer.
const MIN_SCORE: f32 = 6.0;
const QUOTED: usize = 3;

/// Passages asked for by name, and the documents that are them.
const FAMOUS: &[(&[&str], &[&str])] = &[
    (
        &[
            "ayat al-kursi",
            "ayatul kursi",
            "ayat ul kursi",
            "ayat al kursi",
            "verse of the throne",
            "آية الكرسي",
            "اية الكرسي",
        ],
        &["quran:2:255"],
    ),
    (
        &[
            "al-fatiha",
            "al fatiha",
            "al-fatihah",
            "surah fatiha",
            "the opening surah",
            "الفاتحة",
            "سورة الفاتحة",
        ],
        &[
            "quran:1:1",
            "quran:1:2",
            "quran:1:3",
            "quran:1:4",
            "quran:1:5",
            "quran:1:6",
            "quran:1:7",
        ],
    ),
    (
        &[
            "hadith of intention",
            "hadith about intention",
            "actions are by intention",
            "deeds are by intention",
            "إنما الأعمال بالنيات",
            "حديث النية",
        ],
        &["bukhari:1"],
    ),
    (
        &[
            "hadith of jibril",
            "hadith of gabriel",
            "hadith jibril",
            "hadith of jibreel",
            "حديث جبريل",
        ],
        &["muslim:1"],
    ),
];

const KEYWORDS: &[&str] = &[
    "quran",
    "qur'an",
    "koran",
    "verse",
    "ayah",
    "ayat",
    "surah",
    "sura ",
    "hadith",
    "sunnah",
    "prophet",
    "messenger",
    "allah say",
    "islam say",
    "القرآن",
    "قرآن",
    "آية",
    "اية",
    "سورة",
    "حديث",
    "النبي",
    "رسول الله",
];

/// Words of a question that carry no topic.
const QUESTION_WORDS: &[&str] = &[
    "quran",
    "qur'an",
    "koran",
    "hadith",
    "hadiths",
    "verse",
    "verses",
    "ayah",
    "surah",
    "say",
    "says",
    "said",
    "about",
    "what",
    "does",
    "do",
    "did",
    "is",
    "are",
    "was",
    "the",
    "a",
    "an",
    "of",
    "in",
    "on",
    "for",
    "to",
    "and",
    "or",
    "how",
    "why",
    "when",
    "who",
    "whom",
    "which",
    "please",
    "tell",
    "me",
    "give",
    "show",
    "any",
    "there",
    "can",
    "you",
    "i",
    "my",
    "islam",
    "islamic",
    "teach",
    "teaches",
    "regarding",
    "concerning",
    "with",
    "it",
    "be",
    "have",
    "has",
    "القرآن",
    "قرآن",
    "حديث",
    "الحديث",
    "ماذا",
    "ما",
    "عن",
    "في",
    "هل",
    "يقول",
    "قال",
];

const COLLECTIONS: &[(&str, &str)] = &[
    ("bukhari", "bukhari"),
    ("muslim", "muslim"),
    ("abu dawud", "abudawud"),
    ("abudawud", "abudawud"),
    ("nasai", "nasai"),
    ("nasa'i", "nasai"),
    ("ibn majah", "ibnmajah"),
    ("ibnmajah", "ibnmajah"),
    ("tirmidhi", "tirmidhi"),
];

/// Document ids the text names directly: "2:255", "quran 2:255", "bukhari 1".
fn referenced_ids(text: &str) -> Vec<String> {
    let lower = text.to_lowercase();
    let mut ids = Vec::new();
    for (names, documents) in FAMOUS {
        if names.iter().any(|name| lower.contains(name)) {
            ids.extend(documents.iter().map(|id| (*id).to_owned()));
        }
    }
    let words: Vec<&str> = lower
        .split(|c: char| c.is_whitespace() || c == ',' || c == '?')
        .collect();
    // A bare "10:30" is a time as often as a verse: take it as a verse only in a Qur'anic context
    // or when it is the whole message.
    let quranic = [
        "quran",
        "qur'an",
        "surah",
        "sura",
        "verse",
        "ayah",
        "قرآن",
        "القرآن",
        "آية",
        "سورة",
    ]
    .iter()
    .any(|word| lower.contains(word))
        || words.iter().filter(|word| !word.is_empty()).count() == 1;
    for word in words.iter().filter(|_| quranic) {
        if let Some((surah, ayah)) = word.split_once(':')
            && let (Ok(surah), Ok(ayah)) = (surah.parse::<u32>(), ayah.parse::<u32>())
            && (1..=114).contains(&surah)
            && (1..=286).contains(&ayah)
        {
            ids.push(format!("quran:{surah}:{ayah}"));
        }
    }
    for (name, collection) in COLLECTIONS {
        if let Some(at) = lower.find(name) {
            let after = lower[at + name.len()..].trim_start_matches([' ', '#', ':']);
            let digits: String = after.chars().take_while(char::is_ascii_digit).collect();
            if !digits.is_empty() {
                ids.push(format!("{collection}:{digits}"));
            }
        }
    }
    ids.dedup();
    ids
}

/// The answer when no passage is a reliable answer: say so, cite nothing.
fn nothing_reliable(
    arabic: bool,
    best_score: Option<f32>,
    query: Option<String>,
    source: Option<String>,
) -> AgentAnswer {
    let content = if arabic {
        "لم أجد في النصوص المتاحة لديّ نصًا موثوقًا يجيب عن هذا السؤال، ولن أخمّن. يُرجى سؤال عالم موثوق."
    } else {
        "I found nothing reliable in the texts available to me for this question, and I will not guess. \
         Please ask a trusted scholar."
    };
    AgentAnswer {
        content: content.to_owned(),
        confidence: 0.2,
        metadata: json!({"citations": [], "found": false, "query": query, "best_score": best_score, "source_filter": source}),
    }
}

pub struct KnowledgeAgent {
    agent_id: String,
    knowledge: Arc<KnowledgeService>,
}

impl KnowledgeAgent {
    pub fn new(agent_id: impl Into<String>, knowledge: Arc<KnowledgeService>) -> Self {
        Self {
            agent_id: agent_id.into(),
            knowledge,
        }
    }

    async fn answer(&self, request: &AgentRequest) -> Result<AgentAnswer, AgentError> {
        let arabic = request.language == "ar";
        let referenced = referenced_ids(&request.content);
        let mut passages: Vec<Hit> = Vec::new();
        for id in &referenced {
            match self.knowledge.get(id.clone()).await {
                Ok(Some(hit)) => passages.push(hit),
                Ok(None) => {}
                Err(error) => return Err(AgentError::Failed(error.to_string())),
            }
        }
        let direct = !passages.is_empty();
        let lower = request.content.to_lowercase();
        let source = if lower.contains("hadith") || lower.contains("حديث") {
            Some("hadith".to_owned())
        } else if [
            "quran",
            "qur'an",
            "verse",
            "ayah",
            "surah",
            "قرآن",
            "القرآن",
            "آية",
            "سورة",
        ]
        .iter()
        .any(|w| lower.contains(w))
        {
            Some("quran".to_owned())
        } else {
            None
        };
        let mut best_score = None;
        let mut searched = None;
        if !direct {
            // Words that say where to look, not what to find.
            let query: String = lower
                .split(|c: char| !c.is_alphanumeric() && c != '\'')
                .filter(|word| !word.is_empty() && !QUESTION_WORDS.contains(word))
                .collect::<Vec<_>>()
                .join(" ");
            if query.is_empty() {
                return Ok(nothing_reliable(arabic, None, Some(query), source));
            }
            searched = Some(query.clone());
            let search = SearchRequest {
                query,
                source: source.clone(),
                collection: None,
                lang: Some(if arabic { "ar" } else { "en" }.to_owned()),
                limit: 10,
            };
            let results = self
                .knowledge
                .search(search)
                .await
                .map_err(|e| AgentError::Failed(e.to_string()))?;
            // Quote the primary texts; translations in other languages are not the answer here.
            passages = results
                .hits
                .into_iter()
                .filter(|hit| !hit.collection.contains('.'))
                .take(QUOTED)
                .collect();
            best_score = passages.first().map(|hit| hit.score);
            if best_score.is_none_or(|score| score < MIN_SCORE) {
                return Ok(nothing_reliable(arabic, best_score, searched, source));
            }
        }
        let quotes: Vec<String> = passages
            .iter()
            .map(|hit| {
                let text = if arabic {
                    hit.text_ar.as_ref().or(hit.text_en.as_ref())
                } else {
                    hit.text_en.as_ref().or(hit.text_ar.as_ref())
                };
                format!(
                    "\"{}\" ({})",
                    text.map(String::as_str).unwrap_or(hit.text.as_str()),
                    hit.reference
                )
            })
            .collect();
        let confidence = match best_score {
            None => 0.95,
            Some(score) => (0.55 + 0.4 * (score / 30.0).min(1.0)) as f64,
        };
        let citations: Vec<_> = passages
            .iter()
            .map(|hit| json!({"id": hit.id, "reference": hit.reference}))
            .collect();
        Ok(AgentAnswer {
            content: quotes.join("\n\n"),
            confidence: (confidence * 1000.0).round() / 1000.0,
            metadata: json!({
                "citations": citations,
                "found": true,
                "lookup": if direct { "reference" } else { "search" },
                "query": searched,
                "best_score": best_score,
                "source_filter": source,
            }),
        })
    }
}

impl Agent for KnowledgeAgent {
    fn agent_id(&self) -> &str {
        &self.agent_id
    }

    fn agent_type(&self) -> &str {
        "knowledge"
    }

    fn score(&self, request: &AgentRequest) -> RouteScore {
        if !referenced_ids(&request.content).is_empty() {
            return RouteScore {
                score: 0.95,
                reasons: vec!["names a verse, hadith or famous passage".to_owned()],
            };
        }
        let lower = request.content.to_lowercase();
        let matched: Vec<&str> = KEYWORDS
            .iter()
            .copied()
            .filter(|keyword| lower.contains(keyword))
            .collect();
        if matched.is_empty() {
            return RouteScore {
                score: 0.0,
                reasons: vec![],
            };
        }
        RouteScore {
            score: 0.85,
            reasons: matched.iter().map(|k| format!("keyword `{}`", k.trim())).collect(),
        }
    }

    fn handle<'a>(&'a self, request: &'a AgentRequest) -> BoxFuture<'a, Result<AgentAnswer, AgentError>> {
        Box::pin(self.answer(request))
    }
}

#[cfg(test)]
mod tests {
    use super::referenced_ids;

    #[test]
    fn references_and_famous_names_resolve_to_ids() {
        assert_eq!(referenced_ids("What is Quran 2:255?"), ["quran:2:255"]);
        assert_eq!(referenced_ids("2:255"), ["quran:2:255"]);
        assert_eq!(referenced_ids("Tell me about Ayat al-Kursi"), ["quran:2:255"]);
        assert_eq!(referenced_ids("ما هي آية الكرسي"), ["quran:2:255"]);
        assert_eq!(referenced_ids("the hadith of intentions"), ["bukhari:1"]);
        assert_eq!(referenced_ids("Sahih Bukhari #12 please"), ["bukhari:12"]);
        assert_eq!(referenced_ids("the hadith of Jibril"), ["muslim:1"]);
        assert_eq!(referenced_ids("Recite al-Fatiha").len(), 7);
        assert!(
            referenced_ids("meet at 10:30 tomorrow").is_empty(),
            "a time is not a verse"
        );
        assert!(referenced_ids("I need prayer guidance").is_empty());
    }
}
