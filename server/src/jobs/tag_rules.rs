//! The `tag_rules` job (one, recurring, subject `all`, made sure of at
//! every start): keeps every saved
//! rule's tags equal to its matches, less the comments analysts rejected
//! it on.
//!
//! - **Applying** a new, edited or deleted rule walks the comments in id
//!   order, a window at a time. Every rule being applied moves through the
//!   same windows, so 50 rules saved together touch each comment once per
//!   window, not 50 times; a window holds at most a batch
//!   (`RFIDESK_TAGGING_BATCH`) of matches and tags, so one write stays
//!   short.
//! - **Following**: an applied rule is checked against the comments the
//!   change feed names after its `checked_seq`, once this node's index
//!   has them. Tag changes are not checked: rules do not filter on tags.
//!
//! Each run is one write, conditional on the rule's version and cursor: an
//! edit or a delete committed meanwhile wins, and the next run starts over
//! from what it says. Only one node runs the job at a time (its lease).

use super::packed_ids::PackedIds;
use super::{Context, Handler, Outcome, Policy, Write};
use crate::db::indexed::{self, Change, Touched};
use crate::db::models::audit::{self, NewEntry};
use crate::db::models::change_feed;
use crate::db::models::rule::{
    self, Progress, RuleRow, Window, ACTIVE, APPLYING, DELETED, DELETING,
};
use crate::db::{DbConn, DbError};
use crate::domain::search_params::SearchParams;
use crate::search::SearchService;
use chrono::NaiveDateTime;
use rfidesk_indexer::{Filters, SearchIndex};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub const KIND: &str = "tag_rules";
/// Change-feed rows one following run checks. Its write (the matches'
/// tags, several a comment) holds the one writer and intake waits behind
/// it; smaller runs cost more runs. With 50 rules under full intake load
/// (docs/BENCHMARKS.md): 5,000 gave 4,155/s at p99 553 ms, 2,000 3,843/s
/// at 223 ms, 500 2,942/s at 118 ms (none: 6,271/s at 118 ms).
const FEED_BATCH: i64 = 2_000;
/// How long an idle run waits for the index to show more before it ends
/// (and the next begins): new comments are looked at as soon as the
/// follower publishes them, a new rule within this long.
const IDLE: Duration = Duration::from_millis(1000);
/// Match lists kept between runs, in bytes (about 40 an id): rules
/// applied together share this (the last one taken may pass it); the
/// rest wait their turn, and a later group walks the comments again.
const CACHE_BUDGET: usize = 320 << 20;

pub struct TagRules {
    pub search: Arc<SearchService>,
    /// Most matches and tags, all rules together, one window takes.
    batch: usize,
    /// Rule id to its matches when applying began, so a window does not
    /// search the whole docket again.
    cache: Mutex<HashMap<String, Matches>>,
}

#[derive(Clone)]
struct Matches {
    version: i32,
    /// The change-feed position the index had when they were read.
    seq: i64,
    ids: Arc<PackedIds>,
    /// Read when applying began with no tags of the rule's: it then has
    /// none after its cursor (the job tags only up to the cursor, and a
    /// lifted rejection only behind it), so no window need look.
    fresh: bool,
}

impl Matches {
    /// Whether `r` has no tags after its cursor: none at all when the run
    /// read it, or applied from none.
    fn untagged(&self, r: &RuleRow) -> bool {
        r.tagged == 0 || self.fresh
    }
}

impl TagRules {
    pub fn new(search: Arc<SearchService>, batch: usize) -> Self {
        TagRules {
            search,
            batch: batch.max(1),
            cache: Mutex::new(HashMap::new()),
        }
    }
}

/// A rule's search as the index takes it: its own docket only.
pub fn filters_of(rule: &RuleRow) -> Result<(String, Filters), String> {
    let body: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(&rule.search).map_err(|e| format!("stored search: {e}"))?;
    let mut params =
        SearchParams::from_json(&body, &[]).map_err(|e| format!("stored search: {e:?}"))?;
    params
        .keywords
        .insert("docket".into(), vec![rule.docket_id.clone()]);
    let request = params.to_request();
    Ok((request.q, request.filters))
}

/// What one run changes for one rule.
struct Plan {
    rule: RuleRow,
    /// Where the window ends: `None` for the end of the comments.
    through: Option<String>,
    /// The comments `Ids` windows look at.
    ids: Vec<String>,
    /// The window's matches, sorted.
    matched: Vec<String>,
    /// The rule has no tags in the window: it had none when the run read
    /// it, or it is applied from none (`Matches::fresh`).
    untagged: bool,
    progress: (String, String, i64, i64),
}

fn policy() -> Policy {
    Policy {
        // Recurring: a failure is shown to staff and retried (backoff up
        // to an hour), never given up on.
        max_attempts: i32::MAX,
        first_retry: Duration::from_secs(2),
        lease: Duration::from_secs(300),
        batch: 1,
    }
}

impl Handler for TagRules {
    fn kind(&self) -> &'static str {
        KIND
    }

    fn policy(&self) -> Policy {
        policy()
    }

    fn changes_index(&self) -> bool {
        true
    }

    fn run(&self, _subject: &str, ctx: &mut Context<'_>) -> Outcome {
        let seen = self.search.published.current();
        // Waiting here, not by a later run_after: the lane is this kind's
        // own, and the clock may stand still (tests).
        let idle = || {
            if !ctx.stop.load(std::sync::atomic::Ordering::Relaxed) {
                self.search.published.wait(seen, IDLE);
            }
        };
        // What the index shows, read before searching it: the search sees
        // at least this much.
        let status = self.search.status();
        let Some(index) = self.search.index().filter(|_| status.state == "following") else {
            idle();
            return Outcome::Again(ctx.now, super::no_write());
        };
        let rules = match ctx
            .pool
            .get()
            .map_err(DbError::from)
            .and_then(|mut c| rule::live(&mut c))
        {
            Ok(rules) => rules,
            Err(e) => return Outcome::Retry(format!("the database: {e}")),
        };
        let applying: Vec<RuleRow> = rules
            .iter()
            .filter(|r| r.status == APPLYING || r.status == DELETING)
            .cloned()
            .collect();
        let planned = if applying.is_empty() {
            self.follow(&rules, &index, status.applied_seq, ctx)
        } else {
            self.apply(applying, &index, status.applied_seq, ctx)
        };
        match planned {
            Ok((plans, more)) => {
                if plans.is_empty() && !more {
                    idle();
                }
                let now = ctx.now;
                Outcome::Again(now, Box::new(move |conn| write(conn, plans, now)))
            }
            Err(e) => Outcome::Retry(e),
        }
    }

    fn gave_up(&self, _id: &str, _reason: &str, _now: NaiveDateTime) -> Write {
        super::no_write()
    }
}

impl TagRules {
    /// A rule's matches, from the cache or a search.
    fn matches(&self, rule: &RuleRow, index: &SearchIndex, seq: i64) -> Result<Matches, String> {
        let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(m) = cache.get(&rule.id).filter(|m| m.version == rule.version) {
            return Ok(m.clone());
        }
        let (q, filters) = filters_of(rule)?;
        let (_, ids) = index
            .all_ids(&q, &filters, usize::MAX)
            .map_err(|e| format!("rule {}: {e}", rule.id))?;
        let ids =
            PackedIds::new(&ids).ok_or_else(|| format!("rule {}: too many matches", rule.id))?;
        let m = Matches {
            version: rule.version,
            seq,
            ids: Arc::new(ids),
            fresh: rule.status == APPLYING && rule.cursor.is_empty() && rule.tagged == 0,
        };
        cache.insert(rule.id.clone(), m.clone());
        Ok(m)
    }

    /// One window of the rules being applied or deleted. Returns the plans
    /// and whether more windows follow.
    fn apply(
        &self,
        applying: Vec<RuleRow>,
        index: &SearchIndex,
        seq: i64,
        ctx: &mut Context<'_>,
    ) -> Result<(Vec<Plan>, bool), String> {
        let mut conn = ctx.pool.get().map_err(|e| format!("the database: {e}"))?;
        // The rules this window takes, with the part of their matches
        // after their cursor; within the cache's budget.
        let mut group: Vec<(RuleRow, Matches)> = Vec::new();
        let waiting = applying.len();
        let mut held = 0;
        for r in applying {
            // Past the budget, a rule waits (its matches are not even read).
            if !group.is_empty() && held >= CACHE_BUDGET {
                break;
            }
            let m = if r.status == DELETING {
                Matches {
                    version: r.version,
                    seq,
                    ids: Arc::new(PackedIds::default()),
                    fresh: false,
                }
            } else {
                self.matches(&r, index, seq)?
            };
            held += m.ids.size();
            group.push((r, m));
        }
        {
            let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
            cache.retain(|id, _| group.iter().any(|(r, _)| &r.id == id));
        }
        // The window ends at the batch-th smallest of every rule's next
        // batch of matches and of tags: no list is cut before it, so each
        // rule's whole share of the window is in hand.
        let batch = self.batch;
        let mut tagged: Vec<Vec<(String, String)>> = Vec::new();
        for (r, m) in &group {
            // A rule with no tags after its cursor needs no look.
            let t = match m.untagged(r) {
                true => Vec::new(),
                false => rule::tagged_after(&mut conn, &r.id, &r.cursor, batch as i64)
                    .map_err(|e| format!("the database: {e}"))?,
            };
            tagged.push(t);
        }
        let mut lists: Vec<Sorted<'_>> = Vec::with_capacity(group.len() * 2);
        for ((r, m), t) in group.iter().zip(&tagged) {
            let from = m.ids.partition_point(|id| id <= r.cursor.as_str());
            lists.push(Sorted::Matches(&m.ids, from));
            lists.push(Sorted::Tags(t));
        }
        let through = nth_smallest(&lists, batch).map(str::to_string);
        let mut plans = Vec::new();
        let group_len = group.len();
        for (r, m) in group {
            if through.as_deref().is_some_and(|t| t <= r.cursor.as_str()) {
                continue;
            }
            let from = m.ids.partition_point(|id| id <= r.cursor.as_str());
            let to = match &through {
                Some(t) => m.ids.partition_point(|id| id <= t.as_str()),
                None => m.ids.len(),
            };
            let apply_seq = if r.cursor.is_empty() {
                m.seq
            } else {
                r.apply_seq
            };
            let (status, cursor, checked) = match (&through, r.status.as_str()) {
                (Some(t), s) => (s.to_string(), t.clone(), r.checked_seq),
                (None, DELETING) => (DELETED.to_string(), String::new(), r.checked_seq),
                (None, _) => (ACTIVE.to_string(), String::new(), apply_seq),
            };
            plans.push(Plan {
                untagged: m.untagged(&r),
                matched: m.ids.slice(from, to),
                through: through.clone(),
                ids: Vec::new(),
                progress: (status, cursor, apply_seq, checked),
                rule: r,
            });
        }
        // Rules left out for the budget go next.
        let more = through.is_some() || group_len < waiting;
        Ok((plans, more))
    }

    /// Checks the applied rules against the comments changed since each
    /// last looked, up to what the index shows.
    fn follow(
        &self,
        rules: &[RuleRow],
        index: &SearchIndex,
        applied_seq: i64,
        ctx: &mut Context<'_>,
    ) -> Result<(Vec<Plan>, bool), String> {
        self.cache.lock().unwrap_or_else(|e| e.into_inner()).clear();
        let behind: Vec<&RuleRow> = rules
            .iter()
            .filter(|r| r.status == ACTIVE && r.checked_seq < applied_seq)
            .collect();
        let Some(low) = behind.iter().map(|r| r.checked_seq).min() else {
            return Ok((Vec::new(), false));
        };
        let changes = ctx
            .pool
            .get()
            .map_err(DbError::from)
            .and_then(|mut c| change_feed::after(&mut c, low, FEED_BATCH))
            .map_err(|e| format!("the database: {e}"))?;
        let full = changes.len() as i64 == FEED_BATCH;
        let changes: Vec<_> = changes
            .into_iter()
            .filter(|c| c.seq <= applied_seq)
            .collect();
        let (through, more) = match changes.last() {
            Some(last) if full => (last.seq, true),
            _ => (applied_seq, false),
        };
        // Every rule at once over the comments any of them has to check:
        // the ids are looked up in the index once.
        let content: Vec<_> = changes
            .iter()
            .filter(|c| c.kind != Change::Tags.as_str())
            .collect();
        let mut union: Vec<String> = content.iter().map(|c| c.comment_id.clone()).collect();
        union.sort_unstable();
        union.dedup();
        let queries = behind
            .iter()
            .map(|r| filters_of(r))
            .collect::<Result<Vec<_>, _>>()?;
        let all_matched = index
            .matching(&queries, &union)
            .map_err(|e| format!("checking the rules: {e}"))?;
        let mut plans = Vec::new();
        for (r, matched) in behind.into_iter().zip(all_matched) {
            let mut ids: Vec<String> = content
                .iter()
                .filter(|c| c.seq > r.checked_seq && c.docket_id == r.docket_id)
                .map(|c| c.comment_id.clone())
                .collect();
            ids.sort_unstable();
            ids.dedup();
            let matched = matched
                .into_iter()
                .filter(|m| ids.binary_search(m).is_ok())
                .collect();
            plans.push(Plan {
                rule: r.clone(),
                through: None,
                ids,
                matched,
                untagged: r.tagged == 0,
                progress: (ACTIVE.into(), String::new(), r.apply_seq, through),
            });
        }
        Ok((plans, more))
    }
}

/// A sorted list of comment ids one window's end is chosen from.
enum Sorted<'a> {
    /// A rule's matches from this position on.
    Matches(&'a PackedIds, usize),
    /// A rule's tagged comments after its cursor.
    Tags(&'a [(String, String)]),
}

impl<'a> Sorted<'a> {
    fn get(&self, i: usize) -> Option<&'a str> {
        match self {
            Sorted::Matches(ids, from) => (from + i < ids.len()).then(|| ids.get(from + i)),
            Sorted::Tags(t) => t.get(i).map(|(c, _)| c.as_str()),
        }
    }
}

/// The `n`th smallest id of all the lists together (duplicates counted),
/// `None` if they hold fewer: a merge of `n` steps, where sorting or
/// selecting among every rule's next `n` ids (250,000 for 50 rules) was a
/// quarter of a window's time.
fn nth_smallest<'a>(lists: &[Sorted<'a>], n: usize) -> Option<&'a str> {
    use std::cmp::Reverse;
    use std::collections::BinaryHeap;
    let mut heap: BinaryHeap<Reverse<(&'a str, usize, usize)>> = lists
        .iter()
        .enumerate()
        .filter_map(|(l, list)| list.get(0).map(|id| Reverse((id, l, 0))))
        .collect();
    let mut taken = 0;
    while let Some(Reverse((id, l, i))) = heap.pop() {
        taken += 1;
        if taken == n {
            return Some(id);
        }
        if let Some(next) = lists[l].get(i + 1) {
            heap.push(Reverse((next, l, i + 1)));
        }
    }
    None
}

/// Settles the plans in one transaction: each rule's progress, then its
/// tags in the window, then the change-feed rows of the comments touched.
fn write(conn: &mut DbConn, plans: Vec<Plan>, now: NaiveDateTime) -> Result<(), DbError> {
    // Comment to its docket (the rule's: no lookup needed).
    let mut changed: HashMap<String, String> = HashMap::new();
    let mut finished = Vec::new();
    for plan in &plans {
        let r = &plan.rule;
        let (status, cursor, apply_seq, checked_seq) = &plan.progress;
        let current = Progress {
            version: r.version,
            from_cursor: &r.cursor,
            status,
            cursor,
            apply_seq: *apply_seq,
            checked_seq: *checked_seq,
        };
        if !rule::progress(conn, &r.id, &current, now)? {
            continue;
        }
        let window = if r.status == ACTIVE {
            Window::Ids(&plan.ids)
        } else {
            Window::Range {
                after: &r.cursor,
                through: plan.through.as_deref(),
            }
        };
        for comment in reconcile(conn, r, &window, &plan.matched, plan.untagged, now)? {
            changed.insert(comment, r.docket_id.clone());
        }
        if r.status != ACTIVE && plan.through.is_none() {
            finished.push((r.docket_id.clone(), r.id.clone(), status.clone()));
        }
    }
    let entries: Vec<NewEntry> = finished
        .into_iter()
        .map(|(docket_id, id, status)| NewEntry {
            docket_id,
            at: now,
            actor: format!("rule:{id}"),
            action: if status == DELETED {
                "rule.tags_removed".into()
            } else {
                "rule.tags_applied".into()
            },
            subject: id,
            detail: "{}".into(),
        })
        .collect();
    audit::append(conn, &entries)?;
    let mut changes: Vec<Touched> = changed
        .into_iter()
        .map(|(comment_id, docket_id)| Touched {
            comment_id,
            docket_id,
            at: now,
        })
        .collect();
    changes.sort_unstable_by(|a, b| a.comment_id.cmp(&b.comment_id));
    indexed::write(conn, Change::Tags, |_| Ok(((), changes)))
}

/// Makes a rule's tags in `window` equal to `matched` less its
/// rejections; returns the comments whose tags changed.
fn reconcile(
    conn: &mut DbConn,
    r: &RuleRow,
    window: &Window<'_>,
    matched: &[String],
    untagged: bool,
    now: NaiveDateTime,
) -> Result<Vec<String>, DbError> {
    let rejected: HashSet<String> = rule::rejected_in(conn, &r.id, window)?
        .into_iter()
        .collect();
    let wanted: HashSet<&str> = if r.status == DELETING {
        HashSet::new()
    } else {
        matched
            .iter()
            .map(String::as_str)
            .filter(|c| !rejected.contains(*c))
            .collect()
    };
    let mut keep: HashSet<String> = HashSet::new();
    let mut remove = Vec::new();
    // The job is the only one to add a rule's tags in a window (a lifted
    // rejection adds one only behind an applying rule's cursor), so what
    // the run saw still holds.
    let tagged = match untagged {
        true => Vec::new(),
        false => rule::tagged_in(conn, &r.id, window)?,
    };
    for (comment, tag) in tagged {
        if wanted.contains(comment.as_str()) && tag == r.tag_id {
            keep.insert(comment);
        } else {
            remove.push(comment);
        }
    }
    let removed = rule::untag(conn, &r.id, &remove)?;
    let mut changed = remove;
    let mut adding: Vec<&str> = wanted.into_iter().filter(|c| !keep.contains(*c)).collect();
    adding.sort_unstable();
    // The rule's own rows in the window were read and the wrong ones
    // removed above, in this transaction: every row here is new.
    let added = rule::tag_comments(conn, r, &adding, now)?;
    rule::count_tags(conn, &r.id, added as i64 - removed as i64)?;
    changed.extend(adding.into_iter().map(str::to_string));
    Ok(changed)
}

#[cfg(test)]
mod tests {
    use super::{nth_smallest, PackedIds, Sorted};

    #[test]
    fn the_nth_smallest_is_what_sorting_everything_gives() {
        let a: Vec<String> = ["b", "d", "f", "h"].map(String::from).to_vec();
        let b: Vec<String> = ["a", "d", "e"].map(String::from).to_vec();
        let (a, b) = (PackedIds::new(&a).unwrap(), PackedIds::new(&b).unwrap());
        let tags: Vec<(String, String)> = [("c", "t"), ("g", "t")]
            .map(|(c, t)| (c.to_string(), t.to_string()))
            .to_vec();
        // `a` from its second id on.
        let lists = [
            Sorted::Matches(&a, 1),
            Sorted::Matches(&b, 0),
            Sorted::Tags(&tags),
        ];
        let mut all = ["d", "f", "h", "a", "d", "e", "c", "g"];
        all.sort();
        for n in 1..=all.len() {
            assert_eq!(nth_smallest(&lists, n), Some(all[n - 1]), "n = {n}");
        }
        assert_eq!(nth_smallest(&lists, all.len() + 1), None);
        assert_eq!(nth_smallest(&[], 1), None);
    }
}
