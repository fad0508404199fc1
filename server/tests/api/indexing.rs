//! The index's life: following the change feed across kills and restarts,
//! rebuilding when its directory is gone, swapping in a reindex while
//! serving, and attachments whose text cannot be read.

use crate::helpers::*;
use crate::on_both_backends;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::process::{Command, Stdio};
use std::time::Duration;

on_both_backends!(
    a_killed_server_resumes_indexing_without_gaps_or_doubles,
    a_restart_resumes_from_the_commit_point,
    deleting_the_index_directory_rebuilds_it,
    reindex_swaps_in_a_new_index_while_serving,
    unreadable_attachments_end_as_extraction_failed,
    text_with_nul_is_stored_and_never_blocks_the_next_file,
    attachment_text_is_bounded_per_comment_and_copies_count_once,
    a_comment_that_is_gone_leaves_the_index,
);

/// Every tracking number the index returns for `q=*`, page by page (a
/// duplicate document would appear twice in this list); `None` while the
/// index is not open yet (503 `index_unavailable` after a restart).
pub(crate) async fn all_indexed(app_url: &str, token: &str) -> Option<Vec<String>> {
    let client = reqwest::Client::new();
    let mut out = Vec::new();
    for page in 1.. {
        let res = client
            .get(format!(
                "{app_url}/api/v1/search?q=*&sort=oldest&per_page=100&page={page}"
            ))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        if res.status() == 503 {
            return None;
        }
        assert_eq!(res.status(), 200);
        let r: Value = res.json().await.unwrap();
        let hits = r["hits"].as_array().unwrap();
        if hits.is_empty() {
            break;
        }
        out.extend(
            hits.iter()
                .map(|h| h["tracking_number"].as_str().unwrap().to_string()),
        );
    }
    Some(out)
}

pub(crate) fn cli(
    dir: &std::path::Path,
    db: &TestDb,
    args: &[&str],
    stdin: Option<&str>,
) -> String {
    use std::io::Write;
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_rfidesk"));
    cmd.args(args)
        .env("RFIDESK_DATA_DIR", dir)
        .env_remove("DATABASE_URL")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(url) = &db.url {
        cmd.env("DATABASE_URL", url);
    }
    let mut child = cmd.spawn().unwrap();
    if let Some(s) = stdin {
        writeln!(child.stdin.take().unwrap(), "{s}").unwrap();
    }
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The real binary serving `dir`, with its docket open until 2100 (real
/// time passes in these tests) and a staff account; its API token.
pub(crate) fn served_with_staff(dir: &std::path::Path, db: &TestDb) -> (Served, String) {
    let server = serve_binary(dir, db);
    cli(
        dir,
        db,
        &["docket", "extend", DOCKET, "--until", "2100-01-01"],
        None,
    );
    let token = cli(
        dir,
        db,
        &["user", "add", "sam", "--role", "staff", "--password-stdin"],
        Some("staff password"),
    )
    .lines()
    .last()
    .unwrap()
    .to_string();
    // The server reads the extension through its docket cache: wait until
    // it says the docket is open, so the first submission is not refused.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while !docket_open(&server.base) {
        assert!(
            std::time::Instant::now() < deadline,
            "the server never saw the extension"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    (server, token)
}

/// Whether the server at `base` says the fixture docket is open (a plain
/// HTTP/1.0 request: this runs outside the async runtime).
fn docket_open(base: &str) -> bool {
    use std::io::{Read, Write};
    let Ok(mut stream) = std::net::TcpStream::connect(base.trim_start_matches("http://")) else {
        return false;
    };
    let request = format!("GET /api/v1/dockets/{DOCKET} HTTP/1.0\r\n\r\n");
    let mut answer = String::new();
    stream.write_all(request.as_bytes()).is_ok()
        && stream.read_to_string(&mut answer).is_ok()
        && answer.replace(' ', "").contains("\"is_open\":true")
}

async fn a_killed_server_resumes_indexing_without_gaps_or_doubles(backend: Backend) {
    let db = TestDb::create(backend);
    let dir = tempfile::tempdir().unwrap();
    let (mut server, token) = served_with_staff(dir.path(), &db);

    let client = reqwest::Client::new();
    let url = format!("{}/api/v1/dockets/{DOCKET}/comments", server.base);
    let mut posted = BTreeSet::new();
    eventually(Duration::from_secs(5), "the extension to apply", || async {
        let res = client
            .post(&url)
            .json(&comment_body())
            .send()
            .await
            .unwrap();
        if res.status() != 201 {
            return None;
        }
        let body: Value = res.json().await.unwrap();
        Some(body["tracking_number"].as_str().unwrap().to_string())
    })
    .await;
    for round in 0..6 {
        let batch: Vec<_> = (0..25)
            .map(|i| {
                let mut body = comment_body();
                body["answers"]["regions"] = json!(format!("Round {round} comment {i}."));
                let req = client.post(&url).json(&body);
                tokio::spawn(async move { req.send().await })
            })
            .collect();
        for r in batch {
            let res = r.await.unwrap().unwrap();
            assert_eq!(res.status(), 201);
            let body: Value = res.json().await.unwrap();
            posted.insert(body["tracking_number"].as_str().unwrap().to_string());
        }
    }
    // Killed without warning right after the last acknowledgement: the
    // follower may be between commits.
    server.child.kill().unwrap();
    server.child.wait().unwrap();

    let mut server = serve_binary(dir.path(), &db);
    let connect = || {
        rfidesk::db::DatabaseUrl::from_env_value(db.url.as_deref(), dir.path())
            .connect()
            .unwrap()
    };
    let stored = rfidesk::db::models::comment::count(&mut connect()).unwrap();
    assert_eq!(stored as usize, posted.len() + 1);
    let indexed = eventually(Duration::from_secs(30), "the index to catch up", || async {
        let all = all_indexed(&server.base, &token).await?;
        (all.len() as i64 >= stored).then_some(all)
    })
    .await;
    let distinct: BTreeSet<_> = indexed.iter().cloned().collect();
    assert_eq!(indexed.len(), distinct.len(), "no document twice");
    assert_eq!(
        indexed.len() as i64,
        stored,
        "index count equals database count"
    );
    assert!(
        posted.is_subset(&distinct),
        "no acknowledged comment missing"
    );
    let status: Value = client
        .get(format!("{}/api/v1/admin/index", server.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(status["documents"], stored);
    assert_eq!(status["state"], "following");
    server.child.kill().unwrap();
    server.child.wait().unwrap();
}

async fn a_restart_resumes_from_the_commit_point(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let token = app.user("ana", "analyst", "analyst-password");
    for _ in 0..20 {
        assert_eq!(app.post_json(&comment_body()).await.status(), 201);
    }
    let app = app.stop().await.restart().await;
    for _ in 0..5 {
        assert_eq!(app.post_json(&comment_body()).await.status(), 201);
    }
    app.index_caught_up(&token).await;
    let all = all_indexed(&app.address, &token)
        .await
        .expect("the index is open once caught up");
    let distinct: BTreeSet<_> = all.iter().collect();
    assert_eq!(all.len(), 25);
    assert_eq!(distinct.len(), 25);
}

async fn deleting_the_index_directory_rebuilds_it(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let token = app.user("ana", "analyst", "analyst-password");
    let mut body = comment_body();
    body["answers"]["regions"] = json!("Zanzibar logistics hubs.");
    for _ in 0..12 {
        assert_eq!(app.post_json(&body).await.status(), 201);
    }
    app.index_caught_up(&token).await;
    let index_dir = app.store.data_dir.join("index");
    let stopped = app.stop().await;
    std::fs::remove_dir_all(&index_dir).unwrap();
    let app = stopped.restart().await;
    assert_eq!(app.index_caught_up(&token).await, 12);
    let r = app.search(&token, &[("q", "Zanzibar")]).await;
    assert_eq!(r["total"], 12);
    assert!(index_dir.join("current").exists());
}

async fn reindex_swaps_in_a_new_index_while_serving(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = app.user("sam", "staff", "staff-password");
    for _ in 0..30 {
        assert_eq!(app.post_json(&comment_body()).await.status(), 201);
    }
    app.index_caught_up(&staff).await;
    let before = app.json_as(&staff, "/api/v1/admin/index", 200).await;

    // Searches keep answering, and correctly, while the reindex runs.
    let searching = {
        let (client, url, token) = (
            app.client.clone(),
            app.url("/api/v1/search?q=*"),
            staff.clone(),
        );
        tokio::spawn(async move {
            let mut answered = 0;
            let deadline = tokio::time::Instant::now() + Duration::from_secs(3);
            while tokio::time::Instant::now() < deadline {
                let res = client.get(&url).bearer_auth(&token).send().await.unwrap();
                assert_eq!(res.status(), 200);
                let r: Value = res.json().await.unwrap();
                assert_eq!(r["total"], 30, "never a partial index");
                answered += 1;
            }
            answered
        })
    };
    let out = app.cli(&["reindex"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let printed = String::from_utf8_lossy(&out.stdout);
    assert!(printed.contains("indexed 30 comments"), "{printed}");
    assert!(searching.await.unwrap() > 0);

    let after = eventually(Duration::from_secs(10), "the server to switch", || async {
        let s = app.json_as(&staff, "/api/v1/admin/index", 200).await;
        (s["generation"] != before["generation"] && s["state"] == "following").then_some(s)
    })
    .await;
    assert_eq!(after["documents"], 30);
    // The new generation follows new comments; the old one is gone.
    assert_eq!(app.post_json(&comment_body()).await.status(), 201);
    app.index_caught_up(&staff).await;
    let old = app
        .store
        .data_dir
        .join("index")
        .join(before["generation"].as_str().unwrap());
    assert!(!old.exists(), "old generation removed");
}

async fn unreadable_attachments_end_as_extraction_failed(backend: Backend) {
    use std::io::Write;
    let app = TestApp::spawn(backend).await;
    let token = app.user("ana", "analyst", "analyst-password");
    // A "PDF" that is only a header, and a DOCX whose text part inflates
    // to 80 MiB (a zip bomb of a few hundred KiB).
    let broken_pdf = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> garbage".to_vec();
    let bomb = {
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        zip.start_file("[Content_Types].xml", options).unwrap();
        zip.write_all(b"<Types/>").unwrap();
        zip.start_file("word/document.xml", options).unwrap();
        let chunk = vec![b'a'; 1 << 20];
        for _ in 0..80 {
            zip.write_all(&chunk).unwrap();
        }
        zip.finish().unwrap().into_inner()
    };
    assert!(bomb.len() < 2 << 20);
    let mut numbers = Vec::new();
    for (bytes, name) in [(broken_pdf, "broken.pdf"), (bomb, "bomb.docx")] {
        numbers.push(app.submit_with_file(name, bytes).await);
    }
    for tn in &numbers {
        let c = app.first_file_settled(&token, tn).await;
        assert_eq!(
            c["attachments"][0]["text_status"], "extraction_failed",
            "{c}"
        );
        assert!(c["attachments"][0]["text_detail"].as_str().unwrap().len() > 3);
    }
    // The comments themselves are searchable, and the server still works.
    assert_eq!(app.index_caught_up(&token).await, 2);
    assert_eq!(app.post_json(&comment_body()).await.status(), 201);
}

/// A DOCX whose text is `text` (no escaping: the caller may plant bytes an
/// XML writer never would).
fn docx_with_text(text: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default();
    zip.start_file("[Content_Types].xml", options).unwrap();
    zip.write_all(b"<Types/>").unwrap();
    zip.start_file("word/document.xml", options).unwrap();
    zip.write_all(b"<w:document xmlns:w=\"w\"><w:body><w:p><w:r><w:t>")
        .unwrap();
    zip.write_all(text).unwrap();
    zip.write_all(b"</w:t></w:r></w:p></w:body></w:document>")
        .unwrap();
    zip.finish().unwrap().into_inner()
}

/// PostgreSQL cannot store text with NUL; such text used to fail to store
/// for ever, and no later file ever got its text.
async fn text_with_nul_is_stored_and_never_blocks_the_next_file(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let token = app.user("ana", "analyst", "analyst-password");
    let mut numbers = Vec::new();
    for (text, name) in [
        (&b"before\0nulword quagga"[..], "nul.docx"),
        (&b"an ordinary okapi"[..], "plain.docx"),
    ] {
        numbers.push(app.submit_with_file(name, docx_with_text(text)).await);
    }
    for tn in &numbers {
        let c = app.first_file_settled(&token, tn).await;
        assert_eq!(c["attachments"][0]["text_status"], "extracted", "{c}");
        assert!(!c["attachments"][0]["text"].as_str().unwrap().contains('\0'));
    }
    for word in ["quagga", "okapi"] {
        let found = eventually(Duration::from_secs(10), "the text indexed", || async {
            let r = app.search(&token, &[("q", word)]).await;
            (r["total"] == 1).then_some(r)
        })
        .await;
        assert_eq!(found["total"], 1, "{word}");
    }
}

/// A file attached ten times counts once; past 2 MiB of text a comment's
/// attachments are neither shown nor searchable, and the view says so.
async fn attachment_text_is_bounded_per_comment_and_copies_count_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let token = app.user("ana", "analyst", "analyst-password");
    // 1.5 MiB of text ending in a word, and 1 MiB starting and ending in one.
    let filler = "trade ".repeat(1_500_000 / 6);
    let first = docx_with_text(format!("{filler} wildebeest").as_bytes());
    let second =
        docx_with_text(format!("ocelot {} pangolin", "route ".repeat(1_000_000 / 6)).as_bytes());
    let mut form = reqwest::multipart::Form::new().text("comment", comment_body().to_string());
    for i in 0..10 {
        form = form.part(
            "attachments",
            reqwest::multipart::Part::bytes(first.clone()).file_name(format!("copy-{i}.docx")),
        );
    }
    form = form.part(
        "attachments",
        reqwest::multipart::Part::bytes(second).file_name("second.docx"),
    );
    let res = app
        .post_multipart(&format!("/api/v1/dockets/{DOCKET}/comments"), form)
        .await;
    assert_eq!(res.status(), 201);
    let tn = res.json::<Value>().await.unwrap()["tracking_number"]
        .as_str()
        .unwrap()
        .to_string();
    let c = eventually(Duration::from_secs(60), "extraction to finish", || async {
        let c = app
            .json_as(&token, &format!("/api/v1/comments/{tn}"), 200)
            .await;
        let files = c["attachments"].as_array().unwrap();
        files
            .iter()
            .all(|f| f["text_status"] == "extracted")
            .then_some(c)
    })
    .await;
    let files = c["attachments"].as_array().unwrap();
    assert!(files[0]["text"].as_str().unwrap().ends_with("wildebeest"));
    assert_eq!(files[0]["text_truncated"], false);
    for copy in &files[1..10] {
        assert!(copy["text"].is_null(), "a copy's text is shown once");
        assert_eq!(copy["text_same_as"], 0);
    }
    let second = &files[10];
    assert_eq!(second["text_truncated"], true, "past the comment's bound");
    assert!(second["text"].as_str().unwrap().starts_with("ocelot"));
    let shown: usize = files
        .iter()
        .filter_map(|f| f["text"].as_str())
        .map(str::len)
        .sum();
    assert!(shown <= 2 << 20, "{shown} bytes shown");

    // The index holds what the view shows, once it has both files' text:
    // the two are read at once, and until the first one's text is in,
    // the second's is indexed whole (nothing before it uses the bound).
    eventually(
        Duration::from_secs(10),
        "the first file indexed",
        || async {
            let r = app.search(&token, &[("q", "wildebeest")]).await;
            (r["total"] == 1).then_some(())
        },
    )
    .await;
    let found = eventually(Duration::from_secs(10), "the text indexed", || async {
        let r = app.search(&token, &[("q", "ocelot")]).await;
        (r["total"] == 1).then_some(r)
    })
    .await;
    assert_eq!(found["total"], 1);
    let r = app.search(&token, &[("q", "pangolin")]).await;
    assert_eq!(r["total"], 0, "text past the bound is not searchable");
    // A word 1.5 MiB into a file still gets its snippet (from a window).
    let r = app.search(&token, &[("q", "wildebeest")]).await;
    assert_eq!(r["total"], 1);
    let snippet = r["hits"][0]["snippets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["field"] == "attachment")
        .expect("an attachment snippet");
    assert!(snippet["html"]
        .as_str()
        .unwrap()
        .contains("<mark>wildebeest</mark>"));
}

/// No route deletes a comment today; a purge or a rolled-back import will.
/// When the feed names a comment that is gone, the follower removes its
/// document rather than keeping it for ever.
async fn a_comment_that_is_gone_leaves_the_index(backend: Backend) {
    use diesel::prelude::*;
    use rfidesk::db::schema::{change_feed, comments};
    let app = TestApp::spawn(backend).await;
    let token = app.user("ana", "analyst", "analyst-password");
    let mut body = comment_body();
    body["send_receipt"] = false.into();
    body["submitter"]["email"] = Value::Null;
    for _ in 0..2 {
        assert_eq!(app.post_json(&body).await.status(), 201);
    }
    assert_eq!(app.index_caught_up(&token).await, 2);
    // The two are one campaign; what refers to the comment goes first,
    // as it would in a purge.
    app.campaigns_settled().await;
    let mut conn = app.db();
    {
        use rfidesk::db::schema::{
            campaign_keys, campaign_members, campaign_prints, campaigns, comment_signals,
        };
        diesel::delete(comment_signals::table)
            .execute(&mut conn)
            .unwrap();
        diesel::delete(campaign_members::table)
            .execute(&mut conn)
            .unwrap();
        diesel::delete(campaigns::table).execute(&mut conn).unwrap();
        diesel::delete(campaign_keys::table)
            .execute(&mut conn)
            .unwrap();
        diesel::delete(campaign_prints::table)
            .execute(&mut conn)
            .unwrap();
    }
    let (id, docket): (String, String) = comments::table
        .select((comments::id, comments::docket_id))
        .first(&mut conn)
        .unwrap();
    diesel::delete(comments::table.filter(comments::id.eq(&id)))
        .execute(&mut conn)
        .unwrap();
    diesel::insert_into(change_feed::table)
        .values((
            change_feed::kind.eq("comment_created"),
            change_feed::comment_id.eq(&id),
            change_feed::docket_id.eq(&docket),
            change_feed::created_at.eq(open_time().naive_utc()),
        ))
        .execute(&mut conn)
        .unwrap();
    assert_eq!(
        app.index_caught_up(&token).await,
        1,
        "the index follows the database"
    );
}
