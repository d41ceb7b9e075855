//! The knowledge store on the whole corpus: import, full reindex, and search latency and quality
//! against PostgreSQL full-text search (tsvector + GIN, ranked with ts_rank) over the same texts:
//! on the queries below (written in the texts' own wording) and on the development set of
//! everyday queries (`../shared/eval/knowledge_dev.jsonl`: paraphrases, named passages,
//! transliterations, famous hadith in plain English, Arabic), scored as its README says (hit@5,
//! and MRR over the first 10).
//!
//! `cargo bench --bench knowledge` (env: `DATABASE_URL`; the corpus at `../shared/corpus`)

mod common;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use hijraah::knowledge::KnowledgeService;
use hijraah::knowledge::import::import_file;
use hijraah::store::{EventStore, LogNotifier};
use hijraah_index::SearchRequest;
use hijraah_index::arabic::has_arabic;

/// (query, source filter, documents that answer it). Written down by reading the corpus.
const QUERIES: &[(&str, Option<&str>, &[&str])] = &[
    (
        "Allah does not charge a soul except with that within its capacity",
        None,
        &["quran:2:286"],
    ),
    ("there is no compulsion in religion", None, &["quran:2:256"]),
    (
        "seek help through patience and prayer",
        None,
        &["quran:2:45", "quran:2:153"],
    ),
    ("Say He is Allah who is One", None, &["quran:112:1"]),
    ("mankind is in loss", None, &["quran:103:2"]),
    ("created man in the best of stature", None, &["quran:95:4"]),
    ("with hardship will be ease", None, &["quran:94:5", "quran:94:6"]),
    (
        "zakah expenditures are only for the poor and the needy",
        None,
        &["quran:9:60"],
    ),
    (
        "fasting prescribed for you as it was prescribed for those before you",
        None,
        &["quran:2:183"],
    ),
    (
        "the month of Ramadhan in which was revealed the Quran",
        None,
        &["quran:2:185"],
    ),
    ("recite in the name of your Lord who created", None, &["quran:96:1"]),
    ("light upon light", None, &["quran:24:35"]),
    ("do not spy or backbite each other", None, &["quran:49:12"]),
    (
        "made you peoples and tribes that you may know one another",
        None,
        &["quran:49:13"],
    ),
    (
        "to parents good treatment do not say to them uff",
        None,
        &["quran:17:23"],
    ),
    (
        "whoever kills a soul it is as if he had slain mankind entirely",
        None,
        &["quran:5:32"],
    ),
    (
        "Allah has permitted trade and has forbidden interest",
        None,
        &["quran:2:275"],
    ),
    ("neither drowsiness overtakes Him nor sleep", None, &["quran:2:255"]),
    ("It is You we worship and You we ask for help", None, &["quran:1:5"]),
    ("guide us to the straight path", None, &["quran:1:6"]),
    (
        "hold firmly to the rope of Allah all together and do not become divided",
        None,
        &["quran:3:103"],
    ),
    (
        "the believers are but brothers so make settlement",
        None,
        &["quran:49:10"],
    ),
    (
        "when My servants ask you concerning Me indeed I am near",
        None,
        &["quran:2:186"],
    ),
    (
        "reward of deeds depends upon the intentions",
        Some("hadith"),
        &["bukhari:1"],
    ),
    (
        "none of you will have faith till he wishes for his brother what he likes for himself",
        Some("hadith"),
        &["bukhari:13"],
    ),
    (
        "a Muslim is the one who avoids harming Muslims with his tongue and hands",
        Some("hadith"),
        &["bukhari:10"],
    ),
    ("Islam is based on five principles", Some("hadith"), &["bukhari:8"]),
    (
        "faith consists of more than sixty branches",
        Some("hadith"),
        &["bukhari:9"],
    ),
    ("لا إكراه في الدين", None, &["quran:2:256"]),
    ("قل هو الله أحد", None, &["quran:112:1"]),
    ("إن مع العسر يسرا", None, &["quran:94:5", "quran:94:6"]),
    ("إياك نعبد وإياك نستعين", None, &["quran:1:5"]),
    ("اهدنا الصراط المستقيم", None, &["quran:1:6"]),
    ("إن الإنسان لفي خسر", None, &["quran:103:2"]),
    ("إنما المؤمنون إخوة", None, &["quran:49:10"]),
    ("وأحل الله البيع وحرم الربا", None, &["quran:2:275"]),
    ("الله نور السماوات والأرض", None, &["quran:24:35"]),
    ("اقرأ باسم ربك الذي خلق", None, &["quran:96:1"]),
    ("كتب عليكم الصيام", None, &["quran:2:183"]),
    ("شهر رمضان الذي أنزل فيه القرآن", None, &["quran:2:185"]),
    ("لا تأخذه سنة ولا نوم", None, &["quran:2:255"]),
    ("ربنا آتنا في الدنيا حسنة وفي الآخرة حسنة", None, &["quran:2:201"]),
    ("واعتصموا بحبل الله جميعا ولا تفرقوا", None, &["quran:3:103"]),
    ("لا يكلف الله نفسا إلا وسعها", None, &["quran:2:286"]),
    ("لَآ إِكۡرَاهَ فِي ٱلدِّينِۖ", None, &["quran:2:256"]),
    ("قُلۡ هُوَ ٱللَّهُ أَحَدٌ", None, &["quran:112:1"]),
    ("إِيَّاكَ نَعۡبُدُ وَإِيَّاكَ نَسۡتَعِينُ", None, &["quran:1:5"]),
    ("لَا تَأۡخُذُهُۥ سِنَةٞ وَلَا نَوۡمٞ", None, &["quran:2:255"]),
    ("إنما الأعمال بالنيات", Some("hadith"), &["bukhari:1"]),
    ("بني الإسلام على خمس", Some("hadith"), &["bukhari:8"]),
    ("المسلم من سلم المسلمون من لسانه ويده", Some("hadith"), &["bukhari:10"]),
    (
        "لا يؤمن أحدكم حتى يحب لأخيه ما يحب لنفسه",
        Some("hadith"),
        &["bukhari:13"],
    ),
];

const RUNS: usize = 20;

/// A translation's id names its verse: `quran:2:255:fr.hamidullah` answers like `quran:2:255`.
fn verse_of(id: &str) -> String {
    if id.starts_with("quran:") {
        id.split(':').take(3).collect::<Vec<_>>().join(":")
    } else {
        id.to_owned()
    }
}

fn percentile(sorted: &[Duration], q: f64) -> Duration {
    sorted[((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len()) - 1]
}

/// OR of the query's words, as tsquery syntax (PostgreSQL's plain parsers AND them).
fn tsquery(text: &str) -> String {
    text.split(|c: char| !c.is_alphanumeric() && !('\u{0600}'..='\u{06FF}').contains(&c))
        .filter(|word| !word.is_empty())
        .collect::<Vec<_>>()
        .join(" | ")
}

/// Runs one query on both engines: the rank of the first expected document in each top 10
/// (translations count as their verse), and RUNS timed runs each after a warm-up.
async fn score(
    index: &hijraah_index::KnowledgeIndex,
    pool: &sqlx::PgPool,
    query: &str,
    source: Option<&str>,
    expected: &[&str],
    ours: &mut Vec<Duration>,
    theirs: &mut Vec<Duration>,
) -> (Option<usize>, Option<usize>) {
    let request = SearchRequest {
        query: query.to_string(),
        source: source.map(Into::into),
        limit: 10,
        ..Default::default()
    };
    let sql = if has_arabic(query) {
        "SELECT id FROM fts WHERE ar @@ to_tsquery('simple', $1) AND ($2::text IS NULL OR source = $2)
         ORDER BY ts_rank(ar, to_tsquery('simple', $1)) DESC LIMIT 10"
    } else {
        "SELECT id FROM fts WHERE en @@ to_tsquery('english', $1) AND ($2::text IS NULL OR source = $2)
         ORDER BY ts_rank(en, to_tsquery('english', $1)) DESC LIMIT 10"
    };
    let terms = tsquery(query);
    let rank = |ids: Vec<String>| ids.iter().position(|id| expected.contains(&verse_of(id).as_str()));
    let mut ranks = (None, None);
    for run in 0..=RUNS {
        let started = Instant::now();
        let results = index.search(&request).expect("search");
        let elapsed = started.elapsed();
        let started = Instant::now();
        let rows: Vec<String> = sqlx::query_scalar(sql)
            .bind(&terms)
            .bind(source)
            .fetch_all(pool)
            .await
            .expect("fts");
        let their_elapsed = started.elapsed();
        if run == 0 {
            // The first run warms caches and decides the ranks; the others are timed.
            ranks = (
                rank(results.hits.iter().map(|hit| hit.id.clone()).collect()),
                rank(rows),
            );
            let mark = |found: Option<usize>| if found.is_some_and(|r| r < 5) { "hit" } else { "MISS" };
            println!("{:<5} {:<5} {query}", mark(ranks.0), mark(ranks.1));
            continue;
        }
        ours.push(elapsed);
        theirs.push(their_elapsed);
    }
    ranks
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let corpus = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
        let (pool, _) = common::fresh_database("hijraah_bench_knowledge", 8).await;
        let store = EventStore::new(pool.clone());
        let started = Instant::now();
        let mut documents = 0;
        for file in ["quran.jsonl", "quran_translations.jsonl", "bukhari.jsonl", "muslim.jsonl", "abudawud.jsonl", "nasai.jsonl", "ibnmajah.jsonl", "tirmidhi.jsonl"] {
            let (counts, malformed) = import_file(&store, &corpus.join(file), "bench", &|_| {}).await.expect("import");
            assert!(malformed.is_empty(), "{file}: {malformed:?}");
            documents += counts.added;
        }
        let import_seconds = started.elapsed().as_secs_f64();
        println!("import: {documents} documents in {import_seconds:.1}s ({:.0} documents/s)", documents as f64 / import_seconds);

        let data_dir = tempfile::tempdir().expect("temp dir");
        let service = KnowledgeService::open(store.clone(), LogNotifier::default(), data_dir.path().join("index"), true)
            .expect("index");
        let report = service.reindex(Arc::new(|_, _| {})).await.expect("reindex");
        println!(
            "reindex: {} documents from {} events in {:.1}s ({:.0} documents/s)",
            report.documents,
            report.events,
            report.seconds,
            report.documents as f64 / report.seconds
        );

        // PostgreSQL full-text search over the same documents.
        for statement in [
            "CREATE TABLE fts (id TEXT PRIMARY KEY, source TEXT NOT NULL, en TSVECTOR NOT NULL, ar TSVECTOR NOT NULL)",
            "INSERT INTO fts SELECT data->'document'->>'id', data->'document'->>'source',
                    to_tsvector('english', coalesce(data->'document'->>'text_en', '')),
                    to_tsvector('simple', coalesce(data->'document'->>'text_ar_search', data->'document'->>'text_ar', ''))
             FROM events WHERE event_type = 'KnowledgeDocumentAdded'",
            "CREATE INDEX fts_en ON fts USING GIN (en)",
            "CREATE INDEX fts_ar ON fts USING GIN (ar)",
            "ANALYZE fts",
        ] {
            sqlx::query(statement).execute(&pool).await.expect("fts setup");
        }

        let index = service.index();
        let (mut ours, mut theirs) = (Vec::new(), Vec::new());
        let (mut our_hits, mut their_hits) = (0, 0);
        for (query, source, expected) in QUERIES {
            let scored = score(&index, &pool, query, *source, expected, &mut ours, &mut theirs).await;
            our_hits += usize::from(scored.0.is_some_and(|rank| rank < 5));
            their_hits += usize::from(scored.1.is_some_and(|rank| rank < 5));
        }
        ours.sort();
        theirs.sort();
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        println!("queries in the texts' wording: {} ({} runs each)", QUERIES.len(), RUNS);
        println!(
            "tantivy:  p50 {:.2} ms, p99 {:.2} ms, top-5 hits {}/{}",
            ms(percentile(&ours, 0.5)),
            ms(percentile(&ours, 0.99)),
            our_hits,
            QUERIES.len()
        );
        println!(
            "postgres: p50 {:.2} ms, p99 {:.2} ms, top-5 hits {}/{}",
            ms(percentile(&theirs, 0.5)),
            ms(percentile(&theirs, 0.99)),
            their_hits,
            QUERIES.len()
        );
        println!("p99 ratio (postgres / tantivy): {:.1}x", ms(percentile(&theirs, 0.99)) / ms(percentile(&ours, 0.99)));

        // The development set of everyday queries, as its README scores it.
        let dev = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/eval/knowledge_dev.jsonl");
        let text = std::fs::read_to_string(&dev).expect("knowledge_dev.jsonl");
        let (mut ours, mut theirs) = (Vec::new(), Vec::new());
        let mut kinds: std::collections::BTreeMap<String, [f64; 5]> = Default::default();
        for line in text.lines() {
            let case: serde_json::Value = serde_json::from_str(line).expect("a JSON line");
            let query = case["q"].as_str().expect("q");
            let expected: Vec<&str> = case["expected_any"].as_array().expect("expected_any").iter().filter_map(|v| v.as_str()).collect();
            let (our_rank, their_rank) = score(&index, &pool, query, None, &expected, &mut ours, &mut theirs).await;
            let row = kinds.entry(case["kind"].as_str().unwrap_or("all").to_owned()).or_default();
            row[0] += 1.0;
            row[1] += f64::from(u8::from(our_rank.is_some_and(|rank| rank < 5)));
            row[2] += f64::from(u8::from(their_rank.is_some_and(|rank| rank < 5)));
            row[3] += our_rank.map_or(0.0, |rank| 1.0 / (rank as f64 + 1.0));
            row[4] += their_rank.map_or(0.0, |rank| 1.0 / (rank as f64 + 1.0));
        }
        ours.sort();
        theirs.sort();
        println!("knowledge_dev.jsonl: hit@5 and MRR@10 per kind, tantivy | postgres");
        let mut total = [0.0; 5];
        for (kind, row) in &kinds {
            println!(
                "  {kind:<16} {:>2}/{:<2} MRR {:.3} | {:>2}/{:<2} MRR {:.3}",
                row[1], row[0], row[3] / row[0], row[2], row[0], row[4] / row[0]
            );
            for (sum, value) in total.iter_mut().zip(row) {
                *sum += value;
            }
        }
        println!(
            "  {:<16} {}/{} ({:.1}%) MRR {:.3} | {}/{} ({:.1}%) MRR {:.3}",
            "all",
            total[1], total[0], 100.0 * total[1] / total[0], total[3] / total[0],
            total[2], total[0], 100.0 * total[2] / total[0], total[4] / total[0]
        );
        println!(
            "  latency tantivy p50 {:.2} ms, p99 {:.2} ms | postgres p50 {:.2} ms, p99 {:.2} ms",
            ms(percentile(&ours, 0.5)),
            ms(percentile(&ours, 0.99)),
            ms(percentile(&theirs, 0.5)),
            ms(percentile(&theirs, 0.99))
        );
        drop(index);
        drop(service);
        pool.close().await;
        common::drop_database("hijraah_bench_knowledge").await;
    });
}
