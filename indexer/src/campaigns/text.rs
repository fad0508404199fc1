//! A comment's text as detection sees it: lower-cased words (runs of
//! letters and digits), their hashes, the exact-duplicate hash and the word
//! shingles. Punctuation, case and spacing never make two copies differ.
//!
//! The hashes are written out here rather than taken from a hashing crate
//! because they are stored (band keys, the discounted shingles): a crate
//! upgrade that changed them would silently split every campaign.

/// One word of a text: its hash and where it sits in the original.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Word {
    pub hash: u64,
    pub start: usize,
    pub end: usize,
}

/// The words of `text`, at most `limit` of them.
pub fn words(text: &str, limit: usize) -> Vec<Word> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity((text.len() / 6).min(limit));
    let mut hash = FNV_OFFSET;
    let mut start: Option<usize> = None;
    let mut at = 0;
    while at < bytes.len() {
        let b = bytes[at];
        // ASCII, most of every docket, without decoding or case tables.
        let (alnum, len) = if b < 0x80 {
            let alnum = b.is_ascii_alphanumeric();
            if alnum {
                hash = (hash ^ u64::from(b.to_ascii_lowercase())).wrapping_mul(FNV_PRIME);
            }
            (alnum, 1)
        } else {
            let c = text[at..].chars().next().expect("at a char boundary");
            let alnum = c.is_alphanumeric();
            if alnum {
                for lower in c.to_lowercase() {
                    let mut buf = [0u8; 4];
                    for &b in lower.encode_utf8(&mut buf).as_bytes() {
                        hash = (hash ^ u64::from(b)).wrapping_mul(FNV_PRIME);
                    }
                }
            }
            (alnum, c.len_utf8())
        };
        if alnum {
            start.get_or_insert(at);
        } else if let Some(s) = start.take() {
            out.push(Word {
                hash: mix(hash),
                start: s,
                end: at,
            });
            hash = FNV_OFFSET;
            if out.len() == limit {
                return out;
            }
        }
        at += len;
    }
    if let Some(s) = start {
        out.push(Word {
            hash: mix(hash),
            start: s,
            end: text.len(),
        });
    }
    out
}

/// The hash two texts share exactly when their words are the same, in
/// the same order.
pub fn exact_hash(words: &[Word]) -> u64 {
    let mut h = FNV_OFFSET ^ words.len() as u64;
    for w in words {
        h = mix(h.rotate_left(23) ^ w.hash);
    }
    h
}

/// The hash of the shingle of `k` words starting at each position; a text
/// shorter than `k` words gives one shingle of all of them. In text order,
/// with repeats (callers sort and dedup for sets, and keep the order to
/// find passages).
pub fn shingles(words: &[Word], k: usize) -> Vec<u32> {
    let k = k.max(1);
    if words.is_empty() {
        return Vec::new();
    }
    if words.len() < k {
        return vec![shingle(words)];
    }
    words.windows(k).map(shingle).collect()
}

fn shingle(words: &[Word]) -> u32 {
    let mut h = 0x9e37_79b9_7f4a_7c15u64;
    for w in words {
        h = mix(h.rotate_left(21) ^ w.hash);
    }
    (h >> 32) as u32
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

/// splitmix64's finaliser: spreads FNV's weak low bits over the word.
pub(crate) fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hashes(t: &str) -> Vec<u64> {
        words(t, usize::MAX).iter().map(|w| w.hash).collect()
    }

    #[test]
    fn case_punctuation_and_spacing_do_not_matter() {
        assert_eq!(
            hashes("Export  controls, NOW!"),
            hashes("export controls now")
        );
        assert_eq!(
            exact_hash(&words("Dear Sir,\n\nWe agree.", 100)),
            exact_hash(&words("dear sir we AGREE", 100))
        );
        assert_ne!(
            exact_hash(&words("we agree", 100)),
            exact_hash(&words("agree we", 100))
        );
    }

    #[test]
    fn words_keep_their_place_in_the_original() {
        let t = "Héllo, wörld 42";
        let w = words(t, 10);
        let texts: Vec<&str> = w.iter().map(|w| &t[w.start..w.end]).collect();
        assert_eq!(texts, ["Héllo", "wörld", "42"]);
        assert_eq!(words(t, 2).len(), 2);
    }

    #[test]
    fn shingles_slide_over_the_words() {
        let w = words("a b c d", 100);
        assert_eq!(shingles(&w, 3).len(), 2);
        assert_eq!(shingles(&w[..2], 3).len(), 1);
        assert!(shingles(&[], 3).is_empty());
        let again = words("x a b c", 100);
        assert_eq!(shingles(&w, 3)[0], shingles(&again, 3)[1]);
    }
}
