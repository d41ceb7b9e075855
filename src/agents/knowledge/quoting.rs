//! How the knowledge agent quotes what it found: verbatim, cut at a sentence when long,
//! neighbouring verses as one passage, the same saying once; and what it says when nothing found
//! is a reliable answer.

use hijraah_domain::understanding::text;
use hijraah_index::Hit;
use serde_json::json;

use crate::agents::AgentAnswer;
use crate::agents::language::Language;

/// Longest quotation shown whole; longer ones are cut at a sentence, marked with "…".
pub(super) const QUOTE_CHARS: usize = 700;

/// The answer when no passage is a reliable answer: say so, cite nothing.
pub(super) fn nothing_reliable(language: Language, best_score: Option<f32>, query: Option<String>) -> AgentAnswer {
    let content = match language {
        Language::Arabic => {
            "لم أجد في النصوص المتاحة لديّ نصًا موثوقًا يجيب عن هذا السؤال، ولن أخمّن. يُرجى سؤال عالم موثوق."
        }
        Language::English => {
            "I found nothing reliable in the texts available to me for this question, and I will not guess. \
             Please ask a trusted scholar."
        }
    };
    AgentAnswer {
        content: content.to_owned(),
        confidence: 0.2,
        metadata: json!({"citations": [], "found": false, "query": query, "best_score": best_score}),
    }
}

/// The answer to a question that names nothing of the religion and that no text speaks to: it
/// is outside what Hijraah does, and here is what it does. Cites nothing.
pub(super) fn outside_the_texts(language: Language, available: &[String], query: Option<String>) -> AgentAnswer {
    let opening = match language {
        Language::Arabic => "لم أجد في القرآن والحديث اللذين لديّ شيئًا في هذا، ولا يبدو سؤالًا عن الدين.",
        Language::English => {
            "I found nothing on this in the Qur'an and hadith I hold, and it does not read as a question about the faith."
        }
    };
    let capabilities = crate::agents::user_interface::capabilities_text(language == Language::Arabic, available);
    AgentAnswer {
        content: format!("{opening} {capabilities}"),
        confidence: 0.2,
        metadata: json!({"citations": [], "found": false, "query": query, "out_of_scope": true}),
    }
}

/// A verbatim quotation, cut at a sentence when long. Arabic hadith open with their chain of
/// narrators and end with the saying, so a long one keeps its end.
pub(super) fn quotation(text: &str, keep_end: bool) -> String {
    if text.chars().count() <= QUOTE_CHARS {
        return text.to_owned();
    }
    let chars: Vec<char> = text.chars().collect();
    if keep_end {
        let tail: String = chars[chars.len() - QUOTE_CHARS..].iter().collect();
        let start = tail
            .char_indices()
            .find(|(_, c)| matches!(c, ' ' | '،'))
            .map_or(0, |(at, c)| at + c.len_utf8());
        return format!("…{}", &tail[start..]);
    }
    let head: String = chars[..QUOTE_CHARS].iter().collect();
    let cut = head
        .rfind(['.', '!', '?'])
        .filter(|&at| at > QUOTE_CHARS / 3)
        .map_or(head.len(), |at| at + 1);
    format!("{} …", &head[..cut])
}

/// A long Arabic hadith quoted by its report: the chain of narrators before it and the
/// compiler's notes after it («قال أبو عيسى…», «وفي الباب…») are left out, each gap marked "…".
/// Cut from the end, al-Tirmidhi's hadith showed only his grading note, not the saying. A text
/// whose report cannot be told apart is cut as before, keeping its end.
pub(super) fn arabic_hadith_quotation(text: &str) -> String {
    if text.chars().count() <= QUOTE_CHARS {
        return text.to_owned();
    }
    let (_, report) = hijraah_index::isnad::split(text);
    if report.is_empty() || report.len() == text.len() {
        return quotation(text, true);
    }
    let report = report.trim();
    let at = text.find(report);
    let before = at.is_some_and(|at| at > 0);
    let after = at.is_some_and(|at| at + report.len() < text.trim_end().len());
    let quoted = if report.chars().count() <= QUOTE_CHARS {
        report.to_owned()
    } else {
        quotation(report, true)
    };
    match (before && !quoted.starts_with('…'), after) {
        (true, true) => format!("…{quoted} …"),
        (true, false) => format!("…{quoted}"),
        (false, true) => format!("{quoted} …"),
        (false, false) => quoted,
    }
}

/// Surah and verse of a Qur'an id (`quran:2:183`).
pub(super) fn verse_number(id: &str) -> Option<(u64, u64)> {
    let mut parts = id.strip_prefix("quran:")?.split(':');
    let surah = parts.next()?.parse().ok()?;
    let ayah = parts.next()?.parse().ok()?;
    parts.next().is_none().then_some((surah, ayah))
}

/// The passages in order of first appearance, with each run of neighbouring verses of one surah
/// gathered into one passage, in verse order.
pub(super) fn group_neighbours(passages: &[Hit]) -> Vec<Vec<&Hit>> {
    let mut groups: Vec<Vec<&Hit>> = Vec::new();
    for hit in passages {
        let joined = verse_number(&hit.id).and_then(|(surah, ayah)| {
            groups.iter().position(|group| {
                group.iter().any(|other| {
                    verse_number(&other.id)
                        .is_some_and(|(other_surah, other_ayah)| other_surah == surah && other_ayah.abs_diff(ayah) == 1)
                })
            })
        });
        match joined {
            Some(at) => {
                groups[at].push(hit);
                groups[at].sort_by_key(|hit| verse_number(&hit.id));
            }
            None => groups.push(vec![hit]),
        }
    }
    groups
}

/// Neighbouring verses quoted as one passage: each verse's text after its number, and one
/// reference for the run ("Qur'an 2:183–185 (Al-Baqarah)").
pub(super) fn quote_passage(group: &[&Hit], language: Language) -> String {
    let verses: Vec<String> = group
        .iter()
        .map(|hit| {
            let ayah = verse_number(&hit.id).map_or(0, |(_, ayah)| ayah);
            let text = match language {
                Language::Arabic => hit.text_ar.as_ref().or(hit.text_en.as_ref()).unwrap_or(&hit.text),
                Language::English => hit.text_en.as_ref().or(hit.text_ar.as_ref()).unwrap_or(&hit.text),
            };
            format!("({ayah}) {}", quotation(text, false))
        })
        .collect();
    let first = verse_number(&group[0].id).unwrap_or_default();
    let last = verse_number(&group[group.len() - 1].id).unwrap_or_default();
    let reference = group[0].reference.replacen(
        &format!("{}:{}", first.0, first.1),
        &format!("{}:{}–{}", first.0, first.1, last.1),
        1,
    );
    match language {
        Language::Arabic => format!("«{}» ({reference})", verses.join(" ")),
        Language::English => format!("\"{}\" ({reference})", verses.join(" ")),
    }
}

/// Below this many words a text is too short to be "contained" in another: a verse of four
/// words ("For the Day of Judgement.") shares most of them with every verse on that day.
const CONTAINED_AT_LEAST: usize = 6;

/// Whether two texts say nearly the same thing: most of the shorter one's words in the longer
/// (a shorter narration of the same saying), or, for a very short text, most of both texts'
/// words shared.
pub(super) fn near_duplicates(one: &str, other: &str) -> bool {
    let words = |text: &str| -> std::collections::HashSet<String> {
        text.split(|c: char| !c.is_alphanumeric())
            .filter(|word| word.chars().count() > 2)
            .map(str::to_lowercase)
            .collect()
    };
    let (one, other) = (words(one), words(other));
    if one.is_empty() || other.is_empty() {
        return false;
    }
    let shared = one.intersection(&other).count() as f64;
    let smaller = one.len().min(other.len());
    let compared = if smaller >= CONTAINED_AT_LEAST {
        smaller
    } else {
        one.len().max(other.len())
    };
    shared / compared as f64 > 0.7
}

/// What an Arabic hadith reports, without its chain of narrators: the words in its quotation
/// marks (the saying), marks folded away, so two narrations of one saying compare by their
/// words. The chains differ from narration to narration, so whole texts never looked alike
/// («أحق الشروط…» was quoted three times). None for a text with no quoted saying: its last words
/// may still be its chain, shared with other sayings.
pub(super) fn saying(arabic: &str) -> Option<String> {
    let folded = text::fold_arabic(arabic);
    let open = folded.find('"')?;
    let close = folded.rfind('"')?;
    let words = folded.get(open + 1..close)?;
    (words.split_whitespace().filter(|word| word.chars().count() > 2).count() >= 3).then(|| words.to_owned())
}

/// Whether two quoted texts are the same saying: their Arabic sayings nearly the same when both
/// are hadith with one (a shared chain is not a shared saying), else their texts; or their
/// English nearly the same.
pub(super) fn same_saying(one: &Hit, other: &Hit) -> bool {
    let english = match (&one.text_en, &other.text_en) {
        (Some(one), Some(other)) => near_duplicates(one, other),
        _ => false,
    };
    let sayings = (one.source == "hadith" && other.source == "hadith")
        .then(|| Some((saying(one.text_ar.as_deref()?)?, saying(other.text_ar.as_deref()?)?)))
        .flatten();
    english
        || match sayings {
            Some((one, other)) => near_duplicates(&one, &other),
            None => near_duplicates(&one.text, &other.text),
        }
}

/// What graders said of a quoted hadith, to follow its reference: "; graded hasan sahih (حسن
/// صحيح) by al-Tirmidhi", or "; not graded here" when no grade is recorded. Nothing for a verse.
pub(super) fn grade_note(hit: &Hit, language: Language) -> String {
    if hit.source != "hadith" {
        return String::new();
    }
    if hit.grades.is_empty() {
        return match language {
            Language::English => "; not graded here".to_owned(),
            Language::Arabic => "؛ لم يُذكر حكمه هنا".to_owned(),
        };
    }
    let verdicts: Vec<String> = hit
        .grades
        .iter()
        .map(|grade| match language {
            Language::English => format!("{} by {}", grade.grade, grade.grader),
            Language::Arabic => format!("{} عند {}", grade.grade, grade.grader),
        })
        .collect();
    match language {
        Language::English => format!("; graded {}", verdicts.join("; ")),
        Language::Arabic => format!("؛ الحكم: {}", verdicts.join("؛ ")),
    }
}
