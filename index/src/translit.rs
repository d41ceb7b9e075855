//! Arabic in Latin letters. People type "inna lillahi wa inna ilayhi raji'un" where the Tanzil
//! transliteration has "inna lillahi wainna ilayhi rajiAAoona": vowels, word breaks, the letter
//! ʿayn and assimilated articles differ, the consonants mostly do not. Both sides are reduced to
//! a consonant skeleton, and the skeleton is indexed as overlapping character trigrams, so BM25
//! ranks a verse by how much of the typed skeleton it contains, wherever the spaces fell.

use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

/// Lowercase Latin letters only, with accented letters and ʿayn/hamza marks folded away.
fn plain_letters(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        let folded = match c {
            'A'..='Z' | 'a'..='z' => c.to_ascii_lowercase(),
            'ā' | 'á' | 'à' | 'â' | 'ä' | 'Ā' | 'Á' => 'a',
            'ī' | 'í' | 'ì' | 'î' | 'Ī' | 'Í' => 'i',
            'ū' | 'ú' | 'ù' | 'û' | 'ü' | 'Ū' | 'Ú' => 'u',
            'ē' | 'é' | 'è' | 'ê' => 'e',
            'ō' | 'ó' | 'ò' | 'ô' | 'ö' => 'o',
            'ḥ' | 'Ḥ' => 'h',
            'ṣ' | 'Ṣ' => 's',
            'ḍ' | 'Ḍ' => 'd',
            'ṭ' | 'Ṭ' => 't',
            'ẓ' | 'Ẓ' => 'z',
            'ġ' => 'g',
            ' ' | '-' | '\t' | '\n' => ' ',
            _ => continue,
        };
        out.push(folded);
    }
    out
}

/// The consonant skeleton of a transliteration: digraphs become one symbol (`sh` → `1`,
/// `kh` → `2`, `gh` → `3`, and `th`/`dh`/`z` → `4`, which users and Tanzil write for the same
/// letters ث ذ ظ), `q` and `k` meet, an article assimilated to a doubled letter loses its `l`
/// ("alddunya" → "addunya", as users write "fid dunya"), vowels and breaks go, and doubled
/// letters collapse.
pub fn skeleton(text: &str) -> String {
    // Tanzil writes ʿayn as "AA"; it is a vowel-like gap for matching, like the user's apostrophe.
    let letters = plain_letters(&text.replace("AA", ""));
    let bytes = letters.as_bytes();
    let mut symbols: Vec<u8> = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        let pair = bytes.get(index..index + 2);
        let symbol = match pair {
            Some(b"sh") => Some(b'1'),
            Some(b"kh") => Some(b'2'),
            Some(b"gh") => Some(b'3'),
            Some(b"th") | Some(b"dh") => Some(b'4'),
            _ => None,
        };
        if let Some(symbol) = symbol {
            symbols.push(symbol);
            index += 2;
            continue;
        }
        symbols.push(match bytes[index] {
            b'z' => b'4',
            b'q' => b'k',
            other => other,
        });
        index += 1;
    }
    // An "l" before a doubled letter is an assimilated article: "l" + "dd" → "dd".
    let mut assimilated: Vec<u8> = Vec::with_capacity(symbols.len());
    for (position, &symbol) in symbols.iter().enumerate() {
        let doubled_next = symbols
            .get(position + 1)
            .is_some_and(|&next| next != b'l' && next != b' ' && symbols.get(position + 2) == Some(&next));
        let after_vowel_or_start =
            position == 0 || matches!(symbols[position - 1], b'a' | b'e' | b'i' | b'o' | b'u' | b' ');
        if symbol == b'l' && doubled_next && after_vowel_or_start {
            continue;
        }
        assimilated.push(symbol);
    }
    let mut out = String::with_capacity(assimilated.len());
    let mut previous = 0u8;
    for symbol in assimilated {
        if matches!(symbol, b'a' | b'e' | b'i' | b'o' | b'u' | b' ') || symbol == previous {
            continue;
        }
        out.push(char::from(symbol));
        previous = symbol;
    }
    out
}

/// Tokenizes a transliteration into the trigrams of its skeleton.
#[derive(Clone, Default)]
pub struct SkeletonTokenizer {
    token: Token,
}

pub struct SkeletonTokenStream<'a> {
    grams: Vec<String>,
    next: usize,
    token: &'a mut Token,
}

/// The overlapping trigrams of a skeleton (a shorter skeleton is one gram).
pub fn trigrams(skeleton: &str) -> Vec<String> {
    let chars: Vec<char> = skeleton.chars().collect();
    if chars.len() < 3 {
        return if chars.is_empty() {
            Vec::new()
        } else {
            vec![chars.iter().collect()]
        };
    }
    chars.windows(3).map(|window| window.iter().collect()).collect()
}

impl Tokenizer for SkeletonTokenizer {
    type TokenStream<'a> = SkeletonTokenStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> SkeletonTokenStream<'a> {
        self.token.reset();
        SkeletonTokenStream {
            grams: trigrams(&skeleton(text)),
            next: 0,
            token: &mut self.token,
        }
    }
}

impl TokenStream for SkeletonTokenStream<'_> {
    fn advance(&mut self) -> bool {
        let Some(gram) = self.grams.get(self.next) else {
            return false;
        };
        self.token.text.clear();
        self.token.text.push_str(gram);
        self.token.position = self.next;
        self.token.offset_from = 0;
        self.token.offset_to = 0;
        self.next += 1;
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

    #[test]
    fn typed_and_tanzil_spellings_share_a_skeleton() {
        assert_eq!(
            skeleton("inna lillahi wa inna ilayhi raji'un"),
            skeleton("inna lillahi wainna ilayhi rajiAAoona")
        );
        // Assimilated articles: "fid dunya" / "fee alddunya", "minaz zalimin" / "mina alththalimeena".
        assert_eq!(skeleton("fid dunya"), skeleton("fee alddunya"));
        assert_eq!(skeleton("minaz zalimin"), skeleton("mina alththalimeena"));
        assert_eq!(skeleton("adhaban nar"), skeleton("AAathaba alnnari"));
    }

    #[test]
    fn a_typed_phrase_is_found_inside_the_verse_skeleton() {
        let verse = skeleton("Waqala irkaboo feeha bismi Allahi majraha wamursaha inna rabbee laghafoorun raheemun");
        let typed = skeleton("bismillahi majreha wa mursaha");
        assert!(verse.contains(&typed), "{typed} in {verse}");
    }

    #[test]
    fn trigrams_cover_the_skeleton() {
        assert_eq!(trigrams("bsml"), ["bsm", "sml"]);
        assert_eq!(trigrams("ab"), ["ab"]);
        assert!(trigrams("").is_empty());
    }
}
