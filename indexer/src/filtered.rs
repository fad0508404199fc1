//! Keyword filters applied while collecting, so that one pass over the
//! query's matches gives both the filtered results and the counts of each
//! filtered field *without its own filter* (what checking another value
//! would bring). Running the query again per filtered field cost a second
//! full pass, the worst case of the search benchmark (a phrase filtered by
//! country read the phrase's positions twice).

use crate::facets::{merge_counts, FacetColumn, FacetCounts, BLOCK};
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::{DocId, Score, SegmentOrdinal, SegmentReader};

/// Keyword field name and the values it accepts (any of them).
pub type KeywordFilter = (String, Vec<String>);

/// Hands the documents that pass every filter to `inner`, and counts, per
/// filtered field, the values of documents that pass every *other* filter.
pub struct FilteredCollector<C> {
    filters: Vec<KeywordFilter>,
    inner: C,
}

impl<C> FilteredCollector<C> {
    /// At most 32 filters (one bit each); there are eleven keyword fields.
    pub fn new(filters: Vec<KeywordFilter>, inner: C) -> Self {
        assert!(filters.len() <= 32, "one bit per filter");
        FilteredCollector { filters, inner }
    }
}

struct SegmentFilter {
    /// `None`: no document of this segment has the field, so none passes.
    column: Option<FacetColumn>,
    /// By term ordinal of this segment: whether the filter accepts it.
    accepted: Vec<bool>,
    /// By term ordinal: documents passing every other filter.
    counts: Vec<u64>,
    /// Single-valued columns: the ordinals of the current block's documents,
    /// read at once (a document at a time is several times slower).
    block: Option<Vec<Option<u64>>>,
}

impl SegmentFilter {
    fn passes(&self, doc: DocId) -> bool {
        self.column.as_ref().is_some_and(|c| {
            c.column
                .term_ords(doc)
                .any(|ord| self.accepted[ord as usize])
        })
    }

    /// Counts the `j`th document of the block just read.
    fn count_in_block(&mut self, j: usize, doc: DocId) {
        match &self.block {
            Some(block) => {
                if let Some(ord) = block[j] {
                    self.counts[ord as usize] += 1;
                }
            }
            None => self.count(doc),
        }
    }

    fn count(&mut self, doc: DocId) {
        if let Some(column) = &self.column {
            for ord in column.column.term_ords(doc) {
                self.counts[ord as usize] += 1;
            }
        }
    }
}

pub struct FilteredSegmentCollector<S> {
    inner: S,
    filters: Vec<SegmentFilter>,
    names: Vec<String>,
    /// Scratch space: the documents of a block that pass every filter, and
    /// one bit per filter each document of the block fails.
    passing: Vec<DocId>,
    failed: Vec<u32>,
    /// Scored documents waiting for a block to fill, and their ids.
    scored: Vec<(DocId, Score)>,
    scored_docs: Vec<DocId>,
}

impl<S: SegmentCollector> FilteredSegmentCollector<S> {
    /// Counts a block of matches in the facets each belongs to, and leaves
    /// in `passing` those that pass every filter.
    fn evaluate(&mut self, docs: &[DocId]) {
        self.failed.clear();
        self.failed.resize(docs.len(), 0);
        for (i, filter) in self.filters.iter_mut().enumerate() {
            let bit = 1u32 << i;
            match (&filter.column, &mut filter.block) {
                (None, _) => self.failed.iter_mut().for_each(|f| *f |= bit),
                (Some(column), Some(block)) => {
                    block.resize(docs.len(), None);
                    column.column.ords().first_vals(docs, block);
                    for (failed, ord) in self.failed.iter_mut().zip(block.iter()) {
                        if !ord.is_some_and(|o| filter.accepted[o as usize]) {
                            *failed |= bit;
                        }
                    }
                }
                (Some(_), None) => {
                    for (failed, doc) in self.failed.iter_mut().zip(docs) {
                        if !filter.passes(*doc) {
                            *failed |= bit;
                        }
                    }
                }
            }
        }
        self.passing.clear();
        for (j, (&doc, &failed)) in docs.iter().zip(&self.failed).enumerate() {
            if failed == 0 {
                // Passing every filter: counted in every filtered field.
                self.passing.push(doc);
                for filter in &mut self.filters {
                    filter.count_in_block(j, doc);
                }
            } else if failed.is_power_of_two() {
                // Failing one: counted in that field only (what choosing
                // its value would bring). Failing two: nowhere.
                self.filters[failed.trailing_zeros() as usize].count_in_block(j, doc);
            }
        }
    }

    /// Evaluates the kept scored documents and hands on those that pass.
    fn flush_scored(&mut self) {
        if self.scored.is_empty() {
            return;
        }
        let scored = std::mem::take(&mut self.scored);
        let mut docs = std::mem::take(&mut self.scored_docs);
        docs.clear();
        docs.extend(scored.iter().map(|(d, _)| *d));
        self.evaluate(&docs);
        self.scored_docs = docs;
        let mut passing = self.passing.iter().peekable();
        for (doc, score) in &scored {
            if passing.next_if_eq(&doc).is_some() {
                self.inner.collect(*doc, *score);
            }
        }
        self.scored = scored;
        self.scored.clear();
    }
}

impl<C: Collector> Collector for FilteredCollector<C> {
    type Fruit = (C::Fruit, FacetCounts);
    type Child = FilteredSegmentCollector<C::Child>;

    fn for_segment(
        &self,
        segment_local_id: SegmentOrdinal,
        segment: &SegmentReader,
    ) -> tantivy::Result<Self::Child> {
        let mut filters = Vec::with_capacity(self.filters.len());
        for (field, values) in &self.filters {
            let column = FacetColumn::open(segment, field)?;
            let (accepted, counts) = match &column {
                Some(column) => (column.accepting(values)?, vec![0; column.num_terms()]),
                None => (Vec::new(), Vec::new()),
            };
            let single_valued = column.as_ref().is_some_and(FacetColumn::single_valued);
            filters.push(SegmentFilter {
                column,
                accepted,
                counts,
                block: single_valued.then(Vec::new),
            });
        }
        Ok(FilteredSegmentCollector {
            inner: self.inner.for_segment(segment_local_id, segment)?,
            filters,
            names: self.filters.iter().map(|(f, _)| f.clone()).collect(),
            passing: Vec::new(),
            failed: Vec::new(),
            scored: Vec::with_capacity(BLOCK),
            scored_docs: Vec::with_capacity(BLOCK),
        })
    }

    fn requires_scoring(&self) -> bool {
        self.inner.requires_scoring()
    }

    fn merge_fruits(
        &self,
        fruits: Vec<<Self::Child as SegmentCollector>::Fruit>,
    ) -> tantivy::Result<Self::Fruit> {
        let (inner, counts): (Vec<_>, Vec<_>) = fruits.into_iter().unzip();
        let names: Vec<String> = self.filters.iter().map(|(f, _)| f.clone()).collect();
        Ok((
            self.inner.merge_fruits(inner)?,
            merge_counts(&names, counts),
        ))
    }
}

impl<S: SegmentCollector> SegmentCollector for FilteredSegmentCollector<S> {
    type Fruit = (S::Fruit, FacetCounts);

    /// Scored passes hand over one document at a time; they are kept
    /// until a block is full, so the columns are still read a block at a time.
    fn collect(&mut self, doc: DocId, score: Score) {
        if self.filters.is_empty() {
            return self.inner.collect(doc, score);
        }
        self.scored.push((doc, score));
        if self.scored.len() == BLOCK {
            self.flush_scored();
        }
    }

    fn collect_block(&mut self, docs: &[DocId]) {
        if self.filters.is_empty() {
            return self.inner.collect_block(docs);
        }
        self.evaluate(docs);
        self.inner.collect_block(&self.passing);
    }

    fn harvest(mut self) -> Self::Fruit {
        self.flush_scored();
        let mut out = FacetCounts::new();
        for (filter, name) in self.filters.into_iter().zip(self.names) {
            let values = out.entry(name).or_default();
            if let Some(column) = filter.column {
                column.add_named(&filter.counts, 0, values);
            }
        }
        (self.inner.harvest(), out)
    }
}
