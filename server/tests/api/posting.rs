//! Posting review: staff post, withhold (with a reason) or send back to
//! review one comment at a time; each decision is audited, searchable as
//! the `posting` filter and counted in the summary; every bad request is
//! refused with its reason and changes nothing.

use crate::coding::{call, found, submit};
use crate::helpers::*;
use crate::on_both_backends;
use reqwest::Method;
use serde_json::{json, Value};
use std::time::Duration;

on_both_backends!(
    staff_post_and_withhold_comments_and_each_decision_is_audited_and_searchable,
    bad_posting_requests_are_refused_and_change_nothing,
    a_bulk_decision_covers_every_match_and_skips_confidential_ones,
    a_redaction_posts_the_comment_redacted_and_keeps_the_original_for_staff,
);

const DOCKET: &str = "ai-exports-rfi";

async fn decide(app: &TestApp, token: &str, tn: &str, body: Value) -> (u16, Value) {
    call(
        app,
        token,
        Method::PUT,
        &format!("/api/v1/comments/{tn}/posting"),
        Some(body),
    )
    .await
}

/// (posting status, withheld reason, audit entries about postings).
fn stored(app: &TestApp, tn: &str) -> (String, Option<String>, i64) {
    use diesel::prelude::*;
    use rfidesk::db::schema::{audit_log, comments};
    let mut conn = app.db();
    let (status, reason) = comments::table
        .filter(comments::tracking_number.eq(tn))
        .select((comments::posting_status, comments::withheld_reason))
        .first::<(String, Option<String>)>(&mut conn)
        .unwrap();
    let audited = audit_log::table
        .filter(audit_log::action.eq("posting.changed"))
        .count()
        .get_result(&mut conn)
        .unwrap();
    (status, reason, audited)
}

async fn staff_post_and_withhold_comments_and_each_decision_is_audited_and_searchable(
    backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let staff = app.user("sam", "staff", "staff-password-long");
    let first = submit(&app, "first").await;
    let second = submit(&app, "second").await;
    let third = submit(&app, "third").await;
    assert_eq!(stored(&app, &first), ("pending_review".into(), None, 0));

    let (status, body) = decide(&app, &staff, &first, json!({"status": "posted"})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "posted");
    assert_eq!(body["changed_by"], "sam");
    assert!(body.get("reason").is_none());
    let (status, body) = decide(
        &app,
        &staff,
        &second,
        json!({"status": "withheld", "reason": "personal_information",
               "note": "a home address in the comment"}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["reason"], "personal_information");
    assert_eq!(
        stored(&app, &second),
        ("withheld".into(), Some("personal_information".into()), 2)
    );
    // The same decision again changes nothing and is not logged twice.
    let (status, _) = decide(&app, &staff, &first, json!({"status": "posted"})).await;
    assert_eq!(status, 200);
    assert_eq!(stored(&app, &first).2, 2);

    // The comment as staff read it says so.
    let comment = app
        .json_as(&staff, &format!("/api/v1/comments/{second}"), 200)
        .await;
    assert_eq!(comment["posting_status"], "withheld");
    assert_eq!(comment["withheld_reason"], "personal_information");

    // Audited: who, what it was, what it became, why.
    let log = app
        .json_as(
            &staff,
            &format!("/api/v1/dockets/{DOCKET}/audit?subject={second}"),
            200,
        )
        .await;
    let entry = &log["entries"][0];
    assert_eq!(entry["actor"], "sam");
    assert_eq!(entry["action"], "posting.changed");
    assert_eq!(entry["detail"]["from"], "pending_review");
    assert_eq!(entry["detail"]["status"], "withheld");
    assert_eq!(entry["detail"]["reason"], "personal_information");
    assert_eq!(entry["detail"]["note"], "a home address in the comment");

    // A search filter, once the index has the change.
    eventually(Duration::from_secs(30), "the posting filter", || async {
        let posted = found(&app, &staff, &[("q", "*"), ("posting", "posted")]).await;
        let withheld = found(&app, &staff, &[("q", "*"), ("posting", "withheld")]).await;
        (posted == [first.clone()] && withheld == [second.clone()]).then_some(())
    })
    .await;
    assert_eq!(
        found(&app, &staff, &[("q", "*"), ("posting", "pending_review")]).await,
        [third.clone()]
    );
    // And a summary count.
    let summary = app
        .json_as(&staff, &format!("/api/v1/dockets/{DOCKET}/summary"), 200)
        .await;
    let by_posting: Vec<(String, u64)> = summary["by_posting"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["value"].as_str().unwrap().to_string(),
                b["comments"].as_u64().unwrap(),
            )
        })
        .collect();
    let mut by_posting = by_posting;
    by_posting.sort();
    assert_eq!(
        by_posting,
        [
            ("pending_review".to_string(), 1),
            ("posted".into(), 1),
            ("withheld".into(), 1)
        ]
    );

    // Back to review.
    let (status, body) = decide(&app, &staff, &second, json!({"status": "pending_review"})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(stored(&app, &second), ("pending_review".into(), None, 3));
}

async fn bad_posting_requests_are_refused_and_change_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = app.user("sam", "staff", "staff-password-long");
    let analyst = app.user("ana", "analyst", "analyst-password-long");
    let tn = submit(&app, "a comment").await;
    let mut confidential = comment_body();
    confidential["business_confidential"] = json!(true);
    let res = app.post_json(&confidential).await;
    assert_eq!(res.status(), 201);
    let secret: Value = res.json().await.unwrap();
    let secret = secret["tracking_number"].as_str().unwrap().to_string();

    let long_note = "n".repeat(2_001);
    for (token, path_tn, body, want, field) in [
        (&analyst, &tn, json!({"status": "posted"}), 403, None),
        (
            &staff,
            &tn,
            json!({"status": "published"}),
            422,
            Some("status"),
        ),
        (
            &staff,
            &tn,
            json!({"status": "redacted"}),
            422,
            Some("status"),
        ),
        (
            &staff,
            &tn,
            json!({"status": "withheld"}),
            422,
            Some("reason"),
        ),
        (
            &staff,
            &tn,
            json!({"status": "withheld", "reason": "boring"}),
            422,
            Some("reason"),
        ),
        (
            &staff,
            &tn,
            json!({"status": "posted", "reason": "threat_or_abuse"}),
            422,
            Some("reason"),
        ),
        (
            &staff,
            &tn,
            json!({"status": "posted", "note": long_note}),
            422,
            Some("note"),
        ),
        (
            &staff,
            &tn,
            json!({"status": "posted", "extra": 1}),
            422,
            None,
        ),
        (&staff, &tn, json!({"status": 5}), 422, None),
        (&staff, &tn, json!([]), 422, None),
        (
            &staff,
            &"RFI-0000-0000".to_string(),
            json!({"status": "posted"}),
            404,
            None,
        ),
        (
            &staff,
            &"not a number".to_string(),
            json!({"status": "posted"}),
            404,
            None,
        ),
        // Business-confidential as submitted: never posted as it is.
        (&staff, &secret, json!({"status": "posted"}), 409, None),
    ] {
        let (status, answer) = decide(&app, token, path_tn, body.clone()).await;
        assert_eq!(status, want, "{body}: {answer}");
        if let Some(field) = field {
            assert!(
                answer["error"]["fields"][field].is_string(),
                "{body}: {answer}"
            );
        }
        assert_eq!(stored(&app, &tn), ("pending_review".into(), None, 0));
        assert_eq!(stored(&app, &secret), ("pending_review".into(), None, 0));
    }
    // A body that is not JSON, and one that is too large.
    let res = app
        .client
        .put(app.url(&format!("/api/v1/comments/{tn}/posting")))
        .bearer_auth(&staff)
        .header("content-type", "text/plain")
        .body("status=posted")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 415);
    let res = app
        .client
        .put(app.url(&format!("/api/v1/comments/{tn}/posting")))
        .bearer_auth(&staff)
        .header("content-type", "application/json")
        .body(format!(
            "{{\"status\": \"posted\", \"note\": \"{}\"}}",
            "x".repeat(2_000_000)
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 413);
    // Nobody signed in.
    let res = app
        .client
        .put(app.url(&format!("/api/v1/comments/{tn}/posting")))
        .json(&json!({"status": "posted"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    assert_eq!(stored(&app, &tn), ("pending_review".into(), None, 0));

    // The same decision 40 times at once: recorded once.
    let tasks: Vec<_> = (0..40)
        .map(|_| decide(&app, &staff, &tn, json!({"status": "posted"})))
        .collect();
    for (status, answer) in futures_util::future::join_all(tasks).await {
        assert_eq!(status, 200, "{answer}");
    }
    assert_eq!(stored(&app, &tn), ("posted".into(), None, 1));
}

async fn a_bulk_decision_covers_every_match_and_skips_confidential_ones(backend: Backend) {
    let app = TestApp::builder(backend).tagging_batch(2).start().await;
    let staff = app.user("sam", "staff", "staff-password-long");
    let analyst = app.user("ana", "analyst", "analyst-password-long");
    let mut tns = Vec::new();
    for i in 0..5 {
        tns.push(submit(&app, &format!("geothermal corridors {i}")).await);
    }
    let other = submit(&app, "nothing in common").await;
    let mut confidential = comment_body();
    confidential["comment"] = json!("geothermal corridors, confidential");
    confidential["business_confidential"] = json!(true);
    let res = app.post_json(&confidential).await;
    assert_eq!(res.status(), 201);
    let secret: Value = res.json().await.unwrap();
    let secret = secret["tracking_number"].as_str().unwrap().to_string();
    app.index_caught_up(&staff).await;
    // One of them already posted: left alone (not changed twice).
    assert_eq!(
        decide(&app, &staff, &tns[0], json!({"status": "posted"}))
            .await
            .0,
        200
    );

    let path = format!("/api/v1/dockets/{DOCKET}/posting");
    let body = json!({"q": "geothermal", "status": "posted", "note": "first review pass"});
    let (status, _) = call(&app, &analyst, Method::POST, &path, Some(body.clone())).await;
    assert_eq!(status, 403);
    let (status, op) = call(&app, &staff, Method::POST, &path, Some(body)).await;
    assert_eq!(status, 202, "{op}");
    assert_eq!(op["matched"], 6);
    assert_eq!(op["search"], json!({"q": "geothermal"}));
    let url = format!("{path}/{}", op["id"].as_str().unwrap());
    let done = eventually(Duration::from_secs(30), "the bulk decision", || async {
        let (_, op) = call(&app, &staff, Method::GET, &url, None).await;
        (op["state"] == "applied").then_some(op)
    })
    .await;
    assert_eq!(done["done"], 6);
    assert_eq!(done["changed"], 4, "{done}");
    assert_eq!(done["skipped"], 1, "{done}");
    for tn in &tns {
        assert_eq!(stored(&app, tn).0, "posted", "{tn}");
    }
    assert_eq!(stored(&app, &secret).0, "pending_review");
    assert_eq!(stored(&app, &other).0, "pending_review");
    eventually(Duration::from_secs(30), "the posted filter", || async {
        let mut posted = found(&app, &staff, &[("q", "*"), ("posting", "posted")]).await;
        posted.sort();
        let mut want = tns.clone();
        want.sort();
        (posted == want).then_some(())
    })
    .await;
    // Audited once, with the search and the count.
    let log = app
        .json_as(
            &staff,
            &format!(
                "/api/v1/dockets/{DOCKET}/audit?subject={}",
                op["id"].as_str().unwrap()
            ),
            200,
        )
        .await;
    assert_eq!(log["entries"][0]["action"], "posting.bulk");
    assert_eq!(log["entries"][0]["detail"]["matched"], 6);
    assert_eq!(log["entries"][0]["detail"]["note"], "first review pass");

    // Bad requests: refused with their reason, nothing stored.
    let operations = || {
        use diesel::prelude::*;
        rfidesk::db::schema::posting_operations::table
            .count()
            .get_result::<i64>(&mut app.db())
            .unwrap()
    };
    let before = operations();
    for (body, want, field) in [
        (json!({"q": "geothermal"}), 422, Some("status")),
        (
            json!({"q": "geothermal", "status": "withheld"}),
            422,
            Some("reason"),
        ),
        (
            json!({"q": "geothermal", "status": "redacted"}),
            422,
            Some("status"),
        ),
        (json!({"q": "geothermal", "status": 1}), 422, Some("status")),
        (json!({"q": "(((", "status": "posted"}), 400, Some("q")),
        (
            json!({"q": "*", "status": "posted", "country": 5}),
            422,
            Some("country"),
        ),
        (
            json!({"q": "*", "status": "posted", "note": "n".repeat(2_001)}),
            422,
            Some("note"),
        ),
    ] {
        let (status, answer) = call(&app, &staff, Method::POST, &path, Some(body.clone())).await;
        assert_eq!(status, want, "{body}: {answer}");
        if let Some(field) = field {
            assert!(
                answer["error"]["fields"][field].is_string(),
                "{body}: {answer}"
            );
        }
    }
    let (status, _) = call(
        &app,
        &staff,
        Method::POST,
        "/api/v1/dockets/nope/posting",
        Some(json!({"q": "*", "status": "posted"})),
    )
    .await;
    assert_eq!(status, 404);
    let (status, _) = call(
        &app,
        &staff,
        Method::GET,
        &format!("{path}/0190-not-an-operation"),
        None,
    )
    .await;
    assert_eq!(status, 404);
    assert_eq!(operations(), before);
}

async fn a_redaction_posts_the_comment_redacted_and_keeps_the_original_for_staff(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = app.user("sam", "staff", "staff-password-long");
    let analyst = app.user("ana", "analyst", "analyst-password-long");
    let mut body = comment_body();
    body["comment"] = json!("Call me at my home, 12 Elm Street, about Malaysia.");
    body["business_confidential"] = json!(true);
    let res = app.post_json(&body).await;
    assert_eq!(res.status(), 201);
    let tn: Value = res.json().await.unwrap();
    let tn = tn["tracking_number"].as_str().unwrap().to_string();
    let path = format!("/api/v1/comments/{tn}/redaction");
    let redacted = json!({
        "comment": "Call me at [redacted], about Malaysia.",
        "answers": {"standards": "Engage early in [redacted]."},
        "note": "home address"
    });

    // Bad redactions: refused, nothing stored.
    let redactions = || {
        use diesel::prelude::*;
        rfidesk::db::schema::redactions::table
            .count()
            .get_result::<i64>(&mut app.db())
            .unwrap()
    };
    for (token, body, want, field) in [
        (&analyst, redacted.clone(), 403, None),
        (&staff, json!({}), 422, Some("answers")),
        (
            &staff,
            json!({"answers": {"other": "x"}}),
            422,
            Some("answers.other"),
        ),
        (
            &staff,
            json!({"comment": "x".repeat(20_001)}),
            422,
            Some("comment"),
        ),
        (&staff, json!({"comment": "a\u{0}b"}), 422, Some("comment")),
        (&staff, json!({"comment": "x", "extra": 1}), 422, None),
        (&staff, json!({"answers": ["x"]}), 422, None),
    ] {
        let (status, answer) = call(&app, token, Method::PUT, &path, Some(body.clone())).await;
        assert_eq!(status, want, "{body}: {answer}");
        if let Some(field) = field {
            assert!(
                answer["error"]["fields"][field].is_string(),
                "{body}: {answer}"
            );
        }
        assert_eq!(redactions(), 0);
        assert_eq!(stored(&app, &tn), ("pending_review".into(), None, 0));
    }
    let (status, _) = call(
        &app,
        &staff,
        Method::PUT,
        "/api/v1/comments/RFI-0000-0000/redaction",
        Some(redacted.clone()),
    )
    .await;
    assert_eq!(status, 404);
    let (status, _) = call(&app, &staff, Method::DELETE, &path, None).await;
    assert_eq!(status, 404, "no redaction to remove");
    // Past the body limit (1 MiB): cut off while it streams.
    let res = app
        .client
        .put(app.url(&path))
        .bearer_auth(&staff)
        .header("content-type", "application/json")
        .body(format!("{{\"comment\": \"{}\"}}", "x".repeat(2 << 20)))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 413);
    assert_eq!(redactions(), 0);

    // A business-confidential comment is posted redacted.
    let (status, answer) = call(&app, &staff, Method::PUT, &path, Some(redacted.clone())).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["posting"]["status"], "redacted");
    assert_eq!(
        answer["redaction"]["comment"],
        "Call me at [redacted], about Malaysia."
    );
    assert_eq!(stored(&app, &tn), ("redacted".into(), None, 0));
    // Staff and analysts read the original beside the redaction.
    let comment = app
        .json_as(&analyst, &format!("/api/v1/comments/{tn}"), 200)
        .await;
    assert_eq!(comment["posting_status"], "redacted");
    assert_eq!(
        comment["comment"],
        "Call me at my home, 12 Elm Street, about Malaysia."
    );
    assert_eq!(
        comment["redaction"]["answers"]["standards"],
        "Engage early in [redacted]."
    );
    assert_eq!(comment["redaction"]["actor"], "sam");
    // Audited: which fields, not their text.
    let log = app
        .json_as(
            &staff,
            &format!("/api/v1/dockets/{DOCKET}/audit?subject={tn}"),
            200,
        )
        .await;
    let entry = &log["entries"][0];
    assert_eq!(entry["action"], "redaction.set");
    assert_eq!(
        entry["detail"]["fields"],
        json!(["answers.standards", "comment"])
    );
    assert_eq!(entry["detail"]["from"], "pending_review");
    assert!(!entry["detail"].to_string().contains("[redacted]"));
    // A search filter.
    eventually(Duration::from_secs(30), "the redacted filter", || async {
        (found(&app, &staff, &[("q", "*"), ("posting", "redacted")]).await == [tn.clone()])
            .then_some(())
    })
    .await;
    // Posting it as submitted needs the redaction gone first.
    let (status, _) = decide(&app, &staff, &tn, json!({"status": "posted"})).await;
    assert_eq!(status, 409);
    // Removed: back to review, the redaction gone.
    let (status, answer) = call(&app, &staff, Method::DELETE, &path, None).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["posting"]["status"], "pending_review");
    assert_eq!(redactions(), 0);
    let comment = app
        .json_as(&staff, &format!("/api/v1/comments/{tn}"), 200)
        .await;
    assert!(comment.get("redaction").is_none());
    let log = app
        .json_as(
            &staff,
            &format!("/api/v1/dockets/{DOCKET}/audit?subject={tn}"),
            200,
        )
        .await;
    assert_eq!(log["entries"][1]["action"], "redaction.removed");
}
