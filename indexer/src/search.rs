//! Searching: the query language (tantivy's), keyword and date filters,
//! sorting, paging, facet counts and highlighted snippets.

use crate::facets::{FacetCollector, FacetCounts};
use crate::filtered::{FilteredCollector, KeywordFilter};
use crate::highlight::Highlighter;
use crate::ids::IdCollector;
use crate::index::SearchIndex;
use crate::schema::{CommentSchema, FACET_FIELDS};
use std::collections::BTreeMap;
use std::ops::Bound;
use tantivy::collector::{Count, TopDocs};
use tantivy::query::EnableScoring;
use tantivy::query::{
    AllQuery, BooleanQuery, ConstScoreQuery, Occur, Query, QueryParser, RangeQuery, TermQuery,
};
use tantivy::query_grammar::{Occur as GrammarOccur, UserInputAst};
use tantivy::schema::{IndexRecordOption, OwnedValue, Value};
use tantivy::{
    DateTime, DocAddress, DocId, DocSet, Order, Searcher, TantivyDocument, Term, TERMINATED,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sort {
    #[default]
    Relevance,
    Newest,
    Oldest,
}

/// Restrictions on top of the query. Values of one field are alternatives
/// (OR); different fields must all hold (AND).
#[derive(Debug, Clone, Default)]
pub struct Filters {
    /// Keyword field name (one of [`FACET_FIELDS`]) to accepted values.
    pub keywords: BTreeMap<String, Vec<String>>,
    /// Received at or after, milliseconds since the epoch.
    pub from_ms: Option<i64>,
    /// Received before, milliseconds since the epoch.
    pub to_ms: Option<i64>,
}

#[derive(Debug, Clone, Default)]
pub struct SearchRequest {
    /// tantivy's query language; empty or `*` matches every comment.
    pub q: String,
    pub filters: Filters,
    pub sort: Sort,
    pub offset: usize,
    /// At least 1.
    pub limit: usize,
    /// Leaves out facet counts (for callers that show none).
    pub skip_facets: bool,
    /// One hit per campaign (its best), paged over the collapsed list.
    pub collapse: bool,
}

#[derive(Debug, Clone)]
pub struct Snippet {
    /// `answer.<question id>`, `comment`, `organization`, `name` or `attachment`.
    pub field: String,
    /// HTML-escaped text with only `<mark>` added.
    pub html: String,
}

#[derive(Debug, Clone)]
pub struct Hit {
    pub id: String,
    pub tracking_number: String,
    pub docket: String,
    pub received_at_ms: i64,
    /// BM25 score when sorted by relevance.
    pub score: Option<f32>,
    pub category: String,
    pub org_type: Option<String>,
    pub country: String,
    pub organization: Option<String>,
    pub name: Option<String>,
    pub late: bool,
    pub snippets: Vec<Snippet>,
    /// Whether a word of the query occurs in the comment's attachment
    /// text, whose snippets the caller makes from the text it keeps.
    pub attachment_match: bool,
    /// The form-letter campaign the comment belongs to.
    pub campaign: Option<String>,
}

pub struct SearchResults {
    pub total: usize,
    pub hits: Vec<Hit>,
    /// Per keyword field, counts over the matching comments. A field that is
    /// itself filtered is counted without its own filter, so every value the
    /// analyst could add is shown with what it would bring.
    pub facets: FacetCounts,
    /// Marks the query's words in any other text (attachment text kept in
    /// the database).
    pub highlighter: Highlighter,
    /// Matches that some signal concerns (0 when facets are skipped).
    pub flagged: usize,
    /// Signatories of the matches: one per comment unless it claims more
    /// (`total` when facets are skipped).
    pub signatories: u64,
}

/// A query the parser refused, with where when it knows.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct QueryError {
    pub message: String,
    /// Character offset in the query.
    pub position: Option<usize>,
}

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error(transparent)]
    Query(#[from] QueryError),
    #[error("search failed: {0}")]
    Tantivy(#[from] tantivy::TantivyError),
}

impl SearchIndex {
    /// Parses `q` in the query language, as a search would.
    pub fn parse(&self, q: &str) -> Result<Box<dyn Query>, QueryError> {
        parse_query(&self.index, &self.schema, q)
    }

    pub fn search(&self, req: &SearchRequest) -> Result<SearchResults, SearchError> {
        let searcher = self.reader.searcher();
        let s = &self.schema;
        let text_query = self.parse(&req.q)?;
        let filtered = conjunction(text_query.box_clone(), filter_clauses(s, &req.filters));
        // Counting sees every match. With facets, keyword filters are
        // applied while collecting (filtered.rs), so the same pass also
        // counts each filtered field without its own filter.
        let (counted, keyword_filters, facet_fields) = if req.skip_facets {
            (filtered.box_clone(), Vec::new(), Vec::new())
        } else {
            let dates = date_clause(s, &req.filters).into_iter().collect();
            let keyword_filters = keyword_filters(s, &req.filters);
            let unfiltered = FACET_FIELDS
                .iter()
                .filter(|f| !keyword_filters.iter().any(|(k, _)| k == *f))
                .map(|f| f.to_string())
                .collect();
            (
                conjunction(text_query.box_clone(), dates),
                keyword_filters,
                unfiltered,
            )
        };
        let facets = FacetCollector::new(facet_fields);
        // Collapsed, a page is cut from the collapsed list: read enough of
        // the uncollapsed one (widened below when campaigns fill it).
        let mut window = if req.collapse {
            (req.offset + req.limit.max(1)) * COLLAPSE_WIDTH
        } else {
            0
        };
        let page = if req.collapse {
            TopDocs::with_limit(window)
        } else {
            TopDocs::with_limit(req.limit.max(1)).and_offset(req.offset)
        };
        // Flagged and signatories, in the counting pass (not when facets
        // are skipped: then every match is one signatory).
        let claims = Claims {
            enabled: !req.skip_facets,
        };
        type Counted = (
            Vec<(Option<f32>, DocAddress)>,
            usize,
            FacetCounts,
            (usize, u64),
        );
        let (scored, total, facets, (flagged, signatories)): Counted = match req.sort {
            // Ranking alone lets tantivy skip documents that cannot reach
            // the top (block-max WAND); counting needs no scores. So,
            // for relevance, two passes beat one...
            Sort::Relevance if !one_pass(filtered.as_ref()) => {
                let top = searcher.search(&filtered, &page.order_by_score())?;
                let (total, facets, claimed) = if req.skip_facets {
                    let total = filtered.count(&searcher)?;
                    (total, FacetCounts::new(), (0, total as u64))
                } else {
                    let ((total, mut facets, claimed), own) = searcher.search(
                        &counted,
                        &FilteredCollector::new(keyword_filters, (Count, facets, claims)),
                    )?;
                    facets.extend(own);
                    (total, facets, claimed)
                };
                let top = top.into_iter().map(|(s, a)| (Some(s), a)).collect();
                (top, total, facets, claimed)
            }
            // ...except where ranking cannot skip: phrases (reading
            // positions is the cost, and two passes would pay it
            // twice) and exclusions (block-max WAND does not drive
            // `a AND NOT b`, so ranking visits every match anyway:
            // one pass took that kind's median from 6.2 to 4.5 ms;
            // words and filters were slower in one pass).
            Sort::Relevance => {
                let collector = FilteredCollector::new(
                    keyword_filters,
                    (page.order_by_score(), Count, facets, claims),
                );
                let ((top, total, mut facets, claimed), own) =
                    searcher.search(&counted, &collector)?;
                facets.extend(own);
                let top = top.into_iter().map(|(s, a)| (Some(s), a)).collect();
                (top, total, facets, claimed)
            }
            Sort::Newest | Sort::Oldest => {
                let order = if req.sort == Sort::Newest {
                    Order::Desc
                } else {
                    Order::Asc
                };
                let by_date = page.order_by_fast_field::<DateTime>("received_at", order);
                let collector =
                    FilteredCollector::new(keyword_filters, (by_date, Count, facets, claims));
                let ((top, total, mut facets, claimed), own) =
                    searcher.search(&counted, &collector)?;
                facets.extend(own);
                let top = top.into_iter().map(|(_, a)| (None, a)).collect();
                (top, total, facets, claimed)
            }
        };

        let scored = if req.collapse {
            let mut scored = scored;
            loop {
                let (kept, distinct) = collapse(&searcher, &scored, req.offset + req.limit.max(1))?;
                if distinct >= req.offset + req.limit.max(1)
                    || scored.len() >= total
                    || window >= MAX_COLLAPSE_WINDOW
                {
                    break kept
                        .into_iter()
                        .skip(req.offset)
                        .take(req.limit.max(1))
                        .collect();
                }
                window = (window * 4).min(MAX_COLLAPSE_WINDOW);
                scored = self.ranked(&searcher, &filtered, req.sort, window)?;
            }
        } else {
            scored
        };
        let highlighter = Highlighter::for_query(&self.index, s, text_query.as_ref())?;
        let hits = self.hits(&searcher, &highlighter, scored)?;
        Ok(SearchResults {
            total,
            hits,
            facets,
            highlighter,
            flagged,
            signatories,
        })
    }

    /// The best `req.limit` matches in `req.sort` order with their
    /// snippets, and nothing else: no total, facets or collapsing (the
    /// count is a second pass over every match, which a summary's quotes,
    /// a search per tag, do not need).
    pub fn best(&self, req: &SearchRequest) -> Result<Vec<Hit>, SearchError> {
        let searcher = self.reader.searcher();
        let text_query = self.parse(&req.q)?;
        let filtered = conjunction(
            text_query.box_clone(),
            filter_clauses(&self.schema, &req.filters),
        );
        let scored = self.ranked(&searcher, &filtered, req.sort, req.limit)?;
        let highlighter = Highlighter::for_query(&self.index, &self.schema, text_query.as_ref())?;
        self.hits(&searcher, &highlighter, scored)
    }

    /// Hits of `scored`, with their snippets.
    fn hits(
        &self,
        searcher: &tantivy::Searcher,
        highlighter: &Highlighter,
        scored: Ranked,
    ) -> Result<Vec<Hit>, SearchError> {
        let s = &self.schema;
        let mut hits = Vec::with_capacity(scored.len());
        for (score, addr) in scored {
            let doc: TantivyDocument = searcher.doc(addr)?;
            let mut hit = to_hit(s, &doc, score, highlighter);
            hit.attachment_match =
                field_has_any(searcher, addr, s.attachment, highlighter.terms())?;
            hits.push(hit);
        }
        Ok(hits)
    }

    /// The best `limit` matches in `sort` order, without counts.
    fn ranked(
        &self,
        searcher: &tantivy::Searcher,
        query: &dyn Query,
        sort: Sort,
        limit: usize,
    ) -> Result<Ranked, SearchError> {
        let page = TopDocs::with_limit(limit.max(1));
        Ok(match sort {
            Sort::Relevance => searcher
                .search(query, &page.order_by_score())?
                .into_iter()
                .map(|(s, a)| (Some(s), a))
                .collect(),
            Sort::Newest | Sort::Oldest => {
                let order = if sort == Sort::Newest {
                    Order::Desc
                } else {
                    Order::Asc
                };
                searcher
                    .search(
                        query,
                        &page.order_by_fast_field::<DateTime>("received_at", order),
                    )?
                    .into_iter()
                    .map(|(_, a)| (None, a))
                    .collect()
            }
        })
    }

    /// Just the total and the ids of the best `limit` matches, by relevance:
    /// no facets, snippets or stored fields.
    pub fn top_ids(
        &self,
        q: &str,
        filters: &Filters,
        limit: usize,
    ) -> Result<(usize, Vec<(f32, String)>), SearchError> {
        let searcher = self.reader.searcher();
        let s = &self.schema;
        let query = conjunction(self.parse(q)?, filter_clauses(s, filters));
        let ranked = TopDocs::with_limit(limit.max(1)).order_by_score();
        let (top, total) = if has_phrase(query.as_ref()) {
            searcher.search(&query, &(ranked, Count))?
        } else {
            (searcher.search(&query, &ranked)?, query.count(&searcher)?)
        };
        let mut out = Vec::with_capacity(top.len());
        for (score, addr) in top {
            let doc: TantivyDocument = searcher.doc(addr)?;
            out.push((score, first_str(&doc, s.id).unwrap_or_default()));
        }
        Ok((total, out))
    }

    /// Every matching comment's id, when there are at most `max` of them;
    /// else only how many there are. For operations on every match (a
    /// bulk tag), which a caller bounds.
    pub fn all_ids(
        &self,
        q: &str,
        filters: &Filters,
        max: usize,
    ) -> Result<(usize, Vec<String>), SearchError> {
        let searcher = self.reader.searcher();
        let s = &self.schema;
        let query = conjunction(self.parse(q)?, filter_clauses(s, filters));
        let total = searcher.search(&query, &Count)?;
        if total > max {
            return Ok((total, Vec::new()));
        }
        Ok((total, searcher.search(&query, &IdCollector)?))
    }

    /// For each `(q, filters)`, which of the comments `among` (by id) it
    /// matches, sorted: whether each rule holds for the comments just
    /// indexed. The ids are looked up once; each query then only seeks
    /// its scorer to those comments in the segments that hold them, so
    /// 50 rules over 1,000 new comments cost what 1,000 lookups and
    /// 50,000 seeks do, not 50 searches of the whole index.
    pub fn matching(
        &self,
        queries: &[(String, Filters)],
        among: &[String],
    ) -> Result<Vec<Vec<String>>, SearchError> {
        let searcher = self.reader.searcher();
        let s = &self.schema;
        let mut out = vec![Vec::new(); queries.len()];
        if among.is_empty() {
            return Ok(out);
        }
        // Where each comment lives: (segment, doc) of its live document.
        let segments = searcher.segment_readers();
        let mut located: Vec<Vec<(DocId, &String)>> = vec![Vec::new(); segments.len()];
        for id in among {
            let term = Term::from_field_text(s.id, id);
            for (ord, segment) in segments.iter().enumerate() {
                let inverted = segment.inverted_index(s.id)?;
                let Some(mut postings) = inverted
                    .read_postings(&term, IndexRecordOption::Basic)
                    .map_err(tantivy::TantivyError::from)?
                else {
                    continue;
                };
                let mut doc = postings.doc();
                let alive = segment.alive_bitset();
                while doc != TERMINATED && alive.is_some_and(|a| !a.is_alive(doc)) {
                    doc = postings.advance();
                }
                if doc != TERMINATED {
                    located[ord].push((doc, id));
                    break;
                }
            }
        }
        for docs in &mut located {
            docs.sort_unstable_by_key(|(doc, _)| *doc);
        }
        for ((q, filters), matched) in queries.iter().zip(&mut out) {
            let query = conjunction(self.parse(q)?, filter_clauses(s, filters));
            let weight = query.weight(EnableScoring::disabled_from_searcher(&searcher))?;
            for (ord, docs) in located.iter().enumerate() {
                if docs.is_empty() {
                    continue;
                }
                let mut scorer = weight.scorer(&segments[ord], 1.0)?;
                for (doc, id) in docs {
                    if scorer.doc() < *doc {
                        scorer.seek(*doc);
                    }
                    if scorer.doc() == *doc {
                        matched.push((*id).clone());
                    }
                }
            }
            matched.sort_unstable();
        }
        Ok(out)
    }

    /// The comments most like the one with `id` (by its answers and
    /// comment), best first, itself excluded.
    pub fn similar(&self, id: &str, limit: usize) -> Result<Vec<Hit>, SearchError> {
        let searcher = self.reader.searcher();
        let s = &self.schema;
        let Some((_, addr)) = find_by_id(&searcher, s, id)? else {
            return Ok(Vec::new());
        };
        let doc: TantivyDocument = searcher.doc(addr)?;
        let mut answers = Vec::new();
        if let Some(OwnedValue::Object(entries)) =
            doc.get_first(s.answers_stored).map(OwnedValue::from)
        {
            for (_, v) in entries {
                answers.push(v);
            }
        }
        answers.extend(doc.get_all(s.comment).map(OwnedValue::from));
        // tantivy weighs each term against the live documents but counts
        // its documents with the deleted ones (every update deletes a
        // version), and asserts the count is the smaller: after updates a
        // common term trips it. Such a term is in about every document
        // anyway, so leaving it out costs nothing.
        let live = searcher.num_docs();
        let mlt = tantivy::query::MoreLikeThisQuery::builder()
            .with_min_doc_frequency(1)
            .with_max_doc_frequency(live)
            .with_min_term_frequency(1)
            .with_max_query_terms(40)
            .with_min_word_length(3)
            .with_document_fields(vec![(s.text, answers)]);
        let exclude_self =
            TermQuery::new(Term::from_field_text(s.id, id), IndexRecordOption::Basic);
        let query = BooleanQuery::new(vec![
            (Occur::Must, Box::new(mlt) as Box<dyn Query>),
            (Occur::MustNot, Box::new(exclude_self)),
        ]);
        let top = searcher.search(&query, &TopDocs::with_limit(limit.max(1)).order_by_score())?;
        let highlighter = Highlighter::none();
        let mut hits = Vec::new();
        for (score, addr) in top {
            let doc: TantivyDocument = searcher.doc(addr)?;
            hits.push(to_hit(s, &doc, Some(score), &highlighter));
        }
        Ok(hits)
    }

    /// Number of documents with this comment id (0 or 1 in a sound index).
    pub fn count_id(&self, id: &str) -> Result<usize, SearchError> {
        let q = TermQuery::new(
            Term::from_field_text(self.schema.id, id),
            IndexRecordOption::Basic,
        );
        Ok(self.reader.searcher().search(&q, &Count)?)
    }
}

/// Whether matching the query reads positions (a phrase).
/// Whether relevance ranking should share the counting pass (see search).
fn one_pass(query: &dyn Query) -> bool {
    has_phrase(query) || excludes(query)
}

/// Whether the query, or a clause it requires, excludes something.
fn excludes(query: &dyn Query) -> bool {
    query.downcast_ref::<BooleanQuery>().is_some_and(|b| {
        b.clauses().iter().any(|(occur, q)| match occur {
            Occur::MustNot => true,
            Occur::Must => excludes(q.as_ref()),
            Occur::Should => false,
        })
    })
}

fn has_phrase(query: &dyn Query) -> bool {
    let mut positions = false;
    query.query_terms(&mut |_, needs_positions| positions |= needs_positions);
    positions
}

/// Whether document `addr` has any of `terms` in `field`, from the postings.
fn field_has_any(
    searcher: &Searcher,
    addr: DocAddress,
    field: tantivy::schema::Field,
    terms: &[String],
) -> tantivy::Result<bool> {
    use tantivy::DocSet;
    if terms.is_empty() {
        return Ok(false);
    }
    let inverted = searcher
        .segment_reader(addr.segment_ord)
        .inverted_index(field)?;
    for text in terms {
        let term = Term::from_field_text(field, text);
        if let Some(mut postings) = inverted.read_postings(&term, IndexRecordOption::Basic)? {
            // A fresh postings list stands on its first document, and
            // seek may only move forward from there.
            let at = postings.doc();
            if at == addr.doc_id || (at < addr.doc_id && postings.seek(addr.doc_id) == addr.doc_id)
            {
                return Ok(true);
            }
        }
    }
    Ok(false)
}

fn find_by_id(
    searcher: &Searcher,
    s: &CommentSchema,
    id: &str,
) -> Result<Option<(f32, DocAddress)>, SearchError> {
    let q = TermQuery::new(Term::from_field_text(s.id, id), IndexRecordOption::Basic);
    Ok(searcher
        .search(&q, &TopDocs::with_limit(1).order_by_score())?
        .into_iter()
        .next())
}

fn parse_query(
    index: &tantivy::Index,
    s: &CommentSchema,
    q: &str,
) -> Result<Box<dyn Query>, QueryError> {
    let q = q.trim();
    if q.is_empty() || q == "*" {
        return Ok(Box::new(AllQuery));
    }
    crate::query_limits::check(q)?;
    let ast = match tantivy::query_grammar::parse_query(q) {
        Ok(ast) => ast,
        Err(_) => {
            // The strict parser says only "no"; the lenient one says where.
            let (_, errors) = tantivy::query_grammar::parse_query_lenient(q);
            let first = errors.into_iter().next();
            return Err(QueryError {
                message: first
                    .as_ref()
                    .map(|e| e.message.clone())
                    .unwrap_or_else(|| "the query could not be parsed".into()),
                position: first.map(|e| q[..e.pos.min(q.len())].chars().count()),
            });
        }
    };
    let ast = fold_negations(ast);
    let mut parser = QueryParser::for_index(index, s.default_search_fields());
    // Words typed side by side narrow the search, as in every search box.
    parser.set_conjunction_by_default();
    parser
        .build_query_from_user_input_ast(ast)
        .map_err(|e| QueryError {
            message: e.to_string(),
            position: None,
        })
}

/// `a AND NOT b` parses as `+a +(-b)`, and a group of only exclusions
/// matches nothing, so the whole query would find nothing. What people
/// mean is `+a -b`: a required group holding one exclusion becomes that
/// exclusion.
fn fold_negations(ast: UserInputAst) -> UserInputAst {
    match ast {
        UserInputAst::Clause(clauses) => UserInputAst::Clause(
            clauses
                .into_iter()
                .map(|(occur, sub)| {
                    let sub = fold_negations(sub);
                    match (occur, sub) {
                        (Some(GrammarOccur::Must) | None, UserInputAst::Clause(mut inner))
                            if inner.len() == 1 && inner[0].0 == Some(GrammarOccur::MustNot) =>
                        {
                            let (_, negated) = inner.pop().expect("one clause");
                            (Some(GrammarOccur::MustNot), negated)
                        }
                        (occur, sub) => (occur, sub),
                    }
                })
                .collect(),
        ),
        UserInputAst::Boost(inner, by) => UserInputAst::Boost(Box::new(fold_negations(*inner)), by),
        leaf => leaf,
    }
}

/// Keyword filters with at least one value, on fields that have them.
fn keyword_filters(s: &CommentSchema, f: &Filters) -> Vec<KeywordFilter> {
    f.keywords
        .iter()
        .filter(|(name, values)| !values.is_empty() && s.facet_field(name).is_some())
        .map(|(name, values)| (name.clone(), values.clone()))
        .collect()
}

/// Every filter as a query clause. They do not score: a filter decides
/// whether a comment is shown, not how well it matches (a rarer country
/// would otherwise rank its comments higher).
pub(crate) fn filter_clauses(s: &CommentSchema, f: &Filters) -> Vec<Box<dyn Query>> {
    let mut clauses: Vec<Box<dyn Query>> = Vec::new();
    for (name, values) in keyword_filters(s, f) {
        let field = s.facet_field(&name).expect("kept by keyword_filters");
        let alternatives: Vec<(Occur, Box<dyn Query>)> = values
            .iter()
            .map(|v| {
                let q: Box<dyn Query> = Box::new(TermQuery::new(
                    Term::from_field_text(field, v),
                    IndexRecordOption::Basic,
                ));
                (Occur::Should, q)
            })
            .collect();
        clauses.push(Box::new(ConstScoreQuery::new(
            Box::new(BooleanQuery::new(alternatives)),
            0.0,
        )));
    }
    clauses.extend(date_clause(s, f));
    clauses
}

/// The received-at range, if the filters have one.
fn date_clause(s: &CommentSchema, f: &Filters) -> Option<Box<dyn Query>> {
    if f.from_ms.is_none() && f.to_ms.is_none() {
        return None;
    }
    let bound = |ms: Option<i64>, inclusive: bool| match ms {
        None => Bound::Unbounded,
        Some(ms) => {
            let t = Term::from_field_date(s.received_at, DateTime::from_timestamp_millis(ms));
            if inclusive {
                Bound::Included(t)
            } else {
                Bound::Excluded(t)
            }
        }
    };
    Some(Box::new(ConstScoreQuery::new(
        Box::new(RangeQuery::new(
            bound(f.from_ms, true),
            bound(f.to_ms, false),
        )),
        0.0,
    )))
}

/// Flagged matches and signatories, counted in the pass that counts the
/// matches: per match, whether its `signal_set` column has a value and
/// what its `signatories` column claims (one when absent). Two more
/// passes of the query cost phrases most (their positions read again).
pub(crate) struct Claims {
    /// Off: every match counts as one signatory, none as flagged, and no
    /// column is read.
    pub(crate) enabled: bool,
}

pub(crate) struct SegmentClaims {
    signals: Option<tantivy::columnar::StrColumn>,
    signatories: Option<tantivy::columnar::Column<u64>>,
    flagged: usize,
    sum: u64,
    pending: Vec<DocId>,
    scratch: (Vec<DocId>, Vec<u32>),
    values: Vec<u64>,
}

impl tantivy::collector::Collector for Claims {
    /// (flagged, signatories).
    type Fruit = (usize, u64);
    type Child = SegmentClaims;

    fn for_segment(
        &self,
        _ord: tantivy::SegmentOrdinal,
        reader: &tantivy::SegmentReader,
    ) -> tantivy::Result<SegmentClaims> {
        // A segment where no comment has the field has no column.
        let fast = reader.fast_fields();
        let on = self.enabled;
        Ok(SegmentClaims {
            signals: if on { fast.str("signal_set")? } else { None },
            signatories: if on {
                fast.u64("signatories").ok()
            } else {
                None
            },
            flagged: 0,
            sum: 0,
            pending: Vec::with_capacity(crate::facets::BLOCK),
            scratch: (Vec::new(), Vec::new()),
            values: Vec::new(),
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<(usize, u64)>) -> tantivy::Result<(usize, u64)> {
        Ok(fruits
            .into_iter()
            .fold((0, 0), |(f, s), (a, b)| (f + a, s.saturating_add(b))))
    }
}

impl tantivy::collector::SegmentCollector for SegmentClaims {
    type Fruit = (usize, u64);

    /// Kept until a block is full, as the facets are: the columns are
    /// then asked which documents have a value, a block at a time.
    fn collect(&mut self, doc: DocId, _score: tantivy::Score) {
        self.pending.push(doc);
        if self.pending.len() == crate::facets::BLOCK {
            let pending = std::mem::take(&mut self.pending);
            self.collect_block(&pending);
            self.pending = pending;
            self.pending.clear();
        }
    }

    fn collect_block(&mut self, docs: &[DocId]) {
        // Flagged: the documents of the block that have a signal set.
        if let Some(c) = &self.signals {
            self.flagged += rows_of(&c.ords().index, docs, &mut self.scratch).len();
        }
        // Signatories: one each, plus what those with a claim add.
        self.sum = self.sum.saturating_add(docs.len() as u64);
        if let Some(c) = &self.signatories {
            let rows = rows_of(&c.index, docs, &mut self.scratch).to_vec();
            self.values.resize(rows.len(), 0);
            c.values.get_vals(&rows, &mut self.values);
            for v in &self.values {
                self.sum = self.sum.saturating_add(v.saturating_sub(1));
            }
        }
    }

    fn harvest(mut self) -> (usize, u64) {
        let pending = std::mem::take(&mut self.pending);
        self.collect_block(&pending);
        (self.flagged, self.sum)
    }
}

/// The rows of a block's documents that have a value in a column.
fn rows_of<'a>(
    index: &tantivy::columnar::ColumnIndex,
    docs: &[DocId],
    scratch: &'a mut (Vec<DocId>, Vec<u32>),
) -> &'a [u32] {
    scratch.0.clear();
    scratch.1.clear();
    index.docids_to_rowids(docs, &mut scratch.0, &mut scratch.1);
    &scratch.1
}

pub(crate) fn conjunction(text: Box<dyn Query>, filters: Vec<Box<dyn Query>>) -> Box<dyn Query> {
    if filters.is_empty() {
        return text;
    }
    let mut clauses = vec![(Occur::Must, text)];
    clauses.extend(filters.into_iter().map(|q| (Occur::Must, q)));
    Box::new(BooleanQuery::new(clauses))
}

fn first_str(doc: &TantivyDocument, field: tantivy::schema::Field) -> Option<String> {
    doc.get_first(field)
        .and_then(|v| v.as_str().map(str::to_string))
}

fn to_hit(s: &CommentSchema, doc: &TantivyDocument, score: Option<f32>, h: &Highlighter) -> Hit {
    let received_at_ms = doc
        .get_first(s.received_at)
        .and_then(|v| v.as_datetime())
        .map(|d| d.into_timestamp_millis())
        .unwrap_or_default();
    let mut snippets = Vec::new();
    if let Some(OwnedValue::Object(entries)) = doc.get_first(s.answers_stored).map(OwnedValue::from)
    {
        for (question, text) in entries {
            if let OwnedValue::Str(text) = text {
                if let Some(html) = h.snippet(&text) {
                    snippets.push(Snippet {
                        field: format!("answer.{question}"),
                        html,
                    });
                }
            }
        }
    }
    for (field, name) in [
        (s.comment, "comment"),
        (s.organization, "organization"),
        (s.name, "name"),
    ] {
        if let Some(text) = first_str(doc, field) {
            if let Some(html) = h.snippet(&text) {
                snippets.push(Snippet {
                    field: name.into(),
                    html,
                });
            }
        }
    }
    if snippets.is_empty() {
        // Nothing highlighted (a match-all or a filter-only search): show
        // how the comment begins.
        let opening = match doc.get_first(s.answers_stored).map(OwnedValue::from) {
            Some(OwnedValue::Object(entries)) => entries.into_iter().find_map(|(q, v)| match v {
                OwnedValue::Str(t) => Some((format!("answer.{q}"), t)),
                _ => None,
            }),
            _ => None,
        }
        .or_else(|| first_str(doc, s.comment).map(|t| ("comment".to_string(), t)));
        if let Some((field, text)) = opening {
            snippets.push(Snippet {
                field,
                html: h.opening(&text),
            });
        }
    }
    Hit {
        id: first_str(doc, s.id).unwrap_or_default(),
        tracking_number: first_str(doc, s.tracking_number).unwrap_or_default(),
        docket: first_str(doc, s.docket).unwrap_or_default(),
        received_at_ms,
        score,
        category: first_str(doc, s.category).unwrap_or_default(),
        org_type: first_str(doc, s.org_type),
        country: first_str(doc, s.country).unwrap_or_default(),
        organization: first_str(doc, s.organization),
        name: first_str(doc, s.name),
        late: first_str(doc, s.late).is_some_and(|l| l == "true"),
        snippets,
        attachment_match: false,
        campaign: first_str(doc, s.campaign),
    }
}

/// Hits in order, with their scores when ranked by relevance.
type Ranked = Vec<(Option<f32>, DocAddress)>;

/// A collapsed page reads this many times its depth of uncollapsed hits
/// first ...
const COLLAPSE_WIDTH: usize = 4;
/// ... and at most this many in all.
const MAX_COLLAPSE_WINDOW: usize = 200_000;

/// The first hit of each campaign (and every hit in none), in order, up to
/// `want` of them; and how many that is.
fn collapse(
    searcher: &tantivy::Searcher,
    scored: &[(Option<f32>, DocAddress)],
    want: usize,
) -> tantivy::Result<(Ranked, usize)> {
    let mut columns = std::collections::HashMap::new();
    let mut seen = std::collections::HashSet::new();
    let mut kept = Vec::new();
    for &(score, addr) in scored {
        if kept.len() >= want {
            break;
        }
        let column = match columns.entry(addr.segment_ord) {
            std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::hash_map::Entry::Vacant(e) => e.insert(
                searcher
                    .segment_reader(addr.segment_ord)
                    .fast_fields()
                    .str("campaign")?,
            ),
        };
        let mut campaign = None;
        if let Some(col) = column {
            if let Some(ord) = col.term_ords(addr.doc_id).next() {
                let mut buf = String::new();
                col.ord_to_str(ord, &mut buf)?;
                campaign = Some(buf);
            }
        }
        if campaign.is_none_or(|c| seen.insert(c)) {
            kept.push((score, addr));
        }
    }
    let n = kept.len();
    Ok((kept, n))
}
