//! Grouping fingerprints: exact duplicates join at once; near-duplicates
//! are pairs that share an LSH band key and pass the Jaccard check; groups
//! are the connected components (union-find), so a member needs to match
//! only one other member, not the template.

use super::Fingerprint;
use rayon::slice::ParallelSliceMut;

/// The Jaccard similarity of two sorted, distinct sets.
pub fn jaccard(a: &[u32], b: &[u32]) -> f64 {
    if a.is_empty() && b.is_empty() {
        return 0.0;
    }
    let common = intersection(a, b);
    common as f64 / (a.len() + b.len() - common) as f64
}

/// Whether two sets reach `threshold`, refusing without counting when
/// their sizes alone rule it out (J is at most small / large).
pub fn similar(a: &[u32], b: &[u32], threshold: f64) -> bool {
    let (small, large) = (a.len().min(b.len()), a.len().max(b.len()));
    if small == 0 || (small as f64) < threshold * large as f64 {
        return false;
    }
    jaccard(a, b) >= threshold
}

fn intersection(a: &[u32], b: &[u32]) -> usize {
    let (mut i, mut j, mut n) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        let (x, y) = (a[i], b[j]);
        n += usize::from(x == y);
        i += usize::from(x <= y);
        j += usize::from(y <= x);
    }
    n
}

/// Compared per band bucket: a member is checked against at most this
/// many earlier members of its bucket that joined nothing there, so a
/// bucket of a 100,000-member campaign costs 100,000 checks, not 10^10.
const ANCHORS: usize = 16;

/// The root of each fingerprint's group (its own index when alone). Blank
/// fingerprints stay alone.
pub fn cluster(fps: &[Fingerprint], threshold: f64) -> Vec<u32> {
    let mut sets = UnionFind::new(fps.len());
    // Exact duplicates: one representative carries the group's bands.
    let mut by_exact: Vec<u32> = (0..fps.len() as u32)
        .filter(|&i| !fps[i as usize].is_blank())
        .collect();
    by_exact.par_sort_unstable_by_key(|&i| (fps[i as usize].exact, i));
    let mut representatives = Vec::with_capacity(by_exact.len());
    for run in by_exact.chunk_by(|&a, &b| fps[a as usize].exact == fps[b as usize].exact) {
        for &i in &run[1..] {
            sets.union(run[0], i);
        }
        representatives.push(run[0]);
    }

    let mut entries: Vec<(u64, u32)> = representatives
        .iter()
        .flat_map(|&i| fps[i as usize].bands.iter().map(move |&k| (k, i)))
        .collect();
    entries.par_sort_unstable();
    let mut anchors: Vec<u32> = Vec::with_capacity(ANCHORS);
    for bucket in entries.chunk_by(|a, b| a.0 == b.0) {
        if bucket.len() < 2 {
            continue;
        }
        anchors.clear();
        for &(_, i) in bucket {
            let mut joined = false;
            for &a in &anchors {
                if sets.find(a) == sets.find(i) {
                    joined = true;
                    break;
                }
                if similar(
                    &fps[a as usize].shingles,
                    &fps[i as usize].shingles,
                    threshold,
                ) {
                    sets.union(a, i);
                    joined = true;
                    break;
                }
            }
            if !joined && anchors.len() < ANCHORS {
                anchors.push(i);
            }
        }
    }
    (0..fps.len() as u32).map(|i| sets.find(i)).collect()
}

/// The candidate a new fingerprint is most like, when at least
/// `threshold`: how one comment joins its campaign without the rest being
/// recomputed.
pub fn best_match<'a>(
    new: &Fingerprint,
    candidates: impl IntoIterator<Item = (i64, &'a Fingerprint)>,
    threshold: f64,
) -> Option<(i64, f64)> {
    if new.is_blank() {
        return None;
    }
    let mut best: Option<(i64, f64)> = None;
    for (id, c) in candidates {
        let j = if c.exact == new.exact && !c.is_blank() {
            1.0
        } else if similar(&new.shingles, &c.shingles, threshold) {
            jaccard(&new.shingles, &c.shingles)
        } else {
            continue;
        };
        if best.is_none_or(|(b_id, b)| j > b || (j == b && id < b_id)) {
            best = Some((id, j));
        }
    }
    best
}

/// The member most like the others (highest mean Jaccard), judged over at
/// most 64 evenly spaced members so a huge campaign costs the same.
pub fn centre(members: &[u32], fps: &[Fingerprint]) -> u32 {
    let step = members.len().div_ceil(64).max(1);
    let probe: Vec<u32> = members.iter().step_by(step).copied().collect();
    let mut best = (f64::MIN, members[0]);
    for &m in &probe {
        let total: f64 = probe
            .iter()
            .filter(|&&o| o != m)
            .map(|&o| jaccard(&fps[m as usize].shingles, &fps[o as usize].shingles))
            .sum();
        if total > best.0 {
            best = (total, m);
        }
    }
    best.1
}

struct UnionFind {
    parent: Vec<u32>,
    rank: Vec<u8>,
}

impl UnionFind {
    fn new(n: usize) -> Self {
        UnionFind {
            parent: (0..n as u32).collect(),
            rank: vec![0; n],
        }
    }

    fn find(&mut self, mut x: u32) -> u32 {
        while self.parent[x as usize] != x {
            let up = self.parent[self.parent[x as usize] as usize];
            self.parent[x as usize] = up;
            x = up;
        }
        x
    }

    /// Joins two groups; the smaller index becomes the root on equal rank
    /// so the result does not depend on the order of unions.
    fn union(&mut self, a: u32, b: u32) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra == rb {
            return;
        }
        let (hi, lo) = match self.rank[ra as usize].cmp(&self.rank[rb as usize]) {
            std::cmp::Ordering::Greater => (ra, rb),
            std::cmp::Ordering::Less => (rb, ra),
            std::cmp::Ordering::Equal => {
                let (keep, other) = (ra.min(rb), ra.max(rb));
                self.rank[keep as usize] += 1;
                (keep, other)
            }
        };
        self.parent[lo as usize] = hi;
    }
}

#[cfg(test)]
mod tests {
    use super::super::{groups, Config, Fingerprint, Profile};
    use super::*;

    fn fps(texts: &[&str]) -> Vec<Fingerprint> {
        let c = Config::default();
        let h = c.hashers();
        texts
            .iter()
            .map(|t| Fingerprint::new(t, &Profile::default(), &h, &c))
            .collect()
    }

    #[test]
    fn jaccard_of_sorted_sets() {
        assert_eq!(jaccard(&[1, 2, 3], &[2, 3, 4]), 0.5);
        assert_eq!(jaccard(&[], &[]), 0.0);
        assert!(!similar(&[1], &[1, 2, 3, 4, 5], 0.5));
        assert!(similar(&[1, 2], &[1, 2, 3], 0.5));
    }

    #[test]
    fn copies_and_near_copies_group_and_distinct_texts_do_not() {
        let letter = "We urge the Department to prioritise Southeast Asia and the Gulf states \
            for American AI exports, to fund full-stack packages through EXIM and DFC, and to \
            lead in international standards bodies so that trusted American technology sets \
            the rules of the road for the coming decade";
        let near = format!("Dear Secretary, {letter}. Please also consider Kenya. Sincerely, Ann");
        let texts = [
            letter,
            "An unrelated view: standards work should stay with industry consortia alone",
            &letter.to_uppercase(),
            &near,
            "Another distinct comment about chips, data centres and energy costs in Europe",
        ];
        let g = groups(&fps(&texts), &Config::default());
        assert_eq!(g, vec![vec![0, 2, 3]]);
    }

    #[test]
    fn blank_texts_stay_alone() {
        let roots = cluster(&fps(&["", "", "!!"]), 0.5);
        assert_eq!(roots, vec![0, 1, 2]);
    }

    #[test]
    fn the_centre_is_the_most_typical_member() {
        let f = fps(&[
            "one two three four five six seven eight nine ten extra words here",
            "one two three four five six seven eight nine ten",
            "one two three four five six seven eight nine ten and more at the end",
        ]);
        assert_eq!(centre(&[0, 1, 2], &f), 1);
    }
}
