//! A row of regulations.gov's bulk-download CSV, read into what RFI Desk
//! stores. Columns are found by their published names (`Document ID`,
//! `Tracking Number`, `Received Date`, `First Name`, `Last Name`,
//! `Organization Name`, `Country`, `Category`, `Comment`, `Attachment
//! Files`, `Duplicate Comments`, `Is Withdrawn?`); the export's many
//! others are ignored, and their order does not matter.

use crate::domain::docket::Docket;
use crate::domain::tracking_number::TrackingNumber;
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};

/// Longest name, organization or Document ID kept.
const MAX_SHORT_CHARS: usize = 500;
/// Most attachment addresses one row may list.
const MAX_ATTACHMENT_URLS: usize = 100;
/// Country of a row that names none, or none we know (ISO 3166's
/// user-assigned "unknown").
pub const UNKNOWN_COUNTRY: &str = "ZZ";

/// Where each column we read is, found by header name.
#[derive(Debug, Clone)]
pub struct Columns {
    document_id: usize,
    tracking_number: usize,
    received: usize,
    first_name: Option<usize>,
    last_name: Option<usize>,
    organization: Option<usize>,
    country: Option<usize>,
    category: Option<usize>,
    comment: Option<usize>,
    attachments: Option<usize>,
    duplicates: Option<usize>,
    withdrawn: Option<usize>,
}

impl Columns {
    /// From the header row: the three columns a comment cannot do without
    /// are required, the rest read when present.
    pub fn from_headers(headers: &csv::StringRecord) -> Result<Columns, String> {
        let find = |name: &str| {
            headers.iter().position(|h| {
                h.trim()
                    .trim_start_matches('\u{feff}')
                    .eq_ignore_ascii_case(name)
            })
        };
        let required = |name: &str| {
            find(name).ok_or_else(|| {
                format!(
                    "the header has no \"{name}\" column: is this a regulations.gov bulk download?"
                )
            })
        };
        Ok(Columns {
            document_id: required("Document ID")?,
            tracking_number: required("Tracking Number")?,
            received: required("Received Date")?,
            first_name: find("First Name"),
            last_name: find("Last Name"),
            organization: find("Organization Name"),
            country: find("Country"),
            category: find("Category"),
            comment: find("Comment"),
            attachments: find("Attachment Files"),
            duplicates: find("Duplicate Comments"),
            withdrawn: find("Is Withdrawn?"),
        })
    }
}

/// One good row.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub document_id: String,
    pub tracking_number: String,
    pub received_at: DateTime<Utc>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub organization: Option<String>,
    /// ISO 3166-1 alpha-2, or [`UNKNOWN_COUNTRY`].
    pub country: String,
    /// The docket's category it matches (by id or label), else `other`.
    pub category: String,
    pub category_text: Option<String>,
    pub comment: Option<String>,
    pub attachment_urls: Vec<String>,
    pub duplicate_comments: Option<i64>,
    pub withdrawn: bool,
}

/// Reads one record, or says why it cannot be imported.
pub fn parse(
    columns: &Columns,
    record: &csv::StringRecord,
    docket: &Docket,
) -> Result<Row, String> {
    let get = |i: Option<usize>| -> Option<&str> {
        i.and_then(|i| record.get(i))
            .map(str::trim)
            .filter(|v| !v.is_empty())
    };
    if record.iter().any(|f| f.contains('\0')) {
        return Err("contains a NUL character".into());
    }
    let short = |name: &str, v: Option<&str>| -> Result<Option<String>, String> {
        match v {
            Some(v) if v.chars().count() > MAX_SHORT_CHARS => Err(format!(
                "{name} is longer than {MAX_SHORT_CHARS} characters"
            )),
            v => Ok(v.map(str::to_string)),
        }
    };
    let document_id =
        short("Document ID", get(Some(columns.document_id)))?.ok_or("Document ID is empty")?;
    let raw_tn = get(Some(columns.tracking_number)).ok_or("Tracking Number is empty")?;
    let tracking_number = TrackingNumber::parse(raw_tn)
        .ok_or_else(|| {
            format!("Tracking Number {raw_tn:?} is not in the 3-4-4 form (abc-defg-hijk)")
        })?
        .to_string();
    let raw_date = get(Some(columns.received)).ok_or("Received Date is empty")?;
    let received_at = parse_date(raw_date)
        .ok_or_else(|| format!("Received Date {raw_date:?} is not a date (2025-10-02T04:00Z)"))?;
    let comment = get(columns.comment).map(str::to_string);
    let max = docket.limits().max_text_chars;
    if comment
        .as_ref()
        .is_some_and(|c| c.len() > max && c.chars().count() > max)
    {
        return Err(format!(
            "Comment is longer than the docket's {max} characters"
        ));
    }
    let duplicate_comments = match get(columns.duplicates) {
        None => None,
        Some(v) => Some(
            v.parse::<i64>()
                .ok()
                .filter(|n| *n >= 0)
                .ok_or_else(|| format!("Duplicate Comments {v:?} is not a whole number"))?,
        ),
    };
    let withdrawn = match get(columns.withdrawn)
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        None | Some("false") | Some("no") | Some("n") => false,
        Some("true") | Some("yes") | Some("y") => true,
        Some(other) => return Err(format!("Is Withdrawn? {other:?} is not true or false")),
    };
    let attachment_urls: Vec<String> = get(columns.attachments)
        .map(|v| {
            v.split(',')
                .map(str::trim)
                .filter(|u| !u.is_empty())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    if attachment_urls.len() > MAX_ATTACHMENT_URLS {
        return Err(format!(
            "Attachment Files lists more than {MAX_ATTACHMENT_URLS} files"
        ));
    }
    if let Some(bad) = attachment_urls
        .iter()
        .find(|u| !(u.starts_with("https://") || u.starts_with("http://")) || u.len() > 2048)
    {
        return Err(format!(
            "Attachment Files has {bad:?}, which is not a web address"
        ));
    }
    let category_text = get(columns.category).map(str::to_string);
    Ok(Row {
        document_id,
        tracking_number,
        received_at,
        first_name: short("First Name", get(columns.first_name))?,
        last_name: short("Last Name", get(columns.last_name))?,
        organization: short("Organization Name", get(columns.organization))?,
        country: country_code(get(columns.country)),
        category: category_of(docket, category_text.as_deref()),
        category_text,
        comment,
        attachment_urls,
        duplicate_comments,
        withdrawn,
    })
}

/// regulations.gov writes `2025-10-02T04:00Z`; other exports write seconds,
/// an offset, or a bare day.
fn parse_date(v: &str) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(v) {
        return Some(t.with_timezone(&Utc));
    }
    for format in ["%Y-%m-%dT%H:%MZ", "%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%d %H:%M:%S"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(v, format) {
            return Some(t.and_utc());
        }
    }
    for format in ["%Y-%m-%d", "%m/%d/%Y"] {
        if let Ok(d) = NaiveDate::parse_from_str(v, format) {
            return Some(d.and_hms_opt(0, 0, 0)?.and_utc());
        }
    }
    None
}

/// A country as the export names it ("United States", "US", "USA") to its
/// alpha-2 code; unknown or missing is [`UNKNOWN_COUNTRY`].
fn country_code(v: Option<&str>) -> String {
    use isocountry::CountryCode;
    let Some(v) = v else {
        return UNKNOWN_COUNTRY.into();
    };
    let upper = v.to_ascii_uppercase();
    if let Ok(c) = CountryCode::for_alpha2(&upper) {
        return c.alpha2().into();
    }
    if let Ok(c) = CountryCode::for_alpha3(&upper) {
        return c.alpha2().into();
    }
    let alias = match upper.as_str() {
        "UNITED STATES" | "UNITED STATES OF AMERICA" | "U.S." | "U.S.A." => Some("US"),
        "UNITED KINGDOM" | "UK" | "GREAT BRITAIN" => Some("GB"),
        "SOUTH KOREA" | "KOREA" | "REPUBLIC OF KOREA" => Some("KR"),
        "TAIWAN" => Some("TW"),
        "VIETNAM" | "VIET NAM" => Some("VN"),
        "RUSSIA" => Some("RU"),
        _ => None,
    };
    if let Some(a) = alias {
        return a.into();
    }
    CountryCode::iter()
        .find(|c| c.name().eq_ignore_ascii_case(v))
        .map_or_else(|| UNKNOWN_COUNTRY.into(), |c| c.alpha2().into())
}

/// The docket's category a Category value names (its id or label, any
/// case), else `other`.
fn category_of(docket: &Docket, v: Option<&str>) -> String {
    let found = v.and_then(|v| {
        docket
            .definition
            .categories
            .iter()
            .find(|c| c.id.eq_ignore_ascii_case(v) || c.label.eq_ignore_ascii_case(v))
    });
    found.map_or_else(|| "other".to_string(), |c| c.id.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_countries_in_the_exports_forms() {
        let t = |v| parse_date(v).map(|d| d.to_rfc3339());
        assert_eq!(
            t("2025-10-02T04:00Z").as_deref(),
            Some("2025-10-02T04:00:00+00:00")
        );
        assert_eq!(
            t("2025-10-02T04:00:07Z").as_deref(),
            Some("2025-10-02T04:00:07+00:00")
        );
        assert_eq!(
            t("2025-10-02").as_deref(),
            Some("2025-10-02T00:00:00+00:00")
        );
        assert_eq!(
            t("10/02/2025").as_deref(),
            Some("2025-10-02T00:00:00+00:00")
        );
        assert_eq!(t("yesterday"), None);
        assert_eq!(country_code(Some("United States")), "US");
        assert_eq!(country_code(Some("mys")), "MY");
        assert_eq!(country_code(Some("de")), "DE");
        assert_eq!(country_code(Some("Japan")), "JP");
        assert_eq!(country_code(Some("Atlantis")), UNKNOWN_COUNTRY);
        assert_eq!(country_code(None), UNKNOWN_COUNTRY);
    }
}
