//! Zakat al-fitr inputs from a plain message: how many people it is paid for ("a family of 5",
//! "4 people", "me, my wife, our 3 kids and my mum", "٤ أشخاص"), the staple's price per kilogram
//! ("rice is 2 dollars a kilo", "£1.35/kg", "سعر كيلو الأرز ٣ ريالات"), and a sa' the user states
//! ("3 kg per person"), or the price of a whole sa' ("a sa' of rice costs 10 riyals", "سعر الصاع ١٠").

use rust_decimal::Decimal;

use super::message::Message;
use super::money::{Currency, Unit, quantities, window};
use super::text::{Token, contains_any_word};

#[derive(Debug, Clone, Default, PartialEq)]
pub struct FitrReading {
    pub persons: Option<u32>,
    /// How the number of persons was read: "family of 5", or the household members named.
    pub persons_from: Option<String>,
    pub staple_price_per_kg: Option<Decimal>,
    /// The price of one sa' of the staple, when that is what the user knows.
    pub price_per_sa: Option<Decimal>,
    pub sa_kg: Option<Decimal>,
    pub currency: Option<Currency>,
    pub staple: Option<String>,
}

const PEOPLE_WORDS: &[&str] = &[
    "people",
    "persons",
    "person",
    "members",
    "heads",
    "souls",
    "of us",
    "individuals",
    "أشخاص",
    "اشخاص",
    "شخص",
    "أفراد",
    "افراد",
    "نفر",
    "أنفس",
];

/// Household members counted one each when named without a number ("my wife", "my mum").
const ONE_EACH: &[&str] = &[
    "me",
    "myself",
    "wife",
    "husband",
    "mum",
    "mom",
    "mother",
    "mam",
    "father",
    "dad",
    "son",
    "daughter",
    "baby",
    "grandmother",
    "grandma",
    "grandfather",
    "grandpa",
    "granny",
    "nan",
    "brother",
    "sister",
    "niece",
    "nephew",
    "زوجتي",
    "زوجي",
    "أمي",
    "امي",
    "أبي",
    "ابي",
    "ابني",
    "ابنتي",
    "نفسي",
];
/// Household members that come in a number ("our 3 kids", "my two daughters").
const COUNTED: &[&str] = &[
    "kids",
    "children",
    "sons",
    "daughters",
    "boys",
    "girls",
    "babies",
    "brothers",
    "sisters",
    "parents",
    "grandparents",
    "أطفال",
    "اطفال",
    "أولاد",
    "اولاد",
    "أبناء",
    "ابناء",
    "بنات",
];

const STAPLES: &[&str] = &[
    "rice",
    "wheat",
    "flour",
    "dates",
    "barley",
    "raisins",
    "corn",
    "maize",
    "cheese",
    "الأرز",
    "الارز",
    "أرز",
    "ارز",
    "القمح",
    "قمح",
    "التمر",
    "تمر",
    "الشعير",
    "شعير",
    "الطحين",
    "طحين",
];

/// Words that introduce the asker's own household: "I have 3 kids and a wife" is the asker and
/// four more, for each of whom the asker pays.
fn speaker_has(tokens: &[Token], before: usize) -> bool {
    let words: Vec<&str> = tokens[..before].iter().filter_map(Token::word).collect();
    words.iter().any(|w| matches!(*w, "i've" | "ive" | "عندي" | "لدي"))
        || words
            .windows(2)
            .any(|pair| pair[0] == "i" && matches!(pair[1], "have" | "got"))
}

fn household_count(tokens: &[Token]) -> Option<(u32, String)> {
    let mut count = 0u32;
    let mut named = Vec::new();
    let mut first_member = None;
    let mut speaker_named = false;
    for (index, token) in tokens.iter().enumerate() {
        let Some(word) = token.word() else { continue };
        if ONE_EACH.contains(&word) {
            // "me" only counts in a list of people ("for me, my wife…", "3 kids, me and my
            // wife"), not in "tell me".
            let after_list_word = index.checked_sub(1).map(|i| &tokens[i]).is_some_and(|t| {
                matches!(t, Token::Mark(','))
                    || t.word()
                        .is_some_and(|w| matches!(w, "for" | "and" | "including" | "plus"))
            });
            let before_list_word = tokens
                .get(index + 1)
                .is_some_and(|t| matches!(t, Token::Mark(',')) || t.word() == Some("and"));
            if word != "me" || after_list_word || before_list_word {
                speaker_named |= matches!(word, "me" | "myself" | "نفسي");
                first_member.get_or_insert(index);
                count += 1;
                named.push(word.to_owned());
            }
        } else if word == "parents" && index.checked_sub(1).and_then(|i| tokens[i].number()).is_none() {
            first_member.get_or_insert(index);
            count += 2;
            named.push(word.to_owned());
        } else if COUNTED.contains(&word)
            && let Some(number) = index.checked_sub(1).and_then(|i| tokens[i].number()).or_else(|| {
                index.checked_sub(2).and_then(|i| tokens[i].number()).filter(|_| {
                    tokens[index - 1]
                        .word()
                        .is_some_and(|w| matches!(w, "little" | "young" | "small"))
                })
            })
        {
            let number = u32::try_from(number.trunc().mantissa()).ok()?;
            first_member.get_or_insert(index);
            count += number;
            named.push(format!("{number} {word}"));
        }
    }
    if let Some(first) = first_member
        && !speaker_named
        && speaker_has(tokens, first)
    {
        // The one asking pays for themself too, and the reply says they were counted.
        count += 1;
        named.insert(0, "you".to_owned());
    }
    (count > 0).then(|| (count, named.join(", ")))
}

/// "sa'", "saa", "صاع", "الصاع", "للصاع", "بالصاع".
fn is_sa(word: &str) -> bool {
    let arabic = word.trim_start_matches(['ب', 'ل', 'و', 'ف']);
    let arabic = arabic.strip_prefix("ال").unwrap_or(arabic);
    matches!(word, "sa" | "saa" | "sa'" | "saa'" | "sā" | "sā'") || arabic == "صاع"
}

/// Whether the number whose clause words are `before` and `after` is the price of a sa':
/// "10 riyals per sa'", "١٠ ريالات للصاع", "a sa' of rice costs 10", "سعر الصاع ١٠".
fn priced_per_sa(before: &[&str], after: &[&str]) -> bool {
    let per_sa_after = after.iter().take(3).enumerate().any(|(index, word)| {
        (matches!(*word, "a" | "per" | "each" | "for" | "لكل") && after.get(index + 1).is_some_and(|w| is_sa(w)))
            || (word.chars().next().is_some_and(|c| !c.is_ascii()) && is_sa(word))
    });
    let priced_sa_before = before.iter().any(|w| is_sa(w))
        && before
            .iter()
            .any(|w| matches!(*w, "price" | "costs" | "cost" | "is" | "ثمن" | "يكلف" | "بـ") || w.ends_with("سعر"));
    // "إذا كان الصاع ١٠ ريالات", "the sa' 10 riyals": the sa' named right before a plain number.
    let sa_right_before = before.last().is_some_and(|w| is_sa(w));
    per_sa_after || priced_sa_before || sa_right_before
}

/// Whether the number whose clause words are `before` and `after` counts people: "family of 5",
/// "5 people", "٤ أشخاص", "we are 6", "6 of us".
fn counts_people(before: &[&str], after: &[&str]) -> bool {
    let people_after = after
        .first()
        .is_some_and(|w| PEOPLE_WORDS.iter().any(|p| w.starts_with(p)))
        || after.join(" ").starts_with("of us");
    let family_before = before.len() >= 2
        && matches!(before[before.len() - 1], "of" | "من")
        && matches!(
            before[before.len() - 2],
            "family" | "household" | "عائلة" | "أسرة" | "اسرة"
        );
    let we_are = before.last().is_some_and(|w| matches!(*w, "we're" | "are" | "نحن"));
    people_after || family_before || we_are
}

pub fn read(message: &str) -> FitrReading {
    read_message(&Message::new(message))
}

/// [`read`] of a message already prepared (its tokens and lowercased text read once).
pub fn read_message(message: &Message) -> FitrReading {
    let (lower, tokens) = (&message.lower, &message.tokens);
    let words: Vec<&str> = tokens.iter().filter_map(Token::word).collect();
    let mut reading = FitrReading {
        staple: words
            .iter()
            .find(|word| STAPLES.iter().any(|staple| word.ends_with(staple)))
            .map(|word| (*word).to_owned()),
        ..Default::default()
    };
    for quantity in quantities(tokens) {
        let (before, after) = window(tokens, quantity.at, 5, 4);
        let plain = quantity.unit.is_none() && quantity.per.is_none();
        // A head count first: "family of 5", "5 people", "for 4", "٤ أشخاص", "we are 6". Read
        // before the price, so "a family of five if a sa' of rice costs 4" counts five people
        // rather than pricing the sa' at five (the "a sa'" after it belongs to the next clause).
        let whole = u32::try_from(quantity.value.trunc().mantissa())
            .ok()
            .filter(|n| *n > 0 && *n < 1000 && quantity.value.fract().is_zero());
        if let Some(number) = whole.filter(|_| plain && quantity.currency.is_none())
            && reading.persons.is_none()
            && counts_people(&before, &after)
        {
            reading.persons = Some(number);
            let mut phrase: Vec<&str> = before[before.len().saturating_sub(2)..].to_vec();
            let number_text = number.to_string();
            phrase.push(&number_text);
            phrase.extend(after.iter().take(1));
            reading.persons_from = Some(phrase.join(" "));
            continue;
        }
        if plain && priced_per_sa(&before, &after) {
            reading.price_per_sa = Some(quantity.value.normalize());
            if let Some(currency) = quantity.currency.clone() {
                reading.currency = Some(currency);
            }
            continue;
        }
        if quantity.per == Some(Unit::Kilogram) {
            reading.staple_price_per_kg = Some(quantity.value.normalize());
            if let Some(currency) = quantity.currency.clone() {
                reading.currency = Some(currency);
            }
            continue;
        }
        if quantity.unit == Some(Unit::Kilogram) {
            // "3 kg per person", "2.5 kg each": a sa' the user states.
            if contains_any_word(
                &after.join(" "),
                &[
                    "per person",
                    "each",
                    "per head",
                    "a person",
                    "for each",
                    "لكل شخص",
                    "للشخص",
                ],
            ) {
                reading.sa_kg = Some(quantity.value.normalize());
            }
            continue;
        }
    }
    if reading.persons.is_none()
        && let Some((count, named)) = household_count(tokens)
    {
        reading.persons = Some(count);
        reading.persons_from = Some(named);
    }
    if reading.persons.is_none() && contains_any_word(lower, &["for me", "for myself", "just me", "only me", "عن نفسي"])
    {
        reading.persons = Some(1);
        reading.persons_from = Some("yourself".to_owned());
    }
    reading
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(text: &str) -> Decimal {
        Decimal::from_str(text).unwrap()
    }

    #[test]
    fn families_prices_and_a_stated_sa() {
        let r = read("We're a family of 5 and rice is 2 dollars a kilo. How much zakat al-fitr do we pay?");
        assert_eq!(r.persons, Some(5));
        assert_eq!(r.staple_price_per_kg, Some(d("2")));
        assert_eq!(r.staple.as_deref(), Some("rice"));
        let r = read("how much zakat ul fitr for me, my wife, our 3 kids and my mum? wheat flour is £1.35/kg");
        assert_eq!(r.persons, Some(6));
        assert_eq!(r.staple_price_per_kg, Some(d("1.35")));
        assert_eq!(r.currency.unwrap().display, "£");
        let r = read("Fitrana for 4 people if we use 3 kg per person and dates cost €4.20 per kilo?");
        assert_eq!(r.persons, Some(4));
        assert_eq!(r.sa_kg, Some(d("3")));
        assert_eq!(r.staple_price_per_kg, Some(d("4.20")));
    }

    #[test]
    fn the_one_asking_is_counted_with_their_household() {
        let counted = |text: &str| {
            let r = read(text);
            (r.persons, r.persons_from)
        };
        assert_eq!(
            counted("I have 3 kids, me and my wife. Rice costs 1.5 dollars per kilo. How much fitrana?"),
            (Some(5), Some("3 kids, me, wife".to_owned()))
        );
        assert_eq!(
            counted("I have a wife and 2 kids, how much zakat al-fitr? rice is 2 dollars a kilo"),
            (Some(4), Some("you, wife, 2 kids".to_owned()))
        );
        // Listed without "I have": only those named.
        assert_eq!(counted("zakat al-fitr for my wife and 2 kids").0, Some(3));
        assert_eq!(counted("tell me the zakat al-fitr for my wife").0, Some(1));
    }

    #[test]
    fn arabic_and_word_numbers() {
        let r = read("كم زكاة الفطر عن ٤ أشخاص إذا كان سعر كيلو الأرز ٣ ريالات؟");
        assert_eq!(r.price_per_sa, None, "a price per kilo is not per sa'");
        assert_eq!(r.persons, Some(4));
        assert_eq!(r.staple_price_per_kg, Some(d("3")));
        assert_eq!(r.currency.unwrap().display, "ريال");
        let r = read("fitra for a family of five, flour is 1.10 per kg");
        assert_eq!(r.persons, Some(5));
        assert_eq!(r.staple_price_per_kg, Some(d("1.10")));
        let r = read("zakat al fitr for myself and my 2 daughters");
        assert_eq!(r.persons, Some(3));
        assert_eq!(read("tell me about zakat al fitr").persons, None);
    }

    #[test]
    fn the_price_of_a_whole_sa_in_english_and_arabic() {
        for (text, persons) in [
            (
                "Zakat al-fitr for a family of five, a sa' of rice costs 10 riyals",
                Some(5),
            ),
            ("Fitrana for 5 people, rice is 10 riyals per sa'", Some(5)),
            (
                "كم زكاة الفطر عن أسرة من خمسة أفراد إذا كان سعر الصاع ١٠ ريالات؟",
                Some(5),
            ),
            ("زكاة الفطر عن ٥ أشخاص والأرز ١٠ ريالات للصاع", Some(5)),
            ("كم زكاة الفطر عن ٥ أشخاص إذا كان الصاع ١٠ ريالات؟", Some(5)),
        ] {
            let r = read(text);
            assert_eq!(r.price_per_sa, Some(Decimal::from(10)), "{text}: {r:?}");
            assert_eq!(r.staple_price_per_kg, None, "{text}");
            if persons.is_some() {
                assert_eq!(r.persons, persons, "{text}");
            }
        }
        // A head count followed by the next clause's "a sa'" is a head count, not the price.
        let r = read("how much should I give for zakat al-fitr for a family of five if a sa of rice costs 4 dollars?");
        assert_eq!((r.persons, r.price_per_sa), (Some(5), Some(Decimal::from(4))), "{r:?}");
        // A number of people is not a price, even beside the word.
        assert_eq!(read("How many kg is one sa' for 4 people?").price_per_sa, None);
    }
}
