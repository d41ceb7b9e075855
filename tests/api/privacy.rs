//! The right to erasure on an immutable log (crypto-shredding), the export, the audit trail,
//! and the role matrix: every role against every endpoint.

use hijraah::projector;
use hijraah_domain::user::Role;
use hijraah_projections::Projection;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, expect_error, replies_to};

/// Rows of every table in the database whose text holds `needle`, as `table: count`.
async fn tables_holding(app: &TestApp, needle: &str) -> Vec<String> {
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.tables
         WHERE table_schema = 'public' AND table_type = 'BASE TABLE'",
    )
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    assert!(tables.len() > 10, "all the tables: {tables:?}");
    let mut holding = Vec::new();
    for table in tables {
        let count: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT count(*) FROM \"{table}\" AS t WHERE t::text ILIKE '%' || $1 || '%'"
        )))
        .bind(needle)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
        if count > 0 {
            holding.push(format!("{table}: {count}"));
        }
    }
    holding
}

async fn analytics(app: &TestApp) -> Value {
    app.get("/api/v1/analytics", &app.token("ana", Role::Analyst))
        .await
        .json()
        .await
        .unwrap()
}

/// Waits until every projection has caught up with the whole log.
async fn settle(app: &TestApp) {
    for projection in Projection::ALL {
        projector::catch_up(&app.db.pool, &app.vault(), projection)
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn erasure_leaves_no_plaintext_anywhere_and_a_replay_stays_redacted() {
    let app = TestApp::spawn().await;
    let replies = replies_to(
        &app,
        "alice",
        Role::User,
        "My secret is zebra-quartz-7431. How do I calculate zakat?",
        json!({"note": "lapis-context-5150"}),
    )
    .await;
    let conversation = replies[0]["metadata"]["conversation_id"].as_str().unwrap().to_owned();
    let session = replies[0]["metadata"]["session_id"].as_str().unwrap().to_owned();
    replies_to(&app, "bob", Role::User, "bob-onyx-2288 says hello", json!({})).await;
    settle(&app).await;

    // Sealed at rest: the log never held the plaintext, only the read models do.
    let raw: i64 = sqlx::query_scalar("SELECT count(*) FROM events WHERE data::text ILIKE '%zebra-quartz%'")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(raw, 0, "the log holds ciphertext");
    let before = tables_holding(&app, "zebra-quartz").await;
    assert!(before.iter().any(|t| t.starts_with("messages")), "{before:?}");
    assert!(!tables_holding(&app, "lapis-context").await.is_empty());
    let counts_before = analytics(&app).await;
    // Analytics are anonymous: no user id and no message text in any of their tables.
    for needle in ["alice", "bob", "zebra-quartz", "bob-onyx"] {
        let holding = tables_holding(&app, needle).await;
        assert!(
            holding.iter().all(|t| !t.starts_with("analytics")),
            "{needle}: {holding:?}"
        );
        assert!(!holding.is_empty(), "{needle} is somewhere, so the search works");
    }

    // Only the user themself or an admin; unknown users are 404.
    let bob = app.token("bob", Role::User);
    let erase = |token: String, user: &str| {
        app.client
            .delete(app.url(&format!("/api/v1/users/{user}")))
            .bearer_auth(token)
            .send()
    };
    expect_error(erase(bob.clone(), "alice").await.unwrap(), StatusCode::FORBIDDEN).await;
    expect_error(
        erase(app.token("root", Role::Admin), "nobody").await.unwrap(),
        StatusCode::NOT_FOUND,
    )
    .await;
    assert_eq!(
        erase(app.token("alice", Role::User), "alice").await.unwrap().status(),
        StatusCode::NO_CONTENT
    );
    settle(&app).await;

    for needle in ["zebra-quartz", "lapis-context"] {
        assert_eq!(
            tables_holding(&app, needle).await,
            Vec::<String>::new(),
            "{needle} is gone"
        );
    }
    assert!(
        !tables_holding(&app, "bob-onyx").await.is_empty(),
        "other users keep theirs"
    );
    // Their old conversation was ended by the erasure; a new session starts afresh.
    let old_session = app
        .chat(
            "alice",
            json!({"user_id": "alice", "content": "again", "session_id": session}),
        )
        .await;
    assert_eq!(
        expect_error(old_session, StatusCode::CONFLICT).await,
        "conversation_ended"
    );
    expect_error(
        app.get(
            &format!("/api/v1/conversations/{conversation}"),
            &app.token("alice", Role::User),
        )
        .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    // Analytics keep their counts.
    let counts_after = analytics(&app).await;
    for metric in ["total_conversations", "total_messages", "total_requests"] {
        assert_eq!(counts_after[metric], counts_before[metric], "{metric}");
    }

    // The log, read by an analyst, shows the request as erased.
    let page: Value = app
        .get("/api/v1/events?after=0&limit=1000", &app.token("ana", Role::Analyst))
        .await
        .json()
        .await
        .unwrap();
    let events = page["events"].as_array().unwrap();
    let request = events
        .iter()
        .find(|e| e["event_type"] == "UserRequestReceived" && e["data"]["user_id"] == "alice")
        .unwrap();
    assert_eq!(request["data"]["content"], "[erased]");
    assert_eq!(request["data"]["context"], json!({"erased": true}));
    let erased = events.iter().find(|e| e["event_type"] == "UserErased").unwrap();
    assert_eq!(erased["metadata"]["actor"], "alice");
    let bobs = events
        .iter()
        .find(|e| e["event_type"] == "UserRequestReceived" && e["data"]["user_id"] == "bob")
        .unwrap();
    assert_eq!(bobs["data"]["content"], "bob-onyx-2288 says hello");

    // A replay from the log rebuilds everything: still nothing of alice's, the same counts.
    projector::rebuild_all(&app.db.pool, &app.vault(), &Projection::ALL)
        .await
        .unwrap();
    for needle in ["zebra-quartz", "lapis-context"] {
        assert_eq!(
            tables_holding(&app, needle).await,
            Vec::<String>::new(),
            "{needle} after replay"
        );
    }
    let replayed = analytics(&app).await;
    for metric in ["total_conversations", "total_messages", "total_requests"] {
        assert_eq!(replayed[metric], counts_before[metric], "{metric} after replay");
    }
    let erased_messages: i64 = sqlx::query_scalar("SELECT count(*) FROM messages WHERE content = '[erased]'")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(erased_messages, 0, "erased users' rows are deleted, not kept redacted");

    // Alice comes back: a new key seals her new words, and what the destroyed key sealed still
    // reads as erased (not as a value the new key cannot open).
    replies_to(&app, "alice", Role::User, "back again, garnet-7", json!({})).await;
    let page: Value = app
        .get("/api/v1/events?after=0&limit=1000", &app.token("ana", Role::Analyst))
        .await
        .json()
        .await
        .unwrap();
    let alices: Vec<&Value> = page["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["event_type"] == "UserRequestReceived" && e["data"]["user_id"] == "alice")
        .collect();
    assert_eq!(alices.first().unwrap()["data"]["content"], "[erased]");
    assert_eq!(alices.last().unwrap()["data"]["content"], "back again, garnet-7");
    projector::rebuild_all(&app.db.pool, &app.vault(), &Projection::ALL)
        .await
        .unwrap();
    assert_eq!(tables_holding(&app, "zebra-quartz").await, Vec::<String>::new());

    // A wrong key-encryption key is an error, never a silent erasure.
    let wrong = hijraah::privacy::Vault::new(
        app.db.pool.clone(),
        hijraah::privacy::Kek::from_base64(&hijraah::privacy::Kek::generate()).unwrap(),
    );
    let store = hijraah::store::EventStore::new(app.db.pool.clone());
    let mut envelopes: Vec<_> =
        hijraah::store::EventStore::read_all(&store, hijraah::store::Checkpoint::START, 1000, None)
            .await
            .unwrap()
            .into_iter()
            .map(|(_, envelope)| envelope)
            .collect();
    assert!(wrong.unseal_pooled(&mut envelopes).await.is_err());
    assert!(app.vault().unseal_pooled(&mut envelopes).await.is_ok());
}

#[tokio::test]
async fn users_export_everything_held_about_them() {
    let app = TestApp::spawn().await;
    replies_to(
        &app,
        "alice",
        Role::User,
        "export-me-amethyst: what is the qibla from London?",
        json!({}),
    )
    .await;
    replies_to(&app, "bob", Role::User, "bob's own words", json!({})).await;
    let marked = app
        .client
        .put(app.url("/api/v1/users/alice/checklist/find-mosque"))
        .bearer_auth(app.token("alice", Role::User))
        .json(&json!({"done": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(marked.status(), StatusCode::OK);
    settle(&app).await;

    let response = app
        .get("/api/v1/users/alice/export", &app.token("alice", Role::User))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let export: Value = response.json().await.unwrap();
    assert_eq!(export["user_id"], "alice");
    assert_eq!(export["encryption_key_held"], true);
    assert_eq!(export["profile"]["message_count"], 1);
    let messages = export["conversations"][0]["messages"].as_array().unwrap();
    assert!(messages[0]["content"].as_str().unwrap().contains("export-me-amethyst"));
    assert!(
        messages.iter().any(|m| m["agent_type"] == "community"),
        "the replies too"
    );
    assert_eq!(export["checklist"]["done"], 1);
    let interactions = export["agent_interactions"].as_array().unwrap();
    assert!(!interactions.is_empty());
    let events = export["events"].as_array().unwrap();
    let types: Vec<&str> = events.iter().map(|e| e["event_type"].as_str().unwrap()).collect();
    for expected in [
        "UserRegistered",
        "ConversationStarted",
        "UserRequestReceived",
        "AgentReplied",
        "ChecklistItemMarked",
    ] {
        assert!(types.contains(&expected), "{expected} in {types:?}");
    }
    let request = events
        .iter()
        .find(|e| e["event_type"] == "UserRequestReceived")
        .unwrap();
    assert!(
        request["data"]["content"]
            .as_str()
            .unwrap()
            .contains("export-me-amethyst"),
        "unsealed"
    );
    assert!(
        !export.to_string().contains("bob's own words"),
        "nothing of another user"
    );

    expect_error(
        app.get("/api/v1/users/alice/export", &app.token("bob", Role::User))
            .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    assert_eq!(
        app.get("/api/v1/users/alice/export", &app.token("root", Role::Admin))
            .await
            .status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn every_admin_and_curator_action_is_an_event_naming_the_actor() {
    let app = TestApp::spawn().await;
    let curator = app.token("carla", Role::Curator);
    let admin = app.token("root", Role::Admin);
    let send = |method: Method, path: &str, token: &str, body: Option<Value>| {
        let mut request = app.client.request(method, app.url(path)).bearer_auth(token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send()
    };
    let doc = json!([{"id": "note:audit", "source": "custom", "reference": "Note", "text_en": "audit trail"}]);
    assert_eq!(
        send(Method::POST, "/api/v1/knowledge/documents", &curator, Some(doc))
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(
        send(Method::DELETE, "/api/v1/knowledge/documents/note:audit", &curator, None)
            .await
            .unwrap()
            .status(),
        204
    );
    assert_eq!(
        send(Method::POST, "/api/v1/knowledge/reindex", &curator, None)
            .await
            .unwrap()
            .status(),
        202
    );
    let mosque = json!({"name": "Audit mosque", "latitude": 1.0, "longitude": 1.0});
    assert_eq!(
        send(Method::POST, "/api/v1/community/mosques", &curator, Some(mosque))
            .await
            .unwrap()
            .status(),
        201
    );
    let event = json!({"title": "Audit halaqa", "starts_at": chrono::Utc::now() + chrono::Duration::days(1),
                       "latitude": 1.0, "longitude": 1.0});
    assert_eq!(
        send(Method::POST, "/api/v1/community/events", &admin, Some(event))
            .await
            .unwrap()
            .status(),
        201
    );
    let agent = json!({"agent_id": "audit-agent", "name": "Audit", "agent_type": "audit",
                       "endpoint": "http://127.0.0.1:9/answer", "keywords": ["audit"]});
    assert_eq!(
        send(Method::POST, "/api/v1/agents/custom", &admin, Some(agent))
            .await
            .unwrap()
            .status(),
        201
    );
    assert_eq!(
        send(Method::DELETE, "/api/v1/agents/custom/audit-agent", &admin, None)
            .await
            .unwrap()
            .status(),
        204
    );
    replies_to(&app, "dana", Role::User, "hello", json!({})).await;
    assert_eq!(
        send(Method::DELETE, "/api/v1/users/dana", &admin, None)
            .await
            .unwrap()
            .status(),
        204
    );

    let actions: Vec<(String, Option<String>)> = sqlx::query_as(
        "SELECT event_type, metadata->>'actor' FROM events
         WHERE event_type NOT IN ('UserRegistered', 'ConversationStarted', 'UserRequestReceived', 'RequestRouted',
                                  'AgentReplied', 'AgentFailed')
         ORDER BY position",
    )
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    let expected = [
        // The document's edition, new, recorded with it.
        ("KnowledgeEditionRecorded", "carla"),
        ("KnowledgeDocumentAdded", "carla"),
        ("KnowledgeDocumentRetracted", "carla"),
        ("KnowledgeReindexRequested", "carla"),
        ("MosquePublished", "carla"),
        ("CommunityEventPublished", "root"),
        ("CustomAgentRegistered", "root"),
        ("CustomAgentRemoved", "root"),
        // The erasure first ends the user's open conversations, as the admin.
        ("ConversationEnded", "root"),
        ("UserErased", "root"),
    ];
    let actions: Vec<(&str, &str)> = actions
        .iter()
        .map(|(event_type, actor)| (event_type.as_str(), actor.as_deref().unwrap_or("<none>")))
        .collect();
    assert_eq!(actions, expected);
}

/// Who may call what. `own` paths use the caller's own user id; `other` paths another user's.
#[tokio::test]
async fn the_role_matrix_holds_for_every_endpoint() {
    let app = TestApp::spawn().await;
    let nil = uuid::Uuid::nil();
    let roles = [Role::User, Role::Curator, Role::Analyst, Role::Admin];
    // Every caller has talked to us once, so their own user exists.
    for role in roles {
        let me = format!("{}1", role.as_str());
        let response = app
            .client
            .post(app.url("/api/v1/chat"))
            .bearer_auth(app.token(&me, role))
            .json(&json!({"user_id": me, "content": "hello"}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
    }
    let all = |status: u16| [status; 4];
    let staff = |status: u16| [403, status, 403, status];
    let analysts = |status: u16| [403, 403, status, status];
    let admins = |status: u16| [403, 403, 403, status];
    let future = (chrono::Utc::now() + chrono::Duration::days(2)).to_rfc3339();
    let mosque = json!({"name": "M", "latitude": 1.0, "longitude": 2.0});
    let event = json!({"title": "E", "starts_at": future, "latitude": 1.0, "longitude": 2.0});
    let doc = json!([{"id": "note:matrix", "source": "custom", "reference": "N", "text_en": "matrix"}]);
    let bad_agent = json!({"agent_id": "x-agent", "name": "X", "agent_type": "x_type",
                           "endpoint": "ftp://example.org", "keywords": ["x"]});
    // (method, path with {me}, body, expected status for user, curator, analyst, admin)
    let matrix: Vec<(Method, String, Option<Value>, [u16; 4])> = vec![
        (
            Method::POST,
            "/api/v1/chat".into(),
            Some(json!({"user_id": "{me}", "content": "salaam"})),
            all(200),
        ),
        (
            Method::POST,
            "/api/v1/chat".into(),
            Some(json!({"user_id": "someone", "content": "x"})),
            [403, 403, 403, 200],
        ),
        (Method::GET, format!("/api/v1/conversations/{nil}"), None, all(404)),
        (Method::POST, format!("/api/v1/conversations/{nil}/end"), None, all(404)),
        (Method::GET, "/api/v1/users/{me}/conversations".into(), None, all(200)),
        (
            Method::GET,
            "/api/v1/users/someone/conversations".into(),
            None,
            admins(200),
        ),
        (Method::GET, "/api/v1/agents/health".into(), None, all(200)),
        (Method::GET, "/api/v1/analytics".into(), None, analysts(200)),
        (
            Method::GET,
            "/api/v1/events?after=0&limit=1".into(),
            None,
            analysts(200),
        ),
        (
            Method::GET,
            "/api/v1/events/stats?group_by=type".into(),
            None,
            analysts(200),
        ),
        (Method::GET, "/api/v1/knowledge/search?q=mercy".into(), None, all(200)),
        (
            Method::POST,
            "/api/v1/knowledge/documents".into(),
            Some(doc),
            staff(200),
        ),
        (
            Method::DELETE,
            "/api/v1/knowledge/documents/note:nothing".into(),
            None,
            staff(404),
        ),
        (
            Method::GET,
            format!("/api/v1/knowledge/reindex/{nil}"),
            None,
            staff(404),
        ),
        (
            Method::POST,
            "/api/v1/finance/zakat".into(),
            Some(json!({"cash": "100", "gold_price_per_gram": "70"})),
            all(200),
        ),
        (
            Method::POST,
            "/api/v1/finance/zakat-al-fitr".into(),
            Some(json!({"persons": 1, "sa_kg": "2.5", "staple_price_per_kg": "2"})),
            all(200),
        ),
        (
            Method::GET,
            "/api/v1/community/qibla?latitude=51.5&longitude=0".into(),
            None,
            all(200),
        ),
        (
            Method::GET,
            "/api/v1/community/prayer-times?latitude=51.5&longitude=0".into(),
            None,
            all(200),
        ),
        (
            Method::GET,
            "/api/v1/calendar/hijri?date=2024-03-11".into(),
            None,
            all(200),
        ),
        (
            Method::GET,
            "/api/v1/calendar/gregorian?year=1445&month=9&day=1".into(),
            None,
            all(200),
        ),
        (Method::GET, "/api/v1/community/mosques".into(), None, all(200)),
        (
            Method::POST,
            "/api/v1/community/mosques".into(),
            Some(mosque.clone()),
            staff(201),
        ),
        (Method::GET, format!("/api/v1/community/mosques/{nil}"), None, all(404)),
        (
            Method::PUT,
            format!("/api/v1/community/mosques/{nil}"),
            Some(mosque),
            staff(404),
        ),
        (
            Method::DELETE,
            format!("/api/v1/community/mosques/{nil}"),
            None,
            staff(404),
        ),
        (Method::GET, "/api/v1/community/events".into(), None, all(200)),
        (
            Method::POST,
            "/api/v1/community/events".into(),
            Some(event.clone()),
            staff(201),
        ),
        (Method::GET, format!("/api/v1/community/events/{nil}"), None, all(404)),
        (
            Method::PUT,
            format!("/api/v1/community/events/{nil}"),
            Some(event),
            staff(404),
        ),
        (
            Method::POST,
            format!("/api/v1/community/events/{nil}/cancel"),
            Some(json!({})),
            staff(404),
        ),
        (
            Method::GET,
            "/api/v1/migration/resources?q=halal".into(),
            None,
            all(200),
        ),
        (Method::GET, "/api/v1/users/{me}/checklist".into(), None, all(200)),
        (Method::GET, "/api/v1/users/someone/checklist".into(), None, admins(200)),
        (
            Method::PUT,
            "/api/v1/users/{me}/checklist/find-mosque".into(),
            Some(json!({"done": true})),
            all(200),
        ),
        (
            Method::PUT,
            "/api/v1/users/someone/checklist/find-mosque".into(),
            Some(json!({"done": true})),
            admins(200),
        ),
        (Method::GET, "/api/v1/agents/custom".into(), None, admins(200)),
        (
            Method::POST,
            "/api/v1/agents/custom".into(),
            Some(bad_agent),
            admins(422),
        ),
        (
            Method::DELETE,
            "/api/v1/agents/custom/none-such".into(),
            None,
            admins(404),
        ),
        (Method::GET, "/api/v1/users/{me}/export".into(), None, all(200)),
        // `someone` exists: the admin chatted for them above.
        (Method::GET, "/api/v1/users/someone/export".into(), None, admins(200)),
        (Method::GET, "/api/v1/users/nobody/export".into(), None, admins(404)),
        (Method::DELETE, "/api/v1/users/nobody".into(), None, admins(404)),
        (Method::DELETE, "/api/v1/users/someone".into(), None, admins(204)),
        (Method::GET, "/api/v1/openapi.json".into(), None, all(200)),
        (Method::GET, "/healthz".into(), None, all(200)),
        (Method::GET, "/readyz".into(), None, all(200)),
        (Method::GET, "/metrics".into(), None, all(200)),
    ];
    let mut wrong = Vec::new();
    for (method, path, body, expected) in &matrix {
        for (role, expected) in roles.iter().zip(expected) {
            let me = format!("{}1", role.as_str());
            let path = path.replace("{me}", &me);
            let mut request = app
                .client
                .request(method.clone(), app.url(&path))
                .bearer_auth(app.token(&me, *role));
            if let Some(body) = body {
                request = request.json(&serde_json::from_str::<Value>(&body.to_string().replace("{me}", &me)).unwrap());
            }
            let status = request.send().await.unwrap().status().as_u16();
            if status != *expected {
                wrong.push(format!(
                    "{method} {path} as {}: {status}, expected {expected}",
                    role.as_str()
                ));
            }
        }
        // Without a token, only the operations endpoints and the OpenAPI document answer.
        if path.starts_with("/api/v1/") && path != "/api/v1/openapi.json" {
            let status = app
                .client
                .request(method.clone(), app.url(&path.replace("{me}", "user1")))
                .send()
                .await
                .unwrap()
                .status();
            if status != StatusCode::UNAUTHORIZED {
                wrong.push(format!("{method} {path} without a token: {status}"));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
