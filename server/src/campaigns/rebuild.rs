//! Detection over a whole docket, and its results stored in place of the
//! last. Reads every comment twice at most (a sample for the boilerplate
//! profile, then all for fingerprints) and keeps only the fingerprints in
//! memory (about 1 KB a comment).
//!
//! Writes go in short transactions from the caller's own connection (the
//! CLI's, or the job's): the prints a chunk of 5,000 comments at a time,
//! then the campaigns and their members in one transaction, so intake
//! waits behind one chunk at most, never the whole docket. A campaign
//! keeps its id (and so its name and confirmation) when the new group
//! shares most of its members with it; splits and merges analysts made
//! are applied again.

use super::summary::{self, Member};
use super::{flagged, flagged_by, stored_keys, text_of, DocketProfile};
use crate::db::checkpoint;
use crate::db::connection::write_transaction;
use crate::db::indexed::{self, Change, Touched};
use crate::db::models::campaign::{self, CampaignRow, Facts, MemberRow, Print, ProfileRow};
use crate::db::models::change_feed;
use crate::db::models::comment_signal::{self, SignalRow};
use crate::db::{DbConn, DbError, Pool};
use crate::domain::docket::Docket;
use crate::keyed_hash::KeyedHash;
use crate::search::documents;
use chrono::NaiveDateTime;
use rfidesk_indexer::campaigns::{self as detect, signals, Fingerprint, Profile};
use std::collections::{HashMap, HashSet};

/// Comments read from the database at once.
const READ_CHUNK: usize = 2_000;
/// Comments whose prints one write stores.
const WRITE_CHUNK: usize = 5_000;
/// Longest a write waits for the WAL to be emptied before it goes on. The
/// writes come back to back and each touches tens of thousands of pages
/// (band keys land all over their index): without the wait the
/// checkpointer never gets to empty the WAL (db/checkpoint.rs).
const ROOM_WAIT: std::time::Duration = std::time::Duration::from_secs(30);

/// What a rebuild found.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Rebuilt {
    pub comments: usize,
    /// Campaigns of at least the docket's `min_size`.
    pub campaigns: usize,
    pub in_campaigns: usize,
    pub discounted_shingles: usize,
    pub seconds: f64,
    /// Seconds each stage took: reading the sample and profiling, reading
    /// and fingerprinting, grouping, the campaigns' facts and summaries,
    /// storing.
    pub stages: Vec<(&'static str, f64)>,
}

/// Where a rebuild is, for a progress bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Sampling,
    Fingerprinting,
    Storing,
}

pub fn run(
    pool: &Pool,
    docket: &Docket,
    keys: &KeyedHash,
    now: NaiveDateTime,
    progress: &dyn Fn(Stage, u64, u64),
) -> Result<Rebuilt, DbError> {
    let started = std::time::Instant::now();
    let config = &docket.definition.campaigns;
    let mut conn = pool.get()?;
    // New comments after this position are assigned by the job, after.
    let seq = change_feed::head(&mut conn)?;
    let ids = all_ids(&mut conn, &docket.id)?;

    let mut stages = Vec::new();
    let mut lap = std::time::Instant::now();
    let mut stage = |name: &'static str| {
        stages.push((name, lap.elapsed().as_secs_f64()));
        lap = std::time::Instant::now();
    };
    progress(Stage::Sampling, 0, ids.len() as u64);
    let step = ids.len().div_ceil(config.sample.max(1)).max(1);
    let sample_ids: Vec<String> = ids.iter().step_by(step).cloned().collect();
    let mut sample: Vec<String> = Vec::with_capacity(sample_ids.len());
    for chunk in sample_ids.chunks(READ_CHUNK) {
        read_texts(&mut conn, chunk, |_, text| sample.push(text))?;
    }
    let refs: Vec<&str> = sample.iter().map(String::as_str).collect();
    let profile = Profile::build(&refs, config);
    drop(sample);
    stage("profile");

    let mut fps: Vec<Fingerprint> = Vec::with_capacity(ids.len());
    let mut order: Vec<String> = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(READ_CHUNK) {
        let mut texts = Vec::with_capacity(chunk.len());
        read_texts(&mut conn, chunk, |id, text| {
            order.push(id);
            texts.push(text);
        })?;
        fps.extend(detect::fingerprints(&texts, &profile, config));
        progress(Stage::Fingerprinting, fps.len() as u64, ids.len() as u64);
    }
    let ids = order;
    stage("fingerprints");
    let index: HashMap<&str, usize> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| (id.as_str(), i))
        .collect();

    // Analysts' corrections: a split-off comment takes part in nothing.
    let corrections = campaign::corrections(&mut conn, &docket.id)?;
    // Set aside while grouping (not a copy of every fingerprint: those
    // are most of the rebuild's memory), put back for the prints.
    let mut set_aside = Vec::new();
    for c in corrections.iter().filter(|c| c.kind == campaign::SPLIT) {
        // A comment split off twice is set aside once.
        if let Some(&i) = index
            .get(c.comment_id.as_str())
            .filter(|&&i| !fps[i].is_blank())
        {
            let shingles = std::mem::take(&mut fps[i].shingles);
            let bands = std::mem::take(&mut fps[i].bands);
            set_aside.push((i, shingles, bands));
        }
    }
    let roots = detect::cluster(&fps, config.threshold);
    for (i, shingles, bands) in set_aside {
        fps[i].shingles = shingles;
        fps[i].bands = bands;
    }
    let mut groups = Groups::new(&roots);
    for c in corrections.iter().filter(|c| c.kind == campaign::MERGE) {
        if let (Some(&a), Some(Some(&b))) = (
            index.get(c.comment_id.as_str()),
            c.other_id.as_deref().map(|o| index.get(o)),
        ) {
            groups.merge(a, b);
        }
    }
    let groups = groups.into_groups();
    stage("groups");

    // Facts of every comment: members for their campaigns, all for the
    // docket-wide signals.
    let mut facts: HashMap<String, Facts> = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(READ_CHUNK) {
        for f in campaign::facts(&mut conn, chunk)? {
            facts.insert(f.id.clone(), f);
        }
    }
    let docket_signals = {
        let all: Vec<signals::Submitted> = ids
            .iter()
            .enumerate()
            .filter_map(|(i, id)| {
                let f = facts.get(id)?;
                Some(summary::submitted(i, f, fps[i].exact, None, keys))
            })
            .collect();
        let found = signals::docket(&all, &signals::Rules::default());
        summary::stored(found, |i| ids[i].clone())
    };

    // Stable ids: a group takes the old campaign it shares most members with.
    let old_rows: HashMap<String, CampaignRow> = campaign::all_in_docket(&mut conn, &docket.id)?
        .into_iter()
        .map(|r| (r.id.clone(), r))
        .collect();
    let old_of: HashMap<String, String> = campaign::docket_memberships(&mut conn, &docket.id)?
        .into_iter()
        .collect();
    let mut taken: HashSet<String> = HashSet::new();
    let mut rows: Vec<CampaignRow> = Vec::with_capacity(groups.len());
    let mut members: Vec<MemberRow> = Vec::new();
    for group in &groups {
        let template = detect::centre(group, &fps) as usize;
        let mut votes: HashMap<&str, usize> = HashMap::new();
        for &m in group {
            if let Some(old) = old_of.get(&ids[m as usize]) {
                *votes.entry(old.as_str()).or_default() += 1;
            }
        }
        let mut ranked: Vec<(&str, usize)> = votes.into_iter().collect();
        ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        let reused = ranked
            .into_iter()
            .map(|(id, _)| id)
            .find(|id| !taken.contains(*id))
            .and_then(|id| old_rows.get(id).cloned());
        let mut row = reused.unwrap_or_else(|| new_row(&docket.id, now));
        taken.insert(row.id.clone());
        row.template_id = ids[template].clone();
        let t = &fps[template].shingles;
        let mut parts = Vec::with_capacity(group.len());
        for &m in group {
            let m = m as usize;
            let added = fps[m]
                .shingles
                .iter()
                .filter(|x| t.binary_search(x).is_err())
                .count();
            members.push(MemberRow {
                comment_id: ids[m].clone(),
                campaign_id: row.id.clone(),
                similarity: detect::jaccard(&fps[m].shingles, t),
                added_words: added as i32,
            });
            if let Some(f) = facts.get(&ids[m]) {
                parts.push(Member {
                    facts: f,
                    exact: fps[m].exact,
                    added_words: added as i32,
                });
            }
        }
        summary::fill(&mut row, &parts, keys, now);
        rows.push(row);
    }

    stage("summaries");
    // Prints, a chunk at a time. A comment's print depends only on its
    // text and the discounted shingles: when those are as the stored
    // profile had them, only comments without a print get one (8 band-key
    // rows a comment make storing most of a rebuild's time).
    let same_profile = campaign::profile(&mut conn, &docket.id)?
        .and_then(|p| serde_json::from_str::<DocketProfile>(&p.profile).ok())
        .is_some_and(|old| old.profile.discounted == profile.discounted && old.profile.sampled > 0);
    let printed: HashSet<String> = if same_profile {
        campaign::printed(&mut conn, &docket.id)?
            .into_iter()
            .collect()
    } else {
        HashSet::new()
    };
    let prints: Vec<Print> = ids
        .iter()
        .zip(&fps)
        .filter(|(id, _)| !printed.contains(*id))
        .map(|(id, f)| Print {
            comment_id: id.clone(),
            docket_id: docket.id.clone(),
            exact_hash: f.exact as i64,
            keys: stored_keys(&f.bands),
        })
        .collect();
    drop(fps);
    progress(Stage::Storing, 0, prints.len() as u64);
    // Each write holds the docket's profile row first, as assignment's
    // does: the two take their locks in one order and never deadlock.
    if !same_profile {
        loop {
            checkpoint::wait_for_room(&mut conn, ROOM_WAIT);
            let cleared = write_transaction(&mut conn, |c| {
                campaign::profile_locked(c, &docket.id)?;
                campaign::clear_prints(c, &docket.id, WRITE_CHUNK as i64)
            })?;
            if cleared == 0 {
                break;
            }
        }
    }
    for (n, chunk) in prints.chunks(WRITE_CHUNK).enumerate() {
        checkpoint::wait_for_room(&mut conn, ROOM_WAIT);
        write_transaction(&mut conn, |c| {
            campaign::profile_locked(c, &docket.id)?;
            campaign::put_prints(c, chunk)
        })?;
        progress(
            Stage::Storing,
            ((n + 1) * WRITE_CHUNK).min(prints.len()) as u64,
            prints.len() as u64,
        );
    }

    // The campaigns, their members and the profile, at once.
    let new_of: HashMap<&str, &str> = members
        .iter()
        .map(|m| (m.comment_id.as_str(), m.campaign_id.as_str()))
        .collect();
    let mut changed: Vec<String> = members
        .iter()
        .filter(|m| old_of.get(&m.comment_id) != Some(&m.campaign_id))
        .map(|m| m.comment_id.clone())
        .collect();
    changed.extend(
        old_of
            .keys()
            .filter(|c| !new_of.contains_key(c.as_str()))
            .cloned(),
    );
    // What every signal flags, by source: the docket's own and each
    // listed campaign's.
    let signal_row = |source: &str, (comment_id, kind): (String, String)| SignalRow {
        source: source.to_string(),
        comment_id,
        kind,
        docket_id: docket.id.clone(),
    };
    let mut signal_rows: Vec<SignalRow> = flagged(&docket_signals)
        .into_iter()
        .map(|p| signal_row(comment_signal::DOCKET, p))
        .collect();
    for r in &rows {
        signal_rows.extend(
            flagged_by(r, config.min_size)
                .into_iter()
                .map(|p| signal_row(&r.id, p)),
        );
    }
    let stored = DocketProfile {
        profile: profile.clone(),
        signals: docket_signals,
    };
    let profile_row = ProfileRow {
        docket_id: docket.id.clone(),
        profile: serde_json::to_string(&stored).expect("a profile serialises"),
        comments: ids.len() as i64,
        checked_seq: seq,
        built_at: now,
    };
    let min_size = config.min_size;
    let docket_id = docket.id.clone();
    checkpoint::wait_for_room(&mut conn, ROOM_WAIT);
    indexed::write(&mut conn, Change::Campaign, |c| {
        campaign::profile_locked(c, &docket_id)?;
        campaign::clear_docket(c, &docket_id)?;
        for r in &rows {
            campaign::save(c, r)?;
        }
        campaign::add_members(c, &members)?;
        campaign::put_profile(c, &profile_row)?;
        changed.extend(comment_signal::replace_docket(c, &docket_id, signal_rows)?);
        changed.sort();
        changed.dedup();
        let touched = changed
            .iter()
            .map(|id| Touched {
                comment_id: id.clone(),
                docket_id: docket_id.clone(),
                at: now,
            })
            .collect();
        Ok(((), touched))
    })?;
    stage("storing");
    let listed: Vec<&CampaignRow> = rows
        .iter()
        .filter(|r| r.size as usize >= min_size)
        .collect();
    Ok(Rebuilt {
        comments: ids.len(),
        campaigns: listed.len(),
        in_campaigns: listed.iter().map(|r| r.size as usize).sum(),
        discounted_shingles: profile.discounted.len(),
        seconds: started.elapsed().as_secs_f64(),
        stages,
    })
}

pub fn new_row(docket: &str, now: NaiveDateTime) -> CampaignRow {
    CampaignRow {
        id: uuid::Uuid::now_v7().to_string(),
        docket_id: docket.to_string(),
        name: None,
        confirmed_by: None,
        confirmed_at: None,
        template_id: String::new(),
        size: 0,
        signatories: 0,
        first_received: now,
        last_received: now,
        categories: "{}".into(),
        organizations: "[]".into(),
        signals: "[]".into(),
        created_at: now,
        updated_at: now,
    }
}

fn all_ids(conn: &mut DbConn, docket: &str) -> Result<Vec<String>, DbError> {
    let mut ids = Vec::new();
    let mut after = String::new();
    loop {
        let page = campaign::docket_comment_ids(conn, docket, &after, 10_000)?;
        let Some(last) = page.last() else { break };
        after = last.clone();
        ids.extend(page);
    }
    Ok(ids)
}

/// Each comment's detection text, in the order given (ids with no
/// comment are skipped).
pub fn read_texts(
    conn: &mut DbConn,
    ids: &[String],
    mut each: impl FnMut(String, String),
) -> Result<(), DbError> {
    let mut by_id: HashMap<String, String> = HashMap::with_capacity(ids.len());
    documents::for_each_batch::<DbError>(
        conn,
        ids,
        |docs| {
            for d in docs {
                let text = text_of(&d);
                by_id.insert(d.id, text);
            }
            Ok(())
        },
        |_| {},
    )?;
    for id in ids {
        if let Some(text) = by_id.remove(id) {
            each(id.clone(), text);
        }
    }
    Ok(())
}

/// Groups from cluster roots, merged as analysts said.
struct Groups {
    parent: HashMap<u32, u32>,
    roots: Vec<u32>,
}

impl Groups {
    fn new(roots: &[u32]) -> Self {
        Groups {
            parent: HashMap::new(),
            roots: roots.to_vec(),
        }
    }

    fn find(&mut self, mut x: u32) -> u32 {
        while let Some(&p) = self.parent.get(&x) {
            x = p;
        }
        x
    }

    fn merge(&mut self, a: usize, b: usize) {
        let (ra, rb) = (self.find(self.roots[a]), self.find(self.roots[b]));
        if ra != rb {
            self.parent.insert(ra.max(rb), ra.min(rb));
        }
    }

    /// Groups of at least two, largest first.
    fn into_groups(mut self) -> Vec<Vec<u32>> {
        let mut by_root: HashMap<u32, Vec<u32>> = HashMap::new();
        for i in 0..self.roots.len() {
            let r = self.find(self.roots[i]);
            by_root.entry(r).or_default().push(i as u32);
        }
        let mut groups: Vec<Vec<u32>> = by_root.into_values().filter(|g| g.len() >= 2).collect();
        groups.sort_by(|a, b| b.len().cmp(&a.len()).then(a[0].cmp(&b[0])));
        groups
    }
}
