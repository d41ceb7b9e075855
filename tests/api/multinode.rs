//! Three `hijraah serve` processes on one database behind nginx, run with the shipped
//! `deploy/nginx.conf`, under chat load. One server (the projection lease holder) is killed with
//! SIGKILL mid-load and restarted; then all three are restarted one by one with SIGTERM.
//!
//! What a client relies on: every chat that was acknowledged is recorded exactly once; a rolling
//! restart fails no request; the lease passes to another server within seconds. The test writes
//! what it did, with the counts, to `target/tmp/multinode-report.txt` (`.ci/run` prints it).
//!
//! Needs Debian's `nginx`. Without it the test says so and passes, unless
//! `HIJRAAH_REQUIRE_NGINX=1` (set by `.ci/run`, which installs it).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::{Child, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hijraah::auth::JwtKeys;
use hijraah_domain::ids::UserId;
use hijraah_domain::user::Role;
use serde_json::{Value, json};

use crate::helpers::{SECRET, TestDatabase, count_user_messages, hijraah_command};
use crate::nginx::{Nginx, nginx_binary};

const NODES: usize = 3;
/// Two workers per user, on one session each: concurrent writers on one stream too.
const WORKERS: usize = 8;
/// Base64 of 32 bytes: the key-encryption key every server shares.
const KEK: &str = "a2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2s=";

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
#[repr(u8)]
enum Phase {
    Warm = 0,
    Killed = 1,
    Restarted = 2,
    Rolling = 3,
    Settled = 4,
}

impl Phase {
    fn from_u8(value: u8) -> Self {
        match value {
            0 => Phase::Warm,
            1 => Phase::Killed,
            2 => Phase::Restarted,
            3 => Phase::Rolling,
            _ => Phase::Settled,
        }
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .expect("a free port")
}

struct Node {
    name: String,
    port: u16,
    data_dir: PathBuf,
    log: PathBuf,
    database_url: String,
    child: Option<Child>,
}

impl Node {
    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    fn start(&mut self) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .expect("node log");
        let child = hijraah_command()
            .arg("serve")
            .env("DATABASE_URL", &self.database_url)
            .env("HIJRAAH_DATA_DIR", &self.data_dir)
            .env("HIJRAAH_BIND", format!("127.0.0.1:{}", self.port))
            .env("HIJRAAH_NODE_NAME", &self.name)
            .env("HIJRAAH_JWT_SECRET", SECRET)
            .env("HIJRAAH_KEK", KEK)
            .env("HIJRAAH_TRUSTED_PROXIES", "127.0.0.1")
            .env("HIJRAAH_RATE_LIMIT_PER_MINUTE", "0")
            .env("HIJRAAH_ANONYMOUS_RATE_LIMIT_PER_MINUTE", "0")
            .env("HIJRAAH_DB_MAX_CONNECTIONS", "10")
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start hijraah serve");
        self.child = Some(child);
    }

    async fn wait_ready(&self, client: &reqwest::Client) {
        for _ in 0..600 {
            if let Ok(response) = client.get(self.url("/readyz")).send().await
                && response.status().is_success()
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("{} did not become ready (log: {})", self.name, self.log.display());
    }

    fn kill(&mut self) {
        let mut child = self.child.take().expect("running");
        child.kill().expect("kill -9");
        child.wait().expect("reaped");
    }

    /// SIGTERM, then waits for the process to drain and exit; returns whether it exited cleanly.
    async fn terminate(&mut self) -> bool {
        let mut child = self.child.take().expect("running");
        let sent = std::process::Command::new("kill")
            .arg("-TERM")
            .arg(child.id().to_string())
            .status()
            .expect("kill -TERM");
        assert!(sent.success());
        for _ in 0..600 {
            if let Some(status) = child.try_wait().expect("wait") {
                return status.success();
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let _ = child.kill();
        panic!("{} did not stop within 30 s of SIGTERM", self.name);
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// One chat sent through nginx: its content, when it was sent and answered, and the outcome.
struct Sent {
    user: usize,
    content: String,
    phases: (Phase, Phase),
    /// The conversation it was recorded in, when acknowledged; the failure otherwise.
    outcome: Result<String, String>,
}

async fn worker(
    client: reqwest::Client,
    url: String,
    worker: usize,
    token: String,
    phase: Arc<AtomicU8>,
    stop: Arc<AtomicBool>,
    sent: Arc<Mutex<Vec<Sent>>>,
) {
    let user = worker / 2;
    let mut n = 0;
    while !stop.load(Ordering::Relaxed) {
        n += 1;
        let content = format!("Assalamu alaikum from worker {worker}, message {n}");
        let started = Phase::from_u8(phase.load(Ordering::SeqCst));
        let response = client
            .post(&url)
            .bearer_auth(&token)
            .json(&json!({"user_id": format!("load{user}"), "content": content, "session_id": format!("s{user}")}))
            .send()
            .await;
        let outcome = match response {
            Ok(response) if response.status() == reqwest::StatusCode::OK => match response.json::<Value>().await {
                Ok(replies) => replies[0]["metadata"]["conversation_id"]
                    .as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| format!("no conversation in {replies}")),
                Err(error) => Err(format!("body: {error}")),
            },
            Ok(response) => Err(format!(
                "{} {}",
                response.status(),
                response.text().await.unwrap_or_default()
            )),
            Err(error) => Err(format!("transport: {error}")),
        };
        let finished = Phase::from_u8(phase.load(Ordering::SeqCst));
        let failed = outcome.is_err();
        sent.lock().unwrap().push(Sent {
            user,
            content,
            phases: (started, finished),
            outcome,
        });
        tokio::time::sleep(Duration::from_millis(if failed { 100 } else { 20 })).await;
    }
}

async fn readyz(client: &reqwest::Client, node: &Node) -> Option<Value> {
    let response = client.get(node.url("/readyz")).send().await.ok()?;
    response.json().await.ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_servers_behind_nginx_lose_no_acknowledged_chat_through_a_kill_and_a_rolling_restart() {
    let Some(nginx_path) = nginx_binary() else {
        assert!(
            std::env::var("HIJRAAH_REQUIRE_NGINX").is_err(),
            "HIJRAAH_REQUIRE_NGINX is set but nginx is not installed"
        );
        eprintln!("skipped: nginx is not installed (apt-get install nginx; .ci/run does)");
        return;
    };
    let began = Instant::now();
    let db = TestDatabase::create().await;
    let work = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("multinode");
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).unwrap();
    let mut nodes: Vec<Node> = (0..NODES)
        .map(|index| Node {
            name: format!("node{}", index + 1),
            port: free_port(),
            data_dir: work.join(format!("node{}", index + 1)),
            log: work.join(format!("node{}.log", index + 1)),
            database_url: db.url.clone(),
            child: None,
        })
        .collect();
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap();
    for node in &mut nodes {
        node.start();
    }
    for node in &nodes {
        node.wait_ready(&client).await;
    }
    let nginx_port = free_port();
    let ports: Vec<u16> = nodes.iter().map(|node| node.port).collect();
    let _nginx = Nginx::start(&nginx_path, &work, nginx_port, &ports).expect("nginx starts");
    let front = format!("http://127.0.0.1:{nginx_port}");
    let mut up = false;
    for _ in 0..100 {
        if let Ok(response) = client.get(format!("{front}/readyz")).send().await
            && response.status().is_success()
        {
            up = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(up, "nginx answers (log: {}/nginx-error.log)", work.display());

    let keys = JwtKeys::new(SECRET.as_bytes());
    let token = |user: usize| {
        keys.mint(
            &UserId::parse(&format!("load{user}")).unwrap(),
            Role::User,
            Duration::from_secs(3600),
        )
        .unwrap()
    };
    let phase = Arc::new(AtomicU8::new(Phase::Warm as u8));
    let stop = Arc::new(AtomicBool::new(false));
    let sent = Arc::new(Mutex::new(Vec::new()));
    let workers: Vec<_> = (0..WORKERS)
        .map(|index| {
            tokio::spawn(worker(
                client.clone(),
                format!("{front}/api/v1/chat"),
                index,
                token(index / 2),
                phase.clone(),
                stop.clone(),
                sent.clone(),
            ))
        })
        .collect();
    let load_began = Instant::now();
    tokio::time::sleep(Duration::from_secs(3)).await;

    // SIGKILL the lease holder mid-load.
    let mut leader = None;
    for (index, node) in nodes.iter().enumerate() {
        if readyz(&client, node)
            .await
            .is_some_and(|ready| ready["projection_lease"] == true)
        {
            leader = Some(index);
        }
    }
    let leader = leader.expect("one server holds the projection lease");
    phase.store(Phase::Killed as u8, Ordering::SeqCst);
    nodes[leader].kill();
    let killed_at = Instant::now();
    let mut takeover = None;
    while takeover.is_none() && killed_at.elapsed() < Duration::from_secs(20) {
        for (index, node) in nodes.iter().enumerate() {
            if index != leader
                && readyz(&client, node)
                    .await
                    .is_some_and(|ready| ready["projection_lease"] == true)
            {
                takeover = Some((killed_at.elapsed(), node.name.clone()));
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (takeover, new_leader) = takeover.expect("another server took the projection lease within 20 s");
    tokio::time::sleep(Duration::from_secs(2)).await;

    phase.store(Phase::Restarted as u8, Ordering::SeqCst);
    nodes[leader].start();
    nodes[leader].wait_ready(&client).await;
    tokio::time::sleep(Duration::from_secs(2)).await;

    // A rolling restart, one server at a time, with SIGTERM.
    phase.store(Phase::Rolling as u8, Ordering::SeqCst);
    let mut clean_exits = 0;
    for node in &mut nodes {
        if node.terminate().await {
            clean_exits += 1;
        }
        node.start();
        node.wait_ready(&client).await;
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    phase.store(Phase::Settled as u8, Ordering::SeqCst);
    stop.store(true, Ordering::SeqCst);
    for handle in workers {
        handle.await.unwrap();
    }
    let load_seconds = load_began.elapsed().as_secs_f64();

    // Every server sees the projections caught up with the log.
    let mut caught_up = false;
    for _ in 0..300 {
        let mut lags = Vec::new();
        for node in &nodes {
            lags.push(
                readyz(&client, node)
                    .await
                    .and_then(|ready| ready["projection_lag_events"].as_i64()),
            );
        }
        if lags.iter().all(|lag| *lag == Some(0)) {
            caught_up = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(caught_up, "the projections caught up on every server");

    let sent = std::mem::take(&mut *sent.lock().unwrap());
    let mut recorded: BTreeMap<String, usize> = BTreeMap::new();
    let conversations: BTreeMap<usize, String> = sent
        .iter()
        .filter_map(|chat| {
            chat.outcome
                .as_ref()
                .ok()
                .map(|conversation| (chat.user, conversation.clone()))
        })
        .collect();
    for (user, conversation) in &conversations {
        count_user_messages(&client, &front, conversation, &token(*user), &mut recorded).await;
    }
    let acknowledged: Vec<&Sent> = sent.iter().filter(|chat| chat.outcome.is_ok()).collect();
    let unacknowledged: Vec<&Sent> = sent.iter().filter(|chat| chat.outcome.is_err()).collect();
    let lost = acknowledged
        .iter()
        .filter(|chat| !recorded.contains_key(&chat.content))
        .count();
    let duplicated = recorded.values().filter(|count| **count > 1).count();
    let unacknowledged_recorded = unacknowledged
        .iter()
        .filter(|chat| recorded.contains_key(&chat.content))
        .count();
    let in_phase = |wanted: Phase| {
        unacknowledged
            .iter()
            .filter(|chat| chat.phases.0 == wanted || chat.phases.1 == wanted)
            .count()
    };
    let rolling_failures: Vec<&String> = unacknowledged
        .iter()
        .filter(|chat| chat.phases.0 == Phase::Rolling || chat.phases.1 == Phase::Rolling)
        .filter_map(|chat| chat.outcome.as_ref().err())
        .collect();
    let report = format!(
        "multinode: {NODES} servers behind nginx ({}), {WORKERS} chat workers on {} sessions, {load_seconds:.1} s of load\n\
         - SIGKILL of {} (the projection lease holder) mid-load, restarted; then a rolling SIGTERM restart of all {NODES}\n\
         - lease taken over by {new_leader} in {} ms\n\
         - chats sent {}, acknowledged {}, acknowledged and lost {lost}, recorded twice {duplicated}\n\
         - unacknowledged {} (while killed: {}, during the rolling restart: {}); of those, recorded anyway {unacknowledged_recorded}\n\
         - clean exits on SIGTERM: {clean_exits}/{NODES}; {:.0} chats/s acknowledged through nginx (debug build, alongside the rest of the suite)\n\
         - whole test {:.1} s\n",
        nginx_path.display(),
        WORKERS / 2,
        nodes[leader].name,
        takeover.as_millis(),
        sent.len(),
        acknowledged.len(),
        unacknowledged.len(),
        in_phase(Phase::Killed),
        rolling_failures.len(),
        acknowledged.len() as f64 / load_seconds,
        began.elapsed().as_secs_f64(),
    );
    eprint!("{report}");
    std::fs::write(
        PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("multinode-report.txt"),
        &report,
    )
    .unwrap();
    assert!(acknowledged.len() > 100, "the load ran: {report}");
    assert_eq!(lost, 0, "{report}");
    assert_eq!(duplicated, 0, "{report}");
    assert!(
        rolling_failures.is_empty(),
        "no request fails during a rolling restart: {rolling_failures:?}\n{report}"
    );
    assert_eq!(clean_exits, NODES, "each server drains and exits cleanly on SIGTERM");
    assert!(takeover < Duration::from_secs(5), "{report}");
}
