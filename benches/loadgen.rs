//! HTTP load: `POST /api/v1/chat` throughput and latency at 32 connections, and in the same run
//! the machine's floor: raw single-row INSERT commits per second at the same concurrency (a
//! durable chat needs at least one commit).
//!
//! `cargo bench --bench loadgen` (env: `DATABASE_URL`, `LOAD_CONNECTIONS` = 32, `LOAD_SECONDS` = 20)

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use hijraah::config::Settings;
use hijraah::startup::Application;
use hijraah_domain::ids::UserId;
use hijraah_domain::user::Role;
use serde_json::json;
use sqlx::Connection;
use tokio_util::sync::CancellationToken;

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn percentile(sorted: &[Duration], q: f64) -> Duration {
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

/// Raw `INSERT` commits per second by `connections` concurrent connections.
async fn commit_floor(connections: usize, duration: Duration) -> f64 {
    let (pool, url) = common::fresh_database("hijraah_bench_floor", 4).await;
    sqlx::query("CREATE TABLE floor (id BIGSERIAL PRIMARY KEY, payload TEXT NOT NULL)")
        .execute(&pool)
        .await
        .expect("table");
    pool.close().await;
    let stop = Arc::new(AtomicBool::new(false));
    let commits = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::new();
    for _ in 0..connections {
        let (url, stop, commits) = (url.clone(), stop.clone(), commits.clone());
        tasks.push(tokio::spawn(async move {
            let mut connection = sqlx::PgConnection::connect(&url).await.expect("connect");
            while !stop.load(Ordering::Relaxed) {
                sqlx::query("INSERT INTO floor (payload) VALUES ($1)")
                    .bind("a chat-sized payload of a few dozen bytes")
                    .execute(&mut connection)
                    .await
                    .expect("insert");
                commits.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let start_count = commits.load(Ordering::Relaxed);
    let started = Instant::now();
    tokio::time::sleep(duration).await;
    let measured = commits.load(Ordering::Relaxed) - start_count;
    let elapsed = started.elapsed();
    stop.store(true, Ordering::Relaxed);
    for task in tasks {
        task.await.expect("task");
    }
    common::drop_database("hijraah_bench_floor").await;
    measured as f64 / elapsed.as_secs_f64()
}

struct ChatLoad {
    requests_per_second: f64,
    p50: Duration,
    p99: Duration,
    errors: u64,
    requests: usize,
}

async fn chat_load(connections: usize, duration: Duration) -> ChatLoad {
    let (pool, url) = common::fresh_database("hijraah_bench_http", 40).await;
    let data_dir = tempfile::tempdir().expect("temp dir");
    let settings = Settings {
        bind: "127.0.0.1:0".parse().expect("address"),
        database_url: Some(url),
        data_dir: data_dir.path().to_path_buf(),
        jwt_secret: Some("benchmark-secret-benchmark-secret-0000".to_owned()),
        log_dir: None,
        body_limit_bytes: 1024 * 1024,
        agent_timeout: Duration::from_secs(5),
        // LOAD_READ_YOUR_WRITES_MS=0 measures the chat without waiting for the read model.
        read_your_writes_timeout: Duration::from_millis(env_number("LOAD_READ_YOUR_WRITES_MS", 5_000)),
        database_max_connections: 40,
        security: hijraah::config::SecuritySettings::unlimited(),
    };
    let application = Application::build(&settings, pool).await.expect("app");
    let keys = hijraah::auth::JwtKeys::new(settings.jwt_secret.as_deref().expect("secret").as_bytes());
    let address = format!("http://127.0.0.1:{}/api/v1/chat", application.port());
    let stop_server = CancellationToken::new();
    let server = tokio::spawn(application.run_until_stopped(stop_server.clone()));

    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(connections)
        .build()
        .expect("client");
    let stop = Arc::new(AtomicBool::new(false));
    let measuring = Arc::new(AtomicBool::new(false));
    let errors = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::new();
    for connection in 0..connections {
        let user = format!("load-user-{connection}");
        let token = keys
            .mint(
                &UserId::parse(&user).expect("user"),
                Role::User,
                Duration::from_secs(3600),
            )
            .expect("token");
        let (client, address, stop, measuring, errors) = (
            client.clone(),
            address.clone(),
            stop.clone(),
            measuring.clone(),
            errors.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut n = 0u64;
            while !stop.load(Ordering::Relaxed) {
                n += 1;
                // Each connection is a user continuing a session, a new one every 20 messages.
                let body = json!({"user_id": user, "content": format!("How do I calculate Zakat? ({n})"),
                                  "session_id": format!("s-{}", n / 20)});
                let started = Instant::now();
                let response = client.post(&address).bearer_auth(&token).json(&body).send().await;
                let ok = matches!(&response, Ok(r) if r.status().is_success());
                if let Ok(response) = response {
                    let _ = response.bytes().await;
                }
                if measuring.load(Ordering::Relaxed) {
                    if ok {
                        latencies.push(started.elapsed());
                    } else {
                        errors.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
            latencies
        }));
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    measuring.store(true, Ordering::Relaxed);
    let started = Instant::now();
    tokio::time::sleep(duration).await;
    measuring.store(false, Ordering::Relaxed);
    let elapsed = started.elapsed();
    stop.store(true, Ordering::Relaxed);
    let mut latencies = Vec::new();
    for task in tasks {
        latencies.extend(task.await.expect("task"));
    }
    stop_server.cancel();
    server.await.expect("server").expect("server stops");
    common::drop_database("hijraah_bench_http").await;
    latencies.sort();
    ChatLoad {
        requests_per_second: latencies.len() as f64 / elapsed.as_secs_f64(),
        p50: percentile(&latencies, 0.50),
        p99: percentile(&latencies, 0.99),
        errors: errors.load(Ordering::Relaxed),
        requests: latencies.len(),
    }
}

fn main() {
    // `cargo bench` passes `--bench`; this harness takes no arguments.
    let connections = env_number("LOAD_CONNECTIONS", 32) as usize;
    let duration = Duration::from_secs(env_number("LOAD_SECONDS", 20));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let floor = commit_floor(connections, duration).await;
        println!("raw single-row INSERT commits/s at {connections} connections: {floor:.0}");
        let load = chat_load(connections, duration).await;
        println!(
            "POST /api/v1/chat at {connections} connections: {:.0} req/s, p50 {:.1} ms, p99 {:.1} ms, {} ok, {} errors",
            load.requests_per_second,
            load.p50.as_secs_f64() * 1000.0,
            load.p99.as_secs_f64() * 1000.0,
            load.requests,
            load.errors
        );
        println!("chat / raw commit ratio: {:.2}", load.requests_per_second / floor);
    });
}
