use clap::Parser;
use std::io::IsTerminal;
use tracing_subscriber::fmt::format::FmtSpan;
use tracing_subscriber::EnvFilter;

/// jemalloc returns freed memory to the system (on a timer, from its own
/// thread); glibc's malloc kept each thread arena's high-water mark, so the
/// server's heap grew with every large summary it had made.
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

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
