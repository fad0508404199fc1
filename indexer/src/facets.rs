//! Facet counts: for each keyword field, how many matching comments carry
//! each value. Counted from the fast (columnar) fields in the same pass that
//! finds the hits, by term ordinal, and turned into strings once per segment.

use std::collections::BTreeMap;
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::StrColumn;
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

    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }
}

pub struct FacetSegmentCollector {
    columns: Vec<(usize, StrColumn, Vec<u64>)>,
    fields: Vec<String>,
    /// Scratch space for reading a block of single-valued ordinals at once.
    block: Vec<Option<u64>>,
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
            if let Some(column) = segment.fast_fields().str(name)? {
                let counts = vec![0u64; column.num_terms()];
                columns.push((i, column, counts));
            }
        }
        Ok(FacetSegmentCollector {
            columns,
            fields: self.fields.clone(),
            block: Vec::new(),
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<FacetCounts>) -> tantivy::Result<FacetCounts> {
        let mut merged: FacetCounts = self
            .fields
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
        Ok(merged)
    }
}

impl SegmentCollector for FacetSegmentCollector {
    type Fruit = FacetCounts;

    fn collect(&mut self, doc: DocId, _score: Score) {
        for (_, column, counts) in &mut self.columns {
            for ord in column.term_ords(doc) {
                counts[ord as usize] += 1;
            }
        }
    }

    /// Unscored passes hand documents over in blocks: single-valued columns
    /// are then read a block at a time instead of a document at a time.
    fn collect_block(&mut self, docs: &[DocId]) {
        self.block.resize(docs.len(), None);
        for (_, column, counts) in &mut self.columns {
            let ords = column.ords();
            if ords.get_cardinality() == tantivy::columnar::Cardinality::Multivalued {
                for doc in docs {
                    for ord in column.term_ords(*doc) {
                        counts[ord as usize] += 1;
                    }
                }
            } else {
                ords.first_vals(docs, &mut self.block);
                for ord in self.block.iter().flatten() {
                    counts[*ord as usize] += 1;
                }
            }
        }
    }

    fn harvest(self) -> FacetCounts {
        let mut out = FacetCounts::new();
        for (i, column, counts) in self.columns {
            let values = out.entry(self.fields[i].clone()).or_default();
            let mut text = String::new();
            for (ord, n) in counts.into_iter().enumerate() {
                if n == 0 {
                    continue;
                }
                text.clear();
                if column.ord_to_str(ord as u64, &mut text).unwrap_or(false) {
                    values.insert(text.clone(), n);
                }
            }
        }
        out
    }
}
