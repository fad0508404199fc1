//! The restore drill (docs/OPERATIONS.md, "Backup and restore"): the real
//! binary under load is backed up with `rfidesk backup`; the backup is
//! restored with `rfidesk restore` into an empty data directory (and
//! database), and a server started there has every comment acknowledged
//! before the backup began, with its file, searchable.

use crate::helpers::*;
use crate::indexing::{all_indexed, cli, served_with_staff};
use crate::on_both_backends;
use serde_json::json;
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

on_both_backends!(a_backup_taken_under_load_restores_every_acknowledged_comment);

type Acked = Arc<Mutex<Vec<(String, Option<Vec<u8>>)>>>;

async fn submitter(id: usize, base: String, acked: Acked, stop: Arc<AtomicBool>) {
    let client = reqwest::Client::new();
    let mut n = 0u32;
    while !stop.load(Ordering::Relaxed) {
        n += 1;
        let mut body = comment_body();
        body["comment"] = json!(format!("Backup drill: client {id}, comment {n}."));
        let file = n
            .is_multiple_of(3)
            .then(|| format!("drill file {id}-{n}").into_bytes());
        // A connection closed under a request is retried with its key,
        // as a client would.
        let key = format!("drill-{id}-{n}");
        let res = loop {
            let req = submission(&client, &base, &body, file.as_deref());
            if let Ok(res) = req.header("idempotency-key", &key).send().await {
                break res;
            }
        };
        assert_eq!(res.status(), 201);
        let v: serde_json::Value = res.json().await.unwrap();
        let tn = v["tracking_number"].as_str().unwrap().to_string();
        acked.lock().unwrap().push((tn, file));
    }
}

/// `rfidesk ARGS` with the data directory and database given: its exit
/// status and what it said.
fn rfidesk(dir: &std::path::Path, db: Option<&str>, args: &[&str]) -> (bool, String) {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_rfidesk"));
    cmd.args(args)
        .env("RFIDESK_DATA_DIR", dir)
        .env_remove("DATABASE_URL");
    if let Some(url) = db {
        cmd.env("DATABASE_URL", url);
    }
    let out = cmd.output().unwrap();
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

async fn a_backup_taken_under_load_restores_every_acknowledged_comment(backend: Backend) {
    let db = TestDb::create(backend);
    let dir = tempfile::tempdir().unwrap();
    let backups = tempfile::tempdir().unwrap();
    let dest = backups.path().join("nightly");
    let (mut server, _token) = served_with_staff(dir.path(), &db);
    let acked: Acked = Default::default();
    let stop = Arc::new(AtomicBool::new(false));
    let load: Vec<_> = (0..4)
        .map(|id| {
            tokio::spawn(submitter(
                id,
                server.base.clone(),
                acked.clone(),
                stop.clone(),
            ))
        })
        .collect();
    eventually(Duration::from_secs(30), "some load", || async {
        (acked.lock().unwrap().len() >= 100).then_some(())
    })
    .await;

    // The backup, while comments keep arriving.
    let before: Vec<(String, Option<Vec<u8>>)> = acked.lock().unwrap().clone();
    let (d, b, p) = (dir.path().to_path_buf(), dest.clone(), db.url.clone());
    let (ok, said) = tokio::task::spawn_blocking(move || {
        rfidesk(&d, p.as_deref(), &["backup", b.to_str().unwrap()])
    })
    .await
    .unwrap();
    assert!(ok && said.contains("backed up to"), "{said}");
    assert!(
        server.child.try_wait().unwrap().is_none(),
        "the server outlives its backup"
    );
    let during = acked.lock().unwrap().len();
    assert!(during > before.len(), "the load went on during the backup");
    stop.store(true, Ordering::Relaxed);
    for task in load {
        task.await.unwrap();
    }
    server.child.kill().unwrap();
    server.child.wait().unwrap();
    let all: Vec<(String, Option<Vec<u8>>)> = acked.lock().unwrap().clone();

    // Again into the same directory: only new files are copied.
    let (ok, said) = rfidesk(
        dir.path(),
        db.url.as_deref(),
        &["backup", dest.to_str().unwrap()],
    );
    assert!(ok, "{said}");
    let files_before = before.iter().filter(|(_, f)| f.is_some()).count();
    let present: usize = said
        .split(", ")
        .find_map(|part| part.strip_suffix(" already there\n"))
        .and_then(|n| n.split_whitespace().last())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{said}"));
    assert!(present >= files_before, "{said}");

    // The drill: an empty data directory (and database).
    let restored_db = TestDb::create(backend);
    let restored = tempfile::tempdir().unwrap();
    let (ok, said) = rfidesk(
        restored.path(),
        restored_db.url.as_deref(),
        &["restore", backups.path().to_str().unwrap()],
    );
    assert!(!ok && said.contains("no complete backup"), "{said}");
    let (ok, said) = rfidesk(
        restored.path(),
        restored_db.url.as_deref(),
        &["restore", dest.to_str().unwrap()],
    );
    assert!(ok, "{said}");
    // Not over a database that is there.
    let (ok, said) = rfidesk(
        restored.path(),
        restored_db.url.as_deref(),
        &["restore", dest.to_str().unwrap()],
    );
    assert!(!ok, "a second restore over the first: {said}");
    assert!(said.contains("restore into an empty"), "{said}");

    // The restored node: its accounts and docket came with the database.
    let server = serve_binary(restored.path(), &restored_db);
    let token = cli(
        restored.path(),
        &restored_db,
        &["token", "add", "sam"],
        None,
    )
    .lines()
    .last()
    .unwrap()
    .to_string();
    let mut conn =
        rfidesk::db::DatabaseUrl::from_env_value(restored_db.url.as_deref(), restored.path())
            .connect()
            .unwrap();
    for (tn, file) in &before {
        let c = rfidesk::db::models::comment::find_by_tracking_number(&mut conn, tn)
            .unwrap()
            .unwrap_or_else(|| panic!("{tn}, acknowledged before the backup, is not restored"));
        let files = rfidesk::db::models::attachment::for_comment(&mut conn, &c.id).unwrap();
        if let Some(bytes) = file {
            let sha = &files[0].sha256;
            let stored = std::fs::read(
                restored
                    .path()
                    .join("attachments")
                    .join(&sha[..2])
                    .join(sha),
            )
            .unwrap_or_else(|e| panic!("{tn}'s file is not restored: {e}"));
            assert_eq!(&stored, bytes);
        }
    }
    let count = rfidesk::db::models::comment::count(&mut conn).unwrap() as usize;
    assert!(count >= before.len() && count <= all.len(), "{count}");
    // The restored node rebuilds its index from the restored database.
    let indexed = eventually(Duration::from_secs(60), "the restored index", || async {
        all_indexed(&server.base, &token)
            .await
            .filter(|tns| tns.len() == count)
    })
    .await;
    let indexed: BTreeSet<String> = indexed.into_iter().collect();
    assert_eq!(indexed.len(), count, "each once");
    for (tn, _) in &before {
        assert!(indexed.contains(tn), "{tn} searchable");
    }
}
