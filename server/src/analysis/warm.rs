//! Docket summaries made once after a start, in the background, before
//! staff ask. The first summary after a start runs both passes over every
//! comment with the index's caches cold (1-2.5 s at a million comments);
//! made here, its passes are kept (for the index generation, and the
//! counts per segment across generations), so the first request finds
//! them, and one asking while this runs waits for it rather than running
//! the same passes beside it.

use super::summary;
use super::Analysis;
use crate::db::models::docket;
use crate::domain::search_params::SearchParams;
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// How often to look whether the first index build is done.
const INDEX_POLL: Duration = Duration::from_millis(200);

/// Waits for the index, then summarizes every docket, one at a time (a
/// summary permit each, like a request). A failure is logged and the next
/// docket is tried; a stop ends it.
pub async fn warm_summaries(analysis: Analysis, mut stop: watch::Receiver<bool>) {
    while analysis.search.index().is_none() {
        tokio::select! {
            _ = tokio::time::sleep(INDEX_POLL) => {}
            _ = stop.changed() => return,
        }
    }
    let dockets = match analysis.db(docket::list).await {
        Ok(d) => d,
        Err(e) => {
            tracing::warn!(error = %e, "could not list the dockets to summarize");
            return;
        }
    };
    let params = SearchParams::parse(&[]).expect("no parameters are valid parameters");
    for d in dockets {
        if *stop.borrow() {
            return;
        }
        let started = Instant::now();
        match summary::summarize(&analysis, &d.id, &params).await {
            Ok(_) => {
                tracing::info!(
                    docket = %d.id,
                    ms = started.elapsed().as_millis() as u64,
                    "docket summary made ahead"
                );
                analysis.search.summary_warmed(&d.id);
            }
            Err(e) => tracing::warn!(docket = %d.id, error = %e, "could not summarize a docket"),
        }
    }
}
