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
