//! Form-letter campaigns in the server: the detection library
//! (`rfidesk_indexer::campaigns`) fed from the database, and its results
//! stored. Two ways in:
//!
//! - [`rebuild`]: a whole docket at once (`rfidesk campaigns rebuild`, or
//!   the `campaigns_rebuild` job staff start): the boilerplate profile from
//!   a sample, every comment's fingerprint, the groups, analysts'
//!   corrections applied again, then what is stored replaced.
//! - [`assign`]: one new comment at a time (the `campaigns` job, following
//!   the change feed): its fingerprint against the stored band keys, the
//!   candidates checked, and it joins the campaign of the best.
//!
//! [`summary`] makes a campaign's stored row (size, dates, categories,
//! organizations, signals) from its members.

pub mod assign;
pub mod rebuild;
pub mod summary;

use crate::db::models::campaign::{self, CampaignRow};
use crate::db::models::comment_signal;
use crate::db::{DbConn, DbError};
use rfidesk_indexer::campaigns::signals::Kind;
use rfidesk_indexer::campaigns::Profile;
use rfidesk_indexer::CommentDoc;
use serde::{Deserialize, Serialize};

/// Band keys stored per comment for assignment: the rebuild uses every
/// band in memory; a lookup needs only a few to find one member of a
/// campaign, and each stored key is a row.
pub const STORED_BANDS: usize = 8;
/// Candidates read per band key.
pub const PER_KEY: i64 = 8;

/// What `campaign_profiles.profile` holds.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct DocketProfile {
    pub profile: Profile,
    /// Signals over the whole docket (one email under several names, one
    /// client sending many).
    #[serde(default)]
    pub signals: Vec<StoredSignal>,
}

/// A signal as stored and shown to analysts: its comments by id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredSignal {
    pub kind: Kind,
    pub explanation: String,
    pub comments: Vec<String>,
}

/// The text detection reads: the answers, the general comment and the
/// attachments' text.
pub fn text_of(doc: &CommentDoc) -> String {
    let mut parts: Vec<&str> = doc.answers.iter().map(|(_, t)| t.as_str()).collect();
    if let Some(c) = &doc.comment {
        parts.push(c);
    }
    parts.extend(doc.attachment_texts.iter().map(String::as_str));
    parts.join("\n\n")
}

/// Band keys as the database stores them (BIGINT).
pub fn stored_keys(bands: &[u64]) -> Vec<i64> {
    bands.iter().take(STORED_BANDS).map(|&k| k as i64).collect()
}

/// (comment id, kind) for each comment these signals concern.
pub fn flagged(signals: &[StoredSignal]) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> = signals
        .iter()
        .flat_map(|s| {
            s.comments
                .iter()
                .map(move |c| (c.clone(), s.kind.as_str().to_string()))
        })
        .collect();
    pairs.sort();
    pairs.dedup();
    pairs
}

/// What a campaign flags: nothing while it is smaller than the docket's
/// `min_size` (it is listed nowhere, so it must not flag either).
pub fn flagged_by(row: &CampaignRow, min_size: usize) -> Vec<(String, String)> {
    if (row.size.max(0) as usize) < min_size {
        return Vec::new();
    }
    let signals: Vec<StoredSignal> = serde_json::from_str(&row.signals).unwrap_or_default();
    flagged(&signals)
}

/// Saves a campaign, and what it flags when that changed. Returns the
/// comments whose signals changed (their documents must be re-indexed).
pub fn save(conn: &mut DbConn, row: &CampaignRow, min_size: usize) -> Result<Vec<String>, DbError> {
    let listed = |r: &CampaignRow| r.size.max(0) as usize >= min_size;
    let unchanged = campaign::find(conn, &row.id)?
        .is_some_and(|old| old.signals == row.signals && listed(&old) == listed(row));
    campaign::save(conn, row)?;
    if unchanged {
        return Ok(Vec::new());
    }
    comment_signal::replace_source(conn, &row.docket_id, &row.id, &flagged_by(row, min_size))
}

/// Removes a campaign and what it flagged. Returns the comments whose
/// signals changed.
pub fn delete(conn: &mut DbConn, docket: &str, id: &str) -> Result<Vec<String>, DbError> {
    let changed = comment_signal::replace_source(conn, docket, id, &[])?;
    campaign::delete(conn, id)?;
    Ok(changed)
}
