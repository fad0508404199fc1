//! A campaign's stored row, made from its members: size, signatories,
//! first and last received, members by category and organization, and the
//! signals over them.

use super::StoredSignal;
use crate::db::models::campaign::{CampaignRow, Facts};
use crate::keyed_hash::KeyedHash;
use chrono::NaiveDateTime;
use rfidesk_indexer::campaigns::signals::{self, Rules, Submitted};
use std::collections::BTreeMap;

/// Organizations listed per campaign.
const ORGANIZATIONS: usize = 20;

/// One member as the summary sees it.
pub struct Member<'a> {
    pub facts: &'a Facts,
    /// Its exact-text hash.
    pub exact: u64,
    pub added_words: i32,
}

/// Fills `row`'s counts and signals from `members` (the whole campaign).
pub fn fill(row: &mut CampaignRow, members: &[Member<'_>], keys: &KeyedHash, now: NaiveDateTime) {
    row.size = members.len() as i32;
    row.signatories = members
        .iter()
        .map(|m| m.facts.signatories.unwrap_or(1).max(1))
        .sum();
    row.first_received = members
        .iter()
        .map(|m| m.facts.received_at)
        .min()
        .unwrap_or(now);
    row.last_received = members
        .iter()
        .map(|m| m.facts.received_at)
        .max()
        .unwrap_or(now);
    let mut categories: BTreeMap<&str, u64> = BTreeMap::new();
    let mut organizations: BTreeMap<&str, u64> = BTreeMap::new();
    for m in members {
        *categories.entry(m.facts.category.as_str()).or_default() += 1;
        if let Some(o) = m
            .facts
            .organization
            .as_deref()
            .filter(|o| !o.trim().is_empty())
        {
            *organizations.entry(o.trim()).or_default() += 1;
        }
    }
    let mut orgs: Vec<(&str, u64)> = organizations.into_iter().collect();
    orgs.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    orgs.truncate(ORGANIZATIONS);
    row.categories = serde_json::to_string(&categories).expect("counts serialise");
    row.organizations = serde_json::to_string(&orgs).expect("counts serialise");
    let submitted: Vec<Submitted> = members
        .iter()
        .enumerate()
        .map(|(i, m)| {
            submitted(
                i,
                m.facts,
                m.exact,
                Some(m.added_words.max(0) as usize),
                keys,
            )
        })
        .collect();
    let found = signals::campaign(&submitted, &Rules::default());
    row.signals = serde_json::to_string(&stored(found, |i| members[i].facts.id.clone()))
        .expect("signals serialise");
    row.updated_at = now;
}

/// What the signals module knows of a comment: names and organizations as
/// typed, the email address and client only as keyed hashes.
pub fn submitted(
    index: usize,
    f: &Facts,
    exact: u64,
    added_words: Option<usize>,
    keys: &KeyedHash,
) -> Submitted {
    let name = [f.first_name.as_deref(), f.last_name.as_deref()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    Submitted {
        id: index as i64,
        received_at: f.received_at.and_utc().timestamp(),
        name,
        organization: f.organization.clone().unwrap_or_default(),
        email_key: f
            .email
            .as_deref()
            .map(|e| keys.of("email", &e.trim().to_lowercase())),
        client_key: f.client_key.clone(),
        exact,
        added_words,
    }
}

/// Signals with their comments named by id.
pub fn stored(found: Vec<signals::Signal>, id_of: impl Fn(usize) -> String) -> Vec<StoredSignal> {
    found
        .into_iter()
        .map(|s| StoredSignal {
            kind: s.kind,
            explanation: s.explanation,
            comments: s.comments.iter().map(|&i| id_of(i as usize)).collect(),
        })
        .collect()
}
