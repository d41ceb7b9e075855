//! The `hijraah` command line: the server, and the tools curators and analysts use.

use std::io::Write;

use anyhow::{Context, bail};
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
use crate::store::{Checkpoint, EventStore, PgEventStore};

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
    /// Rebuild read models from the event log.
    Replay {
        /// Only this projection: users, conversations, agent_interactions or analytics.
        #[arg(long)]
        projection: Option<String>,
    },
    /// Read the event log.
    Events {
        #[command(subcommand)]
        command: EventsCommand,
    },
    /// Import, reindex and search Islamic texts.
    Knowledge {
        #[command(subcommand)]
        command: KnowledgeCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum EventsCommand {
    /// Write events as JSON Lines to stdout, in global order.
    Export {
        /// Only events after this position.
        #[arg(long, default_value_t = 0)]
        after: i64,
        /// Only events of this stream.
        #[arg(long)]
        stream: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum KnowledgeCommand {
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
        Command::Replay { projection } => {
            let projections = match projection {
                Some(name) => vec![name.parse::<Projection>()?],
                None => Projection::ALL.to_vec(),
            };
            with_database(&settings, |database| async move {
                let started = std::time::Instant::now();
                let read = projector::rebuild_all(&database.pool, &projections).await?;
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
            command: EventsCommand::Export { after, stream },
        } => {
            with_database(
                &settings,
                |database| async move { export(&database, after, stream).await },
            )
            .await
        }
        Command::Knowledge { .. } => {
            bail!("not implemented yet: the knowledge store (import, reindex, search) is issue #3 and has not landed")
        }
    }
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

async fn export(database: &Database, after: i64, stream: Option<String>) -> anyhow::Result<()> {
    let store = PgEventStore::new(database.pool.clone());
    let mut from: Checkpoint = store.checkpoint_of(after).await?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    loop {
        let batch = store.read_all(from, 1000, stream.as_deref()).await?;
        let Some((last, _)) = batch.last() else { break };
        from = *last;
        for (_, envelope) in &batch {
            serde_json::to_writer(&mut out, envelope)?;
            out.write_all(b"\n")?;
        }
    }
    out.flush()?;
    Ok(())
}
