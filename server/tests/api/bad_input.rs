use crate::helpers::*;
use crate::on_both_backends;

on_both_backends!(
    missing_and_invalid_fields_are_named,
    over_long_text_is_refused,
    malformed_bodies_are_400,
    wrong_content_type_is_415,
    oversized_bodies_are_cut_off,
    rate_limit_answers_429_with_retry_after,
);

async fn error_of(res: reqwest::Response, status: u16) -> serde_json::Value {
    assert_eq!(res.status(), status);
    let body: serde_json::Value = res.json().await.unwrap();
    body["error"].clone()
}

async fn missing_and_invalid_fields_are_named(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let cases: Vec<(serde_json::Value, &[&str])> = vec![
        (
            serde_json::json!({"submitter": {"type": "individual", "category": "individual", "country": "US"}, "comment": "x"}),
            &["submitter.first_name", "submitter.last_name"],
        ),
        (
            serde_json::json!({"submitter": {"type": "organization", "category": "ai-developer", "country": "US"}, "comment": "x"}),
            &["submitter.organization", "submitter.organization_type"],
        ),
        (
            serde_json::json!({"submitter": {"type": "anonymous", "category": "other", "country": "US", "email": "ada@@example"}, "comment": "x"}),
            &["submitter.email"],
        ),
        (
            serde_json::json!({"submitter": {"type": "anonymous", "category": "other", "country": "US"}, "comment": "x", "send_receipt": true}),
            &["submitter.email"],
        ),
        (
            serde_json::json!({"submitter": {"type": "anonymous", "category": "nope", "country": "ZZ"}, "answers": {"bogus": "x"}}),
            &["submitter.category", "submitter.country", "answers.bogus"],
        ),
        (
            serde_json::json!({"submitter": {"type": "robot", "category": "other", "country": "US"}, "comment": "x"}),
            &["submitter.type"],
        ),
        (
            serde_json::json!({"submitter": {"type": "anonymous", "category": "other", "country": "US"}, "answers": {"regions": "   "}}),
            &["comment"],
        ),
    ];
    for (body, fields) in cases {
        let err = error_of(app.post_json(&body).await, 422).await;
        assert_eq!(err["code"], "validation_failed");
        for f in fields {
            assert!(err["fields"][f].is_string(), "{f} not named in {err}");
        }
    }
    assert_eq!(app.comment_count(), 0);
}

async fn over_long_text_is_refused(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut body = comment_body();
    body["answers"]["regions"] = "é".repeat(20_000).into();
    assert_eq!(
        app.post_json(&body).await.status(),
        201,
        "20,000 characters is the limit, not 20,000 bytes"
    );
    body["answers"]["regions"] = "a".repeat(20_001).into();
    let err = error_of(app.post_json(&body).await, 422).await;
    assert!(err["fields"]["answers.regions"]
        .as_str()
        .unwrap()
        .contains("20000"));
    body["answers"]["regions"] = "nul \u{0} inside".into();
    let err = error_of(app.post_json(&body).await, 422).await;
    assert!(err["fields"]["answers.regions"].is_string());
    assert_eq!(app.comment_count(), 1);
}

async fn malformed_bodies_are_400(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let err = error_of(
        app.post_raw("application/json", "{\"submitter\": ").await,
        400,
    )
    .await;
    assert_eq!(err["code"], "malformed_json");
    let err = error_of(
        app.post_raw("application/json", b"{\"comment\": \"\xff\xfe\"}".to_vec())
            .await,
        400,
    )
    .await;
    assert_eq!(err["code"], "invalid_utf8");
    let err = error_of(
        app.post_raw("application/json", "{\"comment\": 5}").await,
        422,
    )
    .await;
    assert_eq!(err["code"], "invalid_shape");
    let err = error_of(
        app.post_raw("application/json", "{\"coment\": \"typo\"}")
            .await,
        422,
    )
    .await;
    assert!(err["message"].as_str().unwrap().contains("coment"));
    let err = error_of(
        app.post_raw("multipart/form-data; boundary=x", "garbage")
            .await,
        400,
    )
    .await;
    assert_eq!(err["code"], "malformed_multipart");
    assert_eq!(app.comment_count(), 0);
}

async fn wrong_content_type_is_415(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let err = error_of(app.post_raw("text/plain", "hello").await, 415).await;
    assert_eq!(err["code"], "unsupported_media_type");
    let res = app
        .client
        .post(app.url(&format!("/api/v1/dockets/{DOCKET}/comments")))
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 415, "no content type at all");
    assert_eq!(app.comment_count(), 0);
}

async fn oversized_bodies_are_cut_off(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    // Declared too large: refused from the headers alone.
    let err = error_of(
        app.post_raw("application/json", vec![b' '; 2 * 1024 * 1024])
            .await,
        413,
    )
    .await;
    assert_eq!(err["code"], "payload_too_large");
    // Chunked, no length: cut off once past the limit, not read to the end.
    let chunks = futures_util::stream::iter(
        (0..10_000).map(|_| Ok::<_, std::io::Error>(vec![b' '; 64 * 1024])),
    );
    let res = app
        .post_raw("application/json", reqwest::Body::wrap_stream(chunks))
        .await;
    assert_eq!(res.status(), 413);
    assert_eq!(app.comment_count(), 0);
}

async fn rate_limit_answers_429_with_retry_after(backend: Backend) {
    let app = TestApp::builder(backend).rate_limit(2).start().await;
    assert_eq!(app.post_json(&comment_body()).await.status(), 201);
    assert_eq!(app.post_json(&comment_body()).await.status(), 201);
    let res = app.post_json(&comment_body()).await;
    assert_eq!(res.status(), 429);
    let retry: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
    let err: serde_json::Value = res.json().await.unwrap();
    assert_eq!(err["error"]["code"], "rate_limited");
    assert_eq!(app.comment_count(), 2);
    // Reading is never limited.
    assert_eq!(app.get_status(&format!("/dockets/{DOCKET}")).await, 200);
}
