use crate::helpers::*;
use crate::on_both_backends;

on_both_backends!(
    docket_api_lists_questions_categories_and_period,
    unknown_docket_is_404,
    closed_docket_refuses_with_the_closing_time,
    docket_not_yet_open_refuses,
    a_retry_after_the_deadline_gets_its_first_answer,
    late_comments_are_flagged_when_the_policy_accepts_them,
    extension_opens_the_docket_again_and_survives_restart,
);

async fn docket_api_lists_questions_categories_and_period(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let d = app.get_json(&format!("/api/v1/dockets/{DOCKET}")).await;
    assert_eq!(d["opens_at"], "2026-10-21T00:00:00-04:00");
    assert_eq!(d["closes_at"], "2026-11-28T23:59:59-05:00");
    assert_eq!(d["is_open"], true);
    assert_eq!(d["extended"], false);
    let questions: Vec<_> = d["questions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["id"].as_str().unwrap())
        .collect();
    assert!(
        questions.contains(&"regions")
            && questions.contains(&"standards")
            && questions.contains(&"barriers-risks")
    );
    assert!(d["categories"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["id"].is_string() && c["label"].is_string()));
    let list = app.get_json("/api/v1/dockets").await;
    assert_eq!(list["dockets"][0]["id"], DOCKET);

    let page = app.get_text(&format!("/dockets/{DOCKET}")).await;
    assert!(
        page.contains("Saturday, November 28, 2026, at 11:59 PM EST"),
        "deadline in Eastern time"
    );
    assert!(
        page.contains("datetime=\"2026-11-29T04:59:59Z\""),
        "machine-readable deadline for the visitor's zone"
    );
    assert!(page.contains("in 18 days"), "relative deadline");
    assert!(page.contains("Priority export regions and countries"));
}

async fn unknown_docket_is_404(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let res = app
        .client
        .post(app.url("/api/v1/dockets/no-such-docket/comments"))
        .json(&comment_body())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    let err: serde_json::Value = res.json().await.unwrap();
    assert_eq!(err["error"]["code"], "not_found");
    assert_eq!(app.get_status("/api/v1/dockets/no-such-docket").await, 404);
    assert_eq!(app.get_status("/dockets/no-such-docket").await, 404);
}

async fn closed_docket_refuses_with_the_closing_time(backend: Backend) {
    let app = TestApp::builder(backend)
        .at(utc("2026-11-29T04:59:59Z"))
        .start()
        .await;
    assert_eq!(
        app.post_json(&comment_body()).await.status(),
        201,
        "the last second is on time"
    );
    app.clock.set(utc("2026-11-29T05:00:00Z"));
    let res = app.post_json(&comment_body()).await;
    assert_eq!(res.status(), 403);
    let err: serde_json::Value = res.json().await.unwrap();
    assert_eq!(err["error"]["code"], "comment_period_closed");
    let message = err["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("November 28, 2026, at 11:59 PM EST"),
        "{message}"
    );
    assert_eq!(app.comment_count(), 1);
    let page = app.get_text(&format!("/dockets/{DOCKET}")).await;
    assert!(page.contains("comments are no longer accepted") && !page.contains("<form"));
}

async fn docket_not_yet_open_refuses(backend: Backend) {
    let app = TestApp::builder(backend)
        .at(utc("2026-10-01T12:00:00Z"))
        .start()
        .await;
    let res = app.post_json(&comment_body()).await;
    assert_eq!(res.status(), 403);
    let err: serde_json::Value = res.json().await.unwrap();
    assert_eq!(err["error"]["code"], "comment_period_closed");
    assert!(err["error"]["message"].as_str().unwrap().contains("opens"));
    assert_eq!(app.comment_count(), 0);
}

async fn late_comments_are_flagged_when_the_policy_accepts_them(backend: Backend) {
    let app = TestApp::builder(backend)
        .late_policy("accept_flagged")
        .at(utc("2026-12-01T12:00:00Z"))
        .start()
        .await;
    let res = app.post_json(&comment_body()).await;
    assert_eq!(res.status(), 201);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["late"], true);
    let stored = rfidesk::db::models::comment::find_by_tracking_number(
        &mut app.db(),
        body["tracking_number"].as_str().unwrap(),
    )
    .unwrap()
    .unwrap();
    assert!(stored.late);
}

async fn extension_opens_the_docket_again_and_survives_restart(backend: Backend) {
    let app = TestApp::builder(backend)
        .at(utc("2026-12-01T12:00:00Z"))
        .start()
        .await;
    assert_eq!(app.post_json(&comment_body()).await.status(), 403);

    let out = app.cli(&["docket", "extend", DOCKET, "--until", "2026-11-01"]);
    assert!(
        !out.status.success(),
        "an extension must be later than the deadline"
    );
    let out = app.cli(&["docket", "extend", DOCKET, "--until", "2026-12-13"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("2026-12-13 23:59:59 EST"));

    // The server's docket cache holds an entry for at most a second.
    eventually(
        std::time::Duration::from_secs(5),
        "the extension to be seen",
        || async {
            let res = app.post_json(&comment_body()).await;
            (res.status() == 201).then_some(())
        },
    )
    .await;
    let page = app.get_text(&format!("/dockets/{DOCKET}")).await;
    assert!(page.contains("The comment period has been extended"));
    assert!(page.contains("Sunday, December 13, 2026, at 11:59 PM EST"));

    // Reloading the docket file at start keeps the extension.
    let app = app.stop().await.restart().await;
    let d = app.get_json(&format!("/api/v1/dockets/{DOCKET}")).await;
    assert_eq!(d["closes_at"], "2026-12-13T23:59:59-05:00");
    assert_eq!(d["original_closes_at"], "2026-11-28T23:59:59-05:00");
    assert_eq!(d["extended"], true);
    assert_eq!(d["is_open"], true);
}

async fn a_retry_after_the_deadline_gets_its_first_answer(backend: Backend) {
    let app = TestApp::builder(backend)
        .at(utc("2026-11-29T04:59:58Z"))
        .start()
        .await;
    let send = |body: serde_json::Value| app.keyed("last-minute", &body).send();
    let first = send(comment_body()).await.unwrap();
    assert_eq!(first.status(), 201);
    let first: serde_json::Value = first.json().await.unwrap();
    // The answer was lost on the way; the client retries after midnight.
    app.clock.set(utc("2026-11-29T05:01:00Z"));
    let retry = send(comment_body()).await.unwrap();
    assert_eq!(retry.status(), 201);
    assert_eq!(retry.json::<serde_json::Value>().await.unwrap(), first);
    // The same key with another body is still too late.
    let mut other = comment_body();
    other["comment"] = "written after the deadline".into();
    let late = send(other).await.unwrap();
    assert_eq!(late.status(), 403);
    assert_eq!(app.comment_count(), 1);
}
