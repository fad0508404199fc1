//! Taking a comment: the steps every way in (JSON, multipart, HTML form)
//! shares once the input has been read.

use crate::blobs::BlobStore;
use crate::blobs::PendingBlob;
use crate::db::models::attachment::AttachmentRow;
use crate::db::models::comment::{CommentRow, PENDING_REVIEW};
use crate::db::writer::{IdempotencyClaim, NewComment, Outcome, WriteError, Writer};
use crate::domain::attachment::FileKind;
use crate::domain::docket::{Docket, Intake};
use crate::domain::submission::{FieldErrors, RawSubmission, Submission};
use crate::domain::tracking_number::TrackingNumber;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// A file that passed its checks while it streamed in (size, count, type
/// by content), waiting in temporary storage; dropped, it is removed.
pub struct ReceivedFile {
    pub filename: String,
    pub kind: FileKind,
    pub blob: PendingBlob,
}

/// The answer to an accepted comment (the 201 body), stored with an
/// idempotency key so a retry gets it again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Accepted {
    pub tracking_number: String,
    pub received_at: DateTime<Utc>,
    pub docket: String,
    pub late: bool,
    pub receipt: ReceiptState,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReceiptState {
    Queued,
    NotRequested,
}

/// How a submission was taken.
#[derive(Debug)]
pub enum Submitted {
    Created(Accepted),
    /// Same key, same body, within the window: the first answer again.
    Replayed(Accepted),
}

fn answer(json: &str) -> Result<Accepted, IntakeError> {
    serde_json::from_str(json).map_err(|e| {
        tracing::error!(error = %e, "a stored answer could not be read");
        IntakeError::Internal
    })
}

#[derive(Debug)]
pub enum IntakeError {
    NotYetOpen { opens_at: DateTime<Utc> },
    Closed { closes_at: DateTime<Utc> },
    Invalid(FieldErrors),
    IdempotencyKeyReused,
    Unavailable,
    Internal,
}

/// Is the docket taking comments at `now`? Checked before the body is read,
/// so nobody uploads 200 MB to a closed docket.
pub fn check_period(docket: &Docket, now: DateTime<Utc>) -> Result<bool, IntakeError> {
    match docket.intake_at(now) {
        Intake::Open => Ok(false),
        Intake::Late => Ok(true),
        Intake::NotYetOpen => Err(IntakeError::NotYetOpen {
            opens_at: docket.opens_at,
        }),
        Intake::Closed => Err(IntakeError::Closed {
            closes_at: docket.closes_at(),
        }),
    }
}

/// SHA-256 over the parts of a request, each length-prefixed so that
/// moving bytes between parts changes the hash.
pub fn content_hash(parts: &[&[u8]]) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update((part.len() as u64).to_be_bytes());
        hasher.update(part);
    }
    hex::encode(hasher.finalize())
}

/// A client's `Idempotency-Key`, bound to the hash of what it was sent with.
pub fn idempotency_claim(
    key: Option<&str>,
    request_hash: String,
) -> Result<Option<IdempotencyClaim>, IntakeError> {
    let Some(key) = key.map(str::trim) else {
        return Ok(None);
    };
    if key.is_empty() || key.len() > 255 || !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(IntakeError::Invalid(
            [(
                "Idempotency-Key".to_string(),
                "must be 1-255 visible ASCII characters".to_string(),
            )]
            .into(),
        ));
    }
    Ok(Some(IdempotencyClaim {
        key: key.to_string(),
        request_hash,
    }))
}

/// Validates, stores the attachments, and commits the comment. `received_at`
/// is when the request arrived: a slow upload that started before the
/// deadline is on time.
/// When a comment arrived, and from which client (a keyed hash of its
/// address, for the "one client" signal).
pub struct Arrival {
    pub received_at: DateTime<Utc>,
    pub client_key: Option<String>,
}

pub async fn submit(
    writer: &Writer,
    blobs: &BlobStore,
    docket: &Docket,
    raw: RawSubmission,
    files: Vec<ReceivedFile>,
    idempotency: Option<IdempotencyClaim>,
    arrival: Arrival,
) -> Result<Submitted, IntakeError> {
    let Arrival {
        received_at,
        client_key,
    } = arrival;
    let late = match check_period(docket, received_at) {
        Ok(late) => late,
        Err(closed) => {
            // A client retrying, after the deadline, a comment that was taken
            // before it gets the first answer, not a refusal.
            if let Some(claim) = &idempotency {
                match writer.earlier_answer(&docket.id, claim, received_at).await {
                    Ok(Some(Outcome::Replayed(first))) => {
                        return Ok(Submitted::Replayed(answer(&first)?))
                    }
                    Ok(_) => {}
                    Err(WriteError::Stopped) => return Err(IntakeError::Unavailable),
                    Err(WriteError::Db(_)) => return Err(IntakeError::Internal),
                }
            }
            return Err(closed);
        }
    };
    let submission = Submission::parse(raw, docket, files.len()).map_err(IntakeError::Invalid)?;

    // Time-ordered ids (UUIDv7): new rows append to the primary-key index
    // instead of landing at random places in it.
    let comment_id = uuid::Uuid::now_v7().to_string();
    let received = received_at.naive_utc();
    let mut attachments = Vec::with_capacity(files.len());
    for (position, file) in files.into_iter().enumerate() {
        attachments.push(AttachmentRow {
            id: uuid::Uuid::now_v7().to_string(),
            comment_id: comment_id.clone(),
            position: position as i32,
            filename: file.filename,
            kind: file.kind.name().to_string(),
            size_bytes: file.blob.size as i64,
            sha256: file.blob.sha256.clone(),
        });
        blobs.keep(file.blob).await.map_err(|e| {
            tracing::error!(error = %e, "could not keep an attachment");
            IntakeError::Internal
        })?;
    }
    let tracking_number = TrackingNumber::generate().to_string();
    // The receipt goes to the comment's address (a job written with it).
    let receipt = submission.email.is_some() && submission.send_receipt;
    let comment = CommentRow {
        id: comment_id,
        tracking_number,
        docket_id: docket.id.clone(),
        received_at: received,
        late,
        submitter_type: submission.submitter_type.as_str().to_string(),
        first_name: submission.first_name,
        last_name: submission.last_name,
        organization: submission.organization,
        organization_type: submission.organization_type,
        category: submission.category,
        country: submission.country,
        state_province: submission.state_province,
        email: submission.email.map(|e| e.to_string()),
        answers: serde_json::to_string(&submission.answers).expect("answers serialise"),
        general_comment: submission.comment,
        business_confidential: submission.business_confidential,
        signatories: submission.signatories,
        posting_status: PENDING_REVIEW.to_string(),
        client_key,
        withheld_reason: None,
        posting_changed_at: None,
        posting_changed_by: None,
    };
    let accepted = Accepted {
        tracking_number: comment.tracking_number.clone(),
        received_at: comment.received_at.and_utc(),
        docket: comment.docket_id.clone(),
        late: comment.late,
        receipt: if receipt {
            ReceiptState::Queued
        } else {
            ReceiptState::NotRequested
        },
    };
    let outcome = writer
        .write(NewComment {
            answer: serde_json::to_string(&accepted).expect("an answer serialises"),
            comment,
            attachments,
            receipt,
            idempotency,
        })
        .await
        .map_err(|e| match e {
            WriteError::Stopped => IntakeError::Unavailable,
            WriteError::Db(_) => IntakeError::Internal,
        })?;
    match outcome {
        Outcome::KeyReused => Err(IntakeError::IdempotencyKeyReused),
        Outcome::Created(json) => Ok(Submitted::Created(answer(&json)?)),
        Outcome::Replayed(json) => Ok(Submitted::Replayed(answer(&json)?)),
    }
}
