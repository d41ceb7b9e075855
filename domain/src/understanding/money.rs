//! Money and quantities in a message: which numbers are amounts of money, in which currency,
//! which are grams, kilograms, or prices per gram or per kilogram, and what the words around
//! each one say it is. The zakat and zakat al-fitr readers build on this.

use rust_decimal::Decimal;

use super::text::Token;

/// Grams in a troy ounce and in a tola, for prices and holdings given in those units.
pub fn grams_per_troy_ounce() -> Decimal {
    Decimal::new(311_034_768, 7)
}

pub fn grams_per_tola() -> Decimal {
    Decimal::new(116_638_038, 7)
}

/// A currency as the user wrote it: a sign, an ISO code or a word.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Currency {
    /// How we write amounts back: "$", "£", "€", or a code or word after the amount.
    pub display: String,
    /// Whether `display` goes before the amount ("$300.00") or after it ("300.00 SAR").
    pub prefix: bool,
}

impl Currency {
    pub fn format(&self, amount: Decimal) -> String {
        if self.prefix {
            format!("{}{amount}", self.display)
        } else {
            format!("{amount} {}", self.display)
        }
    }
}

/// Currency words and how an amount is written back: in the user's own word (a "dollars" user
/// may be Canadian), or the code they typed.
const CURRENCY_WORDS: &[(&str, &str)] = &[
    ("dollar", "dollars"),
    ("dollars", "dollars"),
    ("bucks", "dollars"),
    ("usd", "USD"),
    ("pound", "pounds"),
    ("pounds", "pounds"),
    ("quid", "pounds"),
    ("gbp", "GBP"),
    ("euro", "euros"),
    ("euros", "euros"),
    ("eur", "EUR"),
    ("riyal", "riyals"),
    ("riyals", "riyals"),
    ("sar", "SAR"),
    ("qar", "QAR"),
    ("dirham", "dirhams"),
    ("dirhams", "dirhams"),
    ("aed", "AED"),
    ("rupee", "rupees"),
    ("rupees", "rupees"),
    ("rs", "rupees"),
    ("pkr", "PKR"),
    ("inr", "INR"),
    ("ringgit", "ringgit"),
    ("rm", "ringgit"),
    ("myr", "MYR"),
    ("lira", "lira"),
    ("try", "TRY"),
    ("dinar", "dinars"),
    ("dinars", "dinars"),
    ("kwd", "KWD"),
    ("taka", "taka"),
    ("bdt", "BDT"),
    ("rupiah", "rupiah"),
    ("idr", "IDR"),
    ("naira", "naira"),
    ("cad", "CAD"),
    ("aud", "AUD"),
    ("francs", "francs"),
    ("chf", "CHF"),
    ("kroner", "kroner"),
    ("kronor", "kronor"),
    ("دولار", "دولار"),
    ("دولارا", "دولار"),
    ("دولارات", "دولار"),
    ("ريال", "ريال"),
    ("ريالا", "ريال"),
    ("ريالات", "ريال"),
    ("درهم", "درهم"),
    ("دراهم", "درهم"),
    ("دينار", "دينار"),
    ("دنانير", "دينار"),
    ("جنيه", "جنيه"),
    ("جنيها", "جنيه"),
    ("يورو", "يورو"),
    ("ليرة", "ليرة"),
];

pub fn currency_word(word: &str) -> Option<&'static str> {
    let find = |word: &str| {
        CURRENCY_WORDS
            .iter()
            .find(|(name, _)| *name == word)
            .map(|(_, code)| *code)
    };
    // Arabic writes a counted noun in the accusative after 11-99: «٦٠ ديناراً», «٥٠ درهماً».
    find(word).or_else(|| {
        let bare = word.trim_end_matches('\u{064B}').strip_suffix('ا')?;
        bare.chars()
            .any(|c| ('\u{0600}'..='\u{06FF}').contains(&c))
            .then(|| find(bare))?
    })
}

pub fn currency_sign(sign: char) -> Currency {
    Currency {
        display: sign.to_string(),
        prefix: true,
    }
}

const GRAM_WORDS: &[&str] = &[
    "g",
    "gr",
    "gram",
    "grams",
    "gramme",
    "grammes",
    "gm",
    "gms",
    "غرام",
    "غرامات",
    "جرام",
    "جرامات",
    "غم",
    "غ",
    "جم",
];
const KILO_WORDS: &[&str] = &[
    "kg",
    "kgs",
    "kilo",
    "kilos",
    "kilogram",
    "kilograms",
    "kilogramme",
    "كيلو",
    "كيلوغرام",
    "كغ",
    "كجم",
];
const OUNCE_WORDS: &[&str] = &["oz", "ounce", "ounces", "أونصة", "اونصة"];
const TOLA_WORDS: &[&str] = &["tola", "tolas", "tolah", "تولة"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Gram,
    Kilogram,
    Ounce,
    Tola,
}

impl Unit {
    pub fn of_word(word: &str) -> Option<Unit> {
        let word = word.trim_start_matches(['ب', 'ل', 'و', 'ف']);
        let bare = word.strip_prefix("ال").unwrap_or(word);
        if GRAM_WORDS.contains(&word) || GRAM_WORDS.contains(&bare) {
            Some(Unit::Gram)
        } else if KILO_WORDS.contains(&word) || KILO_WORDS.contains(&bare) {
            Some(Unit::Kilogram)
        } else if OUNCE_WORDS.contains(&word) || OUNCE_WORDS.contains(&bare) {
            Some(Unit::Ounce)
        } else if TOLA_WORDS.contains(&word) || TOLA_WORDS.contains(&bare) {
            Some(Unit::Tola)
        } else {
            None
        }
    }

    /// Grams in one of this unit (kilograms are for food, not metals).
    pub fn grams(self) -> Decimal {
        match self {
            Unit::Gram => Decimal::ONE,
            Unit::Kilogram => Decimal::new(1000, 0),
            Unit::Ounce => grams_per_troy_ounce(),
            Unit::Tola => grams_per_tola(),
        }
    }
}

/// What the tokens right around a number say it is.
#[derive(Debug, Clone, PartialEq)]
pub struct Quantity {
    /// Index of the number among the tokens.
    pub at: usize,
    pub value: Decimal,
    /// The currency written on or beside it.
    pub currency: Option<Currency>,
    /// A unit written after it ("100 grams", "40g", "2 kg").
    pub unit: Option<Unit>,
    /// A price per unit ("85 a gram", "$92/g", "2 dollars a kilo", "سعر كيلو الأرز ٣").
    pub per: Option<Unit>,
}

fn word_at(tokens: &[Token], index: usize) -> Option<&str> {
    tokens.get(index).and_then(Token::word)
}

/// Reads every number of a token list as a quantity.
pub fn quantities(tokens: &[Token]) -> Vec<Quantity> {
    let mut found = Vec::new();
    for (at, token) in tokens.iter().enumerate() {
        let Token::Number { value, suffix } = token else {
            continue;
        };
        let mut currency = match at.checked_sub(1).and_then(|i| tokens.get(i)) {
            Some(Token::Currency(sign)) => Some(currency_sign(*sign)),
            _ => None,
        };
        let mut unit = Unit::of_word(suffix);
        let mut next = at + 1;
        if unit.is_none() {
            if let Some(code) = word_at(tokens, next).and_then(currency_word) {
                currency.get_or_insert(Currency {
                    display: code.to_owned(),
                    prefix: false,
                });
                next += 1;
            } else if let Some(found_unit) = word_at(tokens, next)
                // «٦٠ للغرام» is "60 for the gram", a price; «٦٠ غرام» is a weight.
                .filter(|word| !word.starts_with("لل"))
                .and_then(Unit::of_word)
            {
                unit = Some(found_unit);
                next += 1;
            }
        }
        // "85 a gram", "$92/g", "85 per gram", "2 dollars a kilo", "90 dollars/gram".
        let mut per = None;
        if unit.is_none() {
            let linker = match (tokens.get(next), word_at(tokens, next)) {
                (Some(Token::Mark('/')), _) => Some(next + 1),
                (_, Some("a" | "an" | "per" | "each" | "for" | "لكل" | "ل")) => {
                    // "for a gram", "per one gram"
                    match word_at(tokens, next + 1) {
                        Some("a" | "an" | "one" | "1") => Some(next + 2),
                        _ => Some(next + 1),
                    }
                }
                _ => None,
            };
            if let Some(unit_at) = linker {
                per = word_at(tokens, unit_at).and_then(Unit::of_word);
            }
            // Arabic: "للغرام", "الكيلو" right after the number.
            if per.is_none()
                && let Some(word) = word_at(tokens, next)
                && (word.starts_with("لل") || word.starts_with("ال"))
            {
                per = Unit::of_word(word);
            }
        }
        // "the price of a gram of gold is 80", "سعر غرام الذهب ٨٠", "سعر كيلو الأرز ٣".
        if per.is_none() && unit.is_none() {
            let start = at.saturating_sub(6);
            let before: Vec<&str> = (start..at).filter_map(|i| word_at(tokens, i)).collect();
            let priced = before
                .iter()
                .any(|w| matches!(*w, "price" | "costs" | "cost" | "rate") || w.ends_with("سعر"));
            if priced && let Some(found_unit) = before.iter().rev().find_map(|w| Unit::of_word(w)) {
                per = Some(found_unit);
            }
        }
        found.push(Quantity {
            at,
            value: *value,
            currency,
            unit,
            per,
        });
    }
    found
}

/// The words of the clause around token `at`, up to `before`/`after` tokens each side. A clause
/// ends at a sentence mark, a comma, or another number (whose own words those are).
pub fn window(tokens: &[Token], at: usize, before: usize, after: usize) -> (Vec<&str>, Vec<&str>) {
    let stops = |token: &Token| token.is_sentence_end() || matches!(token, Token::Mark(',') | Token::Number { .. });
    let mut start = at;
    while start > 0 && at - start < before && !stops(&tokens[start - 1]) {
        start -= 1;
    }
    let mut end = at + 1;
    while end < tokens.len() && end - at <= after && !stops(&tokens[end]) {
        end += 1;
    }
    let words = |range: std::ops::Range<usize>| range.filter_map(|i| word_at(tokens, i)).collect::<Vec<_>>();
    (words(start..at), words(at + 1..end))
}

#[cfg(test)]
mod tests {
    use super::super::text::{normalize, tokenize};
    use super::*;
    use std::str::FromStr;

    fn read(text: &str) -> Vec<Quantity> {
        quantities(&tokenize(&normalize(&text.to_lowercase())))
    }

    #[test]
    fn prices_per_unit_in_many_forms() {
        for text in [
            "gold is 85 a gram",
            "gold is $92/g",
            "gold price is £68.40 per gram",
            "gold is 90 dollars/gram",
            "85/g",
            "سعر غرام الذهب ٨٠ دولاراً",
        ] {
            let quantity = read(text).into_iter().next().unwrap();
            assert_eq!(quantity.per, Some(Unit::Gram), "{text}");
        }
        let rice = read("rice is 2 dollars a kilo").remove(0);
        assert_eq!(rice.per, Some(Unit::Kilogram));
        assert_eq!(rice.currency.unwrap().display, "dollars");
        assert_eq!(read("سعر كيلو الأرز ٣ ريالات")[0].per, Some(Unit::Kilogram));
        assert_eq!(read("gold is $2,000 an ounce")[0].per, Some(Unit::Ounce));
    }

    #[test]
    fn amounts_and_units() {
        let grams = read("40g of gold").remove(0);
        assert_eq!(grams.unit, Some(Unit::Gram));
        let money = read("£2,350 in my account").remove(0);
        assert_eq!(money.value, Decimal::from_str("2350").unwrap());
        assert_eq!(money.currency.unwrap().format(Decimal::new(30875, 2)), "£308.75");
        assert_eq!(read("١٠٠ غرام ذهب")[0].unit, Some(Unit::Gram));
        assert_eq!(read("3 kg per person")[0].unit, Some(Unit::Kilogram));
    }
}
