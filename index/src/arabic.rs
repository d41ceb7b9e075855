//! Arabic analysis: folding that makes a query with or without diacritics find the same texts
//! (see the corpus README's list), and a tokenizer that keeps offsets into the original text so
//! highlights land on the right characters.

use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

/// What one character becomes: dropped, or a folded character.
pub fn fold_char(c: char) -> Option<char> {
    match c {
        // Tashkeel, Qur'anic annotation marks, small letters, waqf signs, ۞ and ۩.
        '\u{0610}'..='\u{061A}' | '\u{064B}'..='\u{065F}' | '\u{0670}' | '\u{06D6}'..='\u{06ED}' => None,
        '\u{08D3}'..='\u{08FF}' => None,
        // Tatweel and invisible format characters.
        '\u{0640}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}' => None,
        // Alef variants (أ إ آ ٱ ٲ ٳ) to bare alef.
        '\u{0622}' | '\u{0623}' | '\u{0625}' | '\u{0671}' | '\u{0672}' | '\u{0673}' => Some('\u{0627}'),
        // ى and Persian ی to ي; ئ to ي; ؤ to و; ة to ه; Persian ک to ك.
        '\u{0649}' | '\u{06CC}' | '\u{0626}' => Some('\u{064A}'),
        '\u{0624}' => Some('\u{0648}'),
        '\u{0629}' => Some('\u{0647}'),
        '\u{06A9}' => Some('\u{0643}'),
        // Arabic-Indic and extended digits to ASCII.
        '\u{0660}'..='\u{0669}' => char::from_digit(c as u32 - 0x0660, 10),
        '\u{06F0}'..='\u{06F9}' => char::from_digit(c as u32 - 0x06F0, 10),
        other => Some(other),
    }
}

/// Folds a whole string (for tests and for building query terms by hand).
pub fn fold(text: &str) -> String {
    text.chars()
        .filter_map(fold_char)
        .flat_map(char::to_lowercase)
        .collect()
}

/// Whether a text is (partly) in Arabic script: such queries search the Arabic fields.
pub fn has_arabic(text: &str) -> bool {
    text.chars().any(|c| ('\u{0600}'..='\u{06FF}').contains(&c))
}

fn is_arabic_letter(c: char) -> bool {
    ('\u{0621}'..='\u{064A}').contains(&c)
}

/// Strips the clitics that attach to a word with the article (و ف ب ك ل + ال, and لل), so
/// الرحمن, والرحمن and بالرحمن all meet رحمن. Bare و/ف are kept: too many roots begin with them.
pub fn strip_clitics(word: &str) -> &str {
    // The divine name is not "the" + "له" (for him): with any clitics before it (وبالله, لله,
    // فلله) it stays الله.
    for (ending, max_clitics) in [("الله", 3), ("لله", 2)] {
        if let Some(clitics) = word.strip_suffix(ending)
            && clitics.chars().count() <= max_clitics
            && clitics.chars().all(|c| matches!(c, 'و' | 'ف' | 'ب' | 'ت' | 'ك' | 'ل'))
        {
            return "الله";
        }
    }
    const PREFIXES: [&str; 6] = ["وال", "فال", "بال", "كال", "ال", "لل"];
    for prefix in PREFIXES {
        if let Some(rest) = word.strip_prefix(prefix)
            && rest.chars().count() >= 2
        {
            return rest;
        }
    }
    word
}

/// Splits on anything that is not a letter or digit once folded; marks inside a word do not
/// split it. Arabic words lose their article clitics; Latin words are lowercased.
#[derive(Clone, Default)]
pub struct ArabicTokenizer {
    token: Token,
}

pub struct ArabicTokenStream<'a> {
    text: &'a str,
    chars: std::str::CharIndices<'a>,
    token: &'a mut Token,
}

impl Tokenizer for ArabicTokenizer {
    type TokenStream<'a> = ArabicTokenStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> ArabicTokenStream<'a> {
        self.token.reset();
        self.token.position = usize::MAX;
        ArabicTokenStream {
            text,
            chars: text.char_indices(),
            token: &mut self.token,
        }
    }
}

impl TokenStream for ArabicTokenStream<'_> {
    fn advance(&mut self) -> bool {
        let mut word = String::new();
        let mut start = None;
        let mut end = 0;
        for (offset, c) in self.chars.by_ref() {
            let Some(folded) = fold_char(c) else {
                // A dropped mark: part of the word it sits in, if any.
                if start.is_some() {
                    end = offset + c.len_utf8();
                }
                continue;
            };
            if folded.is_alphanumeric() {
                start.get_or_insert(offset);
                word.extend(folded.to_lowercase());
                end = offset + c.len_utf8();
            } else if start.is_some() {
                break;
            }
        }
        let Some(start) = start else { return false };
        let text = if word.chars().any(is_arabic_letter) {
            strip_clitics(&word).to_owned()
        } else {
            word
        };
        self.token.text = text;
        self.token.offset_from = start;
        self.token.offset_to = end.min(self.text.len());
        self.token.position = self.token.position.wrapping_add(1);
        self.token.position_length = 1;
        true
    }

    fn token(&self) -> &Token {
        self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        self.token
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(text: &str) -> Vec<String> {
        let mut tokenizer = ArabicTokenizer::default();
        let mut stream = tokenizer.token_stream(text);
        let mut out = Vec::new();
        while stream.advance() {
            out.push(stream.token().text.clone());
        }
        out
    }

    #[test]
    fn diacritics_tatweel_and_invisible_marks_fold_away() {
        assert_eq!(fold("بِسۡمِ ٱللَّهِ"), "بسم الله");
        assert_eq!(fold("رضـــى"), "رضي");
        assert_eq!(fold("\u{200F}صلاة\u{200F}"), "صلاه");
        assert_eq!(fold("إيمان أحمد آمن"), "ايمان احمد امن");
        assert_eq!(fold("١٢٣ ۴"), "123 4");
    }

    #[test]
    fn vocalised_and_bare_words_give_the_same_tokens() {
        assert_eq!(tokens("ٱلرَّحۡمَٰنِ ٱلرَّحِيمِ"), tokens("الرحمن الرحيم"));
        assert_eq!(tokens("الرحمن"), ["رحمن"]);
        assert_eq!(tokens("ٱللَّهِ وَبِاللَّهِ لِلَّهِ"), ["الله", "الله", "الله"], "not له (for him)");
        assert_eq!(tokens("وَالصَّلَاةِ"), tokens("والصلاة"));
        assert_eq!(tokens("‏.‏ قَالَ ـ رضى الله عنه ـ"), ["قال", "رضي", "الله", "عنه"]);
    }

    #[test]
    fn offsets_point_into_the_original_text() {
        let text = "قَالَ: اللَّهُ";
        let mut tokenizer = ArabicTokenizer::default();
        let mut stream = tokenizer.token_stream(text);
        assert!(stream.advance());
        assert_eq!(&text[stream.token().offset_from..stream.token().offset_to], "قَالَ");
        assert!(stream.advance());
        assert_eq!(&text[stream.token().offset_from..stream.token().offset_to], "اللَّهُ");
        assert!(!stream.advance());
    }

    #[test]
    fn latin_text_is_split_and_lowercased() {
        assert_eq!(tokens("Al-Fatihah, The Opener"), ["al", "fatihah", "the", "opener"]);
    }
}
