//! The knowledge agent: answers questions about the texts (a verse or hadith by reference or
//! name, a topic, a ruling: "is it allowed…", "what breaks the fast", "حكم…") with passages
//! from the index, quoted verbatim with their references and listed by id in
//! `metadata.citations`. It never writes a verse or hadith from anywhere else, never cites an id
//! that is not in the index, and says it found nothing reliable rather than guess.

use std::sync::Arc;

use futures_util::future::BoxFuture;
use hijraah_domain::grades::Grade;
use hijraah_domain::understanding::text;
use hijraah_index::{Hit, SearchRequest};
use serde_json::json;

use super::language::Language;
use super::{Agent, AgentAnswer, AgentError, AgentRequest, RouteScore};

mod cues;
mod quoting;

use crate::knowledge::KnowledgeService;
use cues::*;
pub(crate) use cues::{is_errand, names_a_text};
use quoting::*;

/// Below this score the best passage found by search is not a reliable answer.
const MIN_SCORE: f32 = 8.0;
/// A named passage is quoted whole up to this many verses, else in parts of `PASSAGE_PART`.
const LONGEST_PASSAGE: usize = 40;
const PASSAGE_PART: usize = 20;
/// Passages quoted: at least two when found, at most five, within a length budget.
const QUOTED_AT_MOST: usize = 5;
const QUOTED_AT_LEAST: usize = 2;
const QUOTE_BUDGET: usize = 1_200;

pub struct KnowledgeAgent {
    agent_id: String,
    knowledge: Arc<KnowledgeService>,
    /// For rulings, quote only hadith some grader holds sahih (the deployment's choice).
    sahih_only_for_rulings: bool,
}

impl KnowledgeAgent {
    pub fn new(agent_id: impl Into<String>, knowledge: Arc<KnowledgeService>) -> Self {
        Self {
            agent_id: agent_id.into(),
            knowledge,
            sahih_only_for_rulings: false,
        }
    }

    pub fn sahih_only_for_rulings(mut self, on: bool) -> Self {
        self.sahih_only_for_rulings = on;
        self
    }

    async fn answer(&self, request: &AgentRequest) -> Result<AgentAnswer, AgentError> {
        let language = Language::of(request);
        // Curators decide which editions are quoted: a withheld edition's texts stay searchable,
        // but no answer quotes them.
        let editions = self
            .knowledge
            .editions()
            .get()
            .await
            .map_err(|error| AgentError::Failed(error.to_string()))?;
        let quotable = |hit: &Hit| {
            hit.edition
                .as_ref()
                .and_then(|edition| editions.get(edition))
                .is_none_or(|edition| edition.quotable)
        };
        let mut passages: Vec<Hit> = Vec::new();
        let mut more_verses = None;
        let reading = request.reading();
        // The words are searched in the script they are written in: a client may send its
        // interface's language ("en") with a question typed in Arabic, which searched as English
        // found nothing. The reply keeps the request's language.
        let searched_in = match reading.script {
            "ar" => Language::Arabic,
            "en" => Language::English,
            _ => language,
        };
        let named = reading.named_text.clone();
        // Hadith name a surah by its opening words as often as by its name («قل هو الله أحد
        // تعدل ثلث القرآن», «تبارك الذي بيده الملك»): a question about a surah's virtue in
        // Arabic searches them too, when the opening is short enough to be how it is called.
        let opening = match named.as_ref() {
            Some(named)
                if searched_in == Language::Arabic
                    && named.kind == "surah"
                    && asks_about_a_passage(&request.content) =>
            {
                match named.ids.first() {
                    Some(first) => self
                        .knowledge
                        .get(first.clone())
                        .await
                        .map_err(|error| AgentError::Failed(error.to_string()))?
                        .and_then(|verse| verse.text_ar)
                        .filter(|verse| is_a_surah_s_call_name(verse)),
                    None => None,
                }
            }
            _ => None,
        };
        // A question about a passage's virtue is answered by the texts about it (the hadith),
        // not by the passage quoted verse by verse.
        let about_passage = named.as_ref().is_some_and(|named| named.kind != "hadith_reference")
            && asks_about_a_passage(&request.content);
        // A story or a topic within a named surah ("the story of musa and khidr in surah
        // al-kahf"): the surah's verses that speak to it, not the surah from its first verse.
        let within_surah: Option<Vec<String>> = named
            .as_ref()
            .filter(|named| named.kind == "surah" && !about_passage && asks_within_a_surah(&request.content))
            .map(|named| named.ids.clone());
        if let Some(named) = named.filter(|_| !about_passage && within_surah.is_none()) {
            // A whole long surah is shown in parts: the first verses, and how to ask for the rest.
            let shown = if named.ids.len() > LONGEST_PASSAGE {
                more_verses = Some(named.ids.len());
                PASSAGE_PART
            } else {
                named.ids.len()
            };
            for id in named.ids.iter().take(shown) {
                match self.knowledge.get(id.clone()).await {
                    Ok(Some(hit)) if quotable(&hit) => passages.push(hit),
                    Ok(_) => {}
                    Err(error) => return Err(AgentError::Failed(error.to_string())),
                }
            }
        }
        let direct = !passages.is_empty();
        // Asked only because no other agent claimed the message (an Arabic question that names
        // nothing of the religion): when the texts have nothing on it either, it is no question
        // for a scholar but one outside what Hijraah does («كيف أتعلم البرمجة؟»).
        let unclaimed = self.score(request).score < super::routing::SELECTION_THRESHOLD;
        let nothing_found = |best_score: Option<f32>, searched: Option<String>| {
            if unclaimed {
                outside_the_texts(language, &request.available_agent_types, searched)
            } else {
                nothing_reliable(language, best_score, searched)
            }
        };
        let ruling = reading.ruling();
        let mut best_score = None;
        let mut searched = None;
        if !direct {
            let query: String = request
                .content
                .split_whitespace()
                .filter(|word| {
                    let bare = word.trim_matches(|c: char| !c.is_alphanumeric()).to_lowercase();
                    !RULING_WORDS.contains(&bare.as_str())
                })
                .collect::<Vec<_>>()
                .join(" ");
            // Within a named surah, the search is for what is asked of it: with the surah's name
            // left in, the search would name the whole surah, from its first verse.
            let query = if within_surah.is_some() {
                hijraah_index::query::without_surah_name(&query)
            } else {
                query
            };
            let query = match &opening {
                Some(opening) => format!("{query} {opening}"),
                None => query,
            };
            searched = Some(query.clone());
            // Whether something is allowed, asked of a thing no text names in any form ("can I
            // work as a taxi driver?", "is bitcoin halal?"): the texts that share the question's
            // other words ("a driver and a witness", 50:21) do not answer it.
            if ruling.is_some()
                && searched_in == Language::English
                && within_surah.is_none()
                && !self.knowledge.index().unheard_words(&query).is_empty()
            {
                return Ok(nothing_found(None, searched));
            }
            let search = SearchRequest {
                query,
                source: if about_passage {
                    Some("hadith".to_owned())
                } else if within_surah.is_some() {
                    Some("quran".to_owned())
                } else {
                    None
                },
                collection: None,
                lang: Some(if searched_in == Language::Arabic { "ar" } else { "en" }.to_owned()),
                limit: if within_surah.is_some() { 60 } else { 15 },
                // Searched within the surah: searched in the whole Qur'an, a story told in many
                // surahs ("Musa") filled the first sixty with other surahs' verses.
                surah: within_surah
                    .as_ref()
                    .and_then(|verses| verses.first())
                    .and_then(|id| verse_number(id))
                    .and_then(|(surah, _)| u32::try_from(surah).ok()),
            };
            let mut results = self
                .knowledge
                .search(search)
                .await
                .map_err(|e| AgentError::Failed(e.to_string()))?;
            if let Some(verses) = &within_surah {
                results.hits.retain(|hit| verses.contains(&hit.id));
            }
            results.hits.retain(|hit| quotable(hit));
            // Quote the primary texts; translations in other languages are not the answer here.
            let mut budget = 0usize;
            passages = Vec::new();
            // With vectors, meaning decides what is quoted: the closest texts, not the ones that
            // merely share a word ("hold fast" for fasting).
            // The vectors are of the English texts: an Arabic question's cosines to them are not
            // comparable from text to text (it dropped 49:12 for «الغيبة»), so its quotes are
            // chosen by the words, as without the encoder, unless the operator set a floor for
            // them across languages (`HIJRAAH_ARABIC_QUOTE_FLOOR`).
            let tuning = crate::semantic::tuning();
            let floor = match searched_in {
                Language::English => Some(tuning.quote_floor),
                Language::Arabic => tuning.arabic_quote_floor,
            };
            let closest = results
                .hits
                .iter()
                .filter(|_| floor.is_some())
                .filter(|hit| !hit.collection.contains('.'))
                .filter_map(|hit| hit.similarity)
                .fold(None, |best: Option<f32>, similarity| {
                    Some(best.map_or(similarity, |best| best.max(similarity)))
                });
            // With the sentence encoder: a text is quoted only when its meaning is close to the
            // question's, and near the closest text's (`semantic::Tuning`).
            let floor = floor.unwrap_or(tuning.quote_floor);
            if let Some(closest) = closest
                && closest < floor
            {
                return Ok(nothing_found(None, searched));
            }
            let tells_a_story = STORY_WORDS
                .iter()
                .any(|word| text::contains_word(&reading.message.lower, word));
            // For a ruling, the deployment or the request may want only hadith held sahih.
            let sahih_only = ruling.is_some()
                && (self.sahih_only_for_rulings || request.context.get("sahih_only") == Some(&json!(true)));
            for hit in results
                .hits
                .into_iter()
                .filter(|hit| !hit.collection.contains('.'))
                .filter(|hit| !sahih_only || hit.source != "hadith" || hit.grades.iter().any(Grade::is_sahih))
                // A ruling does not rest on a hadith a grader held weak: it is not quoted as if
                // it answered the question.
                .filter(|hit| ruling.is_none() || hit.source != "hadith" || !hit.grades.iter().any(Grade::is_daif))
            {
                if passages.len() >= QUOTED_AT_MOST || (passages.len() >= QUOTED_AT_LEAST && budget >= QUOTE_BUDGET) {
                    break;
                }
                match (closest, hit.similarity) {
                    (Some(closest), Some(similarity)) => {
                        if similarity < floor || similarity < closest - tuning.quote_band {
                            continue;
                        }
                        // Far down the library by meaning, however close its cosine reads.
                        if let Some(bound) = tuning.quote_meaning_rank
                            && within_surah.is_none()
                            && hit.meaning_rank.is_none_or(|rank| rank > bound)
                        {
                            continue;
                        }
                    }
                    // A text with no vector yet (or a translation) beside texts that have one.
                    (Some(_), None) => continue,
                    _ => {
                        // Chosen by the words (an Arabic question): a text found by meaning
                        // alone (no score by words) is not quoted.
                        if hit.score <= 0.0
                            || passages
                                .first()
                                .is_some_and(|best| hit.score < best.score * tuning.lexical_quote_floor)
                            // A text that covers little of what the first covers of the question
                            // shares a stray word with it ("covered" for the hijab). A story is
                            // told verse by verse, each covering a part of it.
                            || (!tells_a_story
                                && passages
                                    .first()
                                    .is_some_and(|best| hit.covered < best.covered * tuning.lexical_quote_coverage))
                        {
                            continue;
                        }
                    }
                }
                // The same saying in other words of another narration adds nothing: skip it.
                if passages.iter().any(|quoted| same_saying(quoted, &hit)) {
                    continue;
                }
                budget += hit.text.chars().count().min(QUOTE_CHARS);
                passages.push(hit);
            }
            best_score = passages.iter().map(|hit| hit.score).reduce(f32::max);
            let lexical_only = closest.is_none();
            // Within a surah the user named, a verse that shares the question's words is what
            // was asked for, however few the words: the floor guards against stray words across
            // the whole library, and the search was confined to the surah.
            let below_floor = within_surah.is_none() && best_score.is_none_or(|score| score < MIN_SCORE);
            if passages.is_empty() || (lexical_only && below_floor) {
                return Ok(nothing_found(best_score, searched));
            }
        }
        // Neighbouring verses found by search are one passage, quoted together.
        let groups: Vec<Vec<&Hit>> = if direct {
            passages.iter().map(|hit| vec![hit]).collect()
        } else {
            group_neighbours(&passages)
        };
        let quotes: Vec<String> = groups
            .iter()
            .map(|group| {
                let hit = group[0];
                if group.len() > 1 {
                    return quote_passage(group, language);
                }
                let (text, keep_end) = match language {
                    Language::Arabic => match hit.text_ar.as_ref() {
                        Some(arabic) if hit.source == "hadith" => {
                            let graded = grade_note(hit, language);
                            return format!("«{}» ({}{graded})", arabic_hadith_quotation(arabic), hit.reference);
                        }
                        Some(arabic) => (arabic, false),
                        None => (hit.text_en.as_ref().unwrap_or(&hit.text), false),
                    },
                    Language::English => (
                        hit.text_en.as_ref().or(hit.text_ar.as_ref()).unwrap_or(&hit.text),
                        false,
                    ),
                };
                let graded = grade_note(hit, language);
                match language {
                    Language::Arabic => format!("«{}» ({}{graded})", quotation(text, keep_end), hit.reference),
                    // A text that is itself wholly in quotation marks keeps its own, not ours
                    // around them as well ("\"The laughter…\"\"").
                    Language::English => {
                        let quoted = quotation(text, keep_end);
                        if quoted.starts_with(['"', '“']) && quoted.ends_with(['"', '”']) && quoted.chars().count() > 1
                        {
                            format!("{quoted} ({}{graded})", hit.reference)
                        } else {
                            format!("\"{quoted}\" ({}{graded})", hit.reference)
                        }
                    }
                }
            })
            .collect();
        let (opening, closing) = match (language, direct, ruling.is_some()) {
            (Language::English, true, _) => ("", ""),
            (Language::Arabic, true, _) => ("", ""),
            (Language::English, false, true) => (
                "These are the texts in my library that speak to your question, quoted with their references:\n\n",
                "\n\nThe texts are quoted as they are; for a ruling on your own situation, ask a scholar you trust.",
            ),
            (Language::English, false, false) => ("These texts speak to your question:\n\n", ""),
            (Language::Arabic, false, true) => (
                "هذه النصوص التي وجدتها في مكتبتي وتتعلق بسؤالك، مع مراجعها:\n\n",
                "\n\nالنصوص منقولة كما هي؛ وللحكم في حالتك الخاصة اسأل عالمًا تثق به.",
            ),
            (Language::Arabic, false, false) => ("هذه نصوص تتعلق بسؤالك:\n\n", ""),
        };
        // In Arabic, name the topic plainly: the quoted texts are vocalised, the question is not.
        // The words that ask for a ruling ("يجوز", "حكم") are the question, not its topic.
        let topic = hijraah_index::query::arabic_content(&request.content)
            .split_whitespace()
            .filter(|word| !ARABIC_RULING_WORDS.contains(&text::fold_arabic(word).as_str()))
            .collect::<Vec<_>>()
            .join(" ");
        let opening = if language == Language::Arabic && !direct && !topic.trim().is_empty() {
            opening.replacen("بسؤالك", &format!("بسؤالك عن «{}»", topic.trim()), 1)
        } else {
            opening.to_owned()
        };
        let closest_quoted = passages.iter().filter_map(|hit| hit.similarity).reduce(f32::max);
        let confidence = match (best_score, closest_quoted) {
            (None, _) => 0.95,
            (Some(_), Some(similarity)) => {
                (0.55 + 0.4 * ((similarity - crate::semantic::tuning().quote_floor) / 0.1).clamp(0.0, 1.0)) as f64
            }
            (Some(score), None) => (0.55 + 0.4 * (score / 40.0).min(1.0)) as f64,
        };
        let citations: Vec<_> = passages
            .iter()
            .map(|hit| {
                // Each citation names its edition and the revision it quoted, so an old answer
                // can be read against the text as it was.
                let mut citation = json!({
                    "id": hit.id,
                    "reference": hit.reference,
                    "edition": hit.edition,
                    "edition_name": hit.edition.as_ref().and_then(|edition| editions.get(edition)).map(|edition| &edition.edition.name),
                    "revision": hit.revision,
                });
                if hit.source == "hadith" {
                    citation["grades"] = json!(hit.grades);
                }
                citation
            })
            .collect();
        let closing = match (more_verses, passages.first(), language) {
            (Some(total), Some(first), Language::English) => format!(
                "\n\nThese are the first {} of its {total} verses; ask for the next ones by reference, for example \"{}:{}-{}\".",
                passages.len(),
                first.id.split(':').nth(1).unwrap_or_default(),
                passages.len() + 1,
                (passages.len() * 2).min(total)
            ),
            (Some(total), Some(first), Language::Arabic) => format!(
                "\n\nهذه أول {} آية من {total}؛ اطلب ما بعدها بالمرجع، مثلًا \"{}:{}-{}\".",
                passages.len(),
                first.id.split(':').nth(1).unwrap_or_default(),
                passages.len() + 1,
                (passages.len() * 2).min(total)
            ),
            _ => closing.to_owned(),
        };
        Ok(AgentAnswer {
            content: format!("{opening}{}{closing}", quotes.join("\n\n")),
            confidence: (confidence * 1000.0).round() / 1000.0,
            metadata: json!({
                "citations": citations,
                "found": true,
                "lookup": if direct { "reference" } else { "search" },
                "query": searched,
                "best_score": best_score,
                "similarities": passages.iter().map(|hit| hit.similarity).collect::<Vec<_>>(),
                "asks_about_the_texts": ruling,
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
        let reading = request.reading();
        if let Some(named) = &reading.named_text {
            return RouteScore {
                score: 0.95,
                reasons: vec![format!("names a verse, hadith or passage ({})", named.kind)],
            };
        }
        let computing = reading.computing;
        let mut score = RouteScore {
            score: 0.0,
            reasons: Vec::new(),
        };
        // An errand ("where can I find halal food?") is not asking whether its food is allowed,
        // though it says "halal" or "can I": the migration agent answers it.
        let ruling = reading
            .ruling()
            .filter(|_| !reading.errand || opens_asking_if_allowed(&request.content));
        if let Some(cue) = ruling {
            score = score.with(0.9, format!("asks what the texts say: `{cue}`"));
        } else if !computing && reading.question && !reading.errand {
            if reading.mentions_religion {
                // "how many rakats is maghrib?": a question about the practice of the religion.
                score = score.with(0.6, "a question about the practice of the religion");
            } else if reading.religious_context {
                // A question in Arabic with no word of the religion in it: the texts answer it
                // only when no other agent does ("وفي دمشق؟" after prayer times is the community
                // agent's; "ما جزاء الصابرين؟" is still the texts').
                score = score.with(0.4, "a question in Arabic, naming nothing of the religion");
            }
        }
        let lower = &reading.message.lower;
        for keyword in KEYWORDS.iter().filter(|keyword| lower.contains(*keyword)) {
            score = score.with(0.85, format!("keyword `{}`", keyword.trim()));
        }
        // A topic word in a request for today's times ("when does the fast end today in Dubai?")
        // names what the times are for; the times answer it.
        let asks_times_only = reading.prayer_times.is_some() && ruling.is_none();
        for topic in TOPICS
            .iter()
            .filter(|_| !asks_times_only)
            .filter(|topic| text::contains_word(lower, topic))
        {
            score = score.with(0.55, format!("a topic of the texts: `{topic}`"));
        }
        // Words to say, asked for with or without a question («الاذكار بعد الصلاة المفروضة»):
        // the texts hold them. Not with a place named ("mosques in Cairo where I can make dua"
        // asks for the mosques).
        if score.score < super::routing::SELECTION_THRESHOLD
            && reading.supplication
            && !computing
            && !reading.errand
            && reading.city.is_none()
        {
            score = score.with(0.85, "asks for words to say: a supplication or a remembrance");
        }
        if score.score < super::routing::SELECTION_THRESHOLD
            && !computing
            && reading.question
            && !reading.errand
            && let Some(conduct) = CONDUCT.iter().find(|conduct| text::contains_word(lower, conduct))
        {
            score = score.with(0.55, format!("asks about conduct the texts teach: `{conduct}`"));
        }
        // A death told, asked about or not ("my friend passed away", «توفي والدي اليوم»): the
        // texts hold what is said at a loss and what benefits the dead.
        if score.score < super::routing::SELECTION_THRESHOLD
            && !computing
            && !reading.errand
            && let Some(cue) = BEREAVEMENT.iter().find(|cue| text::contains_word(lower, cue))
        {
            score = score.with(0.55, format!("tells of a death: `{cue}`"));
        }
        // A question that speaks of a surah or a named passage among other words ("what advice
        // did luqman give his son", "why is laylatul qadr special") is one for the texts, not
        // out of scope, even when no rule knows its wording.
        if score.score < super::routing::SELECTION_THRESHOLD
            && !computing
            && reading.question
            && !reading.errand
            && speaks_of_a_named_text(&request.content)
        {
            score = score.with(0.55, "speaks of a surah or a named passage");
        }
        score
    }

    fn handle<'a>(&'a self, request: &'a AgentRequest) -> BoxFuture<'a, Result<AgentAnswer, AgentError>> {
        Box::pin(self.answer(request))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finding_halal_food_is_an_errand_but_asking_if_it_is_allowed_is_a_question() {
        for errand in [
            "where can I find halal food in Germany?",
            "أين أجد مطعمًا حلالًا في لندن؟",
            "أين أشتري لحمًا حلالًا في باريس؟",
        ] {
            assert!(is_errand(errand), "{errand}");
            assert!(!opens_asking_if_allowed(errand), "{errand}");
        }
        assert!(opens_asking_if_allowed(
            "Can I eat halal food from a shop that sells alcohol?"
        ));
        assert!(opens_asking_if_allowed("هل يجوز شراء اللحم من محل لا يذكر اسم الله؟"));
    }

    #[test]
    fn an_errand_that_mentions_a_mosque_is_no_question_for_the_texts() {
        assert!(is_errand(
            "I just moved to Germany, how do I register my address and find a mosque?"
        ));
        assert!(!is_errand("Is it allowed to pray in a mosque with pictures?"));
    }

    #[test]
    fn a_question_that_speaks_of_a_named_text_is_one_for_the_texts() {
        for asked in [
            "what advice did luqman give his son",
            "why is laylatul qadr so special and which night should i look for it",
            "what is the main lesson of surah yusuf for someone who was betrayed?",
        ] {
            assert!(speaks_of_a_named_text(asked), "{asked}");
        }
        for not_asked in [
            "what about asr?",
            "when is fajr tomorrow in london?",
            "what is the weather in paris?",
            "can i eat crab?",
            "how much is my rent?",
        ] {
            assert!(!speaks_of_a_named_text(not_asked), "{not_asked}");
        }
    }

    #[test]
    fn references_and_names_are_texts_but_a_time_is_not() {
        assert_eq!(names_a_text("What is Quran 2:255?").unwrap().ids, ["quran:2:255"]);
        assert_eq!(names_a_text("2:255").unwrap().ids, ["quran:2:255"]);
        assert_eq!(
            names_a_text("Tell me about Ayat al-Kursi").unwrap().ids,
            ["quran:2:255"]
        );
        assert_eq!(names_a_text("ما هي آية الكرسي").unwrap().ids, ["quran:2:255"]);
        assert_eq!(names_a_text("Sahih Bukhari #12 please").unwrap().ids, ["bukhari:12"]);
        assert_eq!(names_a_text("Recite al-Fatiha").unwrap().ids.len(), 7);
        assert!(
            names_a_text("meet at 10:30 tomorrow").is_none(),
            "a time is not a verse"
        );
        assert!(names_a_text("I need prayer guidance").is_none());
    }

    fn verse(id: &str) -> Hit {
        Hit {
            id: id.to_owned(),
            source: "quran".to_owned(),
            collection: "quran".to_owned(),
            reference: format!("Qur'an {} (Al-Baqarah)", id.trim_start_matches("quran:")),
            text: format!("text of {id}"),
            text_ar: None,
            text_en: Some(format!("text of {id}")),
            score: 1.0,
            highlight: String::new(),
            similarity: None,
            meaning_rank: None,
            covered: 1.0,
            grades: Vec::new(),
            edition: Some("quran.en.sahih".to_owned()),
            revision: Some(1),
        }
    }

    #[test]
    fn neighbouring_verses_are_one_passage_in_verse_order() {
        let passages = [
            verse("quran:2:184"),
            verse("quran:4:146"),
            verse("quran:2:183"),
            verse("quran:2:185"),
        ];
        let groups = group_neighbours(&passages);
        let ids: Vec<Vec<&str>> = groups
            .iter()
            .map(|group| group.iter().map(|hit| hit.id.as_str()).collect())
            .collect();
        assert_eq!(
            ids,
            [vec!["quran:2:183", "quran:2:184", "quran:2:185"], vec!["quran:4:146"]]
        );
        let quoted = quote_passage(&groups[0], Language::English);
        assert!(quoted.starts_with("\"(183) text of quran:2:183 (184)"), "{quoted}");
        assert!(quoted.ends_with("(Qur'an 2:183–185 (Al-Baqarah))"), "{quoted}");
        let apart = [verse("quran:2:183"), verse("quran:3:184"), verse("bukhari:1")];
        assert_eq!(
            group_neighbours(&apart).len(),
            3,
            "another surah, or a hadith, is another passage"
        );
    }

    #[test]
    fn a_surah_is_called_by_a_short_opening_but_not_by_the_basmala() {
        assert!(is_a_surah_s_call_name("قُلۡ هُوَ ٱللَّهُ أَحَدٌ"));
        // A long first verse is not what the surah is called by; its name is.
        assert!(!is_a_surah_s_call_name("تَبَٰرَكَ ٱلَّذِي بِيَدِهِ ٱلۡمُلۡكُ وَهُوَ عَلَىٰ كُلِّ شَيۡءٖ قَدِيرٌ"));
        assert!(is_a_surah_s_call_name("يسٓ"));
        assert!(!is_a_surah_s_call_name("بِسۡمِ ٱللَّهِ ٱلرَّحۡمَٰنِ ٱلرَّحِيمِ"));
        assert!(!is_a_surah_s_call_name(""));
    }

    #[test]
    fn a_passage_s_virtue_is_asked_about_and_a_prayer_s_name_is_no_surah() {
        assert!(asks_about_a_passage(
            "what's the reward for reading ayat al kursi after every prayer?"
        ));
        assert!(asks_about_a_passage(
            "is there a hadith about surah al-ikhlas being a third of the quran?"
        ));
        assert!(asks_about_a_passage("ما فضل سورة الملك"));
        assert!(!asks_about_a_passage("show me surat al-falaq"));
        assert!(names_a_text("what about asr?").is_none(), "a prayer after prayer times");
        assert!(names_a_text("and fajr?").is_none());
        assert!(
            names_a_text("recite surah al-asr").is_some(),
            "the surah, asked for as one"
        );
    }

    #[test]
    fn narrations_of_the_same_saying_are_quoted_once() {
        assert!(near_duplicates(
            "Whenever the Prophet started the journey before noon, he used to delay the Zuhr prayer till the time for the Asr prayer",
            "Whenever the Prophet started a journey before noon, he used to delay the Zuhr prayer till the time of Asr"
        ));
        assert!(!near_duplicates(
            "The Prophet prayed on his mount",
            "Zakat is due on gold after a year"
        ));
        // A very short verse is not a shorter version of every verse that shares its words.
        assert!(!near_duplicates(
            "For the Day of Judgement.",
            "Indeed, the Day of Judgement is an appointed time -"
        ));
        // The same short verse, repeated in a surah, is.
        assert!(near_duplicates(
            "So which of the favors of your Lord would you deny?",
            "So which of the favors of your Lord would you deny?"
        ));
    }

    #[test]
    fn narrations_of_one_saying_are_one_saying_whatever_their_chains() {
        let hadith = |id: &str, arabic: &str| Hit {
            source: "hadith".to_owned(),
            text: arabic.to_owned(),
            text_en: None,
            text_ar: Some(arabic.to_owned()),
            ..verse(id)
        };
        let bukhari = hadith(
            "bukhari:2611",
            "حَدَّثَنَا عَبْدُ اللَّهِ بْنُ يُوسُفَ، حَدَّثَنَا اللَّيْثُ، قَالَ حَدَّثَنِي يَزِيدُ بْنُ أَبِي حَبِيبٍ، عَنْ أَبِي الْخَيْرِ، عَنْ عُقْبَةَ بْنِ عَامِرٍ قَالَ قَالَ رَسُولُ اللَّهِ صلى الله عليه وسلم \"‏ أَحَقُّ الشُّرُوطِ أَنْ تُوفُوا بِهِ مَا اسْتَحْلَلْتُمْ بِهِ الْفُرُوجَ ‏\"‏‏.‏",
        );
        let nasai = hadith(
            "nasai:3287",
            "أَخْبَرَنَا عِيسَى بْنُ حَمَّادٍ، قَالَ أَنْبَأَنَا اللَّيْثُ، عَنْ يَزِيدَ بْنِ أَبِي حَبِيبٍ، عَنْ أَبِي الْخَيْرِ، عَنْ عُقْبَةَ بْنِ عَامِرٍ، عَنْ رَسُولِ اللَّهِ صلى الله عليه وسلم قَالَ \"‏ إِنَّ أَحَقَّ الشُّرُوطِ أَنْ يُوَفَّى بِهِ مَا اسْتَحْلَلْتُمْ بِهِ الْفُرُوجَ ‏\"‏ ‏.‏",
        );
        let other = hadith(
            "bukhari:1",
            "حَدَّثَنَا عَبْدُ اللَّهِ بْنُ يُوسُفَ، حَدَّثَنَا اللَّيْثُ، قَالَ حَدَّثَنِي يَزِيدُ بْنُ أَبِي حَبِيبٍ، عَنْ أَبِي الْخَيْرِ، عَنْ عُقْبَةَ بْنِ عَامِرٍ قَالَ قَالَ رَسُولُ اللَّهِ صلى الله عليه وسلم \"‏ إِنَّمَا الأَعْمَالُ بِالنِّيَّاتِ وَإِنَّمَا لِكُلِّ امْرِئٍ مَا نَوَى ‏\"‏‏.‏",
        );
        assert!(same_saying(&bukhari, &nasai), "their sayings are one");
        assert!(!same_saying(&bukhari, &other), "one chain, two sayings");
    }

    #[test]
    fn long_quotations_are_cut_where_the_words_are() {
        let long = "A sentence. ".repeat(100);
        let cut = quotation(&long, false);
        assert!(cut.ends_with('…') && cut.chars().count() < 720);
        let arabic = format!("{}قال رسول الله", "حدثنا فلان، ".repeat(100));
        assert!(quotation(&arabic, true).ends_with("قال رسول الله"));
        assert_eq!(quotation("short", false), "short");
    }

    #[test]
    fn a_long_arabic_hadith_is_quoted_by_its_report_not_its_compilers_note() {
        let chain = "حَدَّثَنَا قُتَيْبَةُ، حَدَّثَنَا حَنَشٌ، عَنْ عِكْرِمَةَ، عَنِ ابْنِ عَبَّاسٍ، عَنِ النَّبِيِّ صلى الله عليه وسلم قَالَ ";
        let saying = "\"مَنْ جَمَعَ بَيْنَ الصَّلاَتَيْنِ مِنْ غَيْرِ عُذْرٍ فَقَدْ أَتَى بَابًا مِنْ أَبْوَابِ الْكَبَائِرِ\" ";
        let note = format!("قَالَ أَبُو عِيسَى {}", "وَحَنَشٌ هَذَا ضَعِيفٌ عِنْدَ أَهْلِ الْحَدِيثِ ".repeat(30));
        let text = format!("{chain}{saying}{note}");
        let quoted = arabic_hadith_quotation(&text);
        assert!(quoted.contains("مَنْ جَمَعَ بَيْنَ الصَّلاَتَيْنِ"), "{quoted}");
        assert!(!quoted.contains("عِيسَى") && !quoted.contains("قُتَيْبَةُ"), "{quoted}");
        assert!(quoted.starts_with('…') && quoted.ends_with('…'), "{quoted}");
        // A short hadith is quoted whole, chain and all.
        let short = format!("{chain}{saying}");
        assert_eq!(arabic_hadith_quotation(&short), short);
    }
}
