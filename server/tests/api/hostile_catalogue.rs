//! The hostile input catalogue (docs/HOSTILE_INPUT.md): script and HTML
//! in every text field and file name, shown on every public and analyst
//! page; formulas in every exported column; path-traversal and control
//! characters in file names; invalid UTF-8 wherever text comes in; PDFs
//! whose structure loops. Each gets a clear 4xx or is shown inert, the
//! server stays up, and nothing is stored half-way. (Oversized, slow and
//! deeply nested requests are in `hostile.rs`, zip bombs in `indexing.rs`.)

use crate::coding::{call, sign_in_session};
use crate::coding_pages::page;
use crate::helpers::*;
use crate::hostile::encode;
use crate::on_both_backends;
use reqwest::multipart::{Form, Part};
use reqwest::Method;
use serde_json::{json, Value};

on_both_backends!(
    script_in_every_field_is_inert_on_every_page,
    formulas_are_inert_in_every_exported_column,
    hostile_file_names_are_refused_or_stored_inert,
    invalid_utf8_is_refused_or_made_inert_and_stores_nothing_half_way,
    pdfs_whose_structure_loops_fail_at_once_with_a_reason,
    deeply_nested_submissions_are_refused,
);

/// A form letter long enough to make a campaign of its copies.
const LETTER: &str = "We the undersigned urge the Department to make leadership in \
    international standards bodies the centre of the American AI Exports Program, to fund \
    full-stack export packages through EXIM and DFC, and to prioritise partners in Southeast \
    Asia and East Africa where trusted technology is needed most. American firms can compete \
    on quality and security if the program lowers financing costs and speeds up licensing.";

/// Script and markup that would run if shown as it is: out of an
/// attribute value, into an element, and as an element. `token` names
/// where it was put, so a page showing it can be told apart.
fn payload(token: &str) -> String {
    format!(
        "{token}\" onmouseover=\"x('{token}')\" '><script>x('{token}')</script><img src=x onerror=x(1)>"
    )
}

/// A JSON request that must answer `status`; its body.
async fn expect(
    app: &TestApp,
    token: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
    status: u16,
) -> Value {
    let (got, v) = call(app, token, method, path, body).await;
    assert_eq!(got, status, "{path}: {v}");
    v
}

/// What a page holds only if a payload got through unescaped.
const LIVE: [&str; 3] = ["<script>x(", "<img src=x", "\" onmouseover=\"x("];

/// The page at `path` (as the session), which must answer `expected`,
/// show no payload alive, and show each of `tokens` (escaped).
async fn inert(app: &TestApp, session: Option<&str>, path: &str, expected: u16, tokens: &[&str]) {
    let (status, html) = match session {
        Some(s) => page(app, s, path).await,
        None => {
            let res = app.client.get(app.url(path)).send().await.unwrap();
            (res.status().as_u16(), res.text().await.unwrap())
        }
    };
    assert_eq!(status, expected, "{path}: {html}");
    for live in LIVE {
        assert!(!html.contains(live), "{path} shows {live:?} unescaped");
    }
    for token in tokens {
        assert!(html.contains(token), "{path} does not show {token}");
    }
}

/// Every text field a stakeholder fills, the file name and the file's
/// text, then what analysts and staff type (a tag's label and
/// instructions, a campaign's name, an organization group, a redaction)
/// and a false-attribution report: each on every page that shows it.
async fn script_in_every_field_is_inert_on_every_page(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = app.user("sam", "staff", "staff-password");
    let (session, _csrf) = sign_in_session(&app, "sam", "staff-password").await;

    // Three copies of a letter: a campaign.
    let mut tns = Vec::new();
    for n in 0..3 {
        let mut body = comment_body();
        body["submitter"]["first_name"] = payload("zqfirst").into();
        body["submitter"]["last_name"] = payload("zqlast").into();
        body["submitter"]["organization"] = payload("zqorg").into();
        body["submitter"]["state_province"] = payload("zqstate").into();
        body["answers"]["regions"] = payload("zqregions").into();
        body["answers"]["standards"] = payload("zqstandards").into();
        body["comment"] = format!("{} {LETTER}", payload("zqcomment")).into();
        // A file name keeps no path: no `/` here, so all of it is kept.
        let name = format!("zqfile{n}\" onmouseover=\"x(1)\" '><img src=x onerror=x(1)>.txt");
        let form = Form::new().text("comment", body.to_string()).part(
            "attachments",
            Part::bytes(format!("The file says {}", payload("zqfiletext")).into_bytes())
                .file_name(name),
        );
        let res = app
            .post_multipart(&format!("/api/v1/dockets/{DOCKET}/comments"), form)
            .await;
        assert_eq!(res.status(), 201);
        let v: Value = res.json().await.unwrap();
        tns.push(v["tracking_number"].as_str().unwrap().to_string());
    }
    let (posted, redacted) = (&tns[0], &tns[1]);
    for tn in &tns {
        app.first_file_settled(&staff, tn).await;
    }
    // Rules need the index open.
    app.index_caught_up(&staff).await;

    // Staff post one and redact another; a tag with hostile words.
    expect(
        &app,
        &staff,
        Method::PUT,
        &format!("/api/v1/comments/{posted}/posting"),
        Some(json!({"status": "posted"})),
        200,
    )
    .await;
    expect(
        &app,
        &staff,
        Method::PUT,
        &format!("/api/v1/comments/{redacted}/redaction"),
        Some(json!({"comment": payload("zqredacted")})),
        200,
    )
    .await;
    expect(&app, &staff, Method::POST, &format!("/api/v1/dockets/{DOCKET}/codebook"), Some(json!({"path": "hostile", "label": payload("zqlabel"), "instructions": payload("zqinstr")})), 201).await;
    expect(
        &app,
        &staff,
        Method::POST,
        &format!("/api/v1/comments/{posted}/tags"),
        Some(json!({"tag": "hostile", "excerpt": {"field": "comment", "start": 0, "end": 60}})),
        201,
    )
    .await;
    expect(
        &app,
        &staff,
        Method::POST,
        &format!("/api/v1/dockets/{DOCKET}/rules"),
        Some(json!({"tag": "hostile", "q": "zqcomment"})),
        201,
    )
    .await;
    app.campaigns_settled().await;
    let list = app
        .json_as(&staff, &format!("/api/v1/dockets/{DOCKET}/campaigns"), 200)
        .await;
    let campaign = list["campaigns"][0]["id"]
        .as_str()
        .expect("a campaign")
        .to_string();
    expect(
        &app,
        &staff,
        Method::PATCH,
        &format!("/api/v1/campaigns/{campaign}"),
        Some(json!({"name": payload("zqcampaign")})),
        204,
    )
    .await;
    expect(
        &app,
        &staff,
        Method::PUT,
        &format!("/api/v1/dockets/{DOCKET}/organizations/groups"),
        Some(json!({"spelling": payload("zqorg"), "group": payload("zqgroup")})),
        204,
    )
    .await;
    let report = app
        .client
        .post(app.url(&format!("/dockets/{DOCKET}/comments/{posted}/report")))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!(
            "name={}&email=grace%40example.org&statement={}",
            encode(&payload("zqreporter")),
            encode(&payload("zqstatement"))
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(report.status(), 201);
    app.index_caught_up(&staff).await;

    // The public form, refused, shows what was typed.
    let refused = app
        .client
        .post(app.url(&format!("/dockets/{DOCKET}")))
        .multipart(
            Form::new()
                .text("form_token", "hostile")
                .text("submitter_type", "individual")
                .text("first_name", payload("zqformfirst"))
                .text("answer_standards", payload("zqformanswer")),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 422);
    let html = refused.text().await.unwrap();
    for live in LIVE {
        assert!(!html.contains(live), "the refused form shows {live:?}");
    }
    assert!(html.contains("zqformfirst") && html.contains("zqformanswer"));

    // Public pages.
    let public: Vec<(String, Vec<&str>)> = vec![
        ("/".into(), vec![]),
        (format!("/dockets/{DOCKET}"), vec![]),
        (format!("/receipts/{posted}"), vec![]),
        (format!("/dockets/{DOCKET}/comments"), vec![]),
        (
            format!("/dockets/{DOCKET}/comments?q=zqcomment"),
            vec!["zqcomment"],
        ),
        (
            format!("/dockets/{DOCKET}/comments/{posted}"),
            vec!["zqcomment", "zqregions", "zqstandards", "zqfile0"],
        ),
        (
            format!("/dockets/{DOCKET}/comments/{redacted}"),
            vec!["zqredacted"],
        ),
        (
            format!("/dockets/{DOCKET}/comments/{posted}/report"),
            vec![],
        ),
    ];
    for (path, tokens) in &public {
        inert(&app, None, path, 200, tokens).await;
    }
    // Analyst and staff pages, as staff (who see the most).
    let analyst: Vec<(String, Vec<&str>)> = vec![
        (
            "/analyst/search?q=zqcomment".into(),
            vec!["zqcomment", "zqorg"],
        ),
        (
            "/analyst/search?q=zqfiletext".into(),
            vec!["zqfiletext", "zqfile"],
        ),
        (
            format!("/analyst/comments/{posted}"),
            vec![
                "zqfirst",
                "zqlast",
                "zqorg",
                "zqstate",
                "zqregions",
                "zqstandards",
                "zqcomment",
                "zqfile0",
                "zqfiletext",
                "zqlabel",
            ],
        ),
        (
            format!("/analyst/comments/{redacted}"),
            vec!["zqredacted", "zqcomment"],
        ),
        (
            format!("/analyst/dockets/{DOCKET}/campaigns"),
            vec!["zqcampaign", "zqcomment"],
        ),
        (
            format!("/analyst/campaigns/{campaign}"),
            vec!["zqcampaign", "zqcomment"],
        ),
        (
            format!("/analyst/dockets/{DOCKET}/summary"),
            vec!["zqorg", "zqlabel"],
        ),
        (
            format!("/analyst/dockets/{DOCKET}/organizations"),
            vec!["zqgroup", "zqorg"],
        ),
        (
            format!("/analyst/dockets/{DOCKET}/codebook"),
            vec!["zqlabel", "zqinstr"],
        ),
        (
            format!("/analyst/dockets/{DOCKET}/rules"),
            vec!["zqcomment"],
        ),
        (
            format!("/analyst/dockets/{DOCKET}/administration"),
            vec!["zqreporter", "zqstatement"],
        ),
    ];
    for (path, tokens) in &analyst {
        inert(&app, Some(&session), path, 200, tokens).await;
    }
    // A query made of markup does not parse: each search page says so
    // (400) and shows the query as typed.
    let public_query = format!(
        "/dockets/{DOCKET}/comments?q={}",
        encode(&payload("zqpublicq"))
    );
    inert(&app, None, &public_query, 400, &["zqpublicq"]).await;
    let analyst_query = format!("/analyst/search?q={}", encode(&payload("zqanalystq")));
    inert(&app, Some(&session), &analyst_query, 400, &["zqanalystq"]).await;
}

/// Every column of every export, with text a spreadsheet would run as a
/// formula: each such cell starts with `'`.
async fn formulas_are_inert_in_every_exported_column(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = app.user("sam", "staff", "staff-password");
    expect(
        &app,
        &staff,
        Method::POST,
        &format!("/api/v1/dockets/{DOCKET}/codebook"),
        Some(json!({"path": "formula", "label": "=zqlabel()"})),
        201,
    )
    .await;
    let mut tns = Vec::new();
    for _ in 0..3 {
        let mut body = comment_body();
        body["submitter"]["first_name"] = "=zqfirst()".into();
        body["submitter"]["last_name"] = "+zqlast()".into();
        body["submitter"]["organization"] = "-zqorg()".into();
        body["submitter"]["state_province"] = "@zqstate()".into();
        body["answers"]["regions"] = "=HYPERLINK(\"http://evil.example\",\"zqregions\")".into();
        body["answers"]["standards"] = "+zqstandards()".into();
        body["comment"] = format!("=zqcomment() {LETTER}").into();
        let form = Form::new().text("comment", body.to_string()).part(
            "attachments",
            Part::bytes(b"plain".to_vec()).file_name("=zqfile().txt"),
        );
        let res = app
            .post_multipart(&format!("/api/v1/dockets/{DOCKET}/comments"), form)
            .await;
        assert_eq!(res.status(), 201);
        let v: Value = res.json().await.unwrap();
        tns.push(v["tracking_number"].as_str().unwrap().to_string());
    }
    expect(
        &app,
        &staff,
        Method::POST,
        &format!("/api/v1/comments/{}/tags", tns[0]),
        Some(json!({"tag": "formula"})),
        201,
    )
    .await;
    // Campaigns follow the index, and wait for the files' text.
    for tn in &tns {
        app.first_file_settled(&staff, tn).await;
    }
    app.index_caught_up(&staff).await;
    app.campaigns_settled().await;
    let list = app
        .json_as(&staff, &format!("/api/v1/dockets/{DOCKET}/campaigns"), 200)
        .await;
    let campaign = list["campaigns"][0]["id"]
        .as_str()
        .expect("a campaign")
        .to_string();
    expect(
        &app,
        &staff,
        Method::PATCH,
        &format!("/api/v1/campaigns/{campaign}"),
        Some(json!({"name": "@zqcampaign()"})),
        204,
    )
    .await;
    app.index_caught_up(&staff).await;

    let mut seen = String::new();
    for name in ["comments", "search", "campaigns", "tags", "crosstab"] {
        let query = if name == "search" { "&q=zqcomment" } else { "" };
        let res = app
            .get_as(
                &staff,
                &format!("/api/v1/dockets/{DOCKET}/export/{name}.csv?include_contact=1{query}"),
            )
            .await;
        assert_eq!(res.status(), 200, "{name}");
        let text = res.text().await.unwrap();
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(false)
            .from_reader(text.as_bytes());
        let mut rows = 0;
        for record in reader.records() {
            let record = record.unwrap_or_else(|e| panic!("{name}: {e}"));
            rows += 1;
            for cell in record.iter() {
                assert!(
                    !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                    "{name}: a live formula {cell:?}"
                );
                seen.push_str(cell);
                seen.push('\n');
            }
        }
        assert!(rows > 1, "{name} has rows");
    }
    // Each payload reached an export, made inert.
    for shown in [
        "'=zqfirst()",
        "'+zqlast()",
        "'-zqorg()",
        "'@zqstate()",
        "'=HYPERLINK(\"http://evil.example\",\"zqregions\")",
        "'+zqstandards()",
        "'=zqcomment()",
        "'=zqfile().txt",
        "'=zqlabel()",
        "'@zqcampaign()",
    ] {
        assert!(seen.contains(shown), "{shown} not exported inert");
    }
}

/// A multipart submission by hand, its one file named by the raw bytes
/// of `filename`.
fn raw_submission(boundary: &str, filename: &[u8]) -> Vec<u8> {
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"comment\"\r\n\r\n{}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"attachments\"; filename=\"",
        comment_body()
    )
    .into_bytes();
    body.extend_from_slice(filename);
    body.extend_from_slice(
        format!("\"\r\nContent-Type: text/plain\r\n\r\nzqcontent\r\n--{boundary}--\r\n").as_bytes(),
    );
    body
}

/// Names that climb out of the store, name devices, hide their kind,
/// break headers or are not text: each is refused, or kept as a plain
/// name (no path, no control character) that downloads with a header
/// that cannot be split.
async fn hostile_file_names_are_refused_or_stored_inert(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = app.user("sam", "staff", "staff-password");
    let outside = tempfile::tempdir().unwrap();
    let escape = format!(
        "../../../../../../../..{}/zq-escaped.txt",
        outside.path().display()
    );
    let long = format!("{}.txt", "z".repeat(5_000));
    let names: Vec<Vec<u8>> = vec![
        escape.clone().into_bytes(),
        b"..\\..\\..\\..\\zq-windows.txt".to_vec(),
        b"/etc/passwd".to_vec(),
        b"C:\\Windows\\zq.txt".to_vec(),
        b"..".to_vec(),
        b".".to_vec(),
        b"zq\r\nX-Injected: yes.txt".to_vec(),
        b"zq\nsplit.txt".to_vec(),
        b"zq\0nul.txt".to_vec(),
        b"zq\x1b[31mred.txt".to_vec(),
        "zq\u{202e}txt.exe".as_bytes().to_vec(),
        b"zq\xff\xfe.txt".to_vec(),
        long.into_bytes(),
    ];
    let mut stored = 0;
    for name in &names {
        let before = app.comment_count();
        let boundary = "zqboundary";
        let res = app
            .post_raw(
                &format!("multipart/form-data; boundary={boundary}"),
                raw_submission(boundary, name),
            )
            .await;
        let status = res.status().as_u16();
        let shown = String::from_utf8_lossy(name).into_owned();
        if status != 201 {
            assert!((400..500).contains(&status), "{shown:?}: {status}");
            assert_eq!(app.comment_count(), before, "{shown:?} stored half-way");
            continue;
        }
        stored += 1;
        let tn = res.json::<Value>().await.unwrap()["tracking_number"]
            .as_str()
            .unwrap()
            .to_string();
        let c = app
            .json_as(&staff, &format!("/api/v1/comments/{tn}"), 200)
            .await;
        let kept = c["attachments"][0]["filename"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(
            !kept.contains(['/', '\\']) && !kept.chars().any(char::is_control),
            "{shown:?} kept as {kept:?}"
        );
        assert!(!kept.is_empty() && kept != "." && kept != "..", "{kept:?}");
        assert!(kept.chars().count() <= 255, "{shown:?} kept whole");
        let download = app
            .get_as(&staff, &format!("/api/v1/comments/{tn}/attachments/0"))
            .await;
        assert_eq!(download.status(), 200);
        let disposition = download
            .headers()
            .get("content-disposition")
            .expect("a content-disposition")
            .as_bytes()
            .to_vec();
        assert!(
            !disposition.iter().any(|b| b.is_ascii_control()),
            "{shown:?}: {disposition:?}"
        );
        assert!(disposition.starts_with(b"attachment"));
        assert!(download.headers().get("x-injected").is_none());
        assert_eq!(download.bytes().await.unwrap().as_ref(), b"zqcontent");
    }
    assert!(stored > 0, "the plain-enough names are kept");
    assert!(!outside.path().join("zq-escaped.txt").exists());
    assert_eq!(
        std::fs::read_dir(outside.path()).unwrap().count(),
        0,
        "nothing written outside the store"
    );
    assert_eq!(app.get_status("/healthz").await, 200);
}

/// Bytes that are not UTF-8 in a JSON body, a multipart comment part, the
/// HTML form, the report form, a query string, a path and a header: a
/// clear 4xx, or (where the web's form encoding itself says to) the
/// replacement character; never a 5xx, never half a comment.
async fn invalid_utf8_is_refused_or_made_inert_and_stores_nothing_half_way(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = app.user("sam", "staff", "staff-password");
    let (session, _) = sign_in_session(&app, "sam", "staff-password").await;
    let posted = app.submit(&comment_body()).await;
    expect(
        &app,
        &staff,
        Method::PUT,
        &format!("/api/v1/comments/{posted}/posting"),
        Some(json!({"status": "posted"})),
        200,
    )
    .await;
    let before = app.comment_count();

    // A JSON body with a string that is not UTF-8.
    let json_body = comment_body()
        .to_string()
        .replace("We support the program.", "We support \u{1}")
        .into_bytes()
        .into_iter()
        .map(|b| if b == 1 { 0xff } else { b })
        .collect::<Vec<u8>>();
    let res = app.post_raw("application/json", json_body).await;
    assert_eq!(res.status(), 400);

    // A multipart comment part that is not UTF-8.
    let mut multipart =
        b"--zqb\r\nContent-Disposition: form-data; name=\"comment\"\r\n\r\n".to_vec();
    multipart.extend_from_slice(&[0xc3, 0x28, 0xff, 0xfe]);
    multipart.extend_from_slice(b"\r\n--zqb--\r\n");
    let res = app
        .post_raw("multipart/form-data; boundary=zqb", multipart)
        .await;
    assert_eq!(res.status(), 400);

    // The HTML form with a name that is not UTF-8.
    let mut form = b"--zqb\r\nContent-Disposition: form-data; name=\"form_token\"\r\n\r\nzq\r\n\
        --zqb\r\nContent-Disposition: form-data; name=\"first_name\"\r\n\r\n"
        .to_vec();
    form.extend_from_slice(&[0xff, 0xfe, 0xfd]);
    form.extend_from_slice(b"\r\n--zqb--\r\n");
    let res = app
        .client
        .post(app.url(&format!("/dockets/{DOCKET}")))
        .header("content-type", "multipart/form-data; boundary=zqb")
        .body(form)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    assert!((400..500).contains(&status), "the form: {status}");
    assert!(!res.text().await.unwrap().contains('\u{fffd}') || status == 422);

    // Percent-encoded bytes that are not UTF-8, in forms and queries.
    let report = app
        .client
        .post(app.url(&format!("/dockets/{DOCKET}/comments/{posted}/report")))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("name=%FF%FE&email=grace%40example.org&statement=%C3%28")
        .send()
        .await
        .unwrap();
    let status = report.status().as_u16();
    assert!(matches!(status, 201 | 400 | 422), "the report: {status}");
    if status == 201 {
        // Kept inert: the replacement character, never the bytes.
        let reports = app
            .json_as(
                &staff,
                &format!("/api/v1/dockets/{DOCKET}/attribution-reports"),
                200,
            )
            .await;
        let name = reports["reports"][0]["reporter_name"].as_str().unwrap();
        assert!(name.contains('\u{fffd}'), "{name:?}");
    }
    for path in [
        "/api/v1/search?q=%FF%FE".to_string(),
        format!("/api/v1/dockets/{DOCKET}/export/search.csv?q=%C3%28"),
    ] {
        let res = app.get_as(&staff, &path).await;
        let status = res.status().as_u16();
        assert!(status == 400 || status == 200, "{path}: {status}");
    }
    for path in [
        format!("/dockets/{DOCKET}/comments?q=%FF"),
        "/analyst/search?q=%FF%FE".to_string(),
        "/receipts/%FF%FE".to_string(),
        format!("/dockets/{DOCKET}/comments/%FF"),
        "/analyst/comments/%C3%28".to_string(),
    ] {
        let (status, html) = page(&app, &session, &path).await;
        assert!(status < 500, "{path}: {status}");
        assert!(!html.contains('\u{0}'), "{path}");
    }
    // A header that is not UTF-8.
    let res = app
        .client
        .post(app.url(&format!("/api/v1/dockets/{DOCKET}/comments")))
        .header(
            "idempotency-key",
            reqwest::header::HeaderValue::from_bytes(&[0x7a, 0xff, 0xfe]).unwrap(),
        )
        .json(&comment_body())
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    assert!(
        matches!(status, 400 | 422),
        "a key that is not text: {status}"
    );

    assert_eq!(app.comment_count(), before, "nothing stored half-way");
    assert_eq!(app.get_status("/healthz").await, 200);
}

/// A submission nested 100,000 deep, as JSON and as a form's `comment`
/// part, in a field where a string belongs and at the top: a clear 4xx,
/// nothing stored, and (the same request 40 times at once) the server up.
async fn deeply_nested_submissions_are_refused(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let deep = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
    let mut in_field = comment_body().to_string();
    in_field = in_field.replace("\"We support the program.\"", &deep(100_000));
    let bodies = [
        deep(100_000),
        in_field.clone(),
        format!("{{\"answers\": {{\"regions\": {}}}}}", deep(100_000)),
    ];
    for body in &bodies {
        let res = app.post_raw("application/json", body.clone()).await;
        let status = res.status().as_u16();
        assert!(matches!(status, 400 | 422), "{status}");
        let form = Form::new().text("comment", body.clone());
        let res = app
            .post_multipart(&format!("/api/v1/dockets/{DOCKET}/comments"), form)
            .await;
        let status = res.status().as_u16();
        assert!(matches!(status, 400 | 422), "multipart: {status}");
    }
    let at_once = (0..40).map(|_| app.post_raw("application/json", in_field.clone()));
    for res in futures_util::future::join_all(at_once).await {
        assert!(matches!(res.status().as_u16(), 400 | 422));
    }
    assert_eq!(app.comment_count(), 0);
    assert_eq!(app.get_status("/healthz").await, 200);
}

/// A PDF whose page tree loops through `/Parent`, and one whose drawing
/// draws itself: each read at once as `extraction_failed` with why (not
/// a timeout, not a crash retried), while the next file is read.
async fn pdfs_whose_structure_loops_fail_at_once_with_a_reason(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = app.user("sam", "staff", "staff-password");
    let page = "/Type /Page /MediaBox [0 0 612 792] /Parent 2 0 R";
    let text = "BT /F1 12 Tf 72 712 Td (drawn hello) Tj ET";
    let stream = |dict: &str, content: &str| {
        format!(
            "<< {dict} /Length {} >>\nstream\n{content}\nendstream",
            content.len()
        )
    };
    let parent_loop = pdf(&[
        "<< /Type /Catalog /Pages 2 0 R >>".into(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 /Parent 5 0 R >>".into(),
        "<< /Type /Page /Parent 2 0 R /Contents 4 0 R >>".into(),
        stream("", text),
        "<< /Type /Pages /Kids [2 0 R] /Parent 2 0 R /Count 1 >>".into(),
    ]);
    let self_drawing = pdf(&[
        "<< /Type /Catalog /Pages 2 0 R >>".into(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".into(),
        format!("<< {page} /Contents 4 0 R /Resources << /XObject << /Fm1 5 0 R >> >> >>"),
        stream("", "/Fm1 Do"),
        stream(
            "/Type /XObject /Subtype /Form /BBox [0 0 10 10] /Resources << /XObject << /Fm1 5 0 R >> >>",
            "/Fm1 Do",
        ),
    ]);
    let looping = app.submit_with_file("loop.pdf", parent_loop).await;
    let drawing = app.submit_with_file("drawing.pdf", self_drawing).await;
    let fine = app
        .submit_with_file("fine.txt", b"an ordinary quokka".to_vec())
        .await;
    for (tn, why) in [
        (&looping, "the page tree loops"),
        (&drawing, "a drawing in the file draws itself"),
    ] {
        let c = app.first_file_settled(&staff, tn).await;
        let file = &c["attachments"][0];
        assert_eq!(file["text_status"], "extraction_failed", "{file}");
        assert!(
            file["text_detail"].as_str().unwrap().contains(why),
            "{file}"
        );
    }
    let c = app.first_file_settled(&staff, &fine).await;
    assert_eq!(c["attachments"][0]["text_status"], "extracted");
    // Failed for good at the first run: nothing waits for a retry.
    let jobs = app.json_as(&staff, "/api/v1/admin/jobs", 200).await;
    for job in jobs["troubled"].as_array().unwrap() {
        assert_eq!(job["status"], "failed", "{job}");
        assert_eq!(job["attempts"], 1, "{job}");
    }
}

/// A PDF of these objects (numbered from 1, the first the catalog).
fn pdf(objects: &[String]) -> Vec<u8> {
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend(format!("{} 0 obj\n{o}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    out.extend(format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes());
    for o in offsets {
        out.extend(format!("{o:010} 00000 n \n").as_bytes());
    }
    out.extend(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}
