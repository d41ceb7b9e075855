//! Searching. A query is first read for what it names outright (a reference, a surah, a
//! passage: those verses come first, in order), then searched by its topic words with their
//! synonyms, a bonus for words in the query's own order, and, for Arabic typed in Latin letters,
//! the transliteration's consonant skeleton. Candidates are grouped by source (a verse's
//! translations count as the verse) and merged so that one long hadith collection cannot crowd
//! out the verse that answers, nor the verses a hadith. Parsing is lenient: any query is words.

use std::collections::HashMap;

use serde::Serialize;
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{
    BooleanQuery, BoostQuery, DisjunctionMaxQuery, Occur, PhraseQuery, Query, QueryParser, TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption, Term, Value};
use tantivy::snippet::SnippetGenerator;
use tantivy::{DocAddress, Index, Searcher, TantivyDocument};

use crate::IndexError;
use crate::arabic::has_arabic;
use crate::query;
use crate::schema::Fields;
use crate::translit;

#[derive(Debug, Clone, Default)]
pub struct SearchRequest {
    pub query: String,
    pub source: Option<String>,
    pub collection: Option<String>,
    /// `en` or `ar`: which texts to search. Absent: Arabic for a query in Arabic script, else
    /// English and the other translations.
    pub lang: Option<String>,
    pub limit: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Hit {
    pub id: String,
    pub source: String,
    pub collection: String,
    pub reference: String,
    /// The text in the language searched.
    pub text: String,
    pub text_ar: Option<String>,
    pub text_en: Option<String>,
    /// BM25 relevance within its source (a named reference scores [`NAMED_SCORE`]).
    pub score: f32,
    /// The best fragment with matches wrapped in `<b>…</b>` (HTML-escaped otherwise).
    pub highlight: String,
    /// The cosine between the query's meaning and the text's, when a sentence encoder is loaded
    /// and the text has a vector (absent otherwise).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub similarity: Option<f32>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SearchResults {
    pub query: String,
    pub total: usize,
    pub hits: Vec<Hit>,
}

/// The score of a document the query named outright ("2:255", "ayat al-kursi").
pub const NAMED_SCORE: f32 = 50.0;
/// How much a synonym counts against the word the user typed.
const SYNONYM_BOOST: f32 = 0.6;
/// The bonus for query words found next to each other in a text, as typed.
const PHRASE_BOOST: f32 = 1.5;
/// Candidates read before grouping and merging.
const CANDIDATES: usize = 120;
/// How far a weaker source's best hit is discounted against the strongest source's best when
/// merging: 0 interleaves sources evenly, 1 is plain BM25 order.
const SOURCE_BALANCE: f32 = 0.5;
/// The least a candidate keeps of its score when it covers none of the question's weight (it
/// matched only through the phrase bonus or a field other than the text).
const COVERAGE_FLOOR: f32 = 0.2;
/// A verse found only through another translation's words, its primary translation sharing none
/// of the question's topic words, keeps this share of its score.
const PRIMARY_SILENT: f32 = 0.4;
/// A Latin-script query is read as transliterated Arabic when one verse's transliteration holds
/// at least this share of the query's skeleton trigrams (English words make random skeletons
/// that no single verse holds much of).
const TRANSLIT_SHARE: f32 = 0.6;
/// Fewer skeleton trigrams than this is too little to tell.
const TRANSLIT_MIN_GRAMS: usize = 6;

/// Whether at least half the typed words (question words aside) are words of the Qur'an's English
/// translation. Arabic typed in Latin letters ("inna lillahi wa inna ilayhi raji'un") is not: the
/// hadith translations quote such phrases, the Qur'an's translation renders them in English.
fn mostly_english(index: &Index, searcher: &Searcher, fields: &Fields, typed: &[String]) -> bool {
    let words: Vec<&String> = typed
        .iter()
        .filter(|word| word.chars().count() >= 3 && !query::is_english_filler(word))
        .collect();
    let in_the_quran = |term: Term| {
        let query = BooleanQuery::new(vec![
            (Occur::Must, term_query(term, 1.0)),
            (
                Occur::Must,
                Box::new(TermQuery::new(
                    Term::from_field_text(fields.source, "quran"),
                    IndexRecordOption::Basic,
                )),
            ),
        ]);
        searcher.search(&query, &Count).unwrap_or(0) > 0
    };
    let english = words
        .iter()
        .filter(|word| {
            let terms = analyzed(index, fields.text_en, word);
            !terms.is_empty() && terms.into_iter().all(in_the_quran)
        })
        .count();
    !words.is_empty() && english * 2 >= words.len()
}

/// The transliteration query, if the text reads as a verse typed in Latin letters.
fn transliteration_probe(searcher: &Searcher, fields: &Fields, text: &str) -> Option<Box<dyn Query>> {
    let mut grams = translit::trigrams(&translit::skeleton(text));
    grams.sort();
    grams.dedup();
    if grams.len() < TRANSLIT_MIN_GRAMS {
        return None;
    }
    let clauses: Vec<(Occur, Box<dyn Query>)> = grams
        .iter()
        .map(|gram| {
            (
                Occur::Should,
                term_query(Term::from_field_text(fields.translit, gram), 1.0),
            )
        })
        .collect();
    let query = BooleanQuery::new(clauses);
    let top = searcher.search(&query, &TopDocs::with_limit(3).order_by_score()).ok()?;
    let best_share = top
        .iter()
        .filter_map(|(_, address)| searcher.doc::<TantivyDocument>(*address).ok())
        .filter_map(|document| first_text(&document, fields.translit))
        .map(|verse| {
            let held: std::collections::HashSet<String> =
                translit::trigrams(&translit::skeleton(&verse)).into_iter().collect();
            grams.iter().filter(|gram| held.contains(*gram)).count() as f32 / grams.len() as f32
        })
        .fold(0.0f32, f32::max);
    (best_share >= TRANSLIT_SHARE).then(|| Box::new(BoostQuery::new(Box::new(query), 3.0)) as Box<dyn Query>)
}

pub(crate) fn first_text(document: &TantivyDocument, field: Field) -> Option<String> {
    document
        .get_first(field)
        .and_then(|value| value.as_str())
        .map(str::to_owned)
}

fn to_hit(fields: &Fields, document: &TantivyDocument, arabic: bool, score: f32, highlight: String) -> Hit {
    let text_en = first_text(document, fields.text_en);
    let text_ar = first_text(document, fields.text_ar);
    let text_other = first_text(document, fields.text_other);
    let text = if arabic {
        text_ar.clone().or_else(|| text_en.clone()).or(text_other.clone())
    } else {
        text_en
            .clone()
            .or_else(|| text_other.clone())
            .or_else(|| text_ar.clone())
    };
    Hit {
        id: first_text(document, fields.id).unwrap_or_default(),
        source: first_text(document, fields.source).unwrap_or_default(),
        collection: first_text(document, fields.collection).unwrap_or_default(),
        reference: first_text(document, fields.reference).unwrap_or_default(),
        text: text.unwrap_or_default(),
        text_ar,
        text_en,
        score,
        highlight,
        similarity: None,
    }
}

/// The terms the index's analyzer makes of `text` for `field`.
fn analyzed(index: &Index, field: Field, text: &str) -> Vec<Term> {
    let Ok(mut analyzer) = index.tokenizer_for_field(field) else {
        return Vec::new();
    };
    let mut stream = analyzer.token_stream(text);
    let mut terms = Vec::new();
    while stream.advance() {
        terms.push(Term::from_field_text(field, &stream.token().text));
    }
    terms
}

fn term_query(term: Term, boost: f32) -> Box<dyn Query> {
    let query: Box<dyn Query> = Box::new(TermQuery::new(term, IndexRecordOption::WithFreqs));
    if (boost - 1.0).abs() < f32::EPSILON {
        query
    } else {
        Box::new(BoostQuery::new(query, boost))
    }
}

/// One query word (or phrase) with its synonyms, over the English fields: the best field counts.
fn english_word(index: &Index, fields: &Fields, word: &str, alternatives: &[String]) -> Option<Box<dyn Query>> {
    let weighted_fields = [
        (fields.text_en, 2.0),
        (fields.reference, 1.0),
        (fields.chapter, 1.0),
        (fields.narrator, 0.5),
        (fields.text_other, 0.5),
    ];
    let mut disjuncts: Vec<Box<dyn Query>> = Vec::new();
    for (text, weight) in std::iter::once((word, 1.0)).chain(alternatives.iter().map(|a| (a.as_str(), SYNONYM_BOOST))) {
        for (field, field_weight) in weighted_fields {
            let terms = analyzed(index, field, text);
            match terms.len() {
                0 => {}
                1 => disjuncts.extend(terms.into_iter().map(|term| term_query(term, weight * field_weight))),
                _ => disjuncts.push(Box::new(BoostQuery::new(
                    Box::new(PhraseQuery::new_with_offset_and_slop(
                        terms.into_iter().enumerate().collect(),
                        1,
                    )),
                    weight * field_weight,
                ))),
            }
        }
    }
    (!disjuncts.is_empty()).then(|| Box::new(DisjunctionMaxQuery::with_tie_breaker(disjuncts, 0.1)) as Box<dyn Query>)
}

/// How an English query's topic words weigh, and which index terms count as each: used to rank
/// candidates by how much of the question they cover (a text that says "near", "respond" and
/// "calls" answers "is god close, does he answer those who call" better than one that says
/// "close" three times).
struct Coverage {
    /// Per topic word: its weight (idf) and its alternatives as index terms (a phrase is several).
    words: Vec<(f32, Vec<Vec<String>>)>,
}

impl Coverage {
    fn of(&self, document_terms: &std::collections::HashSet<String>) -> f32 {
        let total: f32 = self.words.iter().map(|(weight, _)| weight).sum();
        if total <= 0.0 {
            return 1.0;
        }
        let covered: f32 = self
            .words
            .iter()
            .filter(|(_, forms)| {
                forms
                    .iter()
                    .any(|form| !form.is_empty() && form.iter().all(|term| document_terms.contains(term)))
            })
            .map(|(weight, _)| weight)
            .sum();
        covered / total
    }
}

/// The English topic query: each topic word with its synonyms, plus a bonus for consecutive
/// words found in order, plus the transliteration skeleton when the words are not English.
/// Also says how to measure a candidate's coverage of the question, and whether the query was
/// read as transliterated Arabic.
fn english_query(
    index: &Index,
    searcher: &Searcher,
    fields: &Fields,
    text: &str,
) -> Option<(Box<dyn Query>, Coverage, bool)> {
    let topic = query::english_topic_words(text);
    if topic.is_empty() {
        return None;
    }
    let documents = searcher.num_docs().max(1) as f32;
    let term_text = |term: &Term| term.value().as_str().unwrap_or_default().to_owned();
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    let mut coverage = Coverage { words: Vec::new() };
    for word in &topic {
        if let Some(clause) = english_word(index, fields, &word.text, &word.alternatives) {
            let clause: Box<dyn Query> = if word.weight < 1.0 {
                Box::new(BoostQuery::new(clause, word.weight))
            } else {
                clause
            };
            clauses.push((Occur::Should, clause));
        }
        let own = analyzed(index, fields.text_en, &word.text);
        let frequency = own
            .iter()
            .map(|term| searcher.doc_freq(term).unwrap_or(0))
            .max()
            .unwrap_or(0);
        let weight = word.weight * (1.0 + documents / (frequency as f32 + 1.0)).ln();
        let mut forms = vec![own.iter().map(term_text).collect::<Vec<_>>()];
        for alternative in &word.alternatives {
            forms.push(
                analyzed(index, fields.text_en, alternative)
                    .iter()
                    .map(term_text)
                    .collect(),
            );
        }
        coverage.words.push((weight, forms));
    }
    // Topic words in the order typed; and, at half the bonus, every word (modern words replaced),
    // so a quotation ("Say He is Allah who is One") is found by its wording even when few of its
    // words carry a topic.
    let topic_text: Vec<&str> = topic
        .iter()
        .filter(|word| word.weight >= 1.0)
        .map(|word| word.text.as_str())
        .collect();
    clauses.extend(phrase_bonus(index, fields.text_en, &topic_text.join(" "), PHRASE_BOOST));
    let typed = query::english_words_as_searched(text);
    for pair in typed.windows(2) {
        // Two question words side by side ("how many") say nothing about the texts.
        if query::is_english_filler(&pair[0]) && query::is_english_filler(&pair[1]) {
            continue;
        }
        clauses.extend(phrase_bonus(index, fields.text_en, &pair.join(" "), PHRASE_BOOST / 2.0));
    }
    // Arabic typed in Latin letters: the typed skeleton is mostly inside one verse's. A question
    // in English words is not a recitation, however its consonants happen to line up ("wasting
    // money" shares most of its skeleton with verses about neither).
    let recitation = if mostly_english(index, searcher, fields, &typed) {
        None
    } else {
        transliteration_probe(searcher, fields, text)
    };
    let transliterated = recitation.is_some();
    if let Some(recitation) = recitation {
        clauses.push((Occur::Should, recitation));
    }
    (!clauses.is_empty()).then(|| {
        (
            Box::new(BooleanQuery::new(clauses)) as Box<dyn Query>,
            coverage,
            transliterated,
        )
    })
}

fn arabic_query(index: &Index, fields: &Fields, text: &str) -> Option<Box<dyn Query>> {
    let content = query::arabic_content(text);
    let content = if content.trim().is_empty() { text } else { &content };
    // A common question adds the words its answer is written in, at a lower weight; one that
    // describes the asker's situation («نمت عن صلاة الفجر») is searched in them first, as in
    // English (`query::english_topic_words`).
    let recognised = query::topics::Topics::get().recognise(text);
    let situation = query::topic_reframing() && !recognised.situation.is_empty();
    let (asked_weight, answer_weight) = if situation {
        (query::topics::ADDED_WEIGHT, 1.0)
    } else {
        (1.0, query::topics::ADDED_WEIGHT)
    };
    let added = recognised.answer.join(" ");
    let mut parser = QueryParser::for_index(index, vec![fields.ar, fields.chapter]);
    parser.set_field_boost(fields.chapter, 0.5);
    let (parsed, _errors) = parser.parse_query_lenient(content);
    let parsed: Box<dyn Query> = if asked_weight < 1.0 {
        Box::new(BoostQuery::new(parsed, asked_weight))
    } else {
        parsed
    };
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Should, parsed)];
    if !added.is_empty() {
        let (extra, _errors) = parser.parse_query_lenient(&added);
        clauses.push((Occur::Should, Box::new(BoostQuery::new(extra, answer_weight))));
    }
    // Pairs of the topic's words, not of the way of asking: «آيات عن الصدق» gave a bonus to
    // 10:101 for «الآيات والنذر عن».
    clauses.extend(phrase_bonus(index, fields.ar, content, PHRASE_BOOST));
    Some(Box::new(BooleanQuery::new(clauses)))
}

/// A bonus for each pair of consecutive words of the query found next to each other in a text.
fn phrase_bonus(index: &Index, field: Field, text: &str, boost: f32) -> Vec<(Occur, Box<dyn Query>)> {
    let terms = analyzed(index, field, text);
    terms
        .windows(2)
        .filter(|pair| pair[0] != pair[1])
        .map(|pair| {
            let phrase = PhraseQuery::new_with_offset_and_slop(vec![(0, pair[0].clone()), (1, pair[1].clone())], 1);
            (
                Occur::Should,
                Box::new(BoostQuery::new(Box::new(phrase), boost)) as Box<dyn Query>,
            )
        })
        .collect()
}

fn with_filters(
    fields: &Fields,
    query: Box<dyn Query>,
    source: Option<&str>,
    collection: Option<&str>,
) -> BooleanQuery {
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, query)];
    for (field, value) in [(fields.source, source), (fields.collection, collection)] {
        if let Some(value) = value {
            let term = Term::from_field_text(field, value);
            clauses.push((Occur::Must, Box::new(TermQuery::new(term, IndexRecordOption::Basic))));
        }
    }
    BooleanQuery::new(clauses)
}

/// A candidate while merging: the document to show, its score, and its source group.
struct Candidate {
    address: DocAddress,
    score: f32,
    group: String,
}

/// The id of the verse a Qur'an document is (itself, or the verse a translation translates).
fn verse_key(id: &str) -> Option<String> {
    let mut parts = id.split(':');
    match (parts.next(), parts.next(), parts.next()) {
        (Some("quran"), Some(surah), Some(ayah)) => Some(format!("quran:{surah}:{ayah}")),
        _ => None,
    }
}

pub(crate) fn search(
    index: &Index,
    searcher: &Searcher,
    fields: &Fields,
    request: &SearchRequest,
) -> Result<SearchResults, IndexError> {
    let arabic = match request.lang.as_deref() {
        Some("ar") => true,
        Some(_) => false,
        None => has_arabic(&request.query),
    };
    let limit = request.limit.clamp(1, 100);
    let source_filter = request.source.as_deref();
    let collection_filter = request.collection.as_deref();

    // What the query names outright comes first, in its own order.
    let mut hits: Vec<Hit> = Vec::new();
    if let Some(named) = query::named(&request.query) {
        for id in named.ids.iter().take(limit) {
            if let Some(hit) = get(searcher, fields, id)?
                && source_filter.is_none_or(|source| source == hit.source)
                && collection_filter.is_none_or(|collection| collection == hit.collection)
            {
                hits.push(Hit {
                    score: NAMED_SCORE,
                    text: if arabic {
                        hit.text_ar.clone().unwrap_or(hit.text.clone())
                    } else {
                        hit.text
                    },
                    ..hit
                });
            }
        }
    }

    let (topic, coverage, transliterated) = if arabic {
        (arabic_query(index, fields, &request.query), None, false)
    } else {
        match english_query(index, searcher, fields, &request.query) {
            Some((query, coverage, transliterated)) => (Some(query), Some(coverage), transliterated),
            None => (None, None, false),
        }
    };
    let Some(topic) = topic else {
        let total = hits.len();
        return Ok(SearchResults {
            query: request.query.clone(),
            total,
            hits,
        });
    };
    // A query that asks for the Qur'an or for hadith in its words gets that source, unless the
    // request chose one itself or that source has nothing.
    let hinted = source_filter
        .is_none()
        .then(|| query::source_hint(&request.query))
        .flatten();
    let mut query = with_filters(fields, topic.box_clone(), source_filter.or(hinted), collection_filter);
    let (mut total, mut top) = searcher.search(&query, &(Count, TopDocs::with_limit(CANDIDATES).order_by_score()))?;
    if total == 0 && hinted.is_some() {
        query = with_filters(fields, topic, source_filter, collection_filter);
        (total, top) = searcher.search(&query, &(Count, TopDocs::with_limit(CANDIDATES).order_by_score()))?;
    }

    // Group: a verse's translations count as the verse (shown as the verse itself when the index
    // has it), each hadith stands alone, each source is a group.
    let collapse_translations = collection_filter.is_none();
    let mut candidates: Vec<Candidate> = Vec::new();
    let mut verse_slot: HashMap<String, usize> = HashMap::new();
    let english = index.tokenizer_for_field(fields.text_en).ok();
    for (bm25, address) in top {
        let document: TantivyDocument = searcher.doc(address)?;
        let id = first_text(&document, fields.id).unwrap_or_default();
        let source = first_text(&document, fields.source).unwrap_or_default();
        let score = match (&coverage, english.clone()) {
            (Some(coverage), Some(mut analyzer)) => {
                let mut terms = std::collections::HashSet::new();
                for field in [fields.text_en, fields.text_other] {
                    if let Some(text) = first_text(&document, field) {
                        let mut stream = analyzer.token_stream(&text);
                        while stream.advance() {
                            terms.insert(stream.token().text.clone());
                        }
                    }
                }
                bm25 * (COVERAGE_FLOOR + (1.0 - COVERAGE_FLOOR) * coverage.of(&terms))
            }
            _ => bm25,
        };
        if collapse_translations && let Some(verse) = verse_key(&id) {
            if let Some(&slot) = verse_slot.get(&verse) {
                // Another translation of the same verse matched too: some more evidence.
                candidates[slot].score += 0.3 * score.min(candidates[slot].score);
                continue;
            }
            let shown = if id == verse {
                address
            } else {
                address_of(searcher, fields, &verse)?.unwrap_or(address)
            };
            // Found through another translation's words only: the verse as quoted (its primary
            // translation) does not say what was asked, and the other translation may use the
            // word in another sense (Pickthall's "He made fast the hills" for fasting).
            let score = match (&coverage, english.clone()) {
                (Some(coverage), Some(mut analyzer)) if shown != address => {
                    let primary: TantivyDocument = searcher.doc(shown)?;
                    let mut terms = std::collections::HashSet::new();
                    if let Some(text) = first_text(&primary, fields.text_en) {
                        let mut stream = analyzer.token_stream(&text);
                        while stream.advance() {
                            terms.insert(stream.token().text.clone());
                        }
                    }
                    if coverage.of(&terms) > 0.0 {
                        score
                    } else {
                        score * PRIMARY_SILENT
                    }
                }
                _ => score,
            };
            verse_slot.insert(verse, candidates.len());
            candidates.push(Candidate {
                address: shown,
                score,
                group: source,
            });
            continue;
        }
        candidates.push(Candidate {
            address,
            score,
            group: source,
        });
    }

    // Merge the groups: within a group by score; across groups by the score relative to the
    // group's best, discounted by how the group's best compares with the overall best.
    let mut best_of_group: HashMap<&str, f32> = HashMap::new();
    for candidate in &candidates {
        let best = best_of_group.entry(candidate.group.as_str()).or_insert(0.0);
        *best = best.max(candidate.score);
    }
    let overall = best_of_group.values().copied().fold(0.0f32, f32::max).max(f32::EPSILON);
    // Arabic typed in Latin letters is a recitation: the verses it matches come first.
    let fused = |candidate: &Candidate| {
        let group_best = best_of_group.get(candidate.group.as_str()).copied().unwrap_or(overall);
        let relative = candidate.score / group_best.max(f32::EPSILON);
        if transliterated && candidate.group == "quran" {
            1.0 + relative
        } else {
            relative * (group_best / overall).powf(SOURCE_BALANCE)
        }
    };
    let mut order: Vec<(f32, usize)> = candidates.iter().enumerate().map(|(i, c)| (fused(c), i)).collect();
    order.sort_by(|a, b| {
        b.0.total_cmp(&a.0)
            .then(candidates[b.1].score.total_cmp(&candidates[a.1].score))
    });

    let snippets: Vec<SnippetGenerator> = (if arabic {
        vec![fields.ar]
    } else {
        vec![fields.text_en, fields.text_other]
    })
    .into_iter()
    .filter_map(|field| SnippetGenerator::create(searcher, &query, field).ok())
    .collect();
    for (_, slot) in order {
        if hits.len() >= limit {
            break;
        }
        let candidate = &candidates[slot];
        let document: TantivyDocument = searcher.doc(candidate.address)?;
        let id = first_text(&document, fields.id).unwrap_or_default();
        if hits.iter().any(|hit| hit.id == id) {
            continue;
        }
        let highlight = snippets
            .iter()
            .map(|generator| generator.snippet_from_doc(&document))
            .find(|snippet| !snippet.highlighted().is_empty())
            .map(|snippet| snippet.to_html())
            .unwrap_or_default();
        hits.push(to_hit(fields, &document, arabic, candidate.score, highlight));
    }
    Ok(SearchResults {
        query: request.query.clone(),
        total: total.max(hits.len()),
        hits,
    })
}

fn address_of(searcher: &Searcher, fields: &Fields, id: &str) -> Result<Option<DocAddress>, IndexError> {
    let query = TermQuery::new(Term::from_field_text(fields.id, id), IndexRecordOption::Basic);
    let top: Vec<(f32, DocAddress)> = searcher.search(&query, &TopDocs::with_limit(1).order_by_score())?;
    Ok(top.first().map(|(_, address)| *address))
}

pub(crate) fn get(searcher: &Searcher, fields: &Fields, id: &str) -> Result<Option<Hit>, IndexError> {
    let Some(address) = address_of(searcher, fields, id)? else {
        return Ok(None);
    };
    let document: TantivyDocument = searcher.doc(address)?;
    Ok(Some(to_hit(fields, &document, has_arabic(id), 1.0, String::new())))
}
