//! Agreement between two analysts on the comments both coded by hand:
//! per tag (of a codebook subtree), the four counts of their yes/no
//! decisions, observed agreement and Cohen's kappa, and the same pooled
//! over the tags. A tag implies every tag above it (a comment tagged
//! `region/asean/malaysia` is tagged `region/asean` too), as in search.

use super::{Analysis, AnalysisError};
use crate::db::models::{comment_tag, tag};
use crate::domain::tag_path::TagPath;
use rfidesk_indexer::agreement::{self, Coding, Table};
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Serialize)]
pub struct Measures {
    #[serde(flatten)]
    pub table: Table,
    pub observed: Option<f64>,
    pub expected: Option<f64>,
    /// `null` when undefined (both coders always, or never, used the tag).
    pub kappa: Option<f64>,
}

impl From<Table> for Measures {
    fn from(table: Table) -> Self {
        Measures {
            observed: table.observed(),
            expected: table.expected(),
            kappa: table.kappa(),
            table,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct TagAgreement {
    pub tag: String,
    #[serde(flatten)]
    pub measures: Measures,
}

#[derive(Debug, Serialize)]
pub struct AgreementView {
    pub docket: String,
    pub coders: [String; 2],
    pub tag_prefix: String,
    /// Comments both coders tagged (with any tag): the decisions counted.
    pub comments: usize,
    pub pooled: Measures,
    pub tags: Vec<TagAgreement>,
}

/// Two distinct coders, and a tag path prefix (empty: the whole codebook).
pub async fn between(
    analysis: &Analysis,
    docket: &str,
    coders: [String; 2],
    tag_prefix: String,
) -> Result<AgreementView, AnalysisError> {
    let docket = analysis.docket_id(docket).await?;
    let (id, names) = (docket.clone(), coders.to_vec());
    let (rows, codings) = analysis
        .db(move |conn| {
            let rows = tag::for_docket(conn, &id)?;
            let codings = comment_tag::person_codings(conn, &id, &names)?;
            Ok((rows, codings))
        })
        .await?;
    let tags: Vec<String> = rows
        .iter()
        .map(|r| r.path.clone())
        .filter(|p| p.starts_with(&tag_prefix))
        .collect();
    let mut by_coder: [Coding; 2] = Default::default();
    for (coder, comment, path) in codings {
        let i = if coder == coders[0] { 0 } else { 1 };
        let set = by_coder[i].entry(comment).or_default();
        set.extend(TagPath::with_ancestors(&path).map(str::to_string));
    }
    let comments = by_coder[0]
        .keys()
        .filter(|c| by_coder[1].contains_key(*c))
        .count();
    let (per_tag, pooled): (BTreeMap<String, Table>, Table) =
        agreement::tables(&by_coder[0], &by_coder[1], &tags);
    Ok(AgreementView {
        docket,
        coders,
        tag_prefix,
        comments,
        pooled: pooled.into(),
        tags: per_tag
            .into_iter()
            .map(|(tag, t)| TagAgreement {
                tag,
                measures: t.into(),
            })
            .collect(),
    })
}
