//! MinHash signatures and their LSH bands. Two sets' signatures agree in
//! each position with probability equal to their Jaccard similarity, so a
//! band of `r` positions agrees with probability J^r and at least one of `b`
//! bands with 1 - (1 - J^r)^b: near-duplicates share a band key, distinct
//! texts almost never do.

use super::text::mix;

/// `count` hash functions of the multiply-shift family, from a fixed seed:
/// signatures are stored, so the functions never change.
#[derive(Debug, Clone)]
pub struct Hashers {
    mul: Vec<u64>,
    add: Vec<u64>,
}

impl Hashers {
    pub fn new(count: usize) -> Self {
        let mut state = 0x5eed_cafe_f00d_d00du64;
        let mut next = || {
            state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
            mix(state)
        };
        let (mut mul, mut add) = (Vec::with_capacity(count), Vec::with_capacity(count));
        for _ in 0..count {
            mul.push(next() | 1);
            add.push(next());
        }
        Hashers { mul, add }
    }

    pub fn len(&self) -> usize {
        self.mul.len()
    }

    pub fn is_empty(&self) -> bool {
        self.mul.is_empty()
    }

    /// The signature of a set of shingle hashes: per function, the least
    /// value over the set. An empty set gives all `u32::MAX`.
    pub fn signature(&self, shingles: &[u32]) -> Vec<u32> {
        let mut sig = vec![u32::MAX; self.len()];
        for &x in shingles {
            // Multiply-shift is min-wise only for well-spread inputs;
            // shingle hashes are, a test's small integers are not.
            let x = mix(u64::from(x));
            for ((s, &m), &a) in sig.iter_mut().zip(&self.mul).zip(&self.add) {
                let h = (m.wrapping_mul(x).wrapping_add(a) >> 32) as u32;
                *s = (*s).min(h);
            }
        }
        sig
    }
}

/// One key per band of `rows` positions; band `j`'s key never equals band
/// `k`'s for the same values, so all bands can share one table.
pub fn band_keys(signature: &[u32], rows: usize) -> Vec<u64> {
    signature
        .chunks_exact(rows.max(1))
        .enumerate()
        .map(|(band, values)| {
            let mut h = mix(band as u64 + 1);
            for &v in values {
                h = mix(h ^ u64::from(v));
            }
            h
        })
        .collect()
}

/// The probability that two sets of Jaccard similarity `j` share at least
/// one of `bands` bands of `rows` rows.
pub fn candidate_probability(j: f64, bands: usize, rows: usize) -> f64 {
    1.0 - (1.0 - j.powi(rows as i32)).powi(bands as i32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agreement_estimates_jaccard() {
        let h = Hashers::new(512);
        let a: Vec<u32> = (0..1000).collect();
        let b: Vec<u32> = (500..1500).collect(); // J = 500 / 1500
        let (sa, sb) = (h.signature(&a), h.signature(&b));
        let agree = sa.iter().zip(&sb).filter(|(x, y)| x == y).count() as f64 / 512.0;
        assert!((agree - 1.0 / 3.0).abs() < 0.07, "{agree}");
        assert_eq!(h.signature(&a), h.signature(&a));
    }

    #[test]
    fn equal_bands_give_equal_keys_and_bands_differ() {
        let k = band_keys(&[1, 2, 1, 2], 2);
        assert_eq!(k.len(), 2);
        assert_ne!(k[0], k[1]);
        assert_eq!(band_keys(&[1, 2, 9, 9], 2)[0], k[0]);
    }

    #[test]
    fn the_s_curve() {
        assert!(candidate_probability(0.9, 20, 5) > 0.999);
        assert!(candidate_probability(0.1, 20, 5) < 0.001);
    }
}
