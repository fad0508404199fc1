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
    /// Directory of attachment files (default: DATA_DIR/attachments). Nodes
    /// that share a PostgreSQL database must share this directory too.
    #[arg(long, env = "RFIDESK_ATTACHMENTS_DIR", global = true)]
    pub attachments_dir: Option<PathBuf>,
}

impl StoreArgs {
    pub fn attachments_dir(&self) -> PathBuf {
        self.attachments_dir
            .clone()
            .unwrap_or_else(|| self.data_dir.join("attachments"))
    }
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "RFIDESK_BIND", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,
    /// Directory of docket files (*.toml), loaded at start.
    #[arg(long, env = "RFIDESK_DOCKETS", default_value = "fixtures/dockets")]
    pub dockets: PathBuf,
    /// Directory of codebook files (*.toml), loaded at start after the
    /// dockets: new tags are added, none renamed or removed.
    #[arg(long, env = "RFIDESK_CODEBOOKS", default_value = "fixtures/codebooks")]
    pub codebooks: PathBuf,
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
    /// Requests per minute per client to the public pages and JSON that
    /// read (the reading room, dockets, receipts); 0 turns the limit off.
    #[arg(long, env = "RFIDESK_READ_RATE_LIMIT", default_value_t = 300)]
    pub read_rate_limit: u32,
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
    /// Slowest a request body may arrive, in bytes a second on average
    /// after the first 10 seconds (or half the timeout, if shorter); a
    /// slower one is cut off with 408.
    #[arg(long, env = "RFIDESK_BODY_MIN_RATE", default_value_t = 1024)]
    pub body_min_rate: u64,
    /// Longest a request body may take to arrive, in seconds (408 after).
    #[arg(long, env = "RFIDESK_BODY_TIMEOUT", default_value_t = 600)]
    pub body_timeout: u64,
    /// Comments one write of a bulk tag (or of one rule, while a rule is
    /// applied) tags or untags: smaller holds the writer for less time,
    /// larger finishes sooner.
    #[arg(long, env = "RFIDESK_TAGGING_BATCH", default_value_t = 5_000,
          value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub tagging_batch: u32,
    #[command(flatten)]
    pub extraction: ExtractionArgs,
}

/// How attachment text is read (`jobs/extract_text.rs`).
#[derive(Debug, Clone, clap::Args)]
pub struct ExtractionArgs {
    /// Files read at once, each with the short budget.
    #[arg(long, env = "RFIDESK_EXTRACT_WORKERS", default_value_t = 2,
          value_parser = clap::value_parser!(u32).range(1..=64))]
    pub extract_workers: u32,
    /// Seconds a file may take at first; one that takes longer is read
    /// again later, alone, with the full budget.
    #[arg(long, env = "RFIDESK_EXTRACT_QUICK_SECONDS", default_value_t = 10,
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub extract_quick_seconds: u64,
    /// Seconds (wall clock, and CPU) a file may take at most.
    #[arg(long, env = "RFIDESK_EXTRACT_SECONDS", default_value_t = 60,
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub extract_seconds: u64,
}

impl Default for ExtractionArgs {
    fn default() -> Self {
        ExtractionArgs {
            extract_workers: 2,
            extract_quick_seconds: 10,
            extract_seconds: 60,
        }
    }
}

impl ServeArgs {
    pub fn body_timing(&self) -> crate::http::body::BodyTiming {
        let max = std::time::Duration::from_secs(self.body_timeout.max(1));
        crate::http::body::BodyTiming {
            min_rate: self.body_min_rate.max(1),
            grace: crate::http::body::BodyTiming::default().grace.min(max / 2),
            max,
        }
    }

    /// Cookies must be `Secure` everywhere but a plain-HTTP loopback address
    /// (a developer's machine), where browsers would refuse to send them.
    pub fn secure_cookies(&self) -> bool {
        let url = self.public_url();
        let Some(rest) = url.strip_prefix("http://") else {
            return true;
        };
        let host = rest.split('/').next().unwrap_or("");
        let host = match host.rsplit_once(':') {
            Some((h, port)) if port.bytes().all(|b| b.is_ascii_digit()) => h,
            _ => host,
        };
        let host = host.trim_start_matches('[').trim_end_matches(']');
        !(host.eq_ignore_ascii_case("localhost")
            || host
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback()))
    }

    pub fn public_url(&self) -> String {
        self.public_url
            .clone()
            .unwrap_or_else(|| format!("http://{}", self.bind))
            .trim_end_matches('/')
            .to_string()
    }
}
