//! Distinguishing terms: for each group of a search's matches (a
//! category, an organization type, a tag), the words and two-word phrases
//! that set its comments apart from the rest of the matches, by the
//! weighted log-odds ratio with an informative Dirichlet prior (Monroe,
//! Colaresi and Quinn, "Fightin' Words", Political Analysis 16(4), 2008,
//! section 3.5).
//!
//! Counts come from the text the index stores (answers, general comment
//! and the start of the attachments' text, `attachment_text::lead`) of the
//! matches, read back and cut into words and two-word
//! phrases (terms_analyzer.rs): all of them up to [`SAMPLE`] matches,
//! beyond that a sample of [`SAMPLE`] in evenly spaced runs of neighbours
//! (in index order, which is about the order received). Walking the postings
//! of a field made for this instead cost a million-comment index 47 s a
//! summary and tripled its rebuild (the phrases are millions of terms); a
//! sample costs the same at any size and ranks the leading terms the same.
//! A term counts once per comment, and a form-letter campaign once in
//! all: each of its sampled members weighs one over their number, so a
//! campaign of 10,000 copies does not drown what other commenters said.

use crate::index::SearchIndex;
use crate::search::{conjunction, filter_clauses, Filters, SearchError};
use crate::terms_analyzer::Terms;
use hashbrown::HashTable;
use rustc_hash::{FxBuildHasher, FxHashMap as HashMap};
use std::cmp::Ordering;
use std::hash::BuildHasher;
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::schema::{OwnedValue, Value};
use tantivy::{DocAddress, DocId, Score, SegmentOrdinal, SegmentReader, TantivyDocument};

/// The fields comments are grouped by, in the order groups are listed.
pub const GROUPED_BY: [&str; 3] = ["category", "org_type", "tag"];

/// Matches read at most; more are sampled down to it.
pub const SAMPLE: usize = 10_000;

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
    /// The group's comments that use it (a campaign counts once; of the
    /// sample, when the matches were sampled).
    pub comments: f64,
    /// The other matches that use it, counted the same way.
    pub elsewhere: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TermGroup {
    /// One of [`GROUPED_BY`].
    pub field: String,
    pub value: String,
    /// Its comments read (a campaign counts once).
    pub comments: f64,
    /// Most distinguishing first.
    pub terms: Vec<DistinguishingTerm>,
}

/// The distinguishing terms of a search's groups, and what they were
/// counted from.
#[derive(Debug, Clone, PartialEq)]
pub struct TermGroups {
    pub groups: Vec<TermGroup>,
    /// The matches, and those read (all of them, or [`SAMPLE`]).
    pub matches: u64,
    pub read: u64,
}

/// A comment read: its groups, campaign and distinct terms (ids).
struct Read {
    groups: Vec<u32>,
    campaign: Option<String>,
    /// Its distinct terms that some other comment read uses.
    terms: Vec<u32>,
    /// All its distinct terms (the sizes the scores are relative to).
    distinct: u32,
    /// One, or one over its campaign's members read.
    weight: f64,
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
    ) -> Result<TermGroups, SearchError> {
        let searcher = self.reader.searcher();
        let key = format!("{q}\0{filters:?}\0{per_group}");
        self.passes
            .terms
            .get_or_compute(searcher.generation().generation_id(), key, || {
                self.count_terms(&searcher, q, filters, per_group)
            })
    }

    /// The terms' pass over (a sample of) the matches.
    fn count_terms(
        &self,
        searcher: &tantivy::Searcher,
        q: &str,
        filters: &Filters,
        per_group: usize,
    ) -> Result<TermGroups, SearchError> {
        let s = &self.schema;
        let query = conjunction(self.parse(q)?, filter_clauses(s, filters));
        let segments = searcher.search(&query, &Matches)?;
        let matches: usize = segments.iter().map(|(_, docs)| docs.len()).sum();
        let mut groups: Vec<(usize, String)> = Vec::new();
        let mut group_ids: HashMap<(usize, String), u32> = HashMap::default();
        let mut group_of = |field: usize, value: String| -> u32 {
            let next = groups.len() as u32;
            *group_ids.entry((field, value.clone())).or_insert_with(|| {
                groups.push((field, value));
                next
            })
        };
        let mut cutter = Terms::default();
        let mut vocabulary = Vocabulary::default();
        // A term is numbered when a second comment uses it; until then its
        // comment keeps it aside. Most of a sample's distinct terms (nearly
        // every phrase) are of one comment only and can never lead a group
        // (that takes two): numbering them all was most of the time.
        let mut seen = Seen::new();
        let mut aside = Aside::default();
        let mut read: Vec<Read> = Vec::new();
        let mut i = 0usize;
        for (segment, docs) in &segments {
            for doc in docs {
                i += 1;
                if !sampled(i - 1, matches) {
                    continue;
                }
                let doc: TantivyDocument = searcher.doc(DocAddress::new(*segment, *doc))?;
                let text = |field| doc.get_all(field).filter_map(|v| v.as_str());
                let mut ids = Vec::new();
                for (at, field) in [(0, s.category), (1, s.org_type), (2, s.tag)] {
                    for value in text(field) {
                        ids.push(group_of(at, value.to_string()));
                    }
                }
                let mut terms: Vec<u32> = Vec::new();
                let this = read.len() as u32;
                let from = aside.entries.len();
                let mut cut = |t: &str| {
                    cutter.each(t, |term| {
                        let hash = FxBuildHasher.hash_one(term);
                        // Only a term an earlier comment had can be
                        // numbered: the bit spares most terms (of one
                        // comment) a probe into the vocabulary.
                        if !seen.before(hash) {
                            aside.keep(this, term, hash);
                        } else if let Some(id) = vocabulary.find(term, hash) {
                            terms.push(id);
                        } else {
                            terms.push(vocabulary.insert(term, hash));
                        }
                    })
                };
                if let Some(OwnedValue::Object(answers)) =
                    doc.get_first(s.answers_stored).map(OwnedValue::from)
                {
                    for (_, answer) in answers {
                        if let OwnedValue::Str(t) = answer {
                            cut(&t);
                        }
                    }
                }
                for t in text(s.comment).chain(text(s.attachment_lead)) {
                    cut(t);
                }
                for e in &aside.entries[from..] {
                    seen.mark(e.hash);
                }
                read.push(Read {
                    groups: ids,
                    campaign: text(s.campaign).next().map(str::to_string),
                    terms,
                    distinct: 0,
                    weight: 1.0,
                });
            }
        }
        // The terms kept aside that a later comment numbered; the others
        // count only in their comment's size.
        let mut alone: Vec<Vec<u64>> = vec![Vec::new(); read.len()];
        for e in &aside.entries {
            let term = &aside.bytes[e.start as usize..e.end as usize];
            match vocabulary.find(term, e.hash) {
                Some(id) => read[e.comment as usize].terms.push(id),
                None => alone[e.comment as usize].push(e.hash),
            }
        }
        drop(aside);
        for (r, mut alone) in read.iter_mut().zip(alone) {
            r.terms.sort_unstable();
            r.terms.dedup();
            alone.sort_unstable();
            alone.dedup();
            r.distinct = (r.terms.len() + alone.len()) as u32;
        }
        // Each campaign member weighs one over its campaign's number read.
        let mut sizes: HashMap<&str, u32> = HashMap::default();
        for r in &read {
            if let Some(c) = &r.campaign {
                *sizes.entry(c.as_str()).or_default() += 1;
            }
        }
        let weights: Vec<f64> = read
            .iter()
            .map(|r| {
                r.campaign
                    .as_deref()
                    .map_or(1.0, |c| 1.0 / f64::from(sizes[c]))
            })
            .collect();
        for (r, w) in read.iter_mut().zip(weights) {
            r.weight = w;
        }
        Ok(TermGroups {
            groups: rank(&groups, &read, &vocabulary, per_group),
            matches: matches as u64,
            read: read.len() as u64,
        })
    }
}

/// Consecutive matches read together in a sample.
const RUN: usize = 8;

/// Whether the `i`th of `matches` is read: all of them up to [`SAMPLE`],
/// else exactly [`SAMPLE`] in evenly spaced runs of [`RUN`] neighbours (the
/// first of each of `SAMPLE / RUN` equal spans). The store compresses a few
/// comments to a block: one comment at a time, every comment read cost a
/// block's decompression; neighbours share one. (Neighbours were received
/// together; a campaign arriving at once still weighs one in all.)
fn sampled(i: usize, matches: usize) -> bool {
    if matches <= SAMPLE {
        return true;
    }
    let (i, m, runs) = (i as u64, matches as u64, (SAMPLE / RUN) as u64);
    let span = i * runs / m;
    let start = (span * m).div_ceil(runs);
    i - start < RUN as u64
}

/// Every distinct term read, numbered. The terms' bytes live end to end in
/// one buffer and the table holds ids only: a sample of 10,000 comments
/// holds millions of distinct phrases, and two `String`s for each (the
/// key and the list) were most of the time spent numbering them.
#[derive(Default)]
struct Vocabulary {
    table: HashTable<u32>,
    /// Term `i` is `bytes[ends[i - 1]..ends[i]]` (from 0 for the first).
    bytes: String,
    ends: Vec<u32>,
    hashes: Vec<u64>,
}

impl Vocabulary {
    #[cfg(test)]
    fn id(&mut self, term: &str) -> u32 {
        let hash = FxBuildHasher.hash_one(term);
        match self.find(term, hash) {
            Some(id) => id,
            None => self.insert(term, hash),
        }
    }

    /// The id of `term` (of `FxBuildHasher` hash `hash`), if numbered.
    fn find(&self, term: &str, hash: u64) -> Option<u32> {
        self.table.find(hash, |id| self.term(*id) == term).copied()
    }

    /// Numbers `term`, not numbered yet.
    fn insert(&mut self, term: &str, hash: u64) -> u32 {
        let id = self.ends.len() as u32;
        let hashes = &self.hashes;
        self.table
            .insert_unique(hash, id, |id| hashes[*id as usize]);
        self.bytes.push_str(term);
        self.ends.push(self.bytes.len() as u32);
        self.hashes.push(hash);
        id
    }

    fn len(&self) -> usize {
        self.ends.len()
    }

    fn term(&self, id: u32) -> &str {
        let start = if id == 0 {
            0
        } else {
            self.ends[id as usize - 1]
        };
        &self.bytes[start as usize..self.ends[id as usize] as usize]
    }
}

/// Which term hashes an earlier comment had, one bit per slot of the
/// hash's top bits (a collision only numbers a term early).
struct Seen(Vec<u64>);

impl Seen {
    const BITS: u32 = 24;

    fn new() -> Self {
        Seen(vec![0; (1 << Self::BITS) / 64])
    }

    fn slot(hash: u64) -> (usize, u64) {
        let s = (hash >> (64 - Self::BITS)) as usize;
        (s / 64, 1 << (s % 64))
    }

    fn mark(&mut self, hash: u64) {
        let (word, bit) = Self::slot(hash);
        self.0[word] |= bit;
    }

    fn before(&self, hash: u64) -> bool {
        let (word, bit) = Self::slot(hash);
        self.0[word] & bit != 0
    }
}

/// Terms of one comment so far, kept aside unnumbered: their bytes end to
/// end, and which comment each is of.
#[derive(Default)]
struct Aside {
    bytes: String,
    entries: Vec<AsideTerm>,
}

struct AsideTerm {
    comment: u32,
    start: u32,
    end: u32,
    hash: u64,
}

impl Aside {
    fn keep(&mut self, comment: u32, term: &str, hash: u64) {
        let start = self.bytes.len() as u32;
        self.bytes.push_str(term);
        self.entries.push(AsideTerm {
            comment,
            start,
            end: self.bytes.len() as u32,
            hash,
        });
    }
}

/// The matches' documents, per segment, in order.
struct Matches;

impl Collector for Matches {
    type Fruit = Vec<(SegmentOrdinal, Vec<DocId>)>;
    type Child = SegmentMatches;

    fn for_segment(
        &self,
        ordinal: SegmentOrdinal,
        _segment: &SegmentReader,
    ) -> tantivy::Result<SegmentMatches> {
        Ok(SegmentMatches(ordinal, Vec::new()))
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(
        &self,
        fruits: Vec<Vec<(SegmentOrdinal, Vec<DocId>)>>,
    ) -> tantivy::Result<Self::Fruit> {
        let mut all: Self::Fruit = fruits.into_iter().flatten().collect();
        all.sort_by_key(|(ordinal, _)| *ordinal);
        Ok(all)
    }
}

struct SegmentMatches(SegmentOrdinal, Vec<DocId>);

impl SegmentCollector for SegmentMatches {
    type Fruit = Vec<(SegmentOrdinal, Vec<DocId>)>;

    fn collect(&mut self, doc: DocId, _score: Score) {
        self.1.push(doc);
    }

    fn harvest(self) -> Self::Fruit {
        vec![(self.0, self.1)]
    }
}

/// Each group's top terms by z-score: one group at a time, its comments'
/// terms counted in one array over the vocabulary.
fn rank(
    groups: &[(usize, String)],
    read: &[Read],
    terms: &Vocabulary,
    per_group: usize,
) -> Vec<TermGroup> {
    // Every term's prior is its count over all comments read (α0 = n, as
    // in the paper's informative prior from the whole corpus).
    let mut totals = vec![0.0f64; terms.len()];
    let mut members: Vec<Vec<u32>> = vec![Vec::new(); groups.len()];
    for (i, r) in read.iter().enumerate() {
        for t in &r.terms {
            totals[*t as usize] += r.weight;
        }
        for g in &r.groups {
            members[*g as usize].push(i as u32);
        }
    }
    // Sizes count all of a comment's distinct terms, those of it alone too.
    let n: f64 = read.iter().map(|r| r.weight * f64::from(r.distinct)).sum();
    let mut counts = vec![0.0f64; terms.len()];
    let mut touched: Vec<u32> = Vec::new();
    let mut scored: Vec<(f64, Vec<DistinguishingTerm>)> = Vec::with_capacity(groups.len());
    for docs in &members {
        let mut comments = 0.0;
        let mut ni = 0.0;
        for i in docs {
            let r = &read[*i as usize];
            comments += r.weight;
            ni += r.weight * f64::from(r.distinct);
            for t in &r.terms {
                if counts[*t as usize] == 0.0 {
                    touched.push(*t);
                }
                counts[*t as usize] += r.weight;
            }
        }
        // (z, term, its count here): named only once among the listed.
        let mut candidates: Vec<(f64, u32, f64)> = Vec::new();
        for t in touched.drain(..) {
            let y = std::mem::take(&mut counts[t as usize]);
            if y < MIN_GROUP_COMMENTS {
                continue;
            }
            let z = log_odds_z(y, ni, totals[t as usize], n);
            if z >= MIN_Z {
                candidates.push((z, t, y));
            }
        }
        // Highest first, ties by term.
        let order = |a: &(f64, u32, f64), b: &(f64, u32, f64)| {
            b.0.partial_cmp(&a.0)
                .unwrap_or(Ordering::Equal)
                .then_with(|| terms.term(a.1).cmp(terms.term(b.1)))
        };
        if candidates.len() > per_group {
            candidates.select_nth_unstable_by(per_group, order);
            candidates.truncate(per_group);
        }
        candidates.sort_by(order);
        let listed = candidates
            .into_iter()
            .map(|(z, t, y)| DistinguishingTerm {
                term: terms.term(t).to_string(),
                z,
                comments: y,
                elsewhere: totals[t as usize] - y,
            })
            .collect();
        scored.push((comments, listed));
    }
    let mut out: Vec<(&(usize, String), (f64, Vec<DistinguishingTerm>))> =
        groups.iter().zip(scored).collect();
    // By field in the order of GROUPED_BY, then by value.
    out.sort_by(|(a, _), (b, _)| a.cmp(b));
    out.into_iter()
        .map(|((field, value), (comments, terms))| TermGroup {
            field: GROUPED_BY[*field].to_string(),
            value: value.clone(),
            comments,
            terms,
        })
        .collect()
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
    fn a_sample_is_exactly_sample_evenly_spaced_matches() {
        for matches in [
            SAMPLE,
            SAMPLE + 1,
            2 * SAMPLE - 1,
            3 * SAMPLE + 7,
            1_000_000,
        ] {
            let picked: Vec<usize> = (0..matches).filter(|i| sampled(*i, matches)).collect();
            let want = matches.min(SAMPLE);
            assert_eq!(picked.len(), want, "{matches}");
            let widest = picked.windows(2).map(|w| w[1] - w[0]).max().unwrap_or(1);
            assert!(
                widest <= matches.div_ceil(SAMPLE / RUN),
                "{matches}: gap {widest}"
            );
            if matches > SAMPLE {
                // Runs of neighbours: a run's first is RUN before the next gap.
                let runs = picked.windows(2).filter(|w| w[1] - w[0] > 1).count() + 1;
                assert!(runs <= SAMPLE / RUN, "{matches}: {runs} runs");
                assert!(picked.last() > Some(&(matches - matches / (SAMPLE / RUN) - 1)));
            }
        }
        assert!((0..17).all(|i| sampled(i, 17)));
    }

    #[test]
    fn more_evidence_means_a_higher_score_for_the_same_share() {
        // The same 4:1 split, with ten times the comments behind it.
        let few = log_odds_z(8.0, 1000.0, 10.0, 2000.0);
        let many = log_odds_z(80.0, 1000.0, 100.0, 2000.0);
        assert!(many > few, "{many} vs {few}");
    }

    #[test]
    fn the_vocabulary_numbers_each_distinct_term_once_and_gives_it_back() {
        let mut v = Vocabulary::default();
        // Enough terms that the table grows several times.
        let terms: Vec<String> = (0..50_000).map(|i| format!("term {i}")).collect();
        let ids: Vec<u32> = terms.iter().map(|t| v.id(t)).collect();
        assert_eq!(ids, (0..50_000).collect::<Vec<u32>>());
        for (t, id) in terms.iter().zip(&ids).rev() {
            assert_eq!(v.id(t), *id, "{t} numbered again");
            assert_eq!(v.term(*id), t);
        }
        assert_eq!(v.len(), 50_000);
        // A term that is a prefix of another is its own term.
        let short = v.id("term 1");
        let long = v.id("term 10");
        assert_ne!(short, long);
        assert_eq!(v.id("t"), 50_000);
    }
}
