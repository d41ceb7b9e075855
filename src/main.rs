//! The `hijraah` binary: read the settings, start logging, run the command.

use clap::Parser;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = hijraah::cli::Cli::parse();
    let settings = match hijraah::config::Settings::from_env() {
        Ok(settings) => settings,
        Err(error) => {
            eprintln!("error: {error:#}");
            return std::process::ExitCode::from(2);
        }
    };
    let is_server = matches!(cli.command, hijraah::cli::Command::Serve);
    let _log_guard = hijraah::telemetry::init(settings.log_dir.as_deref(), !is_server);
    match hijraah::cli::run(cli, settings).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!(error = %format!("{error:#}"), "command failed");
            eprintln!("error: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
