//! Searching: user queries parsed leniently (a query the parser cannot read is taken as plain
//! words, never an error), filtered by source and collection, with scores and highlights.

use serde::Serialize;
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{BooleanQuery, Occur, Query, QueryParser, TermQuery};
use tantivy::schema::{Field, IndexRecordOption, Term, Value};
use tantivy::snippet::SnippetGenerator;
use tantivy::{DocAddress, Index, Searcher, TantivyDocument};

use crate::IndexError;
use crate::arabic::has_arabic;
use crate::schema::Fields;

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
pub struct Hit {
    pub id: String,
    pub source: String,
    pub collection: String,
    pub reference: String,
    /// The text in the language searched.
    pub text: String,
    pub text_ar: Option<String>,
    pub text_en: Option<String>,
    pub score: f32,
    /// The best fragment with matches wrapped in `<b>…</b>` (HTML-escaped otherwise).
    pub highlight: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchResults {
    pub query: String,
    pub total: usize,
    pub hits: Vec<Hit>,
}

fn first_text(document: &TantivyDocument, field: Field) -> Option<String> {
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
    let default_fields = if arabic {
        vec![fields.ar, fields.chapter]
    } else {
        vec![
            fields.text_en,
            fields.reference,
            fields.narrator,
            fields.chapter,
            fields.text_other,
        ]
    };
    let mut parser = QueryParser::for_index(index, default_fields.clone());
    if !arabic {
        parser.set_field_boost(fields.text_en, 2.0);
    }
    // Lenient: syntax errors become plain words, never a failure.
    let (parsed, _errors) = parser.parse_query_lenient(&request.query);
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, parsed)];
    for (field, value) in [
        (fields.source, &request.source),
        (fields.collection, &request.collection),
    ] {
        if let Some(value) = value {
            let term = Term::from_field_text(field, value);
            clauses.push((Occur::Must, Box::new(TermQuery::new(term, IndexRecordOption::Basic))));
        }
    }
    let query = BooleanQuery::new(clauses);
    let limit = request.limit.clamp(1, 100);
    let (total, top) = searcher.search(&query, &(Count, TopDocs::with_limit(limit).order_by_score()))?;
    let snippets: Vec<SnippetGenerator> = default_fields
        .iter()
        .filter_map(|field| SnippetGenerator::create(searcher, &query, *field).ok())
        .collect();
    let mut hits = Vec::with_capacity(top.len());
    for (score, address) in top {
        let document: TantivyDocument = searcher.doc(address)?;
        let highlight = snippets
            .iter()
            .map(|generator| generator.snippet_from_doc(&document))
            .find(|snippet| !snippet.highlighted().is_empty())
            .map(|snippet| snippet.to_html())
            .unwrap_or_default();
        hits.push(to_hit(fields, &document, arabic, score, highlight));
    }
    Ok(SearchResults {
        query: request.query.clone(),
        total,
        hits,
    })
}

pub(crate) fn get(searcher: &Searcher, fields: &Fields, id: &str) -> Result<Option<Hit>, IndexError> {
    let query = TermQuery::new(Term::from_field_text(fields.id, id), IndexRecordOption::Basic);
    let top: Vec<(f32, DocAddress)> = searcher.search(&query, &TopDocs::with_limit(1).order_by_score())?;
    let Some((_, address)) = top.first() else {
        return Ok(None);
    };
    let document: TantivyDocument = searcher.doc(*address)?;
    Ok(Some(to_hit(fields, &document, has_arabic(id), 1.0, String::new())))
}
