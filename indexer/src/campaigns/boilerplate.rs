//! The docket's boilerplate: text that a large share of otherwise distinct
//! comments carry (a line the site appends, a signature, a disclaimer, the
//! question pasted back). Left in, it makes short distinct comments look
//! alike; taken out, it must not take a big campaign's own letter with it.
//!
//! Counting documents alone cannot tell the two apart: a campaign of a
//! tenth of the docket puts its letter in a tenth of the comments, as a
//! disclaimer might. What differs is *whose* comments carry it: a letter
//! lives in one group of near-identical comments, boilerplate in many
//! different ones. So a sample is first grouped with nothing discounted,
//! and a shingle is boilerplate when the groups carrying it (not the
//! comments) reach the share. A shingle is only ever discounted while its
//! carriers are grouped *with* it, so a letter, which holds its members
//! together, is never taken for boilerplate.
//!
//! The limit: boilerplate longer than nearly every comment carrying it
//! groups those comments in the first round, and then nothing in the text
//! tells it from a letter. The evaluation (`examples/campaigns_eval`)
//! plants the realistic case, short notes among longer comments.

use super::{text, Config, Fingerprint};
use rustc_hash::{FxHashMap, FxHashSet};
use serde::{Deserialize, Serialize};

/// What detection discounts in a docket, and what analysts are shown of it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Profile {
    /// Shingle hashes, sorted.
    pub discounted: Vec<u32>,
    /// The passages they make up, most common first.
    pub passages: Vec<Passage>,
    /// Comments in the sample the profile was made from.
    pub sampled: usize,
}

/// A stretch of boilerplate as it reads in a comment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Passage {
    pub text: String,
    /// Sampled comments carrying it.
    pub comments: usize,
    /// Their share of the sample.
    pub share: f64,
}

/// Rounds of grouping and discounting.
const ROUNDS: usize = 4;
/// Passages shown to analysts.
const PASSAGES: usize = 20;
/// Characters of a passage shown.
const PASSAGE_CHARS: usize = 400;

impl Profile {
    /// The profile of a docket from a sample of its comments' texts.
    pub fn build(sample: &[&str], config: &Config) -> Profile {
        use rayon::prelude::*;
        let (sets, exact): (Vec<Vec<u32>>, Vec<u64>) = sample
            .par_iter()
            .map(|t| {
                let words = text::words(t, config.max_words);
                let mut s = text::shingles(&words, config.shingle_words);
                s.sort_unstable();
                s.dedup();
                (s, text::exact_hash(&words))
            })
            .unzip();
        let floor = |n: usize| (config.boilerplate_share * n as f64).ceil() as usize;
        let need = floor(sets.len()).max(config.boilerplate_min);
        let mut df: FxHashMap<u32, u32> = FxHashMap::default();
        for s in &sets {
            for &x in s {
                *df.entry(x).or_default() += 1;
            }
        }
        let frequent: FxHashSet<u32> = df
            .into_iter()
            .filter(|&(_, n)| n as usize >= need)
            .map(|(x, _)| x)
            .collect();
        if frequent.is_empty() {
            return Profile {
                sampled: sample.len(),
                ..Profile::default()
            };
        }

        // Group the sample with nothing discounted, count the groups that
        // carry each frequent shingle, discount those carried by enough of
        // them, and again: taking out one layer (the site's line) can
        // split comments it alone held together and so show the next (a
        // disclaimer some of them carry).
        let hashers = config.hashers();
        let mut discounted: FxHashSet<u32> = FxHashSet::default();
        for _ in 0..ROUNDS {
            let fps: Vec<Fingerprint> = sets
                .par_iter()
                .zip(&exact)
                .map(|(s, &exact)| {
                    let shingles: Vec<u32> = s
                        .iter()
                        .copied()
                        .filter(|x| !discounted.contains(x))
                        .collect();
                    let bands = if shingles.is_empty() {
                        Vec::new()
                    } else {
                        super::minhash::band_keys(&hashers.signature(&shingles), config.rows)
                    };
                    Fingerprint {
                        exact,
                        shingles,
                        bands,
                    }
                })
                .collect();
            let roots = super::cluster(&fps, config.threshold);
            let groups = roots
                .iter()
                .enumerate()
                .filter(|&(i, &r)| i as u32 == r)
                .count();
            let need_groups = floor(groups).max(config.boilerplate_min);
            let mut carriers: FxHashMap<u32, FxHashSet<u32>> = FxHashMap::default();
            for (s, &root) in sets.iter().zip(&roots) {
                for x in s
                    .iter()
                    .filter(|x| frequent.contains(x) && !discounted.contains(x))
                {
                    carriers.entry(*x).or_default().insert(root);
                }
            }
            let before = discounted.len();
            discounted.extend(
                carriers
                    .into_iter()
                    .filter(|(_, g)| g.len() >= need_groups)
                    .map(|(x, _)| x),
            );
            if discounted.len() == before {
                break;
            }
        }
        let mut discounted: Vec<u32> = discounted.into_iter().collect();
        discounted.sort_unstable();
        let mut profile = Profile {
            discounted,
            passages: Vec::new(),
            sampled: sample.len(),
        };
        profile.passages = profile.find_passages(sample, config);
        profile
    }

    /// Removes the boilerplate from a sorted shingle set.
    pub fn discount(&self, shingles: &mut Vec<u32>) {
        if !self.discounted.is_empty() {
            shingles.retain(|x| self.discounted.binary_search(x).is_err());
        }
    }

    pub fn is_discounted(&self, shingle: u32) -> bool {
        self.discounted.binary_search(&shingle).is_ok()
    }

    /// The stretches of each text covered by discounted shingles, counted
    /// by their words, shown as they first read.
    fn find_passages(&self, sample: &[&str], config: &Config) -> Vec<Passage> {
        let mut found: FxHashMap<u64, (String, usize)> = FxHashMap::default();
        for t in sample {
            let mut seen = FxHashSet::default();
            for (start, end) in self.spans(t, config) {
                let words = text::words(&t[start..end], config.max_words);
                let key = text::exact_hash(&words);
                if seen.insert(key) {
                    found
                        .entry(key)
                        .or_insert_with(|| (clip(&t[start..end]), 0))
                        .1 += 1;
                }
            }
        }
        let mut passages: Vec<Passage> = found
            .into_values()
            .map(|(text, comments)| Passage {
                text,
                comments,
                share: comments as f64 / sample.len().max(1) as f64,
            })
            .collect();
        passages.sort_by(|a, b| {
            b.comments
                .cmp(&a.comments)
                .then_with(|| a.text.cmp(&b.text))
        });
        passages.truncate(PASSAGES);
        passages
    }

    /// Byte ranges of `text` made of discounted shingles, cut at the ends
    /// of sentences.
    pub fn spans(&self, text: &str, config: &Config) -> Vec<(usize, usize)> {
        let words = text::words(text, config.max_words);
        let shingles = text::shingles(&words, config.shingle_words);
        let k = config.shingle_words.min(words.len());
        let mut covered = vec![false; words.len()];
        for (i, &s) in shingles.iter().enumerate() {
            if self.is_discounted(s) {
                covered[i..i + k].iter_mut().for_each(|c| *c = true);
            }
        }
        let mut spans = Vec::new();
        let mut i = 0;
        while i < words.len() {
            if !covered[i] {
                i += 1;
                continue;
            }
            let start = i;
            i += 1;
            // A passage is shown sentence by sentence: the words around
            // a footer differ from comment to comment, its sentences not.
            while i < words.len()
                && covered[i]
                && !text[words[i - 1].end..words[i].start].contains(['.', '!', '?', '\n'])
            {
                i += 1;
            }
            spans.push((words[start].start, words[i - 1].end));
        }
        spans
    }
}

fn clip(s: &str) -> String {
    match s.char_indices().nth(PASSAGE_CHARS) {
        Some((at, _)) => format!("{}…", &s[..at]),
        None => s.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::{detect, Config};

    const FOOTER: &str = "This comment was submitted through the American AI Exports Program \
        comment portal. The views expressed are solely those of the submitter.";

    /// Comments in their own words (drawn from a shared vocabulary), each
    /// with the footer; every third one a short note that, without the
    /// discount, the footer is most of.
    fn distinct(i: usize) -> String {
        let vocabulary: Vec<String> = (0..400).map(|w| format!("w{w}")).collect();
        let mut state = (i as u64 + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            vocabulary[(state % 400) as usize].as_str()
        };
        let n = if i.is_multiple_of(3) { 6 } else { 40 };
        let own: Vec<&str> = (0..n).map(|_| next()).collect();
        format!("{}. {FOOTER}", own.join(" "))
    }

    #[test]
    fn a_shared_footer_is_discounted_and_shown() {
        let texts: Vec<String> = (0..200).map(distinct).collect();
        let d = detect(&texts, &Config::default());
        assert!(d.groups.is_empty(), "{:?}", d.groups);
        let top = &d.profile.passages[0];
        assert!(FOOTER.contains(&top.text), "{top:?}");
        assert!(top.share > 0.9);

        // Without the discount the footer alone would group them.
        let c = Config {
            boilerplate_min: usize::MAX,
            ..Config::default()
        };
        assert!(!detect(&texts, &c).groups.is_empty());
    }

    #[test]
    fn a_big_campaign_keeps_its_letter() {
        let letter = "We the undersigned ask the Department to make standards leadership \
            the centre of the program and to fund training partnerships with allies";
        let mut texts: Vec<String> = (0..200).map(distinct).collect();
        for i in 0..100 {
            texts.push(format!(
                "Dear Secretary, {letter}. Signed, citizen {i}. {FOOTER}"
            ));
        }
        let d = detect(&texts, &Config::default());
        assert_eq!(d.groups.len(), 1, "{:?}", d.groups);
        assert_eq!(d.groups[0].len(), 100);
        assert!(d
            .profile
            .passages
            .iter()
            .all(|p| !p.text.contains("undersigned")));
    }
}
