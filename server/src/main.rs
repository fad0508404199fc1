use clap::Parser;
use std::io::IsTerminal;
use tracing_subscriber::fmt::format::FmtSpan;
use tracing_subscriber::EnvFilter;

fn main() -> anyhow::Result<()> {
    let cli = rfidesk::cli::Cli::parse();
    // The extraction child: no logging, no runtime, just text on stdout.
    if let Some(code) = rfidesk::cli::run_extract_text(&cli) {
        std::process::exit(code);
    }
    // One line per request: the request span, logged when it closes.
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_span_events(FmtSpan::CLOSE)
        .with_ansi(std::io::stdout().is_terminal())
        .init();
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(rfidesk::cli::run(cli))
}
