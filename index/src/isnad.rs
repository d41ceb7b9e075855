//! An Arabic hadith's chain of narrators (isnad) and what it reports (matn), told apart so that the
//! report is searched by its own words.
//!
//! A chain is most of a short hadith's words: «حدثنا قتيبة بن سعيد، حدثنا الليث، عن نافع، عن ابن
//! عمر، قال …». Searched together with the report, a question shares words with names (a narrator
//! called صدقة answers «ما فضل الصدقة»), with the formulas («قرأت على مالك» answers «قراءة»), and a
//! long chain makes the report read as long, so short verses outrank the hadith that answer.
//!
//! The compiler's notes that follow some reports (al-Tirmidhi's grading and «وفي الباب») are
//! set aside with the chain.
//!
//! The chain is read as it is written: it opens with a word of transmission within its first
//! words, and goes on while such words follow each other closely (a name between two of them is
//! a few words long). It ends where a gap is longer than any name, or where it reaches the Prophet
//! («عن النبي», «سمعت رسول الله»). The report then starts after the last narrator's «قال» or
//! «يقول», when one follows within a name's length.

use crate::arabic::fold;

/// Words that pass a report on (folded: no marks, bare alef, ة as ه). «ح» is the switch to a
/// second chain.
const TRANSMISSION: [&str; 32] = [
    "حدثنا",
    "حدثني",
    "حدثه",
    "حدثهم",
    "حدثتني",
    "حدثتنا",
    "حدثناه",
    "حدثنيه",
    "اخبرنا",
    "اخبرني",
    "اخبره",
    "اخبرهم",
    "اخبرتني",
    "اخبرتنا",
    "اخبرناه",
    "اخبرنيه",
    "انبانا",
    "انباني",
    "انباه",
    "انباهم",
    "سمعت",
    "سمع",
    "سمعا",
    "سمعنا",
    "يحدث",
    "حدث",
    "ح",
    "ثنا",
    "نا",
    "حدثتهم",
    "حدثاه",
    "حدثوه",
];

/// The narrator's verb before the report.
const SPEECH: [&str; 6] = ["قال", "قالت", "يقول", "تقول", "قالا", "يقولان"];

/// The longest run of words between two links of one chain: a name with its lineage and a note
/// («أبو بكر بن أبي شيبة - وتقاربا في لفظ الحديث - قالا»). Measured on the six collections:
/// at 12, one report in twelve still began with a chain's words; at 20, one in forty.
const LONGEST_NAME: usize = 20;

/// How many words the chain's first link may come after (a «و» of a second chapter is one).
const OPENING: usize = 3;

struct Word<'a> {
    start: usize,
    raw: &'a str,
    folded: String,
}

fn words(text: &str) -> Vec<Word<'_>> {
    text.split_whitespace()
        .map(|raw| Word {
            // Where the word starts in `text`: `split_whitespace` yields slices of it.
            start: raw.as_ptr() as usize - text.as_ptr() as usize,
            raw,
            folded: fold(raw)
                .chars()
                .filter(|c| ('\u{0621}'..='\u{064A}').contains(c))
                .collect(),
        })
        .collect()
}

/// A word of transmission, with or without «و» before it.
fn transmits(word: &str) -> bool {
    let bare = word
        .strip_prefix('و')
        .filter(|rest| rest.chars().count() > 1)
        .unwrap_or(word);
    TRANSMISSION.contains(&bare)
}

/// Whether the word at `at` is a link of a chain: a word of transmission, or «عن» after a name
/// closed by a comma or after another link («عن أبيه، عن جده»). «عن» inside a report («سألت
/// جابرا عن الضب») has neither.
fn link(words: &[Word<'_>], at: usize) -> bool {
    let word = &words[at].folded;
    if transmits(word) {
        return true;
    }
    if word != "عن" && word != "وعن" {
        return false;
    }
    at == 0 || {
        let previous = &words[at - 1];
        previous.raw.ends_with('،') || previous.raw.ends_with(',') || transmits(&previous.folded)
    }
}

fn prophet(word: &str) -> bool {
    matches!(word, "رسول" | "النبي" | "نبي")
}

/// Where the report begins, as a byte offset into `text`: 0 when the text does not open with a
/// chain (a Qur'anic verse, a commentary, a text imported without one).
pub fn report_start(text: &str) -> usize {
    let words = words(text);
    let Some(first) = (0..words.len().min(OPENING)).find(|&at| link(&words, at)) else {
        return 0;
    };
    let mut last = first;
    for at in first + 1..words.len() {
        if at - last > LONGEST_NAME {
            break;
        }
        // The chain has reached the Prophet: what follows is his.
        if prophet(&words[at].folded) && matches!(words[at - 1].folded.as_str(), "عن" | "سمعت" | "ان") {
            break;
        }
        if link(&words, at) {
            last = at;
        }
    }
    // The last narrator's name, then his «قال», within a name's length; none before the Prophet.
    let said = words
        .iter()
        .enumerate()
        .skip(last + 1)
        .take(8)
        .take_while(|(_, word)| !prophet(&word.folded))
        .find(|(_, word)| SPEECH.contains(&word.folded.as_str()))
        .map(|(at, _)| at);
    let start = said.map_or(last + 1, |at| at + 1);
    words.get(start).map_or(text.len(), |word| word.start)
}

/// The compilers' notes after a report: al-Tirmidhi's «وفي الباب عن…» and «قال أبو عيسى…», Abu
/// Dawud's, al-Nasa'i's (Abu 'Abd al-Rahman) and Ibn Majah's transmitter's (Abu al-Hasan). They
/// grade the hadith and list other narrators; the grades are recorded apart.
const NOTES: [&[&str]; 5] = [
    &["وفي", "الباب"],
    &["قال", "ابو", "عيسي"],
    &["قال", "ابو", "داود"],
    &["قال", "ابو", "عبد", "الرحمن"],
    &["قال", "ابو", "الحسن"],
];

/// Where the compiler's note begins in a report, as a byte offset into it (its length if none).
fn notes_start(report: &str) -> usize {
    let words = words(report);
    (0..words.len())
        .find(|&at| {
            NOTES.iter().any(|note| {
                note.len() <= words.len() - at
                    && note
                        .iter()
                        .zip(&words[at..])
                        .all(|(expected, word)| word.folded == *expected)
            })
        })
        .map_or(report.len(), |at| words[at].start)
}

/// A hadith's report, and what is not its report (its chain of narrators and the compiler's
/// notes). The whole text is the report when no chain is found, or when what is left is too
/// short to be one (a cross-reference: «… بمثله»).
pub fn split(text: &str) -> (String, &str) {
    let start = report_start(text);
    let end = start + notes_start(&text[start..]);
    let report = &text[start..end];
    if words(report)
        .iter()
        .filter(|word| word.folded.chars().count() > 1)
        .count()
        < 3
    {
        return (String::new(), text);
    }
    let rest = format!("{} {}", &text[..start], &text[end..]);
    (rest.trim().to_owned(), report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_compilers_note_is_not_the_report() {
        let text = "حَدَّثَنَا أَحْمَدُ بْنُ مَنِيعٍ، حَدَّثَنَا أَبُو مُعَاوِيَةَ، عَنْ أَبِي أَيُّوبَ، قَالَ قَالَ النَّبِيُّ صلى الله عليه وسلم ‏\"‏ مَنْ صَامَ رَمَضَانَ ثُمَّ أَتْبَعَهُ سِتًّا مِنْ شَوَّالٍ فَذَلِكَ صِيَامُ الدَّهْرِ ‏\"‏ ‏.‏ وَفِي الْبَابِ عَنْ جَابِرٍ ‏.‏ قَالَ أَبُو عِيسَى حَدِيثُ أَبِي أَيُّوبَ حَدِيثٌ حَسَنٌ صَحِيحٌ ‏.‏";
        let (rest, report) = split(text);
        assert!(report.contains("سِتًّا مِنْ شَوَّالٍ"), "{report}");
        assert!(!report.contains("الْبَابِ") && !report.contains("عِيسَى"), "{report}");
        assert!(rest.starts_with("حَدَّثَنَا أَحْمَدُ") && rest.ends_with("صَحِيحٌ ‏.‏"), "{rest}");
    }

    #[test]
    fn the_report_begins_after_the_last_narrators_word() {
        let text = "حَدَّثَنَا يَحْيَى بْنُ يَحْيَى، قَالَ قَرَأْتُ عَلَى مَالِكٍ عَنْ زَيْدِ بْنِ أَسْلَمَ، عَنْ عِيَاضِ بْنِ، عَبْدِ اللَّهِ بْنِ سَعْدِ بْنِ أَبِي سَرْحٍ أَنَّهُ سَمِعَ أَبَا سَعِيدٍ الْخُدْرِيَّ، يَقُولُ كُنَّا نُخْرِجُ زَكَاةَ الْفِطْرِ صَاعًا مِنْ طَعَامٍ";
        let (chain, report) = split(text);
        assert!(report.starts_with("كُنَّا نُخْرِجُ زَكَاةَ الْفِطْرِ"), "{report}");
        assert!(chain.contains("قَرَأْتُ عَلَى مَالِكٍ"));
    }

    #[test]
    fn a_question_inside_the_report_is_not_a_link() {
        let text = "وَحَدَّثَنِي سَلَمَةُ بْنُ شَبِيبٍ، حَدَّثَنَا الْحَسَنُ بْنُ أَعْيَنَ، حَدَّثَنَا مَعْقِلٌ، عَنْ أَبِي الزُّبَيْرِ، قَالَ سَأَلْتُ جَابِرًا عَنِ الضَّبِّ، فَقَالَ لاَ تَطْعَمُوهُ";
        assert!(split(text).1.starts_with("سَأَلْتُ جَابِرًا عَنِ الضَّبِّ"), "{}", split(text).1);
    }

    #[test]
    fn the_chain_stops_at_the_prophet() {
        let text =
            "حَدَّثَنَا الْحُمَيْدِيُّ، قَالَ: حَدَّثَنَا سُفْيَانُ، عَنْ أَبِي هُرَيْرَةَ، عَنِ النَّبِيِّ صلى الله عليه وسلم قَالَ: \" إِنَّمَا الأَعْمَالُ بِالنِّيَّاتِ \"";
        assert!(
            split(text).1.starts_with("النَّبِيِّ صلى الله عليه وسلم قَالَ"),
            "{}",
            split(text).1
        );
        let heard = "حَدَّثَنَا أَبُو الْيَمَانِ، أَخْبَرَنَا شُعَيْبٌ، سَمِعْتُ رَسُولَ اللَّهِ صلى الله عليه وسلم يَقُولُ الدِّينُ النَّصِيحَةُ كُلُّهُ";
        assert!(split(heard).1.starts_with("رَسُولَ اللَّهِ"), "{}", split(heard).1);
    }

    #[test]
    fn a_text_without_a_chain_is_all_report() {
        let verse = "بِسْمِ اللَّهِ الرَّحْمَٰنِ الرَّحِيمِ";
        assert_eq!(split(verse), (String::new(), verse));
        // A cross-reference: the chain, then "the like of it".
        let like = "حَدَّثَنَا قُتَيْبَةُ، حَدَّثَنَا لَيْثٌ، عَنْ نَافِعٍ، بِمِثْلِهِ";
        assert_eq!(split(like), (String::new(), like));
        assert_eq!(split(""), (String::new(), ""));
    }
}
