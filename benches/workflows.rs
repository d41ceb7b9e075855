//! Durable workflows: how many runs a server completes per second, and what a step costs beyond
//! the work it does.
//!
//! `DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres cargo bench --bench workflows`
//!
//! - **Step overhead**: a run of 5 agent steps (the user interface agent, in process), one run at
//!   a time; the run's own recorded times give the wall time per step, compared with a bare call
//!   of the same agent. The difference is what durability costs: replaying the stream,
//!   `StepScheduled` and `StepCompleted` appended (each a durable commit), and the sealing.
//! - **Runs per second**: `WORKFLOW_RUNS` (default 500) runs of a 3-step calculator workflow
//!   started at once; the time until the read model shows them all completed.
//!
//! The server runs in this process (release build); runs are started through its service, not
//! over HTTP, so the numbers are the engine's.

mod common;

use std::time::{Duration, Instant};

use chrono::Utc;
use hijraah::agents::user_interface::UserInterfaceAgent;
use hijraah::agents::{Agent, AgentRequest};
use hijraah::auth::Principal;
use hijraah::startup::{Application, default_registry};
use hijraah_domain::ids::UserId;
use hijraah_domain::user::Role;
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

const DATABASE: &str = "hijraah_bench_workflows";

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(run());
}

async fn run() {
    let (pool, url) = common::fresh_database(DATABASE, 20).await;
    let data_dir = tempfile::tempdir().expect("temp dir");
    let settings = hijraah::config::Settings {
        bind: "127.0.0.1:0".parse().expect("address"),
        database_url: Some(url),
        data_dir: data_dir.path().to_path_buf(),
        jwt_secret: Some("bench-secret-bench-secret-bench-secret-01".to_owned()),
        log_dir: None,
        body_limit_bytes: 1024 * 1024,
        agent_timeout: Duration::from_secs(5),
        read_your_writes_timeout: Duration::from_secs(5),
        database_max_connections: 20,
        database_acquire_timeout: Duration::from_secs(5),
        statement_timeout: None,
        security: hijraah::config::SecuritySettings::unlimited(),
        node_name: None,
        drain_grace: Duration::ZERO,
        rulings_sahih_only: false,
        chain_verify_every: std::time::Duration::from_secs(300),
    };
    let application = Application::build_with_registry(&settings, pool.clone(), default_registry())
        .await
        .expect("server builds");
    let state = application.state().clone();
    let stop = CancellationToken::new();
    let server = tokio::spawn(application.run_until_stopped(stop.clone()));
    let workflows = state.workflows.clone();
    let admin = Principal {
        user_id: UserId::parse("root").expect("id"),
        role: Role::Admin,
    };
    let user = Principal {
        user_id: UserId::parse("bench").expect("id"),
        role: Role::User,
    };

    // A bare call of the agent the steps call.
    let agent = UserInterfaceAgent::new("ui-bench");
    let request = AgentRequest {
        message_id: Uuid::now_v7(),
        conversation_id: Uuid::now_v7(),
        user_id: "bench".into(),
        content: "Assalamu alaikum, what can you do?".into(),
        language: "en".into(),
        context: Value::Null,
        role: Role::User,
        available_agent_types: vec!["user_interface".into()],
        asked_at: Utc::now(),
        previous: None,
        answered: Vec::new(),
        intent_by_meaning: None,
        read: Default::default(),
    };
    let calls = 2_000;
    let started = Instant::now();
    for _ in 0..calls {
        agent.handle(&request).await.expect("the agent answers");
    }
    let bare_ms = started.elapsed().as_secs_f64() * 1000.0 / f64::from(calls);

    let five = json!({"steps": (1..=5).map(|n| json!({"id": format!("s{n}"), "kind": "agent", "agent_type": "user_interface",
                                                     "content": "Assalamu alaikum, what can you do?"})).collect::<Vec<_>>()});
    workflows.register("five_steps", five, &admin).await.expect("registers");
    let sequential = 20;
    let mut per_step = Vec::new();
    for _ in 0..sequential {
        let (run_id, _) = workflows
            .start("five_steps", json!({}), &user, None, None)
            .await
            .expect("starts");
        let view = loop {
            let run = workflows.load(run_id).await.expect("loads").expect("exists");
            if run.is_finished() {
                break run.view(Utc::now());
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        };
        assert_eq!(view.status, "completed");
        let wall = (view.finished_at.expect("finished") - view.created_at)
            .num_microseconds()
            .unwrap_or(0);
        per_step.push(wall as f64 / 1000.0 / 5.0);
    }
    per_step.sort_by(f64::total_cmp);
    let median_step = per_step[per_step.len() / 2];

    let runs: usize = std::env::var("WORKFLOW_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(500);
    let calculators = json!({"input": {"cash": "decimal"}, "steps": [
        {"id": "zakat", "kind": "calculator", "calculator": "zakat", "input": {"cash": "${input.cash}", "gold_price_per_gram": "80"}},
        {"id": "qibla", "kind": "calculator", "calculator": "qibla", "input": {"latitude": 51.5, "longitude": -0.12}},
        {"id": "hijri", "kind": "calculator", "calculator": "hijri", "input": {"date": "2026-11-29"}}]});
    workflows
        .register("three_calculators", calculators, &admin)
        .await
        .expect("registers");
    let started = Instant::now();
    let workflows_for_starts = workflows.clone();
    let starts = (0..runs).map(|n| {
        let workflows = workflows_for_starts.clone();
        let user = user.clone();
        async move {
            workflows
                .start(
                    "three_calculators",
                    json!({"cash": format!("{}", 5_000 + n)}),
                    &user,
                    None,
                    None,
                )
                .await
                .expect("starts")
        }
    });
    futures_util::future::join_all(starts).await;
    let started_all = started.elapsed();
    loop {
        let completed: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM workflow_runs WHERE definition = 'three_calculators' AND status = 'completed'",
        )
        .fetch_one(&pool)
        .await
        .expect("count");
        if completed as usize >= runs {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let elapsed = started.elapsed().as_secs_f64();

    println!("workflows on {} ({} runs)", Utc::now().date_naive(), runs);
    println!("bare user_interface agent call: {bare_ms:.3} ms");
    println!(
        "5-step run, one at a time: median {median_step:.2} ms per step ({:.2} ms over the bare call), {sequential} runs",
        median_step - bare_ms
    );
    println!(
        "{runs} runs of 3 calculator steps started at once: {:.0} runs/s, {:.0} steps/s ({:.2} s in all; starting them took {:.2} s)",
        runs as f64 / elapsed,
        3.0 * runs as f64 / elapsed,
        elapsed,
        started_all.as_secs_f64()
    );
    stop.cancel();
    let _ = server.await;
    drop(state);
    pool.close().await;
    common::drop_database(DATABASE).await;
}
