//! The embedded PostgreSQL used when `DATABASE_URL` is unset.

use std::os::unix::fs::PermissionsExt;

use hijraah::embedded_postgres::EmbeddedPostgres;
use sqlx::Connection;

use crate::helpers::{Notified, NotifySocket, Told, free_port, hijraah_command, wait_notified};

#[tokio::test]
async fn the_embedded_cluster_initialises_starts_serves_and_stops() {
    let data_dir = tempfile::tempdir().unwrap();
    // As root the cluster runs as the `postgres` user, which must be able to enter the dir.
    std::fs::set_permissions(data_dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let path = data_dir.path().to_path_buf();
    let mut embedded = tokio::task::spawn_blocking(move || EmbeddedPostgres::start(&path))
        .await
        .unwrap()
        .unwrap();
    let url = embedded.database_url();
    let mut connection = sqlx::PgConnection::connect(&url).await.unwrap();
    let answer: i32 = sqlx::query_scalar("SELECT 41 + 1")
        .fetch_one(&mut connection)
        .await
        .unwrap();
    assert_eq!(answer, 42);
    connection.close().await.unwrap();
    hijraah::database::MIGRATOR
        .run(&mut sqlx::PgConnection::connect(&url).await.unwrap())
        .await
        .unwrap();
    tokio::task::spawn_blocking(move || embedded.stop())
        .await
        .unwrap()
        .unwrap();
    assert!(
        sqlx::PgConnection::connect(&url).await.is_err(),
        "stopped means stopped"
    );

    // A second start reuses the cluster: the migrated tables are still there.
    let path = data_dir.path().to_path_buf();
    let mut again = tokio::task::spawn_blocking(move || EmbeddedPostgres::start(&path))
        .await
        .unwrap()
        .unwrap();
    let mut connection = sqlx::PgConnection::connect(&again.database_url()).await.unwrap();
    let tables: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public' AND table_name = 'events'",
    )
    .fetch_one(&mut connection)
    .await
    .unwrap();
    assert_eq!(tables, 1);

    // A command run beside a running server shares its cluster and leaves it running.
    let path = data_dir.path().to_path_buf();
    let mut beside = tokio::task::spawn_blocking(move || EmbeddedPostgres::start(&path))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(beside.database_url(), again.database_url());
    assert!(again.started_it() && !beside.started_it());
    let stopped = tokio::task::spawn_blocking(move || beside.stop())
        .await
        .unwrap()
        .unwrap();
    assert!(!stopped, "the cluster is still in use");
    let still: i32 = sqlx::query_scalar("SELECT 1").fetch_one(&mut connection).await.unwrap();
    assert_eq!(still, 1, "the server's cluster kept running");
    connection.close().await.unwrap();

    // The other way round: the process that started it leaves first, and the last one stops it.
    let path = data_dir.path().to_path_buf();
    let mut last = tokio::task::spawn_blocking(move || EmbeddedPostgres::start(&path))
        .await
        .unwrap()
        .unwrap();
    let stopped = tokio::task::spawn_blocking(move || again.stop())
        .await
        .unwrap()
        .unwrap();
    assert!(!stopped, "another process still uses it");
    let url = last.database_url();
    sqlx::PgConnection::connect(&url).await.unwrap().close().await.unwrap();
    let stopped = tokio::task::spawn_blocking(move || last.stop()).await.unwrap().unwrap();
    assert!(stopped, "the last to leave stops it");
    assert!(sqlx::PgConnection::connect(&url).await.is_err());
}

/// The processes whose command line names `dir`: the cluster's postmaster and its children.
fn processes_of(dir: &std::path::Path) -> Vec<u32> {
    let needle = dir.to_string_lossy().into_owned();
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|entry| entry.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/cmdline"))
                .is_ok_and(|cmdline| String::from_utf8_lossy(&cmdline).replace('\0', " ").contains(&needle))
        })
        .collect()
}

/// `hijraah serve` on the embedded default, reporting to `told` under "serve".
fn serve(data_dir: &std::path::Path, port: u16, told: &Told) -> (tokio::process::Child, NotifySocket) {
    let notify = NotifySocket::bind(data_dir.with_extension("notify"), "serve".to_owned(), told.clone());
    let mut command = hijraah_command();
    command
        .arg("serve")
        .env("HIJRAAH_DATA_DIR", data_dir)
        .env("HIJRAAH_BIND", format!("127.0.0.1:{port}"))
        .env("NOTIFY_SOCKET", &notify.path)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    let child = tokio::process::Command::from(command)
        .kill_on_drop(true)
        .spawn()
        .expect("start hijraah serve");
    (child, notify)
}

#[tokio::test]
async fn a_cluster_left_by_a_killed_server_is_stopped_by_the_next_one() {
    let root = tempfile::tempdir().unwrap();
    std::fs::set_permissions(root.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let data_dir = root.path().join("data");
    let cluster = data_dir.join("postgres");
    let port = free_port();
    let told = Told::new(Default::default());
    let ready = |told: &std::collections::BTreeMap<String, Notified>| told.get("serve").is_some_and(|s| s.ready);

    let (mut first, _notify) = serve(&data_dir, port, &told);
    wait_notified(&told, "serve is ready", std::time::Duration::from_secs(120), ready).await;
    first.kill().await.unwrap();
    assert!(
        !processes_of(&cluster).is_empty(),
        "kill -9 leaves the cluster running (what this test is about)"
    );

    let (mut second, _notify) = serve(&data_dir, port, &told);
    wait_notified(
        &told,
        "serve is ready again",
        std::time::Duration::from_secs(120),
        ready,
    )
    .await;
    let sent = std::process::Command::new("kill")
        .arg("-TERM")
        .arg(second.id().unwrap().to_string())
        .status()
        .unwrap();
    assert!(sent.success());
    let exited = tokio::time::timeout(std::time::Duration::from_secs(60), second.wait())
        .await
        .expect("serve stops within a minute of SIGTERM")
        .unwrap();
    assert!(exited.success(), "a clean exit: {exited}");
    assert_eq!(
        processes_of(&cluster),
        Vec::<u32>::new(),
        "no postgres process of {} outlives the server",
        cluster.display()
    );
    assert!(!cluster.join("postmaster.pid").exists());
}
