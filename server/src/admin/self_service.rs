//! Submitter self-service: the receipt carries a private link to one's own
//! submission, where it can be read and withdrawn before the deadline. The
//! link's secret is a keyed hash of the tracking number under the server's
//! key: unguessable, the same on every node, and nothing stored for it (so
//! intake pays nothing).

use crate::analysis::{transaction, AnalysisError, Coding};
use crate::db::indexed::{self, touched, Change};
use crate::db::models::audit::{self, NewEntry};
use crate::db::models::{attachment, comment};
use crate::domain::docket::Docket;
use crate::domain::posting::{WithheldReason, WITHHELD};
use crate::domain::tracking_number::TrackingNumber;
use crate::keyed_hash::KeyedHash;
use serde_json::json;
use std::sync::Arc;

const DOMAIN: &str = "self-service";
/// Who the audit log names for a submitter's own change.
pub const ACTOR: &str = "submitter";

/// The path of a submission's private page.
pub fn path(keys: &KeyedHash, tracking_number: &str) -> String {
    format!(
        "/submissions/{tracking_number}/{}",
        keys.of(DOMAIN, tracking_number)
    )
}

/// Whether `given` is the secret of `tracking_number`, compared in time
/// that does not depend on where they differ.
fn holds(keys: &KeyedHash, tracking_number: &str, given: &str) -> bool {
    let want = keys.of(DOMAIN, tracking_number);
    want.len() == given.len()
        && want
            .bytes()
            .zip(given.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

/// One's own submission: the comment, its docket, its files' names.
pub struct Own {
    pub comment: comment::CommentRow,
    pub docket: Arc<Docket>,
    pub files: Vec<String>,
}

impl Own {
    pub fn withdrawn(&self) -> bool {
        self.comment.posting_status == WITHHELD
            && self.comment.withheld_reason.as_deref()
                == Some(WithheldReason::WithdrawnBySubmitter.as_str())
    }
}

/// The submission a private link names; a wrong secret is "not found",
/// like an unknown number, so the page tells nothing to a guesser.
pub async fn load(
    coding: &Coding,
    keys: &KeyedHash,
    tracking_number: &str,
    secret: &str,
) -> Result<Own, AnalysisError> {
    let tn = TrackingNumber::parse(tracking_number).ok_or(AnalysisError::NotFound("submission"))?;
    if !holds(keys, tn.as_str(), secret) {
        return Err(AnalysisError::NotFound("submission"));
    }
    let (comment, files) = coding
        .analysis
        .db(move |conn| {
            let Some(c) = comment::find_by_tracking_number(conn, tn.as_str())? else {
                return Ok(None);
            };
            let files = attachment::for_comment(conn, &c.id)?
                .into_iter()
                .map(|f| f.filename)
                .collect();
            Ok(Some((c, files)))
        })
        .await?
        .ok_or(AnalysisError::NotFound("submission"))?;
    let docket = coding
        .analysis
        .dockets
        .get(&comment.docket_id)
        .await?
        .ok_or(AnalysisError::NotFound("docket"))?;
    Ok(Own {
        comment,
        docket,
        files,
    })
}

/// Withdraws one's own comment before the deadline: withheld, with the
/// reason that the submitter withdrew it (staff see it so; the public no
/// longer does). Withdrawing twice changes nothing.
pub async fn withdraw(
    coding: &Coding,
    keys: &KeyedHash,
    tracking_number: &str,
    secret: &str,
) -> Result<Own, AnalysisError> {
    let mut own = load(coding, keys, tracking_number, secret).await?;
    if own.withdrawn() {
        return Ok(own);
    }
    let now = coding.clock.now();
    if now > own.docket.closes_at() {
        return Err(AnalysisError::Conflict(
            "the comment period has closed: a comment can no longer be withdrawn".into(),
        ));
    }
    let (id, docket_id, tn, from) = (
        own.comment.id.clone(),
        own.comment.docket_id.clone(),
        own.comment.tracking_number.clone(),
        own.comment.posting_status.clone(),
    );
    let at = now.naive_utc();
    coding
        .write(move |conn| {
            transaction(conn, |conn| {
                let changed = touched(conn, std::slice::from_ref(&id), at)?;
                indexed::write(conn, Change::Posting, |conn| {
                    comment::set_posting(
                        conn,
                        &id,
                        WITHHELD,
                        Some(WithheldReason::WithdrawnBySubmitter.as_str()),
                        ACTOR,
                        at,
                    )?;
                    audit::append(
                        conn,
                        &[NewEntry::new(
                            &docket_id,
                            ACTOR,
                            "posting.withdrawn",
                            &tn,
                            json!({"from": from}),
                            at,
                        )],
                    )?;
                    Ok(((), changed))
                })?;
                Ok(Ok(()))
            })
        })
        .await??;
    // What the write changed; the rest of the submission is as read.
    own.comment.posting_status = WITHHELD.to_string();
    own.comment.withheld_reason = Some(WithheldReason::WithdrawnBySubmitter.as_str().to_string());
    Ok(own)
}
