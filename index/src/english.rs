//! English as the older translations write it. Pickthall's and Yusuf Ali's "thou wast", "thou
//! hast" share their stems with modern words ("wasting" → wast, "haste" → hast), so a question
//! about wasting money found "thou wast not on the western side". Archaic forms are read as the
//! modern words they are, in the texts and in queries alike, before stemming.

use std::mem;

use tantivy::tokenizer::{Token, TokenFilter, TokenStream, Tokenizer};

/// Archaic pronouns and verb forms, lowercase, and their modern words. Only forms that are never
/// a modern word of their own ("art" is left alone: it is also a noun).
const ARCHAIC: &[(&str, &str)] = &[
    ("thou", "you"),
    ("thee", "you"),
    ("ye", "you"),
    ("thy", "your"),
    ("thine", "your"),
    ("wast", "was"),
    ("wert", "were"),
    ("hast", "has"),
    ("hath", "has"),
    ("dost", "do"),
    ("doth", "does"),
    ("didst", "did"),
    ("shalt", "shall"),
    ("wilt", "will"),
    ("canst", "can"),
    ("couldst", "could"),
    ("wouldst", "would"),
    ("shouldst", "should"),
    ("mayest", "may"),
    ("mightest", "might"),
];

/// The modern word for an archaic form (lowercase), if it is one.
pub fn modern(word: &str) -> Option<&'static str> {
    ARCHAIC
        .iter()
        .find(|(archaic, _)| *archaic == word)
        .map(|(_, modern)| *modern)
}

/// A token filter (after lowercasing, before stop words and stemming) that replaces archaic forms.
#[derive(Clone)]
pub struct ArchaicEnglish;

impl TokenFilter for ArchaicEnglish {
    type Tokenizer<T: Tokenizer> = ArchaicEnglishFilter<T>;

    fn transform<T: Tokenizer>(self, tokenizer: T) -> Self::Tokenizer<T> {
        ArchaicEnglishFilter { tokenizer }
    }
}

#[derive(Clone)]
pub struct ArchaicEnglishFilter<T> {
    tokenizer: T,
}

impl<T: Tokenizer> Tokenizer for ArchaicEnglishFilter<T> {
    type TokenStream<'a> = ArchaicEnglishStream<T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        ArchaicEnglishStream {
            tail: self.tokenizer.token_stream(text),
        }
    }
}

pub struct ArchaicEnglishStream<T> {
    tail: T,
}

impl<T: TokenStream> TokenStream for ArchaicEnglishStream<T> {
    fn advance(&mut self) -> bool {
        if !self.tail.advance() {
            return false;
        }
        if let Some(word) = modern(&self.tail.token().text) {
            let _ = mem::replace(&mut self.tail.token_mut().text, word.to_owned());
        }
        true
    }

    fn token(&self) -> &Token {
        self.tail.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.tail.token_mut()
    }
}

#[cfg(test)]
mod tests {
    use tantivy::tokenizer::{Language, LowerCaser, SimpleTokenizer, Stemmer, TextAnalyzer};

    use super::*;

    fn terms(text: &str) -> Vec<String> {
        let mut analyzer = TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(LowerCaser)
            .filter(ArchaicEnglish)
            .filter(Stemmer::new(Language::English))
            .build();
        let mut stream = analyzer.token_stream(text);
        let mut terms = Vec::new();
        while stream.advance() {
            terms.push(stream.token().text.clone());
        }
        terms
    }

    #[test]
    fn archaic_forms_no_longer_share_a_stem_with_modern_words() {
        assert_eq!(terms("Thou wast not"), ["you", "was", "not"]);
        assert!(!terms("thou wast").contains(&terms("wasting")[0]));
        assert!(!terms("thou hast").contains(&terms("haste")[0]));
        // Modern words are untouched.
        assert_eq!(terms("do not spend wastefully"), terms("do not spend wastefully"));
        assert_eq!(terms("art"), ["art"]);
    }
}
