use crate::helpers::*;
use crate::on_both_backends;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

on_both_backends!(
    receipt_is_delivered_by_smtp,
    smtp_outage_delays_receipts_and_loses_none,
    unreachable_smtp_never_delays_a_submission,
);

async fn receipt_is_delivered_by_smtp(backend: Backend) {
    let (sink, url) = SmtpSink::start();
    let app = TestApp::builder(backend).smtp(url).start().await;
    let body: serde_json::Value = app.post_json(&comment_body()).await.json().await.unwrap();
    let tn = body["tracking_number"].as_str().unwrap().to_string();
    let mail = eventually(Duration::from_secs(10), "the receipt", || async {
        sink.delivered().into_iter().next()
    })
    .await;
    assert_eq!(mail.to, ["ada@example.com"]);
    assert!(mail.data.contains(&tn), "tracking number in the receipt");
    assert!(
        mail.data
            .contains("American AI Exports Program: Request for Information"),
        "docket title"
    );
    assert!(mail
        .data
        .contains(&format!("Message-ID: <receipt.{tn}@rfidesk>")));

    // No receipt unless asked for.
    let mut quiet = comment_body();
    quiet["send_receipt"] = false.into();
    let body: serde_json::Value = app.post_json(&quiet).await.json().await.unwrap();
    assert_eq!(body["receipt"], "not_requested");
    // Delivery is recorded just after the server accepted the message.
    eventually(
        Duration::from_secs(10),
        "the receipt page to say Sent",
        || async {
            app.get_text(&format!("/receipts/{tn}"))
                .await
                .contains("Sent")
                .then_some(())
        },
    )
    .await;
    assert_eq!(sink.delivered().len(), 1);
}

async fn smtp_outage_delays_receipts_and_loses_none(backend: Backend) {
    let (sink, url) = SmtpSink::start();
    sink.refusing.store(true, Ordering::SeqCst);
    let app = TestApp::builder(backend).smtp(url).start().await;
    let mut numbers = vec![];
    for _ in 0..3 {
        let body: serde_json::Value = app.post_json(&comment_body()).await.json().await.unwrap();
        numbers.push(body["tracking_number"].as_str().unwrap().to_string());
    }
    // Wait until every receipt has been tried and refused once.
    eventually(
        Duration::from_secs(10),
        "a refused attempt per receipt",
        || async {
            let attempts: Vec<i32> = {
                use diesel::prelude::*;
                use rfidesk::db::schema::receipts::dsl::*;
                receipts.select(attempts).load(&mut app.db()).unwrap()
            };
            (attempts.len() == 3 && attempts.iter().all(|a| *a >= 1)).then_some(())
        },
    )
    .await;
    assert!(sink.delivered().is_empty());
    // Staff see the receipts waiting to retry, and why, by tracking number.
    let staff = app.user("sam", "staff", "staff-password");
    let report = app.json_as(&staff, "/api/v1/admin/jobs", 200).await;
    assert_eq!(report["counts"]["receipt"]["pending"], 3, "{report}");
    let waiting: Vec<&serde_json::Value> = report["troubled"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|j| j["kind"] == "receipt")
        .collect();
    assert_eq!(waiting.len(), 3, "{report}");
    for j in &waiting {
        assert!(numbers.iter().any(|tn| j["subject"] == tn.as_str()));
        assert!(j["last_error"].as_str().is_some_and(|e| !e.is_empty()));
    }
    assert!(
        !report.to_string().contains("@example"),
        "no recipient in the report"
    );

    // The server recovers; the backoff has passed.
    sink.refusing.store(false, Ordering::SeqCst);
    app.clock.set(open_time() + chrono::TimeDelta::hours(1));
    let delivered = eventually(Duration::from_secs(10), "all receipts", || async {
        let d = sink.delivered();
        (d.len() >= 3).then_some(d)
    })
    .await;
    for tn in &numbers {
        assert_eq!(
            delivered
                .iter()
                .filter(|m| m.data.contains(tn.as_str()))
                .count(),
            1,
            "{tn} sent exactly once"
        );
    }
}

async fn unreachable_smtp_never_delays_a_submission(backend: Backend) {
    // A port with nothing listening.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let app = TestApp::builder(backend)
        .smtp(format!("smtp://127.0.0.1:{port}"))
        .start()
        .await;
    let started = Instant::now();
    for _ in 0..5 {
        assert_eq!(app.post_json(&comment_body()).await.status(), 201);
    }
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "intake does not wait for mail"
    );
    let status = eventually(
        Duration::from_secs(10),
        "a failed attempt recorded",
        || async {
            use diesel::prelude::*;
            use rfidesk::db::schema::receipts::dsl::*;
            let rows: Vec<(String, i32)> = receipts
                .select((status, attempts))
                .load(&mut app.db())
                .unwrap();
            rows.iter().any(|(_, a)| *a >= 1).then_some(rows)
        },
    )
    .await;
    assert!(
        status.iter().all(|(s, _)| s == "pending"),
        "kept for retry: {status:?}"
    );
}
