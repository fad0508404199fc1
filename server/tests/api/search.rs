//! Analyst search over real HTTP: what is found, facets, errors, freshness.

use crate::helpers::*;
use crate::on_both_backends;
use reqwest::multipart::{Form, Part};
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::time::Duration;

on_both_backends!(
    words_only_in_a_pdf_or_a_docx_are_found,
    facet_counts_equal_the_matching_comments,
    queries_filters_sorting_and_paging,
    invalid_queries_and_parameters_are_400,
    a_new_comment_is_searchable_within_two_seconds,
    whole_comments_similar_comments_and_downloads,
    contact_details_go_to_staff_only,
    the_command_line_searches_as_the_api_does,
);

/// A comment with answers that share no word with the fixture files.
fn plain_body(regions: &str) -> Value {
    let mut body = comment_body();
    body["answers"] = json!({ "regions": regions });
    body["comment"] = Value::Null;
    body
}

async fn post_with_file(app: &TestApp, body: &Value, file: &str) -> String {
    let form = Form::new().text("comment", body.to_string()).part(
        "attachments",
        Part::bytes(attachment_fixture(file)).file_name(file.to_string()),
    );
    let res = app
        .post_multipart(&format!("/api/v1/dockets/{DOCKET}/comments"), form)
        .await;
    assert_eq!(res.status(), 201);
    res.json::<Value>().await.unwrap()["tracking_number"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn post(app: &TestApp, body: &Value) -> String {
    let res = app.post_json(body).await;
    assert_eq!(res.status(), 201);
    res.json::<Value>().await.unwrap()["tracking_number"]
        .as_str()
        .unwrap()
        .to_string()
}

fn tracking_numbers(r: &Value) -> BTreeSet<String> {
    r["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["tracking_number"].as_str().unwrap().to_string())
        .collect()
}

async fn words_only_in_a_pdf_or_a_docx_are_found(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let token = app.user("ana", "analyst", "analyst-password");
    let pdf = post_with_file(
        &app,
        &plain_body("Ports and logistics."),
        "export-priorities.pdf",
    )
    .await;
    let docx = post_with_file(&app, &plain_body("Cloud regions."), "consortium-brief.docx").await;
    post(&app, &plain_body("Nothing attached here.")).await;

    // "minerals" is only in the PDF, "consortia" only in the DOCX.
    let r = eventually(
        Duration::from_secs(30),
        "PDF text to be indexed",
        || async {
            let r = app.search(&token, &[("q", "minerals")]).await;
            (r["total"] == 1).then_some(r)
        },
    )
    .await;
    assert_eq!(tracking_numbers(&r), BTreeSet::from([pdf.clone()]));
    let snippet = r["hits"][0]["snippets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["field"] == "attachment")
        .expect("an attachment snippet");
    assert_eq!(snippet["filename"], "export-priorities.pdf");
    assert!(
        snippet["html"]
            .as_str()
            .unwrap()
            .contains("<mark>minerals</mark>"),
        "{snippet}"
    );

    let r = eventually(
        Duration::from_secs(30),
        "DOCX text to be indexed",
        || async {
            let r = app.search(&token, &[("q", "consortia")]).await;
            (r["total"] == 1).then_some(r)
        },
    )
    .await;
    assert_eq!(tracking_numbers(&r), BTreeSet::from([docx.clone()]));

    // The field can be named too, and a phrase across the PDF's words works.
    let r = app
        .search(&token, &[("q", r#"attachment:"critical minerals""#)])
        .await;
    assert_eq!(tracking_numbers(&r), BTreeSet::from([pdf.clone()]));
    // The whole comment shows the text and its status.
    let c = app
        .json_as(&token, &format!("/api/v1/comments/{pdf}"), 200)
        .await;
    assert_eq!(c["attachments"][0]["text_status"], "extracted");
    assert!(c["attachments"][0]["text"]
        .as_str()
        .unwrap()
        .contains("Critical minerals"));
}

async fn facet_counts_equal_the_matching_comments(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let token = app.user("ana", "analyst", "analyst-password");
    let variants = [
        ("ai-developer", "US", "company", true),
        ("ai-developer", "MY", "company", false),
        ("academic-research", "MY", "academic", true),
        ("trade-association", "TH", "trade_association", false),
        ("academic-research", "US", "academic", false),
    ];
    for (i, (category, country, org_type, standards)) in variants.iter().enumerate() {
        let mut body = comment_body();
        body["submitter"]["category"] = json!(category);
        body["submitter"]["country"] = json!(country);
        body["submitter"]["organization_type"] = json!(org_type);
        body["answers"] = if *standards {
            json!({"regions": format!("Export corridor {i} through Malaysia."), "standards": "Join ISO committees."})
        } else {
            json!({"regions": format!("Export corridor {i}.")})
        };
        post(&app, &body).await;
    }
    app.index_caught_up(&token).await;

    for q in ["*", "corridor", "Malaysia"] {
        let all = app.search(&token, &[("q", q)]).await;
        let facets = all["facets"].as_object().unwrap();
        for field in [
            "category",
            "country",
            "org_type",
            "question",
            "late",
            "has_attachments",
        ] {
            let values = facets[field].as_object().unwrap();
            for (value, count) in values {
                let filtered = app
                    .search(
                        &token,
                        &[("q", q), (field, value.as_str()), ("per_page", "1")],
                    )
                    .await;
                assert_eq!(
                    filtered["total"], *count,
                    "q={q} {field}={value}: facet said {count}"
                );
            }
        }
    }
    let all = app.search(&token, &[("q", "*")]).await;
    assert_eq!(all["facets"]["category"]["academic-research"], 2);
    assert_eq!(all["facets"]["question"]["standards"], 2);
    assert_eq!(all["facets"]["country"]["MY"], 2);
    // A filtered field still counts its other values (to add them).
    let r = app.search(&token, &[("q", "*"), ("country", "MY")]).await;
    assert_eq!(r["total"], 2);
    assert_eq!(r["facets"]["country"]["US"], 2);
    assert_eq!(r["facets"]["category"]["academic-research"], 1);
    // Values of one field are alternatives.
    let r = app
        .search(&token, &[("q", "*"), ("country", "MY"), ("country", "TH")])
        .await;
    assert_eq!(r["total"], 3);
}

async fn queries_filters_sorting_and_paging(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let token = app.user("ana", "analyst", "analyst-password");
    let mut numbers = Vec::new();
    for (i, text) in [
        "Critical minerals processing in Malaysia.",
        "Critical minerals and rare earths from Thailand.",
        "Minerals are critical, says Vietnam.",
        "Data centres in Malaysia need power.",
    ]
    .iter()
    .enumerate()
    {
        app.clock
            .set(open_time() + chrono::TimeDelta::minutes(i as i64 + 1));
        numbers.push(post(&app, &plain_body(text)).await);
    }
    app.index_caught_up(&token).await;
    let q = r#""critical minerals" AND (Malaysia OR Thailand)"#;
    let r = app.search(&token, &[("q", q)]).await;
    assert_eq!(
        tracking_numbers(&r),
        BTreeSet::from([numbers[0].clone(), numbers[1].clone()])
    );
    let html = r["hits"][0]["snippets"][0]["html"].as_str().unwrap();
    assert!(html.contains("<mark>"), "{html}");
    assert!(r["hits"][0]["score"].as_f64().unwrap() > 0.0);
    // Per-question field and a question filter.
    let r = app.search(&token, &[("q", "answer.regions:Vietnam")]).await;
    assert_eq!(tracking_numbers(&r), BTreeSet::from([numbers[2].clone()]));
    let r = app
        .search(&token, &[("q", "Malaysia"), ("question", "standards")])
        .await;
    assert_eq!(r["total"], 0);
    // Newest first, one per page.
    let p1 = app
        .search(&token, &[("q", "*"), ("sort", "newest"), ("per_page", "1")])
        .await;
    let p2 = app
        .search(
            &token,
            &[
                ("q", "*"),
                ("sort", "newest"),
                ("per_page", "1"),
                ("page", "2"),
            ],
        )
        .await;
    assert_eq!(p1["total"], 4);
    assert_eq!(p1["hits"][0]["tracking_number"], numbers[3].as_str());
    assert_eq!(p2["hits"][0]["tracking_number"], numbers[2].as_str());
    let oldest = app.search(&token, &[("q", "*"), ("sort", "oldest")]).await;
    assert_eq!(oldest["hits"][0]["tracking_number"], numbers[0].as_str());
    // Dates: after the second comment's minute.
    let from = (open_time() + chrono::TimeDelta::seconds(150)).to_rfc3339();
    let r = app.search(&token, &[("q", "*"), ("from", &from)]).await;
    assert_eq!(r["total"], 2);
    // per_page is capped, not refused.
    let r = app
        .search(&token, &[("q", "*"), ("per_page", "100000")])
        .await;
    assert_eq!(r["per_page"], 100);
}

async fn invalid_queries_and_parameters_are_400(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let token = app.user("ana", "analyst", "analyst-password");
    post(&app, &comment_body()).await;
    // Until the index is open, every search is a 503 `index_unavailable`.
    app.index_caught_up(&token).await;
    for (qs, code) in [
        ("q=%22critical%20minerals", "invalid_query"),
        ("q=minerals%20AND%20(Malaysia", "invalid_query"),
        ("q=nosuchfield:x", "invalid_query"),
        ("q=x&late=perhaps", "invalid_parameters"),
        ("q=x&sort=best", "invalid_parameters"),
        ("q=x&page=0", "invalid_parameters"),
        ("q=x&from=yesterday", "invalid_parameters"),
        ("q=x&page=100000", "invalid_parameters"),
        ("q=x&colour=red", "invalid_parameters"),
    ] {
        let r = app
            .json_as(&token, &format!("/api/v1/search?{qs}"), 400)
            .await;
        assert_eq!(r["error"]["code"], code, "{qs}: {r}");
        assert!(!r["error"]["message"].as_str().unwrap().is_empty());
    }
    let r = app
        .json_as(&token, "/api/v1/search?q=minerals%20AND%20(Malaysia", 400)
        .await;
    assert!(
        r["error"]["message"]
            .as_str()
            .unwrap()
            .contains("at character"),
        "says where: {r}"
    );
}

async fn a_new_comment_is_searchable_within_two_seconds(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let token = app.user("ana", "analyst", "analyst-password");
    post(&app, &comment_body()).await;
    app.index_caught_up(&token).await;
    let tn = post(&app, &plain_body("Quetzalcoatl semiconductors.")).await;
    let acknowledged = std::time::Instant::now();
    eventually(
        Duration::from_secs(2),
        "the new comment to be searchable",
        || async {
            let r = app.search(&token, &[("q", "Quetzalcoatl")]).await;
            (r["total"] == 1).then_some(())
        },
    )
    .await;
    assert!(acknowledged.elapsed() < Duration::from_secs(2));
    let r = app.search(&token, &[("q", "Quetzalcoatl")]).await;
    assert_eq!(r["hits"][0]["tracking_number"], tn.as_str());
}

async fn whole_comments_similar_comments_and_downloads(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let token = app.user("ana", "analyst", "analyst-password");
    let a = post(
        &app,
        &plain_body("Semiconductor export licensing for allied fabs in Japan and Korea."),
    )
    .await;
    let b = post(
        &app,
        &plain_body("Export licensing for allied semiconductor fabs in Korea."),
    )
    .await;
    post(&app, &plain_body("Agricultural drones for Kenya.")).await;
    let with_file =
        post_with_file(&app, &plain_body("See attached."), "export-priorities.pdf").await;
    app.index_caught_up(&token).await;

    let c = app
        .json_as(&token, &format!("/api/v1/comments/{a}"), 200)
        .await;
    assert_eq!(c["tracking_number"], a.as_str());
    assert_eq!(c["answers"][0]["question"], "regions");
    assert!(c["answers"][0]["title"].as_str().unwrap().len() > 5);
    assert!(
        c.get("contact").is_none(),
        "analysts see no contact details"
    );
    assert!(!c.to_string().contains("ada@example.com"));

    let similar = app
        .json_as(&token, &format!("/api/v1/comments/{a}/similar"), 200)
        .await;
    assert_eq!(similar["hits"][0]["tracking_number"], b.as_str());
    assert!(similar["hits"]
        .as_array()
        .unwrap()
        .iter()
        .all(|h| h["tracking_number"] != a.as_str()));

    app.json_as(&token, "/api/v1/comments/zzz-zzzz-zzzz", 404)
        .await;
    app.json_as(&token, "/api/v1/comments/not-a-number", 404)
        .await;

    let res = app
        .get_as(
            &token,
            &format!("/api/v1/comments/{with_file}/attachments/0"),
        )
        .await;
    assert_eq!(res.status(), 200);
    let h = res.headers();
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["content-type"], "application/pdf");
    let disposition = h["content-disposition"].to_str().unwrap();
    assert!(disposition.starts_with("attachment"), "{disposition}");
    assert!(
        disposition.contains("filename=\"export-priorities.pdf\""),
        "{disposition}"
    );
    assert_eq!(
        res.bytes().await.unwrap().to_vec(),
        attachment_fixture("export-priorities.pdf")
    );
    let res = app
        .get_as(
            &token,
            &format!("/api/v1/comments/{with_file}/attachments/7"),
        )
        .await;
    assert_eq!(res.status(), 404);
}

async fn contact_details_go_to_staff_only(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let analyst = app.user("ana", "analyst", "analyst-password");
    let staff = app.user("sam", "staff", "staff-password");
    let tn = post(&app, &comment_body()).await;
    let c = app
        .json_as(&staff, &format!("/api/v1/comments/{tn}"), 200)
        .await;
    assert_eq!(c["contact"]["email"], "ada@example.com");
    assert_eq!(c["contact"]["state_province"], "VA");
    let c = app
        .json_as(&analyst, &format!("/api/v1/comments/{tn}"), 200)
        .await;
    assert!(c.get("contact").is_none());
    // Search results carry no contact details for anyone.
    app.index_caught_up(&staff).await;
    let r = app.search(&staff, &[("q", "*")]).await;
    assert!(!r.to_string().contains("ada@example.com"));
}

/// `rfidesk search` runs the same service as the API, on the node's index.
async fn the_command_line_searches_as_the_api_does(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let token = app.user("ana", "analyst", "analyst-password");
    let res = app
        .post_json(&plain_body("Shipping lanes through Malaysia"))
        .await;
    let tn = res.json::<Value>().await.unwrap()["tracking_number"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        app.post_json(&plain_body("Nothing about that"))
            .await
            .status(),
        201
    );
    assert_eq!(app.index_caught_up(&token).await, 2);
    let api = app.search(&token, &[("q", "malaysia")]).await;
    assert_eq!(api["total"], 1);

    let out = app.cli(&["search", "malaysia"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("1 comments match"));
    assert!(lines.next().unwrap().starts_with(&tn), "{text}");
    let out = app.cli(&["search", "*", "--filter", "country=ZZ"]);
    assert!(String::from_utf8(out.stdout)
        .unwrap()
        .starts_with("0 comments match"));
    // Bad input: a clear error, a failing exit.
    let out = app.cli(&["search", &"(".repeat(50)]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("could not be read"));
    let out = app.cli(&["search", "x", "--filter", "nonsense"]);
    assert!(!out.status.success());
}
