//! A sorted list of comment ids held in one buffer: about 40 bytes an id
//! (a UUID's 36 and its end), where a `Vec<String>` takes about 70. The
//! rule job keeps every applying rule's matches between runs; at this size
//! 50 rules with 6.5 million matches fit in one group, so each comment is
//! re-indexed once for all of them rather than once per group.

#[derive(Debug, Default)]
pub struct PackedIds {
    text: String,
    /// Where each id ends in `text`.
    ends: Vec<u32>,
}

impl PackedIds {
    /// From ids sorted as strings. `None` past 4 GiB of text (not a
    /// docket's worth of ids: the caller treats it as a failed read).
    pub fn new(ids: &[String]) -> Option<Self> {
        let mut text = String::with_capacity(ids.iter().map(String::len).sum());
        let mut ends = Vec::with_capacity(ids.len());
        for id in ids {
            text.push_str(id);
            ends.push(u32::try_from(text.len()).ok()?);
        }
        Some(PackedIds { text, ends })
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Bytes held.
    pub fn size(&self) -> usize {
        self.text.len() + self.ends.len() * 4
    }

    pub fn get(&self, i: usize) -> &str {
        &self.text[start(&self.ends, i)..self.ends[i] as usize]
    }

    /// How many ids come before the first for which `pred` is false (the
    /// ids are sorted, so `pred` must be true of a prefix), as
    /// `slice::partition_point`.
    pub fn partition_point(&self, pred: impl Fn(&str) -> bool) -> usize {
        let (mut lo, mut hi) = (0, self.len());
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if pred(self.get(mid)) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        lo
    }

    /// The ids `from..to`, as owned strings.
    pub fn slice(&self, from: usize, to: usize) -> Vec<String> {
        (from..to).map(|i| self.get(i).to_string()).collect()
    }
}

fn start(ends: &[u32], i: usize) -> usize {
    if i == 0 {
        0
    } else {
        ends[i - 1] as usize
    }
}

#[cfg(test)]
mod tests {
    use super::PackedIds;

    #[test]
    fn finds_what_a_vec_of_strings_finds() {
        let ids: Vec<String> = ["a", "ab", "b", "bcd", "c"].map(String::from).to_vec();
        let packed = PackedIds::new(&ids).unwrap();
        assert_eq!(packed.len(), 5);
        assert_eq!(packed.slice(0, packed.len()), ids);
        for probe in ["", "a", "aa", "ab", "b", "bb", "c", "d"] {
            assert_eq!(
                packed.partition_point(|id| id <= probe),
                ids.partition_point(|id| id.as_str() <= probe),
                "{probe}"
            );
        }
        assert_eq!(packed.slice(1, 3), vec!["ab".to_string(), "b".into()]);
        assert!(PackedIds::new(&[]).unwrap().is_empty());
    }
}
