//! The topic part of a search, in the words the user typed: each word with its synonyms and the
//! index's analyzers, weighted by how much of the question it carries (`Coverage`), a bonus for
//! words in the query's own order, and Arabic typed in Latin letters read by its consonant
//! skeleton.

use tantivy::collector::{Count, TopDocs};
use tantivy::query::{
    BooleanQuery, BoostQuery, DisjunctionMaxQuery, Occur, PhraseQuery, Query, QueryParser, TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption, Term};
use tantivy::{Index, Searcher, TantivyDocument};

use super::first_text;
use crate::query;
use crate::schema::Fields;
use crate::translit;

/// How much a synonym counts against the word the user typed.
pub(super) const SYNONYM_BOOST: f32 = 0.6;
/// The bonus for query words found next to each other in a text, as typed.
pub(super) const PHRASE_BOOST: f32 = 1.5;

/// A Latin-script query is read as transliterated Arabic when one verse's transliteration holds
/// at least this share of the query's skeleton trigrams (English words make random skeletons
/// that no single verse holds much of).
pub(super) const TRANSLIT_SHARE: f32 = 0.6;
/// Fewer skeleton trigrams than this is too little to tell.
pub(super) const TRANSLIT_MIN_GRAMS: usize = 6;

/// Whether at least half the typed words (question words aside) are words of the Qur'an's English
/// translation. Arabic typed in Latin letters ("inna lillahi wa inna ilayhi raji'un") is not: the
/// hadith translations quote such phrases, the Qur'an's translation renders them in English.
pub(super) fn mostly_english(index: &Index, searcher: &Searcher, fields: &Fields, typed: &[String]) -> bool {
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
pub(super) fn transliteration_probe(searcher: &Searcher, fields: &Fields, text: &str) -> Option<Box<dyn Query>> {
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

/// The terms the index's analyzer makes of `text` for `field`.
pub(super) fn analyzed(index: &Index, field: Field, text: &str) -> Vec<Term> {
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

pub(super) fn term_query(term: Term, boost: f32) -> Box<dyn Query> {
    let query: Box<dyn Query> = Box::new(TermQuery::new(term, IndexRecordOption::WithFreqs));
    if (boost - 1.0).abs() < f32::EPSILON {
        query
    } else {
        Box::new(BoostQuery::new(query, boost))
    }
}

/// One query word (or phrase) with its synonyms, over the English fields: the best field counts.
pub(super) fn english_word(
    index: &Index,
    fields: &Fields,
    word: &str,
    alternatives: &[String],
) -> Option<Box<dyn Query>> {
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

/// The shortest typed word (as the analyzer stems it) looked for under other spellings: five
/// letters is too short ("insur", of "insurance", is one edit from "incur").
const RESPELL_MIN_CHARS: usize = 6;
/// At most this many other spellings of one word are searched.
const RESPELLINGS: usize = 2;

/// The index's words (of the same field) spelled like `term` but for one edit (two for words of
/// eight letters or more), with the same first two letters: "taraweeh" → "tarawih",
/// "istikhaara" → "istikhara".
/// The closest first, then the most common; each with the number of texts holding it. Only Latin
/// letters: a word in another script, or with digits, is not respelled.
pub(super) fn respellings(searcher: &Searcher, term: &Term) -> Vec<(Term, u64)> {
    let value = term.value();
    let Some(typed) = value.as_str() else {
        return Vec::new();
    };
    // ASCII letters only, so a byte is a letter below.
    if typed.len() < RESPELL_MIN_CHARS || !typed.bytes().all(|b| b.is_ascii_lowercase()) {
        return Vec::new();
    }
    let most = if typed.len() >= 8 { 2 } else { 1 };
    // Only the words that begin with the same two letters are read: a few hundred of the
    // dictionary's, not the tens of thousands under one letter.
    let (first, second) = (typed.as_bytes()[0], typed.as_bytes()[1]);
    let (from, to) = ([first, second], [first, second + 1]);
    let mut found: std::collections::HashMap<String, (usize, u64)> = std::collections::HashMap::new();
    for segment in searcher.segment_readers() {
        let Ok(inverted) = segment.inverted_index(term.field()) else {
            continue;
        };
        let Ok(mut stream) = inverted.terms().range().ge(from).lt(to).into_stream() else {
            continue;
        };
        while stream.advance() {
            let Ok(key) = std::str::from_utf8(stream.key()) else {
                continue;
            };
            if key.len().abs_diff(typed.len()) > most || !key.bytes().all(|b| b.is_ascii_lowercase()) {
                continue;
            }
            // Inserts, deletes, substitutions and two neighbours swapped ("fasitng").
            let distance = strsim::osa_distance(typed, key);
            if distance <= most {
                let entry = found.entry(key.to_owned()).or_insert((distance, 0));
                entry.1 += u64::from(stream.value().doc_freq);
            }
        }
    }
    let mut found: Vec<(String, (usize, u64))> = found.into_iter().collect();
    found.sort_by(|a, b| a.1.0.cmp(&b.1.0).then(b.1.1.cmp(&a.1.1)).then(a.0.cmp(&b.0)));
    found
        .into_iter()
        .take(RESPELLINGS)
        .map(|(key, (_, count))| (Term::from_field_text(term.field(), &key), count))
        .collect()
}

/// How an English query's topic words weigh, and which index terms count as each: used to rank
/// candidates by how much of the question they cover (a text that says "near", "respond" and
/// "calls" answers "is god close, does he answer those who call" better than one that says
/// "close" three times).
pub(super) struct Coverage {
    /// Per topic word: its weight (idf) and its alternatives as index terms (a phrase is several).
    words: Vec<(f32, Vec<Vec<String>>)>,
}

impl Coverage {
    /// The share of the question's weight a document's terms cover (1 when nothing weighs).
    pub(super) fn of(&self, document_terms: &std::collections::HashSet<String>) -> f32 {
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
/// A typed word held by at most this many texts (of about 100,000) is what the question is
/// about: the texts holding it are always candidates (`search`).
pub(super) const RARE_DOCS: u64 = 100;

/// An English query as searched.
pub(super) struct EnglishQuery {
    pub(super) query: Box<dyn Query>,
    /// How to measure a candidate's coverage of the question.
    pub(super) coverage: Coverage,
    /// Whether the query was read as transliterated Arabic.
    pub(super) transliterated: bool,
    /// The typed words that few texts hold ([`RARE_DOCS`]), as index terms.
    pub(super) rare: Vec<Term>,
}

pub(super) fn english_query(index: &Index, searcher: &Searcher, fields: &Fields, text: &str) -> Option<EnglishQuery> {
    let topic = query::english_topic_words(text);
    if topic.is_empty() {
        return None;
    }
    let documents = searcher.num_docs().max(1) as f32;
    let term_text = |term: &Term| term.value().as_str().unwrap_or_default().to_owned();
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    let mut coverage = Coverage { words: Vec::new() };
    let mut rare = Vec::new();
    for word in &topic {
        let own = analyzed(index, fields.text_en, &word.text);
        let frequency = own
            .iter()
            .map(|term| searcher.doc_freq(term).unwrap_or(0))
            .max()
            .unwrap_or(0);
        // A typed word no text holds is often the texts' word spelled another way ("taraweeh",
        // "tarawih"): searched as the texts spell it, at full weight.
        let respelled: Vec<(Term, u64)> = match own.as_slice() {
            [term] if frequency == 0 && word.weight >= 1.0 => respellings(searcher, term),
            _ => Vec::new(),
        };
        if let Some(clause) = english_word(index, fields, &word.text, &word.alternatives) {
            let clause: Box<dyn Query> = if respelled.is_empty() {
                clause
            } else {
                let mut disjuncts = vec![clause];
                disjuncts.extend(respelled.iter().map(|(term, _)| term_query(term.clone(), 2.0)));
                Box::new(DisjunctionMaxQuery::with_tie_breaker(disjuncts, 0.1))
            };
            let clause: Box<dyn Query> = if word.weight < 1.0 {
                Box::new(BoostQuery::new(clause, word.weight))
            } else {
                clause
            };
            clauses.push((Occur::Should, clause));
        }
        let frequency = respelled.iter().map(|(_, count)| *count).max().unwrap_or(frequency);
        if word.weight >= 1.0 && own.len() == 1 && (1..=RARE_DOCS).contains(&frequency) {
            match respelled.is_empty() {
                true => rare.extend(own.iter().cloned()),
                false => rare.extend(respelled.iter().map(|(term, _)| term.clone())),
            }
        }
        let weight = word.weight * (1.0 + documents / (frequency as f32 + 1.0)).ln();
        let mut forms = vec![own.iter().map(term_text).collect::<Vec<_>>()];
        forms.extend(respelled.iter().map(|(term, _)| vec![term_text(term)]));
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
    (!clauses.is_empty()).then(|| EnglishQuery {
        query: Box::new(BooleanQuery::new(clauses)),
        coverage,
        transliterated,
        rare,
    })
}

/// The weight of an Arabic text's whole and of its report alone, each (see `isnad`).
const HALF: f32 = 0.5;

/// An Arabic query as searched, and its rare words (as [`EnglishQuery::rare`]).
pub(super) struct ArabicQuery {
    pub(super) query: Box<dyn Query>,
    pub(super) rare: Vec<Term>,
}

/// The words the user typed that few texts hold ([`RARE_DOCS`]), as index terms. Unlike English,
/// an Arabic candidate is not weighed by its coverage of the question: without a stemmer, a text
/// that answers in other forms of the words («عاد مريضا» for «زيارة المريض») covers none of them
/// (measured in BENCHMARKS.md, 2026-12-07, seventh session).
fn arabic_rare(index: &Index, searcher: &Searcher, fields: &Fields, typed: &str) -> Vec<Term> {
    let mut rare: Vec<Term> = Vec::new();
    for term in analyzed(index, fields.ar, typed) {
        let frequency = searcher.doc_freq(&term).unwrap_or(0);
        if (1..=RARE_DOCS).contains(&frequency) && !rare.contains(&term) {
            rare.push(term);
        }
    }
    rare
}

/// A typed word held by at most this many texts can say which case of a topic is asked.
const NARROWING_DOCS: u64 = 1_000;

/// Whether an Arabic question recognised as a common situation asks a narrower one, by a typed
/// word rarer than every word of the situation: «ما فضل صيام يوم عرفة» is recognised as the virtue
/// of fasting, whose answer's words (the hadith on fasting in general) then outweighed «عرفة»,
/// which says which fast. Such a question is searched in its own words first. Modern words the
/// texts do not use (replaced, «الطائرة») do not count.
fn narrower_than_its_topic(
    index: &Index,
    searcher: &Searcher,
    fields: &Fields,
    typed: &str,
    described: &[String],
) -> bool {
    let topics = query::topics::Topics::get();
    let frequency = |word: &str| {
        analyzed(index, fields.ar, word)
            .iter()
            .map(|term| searcher.doc_freq(term).unwrap_or(0))
            .max()
            .unwrap_or(0)
    };
    let mut words: Vec<(String, bool)> = Vec::new();
    for word in typed.split_whitespace() {
        let bare = crate::arabic::strip_clitics(&crate::arabic::fold(word)).to_owned();
        if topics.replacement(&bare).is_none() {
            let is_described = described.contains(&bare);
            words.push((bare, is_described));
        }
    }
    let Some(commonest_described) = words
        .iter()
        .filter(|(_, is_described)| *is_described)
        .map(|(word, _)| frequency(word))
        .filter(|&count| count > 0)
        .min()
    else {
        return false;
    };
    words.iter().filter(|(_, is_described)| !is_described).any(|(word, _)| {
        let count = frequency(word);
        count > 0 && count <= NARROWING_DOCS && count < commonest_described
    })
}

pub(super) fn arabic_query(index: &Index, searcher: &Searcher, fields: &Fields, text: &str) -> Option<ArabicQuery> {
    let typed = query::arabic_content(text);
    let typed = if typed.trim().is_empty() { text } else { &typed };
    let content = &query::arabic_words_as_searched(typed);
    // A common question adds the words its answer is written in, at a lower weight; one that
    // describes the asker's situation («نمت عن صلاة الفجر») is searched in them first, as in
    // English (`query::english_topic_words`).
    let recognised = query::topics::Topics::get().recognise(text);
    let situation = query::topic_reframing()
        && !recognised.situation.is_empty()
        && !narrower_than_its_topic(index, searcher, fields, typed, &recognised.situation);
    let (asked_weight, answer_weight) = if situation {
        (query::topics::ADDED_WEIGHT, 1.0)
    } else {
        (1.0, query::topics::ADDED_WEIGHT)
    };
    let added = recognised.answer.join(" ");
    let mut parser = QueryParser::for_index(index, vec![fields.ar, fields.chapter, fields.ar_report]);
    // A word of a hadith's report counts more than a narrator's name or a formula of its chain:
    // the whole text and the report weigh half each, so a score stays on the scale the knowledge
    // agent's floor was set on (a verse, all report, scores as it did with the text alone).
    parser.set_field_boost(fields.ar, HALF);
    parser.set_field_boost(fields.ar_report, HALF);
    parser.set_field_boost(fields.chapter, 0.5 * HALF);
    // Only the words that describe the situation weigh less, as in English: «ما فضل صيام يوم
    // عرفة» is recognised as the virtue of fasting, but «عرفة» says which fast, and was drowned
    // by the hadith on fasting in general.
    let (described, other): (Vec<&str>, Vec<&str>) = content.split_whitespace().partition(|word| {
        situation
            && recognised
                .situation
                .iter()
                .any(|asked| *asked == crate::arabic::strip_clitics(&crate::arabic::fold(word)))
    });
    let (described, other) = (described.join(" "), other.join(" "));
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    for (words, weight) in [(&described, asked_weight), (&other, 1.0)] {
        if words.is_empty() {
            continue;
        }
        let (parsed, _errors) = parser.parse_query_lenient(words);
        let parsed: Box<dyn Query> = if weight < 1.0 {
            Box::new(BoostQuery::new(parsed, weight))
        } else {
            parsed
        };
        clauses.push((Occur::Should, parsed));
    }
    if !added.is_empty() {
        let (extra, _errors) = parser.parse_query_lenient(&added);
        clauses.push((Occur::Should, Box::new(BoostQuery::new(extra, answer_weight))));
    }
    // Pairs of the topic's words, not of the way of asking: «آيات عن الصدق» gave a bonus to
    // 10:101 for «الآيات والنذر عن».
    clauses.extend(phrase_bonus(index, fields.ar, content, PHRASE_BOOST * HALF));
    let rare = arabic_rare(index, searcher, fields, &other);
    Some(ArabicQuery {
        query: Box::new(BooleanQuery::new(clauses)),
        rare,
    })
}

/// A bonus for each pair of consecutive words of the query found next to each other in a text.
pub(super) fn phrase_bonus(index: &Index, field: Field, text: &str, boost: f32) -> Vec<(Occur, Box<dyn Query>)> {
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

/// The words of an English question, as typed, that no text of the library holds, in any form
/// the search would try: not as typed, nor as a synonym, nor spelled another way ("taxi",
/// "bitcoin", "gelatin"). A question about what such a word names is one the texts do not speak
/// to, whatever else they share with it. Words a common question adds and modern words searched
/// in the texts' words instead ("train") do not count. Empty when such words are less than a
/// third of the question's typed topic words.
pub(crate) fn unheard_words(index: &Index, searcher: &Searcher, fields: &Fields, text: &str) -> Vec<String> {
    if crate::arabic::has_arabic(text) {
        return Vec::new();
    }
    let held = |phrase: &str| {
        let terms = analyzed(index, fields.text_en, phrase);
        !terms.is_empty()
            && terms.iter().all(|term| {
                let other = Term::from_field_text(fields.text_other, term.value().as_str().unwrap_or_default());
                searcher.doc_freq(term).unwrap_or(0) > 0 || searcher.doc_freq(&other).unwrap_or(0) > 0
            })
    };
    // Only the words typed: a recognised question's answer words are the texts' own, and the
    // words its trigger names are bridged to them ("suhoor" to "suhur").
    let typed = query::english_words_as_searched(text);
    let recognised = query::topics::Topics::get().recognise(text);
    let topic: Vec<query::TopicWord> = query::english_topic_words(text)
        .into_iter()
        .filter(|word| typed.contains(&word.text) && !recognised.triggered.contains(&word.text))
        .filter(|word| word.weight >= 1.0 && word.text.chars().count() >= 3)
        .filter(|word| word.text.chars().all(|c| c.is_alphabetic()))
        .collect();
    let topic_words = topic.len();
    let unheard: Vec<String> = topic
        .into_iter()
        .filter(|word| {
            let Some(term) = analyzed(index, fields.text_en, &word.text).into_iter().next() else {
                return false;
            };
            !held(&word.text)
                && !word.alternatives.iter().any(|alternative| held(alternative))
                && respellings(searcher, &term).is_empty()
        })
        .map(|word| word.text)
        .collect();
    // A modern word beside the texts' own ("shaking hands with the opposite gender") leaves the
    // question to them; the question is about the unheard thing when it is a third or more of
    // what was asked ("taxi" of "work taxi driver").
    if unheard.len() * 3 >= topic_words {
        unheard
    } else {
        Vec::new()
    }
}
