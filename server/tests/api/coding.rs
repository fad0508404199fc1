//! Coding over real HTTP: the codebook (loaded from the fixture file,
//! listed with counts, changed by staff with its history kept), tags by
//! hand on whole comments and excerpts, each a search facet and filter
//! within seconds, the audit log, and every bad input refused with nothing
//! changed.

use crate::helpers::*;
use crate::on_both_backends;
use diesel::prelude::*;
use reqwest::Method;
use serde_json::{json, Value};
use std::time::Duration;

on_both_backends!(
    the_fixture_codebook_is_listed_with_counts,
    tags_by_hand_are_searchable_and_audited,
    excerpts_quote_the_passage_they_mark,
    staff_rename_and_retire_tags_and_history_is_kept,
    bad_tagging_is_refused_and_changes_nothing,
    concurrent_tagging_loses_nothing_and_stores_each_tag_once,
    agreement_between_two_coders_is_cohens_kappa,
    a_bulk_tag_applies_to_every_match_and_its_undo_leaves_the_earlier_tags,
);

/// A JSON request with a bearer token: (status, body).
pub(crate) async fn call(
    app: &TestApp,
    token: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut req = app.client.request(method, app.url(path)).bearer_auth(token);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    let text = res.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

pub(crate) async fn submit(app: &TestApp, comment: &str) -> String {
    let mut body = comment_body();
    body["comment"] = comment.into();
    let res = app.post_json(&body).await;
    assert_eq!(res.status(), 201);
    let v: Value = res.json().await.unwrap();
    v["tracking_number"].as_str().unwrap().to_string()
}

pub(crate) async fn tag(app: &TestApp, token: &str, tn: &str, body: Value) -> (u16, Value) {
    call(
        app,
        token,
        Method::POST,
        &format!("/api/v1/comments/{tn}/tags"),
        Some(body),
    )
    .await
}

pub(crate) fn codebook_entry<'a>(codebook: &'a Value, path: &str) -> &'a Value {
    codebook["tags"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["path"] == path)
        .unwrap_or_else(|| panic!("{path} in the codebook"))
}

/// Tracking numbers a search returns.
pub(crate) async fn found(app: &TestApp, token: &str, pairs: &[(&str, &str)]) -> Vec<String> {
    let r = app.search(token, pairs).await;
    r["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["tracking_number"].as_str().unwrap().to_string())
        .collect()
}

/// (tags on comments, audit entries about them).
fn rows(app: &TestApp) -> (i64, i64) {
    use rfidesk::db::schema::{audit_log, comment_tags};
    let mut conn = app.db();
    (
        comment_tags::table.count().get_result(&mut conn).unwrap(),
        audit_log::table
            .filter(audit_log::action.like("tag.%"))
            .count()
            .get_result(&mut conn)
            .unwrap(),
    )
}

async fn the_fixture_codebook_is_listed_with_counts(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let ana = app.user("ana", "analyst", "analyst-password");
    let book = app
        .json_as(&ana, &format!("/api/v1/dockets/{DOCKET}/codebook"), 200)
        .await;
    let malaysia = codebook_entry(&book, "region/asean/malaysia");
    assert_eq!(malaysia["label"], "Malaysia");
    assert_eq!(malaysia["parent"], "region/asean");
    assert_eq!(malaysia["comments"], 0);
    assert_eq!(codebook_entry(&book, "region")["parent"], Value::Null);
    assert!(codebook_entry(&book, "mechanism/advocacy")["instructions"]
        .as_str()
        .unwrap()
        .contains("Economic Diplomacy"));

    let first = submit(&app, "first").await;
    let second = submit(&app, "second").await;
    for (tn, t) in [
        (&first, "region/asean/malaysia"),
        (&first, "region/asean/thailand"),
        (&second, "region/asean/thailand"),
    ] {
        assert_eq!(tag(&app, &ana, tn, json!({"tag": t})).await.0, 201);
    }
    let book = app
        .json_as(&ana, &format!("/api/v1/dockets/{DOCKET}/codebook"), 200)
        .await;
    assert_eq!(
        codebook_entry(&book, "region/asean/malaysia")["comments"],
        1
    );
    assert_eq!(
        codebook_entry(&book, "region/asean/thailand")["comments"],
        2
    );
    // A comment with two tags below `region/asean` counts once there.
    let asean = codebook_entry(&book, "region/asean");
    assert_eq!(asean["comments"], 2);
    assert_eq!(asean["comments_direct"], 0);
    assert_eq!(codebook_entry(&book, "region")["comments"], 2);
    assert_eq!(codebook_entry(&book, "stance")["comments"], 0);

    // Loading the file again changes nothing; from the command line too.
    let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures/codebooks/ai-exports-rfi.toml");
    let out = app.cli(&["codebook", "load", file.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("0 added, 0 updated"), "{said}");
    // A broken file is refused with its reason, and nothing is loaded.
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        "docket = \"ai-exports-rfi\"\n[[tag]]\npath = \"new/orphan\"\nlabel = \"Orphan\"\n",
    )
    .unwrap();
    let out = app.cli(&["codebook", "load", bad.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("parent"));
    let book = app
        .json_as(&ana, &format!("/api/v1/dockets/{DOCKET}/codebook"), 200)
        .await;
    assert!(book["tags"]
        .as_array()
        .unwrap()
        .iter()
        .all(|t| t["path"] != "new/orphan"));
    app.json_as(&ana, "/api/v1/dockets/no-such-docket/codebook", 404)
        .await;
}

async fn tags_by_hand_are_searchable_and_audited(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let ana = app.user("ana", "analyst", "analyst-password");
    let bo = app.user("bo", "analyst", "analyst-password");
    let tn = submit(&app, "about financing").await;
    let other = submit(&app, "unrelated").await;
    app.index_caught_up(&ana).await;

    let (status, body) = tag(&app, &ana, &tn, json!({"tag": "mechanism/financing"})).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["tags"][0]["tag"], "mechanism/financing");
    assert_eq!(body["tags"][0]["coder"], "ana");
    assert_eq!(body["tags"][0]["source"], "person");
    // The same tag again is no new tag.
    let (status, body) = tag(&app, &ana, &tn, json!({"tag": "mechanism/financing"})).await;
    assert_eq!(status, 200);
    assert_eq!(body["tags"].as_array().unwrap().len(), 1);
    // Another analyst's coding is their own.
    assert_eq!(
        tag(&app, &bo, &tn, json!({"tag": "mechanism/financing"}))
            .await
            .0,
        201
    );

    // A filter and a facet within seconds, by the tag and by its parent.
    let hits = eventually(Duration::from_secs(5), "the tag in the index", || async {
        let hits = found(&app, &ana, &[("q", "*"), ("tag", "mechanism/financing")]).await;
        (!hits.is_empty()).then_some(hits)
    })
    .await;
    assert_eq!(hits, [tn.clone()]);
    assert_eq!(
        found(&app, &ana, &[("q", "*"), ("tag", "mechanism")]).await,
        [tn.clone()]
    );
    let r = app.search(&ana, &[("q", "*")]).await;
    assert_eq!(
        r["facets"]["tag"]["mechanism/financing"], 1,
        "{}",
        r["facets"]
    );
    assert_eq!(r["facets"]["tag"]["mechanism"], 1);
    assert!(!found(&app, &ana, &[("q", "*"), ("tag", "mechanism")])
        .await
        .contains(&other));

    // The comment view says who tagged it, and when.
    let view = app
        .json_as(&ana, &format!("/api/v1/comments/{tn}"), 200)
        .await;
    let coders: Vec<&str> = view["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["coder"].as_str().unwrap())
        .collect();
    assert_eq!(coders, ["ana", "bo"]);
    assert!(view["tags"][0]["at"].as_str().is_some());

    // Removing: each coder removes their own.
    let path = format!("/api/v1/comments/{tn}/tags");
    let (status, _) = call(
        &app,
        &ana,
        Method::DELETE,
        &path,
        Some(json!({"tag": "mechanism/financing"})),
    )
    .await;
    assert_eq!(status, 204);
    let (status, body) = call(
        &app,
        &ana,
        Method::DELETE,
        &path,
        Some(json!({"tag": "mechanism/financing"})),
    )
    .await;
    assert_eq!(status, 404, "{body}");
    let (status, _) = call(
        &app,
        &bo,
        Method::DELETE,
        &format!("{path}?tag=mechanism/financing"),
        None,
    )
    .await;
    assert_eq!(status, 204);
    eventually(
        Duration::from_secs(5),
        "the tag gone from the index",
        || async {
            found(&app, &ana, &[("q", "*"), ("tag", "mechanism")])
                .await
                .is_empty()
                .then_some(())
        },
    )
    .await;

    // Every change is in the audit log, in order, by whom.
    let log = app
        .json_as(
            &ana,
            &format!("/api/v1/dockets/{DOCKET}/audit?subject={tn}"),
            200,
        )
        .await;
    let entries: Vec<(String, String)> = log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["actor"].as_str().unwrap().to_string(),
                e["action"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        entries,
        [
            ("ana".to_string(), "tag.added".to_string()),
            ("bo".into(), "tag.added".into()),
            ("ana".into(), "tag.removed".into()),
            ("bo".into(), "tag.removed".into()),
        ]
    );
    assert_eq!(log["entries"][0]["detail"]["tag"], "mechanism/financing");
    // Paged by id.
    let first = app
        .json_as(
            &ana,
            &format!("/api/v1/dockets/{DOCKET}/audit?subject={tn}&limit=3"),
            200,
        )
        .await;
    assert_eq!(first["entries"].as_array().unwrap().len(), 3);
    let after = first["next_after"].as_i64().unwrap();
    let rest = app
        .json_as(
            &ana,
            &format!("/api/v1/dockets/{DOCKET}/audit?subject={tn}&after={after}"),
            200,
        )
        .await;
    assert_eq!(rest["entries"].as_array().unwrap().len(), 1);
    assert!(rest.get("next_after").is_none());
}

async fn excerpts_quote_the_passage_they_mark(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let ana = app.user("ana", "analyst", "analyst-password");
    let tn = submit(&app, "Zölle auf KI-Exporte sind das größte Hindernis.").await;
    let (status, body) = tag(
        &app,
        &ana,
        &tn,
        json!({"tag": "barrier/tariffs", "excerpt": {"field": "comment", "start": 0, "end": 5}}),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["tags"][0]["excerpt"]["text"], "Zölle");
    // An answer, by question id; a second excerpt of the same tag.
    let (status, body) = tag(
        &app,
        &ana,
        &tn,
        json!({"tag": "region/asean/malaysia",
               "excerpt": {"field": "answer:regions", "start": 30, "end": 38}}),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let (status, _) = tag(
        &app,
        &ana,
        &tn,
        json!({"tag": "barrier/tariffs", "excerpt": {"field": "comment", "start": 37, "end": 46}}),
    )
    .await;
    assert_eq!(status, 201);
    let view = app
        .json_as(&ana, &format!("/api/v1/comments/{tn}"), 200)
        .await;
    let quotes: Vec<(&str, &str)> = view["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["tag"].as_str().unwrap(),
                t["excerpt"]["text"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        quotes,
        [
            ("barrier/tariffs", "Zölle"),
            ("region/asean/malaysia", "Malaysia"),
            ("barrier/tariffs", "Hindernis"),
        ]
    );
    // Removing one excerpt leaves the other.
    let (status, _) = call(
        &app,
        &ana,
        Method::DELETE,
        &format!("/api/v1/comments/{tn}/tags"),
        Some(json!({"tag": "barrier/tariffs", "excerpt": {"field": "comment", "start": 0, "end": 5}})),
    )
    .await;
    assert_eq!(status, 204);
    let view = app
        .json_as(&ana, &format!("/api/v1/comments/{tn}"), 200)
        .await;
    assert_eq!(view["tags"].as_array().unwrap().len(), 2);
}

async fn staff_rename_and_retire_tags_and_history_is_kept(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let ana = app.user("ana", "analyst", "analyst-password");
    let sam = app.user("sam", "staff", "staff-password");
    let tn = submit(&app, "tagged before the rename").await;
    assert_eq!(
        tag(&app, &ana, &tn, json!({"tag": "region/asean/malaysia"}))
            .await
            .0,
        201
    );
    let codebook = format!("/api/v1/dockets/{DOCKET}/codebook");

    // Adding: staff only; a path once used, or without its parent, refused.
    let new_tag = json!({"path": "region/asean/indonesia", "label": "Indonesia"});
    assert_eq!(
        call(&app, &ana, Method::POST, &codebook, Some(new_tag.clone()))
            .await
            .0,
        403
    );
    let (status, body) = call(&app, &sam, Method::POST, &codebook, Some(new_tag.clone())).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["parent"], "region/asean");
    assert_eq!(
        call(&app, &sam, Method::POST, &codebook, Some(new_tag))
            .await
            .0,
        409
    );
    let (status, body) = call(
        &app,
        &sam,
        Method::POST,
        &codebook,
        Some(json!({"path": "nowhere/child", "label": "Child"})),
    )
    .await;
    assert_eq!(status, 422);
    assert!(body["error"]["fields"]["path"]
        .as_str()
        .unwrap()
        .contains("parent"));

    // Renaming a tag renames its subtree; the old names still resolve.
    let (status, body) = call(
        &app,
        &sam,
        Method::PATCH,
        &format!("{codebook}/region/asean"),
        Some(json!({"path": "region/southeast-asia", "label": "Southeast Asia"})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["path"], "region/southeast-asia");
    let book = app.json_as(&ana, &codebook, 200).await;
    assert_eq!(
        codebook_entry(&book, "region/southeast-asia/malaysia")["comments"],
        1
    );
    assert!(book["tags"]
        .as_array()
        .unwrap()
        .iter()
        .all(|t| t["path"] != "region/asean"));
    let view = app
        .json_as(&ana, &format!("/api/v1/comments/{tn}"), 200)
        .await;
    assert_eq!(view["tags"][0]["tag"], "region/southeast-asia/malaysia");
    // Tagging by the old name tags with the renamed tag.
    let other = submit(&app, "tagged by an old name").await;
    let (status, body) = tag(&app, &ana, &other, json!({"tag": "region/asean/thailand"})).await;
    assert_eq!(status, 201);
    assert_eq!(body["tags"][0]["tag"], "region/southeast-asia/thailand");
    // The comment tagged before the rename is found by the new path.
    eventually(
        Duration::from_secs(5),
        "the renamed tag in the index",
        || async {
            let hits = found(
                &app,
                &ana,
                &[("q", "*"), ("tag", "region/southeast-asia/malaysia")],
            )
            .await;
            (hits == [tn.clone()]).then_some(())
        },
    )
    .await;
    // A renamed tag's old path is never given to a new tag.
    let (status, _) = call(
        &app,
        &sam,
        Method::POST,
        &codebook,
        Some(json!({"path": "region/asean", "label": "Again"})),
    )
    .await;
    assert_eq!(status, 409);

    // Retiring: no new tags with it; existing ones stay.
    let (status, body) = call(
        &app,
        &sam,
        Method::PATCH,
        &format!("{codebook}/stance/neutral"),
        Some(json!({"retired": true})),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["retired"], true);
    let (status, body) = tag(&app, &ana, &tn, json!({"tag": "stance/neutral"})).await;
    assert_eq!(status, 422);
    assert_eq!(body["error"]["fields"]["tag"], "is retired");

    // A refused change changes nothing, not even its valid parts.
    let before = app.json_as(&ana, &codebook, 200).await;
    let (status, _) = call(
        &app,
        &sam,
        Method::PATCH,
        &format!("{codebook}/stance/supports"),
        Some(json!({"label": "Relabelled", "path": "region/asean"})),
    )
    .await;
    assert_eq!(status, 409);
    let after = app.json_as(&ana, &codebook, 200).await;
    assert_eq!(before, after);
    assert_eq!(
        call(
            &app,
            &sam,
            Method::PATCH,
            &format!("{codebook}/no/such"),
            Some(json!({"label": "X"}))
        )
        .await
        .0,
        404
    );

    let log = app
        .json_as(
            &sam,
            &format!("/api/v1/dockets/{DOCKET}/audit?actor=sam"),
            200,
        )
        .await;
    let actions: Vec<&str> = log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions.first(), Some(&"codebook.added"));
    assert!(actions.contains(&"codebook.renamed"));
    assert!(actions.contains(&"codebook.retired"));
    let renamed = log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["subject"] == "region/southeast-asia")
        .unwrap();
    assert_eq!(renamed["detail"]["from"], "region/asean");
}

async fn bad_tagging_is_refused_and_changes_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let ana = app.user("ana", "analyst", "analyst-password");
    let tn = submit(&app, "short").await;
    let before = rows(&app);
    let path = format!("/api/v1/comments/{tn}/tags");
    let cases: Vec<(Value, u16, &str)> = vec![
        (json!({"tag": "region/atlantis"}), 422, "tag"),
        (json!({"tag": ""}), 422, "tag"),
        (
            json!({"tag": "stance/supports", "excerpt": {"field": "comment", "start": 0, "end": 6}}),
            422,
            "excerpt",
        ),
        (
            json!({"tag": "stance/supports", "excerpt": {"field": "comment", "start": 3, "end": 3}}),
            422,
            "excerpt",
        ),
        (
            json!({"tag": "stance/supports", "excerpt": {"field": "answer:nope", "start": 0, "end": 1}}),
            422,
            "excerpt.field",
        ),
        (
            json!({"tag": "stance/supports", "excerpt": {"field": "attachment:0", "start": 0, "end": 1}}),
            422,
            "excerpt.field",
        ),
        (
            json!({"tag": "stance/supports", "excerpt": {"field": "elsewhere", "start": 0, "end": 1}}),
            422,
            "excerpt.field",
        ),
        (
            json!({"tag": "stance/supports", "excerpt": {"field": "comment", "start": 0, "end": 99999999999u64}}),
            422,
            "excerpt",
        ),
    ];
    for (body, want, field) in cases {
        let (status, answer) = tag(&app, &ana, &tn, body.clone()).await;
        assert_eq!(status, want, "{body}: {answer}");
        assert!(
            answer["error"]["fields"].get(field).is_some(),
            "{body}: {answer}"
        );
    }
    // Wrong shapes and bodies.
    assert_eq!(tag(&app, &ana, &tn, json!({"tag": 5})).await.0, 422);
    assert_eq!(
        tag(&app, &ana, &tn, json!({"tag": "x", "colour": "red"}))
            .await
            .0,
        422
    );
    let deep = format!("{}{}", "[".repeat(5_000), "]".repeat(5_000));
    let res = app
        .client
        .post(app.url(&path))
        .bearer_auth(&ana)
        .header("content-type", "application/json")
        .body(deep)
        .send()
        .await
        .unwrap();
    assert!(
        matches!(res.status().as_u16(), 400 | 422),
        "{}",
        res.status()
    );
    let res = app
        .client
        .post(app.url(&path))
        .bearer_auth(&ana)
        .header("content-type", "application/json")
        .body(format!("{{\"tag\": \"{}\"}}", "a".repeat(100_000)))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 413);
    let res = app
        .client
        .post(app.url(&path))
        .bearer_auth(&ana)
        .body("tag=stance/supports")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 415);
    // Who may: no account 401; a comment that does not exist 404.
    let res = app
        .client
        .post(app.url(&path))
        .json(&json!({"tag": "stance/supports"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    assert_eq!(
        tag(
            &app,
            &ana,
            "aaa-aaaa-aaaa",
            json!({"tag": "stance/supports"})
        )
        .await
        .0,
        404
    );
    assert_eq!(
        tag(
            &app,
            &ana,
            "not a number",
            json!({"tag": "stance/supports"})
        )
        .await
        .0,
        404
    );
    // A signed-in browser without its session's CSRF token, or with
    // another, is refused.
    let (cookie, csrf) = sign_in_session(&app, "ana", "analyst-password").await;
    for token in [None, Some("forged")] {
        let mut req = app
            .client
            .post(app.url(&path))
            .header("cookie", &cookie)
            .json(&json!({"tag": "stance/supports"}));
        if let Some(t) = token {
            req = req.header("x-csrf-token", t);
        }
        assert_eq!(req.send().await.unwrap().status(), 403);
    }
    assert_eq!(rows(&app), before, "nothing was stored");
    let res = app
        .client
        .post(app.url(&path))
        .header("cookie", &cookie)
        .header("x-csrf-token", csrf)
        .json(&json!({"tag": "stance/supports"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201, "with the token it is taken");
    assert_eq!(app.get_status("/healthz").await, 200);
}

/// Signs in through the form: (session cookie `name=value`, CSRF token).
pub(crate) async fn sign_in_session(app: &TestApp, name: &str, password: &str) -> (String, String) {
    let page = app
        .client
        .get(app.url("/analyst/sign-in"))
        .send()
        .await
        .unwrap();
    let csrf_cookie = page
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().split(';').next().unwrap().to_string())
        .find(|c| c.starts_with("rfd_csrf="))
        .unwrap();
    let html = page.text().await.unwrap();
    let token = html
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let res = app
        .client
        .post(app.url("/analyst/sign-in"))
        .header("cookie", csrf_cookie)
        .form(&[("name", name), ("password", password), ("csrf", &token)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let session = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().split(';').next().unwrap().to_string())
        .find(|c| c.starts_with("rfd_session="))
        .unwrap();
    // The session's token, as its pages carry it.
    let page = app
        .client
        .get(app.url("/analyst/search"))
        .header("cookie", &session)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = page
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .expect("a CSRF field on a signed-in page")
        .split('"')
        .next()
        .unwrap()
        .to_string();
    (session, csrf)
}

async fn concurrent_tagging_loses_nothing_and_stores_each_tag_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let ana = app.user("ana", "analyst", "analyst-password");
    let bo = app.user("bo", "analyst", "analyst-password");
    let tn = submit(&app, "contested").await;
    let mut sent = Vec::new();
    for i in 0..40 {
        let who = if i % 2 == 0 { ana.clone() } else { bo.clone() };
        let tag = if i % 4 < 2 {
            "stance/supports"
        } else {
            "package/hardware"
        };
        let req = app
            .client
            .post(app.url(&format!("/api/v1/comments/{tn}/tags")))
            .bearer_auth(who)
            .json(&json!({ "tag": tag }));
        sent.push(tokio::spawn(async move {
            req.send().await.unwrap().status().as_u16()
        }));
    }
    let mut created = 0;
    for s in sent {
        match s.await.unwrap() {
            201 => created += 1,
            200 => {}
            other => panic!("status {other}"),
        }
    }
    // Two analysts, two tags: four applications, each stored once.
    assert_eq!(created, 4);
    let view = app
        .json_as(&ana, &format!("/api/v1/comments/{tn}"), 200)
        .await;
    assert_eq!(view["tags"].as_array().unwrap().len(), 4);
    let (stored, audited) = rows(&app);
    assert_eq!((stored, audited), (4, 4));
}

/// A hand-made case: ten comments both coded. On Malaysia, ana and bo
/// agree on 4 yes and 4 no, and each has one the other has not: observed
/// 0.8, each says yes half the time, so chance gives 0.5, kappa 0.6.
async fn agreement_between_two_coders_is_cohens_kappa(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let ana = app.user("ana", "analyst", "analyst-password");
    let bo = app.user("bo", "analyst", "analyst-password");
    let mut comments = Vec::new();
    for i in 0..11 {
        comments.push(submit(&app, &format!("comment {i}")).await);
    }
    // Both coded the first ten (a stance on each); only ana the eleventh.
    for tn in &comments[..10] {
        for who in [&ana, &bo] {
            assert_eq!(
                tag(&app, who, tn, json!({"tag": "stance/supports"}))
                    .await
                    .0,
                201
            );
        }
    }
    let malaysia = json!({"tag": "region/asean/malaysia"});
    for (i, tn) in comments.iter().enumerate() {
        if i < 5 || i == 10 {
            tag(&app, &ana, tn, malaysia.clone()).await;
        }
        if i < 4 || i == 5 {
            tag(&app, &bo, tn, malaysia.clone()).await;
        }
    }
    let r = app
        .json_as(
            &ana,
            &format!("/api/v1/dockets/{DOCKET}/agreement?coders=ana,bo&tag_prefix=region/"),
            200,
        )
        .await;
    assert_eq!(r["comments"], 10, "{r}");
    let row = |tag: &str| {
        r["tags"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["tag"] == tag)
            .unwrap_or_else(|| panic!("{tag} in {r}"))
            .clone()
    };
    let m = row("region/asean/malaysia");
    assert_eq!(
        (m["both"].as_u64(), m["only_first"].as_u64()),
        (Some(4), Some(1))
    );
    assert_eq!(
        (m["only_second"].as_u64(), m["neither"].as_u64()),
        (Some(1), Some(4))
    );
    assert!((m["observed"].as_f64().unwrap() - 0.8).abs() < 1e-9);
    assert!((m["kappa"].as_f64().unwrap() - 0.6).abs() < 1e-9, "{m}");
    // A tag implies its parents: the same decisions on `region/asean`.
    assert!((row("region/asean")["kappa"].as_f64().unwrap() - 0.6).abs() < 1e-9);
    // Never used by either: agreement, but no kappa.
    let never = row("region/africa");
    assert_eq!(never["neither"], 10);
    assert_eq!(never["kappa"], Value::Null);
    // Bad parameters.
    for q in [
        "coders=ana",
        "coders=ana,ana",
        "coders=a,b,c",
        "",
        "coders=ana,bo&colour=red",
    ] {
        let res = app
            .get_as(&ana, &format!("/api/v1/dockets/{DOCKET}/agreement?{q}"))
            .await;
        assert_eq!(res.status(), 400, "{q}");
    }
    app.json_as(&ana, "/api/v1/dockets/nope/agreement?coders=ana,bo", 404)
        .await;
}

/// (comment id, tag id, source, coder) of every tag on a comment: people's
/// and bulk operations' (`comment_tags`) and rules' (`rule_tags`, the
/// rule's author as coder).
pub(crate) fn all_tags(app: &TestApp) -> Vec<(String, String, String, String)> {
    use rfidesk::db::schema::{comment_tags, rule_tags, tag_rules};
    let mut conn = app.db();
    let mut rows: Vec<(String, String, String, String)> = comment_tags::table
        .select((
            comment_tags::comment_id,
            comment_tags::tag_id,
            comment_tags::source,
            comment_tags::coder,
        ))
        .load(&mut conn)
        .unwrap();
    let by_rules: Vec<(String, String, String)> = rule_tags::table
        .inner_join(tag_rules::table)
        .select((rule_tags::comment_id, rule_tags::tag_id, tag_rules::author))
        .load(&mut conn)
        .unwrap();
    rows.extend(
        by_rules
            .into_iter()
            .map(|(comment, tag, author)| (comment, tag, "rule".to_string(), author)),
    );
    rows.sort();
    rows
}

async fn a_bulk_tag_applies_to_every_match_and_its_undo_leaves_the_earlier_tags(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let ana = app.user("ana", "analyst", "analyst-password");
    let mut financing = Vec::new();
    for i in 0..4 {
        financing.push(submit(&app, &format!("export financing matters, number {i}")).await);
    }
    submit(&app, "nothing about money").await;
    submit(&app, "standards only").await;
    // An earlier tag, by hand, on one of the matches.
    assert_eq!(
        tag(
            &app,
            &ana,
            &financing[0],
            json!({"tag": "mechanism/financing"})
        )
        .await
        .0,
        201
    );
    app.index_caught_up(&ana).await;
    let before = all_tags(&app);

    let path = format!("/api/v1/dockets/{DOCKET}/tags/bulk");
    let (status, op) = call(
        &app,
        &ana,
        Method::POST,
        &path,
        Some(json!({"tag": "mechanism/financing", "q": "financing", "country": ["US", "MY"]})),
    )
    .await;
    assert_eq!(status, 202, "{op}");
    assert_eq!(op["matched"], 4);
    assert_eq!(op["tag"], "mechanism/financing");
    let id = op["id"].as_str().unwrap().to_string();
    let done = eventually(Duration::from_secs(10), "the bulk tag applied", || async {
        let op = app.json_as(&ana, &format!("{path}/{id}"), 200).await;
        (op["status"] == "applied").then_some(op)
    })
    .await;
    assert_eq!(done["applied"], 4);
    assert_eq!(done["search"]["q"], "financing");
    eventually(
        Duration::from_secs(5),
        "the bulk tags in the index",
        || async {
            let hits = found(&app, &ana, &[("q", "*"), ("tag", "mechanism/financing")]).await;
            (hits.len() == 4).then_some(())
        },
    )
    .await;
    let view = app
        .json_as(&ana, &format!("/api/v1/comments/{}", financing[0]), 200)
        .await;
    let sources: Vec<&str> = view["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["source"].as_str().unwrap())
        .collect();
    assert_eq!(sources, ["person", "bulk"]);
    assert_eq!(view["tags"][1]["source_id"], id.as_str());

    // Undo: exactly the earlier tags remain.
    let (status, undoing) =
        call(&app, &ana, Method::POST, &format!("{path}/{id}/undo"), None).await;
    assert_eq!(status, 202, "{undoing}");
    eventually(Duration::from_secs(10), "the bulk tag undone", || async {
        let op = app.json_as(&ana, &format!("{path}/{id}"), 200).await;
        (op["status"] == "undone").then_some(())
    })
    .await;
    assert_eq!(all_tags(&app), before);
    eventually(
        Duration::from_secs(5),
        "the index without the bulk tags",
        || async {
            let hits = found(&app, &ana, &[("q", "*"), ("tag", "mechanism/financing")]).await;
            (hits == [financing[0].clone()]).then_some(())
        },
    )
    .await;
    assert_eq!(
        call(&app, &ana, Method::POST, &format!("{path}/{id}/undo"), None)
            .await
            .0,
        409
    );

    // Refused, with nothing stored.
    let ops_before = {
        use rfidesk::db::schema::bulk_operations;
        bulk_operations::table
            .count()
            .get_result::<i64>(&mut app.db())
            .unwrap()
    };
    for (body, want) in [
        (json!({"tag": "region/atlantis", "q": "financing"}), 422),
        (json!({"q": "financing"}), 422),
        (json!({"tag": "mechanism/financing", "q": "((("}), 400),
        (json!({"tag": "mechanism/financing", "page": "2"}), 422),
        (
            json!({"tag": "mechanism/financing", "country": {"a": 1}}),
            422,
        ),
        (json!({"tag": "mechanism/financing", "late": "maybe"}), 422),
    ] {
        let (status, answer) = call(&app, &ana, Method::POST, &path, Some(body.clone())).await;
        assert_eq!(status, want, "{body}: {answer}");
    }
    assert_eq!(
        call(
            &app,
            &ana,
            Method::POST,
            "/api/v1/dockets/nope/tags/bulk",
            Some(json!({"tag": "x"}))
        )
        .await
        .0,
        404
    );
    assert_eq!(
        app.get_as(&ana, &format!("{path}/no-such-id"))
            .await
            .status(),
        404
    );
    let ops_after = {
        use rfidesk::db::schema::bulk_operations;
        bulk_operations::table
            .count()
            .get_result::<i64>(&mut app.db())
            .unwrap()
    };
    assert_eq!(ops_before, ops_after);
    let log = app
        .json_as(
            &ana,
            &format!("/api/v1/dockets/{DOCKET}/audit?subject={id}"),
            200,
        )
        .await;
    let actions: Vec<&str> = log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["bulk.applied", "bulk.undone"]);
}
