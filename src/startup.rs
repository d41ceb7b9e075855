//! Building and running the server: the state, the background tasks (log listener, projection
//! runners) and the listener, bound before `run` so callers (tests) learn the port first.

use std::sync::Arc;

use anyhow::Context;
use sqlx::PgPool;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::agents::analytics::AnalyticsAgent;
use crate::agents::community::CommunityAgent;
use crate::agents::custom::{self, CustomAgent, CustomAgents};
use crate::agents::financial::FinancialAgent;
use crate::agents::knowledge::KnowledgeAgent;
use crate::agents::migration::MigrationAgent;
use crate::agents::user_interface::UserInterfaceAgent;
use crate::agents::{Coordinator, Registry};
use crate::auth::{self, JwtKeys};
use crate::chat::ChatService;
use crate::config::Settings;
use crate::http::security::RateLimiter;
use crate::http::{self, AppState};
use crate::knowledge::KnowledgeService;
use crate::metrics::Metrics;
use crate::privacy::Vault;
use crate::projector::Projector;
use crate::store::{EventStore, LogNotifier};

/// The agents every server runs before its own: the user interface agent. `Application::build`
/// adds the specialised agents, which need the server's index and database, and the custom
/// agents registered in the log.
/// Connections of the projection runners' own pool: the live runner holds one, a rebuild or a
/// catch-up at start another.
const PROJECTION_CONNECTIONS: u32 = 3;

pub fn default_registry() -> Arc<Registry> {
    let registry = Arc::new(Registry::default());
    registry.register(Arc::new(UserInterfaceAgent::new("ui-1")));
    registry
}

/// Registers Hijraah's specialised agents (the server's, and the learning tools' to compare the
/// rules with a model).
pub fn register_specialised_agents(
    registry: &Registry,
    knowledge: &Arc<KnowledgeService>,
    pool: &PgPool,
    workflows: &Arc<crate::workflows::WorkflowService>,
    rulings_sahih_only: bool,
) {
    registry.register(Arc::new(
        KnowledgeAgent::new("knowledge-1", knowledge.clone()).sahih_only_for_rulings(rulings_sahih_only),
    ));
    registry.register(Arc::new(FinancialAgent::new("financial-1", knowledge.clone())));
    registry.register(Arc::new(CommunityAgent::new("community-1", pool.clone())));
    registry.register(Arc::new(MigrationAgent::new("migration-1", pool.clone())));
    registry.register(Arc::new(AnalyticsAgent::new("analytics-1", pool.clone())));
    registry.register(Arc::new(crate::agents::workflow::WorkflowAgent::new(
        "workflow-1",
        workflows.clone(),
    )));
}

pub struct Application {
    listener: TcpListener,
    router: axum::Router,
    state: AppState,
    /// Held while the server runs: no other server may use this data dir (its index, secrets).
    _data_dir_lock: DataDirLock,
    /// How long a stopping server keeps accepting while `/readyz` says it is draining.
    drain_grace: std::time::Duration,
    /// How often the event log's hash chain is checked (zero: never).
    chain_verify_every: std::time::Duration,
}

/// An exclusive lock on a data dir (`hijraah.lock`, with the holder's pid), released when the
/// process ends however it ends.
pub struct DataDirLock {
    /// The lock lives as long as this open file.
    _file: std::fs::File,
}

/// Takes the data dir for this server, or says which process has it.
pub fn lock_data_dir(data_dir: &std::path::Path) -> anyhow::Result<DataDirLock> {
    use std::io::{Read, Seek, Write};
    std::fs::create_dir_all(data_dir).with_context(|| format!("cannot create data dir {}", data_dir.display()))?;
    let path = data_dir.join("hijraah.lock");
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .read(true)
        .write(true)
        .open(&path)
        .with_context(|| format!("cannot open {}", path.display()))?;
    match file.try_lock() {
        Ok(()) => {
            file.set_len(0)?;
            file.rewind()?;
            write!(file, "{}", std::process::id())?;
            file.flush()?;
            Ok(DataDirLock { _file: file })
        }
        Err(std::fs::TryLockError::WouldBlock) => {
            let mut holder = String::new();
            let _ = file.read_to_string(&mut holder);
            anyhow::bail!(
                "the data dir {} is in use by another hijraah server (pid {}): each server needs a data dir of its \
                 own (HIJRAAH_DATA_DIR); servers share only the database and the secrets (HIJRAAH_JWT_SECRET, HIJRAAH_KEK)",
                data_dir.display(),
                holder.trim()
            )
        }
        Err(std::fs::TryLockError::Error(error)) => {
            Err(error).with_context(|| format!("cannot lock {}", path.display()))
        }
    }
}

impl Application {
    /// Binds the listener and assembles the app on an already migrated database.
    pub async fn build(settings: &Settings, pool: PgPool) -> anyhow::Result<Self> {
        Self::build_with_registry(settings, pool, default_registry()).await
    }

    pub async fn build_with_registry(
        settings: &Settings,
        pool: PgPool,
        registry: Arc<Registry>,
    ) -> anyhow::Result<Self> {
        let data_dir_lock = lock_data_dir(&settings.data_dir)?;
        let secret = auth::load_secret(
            settings.jwt_secret.as_deref(),
            &settings.data_dir,
            settings.bind.ip().is_loopback(),
        )?;
        let kek = crate::privacy::load_kek(
            settings.security.kek.as_deref(),
            &settings.data_dir,
            settings.bind.ip().is_loopback(),
        )?;
        let vault = Vault::new(pool.clone(), kek);
        let listener = TcpListener::bind(settings.bind)
            .await
            .with_context(|| format!("cannot listen on {}", settings.bind))?;
        let notifier = LogNotifier::default();
        let store = EventStore::with_notifier(pool.clone(), notifier.clone());
        let knowledge = KnowledgeService::open(store.clone(), notifier.clone(), settings.data_dir.join("index"), true)
            .context("cannot open the knowledge index")?;
        knowledge.attach_semantic(crate::semantic::SemanticService::new(pool.clone()));
        let workflows = Arc::new(crate::workflows::WorkflowService::new(
            store.clone(),
            pool.clone(),
            vault.clone(),
        ));
        register_specialised_agents(&registry, &knowledge, &pool, &workflows, settings.rulings_sahih_only);
        let http_client = reqwest::Client::builder()
            .connect_timeout(std::time::Duration::from_secs(2))
            .build()
            .context("cannot build the HTTP client for custom agents")?;
        // Custom agents as registered in the log, whatever the read model had caught up to.
        // The projections get a pool of their own: a burst of requests cannot starve them of
        // connections, and their long batches never hold a request's.
        let projection_pool = sqlx::postgres::PgPoolOptions::new()
            .max_connections(PROJECTION_CONNECTIONS)
            .connect_lazy_with((*pool.connect_options()).clone());
        crate::projector::catch_up(&projection_pool, &vault, hijraah_projections::Projection::CustomAgents)
            .await
            .context("cannot bring the custom agents read model up to date")?;
        for spec in custom::load(&pool).await.context("cannot load custom agents")? {
            tracing::info!(agent_id = %spec.agent_id, endpoint = %spec.endpoint, "custom agent loaded");
            registry.register(Arc::new(CustomAgent::new(spec, http_client.clone())));
        }
        let node = settings.node_name.clone().unwrap_or_else(|| {
            let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_else(|_| "localhost".into());
            let port = listener.local_addr().map(|address| address.port()).unwrap_or_default();
            format!("{}:{port}", host.trim())
        });
        let lease = crate::lease::ProjectionLease::new((*pool.connect_options()).clone(), &node);
        let projector = Projector::new(projection_pool, vault.clone(), notifier.clone(), lease);
        let metrics = Arc::new(Metrics::default());
        let coordinator = Arc::new(Coordinator::new(registry.clone(), settings.agent_timeout));
        let router = Arc::new(crate::learn::LearnedRouter::new(
            store.clone(),
            crate::learn::ModelStore::new(&settings.data_dir, pool.clone()),
        ));
        if let Err(error) = router.sync().await {
            // The rules route until the follower manages to load it.
            tracing::error!(error = %format!("{error:#}"), "cannot load the promoted routing model");
        }
        let chat = Arc::new(
            ChatService::new(
                store.clone(),
                coordinator,
                router.clone(),
                projector.clone(),
                metrics.clone(),
                settings.read_your_writes_timeout,
                vault.clone(),
            )
            .with_semantic(knowledge.semantic().cloned()),
        );
        let custom_agents = Arc::new(CustomAgents::new(
            store.clone(),
            registry.clone(),
            projector.clone(),
            http_client.clone(),
            settings.read_your_writes_timeout,
        ));
        let workflows = Arc::new(crate::workflows::WorkflowService::new(
            store.clone(),
            pool.clone(),
            vault.clone(),
        ));
        let mut rate_limiter = RateLimiter::new(
            settings.security.user_rate_limit,
            settings.security.anonymous_rate_limit,
        );
        rate_limiter = rate_limiter.trusting(&settings.security.trusted_proxies);
        if let Some(url) = &settings.security.redis_url {
            rate_limiter = rate_limiter.shared(url, &settings.security.redis_prefix)?;
        }
        let workflow_worker = crate::workflows::worker::Worker::new(
            workflows.clone(),
            crate::workflows::steps::StepContext {
                store: store.clone(),
                pool: pool.clone(),
                vault: vault.clone(),
                registry: registry.clone(),
                knowledge: knowledge.clone(),
            },
            metrics.clone(),
        );
        let loopback = settings.bind.ip().is_loopback();
        let state = AppState::new(crate::http::Services {
            web: crate::http::WebSettings {
                dev_sign_in: loopback,
                secure_cookies: !loopback,
            },
            router,
            workflows,
            workflow_worker,
            pool,
            store,
            notifier,
            projector,
            chat,
            registry,
            keys: JwtKeys::new(secret.as_bytes()),
            metrics,
            shutdown: CancellationToken::new(),
            draining: CancellationToken::new(),
            knowledge,
            read_your_writes_timeout: settings.read_your_writes_timeout,
            http_client,
            vault: vault.clone(),
            custom_agents,
            rate_limiter: Arc::new(rate_limiter),
            analytics_as_of: Default::default(),
        });
        let router = http::router(
            state.clone(),
            settings.body_limit_bytes,
            &settings.security.cors_origins,
        );
        Ok(Self {
            listener,
            router,
            state,
            _data_dir_lock: data_dir_lock,
            drain_grace: settings.drain_grace,
            chain_verify_every: settings.chain_verify_every,
        })
    }

    pub fn port(&self) -> u16 {
        self.listener
            .local_addr()
            .map(|address| address.port())
            .unwrap_or_default()
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until `stop` is cancelled, then drains: `/readyz` answers 503 at once, new requests
    /// are still accepted for the drain grace, then every connection already queued is accepted
    /// and served, in-flight requests finish, and only then do the background tasks stop (a
    /// chat in flight still sees its writes projected) and the projection lease go to another.
    pub async fn run_until_stopped(self, stop: CancellationToken) -> anyhow::Result<()> {
        // Live event streams end with `state.shutdown` (at the start of the drain, or the graceful
        // shutdown would wait on them for ever); the background tasks with `tasks`, at the end.
        let tasks = CancellationToken::new();
        let listener_task = tokio::spawn(
            self.state
                .notifier
                .clone()
                .listen(self.state.pool.clone(), tasks.clone()),
        );
        let mut runners = vec![tokio::spawn(self.state.projector.lease().clone().run(tasks.clone()))];
        runners.extend(self.state.projector.spawn_all(tasks.clone()));
        runners.push(tokio::spawn(self.state.knowledge.clone().run(tasks.clone())));
        if let Some(semantic) = self.state.knowledge.semantic().cloned() {
            // Every server loads the model and the vectors; the projection leader embeds.
            let lease = self.state.projector.lease().clone();
            runners.push(tokio::spawn(semantic.run(
                self.state.knowledge.clone(),
                Arc::new(move || lease.is_held()),
                tasks.clone(),
            )));
        }
        runners.push(tokio::spawn(follow_custom_agents(self.state.clone(), tasks.clone())));
        runners.push(self.state.router.spawn(tasks.clone()));
        runners.push(tokio::spawn(
            self.state
                .workflow_worker
                .clone()
                .run(self.state.projector.clone(), tasks.clone()),
        ));
        runners.push(tokio::spawn(
            self.state
                .vault
                .clone()
                .follow_erasures(self.state.pool.clone(), tasks.clone()),
        ));
        if !self.chain_verify_every.is_zero() {
            runners.push(tokio::spawn(crate::chain::verify_on_schedule(
                self.state.pool.clone(),
                self.state.metrics.clone(),
                self.chain_verify_every,
                tasks.clone(),
            )));
        }
        if crate::service_manager::listening() {
            runners.push(tokio::spawn(crate::service_manager::report(
                self.state.projector.clone(),
                self.state.draining.clone(),
                tasks.clone(),
            )));
        }
        tracing::info!(address = %self.listener.local_addr()?, node = %self.state.projector.lease().node(), "hijraah listening");
        let stop_accepting = CancellationToken::new();
        let listener = crate::drain::DrainingListener::new(self.listener, stop_accepting.clone())?;
        let drained = listener.drained();
        // (`tap_io` also gives the connections their peer address as `ConnectInfo<SocketAddr>`.)
        let listener = axum::serve::ListenerExt::tap_io(listener, |stream: &mut tokio::net::TcpStream| {
            let _ = stream.set_nodelay(true);
        });
        let draining = self.state.draining.clone();
        let grace = self.drain_grace;
        tokio::spawn(async move {
            stop.cancelled().await;
            draining.cancel();
            tracing::info!(grace_ms = grace.as_millis() as u64, "draining: /readyz answers 503");
            tokio::time::sleep(grace).await;
            stop_accepting.cancel();
        });
        let serve_shutdown = self.state.shutdown.clone();
        let service = self
            .router
            .into_make_service_with_connect_info::<std::net::SocketAddr>();
        let result = axum::serve(listener, service)
            .with_graceful_shutdown(async move {
                drained.cancelled().await;
                tracing::info!("draining: not accepting new connections; finishing those in flight");
                serve_shutdown.cancel();
            })
            .await;
        self.state.shutdown.cancel();
        tasks.cancel();
        let _ = listener_task.await;
        for runner in runners {
            let _ = runner.await;
        }
        result.context("server error")
    }
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = terminate => {}
    }
    tracing::info!("shutdown signal received");
}

/// Follows custom agents registered or removed through other servers sharing the database: at
/// once when this server's projector changed their read model, and every `SYNC_INTERVAL` in
/// case another process (a CLI rebuild) changed it.
async fn follow_custom_agents(state: AppState, shutdown: CancellationToken) {
    let projection = hijraah_projections::Projection::CustomAgents;
    let mut changes = state.projector.changes();
    let mut seen = changes.borrow_and_update().get(&projection).copied();
    loop {
        tokio::select! {
            changed = changes.wait_for(|changes| changes.get(&projection).copied() != seen) => {
                match changed {
                    Ok(changes) => seen = changes.get(&projection).copied(),
                    Err(_) => return,
                }
            }
            _ = tokio::time::sleep(custom::SYNC_INTERVAL) => {}
            _ = shutdown.cancelled() => return,
        }
        if let Err(error) = state.custom_agents.sync().await {
            tracing::warn!(%error, "cannot refresh custom agents");
        }
    }
}
