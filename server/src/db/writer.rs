//! The single writer: every comment goes through here, and concurrent
//! submissions share one transaction (group commit).
//!
//! While one commit waits for fsync, new submissions queue in the channel;
//! the next loop takes all of them at once. One fsync then acknowledges many
//! comments, so durability does not cost throughput. A reply is sent only
//! after the commit returned: a 201 means the comment is on disk.

use crate::db::connection::{write_transaction, DatabaseUrl, DbConn, DbError};
use crate::db::indexed::{self, Change, Touched};
use crate::db::models::attachment::{self, AttachmentRow};
use crate::db::models::blob_text;
use crate::db::models::comment::{self, CommentRow};
use crate::db::models::idempotency::{self, IdempotencyRow};
use crate::db::models::job::{self, JobRow};
use crate::domain::tracking_number::TrackingNumber;
use crate::feed_signal::FeedSignal;
use crate::jobs::handoff::Handoff;
use chrono::{DateTime, TimeDelta, Utc};
use diesel::connection::SimpleConnection;
use std::collections::HashMap;
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};

/// Most submissions one transaction takes; bounds the time a batch holds
/// the write lock.
const MAX_BATCH: usize = 512;
/// Submissions waiting for the writer before senders wait too (backpressure).
const QUEUE: usize = 4096;
const IDEMPOTENCY_WINDOW: TimeDelta = TimeDelta::hours(24);
/// A group commit that takes this long is logged.
const SLOW_GROUP: std::time::Duration = std::time::Duration::from_millis(100);

/// Everything one accepted comment writes, in one transaction.
#[derive(Debug)]
pub struct NewComment {
    /// The answer to give (intake's 201 body, as JSON): stored with an
    /// idempotency key, so a retry gets the very same answer.
    pub answer: String,
    pub comment: CommentRow,
    pub attachments: Vec<AttachmentRow>,
    /// Whether a receipt goes to its address: a `receipt` job born with it.
    pub receipt: bool,
    pub idempotency: Option<IdempotencyClaim>,
}

#[derive(Debug, Clone)]
pub struct IdempotencyClaim {
    pub key: String,
    /// SHA-256 of the request, so a reused key with another body is caught.
    pub request_hash: String,
}

#[derive(Debug)]
pub enum Outcome {
    /// The answer of the new comment (JSON, as intake made it).
    Created(String),
    /// Same key, same body, within the window: the first answer again.
    Replayed(String),
    /// Same key, different body.
    KeyReused,
}

#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("the writer has stopped")]
    Stopped,
    #[error(transparent)]
    Db(#[from] DbError),
}

/// Every write this process makes goes through the one writer: on SQLite
/// a second writer would wait on the lock (and on the busy handler's
/// sleeps) instead of sharing the commit.
enum Job {
    Comment(Box<CommentJob>),
    /// Any other write; `wakes`: it may append to the change feed, so the
    /// feed's readers should look.
    Task {
        task: Task,
        wakes: bool,
    },
}

/// Any other write (job claims and settlements, coding, sessions), run
/// inside the group's transaction in a savepoint of its own: it shares the
/// group's one fsync, and its failure undoes only its own writes. It
/// returns what answers its caller once the commit is known.
type Task = Box<dyn FnOnce(&mut DbConn) -> Deliver + Send>;
/// Answers a task's caller: `None` when the group committed, else why not.
type Deliver = Box<dyn FnOnce(Option<&DbError>) + Send>;

struct CommentJob {
    new: NewComment,
    reply: oneshot::Sender<Result<Outcome, DbError>>,
}

/// A handle the request handlers share.
#[derive(Clone)]
pub struct Writer {
    tx: mpsc::Sender<Job>,
}

impl Writer {
    /// Starts the writer thread on its own connection. The thread ends when
    /// every `Writer` handle is dropped, after finishing what was queued.
    /// Receipt jobs of committed comments are born leased to this node and
    /// handed to its receipt lane through `handoff`.
    pub fn start(
        url: &DatabaseUrl,
        handoff: Handoff,
        committed: Arc<FeedSignal>,
    ) -> Result<(Writer, std::thread::JoinHandle<()>), DbError> {
        let mut conn = url.connect()?;
        let (tx, rx) = mpsc::channel::<Job>(QUEUE);
        // Dropped when the writer thread ends, which stops the checkpointer.
        let (writer_alive, alive) = std::sync::mpsc::channel::<()>();
        if let DbConn::Sqlite(_) = conn {
            conn.batch_execute("PRAGMA wal_autocheckpoint = 0")?;
            if let DbConn::Sqlite(c) = url.connect()? {
                crate::db::checkpoint::start(c, alive, Default::default());
            }
        }
        let handle = std::thread::Builder::new()
            .name("rfidesk-writer".into())
            .spawn(move || {
                let _alive = writer_alive;
                serve(conn, rx, &handoff, &committed);
            })
            .expect("spawn writer thread");
        Ok((Writer { tx }, handle))
    }

    pub async fn write(&self, new: NewComment) -> Result<Outcome, WriteError> {
        let (reply, answer) = oneshot::channel();
        self.tx
            .send(Job::Comment(Box::new(CommentJob { new, reply })))
            .await
            .map_err(|_| WriteError::Stopped)?;
        Ok(answer.await.map_err(|_| WriteError::Stopped)??)
    }

    /// Runs other writes (job claims and settlements, ...) on the writer's
    /// connection, so they queue instead of fighting it for the lock. The
    /// feed's readers are not woken for them: a claim every second must
    /// not wake every reader every second (nor the claimer itself).
    pub async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut DbConn) -> Result<T, DbError> + Send + 'static,
    ) -> Result<T, WriteError> {
        self.task(f, false).await
    }

    /// Like [`Self::run`], for writes that may append to the change feed:
    /// the feed's readers look as soon as they commit.
    pub async fn run_and_wake<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut DbConn) -> Result<T, DbError> + Send + 'static,
    ) -> Result<T, WriteError> {
        self.task(f, true).await
    }

    async fn task<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut DbConn) -> Result<T, DbError> + Send + 'static,
        wakes: bool,
    ) -> Result<T, WriteError> {
        let (reply, answer) = oneshot::channel();
        let task: Task = Box::new(move |conn| {
            let result = write_transaction(conn, f);
            Box::new(move |commit_failed: Option<&DbError>| {
                let _ = reply.send(match commit_failed {
                    None => result,
                    Some(e) => Err(DbError::Repeated(format!("the commit failed: {e}"))),
                });
            })
        });
        self.tx
            .send(Job::Task { task, wakes })
            .await
            .map_err(|_| WriteError::Stopped)?;
        Ok(answer.await.map_err(|_| WriteError::Stopped)??)
    }

    /// The earlier answer to a retried request, if its key is on record:
    /// a retry after the deadline of a comment taken before it still gets
    /// its 201.
    pub async fn earlier_answer(
        &self,
        docket: &str,
        claim: &IdempotencyClaim,
        at: DateTime<Utc>,
    ) -> Result<Option<Outcome>, WriteError> {
        let (docket, claim_for_task) = (docket.to_string(), claim.clone());
        self.run(
            move |conn| match idempotency::find(conn, &docket, &claim_for_task.key)? {
                Some(stored) => earlier_answer(&stored, &claim_for_task, at.naive_utc()),
                None => Ok(None),
            },
        )
        .await
    }

    pub fn is_running(&self) -> bool {
        !self.tx.is_closed()
    }
}

/// The receipt job of a comment, born leased to this node.
fn receipt_job(new: &NewComment, node: &str) -> Option<JobRow> {
    if !new.receipt {
        return None;
    }
    let at = new.comment.received_at;
    Some(JobRow::leased(
        crate::db::models::receipt::KIND,
        &new.comment.tracking_number,
        node,
        at + crate::jobs::delta(crate::jobs::send_receipt::LEASE),
        at,
    ))
}

/// Hands a committed comment's receipt job to this node's receipt lane,
/// and wakes the text lane for its files.
fn notify(handoff: &Handoff, new: &NewComment, outcome: &Result<Outcome, DbError>) {
    if let Ok(Outcome::Created(_)) = outcome {
        if !new.attachments.is_empty() {
            handoff.wake(crate::jobs::extract_text::KIND);
        }
        if let Some(job) = receipt_job(new, handoff.node()) {
            // Refused (a full lane): the job waits for its lease to lapse.
            handoff.offer(job);
        }
    }
}

/// The writer thread: takes everything queued, writes it as one group:
/// the comments in one transaction, so one fsync covers them all.
fn serve(mut conn: DbConn, mut rx: mpsc::Receiver<Job>, handoff: &Handoff, committed: &FeedSignal) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while let Some(first) = rx.blocking_recv() {
        batch.push(first);
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let mut comments = Vec::with_capacity(batch.len());
        let mut tasks = Vec::new();
        let mut wake = false;
        for job in batch.drain(..) {
            match job {
                Job::Comment(c) => comments.push(*c),
                Job::Task { task, wakes } => {
                    wake |= wakes;
                    tasks.push(task);
                }
            }
        }
        wake |= !comments.is_empty();
        if !comments.is_empty() || !tasks.is_empty() {
            let (n_comments, n_tasks) = (comments.len(), tasks.len());
            let started = std::time::Instant::now();
            write_batch(&mut conn, comments, tasks, handoff);
            // Every acknowledgement in the group waited this long: a slow
            // group is the tail of intake's latency, worth a line.
            let took = started.elapsed();
            if took >= SLOW_GROUP {
                tracing::info!(
                    ms = took.as_millis() as u64,
                    comments = n_comments,
                    tasks = n_tasks,
                    "a slow group commit"
                );
            }
        }
        // The feed's readers (and the job lanes) look now rather than at
        // their next poll.
        if wake {
            committed.notify();
        }
    }
}

/// Writes one group in one transaction (one fsync): the comments, then
/// the other writes, each in a savepoint of its own (its failure undoes
/// only its writes). If the comments fail, nothing of the group is kept:
/// the comments are retried one by one, so one bad row cannot sink the
/// others, and the other writes then run in a transaction of their own.
fn write_batch(conn: &mut DbConn, batch: Vec<CommentJob>, tasks: Vec<Task>, handoff: &Handoff) {
    let news: Vec<&NewComment> = batch.iter().map(|job| &job.new).collect();
    let mut tasks = Some(tasks);
    let mut delivers: Vec<Deliver> = Vec::new();
    let committed = write_transaction(conn, |conn| {
        let outcomes = if news.is_empty() {
            vec![]
        } else {
            apply(conn, &news, handoff.node())?
        };
        for task in tasks.take().into_iter().flatten() {
            delivers.push(task(conn));
        }
        Ok(outcomes)
    });
    for deliver in delivers {
        deliver(committed.as_ref().err());
    }
    match committed {
        Ok(outcomes) => {
            for (job, outcome) in batch.into_iter().zip(outcomes) {
                let outcome = Ok(outcome);
                notify(handoff, &job.new, &outcome);
                let _ = job.reply.send(outcome);
            }
        }
        Err(e) => {
            tracing::warn!(error = %e, size = batch.len(), "group commit failed; writing one by one");
            for job in batch {
                write_alone(conn, job, handoff);
            }
            // The comments failed before the other writes ran.
            if let Some(tasks) = tasks.take().filter(|t| !t.is_empty()) {
                let mut delivers = Vec::with_capacity(tasks.len());
                let committed = write_transaction(conn, |conn| {
                    for task in tasks {
                        delivers.push(task(conn));
                    }
                    Ok(())
                });
                for deliver in delivers {
                    deliver(committed.as_ref().err());
                }
            }
        }
    }
}

fn write_alone(conn: &mut DbConn, mut job: CommentJob, handoff: &Handoff) {
    let node = handoff.node();
    let mut result = write_transaction(conn, |conn| apply(conn, &[&job.new], node));
    if is_unique_violation(&result) {
        // A tracking number collided (about 1 in 10^11 per pair): draw again.
        job.new.comment.tracking_number = TrackingNumber::generate().to_string();
        result = write_transaction(conn, |conn| apply(conn, &[&job.new], node));
    }
    let result = result.map(|mut v| v.pop().expect("one outcome"));
    if let Err(e) = &result {
        tracing::error!(error = %e, "could not store a comment");
    }
    notify(handoff, &job.new, &result);
    let _ = job.reply.send(result);
}

fn is_unique_violation<T>(result: &Result<T, DbError>) -> bool {
    matches!(
        result,
        Err(DbError::Query(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _
        )))
    )
}

/// Writes a group of comments: first each idempotency key is looked at (in
/// order, so a key used twice in one group replays the first), then every
/// new row goes in with one multi-row INSERT per table.
fn apply(conn: &mut DbConn, news: &[&NewComment], node: &str) -> Result<Vec<Outcome>, DbError> {
    let mut outcomes = Vec::with_capacity(news.len());
    // Keys first used in this group: key to the index of its comment.
    let mut fresh_keys: HashMap<(&str, &str), usize> = HashMap::new();
    let mut created: Vec<&NewComment> = Vec::with_capacity(news.len());
    for (i, new) in news.iter().enumerate() {
        let c = &new.comment;
        if let Some(claim) = &new.idempotency {
            if let Some(&first) = fresh_keys.get(&(c.docket_id.as_str(), claim.key.as_str())) {
                let same = news[first].idempotency.as_ref().map(|f| &f.request_hash)
                    == Some(&claim.request_hash);
                outcomes.push(match (&outcomes[first], same) {
                    (Outcome::Created(a), true) => Outcome::Replayed(a.clone()),
                    _ => Outcome::KeyReused,
                });
                continue;
            }
            if let Some(stored) = idempotency::find(conn, &c.docket_id, &claim.key)? {
                if let Some(outcome) = earlier_answer(&stored, claim, c.received_at)? {
                    outcomes.push(outcome);
                    continue;
                }
                idempotency::delete(conn, &c.docket_id, &claim.key)?;
            }
            fresh_keys.insert((c.docket_id.as_str(), claim.key.as_str()), i);
        }
        outcomes.push(Outcome::Created(new.answer.clone()));
        created.push(new);
    }

    // Everything the comments write, with their change-feed rows appended
    // last (on PostgreSQL the append takes the lock that orders the feed,
    // held until the commit: the shorter the better).
    indexed::write(conn, Change::CommentCreated, |conn| {
        comment::insert(
            conn,
            &created
                .iter()
                .map(|n| n.comment.clone())
                .collect::<Vec<_>>(),
        )?;
        attachment::insert(
            conn,
            &created
                .iter()
                .flat_map(|n| n.attachments.iter().cloned())
                .collect::<Vec<_>>(),
        )?;
        enqueue_extractions(conn, &created)?;
        job::enqueue(
            conn,
            &created
                .iter()
                .filter_map(|n| receipt_job(n, node))
                .collect::<Vec<_>>(),
        )?;
        for (new, outcome) in news.iter().zip(&outcomes) {
            if let (Some(claim), Outcome::Created(a)) = (&new.idempotency, outcome) {
                idempotency::insert(
                    conn,
                    &IdempotencyRow {
                        docket_id: new.comment.docket_id.clone(),
                        idem_key: claim.key.clone(),
                        request_hash: claim.request_hash.clone(),
                        response: a.clone(),
                        created_at: new.comment.received_at,
                    },
                )?;
            }
        }
        let touched = created
            .iter()
            .map(|n| Touched {
                comment_id: n.comment.id.clone(),
                docket_id: n.comment.docket_id.clone(),
                at: n.comment.received_at,
            })
            .collect();
        Ok(((), touched))
    })?;
    Ok(outcomes)
}

/// An `extract_text` job for each file these comments bring that has no
/// text yet (a file already read, or already queued, adds nothing).
fn enqueue_extractions(conn: &mut DbConn, created: &[&NewComment]) -> Result<(), DbError> {
    let mut files: Vec<(String, chrono::NaiveDateTime)> = created
        .iter()
        .flat_map(|n| {
            n.attachments
                .iter()
                .map(|a| (a.sha256.clone(), n.comment.received_at))
        })
        .collect();
    if files.is_empty() {
        return Ok(());
    }
    files.sort();
    files.dedup_by(|a, b| a.0 == b.0);
    let shas: Vec<String> = files.iter().map(|(s, _)| s.clone()).collect();
    let known: std::collections::HashSet<String> =
        blob_text::recorded(conn, &shas)?.into_iter().collect();
    let jobs: Vec<JobRow> = files
        .iter()
        .filter(|(sha, _)| !known.contains(sha))
        .map(|(sha, at)| JobRow::new(crate::jobs::extract_text::KIND, sha, *at))
        .collect();
    job::enqueue(conn, &jobs)?;
    Ok(())
}

/// What a stored key says about a request that reuses it: its first answer
/// (same body), a refusal (other body), or nothing once the window is over.
fn earlier_answer(
    stored: &IdempotencyRow,
    claim: &IdempotencyClaim,
    at: chrono::NaiveDateTime,
) -> Result<Option<Outcome>, DbError> {
    if at - stored.created_at >= IDEMPOTENCY_WINDOW {
        return Ok(None);
    }
    if stored.request_hash != claim.request_hash {
        return Ok(Some(Outcome::KeyReused));
    }
    Ok(Some(Outcome::Replayed(stored.response.clone())))
}
