//! A docket: what an RFI asks, who may answer, and when.

use anyhow::{bail, Context};
use chrono::{DateTime, LocalResult, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
pub use rfidesk_indexer::campaigns::Config as CampaignConfig;
use serde::{Deserialize, Serialize};

/// A docket file as staff write it (`fixtures/dockets/*.toml`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DocketFile {
    pub id: String,
    pub title: String,
    pub agency: String,
    pub summary: String,
    #[serde(default)]
    pub document_url: Option<String>,
    /// Local wall-clock times in `time_zone`, e.g. `2026-11-28T23:59:59`.
    pub opens_at: NaiveDateTime,
    pub closes_at: NaiveDateTime,
    pub time_zone: String,
    #[serde(default)]
    pub late_policy: LatePolicy,
    #[serde(default)]
    pub limits: Limits,
    /// How form-letter campaigns are found (`[campaigns]`; every setting
    /// has a default).
    #[serde(default)]
    pub campaigns: CampaignConfig,
    pub questions: Vec<Question>,
    pub categories: Vec<Category>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LatePolicy {
    #[default]
    Reject,
    AcceptFlagged,
}

impl LatePolicy {
    pub fn as_str(self) -> &'static str {
        match self {
            LatePolicy::Reject => "reject",
            LatePolicy::AcceptFlagged => "accept_flagged",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "reject" => Some(LatePolicy::Reject),
            "accept_flagged" => Some(LatePolicy::AcceptFlagged),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    pub max_text_chars: usize,
    pub max_attachments: usize,
    pub max_attachment_bytes: u64,
    pub allowed_types: Vec<String>,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_text_chars: 20_000,
            max_attachments: 20,
            max_attachment_bytes: 10 * 1024 * 1024,
            allowed_types: ["pdf", "docx", "txt", "rtf", "xlsx", "pptx", "png", "jpeg"]
                .map(String::from)
                .to_vec(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Question {
    pub id: String,
    pub title: String,
    #[serde(default)]
    pub help: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Category {
    pub id: String,
    pub label: String,
}

/// The parts of a docket that live in one JSON column: they change together
/// when the file is edited and are never queried piecemeal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Definition {
    pub questions: Vec<Question>,
    pub categories: Vec<Category>,
    pub limits: Limits,
    #[serde(default)]
    pub document_url: Option<String>,
    #[serde(default)]
    pub campaigns: CampaignConfig,
}

/// A docket as the application uses it, times resolved to instants.
#[derive(Debug, Clone, PartialEq)]
pub struct Docket {
    pub id: String,
    pub title: String,
    pub agency: String,
    pub summary: String,
    pub time_zone: Tz,
    pub opens_at: DateTime<Utc>,
    /// The closing time in the docket file.
    pub original_closes_at: DateTime<Utc>,
    /// Set by staff with `rfidesk docket extend`; survives reloading the file.
    pub extended_until: Option<DateTime<Utc>>,
    pub late_policy: LatePolicy,
    pub definition: Definition,
    /// Every change of the closing time, oldest first, with its notice.
    pub deadline_changes: Vec<DeadlineChange>,
}

/// A change of a docket's closing time (an extension, or a reopening
/// after it closed) and the public notice that explains it.
#[derive(Debug, Clone, PartialEq)]
pub struct DeadlineChange {
    pub closes_before: DateTime<Utc>,
    pub closes_at: DateTime<Utc>,
    pub notice: String,
    pub at: DateTime<Utc>,
}

/// Whether a comment arriving at a given instant may be taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Intake {
    Open,
    Late,
    NotYetOpen,
    Closed,
}

impl Docket {
    pub fn closes_at(&self) -> DateTime<Utc> {
        match self.extended_until {
            Some(ext) if ext > self.original_closes_at => ext,
            _ => self.original_closes_at,
        }
    }

    pub fn is_extended(&self) -> bool {
        self.closes_at() != self.original_closes_at
    }

    pub fn intake_at(&self, now: DateTime<Utc>) -> Intake {
        if now < self.opens_at {
            Intake::NotYetOpen
        } else if now <= self.closes_at() {
            Intake::Open
        } else if self.late_policy == LatePolicy::AcceptFlagged {
            Intake::Late
        } else {
            Intake::Closed
        }
    }

    pub fn is_open_at(&self, now: DateTime<Utc>) -> bool {
        self.intake_at(now) == Intake::Open
    }

    pub fn question(&self, id: &str) -> Option<&Question> {
        self.definition.questions.iter().find(|q| q.id == id)
    }

    pub fn category(&self, id: &str) -> Option<&Category> {
        self.definition.categories.iter().find(|c| c.id == id)
    }

    pub fn limits(&self) -> &Limits {
        &self.definition.limits
    }

    /// A local time in the docket's zone, for people.
    pub fn local(&self, at: DateTime<Utc>) -> DateTime<Tz> {
        at.with_timezone(&self.time_zone)
    }

    /// Largest JSON body a valid submission to this docket can need: every
    /// text field full of 4-byte characters plus room for the envelope.
    pub fn max_json_bytes(&self) -> usize {
        (self.definition.questions.len() + 2) * self.limits().max_text_chars * 4 + 64 * 1024
    }
}

impl DocketFile {
    pub fn from_toml(text: &str) -> anyhow::Result<Self> {
        let file: DocketFile = toml::from_str(text)?;
        file.check()?;
        Ok(file)
    }

    fn check(&self) -> anyhow::Result<()> {
        let id_ok = |s: &str| {
            !s.is_empty()
                && s.len() <= 64
                && s.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
        };
        if !id_ok(&self.id) {
            bail!(
                "docket id {:?} must be 1-64 characters of a-z, 0-9, '-' or '_'",
                self.id
            );
        }
        let tz = self.tz()?;
        let opens = local_to_utc(tz, self.opens_at)?;
        let closes = local_to_utc(tz, self.closes_at)?;
        if closes <= opens {
            bail!("closes_at must be after opens_at");
        }
        if self.questions.is_empty() || self.categories.is_empty() {
            bail!("a docket needs at least one question and one category");
        }
        for (what, ids) in [
            (
                "question",
                self.questions
                    .iter()
                    .map(|q| q.id.as_str())
                    .collect::<Vec<_>>(),
            ),
            (
                "category",
                self.categories.iter().map(|c| c.id.as_str()).collect(),
            ),
        ] {
            for (i, id) in ids.iter().enumerate() {
                if !id_ok(id) {
                    bail!("{what} id {id:?} must be 1-64 characters of a-z, 0-9, '-' or '_'");
                }
                if ids[..i].contains(id) {
                    bail!("{what} id {id:?} appears twice");
                }
            }
        }
        for t in &self.limits.allowed_types {
            if crate::domain::attachment::FileKind::parse(t).is_none() {
                bail!("unknown attachment type {t:?} in limits.allowed_types");
            }
        }
        if self.limits.max_text_chars == 0 || self.limits.max_attachment_bytes == 0 {
            bail!("limits must be positive");
        }
        self.campaigns
            .check()
            .map_err(|e| anyhow::anyhow!("campaigns: {e}"))?;
        Ok(())
    }

    pub fn tz(&self) -> anyhow::Result<Tz> {
        self.time_zone
            .parse::<Tz>()
            .map_err(|_| anyhow::anyhow!("unknown IANA time zone {:?}", self.time_zone))
    }

    pub fn into_docket(self) -> anyhow::Result<Docket> {
        let tz = self.tz()?;
        Ok(Docket {
            opens_at: local_to_utc(tz, self.opens_at)?,
            original_closes_at: local_to_utc(tz, self.closes_at)?,
            extended_until: None,
            deadline_changes: Vec::new(),
            id: self.id,
            title: self.title,
            agency: self.agency,
            summary: self.summary,
            time_zone: tz,
            late_policy: self.late_policy,
            definition: Definition {
                questions: self.questions,
                categories: self.categories,
                limits: self.limits,
                document_url: self.document_url,
                campaigns: self.campaigns,
            },
        })
    }
}

/// A wall-clock time in a zone as an instant. A time skipped by a DST change
/// is refused; an ambiguous one takes the later instant (more time to comment).
pub fn local_to_utc(tz: Tz, local: NaiveDateTime) -> anyhow::Result<DateTime<Utc>> {
    match tz.from_local_datetime(&local) {
        LocalResult::Single(t) => Ok(t.with_timezone(&Utc)),
        LocalResult::Ambiguous(_, later) => Ok(later.with_timezone(&Utc)),
        LocalResult::None => bail!("{local} does not exist in {tz} (daylight-saving change)"),
    }
}

/// Parses what staff type for `--until`: RFC 3339 with an offset, a local
/// date-time in the docket's zone, or a bare date meaning its last second.
pub fn parse_deadline(input: &str, tz: Tz) -> anyhow::Result<DateTime<Utc>> {
    let s = input.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    for fmt in [
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(local) = NaiveDateTime::parse_from_str(s, fmt) {
            return local_to_utc(tz, local);
        }
    }
    let date = NaiveDate::parse_from_str(s, "%Y-%m-%d").with_context(|| {
        format!("{s:?} is not a date (2026-12-13), a local time (2026-12-13T23:59) or RFC 3339")
    })?;
    local_to_utc(tz, date.and_hms_opt(23, 59, 59).expect("valid time"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn docket(policy: LatePolicy) -> Docket {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../fixtures/dockets/ai-exports-rfi.toml"
        ))
        .unwrap();
        let mut d = DocketFile::from_toml(&text).unwrap().into_docket().unwrap();
        d.late_policy = policy;
        d
    }

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn fixture_closes_at_1159_pm_eastern() {
        let d = docket(LatePolicy::Reject);
        // 23:59:59 EST is 04:59:59 UTC the next day.
        assert_eq!(d.closes_at(), utc("2026-11-29T04:59:59Z"));
        assert_eq!(d.intake_at(utc("2026-11-29T04:59:59Z")), Intake::Open);
        assert_eq!(d.intake_at(utc("2026-11-29T05:00:00Z")), Intake::Closed);
        assert_eq!(d.intake_at(utc("2026-10-01T00:00:00Z")), Intake::NotYetOpen);
    }

    #[test]
    fn late_policy_and_extension() {
        let mut d = docket(LatePolicy::AcceptFlagged);
        assert_eq!(d.intake_at(utc("2026-12-01T00:00:00Z")), Intake::Late);
        d.extended_until = Some(parse_deadline("2026-12-13", d.time_zone).unwrap());
        assert!(d.is_extended());
        assert_eq!(d.intake_at(utc("2026-12-01T00:00:00Z")), Intake::Open);
        // An extension that ends before the file's deadline changes nothing.
        d.extended_until = Some(utc("2026-11-01T00:00:00Z"));
        assert!(!d.is_extended());
    }

    #[test]
    fn deadline_formats() {
        let tz: Tz = "America/New_York".parse().unwrap();
        assert_eq!(
            parse_deadline("2026-12-13T23:59", tz).unwrap(),
            utc("2026-12-14T04:59:00Z")
        );
        assert_eq!(
            parse_deadline("2026-12-13T12:00:00-05:00", tz).unwrap(),
            utc("2026-12-13T17:00:00Z")
        );
        assert!(parse_deadline("next tuesday", tz).is_err());
    }

    #[test]
    fn bad_docket_files_are_refused() {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../fixtures/dockets/ai-exports-rfi.toml"
        ))
        .unwrap();
        assert!(DocketFile::from_toml(&text.replace("America/New_York", "Mars/Olympus")).is_err());
        assert!(DocketFile::from_toml(
            &text.replace("id = \"ai-exports-rfi\"", "id = \"AI Exports\"")
        )
        .is_err());
    }
}
