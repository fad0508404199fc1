//! Crash safety (issue "Proof under load, faults and hostile input", 1):
//! the real binary, under concurrent submissions (JSON and multipart with
//! a file) and tagging, killed with SIGKILL at random moments twenty times
//! and restarted each time. Afterwards every comment that got a 201 is in
//! the database with its file on disk, every tag that got a 2xx is stored,
//! and the index converges to the database: the same comments, once each,
//! and the same tag counts.

use crate::helpers::*;
use crate::indexing::{all_indexed, served_with_staff};
use crate::on_both_backends;
use rand::Rng;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

on_both_backends!(twenty_kills_under_load_lose_no_acknowledged_comment);

const KILLS: usize = 20;
const TAG: &str = "package/hardware";

/// What the load was told: tracking numbers acknowledged (with the file's
/// content, for those that sent one) and comments whose tag was.
#[derive(Default)]
struct Acked {
    comments: Vec<(String, Option<Vec<u8>>)>,
    tagged: BTreeSet<String>,
}

/// One client: submits until stopped, against whichever server is up;
/// a refused connection (the server is down) is tried again shortly.
async fn submitter(
    id: usize,
    base: Arc<RwLock<String>>,
    acked: Arc<Mutex<Acked>>,
    stop: Arc<AtomicBool>,
) {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let mut n = 0usize;
    while !stop.load(Ordering::Relaxed) {
        n += 1;
        let base_url = base.read().unwrap().clone();
        let mut body = comment_body();
        body["comment"] = json!(format!("Client {id}, comment {n}."));
        let file = (n % 2 == 0).then(|| format!("file of client {id}, comment {n}").into_bytes());
        let req = submission(&client, &base_url, &body, file.as_deref());
        match req.send().await {
            Ok(res) if res.status() == 201 => {
                let Ok(v) = res.json::<Value>().await else {
                    continue;
                };
                let tn = v["tracking_number"].as_str().unwrap().to_string();
                acked.lock().unwrap().comments.push((tn, file));
            }
            // Killed mid-request, or not up yet: nothing was promised.
            _ => tokio::time::sleep(Duration::from_millis(20)).await,
        }
    }
}

/// Tags acknowledged comments, one after another, until stopped.
async fn tagger(
    token: String,
    base: Arc<RwLock<String>>,
    acked: Arc<Mutex<Acked>>,
    stop: Arc<AtomicBool>,
) {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let mut next = 0usize;
    while !stop.load(Ordering::Relaxed) {
        let tn = acked
            .lock()
            .unwrap()
            .comments
            .get(next)
            .map(|(tn, _)| tn.clone());
        let Some(tn) = tn else {
            tokio::time::sleep(Duration::from_millis(20)).await;
            continue;
        };
        let url = format!("{}/api/v1/comments/{tn}/tags", base.read().unwrap().clone());
        match client
            .post(&url)
            .bearer_auth(&token)
            .json(&json!({ "tag": TAG }))
            .send()
            .await
        {
            Ok(res) if res.status().is_success() => {
                acked.lock().unwrap().tagged.insert(tn);
                next += 1;
            }
            _ => tokio::time::sleep(Duration::from_millis(20)).await,
        }
    }
}

async fn twenty_kills_under_load_lose_no_acknowledged_comment(backend: Backend) {
    let db = TestDb::create(backend);
    let dir = tempfile::tempdir().unwrap();
    let (mut server, token) = served_with_staff(dir.path(), &db);
    let base = Arc::new(RwLock::new(server.base.clone()));
    let acked = Arc::new(Mutex::new(Acked::default()));
    let stop = Arc::new(AtomicBool::new(false));
    let mut load = Vec::new();
    for id in 0..6 {
        load.push(tokio::spawn(submitter(
            id,
            base.clone(),
            acked.clone(),
            stop.clone(),
        )));
    }
    load.push(tokio::spawn(tagger(
        token.clone(),
        base.clone(),
        acked.clone(),
        stop.clone(),
    )));

    for kill in 0..KILLS {
        // Each server takes some load first, then dies at a random moment
        // of it: mid-request, mid-commit, mid-index, mid-tag.
        let seen = acked.lock().unwrap().comments.len();
        eventually(Duration::from_secs(60), "load on this server", || async {
            (acked.lock().unwrap().comments.len() >= seen + 10).then_some(())
        })
        .await;
        let pause = rand::rng().random_range(0..250);
        tokio::time::sleep(Duration::from_millis(pause)).await;
        server.child.kill().unwrap();
        server.child.wait().unwrap();
        server = serve_binary(dir.path(), &db);
        *base.write().unwrap() = server.base.clone();
        eprintln!("kill {}: {} acknowledged so far", kill + 1, seen);
    }
    stop.store(true, Ordering::Relaxed);
    for task in load {
        task.await.unwrap();
    }
    let acked = std::mem::take(&mut *acked.lock().unwrap());
    assert!(acked.comments.len() >= KILLS * 10);

    // Every acknowledged comment is stored, and its file with it.
    let mut conn = rfidesk::db::DatabaseUrl::from_env_value(db.url.as_deref(), dir.path())
        .connect()
        .unwrap();
    for (tn, file) in &acked.comments {
        let c = rfidesk::db::models::comment::find_by_tracking_number(&mut conn, tn)
            .unwrap()
            .unwrap_or_else(|| panic!("acknowledged {tn} is not stored"));
        let files = rfidesk::db::models::attachment::for_comment(&mut conn, &c.id).unwrap();
        match file {
            Some(bytes) => {
                assert_eq!(files.len(), 1, "{tn}'s file");
                let sha = &files[0].sha256;
                let stored =
                    std::fs::read(dir.path().join("attachments").join(&sha[..2]).join(sha))
                        .unwrap_or_else(|e| panic!("{tn}'s file is not on disk: {e}"));
                assert_eq!(&stored, bytes, "{tn}'s file");
            }
            None => assert!(files.is_empty()),
        }
    }
    let stored = rfidesk::db::models::comment::count(&mut conn).unwrap();
    let tagged_in_db: i64 = {
        use diesel::prelude::*;
        use rfidesk::db::schema::{comment_tags, tags};
        comment_tags::table
            .inner_join(tags::table)
            .filter(tags::path.eq(TAG))
            .count()
            .get_result(&mut conn)
            .unwrap()
    };
    assert!(tagged_in_db as usize >= acked.tagged.len());
    for tn in &acked.tagged {
        let c = rfidesk::db::models::comment::find_by_tracking_number(&mut conn, tn)
            .unwrap()
            .unwrap();
        let paths = rfidesk::db::models::comment_tag::paths_for_comments(
            &mut conn,
            std::slice::from_ref(&c.id),
        )
        .unwrap();
        assert!(
            paths.iter().any(|(_, p)| p == TAG),
            "acknowledged tag on {tn} is not stored"
        );
    }

    // The index converges to the database: every comment once, the same
    // tag count.
    let url = server.base.clone();
    let indexed = eventually(
        Duration::from_secs(120),
        "the index to converge",
        || async {
            let all = all_indexed(&url, &token).await?;
            (all.len() as i64 == stored).then_some(all)
        },
    )
    .await;
    let distinct: BTreeSet<&String> = indexed.iter().collect();
    assert_eq!(distinct.len(), indexed.len(), "no document twice");
    let client = reqwest::Client::new();
    let tagged_in_index = eventually(Duration::from_secs(60), "the tag counts", || async {
        let r: Value = client
            .get(format!(
                "{url}/api/v1/search?q=*&tag={}&per_page=1",
                TAG.replace('/', "%2F")
            ))
            .bearer_auth(&token)
            .send()
            .await
            .ok()?
            .json()
            .await
            .ok()?;
        (r["total"].as_i64()? == tagged_in_db).then_some(r["total"].as_i64()?)
    })
    .await;
    assert_eq!(tagged_in_index, tagged_in_db);
    server.child.kill().unwrap();
    server.child.wait().unwrap();
}
