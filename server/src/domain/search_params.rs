//! The search API's query string, parsed once at the edge.

use chrono::{DateTime, NaiveDate, Utc};
use rfidesk_indexer::{Filters, SearchRequest, Sort};
use std::collections::BTreeMap;

/// Most hits on one page.
pub const MAX_PER_PAGE: usize = 100;
pub const DEFAULT_PER_PAGE: usize = 20;
/// Deepest hit a page may reach: deep paging costs the index more and more;
/// past this, narrow the search.
pub const MAX_DEPTH: usize = 10_000;

/// Filters that take keyword values, named as the index's keyword fields.
const KEYWORD_PARAMS: [&str; 12] = rfidesk_indexer::FACET_FIELDS;

#[derive(Debug, Clone, PartialEq)]
pub struct SearchParams {
    pub q: String,
    /// Keyword filters (including `late` and `has_attachments`, whose
    /// values are `true` and `false`).
    pub keywords: BTreeMap<String, Vec<String>>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub sort: Sort,
    pub page: usize,
    pub per_page: usize,
    /// One hit per form-letter campaign (its best), with the campaign's
    /// count of matches.
    pub collapse: bool,
}

impl SearchParams {
    /// Parses `key=value` pairs; a key may repeat (`category=a&category=b`
    /// means either). Returns every problem, by parameter.
    pub fn parse(pairs: &[(String, String)]) -> Result<Self, BTreeMap<String, String>> {
        let mut errors = BTreeMap::new();
        let mut p = SearchParams {
            q: String::new(),
            keywords: BTreeMap::new(),
            from: None,
            to: None,
            sort: Sort::Relevance,
            page: 1,
            per_page: DEFAULT_PER_PAGE,
            collapse: false,
        };
        let mut sort = None;
        for (key, value) in pairs {
            let value = value.trim();
            match key.as_str() {
                "q" => p.q = value.to_string(),
                k if KEYWORD_PARAMS.contains(&k) => {
                    if value.is_empty() {
                        continue;
                    }
                    if matches!(k, "late" | "has_attachments" | "business_confidential")
                        && !matches!(value, "true" | "false")
                    {
                        errors.insert(key.clone(), "must be true or false".into());
                        continue;
                    }
                    if k == "signal"
                        && rfidesk_indexer::campaigns::signals::Kind::parse(value).is_none()
                    {
                        let kinds =
                            rfidesk_indexer::campaigns::signals::Kind::ALL.map(|k| k.as_str());
                        errors.insert(key.clone(), format!("must be one of {}", kinds.join(", ")));
                        continue;
                    }
                    let value = if k == "country" {
                        value.to_ascii_uppercase()
                    } else {
                        value.to_string()
                    };
                    let values = p.keywords.entry(k.to_string()).or_default();
                    if !values.contains(&value) {
                        values.push(value);
                    }
                }
                "from" | "to" if value.is_empty() => {}
                "from" => match parse_instant(value, false) {
                    Some(t) => p.from = Some(t),
                    None => {
                        errors.insert(
                            key.clone(),
                            "must be a date (2026-11-20) or an RFC 3339 time".into(),
                        );
                    }
                },
                "to" => match parse_instant(value, true) {
                    Some(t) => p.to = Some(t),
                    None => {
                        errors.insert(
                            key.clone(),
                            "must be a date (2026-11-20) or an RFC 3339 time".into(),
                        );
                    }
                },
                "sort" => match value {
                    "relevance" => sort = Some(Sort::Relevance),
                    "newest" => sort = Some(Sort::Newest),
                    "oldest" => sort = Some(Sort::Oldest),
                    "" => {}
                    _ => {
                        errors.insert(key.clone(), "must be relevance, newest or oldest".into());
                    }
                },
                "collapse" => match value {
                    "true" | "1" => p.collapse = true,
                    "false" | "0" | "" => p.collapse = false,
                    _ => {
                        errors.insert(key.clone(), "must be true or false".into());
                    }
                },
                "page" => match value.parse::<usize>() {
                    Ok(n) if n >= 1 => p.page = n,
                    _ => {
                        errors.insert(key.clone(), "must be a whole number from 1".into());
                    }
                },
                "per_page" => match value.parse::<usize>() {
                    // Capped rather than refused: asking for more is not wrong.
                    Ok(n) if n >= 1 => p.per_page = n.min(MAX_PER_PAGE),
                    _ => {
                        errors.insert(
                            key.clone(),
                            format!("must be a whole number from 1 to {MAX_PER_PAGE}"),
                        );
                    }
                },
                other => {
                    errors.insert(other.to_string(), "is not a search parameter".into());
                }
            }
        }
        if let (Some(from), Some(to)) = (p.from, p.to) {
            if from >= to {
                errors.insert("to".into(), "must be after from".into());
            }
        }
        if p.page.saturating_mul(p.per_page) > MAX_DEPTH {
            errors.insert(
                "page".into(),
                format!("pages reach at most the first {MAX_DEPTH} hits; narrow the search"),
            );
        }
        // Without words to rank by, newest first is the useful order.
        p.sort = sort.unwrap_or(if is_match_all(&p.q) {
            Sort::Newest
        } else {
            Sort::Relevance
        });
        if errors.is_empty() {
            Ok(p)
        } else {
            Err(errors)
        }
    }

    /// The search of a saved operation (a bulk tag, a rule): a JSON object
    /// of `q` and filters, each a string or a list of up to 100 strings.
    /// Paging, sorting and `docket` (the operation's own) are refused; keys
    /// in `skip` belong to the caller.
    pub fn from_json(
        body: &serde_json::Map<String, serde_json::Value>,
        skip: &[&str],
    ) -> Result<Self, BTreeMap<String, String>> {
        use serde_json::Value;
        let mut pairs = Vec::new();
        let mut errors = BTreeMap::new();
        for (key, value) in body {
            if skip.contains(&key.as_str()) {
                continue;
            }
            if matches!(
                key.as_str(),
                "page" | "per_page" | "sort" | "docket" | "collapse"
            ) {
                errors.insert(key.clone(), "is not a filter of a saved search".into());
                continue;
            }
            match value {
                Value::String(s) => pairs.push((key.clone(), s.clone())),
                Value::Array(items) if items.len() <= 100 && items.iter().all(Value::is_string) => {
                    for item in items {
                        pairs.push((key.clone(), item.as_str().unwrap_or_default().into()));
                    }
                }
                _ => {
                    errors.insert(
                        key.clone(),
                        "must be a string or a list of up to 100 strings".into(),
                    );
                }
            }
        }
        let parsed = Self::parse(&pairs);
        match parsed {
            Ok(p) if errors.is_empty() => Ok(p),
            Ok(_) => Err(errors),
            Err(more) => {
                errors.extend(more);
                Err(errors)
            }
        }
    }

    pub fn to_request(&self) -> SearchRequest {
        SearchRequest {
            q: self.q.clone(),
            filters: Filters {
                keywords: self.keywords.clone(),
                from_ms: self.from.map(|t| t.timestamp_millis()),
                to_ms: self.to.map(|t| t.timestamp_millis()),
            },
            sort: self.sort,
            offset: (self.page - 1) * self.per_page,
            limit: self.per_page,
            skip_facets: false,
            collapse: self.collapse,
        }
    }
}

pub fn is_match_all(q: &str) -> bool {
    let q = q.trim();
    q.is_empty() || q == "*"
}

/// A date means its whole day (UTC): `from` its start, `to` its end.
fn parse_instant(value: &str, end_of_day: bool) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(value) {
        return Some(t.with_timezone(&Utc));
    }
    let day = NaiveDate::parse_from_str(value, "%Y-%m-%d").ok()?;
    let day = if end_of_day { day.succ_opt()? } else { day };
    Some(day.and_hms_opt(0, 0, 0)?.and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(qs: &str) -> Vec<(String, String)> {
        serde_urlencoded::from_str(qs).unwrap()
    }

    #[test]
    fn repeated_keys_are_alternatives() {
        let p = SearchParams::parse(&pairs("q=x&category=a&category=b&country=my")).unwrap();
        assert_eq!(p.keywords["category"], ["a", "b"]);
        assert_eq!(p.keywords["country"], ["MY"]);
        assert_eq!(p.sort, Sort::Relevance);
    }

    #[test]
    fn problems_are_named() {
        let e = SearchParams::parse(&pairs("late=maybe&page=0&sort=best&bogus=1")).unwrap_err();
        assert_eq!(e.len(), 4, "{e:?}");
    }

    #[test]
    fn per_page_is_capped_and_dates_cover_days() {
        let p = SearchParams::parse(&pairs("per_page=5000&from=2026-11-01&to=2026-11-02")).unwrap();
        assert_eq!(p.per_page, MAX_PER_PAGE);
        assert_eq!(p.sort, Sort::Newest);
        let r = p.to_request();
        assert_eq!(
            r.filters.to_ms.unwrap() - r.filters.from_ms.unwrap(),
            2 * 86_400_000
        );
    }
}
