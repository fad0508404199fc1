//! Scale-out on PostgreSQL with real processes: two `rfidesk` nodes share
//! one database and one attachments directory, each with its own data
//! directory and index. A comment acknowledged by one is searchable on the
//! other within two seconds; killing one under load loses nothing, and
//! clients that retry with their Idempotency-Key on the other node store
//! each comment once. (In-process variants of the sharing itself are in
//! `jobs.rs`.)

use crate::helpers::*;
use crate::indexing::{all_indexed, served_with_staff};
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

/// Two nodes on one fresh database; the staff token works on both.
struct Pair {
    db: TestDb,
    db_url: Option<String>,
    dirs: [tempfile::TempDir; 2],
    shared: tempfile::TempDir,
    nodes: [Served; 2],
    token: String,
}

fn node(dir: &Path, db: &TestDb, shared: &Path) -> Served {
    serve_binary_with(dir, db, &[("RFIDESK_ATTACHMENTS_DIR", shared)])
}

fn pair() -> Option<Pair> {
    if !postgres_available() {
        eprintln!("TEST_DATABASE_URL not set: scale-out test not run");
        return None;
    }
    let db = TestDb::create(Backend::Postgres);
    let dirs = [tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap()];
    let shared = tempfile::tempdir().unwrap();
    // The first node sets up the docket and the account...
    // ... then both start, sharing the attachments.
    let (mut first, token) = served_with_staff(dirs[0].path(), &db);
    first.child.kill().unwrap();
    first.child.wait().unwrap();
    let nodes = [
        node(dirs[0].path(), &db, shared.path()),
        node(dirs[1].path(), &db, shared.path()),
    ];
    Some(Pair {
        db_url: db.url.clone(),
        db,
        dirs,
        shared,
        nodes,
        token,
    })
}

async fn found(base: &str, token: &str, word: &str) -> bool {
    let res = reqwest::Client::new()
        .get(format!("{base}/api/v1/search?q={word}"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    res.status() == 200 && res.json::<Value>().await.unwrap()["total"] == 1
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_comment_on_one_node_is_searchable_on_the_other_within_two_seconds() {
    let Some(mut p) = pair() else { return };
    let client = reqwest::Client::new();
    // Both indexes open.
    for n in &p.nodes {
        eventually(Duration::from_secs(60), "the index open", || async {
            all_indexed(&n.base, &p.token).await.map(|_| ())
        })
        .await;
    }
    let mut latencies = Vec::new();
    for i in 0..40 {
        let (from, to) = if i % 2 == 0 { (0, 1) } else { (1, 0) };
        let word = format!("zqlatency{i}");
        let mut body = comment_body();
        body["comment"] = json!(format!("Submitted to node {from}: {word}."));
        let res = client
            .post(format!(
                "{}/api/v1/dockets/{DOCKET}/comments",
                p.nodes[from].base
            ))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201);
        let acknowledged = Instant::now();
        let base = p.nodes[to].base.clone();
        eventually(
            Duration::from_secs(2),
            "searchable on the other node",
            || {
                let (base, token, word) = (base.clone(), p.token.clone(), word.clone());
                async move { found(&base, &token, &word).await.then_some(()) }
            },
        )
        .await;
        latencies.push(acknowledged.elapsed());
    }
    latencies.sort();
    eprintln!(
        "searchable on the other node: median {:?}, slowest {:?} (40 comments)",
        latencies[latencies.len() / 2],
        latencies[latencies.len() - 1]
    );
    for n in &mut p.nodes {
        n.child.kill().unwrap();
        n.child.wait().unwrap();
    }
}

type Acked = Arc<Mutex<Vec<(String, Option<Vec<u8>>)>>>;

/// A client behind a proxy: sends to its node; when the node is gone the
/// proxy sends the same request (same key) to the other one.
async fn client(id: usize, bases: Arc<RwLock<Vec<String>>>, acked: Acked, stop: Arc<AtomicBool>) {
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let mut n = 0usize;
    while !stop.load(Ordering::Relaxed) {
        n += 1;
        let key = format!("scale-{id}-{n}");
        let mut body = comment_body();
        body["comment"] = json!(format!("Client {id}, comment {n}, to either node."));
        let file = n
            .is_multiple_of(4)
            .then(|| format!("scale-out file {id}-{n}").into_bytes());
        let mut attempt = id;
        let res = loop {
            let base = {
                let bases = bases.read().unwrap();
                bases[attempt % bases.len()].clone()
            };
            let req = submission(&http, &base, &body, file.as_deref());
            match req.header("idempotency-key", &key).send().await {
                Ok(res) => break res,
                Err(_) => attempt += 1,
            }
        };
        assert_eq!(res.status(), 201);
        let v: Value = res.json().await.unwrap();
        acked
            .lock()
            .unwrap()
            .push((v["tracking_number"].as_str().unwrap().to_string(), file));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killing_one_node_under_load_loses_nothing() {
    let Some(mut p) = pair() else { return };
    let bases = Arc::new(RwLock::new(vec![
        p.nodes[0].base.clone(),
        p.nodes[1].base.clone(),
    ]));
    let acked: Acked = Default::default();
    let stop = Arc::new(AtomicBool::new(false));
    let load: Vec<_> = (0..6)
        .map(|id| tokio::spawn(client(id, bases.clone(), acked.clone(), stop.clone())))
        .collect();
    eventually(Duration::from_secs(30), "load on both nodes", || async {
        (acked.lock().unwrap().len() >= 150).then_some(())
    })
    .await;
    // The first node dies mid-load; the proxy stops sending to it.
    p.nodes[0].child.kill().unwrap();
    p.nodes[0].child.wait().unwrap();
    let at_kill = acked.lock().unwrap().len();
    *bases.write().unwrap() = vec![p.nodes[1].base.clone()];
    eventually(Duration::from_secs(30), "load on the survivor", || async {
        (acked.lock().unwrap().len() >= at_kill + 100).then_some(())
    })
    .await;
    stop.store(true, Ordering::Relaxed);
    for task in load {
        task.await.unwrap();
    }
    let acked = std::mem::take(&mut *acked.lock().unwrap());
    let tns: BTreeSet<&String> = acked.iter().map(|(tn, _)| tn).collect();
    assert_eq!(tns.len(), acked.len(), "a retried request stored twice");

    // Every acknowledged comment is in the database, its file on the
    // shared volume.
    let mut conn = rfidesk::db::DatabaseUrl::from_env_value(p.db_url.as_deref(), p.dirs[0].path())
        .connect()
        .unwrap();
    for (tn, file) in &acked {
        let c = rfidesk::db::models::comment::find_by_tracking_number(&mut conn, tn)
            .unwrap()
            .unwrap_or_else(|| panic!("acknowledged {tn} is lost"));
        if let Some(bytes) = file {
            let files = rfidesk::db::models::attachment::for_comment(&mut conn, &c.id).unwrap();
            let sha = &files[0].sha256;
            let stored = std::fs::read(p.shared.path().join(&sha[..2]).join(sha)).unwrap();
            assert_eq!(&stored, bytes);
        }
    }
    let count = rfidesk::db::models::comment::count(&mut conn).unwrap() as usize;
    assert_eq!(count, acked.len(), "stored exactly what was acknowledged");

    // The survivor's index holds every comment, those the dead node wrote
    // included; the dead node, back, catches up with what it missed.
    let survivor = p.nodes[1].base.clone();
    eventually(Duration::from_secs(60), "the survivor's index", || async {
        all_indexed(&survivor, &p.token)
            .await
            .filter(|all| all.len() == count)
    })
    .await;
    p.nodes[0] = node(p.dirs[0].path(), &p.db, p.shared.path());
    let back = p.nodes[0].base.clone();
    let indexed = eventually(
        Duration::from_secs(60),
        "the restarted node's index",
        || async {
            all_indexed(&back, &p.token)
                .await
                .filter(|all| all.len() == count)
        },
    )
    .await;
    let indexed: BTreeSet<&String> = indexed.iter().collect();
    assert_eq!(indexed, tns);
    // Every file's text read, the dead node's leased ones taken back.
    eventually(Duration::from_secs(60), "every file read", || async {
        use diesel::prelude::*;
        use rfidesk::db::schema::jobs;
        let open: i64 = jobs::table
            .filter(jobs::kind.eq("extract_text"))
            .filter(jobs::status.ne("done"))
            .count()
            .get_result(
                &mut rfidesk::db::DatabaseUrl::from_env_value(
                    p.db_url.as_deref(),
                    p.dirs[0].path(),
                )
                .connect()
                .unwrap(),
            )
            .unwrap();
        (open == 0).then_some(())
    })
    .await;
    for n in &mut p.nodes {
        n.child.kill().unwrap();
        n.child.wait().unwrap();
    }
}
