//! Where receipts go: an SMTP server, or `.eml` files when none is set up.

use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::path::PathBuf;
use std::time::Duration;

pub enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    /// Offline demo: one file per receipt, named by tracking number.
    Files(PathBuf),
}

impl Transport {
    pub fn from_settings(smtp_url: Option<&str>, outbox_dir: PathBuf) -> anyhow::Result<Self> {
        match smtp_url {
            Some(url) => {
                let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(|e| anyhow::anyhow!("RFIDESK_SMTP_URL is not usable: {e}"))?
                    // A hung server must not hold the worker: give up and retry later.
                    .timeout(Some(Duration::from_secs(15)))
                    .build();
                Ok(Transport::Smtp(transport))
            }
            None => {
                std::fs::create_dir_all(&outbox_dir)?;
                Ok(Transport::Files(outbox_dir))
            }
        }
    }

    pub async fn send(&self, name: &str, message: Message) -> Result<(), String> {
        match self {
            Transport::Smtp(smtp) => smtp
                .send(message)
                .await
                .map(|_| ())
                .map_err(|e| e.to_string()),
            Transport::Files(dir) => {
                let tmp = dir.join(format!(".{name}.eml.tmp"));
                let dest = dir.join(format!("{name}.eml"));
                let bytes = message.formatted();
                tokio::task::spawn_blocking(move || -> std::io::Result<()> {
                    std::fs::write(&tmp, bytes)?;
                    std::fs::rename(&tmp, &dest)
                })
                .await
                .map_err(|e| e.to_string())?
                .map_err(|e| e.to_string())
            }
        }
    }
}
