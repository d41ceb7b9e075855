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
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::process::Child;
use tokio::sync::watch;

use hijraah::auth::JwtKeys;
use hijraah_domain::ids::UserId;
use hijraah_domain::user::Role;
use serde_json::{Value, json};

use crate::helpers::{
    Notified, NotifySocket, SECRET, TestDatabase, Told, count_user_messages, free_port, hijraah_command, wait_notified,
};
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

struct Node {
    name: String,
    port: u16,
    data_dir: PathBuf,
    log: PathBuf,
    database_url: String,
    child: Option<Child>,
    notify: Option<NotifySocket>,
}

impl Node {
    fn start(&mut self, told: &Told) {
        // The last run's socket goes first: dropping it removes its path, which the new one reuses.
        self.notify = None;
        let notify = NotifySocket::bind(self.data_dir.with_extension("notify"), self.name.clone(), told.clone());
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .expect("node log");
        let mut command = hijraah_command();
        command
            .arg("serve")
            .env("NOTIFY_SOCKET", &notify.path)
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
            .stdout(log.try_clone().expect("node log"))
            .stderr(log);
        let child = tokio::process::Command::from(command)
            .kill_on_drop(true)
            .spawn()
            .expect("start hijraah serve");
        self.child = Some(child);
        self.notify = Some(notify);
    }

    /// Waits for the server's `READY=1` (it accepts connections and its database is migrated).
    async fn wait_ready(&self, told: &Told) {
        let what = format!("{} ready (log: {})", self.name, self.log.display());
        wait_notified(told, &what, Duration::from_secs(60), |told| told[&self.name].ready).await;
    }

    async fn kill(&mut self, told: &Told) {
        let mut child = self.child.take().expect("running");
        child.kill().await.expect("kill -9");
        self.notify = None;
        told.send_modify(|told| {
            told.insert(self.name.clone(), Notified::default());
        });
    }

    /// SIGTERM, then waits for the process to drain and exit; returns whether it exited cleanly.
    async fn terminate(&mut self) -> bool {
        let mut child = self.child.take().expect("running");
        let sent = std::process::Command::new("kill")
            .arg("-TERM")
            .arg(child.id().expect("running").to_string())
            .status()
            .expect("kill -TERM");
        assert!(sent.success());
        match tokio::time::timeout(Duration::from_secs(30), child.wait()).await {
            Ok(status) => status.expect("wait").success(),
            Err(_) => panic!("{} did not stop within 30 s of SIGTERM", self.name),
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
    sent: Arc<Mutex<Vec<Sent>>>,
    acknowledged: watch::Sender<usize>,
) {
    let user = worker / 2;
    let mut n = 0;
    // A steady 50 chats/s per worker at most: a user's pace, not a flood.
    let mut pace = tokio::time::interval(Duration::from_millis(20));
    pace.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // The load stops when the test settles.
    while Phase::from_u8(phase.load(Ordering::SeqCst)) != Phase::Settled {
        pace.tick().await;
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
        let ok = outcome.is_ok();
        sent.lock().unwrap().push(Sent {
            user,
            content,
            phases: (started, finished),
            outcome,
        });
        if ok {
            acknowledged.send_modify(|count| *count += 1);
        }
    }
}

/// Lets the load run until `more` further chats are acknowledged: each phase sees real traffic,
/// however fast this machine is.
async fn load_for(acknowledged: &watch::Sender<usize>, more: usize, phase: &str) {
    let target = *acknowledged.borrow() + more;
    let mut receiver = acknowledged.subscribe();
    let reached = tokio::time::timeout(Duration::from_secs(120), receiver.wait_for(|count| *count >= target));
    assert!(
        matches!(reached.await, Ok(Ok(_))),
        "{more} more chats acknowledged {phase} within 2 minutes (at {})",
        *acknowledged.borrow()
    );
}

/// How long nginx skips a server after a failed connection: `fail_timeout` in deploy/nginx.conf,
/// with a margin.
const PASSIVE_FAIL_TIMEOUT: Duration = Duration::from_millis(2_300);

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
            notify: None,
        })
        .collect();
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap();
    let told = Told::new(BTreeMap::new());
    for node in &mut nodes {
        node.start(&told);
    }
    for node in &nodes {
        node.wait_ready(&told).await;
    }
    let nginx_port = free_port();
    let ports: Vec<u16> = nodes.iter().map(|node| node.port).collect();
    // Returns once nginx listens (it daemonises after binding).
    let _nginx = Nginx::start(&nginx_path, &work, nginx_port, &ports).expect("nginx starts");
    let front = format!("http://127.0.0.1:{nginx_port}");
    let through = client.get(format!("{front}/readyz")).send().await;
    assert!(
        through.is_ok_and(|response| response.status().is_success()),
        "nginx answers (log: {}/nginx-error.log)",
        work.display()
    );

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
    let sent = Arc::new(Mutex::new(Vec::new()));
    let acknowledged = watch::Sender::new(0usize);
    let workers: Vec<_> = (0..WORKERS)
        .map(|index| {
            tokio::spawn(worker(
                client.clone(),
                format!("{front}/api/v1/chat"),
                index,
                token(index / 2),
                phase.clone(),
                sent.clone(),
                acknowledged.clone(),
            ))
        })
        .collect();
    let load_began = Instant::now();
    load_for(&acknowledged, 300, "while warming up").await;

    // SIGKILL the lease holder mid-load.
    let holders = wait_notified(
        &told,
        "a server holds the projection lease",
        Duration::from_secs(30),
        |told| told.values().filter(|node| node.lease).count() == 1,
    )
    .await;
    let leader = nodes
        .iter()
        .position(|node| holders[&node.name].lease)
        .expect("one server holds the projection lease");
    phase.store(Phase::Killed as u8, Ordering::SeqCst);
    nodes[leader].kill(&told).await;
    let killed_at = Instant::now();
    let holders = wait_notified(
        &told,
        "another server takes the projection lease",
        Duration::from_secs(20),
        |told| told.values().any(|node| node.lease),
    )
    .await;
    let takeover = killed_at.elapsed();
    let new_leader = holders
        .iter()
        .find(|(_, node)| node.lease)
        .map(|(name, _)| name.clone())
        .unwrap();
    load_for(&acknowledged, 200, "after the takeover").await;

    phase.store(Phase::Restarted as u8, Ordering::SeqCst);
    nodes[leader].start(&told);
    nodes[leader].wait_ready(&told).await;
    let back_at = Instant::now();
    load_for(&acknowledged, 200, "with the killed server back").await;

    // A rolling restart, one server at a time, with SIGTERM, as an operator does it behind
    // passive health checks: the next server stops only once nginx has stopped skipping the last
    // one (its `fail_timeout` after the refusals of the moment it was down), or every server can
    // be skipped at once and nginx answers 502 "no live upstreams" (seen here before this wait).
    phase.store(Phase::Rolling as u8, Ordering::SeqCst);
    let mut clean_exits = 0;
    let mut last_down = back_at;
    for node in &mut nodes {
        tokio::time::sleep_until((last_down + PASSIVE_FAIL_TIMEOUT).into()).await;
        if node.terminate().await {
            clean_exits += 1;
        }
        node.start(&told);
        node.wait_ready(&told).await;
        last_down = Instant::now();
        load_for(&acknowledged, 100, &format!("after {} restarted", node.name)).await;
    }
    load_for(&acknowledged, 100, "after the rolling restart").await;
    phase.store(Phase::Settled as u8, Ordering::SeqCst);
    for handle in workers {
        handle.await.unwrap();
    }
    let load_seconds = load_began.elapsed().as_secs_f64();

    // Every server sees the projections caught up with the log.
    let head: i64 = sqlx::query_scalar("SELECT coalesce(max(position), 0) FROM events")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    wait_notified(
        &told,
        "the projections catch up on every server",
        Duration::from_secs(30),
        |told| told.values().all(|node| node.projections_at >= head),
    )
    .await;

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
