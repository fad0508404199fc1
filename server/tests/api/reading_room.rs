//! The public reading room: posted comments only, their public (redacted)
//! text and files, searchable; nothing unposted, withheld, confidential or
//! redacted away is reachable through any public page, API or search.
//! Reports of false attribution become staff review items.

use crate::coding::{call, found};
use crate::helpers::*;
use crate::on_both_backends;
use reqwest::multipart::{Form, Part};
use reqwest::Method;
use serde_json::{json, Value};
use std::time::Duration;

on_both_backends!(
    nothing_unposted_or_redacted_away_is_reachable_publicly,
    redacted_files_are_checked_and_bad_uploads_change_nothing,
    reading_the_public_comments_is_rate_limited_per_client,
    anyone_can_report_a_false_attribution_and_staff_review_it,
);

/// Words planted where the public must never see them.
const SECRETS: [&str; 7] = [
    "zqpending",    // a comment not yet reviewed (text and file)
    "zqwithheld",   // a withheld comment
    "zqmargin",     // redacted away from a business-confidential comment
    "zqanswer",     // redacted away from an answer
    "zqoriginal",   // an attachment replaced by a redacted file
    "zqunreleased", // an attachment of a redacted comment with no redacted file
    "zqcontact",    // contact details of a posted comment
];

fn txt(text: &str, name: &str) -> Part {
    Part::bytes(text.as_bytes().to_vec()).file_name(name.to_string())
}

/// Submits `body` with `files`; the tracking number.
async fn submit_files(app: &TestApp, body: Value, files: Vec<Part>) -> String {
    let mut form = Form::new().text("comment", body.to_string());
    for f in files {
        form = form.part("attachments", f);
    }
    let res = app
        .post_multipart(&format!("/api/v1/dockets/{DOCKET}/comments"), form)
        .await;
    assert_eq!(res.status(), 201);
    res.json::<Value>().await.unwrap()["tracking_number"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn decide(app: &TestApp, staff: &str, tn: &str, body: Value) {
    let (status, body) = call(
        app,
        staff,
        Method::PUT,
        &format!("/api/v1/comments/{tn}/posting"),
        Some(body),
    )
    .await;
    assert_eq!(status, 200, "{body}");
}

async fn put_redacted_file(
    app: &TestApp,
    staff: &str,
    tn: &str,
    position: i32,
    form: Form,
) -> (u16, Value) {
    let res = app
        .client
        .put(app.url(&format!(
            "/api/v1/comments/{tn}/attachments/{position}/redaction"
        )))
        .bearer_auth(staff)
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

/// (status, body, Cache-Control) of a public GET.
async fn public_get(app: &TestApp, path: &str) -> (u16, String, String) {
    let res = app.client.get(app.url(path)).send().await.unwrap();
    let status = res.status().as_u16();
    let cache = res
        .headers()
        .get("cache-control")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    (status, res.text().await.unwrap(), cache)
}

fn assert_no_secret(what: &str, body: &str) {
    let lower = body.to_lowercase();
    for s in SECRETS {
        assert!(!lower.contains(s), "{what} shows {s}: {body}");
    }
}

/// Four comments: one waiting for review, one withheld, one posted (with
/// a file), one business-confidential posted redacted (one file replaced,
/// one not). Returns their tracking numbers once the public index holds
/// both public ones with their files' text.
async fn planted(app: &TestApp, staff: &str) -> [String; 4] {
    let mut pending = comment_body();
    pending["comment"] = "Widgets zqpending not yet reviewed.".into();
    let pending = submit_files(
        app,
        pending,
        vec![txt("zqpending widgets in a file", "p.txt")],
    )
    .await;

    let mut withheld = comment_body();
    withheld["comment"] = "Widgets zqwithheld abuse.".into();
    let withheld = app.submit(&withheld).await;
    decide(
        app,
        staff,
        &withheld,
        json!({"status": "withheld", "reason": "threat_or_abuse"}),
    )
    .await;

    let mut posted = comment_body();
    posted["comment"] = "Widgets matter for exports.".into();
    posted["submitter"]["email"] = "zqcontact@example.com".into();
    posted["submitter"]["state_province"] = "zqcontact".into();
    let posted = submit_files(
        app,
        posted,
        vec![txt("widgets and gizmos in the posted file", "posted.txt")],
    )
    .await;
    decide(app, staff, &posted, json!({"status": "posted"})).await;

    let mut confidential = comment_body();
    confidential["business_confidential"] = true.into();
    confidential["comment"] = "Widgets: our margin is zqmargin percent.".into();
    confidential["answers"]["regions"] = "zqanswer in Malaysia".into();
    let confidential = submit_files(
        app,
        confidential,
        vec![
            txt("zqoriginal figures for widgets", "figures.txt"),
            txt("zqunreleased plans for widgets", "plans.txt"),
        ],
    )
    .await;
    let (status, body) = call(
        app,
        staff,
        Method::PUT,
        &format!("/api/v1/comments/{confidential}/redaction"),
        Some(
            json!({"comment": "Widgets: our margin is [redacted] percent.",
                    "answers": {"regions": "[redacted] in Malaysia"}}),
        ),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = put_redacted_file(
        app,
        staff,
        &confidential,
        0,
        Form::new()
            .part(
                "attachments",
                txt(
                    "blanked figures for widgets, quokka",
                    "figures-redacted.txt",
                ),
            )
            .text("note", "figures blanked"),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["posting"]["status"], "redacted");
    assert_eq!(body["redaction"]["files"][0]["position"], 0);
    assert_eq!(
        body["redaction"]["files"][0]["filename"],
        "figures-redacted.txt"
    );

    // Public once indexed, files' text included.
    eventually(Duration::from_secs(60), "the public index", || async {
        let all = app
            .get_json(&format!("/api/v1/dockets/{DOCKET}/posted?q=widgets"))
            .await;
        let quokka = app
            .get_json(&format!("/api/v1/dockets/{DOCKET}/posted?q=quokka"))
            .await;
        let gizmos = app
            .get_json(&format!("/api/v1/dockets/{DOCKET}/posted?q=gizmos"))
            .await;
        (all["total"] == 2 && quokka["total"] == 1 && gizmos["total"] == 1).then_some(())
    })
    .await;
    // And staff's index has every file's text (so a public miss is not a
    // file still being read).
    eventually(Duration::from_secs(60), "the staff index", || async {
        let n = found(
            app,
            staff,
            &[("q", "zqunreleased OR zqoriginal OR zqpending")],
        )
        .await;
        (n.len() == 2).then_some(())
    })
    .await;
    [pending, withheld, posted, confidential]
}

async fn nothing_unposted_or_redacted_away_is_reachable_publicly(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = app.user("sam", "staff", "staff-password-long");
    let [pending, withheld, posted, confidential] = planted(&app, &staff).await;

    // Every secret, searched every public way: nothing found, nowhere shown.
    for s in SECRETS {
        let (status, body, _) =
            public_get(&app, &format!("/api/v1/dockets/{DOCKET}/posted?q={s}")).await;
        assert_eq!(status, 200);
        let v: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["total"], 0, "{s} found publicly: {body}");
        assert_no_secret("the public search API", &body);
        let (status, page, _) =
            public_get(&app, &format!("/dockets/{DOCKET}/comments?q={s}")).await;
        assert_eq!(status, 200);
        assert!(page.contains("No posted comments match"), "{s}: {page}");
        // The query is echoed in the search box, escaped; nothing else.
        assert_eq!(page.to_lowercase().matches(s).count(), 1, "{s}: {page}");
    }

    // The whole list, the JSON and the pages: the two public comments,
    // their public text, public facets only.
    let (status, body, cache) = public_get(&app, &format!("/api/v1/dockets/{DOCKET}/posted")).await;
    assert_eq!(status, 200);
    assert_eq!(cache, "public, max-age=60");
    assert_no_secret("the public list", &body);
    let list: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(list["total"], 2);
    let mut listed: Vec<String> = list["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["tracking_number"].as_str().unwrap().to_string())
        .collect();
    listed.sort();
    let mut expected = vec![posted.clone(), confidential.clone()];
    expected.sort();
    assert_eq!(listed, expected);
    let facets: Vec<&String> = list["facets"].as_object().unwrap().keys().collect();
    assert!(
        facets
            .iter()
            .all(|f| ["category", "org_type", "country", "question"].contains(&f.as_str())),
        "{facets:?}"
    );
    assert!(!body.contains("region/"), "no tags publicly: {body}");
    let (status, page, _) = public_get(&app, &format!("/dockets/{DOCKET}/comments")).await;
    assert_eq!(status, 200);
    assert_no_secret("the reading room", &page);
    assert!(page.contains(&posted) && page.contains(&confidential));
    assert!(!page.contains(&pending) && !page.contains(&withheld));

    // The redacted text is what the public reads, and finds.
    let redacted = app
        .get_json(&format!("/api/v1/dockets/{DOCKET}/posted/{confidential}"))
        .await;
    assert_eq!(redacted["redacted"], true);
    assert_eq!(
        redacted["comment"],
        "Widgets: our margin is [redacted] percent."
    );
    let regions = redacted["answers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["question"] == "regions")
        .unwrap();
    assert_eq!(regions["text"], "[redacted] in Malaysia");
    assert_eq!(redacted["attachments"].as_array().unwrap().len(), 1);
    assert_eq!(
        redacted["attachments"][0]["filename"],
        "figures-redacted.txt"
    );
    assert!(redacted["submitter"].get("email").is_none());
    let hits = app
        .get_json(&format!("/api/v1/dockets/{DOCKET}/posted?q=quokka"))
        .await;
    assert_eq!(hits["hits"][0]["tracking_number"], confidential.as_str());
    assert!(
        hits["hits"][0]["snippets"]
            .to_string()
            .contains("<mark>quokka</mark>"),
        "{hits}"
    );

    // Each comment's page, JSON and files: public ones only, public files only.
    for tn in [&pending, &withheld] {
        for path in [
            format!("/api/v1/dockets/{DOCKET}/posted/{tn}"),
            format!("/dockets/{DOCKET}/comments/{tn}"),
            format!("/dockets/{DOCKET}/comments/{tn}/attachments/0"),
            format!("/dockets/{DOCKET}/comments/{tn}/report"),
        ] {
            let (status, body, cache) = public_get(&app, &path).await;
            assert_eq!(status, 404, "{path}");
            assert_no_secret(&path, &body);
            assert_ne!(
                cache, "public, max-age=60",
                "{path}: a refusal is not cached"
            );
        }
    }
    for tn in [&posted, &confidential] {
        for path in [
            format!("/api/v1/dockets/{DOCKET}/posted/{tn}"),
            format!("/dockets/{DOCKET}/comments/{tn}"),
        ] {
            let (status, body, _) = public_get(&app, &path).await;
            assert_eq!(status, 200, "{path}");
            assert_no_secret(&path, &body);
        }
        // Another docket's address for the same comment is not it.
        assert_eq!(
            app.get_status(&format!("/api/v1/dockets/other-docket/posted/{tn}"))
                .await,
            404
        );
    }
    let (status, file, _) = public_get(
        &app,
        &format!("/dockets/{DOCKET}/comments/{confidential}/attachments/0"),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(file, "blanked figures for widgets, quokka");
    for path in [
        format!("/dockets/{DOCKET}/comments/{confidential}/attachments/1"),
        format!("/dockets/{DOCKET}/comments/{posted}/attachments/1"),
    ] {
        assert_eq!(app.get_status(&path).await, 404, "{path}");
    }
    let (status, file, _) = public_get(
        &app,
        &format!("/dockets/{DOCKET}/comments/{posted}/attachments/0"),
    )
    .await;
    assert_eq!(
        (status, file.as_str()),
        (200, "widgets and gizmos in the posted file")
    );

    // Every other public route.
    let mut others = vec![
        "/".to_string(),
        format!("/dockets/{DOCKET}"),
        "/api/v1/dockets".to_string(),
        format!("/api/v1/dockets/{DOCKET}"),
        "/api/v1/openapi.json".to_string(),
    ];
    for tn in [&pending, &withheld, &posted, &confidential] {
        others.push(format!("/receipts/{tn}"));
    }
    for path in others {
        let (status, body, _) = public_get(&app, &path).await;
        assert!(status < 500, "{path}");
        assert_no_secret(&path, &body);
    }

    // Staff still read and find the original.
    let original = app
        .json_as(&staff, &format!("/api/v1/comments/{confidential}"), 200)
        .await;
    assert_eq!(
        original["comment"],
        "Widgets: our margin is zqmargin percent."
    );
    assert_eq!(original["attachments"].as_array().unwrap().len(), 2);
    assert_eq!(
        original["redaction"]["files"][0]["filename"],
        "figures-redacted.txt"
    );
    assert_eq!(
        found(&app, &staff, &[("q", "zqmargin")]).await,
        [confidential.clone()]
    );

    // Withholding a posted comment takes it out at once (pages read the
    // database) and out of the public search once indexed.
    decide(
        &app,
        &staff,
        &posted,
        json!({"status": "withheld", "reason": "personal_information"}),
    )
    .await;
    assert_eq!(
        app.get_status(&format!("/dockets/{DOCKET}/comments/{posted}"))
            .await,
        404
    );
    let gizmos = app
        .get_json(&format!("/api/v1/dockets/{DOCKET}/posted?q=gizmos"))
        .await;
    assert_eq!(gizmos["hits"].as_array().unwrap().len(), 0, "{gizmos}");
    eventually(
        Duration::from_secs(30),
        "the withheld comment to leave",
        || async {
            let v = app
                .get_json(&format!("/api/v1/dockets/{DOCKET}/posted?q=gizmos"))
                .await;
            (v["total"] == 0).then_some(())
        },
    )
    .await;

    // Bad public searches are refused by name.
    for query in [
        "tag=region",
        "posting=withheld",
        "q=%22unclosed",
        "per_page=x",
    ] {
        let (status, body, _) =
            public_get(&app, &format!("/api/v1/dockets/{DOCKET}/posted?{query}")).await;
        assert_eq!(status, 400, "{query}: {body}");
    }
    let (status, page, _) = public_get(&app, &format!("/dockets/{DOCKET}/comments?tag=x")).await;
    assert_eq!(status, 400);
    assert!(page.contains("is not a parameter"), "{page}");
    assert_eq!(
        app.get_status("/api/v1/dockets/no-such-docket/posted")
            .await,
        404
    );
}

async fn redacted_files_are_checked_and_bad_uploads_change_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = app.user("sam", "staff", "staff-password-long");
    let analyst = app.user("ana", "analyst", "analyst-password");
    let tn = submit_files(&app, comment_body(), vec![txt("plain words", "a.txt")]).await;
    let one = || Form::new().part("attachments", txt("redacted words", "a-redacted.txt"));
    let stored = |app: &TestApp| {
        use diesel::prelude::*;
        use rfidesk::db::schema::{comments, redacted_files};
        let mut conn = app.db();
        let files: i64 = redacted_files::table.count().get_result(&mut conn).unwrap();
        let status: String = comments::table
            .filter(comments::tracking_number.eq(&tn))
            .select(comments::posting_status)
            .first(&mut conn)
            .unwrap();
        (files, status)
    };
    let before = stored(&app);
    assert_eq!(before, (0, "pending_review".to_string()));

    // Who: staff only.
    let (status, _) = put_redacted_file(&app, &analyst, &tn, 0, one()).await;
    assert_eq!(status, 403);
    let res = app
        .client
        .put(app.url(&format!("/api/v1/comments/{tn}/attachments/0/redaction")))
        .multipart(one())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    // What: one file of an allowed type, for an attachment that exists.
    let refusals: Vec<(Form, i32, u16, &str)> = vec![
        (one(), 5, 404, "no such attachment"),
        (Form::new().text("note", "no file"), 0, 422, "no file"),
        (
            one().part("attachments", txt("second", "b.txt")),
            0,
            422,
            "two files",
        ),
        (one().text("other", "x"), 0, 422, "an unknown part"),
        (
            Form::new().part(
                "attachments",
                Part::bytes(vec![0x7f, b'E', b'L', b'F', 0, 0, 0, 0]).file_name("x.pdf"),
            ),
            0,
            415,
            "a type not allowed",
        ),
    ];
    for (form, position, expected, what) in refusals {
        let (status, body) = put_redacted_file(&app, &staff, &tn, position, form).await;
        assert_eq!(status, expected, "{what}: {body}");
    }
    let (status, _) = put_redacted_file(&app, &staff, "NOPE-0000-0000", 0, one()).await;
    assert_eq!(status, 404);
    let res = app
        .client
        .put(app.url(&format!("/api/v1/comments/{tn}/attachments/0/redaction")))
        .bearer_auth(&staff)
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 415);
    assert_eq!(stored(&app), before, "nothing stored by a refusal");
    assert_eq!(app.blob_files(), 1, "no refused file kept");

    // The first file alone redacts the comment (its text public as sent);
    // the same 40 times at once is one file.
    let mut sends = Vec::new();
    for _ in 0..40 {
        sends.push(put_redacted_file(&app, &staff, &tn, 0, one()));
    }
    for (status, body) in futures_util::future::join_all(sends).await {
        assert_eq!(status, 200, "{body}");
    }
    assert_eq!(stored(&app), (1, "redacted".to_string()));
    assert_eq!(app.blob_files(), 2);
    // Removing the redaction removes its files: back to review.
    let (status, _) = call(
        &app,
        &staff,
        Method::DELETE,
        &format!("/api/v1/comments/{tn}/redaction"),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(stored(&app), (0, "pending_review".to_string()));
}

async fn reading_the_public_comments_is_rate_limited_per_client(backend: Backend) {
    let app = TestApp::builder(backend).read_rate_limit(4).start().await;
    for path in [
        format!("/api/v1/dockets/{DOCKET}/posted"),
        format!("/dockets/{DOCKET}/comments"),
        format!("/api/v1/dockets/{DOCKET}/posted?q=widgets"),
        format!("/dockets/{DOCKET}/comments?q=widgets"),
    ] {
        // The index may still be building on a first start: 503, not 429.
        eventually(Duration::from_secs(30), "an answer", || async {
            let s = app.get_status(&path).await;
            (s != 503).then_some(())
        })
        .await;
    }
    let res = app
        .client
        .get(app.url(&format!("/api/v1/dockets/{DOCKET}/posted")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 429);
    let wait: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&wait));
    let page = app
        .client
        .get(app.url(&format!("/dockets/{DOCKET}/comments")))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 429);
    assert!(page.text().await.unwrap().contains("Too many requests"));
    // The other public pages and JSON share the allowance.
    for path in [
        "/".to_string(),
        format!("/dockets/{DOCKET}"),
        "/api/v1/dockets".to_string(),
        format!("/api/v1/dockets/{DOCKET}"),
        "/receipts/abc-defg-hijk".to_string(),
    ] {
        assert_eq!(app.get_status(&path).await, 429, "{path}");
    }
    // Submitting is limited on its own.
    let res = app.post_json(&comment_body()).await;
    assert_eq!(res.status(), 201);
}

async fn anyone_can_report_a_false_attribution_and_staff_review_it(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = app.user("sam", "staff", "staff-password-long");
    let analyst = app.user("ana", "analyst", "analyst-password");
    let posted = app.submit(&comment_body()).await;
    let unposted = app.submit(&comment_body()).await;
    decide(&app, &staff, &posted, json!({"status": "posted"})).await;
    let reports = |app: &TestApp| {
        use diesel::prelude::*;
        use rfidesk::db::schema::{attribution_reports, audit_log};
        let mut conn = app.db();
        let n: i64 = attribution_reports::table
            .count()
            .get_result(&mut conn)
            .unwrap();
        let audited: i64 = audit_log::table
            .filter(audit_log::action.like("attribution.%"))
            .count()
            .get_result(&mut conn)
            .unwrap();
        (n, audited)
    };
    let form_path = format!("/dockets/{DOCKET}/comments/{posted}/report");
    let (status, page, _) = public_get(&app, &form_path).await;
    assert_eq!(status, 200);
    assert!(page.contains("submitted in your name"));
    let post = |path: String, fields: Vec<(&'static str, String)>| {
        let app = &app;
        async move {
            let res = app
                .client
                .post(app.url(&path))
                .form(&fields)
                .send()
                .await
                .unwrap();
            (res.status().as_u16(), res.text().await.unwrap())
        }
    };
    let good = || {
        vec![
            ("name", "Grace Hopper".to_string()),
            ("email", "grace@example.org".to_string()),
            ("statement", "I never wrote this comment.".to_string()),
        ]
    };

    // Bad reports: the form again with why, nothing stored.
    for (field, value, what) in [
        ("name", "".to_string(), "no name"),
        ("email", "not-an-address".to_string(), "a bad address"),
        ("statement", "x".repeat(5_001), "too long a statement"),
    ] {
        let mut fields = good();
        fields.retain(|(k, _)| *k != field);
        fields.push((field, value));
        let (status, page) = post(form_path.clone(), fields).await;
        assert_eq!(status, 422, "{what}");
        assert!(page.contains("Your report was not sent"), "{what}");
        assert!(
            page.contains("Grace Hopper") || field == "name",
            "kept what was typed"
        );
    }
    let (status, _) = post(
        format!("/dockets/{DOCKET}/comments/{unposted}/report"),
        good(),
    )
    .await;
    assert_eq!(status, 404, "an unposted comment cannot be reported");
    let res = app
        .client
        .post(app.url(&form_path))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(vec![b'a'; 40 * 1024])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 413);
    assert_eq!(reports(&app), (0, 0));

    // A report, sent twice (and 40 times at once): one review item.
    let (status, page) = post(form_path.clone(), good()).await;
    assert_eq!(status, 201, "{page}");
    let mut sends = Vec::new();
    for _ in 0..40 {
        sends.push(post(form_path.clone(), good()));
    }
    for (status, _) in futures_util::future::join_all(sends).await {
        assert_eq!(status, 201);
    }
    assert_eq!(reports(&app), (1, 1));

    // Staff see it with the reporter's address; analysts and the public do not.
    let list_path = format!("/api/v1/dockets/{DOCKET}/attribution-reports?status=open");
    let list = app.json_as(&staff, &list_path, 200).await;
    let report = &list["reports"][0];
    assert_eq!(report["tracking_number"], posted.as_str());
    assert_eq!(report["reporter_email"], "grace@example.org");
    assert_eq!(report["status"], "open");
    app.json_as(&analyst, &list_path, 403).await;
    assert_eq!(app.get_status(&list_path).await, 401);
    let log = app
        .json_as(
            &staff,
            &format!("/api/v1/dockets/{DOCKET}/audit?subject={posted}"),
            200,
        )
        .await;
    assert!(!log.to_string().contains("grace@example.org"), "{log}");
    app.json_as(
        &staff,
        &format!("/api/v1/dockets/{DOCKET}/attribution-reports?status=nope"),
        422,
    )
    .await;

    // Confirmed once; the same again changes nothing; the other way is a 409.
    let id = report["id"].as_str().unwrap().to_string();
    let resolve = |body: Value| {
        let (app, staff, id) = (&app, &staff, &id);
        async move {
            call(
                app,
                staff,
                Method::PUT,
                &format!("/api/v1/attribution-reports/{id}"),
                Some(body),
            )
            .await
        }
    };
    let (status, body) = resolve(json!({"status": "open"})).await;
    assert_eq!(status, 422, "{body}");
    let (status, body) = resolve(json!({"status": "confirmed", "note": "called them"})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "confirmed");
    assert_eq!(body["resolved_by"], "sam");
    let (status, _) = resolve(json!({"status": "confirmed"})).await;
    assert_eq!(status, 200);
    let (status, _) = resolve(json!({"status": "dismissed"})).await;
    assert_eq!(status, 409);
    assert_eq!(reports(&app), (1, 2));
    let (status, _) = call(
        &app,
        &analyst,
        Method::PUT,
        &format!("/api/v1/attribution-reports/{id}"),
        Some(json!({"status": "dismissed"})),
    )
    .await;
    assert_eq!(status, 403);
}
