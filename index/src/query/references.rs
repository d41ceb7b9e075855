//! Verses and hadiths a query names outright: numeric references in the forms people write
//! (`2:255`, `2/255`, `Q 2:255`, `2:285-286`, `surah 36 verse 1`, `surah XXXVI`, `al-baqarah 255`),
//! a surah by name with or without the verses wanted ("first ten verses of surah kahf", "last
//! three ayat of al-hashr", "أول عشر آيات من سورة الكهف"), a named passage ("ayat al-kursi", "the
//! mu'awwidhatayn"), and hadiths by collection and number ("bukhari 12").

mod words;

use self::words::*;
use super::names::{Names, Verses, fold_latin, name_key};
use crate::arabic;

/// What a query names directly, and how it was recognised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Named {
    pub ids: Vec<String>,
    /// `reference`, `passage`, `surah` or `hadith_reference`.
    pub kind: &'static str,
}

fn number_of(word: &str) -> Option<u32> {
    word.parse()
        .ok()
        .or_else(|| NUMBER_WORDS.iter().find(|(name, _)| *name == word).map(|(_, n)| *n))
}

fn roman(word: &str) -> Option<u32> {
    if word.is_empty() || !word.chars().all(|c| "ivxlc".contains(c)) {
        return None;
    }
    let value = |c| match c {
        'i' => 1,
        'v' => 5,
        'x' => 10,
        'l' => 50,
        _ => 100,
    };
    let digits: Vec<u32> = word.chars().map(value).collect();
    let mut total = 0i64;
    for (index, &digit) in digits.iter().enumerate() {
        if digits.get(index + 1).is_some_and(|&next| next > digit) {
            total -= i64::from(digit);
        } else {
            total += i64::from(digit);
        }
    }
    u32::try_from(total).ok().filter(|n| (1..=114).contains(n))
}

fn valid(names: &Names, surah: u32, ayah: u32) -> bool {
    names.surah(surah).is_some_and(|s| (1..=s.verses).contains(&ayah))
}

/// `S:A`, `S:A-B`, `S/A` anywhere in the raw text.
fn numeric_references(names: &Names, text: &str) -> Vec<Verses> {
    let chars: Vec<char> = text.chars().collect();
    let mut found = Vec::new();
    let mut index = 0;
    let read_number = |at: &mut usize| -> Option<u32> {
        let start = *at;
        while *at < chars.len() && chars[*at].is_ascii_digit() && *at - start < 3 {
            *at += 1;
        }
        if *at == start || chars.get(*at).is_some_and(char::is_ascii_digit) {
            return None;
        }
        chars[start..*at].iter().collect::<String>().parse().ok()
    };
    while index < chars.len() {
        let boundary = index == 0 || !chars[index - 1].is_ascii_digit();
        if !(boundary && chars[index].is_ascii_digit()) {
            index += 1;
            continue;
        }
        let mut at = index;
        let Some(surah) = read_number(&mut at) else {
            index += 1;
            continue;
        };
        while at < chars.len() && chars[at] == ' ' {
            at += 1;
        }
        if !matches!(chars.get(at), Some(':' | '/')) {
            index = at.max(index + 1);
            continue;
        }
        at += 1;
        while at < chars.len() && chars[at] == ' ' {
            at += 1;
        }
        let Some(from) = read_number(&mut at) else {
            index = at.max(index + 1);
            continue;
        };
        let mut to = from;
        let mut after = at;
        while after < chars.len() && chars[after] == ' ' {
            after += 1;
        }
        if matches!(chars.get(after), Some('-' | '–')) {
            let mut end = after + 1;
            while end < chars.len() && chars[end] == ' ' {
                end += 1;
            }
            if let Some(last) = read_number(&mut end)
                && last >= from
            {
                to = last;
                at = end;
            }
        }
        if valid(names, surah, from) {
            let to = to.min(names.surah(surah).map_or(from, |s| s.verses));
            found.push(Verses { surah, from, to });
        }
        index = at;
    }
    found
}

/// The verses of one surah a phrase asks for: "first ten verses", "last verse", "verse 5",
/// "verses 1 to 5", "3rd verse", or the whole surah.
fn verses_wanted(words: &[&str], surah: u32, verses: u32) -> Verses {
    let whole = Verses {
        surah,
        from: 1,
        to: verses,
    };
    let is_verse_word = |w: &str| {
        matches!(
            w,
            "verse" | "verses" | "ayah" | "ayat" | "ayahs" | "aya" | "ayas" | "ayaat" | "ayaats" | "lines"
        )
    };
    for (index, word) in words.iter().enumerate() {
        let next = words.get(index + 1).copied().unwrap_or_default();
        let after = words.get(index + 2).copied().unwrap_or_default();
        if matches!(*word, "first" | "last" | "final" | "opening" | "closing" | "ending") {
            let (count, verse_word) = match number_of(next) {
                Some(count) => (count, after),
                None => (1, next),
            };
            if !is_verse_word(verse_word) || count == 0 {
                continue;
            }
            let count = count.min(verses);
            return if matches!(*word, "first" | "opening") {
                Verses {
                    surah,
                    from: 1,
                    to: count,
                }
            } else {
                Verses {
                    surah,
                    from: verses + 1 - count,
                    to: verses,
                }
            };
        }
        if is_verse_word(word)
            && let Some(from) = number_of(next)
        {
            let to = match (after, words.get(index + 3).and_then(|w| number_of(w))) {
                ("to" | "through" | "until", Some(last)) if last >= from => last,
                _ => from,
            };
            if (1..=verses).contains(&from) {
                return Verses {
                    surah,
                    from,
                    to: to.min(verses),
                };
            }
        }
        let ordinal = ORDINAL_WORDS
            .iter()
            .find(|(name, _)| name == word)
            .map(|(_, n)| *n)
            .or_else(|| {
                let digits = word.trim_end_matches(|c: char| c.is_ascii_alphabetic());
                let suffix = &word[digits.len()..];
                matches!(suffix, "st" | "nd" | "rd" | "th")
                    .then(|| digits.parse().ok())
                    .flatten()
            });
        if let Some(ayah) = ordinal
            && is_verse_word(next)
            && (1..=verses).contains(&ayah)
        {
            return Verses {
                surah,
                from: ayah,
                to: ayah,
            };
        }
    }
    // "al-baqarah 255", "yasin 1": a number right after the name is a verse.
    whole
}

/// In Arabic: "أول عشر آيات", "آخر آيتين", "الآية 5".
fn arabic_verses_wanted(words: &[String], surah: u32, verses: u32) -> Verses {
    for (index, word) in words.iter().enumerate() {
        let first = word == "اول";
        let last = word == "اخر" || word == "خواتيم";
        if first || last {
            let count = words
                .get(index + 1)
                .and_then(|next| {
                    ARABIC_NUMBERS
                        .iter()
                        .find(|(name, _)| next.starts_with(name))
                        .map(|(_, n)| *n)
                        .or_else(|| next.parse().ok())
                })
                .unwrap_or(1)
                .min(verses);
            return if first {
                Verses {
                    surah,
                    from: 1,
                    to: count,
                }
            } else {
                Verses {
                    surah,
                    from: verses + 1 - count,
                    to: verses,
                }
            };
        }
        if (word == "ايه" || word == "الايه")
            && let Some(ayah) = words.get(index + 1).and_then(|n| n.parse::<u32>().ok())
            && (1..=verses).contains(&ayah)
        {
            return Verses {
                surah,
                from: ayah,
                to: ayah,
            };
        }
    }
    Verses {
        surah,
        from: 1,
        to: verses,
    }
}

/// The longest run of words (up to 5) that is a surah name; its surah, start and length.
fn find_surah(names: &Names, words: &[&str]) -> Option<(u32, usize, usize)> {
    let mut best: Option<(u32, usize, usize)> = None;
    for start in 0..words.len() {
        let after_trigger = start > 0 && TRIGGERS.contains(&words[start - 1]);
        for length in (1..=5.min(words.len() - start)).rev() {
            let window = &words[start..start + length];
            if window.iter().all(|w| FILLER.contains(w) || TRIGGERS.contains(w)) {
                continue;
            }
            let key = super::names::latin_key(window);
            if key.is_empty() {
                continue;
            }
            // A number right after a trigger is the surah's number ("surah 36", "surah XXXVI").
            let numbered = (after_trigger && length == 1)
                .then(|| {
                    window[0]
                        .parse::<u32>()
                        .ok()
                        .filter(|n| (1..=114).contains(n))
                        .or_else(|| roman(window[0]))
                })
                .flatten();
            let surah = numbered.or_else(|| names.surah_by_key(&key, after_trigger));
            if let Some(surah) = surah
                && best.is_none_or(|(_, _, best_length)| length > best_length)
            {
                best = Some((surah, start, length));
            }
        }
    }
    best
}

/// Whether every word outside `[start, start + length)` is filler or a verse selector.
fn only_filler_besides(words: &[&str], start: usize, length: usize) -> bool {
    words.iter().enumerate().all(|(index, word)| {
        (start..start + length).contains(&index)
            || FILLER.contains(word)
            || TRIGGERS.contains(word)
            || matches!(
                *word,
                "first" | "last" | "final" | "opening" | "closing" | "ending" | "to" | "through"
            )
            || number_of(word).is_some()
            || ORDINAL_WORDS.iter().any(|(name, _)| name == word)
            || word.trim_end_matches(char::is_alphabetic).parse::<u32>().is_ok()
    })
}

fn hadith_references(lower: &str) -> Vec<String> {
    let folded = fold_latin(lower);
    let mut ids = Vec::new();
    for (name, collection) in HADITH_COLLECTIONS {
        for (at, _) in folded.match_indices(name) {
            if folded[..at].chars().next_back().is_some_and(char::is_alphanumeric) {
                continue;
            }
            let after = folded[at + name.len()..].trim_start();
            let after = after
                .strip_prefix("hadith")
                .or_else(|| after.strip_prefix("number"))
                .or_else(|| after.strip_prefix("no"))
                .unwrap_or(after)
                .trim_start();
            let digits: String = after.chars().take_while(char::is_ascii_digit).collect();
            if !digits.is_empty() && digits.len() <= 5 {
                ids.push(format!("{collection}:{digits}"));
            }
        }
    }
    ids
}

/// What the query names directly, if anything.
pub fn named(query: &str) -> Option<Named> {
    let names = Names::get();
    let lower = query.to_lowercase();
    let hadiths = hadith_references(&lower);
    if !hadiths.is_empty() {
        return Some(Named {
            ids: hadiths,
            kind: "hadith_reference",
        });
    }
    let numeric = numeric_references(names, &lower);
    if !numeric.is_empty() {
        return Some(Named {
            ids: numeric.iter().flat_map(Verses::ids).collect(),
            kind: "reference",
        });
    }
    if arabic::has_arabic(query) {
        return arabic_named(names, query);
    }
    let folded = fold_latin(&lower);
    let words: Vec<&str> = folded.split_whitespace().collect();
    if words.is_empty() {
        return None;
    }
    // A named passage: the longest window whose key is one, with little else around it.
    let mut passage: Option<(&[String], usize)> = None;
    for start in 0..words.len() {
        for length in (1..=7.min(words.len() - start)).rev() {
            let window = &words[start..start + length];
            if window.iter().all(|w| FILLER.contains(w)) {
                continue;
            }
            if let Some(spans) = names.passage_by_key(&super::names::latin_key(window)) {
                let others = words.len() - length;
                let meaningful_others = words
                    .iter()
                    .enumerate()
                    .filter(|(index, word)| !(start..start + length).contains(index) && !FILLER.contains(word))
                    .count();
                if meaningful_others <= length.max(1) && others < 12 && passage.is_none_or(|(_, best)| length > best) {
                    passage = Some((spans, length));
                }
            }
        }
    }
    if let Some((ids, _)) = passage {
        return Some(Named {
            ids: ids.to_vec(),
            kind: "passage",
        });
    }
    let (surah, start, length) = find_surah(names, &words)?;
    let after_trigger = start > 0 && TRIGGERS.contains(&words[start - 1]);
    if !after_trigger && !only_filler_besides(&words, start, length) {
        return None;
    }
    let verses = names.surah(surah)?.verses;
    let mut wanted = verses_wanted(&words, surah, verses);
    if wanted.from == 1
        && wanted.to == verses
        && let Some(ayah) = words.get(start + length).and_then(|w| w.parse::<u32>().ok())
        && (1..=verses).contains(&ayah)
    {
        wanted = Verses {
            surah,
            from: ayah,
            to: ayah,
        };
    }
    Some(Named {
        ids: wanted.ids().collect(),
        kind: "surah",
    })
}

/// Whether the query speaks of a surah or a named passage anywhere in it, even among other words
/// ("what advice did luqman give his son", "why is laylatul qadr so special"): not a request to
/// see it, as [`named`] reads, but a sign that the question is one for the texts. Names that are
/// also everyday words ("the cow", "iron") count only after "surah".
pub fn mentions_a_name(query: &str) -> bool {
    let names = Names::get();
    if arabic::has_arabic(query) {
        let key = name_key(query);
        let words: Vec<String> = key.split(' ').map(str::to_owned).collect();
        return arabic_passage(names, &words).is_some() || words.iter().any(|word| word == "سوره");
    }
    let folded = fold_latin(&query.to_lowercase());
    let words: Vec<&str> = folded.split_whitespace().collect();
    if find_surah(names, &words).is_some() {
        return true;
    }
    (1..=7.min(words.len())).rev().any(|length| {
        words.windows(length).any(|window| {
            !window.iter().all(|w| FILLER.contains(w))
                && names.passage_by_key(&super::names::latin_key(window)).is_some()
        })
    })
}

/// The query without the surah it names ("the story of musa in surah al-kahf" → "the story of
/// musa in"), for a search within that surah by what the question asks of it. A query naming no
/// surah (or in Arabic script, whose names the search reads apart) comes back as it was.
pub fn without_surah_name(query: &str) -> String {
    if arabic::has_arabic(query) {
        return query.to_owned();
    }
    let folded = fold_latin(&query.to_lowercase());
    let words: Vec<&str> = folded.split_whitespace().collect();
    let Some((_, start, length)) = find_surah(Names::get(), &words) else {
        return query.to_owned();
    };
    let from = if start > 0 && TRIGGERS.contains(&words[start - 1]) {
        start - 1
    } else {
        start
    };
    words
        .iter()
        .enumerate()
        .filter(|(index, _)| !(from..start + length).contains(index))
        .map(|(_, word)| *word)
        .collect::<Vec<_>>()
        .join(" ")
}

/// The longest window (up to 4) of folded Arabic words that is a passage's name, and its ids.
fn arabic_passage<'a>(names: &'a Names, words: &[String]) -> Option<&'a [String]> {
    (1..=4.min(words.len())).rev().find_map(|length| {
        words
            .windows(length)
            .find_map(|window| names.passage_by_key(&window.join(" ")))
    })
}

fn arabic_named(names: &Names, query: &str) -> Option<Named> {
    let key = name_key(query);
    let words: Vec<String> = key.split(' ').map(str::to_owned).collect();
    if let Some(ids) = arabic_passage(names, &words) {
        return Some(Named {
            ids: ids.to_vec(),
            kind: "passage",
        });
    }
    // "سورة X": the name right after the trigger (folded, so سوره).
    let trigger = words.iter().position(|w| w == "سوره")?;
    for length in (1..=2.min(words.len() - trigger - 1)).rev() {
        let window = words[trigger + 1..trigger + 1 + length].join(" ");
        if let Some(surah) = names.surah_by_key(&window, true) {
            let verses = names.surah(surah)?.verses;
            let wanted = arabic_verses_wanted(&words, surah, verses);
            return Some(Named {
                ids: wanted.ids().collect(),
                kind: "surah",
            });
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(query: &str) -> Vec<String> {
        named(query).map(|n| n.ids).unwrap_or_default()
    }

    #[test]
    fn a_question_within_a_surah_is_searched_without_its_name() {
        let asked = without_surah_name("the story of musa and khidr in surah al-kahf");
        assert_eq!(asked, "the story of musa and khidr in");
        assert!(named(&asked).is_none(), "no surah is named any more");
        assert_eq!(without_surah_name("patience and prayer"), "patience and prayer");
        assert!(mentions_a_name("what advice did luqman give his son"));
        assert!(mentions_a_name("ما فضل سورة الملك"));
        assert!(!mentions_a_name("what is the ruling on crab"));
    }

    #[test]
    fn numeric_references_in_the_forms_people_write() {
        assert_eq!(ids("2:255"), ["quran:2:255"]);
        assert_eq!(ids("what does Q 2 : 255 say"), ["quran:2:255"]);
        assert_eq!(ids("quran 2/255"), ["quran:2:255"]);
        assert_eq!(ids("2:285-286"), ["quran:2:285", "quran:2:286"]);
        assert!(ids("2:300").is_empty(), "al-Baqarah has 286 verses");
        assert_eq!(ids("surah 36 verse 1"), ["quran:36:1"]);
        assert_eq!(ids("surah XXXVI verse 1"), ["quran:36:1"]);
        assert_eq!(ids("al-baqarah 255"), ["quran:2:255"]);
        assert_eq!(ids("sahih bukhari #12"), ["bukhari:12"]);
        assert_eq!(ids("Abu Dawud hadith 4864"), ["abudawud:4864"]);
    }

    #[test]
    fn surahs_and_the_verses_asked_of_them() {
        assert_eq!(ids("surah al-asr").len(), 3);
        assert_eq!(ids("surah yasin first verse"), ["quran:36:1"]);
        assert_eq!(ids("first ten verses of surah kahf").len(), 10);
        assert_eq!(
            ids("last three ayat of surah al-hashr"),
            ["quran:59:22", "quran:59:23", "quran:59:24"]
        );
        assert_eq!(ids("the 3rd verse of surah al-ikhlas"), ["quran:112:3"]);
        assert_eq!(ids("recite al kawthar").len(), 3);
        assert_eq!(ids("أول عشر آيات من سورة الكهف").len(), 10);
        assert_eq!(ids("سورة الرحمٰن").len(), 78);
        assert_eq!(ids("surah the cow verse 2"), ["quran:2:2"]);
        // A word that is also a name is not a surah unless asked for as one.
        assert!(ids("what does the quran say about mary").is_empty());
        assert!(ids("the night journey of the prophet and what happened").is_empty());
    }

    #[test]
    fn named_passages() {
        assert_eq!(ids("ayat an-nur"), ["quran:24:35"]);
        assert_eq!(ids("ayat ad-dayn, the longest verse in the quran"), ["quran:2:282"]);
        assert_eq!(ids("the mu'awwidhatayn").len(), 11);
        assert_eq!(ids("ayatul kursi"), ["quran:2:255"]);
        assert_eq!(ids("last two verses of surah baqarah"), ["quran:2:285", "quran:2:286"]);
        assert_eq!(ids("آية الكرسي"), ["quran:2:255"]);
        // The name as people say it, with another form of "to be" than the table's.
        assert_eq!(
            ids("What is the hadith about actions being judged by intentions?"),
            ["bukhari:1"]
        );
        assert!(
            ids("inna lillahi wa inna ilayhi raji'un").is_empty(),
            "a quotation, not a name"
        );
    }
}
