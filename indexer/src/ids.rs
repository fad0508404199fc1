//! The ids of every comment a query matches, read from the `id` fast
//! column: a rule or a bulk tag over a million comments reads no stored
//! document. Per segment, the matches' term ordinals are gathered first and
//! turned into text once each, in ordinal (so text) order.

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::StrColumn;
use tantivy::{DocId, Score, SegmentOrdinal, SegmentReader};

pub struct IdCollector;

pub struct IdSegmentCollector {
    column: Option<StrColumn>,
    ords: Vec<u64>,
}

impl Collector for IdCollector {
    type Fruit = Vec<String>;
    type Child = IdSegmentCollector;

    fn for_segment(
        &self,
        _segment_local_id: SegmentOrdinal,
        segment: &SegmentReader,
    ) -> tantivy::Result<IdSegmentCollector> {
        Ok(IdSegmentCollector {
            column: segment.fast_fields().str("id")?,
            ords: Vec::new(),
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, segments: Vec<Vec<String>>) -> tantivy::Result<Vec<String>> {
        let mut ids: Vec<String> = segments.into_iter().flatten().collect();
        // A comment lives in one segment, but each segment's list is
        // sorted on its own.
        ids.sort_unstable();
        Ok(ids)
    }
}

impl SegmentCollector for IdSegmentCollector {
    type Fruit = Vec<String>;

    fn collect(&mut self, doc: DocId, _score: Score) {
        if let Some(column) = &self.column {
            self.ords.extend(column.term_ords(doc));
        }
    }

    fn harvest(mut self) -> Vec<String> {
        let Some(column) = self.column else {
            return Vec::new();
        };
        self.ords.sort_unstable();
        self.ords.dedup();
        let mut ids = Vec::with_capacity(self.ords.len());
        let mut text = String::new();
        for ord in self.ords {
            text.clear();
            if column.ord_to_str(ord, &mut text).unwrap_or(false) {
                ids.push(text.clone());
            }
        }
        ids
    }
}
