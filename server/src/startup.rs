//! Builds the running application: database, writer, job lanes, search
//! follower, HTTP.

use crate::blobs::BlobStore;
use crate::db::connection::pool;
use crate::db::models::job;
use crate::db::writer::Writer;
use crate::db::{run_migrations, DatabaseUrl};
use crate::dockets::DocketCache;
use crate::domain::clock::Clock;
use crate::feed_signal::FeedSignal;
use crate::http::client::ClientLimiter;
use crate::http::error::ApiError;
use crate::http::request_log::RequestSpan;
use crate::http::throttle::SignInThrottle;
use crate::jobs::extract_text::ExtractText;
use crate::jobs::handoff::Handoff;
use crate::jobs::runner::Runner;
use crate::jobs::send_receipt::{self, SendReceipt};
use crate::mail::transport::Transport;
use crate::search::follower::Follower;
use crate::search::layout::Layout;
use crate::search::SearchService;
use crate::settings::{ServeArgs, StoreArgs};
use crate::state::AppState;
use crate::{codebook_files, docket_files, routes};
use actix_web::dev::{Server, ServerHandle};
use actix_web::{web, App, HttpServer};
use anyhow::Context;
use std::net::TcpListener;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tracing_actix_web::TracingLogger;

pub struct Config {
    pub store: StoreArgs,
    pub serve: ServeArgs,
    pub clock: Arc<dyn Clock>,
    /// What extracts attachment text in a child process; `None`: this
    /// process's own executable.
    pub extractor: Option<crate::extraction::Extractor>,
}

pub struct Application {
    port: u16,
    server: Server,
    writer_thread: std::thread::JoinHandle<()>,
    stop_workers: watch::Sender<bool>,
    /// Follower and job lane threads, and what stops them.
    background: Vec<std::thread::JoinHandle<()>>,
    stop_background: Arc<AtomicBool>,
    signal: Arc<FeedSignal>,
    /// Rings the job lanes' wake-ups at shutdown.
    handoff: Handoff,
}

impl Application {
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        let Config {
            store,
            serve,
            clock,
            extractor,
        } = config;
        std::fs::create_dir_all(&store.data_dir)
            .with_context(|| format!("creating {}", store.data_dir.display()))?;
        let url = DatabaseUrl::from_env_value(store.database_url.as_deref(), &store.data_dir);
        let node = crate::jobs::node::node_id(&store.data_dir).context("the node id file")?;
        {
            let mut conn = url.connect()?;
            run_migrations(&mut conn)?;
            docket_files::load_dir(&mut conn, &serve.dockets, clock.now())?;
            codebook_files::load_dir(&mut conn, &serve.codebooks, clock.now())?;
            crate::db::models::job::ensure_recurring(
                &mut conn,
                crate::jobs::tag_rules::KIND,
                "all",
                clock.now().naive_utc(),
            )?;
            crate::db::models::job::ensure_recurring(
                &mut conn,
                crate::jobs::campaigns::KIND,
                "all",
                clock.now().naive_utc(),
            )?;
            // Jobs this node held when it last stopped or died are due again
            // now, not when their leases lapse. Done before this node can
            // write (and hand itself) new ones.
            let released = job::release_node(&mut conn, &node, clock.now().naive_utc())?;
            if released > 0 {
                tracing::info!(jobs = released, "took back this node's unfinished jobs");
            }
        }
        let pool = pool(&url, 8)?;
        let keys = signal_keys(&mut *pool.get()?)?;
        let blobs = BlobStore::open(store.attachments_dir())?;
        let swept = blobs.sweep_tmp()?;
        if swept > 0 {
            tracing::info!(files = swept, "removed unfinished uploads");
        }

        let signal = Arc::new(FeedSignal::default());
        let (handoff, handed) = Handoff::new(
            &node,
            &[
                send_receipt::KIND,
                crate::jobs::extract_text::KIND,
                crate::jobs::extract_text::LONG_KIND,
                crate::jobs::purge::KIND,
            ],
        );
        let (writer, writer_thread) = Writer::start(&url, handoff.clone(), signal.clone())?;
        let (stop_workers, stop_rx) = watch::channel(false);
        let receipts = SendReceipt {
            transport: Transport::from_settings(
                serve.smtp_url.as_deref(),
                store.data_dir.join("outbox"),
            )?,
            from: serve
                .mail_from
                .parse()
                .context("RFIDESK_MAIL_FROM is not a valid mailbox")?,
            public_url: serve.public_url(),
            keys: keys.clone(),
            runtime: tokio::runtime::Handle::current(),
        };

        let search = Arc::new(SearchService::default());
        let stop_background = Arc::new(AtomicBool::new(false));
        let follower = Follower {
            node: node.clone(),
            writer: writer.clone(),
            runtime: tokio::runtime::Handle::current(),
            clock: clock.clone(),
            url: url.clone(),
            layout: Layout::new(&store.data_dir),
            service: search.clone(),
            signal: signal.clone(),
            stop: stop_background.clone(),
        }
        .start();
        let extractor = match extractor {
            Some(e) => e,
            None => crate::extraction::Extractor::new(
                std::env::current_exe().context("finding this executable")?,
            ),
        };
        let confinement = crate::extraction::sandbox::support();
        tracing::info!(
            landlock_abi = confinement.landlock_abi,
            seccomp = confinement.seccomp,
            "attachment text is read in a confined child process"
        );
        if confinement.landlock_abi == 0 || !confinement.seccomp {
            tracing::warn!("this kernel lacks Landlock or seccomp: the extraction child is confined by resource limits only");
        }
        let lanes = Runner {
            node: node.clone(),
            handed,
            handlers: crate::jobs::handlers(
                receipts,
                (
                    ExtractText::quick(
                        extractor.clone(),
                        blobs.clone(),
                        Duration::from_secs(serve.extraction.extract_quick_seconds),
                        serve.extraction.extract_workers as usize,
                    ),
                    ExtractText::long(
                        extractor,
                        blobs.clone(),
                        Duration::from_secs(serve.extraction.extract_seconds),
                    ),
                ),
                crate::jobs::tag_rules::TagRules::new(search.clone(), serve.tagging_batch as usize),
                (
                    crate::jobs::campaigns::Campaigns {
                        search: search.clone(),
                        keys: keys.clone(),
                        counted: Default::default(),
                    },
                    crate::jobs::campaigns::CampaignsRebuild { keys: keys.clone() },
                ),
                serve.tagging_batch.into(),
            ),
            writer: writer.clone(),
            pool: pool.clone(),
            clock: clock.clone(),
            stop: stop_background.clone(),
            runtime: tokio::runtime::Handle::current(),
        }
        .start();

        let dockets = DocketCache::new(pool.clone());
        let analysis = crate::analysis::Analysis {
            pool: pool.clone(),
            search: search.clone(),
            dockets: dockets.clone(),
            keys: keys.clone(),
            exports: std::sync::Arc::new(tokio::sync::Semaphore::new(
                crate::analysis::export::CONCURRENT,
            )),
            summaries: std::sync::Arc::new(tokio::sync::Semaphore::new(
                crate::analysis::summary::CONCURRENT,
            )),
        };
        let state = web::Data::new(AppState {
            coding: crate::analysis::Coding {
                analysis: analysis.clone(),
                writer: writer.clone(),
                clock: clock.clone(),
            },
            analysis,
            dockets,
            pool,
            writer,
            blobs,
            clock,
            limiter: ClientLimiter::per_minute(serve.rate_limit, "submissions"),
            reading_limiter: ClientLimiter::per_minute(serve.read_rate_limit, "requests"),
            client_ip_header: serve.client_ip_header.clone(),
            search,
            sign_in_throttle: SignInThrottle::new(),
            password_checks: Default::default(),
            secure_cookies: serve.secure_cookies(),
            body_timing: serve.body_timing(),
            keys,
        });
        tokio::spawn(crate::analysis::warm::warm_summaries(
            state.analysis.clone(),
            stop_rx.clone(),
        ));
        if state.limiter.is_some() || state.reading_limiter.is_some() {
            tokio::spawn(forget_idle_clients(
                Arc::downgrade(&state.clone().into_inner()),
                stop_rx,
            ));
        }

        let listener =
            TcpListener::bind(serve.bind).with_context(|| format!("binding {}", serve.bind))?;
        let port = listener.local_addr()?.port();
        let mut server = HttpServer::new(move || {
            App::new()
                .wrap(actix_web::middleware::from_fn(
                    crate::http::private::private_responses,
                ))
                .wrap(security_headers())
                .wrap(TracingLogger::<RequestSpan>::new())
                .app_data(state.clone())
                .configure(routes::configure)
                .default_service(web::to(|| async {
                    Err::<actix_web::HttpResponse, _>(ApiError::not_found("page"))
                }))
        })
        .listen(listener)?
        // In-flight submissions get this long to finish after SIGTERM.
        .shutdown_timeout(30);
        if let Some(n) = serve.workers {
            server = server.workers(n);
        }
        Ok(Application {
            port,
            server: server.run(),
            writer_thread,
            stop_workers,
            background: std::iter::once(follower).chain(lanes).collect(),
            stop_background,
            signal,
            handoff,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    /// Serves until stopped (SIGTERM, SIGINT or `handle().stop()`), then lets
    /// the writer commit what was queued and stops the background threads.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        let served = self.server.await;
        let _ = self.stop_workers.send(true);
        // The follower commits what it applied; each job lane settles what
        // it finished (the receipts it sent) and leaves the rest leased.
        self.stop_background.store(true, Ordering::Relaxed);
        self.signal.notify();
        self.handoff.wake_all();
        let background = self.background;
        let _ = tokio::task::spawn_blocking(move || {
            for thread in background {
                let _ = thread.join();
            }
        })
        .await;
        // The server's handles to the writer are gone now; its thread ends
        // once the queue is empty.
        let writer = self.writer_thread;
        tokio::task::spawn_blocking(move || writer.join())
            .await?
            .map_err(|_| anyhow::anyhow!("the writer thread panicked"))?;
        served.context("HTTP server failed")
    }
}

/// Headers every response carries. Pages load only their own CSS and
/// script (no inline code), so the policy can forbid everything else.
fn security_headers() -> actix_web::middleware::DefaultHeaders {
    actix_web::middleware::DefaultHeaders::new()
        .add(("X-Content-Type-Options", "nosniff"))
        .add(("X-Frame-Options", "DENY"))
        .add(("Referrer-Policy", "same-origin"))
        .add((
            "Content-Security-Policy",
            "default-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ))
}

async fn forget_idle_clients(state: std::sync::Weak<AppState>, mut stop: watch::Receiver<bool>) {
    loop {
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(60)) => {}
            _ = stop.changed() => return,
        }
        match state.upgrade() {
            Some(s) => {
                for limiter in [&s.limiter, &s.reading_limiter].into_iter().flatten() {
                    limiter.forget_idle();
                }
            }
            None => return,
        }
    }
}

/// The key of the keyed hashes behind campaign signals, made once per
/// deployment and shared by its nodes.
pub fn signal_keys(conn: &mut crate::db::DbConn) -> anyhow::Result<crate::keyed_hash::KeyedHash> {
    use crate::keyed_hash::KeyedHash;
    let key = crate::db::models::server_secret::get_or_create(
        conn,
        KeyedHash::SECRET_NAME,
        KeyedHash::generate,
    )?;
    Ok(KeyedHash::new(&key))
}
