//! Distinguishing terms as the summary shows them: each group's terms
//! (counted and scored by `rfidesk_indexer::distinguishing`) under the
//! group's label, its counts rounded for reading.

use super::summary::{Breakdown, Summary};
use rfidesk_indexer::TermGroup;
use serde::Serialize;

/// Terms listed per group.
pub const PER_GROUP: usize = 10;

#[derive(Debug, Clone, Serialize)]
pub struct TermGroupView {
    /// `category`, `org_type` or `tag`.
    pub field: String,
    pub value: String,
    pub label: String,
    /// The group's comments, a campaign counting once.
    pub comments: f64,
    /// Most distinguishing first; empty when nothing sets the group apart.
    pub terms: Vec<TermView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TermView {
    /// A word or a two-word phrase, lowercased.
    pub term: String,
    /// The weighted log-odds ratio's z-score (Monroe et al. 2008).
    pub z: f64,
    /// The group's comments using it, a campaign counting once (so a
    /// campaign whose members are in several groups adds a share to each).
    pub comments: f64,
    /// The other matching comments using it, counted the same way.
    pub elsewhere: f64,
}

/// The groups under the labels of the summary's breakdowns.
pub fn labelled(groups: Vec<TermGroup>, summary: &Summary) -> Vec<TermGroupView> {
    let label = |field: &str, value: &str| -> String {
        let rows: &[Breakdown] = match field {
            "category" => &summary.by_category,
            "org_type" => &summary.by_org_type,
            _ => &summary.by_tag,
        };
        rows.iter()
            .find(|b| b.value == value)
            .map_or_else(|| value.to_string(), |b| b.label.clone())
    };
    groups
        .into_iter()
        .map(|g| TermGroupView {
            label: label(&g.field, &g.value),
            comments: rounded(g.comments),
            terms: g
                .terms
                .into_iter()
                .map(|t| TermView {
                    term: t.term,
                    z: rounded(t.z),
                    comments: rounded(t.comments),
                    elsewhere: rounded(t.elsewhere),
                })
                .collect(),
            field: g.field,
            value: g.value,
        })
        .collect()
}

/// Two decimals: the counts are shares of campaigns, the scores estimates.
fn rounded(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}
