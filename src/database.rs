//! Connecting to PostgreSQL: `DATABASE_URL` when set, otherwise the embedded cluster; then the
//! migrations.

use anyhow::Context;
use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;

use crate::config::Settings;
use crate::embedded_postgres::EmbeddedPostgres;

pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// A pool on the configured database, with the embedded server that backs it (if any), which
/// must outlive the pool.
pub struct Database {
    pub pool: PgPool,
    pub embedded: Option<EmbeddedPostgres>,
}

impl Database {
    pub async fn connect(settings: &Settings) -> anyhow::Result<Self> {
        let (url, embedded) = match &settings.database_url {
            Some(url) => (url.clone(), None),
            None => {
                let data_dir = settings.data_dir.clone();
                let embedded = tokio::task::spawn_blocking(move || EmbeddedPostgres::start(&data_dir))
                    .await
                    .context("embedded postgres start-up panicked")??;
                if embedded.started_it() {
                    tracing::info!(data_dir = %settings.data_dir.display(), "embedded postgres started");
                } else {
                    tracing::info!(data_dir = %settings.data_dir.display(), "using the embedded postgres already running");
                }
                (embedded.database_url(), Some(embedded))
            }
        };
        let mut options: sqlx::postgres::PgConnectOptions =
            url.parse().context("DATABASE_URL is not a PostgreSQL URL")?;
        if let Some(timeout) = settings.statement_timeout {
            options = options.options([("statement_timeout", timeout.as_millis().to_string())]);
        }
        let pool = PgPoolOptions::new()
            .max_connections(settings.database_max_connections)
            .acquire_timeout(settings.database_acquire_timeout)
            .connect_with(options)
            .await
            .context("cannot connect to PostgreSQL (check DATABASE_URL)")?;
        Ok(Self { pool, embedded })
    }

    pub async fn migrate(&self) -> anyhow::Result<()> {
        MIGRATOR.run(&self.pool).await.context("cannot apply migrations")?;
        // Indexes a rebuild set aside and did not live to build again.
        let mut connection = self.pool.acquire().await?;
        let built = hijraah_projections::deferred::restore(&mut connection, None)
            .await
            .context("cannot build the indexes an interrupted rebuild set aside")?;
        if built > 0 {
            tracing::warn!(
                built,
                "built the read models' indexes that an interrupted rebuild had set aside"
            );
        }
        Ok(())
    }

    /// Closes the pool, then leaves the embedded server, which stops if no other process uses it.
    pub async fn close(mut self) -> anyhow::Result<()> {
        self.pool.close().await;
        if let Some(mut embedded) = self.embedded.take() {
            if tokio::task::spawn_blocking(move || embedded.stop()).await?? {
                tracing::info!("embedded postgres stopped");
            } else {
                tracing::info!("embedded postgres left running for the other processes that use it");
            }
        }
        Ok(())
    }
}
