use crate::helpers::*;
use crate::on_both_backends;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

on_both_backends!(
    receipt_is_delivered_by_smtp,
    smtp_outage_delays_receipts_and_loses_none,
    unreachable_smtp_never_delays_a_submission,
    a_stopped_mail_server_delays_receipts_until_it_returns_and_each_goes_once,
    a_receipt_never_waits_behind_a_slow_extraction,
    a_dead_nodes_receipt_is_sent_once_its_lease_lapses,
);

/// Receipt jobs: (tracking number, status, attempts, last error).
fn receipt_jobs(app: &TestApp) -> Vec<(String, String, i32, Option<String>)> {
    use diesel::prelude::*;
    use rfidesk::db::schema::jobs;
    jobs::table
        .filter(jobs::kind.eq("receipt"))
        .select((
            jobs::subject,
            jobs::status,
            jobs::attempts,
            jobs::last_error,
        ))
        .load(&mut app.db())
        .unwrap()
}

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
            let jobs = receipt_jobs(&app);
            (jobs.len() == 3
                && jobs
                    .iter()
                    .all(|(_, status, _, error)| status == "queued" && error.is_some()))
            .then_some(())
        },
    )
    .await;
    assert!(sink.delivered().is_empty());
    // Staff see the receipts waiting to retry, and why, by tracking number.
    let staff = app.user("sam", "staff", "staff-password");
    let report = app.json_as(&staff, "/api/v1/admin/jobs", 200).await;
    assert_eq!(report["counts"]["receipt"]["queued"], 3, "{report}");
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
    let port = free_port();
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
    let jobs = eventually(
        Duration::from_secs(10),
        "a failed attempt recorded",
        || async {
            let jobs = receipt_jobs(&app);
            jobs.iter().any(|(_, _, _, e)| e.is_some()).then_some(jobs)
        },
    )
    .await;
    assert_eq!(jobs.len(), 5);
    assert!(
        jobs.iter()
            .all(|(_, s, _, _)| s == "queued" || s == "running"),
        "kept for retry: {jobs:?}"
    );
}

/// Receipts have their own lane: a file whose text takes long to read
/// (here 40 s) holds up no receipt.
async fn a_receipt_never_waits_behind_a_slow_extraction(backend: Backend) {
    use std::os::unix::fs::PermissionsExt;
    let scripts = tempfile::tempdir().unwrap();
    let script = scripts.path().join("slow-extract");
    std::fs::write(&script, "#!/bin/sh\nexec /bin/sleep 40\n").unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let (sink, url) = SmtpSink::start();
    let app = TestApp::builder(backend)
        .smtp(url)
        .extractor(script)
        .start()
        .await;
    let first = app
        .submit_with_file("slow.txt", b"takes a while".to_vec())
        .await;
    // The extraction of the first file is under way before the receipts.
    eventually(
        Duration::from_secs(10),
        "the extraction to start",
        || async {
            use diesel::prelude::*;
            use rfidesk::db::schema::jobs;
            let running: i64 = jobs::table
                .filter(jobs::kind.eq("extract_text"))
                .filter(jobs::status.eq("running"))
                .count()
                .get_result(&mut app.db())
                .unwrap();
            (running == 1).then_some(())
        },
    )
    .await;
    let second = app
        .submit_with_file("other.txt", b"another file".to_vec())
        .await;
    let started = Instant::now();
    let mail = eventually(Duration::from_secs(30), "both receipts", || async {
        let d = sink.delivered();
        (d.len() == 2).then_some(d)
    })
    .await;
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "receipts sent while the text was still being read"
    );
    for tn in [&first, &second] {
        assert!(mail.iter().any(|m| m.data.contains(tn.as_str())), "{tn}");
    }
}

/// A receipt born leased to a node that died before sending it is sent by
/// another node once the lease lapses, once.
async fn a_dead_nodes_receipt_is_sent_once_its_lease_lapses(backend: Backend) {
    use diesel::prelude::*;
    use rfidesk::db::schema::jobs;
    let (sink, url) = SmtpSink::start();
    sink.refusing.store(true, Ordering::SeqCst);
    let app = TestApp::builder(backend).smtp(url).start().await;
    let body: serde_json::Value = app.post_json(&comment_body()).await.json().await.unwrap();
    let tn = body["tracking_number"].as_str().unwrap().to_string();
    eventually(Duration::from_secs(10), "a refused attempt", || async {
        receipt_jobs(&app)
            .iter()
            .any(|(_, s, _, e)| s == "queued" && e.is_some())
            .then_some(())
    })
    .await;
    // As if another node had claimed it and died mid-send.
    let now = open_time().naive_utc();
    diesel::update(jobs::table.filter(jobs::subject.eq(&tn)))
        .set((
            jobs::status.eq("running"),
            jobs::leased_by.eq("a-node-that-died"),
            jobs::lease_until.eq(now + chrono::TimeDelta::minutes(2)),
        ))
        .execute(&mut app.db())
        .unwrap();
    sink.refusing.store(false, Ordering::SeqCst);
    app.clock.set(open_time() + chrono::TimeDelta::minutes(3));
    let mail = eventually(Duration::from_secs(10), "the receipt", || async {
        let d = sink.delivered();
        (!d.is_empty()).then_some(d)
    })
    .await;
    assert_eq!(mail.len(), 1);
    assert!(mail[0].data.contains(&tn));
    let job = eventually(Duration::from_secs(10), "the job settled", || async {
        receipt_jobs(&app)
            .into_iter()
            .find(|(_, s, _, _)| s == "done")
    })
    .await;
    assert_eq!(job.0, tn);
    let (leased_by,): (Option<String>,) = jobs::table
        .filter(jobs::subject.eq(&tn))
        .select((jobs::leased_by,))
        .first(&mut app.db())
        .unwrap();
    assert_eq!(leased_by, None);
}

/// Issue 13, step 2: the mail server is down (nothing listens on its
/// port) while comments keep coming; intake goes on at full speed; once a
/// mail server listens there again, every receipt is delivered exactly
/// once.
async fn a_stopped_mail_server_delays_receipts_until_it_returns_and_each_goes_once(
    backend: Backend,
) {
    let port = free_port();
    let app = TestApp::builder(backend)
        .smtp(format!("smtp://127.0.0.1:{port}"))
        .start()
        .await;
    let started = Instant::now();
    let body = comment_body();
    let sends = (0..30).map(|_| app.post_json(&body));
    let mut numbers = Vec::new();
    for res in futures_util::future::join_all(sends).await {
        assert_eq!(res.status(), 201);
        let body: serde_json::Value = res.json().await.unwrap();
        numbers.push(body["tracking_number"].as_str().unwrap().to_string());
    }
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "intake does not wait for mail"
    );
    // Every receipt tried and failed at least once while it was down.
    eventually(Duration::from_secs(30), "a failed attempt each", || async {
        let jobs = receipt_jobs(&app);
        (jobs.len() == 30
            && jobs.iter().all(|(_, status, attempts, error)| {
                status == "queued" && *attempts >= 1 && error.is_some()
            }))
        .then_some(())
    })
    .await;

    // The mail server comes back on the same address; the backoff passes.
    let (sink, _) = SmtpSink::start_on(port);
    app.clock.set(open_time() + chrono::TimeDelta::hours(2));
    let delivered = eventually(Duration::from_secs(30), "every receipt", || async {
        let d = sink.delivered();
        (receipt_jobs(&app).iter().all(|(_, s, _, _)| s == "done") && d.len() >= 30).then_some(d)
    })
    .await;
    assert_eq!(delivered.len(), 30, "nothing sent twice");
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
