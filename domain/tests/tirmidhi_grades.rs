//! Al-Tirmidhi's grading, read from real lines of his Jami' in the shared corpus. Each expected
//! grade below was checked by hand against the line's Arabic ("قال أبو عيسى هذا حديث …").

use std::collections::HashMap;
use std::path::PathBuf;

use hijraah_domain::knowledge::KnowledgeDocument;

fn corpus_file() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus/tirmidhi.jsonl")
}

#[test]
fn the_grades_al_tirmidhi_states_are_read_and_none_is_invented() {
    let path = corpus_file();
    let Ok(text) = std::fs::read_to_string(&path) else {
        panic!("the corpus is needed at {}", path.display());
    };
    let expected: HashMap<&str, Option<&str>> = [
        // "this hadith is the most correct thing on this topic": a comparison, not a grade.
        ("tirmidhi:1", None),
        ("tirmidhi:2", Some("hasan sahih (حسن صحيح)")),
        ("tirmidhi:3", None),
        // "the hadith of Anas is the most correct thing on this topic": no grade.
        ("tirmidhi:5", None),
        ("tirmidhi:7", Some("hasan gharib (حسن غريب)")),
        ("tirmidhi:12", None),
        ("tirmidhi:21", Some("gharib (غريب)")),
        ("tirmidhi:33", Some("hasan (حسن)")),
        // "the hadith of 'A'isha is not sound": stated, but not in grading terms.
        ("tirmidhi:53", None),
        // The second grade in the line is of Ibn 'Abbas's narration, not this one.
        ("tirmidhi:150", Some("hasan sahih gharib (حسن صحيح غريب)")),
        ("tirmidhi:152", Some("hasan gharib sahih (حسن غريب صحيح)")),
        ("tirmidhi:156", Some("sahih (صحيح)")),
        ("tirmidhi:171", Some("gharib hasan (غريب حسن)")),
        ("tirmidhi:429", Some("sahih gharib (صحيح غريب)")),
        ("tirmidhi:789", Some("munkar (منكر)")),
        ("tirmidhi:797", Some("mursal (مرسل)")),
        ("tirmidhi:1000", Some("hasan (حسن)")),
        ("tirmidhi:1500", Some("hasan sahih (حسن صحيح)")),
        ("tirmidhi:2000", Some("hasan sahih (حسن صحيح)")),
        // The English of this edition says "Hasan Sahih"; the Arabic, which we read, says hasan.
        ("tirmidhi:2500", Some("hasan (حسن)")),
        ("tirmidhi:3000", Some("hasan (حسن)")),
        ("tirmidhi:3500", Some("hasan sahih (حسن صحيح)")),
        // No statement by Abu 'Eisa at all.
        ("tirmidhi:4000", None),
        ("tirmidhi:4053", None),
    ]
    .into_iter()
    .collect();
    let mut checked = 0;
    let mut graded = 0;
    let mut records = 0;
    for line in text.lines() {
        let value: serde_json::Value = serde_json::from_str(line).expect("a JSON line");
        let document = KnowledgeDocument::from_record(&value).expect("a hadith record");
        records += 1;
        // His own statement; the English translation's weak mark is a grade of its own.
        let his: Vec<_> = document
            .grades
            .iter()
            .filter(|grade| grade.grader == "al-Tirmidhi")
            .collect();
        graded += usize::from(!his.is_empty());
        assert!(his.len() <= 1, "{} has one statement read", document.id);
        let Some(want) = expected.get(document.id.as_str()) else {
            continue;
        };
        checked += 1;
        let got = his.first();
        assert_eq!(got.map(|grade| grade.grade.as_str()), *want, "{}", document.id);
        if let Some(grade) = got {
            assert_eq!(grade.grader, "al-Tirmidhi");
            assert!(grade.source.contains("حديث"), "{}: {}", document.id, grade.source);
            assert!(grade.source.contains(&document.number.unwrap().to_string()));
        }
    }
    assert_eq!(checked, expected.len(), "every hand-checked line is in the corpus");
    assert_eq!(records, 4053);
    // Two in three state a grade in his terms; the rest compare narrations or say nothing.
    assert!((2_500..3_000).contains(&graded), "{graded} graded");
}

#[test]
fn the_two_sahih_collections_carry_their_compilers_grade_and_the_sunan_none() {
    let base = corpus_file();
    for (file, grader) in [
        ("bukhari.jsonl", Some("al-Bukhari")),
        ("muslim.jsonl", Some("Muslim ibn al-Hajjaj")),
        ("abudawud.jsonl", None),
    ] {
        let text = std::fs::read_to_string(base.with_file_name(file)).expect("the corpus");
        let first = text.lines().next().unwrap();
        let document = KnowledgeDocument::from_record(&serde_json::from_str(first).unwrap()).unwrap();
        assert_eq!(
            document.grades.first().map(|grade| grade.grader.as_str()),
            grader,
            "{file}"
        );
    }
}
