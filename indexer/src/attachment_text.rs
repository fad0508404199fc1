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
