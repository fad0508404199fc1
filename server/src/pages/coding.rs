//! The coding pages' view models: the tag panel of a comment, the
//! codebook with counts, the rules with their counts and a preview, and
//! the "tag all results" form of the search page.

use super::analyst::Account;
use crate::analysis::codebook::{CodebookView, TagView};
use crate::analysis::rules::{Preview, RuleView};
use askama::Template;

/// A tag that may be applied, for pickers.
pub struct TagOption {
    pub path: String,
    pub label: String,
}

/// The live tags of a codebook, in codebook order.
pub fn tag_options(codebook: &CodebookView) -> Vec<TagOption> {
    codebook
        .tags
        .iter()
        .filter(|t| !t.retired)
        .map(|t| TagOption {
            path: t.path.clone(),
            label: t.label.clone(),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "analyst/codebook.html")]
pub struct CodebookPage {
    pub account: Account,
    pub docket: String,
    pub tags: Vec<TagRow>,
    /// Staff see the forms that change the codebook.
    pub staff: bool,
}

pub struct TagRow {
    pub tag: TagView,
    /// Nesting depth, for indentation.
    pub depth: usize,
}

impl CodebookPage {
    pub fn new(account: Account, codebook: CodebookView) -> Self {
        CodebookPage {
            staff: account.role == "staff",
            account,
            docket: codebook.docket.clone(),
            tags: codebook
                .tags
                .into_iter()
                .map(|tag| TagRow {
                    depth: tag.path.matches('/').count(),
                    tag,
                })
                .collect(),
        }
    }
}

#[derive(Template)]
#[template(path = "analyst/rules.html")]
pub struct RulesPage {
    pub account: Account,
    pub docket: String,
    pub rules: Vec<RuleLine>,
    pub options: Vec<TagOption>,
    /// What the form holds (after a preview, or a refused save).
    pub tag: String,
    pub q: String,
    pub preview: Option<Preview>,
    pub error: Option<String>,
}

pub struct RuleLine {
    pub rule: RuleView,
    pub q: String,
    /// The search's filters as `key=value` text.
    pub filters: String,
}

impl RuleLine {
    pub fn new(rule: RuleView) -> Self {
        let mut q = String::new();
        let mut filters = Vec::new();
        if let Some(search) = rule.search.as_object() {
            for (k, v) in search {
                let values: Vec<String> = match v {
                    serde_json::Value::String(s) => vec![s.clone()],
                    serde_json::Value::Array(a) => a
                        .iter()
                        .filter_map(|x| x.as_str().map(str::to_string))
                        .collect(),
                    _ => vec![],
                };
                if k == "q" {
                    q = values.join(" ");
                } else {
                    filters.push(format!("{k}={}", values.join(",")));
                }
            }
        }
        RuleLine {
            rule,
            q,
            filters: filters.join(" "),
        }
    }
}
