//! Facet counts: for each keyword field, how many matching comments carry
//! each value. Counted from the fast (columnar) fields in the same pass that
//! finds the hits, by term ordinal, and turned into strings once per segment.
//!
//! A multi-valued field is read from its *set* column when the schema has
//! one (`question` from `question_set`): one value per comment, the set of
//! its values, so a block of comments is read at once. Reading the
//! multi-valued column a comment at a time took 40 % of a word query.

use crate::schema::{set_column, SET_SEPARATOR};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, OnceLock};
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::{Cardinality, ColumnIndex, StrColumn};
use tantivy::index::SegmentId;
use tantivy::{DocId, Score, SegmentOrdinal, SegmentReader};

/// Field name to value to count.
pub type FacetCounts = BTreeMap<String, BTreeMap<String, u64>>;

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
    /// When each term is a set of values joined by [`SET_SEPARATOR`]: the
    /// terms taken apart once per segment.
    set: Option<Arc<SetTerms>>,
}

/// A set column's terms taken apart: the distinct values, and each term's
/// values by index. A coded docket has thousands of tag combinations per
/// segment; splitting and naming them on every search cost 170 ms.
pub(crate) struct SetTerms {
    values: Vec<String>,
    by_ord: Vec<Box<[u32]>>,
}

impl SetTerms {
    fn read(column: &StrColumn) -> std::io::Result<Self> {
        let mut index: HashMap<String, u32> = HashMap::new();
        let mut values = Vec::new();
        let mut by_ord = Vec::with_capacity(column.num_terms());
        let mut stream = column.dictionary().stream()?;
        while stream.advance() {
            let text = String::from_utf8_lossy(stream.key());
            let ids: Box<[u32]> = text
                .split(SET_SEPARATOR)
                .filter(|v| !v.is_empty())
                .map(|v| {
                    *index.entry(v.to_string()).or_insert_with(|| {
                        values.push(v.to_string());
                        (values.len() - 1) as u32
                    })
                })
                .collect();
            by_ord.push(ids);
        }
        Ok(SetTerms { values, by_ord })
    }
}

/// Segments are immutable, so their set terms are kept by segment id (a
/// new generation or a merge makes new ids; the cache is emptied when it
/// grows past what a few indexes' segments need).
fn set_terms(
    segment: &SegmentReader,
    field: &str,
    column: &StrColumn,
) -> tantivy::Result<Arc<SetTerms>> {
    static CACHE: OnceLock<Mutex<HashMap<(SegmentId, String), Arc<SetTerms>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    let key = (segment.segment_id(), field.to_string());
    if let Some(found) = cache.lock().unwrap_or_else(|e| e.into_inner()).get(&key) {
        return Ok(found.clone());
    }
    let terms = Arc::new(SetTerms::read(column)?);
    let mut cache = cache.lock().unwrap_or_else(|e| e.into_inner());
    if cache.len() >= 1_024 {
        cache.clear();
    }
    cache.insert(key, terms.clone());
    Ok(terms)
}

impl FacetColumn {
    /// `None` when no document of the segment has the field.
    pub(crate) fn open(segment: &SegmentReader, field: &str) -> tantivy::Result<Option<Self>> {
        if let Some(set_field) = set_column(field) {
            let Some(column) = segment.fast_fields().str(set_field)? else {
                return Ok(None);
            };
            let set = Some(set_terms(segment, set_field, &column)?);
            return Ok(Some(FacetColumn { column, set }));
        }
        let column = segment.fast_fields().str(field)?;
        Ok(column.map(|column| FacetColumn { column, set: None }))
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
        if let Some(set) = &self.set {
            let wanted: Vec<bool> = set
                .values
                .iter()
                .map(|v| values.iter().any(|w| w == v))
                .collect();
            for (accept, ids) in accepted.iter_mut().zip(&set.by_ord) {
                *accept = ids.iter().any(|i| wanted[*i as usize]);
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

    /// Adds counts by term ordinal to `values`, by the values' text.
    pub(crate) fn add_named(&self, counts: Vec<u64>, values: &mut BTreeMap<String, u64>) {
        if let Some(set) = &self.set {
            // Summed by value index first: each value is named once.
            let mut by_value = vec![0u64; set.values.len()];
            for (ids, n) in set.by_ord.iter().zip(&counts) {
                if *n > 0 {
                    for i in ids.iter() {
                        by_value[*i as usize] += n;
                    }
                }
            }
            for (value, n) in set.values.iter().zip(by_value) {
                if n > 0 {
                    *values.entry(value.clone()).or_default() += n;
                }
            }
            return;
        }
        let mut text = String::new();
        for (ord, n) in counts.into_iter().enumerate() {
            if n == 0 {
                continue;
            }
            text.clear();
            if self
                .column
                .ord_to_str(ord as u64, &mut text)
                .unwrap_or(false)
            {
                *values.entry(text.clone()).or_default() += n;
            }
        }
    }
}

pub struct FacetSegmentCollector {
    columns: Vec<(usize, FacetColumn, Vec<u64>)>,
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
        for (i, name) in self.fields.iter().enumerate() {
            // A segment where no document has the field has no column.
            if let Some(column) = FacetColumn::open(segment, name)? {
                let counts = vec![0u64; column.num_terms()];
                columns.push((i, column, counts));
            }
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
        for (_, column, counts) in &mut self.columns {
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
        for (i, column, counts) in self.columns {
            column.add_named(counts, out.entry(self.fields[i].clone()).or_default());
        }
        out
    }
}
