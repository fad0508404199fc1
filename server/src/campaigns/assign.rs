//! One new comment at a time: its fingerprint (with the docket's stored
//! boilerplate profile) against the stored band keys and exact hashes;
//! the candidates' texts read and checked; the comment joins the campaign
//! of the most similar, or forms one with it. Nothing else is recomputed.
//! The rebuild is what finds what this misses (a profile grown stale, a
//! group only a chain of members links).

use super::summary::{self, Member};
use super::{rebuild, stored_keys, DocketProfile, PER_KEY};
use crate::db::indexed::Touched;
use crate::db::models::blob_text;
use crate::db::models::campaign::{self, CampaignRow, MemberRow, Print};
use crate::db::{DbConn, DbError};
use crate::domain::docket::Docket;
use crate::keyed_hash::KeyedHash;
use chrono::NaiveDateTime;
use rfidesk_indexer::campaigns::{self as detect, Fingerprint};
use std::collections::HashMap;

/// A campaign this large has its counts updated as members join, and its
/// signals refreshed by the next rebuild: reading 100,000 members' facts
/// for each new one would cost more than the comment.
const REFRESH_UP_TO: i32 = 2_000;

/// What assigning a batch of comments writes.
#[derive(Debug, Default)]
pub struct Batch {
    pub prints: Vec<Print>,
    pub members: Vec<MemberRow>,
    /// New or changed campaigns.
    pub campaigns: Vec<CampaignRow>,
    pub touched: Vec<Touched>,
    /// The docket's smallest listed campaign: what flags comments.
    pub min_size: usize,
}

/// Plans the assignment of `ids` (new comments of `docket`, in feed
/// order). Reads only.
pub fn plan(
    conn: &mut DbConn,
    docket: &Docket,
    profile: &DocketProfile,
    ids: &[String],
    keys: &KeyedHash,
    now: NaiveDateTime,
) -> Result<Batch, DbError> {
    let config = &docket.definition.campaigns;
    let hashers = config.hashers();
    let mut batch = Batch {
        min_size: config.min_size,
        ..Batch::default()
    };
    let split: Vec<String> = campaign::split_off(conn, ids)?;
    // A comment whose files are still being read waits for their text (it
    // comes back with it): "See attached." alone would join every other
    // comment that says only that, whatever their letters say.
    let awaiting = blob_text::comments_awaiting_text(conn, ids)?;
    // Comments of the batch already in a campaign, read at once.
    let already: HashMap<String, String> = campaign::campaigns_of(conn, ids)?.into_iter().collect();
    // Templates' fingerprints, read once a batch however many join.
    let mut templates: HashMap<String, Fingerprint> = HashMap::new();
    // Comments of this batch already planned: later ones may match them.
    let mut planned: HashMap<String, (Fingerprint, Option<String>)> = HashMap::new();
    let mut changed: HashMap<String, CampaignRow> = HashMap::new();
    let ready: Vec<String> = ids
        .iter()
        .filter(|id| !awaiting.contains(*id))
        .cloned()
        .collect();
    let mut texts: Vec<(String, String)> = Vec::with_capacity(ready.len());
    rebuild::read_texts(conn, &ready, |id, text| texts.push((id, text)))?;
    for (id, text) in texts {
        let fp = Fingerprint::new(&text, &profile.profile, &hashers, config);
        batch.prints.push(Print {
            comment_id: id.clone(),
            docket_id: docket.id.clone(),
            exact_hash: fp.exact as i64,
            keys: if split.contains(&id) {
                Vec::new()
            } else {
                stored_keys(&fp.bands)
            },
        });
        if fp.is_blank() || split.contains(&id) {
            continue;
        }
        if let Some(c) = already.get(&id) {
            // Seen again (its attachment text came): it stays where it is
            // (the rebuild decides anew), and later comments may join it.
            planned.insert(id, (fp, Some(c.clone())));
            continue;
        }
        let stored = campaign::candidates(
            conn,
            &docket.id,
            fp.exact as i64,
            &stored_keys(&fp.bands),
            PER_KEY,
            &id,
        )?;
        let stored_split = campaign::split_off(conn, &stored)?;
        let stored: Vec<String> = stored
            .into_iter()
            .filter(|c| !stored_split.contains(c))
            .collect();
        let mut candidates: Vec<(String, Fingerprint)> = Vec::with_capacity(stored.len());
        rebuild::read_texts(conn, &stored, |cid, t| {
            candidates.push((
                cid,
                Fingerprint::new(&t, &profile.profile, &hashers, config),
            ));
        })?;
        for (cid, (cfp, _)) in &planned {
            if cfp.bands.iter().zip(&fp.bands).any(|(a, b)| a == b) || cfp.exact == fp.exact {
                candidates.push((cid.clone(), cfp.clone()));
            }
        }
        let best = detect::cluster::best_match(
            &fp,
            candidates
                .iter()
                .enumerate()
                .map(|(i, (_, f))| (i as i64, f)),
            config.threshold,
        );
        let Some((i, _)) = best else {
            planned.insert(id, (fp, None));
            continue;
        };
        let (mate, mate_fp) = &candidates[i as usize];
        let mate_campaign = match planned.get(mate) {
            Some((_, c)) => c.clone(),
            None => campaign::memberships(conn, std::slice::from_ref(mate))?
                .first()
                .map(|m| m.campaign_id.clone()),
        };
        let row = match mate_campaign {
            Some(cid) => match changed.remove(&cid) {
                Some(r) => r,
                None => match campaign::find(conn, &cid)? {
                    Some(r) => r,
                    None => continue,
                },
            },
            None => {
                // The two form a campaign; the earlier is its template.
                let mut r = rebuild::new_row(&docket.id, now);
                r.template_id = mate.clone();
                batch.members.push(MemberRow {
                    comment_id: mate.clone(),
                    campaign_id: r.id.clone(),
                    similarity: 1.0,
                    added_words: 0,
                });
                batch.touched.push(touched(mate, &docket.id, now));
                // Planned now, whether it came in this batch or an earlier
                // one: a later comment matching it must join this campaign,
                // not start another round it (its membership is not stored
                // until the batch is).
                planned
                    .entry(mate.clone())
                    .and_modify(|p| p.1 = Some(r.id.clone()))
                    .or_insert_with(|| (mate_fp.clone(), Some(r.id.clone())));
                r
            }
        };
        // Compared with the template where it is at hand, else the mate.
        let template_fp = if row.template_id == *mate {
            mate_fp.clone()
        } else if let Some(t) = templates.get(&row.template_id) {
            t.clone()
        } else {
            let mut t = None;
            rebuild::read_texts(conn, std::slice::from_ref(&row.template_id), |_, text| {
                t = Some(Fingerprint::new(&text, &profile.profile, &hashers, config));
            })?;
            let t = t.unwrap_or_else(|| mate_fp.clone());
            templates.insert(row.template_id.clone(), t.clone());
            t
        };
        let added = fp
            .shingles
            .iter()
            .filter(|x| template_fp.shingles.binary_search(x).is_err())
            .count();
        batch.members.push(MemberRow {
            comment_id: id.clone(),
            campaign_id: row.id.clone(),
            similarity: detect::jaccard(&fp.shingles, &template_fp.shingles),
            added_words: added as i32,
        });
        batch.touched.push(touched(&id, &docket.id, now));
        planned.insert(id, (fp, Some(row.id.clone())));
        changed.insert(row.id.clone(), row);
    }
    for (_, mut row) in changed {
        refresh(conn, &mut row, &batch.members, keys, now)?;
        batch.campaigns.push(row);
    }
    Ok(batch)
}

/// A campaign's counts and signals with its new members.
pub fn refresh(
    conn: &mut DbConn,
    row: &mut CampaignRow,
    new: &[MemberRow],
    keys: &KeyedHash,
    now: NaiveDateTime,
) -> Result<(), DbError> {
    let joining: Vec<&MemberRow> = new.iter().filter(|m| m.campaign_id == row.id).collect();
    let joining_ids: Vec<String> = joining.iter().map(|m| m.comment_id.clone()).collect();
    if row.size > REFRESH_UP_TO {
        for f in campaign::facts(conn, &joining_ids)? {
            row.size += 1;
            row.signatories += f.signatories.unwrap_or(1).max(1);
            row.last_received = row.last_received.max(f.received_at);
            row.first_received = row.first_received.min(f.received_at);
        }
        row.updated_at = now;
        return Ok(());
    }
    let mut members: Vec<MemberRow> =
        campaign::members(conn, &row.id, 0, i64::from(REFRESH_UP_TO))?
            .into_iter()
            .map(|(m, _, _)| m)
            .collect();
    members.extend(joining.into_iter().cloned());
    let ids: Vec<String> = members.iter().map(|m| m.comment_id.clone()).collect();
    let facts: HashMap<String, campaign::Facts> = campaign::facts(conn, &ids)?
        .into_iter()
        .map(|f| (f.id.clone(), f))
        .collect();
    let exact: HashMap<String, i64> = campaign::exact_hashes(conn, &ids)?.into_iter().collect();
    let parts: Vec<Member<'_>> = members
        .iter()
        .filter_map(|m| {
            Some(Member {
                facts: facts.get(&m.comment_id)?,
                exact: exact.get(&m.comment_id).copied().unwrap_or(0) as u64,
                added_words: m.added_words,
            })
        })
        .collect();
    summary::fill(row, &parts, keys, now);
    Ok(())
}

fn touched(id: &str, docket: &str, at: NaiveDateTime) -> Touched {
    Touched {
        comment_id: id.to_string(),
        docket_id: docket.to_string(),
        at,
    }
}

/// Writes a planned batch (in the caller's transaction) and moves the
/// docket's cursor, unless a rebuild replaced the docket's campaigns
/// since the batch was planned (`built_at` changed): then nothing, and
/// the next run plans again from the rebuild's position.
pub fn write(
    conn: &mut DbConn,
    docket: &str,
    built_at: NaiveDateTime,
    batch: Batch,
    checked_seq: i64,
) -> Result<(), DbError> {
    match campaign::profile_locked(conn, docket)? {
        Some(p) if p.built_at == built_at => {}
        _ => return Ok(()),
    }
    campaign::put_prints(conn, &batch.prints)?;
    crate::db::indexed::write(conn, crate::db::indexed::Change::Campaign, |c| {
        let mut touched = batch.touched;
        for r in &batch.campaigns {
            for id in super::save(c, r, batch.min_size)? {
                touched.push(self::touched(&id, docket, r.updated_at));
            }
        }
        campaign::add_members(c, &batch.members)?;
        Ok(((), touched))
    })?;
    campaign::set_checked(conn, docket, checked_seq)
}
