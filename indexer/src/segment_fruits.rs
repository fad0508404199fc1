//! A pass's answer per segment, kept across searcher generations. A
//! segment never changes once written, except for the documents deleted
//! from it (a comment updated is deleted and added again), so its part of
//! a pass's answer stays right while its deleted count stays the same. A
//! commit mostly adds one small segment beside large ones that keep their
//! ids: the first summary after it counts that segment only and merges
//! the kept parts, where the whole pass over a million comments took most
//! of a second on two cores.

use std::sync::Mutex;
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::index::SegmentId;
use tantivy::query::Weight;
use tantivy::{SegmentOrdinal, SegmentReader};

/// Requests whose segments' parts are kept (each holds every segment's).
const KEPT_REQUESTS: usize = 4;

/// (request key, segment, its deleted documents) to the segment's part.
pub(crate) struct SegmentFruits<F> {
    entries: Mutex<Vec<(String, SegmentId, u32, F)>>,
}

impl<F> Default for SegmentFruits<F> {
    fn default() -> Self {
        SegmentFruits {
            entries: Mutex::new(Vec::new()),
        }
    }
}

impl<F: Clone> SegmentFruits<F> {
    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<(String, SegmentId, u32, F)>> {
        // Every change is one call on the list: consistent after a panic.
        self.entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn get(&self, key: &str, segment: SegmentId, deleted: u32) -> Option<F> {
        self.lock()
            .iter()
            .find(|(k, s, d, _)| k == key && *s == segment && *d == deleted)
            .map(|(_, _, _, f)| f.clone())
    }

    /// Keeps `fruit`, dropping what it replaces: the segment's part for
    /// fewer deletions, and the parts of the oldest request past
    /// [`KEPT_REQUESTS`].
    fn keep(&self, key: &str, segment: SegmentId, deleted: u32, fruit: F) {
        let mut entries = self.lock();
        entries.retain(|(k, s, _, _)| !(k == key && *s == segment));
        entries.push((key.to_string(), segment, deleted, fruit));
        let mut requests: Vec<&str> = Vec::new();
        for (k, _, _, _) in entries.iter().rev() {
            if !requests.contains(&k.as_str()) {
                requests.push(k);
            }
        }
        if requests.len() > KEPT_REQUESTS {
            let dropped: Vec<String> = requests[KEPT_REQUESTS..]
                .iter()
                .map(|k| k.to_string())
                .collect();
            entries.retain(|(k, _, _, _)| !dropped.contains(k));
        }
    }

    /// Drops the parts of segments no longer searched (merged away).
    pub fn keep_only(&self, segments: &[SegmentId]) {
        self.lock().retain(|(_, s, _, _)| segments.contains(s));
    }
}

/// `inner`, its segments' parts taken from `kept` where they are there.
pub(crate) struct Kept<'a, C: Collector> {
    pub inner: C,
    pub key: String,
    pub kept: &'a SegmentFruits<<C::Child as SegmentCollector>::Fruit>,
}

impl<C> Collector for Kept<'_, C>
where
    C: Collector,
    <C::Child as SegmentCollector>::Fruit: Clone + Sync,
{
    type Fruit = C::Fruit;
    type Child = C::Child;

    fn for_segment(
        &self,
        ordinal: SegmentOrdinal,
        segment: &SegmentReader,
    ) -> tantivy::Result<C::Child> {
        self.inner.for_segment(ordinal, segment)
    }

    fn requires_scoring(&self) -> bool {
        self.inner.requires_scoring()
    }

    fn merge_fruits(
        &self,
        fruits: Vec<<C::Child as SegmentCollector>::Fruit>,
    ) -> tantivy::Result<C::Fruit> {
        self.inner.merge_fruits(fruits)
    }

    fn collect_segment(
        &self,
        weight: &dyn Weight,
        ordinal: u32,
        segment: &SegmentReader,
    ) -> tantivy::Result<<C::Child as SegmentCollector>::Fruit> {
        let (id, deleted) = (segment.segment_id(), segment.num_deleted_docs());
        if let Some(fruit) = self.kept.get(&self.key, id, deleted) {
            return Ok(fruit);
        }
        let fruit = self.inner.collect_segment(weight, ordinal, segment)?;
        self.kept.keep(&self.key, id, deleted, fruit.clone());
        Ok(fruit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_are_kept_per_deleted_count_for_the_latest_requests_and_live_segments() {
        let kept = SegmentFruits::<u32>::default();
        let (a, b) = (SegmentId::generate_random(), SegmentId::generate_random());
        kept.keep("q", a, 0, 1);
        kept.keep("q", b, 0, 2);
        assert_eq!(kept.get("q", a, 0), Some(1));
        assert_eq!(kept.get("q", a, 1), None, "a deletion since");
        kept.keep("q", a, 1, 3);
        assert_eq!(kept.get("q", a, 1), Some(3));
        assert_eq!(kept.get("q", a, 0), None, "replaced");
        assert_eq!(kept.get("other", a, 1), None, "another request");
        for r in 0..KEPT_REQUESTS {
            kept.keep(&format!("r{r}"), a, 0, 10);
        }
        assert_eq!(kept.get("q", b, 0), None, "the oldest request dropped");
        assert_eq!(kept.get("r0", a, 0), Some(10));
        assert_eq!(kept.lock().len(), KEPT_REQUESTS);
        kept.keep("r0", b, 0, 11);
        kept.keep_only(&[b]);
        assert_eq!(kept.get("r0", a, 0), None, "merged away");
        assert_eq!(kept.get("r0", b, 0), Some(11));
        assert_eq!(kept.lock().len(), 1);
    }
}
