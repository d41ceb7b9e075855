//! Spawning the app on a fresh database and talking to it.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use hijraah::agents::Registry;
use hijraah::auth::JwtKeys;
use hijraah::config::Settings;
use hijraah::database::MIGRATOR;
use hijraah::http::AppState;
use hijraah::startup::{Application, default_registry};
use hijraah_domain::ids::UserId;
use hijraah_domain::user::Role;
use hijraah_projections::Projection;
use reqwest::{Response, StatusCode};
use serde_json::Value;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{AssertSqlSafe, ConnectOptions, Connection, PgConnection, PgPool};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

pub const SECRET: &str = "test-secret-test-secret-test-secret-0123";

pub fn admin_url() -> String {
    std::env::var("DATABASE_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

/// A database of its own, dropped (with its connections) when this is dropped.
pub struct TestDatabase {
    pub name: String,
    pub url: String,
    pub pool: PgPool,
}

impl TestDatabase {
    pub async fn create() -> Self {
        Self::create_migrated_to(None).await
    }

    /// A database with the migrations up to `version` only (all: `None`), to test an upgrade.
    pub async fn create_migrated_to(version: Option<i64>) -> Self {
        let name = format!("hijraah_test_{}", Uuid::new_v4().simple());
        let mut admin = PgConnection::connect(&admin_url())
            .await
            .expect("connect to the test PostgreSQL server");
        sqlx::query(AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut admin)
            .await
            .expect("create test database");
        let options: PgConnectOptions = admin_url().parse().expect("DATABASE_URL parses");
        let options = options.database(&name);
        let url = options.to_url_lossy().to_string();
        let pool = PgPoolOptions::new()
            .max_connections(20)
            .connect_with(options)
            .await
            .expect("connect to test database");
        match version {
            None => MIGRATOR.run(&pool).await.expect("migrations apply"),
            Some(version) => MIGRATOR.run_to(version, &pool).await.expect("migrations apply"),
        }
        Self { name, url, pool }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let name = self.name.clone();
        // Dropping happens inside the test's runtime; do the async clean-up on a thread of its own.
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
            runtime.block_on(async move {
                let mut admin = PgConnection::connect(&admin_url()).await?;
                sqlx::query(AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")))
                    .execute(&mut admin)
                    .await?;
                Ok::<_, sqlx::Error>(())
            })?;
            Ok::<_, Box<dyn std::error::Error + Send + Sync>>(())
        })
        .join();
    }
}

pub struct TestApp {
    pub address: String,
    /// The server's state: its store, projector and knowledge index, to wait on.
    pub state: AppState,
    pub client: reqwest::Client,
    pub keys: JwtKeys,
    pub stop: CancellationToken,
    pub server: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
    pub data_dir: tempfile::TempDir,
    // Last: dropped after the server has stopped.
    pub db: TestDatabase,
}

pub fn settings_for(db: &TestDatabase, data_dir: PathBuf) -> Settings {
    Settings {
        bind: "127.0.0.1:0".parse().expect("address"),
        database_url: Some(db.url.clone()),
        data_dir,
        jwt_secret: Some(SECRET.to_owned()),
        log_dir: None,
        body_limit_bytes: 64 * 1024,
        agent_timeout: Duration::from_millis(500),
        read_your_writes_timeout: Duration::from_secs(10),
        database_max_connections: 20,
        database_acquire_timeout: Duration::from_secs(5),
        statement_timeout: None,
        security: hijraah::config::SecuritySettings::unlimited(),
        node_name: None,
        drain_grace: Duration::ZERO,
        rulings_sahih_only: false,
        chain_verify_every: std::time::Duration::from_secs(300),
    }
}

impl TestApp {
    pub async fn spawn() -> Self {
        Self::spawn_with_registry(default_registry()).await
    }

    pub async fn spawn_with_registry(registry: Arc<Registry>) -> Self {
        Self::spawn_configured(registry, |_| {}).await
    }

    /// A server whose settings the test adjusts first.
    pub async fn spawn_configured(registry: Arc<Registry>, configure: impl FnOnce(&mut Settings)) -> Self {
        let db = TestDatabase::create().await;
        let data_dir = tempfile::tempdir().expect("temp dir");
        let mut settings = settings_for(&db, data_dir.path().to_path_buf());
        configure(&mut settings);
        let application = Application::build_with_registry(&settings, db.pool.clone(), registry)
            .await
            .expect("app builds");
        let address = format!("http://127.0.0.1:{}", application.port());
        let state = application.state().clone();
        let stop = CancellationToken::new();
        let server = tokio::spawn(application.run_until_stopped(stop.clone()));
        Self {
            address,
            state,
            client: reqwest::Client::new(),
            keys: JwtKeys::new(SECRET.as_bytes()),
            stop,
            server: Some(server),
            data_dir,
            db,
        }
    }

    pub fn token(&self, user: &str, role: Role) -> String {
        self.keys
            .mint(&UserId::parse(user).expect("user id"), role, Duration::from_secs(600))
            .expect("token")
    }

    /// The server's key vault (the test servers keep their generated KEK in the data dir).
    pub fn vault(&self) -> hijraah::privacy::Vault {
        let kek = hijraah::privacy::load_kek(None, self.data_dir.path(), true).expect("the server's KEK");
        hijraah::privacy::Vault::new(self.db.pool.clone(), kek)
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn chat(&self, user: &str, body: Value) -> Response {
        self.client
            .post(self.url("/api/v1/chat"))
            .bearer_auth(self.token(user, Role::User))
            .json(&body)
            .send()
            .await
            .expect("request sent")
    }

    /// Runs the `hijraah` binary on this app's database, as an operator beside the server would:
    /// whether it succeeded, its stdout and its stderr (both trimmed).
    pub fn cli(&self, args: &[&str]) -> (bool, String, String) {
        let output = hijraah_command()
            .args(args)
            .env("DATABASE_URL", &self.db.url)
            .env("HIJRAAH_DATA_DIR", self.data_dir.path().join("cli"))
            .output()
            .expect("run hijraah");
        (
            output.status.success(),
            String::from_utf8_lossy(&output.stdout).trim().to_owned(),
            String::from_utf8_lossy(&output.stderr).trim().to_owned(),
        )
    }

    /// `DELETE /api/v1/users/{user}`, as the user themself: the right to erasure.
    pub async fn erase(&self, user: &str) -> Response {
        self.client
            .delete(self.url(&format!("/api/v1/users/{user}")))
            .bearer_auth(self.token(user, Role::User))
            .send()
            .await
            .expect("request sent")
    }

    pub async fn get(&self, path: &str, token: &str) -> Response {
        self.client
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("request sent")
    }

    /// The Prometheus text of `/metrics`.
    pub async fn metrics(&self) -> String {
        self.client
            .get(self.url("/metrics"))
            .send()
            .await
            .expect("request sent")
            .text()
            .await
            .expect("metrics are text")
    }

    /// Waits until every projection and the knowledge index have applied the whole log as it is
    /// now: whatever the server acknowledged is then in every read model and in search. Waits on
    /// their published positions, not on time; fails the test if they do not get there.
    pub async fn wait_for_projections_and_index(&self) {
        let head = self.state.store.head().await.expect("the log's head");
        let timeout = Duration::from_secs(30);
        for projection in Projection::ALL {
            assert!(
                self.state.projector.wait_for(projection, head, timeout).await,
                "projection {} reached {head:?}",
                projection.name()
            );
        }
        assert!(
            self.state.knowledge.wait_indexed(head, timeout).await,
            "the knowledge index reached {head:?}"
        );
    }

    /// Stops the server and waits for it to finish.
    pub async fn shutdown(&mut self) {
        self.stop.cancel();
        if let Some(server) = self.server.take() {
            server.await.expect("server task").expect("server stops cleanly");
        }
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

/// Asserts the status and the contract's error shape; returns the error code.
pub async fn expect_error(response: Response, status: StatusCode) -> String {
    assert_eq!(response.status(), status, "unexpected status");
    let body: Value = response.json().await.expect("error body is JSON");
    let code = body["error"].as_str().expect("`error` is a string").to_owned();
    assert!(
        !code.is_empty() && code.chars().all(|c| c.is_ascii_lowercase() || c == '_'),
        "error code `{code}` is snake_case"
    );
    assert!(
        body["message"].as_str().is_some_and(|m| !m.is_empty()),
        "`message` is there"
    );
    code
}

/// `user`, signed in with `role`, sends `content` (with `context` unless it is null); the
/// replies, after checking the chat succeeded.
pub async fn replies_to(app: &TestApp, user: &str, role: Role, content: &str, context: Value) -> Vec<Value> {
    let mut body = serde_json::json!({"user_id": user, "content": content});
    if !context.is_null() {
        body["context"] = context;
    }
    let response = app
        .client
        .post(app.url("/api/v1/chat"))
        .bearer_auth(app.token(user, role))
        .json(&body)
        .send()
        .await
        .expect("request sent");
    assert_eq!(response.status(), StatusCode::OK, "chat `{content}` succeeds");
    response.json().await.expect("replies are JSON")
}

/// Alice, a user, asks `content` with `context`.
pub async fn alice_asks(app: &TestApp, content: &str, context: Value) -> Vec<Value> {
    replies_to(app, "alice", Role::User, content, context).await
}

/// The reply of the given agent type, if there is one.
pub fn find_reply<'a>(replies: &'a [Value], agent_type: &str) -> Option<&'a Value> {
    replies.iter().find(|reply| reply["agent_type"] == agent_type)
}

/// The reply of the given agent type; fails the test if there is none.
pub fn reply_from<'a>(replies: &'a [Value], agent_type: &str) -> &'a Value {
    find_reply(replies, agent_type).unwrap_or_else(|| panic!("a {agent_type} reply in {replies:#?}"))
}

/// The `hijraah` binary as a user runs it: no secret or database from the test's environment,
/// quiet logs. Callers add the arguments and what they configure.
pub fn hijraah_command() -> std::process::Command {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_hijraah"));
    command
        .env_remove("HIJRAAH_JWT_SECRET")
        .env_remove("DATABASE_URL")
        .env("RUST_LOG", "warn");
    command
}

/// A second server on `first`'s database, with its own data dir and `first`'s key-encryption key
/// (servers on one database share it; in production, from the environment).
pub struct SecondServer {
    pub address: String,
    pub state: AppState,
    stop: CancellationToken,
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
    _data_dir: tempfile::TempDir,
}

impl SecondServer {
    pub async fn spawn(first: &TestApp, configure: impl FnOnce(&mut Settings)) -> Self {
        let data_dir = tempfile::tempdir().expect("temp dir");
        let mut settings = settings_for(&first.db, data_dir.path().to_path_buf());
        settings.security.kek = Some(
            std::fs::read_to_string(first.data_dir.path().join("kek"))
                .expect("the first server's kek")
                .trim()
                .to_owned(),
        );
        configure(&mut settings);
        let second = Application::build_with_registry(&settings, first.db.pool.clone(), default_registry())
            .await
            .expect("the second server builds");
        let address = format!("http://127.0.0.1:{}", second.port());
        let state = second.state().clone();
        let stop = CancellationToken::new();
        let task = tokio::spawn(second.run_until_stopped(stop.clone()));
        Self {
            address,
            state,
            stop,
            task,
            _data_dir: data_dir,
        }
    }

    /// Stops it and waits until it has stopped cleanly.
    pub async fn shutdown(self) {
        self.stop.cancel();
        self.task.await.expect("server task").expect("server stops cleanly");
    }
}

/// Counts, into `recorded`, the user messages of a conversation by their content, read back
/// through the API at `address` as its owner.
pub async fn count_user_messages(
    client: &reqwest::Client,
    address: &str,
    conversation: &str,
    token: &str,
    recorded: &mut std::collections::BTreeMap<String, usize>,
) {
    let read: Value = client
        .get(format!("{address}/api/v1/conversations/{conversation}"))
        .bearer_auth(token)
        .send()
        .await
        .expect("the conversation")
        .json()
        .await
        .expect("the conversation as JSON");
    for message in read["messages"].as_array().expect("messages") {
        if message["role"] == "user" {
            *recorded
                .entry(message["content"].as_str().unwrap_or_default().to_owned())
                .or_default() += 1;
        }
    }
}

/// What a `hijraah serve` process told its service manager over `NOTIFY_SOCKET` (systemd's
/// protocol; `src/service_manager.rs`). Tests that run the binary wait on these messages
/// instead of polling its endpoints.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Notified {
    pub ready: bool,
    pub stopping: bool,
    pub lease: bool,
    pub projections_at: i64,
}

impl Notified {
    fn apply(&mut self, message: &str) {
        for line in message.lines() {
            match line {
                "READY=1" => self.ready = true,
                "STOPPING=1" => self.stopping = true,
                _ => {
                    if let Some(status) = line.strip_prefix("STATUS=") {
                        self.lease = status.starts_with("lease held");
                        if let Some(at) = status.rsplit(' ').next().and_then(|at| at.parse().ok()) {
                            self.projections_at = at;
                        }
                    }
                }
            }
        }
    }
}

/// What each `hijraah serve` a test runs last told its service manager, by the test's name for it.
pub type Told = tokio::sync::watch::Sender<std::collections::BTreeMap<String, Notified>>;

/// A port free on loopback right now (the server binds it a moment later).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .expect("a free port")
}

/// A socket a child server reports to (pass [`NotifySocket::path`] as its `NOTIFY_SOCKET`); what
/// it said, by `key`, lands in a shared watch channel, replaced by a fresh state on `bind`.
pub struct NotifySocket {
    pub path: PathBuf,
    reader: tokio::task::JoinHandle<()>,
}

impl NotifySocket {
    pub fn bind(
        path: PathBuf,
        key: String,
        states: tokio::sync::watch::Sender<std::collections::BTreeMap<String, Notified>>,
    ) -> Self {
        let _ = std::fs::remove_file(&path);
        let socket = tokio::net::UnixDatagram::bind(&path).expect("bind the notify socket");
        states.send_modify(|states| {
            states.insert(key.clone(), Notified::default());
        });
        let reader = tokio::spawn(async move {
            let mut buffer = vec![0; 4096];
            while let Ok(read) = socket.recv(&mut buffer).await {
                let message = String::from_utf8_lossy(&buffer[..read]).into_owned();
                states.send_modify(|states| states.entry(key.clone()).or_default().apply(&message));
            }
        });
        Self { path, reader }
    }
}

impl Drop for NotifySocket {
    fn drop(&mut self) {
        self.reader.abort();
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Waits until `states` satisfy `until`, at most `within`; panics naming `what` otherwise.
pub async fn wait_notified(
    states: &Told,
    what: &str,
    within: Duration,
    until: impl FnMut(&std::collections::BTreeMap<String, Notified>) -> bool,
) -> std::collections::BTreeMap<String, Notified> {
    let mut receiver = states.subscribe();
    match tokio::time::timeout(within, receiver.wait_for(until)).await {
        Ok(Ok(states)) => states.clone(),
        _ => panic!("{what}: not within {within:?} (told: {:?})", *states.borrow()),
    }
}
