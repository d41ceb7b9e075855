//! The index's fields and analyzers.

use tantivy::Index;
use tantivy::schema::{Field, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions};
use tantivy::tokenizer::{
    Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer, StopWordFilter, TextAnalyzer,
};

use crate::arabic::ArabicTokenizer;
use crate::english::ArchaicEnglish;
use crate::translit::SkeletonTokenizer;

/// Named for its analyzer: a change to it is a new name, and an index built with the old one is
/// rebuilt from the log (see [`is_current`]).
pub const ENGLISH: &str = "hijraah_en2";
pub const ARABIC: &str = "hijraah_ar";
pub const OTHER: &str = "hijraah_other";
pub const TRANSLIT: &str = "hijraah_translit";

#[derive(Debug, Clone, Copy)]
pub struct Fields {
    pub id: Field,
    pub source: Field,
    pub collection: Field,
    pub lang: Field,
    pub reference: Field,
    pub text_en: Field,
    /// Arabic for display (stored only).
    pub text_ar: Field,
    /// Arabic as searched: the imla'i text for the Qur'an, the text itself otherwise.
    pub ar: Field,
    /// A hadith's report alone, without its chain of narrators and its compiler's notes (see
    /// [`crate::isnad`]), searched beside the whole text: the report's words count twice. Stored,
    /// so that a document copied with new annotations keeps it.
    pub ar_report: Field,
    pub text_other: Field,
    pub narrator: Field,
    pub chapter: Field,
    pub attribution: Field,
    pub surah: Field,
    pub ayah: Field,
    pub number: Field,
    /// The Arabic in Latin letters, indexed as consonant-skeleton trigrams.
    pub translit: Field,
    /// The grades the document carries, as JSON (stored only).
    pub grades: Field,
    /// Curators' grades recorded since, as JSON (stored only): kept across revisions.
    pub annotations: Field,
    /// The edition the text is from (an id; absent for texts imported before editions).
    pub edition: Field,
    /// The document stream's version this stored text is as of (its revision).
    pub revision: Field,
}

fn text(tokenizer: &str) -> TextOptions {
    TextOptions::default().set_stored().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(tokenizer)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions),
    )
}

pub fn build() -> (Schema, Fields) {
    let mut builder = Schema::builder();
    let fields = Fields {
        id: builder.add_text_field("id", STRING | STORED),
        source: builder.add_text_field("source", STRING | STORED),
        collection: builder.add_text_field("collection", STRING | STORED),
        lang: builder.add_text_field("lang", STRING | STORED),
        reference: builder.add_text_field("reference", text(ENGLISH)),
        text_en: builder.add_text_field("text_en", text(ENGLISH)),
        text_ar: builder.add_text_field("text_ar", STORED),
        ar: builder.add_text_field("ar", text(ARABIC)),
        ar_report: builder.add_text_field("ar_report", text(ARABIC)),
        text_other: builder.add_text_field("text_other", text(OTHER)),
        narrator: builder.add_text_field("narrator", text(ENGLISH)),
        chapter: builder.add_text_field("chapter", text(ARABIC)),
        attribution: builder.add_text_field("attribution", STORED),
        surah: builder.add_u64_field("surah", STORED),
        ayah: builder.add_u64_field("ayah", STORED),
        number: builder.add_u64_field("number", STORED),
        translit: builder.add_text_field("translit", text(TRANSLIT)),
        grades: builder.add_text_field("grades", STORED),
        annotations: builder.add_text_field("annotations", STORED),
        edition: builder.add_text_field("edition", STRING | STORED),
        revision: builder.add_u64_field("revision", STORED),
    };
    (builder.build(), fields)
}

/// Registers our analyzers; needed on every index we open.
pub fn register_analyzers(index: &Index) {
    let english = TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(ArchaicEnglish)
        .filter(StopWordFilter::new(Language::English).unwrap_or_else(|| StopWordFilter::remove(Vec::new())))
        .filter(Stemmer::new(Language::English))
        .build();
    let arabic = TextAnalyzer::builder(ArabicTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .build();
    let other = TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .build();
    index.tokenizers().register(ENGLISH, english);
    index.tokenizers().register(ARABIC, arabic);
    index.tokenizers().register(OTHER, other);
    index
        .tokenizers()
        .register(TRANSLIT, TextAnalyzer::builder(SkeletonTokenizer::default()).build());
}

/// Whether an index on disk was built with this schema (same fields, same names, same analyzers),
/// so a newer binary knows to rebuild an older index from the log rather than write fields it
/// lacks or search terms analyzed another way.
pub fn is_current(schema: &Schema) -> bool {
    let (expected, _) = build();
    let names = |schema: &Schema| -> Vec<String> {
        schema
            .fields()
            .map(|(_, entry)| {
                let analyzer = match entry.field_type() {
                    tantivy::schema::FieldType::Str(options) => options
                        .get_indexing_options()
                        .map(|indexing| indexing.tokenizer().to_owned()),
                    _ => None,
                };
                format!(
                    "{}:{:?}:{}",
                    entry.name(),
                    entry.field_type().value_type(),
                    analyzer.unwrap_or_default()
                )
            })
            .collect()
    };
    names(schema) == names(&expected)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_index_analyzed_another_way_is_not_current() {
        let (schema, _) = build();
        assert!(is_current(&schema));
        // The same fields, with English analyzed as before the archaic forms were read.
        let mut older = Schema::builder();
        for (_, entry) in schema.fields() {
            match entry.field_type() {
                tantivy::schema::FieldType::Str(options)
                    if options.get_indexing_options().map(|i| i.tokenizer()) == Some(ENGLISH) =>
                {
                    older.add_text_field(entry.name(), text("hijraah_en"));
                }
                _ => {
                    older.add_field(entry.clone());
                }
            }
        }
        assert!(!is_current(&older.build()));
    }
}
