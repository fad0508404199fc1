//! The `comments` and `search` exports: one row per comment, a page of
//! comments at a time, each row made through the role-aware view (the
//! fields the staff audience sees on the comment page; contact details
//! only when asked for).

use super::cells;
use super::{ExportError, Options};
use crate::analysis::view::{self, Audience};
use crate::db::models::comment::{self, CommentRow};
use crate::db::models::{attachment, campaign, comment_tag, tag};
use crate::db::DbConn;
use crate::domain::docket::Docket;
use crate::domain::submission::ORGANIZATION_TYPES;
use std::collections::{BTreeMap, HashMap};
use std::io::Write;

/// Comments read a page: each page is four indexed queries. 500 gave a
/// median of 196k rows/s at a million comments, 1,000 173k and 2,500
/// 135k (docs/BENCHMARKS.md, 2026-12-07): small pages stay in the caches.
pub const PAGE: usize = 500;

/// Which comments: all of a docket's, or these ids (a search's matches).
pub enum Selection {
    Docket,
    Ids(Vec<String>),
}

/// A page of comments with what their rows need, read together.
struct Page {
    rows: Vec<CommentRow>,
    files: HashMap<String, Vec<String>>,
    tags: HashMap<String, Vec<String>>,
    campaigns: HashMap<String, String>,
}

/// Pages read ahead of the one being written: reading (SQLite, row
/// decoding) and writing (the view, JSON answers, CSV) take about the same
/// time, so each runs on its own core; two pages in flight bound memory.
const PAGES_AHEAD: usize = 2;

/// Writes the header and one row per comment of `selection`, in id order
/// (which is the order received: ids are time-ordered). `progress` hears
/// the rows read so far. Returns the rows written. Pages are read on this
/// thread and written on another.
pub fn write<W: Write + Send>(
    conn: &mut DbConn,
    docket: &Docket,
    selection: Selection,
    options: Options,
    min_size: usize,
    out: W,
    mut progress: impl FnMut(u64),
) -> Result<u64, ExportError> {
    let audience = Audience::Staff;
    let contact = options.include_contact && audience.sees_contact();
    let names: HashMap<String, String> = campaign::all_in_docket(conn, &docket.id)?
        .into_iter()
        .filter(|c| c.size.max(0) as usize >= min_size)
        .map(|c| {
            let name = c.name.unwrap_or_default();
            (c.id, name)
        })
        .collect();
    let labels = Labels::new(docket);
    let (tx, rx) = std::sync::mpsc::sync_channel::<Page>(PAGES_AHEAD);
    // Written pages go back to the reader to be freed where they were
    // allocated: freed on the writer's thread, every row took a lock on
    // the reader's malloc arena, and the two threads queued on it (an
    // eighth of the export's time in futex waits).
    let (back, written_pages) = std::sync::mpsc::channel::<Page>();
    std::thread::scope(|scope| {
        let writer = scope.spawn(|| -> Result<u64, ExportError> {
            let mut w = cells::writer(out, options.bom)?;
            cells::record(&mut w, header(docket, contact))?;
            let mut written = 0u64;
            for page in rx {
                for row in &page.rows {
                    let campaign = page
                        .campaigns
                        .get(&row.id)
                        .filter(|c| names.contains_key(*c));
                    let files = page.files.get(&row.id).map(Vec::as_slice).unwrap_or(&[]);
                    let tags = page.tags.get(&row.id).map(Vec::as_slice).unwrap_or(&[]);
                    let campaign = campaign.map(|c| (c.as_str(), names[c].as_str()));
                    let cells = line(
                        docket, &labels, row, audience, contact, files, tags, campaign,
                    );
                    cells::record(&mut w, cells)?;
                    written += 1;
                }
                // The reader is gone only after this thread ends.
                let _ = back.send(page);
            }
            w.flush()?;
            Ok(written)
        });
        let mut rows_read = 0u64;
        let read = read_pages(conn, docket, selection, |page| {
            rows_read += page.rows.len() as u64;
            let n = rows_read;
            // The writer failed (its error is reported below) or is gone.
            tx.send(page)
                .map_err(|_| ExportError::Io(std::io::ErrorKind::BrokenPipe.into()))?;
            written_pages.try_iter().for_each(drop);
            progress(n);
            Ok(())
        });
        drop(tx);
        let written = writer.join().unwrap_or_else(|_| {
            Err(ExportError::Io(std::io::Error::other(
                "the writer panicked",
            )))
        });
        // The writer's own failure says more than the reader's broken pipe.
        match (read, written) {
            (_, Err(e)) => Err(e),
            (Err(e), Ok(_)) => Err(e),
            (Ok(()), Ok(n)) => Ok(n),
        }
    })
}

/// Reads `selection` a page at a time, in id order, handing each page to
/// `send`.
fn read_pages(
    conn: &mut DbConn,
    docket: &Docket,
    selection: Selection,
    mut send: impl FnMut(Page) -> Result<(), ExportError>,
) -> Result<(), ExportError> {
    match selection {
        Selection::Docket => {
            // Pages are runs of the docket's comments in id order: what
            // they carry is read by id range (another docket's comments in
            // the range add entries nothing looks up). Tags come as ids,
            // named from the docket's tags read once.
            let paths: HashMap<String, String> = tag::for_docket(conn, &docket.id)?
                .into_iter()
                .map(|t| (t.id, t.path))
                .collect();
            let mut after = String::new();
            loop {
                let rows = comment::docket_page_after(conn, &docket.id, &after, PAGE as i64)?;
                let (Some(first), Some(last)) = (rows.first(), rows.last()) else {
                    break;
                };
                let (first, last) = (first.id.clone(), last.id.clone());
                let files = attachment::names_between(conn, &first, &last)?;
                let tags = comment_tag::tag_ids_between(conn, &first, &last)?
                    .into_iter()
                    .filter_map(|(c, t)| Some((c, paths.get(&t)?.clone())))
                    .collect();
                let campaigns = campaign::campaigns_between(conn, &first, &last)?;
                after = last;
                send(page(rows, files, tags, campaigns))?;
            }
        }
        Selection::Ids(mut ids) => {
            ids.sort();
            for chunk in ids.chunks(PAGE) {
                let mut rows = comment::by_ids(conn, chunk)?;
                rows.retain(|r| r.docket_id == docket.id);
                rows.sort_by(|a, b| a.id.cmp(&b.id));
                let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
                let files = attachment::for_comments(conn, &ids)?
                    .into_iter()
                    .map(|a| (a.comment_id, a.filename))
                    .collect();
                let tags = comment_tag::paths_for_comments(conn, &ids)?;
                let campaigns = campaign::campaigns_of(conn, &ids)?;
                send(page(rows, files, tags, campaigns))?;
            }
        }
    }
    Ok(())
}

/// A page from its comments and what they carry: (comment id, file name)
/// in the order sent, (comment id, tag path) in any order and maybe twice
/// (each comment's listed once, sorted), (comment id, campaign id).
fn page(
    rows: Vec<CommentRow>,
    files: Vec<(String, String)>,
    tags: Vec<(String, String)>,
    campaigns: Vec<(String, String)>,
) -> Page {
    let mut by_comment: HashMap<String, Vec<String>> = HashMap::new();
    for (comment_id, name) in files {
        by_comment.entry(comment_id).or_default().push(name);
    }
    let mut tagged: HashMap<String, Vec<String>> = HashMap::new();
    for (comment_id, path) in tags {
        tagged.entry(comment_id).or_default().push(path);
    }
    for t in tagged.values_mut() {
        t.sort_unstable();
        t.dedup();
    }
    Page {
        rows,
        files: by_comment,
        tags: tagged,
        campaigns: campaigns.into_iter().collect(),
    }
}

/// Column names: those of the regulations.gov bulk download where it has
/// one (`Tracking Number`, `Received Date`, `First Name`, `Organization
/// Name`, `Country`, `Category`, `Comment`, `Attachment Files`, ...), then
/// one column per question, titled as the docket asks it.
pub fn header(docket: &Docket, contact: bool) -> Vec<String> {
    let mut h: Vec<String> = [
        "Tracking Number",
        "Docket ID",
        "Received Date",
        "Submitter Type",
        "First Name",
        "Last Name",
        "Organization Name",
        "Organization Type",
        "Category",
        "Country",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    if contact {
        h.push("State/Province".into());
        h.push("Email".into());
    }
    h.extend(docket.definition.questions.iter().map(|q| q.title.clone()));
    h.extend(
        [
            "Comment",
            "Attachment Files",
            "Tags",
            "Campaign ID",
            "Campaign Name",
            "Late",
            "Business Confidential",
            "Signatories",
            "Posting Status",
        ]
        .iter()
        .map(|s| s.to_string()),
    );
    h
}

/// Labels for ids: categories from the docket, organization types from
/// the form's list.
struct Labels {
    categories: HashMap<String, String>,
}

impl Labels {
    fn new(docket: &Docket) -> Self {
        Labels {
            categories: docket
                .definition
                .categories
                .iter()
                .map(|c| (c.id.clone(), c.label.clone()))
                .collect(),
        }
    }

    fn category(&self, id: &str) -> String {
        self.categories
            .get(id)
            .cloned()
            .unwrap_or_else(|| id.to_string())
    }

    fn org_type(id: &str) -> String {
        ORGANIZATION_TYPES
            .iter()
            .find(|(k, _)| *k == id)
            .map_or_else(|| id.to_string(), |(_, label)| label.to_string())
    }
}

#[allow(clippy::too_many_arguments)]
fn line(
    docket: &Docket,
    labels: &Labels,
    row: &CommentRow,
    audience: Audience,
    contact: bool,
    files: &[String],
    tags: &[String],
    campaign: Option<(&str, &str)>,
) -> Vec<String> {
    let who = view::submitter(row, audience);
    let mut cells = vec![
        row.tracking_number.clone(),
        row.docket_id.clone(),
        row.received_at
            .and_utc()
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        who.kind,
        who.first_name.unwrap_or_default(),
        who.last_name.unwrap_or_default(),
        who.organization.unwrap_or_default(),
        who.organization_type
            .as_deref()
            .map(Labels::org_type)
            .unwrap_or_default(),
        labels.category(&who.category),
        who.country,
    ];
    if contact {
        let c = view::contact(row, audience);
        cells.push(
            c.as_ref()
                .and_then(|c| c.state_province.clone())
                .unwrap_or_default(),
        );
        cells.push(c.and_then(|c| c.email).unwrap_or_default());
    }
    let mut answers: BTreeMap<String, String> =
        serde_json::from_str(&row.answers).unwrap_or_default();
    cells.extend(
        docket
            .definition
            .questions
            .iter()
            .map(|q| answers.remove(&q.id).unwrap_or_default()),
    );
    cells.push(row.general_comment.clone().unwrap_or_default());
    cells.push(files.join("; "));
    cells.push(tags.join("; "));
    cells.push(campaign.map(|(id, _)| id.to_string()).unwrap_or_default());
    cells.push(campaign.map(|(_, n)| n.to_string()).unwrap_or_default());
    cells.push(yes_no(row.late));
    cells.push(yes_no(row.business_confidential));
    cells.push(row.signatories.unwrap_or(1).max(1).to_string());
    cells.push(row.posting_status.clone());
    cells
}

fn yes_no(b: bool) -> String {
    if b { "Yes" } else { "No" }.to_string()
}
