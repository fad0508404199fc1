//! The analysis half, free of HTTP: search, the comment as each audience
//! may see it, and coding (the codebook, tags, the audit log). Routes and
//! the CLI call the same services and map [`AnalysisError`] to what they
//! answer.

pub mod agreement;
pub mod audit;
pub mod bulk;
pub mod campaigns;
pub mod codebook;
pub mod comment;
pub mod distinguishing;
pub mod export;
pub mod organizations;
pub mod rules;
pub mod search;
pub mod summary;
pub mod tags;
pub mod view;
pub mod warm;

use crate::db::writer::Writer;
use crate::db::{DbConn, DbError, Pool};
use crate::dockets::DocketCache;
use crate::domain::clock::Clock;
use crate::search::SearchService;
use rfidesk_indexer::{QueryError, SearchIndex};
use std::collections::BTreeMap;
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum AnalysisError {
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("the query could not be read: {0}")]
    InvalidQuery(QueryError),
    /// The first index build is not done yet.
    #[error("the search index is being built")]
    IndexUnavailable,
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("search failed: {0}")]
    Search(String),
    /// The blob store could not keep or read a file.
    #[error("file storage: {0}")]
    Storage(String),
    /// Input that cannot be used, by field (422).
    #[error("invalid input")]
    Invalid(BTreeMap<String, String>),
    /// The change contradicts what is stored (409).
    #[error("{0}")]
    Conflict(String),
    /// The writer has stopped (shutting down).
    #[error("the service is shutting down")]
    Unavailable,
    /// As many of these as a node runs at once are running (503).
    #[error("too many {0} at once")]
    Busy(&'static str),
}

/// What the analysis services work with.
#[derive(Clone)]
pub struct Analysis {
    pub pool: Pool,
    pub search: Arc<SearchService>,
    pub dockets: DocketCache,
    /// Keyed hashes for campaign signals.
    pub keys: crate::keyed_hash::KeyedHash,
    /// Permits for CSV exports running at once ([`export::CONCURRENT`]).
    pub exports: Arc<tokio::sync::Semaphore>,
    /// Permits for summaries running at once ([`summary::CONCURRENT`]).
    pub summaries: Arc<tokio::sync::Semaphore>,
}

/// A query that cannot be read is the caller's to fix (400); anything else
/// the index says is ours.
impl From<rfidesk_indexer::SearchError> for AnalysisError {
    fn from(e: rfidesk_indexer::SearchError) -> Self {
        match e {
            rfidesk_indexer::SearchError::Query(q) => AnalysisError::InvalidQuery(q),
            rfidesk_indexer::SearchError::Tantivy(e) => AnalysisError::Search(e.to_string()),
        }
    }
}

/// What the coding services that change things work with: the reads of
/// [`Analysis`], the one writer, and the clock that dates each change.
#[derive(Clone)]
pub struct Coding {
    pub analysis: Analysis,
    pub writer: Writer,
    pub clock: Arc<dyn Clock>,
}

impl Analysis {
    pub(crate) fn index(&self) -> Result<SearchIndex, AnalysisError> {
        self.search.index().ok_or(AnalysisError::IndexUnavailable)
    }

    /// Runs database reads off the async workers.
    pub(crate) async fn db<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut DbConn) -> Result<T, DbError> + Send + 'static,
    ) -> Result<T, AnalysisError> {
        let pool = self.pool.clone();
        tokio::task::spawn_blocking(move || f(&mut *pool.get()?))
            .await
            .map_err(|e| AnalysisError::Search(format!("a blocking task failed: {e}")))?
            .map_err(AnalysisError::from)
    }

    /// The id of a docket that exists.
    pub(crate) async fn docket_id(&self, docket: &str) -> Result<String, AnalysisError> {
        match self.dockets.get(docket).await? {
            Some(d) => Ok(d.id.clone()),
            None => Err(AnalysisError::NotFound("docket")),
        }
    }

    /// Runs CPU-bound index work off the async workers.
    pub(crate) async fn blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, AnalysisError> {
        tokio::task::spawn_blocking(f)
            .await
            .map_err(|e| AnalysisError::Search(format!("a blocking task failed: {e}")))
    }
}

impl Coding {
    /// Runs a change on the writer's connection; the closure's own
    /// verdict (`Err(AnalysisError)`) is kept apart from database failures.
    pub(crate) async fn write<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut DbConn) -> Result<Result<T, AnalysisError>, DbError> + Send + 'static,
    ) -> Result<Result<T, AnalysisError>, AnalysisError> {
        use crate::db::writer::WriteError;
        self.writer.run_and_wake(f).await.map_err(|e| match e {
            WriteError::Stopped => AnalysisError::Unavailable,
            WriteError::Db(e) => AnalysisError::Db(e),
        })
    }

    pub(crate) fn now(&self) -> chrono::NaiveDateTime {
        self.clock.now().naive_utc()
    }
}

/// Runs `f` in a write transaction that is rolled back, whatever it wrote,
/// when `f` refuses the change: bad input changes nothing.
pub(crate) fn transaction<T>(
    conn: &mut DbConn,
    f: impl FnOnce(&mut DbConn) -> Result<Result<T, AnalysisError>, DbError>,
) -> Result<Result<T, AnalysisError>, DbError> {
    let mut refused = None;
    let result = crate::db::write_transaction(conn, |conn| match f(conn)? {
        Ok(v) => Ok(v),
        Err(e) => {
            refused = Some(e);
            Err(DbError::Repeated("the change was refused".into()))
        }
    });
    match (result, refused) {
        (_, Some(e)) => Ok(Err(e)),
        (Ok(v), None) => Ok(Ok(v)),
        (Err(e), None) => Err(e),
    }
}
