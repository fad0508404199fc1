//! Campaign jobs.
//!
//! - `campaigns` (one, recurring, subject `all`, made sure of at every
//!   start): follows the change feed; each new comment (or one whose
//!   attachment text arrived) that this node's index already shows is
//!   assigned to its campaign (`campaigns::assign`), once every file it
//!   carries has its text (or is known to have none). A docket with no
//!   profile yet starts with an empty one (nothing discounted); once it
//!   has grown to twice the comments its profile was made from (and at
//!   least 200), a rebuild is queued, so the boilerplate discount follows
//!   the docket (counted at most once a minute per docket, and only once
//!   assignment has caught up with the feed: not in the middle of a burst).
//! - `campaigns_rebuild` (subject: the docket): detection over the whole
//!   docket (`campaigns::rebuild`), queued by staff or by the above.

use super::{Context, Handler, Outcome, Policy, Write};
use crate::campaigns::{assign, rebuild, DocketProfile};
use crate::db::indexed::Change;
use crate::db::models::campaign::{self, ProfileRow};
use crate::db::models::{change_feed, docket, index_node, job};
use crate::db::{DbConn, DbError};
use crate::keyed_hash::KeyedHash;
use crate::search::SearchService;
use chrono::NaiveDateTime;
use std::sync::Arc;
use std::time::Duration;

pub const KIND: &str = "campaigns";
pub const REBUILD_KIND: &str = "campaigns_rebuild";
/// Change-feed rows one run reads.
const FEED_BATCH: i64 = 1_000;
/// How long an idle run waits for the index to show more.
const IDLE: Duration = Duration::from_millis(1000);
/// A profile is made again when the docket has this many times its
/// comments, and at least `GROWN_FROM` more.
const GROWTH: i64 = 2;
const GROWN_FROM: i64 = 200;

pub struct Campaigns {
    pub search: Arc<SearchService>,
    pub keys: KeyedHash,
    /// When each docket's growth was last counted: a count of a million
    /// comments is not for every run.
    pub counted: std::sync::Mutex<std::collections::HashMap<String, std::time::Instant>>,
}

/// How often a docket's comments are counted for its growth.
const COUNT_EVERY: Duration = Duration::from_secs(60);

pub struct CampaignsRebuild {
    pub keys: KeyedHash,
}

/// Queues a rebuild of `docket` (again, if one ran before).
pub fn request_rebuild(conn: &mut DbConn, docket: &str, now: NaiveDateTime) -> Result<(), DbError> {
    job::ensure_recurring(conn, REBUILD_KIND, docket, now)
}

impl Handler for Campaigns {
    fn kind(&self) -> &'static str {
        KIND
    }

    fn policy(&self) -> Policy {
        Policy {
            max_attempts: i32::MAX,
            first_retry: Duration::from_secs(2),
            lease: Duration::from_secs(300),
            batch: 1,
        }
    }

    fn changes_index(&self) -> bool {
        true
    }

    fn run(&self, _subject: &str, ctx: &mut Context<'_>) -> Outcome {
        let seen = self.search.published.current();
        let idle = |ctx: &Context<'_>| {
            if !ctx.stop.load(std::sync::atomic::Ordering::Relaxed) {
                self.search.published.wait(seen, IDLE);
            }
        };
        let applied = self.search.status().applied_seq;
        match self.plan(ctx.pool, applied, ctx.now) {
            Ok(None) => {
                idle(ctx);
                Outcome::Again(ctx.now, super::no_write())
            }
            Ok(Some(write)) => Outcome::Again(ctx.now, write),
            Err(e) => Outcome::Retry(format!("the database: {e}")),
        }
    }

    fn gave_up(&self, _subject: &str, _reason: &str, _now: NaiveDateTime) -> Write {
        super::no_write()
    }
}

impl Campaigns {
    /// The first docket with work: its write, or `None` when all are
    /// caught up.
    fn plan(
        &self,
        pool: &crate::db::Pool,
        applied: i64,
        now: NaiveDateTime,
    ) -> Result<Option<Write>, DbError> {
        let mut conn = pool.get()?;
        for d in docket::list(&mut conn)? {
            let row = match campaign::profile(&mut conn, &d.id)? {
                Some(r) => r,
                None => {
                    // Assignment reads the feed from its start: comments
                    // whose changes were purged before this docket had a
                    // profile would never be read, so a docket that has
                    // any, after a purge, is rebuilt from the database.
                    let missed = index_node::purged_through(&mut conn)? > 0
                        && campaign::docket_totals(&mut conn, &d.id)?.0 > 0;
                    let row = ProfileRow {
                        docket_id: d.id.clone(),
                        profile: serde_json::to_string(&DocketProfile::default())
                            .expect("serialises"),
                        comments: 0,
                        checked_seq: 0,
                        built_at: now,
                    };
                    return Ok(Some(Box::new(move |c| {
                        campaign::create_profile(c, &row)?;
                        if missed {
                            request_rebuild(c, &row.docket_id, now)?;
                        }
                        Ok(())
                    })));
                }
            };
            if row.checked_seq >= applied {
                continue;
            }
            let changes = change_feed::after(&mut conn, row.checked_seq, FEED_BATCH)?;
            let full = changes.len() as i64 == FEED_BATCH;
            let changes: Vec<_> = changes.into_iter().filter(|c| c.seq <= applied).collect();
            let through = match changes.last() {
                Some(last) if full => last.seq,
                _ => applied,
            };
            let mut ids: Vec<String> = Vec::new();
            for c in changes.iter().filter(|c| {
                c.docket_id == d.id
                    && (c.kind == Change::CommentCreated.as_str()
                        || c.kind == Change::AttachmentText.as_str())
            }) {
                if !ids.contains(&c.comment_id) {
                    ids.push(c.comment_id.clone());
                }
            }
            let stored: DocketProfile = serde_json::from_str(&row.profile).unwrap_or_default();
            let batch = assign::plan(&mut conn, &d, &stored, &ids, &self.keys, now)?;
            // A docket that grows fast (a burst) is not rebuilt while it
            // grows: each rebuild reads the whole docket, and one at each
            // doubling took half the campaigns lane's time while intake
            // needed the core. It waits until assignment has caught up with
            // the feed (this read was not a full one).
            let due = !full && {
                let mut counted = self.counted.lock().unwrap_or_else(|e| e.into_inner());
                let last = counted.get(&d.id).copied();
                let due = last.is_none_or(|t| t.elapsed() >= COUNT_EVERY);
                if due {
                    counted.insert(d.id.clone(), std::time::Instant::now());
                }
                due
            };
            let grown = due && {
                let (total, _) = campaign::docket_totals(&mut conn, &d.id)?;
                total >= row.comments * GROWTH && total >= row.comments + GROWN_FROM
            };
            let docket_id = d.id.clone();
            let built_at = row.built_at;
            return Ok(Some(Box::new(move |c| {
                assign::write(c, &docket_id, built_at, batch, through)?;
                if grown {
                    request_rebuild(c, &docket_id, now)?;
                }
                Ok(())
            })));
        }
        Ok(None)
    }
}

impl Handler for CampaignsRebuild {
    fn kind(&self) -> &'static str {
        REBUILD_KIND
    }

    fn policy(&self) -> Policy {
        Policy {
            max_attempts: 3,
            first_retry: Duration::from_secs(60),
            // A million comments take minutes.
            lease: Duration::from_secs(3600),
            batch: 1,
        }
    }

    fn changes_index(&self) -> bool {
        true
    }

    fn run(&self, subject: &str, ctx: &mut Context<'_>) -> Outcome {
        let found = ctx
            .pool
            .get()
            .map_err(DbError::from)
            .and_then(|mut c| docket::find(&mut c, subject));
        let d = match found {
            Ok(Some(d)) => d,
            Ok(None) => return Outcome::Failed(format!("no docket {subject}"), super::no_write()),
            Err(e) => return Outcome::Retry(format!("the database: {e}")),
        };
        match rebuild::run(ctx.pool, &d, &self.keys, ctx.now, &|_, _, _| {}) {
            Ok(r) => {
                tracing::info!(
                    docket = %subject,
                    comments = r.comments,
                    campaigns = r.campaigns,
                    seconds = r.seconds,
                    "campaigns rebuilt"
                );
                Outcome::Done(super::no_write())
            }
            Err(e) => Outcome::Retry(format!("rebuilding: {e}")),
        }
    }

    fn gave_up(&self, _subject: &str, _reason: &str, _now: NaiveDateTime) -> Write {
        super::no_write()
    }
}
