//! Test harness: the real server on port 0, a real database (a SQLite file
//! in a temporary directory, or a fresh PostgreSQL database when
//! TEST_DATABASE_URL is set), and a real SMTP server on loopback.

use chrono::{DateTime, Utc};
use diesel::connection::SimpleConnection;
use diesel::Connection;
use rfidesk::db::{DatabaseUrl, DbConn};
use rfidesk::domain::clock::ManualClock;
use rfidesk::settings::{ServeArgs, StoreArgs};
use rfidesk::startup::{Application, Config};
use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub const DOCKET: &str = "ai-exports-rfi";

pub fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

/// A moment when the fixture docket is open.
pub fn open_time() -> DateTime<Utc> {
    utc("2026-11-10T15:00:00Z")
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A database for one test, dropped with it.
pub struct TestDb {
    pub url: Option<String>,
    admin_url: Option<String>,
    name: String,
}

impl TestDb {
    pub fn create(backend: Backend) -> TestDb {
        match backend {
            Backend::Sqlite => TestDb {
                url: None,
                admin_url: None,
                name: String::new(),
            },
            Backend::Postgres => {
                let admin = std::env::var("TEST_DATABASE_URL").expect("TEST_DATABASE_URL");
                let name = format!("rfidesk_t_{}", uuid::Uuid::new_v4().simple());
                let mut conn =
                    diesel::PgConnection::establish(&admin).expect("connect to TEST_DATABASE_URL");
                conn.batch_execute(&format!("CREATE DATABASE {name}"))
                    .unwrap();
                let base = admin.rsplit_once('/').map(|(b, _)| b).unwrap();
                TestDb {
                    url: Some(format!("{base}/{name}")),
                    admin_url: Some(admin),
                    name,
                }
            }
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some(admin) = &self.admin_url {
            if let Ok(mut conn) = diesel::PgConnection::establish(admin) {
                let _ = conn.batch_execute(&format!(
                    "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                    self.name
                ));
            }
        }
    }
}

/// Runs a test on SQLite, or on PostgreSQL when TEST_DATABASE_URL is set.
pub fn postgres_available() -> bool {
    std::env::var("TEST_DATABASE_URL").is_ok_and(|v| !v.is_empty())
}

/// Defines `NAME::sqlite` and `NAME::postgres` tests from `async fn NAME(Backend)`.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name($crate::helpers::Backend::Sqlite).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if !$crate::helpers::postgres_available() {
                    eprintln!("TEST_DATABASE_URL not set: PostgreSQL variant not run");
                    return;
                }
                super::$name($crate::helpers::Backend::Postgres).await
            }
        }
    )*};
}

pub struct TestAppBuilder {
    backend: Backend,
    rate_limit: u32,
    read_rate_limit: u32,
    smtp_url: Option<String>,
    now: DateTime<Utc>,
    late_policy: Option<&'static str>,
    public_url: Option<String>,
    body_timeout: u64,
    tagging_batch: u32,
    extractor: Option<PathBuf>,
    extraction: rfidesk::settings::ExtractionArgs,
    shared_db: Option<String>,
    shared_attachments: Option<PathBuf>,
    reuse: Option<(tempfile::TempDir, TestDb)>,
}

impl TestAppBuilder {
    pub fn rate_limit(mut self, per_minute: u32) -> Self {
        self.rate_limit = per_minute;
        self
    }
    pub fn read_rate_limit(mut self, per_minute: u32) -> Self {
        self.read_rate_limit = per_minute;
        self
    }
    pub fn smtp(mut self, url: String) -> Self {
        self.smtp_url = Some(url);
        self
    }
    pub fn at(mut self, now: DateTime<Utc>) -> Self {
        self.now = now;
        self
    }
    pub fn late_policy(mut self, policy: &'static str) -> Self {
        self.late_policy = Some(policy);
        self
    }
    pub fn public_url(mut self, url: &str) -> Self {
        self.public_url = Some(url.to_string());
        self
    }
    /// The program run as `PROGRAM extract-text ...` (default: rfidesk).
    pub fn extractor(mut self, program: PathBuf) -> Self {
        self.extractor = Some(program);
        self
    }
    /// Files read at once, and the short and full budgets in seconds.
    pub fn extraction(mut self, workers: u32, quick: u64, full: u64) -> Self {
        self.extraction = rfidesk::settings::ExtractionArgs {
            extract_workers: workers,
            extract_quick_seconds: quick,
            extract_seconds: full,
        };
        self
    }
    /// A second node: its own data directory and index, the database and
    /// the attachments of `other` (PostgreSQL), which stay `other`'s.
    pub fn sharing_database_of(mut self, other: &TestApp) -> Self {
        self.shared_db = other.store.database_url.clone();
        self.shared_attachments = Some(other.store.attachments_dir());
        self
    }
    /// Seconds a request body may take (the grace period is half of it).
    pub fn body_timeout(mut self, secs: u64) -> Self {
        self.body_timeout = secs;
        self
    }
    /// Comments one bulk-tag write or rule window takes.
    pub fn tagging_batch(mut self, n: u32) -> Self {
        self.tagging_batch = n;
        self
    }

    pub async fn start(self) -> TestApp {
        // Server logs appear with a failing test's output (RUST_LOG to tune).
        let _ = tracing_subscriber::fmt()
            .with_env_filter(
                tracing_subscriber::EnvFilter::try_from_default_env()
                    .unwrap_or_else(|_| "warn".into()),
            )
            .with_test_writer()
            .try_init();
        let (dir, db) = match (self.reuse, &self.shared_db) {
            (Some(kept), _) => kept,
            (None, Some(url)) => (
                tempfile::tempdir().unwrap(),
                TestDb {
                    url: Some(url.clone()),
                    admin_url: None,
                    name: String::new(),
                },
            ),
            (None, None) => (tempfile::tempdir().unwrap(), TestDb::create(self.backend)),
        };
        let dockets = dir.path().join("dockets");
        std::fs::create_dir_all(&dockets).unwrap();
        let fixture = std::fs::read_to_string(fixture_path()).unwrap();
        let fixture = match self.late_policy {
            Some(p) => fixture.replace(
                "late_policy = \"reject\"",
                &format!("late_policy = \"{p}\""),
            ),
            None => fixture,
        };
        std::fs::write(dockets.join("ai-exports-rfi.toml"), fixture).unwrap();
        let clock = ManualClock::new(self.now);
        let store = StoreArgs {
            data_dir: dir.path().join("data"),
            database_url: db.url.clone(),
            attachments_dir: self.shared_attachments.clone(),
        };
        let serve = ServeArgs {
            bind: "127.0.0.1:0".parse().unwrap(),
            dockets,
            codebooks: Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/codebooks"),
            smtp_url: self.smtp_url.clone(),
            mail_from: "RFI Desk <receipts@rfidesk.example>".into(),
            rate_limit: self.rate_limit,
            read_rate_limit: self.read_rate_limit,
            client_ip_header: None,
            public_url: self.public_url.clone(),
            workers: Some(2),
            body_min_rate: 1024,
            body_timeout: self.body_timeout,
            tagging_batch: self.tagging_batch,
            extraction: self.extraction.clone(),
        };
        let app = Application::build(Config {
            store: store.clone(),
            serve,
            clock: Arc::new(clock.clone()),
            // A test's wrapper script hands over to rfidesk.
            extractor: Some(rfidesk::extraction::Extractor {
                program: self
                    .extractor
                    .clone()
                    .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_rfidesk"))),
                hands_over_to: vec![PathBuf::from(env!("CARGO_BIN_EXE_rfidesk"))],
            }),
        })
        .await
        .expect("application starts");
        let port = app.port();
        let handle = app.handle();
        let running = tokio::spawn(app.run_until_stopped());
        TestApp {
            address: format!("http://127.0.0.1:{port}"),
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            clock,
            store,
            handle,
            running,
            backend: self.backend,
            smtp_url: self.smtp_url,
            rate_limit: self.rate_limit,
            read_rate_limit: self.read_rate_limit,
            late_policy: self.late_policy,
            public_url: self.public_url,
            body_timeout: self.body_timeout,
            tagging_batch: self.tagging_batch,
            extractor: self.extractor,
            extraction: self.extraction,
            dir,
            db,
        }
    }
}

/// The real `rfidesk` binary serving `data_dir` (and the test database), as
/// deployed: fixture dockets, no rate limit, `info` logs on stdout.
pub struct Served {
    pub child: std::process::Child,
    pub base: String,
    /// Log lines read up to the one announcing the port.
    pub log: Vec<String>,
    /// Every later log line.
    pub lines: std::sync::mpsc::Receiver<String>,
}

pub fn serve_binary(data_dir: &Path, db: &TestDb) -> Served {
    serve_binary_with(data_dir, db, &[])
}

/// [`serve_binary`] with more environment (another node's shared
/// attachments directory, say).
pub fn serve_binary_with(data_dir: &Path, db: &TestDb, env: &[(&str, &Path)]) -> Served {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_rfidesk"));
    cmd.envs(env.iter().map(|(k, v)| (*k, v.as_os_str())));
    cmd.env("RFIDESK_BIND", "127.0.0.1:0")
        .env("RFIDESK_DATA_DIR", data_dir)
        .env("RFIDESK_DOCKETS", fixture_path().parent().unwrap())
        .env(
            "RFIDESK_CODEBOOKS",
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/codebooks"),
        )
        .env("RFIDESK_RATE_LIMIT", "0")
        .env("RUST_LOG", "info")
        .env_remove("DATABASE_URL")
        .env_remove("RFIDESK_SMTP_URL")
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    if let Some(url) = &db.url {
        cmd.env("DATABASE_URL", url);
    }
    let mut child = cmd.spawn().unwrap();
    let stdout = child.stdout.take().unwrap();
    let (lines_tx, lines) = std::sync::mpsc::channel::<String>();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = lines_tx.send(line);
        }
    });
    let mut log = Vec::new();
    let port = loop {
        let line = lines
            .recv_timeout(Duration::from_secs(60))
            .expect("server starts");
        log.push(line.clone());
        if let Some(rest) = line.split("port=").nth(1) {
            break rest
                .split_whitespace()
                .next()
                .unwrap()
                .parse::<u16>()
                .unwrap();
        }
    };
    Served {
        child,
        base: format!("http://127.0.0.1:{port}"),
        log,
        lines,
    }
}

/// A file of `fixtures/attachments`.
pub fn attachment_fixture(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../fixtures/attachments")
            .join(name),
    )
    .unwrap()
}

pub fn fixture_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/dockets/ai-exports-rfi.toml")
}

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub clock: ManualClock,
    pub store: StoreArgs,
    pub backend: Backend,
    handle: actix_web::dev::ServerHandle,
    running: tokio::task::JoinHandle<anyhow::Result<()>>,
    smtp_url: Option<String>,
    rate_limit: u32,
    read_rate_limit: u32,
    late_policy: Option<&'static str>,
    public_url: Option<String>,
    body_timeout: u64,
    tagging_batch: u32,
    extractor: Option<PathBuf>,
    extraction: rfidesk::settings::ExtractionArgs,
    dir: tempfile::TempDir,
    db: TestDb,
}

impl TestApp {
    pub fn builder(backend: Backend) -> TestAppBuilder {
        TestAppBuilder {
            backend,
            rate_limit: 0,
            read_rate_limit: 0,
            smtp_url: None,
            now: open_time(),
            late_policy: None,
            public_url: None,
            body_timeout: 600,
            tagging_batch: 5_000,
            extractor: None,
            extraction: Default::default(),
            shared_db: None,
            shared_attachments: None,
            reuse: None,
        }
    }

    pub async fn spawn(backend: Backend) -> TestApp {
        Self::builder(backend).start().await
    }

    /// Stops gracefully (as on SIGTERM) and waits until the writer has
    /// committed everything it acknowledged.
    pub async fn stop(self) -> StoppedApp {
        self.handle.stop(true).await;
        self.running.await.unwrap().expect("clean shutdown");
        StoppedApp {
            builder: TestAppBuilder {
                backend: self.backend,
                rate_limit: self.rate_limit,
                read_rate_limit: self.read_rate_limit,
                smtp_url: self.smtp_url,
                now: self.clock.now_value(),
                late_policy: self.late_policy,
                public_url: self.public_url,
                body_timeout: self.body_timeout,
                tagging_batch: self.tagging_batch,
                extractor: self.extractor,
                extraction: self.extraction,
                shared_db: None,
                shared_attachments: self.store.attachments_dir.clone(),
                reuse: Some((self.dir, self.db)),
            },
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub async fn get_status(&self, path: &str) -> u16 {
        self.client
            .get(self.url(path))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    }

    /// A multipart request to `path` (the API or the HTML form).
    pub async fn post_multipart(
        &self,
        path: &str,
        form: reqwest::multipart::Form,
    ) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .multipart(form)
            .send()
            .await
            .unwrap()
    }

    pub async fn get_json(&self, path: &str) -> serde_json::Value {
        self.client
            .get(self.url(path))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    pub async fn get_text(&self, path: &str) -> String {
        self.client
            .get(self.url(path))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    /// A submission carrying an `Idempotency-Key`, ready to send.
    pub fn keyed(&self, key: &str, body: &serde_json::Value) -> reqwest::RequestBuilder {
        self.client
            .post(self.url(&format!("/api/v1/dockets/{DOCKET}/comments")))
            .header("Idempotency-Key", key)
            .json(body)
    }

    /// Submits `body` through the JSON API, expecting a 201; returns the
    /// tracking number.
    pub async fn submit(&self, body: &serde_json::Value) -> String {
        let res = self.post_json(body).await;
        assert_eq!(res.status(), 201);
        res.json::<serde_json::Value>().await.unwrap()["tracking_number"]
            .as_str()
            .unwrap()
            .to_string()
    }

    pub async fn post_json(&self, body: &serde_json::Value) -> reqwest::Response {
        self.client
            .post(self.url(&format!("/api/v1/dockets/{DOCKET}/comments")))
            .json(body)
            .send()
            .await
            .unwrap()
    }

    pub async fn post_raw(
        &self,
        content_type: &str,
        body: impl Into<reqwest::Body>,
    ) -> reqwest::Response {
        self.client
            .post(self.url(&format!("/api/v1/dockets/{DOCKET}/comments")))
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .unwrap()
    }

    /// A connection to the same database the server uses, for checking what
    /// was (or was not) stored.
    pub fn db(&self) -> DbConn {
        DatabaseUrl::from_env_value(self.store.database_url.as_deref(), &self.store.data_dir)
            .connect()
            .unwrap()
    }

    pub fn comment_count(&self) -> i64 {
        rfidesk::db::models::comment::count(&mut self.db()).unwrap()
    }

    pub fn blob_files(&self) -> usize {
        count_files(&self.store.attachments_dir())
    }

    /// Runs the `rfidesk` binary against this app's data.
    pub fn cli(&self, args: &[&str]) -> std::process::Output {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_rfidesk"));
        cmd.args(args)
            .env("RFIDESK_DATA_DIR", &self.store.data_dir)
            .env_remove("DATABASE_URL");
        if let Some(url) = &self.store.database_url {
            cmd.env("DATABASE_URL", url);
        }
        cmd.output().unwrap()
    }
}

impl TestApp {
    /// Creates an account with the CLI (password on stdin); returns its API token.
    pub fn user(&self, name: &str, role: &str, password: &str) -> String {
        use std::io::Write;
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_rfidesk"));
        cmd.args(["user", "add", name, "--role", role, "--password-stdin"])
            .env("RFIDESK_DATA_DIR", &self.store.data_dir)
            .env_remove("DATABASE_URL")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        if let Some(url) = &self.store.database_url {
            cmd.env("DATABASE_URL", url);
        }
        let mut child = cmd.spawn().unwrap();
        writeln!(child.stdin.take().unwrap(), "{password}").unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "user add failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .last()
            .expect("a token line")
            .to_string()
    }

    /// GET with a bearer token.
    pub async fn get_as(&self, token: &str, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
    }

    /// Submits the standard comment with one attachment; returns its
    /// tracking number.
    pub async fn submit_with_file(&self, name: &str, bytes: Vec<u8>) -> String {
        let form = reqwest::multipart::Form::new()
            .text("comment", comment_body().to_string())
            .part(
                "attachments",
                reqwest::multipart::Part::bytes(bytes).file_name(name.to_string()),
            );
        let res = self
            .post_multipart(&format!("/api/v1/dockets/{DOCKET}/comments"), form)
            .await;
        assert_eq!(res.status(), 201, "{name}");
        res.json::<serde_json::Value>().await.unwrap()["tracking_number"]
            .as_str()
            .unwrap()
            .to_string()
    }

    /// The comment once its first attachment's text is no longer pending.
    pub async fn first_file_settled(&self, token: &str, tn: &str) -> serde_json::Value {
        eventually(Duration::from_secs(60), "extraction to finish", || async {
            let c = self
                .json_as(token, &format!("/api/v1/comments/{tn}"), 200)
                .await;
            (c["attachments"][0]["text_status"] != "pending").then_some(c)
        })
        .await
    }

    /// GET a JSON answer with a bearer token, asserting the status.
    pub async fn json_as(&self, token: &str, path: &str, status: u16) -> serde_json::Value {
        let res = self.get_as(token, path).await;
        let got = res.status().as_u16();
        let text = res.text().await.unwrap();
        assert_eq!(got, status, "GET {path}: {text}");
        serde_json::from_str(&text).unwrap_or(serde_json::Value::Null)
    }

    /// `GET /api/v1/search` with these query-string pairs, once the first
    /// index build is done (503 `index_unavailable` until then).
    pub async fn search(&self, token: &str, pairs: &[(&str, &str)]) -> serde_json::Value {
        let qs = serde_urlencoded::to_string(pairs).unwrap();
        let path = format!("/api/v1/search?{qs}");
        eventually(Duration::from_secs(30), "the first index build", || async {
            let res = self.get_as(token, &path).await;
            if res.status() == 503 {
                return None;
            }
            let status = res.status().as_u16();
            let text = res.text().await.unwrap();
            assert_eq!(status, 200, "GET {path}: {text}");
            Some(serde_json::from_str(&text).unwrap())
        })
        .await
    }

    /// Waits until campaign assignment has read the whole change feed
    /// (its own changes included): the feed then stands still.
    pub async fn campaigns_settled(&self) {
        use diesel::prelude::*;
        use rfidesk::db::schema::{campaign_profiles, change_feed};
        eventually(
            Duration::from_secs(30),
            "campaign assignment to catch up",
            || async {
                let mut conn = self.db();
                let head: Option<i64> = change_feed::table
                    .select(diesel::dsl::max(change_feed::seq))
                    .first(&mut conn)
                    .unwrap();
                let checked: Option<i64> = campaign_profiles::table
                    .select(diesel::dsl::min(campaign_profiles::checked_seq))
                    .first(&mut conn)
                    .unwrap();
                (checked.is_some() && checked >= head).then_some(())
            },
        )
        .await
    }

    /// Waits until the index holds every comment in the database.
    pub async fn index_caught_up(&self, token: &str) -> i64 {
        let want = self.comment_count();
        eventually(Duration::from_secs(30), "the index to catch up", || async {
            let res = self.get_as(token, "/api/v1/search?q=*&per_page=1").await;
            if res.status() != 200 {
                return None; // 503 while the index is first built
            }
            let r: serde_json::Value = res.json().await.unwrap();
            (r["total"].as_i64() == Some(want)).then_some(want)
        })
        .await
    }
}

fn count_files(dir: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .filter_map(Result::ok)
        .map(|e| {
            if e.path().is_dir() {
                count_files(&e.path())
            } else {
                1
            }
        })
        .sum()
}

pub struct StoppedApp {
    builder: TestAppBuilder,
}

impl StoppedApp {
    pub async fn restart(self) -> TestApp {
        self.builder.start().await
    }
}

pub trait ClockExt {
    fn now_value(&self) -> DateTime<Utc>;
}

impl ClockExt for ManualClock {
    fn now_value(&self) -> DateTime<Utc> {
        use rfidesk::domain::clock::Clock;
        self.now()
    }
}

/// Polls `check` until it returns Some, or fails after `within`.
pub async fn eventually<T, F, Fut>(within: Duration, what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + within;
    loop {
        if let Some(v) = check().await {
            return v;
        }
        if tokio::time::Instant::now() > deadline {
            panic!("timed out after {within:?} waiting for {what}");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A valid comment from an organization.
/// A loopback port that nothing listens on (free when asked).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A submission to `base`'s fixture docket: JSON, or multipart with the
/// comment and one file when there is one.
pub fn submission(
    client: &reqwest::Client,
    base: &str,
    body: &serde_json::Value,
    file: Option<&[u8]>,
) -> reqwest::RequestBuilder {
    let url = format!("{base}/api/v1/dockets/{DOCKET}/comments");
    match file {
        Some(bytes) => client.post(url).multipart(
            reqwest::multipart::Form::new()
                .text("comment", body.to_string())
                .part(
                    "attachments",
                    reqwest::multipart::Part::bytes(bytes.to_vec()).file_name("notes.txt"),
                ),
        ),
        None => client.post(url).json(body),
    }
}

pub fn comment_body() -> serde_json::Value {
    serde_json::json!({
        "submitter": {"type": "organization", "first_name": "Ada", "last_name": "Byron",
                      "organization": "Example AI Inc.", "organization_type": "company",
                      "category": "ai-developer", "country": "US", "state_province": "VA",
                      "email": "ada@example.com"},
        "answers": {"regions": "Southeast Asia, starting with Malaysia and Thailand.",
                    "standards": "Engage early in ISO/IEC JTC 1/SC 42."},
        "comment": "We support the program.",
        "business_confidential": false,
        "signatories": 1,
        "send_receipt": true
    })
}

/// An SMTP server on loopback that keeps what it receives. While
/// `refusing` is set it answers every message with a temporary failure.
#[derive(Clone, Default)]
pub struct SmtpSink {
    pub messages: Arc<Mutex<Vec<Delivered>>>,
    pub refusing: Arc<std::sync::atomic::AtomicBool>,
    current: Arc<Mutex<Delivered>>,
}

#[derive(Clone, Debug, Default)]
pub struct Delivered {
    pub to: Vec<String>,
    pub data: String,
}

impl mailin_embedded::Handler for SmtpSink {
    fn data_start(
        &mut self,
        _domain: &str,
        _from: &str,
        _is8bit: bool,
        to: &[String],
    ) -> mailin_embedded::Response {
        if self.refusing.load(std::sync::atomic::Ordering::SeqCst) {
            return mailin_embedded::response::INTERNAL_ERROR;
        }
        *self.current.lock().unwrap() = Delivered {
            to: to.to_vec(),
            data: String::new(),
        };
        mailin_embedded::response::OK
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.current
            .lock()
            .unwrap()
            .data
            .push_str(&String::from_utf8_lossy(buf));
        Ok(())
    }

    fn data_end(&mut self) -> mailin_embedded::Response {
        let done = std::mem::take(&mut *self.current.lock().unwrap());
        self.messages.lock().unwrap().push(done);
        mailin_embedded::response::OK
    }
}

impl SmtpSink {
    /// Starts the server; returns it and its `smtp://` URL.
    pub fn start() -> (SmtpSink, String) {
        Self::start_on(0)
    }

    /// Starts the server on a given loopback port (0: any).
    pub fn start_on(port: u16) -> (SmtpSink, String) {
        let sink = SmtpSink::default();
        let listener = std::net::TcpListener::bind(("127.0.0.1", port)).unwrap();
        let url = format!("smtp://{}", listener.local_addr().unwrap());
        let mut server = mailin_embedded::Server::new(sink.clone());
        server.with_name("sink.test").with_tcp_listener(listener);
        std::thread::spawn(move || {
            let _ = server.serve();
        });
        (sink, url)
    }

    pub fn delivered(&self) -> Vec<Delivered> {
        self.messages.lock().unwrap().clone()
    }
}
