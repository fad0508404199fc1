//! Distinguishing terms in the summary: a phrase one submitter category
//! alone keeps using leads that category's terms and is in no other
//! group's; a form letter's phrase, however many copies, counts once.

use crate::coding::{sign_in_session, tag};
use crate::coding_pages::page;
use crate::helpers::*;
use crate::on_both_backends;
use serde_json::{json, Value};
use std::time::Duration;

on_both_backends!(a_phrase_one_category_keeps_using_leads_its_distinguishing_terms);
on_both_backends!(a_phrase_only_in_one_org_types_attachments_leads_its_terms);

const CATEGORIES: [&str; 3] = ["ai-developer", "compute-cloud", "minerals-supply-chain"];
const ORG_TYPES: [&str; 3] = ["company", "academic", "trade_association"];
const PLANTED: &str = "It is about geothermal corridors.";
const PHRASE: [&str; 3] = ["corridors", "geothermal", "geothermal corridors"];
const LETTER: &str = "Fund the quantum sandbox program now, for every ally and partner.";

/// Three sentences from small lists of words, a different combination
/// for each comment, so that no two comments look alike and every word
/// is spread evenly over the categories and organization types.
fn ordinary_text(i: usize) -> String {
    const ADJ: [&str; 7] = [
        "open",
        "trusted",
        "secure",
        "affordable",
        "regional",
        "modern",
        "shared",
    ];
    const NOUN: [&str; 11] = [
        "standards",
        "financing",
        "datacenters",
        "chips",
        "models",
        "training",
        "partners",
        "cloud",
        "grids",
        "talent",
        "research",
    ];
    const VERB: [&str; 5] = ["expand", "protect", "support", "review", "measure"];
    const OBJ: [&str; 13] = [
        "exports",
        "markets",
        "allies",
        "startups",
        "universities",
        "networks",
        "licenses",
        "agencies",
        "ministries",
        "factories",
        "ports",
        "schools",
        "clinics",
    ];
    (0..3)
        .map(|k| {
            let m = 3 * i + k;
            format!(
                "{} {} should {} {}.",
                ADJ[m % 7],
                NOUN[m % 11],
                VERB[m % 5],
                OBJ[m % 13]
            )
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn submission(category: &str, org_type: &str, i: usize, comment: String) -> Value {
    let mut b = comment_body();
    b["send_receipt"] = false.into();
    b["submitter"]["category"] = category.into();
    b["submitter"]["organization_type"] = org_type.into();
    b["submitter"]["organization"] = format!("Organization {i}").into();
    b["answers"] = json!({});
    b["comment"] = comment.into();
    b
}

fn group<'a>(summary: &'a Value, field: &str, value: &str) -> &'a Value {
    summary["distinguishing_terms"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["field"] == field && g["value"] == value)
        .unwrap_or_else(|| panic!("no group {field} {value}: {summary}"))
}

fn terms(g: &Value) -> Vec<String> {
    g["terms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["term"].as_str().unwrap().to_string())
        .collect()
}

async fn a_phrase_one_category_keeps_using_leads_its_distinguishing_terms(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = app.user("sam", "staff", "staff-password-long");
    // 36 comments: each category meets each organization type 4 times;
    // 9 of the 12 minerals comments (3 per organization type) carry the
    // planted phrase.
    let mut tracking = Vec::new();
    for i in 0..36 {
        let category = CATEGORIES[i % 3];
        let org_type = ORG_TYPES[(i / 3) % 3];
        let mut text = ordinary_text(i);
        if category == "minerals-supply-chain" && (i / 9) % 4 != 3 {
            text = format!("{text} {PLANTED}");
        }
        tracking.push(app.submit(&submission(category, org_type, i, text)).await);
    }
    // A form letter, six copies, from one category: it counts once.
    for i in 36..42 {
        app.submit(&submission("compute-cloud", "company", i, LETTER.into()))
            .await;
    }
    // A tag on one comment of each category and type pair, as analysts
    // code them: its group has every term in the same proportion as the
    // rest, so nothing sets it apart.
    for tn in tracking.iter().step_by(4) {
        let (status, body) = tag(&app, &staff, tn, json!({"tag": "mechanism/financing"})).await;
        assert_eq!(status, 201, "{body}");
    }
    app.index_caught_up(&staff).await;
    app.campaigns_settled().await;

    let path = format!("/api/v1/dockets/{DOCKET}/summary");
    let summary = eventually(
        Duration::from_secs(30),
        "the campaign in the index",
        || async {
            let s = app.json_as(&staff, &path, 200).await;
            (s["totals"]["comments"] == 42 && s["totals"]["campaigns"] == 1).then_some(s)
        },
    )
    .await;

    // The phrase and its words lead the minerals category, together (the
    // same 9 comments use each), ahead of everything else.
    let minerals = group(&summary, "category", "minerals-supply-chain");
    let listed = terms(minerals);
    assert_eq!(listed[..3], PHRASE, "{minerals}");
    let z = |k: usize| minerals["terms"][k]["z"].as_f64().unwrap();
    assert!(z(0) >= 1.645, "{minerals}");
    assert!(listed.len() == 3 || z(3) < z(2), "{minerals}");
    assert_eq!(minerals["terms"][0]["comments"], 9.0);
    assert_eq!(minerals["terms"][0]["elsewhere"], 0.0);
    assert_eq!(
        minerals["label"],
        "Critical minerals or supply-chain company"
    );

    // In no other group's terms: categories, organization types, the tag.
    for g in summary["distinguishing_terms"].as_array().unwrap() {
        if g["field"] == "category" && g["value"] == "minerals-supply-chain" {
            continue;
        }
        let listed = terms(g);
        assert!(listed.len() <= 10, "{g}");
        for p in PHRASE {
            assert!(!listed.contains(&p.to_string()), "{p} in {g}");
        }
    }
    for t in ORG_TYPES {
        group(&summary, "org_type", t);
    }
    let tagged = group(&summary, "tag", "mechanism/financing");
    assert_eq!(tagged["comments"], 9.0, "{tagged}");

    // Six copies of a letter count as one comment, so its phrase does
    // not set compute-cloud apart.
    let cloud = terms(group(&summary, "category", "compute-cloud"));
    assert!(
        !cloud.iter().any(|t| t.contains("quantum")),
        "the letter counted more than once: {cloud:?}"
    );

    // A search's summary compares within its matches: the minerals
    // comments alone are one category with no rest to differ from.
    let searched = app
        .json_as(
            &staff,
            &format!("{path}?category=minerals-supply-chain"),
            200,
        )
        .await;
    assert_eq!(searched["totals"]["comments"], 12);
    let categories: Vec<&Value> = searched["distinguishing_terms"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|g| g["field"] == "category")
        .collect();
    assert_eq!(categories.len(), 1, "{searched}");
    assert_eq!(terms(categories[0]), Vec::<String>::new());

    // The page shows them, labelled.
    let (session, _) = sign_in_session(&app, "sam", "staff-password-long").await;
    let (status, html) = page(
        &app,
        &session,
        &format!("/analyst/dockets/{DOCKET}/summary"),
    )
    .await;
    assert_eq!(status, 200);
    assert!(html.contains("What sets each group apart"), "{html}");
    let row = html
        .split("<tr>")
        .find(|r| {
            r.contains("Critical minerals or supply-chain company") && r.contains("class=\"term\"")
        })
        .unwrap_or_else(|| panic!("no terms row for the minerals category: {html}"));
    assert!(row.contains(">geothermal corridors</span>"), "{row}");
}

/// Sixty words from a thousand made-up ones, a different draw for each
/// comment: files with little in common, not a form letter's copies.
fn letter_text(i: usize) -> String {
    const PRE: [&str; 10] = ["ka", "lo", "mi", "nu", "pe", "ra", "si", "to", "ve", "zu"];
    const MID: [&str; 10] = ["b", "d", "f", "g", "h", "j", "k", "m", "p", "t"];
    const SUF: [&str; 10] = ["an", "ok", "el", "im", "ast", "or", "ix", "un", "eb", "al"];
    let mut x = (i as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    (0..60)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let w = (x % 1000) as usize;
            format!("{}{}{}", PRE[w / 100], MID[w / 10 % 10], SUF[w % 10])
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Many comments are a line and a PDF: the words of the file count. Each
/// of 27 comments sends its text as an attached file (and a line of its
/// own); the 9 from universities' files say "lithium refining".
async fn a_phrase_only_in_one_org_types_attachments_leads_its_terms(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = app.user("sam", "staff", "staff-password-long");
    let mut tracking = Vec::new();
    for i in 0..27 {
        let org_type = ORG_TYPES[i % 3];
        let mut file = letter_text(i);
        if org_type == "academic" {
            file = format!("{file} It is about lithium refining.");
        }
        let body = submission(CATEGORIES[(i / 3) % 3], org_type, i, "See attached.".into());
        let form = reqwest::multipart::Form::new()
            .text("comment", body.to_string())
            .part(
                "attachments",
                reqwest::multipart::Part::bytes(file.into_bytes())
                    .file_name(format!("letter-{i}.txt")),
            );
        let res = app
            .post_multipart(&format!("/api/v1/dockets/{DOCKET}/comments"), form)
            .await;
        assert_eq!(res.status(), 201);
        let r: Value = res.json().await.unwrap();
        tracking.push(r["tracking_number"].as_str().unwrap().to_string());
    }
    for tn in &tracking {
        app.first_file_settled(&staff, tn).await;
    }
    app.index_caught_up(&staff).await;

    // Polled until the files' text is in the index (extraction, then the
    // comment indexed again), then checked whole.
    let path = format!("/api/v1/dockets/{DOCKET}/summary");
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    let summary = loop {
        let s = app.json_as(&staff, &path, 200).await;
        // Every file read: the phrase in all nine.
        let academic = group(&s, "org_type", "academic");
        if academic["terms"][0]["comments"] == 9.0 || std::time::Instant::now() > deadline {
            break s;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    // Twenty-seven "See attached." with different letters: no campaign
    // (each waited for its file's text before its campaign was sought).
    assert_eq!(summary["totals"]["campaigns"], 0, "{}", summary["totals"]);
    let academic = group(&summary, "org_type", "academic");
    assert_eq!(
        terms(academic).get(..3),
        Some(&["lithium", "lithium refining", "refining"].map(String::from)[..]),
        "{academic}; totals {}",
        summary["totals"]
    );
    assert_eq!(academic["terms"][0]["comments"], 9.0);
    for g in summary["distinguishing_terms"].as_array().unwrap() {
        if g["field"] == "org_type" && g["value"] == "academic" {
            continue;
        }
        assert!(
            !terms(g).iter().any(|t| t.contains("lithium")),
            "in another group: {g}"
        );
    }
    // A comment's own line is read too: the same in every comment, it
    // sets no group apart.
    for g in summary["distinguishing_terms"].as_array().unwrap() {
        assert!(!terms(g).contains(&"attached".to_string()), "{g}");
    }
}
