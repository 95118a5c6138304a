//! The `vitrine` command line. `vitrine` alone (or `vitrine serve`) starts the app; the other
//! subcommands talk to a running Vitrine through the same JSON API as the browser (`import`,
//! `export`, with an API token) or to the configured database (`user`).

pub mod client;
pub mod export;
pub mod import;
pub mod manifest;
pub mod probe;
pub mod progress;
pub mod send;
pub mod users;
pub mod walk;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::model::Role;

#[derive(Debug, Parser)]
#[command(name = "vitrine", version, about = "Vitrine, a self-hosted media library")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start Vitrine (what `vitrine` alone does)
    Serve,
    /// The books against the bucket: orphan objects, missing originals, stray multipart uploads,
    /// stale variants (with --config: the self-test of the configuration instead)
    Check {
        /// Run the self-test: database, bucket, CORS, clock, CDN, cookies, public URL
        #[arg(long)]
        config: bool,
        /// Delete true orphans, abort stray uploads, mark missing originals (never anything
        /// younger than the upload grace period)
        #[arg(long, conflicts_with = "config")]
        repair: bool,
    },
    /// Send files and folders to a running Vitrine, straight to its store
    Import {
        /// Files and folders (folders recursively)
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Put everything into this collection (found by title, or created)
        #[arg(long)]
        collection: Option<String>,
        /// Files hashed and sent at once
        #[arg(long, default_value_t = 4)]
        jobs: usize,
        /// Say what would be sent, send nothing
        #[arg(long)]
        dry_run: bool,
        #[command(flatten)]
        remote: Remote,
    },
    /// Save a collection's originals, in order, with a collection.json that `import` reads back
    Export {
        slug: String,
        dir: PathBuf,
        #[command(flatten)]
        remote: Remote,
    },
    /// Manage accounts on this server's database
    User {
        #[command(subcommand)]
        action: UserAction,
    },
}

#[derive(Debug, Args)]
pub struct Remote {
    /// The Vitrine to talk to
    #[arg(long, env = "VITRINE_SERVER", default_value = "http://127.0.0.1:3000")]
    pub server: String,
    /// An API token (create one at /account)
    #[arg(long, env = "VITRINE_TOKEN", hide_env_values = true, default_value = "")]
    pub token: String,
}

#[derive(Debug, Subcommand)]
pub enum UserAction {
    /// Add an account with a generated password (printed once)
    Add {
        email: String,
        #[arg(long, value_parser = parse_role, default_value = "editor")]
        role: Role,
    },
    /// Give an account a new generated password and sign it out everywhere
    ResetPassword { email: String },
    /// Everyone, with role and state
    List,
}

fn parse_role(raw: &str) -> Result<Role, String> {
    Role::parse(raw)
}

/// Runs a subcommand that is not `serve` or `check`; whether it fully succeeded.
pub async fn run(command: Command) -> Result<bool, String> {
    match command {
        Command::Serve | Command::Check { .. } => unreachable!("serve and check start the app"),
        Command::Import { paths, collection, jobs, dry_run, remote } => {
            let api = client::Api::new(&remote.server, &remote.token).map_err(|e| e.0)?;
            import::run(&api, import::ImportArgs { paths, collection, jobs, dry_run }).await.map_err(|e| e.0)
        }
        Command::Export { slug, dir, remote } => {
            let api = client::Api::new(&remote.server, &remote.token).map_err(|e| e.0)?;
            export::run(&api, &slug, &dir).await.map_err(|e| e.0)
        }
        Command::User { action } => match action {
            UserAction::Add { email, role } => users::add(&email, role).await,
            UserAction::ResetPassword { email } => users::reset_password(&email).await,
            UserAction::List => users::list().await,
        }
        .map(|()| true)
        .map_err(|e| e.0),
    }
}
