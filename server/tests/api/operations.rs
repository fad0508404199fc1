use crate::helpers::*;
use crate::on_both_backends;
use std::process::Command;
use std::time::Duration;

on_both_backends!(
    healthz_answers,
    sigterm_finishes_in_flight_work_and_logs_no_private_data
);

async fn healthz_answers(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let res = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["status"], "ok");
    let spec = app.get_json("/api/v1/openapi.json").await;
    assert!(spec["paths"]["/api/v1/dockets/{docket}/comments"]["post"].is_object());
}

#[test]
fn help_lists_every_environment_variable() {
    let out = Command::new(env!("CARGO_BIN_EXE_rfidesk"))
        .arg("--help")
        .output()
        .unwrap();
    let help = String::from_utf8(out.stdout).unwrap();
    for var in [
        "RFIDESK_BIND",
        "RFIDESK_DATA_DIR",
        "DATABASE_URL",
        "RFIDESK_DOCKETS",
        "RFIDESK_CODEBOOKS",
        "RFIDESK_SMTP_URL",
        "RFIDESK_RATE_LIMIT",
        "RFIDESK_CLIENT_IP_HEADER",
    ] {
        assert!(help.contains(var), "{var} missing from --help");
    }
}

/// The real binary, as deployed: SIGTERM lets in-flight submissions finish,
/// and the request log never holds an email address or comment text.
async fn sigterm_finishes_in_flight_work_and_logs_no_private_data(backend: Backend) {
    let db = TestDb::create(backend);
    let dir = tempfile::tempdir().unwrap();
    let Served {
        mut child,
        base,
        mut log,
        lines: lines_rx,
    } = serve_binary(dir.path(), &db);

    // The docket is closed in real time after 2026-11-28, so extend it well
    // past today first (tests never depend on today's date).
    let mut ext = Command::new(env!("CARGO_BIN_EXE_rfidesk"));
    ext.args(["docket", "extend", DOCKET, "--until", "2100-01-01"])
        .env("RFIDESK_DATA_DIR", dir.path())
        .env_remove("DATABASE_URL");
    if let Some(url) = &db.url {
        ext.env("DATABASE_URL", url);
    }
    let _ = ext.output().unwrap();

    let client = reqwest::Client::new();
    let secret_text = "Zanzibar-unique-comment-text";
    let mut body = comment_body();
    body["comment"] = secret_text.into();
    body["submitter"]["email"] = "private.person@example.net".into();
    let url = format!("{base}/api/v1/dockets/{DOCKET}/comments");
    eventually(Duration::from_secs(5), "the extension to apply", || async {
        (client.post(&url).json(&body).send().await.unwrap().status() == 201).then_some(())
    })
    .await;
    // An analyst's search terms are theirs, not the log's.
    let mut add = Command::new(env!("CARGO_BIN_EXE_rfidesk"));
    add.args(["user", "add", "ana", "--role", "analyst"])
        .env("RFIDESK_DATA_DIR", dir.path())
        .env_remove("DATABASE_URL");
    if let Some(url) = &db.url {
        add.env("DATABASE_URL", url);
    }
    let out = add.output().unwrap();
    let token = String::from_utf8(out.stdout).unwrap();
    let token = token.lines().last().expect("a token").to_string();
    let searched = "Quetzalcoatl-search-term";
    for path in ["/api/v1/search", "/analyst/search"] {
        let res = client
            .get(format!("{base}{path}?q={searched}"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_ne!(res.status(), 401, "{path}");
    }
    let in_flight: Vec<_> = (0..20)
        .map(|_| {
            let req = client.post(&url).json(&body);
            tokio::spawn(async move { req.send().await })
        })
        .collect();
    // SIGTERM once the load is reaching the database, not at a guessed moment.
    let store = rfidesk::settings::StoreArgs {
        data_dir: dir.path().to_path_buf(),
        database_url: db.url.clone(),
        attachments_dir: None,
    };
    let connect = || {
        rfidesk::db::DatabaseUrl::from_env_value(store.database_url.as_deref(), &store.data_dir)
            .connect()
            .unwrap()
    };
    eventually(
        Duration::from_secs(10),
        "in-flight comments to be stored",
        || async {
            (rfidesk::db::models::comment::count(&mut connect()).unwrap() >= 2).then_some(())
        },
    )
    .await;
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let mut acknowledged = 0;
    for r in in_flight {
        if let Ok(res) = r.await.unwrap() {
            assert!(
                res.status() == 201 || res.status() == 503,
                "{}",
                res.status()
            );
            acknowledged += (res.status() == 201) as i64;
        }
    }
    let status = tokio::task::spawn_blocking(move || child.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(status.success(), "clean exit on SIGTERM: {status:?}");
    log.extend(lines_rx.try_iter());

    let stored = rfidesk::db::models::comment::count(&mut connect()).unwrap();
    assert!(
        stored > acknowledged,
        "every acknowledged comment stored: {stored} vs {acknowledged} + 1"
    );

    let log = log.join("\n");
    assert!(log.contains("POST"), "one log line per request");
    assert!(!log.contains("private.person"), "no email address in logs");
    assert!(!log.contains(secret_text), "no comment text in logs");
    assert!(
        log.contains("/api/v1/search"),
        "searches are logged by path"
    );
    assert!(!log.contains(searched), "no search terms in logs");
}
