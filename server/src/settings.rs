//! Configuration: every knob is an environment variable (named in DESIGN.md)
//! and a flag; `rfidesk serve --help` lists them.

use clap::Args;
use std::net::SocketAddr;
use std::path::PathBuf;

/// Where the data lives; shared by every subcommand.
#[derive(Debug, Clone, Args)]
pub struct StoreArgs {
    /// Directory for the SQLite database, attachments and offline receipts.
    #[arg(
        long,
        env = "RFIDESK_DATA_DIR",
        default_value = "./data",
        global = true
    )]
    pub data_dir: PathBuf,
    /// postgres://... for PostgreSQL; otherwise SQLite in the data directory
    /// (or at the path given).
    #[arg(long, env = "DATABASE_URL", global = true, hide_env_values = true)]
    pub database_url: Option<String>,
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "RFIDESK_BIND", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,
    /// Directory of docket files (*.toml), loaded at start.
    #[arg(long, env = "RFIDESK_DOCKETS", default_value = "fixtures/dockets")]
    pub dockets: PathBuf,
    /// smtp://host:port or smtps://user:pass@host for receipts; unset: receipts
    /// are written as .eml files under DATA_DIR/outbox.
    #[arg(long, env = "RFIDESK_SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<String>,
    /// Sender of receipts.
    #[arg(
        long,
        env = "RFIDESK_MAIL_FROM",
        default_value = "RFI Desk <receipts@rfidesk.example>"
    )]
    pub mail_from: String,
    /// Submissions per minute per client; 0 turns the limit off.
    #[arg(long, env = "RFIDESK_RATE_LIMIT", default_value_t = 20)]
    pub rate_limit: u32,
    /// Behind a reverse proxy: the header it puts the client address in
    /// (X-Forwarded-For, X-Real-IP). Unset: the TCP peer is the client.
    #[arg(long, env = "RFIDESK_CLIENT_IP_HEADER")]
    pub client_ip_header: Option<String>,
    /// Base URL people reach this server at, for links in receipts.
    #[arg(long, env = "RFIDESK_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// HTTP worker threads (default: one per core).
    #[arg(long, env = "RFIDESK_WORKERS")]
    pub workers: Option<usize>,
}

impl ServeArgs {
    pub fn public_url(&self) -> String {
        self.public_url
            .clone()
            .unwrap_or_else(|| format!("http://{}", self.bind))
            .trim_end_matches('/')
            .to_string()
    }
}
