//! Reading attachment text, against hostile files: a slow file holds up
//! no other (a short first budget, parallel lanes, a long lane for what
//! runs over), and the child that reads a file can write nothing, read
//! nothing else, start no process and open no connection.

use crate::helpers::*;
use crate::on_both_backends;
use diesel::prelude::*;
use rfidesk::db::schema::jobs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

on_both_backends!(
    a_slow_file_holds_up_no_other,
    the_extraction_child_can_write_nothing_and_start_nothing,
);

fn script(dir: &Path, name: &str, body: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, body).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

async fn attachment(app: &TestApp, token: &str, tn: &str) -> serde_json::Value {
    app.json_as(token, &format!("/api/v1/comments/{tn}"), 200)
        .await["attachments"][0]
        .clone()
}

fn jobs_of(app: &TestApp, kind: &str) -> Vec<(String, String)> {
    jobs::table
        .filter(jobs::kind.eq(kind))
        .select((jobs::subject, jobs::status))
        .load(&mut app.db())
        .unwrap()
}

/// Files saying `slow-file` take a minute to read (as a pathological PDF
/// might); the others are read by rfidesk itself. With a 2 s first budget
/// and two lanes, three slow files in front of three ordinary ones delay
/// them by seconds, not minutes.
async fn a_slow_file_holds_up_no_other(backend: Backend) {
    let scripts = tempfile::tempdir().unwrap();
    let extractor = script(
        scripts.path(),
        "slow-extract",
        &format!(
            "#!/bin/sh\nread -r content < \"$6\"\n\
             case \"$content\" in *slow-file*) exec /bin/sleep 60;; esac\n\
             exec '{}' \"$@\"\n",
            env!("CARGO_BIN_EXE_rfidesk")
        ),
    );
    let app = TestApp::builder(backend)
        .extractor(extractor)
        .extraction(2, 2, 30)
        .start()
        .await;
    let staff = app.user("sam", "staff", "staff-password");
    let mut slow = Vec::new();
    for n in 0..3 {
        slow.push(
            app.submit_with_file(
                &format!("slow{n}.txt"),
                format!("slow-file {n}").into_bytes(),
            )
            .await,
        );
    }
    let started = Instant::now();
    let mut ordinary = Vec::new();
    for word in ["aardvark", "bonobo", "capybara"] {
        ordinary.push(
            app.submit_with_file(&format!("{word}.txt"), word.as_bytes().to_vec())
                .await,
        );
    }
    for tn in &ordinary {
        eventually(Duration::from_secs(20), "an ordinary file read", || async {
            (attachment(&app, &staff, tn).await["text_status"] == "extracted").then_some(())
        })
        .await;
    }
    let waited = started.elapsed();
    // Three slow files cost the two quick lanes 2 s each: the ordinary
    // ones are read well inside one full budget (30 s).
    assert!(
        waited < Duration::from_secs(15),
        "ordinary files waited {waited:?}"
    );
    // The slow ones moved to the long lane, one at a time, still unread.
    let long = eventually(
        Duration::from_secs(10),
        "all three slow files in the long lane",
        || async {
            let long = jobs_of(&app, "extract_text_long");
            (long.len() == 3).then_some(long)
        },
    )
    .await;
    assert!(
        long.iter().filter(|(_, s)| s == "running").count() <= 1,
        "{long:?}"
    );
    for tn in &slow {
        assert_eq!(attachment(&app, &staff, tn).await["text_status"], "pending");
    }
    // Their quick runs ended without a verdict on the file.
    let quick = jobs_of(&app, "extract_text");
    assert_eq!(quick.len(), 6, "{quick:?}");
    assert!(quick.iter().all(|(_, s)| s == "done"), "{quick:?}");
}

/// An extractor that tries, from inside the child, what code smuggled in
/// a file would: write into the data directory and elsewhere, read a file
/// it was not given, start a process, connect to the server. It prints
/// what happened, then hands over to rfidesk, so the outcome is the
/// file's text as analysts see it.
async fn the_extraction_child_can_write_nothing_and_start_nothing(backend: Backend) {
    let scripts = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    // Something listening, for the child to try to reach.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    // The data directory is three levels above the stored file
    // (data/attachments/ab/abcd...); shell built-ins only, no process.
    let probe = script(
        scripts.path(),
        "probing-extract",
        &format!(
            "#!/bin/bash\n\
             read -r content < \"$6\"\n\
             case \"$content\" in *tryfork*) /bin/true; echo forkallowed; exec '{rfidesk}' \"$@\";; esac\n\
             f=\"$6\"; d=\"${{f%/*}}\"; d=\"${{d%/*}}\"; d=\"${{d%/*}}\"; echo \"datadir $d\"\n\
             if echo x 2>/dev/null > \"$d/planted\"; then echo writeallowed; else echo writerefused; fi\n\
             if echo x 2>/dev/null > '{outside}/planted'; then echo elsewhereallowed; else echo elsewhererefused; fi\n\
             if read -r s 2>/dev/null < \"$d/secret.txt\"; then echo \"readallowed $s\"; else echo readrefused; fi\n\
             if {{ : 3<>/dev/tcp/127.0.0.1/{port}; }} 2>/dev/null; then echo connectallowed; else echo connectrefused; fi\n\
             printf 'openfiles '; ulimit -n\n\
             exec '{rfidesk}' \"$@\"\n",
            outside = outside.path().display(),
            rfidesk = env!("CARGO_BIN_EXE_rfidesk"),
        ),
    );
    let app = TestApp::builder(backend).extractor(probe).start().await;
    let data = app.store.data_dir.clone();
    std::fs::write(data.join("secret.txt"), "hunter2\n").unwrap();
    let staff = app.user("sam", "staff", "staff-password");
    let tn = app
        .submit_with_file("probe.txt", b"an ordinary wombat".to_vec())
        .await;
    let file = app.first_file_settled(&staff, &tn).await["attachments"][0].clone();
    assert_eq!(file["text_status"], "extracted", "{file}");
    let text = file["text"].as_str().unwrap();
    for refused in [
        format!("datadir {}", data.display()).as_str(),
        "writerefused",
        "elsewhererefused",
        "readrefused",
        "connectrefused",
        "openfiles 16",
        // rfidesk itself read the file inside the same confinement.
        "an ordinary wombat",
    ]
    .map(String::from)
    {
        assert!(text.contains(refused.as_str()), "{refused} not in {text:?}");
    }
    assert!(!data.join("planted").exists());
    assert!(!outside.path().join("planted").exists());
    drop(listener);

    // Starting a process is refused; bash gives up at once (exit 254),
    // so the run fails instead of going on to say "forkallowed".
    let tn = app
        .submit_with_file("fork.txt", b"tryfork numbat".to_vec())
        .await;
    let failed = eventually(
        Duration::from_secs(30),
        "the forking run to fail",
        || async {
            let r = app.json_as(&staff, "/api/v1/admin/jobs", 200).await;
            r["troubled"].as_array().unwrap().first().cloned()
        },
    )
    .await;
    assert_eq!(failed["kind"], "extract_text", "{failed}");
    assert!(
        failed["last_error"]
            .as_str()
            .unwrap()
            .contains("the extractor failed (exit"),
        "{failed}"
    );
    let file = attachment(&app, &staff, &tn).await;
    assert_eq!(file["text_status"], "pending", "{file}");
}
