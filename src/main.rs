use leptos::config::get_configuration;

/// mimalloc instead of glibc's malloc: requests allocate and free many small buffers across
/// threads (see the README's benchmark table for the figures).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
use vitrine::server::config::Config;
use vitrine::server::startup::Application;
use vitrine::server::telemetry;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    telemetry::init();
    let config = match Config::from_env() {
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
    let app = match Application::build(config, leptos).await {
        Ok(app) => app,
        Err(e) => {
            eprintln!("vitrine: cannot start: {e}");
            return std::process::ExitCode::from(1);
        }
    };
    match app.run().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("vitrine: server error: {e}");
            std::process::ExitCode::from(1)
        }
    }
}
