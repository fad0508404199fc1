//! How much attachment text one comment carries: each distinct file once,
//! and at most [`MAX_ATTACHMENT_TEXT_PER_COMMENT`] bytes in all. A small
//! DOCX can inflate to megabytes of text, and the same file may be attached
//! many times to many comments; without a bound per comment, one batch of
//! such comments could exhaust the server's memory. The index and the
//! comment view apply the same bound, so what is shown is what is found.

/// Most attachment text, in bytes, that one comment's document holds and
/// its view shows. Text past it is not searchable; the view says so.
pub const MAX_ATTACHMENT_TEXT_PER_COMMENT: usize = 2 << 20;

/// One attachment's share of its comment's text budget.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bounded<'a> {
    /// The text kept for this file: `None` when it has none, or when it
    /// repeats an earlier file of the comment.
    pub text: Option<&'a str>,
    /// Part of the file's text (or all of it) fell past the budget.
    pub truncated: bool,
    /// The position, in the input, of the earlier identical file.
    pub same_as: Option<usize>,
}

/// The share of each file, in order: `files` are (content hash, text).
pub fn bound<'a>(files: &[(&str, Option<&'a str>)]) -> Vec<Bounded<'a>> {
    let mut left = MAX_ATTACHMENT_TEXT_PER_COMMENT;
    let mut out: Vec<Bounded<'a>> = Vec::with_capacity(files.len());
    for (i, (sha, text)) in files.iter().enumerate() {
        if let Some(first) = files[..i].iter().position(|(s, _)| s == sha) {
            out.push(Bounded {
                text: None,
                truncated: false,
                same_as: Some(first),
            });
            continue;
        }
        let Some(text) = text else {
            out.push(Bounded {
                text: None,
                truncated: false,
                same_as: None,
            });
            continue;
        };
        let cut = char_floor(text, left.min(text.len()));
        left -= cut;
        out.push(Bounded {
            text: (cut > 0).then(|| &text[..cut]),
            truncated: cut < text.len(),
            same_as: None,
        });
    }
    out
}

/// Attachment text, in bytes, read for distinguishing terms (about 1,300
/// words: a letter's first pages, where it says what it asks for). Many
/// comments are a line and a PDF; their words are in the file. Stored
/// apart in the index (the search field is indexed only), it costs each
/// comment with files this much more store, and a summary no database
/// round trip.
pub const TERMS_LEAD_BYTES: usize = 8 * 1024;

/// The start of a comment's attachment texts (as [`bound`] kept them), at
/// most `max` bytes, cut between words where one ends near the limit.
pub fn lead<S: AsRef<str>>(texts: &[S], max: usize) -> String {
    let mut out = String::new();
    for t in texts {
        let t = t.as_ref().trim();
        if t.is_empty() {
            continue;
        }
        if !out.is_empty() {
            if out.len() + 1 >= max {
                break;
            }
            out.push('\n');
        }
        let left = max - out.len();
        if t.len() <= left {
            out.push_str(t);
            continue;
        }
        let at = char_floor(t, left);
        // Back to the last space within 64 bytes, not to cut a word.
        let at = t[..at]
            .rfind(char::is_whitespace)
            .filter(|space| at - space <= 64)
            .unwrap_or(at);
        out.push_str(t[..at].trim_end());
        break;
    }
    out
}

/// The largest char boundary of `text` at or before `at`.
pub(crate) fn char_floor(text: &str, mut at: usize) -> usize {
    while at > 0 && !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lead_keeps_the_start_of_each_text_up_to_the_limit_between_words() {
        assert_eq!(lead(&["  one two ", "", "three"], 100), "one two\nthree");
        assert_eq!(lead::<&str>(&[], 100), "");
        let long = "word ".repeat(100);
        let l = lead(&[long.as_str(), "never"], 42);
        assert!(l.len() <= 42 && l.ends_with("word"), "{l:?}");
        assert!(!l.contains("never"));
        // No space near the limit: cut at a char boundary.
        let l = lead(&["é".repeat(100)], 41);
        assert_eq!(l, "é".repeat(20));
        assert!(lead(&["a".repeat(10), "b".repeat(10)], 11).len() <= 11);
    }

    #[test]
    fn identical_files_count_once_and_the_total_is_bounded() {
        let big = "é".repeat(MAX_ATTACHMENT_TEXT_PER_COMMENT / 3);
        let files = [
            ("a", Some(big.as_str())),
            ("a", Some(big.as_str())),
            ("b", None),
            ("c", Some(big.as_str())),
            ("d", Some("small")),
        ];
        let b = bound(&files);
        assert_eq!(b[0].text.map(str::len), Some(big.len()));
        assert_eq!(b[1].same_as, Some(0));
        assert!(b[1].text.is_none());
        assert!(b[2].text.is_none() && !b[2].truncated);
        let kept: usize = b.iter().filter_map(|x| x.text).map(str::len).sum();
        assert!(kept <= MAX_ATTACHMENT_TEXT_PER_COMMENT);
        assert!(b[3].truncated, "the third distinct file passes the budget");
        assert!(
            b[3].text.unwrap().chars().all(|c| c == 'é'),
            "cut at a char boundary"
        );
        assert!(
            b[4].truncated && b[4].text.is_none(),
            "nothing left for the last"
        );
    }
}
