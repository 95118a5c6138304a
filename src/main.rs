//! `vitrine serve` (the default) starts the app; `vitrine check` runs the self-test against
//! the configuration in the environment and exits non-zero if a check fails; the other
//! subcommands are in `vitrine::cli` (`vitrine --help`).

use leptos::config::get_configuration;

/// mimalloc instead of glibc's malloc: requests allocate and free many small buffers across
/// threads (see the README's benchmark table for the figures).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
use clap::Parser;
use vitrine::cli::{Cli, Command};
use vitrine::server::config::{Config, StorageConfig};
use vitrine::server::startup::Application;
use vitrine::server::telemetry;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let checking = match Cli::parse().command {
        None | Some(Command::Serve) => None,
        Some(Command::Check { config, repair }) => Some((config, repair)),
        Some(other) => {
            return match vitrine::cli::run(other).await {
                Ok(true) => std::process::ExitCode::SUCCESS,
                Ok(false) => std::process::ExitCode::from(1),
                Err(message) => {
                    eprintln!("vitrine: {message}");
                    std::process::ExitCode::from(1)
                }
            };
        }
    };
    telemetry::init();
    let mut config = match Config::from_env() {
        Ok(config) => config,
        Err(e) => {
            eprintln!("vitrine: configuration error: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    let mut leptos = match get_configuration(None) {
        Ok(conf) => conf.leptos_options,
        Err(e) => {
            eprintln!("vitrine: configuration error: LEPTOS_*: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    if leptos.output_name.is_empty() {
        // Built without cargo-leptos' environment (e.g. plain `cargo build`).
        leptos.output_name = "vitrine".into();
    }
    if checking.is_some() {
        // Beside a running instance: its ports are taken, so this one listens on spare ones.
        leptos.site_addr.set_port(0);
        if let StorageConfig::Embedded { addr, .. } = &mut config.storage {
            addr.set_port(0);
        }
    }
    let app = match Application::build(config, leptos).await {
        Ok(app) => app,
        Err(e) => {
            eprintln!("vitrine: cannot start: {e}");
            return std::process::ExitCode::from(1);
        }
    };
    match checking {
        Some((true, _)) => return app.check().await,
        Some((false, repair)) => return app.books(repair).await,
        None => {}
    }
    match app.run().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("vitrine: server error: {e}");
            std::process::ExitCode::from(1)
        }
    }
}
