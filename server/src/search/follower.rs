//! The follower: one thread per server that applies the change feed to the
//! index in sequence order.
//!
//! Each commit records the last applied sequence in its payload, and only
//! a commit makes documents durable, so after a crash the follower resumes
//! from the payload: changes after it are applied again (as replacements,
//! so nothing is doubled) and none before it is needed (so nothing is lost).

use super::documents;
use super::layout::Layout;
use super::rebuild::{self, Progress, RebuildError};
use super::{IndexStatus, SearchService};
use crate::db::models::{change_feed, index_node};
use crate::db::{DatabaseUrl, DbConn};
use crate::feed_signal::FeedSignal;
use rfidesk_indexer::SearchIndex;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Changes read per query.
const BATCH: i64 = 1000;
/// Commit at least this often while changes are pending: bounds how long a
/// new comment waits to become searchable under load.
const MAX_COMMIT_DELAY: Duration = Duration::from_millis(700);
/// Between commits when caught up: many tiny segments cost merges.
const MIN_COMMIT_GAP: Duration = Duration::from_millis(50);
/// Commit when this many documents are pending, whatever the time.
const MAX_PENDING: usize = 20_000;
/// Polling for other nodes' writes, which no local signal announces.
const POLL: Duration = Duration::from_millis(250);
/// The follower's indexing buffer.
const WRITER_MEMORY: usize = 64 << 20;
/// How often the follower says how far its index is (for the purge).
const REPORT_EVERY: Duration = Duration::from_secs(10);

pub struct Follower {
    /// This node's name in `index_nodes`.
    pub node: String,
    /// Reports of how far the index is go through the writer.
    pub writer: crate::db::writer::Writer,
    pub runtime: tokio::runtime::Handle,
    pub clock: Arc<dyn crate::domain::clock::Clock>,
    pub url: DatabaseUrl,
    pub layout: Layout,
    pub service: Arc<SearchService>,
    pub signal: Arc<FeedSignal>,
    pub stop: Arc<AtomicBool>,
}

#[derive(Debug, thiserror::Error)]
enum FollowError {
    #[error(transparent)]
    Rebuild(#[from] RebuildError),
    #[error(transparent)]
    Db(#[from] crate::db::DbError),
    #[error(transparent)]
    Index(#[from] rfidesk_indexer::IndexError),
    #[error("index directory: {0}")]
    Io(#[from] std::io::Error),
}

/// A generation's two indexes.
struct Indexes {
    staff: SearchIndex,
    public: SearchIndex,
}

/// Why `follow` returned without an error.
enum Next {
    Stop,
    /// `rfidesk reindex` swapped in a new generation.
    Reopen,
}

/// A server's own rebuild reports nothing but stops with the server.
struct UntilStopped<'a>(&'a AtomicBool);

impl Progress for UntilStopped<'_> {
    fn start(&mut self, _total: u64) {}
    fn advance(&mut self, _done: u64) {}
    fn finish(&mut self) {}
    fn cancelled(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

impl Follower {
    pub fn start(self) -> std::thread::JoinHandle<()> {
        std::thread::Builder::new()
            .name("rfidesk-follower".into())
            .spawn(move || self.run())
            .expect("spawn follower thread")
    }

    fn run(self) {
        let mut delay = Duration::from_millis(500);
        while !self.stop.load(Ordering::Relaxed) {
            match self.follow_current() {
                Ok(Next::Stop) => return,
                Ok(Next::Reopen) => delay = Duration::from_millis(500),
                Err(e) => {
                    tracing::error!(error = %e, "search follower failed; resuming from the last commit");
                    self.service.set_state("failing");
                    self.signal.wait(self.signal.current(), delay);
                    delay = (delay * 2).min(Duration::from_secs(30));
                }
            }
        }
    }

    fn follow_current(&self) -> Result<Next, FollowError> {
        let mut conn = self.url.connect()?;
        let dir = self.layout.current_or_new()?;
        let mut index = SearchIndex::open_or_create(&dir)?;
        let mut public = SearchIndex::open_or_create(&Layout::public_of(&dir))?;
        // Changes this index has not applied may have been purged (the node
        // was away longer than the feed's retention): rebuild it then. The
        // two indexes commit one after the other, so a crash between may
        // leave the public one behind: both resume from the lower point
        // (a change applied twice is a replacement).
        let horizon = index_node::purged_through(&mut conn)?;
        let point = match (index.commit_point()?, public.commit_point()?) {
            (Some(a), Some(b)) => Some(a.seq.min(b.seq)),
            _ => None,
        }
        .filter(|seq| *seq >= horizon);
        let (dir, index, seq) = match point {
            Some(seq) => (dir, index, seq),
            None => {
                self.service.set_state("rebuilding");
                tracing::info!(dir = %dir.display(), "no usable search index: rebuilding from the database");
                let started = Instant::now();
                drop(index);
                drop(public);
                let mut until_stopped = UntilStopped(&self.stop);
                // Searches cannot be answered until this is done: use the cores.
                let threads = std::thread::available_parallelism().map_or(2, |n| n.get().min(4));
                let built = match rebuild::rebuild(
                    &mut conn,
                    &self.layout,
                    threads,
                    threads * (128 << 20),
                    &mut until_stopped,
                ) {
                    Err(RebuildError::Cancelled) => return Ok(Next::Stop),
                    other => other?,
                };
                tracing::info!(
                    documents = built.documents,
                    seconds = started.elapsed().as_secs_f64(),
                    "search index rebuilt"
                );
                index = SearchIndex::open_or_create(&built.dir)?;
                public = SearchIndex::open_or_create(&Layout::public_of(&built.dir))?;
                (built.dir, index, built.seq)
            }
        };
        if let Ok(n) = self.layout.remove_stale(&dir) {
            if n > 0 {
                tracing::info!(generations = n, "removed old search index generations");
            }
        }
        index.reload()?;
        public.reload()?;
        self.service.set_index(index.clone(), public.clone());
        let both = Indexes {
            staff: index,
            public,
        };
        self.publish(&both, &dir, seq);
        // Searches are answered now. Keeping up is background work: it
        // yields the cores to intake (threads it starts inherit this).
        crate::jobs::lower_priority();
        self.follow(&mut conn, &both, &dir, seq)
    }

    /// Tells the purge how far this node's index is. A failure is only
    /// logged: the next report says the same.
    fn report(&self, committed: i64) {
        let node = self.node.clone();
        let now = self.clock.now().naive_utc();
        let reported = self.runtime.block_on(
            self.writer
                .run(move |conn| index_node::report(conn, &node, committed, now)),
        );
        if let Err(e) = reported {
            tracing::warn!(error = %e, "could not report the index position");
        }
    }

    fn publish(&self, indexes: &Indexes, dir: &std::path::Path, seq: i64) {
        self.service.set_status(IndexStatus {
            state: "following",
            applied_seq: seq,
            documents: indexes.staff.num_docs(),
            public_documents: indexes.public.num_docs(),
            generation: dir
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            ..IndexStatus::default()
        });
    }

    fn follow(
        &self,
        conn: &mut DbConn,
        indexes: &Indexes,
        dir: &PathBuf,
        committed: i64,
    ) -> Result<Next, FollowError> {
        let mut writer = indexes.staff.writer(1, WRITER_MEMORY)?;
        let mut public_writer = indexes
            .public
            .writer(1, super::rebuild::PUBLIC_WRITER_MEMORY)?;
        let mut committed = committed;
        let mut applied = committed;
        let mut first_pending: Option<Instant> = None;
        let mut last_commit = Instant::now();
        let mut last_report: Option<Instant> = None;
        loop {
            let stopping = self.stop.load(Ordering::Relaxed);
            let swapped = self.layout.current().as_ref() != Some(dir);
            let seen = self.signal.current();
            let mut caught_up = true;
            if !stopping && !swapped {
                let changes = change_feed::after(conn, applied, BATCH)?;
                caught_up = (changes.len() as i64) < BATCH;
                if let Some(last) = changes.last() {
                    let mut ids: Vec<String> =
                        changes.iter().map(|c| c.comment_id.clone()).collect();
                    ids.sort();
                    ids.dedup();
                    // A comment that is gone (none is deleted today; an import
                    // rolled back or a purge may) leaves the index too.
                    let mut gone = Vec::new();
                    documents::for_each_batch_both(
                        conn,
                        &ids,
                        |docs| {
                            for doc in &docs {
                                writer.upsert(&doc.private)?;
                                // A comment no longer public (withheld,
                                // back to review) leaves the public index.
                                match &doc.public {
                                    Some(p) => public_writer.upsert(p)?,
                                    None => public_writer.delete(&doc.private.id),
                                }
                            }
                            Ok::<_, FollowError>(())
                        },
                        |id| gone.push(id.to_string()),
                    )?;
                    for id in &gone {
                        writer.delete(id);
                        public_writer.delete(id);
                    }
                    applied = last.seq;
                    first_pending.get_or_insert_with(Instant::now);
                }
            }
            let due = applied > committed
                && (stopping
                    || swapped
                    || writer.pending() >= MAX_PENDING
                    || (caught_up && last_commit.elapsed() >= MIN_COMMIT_GAP)
                    || first_pending.is_some_and(|t| t.elapsed() >= MAX_COMMIT_DELAY));
            if due {
                // Public first: what the staff index shows as applied, the
                // public one has too (the resume point is the lower one).
                public_writer.commit(applied)?;
                writer.commit(applied)?;
                indexes.public.reload()?;
                indexes.staff.reload()?;
                committed = applied;
                last_commit = Instant::now();
                first_pending = None;
                self.publish(indexes, dir, committed);
            }
            if last_report.is_none_or(|t| t.elapsed() >= REPORT_EVERY) {
                last_report = Some(Instant::now());
                self.report(committed);
            }
            if stopping {
                writer.finish()?;
                public_writer.finish()?;
                return Ok(Next::Stop);
            }
            if swapped {
                writer.finish()?;
                public_writer.finish()?;
                tracing::info!("a new search index generation was swapped in");
                return Ok(Next::Reopen);
            }
            if caught_up {
                let wait = if applied > committed {
                    MIN_COMMIT_GAP.saturating_sub(last_commit.elapsed())
                } else {
                    POLL
                };
                self.signal.wait(seen, wait.max(Duration::from_millis(1)));
            }
        }
    }
}
