//! Shared by the benchmarks: a fresh database and realistic chat events.

#![allow(dead_code)]

use hijraah::database::MIGRATOR;
use hijraah_domain::events::{AgentReplied, AgentScore, ConversationStarted, RequestRouted, UserRequestReceived};
use hijraah_domain::{Event, EventMetadata, NewEvent};
use serde_json::json;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{AssertSqlSafe, ConnectOptions, Connection, PgConnection, PgPool};
use uuid::Uuid;

pub fn admin_url() -> String {
    std::env::var("DATABASE_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

/// Creates (or recreates) an empty database; returns its URL. (A server migrates it itself,
/// whichever build it is.)
pub async fn empty_database(name: &str) -> String {
    let mut admin = PgConnection::connect(&admin_url())
        .await
        .expect("connect to PostgreSQL (DATABASE_URL)");
    for statement in [
        format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
        format!("CREATE DATABASE {name}"),
    ] {
        sqlx::query(AssertSqlSafe(statement))
            .execute(&mut admin)
            .await
            .expect("recreate the database");
    }
    let options: PgConnectOptions = admin_url().parse().expect("url");
    options.database(name).to_url_lossy().to_string()
}

/// Creates (or recreates) a migrated database for a benchmark.
pub async fn fresh_database(name: &str, max_connections: u32) -> (PgPool, String) {
    let mut admin = PgConnection::connect(&admin_url())
        .await
        .expect("connect to PostgreSQL (DATABASE_URL)");
    sqlx::query(AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")))
        .execute(&mut admin)
        .await
        .expect("drop");
    sqlx::query(AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut admin)
        .await
        .expect("create");
    let options: PgConnectOptions = admin_url().parse().expect("url");
    let options = options.database(name);
    let url = options.to_url_lossy().to_string();
    let pool = PgPoolOptions::new()
        .max_connections(max_connections)
        .connect_with(options)
        .await
        .expect("connect");
    MIGRATOR.run(&pool).await.expect("migrate");
    (pool, url)
}

pub async fn drop_database(name: &str) {
    if let Ok(mut admin) = PgConnection::connect(&admin_url()).await {
        let _ = sqlx::query(AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")))
            .execute(&mut admin)
            .await;
    }
}

/// The events one chat writes to a conversation stream: `first` adds `ConversationStarted`.
pub fn chat_events(conversation_id: Uuid, user: &str, first: bool) -> Vec<NewEvent> {
    let message_id = Uuid::now_v7();
    let mut events = Vec::new();
    if first {
        events.push(Event::ConversationStarted(ConversationStarted {
            conversation_id,
            user_id: user.to_owned(),
            session_id: "bench".to_owned(),
        }));
    }
    events.push(Event::UserRequestReceived(UserRequestReceived {
        message_id,
        conversation_id,
        user_id: user.to_owned(),
        content: "How do I calculate Zakat on my savings and gold?".to_owned(),
        language: "en".to_owned(),
        context: serde_json::Value::Null,
    }));
    events.push(Event::RequestRouted(RequestRouted {
        request_message_id: message_id,
        scores: vec![AgentScore {
            agent_id: "ui-1".into(),
            agent_type: "user_interface".into(),
            score: 1.0,
            reasons: vec!["answers every request first".into()],
        }],
        selected: vec!["ui-1".into()],
        decision: None,
        router: Default::default(),
        shadow: None,
        meaning: None,
        reading: None,
    }));
    events.push(Event::AgentReplied(AgentReplied {
        message_id: Uuid::now_v7(),
        request_message_id: message_id,
        agent_id: "ui-1".into(),
        agent_type: "user_interface".into(),
        content: "You asked about zakat and Islamic finance.".into(),
        confidence: 0.9,
        metadata: json!({"conversation_id": conversation_id, "citations": []}),
        latency_ms: 1,
    }));
    let metadata = EventMetadata {
        correlation_id: Some(Uuid::now_v7().to_string()),
        ..Default::default()
    };
    events
        .iter()
        .map(|event| NewEvent::new(event, metadata.clone()))
        .collect()
}

/// Creates the database if it does not exist (a benchmark that keeps its data between runs);
/// returns its URL.
pub async fn empty_database_if_missing(name: &str) -> String {
    let mut admin = PgConnection::connect(&admin_url())
        .await
        .expect("connect to PostgreSQL (DATABASE_URL)");
    let exists: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
        .bind(name)
        .fetch_one(&mut admin)
        .await
        .expect("look up the database");
    if !exists {
        sqlx::query(AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut admin)
            .await
            .expect("create the database");
    }
    let options: PgConnectOptions = admin_url().parse().expect("url");
    options.database(name).to_url_lossy().to_string()
}
