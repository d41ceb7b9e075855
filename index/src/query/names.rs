//! Surahs and passages by the names people use for them, kept as data (`data/surahs.tsv`,
//! `data/passages.tsv`), matched after folding away what spellings disagree on: case, hyphens
//! and apostrophes, the article (al-, an-, ash-, ul-), long vowels written twice (Yaseen/Yasin),
//! `q`/`k`, `th`/`s` (Kawthar/Kausar), `dh`/`z` (Dhariyat/Zariyat), `aw`/`au`, `ay`/`ai` and a final
//! `h` (Fatihah/Fatiha). Arabic names are folded like the Arabic index (marks, alef forms, the
//! superscript alef of الرحمٰن, clitics).

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::arabic;

const SURAHS: &str = include_str!("../../data/surahs.tsv");
const PASSAGES: &str = include_str!("../../data/passages.tsv");

/// Words that are an article or a joining vowel in a transliterated name, not part of it.
const ARTICLES: &[&str] = &[
    "al", "an", "ar", "as", "ash", "at", "ad", "adh", "az", "ath", "ul", "ut", "us", "ur", "un", "el", "e", "the",
];

/// Forms of "to be", which people put into a name or leave out ("actions are judged by
/// intentions", "actions being judged by intentions"): not part of a key.
const LINKING: &[&str] = &["is", "are", "was", "were", "be", "being", "been"];

/// A span of verses: `surah:from-to` (one verse when `from == to`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verses {
    pub surah: u32,
    pub from: u32,
    pub to: u32,
}

impl Verses {
    pub fn ids(&self) -> impl Iterator<Item = String> + '_ {
        (self.from..=self.to).map(|ayah| format!("quran:{}:{ayah}", self.surah))
    }
}

#[derive(Debug)]
pub struct Surah {
    pub number: u32,
    pub verses: u32,
    /// The first name of its data line (the corpus's transliteration).
    pub name: String,
}

pub struct Names {
    surahs: Vec<Surah>,
    /// Name key → surah number; `true` when the key is only trusted after a "surah" trigger.
    surah_keys: HashMap<String, (u32, bool)>,
    /// A folded passage name → the ids of the texts it is (verses, or a hadith by its id).
    passage_keys: HashMap<String, Vec<String>>,
}

/// Lowercase Latin letters and digits, accents folded, everything else a space.
pub fn fold_latin(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        let folded = match c {
            'ā' | 'á' | 'à' | 'â' | 'ä' | 'Ā' | 'Á' => 'a',
            'ī' | 'í' | 'ì' | 'î' | 'ï' | 'Ī' | 'Í' => 'i',
            'ū' | 'ú' | 'ù' | 'û' | 'ü' | 'Ū' | 'Ú' => 'u',
            'ē' | 'é' | 'è' | 'ê' | 'ë' => 'e',
            'ō' | 'ó' | 'ò' | 'ô' | 'ö' => 'o',
            'ḥ' | 'Ḥ' => 'h',
            'ṣ' | 'Ṣ' => 's',
            'ḍ' | 'Ḍ' => 'd',
            'ṭ' | 'Ṭ' => 't',
            'ẓ' | 'Ẓ' => 'z',
            // ʿayn, hamza and apostrophes vanish inside a word: "Mu'minun" is "Muminun".
            '\'' | '’' | '‘' | 'ʿ' | 'ʾ' | '`' | '´' => continue,
            c if c.is_ascii_alphanumeric() => c.to_ascii_lowercase(),
            _ => ' ',
        };
        out.push(folded);
    }
    out
}

/// The matching key of a name in Latin letters: see the module comment.
pub fn latin_key(words: &[&str]) -> String {
    let joined: String = words
        .iter()
        .filter(|word| !ARTICLES.contains(word) && !LINKING.contains(word))
        .copied()
        .collect::<Vec<_>>()
        .concat();
    let mut key = joined;
    for (from, to) in [
        ("ee", "i"),
        ("oo", "u"),
        ("ou", "u"),
        ("aa", "a"),
        ("ii", "i"),
        ("uu", "u"),
        ("dh", "z"),
        ("th", "s"),
        ("aw", "au"),
        ("ay", "ai"),
        ("q", "k"),
    ] {
        // Most keys hold few of these pairs: looking for one first spares a new string (and a
        // substring searcher) per pair per window, which profiles showed as a quarter of
        // reading a message.
        // Compared byte by byte: a slice comparison of two bytes is a call to `memcmp` per
        // position, which was the largest single symbol of a greeting chat's profile.
        let found = match from.as_bytes() {
            [one] => key.as_bytes().contains(one),
            [first, second] => key
                .as_bytes()
                .windows(2)
                .any(|pair| pair[0] == *first && pair[1] == *second),
            _ => key.contains(from),
        };
        if found {
            key = key.replace(from, to);
        }
    }
    let mut collapsed = String::with_capacity(key.len());
    for c in key.chars() {
        if !collapsed.ends_with(c) {
            collapsed.push(c);
        }
    }
    if collapsed.len() > 3 && collapsed.ends_with('h') {
        collapsed.pop();
    }
    collapsed
}

/// The matching key of an Arabic name: folded words without clitics, space-joined.
pub fn arabic_key(text: &str) -> String {
    arabic::fold(text)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(arabic::strip_clitics)
        .collect::<Vec<_>>()
        .join(" ")
}

/// The key of a name as written in the data or in a query.
pub fn name_key(name: &str) -> String {
    if arabic::has_arabic(name) {
        return arabic_key(name);
    }
    let folded = fold_latin(name);
    let words: Vec<&str> = folded.split_whitespace().collect();
    latin_key(&words)
}

fn parse_verses(spec: &str) -> Option<Vec<Verses>> {
    let mut spans = Vec::new();
    for part in spec.split('|') {
        let part = part.trim();
        let span = match part.split_once(':') {
            Some((surah, ayahs)) => {
                let surah = surah.parse().ok()?;
                match ayahs.split_once('-') {
                    Some((from, to)) => Verses {
                        surah,
                        from: from.parse().ok()?,
                        to: to.parse().ok()?,
                    },
                    None => {
                        let ayah = ayahs.parse().ok()?;
                        Verses {
                            surah,
                            from: ayah,
                            to: ayah,
                        }
                    }
                }
            }
            // A bare number is a whole surah; its length is filled in from the surah table.
            None => Verses {
                surah: part.parse().ok()?,
                from: 1,
                to: 0,
            },
        };
        spans.push(span);
    }
    Some(spans)
}

fn is_english_meaning(name: &str) -> bool {
    let lower = name.to_lowercase();
    lower.starts_with("the ")
        || lower.split_whitespace().count() > 2
        || matches!(
            lower.as_str(),
            "mary"
                | "joseph"
                | "jonah"
                | "abraham"
                | "noah"
                | "man"
                | "mankind"
                | "people"
                | "friday"
                | "sheba"
                | "thunder"
                | "divorce"
                | "prohibition"
                | "repentance"
                | "sincerity"
                | "livestock"
                | "competition"
                | "byzantium"
                | "originator"
                | "assistance"
                | "time"
                | "victory"
                | "muhammad"
                | "hud"
                | "sad"
                | "saad"
        )
}

impl Names {
    fn load() -> Self {
        let mut surahs = Vec::new();
        let mut surah_keys = HashMap::new();
        for line in SURAHS
            .lines()
            .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
        {
            let mut columns = line.split('\t');
            let (Some(number), Some(verses), Some(names)) = (columns.next(), columns.next(), columns.next()) else {
                continue;
            };
            let (Ok(number), Ok(verses)) = (number.parse::<u32>(), verses.parse::<u32>()) else {
                continue;
            };
            for name in names.split('|') {
                let key = name_key(name);
                if key.is_empty() {
                    continue;
                }
                // Short keys ("ق", "ص", "nun") and English meanings only count after "surah".
                let needs_trigger = is_english_meaning(name) || key.chars().count() < 3;
                surah_keys.entry(key).or_insert((number, needs_trigger));
            }
            surahs.push(Surah {
                number,
                verses,
                name: names.split('|').next().unwrap_or_default().to_owned(),
            });
        }
        let mut passage_keys = HashMap::new();
        for line in PASSAGES
            .lines()
            .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
        {
            let Some((names, spec)) = line.split_once('\t') else {
                continue;
            };
            // A hadith by its id ("bukhari:1"), or verses.
            let ids: Vec<String> = if spec.contains(|c: char| c.is_ascii_alphabetic()) {
                spec.split('|').map(|id| id.trim().to_owned()).collect()
            } else {
                let Some(mut spans) = parse_verses(spec) else {
                    continue;
                };
                for span in &mut spans {
                    if span.to == 0 {
                        span.to = surahs
                            .iter()
                            .find(|surah| surah.number == span.surah)
                            .map_or(1, |surah| surah.verses);
                    }
                }
                spans.iter().flat_map(Verses::ids).collect()
            };
            for name in names.split('|') {
                let key = name_key(name);
                if !key.is_empty() {
                    passage_keys.entry(key).or_insert_with(|| ids.clone());
                }
            }
        }
        Self {
            surahs,
            surah_keys,
            passage_keys,
        }
    }

    pub fn get() -> &'static Names {
        static NAMES: OnceLock<Names> = OnceLock::new();
        NAMES.get_or_init(Names::load)
    }

    pub fn surah(&self, number: u32) -> Option<&Surah> {
        self.surahs.iter().find(|surah| surah.number == number)
    }

    /// The surah a name key means. `after_trigger`: the name followed "surah", so English
    /// meanings and short names count too.
    pub fn surah_by_key(&self, key: &str, after_trigger: bool) -> Option<u32> {
        let (number, needs_trigger) = *self.surah_keys.get(key)?;
        (after_trigger || !needs_trigger).then_some(number)
    }

    pub fn passage_by_key(&self, key: &str) -> Option<&[String]> {
        self.passage_keys.get(key).map(Vec::as_slice)
    }

    #[cfg(test)]
    fn surahs(&self) -> &[Surah] {
        &self.surahs
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tables_load_whole_and_no_name_means_two_surahs() {
        let names = Names::get();
        assert_eq!(names.surahs().len(), 114);
        assert_eq!(names.surahs().iter().map(|s| s.verses).sum::<u32>(), 6236);
        let mut owners: HashMap<String, u32> = HashMap::new();
        for line in SURAHS.lines().filter(|line| !line.starts_with('#')) {
            let columns: Vec<&str> = line.split('\t').collect();
            let number: u32 = columns[0].parse().unwrap();
            for name in columns[2].split('|') {
                if let Some(other) = owners.insert(name_key(name), number) {
                    assert_eq!(other, number, "`{name}` names surah {other} and {number}");
                }
            }
        }
        assert!(names.passage_keys.len() > 100);
    }

    #[test]
    fn spellings_meet_on_one_key() {
        let names = Names::get();
        for (spelling, surah) in [
            ("Al-Fatihah", 1),
            ("fatiha", 1),
            ("Yaseen", 36),
            ("ya-sin", 36),
            ("Kausar", 108),
            ("al kawthar", 108),
            ("Zariyat", 51),
            ("Adh-Dhariyat", 51),
            ("Quraish", 106),
            ("Al-Kafiroon", 109),
            ("al-asr", 103),
            ("Mu'minun", 23),
            ("kahf", 18),
            ("الرحمٰن", 55),
            ("سورة الكهف", 0),
        ] {
            let found = names.surah_by_key(&name_key(spelling), false);
            if surah == 0 {
                assert_eq!(found, None, "{spelling}");
            } else {
                assert_eq!(found, Some(surah), "{spelling}");
            }
        }
        assert_eq!(
            names.surah_by_key(&name_key("The Cow"), false),
            None,
            "English meanings need 'surah'"
        );
        assert_eq!(names.surah_by_key(&name_key("The Cow"), true), Some(2));
    }

    #[test]
    fn passages_resolve_to_their_verses() {
        let names = Names::get();
        let kursi = names.passage_by_key(&name_key("ayatul kursi")).unwrap();
        assert_eq!(kursi, ["quran:2:255"]);
        let refuges = names.passage_by_key(&name_key("the mu'awwidhatayn")).unwrap();
        assert_eq!(refuges.len(), 5 + 6);
        assert_eq!(
            names.passage_by_key(&name_key("the hadith of intentions")).unwrap(),
            ["bukhari:1"]
        );
        assert!(names.passage_by_key(&name_key("آية الكرسي")).is_some());
        assert_eq!(
            names.passage_by_key(&name_key("actions being judged by intentions")),
            names.passage_by_key(&name_key("Actions are Judged by Intentions")),
        );
        assert!(
            names
                .passage_by_key(&name_key("actions being judged by intentions"))
                .is_some()
        );
    }
}
