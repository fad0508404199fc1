//! CSV exports for staff: every row parses back to what the database
//! holds, formulas are inert, contact details only when staff ask, only
//! staff may export, every export is audited, and bad requests change
//! nothing.

use crate::coding::tag;
use crate::helpers::*;
use crate::on_both_backends;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::time::Duration;

on_both_backends!(
    the_comments_export_parses_back_to_what_was_submitted,
    exports_are_for_staff_and_bad_requests_change_nothing,
    search_and_campaign_exports_and_the_cli_agree,
);

const LETTER: &str = "We the undersigned ask the Department to put open standards, \
    export financing through EXIM and DFC, and partnerships with Malaysia, Thailand and \
    Kenya at the heart of the American AI Exports Program, and to report on it yearly.";

/// A comment whose every text field is hostile to a spreadsheet or a
/// CSV parser.
fn tricky(i: usize) -> Value {
    let mut body = comment_body();
    body["send_receipt"] = false.into();
    body["submitter"]["first_name"] = "=HYPERLINK(\"http://evil.example\",\"x\")".into();
    body["submitter"]["last_name"] = format!("O'Brien, \"Jr.\" {i}").into();
    body["submitter"]["organization"] = "+cmd|' /C calc'!A0".into();
    body["submitter"]["email"] = format!("ada{i}@example.com").into();
    body["answers"] = json!({
        "regions": "Line one\nline two, with a comma; and \"quotes\"",
        "standards": "@SUM(1+1)",
    });
    body["comment"] = format!("-2 is a number; ünïcode ✓ {i}").into();
    body["signatories"] = (i as i64 + 1).into();
    body
}

async fn export(
    app: &TestApp,
    token: &str,
    path: &str,
) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
    let res = app.get_as(token, path).await;
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    (status, headers, res.bytes().await.unwrap().to_vec())
}

/// The CSV as header and records (by column name).
fn parse(bytes: &[u8]) -> (Vec<String>, Vec<HashMap<String, String>>) {
    let text = std::str::from_utf8(bytes).expect("UTF-8");
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut r = csv::ReaderBuilder::new().from_reader(text.as_bytes());
    let header: Vec<String> = r.headers().unwrap().iter().map(str::to_string).collect();
    let rows = r
        .records()
        .map(|rec| {
            let rec = rec.expect("every record parses");
            assert_eq!(rec.len(), header.len(), "a full row");
            header
                .iter()
                .cloned()
                .zip(rec.iter().map(str::to_string))
                .collect()
        })
        .collect();
    (header, rows)
}

fn path(name: &str, query: &str) -> String {
    format!("/api/v1/dockets/{DOCKET}/export/{name}.csv{query}")
}

async fn audit_exports(app: &TestApp, token: &str) -> Vec<Value> {
    let log = app
        .json_as(
            token,
            &format!("/api/v1/dockets/{DOCKET}/audit?limit=1000"),
            200,
        )
        .await;
    log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "export")
        .cloned()
        .collect()
}

async fn the_comments_export_parses_back_to_what_was_submitted(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = app.user("sam", "staff", "staff-password-long");
    let mut tracking = Vec::new();
    for i in 0..3 {
        tracking.push(app.submit(&tricky(i)).await);
    }
    // Two coders put the same tag on the first comment, and one a second
    // tag: each tag is listed once, in order.
    let analyst = app.user("ana", "analyst", "analyst-password-long");
    for (token, path) in [
        (&staff, "mechanism/financing"),
        (&analyst, "mechanism/financing"),
        (&staff, "region/asean/malaysia"),
    ] {
        let (status, body) = tag(&app, token, &tracking[0], json!({"tag": path})).await;
        assert_eq!(status, 201, "{body}");
    }

    let (status, headers, bytes) = export(&app, &staff, &path("comments", "")).await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&bytes));
    assert_eq!(headers["content-type"], "text/csv; charset=utf-8");
    assert!(headers["content-disposition"]
        .to_str()
        .unwrap()
        .contains(&format!("{DOCKET}-comments.csv")));
    assert!(!bytes.starts_with(b"\xEF\xBB\xBF"), "no BOM unless asked");
    assert!(
        String::from_utf8_lossy(&bytes).contains("\r\n"),
        "CRLF records"
    );
    let (header, rows) = parse(&bytes);
    for column in [
        "Tracking Number",
        "Received Date",
        "First Name",
        "Last Name",
        "Organization Name",
        "Country",
        "Category",
        "Comment",
        "Attachment Files",
        "Priority export regions and countries",
        "Tags",
        "Signatories",
    ] {
        assert!(header.iter().any(|h| h == column), "{column} in {header:?}");
    }
    assert!(
        !header.iter().any(|h| h == "Email"),
        "no contact unless asked"
    );
    assert_eq!(rows.len(), 3);
    // Each row as the comment API has it, formulas made inert.
    for row in &rows {
        let tn = &row["Tracking Number"];
        let c = app
            .json_as(&staff, &format!("/api/v1/comments/{tn}"), 200)
            .await;
        let inert = |v: &Value| {
            let s = v.as_str().unwrap_or_default();
            if s.starts_with(['=', '+', '-', '@']) {
                format!("'{s}")
            } else {
                s.to_string()
            }
        };
        assert_eq!(row["First Name"], inert(&c["submitter"]["first_name"]));
        assert!(row["First Name"].starts_with("'=HYPERLINK"));
        assert_eq!(row["Last Name"], inert(&c["submitter"]["last_name"]));
        assert_eq!(
            row["Organization Name"],
            inert(&c["submitter"]["organization"])
        );
        assert_eq!(row["Comment"], inert(&c["comment"]));
        assert!(row["Comment"].starts_with("'-2"));
        assert_eq!(row["Country"], "US");
        assert_eq!(row["Category"], "AI model or application developer");
        let answer = |q: &str| {
            c["answers"]
                .as_array()
                .unwrap()
                .iter()
                .find(|a| a["question"] == q)
                .map(|a| inert(&a["text"]))
                .unwrap()
        };
        assert_eq!(
            row["Priority export regions and countries"],
            answer("regions")
        );
        assert!(row["Priority export regions and countries"].contains('\n'));
        assert_eq!(row["International standards-setting"], answer("standards"));
        assert_eq!(row["Signatories"], c["signatories"].to_string());
        assert_eq!(
            row["Received Date"],
            c["received_at"]
                .as_str()
                .unwrap()
                .split('.')
                .next()
                .unwrap()
                .trim_end_matches('Z')
                .to_string()
                + "Z"
        );
        let tags = if tn == &tracking[0] {
            "mechanism/financing; region/asean/malaysia"
        } else {
            ""
        };
        assert_eq!(row["Tags"], tags);
    }

    // Contact details when staff ask, with a BOM for Excel.
    let (status, _, bytes) =
        export(&app, &staff, &path("comments", "?include_contact=1&bom=1")).await;
    assert_eq!(status, 200);
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"));
    let (_, rows) = parse(&bytes);
    let mut emails: Vec<&str> = rows.iter().map(|r| r["Email"].as_str()).collect();
    emails.sort();
    assert_eq!(
        emails,
        ["ada0@example.com", "ada1@example.com", "ada2@example.com"]
    );
    assert!(rows.iter().all(|r| r["State/Province"] == "VA"));

    // Both exports are in the audit log, with their options.
    let audited = audit_exports(&app, &staff).await;
    assert_eq!(audited.len(), 2, "{audited:?}");
    assert_eq!(audited[1]["actor"], "sam");
    assert_eq!(audited[1]["detail"]["include_contact"], true);
    assert_eq!(audited[0]["detail"]["include_contact"], false);
}

async fn exports_are_for_staff_and_bad_requests_change_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = app.user("sam", "staff", "staff-password-long");
    let analyst = app.user("ana", "analyst", "analyst-password-long");
    assert_eq!(app.post_json(&tricky(0)).await.status(), 201);

    let (status, _, _) = export(&app, &analyst, &path("comments", "")).await;
    assert_eq!(status, 403, "analysts do not export");
    let res = app
        .client
        .get(app.url(&path("comments", "")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    for (p, want) in [
        (path("comments", "?include_contact=yes"), 400),
        (path("comments", "?colour=red"), 400),
        (path("comments", "?q=x"), 400),
        (path("search", "?q=%22unclosed"), 400),
        (path("search", "?country=US&page=0"), 400),
        (path("everything", ""), 404),
        ("/api/v1/dockets/nope/export/comments.csv".to_string(), 404),
    ] {
        let (status, _, body) = export(&app, &staff, &p).await;
        assert_eq!(status, want, "{p}: {}", String::from_utf8_lossy(&body));
        let err: Value = serde_json::from_slice(&body).expect("a JSON error");
        assert!(err["error"]["code"].is_string());
    }
    assert!(
        audit_exports(&app, &staff).await.is_empty(),
        "refusals are not exports"
    );

    // The same export 40 times at once: each is whole or politely refused,
    // and the server goes on.
    let mut running = Vec::new();
    for _ in 0..40 {
        let (app_url, client, token) = (
            app.url(&path("comments", "")),
            app.client.clone(),
            staff.clone(),
        );
        running.push(tokio::spawn(async move {
            let res = client.get(app_url).bearer_auth(token).send().await.unwrap();
            let status = res.status().as_u16();
            let retry = res.headers().contains_key("retry-after");
            (status, retry, res.bytes().await.unwrap().to_vec())
        }));
    }
    let mut whole = 0;
    for r in running {
        let (status, retry, bytes) = r.await.unwrap();
        match status {
            200 => {
                assert_eq!(parse(&bytes).1.len(), 1);
                whole += 1;
            }
            503 => assert!(retry, "a busy answer says when to retry"),
            other => panic!("unexpected {other}"),
        }
    }
    assert!(whole >= 1);
    assert_eq!(
        audit_exports(&app, &staff).await.len(),
        whole,
        "only exports that ran"
    );
    let (status, _, _) = export(&app, &staff, &path("comments", "")).await;
    assert_eq!(status, 200, "permits come back");
}

async fn search_and_campaign_exports_and_the_cli_agree(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = app.user("sam", "staff", "staff-password-long");
    for i in 0..3 {
        let mut body = comment_body();
        body["send_receipt"] = false.into();
        body["answers"] = json!({});
        body["comment"] = format!("{LETTER} Signed, reader {i}.").into();
        assert_eq!(app.post_json(&body).await.status(), 201);
    }
    let mut other = comment_body();
    other["send_receipt"] = false.into();
    other["comment"] = "=1+1 Geothermal power for data centres in Kenya.".into();
    assert_eq!(app.post_json(&other).await.status(), 201);
    app.index_caught_up(&staff).await;
    app.campaigns_settled().await;

    // The search export holds the search's matches only.
    let (status, _, bytes) = export(&app, &staff, &path("search", "?q=geothermal")).await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&bytes));
    let (_, rows) = parse(&bytes);
    assert_eq!(rows.len(), 1);
    assert_eq!(
        rows[0]["Comment"],
        "'=1+1 Geothermal power for data centres in Kenya."
    );
    let audited = audit_exports(&app, &staff).await;
    assert_eq!(audited[0]["detail"]["q"], "geothermal");
    assert_eq!(audited[0]["detail"]["rows"], 1);

    // The campaigns export: the letter's campaign, its members counted.
    let (_, campaign_rows) = eventually(Duration::from_secs(20), "the campaign", || async {
        let (status, _, bytes) = export(&app, &staff, &path("campaigns", "")).await;
        assert_eq!(status, 200);
        let parsed = parse(&bytes);
        (parsed.1.len() == 1).then_some(parsed)
    })
    .await;
    assert_eq!(campaign_rows[0]["Size"], "3");
    assert!(campaign_rows[0]["Template"].starts_with("We the undersigned"));
    let (_, comment_rows) = parse(&export(&app, &staff, &path("comments", "")).await.2);
    let in_campaign = comment_rows
        .iter()
        .filter(|r| r["Campaign ID"] == campaign_rows[0]["Campaign ID"])
        .count();
    assert_eq!(in_campaign, 3);

    // The CLI writes the same rows to a file, audited as `cli`.
    let out = tempfile::tempdir().unwrap();
    let file = out.path().join("comments.csv");
    let run = app.cli(&[
        "export",
        "comments",
        "--docket",
        DOCKET,
        "--out",
        file.to_str().unwrap(),
    ]);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let (_, from_cli) = parse(&std::fs::read(&file).unwrap());
    assert_eq!(from_cli, comment_rows);
    let audited = audit_exports(&app, &staff).await;
    assert_eq!(audited.last().unwrap()["actor"], "cli");
    // A refused CLI export writes no file.
    let bad = out.path().join("bad.csv");
    let run = app.cli(&[
        "export",
        "everything",
        "--docket",
        DOCKET,
        "--out",
        bad.to_str().unwrap(),
    ]);
    assert!(!run.status.success());
    assert!(!bad.exists());
}
