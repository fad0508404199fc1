//! Highlighted snippets: the query's words marked in any text of a comment.
//! The HTML is built here, escaped character by character, so the only
//! markup a snippet can carry is `<mark>`.

use crate::schema::CommentSchema;
use std::collections::BTreeMap;
use tantivy::query::Query;
use tantivy::schema::Type;
use tantivy::snippet::SnippetGenerator;
use tantivy::tokenizer::TextAnalyzer;
use tantivy::Term;

/// Longest snippet, in characters.
const SNIPPET_CHARS: usize = 220;

#[derive(Clone)]
pub struct Highlighter {
    /// (weighted terms, their analyzer, a field of that analyzer).
    generator: Option<(BTreeMap<String, f32>, TextAnalyzer, tantivy::schema::Field)>,
    /// The analysed terms looked for, as they are in the index.
    terms: Vec<String>,
}

impl Highlighter {
    /// Marks every word the query looks for in a free-text field. All those
    /// fields share one analyzer, so one set of terms serves them all.
    pub fn for_query(
        index: &tantivy::Index,
        s: &CommentSchema,
        query: &dyn Query,
    ) -> tantivy::Result<Self> {
        let text_fields = s.text_fields();
        let mut terms: BTreeMap<String, f32> = BTreeMap::new();
        query.query_terms(&mut |term: &Term, _| {
            if !text_fields.contains(&term.field()) {
                return;
            }
            if let Some(text) = term_text(term) {
                terms.insert(text, 1.0);
            }
        });
        if terms.is_empty() {
            return Ok(Self::none());
        }
        let listed = terms.keys().cloned().collect();
        let analyzer: TextAnalyzer = index.tokenizer_for_field(s.text)?;
        Ok(Highlighter {
            generator: Some((terms, analyzer, s.text)),
            terms: listed,
        })
    }

    /// Highlights nothing; [`Self::opening`] still works.
    pub fn none() -> Self {
        Highlighter {
            generator: None,
            terms: Vec::new(),
        }
    }

    pub fn terms(&self) -> &[String] {
        &self.terms
    }

    /// Whether the query has words to mark at all.
    pub fn has_terms(&self) -> bool {
        self.generator.is_some()
    }

    /// The best passage of `text` with the query's words marked, or `None`
    /// when none of them occurs in it.
    pub fn snippet(&self, text: &str) -> Option<String> {
        let (terms, analyzer, field) = self.generator.as_ref()?;
        // Attachment text may be megabytes: only a window around the first
        // place a query word may occur is tokenized.
        let text = self.window(text);
        if !self.may_occur_in(text) {
            return None;
        }
        let generator =
            SnippetGenerator::new(terms.clone(), analyzer.clone(), *field, SNIPPET_CHARS);
        let snippet = generator.snippet(text);
        if snippet.highlighted().is_empty() {
            return None;
        }
        // A short text is shown whole; tantivy's fragment stops at the last
        // word and would drop closing punctuation.
        let range = snippet.fragment_range();
        let (shown, offset) = if text.chars().count() <= SNIPPET_CHARS {
            (text, range.start)
        } else {
            (snippet.fragment(), 0)
        };
        let mut html = String::with_capacity(shown.len() + 32);
        let mut at = 0;
        for r in merge(snippet.highlighted()) {
            let r = (r.start + offset)..(r.end + offset);
            escape_into(&mut html, &shown[at..r.start]);
            html.push_str("<mark>");
            escape_into(&mut html, &shown[r.clone()]);
            html.push_str("</mark>");
            at = r.end;
        }
        escape_into(&mut html, &shown[at..]);
        if shown.len() == text.len() {
            return Some(html);
        }
        Some(ellipsize(html, range.start > 0, range.end < text.len()))
    }

    /// A cheap test before tokenizing and stemming `text`: English stemming
    /// changes the ends of words, so a term's first letters (at most four)
    /// appear in any text that holds a word with that stem.
    /// At most [`SNIPPET_WINDOW`] bytes of `text`, starting a little before
    /// the first place where a query word's first letters occur (ASCII
    /// case folded, which keeps byte offsets), or at the start.
    fn window<'t>(&self, text: &'t str) -> &'t str {
        if text.len() <= SNIPPET_WINDOW {
            return text;
        }
        let lower = text.to_ascii_lowercase();
        let first = self
            .terms
            .iter()
            .filter_map(|t| {
                let end = t.char_indices().nth(4).map_or(t.len(), |(i, _)| i);
                lower.find(&t[..end])
            })
            .min()
            .unwrap_or(0);
        let start =
            crate::attachment_text::char_floor(text, first.saturating_sub(SNIPPET_WINDOW / 8));
        let end =
            crate::attachment_text::char_floor(text, (start + SNIPPET_WINDOW).min(text.len()));
        &text[start..end]
    }

    fn may_occur_in(&self, text: &str) -> bool {
        let lower = text.to_lowercase();
        self.terms.iter().any(|t| {
            let end = t.char_indices().nth(4).map_or(t.len(), |(i, _)| i);
            lower.contains(&t[..end])
        })
    }

    /// The first words of `text`, escaped, when nothing is highlighted.
    pub fn opening(&self, text: &str) -> String {
        let text = text.trim();
        let mut end = text.len();
        if text.chars().count() > SNIPPET_CHARS {
            end = text
                .char_indices()
                .take_while(|(i, _)| *i <= SNIPPET_CHARS)
                .filter(|(_, c)| c.is_whitespace())
                .map(|(i, _)| i)
                .last()
                .unwrap_or_else(|| {
                    text.char_indices()
                        .nth(SNIPPET_CHARS)
                        .map(|(i, _)| i)
                        .unwrap_or(text.len())
                });
        }
        let mut html = String::new();
        escape_into(&mut html, &text[..end]);
        ellipsize(html, false, end < text.len())
    }
}

fn ellipsize(mut html: String, before: bool, after: bool) -> String {
    if before {
        html.insert_str(0, "… ");
    }
    if after {
        html.push_str(" …");
    }
    html
}

/// The text of a term of a text field, or of a JSON field's text value.
fn term_text(term: &Term) -> Option<String> {
    let value = term.value();
    match value.typ() {
        Type::Str => value.as_str().map(str::to_string),
        Type::Json => {
            let bytes = term.serialized_value_bytes();
            let end_of_path = bytes.iter().position(|b| *b == 0)?;
            tantivy::schema::ValueBytes::wrap(&bytes[end_of_path + 1..])
                .as_str()
                .map(str::to_string)
        }
        _ => None,
    }
}

fn merge(ranges: &[std::ops::Range<usize>]) -> Vec<std::ops::Range<usize>> {
    let mut sorted = ranges.to_vec();
    sorted.sort_by_key(|r| r.start);
    let mut out: Vec<std::ops::Range<usize>> = Vec::new();
    for r in sorted {
        match out.last_mut() {
            Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
            _ => out.push(r),
        }
    }
    out
}

/// Escapes every character HTML gives meaning to.
pub fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

/// Bytes of a long text that one snippet may tokenize.
pub const SNIPPET_WINDOW: usize = 32 * 1024;
