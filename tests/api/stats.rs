//! Analysts' questions without a projection: `GET /api/v1/events/stats` and `hijraah events
//! stats` count what the log holds, by type, agent, language and time, over a window and with
//! filters; `hijraah analysts grant` makes a role that reads the `analytics` schema and nothing
//! else. Every count is checked against the events table itself.

use std::collections::BTreeMap;

use hijraah_domain::user::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};
use sqlx::Connection;

use crate::helpers::TestApp;

async fn stats(app: &TestApp, query: &str) -> Value {
    let response = app
        .get(
            &format!("/api/v1/events/stats{query}"),
            &app.token("ana", Role::Analyst),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK, "{query}");
    response.json().await.unwrap()
}

/// `{key: count}` of an answer's groups.
fn groups(answer: &Value) -> BTreeMap<String, i64> {
    answer["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|group| {
            (
                group["key"].as_str().unwrap_or("(none)").to_owned(),
                group["count"].as_i64().unwrap(),
            )
        })
        .collect()
}

async fn counted(app: &TestApp, sql: &str) -> BTreeMap<String, i64> {
    sqlx::query_as::<_, (Option<String>, i64)>(sqlx::AssertSqlSafe(sql))
        .fetch_all(&app.db.pool)
        .await
        .unwrap()
        .into_iter()
        .map(|(key, count)| (key.unwrap_or_else(|| "(none)".to_owned()), count))
        .collect()
}

async fn chat_a_little(app: &TestApp) {
    for (user, content) in [
        ("alice", "assalamu alaikum"),
        ("alice", "what is the qibla from Paris?"),
        ("bob", "ما هو اتجاه القبلة من عمّان؟"),
        ("bob", "zakat on 10000 euros with gold at 95 euros a gram"),
        ("carol", "كم عمر الأرض"),
    ] {
        assert_eq!(
            app.chat(user, json!({"user_id": user, "content": content}))
                .await
                .status(),
            StatusCode::OK,
            "{content}"
        );
    }
}

#[tokio::test]
async fn event_stats_count_the_log_by_type_agent_language_and_time_with_filters_and_a_window() {
    let app = TestApp::spawn().await;
    chat_a_little(&app).await;
    let in_log: i64 = sqlx::query_scalar("SELECT count(*) FROM events")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();

    let total = stats(&app, "").await;
    assert_eq!(total["total"], json!(in_log));
    assert_eq!(total["groups"], json!([]));

    let types = stats(&app, "?group_by=type").await;
    assert_eq!(
        groups(&types),
        counted(&app, "SELECT event_type, count(*) FROM events GROUP BY 1").await
    );
    // Largest first when not grouped by time.
    let sizes: Vec<i64> = types["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|group| group["count"].as_i64().unwrap())
        .collect();
    assert!(sizes.windows(2).all(|pair| pair[0] >= pair[1]), "{sizes:?}");

    let agents = stats(&app, "?group_by=agent&type=AgentReplied").await;
    let expected = counted(
        &app,
        "SELECT data->>'agent_type', count(*) FROM events WHERE event_type = 'AgentReplied' GROUP BY 1",
    )
    .await;
    assert!(expected.len() >= 3, "the chats went to several agents: {expected:?}");
    assert_eq!(groups(&agents), expected);

    let languages = stats(&app, "?group_by=language&type=UserRequestReceived").await;
    assert_eq!(
        groups(&languages),
        BTreeMap::from([("ar".to_owned(), 2), ("en".to_owned(), 3)])
    );
    let arabic = stats(&app, "?language=ar").await;
    assert_eq!(arabic["total"], json!(2));

    let categories = stats(&app, "?group_by=category&category=conversation,user").await;
    assert_eq!(
        groups(&categories),
        counted(
            &app,
            "SELECT split_part(stream_id, '-', 1), count(*) FROM events
             WHERE split_part(stream_id, '-', 1) IN ('conversation', 'user') GROUP BY 1"
        )
        .await
    );

    // Time: today, by day and by hour; a window in the future holds nothing, one around now all.
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    let days = stats(&app, "?group_by=day").await;
    assert_eq!(groups(&days).values().sum::<i64>(), in_log);
    assert!(groups(&days).contains_key(&today), "{days}");
    let hours = stats(&app, "?group_by=hour").await;
    assert_eq!(groups(&hours).values().sum::<i64>(), in_log);
    assert!(
        groups(&hours)
            .keys()
            .all(|hour| hour.starts_with(&today) && hour.ends_with(":00:00Z")),
        "{hours}"
    );
    let later = (chrono::Utc::now() + chrono::Duration::hours(2)).to_rfc3339();
    let earlier = (chrono::Utc::now() - chrono::Duration::hours(2)).to_rfc3339();
    let future = stats(&app, &format!("?from={}", urlencode(&later))).await;
    assert_eq!(future["total"], json!(0));
    let around = stats(&app, &format!("?from={}&to={}", urlencode(&earlier), urlencode(&later))).await;
    assert_eq!(around["total"], json!(in_log));
    // The window counted is the one asked for, widened to whole minutes.
    let from = around["from"].as_str().unwrap();
    assert!(from.ends_with(":00Z"), "{from}");

    // Events appended after a question are counted by the next.
    chat_a_little(&app).await;
    let again = stats(&app, "?type=UserRequestReceived").await;
    assert_eq!(again["total"], json!(10));

    // The CLI answers the same.
    let (ok, stdout, stderr) = app.cli(&[
        "events",
        "stats",
        "--group-by",
        "language",
        "--type",
        "UserRequestReceived",
        "--json",
    ]);
    assert!(ok, "{stderr}");
    let cli: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(
        groups(&cli),
        BTreeMap::from([("ar".to_owned(), 4), ("en".to_owned(), 6)])
    );

    // Bad questions get the contract's error; users may not ask.
    for query in [
        "?group_by=week",
        "?group_by=type,day",
        "?from=yesterday",
        "?from=2026-11-02&to=2026-11-01",
        "?type=Agent%00Replied",
        "?from=1800-01-01",
    ] {
        let response = app
            .get(
                &format!("/api/v1/events/stats{query}"),
                &app.token("ana", Role::Analyst),
            )
            .await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY, "{query}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"], "invalid_request", "{query}");
    }
    let refused = app.get("/api/v1/events/stats", &app.token("alice", Role::User)).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
}

fn urlencode(text: &str) -> String {
    text.replace('+', "%2B").replace(':', "%3A")
}

#[tokio::test]
async fn an_analyst_role_reads_the_analytics_schema_and_nothing_else() {
    let app = TestApp::spawn().await;
    chat_a_little(&app).await;
    let name = format!("analyst_{}", &uuid::Uuid::new_v4().simple().to_string()[..12]);
    let cli = |args: &[&str]| app.cli(args);

    let (granted, url, stderr) = cli(&["analysts", "grant", &name]);
    assert!(granted, "{stderr}");
    assert!(url.starts_with(&format!("postgres://{name}:")), "{url}");
    let (_, listed, _) = cli(&["analysts", "list"]);
    assert!(listed.lines().any(|line| line == name), "{listed}");

    let mut analyst = sqlx::PgConnection::connect(&url).await.unwrap();
    let in_log: i64 = sqlx::query_scalar("SELECT count(*) FROM events")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    let counted: i64 = sqlx::query_scalar("SELECT sum(events)::bigint FROM analytics.event_counts_hour")
        .fetch_one(&mut analyst)
        .await
        .unwrap();
    assert_eq!(counted, in_log);
    let replies: i64 = sqlx::query_scalar("SELECT count(*) FROM analytics.agent_replies")
        .fetch_one(&mut analyst)
        .await
        .unwrap();
    assert!(replies >= 5);
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM analytics.events")
        .fetch_one(&mut analyst)
        .await
        .unwrap();
    assert_eq!(rows, in_log);

    // Nothing outside the schema: not the log, not the read models with user ids; and no writes.
    for sql in [
        "SELECT count(*) FROM public.events",
        "SELECT count(*) FROM public.users",
        "SELECT count(*) FROM public.user_keys",
        "SELECT count(*) FROM public.messages",
    ] {
        let refused = sqlx::query(sql).execute(&mut analyst).await.unwrap_err();
        let code = refused
            .as_database_error()
            .and_then(|error| error.code())
            .map(|code| code.to_string());
        assert_eq!(code.as_deref(), Some("42501"), "{sql}: {refused}");
    }
    let write = sqlx::query("CREATE TABLE analytics.mine (x int)")
        .execute(&mut analyst)
        .await;
    assert!(write.is_err(), "an analyst cannot write");
    analyst.close().await.unwrap();

    // A role that is not ours is left alone; revoking ours drops it.
    let (refused, _, stderr) = cli(&["analysts", "revoke", "postgres"]);
    assert!(!refused, "{stderr}");
    let (revoked, _, stderr) = cli(&["analysts", "revoke", &name]);
    assert!(revoked, "{stderr}");
    assert!(sqlx::PgConnection::connect(&url).await.is_err());
    let (_, listed, _) = cli(&["analysts", "list"]);
    assert!(!listed.lines().any(|line| line == name), "{listed}");
}
