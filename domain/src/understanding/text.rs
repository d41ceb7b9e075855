//! Reading a message the way people type it: digits in any script, numbers with separators and
//! magnitudes ("12,000", "12k", "1.5 million", "٥٠٠٠"), currency signs stuck to numbers, and
//! words matched whole, so "hi" is not found in "hijri".

use std::str::FromStr;

use rust_decimal::Decimal;

/// Arabic-Indic and Persian digits to ASCII, the Arabic decimal and thousands separators to `.`
/// and `,`, curly quotes to `'`, and unusual spaces to plain ones.
pub fn normalize(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\u{0660}'..='\u{0669}' => char::from(b'0' + (c as u32 - 0x0660) as u8),
            '\u{06F0}'..='\u{06F9}' => char::from(b'0' + (c as u32 - 0x06F0) as u8),
            '\u{066B}' => '.',
            '\u{066C}' | '\u{060C}' => ',',
            '’' | '‘' | '`' | '´' => '\'',
            '\u{00A0}' | '\u{2009}' | '\u{202F}' | '\u{2007}' => ' ',
            other => other,
        })
        .collect()
}

/// Folds Arabic for matching names: marks and tatweel removed, alef forms to ا, ى to ي, ة to ه.
pub fn fold_arabic(text: &str) -> String {
    text.chars()
        .filter_map(|c| match c {
            '\u{064B}'..='\u{065F}' | '\u{0670}' | '\u{0640}' => None,
            'أ' | 'إ' | 'آ' | 'ٱ' => Some('ا'),
            'ى' => Some('ي'),
            'ة' => Some('ه'),
            other => Some(other),
        })
        .collect()
}

pub fn is_arabic(c: char) -> bool {
    ('\u{0600}'..='\u{06FF}').contains(&c) || ('\u{0750}'..='\u{077F}').contains(&c)
}

/// Byte offsets where `needle` occurs in `haystack`, overlapping ones included. Messages are
/// short and needles many: a scan for the needle's first byte beats building a substring
/// searcher for every needle (what `str::match_indices` does). Each offset is a char boundary,
/// since a match starts with the needle's first byte, a UTF-8 leading byte.
///
/// The scan looks for the needle's second byte when its first is a UTF-8 leading byte: every
/// Arabic letter begins with 0xD8 or 0xD9, so in an Arabic message the first byte is found at
/// every letter, where the second tells the letters apart. Each candidate is checked on its first
/// two bytes before the whole needle is compared (a call to `memcmp` per candidate was 8% of a
/// greeting chat's CPU, #27).
fn occurrences<'a>(haystack: &'a str, needle: &'a str) -> impl Iterator<Item = usize> + 'a {
    let (bytes, wanted) = (haystack.as_bytes(), needle.as_bytes());
    let first = wanted.first().copied().unwrap_or_default();
    let second = wanted.get(1).copied();
    let anchor = usize::from(!first.is_ascii() && second.is_some());
    let anchor_byte = if anchor == 1 { second.unwrap_or_default() } else { first };
    memchr::memchr_iter(anchor_byte, &bytes[anchor.min(bytes.len())..]).filter_map(move |found| {
        let start = found;
        let candidate = &bytes[start..];
        let heads_match =
            candidate.first() == Some(&first) && (second.is_none() || candidate.get(1) == second.as_ref());
        (heads_match && candidate.len() >= wanted.len() && candidate[..wanted.len()] == *wanted).then_some(start)
    })
}

fn boundary(c: Option<char>) -> bool {
    c.is_none_or(|c| !(c.is_alphanumeric() || c == '\''))
}

/// Whether `needle` (lowercase) is in `haystack` (lowercase) as whole words. Arabic needles may
/// carry clitics in front (و ف ب ل ك, and the article), since Arabic writes them attached.
pub fn contains_word(haystack: &str, needle: &str) -> bool {
    if needle.is_empty() {
        return false;
    }
    let arabic = needle.chars().any(is_arabic);
    occurrences(haystack, needle).any(|start| word_at(haystack, start, needle, arabic))
}

/// Whether `needle`, found in `haystack` at byte `start`, stands there as whole words by the
/// rules of [`contains_word`]. `arabic`: the needle has Arabic letters.
pub(crate) fn word_at(haystack: &str, start: usize, needle: &str, arabic: bool) -> bool {
    let before = haystack[..start].chars().next_back();
    let after = haystack[start + needle.len()..].chars().next();
    if arabic {
        let prefix_ok = boundary(before) || {
            let word_start = haystack[..start]
                .rfind(|c: char| !c.is_alphanumeric())
                .map_or(0, |i| i + haystack[i..].chars().next().map_or(1, char::len_utf8));
            is_clitic_prefix(&haystack[word_start..start])
        };
        // Arabic words take suffixes (ـها، ـكم، ـاً): accept any ending, except after a
        // word of two letters, which begins too many others («بر» in «البرمجة»,
        // programming; «حج» in «حجز», a booking): only a pronoun or a case ending there.
        prefix_ok && (needle.chars().count() > 2 || short_word_ends(&haystack[start + needle.len()..]))
    } else {
        boundary(before) && boundary(after)
    }
}

/// Whether what follows a two-letter Arabic word ends it: nothing more, or an attached pronoun
/// or ending («بره»، «حجكم»، «حجا»).
fn short_word_ends(after: &str) -> bool {
    let ending = after.split(|c: char| !c.is_alphanumeric()).next().unwrap_or_default();
    matches!(
        ending,
        "" | "ه" | "ها" | "هم" | "هما" | "هن" | "ك" | "كم" | "كما" | "كن" | "ي" | "نا" | "ا" | "ة" | "ى"
    )
}

/// Whether what comes before a word is its clitics: a conjunction (و، ف), then a preposition
/// (ب، ك، ل), then the article (ال, written ل after ل: «للصلاة»). «أ» of «أفضل» is none of these,
/// so «فضل» (virtue) is not found in «أفضل» (best).
fn is_clitic_prefix(prefix: &str) -> bool {
    let rest = prefix.strip_prefix(['و', 'ف']).unwrap_or(prefix);
    let (rest, preposition) = match rest.strip_prefix(['ب', 'ك', 'ل']) {
        Some(after) => (after, rest.starts_with('ل')),
        None => (rest, false),
    };
    rest.is_empty() || rest == "ال" || (preposition && rest == "ل")
}

/// Whether `needle` starts a word of `haystack` ("pray" in "prayers", not in "spray").
pub fn starts_word(haystack: &str, needle: &str) -> bool {
    !needle.is_empty() && occurrences(haystack, needle).any(|start| boundary(haystack[..start].chars().next_back()))
}

pub fn contains_any_word(haystack: &str, needles: &[&str]) -> bool {
    needles.iter().any(|needle| contains_word(haystack, needle))
}

/// One piece of a message.
#[derive(Debug, Clone, PartialEq)]
pub enum Token {
    Word(String),
    /// A number as written, with its magnitude applied ("12k" is 12000).
    Number {
        value: Decimal,
        /// Letters written onto it: "g", "kg", "st" ("1st").
        suffix: String,
    },
    /// `$`, `£`, `€`, `¥`, `₹`, `﷼`.
    Currency(char),
    /// Any other mark: `/`, `.`, `,`, `?`, `:`, `-`, `%`.
    Mark(char),
}

impl Token {
    pub fn word(&self) -> Option<&str> {
        match self {
            Token::Word(word) => Some(word),
            _ => None,
        }
    }

    pub fn number(&self) -> Option<Decimal> {
        match self {
            Token::Number { value, .. } => Some(*value),
            _ => None,
        }
    }

    pub fn is_sentence_end(&self) -> bool {
        matches!(self, Token::Mark('.' | '?' | '!' | ';' | '؟' | '\n'))
    }
}

const MAGNITUDES: &[(&str, i64)] = &[
    ("k", 1_000),
    ("thousand", 1_000),
    ("grand", 1_000),
    ("m", 1_000_000),
    ("mn", 1_000_000),
    ("mil", 1_000_000),
    ("million", 1_000_000),
    ("millions", 1_000_000),
    ("bn", 1_000_000_000),
    ("billion", 1_000_000_000),
    ("lakh", 100_000),
    ("lakhs", 100_000),
    ("lac", 100_000),
    ("crore", 10_000_000),
    ("crores", 10_000_000),
    ("الف", 1_000),
    ("ألف", 1_000),
    ("آلاف", 1_000),
    ("الاف", 1_000),
    ("مليون", 1_000_000),
    ("ملايين", 1_000_000),
];

const SMALL_NUMBERS: &[(&str, i64)] = &[
    ("zero", 0),
    ("one", 1),
    ("two", 2),
    ("three", 3),
    ("four", 4),
    ("five", 5),
    ("six", 6),
    ("seven", 7),
    ("eight", 8),
    ("nine", 9),
    ("ten", 10),
    ("eleven", 11),
    ("twelve", 12),
    ("thirteen", 13),
    ("fourteen", 14),
    ("fifteen", 15),
    ("sixteen", 16),
    ("seventeen", 17),
    ("eighteen", 18),
    ("nineteen", 19),
    ("twenty", 20),
    ("thirty", 30),
    ("forty", 40),
    ("fifty", 50),
    ("sixty", 60),
    ("seventy", 70),
    ("eighty", 80),
    ("ninety", 90),
    ("hundred", 100),
    ("واحد", 1),
    ("اثنين", 2),
    ("اثنان", 2),
    ("ثلاثة", 3),
    ("ثلاث", 3),
    ("أربعة", 4),
    ("اربعة", 4),
    ("أربع", 4),
    ("خمسة", 5),
    ("خمس", 5),
    ("ستة", 6),
    ("سبعة", 7),
    ("ثمانية", 8),
    ("تسعة", 9),
    ("عشرة", 10),
];

/// A small number written as a word ("five", "twenty", "خمسة").
pub fn number_word(word: &str) -> Option<i64> {
    SMALL_NUMBERS
        .iter()
        .find(|(name, _)| *name == word)
        .map(|(_, value)| *value)
}

/// Splits a message (already [`normalize`]d and lowercased) into tokens. Numbers keep their
/// separators' meaning ("12,000.50"), take a magnitude written onto them or right after them
/// ("12k", "1.5 million"), and small number words become numbers ("five thousand").
pub fn tokenize(text: &str) -> Vec<Token> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut index = 0;
    while index < chars.len() {
        let c = chars[index];
        if c.is_ascii_digit() {
            let start = index;
            let mut digits = String::new();
            while index < chars.len() {
                let here = chars[index];
                if here.is_ascii_digit() {
                    digits.push(here);
                    index += 1;
                } else if (here == ',' || here == '\'' || here == ' ')
                    && chars
                        .get(index + 1..index + 4)
                        .is_some_and(|next| next.iter().all(char::is_ascii_digit))
                    && chars.get(index + 4).is_none_or(|after| !after.is_ascii_digit())
                    && !digits.contains('.')
                {
                    // A thousands separator: exactly three digits follow.
                    index += 1;
                } else if here == '.' && chars.get(index + 1).is_some_and(char::is_ascii_digit) && !digits.contains('.')
                {
                    digits.push('.');
                    index += 1;
                } else {
                    break;
                }
            }
            let mut suffix = String::new();
            while index < chars.len() && chars[index].is_alphabetic() && !is_arabic(chars[index]) {
                suffix.push(chars[index]);
                index += 1;
            }
            let mut value = Decimal::from_str(&digits).unwrap_or_default();
            if let Some((_, factor)) = MAGNITUDES.iter().find(|(name, _)| *name == suffix) {
                value *= Decimal::from(*factor);
                suffix.clear();
            }
            let _ = start;
            tokens.push(Token::Number { value, suffix });
            continue;
        }
        if c.is_alphabetic() {
            let mut word = String::new();
            while index < chars.len() {
                let here = chars[index];
                let apostrophe_inside =
                    here == '\'' && !word.is_empty() && chars.get(index + 1).is_some_and(|next| next.is_alphabetic());
                if here.is_alphabetic() || here == '\u{0640}' || apostrophe_inside || is_arabic_mark(here) {
                    if !is_arabic_mark(here) && here != '\u{0640}' {
                        word.push(here);
                    }
                    index += 1;
                } else {
                    break;
                }
            }
            tokens.push(Token::Word(word));
            continue;
        }
        index += 1;
        match c {
            '$' | '£' | '€' | '¥' | '₹' | '﷼' => tokens.push(Token::Currency(c)),
            c if c.is_whitespace() && c != '\n' => {}
            other => tokens.push(Token::Mark(other)),
        }
    }
    merge_magnitudes(tokens)
}

fn is_arabic_mark(c: char) -> bool {
    matches!(c, '\u{064B}'..='\u{065F}' | '\u{0670}')
}

/// "1.5 million" → 1500000; "five thousand" → 5000; "twenty five" → 25.
fn merge_magnitudes(tokens: Vec<Token>) -> Vec<Token> {
    let mut out: Vec<Token> = Vec::with_capacity(tokens.len());
    for token in tokens {
        if let Token::Word(word) = &token {
            if let Some((_, factor)) = MAGNITUDES.iter().find(|(name, _)| *name == word && name.len() > 2)
                && let Some(Token::Number { value, suffix }) = out.last_mut()
                && (suffix.is_empty() || suffix == "w")
            {
                *value *= Decimal::from(*factor);
                continue;
            }
            if let Some(small) = number_word(word) {
                match out.last_mut() {
                    // "twenty five"
                    Some(Token::Number { value, suffix })
                        if suffix == "w" && *value >= Decimal::from(20) && small < 10 =>
                    {
                        *value += Decimal::from(small);
                    }
                    // "five hundred"
                    Some(Token::Number { value, suffix }) if suffix == "w" && small == 100 => {
                        *value *= Decimal::from(100);
                    }
                    _ => out.push(Token::Number {
                        value: Decimal::from(small),
                        suffix: "w".to_owned(),
                    }),
                }
                continue;
            }
        }
        out.push(token);
    }
    // Number words are marked with suffix "w" while merging; they are plain numbers after.
    for token in &mut out {
        if let Token::Number { suffix, .. } = token
            && suffix == "w"
        {
            suffix.clear();
        }
    }
    out
}

#[cfg(test)]
mod tests {

    #[test]
    fn arabic_words_take_their_clitics_and_nothing_else() {
        for (haystack, needle) in [
            ("ما فضل سورة الكهف", "فضل"),
            ("وفضل الصيام", "فضل"),
            ("بالصلاة", "صلاة"),
            ("للصلاة", "صلاة"),
            ("والصلاة", "صلاة"),
            ("فبالصبر", "صبر"),
            ("كالصبر", "صبر"),
            ("ما فضل بر الوالدين", "بر"),
            ("بره بأمه", "بر"),
            ("حجكم مبرور", "حج"),
        ] {
            assert!(contains_word(haystack, needle), "{needle} in {haystack}");
        }
        for (haystack, needle) in [
            ("ما هو أفضل هاتف", "فضل"),
            ("افضل", "فضل"),
            ("استغفار", "غفار"),
            ("كيف أتعلم البرمجة", "بر"),
            ("أريد حجز فندق", "حج"),
        ] {
            assert!(!contains_word(haystack, needle), "{needle} not in {haystack}");
        }
    }

    use super::*;

    #[test]
    fn occurrences_are_every_overlapping_match_in_either_script() {
        let texts = [
            "",
            "a",
            "aaa",
            "ما حكم الصلاة والصلاه",
            "prayer prayers spray",
            "ﷺ صلى",
            "بربر",
            "x",
        ];
        let needles = [
            "a",
            "aa",
            "pray",
            "ray",
            "الصلاة",
            "صل",
            "بر",
            "ﷺ",
            "ب",
            "حكم الص",
            "xyz",
        ];
        for text in texts {
            for needle in needles {
                let expected: Vec<usize> = (0..text.len())
                    .filter(|&i| text.is_char_boundary(i) && text[i..].starts_with(needle))
                    .collect();
                assert_eq!(
                    occurrences(text, needle).collect::<Vec<_>>(),
                    expected,
                    "{needle:?} in {text:?}"
                );
            }
        }
    }

    fn numbers(text: &str) -> Vec<Decimal> {
        tokenize(&normalize(&text.to_lowercase()))
            .iter()
            .filter_map(Token::number)
            .collect()
    }

    fn d(text: &str) -> Decimal {
        Decimal::from_str(text).unwrap()
    }

    #[test]
    fn numbers_in_the_forms_people_write() {
        assert_eq!(numbers("$12,000 saved"), [d("12000")]);
        assert_eq!(numbers("12k"), [d("12000")]);
        assert_eq!(numbers("£1,200.50"), [d("1200.50")]);
        assert_eq!(numbers("1.5 million"), [d("1500000")]);
        assert_eq!(numbers("٥٠٠٠ دولار"), [d("5000")]);
        assert_eq!(numbers("٣٢٥٫٠٠"), [d("325.00")]);
        assert_eq!(numbers("five thousand dollars"), [d("5000")]);
        assert_eq!(numbers("twenty five"), [d("25")]);
        assert_eq!(numbers("2 lakh rupees"), [d("200000")]);
        assert_eq!(numbers("1,2,3"), [d("1"), d("2"), d("3")], "not thousands separators");
        assert_eq!(numbers("و١٠٠ غرام"), [d("100")]);
    }

    #[test]
    fn currency_signs_and_units_stay_beside_their_numbers() {
        let tokens = tokenize(&normalize("$92/g and 40g"));
        assert_eq!(tokens[0], Token::Currency('$'));
        assert_eq!(tokens[1].number(), Some(d("92")));
        assert_eq!(tokens[2], Token::Mark('/'));
        assert_eq!(tokens[3].word(), Some("g"));
        assert_eq!(
            tokens[5],
            Token::Number {
                value: d("40"),
                suffix: "g".into()
            }
        );
    }

    #[test]
    fn words_are_matched_whole() {
        assert!(!contains_word("what is the hijri date", "hi"));
        assert!(contains_word("hi there", "hi"));
        assert!(!contains_word("this is it", "hi"));
        assert!(contains_word("والصلاة في السفر", "الصلاة"));
        assert!(contains_word("ما حكم الصلاة", "حكم"));
        assert!(starts_word("prayers in london", "pray"));
        assert!(!starts_word("spray paint", "pray"));
    }
}
