use crate::helpers::*;
use crate::on_both_backends;
use rfidesk::domain::tracking_number::TrackingNumber;
use std::collections::HashSet;

on_both_backends!(
    json_comment_is_stored_and_acknowledged,
    idempotency_key_replays_the_first_answer,
    idempotency_key_with_another_body_is_refused,
    concurrent_submissions_are_all_kept,
    concurrent_retries_with_one_key_store_one_comment,
    acknowledged_comments_survive_a_restart,
);

async fn json_comment_is_stored_and_acknowledged(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let res = app.post_json(&comment_body()).await;
    assert_eq!(res.status(), 201);
    let location = res.headers()["location"].to_str().unwrap().to_string();
    let body: serde_json::Value = res.json().await.unwrap();
    let tn = body["tracking_number"].as_str().unwrap();
    assert!(TrackingNumber::parse(tn).is_some(), "3-4-4 form: {tn}");
    assert_eq!(body["docket"], DOCKET);
    assert_eq!(body["receipt"], "queued");
    assert_eq!(body["late"], false);
    assert_eq!(body["received_at"], "2026-11-10T15:00:00Z");
    assert_eq!(location, format!("/receipts/{tn}"));

    let stored = rfidesk::db::models::comment::find_by_tracking_number(&mut app.db(), tn)
        .unwrap()
        .unwrap();
    assert_eq!(stored.organization.as_deref(), Some("Example AI Inc."));
    assert_eq!(stored.email.as_deref(), Some("ada@example.com"));
    let answers: serde_json::Value = serde_json::from_str(&stored.answers).unwrap();
    assert_eq!(answers["standards"], "Engage early in ISO/IEC JTC 1/SC 42.");

    let page = app.client.get(app.url(&location)).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains(tn));
    assert!(
        !html.contains("ada@example.com"),
        "the receipt page shows no contact details"
    );
}

async fn idempotency_key_replays_the_first_answer(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let send = || app.keyed("retry-7f3a", &comment_body()).send();
    let first = send().await.unwrap();
    assert_eq!(first.status(), 201);
    let first: serde_json::Value = first.json().await.unwrap();
    app.clock.set(open_time() + chrono::TimeDelta::hours(23));
    let again = send().await.unwrap();
    assert_eq!(again.status(), 201);
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    let again: serde_json::Value = again.json().await.unwrap();
    assert_eq!(first, again);
    assert_eq!(app.comment_count(), 1);

    // After 24 hours the key may be used afresh.
    app.clock.set(open_time() + chrono::TimeDelta::hours(25));
    let later = send().await.unwrap();
    assert_eq!(later.status(), 201);
    let later: serde_json::Value = later.json().await.unwrap();
    assert_ne!(later["tracking_number"], first["tracking_number"]);
    assert_eq!(app.comment_count(), 2);
}

async fn idempotency_key_with_another_body_is_refused(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let post = |body: serde_json::Value| app.keyed("k-1", &body).send();
    assert_eq!(post(comment_body()).await.unwrap().status(), 201);
    let mut other = comment_body();
    other["comment"] = "A different comment".into();
    let res = post(other).await.unwrap();
    assert_eq!(res.status(), 422);
    let err: serde_json::Value = res.json().await.unwrap();
    assert_eq!(err["error"]["code"], "idempotency_key_reused");
    assert_eq!(app.comment_count(), 1);
}

async fn concurrent_submissions_are_all_kept(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let sends = (0..200).map(|i| {
        let mut body = comment_body();
        body["comment"] = format!("comment number {i}").into();
        let req = app
            .client
            .post(app.url(&format!("/api/v1/dockets/{DOCKET}/comments")))
            .json(&body);
        async move { req.send().await.unwrap() }
    });
    let responses = futures_util::future::join_all(sends).await;
    let mut numbers = HashSet::new();
    for res in responses {
        assert_eq!(res.status(), 201);
        let body: serde_json::Value = res.json().await.unwrap();
        numbers.insert(body["tracking_number"].as_str().unwrap().to_string());
    }
    assert_eq!(numbers.len(), 200, "tracking numbers are unique");
    assert_eq!(app.comment_count(), 200);
    let feed = rfidesk::db::models::change_feed::after(&mut app.db(), 0, 1000).unwrap();
    assert_eq!(feed.len(), 200, "one change-feed row per comment");
    assert!(feed.windows(2).all(|w| w[0].seq < w[1].seq));
}

async fn acknowledged_comments_survive_a_restart(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    // Acknowledged while the server is stopping: each 201 must be on disk.
    let sends: Vec<_> = (0..50)
        .map(|_| {
            let req = app.keyed(&uuid::Uuid::new_v4().to_string(), &comment_body());
            tokio::spawn(async move { req.send().await })
        })
        .collect();
    let keyed = app
        .keyed("before-restart", &comment_body())
        .send()
        .await
        .unwrap();
    let first: serde_json::Value = keyed.json().await.unwrap();
    let stopped = app.stop().await;
    let mut acknowledged = vec![];
    for s in sends {
        if let Ok(res) = s.await.unwrap() {
            if res.status() == 201 {
                let body: serde_json::Value = res.json().await.unwrap();
                acknowledged.push(body["tracking_number"].as_str().unwrap().to_string());
            }
        }
    }

    let app = stopped.restart().await;
    let mut conn = app.db();
    for tn in &acknowledged {
        assert!(
            rfidesk::db::models::comment::find_by_tracking_number(&mut conn, tn)
                .unwrap()
                .is_some(),
            "{tn} lost"
        );
    }
    let tn = first["tracking_number"].as_str().unwrap();
    assert_eq!(app.get_status(&format!("/receipts/{tn}")).await, 200);
    let replay = app
        .keyed("before-restart", &comment_body())
        .send()
        .await
        .unwrap();
    let replay: serde_json::Value = replay.json().await.unwrap();
    assert_eq!(replay, first);
}

async fn concurrent_retries_with_one_key_store_one_comment(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    // Sent at once, they land in the same group commit.
    let sends = (0..20).map(|i| {
        let mut body = comment_body();
        if i % 5 == 4 {
            body["comment"] = "a different body under the same key".into();
        }
        let req = app.keyed("shared-key", &body);
        async move { (i % 5 == 4, req.send().await.unwrap()) }
    });
    let mut numbers = HashSet::new();
    for (different, res) in futures_util::future::join_all(sends).await {
        let status = res.status().as_u16();
        let body: serde_json::Value = res.json().await.unwrap();
        if status == 201 {
            numbers.insert(body["tracking_number"].as_str().unwrap().to_string());
        } else {
            assert_eq!(status, 422);
            assert_eq!(body["error"]["code"], "idempotency_key_reused");
        }
        let _ = different;
    }
    assert_eq!(numbers.len(), 1, "every 201 is the same comment");
    assert_eq!(app.comment_count(), 1);
}
