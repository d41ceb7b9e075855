//! The embedded PostgreSQL used when `DATABASE_URL` is unset.

use std::os::unix::fs::PermissionsExt;

use hijraah::embedded_postgres::EmbeddedPostgres;
use sqlx::Connection;

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
    let tables: i64 = sqlx::query_scalar("SELECT count(*) FROM information_schema.tables WHERE table_name = 'events'")
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
    assert!(again.is_owner() && !beside.is_owner());
    tokio::task::spawn_blocking(move || beside.stop())
        .await
        .unwrap()
        .unwrap();
    let still: i32 = sqlx::query_scalar("SELECT 1").fetch_one(&mut connection).await.unwrap();
    assert_eq!(still, 1, "the owner's cluster kept running");
    connection.close().await.unwrap();
    tokio::task::spawn_blocking(move || again.stop())
        .await
        .unwrap()
        .unwrap();
}
