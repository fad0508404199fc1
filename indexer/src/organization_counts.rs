//! A summary's organizations: the matches counted per organization (the
//! spellings that share a key, `organizations::key`, or that analysts put
//! together), the largest groups with their spellings.
//!
//! A million-comment docket has hundreds of thousands of spellings.
//! Naming each on every summary, merging them by string across segments
//! and keying them again took most of a summary's second. Segments never
//! change, so each keeps a table of its spellings' keys (made once, like
//! the split facet terms); a summary counts by term ordinal, adds the
//! counts up per key in numbers, and names only the spellings of the
//! groups it lists.
//!
//! Unique comments count a campaign once per organization: "Microsoft
//! Corp." and "MICROSOFT" sending the same letter is one comment of
//! Microsoft's.

use crate::facets::{per_segment, SegmentCache};
use crate::organizations;
use hashbrown::HashTable;
use rustc_hash::{FxBuildHasher, FxHashMap as HashMap};
use std::collections::BTreeMap;
use std::hash::BuildHasher;
use std::sync::{Arc, OnceLock};
use tantivy::columnar::StrColumn;
use tantivy::index::SegmentId;
use tantivy::{DocId, SegmentReader};

/// The column organizations are read from (as written, trimmed).
pub(crate) const ORG_COLUMN: &str = "org_name";

/// Analysts' corrections: spelling (as written) to the key of the group
/// it belongs to. They win over the computed key.
pub type Corrections = std::collections::HashMap<String, String>;

/// One organization: its spellings' matches added up.
#[derive(Debug, Clone, PartialEq)]
pub struct OrganizationGroup {
    /// What its spellings share (or the key analysts gave them).
    pub key: String,
    pub comments: u64,
    /// A campaign counts once.
    pub unique: u64,
    /// Each spelling and its matches, most used first.
    pub spellings: Vec<(String, u64)>,
}

/// One segment's spellings keyed: term ordinal `o`'s key is
/// `keys[key_of[o]]`. An empty key (a name of punctuation or a legal form
/// alone) belongs to no organization.
pub(crate) struct KeyTable {
    key_of: Vec<u32>,
    keys: Vec<String>,
    hashes: Vec<u64>,
}

impl KeyTable {
    fn read(column: &StrColumn) -> std::io::Result<Self> {
        let mut ids: HashMap<String, u32> = HashMap::default();
        let mut table = KeyTable {
            key_of: Vec::with_capacity(column.num_terms()),
            keys: Vec::new(),
            hashes: Vec::new(),
        };
        let mut stream = column.dictionary().stream()?;
        while stream.advance() {
            let key = organizations::key(&String::from_utf8_lossy(stream.key()));
            let next = table.keys.len() as u32;
            let id = *ids.entry(key).or_insert_with_key(|key| {
                table.hashes.push(FxBuildHasher.hash_one(key.as_str()));
                table.keys.push(key.clone());
                next
            });
            table.key_of.push(id);
        }
        Ok(table)
    }
}

/// A segment's key table, made once per segment.
fn key_table(segment: &SegmentReader, column: &StrColumn) -> tantivy::Result<Arc<KeyTable>> {
    static CACHE: SegmentCache<SegmentId, KeyTable> = OnceLock::new();
    per_segment(&CACHE, segment.segment_id(), 256, || KeyTable::read(column))
}

/// One segment's organizations, counted by term ordinal.
pub(crate) struct OrganizationSegment {
    column: StrColumn,
    table: Arc<KeyTable>,
    /// Matches per term ordinal.
    counts: Vec<u32>,
    /// (term ordinal, campaign ordinal) of each campaign member matched.
    members: Vec<(u32, u32)>,
}

/// What a segment hands on: per key, its matches, members and campaigns;
/// and what naming the listed groups' spellings needs.
#[derive(Clone)]
pub(crate) struct OrganizationFruit {
    column: StrColumn,
    table: Arc<KeyTable>,
    counts: Vec<u32>,
    /// Term ordinal to the key analysts gave it, for corrected spellings.
    corrected: HashMap<u32, String>,
    keys: Vec<KeyCount>,
}

#[derive(Clone)]
struct KeyCount {
    key: KeyName,
    hash: u64,
    comments: u64,
    members: u64,
    /// Hashes of the campaigns whose members it has.
    campaigns: Vec<u64>,
}

/// A key: one of the segment's table, or one analysts gave.
#[derive(Clone)]
enum KeyName {
    Table(u32),
    Corrected(String),
}

impl OrganizationSegment {
    pub(crate) fn open(segment: &SegmentReader) -> tantivy::Result<Option<Self>> {
        let Some(column) = segment.fast_fields().str(ORG_COLUMN)? else {
            return Ok(None);
        };
        let table = key_table(segment, &column)?;
        Ok(Some(OrganizationSegment {
            counts: vec![0; column.num_terms()],
            column,
            table,
            members: Vec::new(),
        }))
    }

    /// Counts `doc`, a member of the campaign of ordinal `campaign` if any.
    pub(crate) fn collect(&mut self, doc: DocId, campaign: Option<u32>) {
        for ord in self.column.term_ords(doc) {
            self.counts[ord as usize] += 1;
            if let Some(c) = campaign {
                self.members.push((ord as u32, c));
            }
        }
    }

    /// The campaign ordinals members were counted under.
    pub(crate) fn campaign_ords(&self) -> impl Iterator<Item = u32> + '_ {
        self.members.iter().map(|m| m.1)
    }

    /// Adds the counts up per key, `corrections` applied; `campaign` names
    /// a campaign ordinal by its hash (the same in every segment).
    pub(crate) fn harvest(
        self,
        corrections: &Corrections,
        campaign: impl Fn(u32) -> u64,
    ) -> OrganizationFruit {
        let corrected = corrected_ords(&self.column, &self.counts, corrections);
        let mut by_key: Vec<u64> = vec![0; self.table.keys.len()];
        let mut members: Vec<u64> = vec![0; self.table.keys.len()];
        let mut extra: BTreeMap<&str, (u64, u64)> = BTreeMap::new();
        for (ord, n) in self.counts.iter().enumerate() {
            if *n == 0 {
                continue;
            }
            match corrected.get(&(ord as u32)) {
                Some(key) => extra.entry(*key).or_default().0 += u64::from(*n),
                None => by_key[self.table.key_of[ord] as usize] += u64::from(*n),
            }
        }
        // (key, campaign) of each member, deduplicated: corrected keys are
        // numbered after the table's.
        let mut extra_ids: HashMap<&str, u32> = HashMap::default();
        let base = self.table.keys.len() as u32;
        let mut pairs: Vec<(u32, u64)> = Vec::with_capacity(self.members.len());
        for &(ord, c) in &self.members {
            let k = match corrected.get(&ord) {
                Some(key) => {
                    let next = base + extra_ids.len() as u32;
                    let k = *extra_ids.entry(*key).or_insert(next);
                    extra.entry(*key).or_default().1 += 1;
                    k
                }
                None => {
                    let k = self.table.key_of[ord as usize];
                    members[k as usize] += 1;
                    k
                }
            };
            pairs.push((k, campaign(c)));
        }
        pairs.sort_unstable();
        pairs.dedup();
        let mut campaigns: HashMap<u32, Vec<u64>> = HashMap::default();
        for (k, h) in pairs {
            campaigns.entry(k).or_default().push(h);
        }
        let mut keys = Vec::new();
        for (k, n) in by_key.iter().enumerate() {
            if *n == 0 || self.table.keys[k].is_empty() {
                continue;
            }
            keys.push(KeyCount {
                key: KeyName::Table(k as u32),
                hash: self.table.hashes[k],
                comments: *n,
                members: members[k],
                campaigns: campaigns.remove(&(k as u32)).unwrap_or_default(),
            });
        }
        for (key, (n, m)) in &extra {
            let k = extra_ids.get(key).copied();
            keys.push(KeyCount {
                key: KeyName::Corrected(key.to_string()),
                hash: FxBuildHasher.hash_one(*key),
                comments: *n,
                members: *m,
                campaigns: k.and_then(|k| campaigns.remove(&k)).unwrap_or_default(),
            });
        }
        let corrected = corrected
            .into_iter()
            .map(|(o, k)| (o, k.to_string()))
            .collect();
        OrganizationFruit {
            column: self.column,
            table: self.table,
            counts: self.counts,
            corrected,
            keys,
        }
    }
}

/// The matched spellings analysts corrected, by term ordinal: one walk of
/// the dictionary beside the corrections in the same (byte) order.
fn corrected_ords<'a>(
    column: &StrColumn,
    counts: &[u32],
    corrections: &'a Corrections,
) -> HashMap<u32, &'a str> {
    let mut out = HashMap::default();
    if corrections.is_empty() {
        return out;
    }
    let mut sorted: Vec<(&str, &str)> = corrections
        .iter()
        .map(|(s, k)| (s.as_str(), k.as_str()))
        .collect();
    sorted.sort_unstable();
    let Ok(mut stream) = column.dictionary().stream() else {
        return out;
    };
    let mut next = sorted.iter().peekable();
    while stream.advance() {
        let term = stream.key();
        while next.peek().is_some_and(|(s, _)| s.as_bytes() < term) {
            next.next();
        }
        let Some((spelling, key)) = next.peek() else {
            break;
        };
        let ord = stream.term_ord() as usize;
        if spelling.as_bytes() == term && counts.get(ord).is_some_and(|n| *n > 0) {
            out.insert(ord as u32, *key);
        }
    }
    out
}

impl OrganizationFruit {
    fn key<'a>(&'a self, k: &'a KeyCount) -> &'a str {
        match &k.key {
            KeyName::Table(i) => &self.table.keys[*i as usize],
            KeyName::Corrected(key) => key,
        }
    }

    /// The key term ordinal `ord` counts under.
    fn key_of(&self, ord: usize) -> &str {
        match self.corrected.get(&(ord as u32)) {
            Some(key) => key,
            None => &self.table.keys[self.table.key_of[ord] as usize],
        }
    }
}

/// The `top` largest organizations of all segments (most matches first,
/// then by key), each with its spellings.
pub(crate) fn largest(fruits: &[OrganizationFruit], top: usize) -> Vec<OrganizationGroup> {
    struct Total<'a> {
        key: &'a str,
        hash: u64,
        comments: u64,
        members: u64,
        campaigns: Vec<u64>,
    }
    let mut table: HashTable<usize> = HashTable::new();
    let mut totals: Vec<Total> = Vec::new();
    for fruit in fruits {
        for k in &fruit.keys {
            let key = fruit.key(k);
            let at = match table.find(k.hash, |i| totals[*i].key == key) {
                Some(i) => *i,
                None => {
                    totals.push(Total {
                        key,
                        hash: k.hash,
                        comments: 0,
                        members: 0,
                        campaigns: Vec::new(),
                    });
                    let i = totals.len() - 1;
                    table.insert_unique(k.hash, i, |i| totals[*i].hash);
                    i
                }
            };
            let t = &mut totals[at];
            t.comments += k.comments;
            t.members += k.members;
            t.campaigns.extend_from_slice(&k.campaigns);
        }
    }
    totals.sort_unstable_by(|a, b| b.comments.cmp(&a.comments).then(a.key.cmp(b.key)));
    totals.truncate(top);
    // Name only the listed groups' spellings.
    let listed: HashMap<&str, usize> = totals.iter().enumerate().map(|(i, t)| (t.key, i)).collect();
    let mut spellings: Vec<BTreeMap<String, u64>> = vec![BTreeMap::new(); totals.len()];
    for fruit in fruits {
        let mut ords: Vec<(u64, usize)> = Vec::new();
        for (ord, n) in fruit.counts.iter().enumerate() {
            if *n > 0 {
                if let Some(g) = listed.get(fruit.key_of(ord)) {
                    ords.push((ord as u64, *g));
                }
            }
        }
        let sorted: Vec<u64> = ords.iter().map(|o| o.0).collect();
        let mut i = 0;
        let _ = fruit
            .column
            .dictionary()
            .sorted_ords_to_term_cb(&sorted, |bytes| {
                let (ord, g) = ords[i];
                *spellings[g]
                    .entry(String::from_utf8_lossy(bytes).into_owned())
                    .or_default() += u64::from(fruit.counts[ord as usize]);
                i += 1;
            });
    }
    totals
        .into_iter()
        .zip(spellings)
        .map(|(mut t, names)| {
            t.campaigns.sort_unstable();
            t.campaigns.dedup();
            let mut names: Vec<(String, u64)> = names.into_iter().collect();
            names.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            OrganizationGroup {
                key: t.key.to_string(),
                comments: t.comments,
                unique: (t.comments - t.members.min(t.comments) + t.campaigns.len() as u64)
                    .min(t.comments),
                spellings: names,
            }
        })
        .collect()
}
