//! Knowledge documents: the Qur'an, hadith and curators' own texts, as the knowledge events carry
//! them. Parsing a corpus line into a document happens here, so every importer agrees.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::editions::{self, EditionError};
use crate::grades::{self, Grade, GradeError};

/// A text the knowledge agent can quote. Its `id` is kept exactly as imported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct KnowledgeDocument {
    pub id: String,
    /// `quran`, `hadith` or `custom`.
    pub source: String,
    /// `quran`, a hadith collection (`bukhari`, …), a translation (`fr.hamidullah`) or a curator's.
    pub collection: String,
    /// How a person cites it: "Qur'an 2:255 (Al-Baqarah)".
    pub reference: String,
    /// The language of `text_other` for translations, else `en` or `ar`.
    pub lang: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text_en: Option<String>,
    /// Arabic for display (for the Qur'an, the Uthmani text).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text_ar: Option<String>,
    /// Arabic for search (for the Qur'an, the modern imla'i spelling); absent: `text_ar`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text_ar_search: Option<String>,
    /// A translation in another language.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text_other: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub narrator: Option<String>,
    /// Chapter titles: surah names, kitab titles, in every language given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chapter: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub surah: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ayah: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub book: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number: Option<u64>,
    /// Translator or edition, when the text is a translation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attribution: Option<String>,
    /// The Arabic in Latin letters (the Qur'an's Tanzil transliteration), so a user who types
    /// "inna lillahi wa inna ilayhi raji'un" finds the verse.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transliteration: Option<String>,
    /// What graders said of a hadith, as imported (see [`crate::grades`]); curators' later
    /// grades are events of their own.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub grades: Vec<Grade>,
    /// The edition the text is from (see [`crate::editions`]); absent only in documents
    /// imported before editions were recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edition: Option<String>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DocumentError {
    #[error("not a JSON object")]
    NotAnObject,
    #[error("field `{0}` is missing or not of the right type")]
    Missing(&'static str),
    #[error("id `{0}` must be 1 to 200 characters of letters, digits and : . _ -")]
    BadId(String),
    #[error("source `{0}` must be quran, hadith or custom")]
    BadSource(String),
    #[error("the document has no text in any language")]
    NoText,
    #[error("`grades` must be a list of {{\"grade\", \"grader\", \"source\"}}: {0}")]
    BadGrade(GradeError),
    #[error(transparent)]
    BadEdition(#[from] EditionError),
}

fn text(value: &Value, field: &'static str) -> Option<String> {
    value
        .get(field)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|text| !text.is_empty())
        .map(str::to_owned)
}

fn required(value: &Value, field: &'static str) -> Result<String, DocumentError> {
    text(value, field).ok_or(DocumentError::Missing(field))
}

fn number(value: &Value, field: &'static str) -> Option<u64> {
    value.get(field).and_then(Value::as_u64)
}

fn join(parts: &[Option<String>]) -> Option<String> {
    let joined: Vec<&str> = parts.iter().flatten().map(String::as_str).collect();
    (!joined.is_empty()).then(|| joined.join(" · "))
}

/// The `grades` of a record in our own format: absent, or a list of grades.
fn own_grades(value: &Value) -> Result<Vec<Grade>, DocumentError> {
    let Some(listed) = value.get("grades").filter(|grades| !grades.is_null()) else {
        return Ok(Vec::new());
    };
    let grades: Vec<Grade> =
        serde_json::from_value(listed.clone()).map_err(|_| DocumentError::BadGrade(GradeError::Incomplete))?;
    if grades.len() > grades::MAX_GRADES {
        return Err(DocumentError::BadGrade(GradeError::TooMany));
    }
    grades
        .into_iter()
        .map(|grade| grade.validated().map_err(DocumentError::BadGrade))
        .collect()
}

pub fn valid_id(id: &str) -> bool {
    (1..=200).contains(&id.len())
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, ':' | '.' | '_' | '-'))
}

impl KnowledgeDocument {
    /// Parses one JSON Lines record of any format we import: the corpus's `quran.jsonl`,
    /// `quran_translations.jsonl` and hadith files, or our own format (see the README).
    pub fn from_record(value: &Value) -> Result<Self, DocumentError> {
        if !value.is_object() {
            return Err(DocumentError::NotAnObject);
        }
        let mut document = if value.get("arabic_imlai").is_some() {
            Self::from_quran(value)?
        } else if value.get("translation_id").is_some() && value.get("verse_id").is_some() {
            Self::from_translation(value)?
        } else if value.get("collection_name").is_some() && value.get("number").is_some() {
            Self::from_hadith(value)?
        } else {
            Self::from_own_format(value)?
        };
        if !valid_id(&document.id) {
            return Err(DocumentError::BadId(document.id));
        }
        if document.text_en.is_none() && document.text_ar.is_none() && document.text_other.is_none() {
            return Err(DocumentError::NoText);
        }
        // The edition the record names, else its corpus file's, else its collection's.
        document.edition = Some(match editions::named_in(value)? {
            Some(named) => named.id().to_owned(),
            None => match editions::corpus_default(value) {
                Some(edition) => edition.id,
                None => document.collection.clone(),
            },
        });
        Ok(document)
    }

    fn from_quran(value: &Value) -> Result<Self, DocumentError> {
        let surah = number(value, "surah").ok_or(DocumentError::Missing("surah"))?;
        let ayah = number(value, "ayah").ok_or(DocumentError::Missing("ayah"))?;
        let translit = text(value, "surah_name_translit");
        Ok(Self {
            id: required(value, "id")?,
            source: "quran".into(),
            collection: "quran".into(),
            reference: match &translit {
                Some(name) => format!("Qur'an {surah}:{ayah} ({name})"),
                None => format!("Qur'an {surah}:{ayah}"),
            },
            lang: "ar".into(),
            text_en: text(value, "english"),
            text_ar: Some(required(value, "arabic")?),
            text_ar_search: text(value, "arabic_imlai"),
            text_other: None,
            narrator: None,
            chapter: join(&[translit, text(value, "surah_name_en"), text(value, "surah_name_ar")]),
            surah: Some(surah),
            ayah: Some(ayah),
            book: None,
            number: number(value, "verse_number"),
            attribution: text(value, "english_translation"),
            transliteration: text(value, "transliteration"),
            grades: Vec::new(),
            edition: None,
        })
    }

    fn from_translation(value: &Value) -> Result<Self, DocumentError> {
        let surah = number(value, "surah").ok_or(DocumentError::Missing("surah"))?;
        let ayah = number(value, "ayah").ok_or(DocumentError::Missing("ayah"))?;
        let lang = required(value, "lang")?;
        let translator = text(value, "translator");
        let body = required(value, "text")?;
        let (text_en, text_other) = if lang == "en" {
            (Some(body), None)
        } else {
            (None, Some(body))
        };
        Ok(Self {
            id: required(value, "id")?,
            source: "quran".into(),
            collection: required(value, "translation_id")?,
            reference: match &translator {
                Some(translator) => format!("Qur'an {surah}:{ayah}, translated by {translator}"),
                None => format!("Qur'an {surah}:{ayah}"),
            },
            lang,
            text_en,
            text_ar: None,
            text_ar_search: None,
            text_other,
            narrator: None,
            chapter: None,
            surah: Some(surah),
            ayah: Some(ayah),
            book: None,
            number: None,
            attribution: translator,
            transliteration: None,
            grades: Vec::new(),
            edition: None,
        })
    }

    fn from_hadith(value: &Value) -> Result<Self, DocumentError> {
        let collection = required(value, "collection")?;
        let name = required(value, "collection_name")?;
        let hadith_number = number(value, "number").ok_or(DocumentError::Missing("number"))?;
        let book_en = text(value, "book_en");
        // The corpus numbers hadiths by its package's running number, not the canonical one:
        // say so in the reference, so nobody cites it as the canonical number.
        let reference = match &book_en {
            Some(book) => format!("{name} {hadith_number} (this edition's numbering; {book})"),
            None => format!("{name} {hadith_number} (this edition's numbering)"),
        };
        let arabic = text(value, "arabic");
        let mut grades: Vec<Grade> = match collection.as_str() {
            "tirmidhi" => arabic
                .as_deref()
                .and_then(|arabic| grades::tirmidhi(arabic, &format!("{name} {hadith_number}")))
                .into_iter()
                .collect(),
            other => grades::compiler(other).into_iter().collect(),
        };
        grades.extend(
            text(value, "english")
                .and_then(|english| grades::translation_marker(&english, &format!("{name} {hadith_number}"))),
        );
        Ok(Self {
            id: required(value, "id")?,
            source: "hadith".into(),
            collection,
            reference,
            lang: if text(value, "english").is_some() {
                "en".into()
            } else {
                "ar".into()
            },
            text_en: text(value, "english"),
            text_ar: arabic,
            text_ar_search: None,
            text_other: None,
            narrator: text(value, "narrator"),
            chapter: join(&[book_en, text(value, "book_ar")]),
            surah: None,
            ayah: None,
            book: number(value, "book"),
            number: Some(hadith_number),
            attribution: None,
            transliteration: None,
            grades,
            edition: None,
        })
    }

    fn from_own_format(value: &Value) -> Result<Self, DocumentError> {
        let source = required(value, "source")?;
        if !matches!(source.as_str(), "quran" | "hadith" | "custom") {
            return Err(DocumentError::BadSource(source));
        }
        let text_en = text(value, "text_en");
        let text_ar = text(value, "text_ar");
        Ok(Self {
            id: required(value, "id")?,
            collection: text(value, "collection").unwrap_or_else(|| source.clone()),
            reference: required(value, "reference")?,
            lang: text(value, "lang").unwrap_or_else(|| if text_en.is_some() { "en".into() } else { "ar".into() }),
            source,
            text_en,
            text_ar,
            text_ar_search: text(value, "text_ar_search"),
            text_other: text(value, "text_other"),
            narrator: text(value, "narrator"),
            chapter: text(value, "chapter"),
            surah: number(value, "surah"),
            ayah: number(value, "ayah"),
            book: number(value, "book"),
            number: number(value, "number"),
            attribution: text(value, "attribution"),
            transliteration: text(value, "transliteration"),
            grades: own_grades(value)?,
            edition: None,
        })
    }

    /// The text fields a correction may change, by name.
    pub const CORRECTABLE: [&'static str; 9] = [
        "text_en",
        "text_ar",
        "text_ar_search",
        "text_other",
        "reference",
        "narrator",
        "chapter",
        "attribution",
        "transliteration",
    ];

    /// A correctable field's value (`None`: not a correctable field, or empty).
    pub fn field(&self, name: &str) -> Option<&str> {
        match name {
            "reference" => Some(self.reference.as_str()),
            "text_en" => self.text_en.as_deref(),
            "text_ar" => self.text_ar.as_deref(),
            "text_ar_search" => self.text_ar_search.as_deref(),
            "text_other" => self.text_other.as_deref(),
            "narrator" => self.narrator.as_deref(),
            "chapter" => self.chapter.as_deref(),
            "attribution" => self.attribution.as_deref(),
            "transliteration" => self.transliteration.as_deref(),
            _ => None,
        }
    }

    /// Sets a correctable field; `false` for a name that is not one.
    pub fn set_field(&mut self, name: &str, value: String) -> bool {
        let slot = match name {
            "reference" => {
                self.reference = value;
                return true;
            }
            "text_en" => &mut self.text_en,
            "text_ar" => &mut self.text_ar,
            "text_ar_search" => &mut self.text_ar_search,
            "text_other" => &mut self.text_other,
            "narrator" => &mut self.narrator,
            "chapter" => &mut self.chapter,
            "attribution" => &mut self.attribution,
            "transliteration" => &mut self.transliteration,
            _ => return false,
        };
        *slot = Some(value);
        true
    }

    /// A digest of the whole document: re-importing an unchanged document records nothing.
    pub fn content_hash(&self) -> String {
        let bytes = serde_json::to_vec(self).unwrap_or_default();
        let digest = Sha256::digest(&bytes);
        crate::hex(&digest)
    }

    pub fn stream_id(id: &str) -> String {
        format!("knowledge-{id}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_quran_line_searches_the_imlai_text_and_displays_the_uthmani() {
        let line = json!({"id":"quran:1:1","surah":1,"ayah":1,"verse_number":1,"surah_name_ar":"الفاتحة",
            "surah_name_translit":"Al-Fatihah","surah_name_en":"The Opener","arabic":"بِسۡمِ ٱللَّهِ",
            "arabic_imlai":"بسم الله","english":"In the name of Allah","english_translation":"Saheeh International",
            "transliteration":"Bismi Allahi"});
        let document = KnowledgeDocument::from_record(&line).unwrap();
        assert_eq!(document.reference, "Qur'an 1:1 (Al-Fatihah)");
        assert_eq!(document.text_ar.as_deref(), Some("بِسۡمِ ٱللَّهِ"));
        assert_eq!(document.text_ar_search.as_deref(), Some("بسم الله"));
        assert_eq!(document.source, "quran");
        assert_eq!(document.transliteration.as_deref(), Some("Bismi Allahi"));
    }

    #[test]
    fn a_hadith_reference_says_its_numbering_is_the_editions() {
        let line = json!({"id":"bukhari:1","collection":"bukhari","collection_name":"Sahih al-Bukhari",
            "number":1,"book":1,"book_en":"Revelation","narrator":"Narrated 'Umar:","english":"Deeds...","arabic":"حدثنا"});
        let document = KnowledgeDocument::from_record(&line).unwrap();
        assert_eq!(
            document.reference,
            "Sahih al-Bukhari 1 (this edition's numbering; Revelation)"
        );
        assert_eq!(document.source, "hadith");
        assert_eq!(document.collection, "bukhari");
    }

    #[test]
    fn translations_and_our_own_format_parse() {
        let line = json!({"id":"quran:2:255:fr.hamidullah","verse_id":"quran:2:255","surah":2,"ayah":255,
            "lang":"fr","translation_id":"fr.hamidullah","translator":"Muhammad Hamidullah","text":"Allah!"});
        let document = KnowledgeDocument::from_record(&line).unwrap();
        assert_eq!(document.collection, "fr.hamidullah");
        assert_eq!(document.text_other.as_deref(), Some("Allah!"));
        let own = json!({"id":"masjid-guide:1","source":"custom","reference":"Masjid guide 1","text_en":"Be kind."});
        assert_eq!(KnowledgeDocument::from_record(&own).unwrap().collection, "custom");
    }

    #[test]
    fn bad_records_are_refused_with_a_reason() {
        assert_eq!(
            KnowledgeDocument::from_record(&json!([1])),
            Err(DocumentError::NotAnObject)
        );
        assert_eq!(
            KnowledgeDocument::from_record(&json!({"id":"x","source":"blog","reference":"r","text_en":"t"})),
            Err(DocumentError::BadSource("blog".into()))
        );
        assert_eq!(
            KnowledgeDocument::from_record(&json!({"id":"a b","source":"custom","reference":"r","text_en":"t"})),
            Err(DocumentError::BadId("a b".into()))
        );
        assert_eq!(
            KnowledgeDocument::from_record(&json!({"id":"x","source":"custom","reference":"r"})),
            Err(DocumentError::NoText)
        );
    }

    #[test]
    fn every_correctable_field_reads_back_what_was_set() {
        let own = json!({"id":"c:1","source":"custom","reference":"r","text_en":"t"});
        let mut document = KnowledgeDocument::from_record(&own).unwrap();
        for name in KnowledgeDocument::CORRECTABLE {
            assert!(document.set_field(name, format!("new {name}")), "{name}");
            assert_eq!(document.field(name), Some(format!("new {name}").as_str()));
        }
        assert!(!document.set_field("id", "other".into()));
        assert_eq!(document.id, "c:1");
        assert_eq!(document.field("source"), None);
    }

    #[test]
    fn the_content_hash_changes_with_the_content_only() {
        let own = json!({"id":"c:1","source":"custom","reference":"r","text_en":"t"});
        let first = KnowledgeDocument::from_record(&own).unwrap();
        let same = KnowledgeDocument::from_record(&own).unwrap();
        let mut changed = first.clone();
        changed.text_en = Some("t2".into());
        assert_eq!(first.content_hash(), same.content_hash());
        assert_ne!(first.content_hash(), changed.content_hash());
    }
}
