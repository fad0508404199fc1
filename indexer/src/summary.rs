//! A summary of a search's matches, counted in one pass from the columns:
//! comments and *unique* comments per value of every keyword field and per
//! organization (as written), a tag by category table, comments per hour,
//! signatories and the flagged. What a staff member reads as "what the
//! public said", for a docket (`*`) or any search.
//!
//! Unique comments count a campaign once: for each value, the matches
//! outside any campaign plus the campaigns whose matches carry the value.
//! Members are a minority, so only they pay for it: each member adds a
//! (value, campaign) pair per value it carries, deduplicated by campaign
//! (hashed, so segments merge without naming every campaign).
//! Organizations are counted apart, by key (organization_counts.rs).

use crate::facets::{FacetCollector, FacetColumn, FacetCounts};
use crate::index::SearchIndex;
use crate::organization_counts::{
    self, Corrections, OrganizationFruit, OrganizationGroup, OrganizationSegment,
};
use crate::schema::{COMBINED_FIELDS, FACET_FIELDS};
use crate::search::{conjunction, filter_clauses, Claims, Filters, SearchError};
use crate::segment_fruits::Kept;
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::collections::BTreeMap;
use std::sync::Arc;
use tantivy::collector::{Collector, Count, SegmentCollector};
use tantivy::columnar::{Column, StrColumn};
use tantivy::{DateTime, DocId, Score, SegmentOrdinal, SegmentReader};

/// What a summary lists of the matches' organizations.
#[derive(Debug, Clone, Default)]
pub struct OrganizationsWanted {
    /// Analysts' regrouping of spellings.
    pub corrections: Corrections,
    /// The largest organizations listed.
    pub top: usize,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct SummaryCounts {
    pub total: u64,
    /// Per keyword field, matches per value.
    pub comments: FacetCounts,
    /// The same with each campaign counted once.
    pub unique: FacetCounts,
    /// Tag to category to matches carrying both.
    pub crosstab: BTreeMap<String, BTreeMap<String, u64>>,
    /// Matches per hour received (hours since the Unix epoch, UTC).
    pub hours: BTreeMap<i64, u64>,
    /// Signatories the matches claim (one each unless more).
    pub signatories: u64,
    /// Matches some signal concerns.
    pub flagged: u64,
    /// The largest organizations (spellings grouped), most matches first.
    pub organizations: Vec<OrganizationGroup>,
}

/// The fields whose unique counts are kept: every keyword field but
/// `docket` (one value) and `campaign` (itself).
fn unique_fields() -> Vec<&'static str> {
    FACET_FIELDS
        .iter()
        .copied()
        .filter(|f| *f != "campaign")
        .collect()
}

impl SearchIndex {
    /// Counts the matches of `q` and `filters` (the search API's), for a
    /// summary. Exact; one pass over the matches.
    pub fn summarize(
        &self,
        q: &str,
        filters: &Filters,
        organizations: &OrganizationsWanted,
    ) -> Result<SummaryCounts, SearchError> {
        let searcher = self.reader.searcher();
        let mut corrections: Vec<_> = organizations.corrections.iter().collect();
        corrections.sort();
        let key = format!("{q}\0{filters:?}\0{}\0{corrections:?}", organizations.top);
        self.passes.counts.get_or_compute(
            searcher.generation().generation_id(),
            key.clone(),
            || self.count(&searcher, q, filters, organizations, key),
        )
    }

    /// The summary's pass over the matches, each segment's part kept
    /// under `key` (segment_fruits.rs).
    fn count(
        &self,
        searcher: &tantivy::Searcher,
        q: &str,
        filters: &Filters,
        organizations: &OrganizationsWanted,
        key: String,
    ) -> Result<SummaryCounts, SearchError> {
        let s = &self.schema;
        let query = conjunction(self.parse(q)?, filter_clauses(s, filters));
        let fields: Vec<String> = FACET_FIELDS.iter().map(|f| f.to_string()).collect();
        let segments: Vec<_> = searcher
            .segment_readers()
            .iter()
            .map(|r| r.segment_id())
            .collect();
        self.passes.counts_segments.keep_only(&segments);
        let (total, comments, extra, (flagged, signatories)) = searcher.search(
            &query,
            &Kept {
                inner: (
                    Count,
                    FacetCollector::new(fields),
                    SummaryCollector {
                        fields: unique_fields(),
                        corrections: Arc::new(organizations.corrections.clone()),
                    },
                    Claims { enabled: true },
                ),
                key,
                kept: &self.passes.counts_segments,
            },
        )?;
        // Unique: the matches outside campaigns, plus the campaigns.
        let mut unique = FacetCounts::new();
        for (field, values) in &comments {
            if field == "campaign" {
                continue;
            }
            let members = extra.members.get(field);
            let campaigns = extra.campaigns.get(field);
            let out = unique.entry(field.clone()).or_default();
            for (value, n) in values {
                let m = members.and_then(|m| m.get(value)).copied().unwrap_or(0);
                let c = campaigns
                    .and_then(|c| c.get(value))
                    .map_or(0, |set| set.len() as u64);
                out.insert(value.clone(), n - m.min(*n) + c);
            }
        }
        Ok(SummaryCounts {
            total: total as u64,
            comments,
            unique,
            crosstab: extra.crosstab,
            hours: extra.hours,
            signatories,
            flagged: flagged as u64,
            organizations: organization_counts::largest(&extra.organizations, organizations.top),
        })
    }
}

impl SearchIndex {
    /// Matches per organization spelling (as written) of `filters`' comments.
    pub fn organizations(&self, filters: &Filters) -> Result<BTreeMap<String, u64>, SearchError> {
        let searcher = self.reader.searcher();
        let query = conjunction(self.parse("*")?, filter_clauses(&self.schema, filters));
        let column = organization_counts::ORG_COLUMN.to_string();
        let mut counts = searcher.search(&query, &FacetCollector::new(vec![column.clone()]))?;
        Ok(counts.remove(&column).unwrap_or_default())
    }
}

/// A segment's part of the summary's counts: matches, facet counts, what
/// the summary adds, (flagged, signatories).
pub(crate) type CountsFruit = (usize, FacetCounts, Extra, (usize, u64));

/// What the summary adds to the facet counts.
#[derive(Default, Clone)]
pub struct Extra {
    /// Field to value to campaign members carrying it.
    members: HashMap<String, HashMap<String, u64>>,
    /// Field to value to the campaigns (hashed) whose members carry it.
    campaigns: HashMap<String, HashMap<String, HashSet<u64>>>,
    crosstab: BTreeMap<String, BTreeMap<String, u64>>,
    hours: BTreeMap<i64, u64>,
    /// Each segment's organizations, added up by key at the end.
    organizations: Vec<OrganizationFruit>,
}

struct SummaryCollector {
    fields: Vec<&'static str>,
    corrections: Arc<Corrections>,
}

/// A column the summary reads, and which of its parts is which field.
struct Read {
    column: FacetColumn,
    /// (index into the summary's fields, part of the column's terms).
    parts: Vec<(usize, usize)>,
}

pub struct SummarySegment {
    fields: Vec<&'static str>,
    organizations: Option<OrganizationSegment>,
    corrections: Arc<Corrections>,
    reads: Vec<Read>,
    campaign: Option<StrColumn>,
    received: Option<Column<DateTime>>,
    /// `facet_key` and `tag_set`, for the tag by category table.
    key: Option<FacetColumn>,
    tags: Option<FacetColumn>,
    /// (campaign ordinal, read, term ordinal) of every member seen.
    pairs: Vec<(u32, u16, u32)>,
    /// (read, term ordinal): members carrying it.
    members: HashMap<(u16, u32), u64>,
    /// (tag_set ordinal, facet_key ordinal): matches.
    cross: HashMap<(u32, u32), u64>,
    hours: HashMap<i64, u64>,
}

impl Collector for SummaryCollector {
    type Fruit = Extra;
    type Child = SummarySegment;

    fn for_segment(
        &self,
        _ord: SegmentOrdinal,
        segment: &SegmentReader,
    ) -> tantivy::Result<SummarySegment> {
        let mut reads: Vec<Read> = Vec::new();
        let combined: Vec<(usize, usize)> = self
            .fields
            .iter()
            .enumerate()
            .filter_map(|(i, f)| Some((i, COMBINED_FIELDS.iter().position(|c| c == f)?)))
            .collect();
        if let Some(column) = FacetColumn::combined(segment)? {
            reads.push(Read {
                column,
                parts: combined.clone(),
            });
        }
        for (i, field) in self.fields.iter().enumerate() {
            if combined.iter().any(|(j, _)| *j == i) {
                continue;
            }
            if let Some(column) = FacetColumn::open(segment, field)? {
                reads.push(Read {
                    column,
                    parts: vec![(i, 0)],
                });
            }
        }
        let fast = segment.fast_fields();
        Ok(SummarySegment {
            fields: self.fields.clone(),
            organizations: OrganizationSegment::open(segment)?,
            corrections: self.corrections.clone(),
            reads,
            campaign: fast.str("campaign")?,
            received: fast.date("received_at").ok(),
            key: FacetColumn::combined(segment)?,
            tags: FacetColumn::open(segment, "tag")?,
            pairs: Vec::new(),
            members: HashMap::default(),
            cross: HashMap::default(),
            hours: HashMap::default(),
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<Extra>) -> tantivy::Result<Extra> {
        let mut out = Extra::default();
        for f in fruits {
            for (field, values) in f.members {
                let into = out.members.entry(field).or_default();
                for (v, n) in values {
                    *into.entry(v).or_default() += n;
                }
            }
            for (field, values) in f.campaigns {
                let into = out.campaigns.entry(field).or_default();
                for (v, set) in values {
                    into.entry(v).or_default().extend(set);
                }
            }
            for (tag, by) in f.crosstab {
                let into = out.crosstab.entry(tag).or_default();
                for (c, n) in by {
                    *into.entry(c).or_default() += n;
                }
            }
            for (h, n) in f.hours {
                *out.hours.entry(h).or_default() += n;
            }
            out.organizations.extend(f.organizations);
        }
        Ok(out)
    }
}

impl SegmentCollector for SummarySegment {
    type Fruit = Extra;

    fn collect(&mut self, doc: DocId, _score: Score) {
        if let Some(t) = self.received.as_ref().and_then(|c| c.first(doc)) {
            *self
                .hours
                .entry(t.into_timestamp_millis().div_euclid(3_600_000))
                .or_default() += 1;
        }
        if let (Some(key), Some(tags)) = (&self.key, &self.tags) {
            let k = key.column.term_ords(doc).next();
            if let Some(k) = k {
                for t in tags.column.term_ords(doc) {
                    *self.cross.entry((t as u32, k as u32)).or_default() += 1;
                }
            }
        }
        let campaign = self.campaign.as_ref().and_then(|c| c.term_ords(doc).next());
        if let Some(orgs) = &mut self.organizations {
            orgs.collect(doc, campaign.map(|c| c as u32));
        }
        let Some(campaign) = campaign else {
            return;
        };
        for (r, read) in self.reads.iter().enumerate() {
            for ord in read.column.column.term_ords(doc) {
                let key = (r as u16, ord as u32);
                *self.members.entry(key).or_default() += 1;
                self.pairs.push((campaign as u32, key.0, key.1));
            }
        }
    }

    fn harvest(mut self) -> Extra {
        let mut out = Extra {
            hours: self.hours.into_iter().collect(),
            ..Extra::default()
        };
        // Campaign ordinals to hashes of their ids (segments number them
        // apart; the ids are the same), named in one walk.
        let mut hashed: HashMap<u32, u64> = HashMap::default();
        if let Some(c) = &self.campaign {
            let mut ords: Vec<u64> = self.pairs.iter().map(|p| p.0 as u64).collect();
            if let Some(orgs) = &self.organizations {
                ords.extend(orgs.campaign_ords().map(u64::from));
            }
            ords.sort_unstable();
            ords.dedup();
            let mut i = 0;
            let _ = c.dictionary().sorted_ords_to_term_cb(&ords, |bytes| {
                hashed.insert(ords[i] as u32, fnv(bytes));
                i += 1;
            });
        }
        if let Some(orgs) = self.organizations {
            let campaign = |c: u32| hashed.get(&c).copied().unwrap_or(c as u64);
            out.organizations
                .push(orgs.harvest(&self.corrections, campaign));
        }
        // Per (read, part, value id): members carrying it, and their
        // campaigns; a plain column's value id is its term ordinal. Counted
        // in numbers, named once per value at the end.
        let mut members: HashMap<(u16, u8, u32), u64> = HashMap::default();
        // (value, campaign) pairs, sorted and deduplicated below: a set per
        // value cost an allocation per organization.
        let mut pairs: Vec<((u16, u8, u32), u64)> = Vec::with_capacity(self.pairs.len());
        let each_value = |r: u16, ord: u32, f: &mut dyn FnMut((u16, u8, u32))| {
            let read = &self.reads[r as usize];
            for (p, &(_, part)) in read.parts.iter().enumerate() {
                if read.column.is_split() {
                    for &id in read.column.split_ids(ord as u64, part) {
                        f((r, p as u8, id));
                    }
                } else {
                    f((r, p as u8, ord));
                }
            }
        };
        for (&(r, ord), &n) in &self.members {
            each_value(r, ord, &mut |k| *members.entry(k).or_default() += n);
        }
        // A campaign's values deduplicated among its members first: its
        // hundred members share most of them, and sorting every member's
        // every value was most of a summary's sorting.
        let mut rows = std::mem::take(&mut self.pairs);
        rows.sort_unstable();
        rows.dedup();
        let mut values: Vec<(u16, u8, u32)> = Vec::new();
        for campaign in rows.chunk_by(|a, b| a.0 == b.0) {
            let c = campaign[0].0;
            let h = hashed.get(&c).copied().unwrap_or(c as u64);
            values.clear();
            for &(_, r, ord) in campaign {
                each_value(r, ord, &mut |k| values.push(k));
            }
            values.sort_unstable();
            values.dedup();
            pairs.extend(values.iter().map(|v| (*v, h)));
        }
        pairs.sort_unstable();
        pairs.dedup();
        // Names: split columns hold theirs; plain columns' terms are read
        // in one walk of their dictionary.
        let mut plain: HashMap<(u16, u32), String> = HashMap::default();
        for (r, read) in self.reads.iter().enumerate() {
            if read.column.is_split() {
                continue;
            }
            let mut ords: Vec<u64> = members
                .keys()
                .filter(|(m, _, _)| *m as usize == r)
                .map(|(_, _, o)| *o as u64)
                .collect();
            ords.sort_unstable();
            ords.dedup();
            for (o, name) in ords.iter().zip(read.column.names_of(&ords)) {
                plain.insert((r as u16, *o as u32), name);
            }
        }
        let name = |(r, p, id): (u16, u8, u32)| -> Option<(String, String)> {
            let read = &self.reads[r as usize];
            let (field, part) = read.parts[p as usize];
            let value = if read.column.is_split() {
                read.column.split_value(part, id)?.to_string()
            } else {
                plain.get(&(r, id))?.clone()
            };
            Some((self.fields[field].to_string(), value))
        };
        for (k, n) in members {
            if let Some((field, value)) = name(k) {
                *out.members
                    .entry(field)
                    .or_default()
                    .entry(value)
                    .or_default() += n;
            }
        }
        for group in pairs.chunk_by(|a, b| a.0 == b.0) {
            if let Some((field, value)) = name(group[0].0) {
                out.campaigns
                    .entry(field)
                    .or_default()
                    .entry(value)
                    .or_default()
                    .extend(group.iter().map(|(_, h)| *h));
            }
        }
        if let (Some(key), Some(tags)) = (&self.key, &self.tags) {
            let category = COMBINED_FIELDS
                .iter()
                .position(|f| *f == "category")
                .expect("category is combined");
            // Added up per (tag, category) in numbers, then named: a
            // segment has tens of thousands of (tag set, key) pairs.
            let mut by_ids: HashMap<(u32, u32), u64> = HashMap::default();
            for ((t, k), n) in self.cross {
                for &cat in key.split_ids(k as u64, category) {
                    if tags.is_split() {
                        for &tag in tags.split_ids(t as u64, 0) {
                            *by_ids.entry((tag, cat)).or_default() += n;
                        }
                    } else {
                        // A plain tag column: its term ordinals are the ids.
                        *by_ids.entry((t, cat)).or_default() += n;
                    }
                }
            }
            for ((tag, cat), n) in by_ids {
                let tag = if tags.is_split() {
                    tags.split_value(0, tag).map(str::to_string)
                } else {
                    tags.values_of(tag as u64, 0).pop()
                };
                if let (Some(tag), Some(cat)) = (tag, key.split_value(category, cat)) {
                    *out.crosstab
                        .entry(tag)
                        .or_default()
                        .entry(cat.to_string())
                        .or_default() += n;
                }
            }
        }
        out
    }
}

fn fnv(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= *b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}
