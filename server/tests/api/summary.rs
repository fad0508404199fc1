//! The docket summary: its numbers equal counts made directly from the
//! database; a search's summary counts its matches only; staff only.

use crate::coding::{sign_in_session, tag};
use crate::coding_pages::{page, post_form};
use crate::helpers::*;
use crate::on_both_backends;
use rfidesk::db::models::{campaign, comment, comment_tag};
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::{Duration, Instant};

on_both_backends!(
    the_summary_equals_counts_made_from_the_database,
    analysts_correct_organization_groups_and_summaries_follow,
    after_a_restart_each_docket_summary_is_made_before_anyone_asks,
);

const LETTER: &str = "We the undersigned ask the Department to put open standards, \
    export financing through EXIM and DFC, and partnerships with Malaysia, Thailand and \
    Kenya at the heart of the American AI Exports Program, and to report on it yearly.";

struct Planted {
    category: &'static str,
    country: &'static str,
    org_type: Option<&'static str>,
    organization: Option<&'static str>,
    answers: Value,
    comment: String,
    confidential: bool,
    signatories: i64,
}

fn body(p: &Planted, i: usize) -> Value {
    let mut b = comment_body();
    b["send_receipt"] = false.into();
    b["submitter"]["category"] = p.category.into();
    b["submitter"]["country"] = p.country.into();
    b["submitter"]["last_name"] = format!("Person{i}").into();
    match (p.org_type, p.organization) {
        (Some(t), Some(o)) => {
            b["submitter"]["organization_type"] = t.into();
            b["submitter"]["organization"] = o.into();
        }
        _ => {
            b["submitter"]["type"] = "individual".into();
            b["submitter"]["organization_type"] = Value::Null;
            b["submitter"]["organization"] = Value::Null;
            b["submitter"]["category"] = "individual".into();
        }
    }
    b["answers"] = p.answers.clone();
    b["comment"] = p.comment.clone().into();
    b["business_confidential"] = p.confidential.into();
    b["signatories"] = p.signatories.into();
    b
}

/// What the summary should say, counted from the database's rows.
fn expected(app: &TestApp) -> Value {
    let mut conn = app.db();
    let rows = comment::docket_page_after(&mut conn, DOCKET, "", 100_000).unwrap();
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let campaigns: HashMap<String, String> = campaign::campaigns_of(&mut conn, &ids)
        .unwrap()
        .into_iter()
        .collect();
    let mut tags: HashMap<String, Vec<String>> = HashMap::new();
    for (c, path) in comment_tag::paths_for_comments(&mut conn, &ids).unwrap() {
        tags.entry(c).or_default().push(path);
    }
    let with_files: HashSet<String> =
        rfidesk::db::models::attachment::for_comments(&mut conn, &ids)
            .unwrap()
            .into_iter()
            .map(|a| a.comment_id)
            .collect();
    // Per field and value: comments, the campaigns among them, and the
    // comments outside any campaign.
    type Tally = BTreeMap<String, (u64, HashSet<String>, u64)>;
    let mut by: BTreeMap<&str, Tally> = BTreeMap::new();
    let mut count = |field: &'static str, value: &str, id: &str| {
        let t = by
            .entry(field)
            .or_default()
            .entry(value.to_string())
            .or_default();
        t.0 += 1;
        match campaigns.get(id) {
            Some(c) => {
                t.1.insert(c.clone());
            }
            None => t.2 += 1,
        }
    };
    let mut totals = json!({"comments": rows.len(), "late": 0, "with_attachments": 0,
                            "business_confidential": 0, "signatories": 0});
    for r in &rows {
        count("category", &r.category, &r.id);
        count("country", &r.country, &r.id);
        if let Some(t) = &r.organization_type {
            count("org_type", t, &r.id);
        }
        let answers: BTreeMap<String, String> = serde_json::from_str(&r.answers).unwrap();
        for (q, text) in answers {
            if !text.trim().is_empty() {
                count("question", &q, &r.id);
            }
        }
        let paths = tags.get(&r.id).cloned().unwrap_or_default();
        for t in rfidesk::search::documents::indexed_tags(&paths) {
            count("tag", &t, &r.id);
        }
        let add = |totals: &mut Value, k: &str, n: i64| {
            totals[k] = (totals[k].as_i64().unwrap() + n).into();
        };
        add(&mut totals, "late", r.late as i64);
        add(
            &mut totals,
            "with_attachments",
            with_files.contains(&r.id) as i64,
        );
        add(
            &mut totals,
            "business_confidential",
            r.business_confidential as i64,
        );
        add(
            &mut totals,
            "signatories",
            r.signatories.unwrap_or(1).max(1),
        );
    }
    let distinct: HashSet<&String> = campaigns.values().collect();
    totals["campaigns"] = distinct.len().into();
    totals["unique"] = (rows.len() - campaigns.len() + distinct.len()).into();
    let mut out = json!({"totals": totals});
    for (field, key) in [
        ("category", "by_category"),
        ("country", "by_country"),
        ("org_type", "by_org_type"),
        ("question", "by_question"),
        ("tag", "by_tag"),
    ] {
        let values: BTreeMap<String, Value> = by
            .get(field)
            .into_iter()
            .flatten()
            .map(|(v, (n, c, alone))| (v.clone(), json!([n, alone + c.len() as u64])))
            .collect();
        out[key] = json!(values);
    }
    out
}

/// The same shape from the summary's answer.
fn got(summary: &Value) -> Value {
    let mut totals = summary["totals"].clone();
    totals.as_object_mut().unwrap().remove("flagged");
    let mut out = json!({"totals": totals});
    for key in [
        "by_category",
        "by_country",
        "by_org_type",
        "by_question",
        "by_tag",
    ] {
        let values: BTreeMap<String, Value> = summary[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| {
                (
                    b["value"].as_str().unwrap().to_string(),
                    json!([b["comments"], b["unique"]]),
                )
            })
            .collect();
        out[key] = json!(values);
    }
    out
}

async fn the_summary_equals_counts_made_from_the_database(backend: Backend) {
    let app = TestApp::builder(backend)
        .late_policy("accept_flagged")
        .start()
        .await;
    let staff = app.user("sam", "staff", "staff-password-long");
    let analyst = app.user("ana", "analyst", "analyst-password-long");
    let regions = |t: &str| json!({"regions": t});
    let mut planted = Vec::new();
    for i in 0..3 {
        planted.push(Planted {
            category: "ai-developer",
            country: "US",
            org_type: Some("company"),
            organization: Some(["Microsoft Corp.", "Microsoft Corporation", "MICROSOFT"][i]),
            answers: json!({}),
            comment: LETTER.into(),
            confidential: false,
            signatories: 1,
        });
    }
    planted.push(Planted {
        category: "minerals-supply-chain",
        country: "MY",
        org_type: Some("academic"),
        organization: Some("Univ. of Malaya"),
        answers: json!({"regions": "Malaysia first.", "standards": "Join SC 42."}),
        comment: "Geothermal power for data centres.".into(),
        confidential: true,
        signatories: 50,
    });
    planted.push(Planted {
        category: "compute-cloud",
        country: "KE",
        org_type: None,
        organization: None,
        answers: regions("Kenya and Ghana."),
        comment: "Cloud regions in East Africa.".into(),
        confidential: false,
        signatories: 1,
    });
    planted.push(Planted {
        category: "compute-cloud",
        country: "US",
        org_type: Some("trade_association"),
        organization: Some("Cloud Builders Assn. <script>alert(1)</script>"),
        answers: json!({"standards": "NIST first.", "other": "   "}),
        comment: "Standards before subsidies.".into(),
        confidential: true,
        signatories: 1,
    });
    let mut tracking = Vec::new();
    for (i, p) in planted.iter().enumerate() {
        tracking.push(app.submit(&body(p, i)).await);
    }
    tracking.push(
        app.submit_with_file("notes.txt", attachment_fixture("notes.txt"))
            .await,
    );
    // After the deadline: late.
    app.clock.set(utc("2026-11-29T05:00:00Z"));
    let late = app.post_json(&body(&planted[4], 9)).await;
    assert_eq!(late.status(), 201);
    for (tn, t) in [
        (&tracking[0], "region/asean/malaysia"),
        (&tracking[4], "mechanism/financing"),
    ] {
        assert_eq!(tag(&app, &staff, tn, json!({"tag": t})).await.0, 201);
    }
    // An analyst's excerpt: the words "Malaysia first." of the answer.
    let (status, body) = tag(
        &app,
        &staff,
        &tracking[3],
        json!({"tag": "region/asean/malaysia",
               "excerpt": {"field": "answer:regions", "start": 0, "end": 15}}),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    app.index_caught_up(&staff).await;
    app.campaigns_settled().await;

    // Polled until the index has every change, then compared whole.
    let path = format!("/api/v1/dockets/{DOCKET}/summary");
    let deadline = Instant::now() + Duration::from_secs(30);
    let (summary, want) = loop {
        let summary = app.json_as(&staff, &path, 200).await;
        let want = expected(&app);
        if got(&summary) == want || Instant::now() > deadline {
            break (summary, want);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(got(&summary), want);
    assert_eq!(summary["totals"]["comments"], 8);
    // The letter, and the late copy of an earlier comment.
    assert_eq!(summary["totals"]["campaigns"], want["totals"]["campaigns"]);
    assert!(summary["totals"]["unique"].as_u64() < Some(8));
    assert_eq!(summary["totals"]["late"], 1);
    assert_eq!(summary["totals"]["business_confidential"], 2);
    assert_eq!(summary["totals"]["signatories"], 8 - 1 + 50);
    let per_day: u64 = summary["per_day"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["comments"].as_u64().unwrap())
        .sum();
    assert_eq!(per_day, 8);
    // Three spellings of one organization count once.
    let orgs = summary["top_organizations"].as_array().unwrap();
    assert_eq!(orgs[0]["comments"], 3, "{orgs:?}");
    assert_eq!(
        orgs[0]["unique"], 1,
        "one letter sent under three spellings"
    );
    assert_eq!(orgs[0]["spellings"].as_array().unwrap().len(), 3);
    assert_eq!(
        summary["largest_campaigns"][0]["comments"], 3,
        "{}",
        summary["largest_campaigns"]
    );
    let share: f64 = summary["by_category"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["share_of_unique"].as_f64().unwrap())
        .sum();
    assert!(
        (share - 1.0).abs() < 1e-9,
        "categories split the unique: {share}"
    );
    let row = summary["crosstab"]["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["tag"] == "region/asean/malaysia")
        .unwrap()
        .clone();
    let columns: Vec<&str> = summary["crosstab"]["categories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["value"].as_str().unwrap())
        .collect();
    let at = |cat: &str| row["counts"][columns.iter().position(|c| *c == cat).unwrap()].clone();
    assert_eq!(at("ai-developer"), 1);
    assert_eq!(at("minerals-supply-chain"), 1);

    // Quotes: the coded excerpt first, then the best matches, each escaped.
    let quotes = summary["quotes"]["region/asean/malaysia"]
        .as_array()
        .unwrap();
    assert_eq!(quotes[0]["source"], "excerpt", "{quotes:?}");
    assert!(quotes.len() <= 3);
    let quoted: Vec<&str> = quotes
        .iter()
        .map(|q| q["tracking_number"].as_str().unwrap())
        .collect();
    assert!(quoted.contains(&tracking[0].as_str()) || quoted.contains(&tracking[3].as_str()));
    // Its parent tag is quoted from the same comments.
    assert!(summary["quotes"]["region"]
        .as_array()
        .is_some_and(|q| !q.is_empty()));

    // Summaries are kept per index generation: asked again, the same;
    // after a change, the change is in it.
    let financing = |s: &Value| {
        s["by_tag"]
            .as_array()
            .unwrap()
            .iter()
            .find(|b| b["value"] == "mechanism/financing")
            .map_or(0, |b| b["comments"].as_u64().unwrap())
    };
    let again = app.json_as(&staff, &path, 200).await;
    assert_eq!(got(&again), got(&summary));
    assert_eq!(
        again["distinguishing_terms"],
        summary["distinguishing_terms"]
    );
    assert_eq!(financing(&summary), 1);
    assert_eq!(
        tag(
            &app,
            &staff,
            &tracking[5],
            json!({"tag": "mechanism/financing"})
        )
        .await
        .0,
        201
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    let after = loop {
        let after = app.json_as(&staff, &path, 200).await;
        if financing(&after) == 2 || Instant::now() > deadline {
            break after;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(financing(&after), 2, "{}", after["by_tag"]);
    let summary = after;

    let csv_rows = |bytes: &[u8]| -> Vec<Vec<String>> {
        let mut r = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(bytes);
        r.records()
            .map(|rec| rec.unwrap().iter().map(str::to_string).collect())
            .collect()
    };
    let export = |name: &str| format!("/api/v1/dockets/{DOCKET}/export/{name}.csv");
    let res = app.get_as(&staff, &export("tags")).await;
    assert_eq!(res.status(), 200);
    let tags = csv_rows(&res.bytes().await.unwrap());
    assert_eq!(
        tags[0][..4],
        ["Tag", "Label", "Comments", "Unique Comments"]
    );
    let by_tag = summary["by_tag"].as_array().unwrap();
    assert_eq!(tags.len(), by_tag.len() + 1);
    for (row, t) in tags[1..].iter().zip(by_tag) {
        assert_eq!(row[0], t["value"].as_str().unwrap());
        assert_eq!(row[2], t["comments"].to_string());
        assert_eq!(row[3], t["unique"].to_string());
    }
    let res = app.get_as(&staff, &export("crosstab")).await;
    assert_eq!(res.status(), 200);
    let cross = csv_rows(&res.bytes().await.unwrap());
    assert_eq!(cross[0].len(), 2 + columns.len());
    let malaysia = cross
        .iter()
        .find(|r| r[0] == "region/asean/malaysia")
        .unwrap();
    let values: Vec<String> = row["counts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.to_string())
        .collect();
    assert_eq!(malaysia[2..], values[..]);
    // Of a search: its matches only.
    let res = app
        .get_as(&staff, &format!("{}?q=geothermal", export("tags")))
        .await;
    assert_eq!(res.status(), 200);
    let tags = csv_rows(&res.bytes().await.unwrap());
    assert!(tags[1..].iter().all(|r| r[2] == "1"), "{tags:?}");

    // A search's summary counts its matches only.
    let search = app
        .json_as(&staff, &format!("{path}?q=geothermal&country=MY"), 200)
        .await;
    assert_eq!(search["totals"]["comments"], 1);
    assert_eq!(search["q"], "geothermal");
    assert_eq!(search["by_country"].as_array().unwrap().len(), 1);

    // The page: charts drawn on the server, every label escaped.
    let (session, _) = sign_in_session(&app, "sam", "staff-password-long").await;
    let page_path = format!("/analyst/dockets/{DOCKET}/summary");
    let (status, html) = page(&app, &session, &page_path).await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("<svg class=\"chart bars\""));
    assert!(html.contains("<svg class=\"chart timeline\""));
    assert!(html.contains("AI model or application developer"));
    assert!(html.contains("Cloud Builders Assn."));
    assert!(!html.contains("<script>alert(1)"), "escaped");
    assert!(html.contains("In their words, by tag"));
    assert!(
        html.contains("<blockquote>Malaysia first.</blockquote>"),
        "{html}"
    );
    assert!(html.contains("@media print") || html.contains("/static/site.css"));
    let (status, html) = page(&app, &session, &format!("{page_path}?q=geothermal")).await;
    assert_eq!(status, 200);
    assert!(html.contains("Comments matching"));
    // The search page leads staff to the summary of its results.
    let (status, html) = page(&app, &session, "/analyst/search?q=geothermal").await;
    assert_eq!(status, 200);
    assert!(
        html.contains(&format!(
            "/analyst/dockets/{DOCKET}/summary?q=geothermal\">Summary of these results"
        )),
        "{html}"
    );
    let (status, _) = page(&app, &session, &format!("{page_path}?page=0")).await;
    assert_eq!(status, 400);
    let (analyst_session, _) = sign_in_session(&app, "ana", "analyst-password-long").await;
    let (status, _) = page(&app, &analyst_session, &page_path).await;
    assert_eq!(status, 403);

    // Staff only; bad parameters say why.
    assert_eq!(app.get_as(&analyst, &path).await.status(), 403);
    let res = app.get_as(&staff, &format!("{path}?colour=red")).await;
    assert_eq!(res.status(), 400);
    let res = app.get_as(&staff, &format!("{path}?q=%22open")).await;
    assert_eq!(res.status(), 400);
    let res = app.get_as(&staff, "/api/v1/dockets/nope/summary").await;
    assert_eq!(res.status(), 404);
}

async fn analysts_correct_organization_groups_and_summaries_follow(backend: Backend) {
    use crate::coding::call;
    use reqwest::Method;
    let app = TestApp::spawn(backend).await;
    let staff = app.user("sam", "staff", "staff-password-long");
    let ana = app.user("ana", "analyst", "analyst-password-long");
    for (i, org) in ["Microsoft Corp.", "MICROSOFT", "MSFT", "Other Org"]
        .iter()
        .enumerate()
    {
        let mut b = comment_body();
        b["send_receipt"] = false.into();
        b["submitter"]["organization"] = (*org).into();
        b["comment"] = format!("Comment number {i} on standards.").into();
        app.submit(&b).await;
    }
    app.index_caught_up(&ana).await;
    let path = format!("/api/v1/dockets/{DOCKET}/organizations");
    let list = app.json_as(&ana, &path, 200).await;
    // "Example AI Inc." of nobody: every comment here names its own.
    assert_eq!(list["total"], 3, "{list}");
    assert_eq!(list["groups"][0]["key"], "microsoft");
    assert_eq!(list["groups"][0]["comments"], 2);
    let filtered = app.json_as(&ana, &format!("{path}?q=MSF"), 200).await;
    assert_eq!(filtered["total"], 1);

    // Refused corrections change nothing.
    let groups = format!("{path}/groups");
    for (body, want) in [
        (json!({"spelling": "", "group": "Microsoft"}), 422),
        (json!({"spelling": "MSFT", "group": "..."}), 422),
        (json!({"spelling": "MSFT", "group": "x".repeat(400)}), 422),
        (
            json!({"spelling": "MSFT", "group": "Microsoft", "colour": 1}),
            422,
        ),
        (json!({"spelling": "MSFT"}), 422),
    ] {
        let (status, res) = call(&app, &ana, Method::PUT, &groups, Some(body.clone())).await;
        assert_eq!(status, want, "{body}: {res}");
    }
    let (status, _) = call(
        &app,
        &ana,
        Method::PUT,
        &format!("/api/v1/dockets/nope/organizations/groups"),
        Some(json!({"spelling": "MSFT", "group": "Microsoft"})),
    )
    .await;
    assert_eq!(status, 404);
    assert_eq!(
        app.json_as(&ana, &path, 200).await["corrections"],
        json!({})
    );

    // An analyst puts MSFT with Microsoft: kept, audited, summarized.
    let (status, res) = call(
        &app,
        &ana,
        Method::PUT,
        &groups,
        Some(json!({"spelling": "MSFT", "group": "Microsoft"})),
    )
    .await;
    assert_eq!(status, 204, "{res}");
    let list = app.json_as(&ana, &path, 200).await;
    assert_eq!(list["total"], 2);
    assert_eq!(list["groups"][0]["comments"], 3);
    assert_eq!(list["corrections"]["MSFT"], "microsoft");
    let summary = app
        .json_as(&staff, &format!("/api/v1/dockets/{DOCKET}/summary"), 200)
        .await;
    assert_eq!(summary["top_organizations"][0]["comments"], 3, "{summary}");
    assert_eq!(summary["top_organizations"][0]["key"], "microsoft");
    let spellings = &summary["top_organizations"][0]["spellings"];
    assert!(
        spellings.as_array().unwrap().iter().any(|s| s[0] == "MSFT"),
        "{spellings}"
    );
    let log = app
        .json_as(
            &ana,
            &format!("/api/v1/dockets/{DOCKET}/audit?subject=MSFT"),
            200,
        )
        .await;
    assert_eq!(log["entries"][0]["action"], "organization.grouped");
    assert_eq!(log["entries"][0]["actor"], "ana");

    // Taken back: MSFT is its own again; taking it back twice is a 404.
    let (status, _) = call(
        &app,
        &ana,
        Method::DELETE,
        &groups,
        Some(json!({"spelling": "MSFT"})),
    )
    .await;
    assert_eq!(status, 204);
    let (status, _) = call(
        &app,
        &ana,
        Method::DELETE,
        &groups,
        Some(json!({"spelling": "MSFT"})),
    )
    .await;
    assert_eq!(status, 404);
    assert_eq!(app.json_as(&ana, &path, 200).await["total"], 3);

    // The same from the page: the groups, a filter, and its forms.
    let (session, csrf) = sign_in_session(&app, "ana", "analyst-password-long").await;
    let page_path = format!("/analyst/dockets/{DOCKET}/organizations");
    let (status, html) = page(&app, &session, &page_path).await;
    assert_eq!(status, 200);
    assert!(html.contains("3 groups"), "{html}");
    assert!(
        html.contains("Microsoft Corp.") && html.contains("MSFT"),
        "{html}"
    );
    let (_, html) = page(&app, &session, &format!("{page_path}?q=msf")).await;
    assert!(
        html.contains("1 group containing") && !html.contains("Other Org"),
        "{html}"
    );
    let group_form = format!("{page_path}/group");
    // Without the session's CSRF token, or with a bad group: nothing changes.
    let (status, _) = post_form(
        &app,
        &session,
        &group_form,
        &[("spelling", "MSFT"), ("group", "Microsoft")],
        None,
    )
    .await;
    assert_eq!(status, 403);
    let (status, html) = post_form(
        &app,
        &session,
        &group_form,
        &[("csrf", &csrf), ("spelling", "MSFT"), ("group", "...")],
        None,
    )
    .await;
    assert_eq!(status, 422, "{html}");
    assert_eq!(
        app.json_as(&ana, &path, 200).await["corrections"],
        json!({})
    );
    let (status, location) = post_form(
        &app,
        &session,
        &group_form,
        &[
            ("csrf", &csrf),
            ("q", "msf"),
            ("spelling", "MSFT"),
            ("group", "Microsoft"),
        ],
        None,
    )
    .await;
    assert_eq!(status, 303);
    assert_eq!(location, format!("{page_path}?q=msf"));
    let (_, html) = page(&app, &session, &page_path).await;
    assert!(html.contains("2 groups"), "{html}");
    assert!(
        html.contains("placed in “microsoft” by an analyst"),
        "{html}"
    );
    let (status, _) = post_form(
        &app,
        &session,
        &format!("{page_path}/ungroup"),
        &[("csrf", &csrf), ("spelling", "MSFT")],
        None,
    )
    .await;
    assert_eq!(status, 303);
    assert_eq!(app.json_as(&ana, &path, 200).await["total"], 3);
    // Nobody signed in sees nothing.
    let res = app.client.get(app.url(&page_path)).send().await.unwrap();
    assert_ne!(res.status(), 200);
}

async fn after_a_restart_each_docket_summary_is_made_before_anyone_asks(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = app.user("sam", "staff", "staff-password-long");
    for _ in 0..3 {
        app.submit(&comment_body()).await;
    }
    app.index_caught_up(&staff).await;
    let app = app.stop().await.restart().await;
    // Made in the background once the index is open: listed by the
    // index's status when done.
    let warmed = eventually(
        Duration::from_secs(30),
        "the summary made ahead",
        || async {
            let status = app.json_as(&staff, "/api/v1/admin/index", 200).await;
            let warmed = status["summaries_warmed"].as_array()?.clone();
            (!warmed.is_empty()).then_some(warmed)
        },
    )
    .await;
    assert_eq!(warmed, vec![json!("ai-exports-rfi")]);
    // What it made (and kept) is the summary of what the index holds.
    let summary = app
        .json_as(&staff, "/api/v1/dockets/ai-exports-rfi/summary", 200)
        .await;
    assert_eq!(summary["totals"]["comments"], 3);
    assert_eq!(summary["by_category"][0]["comments"], 3);
}
