//! Background work as leased jobs, over real HTTP: a failing job is retried
//! with backoff and never holds up the next; one that keeps failing ends as
//! `failed` with its reason, shown to staff; two nodes on one PostgreSQL
//! database run each job once and each index sees every comment; the purge
//! keeps what a live index still needs.

use crate::helpers::*;
use crate::on_both_backends;
use diesel::prelude::*;
use rfidesk::db::schema::{change_feed, feed_horizon, idempotency_keys, index_nodes, jobs};
use serde_json::Value;
use std::time::Duration;

on_both_backends!(
    a_failing_extraction_is_retried_and_never_blocks_the_next,
    the_purge_keeps_what_an_index_still_needs,
);

/// An extractor that crashes (exit 70) for files saying `always-crash`,
/// and for files saying `crash-once` until the test makes `recovered`;
/// otherwise it is rfidesk's own. The child runs confined (it can write
/// nothing and start no process) with an empty environment, so the
/// script uses shell built-ins only.
fn flaky_extractor(dir: &std::path::Path) -> std::path::PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let script = dir.join("flaky-extract");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nread -r content < \"$6\"\n\
             case \"$content\" in *always-crash*) exit 70;; esac\n\
             case \"$content\" in *crash-once*) [ -e '{flag}' ] || exit 70;; esac\n\
             exec '{rfidesk}' \"$@\"\n",
            flag = dir.join("recovered").display(),
            rfidesk = env!("CARGO_BIN_EXE_rfidesk"),
        ),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    script
}

async fn submit_file(app: &TestApp, name: &str, text: &str) -> String {
    app.submit_with_file(name, text.as_bytes().to_vec()).await
}

async fn text_status(app: &TestApp, token: &str, tn: &str) -> Value {
    let c = app
        .json_as(token, &format!("/api/v1/comments/{tn}"), 200)
        .await;
    c["attachments"][0].clone()
}

async fn a_failing_extraction_is_retried_and_never_blocks_the_next(backend: Backend) {
    let scripts = tempfile::tempdir().unwrap();
    let app = TestApp::builder(backend)
        .extractor(flaky_extractor(scripts.path()))
        .start()
        .await;
    let staff = app.user("sam", "staff", "staff-password");
    let once = submit_file(&app, "once.txt", "crash-once okapi").await;
    let always = submit_file(&app, "always.txt", "always-crash quagga").await;
    let fine = submit_file(&app, "fine.txt", "an ordinary zebra").await;

    // The file after the failures is read at once.
    eventually(Duration::from_secs(30), "the third file read", || async {
        (text_status(&app, &staff, &fine).await["text_status"] == "extracted").then_some(())
    })
    .await;
    // The failed ones wait for their retry, and staff see why.
    let report = eventually(
        Duration::from_secs(30),
        "both failures recorded",
        || async {
            let r = app.json_as(&staff, "/api/v1/admin/jobs", 200).await;
            (r["troubled"].as_array().unwrap().len() == 2).then_some(r)
        },
    )
    .await;
    for job in report["troubled"].as_array().unwrap() {
        assert_eq!(job["kind"], "extract_text");
        assert_eq!(job["status"], "queued", "{job}");
        assert_eq!(job["attempts"], 1);
        assert!(
            job["last_error"].as_str().unwrap().contains("exit 70"),
            "{job}"
        );
    }
    assert_eq!(
        text_status(&app, &staff, &once).await["text_status"],
        "pending"
    );
    assert_eq!(report["counts"]["extract_text"]["done"], 1, "{report}");
    // Whatever made the first file fail has passed.
    std::fs::write(scripts.path().join("recovered"), b"").unwrap();

    // Time passes: the retries come due (30 s, then 60 s).
    for minutes in [1, 3, 10] {
        app.clock
            .set(open_time() + chrono::TimeDelta::minutes(minutes));
        let now = (open_time() + chrono::TimeDelta::minutes(minutes)).naive_utc();
        eventually(Duration::from_secs(30), "a round of retries", || async {
            let busy: i64 = jobs::table
                .filter(jobs::kind.eq("extract_text"))
                .filter(
                    jobs::status
                        .eq("running")
                        .or(jobs::status.eq("queued").and(jobs::run_after.le(now))),
                )
                .count()
                .get_result(&mut app.db())
                .unwrap();
            (busy == 0).then_some(())
        })
        .await;
    }
    assert_eq!(
        text_status(&app, &staff, &once).await["text_status"],
        "extracted"
    );
    let failed = text_status(&app, &staff, &always).await;
    assert_eq!(failed["text_status"], "extraction_failed", "{failed}");
    assert!(failed["text_detail"].as_str().unwrap().contains("exit 70"));
    let r = app.json_as(&staff, "/api/v1/admin/jobs", 200).await;
    assert_eq!(r["counts"]["extract_text"]["failed"], 1, "{r}");
    assert_eq!(r["counts"]["extract_text"]["done"], 2, "{r}");
    let gave_up = &r["troubled"][0];
    assert_eq!(gave_up["status"], "failed");
    assert_eq!(gave_up["attempts"], 3);
    // Analysts do not see the job report.
    let analyst = app.user("ana", "analyst", "analyst-password");
    app.json_as(&analyst, "/api/v1/admin/jobs", 403).await;
    // The retried file's words are searchable.
    let found = eventually(Duration::from_secs(10), "okapi indexed", || async {
        let r = app.search(&staff, &[("q", "okapi")]).await;
        (r["total"] == 1).then_some(r)
    })
    .await;
    assert_eq!(found["total"], 1);
}

async fn the_purge_keeps_what_an_index_still_needs(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let token = app.user("ana", "analyst", "analyst-password");
    for i in 0..3 {
        let res = app
            .keyed(&format!("key-{i}"), &comment_body())
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201);
    }
    assert_eq!(app.index_caught_up(&token).await, 3);
    app.campaigns_settled().await;
    let mut conn = app.db();
    // Another node, alive, whose index has applied only the first change.
    diesel::insert_into(index_nodes::table)
        .values((
            index_nodes::node_id.eq("other-node"),
            index_nodes::applied_seq.eq(1i64),
            index_nodes::seen_at.eq(chrono::Utc::now().naive_utc() + chrono::TimeDelta::days(9)),
        ))
        .execute(&mut conn)
        .unwrap();
    let feed_before: i64 = change_feed::table.count().get_result(&mut conn).unwrap();
    assert!(feed_before >= 3);

    // Nine days on, the hourly purge comes due and runs.
    app.clock
        .set(chrono::Utc::now() + chrono::TimeDelta::days(9));
    eventually(Duration::from_secs(30), "the purge to run", || async {
        let keys: i64 = idempotency_keys::table
            .count()
            .get_result(&mut app.db())
            .unwrap();
        (keys == 0).then_some(())
    })
    .await;
    let purge: (String, String) = jobs::table
        .filter(jobs::id.eq("purge:retention"))
        .select((jobs::status, jobs::kind))
        .first(&mut conn)
        .unwrap();
    assert_eq!(purge.0, "queued", "the purge comes round again");
    let left: Vec<i64> = change_feed::table
        .select(change_feed::seq)
        .order(change_feed::seq)
        .load(&mut conn)
        .unwrap();
    assert_eq!(
        left.len() as i64,
        feed_before - 1,
        "only what every index applied: {left:?}"
    );
    assert!(left.iter().all(|s| *s > 1));
    let horizon: i64 = feed_horizon::table
        .select(feed_horizon::purged_through)
        .first(&mut conn)
        .unwrap();
    assert_eq!(horizon, 1);

    // The node itself restarts on its index (it is past the horizon) ...
    let app = app.stop().await.restart().await;
    assert_eq!(app.index_caught_up(&token).await, 3);
    // ... and an index behind the horizon (a node away for longer than
    // the retention) is rebuilt rather than resumed with a gap.
    let status = app
        .json_as(
            &app.user("sam", "staff", "staff-password"),
            "/api/v1/admin/index",
            200,
        )
        .await;
    let generation = status["generation"].as_str().unwrap().to_string();
    let app = app.stop().await;
    diesel::update(feed_horizon::table)
        .set(feed_horizon::purged_through.eq(1_000_000i64))
        .execute(&mut conn)
        .unwrap();
    let app = app.restart().await;
    let staff = app.user("sam2", "staff", "staff-password");
    let rebuilt = eventually(Duration::from_secs(30), "a rebuilt index", || async {
        let s = app.json_as(&staff, "/api/v1/admin/index", 200).await;
        (s["generation"] != generation.as_str() && s["state"] == "following").then_some(s)
    })
    .await;
    assert_eq!(rebuilt["documents"], 3);
}

/// Two nodes on one PostgreSQL database, each with its own index: every
/// comment, submitted to either under concurrent load, is in both indexes
/// (no change skipped between concurrent writers), each file's text is
/// read once, by one node, and each receipt is sent once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_nodes_share_the_work_and_see_every_comment() {
    if !postgres_available() {
        eprintln!("TEST_DATABASE_URL not set: two-node test not run");
        return;
    }
    let first = TestApp::spawn(Backend::Postgres).await;
    let second = TestApp::builder(Backend::Postgres)
        .sharing_database_of(&first)
        .start()
        .await;
    let token = first.user("ana", "analyst", "analyst-password");
    let mut sent = Vec::new();
    for i in 0..40 {
        let app = if i % 2 == 0 { &first } else { &second };
        let text = format!("shared file number w{i}x and its words");
        let form = reqwest::multipart::Form::new()
            .text("comment", comment_body().to_string())
            .part(
                "attachments",
                reqwest::multipart::Part::bytes(text.into_bytes()).file_name("f.txt"),
            );
        let req = app
            .client
            .post(app.url(&format!("/api/v1/dockets/{DOCKET}/comments")))
            .multipart(form);
        sent.push(tokio::spawn(
            async move { req.send().await.unwrap().status() },
        ));
    }
    for s in sent {
        assert_eq!(s.await.unwrap(), 201);
    }
    // Plain comments too, 200 at once to both nodes.
    let mut sent = Vec::new();
    for i in 0..200 {
        let app = if i % 2 == 0 { &first } else { &second };
        let req = app
            .client
            .post(app.url(&format!("/api/v1/dockets/{DOCKET}/comments")))
            .json(&comment_body());
        sent.push(tokio::spawn(
            async move { req.send().await.unwrap().status() },
        ));
    }
    for s in sent {
        assert_eq!(s.await.unwrap(), 201);
    }
    for app in [&first, &second] {
        assert_eq!(app.index_caught_up(&token).await, 240);
    }
    let mut conn = first.db();
    eventually(Duration::from_secs(60), "every file read", || async {
        let done: i64 = jobs::table
            .filter(jobs::kind.eq("extract_text"))
            .filter(jobs::status.eq("done"))
            .count()
            .get_result(&mut first.db())
            .unwrap();
        (done == 40).then_some(())
    })
    .await;
    let attempts: Vec<i32> = jobs::table
        .filter(jobs::kind.eq("extract_text"))
        .select(jobs::attempts)
        .load(&mut conn)
        .unwrap();
    assert_eq!(attempts.len(), 40);
    assert!(
        attempts.iter().all(|a| *a == 1),
        "each file read once: {attempts:?}"
    );
    let errors: Vec<Option<String>> = jobs::table
        .filter(jobs::kind.eq("extract_text"))
        .select(jobs::last_error)
        .load(&mut conn)
        .unwrap();
    assert!(errors.iter().all(Option::is_none), "no run failed");
    // Every receipt sent once, by the node that took its comment.
    let receipts = eventually(Duration::from_secs(30), "every receipt sent", || async {
        let rows: Vec<(String, i32)> = jobs::table
            .filter(jobs::kind.eq("receipt"))
            .select((jobs::status, jobs::attempts))
            .load(&mut first.db())
            .unwrap();
        rows.iter().all(|(s, _)| s == "done").then_some(rows)
    })
    .await;
    assert_eq!(receipts.len(), 240);
    assert!(receipts.iter().all(|(_, a)| *a == 1), "each sent once");
    // Both indexes find every file's words.
    for app in [&first, &second] {
        eventually(Duration::from_secs(20), "text in both indexes", || async {
            let r = app.search(&token, &[("q", "w7x OR w38x")]).await;
            (r["total"] == 2).then_some(())
        })
        .await;
    }
}
