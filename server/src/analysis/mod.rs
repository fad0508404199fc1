//! The analysis half, free of HTTP: search, and the comment as each
//! audience may see it. Routes and the CLI call the same services and map
//! [`AnalysisError`] to what they answer.

pub mod comment;
pub mod search;
pub mod view;

use crate::db::{DbConn, DbError, Pool};
use crate::dockets::DocketCache;
use crate::search::SearchService;
use rfidesk_indexer::{QueryError, SearchIndex};
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
}

/// What the analysis services work with.
#[derive(Clone)]
pub struct Analysis {
    pub pool: Pool,
    pub search: Arc<SearchService>,
    pub dockets: DocketCache,
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
