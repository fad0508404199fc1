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
use std::sync::{Arc, Mutex};

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
    /// (searcher generation, request key, its slot), oldest first.
    entries: Mutex<Vec<(u64, String, Slot<V>)>>,
}

/// One answer, computed by the first request for it while the others
/// asking at the same time wait for it: a summary warmed at start and a
/// staff member's first request, or two analysts opening the same page,
/// run the pass once, not twice side by side on the same cores.
type Slot<V> = Arc<Mutex<Option<V>>>;

impl<V> Default for PassCache<V> {
    fn default() -> Self {
        PassCache {
            entries: Mutex::new(Vec::new()),
        }
    }
}

impl<V: Clone> PassCache<V> {
    /// The answer to `key` on `generation`, computed by `compute` unless
    /// kept or being computed (then this waits for it). A failed
    /// computation keeps nothing: the next request tries again.
    pub fn get_or_compute<E>(
        &self,
        generation: u64,
        key: String,
        compute: impl FnOnce() -> Result<V, E>,
    ) -> Result<V, E> {
        let slot = self.slot(generation, key);
        let mut answer = lock(&slot);
        if let Some(v) = answer.as_ref() {
            return Ok(v.clone());
        }
        let v = compute()?;
        *answer = Some(v.clone());
        Ok(v)
    }

    /// The slot of `key` on `generation`, made if new. The list's lock is
    /// never held while computing; a slot's is, by the one computing it.
    fn slot(&self, generation: u64, key: String) -> Slot<V> {
        let mut entries = lock(&self.entries);
        if let Some((_, _, slot)) = entries
            .iter()
            .find(|(g, k, _)| *g == generation && *k == key)
        {
            return slot.clone();
        }
        // Generation ids only grow: an older one is never searched again
        // once a newer one exists.
        entries.retain(|(g, k, _)| *g >= generation && *k != key);
        if entries.len() >= KEPT {
            entries.remove(0);
        }
        let slot = Slot::default();
        entries.push((generation, key, slot.clone()));
        slot
    }
}

/// A panic while holding a lock leaves a consistent value (every change is
/// one assignment or one call on a list): keep using it.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
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
        assert_eq!(lock(&cache.entries).len(), 2);
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
        assert_eq!(lock(&cache.entries).len(), KEPT);
        assert_eq!(answer(&cache, 1, "k99", 0), 99, "the newest kept");
    }

    #[test]
    fn requests_at_once_wait_for_one_computation() {
        let cache = PassCache::<u32>::default();
        let computed = &std::sync::atomic::AtomicU32::new(0);
        let cache = &cache;
        let (started_tx, started_rx) = std::sync::mpsc::channel();
        let (finish_tx, finish_rx) = std::sync::mpsc::channel::<()>();
        std::thread::scope(|s| {
            let first = s.spawn(move || {
                cache.get_or_compute(1, "a".into(), || {
                    computed.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    started_tx.send(()).unwrap();
                    finish_rx.recv().unwrap();
                    Ok::<_, ()>(7)
                })
            });
            // The second asks while the first computes.
            started_rx.recv().unwrap();
            let second = s.spawn(|| {
                cache.get_or_compute(1, "a".into(), || {
                    computed.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    Ok::<_, ()>(8)
                })
            });
            // Held by the list, the first and the second: the second is
            // at the slot, waiting for the first.
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
            while Arc::strong_count(&lock(&cache.entries)[0].2) < 3 && !second.is_finished() {
                if std::time::Instant::now() > deadline {
                    finish_tx.send(()).unwrap();
                    panic!("the second never asked");
                }
                std::thread::yield_now();
            }
            finish_tx.send(()).unwrap();
            assert_eq!(first.join().unwrap(), Ok(7));
            assert_eq!(second.join().unwrap(), Ok(7), "the first's answer");
        });
        assert_eq!(computed.load(std::sync::atomic::Ordering::SeqCst), 1);
    }
}
