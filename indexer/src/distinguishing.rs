//! Distinguishing terms: for each group of a search's matches (a
//! category, an organization type, a tag), the words and two-word phrases
//! that set its comments apart from the rest of the matches, by the
//! weighted log-odds ratio with an informative Dirichlet prior (Monroe,
//! Colaresi and Quinn, "Fightin' Words", Political Analysis 16(4), 2008,
//! section 3.5).
//!
//! Counts come from the index: the `terms` field's postings (its own
//! analyzer: unstemmed words and neighbouring pairs, no function words),
//! walked once per segment, each match adding its weight to the term's
//! total and to each group it belongs to. A term counts once per comment
//! (document frequency), and a form-letter campaign once in all: each of
//! its matching members weighs one over their number, so a campaign of
//! 10,000 copies does not drown what other commenters said.

use crate::facets::{FacetCollector, FacetColumn};
use crate::index::SearchIndex;
use crate::schema::COMBINED_FIELDS;
use crate::search::{conjunction, filter_clauses, Filters, SearchError};
use rustc_hash::FxHashMap as HashMap;
use std::cmp::Ordering;
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::StrColumn;
use tantivy::schema::IndexRecordOption;
use tantivy::{DocId, Score, SegmentOrdinal, SegmentReader};

/// The fields comments are grouped by, in the order groups are listed.
pub const GROUPED_BY: [&str; 3] = ["category", "org_type", "tag"];

/// In a segment of at least [`LARGE_SEGMENT`] documents, terms used by
/// fewer comments are not counted: a word of one comment sets no group
/// apart, and skipping them keeps two-word phrases (most of which occur
/// once) out of memory. Smaller segments (fresh ones, and every segment
/// of a small docket) count every term, so a term spread one comment per
/// new segment is still counted whole.
const MIN_SEGMENT_COMMENTS: u32 = 2;
const LARGE_SEGMENT: u32 = 10_000;

/// Most terms held while segments are merged. Past it, the terms used by
/// the fewest matches so far are dropped (at least half of them go, the
/// bar rising as needed): a docket of millions of comments has millions
/// of two-word phrases, and the rarest cannot lead a group anyway.
const MAX_TERMS: usize = 1_000_000;

/// A term leads a group only if at least this many of the group's
/// comments use it (a campaign counting once).
const MIN_GROUP_COMMENTS: f64 = 2.0;

/// The z-score a term needs to be listed: significant at the 5 % level,
/// one-sided.
const MIN_Z: f64 = 1.645;

#[derive(Debug, Clone, PartialEq)]
pub struct DistinguishingTerm {
    pub term: String,
    /// The log-odds ratio over its standard deviation.
    pub z: f64,
    /// The group's comments that use it (a campaign counts once).
    pub comments: f64,
    /// The other matches that use it.
    pub elsewhere: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TermGroup {
    /// One of [`GROUPED_BY`].
    pub field: String,
    pub value: String,
    /// Its matches (a campaign counts once).
    pub comments: f64,
    /// Most distinguishing first.
    pub terms: Vec<DistinguishingTerm>,
}

/// A term's counts: over all matches, and per group (sparse).
#[derive(Default)]
struct Row {
    total: f64,
    groups: Vec<(u32, f64)>,
}

impl SearchIndex {
    /// The `per_group` most distinguishing terms of every group of the
    /// matches of `q` and `filters`, groups in the order of
    /// [`GROUPED_BY`], then by value.
    pub fn distinguishing_terms(
        &self,
        q: &str,
        filters: &Filters,
        per_group: usize,
    ) -> Result<Vec<TermGroup>, SearchError> {
        let searcher = self.reader.searcher();
        let query = conjunction(self.parse(q)?, filter_clauses(&self.schema, filters));
        let mut campaigns =
            searcher.search(&query, &FacetCollector::new(vec!["campaign".into()]))?;
        let sizes = campaigns.remove("campaign").unwrap_or_default();
        let segments = searcher.search(&query, &Membership { sizes: &sizes })?;
        // Groups by (field, value), numbered as first met.
        let mut group_ids: HashMap<(usize, String), u32> = HashMap::default();
        let mut groups: Vec<(usize, String, f64)> = Vec::new();
        let mut rows: HashMap<String, Row> = HashMap::default();
        let mut slot: Vec<u32> = Vec::new();
        for segment in segments {
            let reader = searcher.segment_reader(segment.ordinal);
            let global: Vec<u32> = segment
                .groups
                .iter()
                .zip(&segment.group_comments)
                .map(|((field, value), n)| {
                    let next = groups.len() as u32;
                    let id = *group_ids.entry((*field, value.clone())).or_insert(next);
                    if id == next {
                        groups.push((*field, value.clone(), 0.0));
                    }
                    groups[id as usize].2 += n;
                    id
                })
                .collect();
            // Where each global group sits in the term's row (none: MAX).
            slot.resize(groups.len(), u32::MAX);
            walk_terms(
                reader,
                self.schema.terms,
                &segment,
                |term, total, per_group| {
                    let row = rows.entry(term.to_string()).or_default();
                    row.total += total;
                    for (i, (g, _)) in row.groups.iter().enumerate() {
                        slot[*g as usize] = i as u32;
                    }
                    for (g, n) in per_group {
                        let g = global[*g as usize];
                        match slot[g as usize] {
                            u32::MAX => row.groups.push((g, *n)),
                            i => row.groups[i as usize].1 += n,
                        }
                    }
                    for (g, _) in &row.groups {
                        slot[*g as usize] = u32::MAX;
                    }
                },
            )?;
            if rows.len() > MAX_TERMS {
                prune(&mut rows);
            }
        }
        Ok(rank(&groups, &rows, per_group))
    }
}

/// Drops the terms used by the fewest matches until at most half of
/// [`MAX_TERMS`] remain.
fn prune(rows: &mut HashMap<String, Row>) {
    let mut totals: Vec<f64> = rows.values().map(|r| r.total).collect();
    let keep = MAX_TERMS / 2;
    let at = totals.len() - keep;
    totals.select_nth_unstable_by(at, |a, b| a.partial_cmp(b).unwrap_or(Ordering::Equal));
    let bar = totals[at];
    rows.retain(|_, r| r.total > bar);
}

/// Each group's top terms by z-score, from the counts.
fn rank(
    groups: &[(usize, String, f64)],
    rows: &HashMap<String, Row>,
    per_group: usize,
) -> Vec<TermGroup> {
    // Every term's prior is its count over all matches (α0 = n, as in
    // the paper's informative prior from the whole corpus).
    let n: f64 = rows.values().map(|r| r.total).sum();
    let mut n_group = vec![0.0; groups.len()];
    for row in rows.values() {
        for (g, y) in &row.groups {
            n_group[*g as usize] += y;
        }
    }
    let mut scored: Vec<Vec<DistinguishingTerm>> = vec![Vec::new(); groups.len()];
    for (term, row) in rows {
        for (g, y) in &row.groups {
            if *y < MIN_GROUP_COMMENTS {
                continue;
            }
            let ni = n_group[*g as usize];
            let z = log_odds_z(*y, ni, row.total, n);
            if z >= MIN_Z {
                scored[*g as usize].push(DistinguishingTerm {
                    term: term.clone(),
                    z,
                    comments: *y,
                    elsewhere: row.total - y,
                });
            }
        }
    }
    let mut out: Vec<TermGroup> = groups
        .iter()
        .zip(scored)
        .map(|((field, value, comments), mut terms)| {
            terms.sort_by(|a, b| {
                b.z.partial_cmp(&a.z)
                    .unwrap_or(Ordering::Equal)
                    .then_with(|| a.term.cmp(&b.term))
            });
            terms.truncate(per_group);
            TermGroup {
                field: GROUPED_BY[*field].to_string(),
                value: value.clone(),
                comments: *comments,
                terms,
            }
        })
        .collect();
    out.sort_by(|a, b| {
        let at = |f: &str| GROUPED_BY.iter().position(|g| *g == f);
        at(&a.field)
            .cmp(&at(&b.field))
            .then_with(|| a.value.cmp(&b.value))
    });
    out
}

/// The z-score of a term's weighted log-odds ratio between a group (`y`
/// of its `ni` counts) and the rest (`total - y` of `n - ni`), with the
/// informative Dirichlet prior α_w = `total` (α0 = `n`): Monroe et al.'s
/// equations 16 (δ) and 18 (its variance), two-sided comparison of the
/// group against everything else.
pub fn log_odds_z(y: f64, ni: f64, total: f64, n: f64) -> f64 {
    let a = total;
    let a0 = n;
    let yj = total - y;
    let nj = n - ni;
    let (rest_i, rest_j) = (ni + a0 - y - a, nj + a0 - yj - a);
    if rest_i <= 0.0 || rest_j <= 0.0 || a <= 0.0 {
        // One term in all (nothing to compare it with), or none.
        return 0.0;
    }
    let delta = ((y + a) / rest_i).ln() - ((yj + a) / rest_j).ln();
    let variance = 1.0 / (y + a) + 1.0 / (yj + a);
    delta / variance.sqrt()
}

/// Walks the postings of every term of `field` (of a large segment: used
/// by at least [`MIN_SEGMENT_COMMENTS`] of its documents), handing each term
/// used by a match its weighted total and per-group counts (by the
/// segment's group numbers).
fn walk_terms(
    reader: &SegmentReader,
    field: tantivy::schema::Field,
    segment: &SegmentGroups,
    mut emit: impl FnMut(&str, f64, &[(u32, f64)]),
) -> Result<(), SearchError> {
    let inverted = reader.inverted_index(field)?;
    let mut stream = inverted
        .terms()
        .stream()
        .map_err(tantivy::TantivyError::from)?;
    let mut scratch = vec![0.0f64; segment.groups.len()];
    let mut touched: Vec<u32> = Vec::new();
    let mut per_group: Vec<(u32, f64)> = Vec::new();
    let least = if reader.max_doc() >= LARGE_SEGMENT {
        MIN_SEGMENT_COMMENTS
    } else {
        1
    };
    while stream.advance() {
        let info = stream.value();
        if info.doc_freq < least {
            continue;
        }
        let mut postings = inverted
            .read_block_postings_from_terminfo(info, IndexRecordOption::Basic)
            .map_err(tantivy::TantivyError::from)?;
        let mut total = 0.0;
        loop {
            let docs = postings.docs();
            if docs.is_empty() {
                break;
            }
            for &doc in docs {
                let w = segment.weight[doc as usize];
                if w == 0.0 {
                    continue;
                }
                let w = f64::from(w);
                total += w;
                let at = segment.start[doc as usize] as usize;
                let len = segment.len[doc as usize] as usize;
                for &g in &segment.members[at..at + len] {
                    if scratch[g as usize] == 0.0 {
                        touched.push(g);
                    }
                    scratch[g as usize] += w;
                }
            }
            postings.advance();
        }
        if total == 0.0 {
            continue;
        }
        per_group.clear();
        for g in touched.drain(..) {
            per_group.push((g, std::mem::take(&mut scratch[g as usize])));
        }
        let Ok(term) = std::str::from_utf8(stream.key()) else {
            continue;
        };
        emit(term, total, &per_group);
    }
    Ok(())
}

/// Per segment: each match's weight and groups.
struct SegmentGroups {
    ordinal: SegmentOrdinal,
    /// By document: 0 for a non-match, else one, or one over its
    /// campaign's matches.
    weight: Vec<f32>,
    /// By document: where its groups start in `members`, and how many.
    start: Vec<u32>,
    len: Vec<u8>,
    members: Vec<u32>,
    /// The segment's groups, (index into [`GROUPED_BY`], value).
    groups: Vec<(usize, String)>,
    /// Their weighted matches.
    group_comments: Vec<f64>,
}

/// Collects [`SegmentGroups`] of the matches.
struct Membership<'a> {
    /// Matches per campaign.
    sizes: &'a std::collections::BTreeMap<String, u64>,
}

impl Collector for Membership<'_> {
    type Fruit = Vec<SegmentGroups>;
    type Child = MembershipSegment;

    fn for_segment(
        &self,
        ordinal: SegmentOrdinal,
        segment: &SegmentReader,
    ) -> tantivy::Result<MembershipSegment> {
        let max = segment.max_doc() as usize;
        // Per campaign term: its members' weight.
        let campaign = segment.fast_fields().str("campaign")?;
        let campaign_weights = match &campaign {
            Some(column) => weights_by_ord(column, self.sizes)?,
            None => Vec::new(),
        };
        Ok(MembershipSegment {
            out: SegmentGroups {
                ordinal,
                weight: vec![0.0; max],
                start: vec![0; max],
                len: vec![0; max],
                members: Vec::new(),
                groups: Vec::new(),
                group_comments: Vec::new(),
            },
            key: FacetColumn::combined(segment)?,
            tags: FacetColumn::open(segment, "tag")?,
            campaign,
            campaign_weights,
            key_groups: HashMap::default(),
            tag_groups: HashMap::default(),
            ids: HashMap::default(),
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<Vec<SegmentGroups>>) -> tantivy::Result<Self::Fruit> {
        Ok(fruits.into_iter().flatten().collect())
    }
}

fn weights_by_ord(
    column: &StrColumn,
    sizes: &std::collections::BTreeMap<String, u64>,
) -> tantivy::Result<Vec<f32>> {
    let mut out = Vec::with_capacity(column.num_terms());
    let mut text = String::new();
    for ord in 0..column.num_terms() as u64 {
        column.ord_to_str(ord, &mut text)?;
        let n = sizes.get(&text).copied().unwrap_or(1).max(1);
        out.push(1.0 / n as f32);
    }
    Ok(out)
}

struct MembershipSegment {
    out: SegmentGroups,
    key: Option<FacetColumn>,
    tags: Option<FacetColumn>,
    campaign: Option<StrColumn>,
    campaign_weights: Vec<f32>,
    /// The groups of a `facet_key` term, and of a `tag_set` term.
    key_groups: HashMap<u64, Vec<u32>>,
    tag_groups: HashMap<u64, Vec<u32>>,
    ids: HashMap<(usize, String), u32>,
}

impl MembershipSegment {
    fn group(&mut self, field: usize, value: String) -> u32 {
        let next = self.out.groups.len() as u32;
        let id = *self.ids.entry((field, value.clone())).or_insert(next);
        if id == next {
            self.out.groups.push((field, value));
            self.out.group_comments.push(0.0);
        }
        id
    }

    fn key_groups(&mut self, ord: u64) -> Vec<u32> {
        if let Some(found) = self.key_groups.get(&ord) {
            return found.clone();
        }
        let mut ids = Vec::new();
        if let Some(key) = &self.key {
            let mut named: Vec<(usize, String)> = Vec::new();
            for (at, field) in GROUPED_BY.iter().enumerate() {
                if let Some(part) = COMBINED_FIELDS.iter().position(|f| f == field) {
                    named.extend(key.values_of(ord, part).into_iter().map(|v| (at, v)));
                }
            }
            for (field, value) in named {
                ids.push(self.group(field, value));
            }
        }
        self.key_groups.insert(ord, ids.clone());
        ids
    }

    fn tag_groups(&mut self, ord: u64) -> Vec<u32> {
        if let Some(found) = self.tag_groups.get(&ord) {
            return found.clone();
        }
        let values = self
            .tags
            .as_ref()
            .map(|t| t.values_of(ord, 0))
            .unwrap_or_default();
        let at = GROUPED_BY.iter().position(|f| *f == "tag").unwrap_or(2);
        let ids: Vec<u32> = values.into_iter().map(|v| self.group(at, v)).collect();
        self.tag_groups.insert(ord, ids.clone());
        ids
    }
}

impl SegmentCollector for MembershipSegment {
    type Fruit = Vec<SegmentGroups>;

    fn collect(&mut self, doc: DocId, _score: Score) {
        let weight = match self.campaign.as_ref().and_then(|c| c.term_ords(doc).next()) {
            Some(ord) => self
                .campaign_weights
                .get(ord as usize)
                .copied()
                .unwrap_or(1.0),
            None => 1.0,
        };
        let mut ids = Vec::new();
        if let Some(ord) = self
            .key
            .as_ref()
            .and_then(|k| k.column.term_ords(doc).next())
        {
            ids.extend(self.key_groups(ord));
        }
        let tag_ord = self
            .tags
            .as_ref()
            .and_then(|t| t.column.term_ords(doc).next());
        if let Some(ord) = tag_ord {
            ids.extend(self.tag_groups(ord));
        }
        let d = doc as usize;
        self.out.weight[d] = weight;
        self.out.start[d] = self.out.members.len() as u32;
        self.out.len[d] = ids.len().min(u8::MAX as usize) as u8;
        for id in ids.into_iter().take(u8::MAX as usize) {
            self.out.group_comments[id as usize] += f64::from(weight);
            self.out.members.push(id);
        }
    }

    fn harvest(self) -> Vec<SegmentGroups> {
        vec![self.out]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_term_only_one_group_uses_scores_high_and_an_even_one_near_zero() {
        // Two groups of 1,000 counts each.
        let only_here = log_odds_z(40.0, 1000.0, 40.0, 2000.0);
        let even = log_odds_z(20.0, 1000.0, 40.0, 2000.0);
        let only_there = log_odds_z(0.0, 1000.0, 40.0, 2000.0);
        assert!(only_here > 3.0, "{only_here}");
        assert!(even.abs() < 1e-9, "{even}");
        assert!(only_there < -3.0, "{only_there}");
        assert!((only_here + only_there).abs() < 1e-9, "symmetric");
    }

    #[test]
    fn more_evidence_means_a_higher_score_for_the_same_share() {
        // The same 4:1 split, with ten times the comments behind it.
        let few = log_odds_z(8.0, 1000.0, 10.0, 2000.0);
        let many = log_odds_z(80.0, 1000.0, 100.0, 2000.0);
        assert!(many > few, "{many} vs {few}");
    }
}
