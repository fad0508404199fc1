//! A redaction as staff give it: for some of a comment's fields, the text
//! the public reads instead. Checked against the comment at the edge: only
//! fields it has, each within the docket's text limit, at least one.

use std::collections::BTreeMap;

/// The public text of the fields staff redacted.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Redaction {
    /// Question id to its redacted answer.
    pub answers: BTreeMap<String, String>,
    pub comment: Option<String>,
}

impl Redaction {
    /// Checks a request's fields against the comment's own (`answered`:
    /// the questions it answered; `has_comment`: whether it has a general
    /// comment). The problems by field (`answers.<id>`, `comment`).
    pub fn parse(
        answers: BTreeMap<String, String>,
        comment: Option<String>,
        answered: &[String],
        has_comment: bool,
        max_chars: usize,
    ) -> Result<Redaction, BTreeMap<String, String>> {
        let mut errors = BTreeMap::new();
        let problem = |text: &str| -> Option<String> {
            if text.contains('\0') {
                Some("contains a NUL character".into())
            } else if text.len() > max_chars && text.chars().count() > max_chars {
                Some(format!("is longer than {max_chars} characters"))
            } else {
                None
            }
        };
        for (question, text) in &answers {
            let field = format!("answers.{question}");
            if !answered.contains(question) {
                errors.insert(field, "the comment does not answer this question".into());
            } else if let Some(why) = problem(text) {
                errors.insert(field, why);
            }
        }
        if let Some(text) = &comment {
            if !has_comment {
                errors.insert(
                    "comment".into(),
                    "the comment has no general comment".into(),
                );
            } else if let Some(why) = problem(text) {
                errors.insert("comment".into(), why);
            }
        }
        if answers.is_empty() && comment.is_none() && errors.is_empty() {
            errors.insert(
                "answers".into(),
                "give the redacted text of at least one answer or of the comment".into(),
            );
        }
        if errors.is_empty() {
            Ok(Redaction { answers, comment })
        } else {
            Err(errors)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_comments_own_fields_within_the_limit() {
        let answered = vec!["regions".to_string()];
        let ok = Redaction::parse(
            BTreeMap::from([("regions".into(), "[redacted] and Thailand".into())]),
            None,
            &answered,
            false,
            100,
        );
        assert!(ok.is_ok());
        for (answers, comment, field) in [
            (
                BTreeMap::from([("standards".to_string(), "x".to_string())]),
                None,
                "answers.standards",
            ),
            (
                BTreeMap::from([("regions".to_string(), "x".repeat(101))]),
                None,
                "answers.regions",
            ),
            (
                BTreeMap::from([("regions".to_string(), "a\0b".to_string())]),
                None,
                "answers.regions",
            ),
            (BTreeMap::new(), Some("x".to_string()), "comment"),
            (BTreeMap::new(), None, "answers"),
        ] {
            let e = Redaction::parse(answers, comment, &answered, false, 100).unwrap_err();
            assert!(e.contains_key(field), "{e:?}");
        }
    }
}
