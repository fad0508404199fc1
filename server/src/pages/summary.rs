//! The summary page: totals, bar charts of each breakdown and a timeline
//! of submissions per day, drawn on the server as SVG (readable without
//! JavaScript, printable), with the numbers beside every bar. The charts'
//! geometry is worked out here; the template writes it, escaping every
//! label like any other text.

use crate::analysis::summary::{Breakdown, Summary};
use crate::pages::analyst::Account;
use askama::Template;

/// Bars drawn per chart; the rest are counted in a last line.
const MAX_BARS: usize = 15;
/// Chart width in SVG units (the page scales it).
const WIDTH: u32 = 640;
const LABEL_WIDTH: u32 = 260;
const VALUE_WIDTH: u32 = 160;
const BAR_HEIGHT: u32 = 18;
const GAP: u32 = 6;

#[derive(Template)]
#[template(path = "analyst/summary.html")]
pub struct SummaryPage {
    pub account: Account,
    pub s: Summary,
    pub charts: Vec<BarChart>,
    pub timeline: Timeline,
    /// The query string that made it (for the CSV links).
    pub query: String,
}

pub struct BarChart {
    pub id: &'static str,
    pub title: &'static str,
    pub height: u32,
    pub bars: Vec<Bar>,
    /// Values past the bars drawn, and their comments.
    pub more: Option<(usize, u64)>,
}

pub struct Bar {
    pub label: String,
    pub comments: u64,
    pub unique: u64,
    /// Percentage of the unique comments, one decimal.
    pub share: String,
    pub y: u32,
    /// Lengths of the comments bar and of the unique bar inside it.
    pub width: u32,
    pub unique_width: u32,
    pub text_y: u32,
}

pub struct Timeline {
    /// The drawing's width: never narrower than the bar charts, so that a
    /// docket of a few days draws a few columns, not a few giant ones.
    pub width: u32,
    /// Where the last column ends.
    pub end: u32,
    pub height: u32,
    pub columns: Vec<Column>,
    pub max: u64,
    /// First and last day, for the axis.
    pub first: String,
    pub last: String,
}

pub struct Column {
    pub x: u32,
    pub y: u32,
    pub width: u32,
    pub height: u32,
    pub date: String,
    pub comments: u64,
}

impl SummaryPage {
    pub fn new(account: Account, s: Summary, query: String) -> Self {
        let charts = vec![
            chart("by-category", "Submitter category", &s.by_category),
            chart("by-org-type", "Organization type", &s.by_org_type),
            chart("by-country", "Country", &s.by_country),
            chart("by-question", "Question answered", &s.by_question),
            chart("by-posting", "Posting review", &s.by_posting),
            chart("by-tag", "Tag (coded theme)", &s.by_tag),
        ];
        let timeline = timeline(&s);
        SummaryPage {
            account,
            s,
            charts,
            timeline,
            query,
        }
    }
}

fn chart(id: &'static str, title: &'static str, rows: &[Breakdown]) -> BarChart {
    let max = rows.iter().map(|r| r.comments).max().unwrap_or(0).max(1);
    // Room after the longest bar for its value, "12,345 (6,789 unique,
    // 100.0%)", at the charts' 11px type.
    let room = WIDTH - LABEL_WIDTH - VALUE_WIDTH;
    let scale = |n: u64| ((n as f64 / max as f64) * room as f64).round() as u32;
    let bars: Vec<Bar> = rows
        .iter()
        .take(MAX_BARS)
        .enumerate()
        .map(|(i, r)| {
            let y = i as u32 * (BAR_HEIGHT + GAP);
            Bar {
                label: clip(&r.label, 40),
                comments: r.comments,
                unique: r.unique,
                share: format!("{:.1}", r.share_of_unique * 100.0),
                y,
                width: scale(r.comments).max(1),
                unique_width: scale(r.unique).max(1).min(scale(r.comments).max(1)),
                text_y: y + BAR_HEIGHT - 5,
            }
        })
        .collect();
    let more = (rows.len() > MAX_BARS).then(|| {
        (
            rows.len() - MAX_BARS,
            rows[MAX_BARS..].iter().map(|r| r.comments).sum(),
        )
    });
    BarChart {
        id,
        title,
        height: (bars.len() as u32 * (BAR_HEIGHT + GAP)).max(BAR_HEIGHT),
        bars,
        more,
    }
}

fn timeline(s: &Summary) -> Timeline {
    let height = 120;
    let n = s.per_day.len().max(1) as u32;
    let step = (WIDTH / n).clamp(2, 40);
    let max = s.per_day.iter().map(|d| d.comments).max().unwrap_or(0);
    let columns = s
        .per_day
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let h = if max == 0 {
                0
            } else {
                ((d.comments as f64 / max as f64) * (height - 20) as f64).round() as u32
            };
            Column {
                x: i as u32 * step,
                y: height - h,
                width: (step - 1).max(1),
                height: h,
                date: d.date.to_string(),
                comments: d.comments,
            }
        })
        .collect();
    Timeline {
        width: (n * step).max(WIDTH),
        end: n * step,
        height,
        columns,
        max,
        first: s
            .per_day
            .first()
            .map(|d| d.date.to_string())
            .unwrap_or_default(),
        last: s
            .per_day
            .last()
            .map(|d| d.date.to_string())
            .unwrap_or_default(),
    }
}

fn clip(s: &str, chars: usize) -> String {
    match s.char_indices().nth(chars) {
        Some((at, _)) => format!("{}…", &s[..at]),
        None => s.to_string(),
    }
}
