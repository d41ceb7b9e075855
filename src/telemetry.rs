//! Structured logs: JSON lines to stdout for the server (to stderr for the other commands, whose
//! stdout is their output), and to a daily-rotated file when `HIJRAAH_LOG_DIR` is set. `RUST_LOG`
//! sets the levels (default `info`).

use std::path::Path;

use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

/// Installs the global subscriber. Keep the guard alive: dropping it flushes the file writer.
pub fn init(log_dir: Option<&Path>, to_stderr: bool) -> Option<WorkerGuard> {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    let console = tracing_subscriber::fmt::layer().json().with_current_span(true);
    let console = if to_stderr {
        console.with_writer(std::io::stderr).boxed()
    } else {
        console.with_writer(std::io::stdout).boxed()
    };
    let (file, guard) = match log_dir {
        Some(dir) => {
            let appender = tracing_appender::rolling::daily(dir, "hijraah.log");
            let (writer, guard) = tracing_appender::non_blocking(appender);
            let layer = tracing_subscriber::fmt::layer().json().with_writer(writer).boxed();
            (Some(layer), Some(guard))
        }
        None => (None, None),
    };
    // A second init (tests) keeps the first subscriber.
    let _ = tracing_subscriber::registry()
        .with(filter)
        .with(console)
        .with(file)
        .try_init();
    guard
}
