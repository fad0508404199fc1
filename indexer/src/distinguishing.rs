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
//! The sample is cut into stretches counted on as many cores (up to four)
//! and put together into exactly the counts one pass gives.
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

    /// The terms' pass over (a sample of) the matches: the sample cut in
    /// [`parts`] stretches counted side by side, then put together in
    /// order (cutting text into terms is most of the pass). A summary's
    /// counts run beside it, so on two cores the two passes share them.
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
        let mut picked = Vec::with_capacity(matches.min(SAMPLE));
        let mut i = 0usize;
        for (segment, docs) in &segments {
            for doc in docs {
                if sampled(i, matches) {
                    picked.push(DocAddress::new(*segment, *doc));
                }
                i += 1;
            }
        }
        let count = |docs: &[DocAddress]| -> Result<Part, SearchError> {
            let mut part = Part::default();
            for address in docs {
                let doc: TantivyDocument = searcher.doc(*address)?;
                let text = |field| doc.get_all(field).filter_map(|v| v.as_str());
                let mut groups = Vec::new();
                for (at, field) in [(0, s.category), (1, s.org_type), (2, s.tag)] {
                    for value in text(field) {
                        groups.push((at, value));
                    }
                }
                let answers = match doc.get_first(s.answers_stored).map(OwnedValue::from) {
                    Some(OwnedValue::Object(answers)) => answers,
                    _ => Vec::new(),
                };
                let answers = answers.iter().filter_map(|(_, a)| match a {
                    OwnedValue::Str(t) => Some(t.as_str()),
                    _ => None,
                });
                part.add(
                    &groups,
                    text(s.campaign).next(),
                    answers
                        .chain(text(s.comment))
                        .chain(text(s.attachment_lead)),
                );
            }
            part.settle();
            Ok(part)
        };
        let count = &count;
        let stretch = picked.len().div_ceil(parts(picked.len())).max(1);
        let mut stretches = picked.chunks(stretch);
        let first = stretches.next().unwrap_or(&[]);
        let counted = std::thread::scope(|scope| {
            let others: Vec<_> = stretches
                .map(|docs| scope.spawn(move || count(docs)))
                .collect();
            let mut all = count(first)?;
            for other in others {
                let other = other
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))?;
                all.absorb(other);
            }
            Ok::<_, SearchError>(all)
        })?;
        Ok(counted.finish(matches, per_group, parts(picked.len())))
    }
}

/// Comments a stretch counts at least: with fewer, a thread and putting
/// two counts together cost more than they save.
const PART_AT_LEAST: usize = 1_000;

/// Stretches a sample of `read` comments is counted in: one per core, at
/// most four (each stretch's vocabulary is put into the first's).
fn parts(read: usize) -> usize {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    cores.min(4).min(read / PART_AT_LEAST).max(1)
}

/// The counts of a stretch of the sample: its comments, their groups and
/// the terms more than one of them uses (numbered), the others kept aside.
#[derive(Default)]
struct Part {
    cutter: Terms,
    groups: Vec<(usize, String)>,
    group_ids: HashMap<(usize, String), u32>,
    vocabulary: Vocabulary,
    // A term is numbered when a second comment uses it; until then its
    // comment keeps it aside. Most of a sample's distinct terms (nearly
    // every phrase) are of one comment only and can never lead a group
    // (that takes two): numbering them all was most of the time.
    seen: Seen,
    aside: Aside,
    read: Vec<Read>,
}

impl Part {
    fn group_of(&mut self, field: usize, value: &str) -> u32 {
        let next = self.groups.len() as u32;
        let groups = &mut self.groups;
        *self
            .group_ids
            .entry((field, value.to_string()))
            .or_insert_with(|| {
                groups.push((field, value.to_string()));
                next
            })
    }

    /// Counts a comment: its groups (the field's place in [`GROUPED_BY`],
    /// the value), campaign and texts.
    fn add<'t>(
        &mut self,
        groups: &[(usize, &str)],
        campaign: Option<&str>,
        texts: impl Iterator<Item = &'t str>,
    ) {
        let ids = groups.iter().map(|(f, v)| self.group_of(*f, v)).collect();
        let mut terms: Vec<u32> = Vec::new();
        let this = self.read.len() as u32;
        let from = self.aside.entries.len();
        let Part {
            cutter,
            vocabulary,
            seen,
            aside,
            ..
        } = self;
        for text in texts {
            cutter.each(text, |term| {
                let hash = FxBuildHasher.hash_one(term);
                // Only a term an earlier comment had can be numbered: the
                // bit spares most terms (of one comment) a probe into the
                // vocabulary.
                if !seen.before(hash) {
                    aside.keep(this, term, hash);
                } else if let Some(id) = vocabulary.find(term, hash) {
                    terms.push(id);
                } else {
                    terms.push(vocabulary.insert(term, hash));
                }
            });
        }
        for e in &aside.entries[from..] {
            seen.mark(e.hash);
        }
        self.read.push(Read {
            groups: ids,
            campaign: campaign.map(str::to_string),
            terms,
            distinct: 0,
            weight: 1.0,
        });
    }

    /// Settles what the stretch alone can, on its own thread: each term
    /// kept aside that a later comment numbered goes to its comment; those
    /// left are of one comment each, kept once. Each comment's terms are
    /// then listed once, in order.
    fn settle(&mut self) {
        let Part {
            vocabulary,
            aside,
            read,
            ..
        } = self;
        let entries = std::mem::take(&mut aside.entries);
        let mut kept: Vec<AsideTerm> = Vec::new();
        // A comment's entries are side by side.
        for comment in entries.chunk_by(|a, b| a.comment == b.comment) {
            let from = kept.len();
            for e in comment {
                match vocabulary.find(aside.term(e), e.hash) {
                    Some(id) => read[e.comment as usize].terms.push(id),
                    None => kept.push(*e),
                }
            }
            kept[from..].sort_unstable_by_key(|e| e.hash);
            let mut to = from;
            for at in from..kept.len() {
                if to == from || kept[to - 1].hash != kept[at].hash {
                    kept[to] = kept[at];
                    to += 1;
                }
            }
            kept.truncate(to);
        }
        aside.entries = kept;
        for r in read.iter_mut() {
            r.terms.sort_unstable();
            r.terms.dedup();
        }
    }

    /// Puts the counts of the (settled) stretch after this one after its
    /// own, as if counted in one. A term one of its comments kept aside is
    /// a term of this stretch's vocabulary, or kept aside by one of this
    /// stretch's comments too (so two comments' in all: numbered here), or
    /// of that comment alone; which, the other's bits of terms seen tell
    /// for most without a probe.
    fn absorb(&mut self, other: Part) {
        let groups: Vec<u32> = other
            .groups
            .iter()
            .map(|(field, value)| self.group_of(*field, value))
            .collect();
        let theirs = &other.vocabulary;
        let terms: Vec<u32> = (0..theirs.len() as u32)
            .map(|id| {
                let (term, hash) = (theirs.term(id), theirs.hashes[id as usize]);
                match self.vocabulary.find(term, hash) {
                    Some(mine) => mine,
                    None => self.vocabulary.insert(term, hash),
                }
            })
            .collect();
        let offset = self.read.len() as u32;
        self.read.extend(other.read.into_iter().map(|r| Read {
            groups: r.groups.iter().map(|g| groups[*g as usize]).collect(),
            terms: r.terms.iter().map(|t| terms[*t as usize]).collect(),
            ..r
        }));
        let Part {
            vocabulary,
            seen,
            aside,
            read,
            ..
        } = self;
        // This stretch's terms kept aside that the other may have had.
        let mut kept = std::mem::take(&mut aside.entries);
        let mut maybe: HashTable<u32> = HashTable::new();
        for at in 0..kept.len() {
            let e = kept[at];
            if other.seen.before(e.hash) {
                if let Some(id) = vocabulary.find(aside.term(&e), e.hash) {
                    read[e.comment as usize].terms.push(id);
                    kept[at].comment = GONE;
                } else {
                    maybe.insert_unique(e.hash, at as u32, |at| kept[*at as usize].hash);
                }
            }
        }
        let bytes = aside.bytes.len() as u32;
        for e in &other.aside.entries {
            let comment = e.comment + offset;
            if seen.before(e.hash) {
                let term = other.aside.term(e);
                if let Some(id) = vocabulary.find(term, e.hash) {
                    read[comment as usize].terms.push(id);
                    continue;
                }
                let mine = maybe.find(e.hash, |at| aside.term(&kept[*at as usize]) == term);
                if let Some(at) = mine {
                    let id = vocabulary.insert(term, e.hash);
                    read[comment as usize].terms.push(id);
                    let mine = &mut kept[*at as usize];
                    read[mine.comment as usize].terms.push(id);
                    mine.comment = GONE;
                    continue;
                }
            }
            kept.push(AsideTerm {
                comment,
                start: e.start + bytes,
                end: e.end + bytes,
                hash: e.hash,
            });
        }
        kept.retain(|e| e.comment != GONE);
        aside.entries = kept;
        aside.bytes.push_str(&other.aside.bytes);
        for (mine, theirs) in seen.0.iter_mut().zip(&other.seen.0) {
            *mine |= theirs;
        }
    }

    /// Each group's leading terms, of `matches` in all, scored on
    /// `threads` threads.
    fn finish(mut self, matches: usize, per_group: usize, threads: usize) -> TermGroups {
        let read = &mut self.read;
        // The terms still aside are of their comment alone: they count only
        // in its size.
        let mut alone = vec![0u32; read.len()];
        for e in &self.aside.entries {
            alone[e.comment as usize] += 1;
        }
        for (r, alone) in read.iter_mut().zip(alone) {
            r.distinct = r.terms.len() as u32 + alone;
        }
        // Each campaign member weighs one over its campaign's number read.
        let mut sizes: HashMap<String, u32> = HashMap::default();
        for r in read.iter() {
            if let Some(c) = &r.campaign {
                *sizes.entry(c.clone()).or_default() += 1;
            }
        }
        for r in read.iter_mut() {
            if let Some(c) = &r.campaign {
                r.weight = 1.0 / f64::from(sizes[c]);
            }
        }
        TermGroups {
            groups: rank(&self.groups, read, &self.vocabulary, per_group, threads),
            matches: matches as u64,
            read: read.len() as u64,
        }
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

impl Default for Seen {
    fn default() -> Self {
        Seen(vec![0; (1 << Self::BITS) / 64])
    }
}

impl Seen {
    const BITS: u32 = 24;

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

/// The comment of a term aside that has since been numbered.
const GONE: u32 = u32::MAX;

/// Terms of one comment so far, kept aside unnumbered: their bytes end to
/// end, and which comment each is of.
#[derive(Default)]
struct Aside {
    bytes: String,
    entries: Vec<AsideTerm>,
}

#[derive(Clone, Copy)]
struct AsideTerm {
    /// [`GONE`] once numbered while stretches are put together.
    comment: u32,
    start: u32,
    end: u32,
    hash: u64,
}

impl Aside {
    fn term(&self, e: &AsideTerm) -> &str {
        &self.bytes[e.start as usize..e.end as usize]
    }

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
/// terms counted in one array over the vocabulary; the groups dealt out
/// in turn to `threads` threads, each with its own array (a group's
/// comments' terms are millions of scattered additions at a million
/// comments).
fn rank(
    groups: &[(usize, String)],
    read: &[Read],
    terms: &Vocabulary,
    per_group: usize,
    threads: usize,
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
    let scoring = Scoring {
        read,
        terms,
        totals: &totals,
        n,
        per_group,
    };
    let threads = threads.min(members.len()).max(1);
    let mut scored = std::thread::scope(|scope| {
        let dealt = |k: usize| {
            let scoring = &scoring;
            let members = &members;
            move || {
                let mut counts = vec![0.0f64; scoring.terms.len()];
                (k..members.len())
                    .step_by(threads)
                    .map(|g| (g, scoring.group(&members[g], &mut counts)))
                    .collect::<Vec<_>>()
            }
        };
        let others: Vec<_> = (1..threads).map(|k| scope.spawn(dealt(k))).collect();
        let mine = dealt(0)();
        let theirs = others.into_iter().flat_map(|t| {
            t.join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        });
        mine.into_iter().chain(theirs).collect::<Vec<_>>()
    });
    scored.sort_unstable_by_key(|(g, _)| *g);
    let scored = scored.into_iter().map(|(_, group)| group);
    let mut out: Vec<_> = groups.iter().zip(scored).collect();
    // By field in the order of GROUPED_BY, then by value.
    out.sort_by_key(|(group, _)| *group);
    out.into_iter()
        .map(|((field, value), (comments, terms))| TermGroup {
            field: GROUPED_BY[*field].to_string(),
            value: value.clone(),
            comments,
            terms,
        })
        .collect()
}

/// What scoring a group's terms reads.
struct Scoring<'a> {
    read: &'a [Read],
    terms: &'a Vocabulary,
    totals: &'a [f64],
    n: f64,
    per_group: usize,
}

impl Scoring<'_> {
    /// A group's comments (a campaign counting once) and its top terms,
    /// counted in `counts` (all zero before and after).
    fn group(&self, docs: &[u32], counts: &mut [f64]) -> (f64, Vec<DistinguishingTerm>) {
        let (terms, totals) = (self.terms, self.totals);
        let mut touched: Vec<u32> = Vec::new();
        let mut comments = 0.0;
        let mut ni = 0.0;
        for i in docs {
            let r = &self.read[*i as usize];
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
            let z = log_odds_z(y, ni, totals[t as usize], self.n);
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
        if candidates.len() > self.per_group {
            candidates.select_nth_unstable_by(self.per_group, order);
            candidates.truncate(self.per_group);
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
        (comments, listed)
    }
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

    /// Comment `i` of 300: a tenth in a small category, and one of four
    /// tags; words drawn from a common list; one word of its own; "tri"
    /// words once in each third of the small category's comments and
    /// "duo" words once in the first third and twice in the second; a
    /// campaign of the large category.
    fn comment(i: usize) -> (Vec<(usize, String)>, Option<String>, String) {
        const COMMON: [&str; 12] = [
            "export",
            "chips",
            "standards",
            "cloud",
            "region",
            "financing",
            "models",
            "security",
            "allies",
            "package",
            "compute",
            "energy",
        ];
        let mut state = i as u64 * 2_654_435_761 + 1;
        let mut words: Vec<String> = (0..12)
            .map(|_| {
                state = state
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1);
                COMMON[(state >> 33) as usize % COMMON.len()].to_string()
            })
            .collect();
        words.push(format!("solo{i}"));
        let k = (i % 100) / 10;
        if i.is_multiple_of(10) {
            words.push(format!("tri{k}"));
            // duo{j}: comments 10j, 100 + 10j and 110 + 10j.
            if i < 100 && k < 9 {
                words.push(format!("duo{k}"));
            }
            if (100..200).contains(&i) {
                if k < 9 {
                    words.push(format!("duo{k}"));
                }
                if k >= 1 {
                    words.push(format!("duo{}", k - 1));
                }
            }
        }
        let category = if i.is_multiple_of(10) {
            "small"
        } else {
            "large"
        };
        let campaign = (i % 10 == 5).then(|| "campaign".to_string());
        let tag = format!("tag{}", i % 4);
        (
            vec![(0, category.to_string()), (2, tag)],
            campaign,
            words.join(" "),
        )
    }

    /// The 300 comments counted in stretches ending before `ends`, scored
    /// on `threads` threads.
    fn counted(ends: &[usize], threads: usize) -> TermGroups {
        let starts = std::iter::once(0).chain(ends.iter().copied());
        let parts = starts.zip(ends).map(|(start, end)| {
            let mut part = Part::default();
            for i in start..*end {
                let (groups, campaign, text) = comment(i);
                let groups: Vec<(usize, &str)> =
                    groups.iter().map(|(f, v)| (*f, v.as_str())).collect();
                part.add(&groups, campaign.as_deref(), std::iter::once(text.as_str()));
            }
            part.settle();
            part
        });
        let mut parts = parts.collect::<Vec<_>>().into_iter();
        let mut all = parts.next().unwrap();
        for other in parts {
            all.absorb(other);
        }
        all.finish(300, 20, threads)
    }

    #[test]
    fn a_sample_counted_in_stretches_gives_what_one_count_gives() {
        let one = counted(&[300], 1);
        let small = &one
            .groups
            .iter()
            .find(|g| g.value == "small")
            .unwrap()
            .terms;
        // Terms no stretch of three has twice are among those listed, so
        // putting the stretches together has to number them.
        assert!(small.iter().any(|t| t.term.starts_with("tri")), "{small:?}");
        assert!(small.iter().any(|t| t.term.starts_with("duo")), "{small:?}");
        assert_eq!(counted(&[150, 300], 2), one);
        assert_eq!(counted(&[100, 200, 300], 3), one);
        assert_eq!(counted(&[1, 299, 300], 1), one);
        // More threads than groups.
        assert_eq!(counted(&[300], 5), one);
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
