//! Form-letter campaigns: exact duplicates by a hash of the normalised
//! words, near-duplicates by MinHash over word shingles with LSH banding
//! and a Jaccard check, after discounting the docket's boilerplate (text a
//! large share of otherwise distinct comments carry). Pure: texts in,
//! groups out; the server stores and serves them.

pub mod additions;
pub mod boilerplate;
pub mod cluster;
pub mod minhash;
pub mod signals;
pub mod text;

pub use boilerplate::{Passage, Profile};
pub use cluster::{centre, cluster, jaccard};

use minhash::Hashers;
use serde::{Deserialize, Serialize};

/// How a docket's campaigns are found. Stored with the docket; every field
/// has a default, so a docket file names only what it changes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Two comments are near-duplicates when the Jaccard similarity of
    /// their shingle sets, boilerplate discounted, is at least this.
    pub threshold: f64,
    /// The fewest comments that make a campaign.
    pub min_size: usize,
    /// Words per shingle.
    pub shingle_words: usize,
    /// LSH: bands of `rows` signature positions each.
    pub bands: usize,
    pub rows: usize,
    /// Text carried by at least this share of the docket's otherwise
    /// distinct comments is boilerplate ...
    pub boilerplate_share: f64,
    /// ... and by at least this many of them.
    pub boilerplate_min: usize,
    /// Comments sampled to find the boilerplate.
    pub sample: usize,
    /// Words of a comment considered (a 2 MiB attachment need not be read
    /// to the end to know what it copies).
    pub max_words: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            threshold: 0.45,
            min_size: 2,
            shingle_words: 3,
            bands: 40,
            rows: 3,
            boilerplate_share: 0.02,
            boilerplate_min: 20,
            sample: 20_000,
            max_words: 20_000,
        }
    }
}

impl Config {
    /// Refuses settings detection cannot work with.
    pub fn check(&self) -> Result<(), String> {
        if !(self.threshold > 0.0 && self.threshold <= 1.0) {
            return Err("threshold must be above 0 and at most 1".into());
        }
        if self.min_size < 2 {
            return Err("min_size must be at least 2".into());
        }
        if !(1..=8).contains(&self.shingle_words) {
            return Err("shingle_words must be 1 to 8".into());
        }
        if self.bands == 0 || self.rows == 0 || self.bands * self.rows > 1024 {
            return Err("bands and rows must be positive, with at most 1024 hashes".into());
        }
        if !(self.boilerplate_share > 0.0 && self.boilerplate_share <= 1.0) {
            return Err("boilerplate_share must be above 0 and at most 1".into());
        }
        if self.sample == 0 || self.max_words == 0 {
            return Err("sample and max_words must be positive".into());
        }
        Ok(())
    }

    pub fn hashers(&self) -> Hashers {
        Hashers::new(self.bands * self.rows)
    }
}

/// What detection keeps of one comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fingerprint {
    /// Equal for texts with the same words in the same order.
    pub exact: u64,
    /// The shingle hashes, sorted and distinct, boilerplate removed.
    pub shingles: Vec<u32>,
    /// One LSH key per band; empty when nothing but boilerplate is left.
    pub bands: Vec<u64>,
}

impl Fingerprint {
    pub fn new(text: &str, profile: &Profile, hashers: &Hashers, config: &Config) -> Self {
        let words = text::words(text, config.max_words);
        let exact = text::exact_hash(&words);
        let mut shingles = text::shingles(&words, config.shingle_words);
        shingles.sort_unstable();
        shingles.dedup();
        profile.discount(&mut shingles);
        let bands = if shingles.is_empty() {
            Vec::new()
        } else {
            minhash::band_keys(&hashers.signature(&shingles), config.rows)
        };
        Fingerprint {
            exact,
            shingles,
            bands,
        }
    }

    /// A comment of nothing but boilerplate belongs to no campaign.
    pub fn is_blank(&self) -> bool {
        self.shingles.is_empty()
    }
}

/// The result of detection over a whole docket.
#[derive(Debug, Clone)]
pub struct Detection {
    /// Indices into the input, each group of at least `min_size`, largest
    /// first, each group in input order.
    pub groups: Vec<Vec<u32>>,
    pub profile: Profile,
}

/// Detection over all of `texts`: the boilerplate profile from a sample,
/// fingerprints on every core, then clustering.
pub fn detect<T: AsRef<str> + Sync>(texts: &[T], config: &Config) -> Detection {
    let profile = Profile::build(&sample(texts, config.sample), config);
    let fingerprints = fingerprints(texts, &profile, config);
    let groups = groups(&fingerprints, config);
    Detection { groups, profile }
}

/// An evenly spaced sample of at most `size` texts, the same every run.
pub fn sample<T: AsRef<str>>(texts: &[T], size: usize) -> Vec<&str> {
    let step = texts.len().div_ceil(size.max(1)).max(1);
    texts.iter().step_by(step).map(AsRef::as_ref).collect()
}

/// Fingerprints of every text, in parallel.
pub fn fingerprints<T: AsRef<str> + Sync>(
    texts: &[T],
    profile: &Profile,
    config: &Config,
) -> Vec<Fingerprint> {
    use rayon::prelude::*;
    let hashers = config.hashers();
    texts
        .par_iter()
        .with_min_len(256)
        .map(|t| Fingerprint::new(t.as_ref(), profile, &hashers, config))
        .collect()
}

/// The groups of at least `min_size`, largest first.
pub fn groups(fingerprints: &[Fingerprint], config: &Config) -> Vec<Vec<u32>> {
    let roots = cluster(fingerprints, config.threshold);
    let mut by_root: rustc_hash::FxHashMap<u32, Vec<u32>> = Default::default();
    for (i, &r) in roots.iter().enumerate() {
        by_root.entry(r).or_default().push(i as u32);
    }
    let mut groups: Vec<Vec<u32>> = by_root
        .into_values()
        .filter(|g| g.len() >= config.min_size)
        .collect();
    groups.sort_unstable_by(|a, b| b.len().cmp(&a.len()).then(a[0].cmp(&b[0])));
    groups
}
