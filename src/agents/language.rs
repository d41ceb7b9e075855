//! Which language a message is written in, from its script. Good enough to answer Arabic with
//! Arabic; a client that knows better sends `language`.

/// The language an agent's fixed texts are written in for a request: Arabic for a question in
/// Arabic, English otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    English,
    Arabic,
}

impl Language {
    pub fn of(request: &super::AgentRequest) -> Self {
        if request.in_arabic() {
            Language::Arabic
        } else {
            Language::English
        }
    }
}

/// A BCP 47-ish language tag: `ar`, `ur`, `en`, or `und` when there are no letters.
pub fn detect(text: &str) -> &'static str {
    let mut arabic = 0usize;
    let mut latin = 0usize;
    let mut urdu_marks = 0usize;
    for c in text.chars() {
        match c {
            // Letters found in Urdu but not in Arabic: ٹ ڈ ڑ ں ے ھ.
            '\u{0679}' | '\u{0688}' | '\u{0691}' | '\u{06BA}' | '\u{06D2}' | '\u{06BE}' => {
                arabic += 1;
                urdu_marks += 1;
            }
            '\u{0600}'..='\u{06FF}'
            | '\u{0750}'..='\u{077F}'
            | '\u{08A0}'..='\u{08FF}'
            | '\u{FB50}'..='\u{FDFF}'
            | '\u{FE70}'..='\u{FEFF}'
                if c.is_alphabetic() =>
            {
                arabic += 1;
            }
            c if c.is_ascii_alphabetic() || ('\u{00C0}'..='\u{024F}').contains(&c) => latin += 1,
            _ => {}
        }
    }
    if arabic == 0 && latin == 0 {
        "und"
    } else if arabic >= latin {
        if urdu_marks > 0 { "ur" } else { "ar" }
    } else {
        "en"
    }
}

/// Whether a client-supplied language tag is well formed (`en`, `ar`, `en-GB`, `zh-Hant`).
pub fn is_valid_tag(tag: &str) -> bool {
    let mut parts = tag.split('-');
    let primary_ok = parts
        .next()
        .is_some_and(|primary| (2..=3).contains(&primary.len()) && primary.chars().all(|c| c.is_ascii_alphabetic()));
    primary_ok && parts.all(|part| (1..=8).contains(&part.len()) && part.chars().all(|c| c.is_ascii_alphanumeric()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_decide_the_language() {
        assert_eq!(detect("How do I calculate Zakat?"), "en");
        assert_eq!(detect("السلام عليكم، كيف أحسب الزكاة؟"), "ar");
        assert_eq!(detect("بِسۡمِ ٱللَّهِ ٱلرَّحۡمَٰنِ"), "ar");
        assert_eq!(detect("نماز کا وقت کیا ہے؟ مجھے بتائیں"), "ur");
        assert_eq!(detect("What does آية الكرسي mean?"), "en");
        assert_eq!(detect("12:30 ?!"), "und");
    }

    #[test]
    fn language_tags_are_checked() {
        assert!(is_valid_tag("en"));
        assert!(is_valid_tag("en-GB"));
        assert!(is_valid_tag("zh-Hant"));
        assert!(!is_valid_tag("english language"));
        assert!(!is_valid_tag(""));
        assert!(!is_valid_tag("e"));
    }
}
