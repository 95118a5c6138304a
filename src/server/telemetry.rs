use std::io::IsTerminal;

use tracing_subscriber::{fmt, EnvFilter};

/// Structured logs to stdout; `RUST_LOG` overrides the default level. Colours only on a
/// terminal: piped logs (a service manager, tests reading them) stay plain text.
pub fn init() {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,vitrine=info,tower_http=info,sqlx=warn,s3s=warn"));
    let _ = fmt().with_env_filter(filter).with_target(true).with_ansi(std::io::stdout().is_terminal()).try_init();
}
