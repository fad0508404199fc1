//! `rfidesk`: serve (the default), migrate, and docket administration.

use crate::db::models::docket;
use crate::db::{run_migrations, DatabaseUrl, DbConn};
use crate::domain::clock::SystemClock;
use crate::domain::docket::parse_deadline;
use crate::settings::{ServeArgs, StoreArgs};
use crate::startup::{Application, Config};
use anyhow::{bail, Context};
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::sync::Arc;

/// RFI Desk: public-comment intake for federal Requests for Information.
///
/// With no command, serves HTTP (same as `rfidesk serve`).
#[derive(Debug, Parser)]
#[command(name = "rfidesk", version, args_conflicts_with_subcommands = true)]
pub struct Cli {
    #[command(flatten)]
    pub store: StoreArgs,
    #[command(flatten)]
    pub serve: ServeArgs,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the web form, the API and the pages.
    Serve(ServeArgs),
    /// Run database migrations and exit.
    Migrate,
    /// Load, list and extend dockets.
    #[command(subcommand)]
    Docket(DocketCommand),
}

#[derive(Debug, Subcommand)]
pub enum DocketCommand {
    /// Create a docket from a TOML file, or update its texts (an extension is kept).
    Load { file: PathBuf },
    /// Extend a docket's comment period.
    Extend {
        id: String,
        /// New closing time: 2026-12-13 (end of that day), 2026-12-13T17:00
        /// (in the docket's time zone) or RFC 3339 with an offset.
        #[arg(long)]
        until: String,
    },
    /// List dockets and their comment periods.
    List,
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let store = cli.store;
    match cli.command {
        None => serve(store, cli.serve).await,
        Some(Command::Serve(args)) => serve(store, args).await,
        Some(Command::Migrate) => {
            connect(&store)?;
            println!("migrations applied");
            Ok(())
        }
        Some(Command::Docket(cmd)) => docket_command(&store, cmd),
    }
}

async fn serve(store: StoreArgs, serve: ServeArgs) -> anyhow::Result<()> {
    let backend =
        DatabaseUrl::from_env_value(store.database_url.as_deref(), &store.data_dir).backend_name();
    let app = Application::build(Config {
        store,
        serve,
        clock: Arc::new(SystemClock),
    })
    .await?;
    tracing::info!(port = app.port(), backend, "rfidesk listening");
    app.run_until_stopped().await
}

fn connect(store: &StoreArgs) -> anyhow::Result<DbConn> {
    std::fs::create_dir_all(&store.data_dir)?;
    let mut conn =
        DatabaseUrl::from_env_value(store.database_url.as_deref(), &store.data_dir).connect()?;
    run_migrations(&mut conn)?;
    Ok(conn)
}

fn docket_command(store: &StoreArgs, cmd: DocketCommand) -> anyhow::Result<()> {
    let mut conn = connect(store)?;
    let now = chrono::Utc::now();
    match cmd {
        DocketCommand::Load { file } => {
            let (id, loaded) = crate::docket_files::load_file(&mut conn, &file, now)?;
            println!("{id}: {loaded:?}");
        }
        DocketCommand::Extend { id, until } => {
            let d = docket::find(&mut conn, &id)?.with_context(|| format!("no docket {id:?}"))?;
            let until = parse_deadline(&until, d.time_zone)?;
            if until <= d.closes_at() {
                bail!(
                    "{id} already closes {}; an extension must be later",
                    d.local(d.closes_at()).format("%Y-%m-%d %H:%M:%S %Z")
                );
            }
            docket::extend(&mut conn, &id, until, now)?;
            println!(
                "{id} now closes {}",
                until
                    .with_timezone(&d.time_zone)
                    .format("%Y-%m-%d %H:%M:%S %Z")
            );
        }
        DocketCommand::List => {
            for d in docket::list(&mut conn)? {
                let state = if d.is_open_at(now) { "open" } else { "closed" };
                let closes = d.local(d.closes_at()).format("%Y-%m-%d %H:%M:%S %Z");
                println!(
                    "{}\t{state}\tcloses {closes}{}\t{}",
                    d.id,
                    if d.is_extended() { " (extended)" } else { "" },
                    d.title
                );
            }
        }
    }
    Ok(())
}
