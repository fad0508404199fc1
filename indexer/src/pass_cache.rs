//! Answers of the passes over every match (a summary's counts, its
//! distinguishing terms), kept for the searcher generation they were
//! computed on. Such a pass over a million comments takes most of a
//! second on two cores, and a docket's summary is asked for again and again
//! (each reload of the staff page, every analyst on it, and all day once
//! comments stop arriving) while the index has not changed: the same
//! generation and request give the same answer, so it is computed once.
//! A commit makes a new generation; entries of older ones are dropped.

use crate::distinguishing::TermGroups;
use crate::segment_fruits::SegmentFruits;
use crate::summary::{CountsFruit, SummaryCounts};
use std::sync::Mutex;

/// Requests kept per generation: a docket's summary and the searches
/// analysts summarize in between commits.
const KEPT: usize = 16;

/// The passes of one open index.
#[derive(Default)]
pub(crate) struct Passes {
    pub counts: PassCache<SummaryCounts>,
    /// The counts' parts per segment, kept across generations.
    pub counts_segments: SegmentFruits<CountsFruit>,
    pub terms: PassCache<TermGroups>,
}

pub(crate) struct PassCache<V> {
    /// (searcher generation, request key, answer), oldest first.
    entries: Mutex<Vec<(u64, String, V)>>,
}

impl<V> Default for PassCache<V> {
    fn default() -> Self {
        PassCache {
            entries: Mutex::new(Vec::new()),
        }
    }
}

impl<V: Clone> PassCache<V> {
    /// The answer to `key` on `generation`, computed by `compute` unless
    /// kept. Two requests at once may both compute it (the summaries'
    /// permits bound that); the lock is never held while computing.
    pub fn get_or_compute<E>(
        &self,
        generation: u64,
        key: String,
        compute: impl FnOnce() -> Result<V, E>,
    ) -> Result<V, E> {
        if let Some(v) = self.get(generation, &key) {
            return Ok(v);
        }
        let v = compute()?;
        let mut entries = self.lock();
        // Generation ids only grow: an older one is never searched again
        // once a newer one exists.
        entries.retain(|(g, k, _)| *g >= generation && *k != key);
        if entries.len() >= KEPT {
            entries.remove(0);
        }
        entries.push((generation, key, v.clone()));
        Ok(v)
    }

    fn get(&self, generation: u64, key: &str) -> Option<V> {
        self.lock()
            .iter()
            .find(|(g, k, _)| *g == generation && k == key)
            .map(|(_, _, v)| v.clone())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<(u64, String, V)>> {
        // A panic while holding the lock leaves a consistent list (every
        // change is one call on it): keep using it.
        self.entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(cache: &PassCache<u32>, generation: u64, key: &str, value: u32) -> u32 {
        cache
            .get_or_compute(generation, key.to_string(), || Ok::<_, ()>(value))
            .unwrap()
    }

    #[test]
    fn an_answer_is_kept_for_its_generation_and_request_only() {
        let cache = PassCache::default();
        assert_eq!(answer(&cache, 1, "a", 10), 10);
        assert_eq!(answer(&cache, 1, "a", 11), 10, "kept");
        assert_eq!(answer(&cache, 1, "b", 12), 12, "another request");
        assert_eq!(answer(&cache, 2, "a", 13), 13, "a new generation");
        assert_eq!(answer(&cache, 2, "b", 14), 14, "older generations dropped");
        assert_eq!(cache.lock().len(), 2);
    }

    #[test]
    fn a_failed_pass_keeps_nothing_and_the_list_stays_bounded() {
        let cache = PassCache::<u32>::default();
        assert!(cache
            .get_or_compute(1, "a".into(), || Err::<u32, _>("failed"))
            .is_err());
        assert_eq!(answer(&cache, 1, "a", 5), 5);
        for i in 0..100 {
            answer(&cache, 1, &format!("k{i}"), i);
        }
        assert_eq!(cache.lock().len(), KEPT);
        assert_eq!(answer(&cache, 1, "k99", 0), 99, "the newest kept");
    }
}
