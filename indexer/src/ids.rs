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

    fn merge_fruits(
        &self,
        segments: Vec<std::io::Result<Vec<String>>>,
    ) -> tantivy::Result<Vec<String>> {
        // A segment that could not be read fails the whole answer: a rule
        // must never take a missing id for a comment that does not match.
        let mut ids = Vec::new();
        for segment in segments {
            ids.extend(segment?);
        }
        // A comment lives in one segment, but each segment's list is
        // sorted on its own.
        ids.sort_unstable();
        Ok(ids)
    }
}

impl SegmentCollector for IdSegmentCollector {
    type Fruit = std::io::Result<Vec<String>>;

    fn collect(&mut self, doc: DocId, _score: Score) {
        if let Some(column) = &self.column {
            self.ords.extend(column.term_ords(doc));
        }
    }

    fn harvest(mut self) -> std::io::Result<Vec<String>> {
        let Some(column) = self.column else {
            return Ok(Vec::new());
        };
        self.ords.sort_unstable();
        self.ords.dedup();
        let mut ids = Vec::with_capacity(self.ords.len());
        // In ordinal order, each block of the dictionary is decompressed
        // once (a lookup per id decompressed it per id: 20 times slower).
        column
            .dictionary()
            .sorted_ords_to_term_cb(&self.ords, |term| {
                ids.push(String::from_utf8_lossy(term).into_owned())
            })?;
        Ok(ids)
    }
}
