//! The flat scan behind hybrid search: a query's vector against every text's, keeping the
//! nearest (#22 item 4, #27 item 2). The vectors are random unit vectors of the model's width
//! (384), as many as a deployment holds with the whole corpus (40,414 primary texts embedded),
//! and as many as the corpus has documents (102,774). Their values do not change the scan's cost.
//!
//! `cargo bench --bench vector_scan`

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use hijraah::semantic::vectors::VectorSet;
use rand::{Rng, SeedableRng, rngs::StdRng};

const DIMENSIONS: usize = 384;

fn unit(rng: &mut StdRng) -> Vec<f32> {
    let mut vector: Vec<f32> = (0..DIMENSIONS).map(|_| rng.gen_range(-1.0f32..1.0)).collect();
    hijraah_encoder::normalise(&mut vector);
    vector
}

fn scan(c: &mut Criterion) {
    let mut group = c.benchmark_group("vector_scan");
    group.sample_size(30);
    for texts in [40_414usize, 102_774] {
        let mut rng = StdRng::seed_from_u64(7);
        let mut set = VectorSet::default();
        for text in 0..texts {
            set.upsert(format!("quran:{text}"), &unit(&mut rng), text as i64);
        }
        let query = unit(&mut rng);
        for count in [40usize, 160] {
            group.bench_with_input(BenchmarkId::new(format!("nearest_{count}"), texts), &texts, |b, _| {
                b.iter(|| std::hint::black_box(set.nearest(&query, count)))
            });
        }
    }
    group.finish();
}

criterion_group!(benches, scan);
criterion_main!(benches);
