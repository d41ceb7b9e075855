//! Searching. A query is first read for what it names outright (a reference, a surah, a
//! passage: those verses come first, in order), then searched by its topic words with their
//! synonyms, a bonus for words in the query's own order, and, for Arabic typed in Latin letters,
//! the transliteration's consonant skeleton. Candidates are grouped by source (a verse's
//! translations count as the verse) and merged so that one long hadith collection cannot crowd
//! out the verse that answers, nor the verses a hadith. Parsing is lenient: any query is words.

use std::collections::HashMap;

use hijraah_domain::grades::Grade;
use serde::Serialize;
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{BooleanQuery, ConstScoreQuery, Occur, Query, RegexQuery, TermQuery};
use tantivy::schema::{Field, IndexRecordOption, Term, Value};
use tantivy::snippet::SnippetGenerator;
use tantivy::{DocAddress, Index, Searcher, TantivyDocument};

use crate::IndexError;
use crate::arabic::has_arabic;
use crate::query;
use crate::schema::Fields;

mod words;

pub(crate) use words::unheard_words;
use words::*;

#[derive(Debug, Clone, Default)]
pub struct SearchRequest {
    pub query: String,
    pub source: Option<String>,
    pub collection: Option<String>,
    /// `en` or `ar`: which texts to search. Absent: Arabic for a query in Arabic script, else
    /// English and the other translations.
    pub lang: Option<String>,
    pub limit: usize,
    /// Only the verses of this surah (and their translations): what a question asks of a named
    /// surah ("the story of Musa and al-Khidr in surah al-Kahf") is searched within it.
    pub surah: Option<u32>,
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
    /// Where the text stands among the whole library by meaning (1: the closest of all), when
    /// it is among the nearest the search scanned. Cosines crowd together (0.78 to 0.88 for
    /// every hit of a search); a rank in the library does not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meaning_rank: Option<u32>,
    /// How much of the question's weight the text covers, 0 to 1, for an English search; 1
    /// where it is not measured (Arabic, a text named outright). Not part of the API.
    #[serde(skip)]
    pub covered: f32,
    /// What graders said of a hadith: the grades it was imported with, then curators'.
    pub grades: Vec<Grade>,
    /// The edition the text is from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub edition: Option<String>,
    /// The text's revision (its document stream's version): what a reply quoting it records.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revision: Option<u64>,
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
/// Candidates read before grouping and merging.
const CANDIDATES: usize = 120;
/// Candidates added from the texts holding a rare word of the question (see `words::RARE_DOCS`).
const RARE_CANDIDATES: usize = 10;
/// How far a weaker source's best hit is discounted against the strongest source's best when
/// merging: 0 interleaves sources evenly, 1 is plain BM25 order.
const SOURCE_BALANCE: f32 = 0.5;
/// A source is balanced against the others only when its texts cover at least this share of
/// what the best-covering source's texts cover of the question.
const BALANCED_COVERAGE: f32 = 0.6;
/// The least a candidate keeps of its score when it covers none of the question's weight (it
/// matched only through the phrase bonus or a field other than the text).
const COVERAGE_FLOOR: f32 = 0.2;
/// A verse found only through another translation's words, its primary translation sharing none
/// of the question's topic words, keeps this share of its score.
const PRIMARY_SILENT: f32 = 0.4;
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
        meaning_rank: None,
        covered: 1.0,
        grades: grades_of(fields, document),
        edition: first_text(document, fields.edition),
        revision: document.get_first(fields.revision).and_then(|value| value.as_u64()),
    }
}

/// A stored document's grades: its own, then its curators'.
fn grades_of(fields: &Fields, document: &TantivyDocument) -> Vec<Grade> {
    let read = |field| -> Vec<Grade> {
        first_text(document, field)
            .and_then(|json| serde_json::from_str(&json).ok())
            .unwrap_or_default()
    };
    let mut grades = read(fields.grades);
    grades.extend(read(fields.annotations));
    grades
}
fn with_filters(
    fields: &Fields,
    query: Box<dyn Query>,
    source: Option<&str>,
    collection: Option<&str>,
    surah: Option<u32>,
) -> Result<BooleanQuery, IndexError> {
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, query)];
    for (field, value) in [(fields.source, source), (fields.collection, collection)] {
        if let Some(value) = value {
            let term = Term::from_field_text(field, value);
            clauses.push((Occur::Must, Box::new(TermQuery::new(term, IndexRecordOption::Basic))));
        }
    }
    if let Some(surah) = surah {
        // A verse's id and its translations' ids: `quran:18:60`, `quran:18:60:en.sahih`.
        let verses = RegexQuery::from_pattern(&format!("quran:{surah}:[0-9]+(:.*)?"), fields.id)?;
        clauses.push((Occur::Must, Box::new(verses)));
    }
    Ok(BooleanQuery::new(clauses))
}

/// Whether an id is one of the surah's verses or their translations.
fn in_surah(id: &str, surah: Option<u32>) -> bool {
    surah.is_none_or(|surah| verse_key(id).is_some_and(|key| key.starts_with(&format!("quran:{surah}:"))))
}

/// A candidate while merging: the document to show, its score, and its source group.
struct Candidate {
    address: DocAddress,
    score: f32,
    group: String,
    /// The share of the question's weight the text covers (1 when not measured).
    covered: f32,
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
    // Within a surah, the surah's own name is where to look, not what to show from its first
    // verse («قصة أصحاب الكهف في سورة الكهف»).
    if let Some(named) = query::named(&request.query).filter(|named| request.surah.is_none() || named.kind != "surah") {
        for id in named.ids.iter().take(limit) {
            if let Some(hit) = get(searcher, fields, id)?
                && source_filter.is_none_or(|source| source == hit.source)
                && collection_filter.is_none_or(|collection| collection == hit.collection)
                && in_surah(&hit.id, request.surah)
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

    let (topic, coverage, transliterated, rare) = if arabic {
        match arabic_query(index, searcher, fields, &request.query) {
            Some(arabic) => (Some(arabic.query), None, false, arabic.rare),
            None => (None, None, false, Vec::new()),
        }
    } else {
        match english_query(index, searcher, fields, &request.query) {
            Some(english) => (
                Some(english.query),
                Some(english.coverage),
                english.transliterated,
                english.rare,
            ),
            None => (None, None, false, Vec::new()),
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
    let mut source_used = source_filter.or(hinted);
    let mut query = with_filters(fields, topic.box_clone(), source_used, collection_filter, request.surah)?;
    let (mut total, mut top) = searcher.search(&query, &(Count, TopDocs::with_limit(CANDIDATES).order_by_score()))?;
    if total == 0 && hinted.is_some() {
        source_used = source_filter;
        query = with_filters(fields, topic.box_clone(), source_used, collection_filter, request.surah)?;
        (total, top) = searcher.search(&query, &(Count, TopDocs::with_limit(CANDIDATES).order_by_score()))?;
    }
    // The texts that hold a word few texts hold are candidates, whatever the common words and
    // the added answer words give others: "how do I pray istikhara" is about the six texts that
    // say "istikhara", which the many that say "pray" and "two rak'at" pushed out of the first
    // 120. Ranked by the same score; the coverage below weighs the rare word by its rarity.
    if !rare.is_empty() {
        let holds_one = || -> Box<dyn Query> {
            Box::new(BooleanQuery::new(
                rare.iter()
                    .map(|term| {
                        (
                            Occur::Should,
                            Box::new(TermQuery::new(term.clone(), IndexRecordOption::Basic)) as Box<dyn Query>,
                        )
                    })
                    .collect(),
            ))
        };
        // Reading which texts hold the word is cheap; scoring them by the whole question is not
        // (each step of the word's few texts moves every common word's list): only when some of
        // them are not candidates already.
        let holding = with_filters(fields, holds_one(), source_used, collection_filter, request.surah)?;
        let holding = searcher.search(&holding, &TopDocs::with_limit(RARE_CANDIDATES).order_by_score())?;
        if holding
            .iter()
            .any(|(_, address)| !top.iter().any(|(_, known)| known == address))
        {
            let restricted = BooleanQuery::new(vec![
                (Occur::Must, topic.box_clone()),
                (Occur::Must, Box::new(ConstScoreQuery::new(holds_one(), 0.0))),
            ]);
            let restricted = with_filters(
                fields,
                Box::new(restricted),
                source_used,
                collection_filter,
                request.surah,
            )?;
            for (score, address) in
                searcher.search(&restricted, &TopDocs::with_limit(RARE_CANDIDATES).order_by_score())?
            {
                if !top.iter().any(|(_, known)| *known == address) {
                    top.push((score, address));
                }
            }
        }
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
        let covered = match (&coverage, english.clone()) {
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
                coverage.of(&terms)
            }
            _ => 1.0,
        };
        let score = bm25 * (COVERAGE_FLOOR + (1.0 - COVERAGE_FLOOR) * covered);
        if collapse_translations && let Some(verse) = verse_key(&id) {
            if let Some(&slot) = verse_slot.get(&verse) {
                // Another translation of the same verse matched too: some more evidence.
                candidates[slot].score += 0.3 * score.min(candidates[slot].score);
                candidates[slot].covered = candidates[slot].covered.max(covered);
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
                covered,
            });
            continue;
        }
        candidates.push(Candidate {
            address,
            score,
            group: source,
            covered,
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
    // A source none of whose texts covers much of the question («the companions of the left»
    // for eating with the left hand, beside the hadith that says it) is not raised to stand
    // beside one whose texts answer it: its texts keep their plain scores.
    let mut covered_of_group: HashMap<&str, f32> = HashMap::new();
    for candidate in &candidates {
        let covered = covered_of_group.entry(candidate.group.as_str()).or_insert(0.0);
        *covered = covered.max(candidate.covered);
    }
    let best_covered = covered_of_group.values().copied().fold(0.0f32, f32::max);
    let balanced =
        |group: &str| covered_of_group.get(group).copied().unwrap_or(1.0) >= BALANCED_COVERAGE * best_covered;
    // Arabic typed in Latin letters is a recitation: the verses it matches come first.
    let fused = |candidate: &Candidate| {
        let group_best = best_of_group.get(candidate.group.as_str()).copied().unwrap_or(overall);
        let relative = candidate.score / group_best.max(f32::EPSILON);
        if transliterated && candidate.group == "quran" {
            1.0 + relative
        } else if balanced(&candidate.group) {
            relative * (group_best / overall).powf(SOURCE_BALANCE)
        } else {
            candidate.score / overall
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
        let mut hit = to_hit(fields, &document, arabic, candidate.score, highlight);
        hit.covered = candidate.covered;
        hits.push(hit);
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

/// The stored document under `id`, if the index holds it.
pub(crate) fn stored(searcher: &Searcher, fields: &Fields, id: &str) -> Result<Option<TantivyDocument>, IndexError> {
    let Some(address) = address_of(searcher, fields, id)? else {
        return Ok(None);
    };
    Ok(Some(searcher.doc(address)?))
}

pub(crate) fn get(searcher: &Searcher, fields: &Fields, id: &str) -> Result<Option<Hit>, IndexError> {
    let Some(address) = address_of(searcher, fields, id)? else {
        return Ok(None);
    };
    let document: TantivyDocument = searcher.doc(address)?;
    Ok(Some(to_hit(fields, &document, has_arabic(id), 1.0, String::new())))
}
