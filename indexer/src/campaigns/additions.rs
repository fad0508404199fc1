//! What a member adds to or changes in its campaign's template: a word
//! diff, so analysts read a campaign once and then only what each sender
//! wrote.

use serde::Serialize;
use similar::{Algorithm, ChangeTag, TextDiff};
use std::time::Duration;

/// A stretch of the member's text (or of the template, when removed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Segment {
    pub kind: Kind,
    pub text: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// As in the template.
    Same,
    /// In the member, not the template: what the sender wrote.
    Added,
    /// In the template, left out by the member.
    Removed,
}

/// The diff of one member against the template.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Additions {
    pub segments: Vec<Segment>,
    pub added_words: usize,
    pub removed_words: usize,
    /// The texts were cut to `MAX_CHARS` or the diff ran out of time; what
    /// is shown is still a correct diff of what was compared.
    pub truncated: bool,
}

/// Characters of each text compared: a member's letter, not its 2 MiB
/// attachment, is what an analyst reads here.
pub const MAX_CHARS: usize = 40_000;
/// A diff that takes longer settles for a coarser answer.
const DEADLINE: Duration = Duration::from_millis(100);

impl Additions {
    pub fn of(template: &str, member: &str) -> Additions {
        let (old, cut_old) = clip(template);
        let (new, cut_new) = clip(member);
        let started = std::time::Instant::now();
        let diff = TextDiff::configure()
            .algorithm(Algorithm::Patience)
            .timeout(DEADLINE)
            .diff_words(old, new);
        let mut out = Additions {
            segments: Vec::new(),
            added_words: 0,
            removed_words: 0,
            truncated: cut_old || cut_new,
        };
        for change in diff.iter_all_changes() {
            let kind = match change.tag() {
                ChangeTag::Equal => Kind::Same,
                ChangeTag::Insert => Kind::Added,
                ChangeTag::Delete => Kind::Removed,
            };
            let value = change.value();
            let words = usize::from(!value.trim().is_empty());
            match kind {
                Kind::Added => out.added_words += words,
                Kind::Removed => out.removed_words += words,
                Kind::Same => {}
            }
            // Whitespace between two changes of one kind stays with them,
            // so "added words here" is one highlight, not three.
            match out.segments.last_mut() {
                Some(last) if last.kind == kind => last.text.push_str(value),
                _ => out.segments.push(Segment {
                    kind,
                    text: value.to_string(),
                }),
            }
        }
        out.truncated |= started.elapsed() >= DEADLINE;
        merge_spaces(&mut out.segments);
        out
    }

    /// The member's own words, stretch by stretch.
    pub fn added(&self) -> Vec<&str> {
        self.segments
            .iter()
            .filter(|s| s.kind == Kind::Added && !s.text.trim().is_empty())
            .map(|s| s.text.trim())
            .collect()
    }
}

/// A lone space kept equal between two additions joins them.
fn merge_spaces(segments: &mut Vec<Segment>) {
    let mut out: Vec<Segment> = Vec::with_capacity(segments.len());
    let mut i = 0;
    while i < segments.len() {
        let s = &segments[i];
        let joins = s.kind == Kind::Same
            && s.text.trim().is_empty()
            && i + 1 < segments.len()
            && out.last().is_some_and(|p| p.kind == Kind::Added)
            && segments[i + 1].kind == Kind::Added;
        if joins {
            let last = out.last_mut().expect("checked");
            last.text.push_str(&s.text);
            last.text.push_str(&segments[i + 1].text);
            i += 2;
            continue;
        }
        match out.last_mut() {
            Some(last) if last.kind == s.kind => last.text.push_str(&s.text),
            _ => out.push(s.clone()),
        }
        i += 1;
    }
    *segments = out;
}

fn clip(s: &str) -> (&str, bool) {
    match s.char_indices().nth(MAX_CHARS) {
        Some((at, _)) => (&s[..at], true),
        None => (s, false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_salutation_and_an_added_sentence_are_the_additions() {
        let t = "We support the program. Please fund standards work.";
        let m = "Dear Secretary, We support the program. Please fund standards work. \
                 My firm exports to Kenya.";
        let a = Additions::of(t, m);
        assert_eq!(
            a.added(),
            vec!["Dear Secretary,", "My firm exports to Kenya."]
        );
        assert_eq!(a.removed_words, 0);
        assert_eq!(a.added_words, 7);
        let member: String = a
            .segments
            .iter()
            .filter(|s| s.kind != Kind::Removed)
            .map(|s| s.text.as_str())
            .collect();
        assert_eq!(member, m);
    }

    #[test]
    fn a_changed_word_is_removed_and_added() {
        let a = Additions::of("fund standards work", "fund training work");
        assert_eq!(a.added(), vec!["training"]);
        assert_eq!(a.removed_words, 1);
        assert!(!a.truncated);
    }

    #[test]
    fn long_texts_are_cut() {
        let long = "word ".repeat(MAX_CHARS);
        assert!(Additions::of(&long, "word").truncated);
    }
}
