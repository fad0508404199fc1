//! The index on a real directory: documents in, answers out.

use rfidesk_indexer::{CommentDoc, Filters, OrganizationsWanted, SearchIndex, SearchRequest, Sort};

fn doc(n: u32, category: &str, country: &str, answers: &[(&str, &str)]) -> CommentDoc {
    CommentDoc {
        id: format!("id-{n}"),
        tracking_number: format!("TN-{n}"),
        docket: "ai-exports-rfi".into(),
        category: category.into(),
        org_type: Some("company".into()),
        country: country.into(),
        late: n.is_multiple_of(2),
        business_confidential: false,
        posting: "pending_review".into(),
        received_at_ms: 1_790_000_000_000 + n as i64 * 1000,
        organization: Some(format!("Org {n}")),
        name: None,
        answers: answers
            .iter()
            .map(|(q, t)| (q.to_string(), t.to_string()))
            .collect(),
        comment: None,
        attachment_count: 0,
        attachment_texts: vec![],
        tags: vec![],
        campaign: None,
        signals: vec![],
        signatories: None,
    }
}

fn sample() -> (tempfile::TempDir, SearchIndex) {
    let dir = tempfile::tempdir().unwrap();
    let index = SearchIndex::open_or_create(dir.path()).unwrap();
    let mut w = index.writer(1, 15_000_000).unwrap();
    w.upsert(&doc(
        1,
        "minerals-supply-chain",
        "MY",
        &[("regions", "Critical minerals from Malaysia <b>matter</b>.")],
    ))
    .unwrap();
    w.upsert(&doc(
        2,
        "ai-developer",
        "TH",
        &[(
            "standards",
            "Thailand should join standards bodies; critical minerals too.",
        )],
    ))
    .unwrap();
    w.upsert(&doc(
        3,
        "ai-developer",
        "US",
        &[("regions", "Compute exports to allies.")],
    ))
    .unwrap();
    w.commit(3).unwrap();
    index.reload().unwrap();
    (dir, index)
}

fn search(index: &SearchIndex, q: &str) -> rfidesk_indexer::SearchResults {
    index
        .search(&SearchRequest {
            q: q.into(),
            limit: 10,
            ..Default::default()
        })
        .unwrap()
}

#[test]
fn boolean_phrase_and_field_queries() {
    let (_d, index) = sample();
    assert_eq!(
        search(&index, r#""critical minerals" AND (Malaysia OR Thailand)"#).total,
        2
    );
    assert_eq!(search(&index, "answer.standards:minerals").total, 1);
    assert_eq!(search(&index, "country:US").total, 1);
    assert_eq!(search(&index, "mineral").total, 2, "stemming");
    assert_eq!(search(&index, "*").total, 3);
    assert_eq!(search(&index, "").total, 3);
    assert_eq!(search(&index, "minerals -Malaysia").total, 1);
    // Bare words also find the organization; fields can still be named.
    assert_eq!(search(&index, "org").total, 3);
    assert_eq!(search(&index, "organization:org").total, 3);
    assert_eq!(search(&index, "organization:minerals").total, 0);
    assert_eq!(search(&index, "text:minerals").total, 2);
    // Values are apart: no phrase from the organization into an answer.
    assert_eq!(search(&index, r#""1 critical""#).total, 0);
    assert_eq!(search(&index, r#""org 1""#).total, 1);
}

#[test]
fn snippets_are_escaped_with_only_marks_added() {
    let (_d, index) = sample();
    let r = search(&index, "Malaysia");
    let s = &r.hits[0].snippets[0];
    assert_eq!(s.field, "answer.regions");
    assert_eq!(
        s.html,
        "Critical minerals from <mark>Malaysia</mark> &lt;b&gt;matter&lt;/b&gt;."
    );
}

#[test]
fn facets_count_matches_and_ignore_their_own_filter() {
    let (_d, index) = sample();
    let mut filters = Filters::default();
    filters
        .keywords
        .insert("category".into(), vec!["ai-developer".into()]);
    let r = index
        .search(&SearchRequest {
            q: "*".into(),
            filters,
            limit: 10,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(r.total, 2);
    assert_eq!(r.facets["country"]["TH"], 1);
    assert_eq!(r.facets["country"]["US"], 1);
    assert!(!r.facets["country"].contains_key("MY"));
    // The category facet shows what each category would bring.
    assert_eq!(r.facets["category"]["minerals-supply-chain"], 1);
    assert_eq!(r.facets["category"]["ai-developer"], 2);
    assert_eq!(r.facets["question"]["regions"], 1);
}

#[test]
fn sorting_paging_and_dates() {
    let (_d, index) = sample();
    let r = index
        .search(&SearchRequest {
            q: "*".into(),
            sort: Sort::Newest,
            offset: 1,
            limit: 1,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(r.total, 3);
    assert_eq!(r.hits.len(), 1);
    assert_eq!(r.hits[0].tracking_number, "TN-2");
    let r = index
        .search(&SearchRequest {
            q: "*".into(),
            filters: Filters {
                from_ms: Some(1_790_000_002_000),
                ..Default::default()
            },
            sort: Sort::Oldest,
            limit: 5,
            ..Default::default()
        })
        .unwrap();
    let tns: Vec<_> = r.hits.iter().map(|h| h.tracking_number.as_str()).collect();
    assert_eq!(tns, ["TN-2", "TN-3"]);
}

#[test]
fn bad_queries_say_what_and_where() {
    let (_d, index) = sample();
    let e = index.parse(r#"minerals AND ("Malaysia"#).err().unwrap();
    assert!(e.position.is_some(), "{e:?}");
    let e = index.parse("nosuchfield:x").err().unwrap();
    assert!(e.message.contains("nosuchfield"), "{e:?}");
}

#[test]
fn upserts_replace_and_commits_carry_the_sequence() {
    let dir = tempfile::tempdir().unwrap();
    {
        let index = SearchIndex::open_or_create(dir.path()).unwrap();
        assert_eq!(index.commit_point().unwrap(), None);
        let mut w = index.writer(1, 15_000_000).unwrap();
        let mut d = doc(1, "ai-developer", "US", &[("regions", "first text")]);
        w.upsert(&d).unwrap();
        w.commit(7).unwrap();
        d.answers = vec![("regions".into(), "second text".into())];
        w.upsert(&d).unwrap();
        w.commit(9).unwrap();
        w.finish().unwrap();
    }
    let index = SearchIndex::open_or_create(dir.path()).unwrap();
    assert_eq!(index.commit_point().unwrap().unwrap().seq, 9);
    assert_eq!(index.num_docs(), 1);
    assert_eq!(search(&index, "second").total, 1);
    assert_eq!(search(&index, "first").total, 0);
}

#[test]
fn similar_comments_rank_the_closest_first() {
    let (_d, index) = sample();
    let similar = index.similar("id-1", 5).unwrap();
    assert!(!similar.is_empty());
    assert_eq!(similar[0].tracking_number, "TN-2");
    assert!(similar.iter().all(|h| h.id != "id-1"));
}

#[test]
fn similar_comments_after_updates() {
    // Updates leave deleted versions behind, which tantivy counts in a
    // term's documents but not in the documents: the search must still
    // answer (it used to panic: "3 >= 6").
    let dir = tempfile::tempdir().unwrap();
    let index = SearchIndex::open_or_create(dir.path()).unwrap();
    let mut w = index.writer(1, 15_000_000).unwrap();
    let text = "Critical minerals and compute exports to allies";
    // The first segment keeps a live document (4), so it is not dropped
    // whole and its deleted versions stay counted.
    for round in 0..3 {
        let last = if round == 0 { 4 } else { 3 };
        for n in 1..=last {
            w.upsert(&doc(n, "ai-developer", "US", &[("regions", text)]))
                .unwrap();
        }
        w.commit(round + 1).unwrap();
    }
    index.reload().unwrap();
    assert_eq!(index.num_docs(), 4);
    let similar = index.similar("id-1", 5).unwrap();
    assert!(similar.iter().all(|h| h.id != "id-1"));
}

#[test]
fn not_excludes_in_every_spelling() {
    let (_d, index) = sample();
    for q in [
        "minerals AND NOT Malaysia",
        "minerals NOT Malaysia",
        "minerals -Malaysia",
        "critical AND NOT (Malaysia OR Vietnam)",
    ] {
        assert_eq!(search(&index, q).total, 1, "{q}");
    }
}

/// Sixty comments over several segments, with deletions (replaced
/// documents), so that filtered counting meets every kind of segment.
fn varied() -> (tempfile::TempDir, SearchIndex) {
    let dir = tempfile::tempdir().unwrap();
    let index = SearchIndex::open_or_create(dir.path()).unwrap();
    let mut w = index.writer(1, 15_000_000).unwrap();
    let categories = ["ai-developer", "minerals-supply-chain", "university"];
    let countries = ["MY", "TH", "US", "DE"];
    let texts = [
        "critical minerals and compute",
        "standards bodies and critical infrastructure",
        "minerals critical to exports",
        "export finance for allies",
    ];
    let questions = ["regions", "standards", "finance"];
    for n in 0..60u32 {
        let answers: Vec<(&str, &str)> = questions
            .iter()
            .enumerate()
            .filter(|(i, _)| (n >> i) & 1 == 1 || *i == (n % 3) as usize)
            .map(|(i, q)| (*q, texts[(n as usize + i) % texts.len()]))
            .collect();
        let mut d = doc(
            n,
            categories[(n % 3) as usize],
            countries[(n % 4) as usize],
            &answers,
        );
        if n % 7 == 0 {
            d.org_type = None;
        }
        w.upsert(&d).unwrap();
        if n % 20 == 19 {
            w.commit(n as i64).unwrap();
        }
    }
    // Replacing documents leaves deleted ones behind in older segments.
    for n in [3u32, 4, 25] {
        let d = doc(
            n,
            "university",
            "DE",
            &[("finance", "critical minerals again")],
        );
        w.upsert(&d).unwrap();
    }
    w.commit(100).unwrap();
    index.reload().unwrap();
    (dir, index)
}

fn filters(pairs: &[(&str, &[&str])]) -> Filters {
    let mut f = Filters::default();
    for (field, values) in pairs {
        f.keywords.insert(
            field.to_string(),
            values.iter().map(|v| v.to_string()).collect(),
        );
    }
    f
}

fn run(
    index: &SearchIndex,
    q: &str,
    f: Filters,
    sort: Sort,
    skip_facets: bool,
) -> rfidesk_indexer::SearchResults {
    index
        .search(&SearchRequest {
            q: q.into(),
            filters: f,
            sort,
            limit: 7,
            skip_facets,
            ..Default::default()
        })
        .unwrap()
}

/// Facet counts of a filtered search, checked against plain searches (filters
/// as query clauses, no facets): each value's count is the total of the
/// search with that field's filter replaced by the value alone.
#[test]
fn filtered_facets_equal_the_totals_of_the_searches_they_offer() {
    let (_d, index) = varied();
    let queries = [
        "*",
        "minerals",
        r#""critical minerals""#,
        "critical -exports",
    ];
    let filter_sets: [&[(&str, &[&str])]; 4] = [
        &[("country", &["MY", "TH"])],
        &[("country", &["US"]), ("category", &["ai-developer"])],
        &[
            ("question", &["regions", "finance"]),
            ("country", &["MY", "DE"]),
        ],
        &[
            ("org_type", &["company"]),
            ("question", &["standards"]),
            ("late", &["true"]),
        ],
    ];
    let mut checked = 0;
    for q in queries {
        for set in filter_sets {
            for sort in [Sort::Relevance, Sort::Newest] {
                let with = run(&index, q, filters(set), sort, false);
                let plain = run(&index, q, filters(set), sort, true);
                assert_eq!(with.total, plain.total, "{q} {set:?}");
                let ids = |r: &rfidesk_indexer::SearchResults| {
                    r.hits.iter().map(|h| h.id.clone()).collect::<Vec<_>>()
                };
                assert_eq!(ids(&with), ids(&plain), "{q} {set:?} {sort:?}");
                for field in rfidesk_indexer::FACET_FIELDS {
                    let counts = with.facets.get(field).cloned().unwrap_or_default();
                    let others: Vec<(&str, &[&str])> =
                        set.iter().filter(|(f, _)| *f != field).copied().collect();
                    for (value, n) in &counts {
                        let mut f = filters(&others);
                        f.keywords.insert(field.into(), vec![value.clone()]);
                        let expected = run(&index, q, f, sort, true).total as u64;
                        assert_eq!(*n, expected, "{q} {set:?} {field}={value}");
                        checked += 1;
                    }
                    // No value is missing: every comment has exactly one
                    // value of these fields.
                    if ["docket", "category", "country", "late"].contains(&field) {
                        let total_without = run(&index, q, filters(&others), sort, true).total;
                        let sum: u64 = counts.values().sum();
                        assert_eq!(sum, total_without as u64, "{q} {set:?} {field}");
                    }
                }
            }
        }
    }
    assert!(checked > 300, "only {checked} counts checked");
}

/// Whether a hit's attachment matched is read from the postings of each
/// query word; a word whose first document comes after the hit must not
/// be sought backwards (tantivy asserts it in debug builds).
#[test]
fn attachment_matches_are_found_whichever_document_comes_first() {
    let dir = tempfile::tempdir().unwrap();
    let index = SearchIndex::open_or_create(dir.path()).unwrap();
    let mut w = index.writer(1, 15_000_000).unwrap();
    for (n, word) in [(1, "bison"), (2, "alpaca")] {
        let mut d = doc(n, "ai-developer", "US", &[("regions", "ordinary answer")]);
        d.attachment_count = 1;
        d.attachment_texts = vec![format!("the attachment names the {word}")];
        w.upsert(&d).unwrap();
    }
    w.commit(2).unwrap();
    index.reload().unwrap();
    let results = index
        .search(&SearchRequest {
            q: "alpaca OR bison".into(),
            limit: 10,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(results.total, 2);
    assert!(results.hits.iter().all(|h| h.attachment_match));
}

/// Rules check new comments with `matching`, bulk tags and rules read
/// `all_ids`; a replaced document counts once, by its newest version, and
/// tag facets count every level from the set column, across segments.
#[test]
fn matching_ids_and_tag_facets_across_segments() {
    let dir = tempfile::tempdir().unwrap();
    let index = SearchIndex::open_or_create(dir.path()).unwrap();
    let mut w = index.writer(1, 15_000_000).unwrap();
    let tagged = |n: u32, text: &str, tags: &[&str]| {
        let mut d = doc(n, "ai-developer", "MY", &[("regions", text)]);
        d.tags = tags.iter().map(|t| t.to_string()).collect();
        d
    };
    w.upsert(&tagged(
        1,
        "chips and minerals",
        &["region", "region/asean"],
    ))
    .unwrap();
    w.upsert(&tagged(2, "minerals only", &["stance", "stance/supports"]))
        .unwrap();
    w.commit(1).unwrap();
    // A second segment: 3 is new, 1 is replaced and no longer says chips.
    w.upsert(&tagged(
        3,
        "chips for data centres",
        &["region", "region/asean"],
    ))
    .unwrap();
    w.upsert(&tagged(1, "minerals", &["region", "region/africa"]))
        .unwrap();
    w.commit(2).unwrap();
    index.reload().unwrap();
    let ids = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let none = Filters::default();
    let among = ids(&["id-1", "id-2", "id-3", "id-9"]);
    let found = index
        .matching(
            &[
                ("chips".to_string(), none.clone()),
                ("minerals".to_string(), none.clone()),
                ("*".to_string(), none.clone()),
            ],
            &among,
        )
        .unwrap();
    assert_eq!(found[0], ids(&["id-3"]));
    assert_eq!(found[1], ids(&["id-1", "id-2"]));
    assert_eq!(found[2], ids(&["id-1", "id-2", "id-3"]));
    assert_eq!(
        index.all_ids("chips OR minerals", &none, 10).unwrap(),
        (3, ids(&["id-1", "id-2", "id-3"]))
    );
    assert_eq!(index.all_ids("*", &none, 2).unwrap(), (3, vec![]));

    let r = search(&index, "*");
    let tags = &r.facets["tag"];
    assert_eq!(tags["region"], 2);
    assert_eq!(tags["region/asean"], 1);
    assert_eq!(tags["region/africa"], 1);
    assert_eq!(tags["stance/supports"], 1);
    let mut req = SearchRequest {
        q: "*".into(),
        limit: 10,
        ..Default::default()
    };
    req.filters
        .keywords
        .insert("tag".into(), vec!["region/asean".into()]);
    let r = index.search(&req).unwrap();
    assert_eq!(r.total, 1);
    assert_eq!(
        r.facets["tag"]["region/africa"], 1,
        "its own filter ignored"
    );
}

#[test]
fn signals_filter_and_count_and_signatories_add_up() {
    let dir = tempfile::tempdir().unwrap();
    let index = SearchIndex::open_or_create(dir.path()).unwrap();
    let mut w = index.writer(1, 15_000_000).unwrap();
    let mut a = doc(1, "ai-developer", "US", &[("regions", "minerals one")]);
    a.signals = vec!["burst".into(), "one_client".into()];
    a.signatories = Some(250);
    let mut b = doc(2, "ai-developer", "US", &[("regions", "minerals two")]);
    b.signals = vec!["burst".into()];
    b.signatories = Some(1);
    let c = doc(3, "ai-developer", "US", &[("regions", "grid three")]);
    for d in [&a, &b, &c] {
        w.upsert(d).unwrap();
    }
    w.commit(3).unwrap();
    index.reload().unwrap();

    let all = search(&index, "*");
    assert_eq!(all.total, 3);
    assert_eq!(all.flagged, 2, "each flagged comment once");
    assert_eq!(all.signatories, 250 + 1 + 1);
    assert_eq!(all.facets["signal"]["burst"], 2);
    assert_eq!(all.facets["signal"]["one_client"], 1);
    let grid = search(&index, "grid");
    assert_eq!((grid.flagged, grid.signatories), (0, 1));

    let mut filters = Filters::default();
    filters
        .keywords
        .insert("signal".into(), vec!["one_client".into()]);
    let r = index
        .search(&SearchRequest {
            q: "minerals".into(),
            filters,
            limit: 10,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(r.total, 1);
    assert_eq!(r.hits[0].id, "id-1");
    assert_eq!((r.flagged, r.signatories), (1, 250));
    // The signal facet is counted without its own filter.
    assert_eq!(r.facets["signal"]["burst"], 2);
    // Without facets the counts are not made: every match is one signatory.
    let bare = index
        .search(&SearchRequest {
            q: "*".into(),
            limit: 1,
            skip_facets: true,
            ..Default::default()
        })
        .unwrap();
    assert_eq!((bare.flagged, bare.signatories), (0, 3));
}

#[test]
fn a_summary_counts_each_campaign_once_per_value() {
    let dir = tempfile::tempdir().unwrap();
    let index = SearchIndex::open_or_create(dir.path()).unwrap();
    let mut w = index.writer(1, 15_000_000).unwrap();
    let docs = [
        (1, "cat-a", "US", vec!["t1"], Some("c1"), "Microsoft Corp."),
        (2, "cat-a", "US", vec!["t1"], Some("c1"), "MICROSOFT"),
        (3, "cat-b", "MY", vec!["t2"], None, "Other"),
        (
            4,
            "cat-b",
            "US",
            vec!["t1", "t2"],
            Some("c2"),
            "Microsoft Corporation",
        ),
    ];
    for (n, cat, country, tags, campaign, org) in docs {
        let mut d = doc(n, cat, country, &[("regions", "words")]);
        d.tags = tags.into_iter().map(String::from).collect();
        d.campaign = campaign.map(String::from);
        d.organization = Some(org.into());
        w.upsert(&d).unwrap();
        if n == 3 {
            // Two segments: organizations' keys merge across them.
            w.commit(3).unwrap();
        }
    }
    w.commit(4).unwrap();
    index.reload().unwrap();

    let wanted = OrganizationsWanted {
        top: 20,
        ..Default::default()
    };
    let s = index.summarize("*", &Filters::default(), &wanted).unwrap();
    assert_eq!(s.total, 4);
    let pair = |field: &str, value: &str| {
        (
            s.comments[field].get(value).copied().unwrap_or(0),
            s.unique[field].get(value).copied().unwrap_or(0),
        )
    };
    assert_eq!(pair("category", "cat-a"), (2, 1), "one campaign");
    assert_eq!(pair("category", "cat-b"), (2, 2));
    assert_eq!(pair("country", "US"), (3, 2), "two campaigns");
    assert_eq!(pair("country", "MY"), (1, 1));
    assert_eq!(pair("tag", "t1"), (3, 2));
    assert_eq!(pair("tag", "t2"), (2, 2));
    // Three spellings of one organization, two of them sending one letter.
    let orgs: Vec<(&str, u64, u64, usize)> = s
        .organizations
        .iter()
        .map(|o| (o.key.as_str(), o.comments, o.unique, o.spellings.len()))
        .collect();
    assert_eq!(orgs, [("microsoft", 3, 2, 3), ("other", 1, 1, 1)]);
    assert_eq!(s.organizations[0].spellings[0].1, 1);
    assert_eq!(s.crosstab["t1"]["cat-a"], 2);
    assert_eq!(s.crosstab["t1"]["cat-b"], 1);
    assert_eq!(s.crosstab["t2"]["cat-b"], 2);
    assert!(!s.crosstab["t2"].contains_key("cat-a"));
    assert_eq!(s.hours.values().sum::<u64>(), 4);
    assert_eq!(s.signatories, 4);

    // A search's summary counts only its matches.
    let mut filters = Filters::default();
    filters.keywords.insert("country".into(), vec!["US".into()]);
    let us = index.summarize("*", &filters, &wanted).unwrap();
    assert_eq!(us.total, 3);
    assert_eq!(us.organizations.len(), 1, "{:?}", us.organizations);
    assert_eq!(us.organizations[0].comments, 3);

    // Analysts' corrections move a spelling's counts; only the largest are
    // listed.
    let corrected = OrganizationsWanted {
        corrections: [("Other".to_string(), "microsoft".to_string())].into(),
        top: 1,
    };
    let c = index
        .summarize("*", &Filters::default(), &corrected)
        .unwrap();
    assert_eq!(c.organizations.len(), 1);
    assert_eq!(c.organizations[0].key, "microsoft");
    assert_eq!(
        (c.organizations[0].comments, c.organizations[0].unique),
        (4, 3)
    );
    assert!(c.organizations[0]
        .spellings
        .contains(&("Other".to_string(), 1)));
    let elsewhere = OrganizationsWanted {
        corrections: [("MICROSOFT".to_string(), "elsewhere".to_string())].into(),
        top: 20,
    };
    let e = index
        .summarize("*", &Filters::default(), &elsewhere)
        .unwrap();
    let keys: Vec<(&str, u64)> = e
        .organizations
        .iter()
        .map(|o| (o.key.as_str(), o.comments))
        .collect();
    assert_eq!(keys, [("microsoft", 2), ("elsewhere", 1), ("other", 1)]);
    assert_eq!(us.comments["category"]["cat-b"], 1);
    assert_eq!(us.unique["category"]["cat-a"], 1);
    assert!(!us.comments["country"].contains_key("MY"));
}

#[test]
fn a_summary_after_each_commit_counts_what_the_index_holds_then() {
    // Each segment's part of the counts is kept across commits: a commit
    // that adds a segment, moves a comment out of an old one or deletes
    // one must still be counted exactly, old segments' parts reused only
    // while nothing was deleted from them.
    let dir = tempfile::tempdir().unwrap();
    let index = SearchIndex::open_or_create(dir.path()).unwrap();
    let mut w = index.writer(1, 15_000_000).unwrap();
    let wanted = OrganizationsWanted {
        top: 20,
        ..Default::default()
    };
    let count = |index: &SearchIndex| {
        let s = index.summarize("*", &Filters::default(), &wanted).unwrap();
        let of = |field: &str| -> Vec<(String, u64)> {
            s.comments
                .get(field)
                .map(|m| m.iter().map(|(k, v)| (k.clone(), *v)).collect())
                .unwrap_or_default()
        };
        (s.total, of("category"), of("country"))
    };
    let pairs = |p: &[(&str, u64)]| -> Vec<(String, u64)> {
        p.iter().map(|(k, v)| (k.to_string(), *v)).collect()
    };
    for n in 1..=4 {
        w.upsert(&doc(n, "cat-a", "US", &[("regions", "words")]))
            .unwrap();
    }
    w.commit(4).unwrap();
    index.reload().unwrap();
    assert_eq!(
        count(&index),
        (4, pairs(&[("cat-a", 4)]), pairs(&[("US", 4)]))
    );

    // A new segment beside the first.
    w.upsert(&doc(5, "cat-b", "MY", &[("regions", "words")]))
        .unwrap();
    w.commit(5).unwrap();
    index.reload().unwrap();
    assert_eq!(
        count(&index),
        (
            5,
            pairs(&[("cat-a", 4), ("cat-b", 1)]),
            pairs(&[("MY", 1), ("US", 4)])
        )
    );

    // A comment of the first segment changed: deleted there, added anew.
    w.upsert(&doc(2, "cat-b", "TH", &[("regions", "words")]))
        .unwrap();
    w.commit(6).unwrap();
    index.reload().unwrap();
    assert_eq!(
        count(&index),
        (
            5,
            pairs(&[("cat-a", 3), ("cat-b", 2)]),
            pairs(&[("MY", 1), ("TH", 1), ("US", 3)])
        )
    );

    // One deleted from the first segment, one from the second.
    w.delete("id-1");
    w.delete("id-5");
    w.commit(7).unwrap();
    index.reload().unwrap();
    assert_eq!(
        count(&index),
        (
            3,
            pairs(&[("cat-a", 2), ("cat-b", 1)]),
            pairs(&[("TH", 1), ("US", 2)])
        )
    );
}
