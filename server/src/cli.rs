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
pub enum CampaignsCommand {
    /// Find a docket's campaigns again from all its comments (the
    /// boilerplate profile too), keeping analysts' names, splits and
    /// merges. A running server follows on from it.
    Rebuild {
        #[arg(long)]
        docket: String,
    },
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
    /// Load a docket's codebook (tags for coding comments).
    #[command(subcommand)]
    Codebook(CodebookCommand),
    /// Create, list, disable and enable analyst and staff accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Issue, list and revoke an account's API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Rebuild the search index from the database into a new directory and
    /// swap it in; a running server switches to it without a restart.
    Reindex,
    /// Form-letter campaigns.
    #[command(subcommand)]
    Campaigns(CampaignsCommand),
    /// Search the comments, as the analyst API does, from this node's index:
    /// prints the total, then one line per hit (tracking number, received,
    /// organization or name, category, country).
    Search {
        /// The query, in the analyst search's language (`*` for all).
        query: String,
        /// A filter, as in the API: `--filter country=MY --filter late=true`.
        #[arg(long = "filter", value_name = "KEY=VALUE")]
        filters: Vec<String>,
        /// Hits to print (at most 100).
        #[arg(long, default_value_t = 20)]
        per_page: usize,
        /// Sort: relevance, newest or oldest.
        #[arg(long, default_value = "relevance")]
        sort: String,
    },
    /// Print a docket's summary (or a search's, with --query and
    /// --filter) from this node's index: totals, then each breakdown.
    /// `--json` prints the API's answer instead.
    Summary {
        #[arg(long)]
        docket: String,
        #[arg(long, default_value = "*")]
        query: String,
        #[arg(long = "filter", value_name = "KEY=VALUE")]
        filters: Vec<String>,
        #[arg(long)]
        json: bool,
    },
    /// Write a CSV export of a docket (staff's): `comments`, `search` (the
    /// matches of --query and --filter, from this node's index),
    /// `campaigns`, or the summary's `tags` and `crosstab` tables (of the
    /// docket, or of --query and --filter). Written to a temporary file beside --out and renamed
    /// when complete; recorded in the audit log.
    Export {
        name: String,
        #[arg(long)]
        docket: String,
        #[arg(long)]
        out: PathBuf,
        /// Start with a UTF-8 byte-order mark (for Excel).
        #[arg(long)]
        bom: bool,
        /// Add the submitters' email and state or province.
        #[arg(long)]
        include_contact: bool,
        /// For `search`: the query (`*` for all).
        #[arg(long, default_value = "*")]
        query: String,
        /// For `search`: a filter, as in `rfidesk search`.
        #[arg(long = "filter", value_name = "KEY=VALUE")]
        filters: Vec<String>,
    },
    /// Load comments from another system's export.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Copy the database (a consistent snapshot, while serving) and the
    /// attachments into a directory; again into the same one copies only
    /// new files. PostgreSQL needs pg_dump.
    Backup { dir: PathBuf },
    /// Put a backup back into an empty data directory (and, with
    /// PostgreSQL, an empty database; needs pg_restore). The search
    /// index is rebuilt when the server starts.
    Restore { dir: PathBuf },
    /// Print the text of one attachment file (run by the server in a
    /// resource-limited child process).
    #[command(hide = true)]
    ExtractText {
        #[arg(long)]
        kind: String,
        #[arg(long, default_value_t = 4 << 20)]
        max_bytes: usize,
        file: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// A regulations.gov bulk-download CSV into a docket: original
    /// tracking numbers and dates kept, comments posted; bad rows reported
    /// by line and skipped; importing the same file again adds nothing.
    RegulationsGov {
        file: PathBuf,
        #[arg(long)]
        docket: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create an account; prints its API token on the last line of stdout.
    Add {
        name: String,
        #[arg(long, value_parser = ["analyst", "staff"])]
        role: String,
        /// Read a password for the web sign-in from standard input (first
        /// line). Without it the account can use only its API token.
        #[arg(long)]
        password_stdin: bool,
        /// The API token stops working after this many days (default: never).
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..=3650))]
        token_expires_in_days: Option<u32>,
    },
    /// List accounts (name, role, whether a password is set).
    List,
    /// Disable an account at once: its sessions end, its tokens stop
    /// working, it cannot sign in.
    Disable { name: String },
    /// Enable a disabled account again (revoked tokens stay revoked).
    Enable { name: String },
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Issue another API token; prints it on the last line of stdout.
    Add {
        name: String,
        /// The token stops working after this many days (default: never).
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..=3650))]
        expires_in_days: Option<u32>,
    },
    /// An account's tokens: id, created, expires, revoked.
    List { name: String },
    /// Revoke tokens at once: one by its id (from `token list`), the one
    /// read from standard input, or all of the account's.
    Revoke {
        name: String,
        #[arg(long, conflicts_with_all = ["all", "token_stdin"])]
        id: Option<String>,
        #[arg(long, conflicts_with = "token_stdin")]
        all: bool,
        #[arg(long)]
        token_stdin: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum CodebookCommand {
    /// Add a file's new tags to its docket's codebook and update the
    /// labels and instructions of the others; renames and retirements made
    /// by staff are kept.
    Load { file: PathBuf },
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
        /// The public notice shown on the docket page (default: one that
        /// states the new closing time).
        #[arg(long)]
        notice: Option<String>,
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
        Some(Command::Codebook(CodebookCommand::Load { file })) => {
            let mut conn = connect(&store)?;
            let (docket, loaded) =
                crate::codebook_files::load_file(&mut conn, &file, chrono::Utc::now())?;
            println!(
                "codebook of {docket}: {} added, {} updated, {} unchanged",
                loaded.added, loaded.updated, loaded.unchanged
            );
            Ok(())
        }
        Some(Command::User(cmd)) => user_command(&store, cmd),
        Some(Command::Token(cmd)) => token_command(&store, cmd),
        Some(Command::Reindex) => reindex(&store),
        Some(Command::Campaigns(CampaignsCommand::Rebuild { docket })) => {
            campaigns_rebuild(&store, &docket)
        }
        Some(Command::Search {
            query,
            filters,
            per_page,
            sort,
        }) => search(&store, query, filters, per_page, sort).await,
        Some(Command::Summary {
            docket,
            query,
            filters,
            json,
        }) => summary(&store, &docket, query, filters, json).await,
        Some(Command::Export {
            name,
            docket,
            out,
            bom,
            include_contact,
            query,
            filters,
        }) => {
            let options = crate::analysis::export::Options {
                bom,
                include_contact,
            };
            export(&store, &name, &docket, &out, options, query, filters).await
        }
        Some(Command::Import(ImportCommand::RegulationsGov { file, docket })) => {
            import_regulations_gov(&store, &file, &docket)
        }
        Some(Command::Backup { dir }) => {
            let copied = crate::backup::backup(&store, &dir)?;
            println!(
                "backed up to {}: database {} bytes; attachments {} copied, {} already there",
                dir.display(),
                copied.database_bytes,
                copied.files_copied,
                copied.files_present
            );
            Ok(())
        }
        Some(Command::Restore { dir }) => {
            let copied = crate::backup::restore(&store, &dir)?;
            println!(
                "restored from {}: database {} bytes; {} attachments",
                dir.display(),
                copied.database_bytes,
                copied.files_copied + copied.files_present
            );
            Ok(())
        }
        Some(Command::ExtractText { .. }) => {
            unreachable!("extract-text runs before the async runtime starts")
        }
    }
}

/// `extract-text`, run without the async runtime: the child stays small
/// under its address-space limit. Returns the exit code, if this was it.
pub fn run_extract_text(cli: &Cli) -> Option<i32> {
    match &cli.command {
        Some(Command::ExtractText {
            kind,
            max_bytes,
            file,
        }) => Some(crate::extraction::extract_text_main(kind, file, *max_bytes)),
        _ => None,
    }
}

fn user_command(store: &StoreArgs, cmd: UserCommand) -> anyhow::Result<()> {
    use crate::domain::account::{check_password_strength, Role, UserName};
    let mut conn = connect(store)?;
    match cmd {
        UserCommand::Add {
            name,
            role,
            password_stdin,
            token_expires_in_days,
        } => {
            let name = UserName::parse(&name).map_err(|e| anyhow::anyhow!("{e}"))?;
            let role = Role::parse(&role).context("role is analyst or staff")?;
            let password = if password_stdin {
                let mut line = String::new();
                std::io::stdin().read_line(&mut line)?;
                let password = line.trim_end_matches(['\r', '\n']).to_string();
                check_password_strength(&password).map_err(|e| anyhow::anyhow!("{e}"))?;
                Some(password)
            } else {
                None
            };
            let token = crate::accounts::create(
                &mut conn,
                &name,
                role,
                password.as_deref(),
                expiry(token_expires_in_days),
                chrono::Utc::now().naive_utc(),
            )?;
            eprintln!(
                "created {role} account {:?}; its API token (shown once) follows",
                name.as_str()
            );
            println!("{}", token.expose());
        }
        UserCommand::List => {
            for u in crate::db::models::user::list(&mut conn)? {
                println!(
                    "{}\t{}\t{}{}",
                    u.name,
                    u.role,
                    if u.password_hash.is_some() {
                        "password"
                    } else {
                        "token only"
                    },
                    if u.disabled_at.is_some() {
                        "\tdisabled"
                    } else {
                        ""
                    }
                );
            }
        }
        UserCommand::Disable { name } => {
            crate::accounts::disable(&mut conn, &name, chrono::Utc::now().naive_utc())?;
            println!("{name}: disabled; its sessions ended and its tokens no longer work");
        }
        UserCommand::Enable { name } => {
            crate::accounts::enable(&mut conn, &name)?;
            println!("{name}: enabled");
        }
    }
    Ok(())
}

fn expiry(days: Option<u32>) -> Option<chrono::NaiveDateTime> {
    days.map(|d| chrono::Utc::now().naive_utc() + chrono::TimeDelta::days(d.into()))
}

/// The short id of a token: the start of its hash (never the token).
const TOKEN_ID_CHARS: usize = 12;

fn token_command(store: &StoreArgs, cmd: TokenCommand) -> anyhow::Result<()> {
    use crate::accounts::{self, Revoke};
    let mut conn = connect(store)?;
    let now = chrono::Utc::now().naive_utc();
    match cmd {
        TokenCommand::Add {
            name,
            expires_in_days,
        } => {
            let token = accounts::issue_token(&mut conn, &name, expiry(expires_in_days), now)?;
            eprintln!("issued a token for {name:?}; it follows (shown once)");
            println!("{}", token.expose());
        }
        TokenCommand::List { name } => {
            let fmt = |t: Option<chrono::NaiveDateTime>| {
                t.map_or("-".to_string(), |t| {
                    t.format("%Y-%m-%d %H:%M UTC").to_string()
                })
            };
            println!("id\tcreated\texpires\trevoked");
            for t in accounts::tokens(&mut conn, &name)? {
                println!(
                    "{}\t{}\t{}\t{}",
                    &t.token_hash[..TOKEN_ID_CHARS],
                    fmt(Some(t.created_at)),
                    fmt(t.expires_at),
                    fmt(t.revoked_at)
                );
            }
        }
        TokenCommand::Revoke {
            name,
            id,
            all,
            token_stdin,
        } => {
            let mut line = String::new();
            let which = match (id.as_deref(), all, token_stdin) {
                (Some(id), _, _) => Revoke::Id(id),
                (None, true, _) => Revoke::All,
                (None, false, true) => {
                    std::io::stdin().read_line(&mut line)?;
                    Revoke::Token(line.trim())
                }
                (None, false, false) => bail!("say which: --id ID, --all or --token-stdin"),
            };
            let n = accounts::revoke_tokens(&mut conn, &name, which, now)?;
            if n == 0 {
                bail!("no live token of {name:?} matched; nothing was revoked");
            }
            println!("{name}: revoked {n} token{}", if n == 1 { "" } else { "s" });
        }
    }
    Ok(())
}

fn campaigns_rebuild(store: &StoreArgs, docket: &str) -> anyhow::Result<()> {
    use crate::campaigns::rebuild::{self, Stage};
    use indicatif::{ProgressBar, ProgressStyle};
    let url = DatabaseUrl::from_env_value(store.database_url.as_deref(), &store.data_dir);
    let mut conn = connect(store)?;
    let Some(d) = crate::db::models::docket::find(&mut conn, docket)? else {
        anyhow::bail!("no docket {docket:?}");
    };
    let keys = crate::startup::signal_keys(&mut conn)?;
    drop(conn);
    let pool = crate::db::connection::pool(&url, 2)?;
    let bar = ProgressBar::new(0).with_style(
        ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {msg:>14} {wide_bar} {human_pos}/{human_len} comments, ETA {eta}",
        )
        .expect("valid template"),
    );
    let built = rebuild::run(
        &pool,
        &d,
        &keys,
        chrono::Utc::now().naive_utc(),
        &|stage, done, total| {
            bar.set_message(match stage {
                Stage::Sampling => "sampling",
                Stage::Fingerprinting => "fingerprinting",
                Stage::Storing => "storing",
            });
            bar.set_length(total);
            bar.set_position(done);
        },
    )?;
    bar.finish();
    println!(
        "{docket}: {} comments, {} campaigns holding {} of them, {} boilerplate shingles discounted, in {:.1} s",
        built.comments, built.campaigns, built.in_campaigns, built.discounted_shingles, built.seconds
    );
    let stages: Vec<String> = built
        .stages
        .iter()
        .map(|(s, t)| format!("{s} {t:.1} s"))
        .collect();
    println!("stages: {}", stages.join(", "));
    Ok(())
}

fn reindex(store: &StoreArgs) -> anyhow::Result<()> {
    use crate::search::layout::Layout;
    use crate::search::rebuild::{rebuild, Progress};
    use indicatif::{ProgressBar, ProgressStyle};

    struct Bar(ProgressBar);
    impl Progress for Bar {
        fn start(&mut self, total: u64) {
            self.0.set_length(total);
        }
        fn advance(&mut self, done: u64) {
            self.0.set_position(done);
        }
        fn finish(&mut self) {
            self.0.finish();
        }
    }

    let mut conn = connect(store)?;
    let bar = ProgressBar::new(0).with_style(
        ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {wide_bar} {human_pos}/{human_len} comments, {per_sec}, ETA {eta}",
        )
        .expect("valid template"),
    );
    let threads = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .min(8);
    let started = std::time::Instant::now();
    let built = rebuild(
        &mut conn,
        &Layout::new(&store.data_dir),
        threads,
        threads * (384 << 20),
        &mut Bar(bar),
    )?;
    let secs = started.elapsed().as_secs_f64();
    println!(
        "indexed {} comments in {:.1} s ({:.0}/s) up to change {}; now serving {}",
        built.documents,
        secs,
        built.documents as f64 / secs.max(0.001),
        built.seq,
        built.dir.display()
    );
    Ok(())
}

/// The summary service the API runs, on this node's index.
async fn summary(
    store: &StoreArgs,
    docket: &str,
    query: String,
    filters: Vec<String>,
    json: bool,
) -> anyhow::Result<()> {
    use crate::analysis::{summary, AnalysisError};
    let mut pairs = vec![("q".to_string(), query)];
    pairs.extend(search_filters(filters)?);
    let params = crate::domain::search_params::SearchParams::parse(&pairs)
        .map_err(|errors| anyhow::anyhow!("{}", listed(&errors)))?;
    let analysis = local_analysis(store)?;
    let s = match summary::summarize(&analysis, docket, &params).await {
        Ok(s) => s,
        Err(AnalysisError::NotFound(what)) => anyhow::bail!("no such {what}: {docket}"),
        Err(AnalysisError::InvalidQuery(q)) => anyhow::bail!("the query could not be read: {q}"),
        Err(e) => return Err(e.into()),
    };
    if json {
        println!("{}", serde_json::to_string_pretty(&s)?);
        return Ok(());
    }
    let t = &s.totals;
    println!("{} ({}): query {}", s.title, s.docket, s.q);
    println!(
        "comments {}  unique {}  campaigns {}  signatories {}  late {}  with attachments {}  business confidential {}  flagged {}",
        t.comments, t.unique, t.campaigns, t.signatories, t.late, t.with_attachments,
        t.business_confidential, t.flagged
    );
    for (title, rows) in [
        ("Submitter category", &s.by_category),
        ("Organization type", &s.by_org_type),
        ("Country", &s.by_country),
        ("Question answered", &s.by_question),
        ("Tag", &s.by_tag),
    ] {
        println!("\n{title}  (comments, unique, share of unique)");
        for b in rows {
            println!(
                "  {:<48} {:>9} {:>9} {:>6.1}%",
                b.label,
                b.comments,
                b.unique,
                b.share_of_unique * 100.0
            );
        }
    }
    println!("\nTop organizations  (comments, unique)");
    for o in &s.top_organizations {
        println!("  {:<48} {:>9} {:>9}", o.name, o.comments, o.unique);
    }
    println!("\nDistinguishing terms  (group: term (its comments using it), ...)");
    for g in s
        .distinguishing_terms
        .iter()
        .filter(|g| !g.terms.is_empty())
    {
        let terms: Vec<String> = g
            .terms
            .iter()
            .map(|t| format!("{} ({})", t.term, t.comments))
            .collect();
        println!("  {} {}: {}", g.field, g.label, terms.join(", "));
    }
    Ok(())
}

/// The analysis services on this node's database and index.
fn local_analysis(store: &StoreArgs) -> anyhow::Result<crate::analysis::Analysis> {
    connect(store)?;
    let url = DatabaseUrl::from_env_value(store.database_url.as_deref(), &store.data_dir);
    let dir = crate::search::layout::Layout::new(&store.data_dir)
        .current()
        .context("this node has no search index yet: start the server or run `rfidesk reindex`")?;
    let service = std::sync::Arc::new(crate::search::SearchService::default());
    service.set_index(
        rfidesk_indexer::SearchIndex::open_or_create(&dir)?,
        rfidesk_indexer::SearchIndex::open_or_create(&crate::search::layout::Layout::public_of(
            &dir,
        ))?,
    );
    let pool = crate::db::connection::pool(&url, 2)?;
    let keys = crate::startup::signal_keys(&mut *pool.get()?)?;
    Ok(crate::analysis::Analysis {
        dockets: crate::dockets::DocketCache::new(pool.clone()),
        pool,
        search: service,
        keys,
        exports: std::sync::Arc::new(tokio::sync::Semaphore::new(1)),
        summaries: std::sync::Arc::new(tokio::sync::Semaphore::new(1)),
    })
}

/// A CSV export to a file, with a progress bar.
async fn export(
    store: &StoreArgs,
    name: &str,
    docket: &str,
    out: &std::path::Path,
    options: crate::analysis::export::Options,
    query: String,
    filters: Vec<String>,
) -> anyhow::Result<()> {
    use crate::analysis::export::{self, ExportKind, Request};
    use indicatif::{ProgressBar, ProgressStyle};
    let kind = ExportKind::parse(name).with_context(|| {
        let names: Vec<&str> = ExportKind::ALL.iter().map(|k| k.name()).collect();
        format!("no export {name:?}; there are {}", names.join(", "))
    })?;
    let mut conn = connect(store)?;
    let docket = crate::db::models::docket::find(&mut conn, docket)?
        .with_context(|| format!("no docket {docket:?}"))?;
    let params = if kind.searches() {
        let mut pairs = vec![("q".to_string(), query)];
        pairs.extend(search_filters(filters)?);
        pairs.push(("docket".to_string(), docket.id.clone()));
        Some(
            crate::domain::search_params::SearchParams::parse(&pairs)
                .map_err(|errors| anyhow::anyhow!("{}", listed(&errors)))?,
        )
    } else {
        None
    };
    let mut prepared = export::Prepared::default();
    match (&params, kind) {
        (Some(params), ExportKind::Search) => {
            let dir = crate::search::layout::Layout::new(&store.data_dir)
                .current()
                .context(
                    "this node has no search index yet: start the server or run `rfidesk reindex`",
                )?;
            let index = rfidesk_indexer::SearchIndex::open_or_create(&dir)?;
            let req = params.to_request();
            let (total, ids) = index.all_ids(&req.q, &req.filters, export::MAX_SEARCH_ROWS)?;
            anyhow::ensure!(
                total <= export::MAX_SEARCH_ROWS,
                "the search matches {total} comments; a search export holds at most {}",
                export::MAX_SEARCH_ROWS
            );
            prepared.ids = Some(ids);
        }
        (Some(params), _) => {
            let analysis = local_analysis(store)?;
            let s = crate::analysis::summary::counts(&analysis, &docket.id, params)
                .await
                .map_err(|e| anyhow::anyhow!("the summary could not be made: {e}"))?;
            prepared.summary = Some(Box::new(s));
        }
        _ => {}
    }
    let search = params;
    let total = match kind {
        ExportKind::Comments => {
            crate::db::models::campaign::docket_totals(&mut conn, &docket.id)?.0
        }
        ExportKind::Search => prepared.ids.as_ref().map_or(0, Vec::len) as i64,
        ExportKind::Tags => prepared.summary.as_ref().map_or(0, |s| s.by_tag.len()) as i64,
        ExportKind::Crosstab => prepared
            .summary
            .as_ref()
            .map_or(0, |s| s.crosstab.rows.len()) as i64,
        ExportKind::Campaigns => {
            crate::db::models::campaign::totals(
                &mut conn,
                &docket.id,
                docket.definition.campaigns.min_size as i32,
            )?
            .0
        }
    };
    let request = Request {
        kind,
        options,
        search,
    };
    let entry = export::audit_entry(
        &docket.id,
        "cli",
        &request,
        prepared.ids.as_ref().map(Vec::len),
        chrono::Utc::now().naive_utc(),
    );
    crate::db::write_transaction(&mut conn, |c| {
        crate::db::models::audit::append(c, std::slice::from_ref(&entry))
    })?;
    // Written beside the target and renamed when complete: a failed
    // export leaves no file that looks whole.
    let partial = out.with_extension("csv.partial");
    let file = std::io::BufWriter::new(
        std::fs::File::create(&partial)
            .with_context(|| format!("creating {}", partial.display()))?,
    );
    let bar = ProgressBar::new(total.max(0) as u64).with_style(
        ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {wide_bar} {human_pos}/{human_len} rows, {per_sec}, ETA {eta}",
        )
        .expect("valid template"),
    );
    let started = std::time::Instant::now();
    let written = export::write(&mut conn, &docket, kind, options, prepared, file, |n| {
        bar.set_position(n)
    });
    bar.finish();
    let rows = match written {
        Ok(rows) => rows,
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            return Err(e.into());
        }
    };
    std::fs::rename(&partial, out)?;
    let secs = started.elapsed().as_secs_f64();
    println!(
        "wrote {rows} rows to {} in {secs:.1} s ({:.0} rows/s)",
        out.display(),
        rows as f64 / secs.max(0.001)
    );
    Ok(())
}

/// `KEY=VALUE` filters as query pairs.
fn search_filters(filters: Vec<String>) -> anyhow::Result<Vec<(String, String)>> {
    filters
        .into_iter()
        .map(|f| {
            let (k, v) = f
                .split_once('=')
                .with_context(|| format!("a filter is KEY=VALUE, not {f:?}"))?;
            Ok((k.to_string(), v.to_string()))
        })
        .collect()
}

fn listed(errors: &std::collections::BTreeMap<String, String>) -> String {
    let list: Vec<String> = errors.iter().map(|(k, v)| format!("{k} {v}")).collect();
    list.join("; ")
}

/// The same search service the API runs, on this node's index.
async fn search(
    store: &StoreArgs,
    query: String,
    filters: Vec<String>,
    per_page: usize,
    sort: String,
) -> anyhow::Result<()> {
    use crate::analysis::{self, view::Audience, AnalysisError};
    use crate::domain::search_params::SearchParams;
    let mut pairs = vec![
        ("q".to_string(), query),
        ("per_page".to_string(), per_page.to_string()),
        ("sort".to_string(), sort),
    ];
    pairs.extend(search_filters(filters)?);
    let params =
        SearchParams::parse(&pairs).map_err(|errors| anyhow::anyhow!("{}", listed(&errors)))?;
    let analysis = local_analysis(store)?;
    // The command line is staff's: staff see what staff may.
    let page = match analysis::search::run(&analysis, &params, Audience::Staff).await {
        Ok(page) => page,
        Err(AnalysisError::InvalidQuery(q)) => bail!("the query could not be read: {q}"),
        Err(e) => return Err(e.into()),
    };
    println!("{} comments match", page.total);
    for hit in page.hits {
        let who = hit
            .submitter
            .organization
            .or(hit.submitter.name)
            .unwrap_or_else(|| "-".into());
        println!(
            "{}\t{}\t{}\t{}\t{}",
            hit.tracking_number,
            hit.received_at.format("%Y-%m-%d %H:%M UTC"),
            who,
            hit.submitter.category,
            hit.submitter.country
        );
    }
    Ok(())
}

async fn serve(store: StoreArgs, serve: ServeArgs) -> anyhow::Result<()> {
    let backend =
        DatabaseUrl::from_env_value(store.database_url.as_deref(), &store.data_dir).backend_name();
    let app = Application::build(Config {
        store,
        serve,
        clock: Arc::new(SystemClock),
        extractor: None,
    })
    .await?;
    tracing::info!(port = app.port(), backend, "rfidesk listening");
    app.run_until_stopped().await
}

/// Bad rows printed one by one; past this, only counted.
const MAX_REPORTED_ROWS: u64 = 1_000;

fn import_regulations_gov(
    store: &StoreArgs,
    file: &std::path::Path,
    docket_id: &str,
) -> anyhow::Result<()> {
    let mut conn = connect(store)?;
    let docket = docket::find(&mut conn, docket_id)?
        .with_context(|| format!("no such docket: {docket_id}"))?;
    let input = std::fs::File::open(file).with_context(|| format!("opening {}", file.display()))?;
    let size = input.metadata()?.len();
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let bar = indicatif::ProgressBar::new(size).with_style(
        indicatif::ProgressStyle::with_template(
            "{bar:40} {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
        )
        .expect("a valid template"),
    );
    let started = std::time::Instant::now();
    let mut reported = 0u64;
    let counts = crate::import::import(
        &mut conn,
        &docket,
        std::io::BufReader::with_capacity(1 << 20, input),
        &name,
        chrono::Utc::now().naive_utc(),
        |line, why| {
            reported += 1;
            if reported <= MAX_REPORTED_ROWS {
                bar.suspend(|| eprintln!("line {line}: skipped: {why}"));
            }
        },
        |bytes| bar.set_position(bytes),
    );
    bar.finish_and_clear();
    let counts = counts?;
    if counts.refused > MAX_REPORTED_ROWS {
        eprintln!(
            "... and {} more bad rows",
            counts.refused - MAX_REPORTED_ROWS
        );
    }
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "{name} into {docket_id}: {} imported, {} already imported, {} skipped as bad, in {seconds:.1} s ({:.0} rows/s)",
        counts.imported,
        counts.already,
        counts.refused,
        (counts.imported + counts.already + counts.refused) as f64 / seconds.max(1e-9),
    );
    if counts.imported > 0 {
        println!(
            "a running server indexes them now; form-letter campaigns among them are found by \
             `rfidesk campaigns rebuild --docket {docket_id}`"
        );
    }
    Ok(())
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
        DocketCommand::Extend { id, until, notice } => {
            let d = docket::find(&mut conn, &id)?.with_context(|| format!("no docket {id:?}"))?;
            let until = parse_deadline(&until, d.time_zone)?;
            if until <= d.closes_at() {
                bail!(
                    "{id} already closes {}; an extension must be later",
                    d.local(d.closes_at()).format("%Y-%m-%d %H:%M:%S %Z")
                );
            }
            let local = until.with_timezone(&d.time_zone);
            let notice = notice.unwrap_or_else(|| {
                format!(
                    "The comment period is extended to {}.",
                    local.format("%B %-d, %Y, %-I:%M %p %Z")
                )
            });
            if let Some(why) = crate::admin::deadlines::notice_problem(&notice) {
                bail!("--notice {why}");
            }
            crate::db::write_transaction(&mut conn, |conn| {
                docket::change_deadline(conn, &d, until, notice.trim(), "cli", now)
            })?;
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
