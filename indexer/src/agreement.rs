//! Inter-coder agreement: how far two analysts, coding the same comments,
//! put the same tags on them. Per tag, each comment both coded is one
//! yes/no decision by each coder; Cohen's kappa corrects their observed
//! agreement for the agreement chance alone would give.

use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// The decisions of two coders on one tag, counted over the comments both
/// coded.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Table {
    /// Both put the tag on the comment.
    pub both: u64,
    pub only_first: u64,
    pub only_second: u64,
    /// Neither did.
    pub neither: u64,
}

impl Table {
    pub fn n(&self) -> u64 {
        self.both + self.only_first + self.only_second + self.neither
    }

    /// The share of comments on which the two agree.
    pub fn observed(&self) -> Option<f64> {
        let n = self.n();
        (n > 0).then(|| (self.both + self.neither) as f64 / n as f64)
    }

    /// The agreement expected by chance from each coder's own rate.
    pub fn expected(&self) -> Option<f64> {
        let n = self.n() as f64;
        if n == 0.0 {
            return None;
        }
        let first_yes = (self.both + self.only_first) as f64 / n;
        let second_yes = (self.both + self.only_second) as f64 / n;
        Some(first_yes * second_yes + (1.0 - first_yes) * (1.0 - second_yes))
    }

    /// Cohen's kappa: `None` when it is undefined, because chance alone
    /// explains every decision (both coders always, or never, used the
    /// tag).
    pub fn kappa(&self) -> Option<f64> {
        let (po, pe) = (self.observed()?, self.expected()?);
        if (1.0 - pe).abs() < 1e-12 {
            return None;
        }
        Some((po - pe) / (1.0 - pe))
    }

    fn add(&mut self, other: &Table) {
        self.both += other.both;
        self.only_first += other.only_first;
        self.only_second += other.only_second;
        self.neither += other.neither;
    }
}

/// Each coder's tags, by comment: the comments a coder coded are the keys.
pub type Coding = BTreeMap<String, BTreeSet<String>>;

/// One table per tag, over the comments both coders coded, and all tags'
/// decisions pooled. `tags` are the tags to compare (a codebook subtree).
pub fn tables(
    first: &Coding,
    second: &Coding,
    tags: &[String],
) -> (BTreeMap<String, Table>, Table) {
    let common: Vec<&String> = first.keys().filter(|c| second.contains_key(*c)).collect();
    let mut per_tag = BTreeMap::new();
    let mut pooled = Table::default();
    for tag in tags {
        let mut t = Table::default();
        for comment in &common {
            let a = first[*comment].contains(tag);
            let b = second[*comment].contains(tag);
            match (a, b) {
                (true, true) => t.both += 1,
                (true, false) => t.only_first += 1,
                (false, true) => t.only_second += 1,
                (false, false) => t.neither += 1,
            }
        }
        pooled.add(&t);
        per_tag.insert(tag.clone(), t);
    }
    (per_tag, pooled)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn kappa_of_the_textbook_case() {
        // 50 decisions: 20 both yes, 5 first only, 10 second only, 15 both
        // no. Observed 0.7, expected 0.5, kappa 0.4.
        let t = Table {
            both: 20,
            only_first: 5,
            only_second: 10,
            neither: 15,
        };
        assert!(close(t.observed().unwrap(), 0.7));
        assert!(close(t.expected().unwrap(), 0.5));
        assert!(close(t.kappa().unwrap(), 0.4));
    }

    #[test]
    fn perfect_chance_and_undefined_agreement() {
        let perfect = Table {
            both: 3,
            only_first: 0,
            only_second: 0,
            neither: 7,
        };
        assert!(close(perfect.kappa().unwrap(), 1.0));
        // Each codes "yes" half the time, independently of the other.
        let chance = Table {
            both: 25,
            only_first: 25,
            only_second: 25,
            neither: 25,
        };
        assert!(close(chance.kappa().unwrap(), 0.0));
        let never = Table {
            neither: 9,
            ..Table::default()
        };
        assert_eq!(never.kappa(), None);
        assert_eq!(Table::default().observed(), None);
    }

    #[test]
    fn only_comments_both_coded_count() {
        let set = |tags: &[&str]| tags.iter().map(|t| t.to_string()).collect::<BTreeSet<_>>();
        let mut a = Coding::new();
        a.insert("c1".into(), set(&["x"]));
        a.insert("c2".into(), set(&["x", "y"]));
        a.insert("c3".into(), set(&["y"]));
        let mut b = Coding::new();
        b.insert("c1".into(), set(&["x"]));
        b.insert("c2".into(), set(&["y"]));
        b.insert("c4".into(), set(&["x"]));
        let (per_tag, pooled) = tables(&a, &b, &["x".into(), "y".into()]);
        assert_eq!(
            per_tag["x"],
            Table {
                both: 1,
                only_first: 1,
                only_second: 0,
                neither: 0
            }
        );
        assert_eq!(
            per_tag["y"],
            Table {
                both: 1,
                only_first: 0,
                only_second: 0,
                neither: 1
            }
        );
        assert_eq!(pooled.n(), 4);
    }
}
