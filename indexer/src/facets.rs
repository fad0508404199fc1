//! Facet counts: for each keyword field, how many matching comments carry
//! each value. Counted from the fast (columnar) fields in the same pass that
//! finds the hits, by term ordinal, and turned into strings once per segment.
//!
//! A multi-valued field is read from its *set* column when the schema has
//! one (`question` from `question_set`): one value per comment, the set of
//! its values, so a block of comments is read at once. Reading the
//! multi-valued column a comment at a time took 40 % of a word query.
//!
//! The single-valued fields are read together from `facet_key`, each
//! comment's values of all of them as one term: one read per comment
//! instead of six, counted per term and handed to each field at the end.
//! Reading the columns was most of the facets' cost, and a docket has few
//! distinct combinations per segment.

use crate::schema::{set_column, COMBINED_FIELDS, FIELD_SEPARATOR, SET_SEPARATOR};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, OnceLock};
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::{Cardinality, ColumnIndex, StrColumn};
use tantivy::index::SegmentId;
use tantivy::{DocId, Score, SegmentOrdinal, SegmentReader};

/// Field name to value to count.
pub type FacetCounts = BTreeMap<String, BTreeMap<String, u64>>;

/// The column all of [`COMBINED_FIELDS`] are read from.
const COMBINED_COLUMN: &str = "facet_key";

pub struct FacetCollector {
    fields: Vec<String>,
}

impl FacetCollector {
    pub fn new(fields: Vec<String>) -> Self {
        FacetCollector { fields }
    }
}

/// Where a keyword field's values are read from in one segment.
pub(crate) struct FacetColumn {
    pub(crate) column: StrColumn,
    /// When each term joins several values (a set column, or the fields
    /// of `facet_key`): the terms taken apart once per segment.
    split: Option<Arc<SplitTerms>>,
}

/// A column's terms taken apart: per part (a field of `facet_key`, or the
/// one part of a set column), the distinct values, the distinct texts the
/// part takes (its *part terms*) and their values, and each term's part
/// terms. A coded docket has thousands of tag combinations per segment;
/// splitting and naming them on every search cost 170 ms.
pub(crate) struct SplitTerms {
    parts: Vec<Part>,
    /// Term ordinal `o`'s part term of part `p` is `rows[o * parts + p]`.
    rows: Vec<u32>,
}

#[derive(Default)]
struct Part {
    values: Vec<String>,
    /// Part term `t`'s values are `ids[start[t]..start[t + 1]]`.
    start: Vec<u32>,
    ids: Vec<u32>,
}

impl Part {
    fn terms(&self) -> usize {
        self.start.len() - 1
    }

    fn of(&self, term: usize) -> &[u32] {
        &self.ids[self.start[term] as usize..self.start[term + 1] as usize]
    }
}

impl SplitTerms {
    /// Each term is `parts` parts joined by [`FIELD_SEPARATOR`], each part
    /// values joined by [`SET_SEPARATOR`]; an empty part has no value.
    fn read(column: &StrColumn, parts: usize) -> std::io::Result<Self> {
        let mut value_ids: Vec<HashMap<String, u32>> = vec![HashMap::new(); parts];
        let mut term_ids: Vec<HashMap<String, u32>> = vec![HashMap::new(); parts];
        let mut out: Vec<Part> = (0..parts).map(|_| Part::default()).collect();
        for part in &mut out {
            part.start.push(0);
        }
        let mut rows = Vec::with_capacity(column.num_terms() * parts);
        let mut stream = column.dictionary().stream()?;
        while stream.advance() {
            let text = String::from_utf8_lossy(stream.key());
            let mut pieces = text.split(FIELD_SEPARATOR);
            for (p, part) in out.iter_mut().enumerate() {
                let piece = pieces.next().unwrap_or("");
                if let Some(t) = term_ids[p].get(piece) {
                    rows.push(*t);
                    continue;
                }
                for v in piece.split(SET_SEPARATOR).filter(|v| !v.is_empty()) {
                    let id = *value_ids[p].entry(v.to_string()).or_insert_with(|| {
                        part.values.push(v.to_string());
                        (part.values.len() - 1) as u32
                    });
                    part.ids.push(id);
                }
                part.start.push(part.ids.len() as u32);
                let t = (part.start.len() - 2) as u32;
                term_ids[p].insert(piece.to_string(), t);
                rows.push(t);
            }
        }
        Ok(SplitTerms { parts: out, rows })
    }

    /// Term ordinal to part term, for part `p`.
    fn part_terms(&self, p: usize) -> impl Iterator<Item = usize> + '_ {
        self.rows
            .iter()
            .skip(p)
            .step_by(self.parts.len())
            .map(|t| *t as usize)
    }
}

/// A cache of what is made once per segment: segments are immutable, so
/// it is kept by segment id (a new generation or a merge makes new ids).
pub(crate) type SegmentCache<K, T> = OnceLock<Mutex<HashMap<K, Arc<T>>>>;

/// `key`'s value in `cache`, made by `make` when missing; the cache is
/// emptied when it holds `capacity` (past what a few indexes' segments
/// need).
pub(crate) fn per_segment<K: Eq + std::hash::Hash, T>(
    cache: &SegmentCache<K, T>,
    key: K,
    capacity: usize,
    make: impl FnOnce() -> std::io::Result<T>,
) -> tantivy::Result<Arc<T>> {
    let cache = cache.get_or_init(Default::default);
    if let Some(found) = cache.lock().unwrap_or_else(|e| e.into_inner()).get(&key) {
        return Ok(found.clone());
    }
    let made = Arc::new(make()?);
    let mut cache = cache.lock().unwrap_or_else(|e| e.into_inner());
    if cache.len() >= capacity {
        cache.clear();
    }
    cache.insert(key, made.clone());
    Ok(made)
}

/// A column's split terms, once per segment.
fn split_terms(
    segment: &SegmentReader,
    field: &str,
    column: &StrColumn,
    parts: usize,
) -> tantivy::Result<Arc<SplitTerms>> {
    static CACHE: SegmentCache<(SegmentId, String), SplitTerms> = OnceLock::new();
    let key = (segment.segment_id(), field.to_string());
    per_segment(&CACHE, key, 1_024, || SplitTerms::read(column, parts))
}

impl FacetColumn {
    /// `None` when no document of the segment has the field.
    pub(crate) fn open(segment: &SegmentReader, field: &str) -> tantivy::Result<Option<Self>> {
        if let Some(set_field) = set_column(field) {
            return Self::split(segment, set_field, 1);
        }
        let column = segment.fast_fields().str(field)?;
        Ok(column.map(|column| FacetColumn {
            column,
            split: None,
        }))
    }

    /// The column `facet_key`, if the segment has it.
    pub(crate) fn combined(segment: &SegmentReader) -> tantivy::Result<Option<Self>> {
        Self::split(segment, COMBINED_COLUMN, COMBINED_FIELDS.len())
    }

    fn split(segment: &SegmentReader, name: &str, parts: usize) -> tantivy::Result<Option<Self>> {
        let Some(column) = segment.fast_fields().str(name)? else {
            return Ok(None);
        };
        let split = Some(split_terms(segment, name, &column, parts)?);
        Ok(Some(FacetColumn { column, split }))
    }

    /// Whether terms join several values (read with [`Self::values_of`]);
    /// else each term is one value ([`Self::names_of`]).
    pub(crate) fn is_split(&self) -> bool {
        self.split.is_some()
    }

    /// The terms of sorted ordinals, in one walk of the dictionary: each
    /// block decompressed once. A column of 240,000 organizations named a
    /// term at a time decompressed a block per term, for seconds.
    pub(crate) fn names_of(&self, sorted_ords: &[u64]) -> Vec<String> {
        let mut out = Vec::with_capacity(sorted_ords.len());
        let _ = self
            .column
            .dictionary()
            .sorted_ords_to_term_cb(sorted_ords, |bytes| {
                out.push(String::from_utf8_lossy(bytes).into_owned())
            });
        out
    }

    /// A split column's value ids of term `ord`, part `part`.
    pub(crate) fn split_ids(&self, ord: u64, part: usize) -> &[u32] {
        match &self.split {
            Some(split) => {
                let t = split.rows[ord as usize * split.parts.len() + part] as usize;
                split.parts[part].of(t)
            }
            None => &[],
        }
    }

    /// A split column's value by id.
    pub(crate) fn split_value(&self, part: usize, id: u32) -> Option<&str> {
        let split = self.split.as_ref()?;
        split.parts[part]
            .values
            .get(id as usize)
            .map(String::as_str)
    }

    /// The values term `ord` holds: its `part`th part's, or the term.
    pub(crate) fn values_of(&self, ord: u64, part: usize) -> Vec<String> {
        if let Some(split) = &self.split {
            let p = &split.parts[part];
            let t = split.rows[ord as usize * split.parts.len() + part] as usize;
            return p
                .of(t)
                .iter()
                .map(|i| p.values[*i as usize].clone())
                .collect();
        }
        let mut text = String::new();
        match self.column.ord_to_str(ord, &mut text) {
            Ok(true) if !text.is_empty() => vec![text],
            _ => Vec::new(),
        }
    }

    pub(crate) fn num_terms(&self) -> usize {
        self.column.num_terms()
    }

    /// Whether documents can be read a block at a time.
    pub(crate) fn single_valued(&self) -> bool {
        self.column.ords().get_cardinality() != Cardinality::Multivalued
    }

    /// By term ordinal: whether the term holds any of `values`.
    pub(crate) fn accepting(&self, values: &[String]) -> tantivy::Result<Vec<bool>> {
        let mut accepted = vec![false; self.num_terms()];
        if let Some(split) = &self.split {
            let part = &split.parts[0];
            let wanted: Vec<bool> = part
                .values
                .iter()
                .map(|v| values.iter().any(|w| w == v))
                .collect();
            let by_term: Vec<bool> = (0..part.terms())
                .map(|t| part.of(t).iter().any(|i| wanted[*i as usize]))
                .collect();
            for (accept, t) in accepted.iter_mut().zip(split.part_terms(0)) {
                *accept = by_term[t];
            }
        } else {
            for value in values {
                if let Some(ord) = self.column.dictionary().term_ord(value.as_bytes())? {
                    accepted[ord as usize] = true;
                }
            }
        }
        Ok(accepted)
    }

    /// Adds counts by term ordinal to `values`, by the values' text: of
    /// the term itself, or of its `part`th part.
    pub(crate) fn add_named(
        &self,
        counts: &[u64],
        part_index: usize,
        values: &mut BTreeMap<String, u64>,
    ) {
        if let Some(split) = &self.split {
            // Summed by part term, then by value, before any value is
            // named: the terms are many, their parts' values few.
            let part = &split.parts[part_index];
            let mut by_term = vec![0u64; part.terms()];
            for (n, t) in counts.iter().zip(split.part_terms(part_index)) {
                by_term[t] += n;
            }
            let mut by_value = vec![0u64; part.values.len()];
            for (t, n) in by_term.into_iter().enumerate() {
                if n > 0 {
                    for i in part.of(t) {
                        by_value[*i as usize] += n;
                    }
                }
            }
            for (value, n) in part.values.iter().zip(by_value) {
                if n > 0 {
                    *values.entry(value.clone()).or_default() += n;
                }
            }
            return;
        }
        let ords: Vec<u64> = (0..counts.len() as u64)
            .filter(|o| counts[*o as usize] > 0)
            .collect();
        for (ord, name) in ords.iter().zip(self.names_of(&ords)) {
            *values.entry(name).or_default() += counts[*ord as usize];
        }
    }
}

/// One column read for the facets and what its counts are handed to: the
/// requested fields, by index, and the part of each term that is theirs.
struct Counted {
    column: FacetColumn,
    counts: Vec<u64>,
    fields: Vec<(usize, usize)>,
}

pub struct FacetSegmentCollector {
    columns: Vec<Counted>,
    fields: Vec<String>,
    /// Scratch space for reading a block of documents' ordinals at once.
    scratch: BlockScratch,
    /// Scored documents waiting for a block to fill.
    pending: Vec<DocId>,
}

/// Documents read from the columns at once.
pub(crate) const BLOCK: usize = 64;

#[derive(Default)]
struct BlockScratch {
    docs: Vec<DocId>,
    rows: Vec<u32>,
    ords: Vec<u64>,
}

impl Collector for FacetCollector {
    type Fruit = FacetCounts;
    type Child = FacetSegmentCollector;

    fn for_segment(
        &self,
        _segment_local_id: SegmentOrdinal,
        segment: &SegmentReader,
    ) -> tantivy::Result<Self::Child> {
        let mut columns = Vec::new();
        // The combined fields asked for, when the segment has their column.
        let combined: Vec<(usize, usize)> = self
            .fields
            .iter()
            .enumerate()
            .filter_map(|(i, name)| {
                let part = COMBINED_FIELDS.iter().position(|f| f == name)?;
                Some((i, part))
            })
            .collect();
        let combined = match combined.is_empty() {
            true => None,
            false => FacetColumn::combined(segment)?.map(|column| (column, combined)),
        };
        for (i, name) in self.fields.iter().enumerate() {
            if combined
                .as_ref()
                .is_some_and(|(_, fields)| fields.iter().any(|(j, _)| *j == i))
            {
                continue;
            }
            // A segment where no document has the field has no column.
            if let Some(column) = FacetColumn::open(segment, name)? {
                let counts = vec![0u64; column.num_terms()];
                columns.push(Counted {
                    column,
                    counts,
                    fields: vec![(i, 0)],
                });
            }
        }
        if let Some((column, fields)) = combined {
            let counts = vec![0u64; column.num_terms()];
            columns.push(Counted {
                column,
                counts,
                fields,
            });
        }
        Ok(FacetSegmentCollector {
            columns,
            fields: self.fields.clone(),
            scratch: BlockScratch::default(),
            pending: Vec::with_capacity(BLOCK),
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<FacetCounts>) -> tantivy::Result<FacetCounts> {
        Ok(merge_counts(&self.fields, fruits))
    }
}

/// Sums per-segment counts; every field in `fields` is in the result, if
/// only with no values.
pub(crate) fn merge_counts(fields: &[String], fruits: Vec<FacetCounts>) -> FacetCounts {
    let mut merged: FacetCounts = fields
        .iter()
        .map(|f| (f.clone(), BTreeMap::new()))
        .collect();
    for fruit in fruits {
        for (field, values) in fruit {
            let into = merged.entry(field).or_default();
            for (value, n) in values {
                *into.entry(value).or_default() += n;
            }
        }
    }
    merged
}

impl SegmentCollector for FacetSegmentCollector {
    type Fruit = FacetCounts;

    /// Scored passes hand over one document at a time: they are kept until
    /// a block is full, so the columns are still read a block at a time.
    fn collect(&mut self, doc: DocId, _score: Score) {
        self.pending.push(doc);
        if self.pending.len() == BLOCK {
            let pending = std::mem::take(&mut self.pending);
            self.collect_block(&pending);
            self.pending = pending;
            self.pending.clear();
        }
    }

    /// Unscored passes hand documents over in blocks: single-valued columns
    /// are then read a block at a time instead of a document at a time.
    fn collect_block(&mut self, docs: &[DocId]) {
        let scratch = &mut self.scratch;
        for Counted { column, counts, .. } in &mut self.columns {
            let ords = column.column.ords();
            match &ords.index {
                // Every document has the one value (one docket): nothing to read.
                ColumnIndex::Full if counts.len() == 1 => {
                    counts[0] += docs.len() as u64;
                    continue;
                }
                // Row = document: the whole block in one call.
                ColumnIndex::Full => {
                    scratch.ords.resize(docs.len(), 0);
                    ords.values.get_vals(docs, &mut scratch.ords);
                }
                // Rows of the documents that have a value, then their values.
                index => {
                    scratch.docs.clear();
                    scratch.rows.clear();
                    index.docids_to_rowids(docs, &mut scratch.docs, &mut scratch.rows);
                    scratch.ords.resize(scratch.rows.len(), 0);
                    ords.values.get_vals(&scratch.rows, &mut scratch.ords);
                }
            }
            for ord in &scratch.ords {
                counts[*ord as usize] += 1;
            }
        }
    }

    fn harvest(mut self) -> FacetCounts {
        let pending = std::mem::take(&mut self.pending);
        self.collect_block(&pending);
        let mut out = FacetCounts::new();
        for c in &self.columns {
            for (i, part) in &c.fields {
                let values = out.entry(self.fields[*i].clone()).or_default();
                c.column.add_named(&c.counts, *part, values);
            }
        }
        out
    }
}
