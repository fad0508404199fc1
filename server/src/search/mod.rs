//! The server's side of search: the index generation in use, the follower
//! that keeps it up to date from the change feed, rebuilds, and the
//! comment documents it indexes.

pub mod documents;
pub mod follower;
pub mod layout;
pub mod rebuild;

use rfidesk_indexer::SearchIndex;
use serde::Serialize;
use std::sync::RwLock;

/// What the handlers search, and what the follower reports.
#[derive(Default)]
pub struct SearchService {
    index: RwLock<Option<SearchIndex>>,
    /// The same generation's public index (`reading_room`).
    public: RwLock<Option<SearchIndex>>,
    status: RwLock<IndexStatus>,
    /// Counts the follower's publications: what waits for the index to
    /// show more (rule tags on new comments) waits on it.
    pub published: crate::feed_signal::FeedSignal,
    /// Dockets whose summary was made ahead, after the start.
    warmed: RwLock<Vec<String>>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct IndexStatus {
    /// `starting`, `rebuilding`, `following` or `failing`.
    pub state: &'static str,
    /// Last change-feed sequence visible to searches.
    pub applied_seq: i64,
    /// Documents visible to searches.
    pub documents: u64,
    /// Documents of the public index (posted comments).
    pub public_documents: u64,
    pub generation: String,
    /// Dockets whose summary was made after the start, before anyone
    /// asked (`analysis::warm`).
    pub summaries_warmed: Vec<String>,
}

impl SearchService {
    /// The index to search, once the first build is done.
    pub fn index(&self) -> Option<SearchIndex> {
        self.index.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// The public index, set together with the staff one.
    pub fn public_index(&self) -> Option<SearchIndex> {
        self.public
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    pub fn status(&self) -> IndexStatus {
        let mut status = self
            .status
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        status.summaries_warmed = self
            .warmed
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        status
    }

    pub(crate) fn summary_warmed(&self, docket: &str) {
        self.warmed
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .push(docket.to_string());
    }

    pub(crate) fn set_index(&self, index: SearchIndex, public: SearchIndex) {
        *self.public.write().unwrap_or_else(|e| e.into_inner()) = Some(public);
        *self.index.write().unwrap_or_else(|e| e.into_inner()) = Some(index);
    }

    pub(crate) fn set_status(&self, status: IndexStatus) {
        *self.status.write().unwrap_or_else(|e| e.into_inner()) = status;
        self.published.notify();
    }

    pub(crate) fn set_state(&self, state: &'static str) {
        self.status.write().unwrap_or_else(|e| e.into_inner()).state = state;
    }
}
