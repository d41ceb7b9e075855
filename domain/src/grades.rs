//! Hadith grades: what a grader said of a hadith's authenticity, and where they said it.
//!
//! Grades are curator annotations, several per hadith. Some come with the texts themselves:
//! - Jami' al-Tirmidhi states its own grading after most hadith ("Abu 'Eisa said: this hadith
//!   is hasan sahih"); [`tirmidhi`] reads that statement, with al-Tirmidhi as the grader;
//! - the two Sahih collections are graded by their compilers, who admitted only hadith they
//!   judged sahih ([`compiler`]).
//!
//! - the English translation of some Sunan marks a hadith weak after its text ("… (Daif)");
//!   [`translation_marker`] reads that mark, with the translation's editors as the grader.
//!
//! Nothing else is inferred: a hadith with no recorded grade is "not graded here".

use serde::{Deserialize, Serialize};

/// One grader's verdict on one hadith.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Grade {
    /// The verdict in the grader's terms: "sahih", "hasan sahih (حسن صحيح)", "da'if".
    pub grade: String,
    /// Who graded it: "al-Tirmidhi", "al-Albani".
    pub grader: String,
    /// Where the grading is stated: a book and place, or the grader's own words.
    pub source: String,
}

/// The longest a grade's field may be, in characters.
pub const FIELD_CHARS: usize = 500;
/// The most grades one request or record may carry.
pub const MAX_GRADES: usize = 20;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum GradeError {
    #[error("a grade needs `grade`, `grader` and `source`, each 1 to {FIELD_CHARS} characters")]
    Incomplete,
    #[error("at most {MAX_GRADES} grades per hadith record")]
    TooMany,
}

impl Grade {
    /// Trims the fields and checks each is present and not too long.
    pub fn validated(self) -> Result<Self, GradeError> {
        let field = |text: String| -> Result<String, GradeError> {
            let text = text.trim().to_owned();
            let chars = text.chars().count();
            if chars == 0 || chars > FIELD_CHARS || text.chars().any(|c| c.is_control()) {
                return Err(GradeError::Incomplete);
            }
            Ok(text)
        };
        Ok(Self {
            grade: field(self.grade)?,
            grader: field(self.grader)?,
            source: field(self.source)?,
        })
    }

    /// Whether the verdict holds the hadith sahih: its terms include "sahih" ("hasan sahih"
    /// does; "hasan", "gharib" and "da'if" do not).
    pub fn is_sahih(&self) -> bool {
        let grade = self.grade.to_lowercase();
        grade
            .split(|c: char| !c.is_alphanumeric() && c != '\'')
            .any(|word| matches!(word, "sahih" | "saheeh" | "sahīḥ" | "صحيح"))
    }

    /// Whether the verdict holds the hadith weak or worse: its terms include da'if, munkar or
    /// mawdu'.
    pub fn is_daif(&self) -> bool {
        let grade = self.grade.to_lowercase();
        grade
            .split(|c: char| !c.is_alphanumeric() && c != '\'' && c != '‘' && c != '’')
            .any(|word| {
                matches!(
                    word.replace(['‘', '’'], "'").as_str(),
                    "da'if" | "daif" | "da'eef" | "daeef" | "ضعيف" | "munkar" | "منكر" | "mawdu" | "mawdu'" | "موضوع"
                )
            })
    }
}

/// The grade a translation's editors marked after a hadith's English text: the Darussalam
/// translations of al-Nasa'i, Ibn Majah and al-Tirmidhi end some hadith with "(Daif)". Only that
/// mark is read; their other marks are spelled too many ways to be read as grades.
pub fn translation_marker(english: &str, reference: &str) -> Option<Grade> {
    let lower = english.to_lowercase().replace(['‘', '’'], "'");
    ["(daif)", "(da'if)", "(da'eef)"]
        .iter()
        .any(|mark| lower.contains(mark))
        .then(|| Grade {
            grade: "da'if (ضعيف)".into(),
            grader: "the English translation's editors".into(),
            source: format!("the mark \"(Daif)\" after the English text of {reference}"),
        })
}

/// The grade of a hadith in one of the two Sahih collections, by its compiler.
pub fn compiler(collection: &str) -> Option<Grade> {
    let (grader, book) = match collection {
        "bukhari" => ("al-Bukhari", "Sahih al-Bukhari"),
        "muslim" => ("Muslim ibn al-Hajjaj", "Sahih Muslim"),
        _ => return None,
    };
    Some(Grade {
        grade: "sahih (صحيح)".into(),
        grader: grader.into(),
        source: format!("its place in {book}, which its compiler limited to hadith he judged sahih"),
    })
}

/// The words of al-Tirmidhi's grading vocabulary, folded, with their transliteration.
const TIRMIDHI_TERMS: [(&str, &str); 6] = [
    ("حسن", "hasan"),
    ("صحيح", "sahih"),
    ("غريب", "gharib"),
    ("ضعيف", "da'if"),
    ("منكر", "munkar"),
    ("مرسل", "mursal"),
];

/// Arabic folded for reading: marks, tatweel and format characters removed, alef forms to ا,
/// ى to ي, ة to ه; a full stop is a word of its own ("."), and anything else that is not an
/// Arabic letter separates words.
fn words(arabic: &str) -> Vec<String> {
    let folded: String = arabic
        .chars()
        .filter_map(|c| match c {
            '\u{0610}'..='\u{061A}'
            | '\u{064B}'..='\u{065F}'
            | '\u{0670}'
            | '\u{0640}'
            | '\u{06D6}'..='\u{06ED}'
            | '\u{200C}'..='\u{200F}' => None,
            'أ' | 'إ' | 'آ' | 'ٱ' => Some('ا'),
            'ى' => Some('ي'),
            'ة' => Some('ه'),
            c if ('\u{0621}'..='\u{064A}').contains(&c) => Some(c),
            '.' | '؛' | '۔' => Some('.'),
            _ => Some(' '),
        })
        .collect();
    let folded = folded.replace('.', " . ");
    folded.split_whitespace().map(str::to_owned).collect()
}

/// Al-Tirmidhi's own grading of the hadith in `arabic` (one record of his Jami'): the first
/// "… حديث <terms>" within a sentence that opens "قال أبو عيسى" (Abu 'Eisa is al-Tirmidhi), where
/// the terms are his grading vocabulary (hasan, sahih, gharib, da'if, munkar, mursal). None when he states no grade
/// in those terms, as for "the most correct thing on this topic", which compares narrations.
/// A statement as quoted in a grade's source: its first words, marked when cut.
fn quoted(sentence: &[String]) -> String {
    const WORDS: usize = 16;
    let mut quoted = sentence[..sentence.len().min(WORDS)].join(" ");
    if sentence.len() > WORDS {
        quoted.push_str(" …");
    }
    quoted
}

pub fn tirmidhi(arabic: &str, reference: &str) -> Option<Grade> {
    let words = words(arabic);
    let statements = words
        .windows(3)
        .enumerate()
        .filter(|(_, window)| *window == ["قال", "ابو", "عيسي"])
        .map(|(at, _)| at + 3);
    for start in statements {
        // His statement runs to the end of its sentence.
        let sentence = words[start..].split(|word| word == ".").next().unwrap_or_default();
        for (at, word) in sentence.iter().enumerate() {
            if word != "حديث" {
                continue;
            }
            let terms: Vec<(&str, &str)> = sentence[at + 1..]
                .iter()
                .map_while(|word| TIRMIDHI_TERMS.iter().find(|(arabic, _)| arabic == word).copied())
                .collect();
            if !terms.is_empty() {
                let arabic_terms = terms.iter().map(|(arabic, _)| *arabic).collect::<Vec<_>>().join(" ");
                let latin = terms.iter().map(|(_, latin)| *latin).collect::<Vec<_>>().join(" ");
                return Some(Grade {
                    grade: format!("{latin} ({arabic_terms})"),
                    grader: "al-Tirmidhi".into(),
                    source: format!("his words after {reference}: «{}»", quoted(sentence)),
                });
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_statement_after_abu_eisa_said_is_read_with_its_marks() {
        let text = "عَنْ أَبِي هُرَيْرَةَ ‏.‏ قَالَ أَبُو عِيسَى هَذَا حَدِيثٌ حَسَنٌ صَحِيحٌ ‏.‏ وَفِي الْبَابِ عَنْ أَنَسٍ";
        let grade = tirmidhi(text, "Jami' al-Tirmidhi 2").unwrap();
        assert_eq!(grade.grade, "hasan sahih (حسن صحيح)");
        assert_eq!(grade.grader, "al-Tirmidhi");
        assert!(grade.source.contains("Jami' al-Tirmidhi 2"));
        assert!(grade.is_sahih());
    }

    #[test]
    fn a_grade_word_elsewhere_in_the_text_is_not_a_grade() {
        // "حسن" in the hadith itself, and no statement by Abu 'Eisa.
        assert_eq!(tirmidhi("قال رسول الله حديث حسن الخلق", "r"), None);
        // A comparison of narrations is not a grade.
        assert_eq!(
            tirmidhi("قَالَ أَبُو عِيسَى هَذَا الْحَدِيثُ أَصَحُّ شَيْءٍ فِي هَذَا الْبَابِ وَأَحْسَنُ", "r"),
            None
        );
    }

    #[test]
    fn which_verdicts_count_as_sahih() {
        let grade = |grade: &str| Grade {
            grade: grade.into(),
            grader: "g".into(),
            source: "s".into(),
        };
        assert!(grade("Sahih").is_sahih());
        assert!(grade("Da'if").is_daif() && grade("da‘if (ضعيف)").is_daif() && grade("munkar").is_daif());
        assert!(!grade("hasan sahih").is_daif() && !grade("hasan gharib").is_daif());
        assert!(grade("hasan sahih gharib (حسن صحيح غريب)").is_sahih());
        assert!(!grade("hasan gharib (حسن غريب)").is_sahih());
        assert!(!grade("Da'if").is_sahih());
        assert!(!grade("sahihayn-like").is_sahih());
    }

    #[test]
    fn a_grade_is_refused_when_a_field_is_missing_or_too_long() {
        let grade = |grade: &str| Grade {
            grade: grade.into(),
            grader: "al-Albani".into(),
            source: "Sahih al-Jami' 123".into(),
        };
        assert_eq!(grade("  sahih ").validated().unwrap().grade, "sahih");
        assert_eq!(grade(" ").validated(), Err(GradeError::Incomplete));
        assert_eq!(
            grade(&"x".repeat(FIELD_CHARS + 1)).validated(),
            Err(GradeError::Incomplete)
        );
        assert_eq!(grade("sa\u{0}hih").validated(), Err(GradeError::Incomplete));
    }

    #[test]
    fn a_translation_s_weak_mark_is_read_and_nothing_else_is() {
        let text = "\"It is said that fasting while traveling is like not fasting while a resident.\" (Daif)";
        let grade = translation_marker(text, "Sunan al-Nasa'i 2289").unwrap();
        assert!(grade.is_daif() && !grade.is_sahih());
        assert!(grade.source.contains("Sunan al-Nasa'i 2289"));
        assert_eq!(
            translation_marker("\"Remove harmful things from the path.\" (Sahih)", "x"),
            None
        );
        assert_eq!(translation_marker("He said: the daif are many", "x"), None);
    }

    #[test]
    fn only_the_two_sahih_collections_have_their_compilers_grade() {
        assert_eq!(compiler("bukhari").unwrap().grader, "al-Bukhari");
        assert_eq!(compiler("muslim").unwrap().grader, "Muslim ibn al-Hajjaj");
        assert_eq!(compiler("abudawud"), None);
        assert_eq!(compiler("tirmidhi"), None);
    }
}
