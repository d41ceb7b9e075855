//! `hijraah events export --format parquet`: the log's metadata, and the `analytics` views, as
//! Parquet files that pyarrow reads back; user ids pseudonymised with the deployment's key, which
//! `--rotate-key` replaces; no sealed content and no user id in the clear anywhere in the files.
//!
//! pyarrow is found as `$HIJRAAH_PYTHON` (else `python3`). Without it the test says so and
//! passes, unless `HIJRAAH_REQUIRE_PYARROW=1` (which `.ci/run` sets after installing it).

use std::path::Path;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::TestApp;

fn python() -> String {
    std::env::var("HIJRAAH_PYTHON").unwrap_or_else(|_| "python3".to_owned())
}

fn pyarrow_present() -> bool {
    let present = std::process::Command::new(python())
        .args(["-c", "import pyarrow.parquet"])
        .output()
        .is_ok_and(|output| output.status.success());
    if !present {
        assert!(
            std::env::var("HIJRAAH_REQUIRE_PYARROW").is_err(),
            "HIJRAAH_REQUIRE_PYARROW is set but {} cannot import pyarrow",
            python()
        );
        eprintln!("SKIPPED: reading the Parquet files back needs pyarrow (.ci/run installs it)");
    }
    present
}

/// Each file in `dir`, read by pyarrow: its rows, its columns with their types, its metadata,
/// and every value as text.
fn read_back(dir: &Path) -> Value {
    let script = r#"
import json, pathlib, sys
import pyarrow.parquet as pq
out = {}
for path in sorted(pathlib.Path(sys.argv[1]).glob("*.parquet")):
    table = pq.read_table(path)
    meta = {k.decode(): v.decode() for k, v in (pq.read_metadata(path).metadata or {}).items()
            if k.decode().startswith("hijraah.")}
    out[path.stem] = {
        "rows": table.num_rows,
        "columns": [[f.name, str(f.type)] for f in table.schema],
        "metadata": meta,
        "values": {c: [None if v is None else str(v) for v in table.column(c).to_pylist()]
                   for c in table.column_names},
    }
print(json.dumps(out))
"#;
    let output = std::process::Command::new(python())
        .args(["-c", script, dir.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).unwrap()
}

fn export(app: &TestApp, dir: &Path, extra: &[&str]) -> (bool, String) {
    let mut args = vec![
        "events",
        "export",
        "--format",
        "parquet",
        "--out",
        dir.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let (ok, _, stderr) = app.cli(&args);
    (ok, stderr)
}

fn values<'a>(file: &'a Value, column: &str) -> Vec<Option<&'a str>> {
    file["values"][column]
        .as_array()
        .unwrap()
        .iter()
        .map(Value::as_str)
        .collect()
}

#[tokio::test]
async fn parquet_export_holds_the_logs_metadata_with_pseudonyms_and_the_analytics_views() {
    if !pyarrow_present() {
        return;
    }
    let app = TestApp::spawn().await;
    for (user, content) in [
        ("alice", "what is the qibla from Paris?"),
        ("bob", "zakat on 10000 euros with gold at 95 euros a gram"),
        ("alice", "ما هو اتجاه القبلة من عمّان؟"),
    ] {
        let response = app.chat(user, json!({"user_id": user, "content": content})).await;
        assert_eq!(response.status(), StatusCode::OK);
    }
    app.wait_for_projections_and_index().await;
    let in_log: i64 = sqlx::query_scalar("SELECT count(*) FROM events")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    let requests: i64 = sqlx::query_scalar("SELECT count(*) FROM events WHERE event_type = 'UserRequestReceived'")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();

    let dir = tempfile::tempdir().unwrap();
    let (ok, stderr) = export(&app, dir.path(), &["--read-models"]);
    assert!(ok, "{stderr}");
    let files = read_back(dir.path());
    let events = &files["events"];
    assert_eq!(events["rows"], json!(in_log));
    let columns: Vec<(String, String)> = serde_json::from_value(events["columns"].clone()).unwrap();
    let expected = [
        ("position", "int64"),
        ("recorded_at", "timestamp[us, tz=UTC]"),
        ("event_type", "string"),
        ("schema_version", "int64"),
        ("category", "string"),
        ("stream", "string"),
        ("stream_version", "int64"),
        ("agent", "string"),
        ("language", "string"),
        ("user", "string"),
        ("actor", "string"),
        ("hash", "string"),
    ];
    assert_eq!(
        columns,
        expected
            .iter()
            .map(|(name, kind)| (name.to_string(), kind.to_string()))
            .collect::<Vec<_>>()
    );
    let positions: Vec<i64> = values(events, "position")
        .iter()
        .map(|value| value.unwrap().parse().unwrap())
        .collect();
    assert_eq!(
        positions,
        (1..=in_log).collect::<Vec<_>>(),
        "every event once, in log order"
    );
    let types = values(events, "event_type");
    assert_eq!(
        types
            .iter()
            .filter(|kind| **kind == Some("UserRequestReceived"))
            .count() as i64,
        requests
    );
    assert!(values(events, "agent").contains(&Some("community")));
    assert!(values(events, "language").contains(&Some("ar")));
    // The users are there, as pseudonyms: alice's two requests share one, bob has another.
    let users: Vec<&str> = values(events, "user")
        .iter()
        .zip(&types)
        .filter(|(_, kind)| **kind == Some("UserRequestReceived"))
        .map(|(user, _)| user.unwrap())
        .collect();
    assert_eq!(users.len(), 3);
    assert_eq!(users[0], users[2]);
    assert_ne!(users[0], users[1]);
    assert_eq!(users[0].len(), 32);
    let key_id = events["metadata"]["hijraah.pseudonym_key"].as_str().unwrap().to_owned();
    assert_eq!(events["metadata"]["hijraah.pseudonymised_columns"], "stream,user,actor");

    // Nowhere in any file: a user id in the clear, a sealed field, or the words of a request.
    let everything = files.to_string();
    for needle in ["alice", "bob", "enc:v", "qibla", "Paris", "عمّان"] {
        assert!(!everything.contains(needle), "{needle} left in an export");
    }
    // The read models: one file per analytics view, with the projection's figures.
    for view in [
        "agent_types",
        "conversations",
        "event_counts_day",
        "totals",
        "requests_per_day",
    ] {
        assert!(files.get(view).is_some(), "{view}.parquet");
    }
    let conversations: i64 = sqlx::query_scalar("SELECT count(*) FROM conversations")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(files["conversations"]["rows"], json!(conversations));
    assert!(
        files.get("events_1").is_none(),
        "no file beside the views and the events"
    );
    assert_eq!(
        files.as_object().unwrap().len(),
        1 + sqlx::query_scalar::<_, i64>(
            "SELECT count(*) FROM information_schema.views WHERE table_schema = 'analytics' AND table_name <> 'events'"
        )
        .fetch_one(&app.db.pool)
        .await
        .unwrap() as usize
    );

    // Filters: types, and up to a position.
    let filtered = tempfile::tempdir().unwrap();
    let (ok, stderr) = export(
        &app,
        filtered.path(),
        &["--types", "UserRequestReceived", "--until", "4"],
    );
    assert!(ok, "{stderr}");
    let only = &read_back(filtered.path())["events"];
    let expected_rows: i64 =
        sqlx::query_scalar("SELECT count(*) FROM events WHERE event_type = 'UserRequestReceived' AND position <= 4")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(only["rows"], json!(expected_rows));
    assert!(
        values(only, "event_type")
            .iter()
            .all(|kind| *kind == Some("UserRequestReceived"))
    );
    // The same key, so the same pseudonym for alice.
    assert_eq!(values(only, "user")[0], Some(users[0]));

    // A rotated key: new pseudonyms, a new key id.
    let rotated = tempfile::tempdir().unwrap();
    let (ok, stderr) = export(
        &app,
        rotated.path(),
        &["--rotate-key", "--types", "UserRequestReceived"],
    );
    assert!(ok, "{stderr}");
    let after = &read_back(rotated.path())["events"];
    assert_ne!(after["metadata"]["hijraah.pseudonym_key"].as_str().unwrap(), key_id);
    assert_ne!(values(after, "user")[0], Some(users[0]));

    // Bad input is refused with the reason.
    let (ok, stderr) = export(&app, rotated.path(), &["--until", "yesterday"]);
    assert!(!ok && stderr.contains("neither a position"), "{stderr}");
    let (ok, _, stderr) = app.cli(&["events", "export", "--format", "parquet"]);
    assert!(!ok && stderr.contains("--out"), "{stderr}");
}
