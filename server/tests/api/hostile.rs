//! What an attacker tries first, over real HTTP: queries that would blow
//! the parser's stack, file parts that dodge the count, bodies that never
//! end or trickle in. Each gets a clear 4xx, stores nothing, and the server
//! keeps answering.

use crate::helpers::*;
use crate::on_both_backends;
use futures_util::StreamExt;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

on_both_backends!(
    hostile_queries_are_400_and_the_server_survives,
    every_file_part_counts_against_the_limit,
    a_chunked_body_is_cut_off_at_the_total_limit,
    trickling_bodies_are_cut_off_with_408,
    coding_bodies_are_bounded_in_size_time_and_depth,
    campaign_corrections_sent_a_byte_at_a_time_are_cut_off,
    organization_corrections_and_summaries_hold_under_attack,
    organization_page_forms_hold_under_attack,
    administration_inputs_hold_under_attack,
    public_reading_and_reporting_hold_under_attack,
);

async fn healthy(app: &TestApp) {
    assert_eq!(app.get_status("/healthz").await, 200, "the server is up");
}

pub(crate) fn encode(q: &str) -> String {
    q.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

async fn hostile_queries_are_400_and_the_server_survives(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let token = app.user("ana", "analyst", "analyst-password");
    assert_eq!(app.post_json(&comment_body()).await.status(), 201);
    app.index_caught_up(&token).await;

    let nested = |n: usize| format!("{}asean{}", "(".repeat(n), ")".repeat(n));
    let nots = |n: usize| format!("{}asean", "NOT ".repeat(n));
    let terms = |n: usize| {
        (0..n)
            .map(|i| format!("w{i}"))
            .collect::<Vec<_>>()
            .join(" ")
    };
    // Small enough to reach the handler through the request line, each over
    // one limit: nesting, a NOT chain, words, length.
    let refused = [
        (nested(2_500), "characters"),
        (nested(20), "levels"),
        (nots(1_000), "characters"),
        (nots(100), "levels"),
        (format!("-{}", "-".repeat(50)) + "asean", "levels"),
        (terms(250), "words"),
        ("x".repeat(5_000), "characters"),
    ];
    for (q, why) in &refused {
        let path = format!("/api/v1/search?docket={DOCKET}&q={}", encode(q));
        let res = app.get_as(&token, &path).await;
        assert_eq!(res.status(), 400, "{why}");
        let body: serde_json::Value = res.json().await.unwrap();
        assert_eq!(body["error"]["code"], "invalid_query");
        assert!(
            body["error"]["message"].as_str().unwrap().contains(why),
            "{body}"
        );
        // The analyst page goes through the same check.
        let page = app
            .get_as(&token, &format!("/analyst/search?q={}", encode(q)))
            .await;
        assert_eq!(page.status(), 400, "page: {why}");
        healthy(&app).await;
    }
    // Far past the request line's limit: refused by the HTTP layer, and the
    // server stays up.
    for q in [nested(100_000), nots(10_000), terms(5_000)] {
        for path in [
            format!("/api/v1/search?docket={DOCKET}&q={}", encode(&q)),
            format!("/analyst/search?q={}", encode(&q)),
        ] {
            let res = app
                .client
                .get(app.url(&path))
                .bearer_auth(&token)
                .send()
                .await;
            if let Ok(res) = res {
                let status = res.status().as_u16();
                assert!((400..500).contains(&status), "{status}");
            }
            healthy(&app).await;
        }
    }
    // Parentheses need no escaping in a URL: 30,000 of them fit in the
    // request line and reach the search.
    let raw = format!("/api/v1/search?q={}", nested(30_000));
    assert_eq!(app.get_as(&token, &raw).await.status(), 400);
    healthy(&app).await;
    // The same hostile query 40 times at once: 40 refusals, still up.
    let path = format!(
        "/api/v1/search?docket={DOCKET}&q={}",
        encode(&nested(2_500))
    );
    let all = (0..40).map(|_| {
        let req = app.client.get(app.url(&path)).bearer_auth(&token);
        async move { req.send().await.unwrap().status().as_u16() }
    });
    let statuses = futures_util::future::join_all(all).await;
    assert!(statuses.iter().all(|s| *s == 400), "{statuses:?}");
    healthy(&app).await;
    // An ordinary query still works.
    let found = app
        .search(&token, &[("q", "asean OR (financing AND NOT x)")])
        .await;
    assert!(found["total"].as_u64().is_some(), "{found}");
}

/// A multipart body by hand: a `comment` part, then `n` file parts whose
/// Content-Disposition says `filename` (possibly empty).
fn multipart_body(boundary: &str, n: usize, filename: &str) -> Vec<u8> {
    let mut body = Vec::new();
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"comment\"\r\n\r\n{}\r\n",
            comment_body()
        )
        .as_bytes(),
    );
    for i in 0..n {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"attachments\"; filename=\"{filename}\"\r\nContent-Type: text/plain\r\n\r\nfile number {i}\r\n"
            )
            .as_bytes(),
        );
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    body
}

async fn every_file_part_counts_against_the_limit(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let boundary = "XyZzY0123456789";
    let ct = format!("multipart/form-data; boundary={boundary}");
    for filename in ["", "note.txt"] {
        let res = app
            .post_raw(&ct, multipart_body(boundary, 30, filename))
            .await;
        assert_eq!(res.status(), 413, "30 parts named {filename:?}");
        let body: serde_json::Value = res.json().await.unwrap();
        assert_eq!(body["error"]["code"], "too_many_attachments");
    }
    assert_eq!(app.comment_count(), 0);
    assert_eq!(app.blob_files(), 0, "no file kept");
    healthy(&app).await;
    // Up to the limit is fine, unnamed files included.
    let res = app.post_raw(&ct, multipart_body(boundary, 20, "")).await;
    assert_eq!(res.status(), 201);
    assert_eq!(app.comment_count(), 1);
}

async fn a_chunked_body_is_cut_off_at_the_total_limit(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    // A comment, then a file part that never ends, sent chunked: no
    // Content-Length to refuse it by. It is cut off while it streams.
    let boundary = "XyZzY0123456789";
    let head = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"comment\"\r\n\r\n{}\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"attachments\"; filename=\"\"\r\nContent-Type: text/plain\r\n\r\n",
        comment_body()
    )
    .into_bytes();
    let chunk = bytes_chunk();
    let sent = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = sent.clone();
    let stream = futures_util::stream::iter(std::iter::once(head).chain((0..300).map(move |_| {
        counter.fetch_add(chunk.len(), std::sync::atomic::Ordering::Relaxed);
        chunk.clone()
    })))
    .map(Ok::<_, std::io::Error>);
    let res = app
        .client
        .post(app.url(&format!("/api/v1/dockets/{DOCKET}/comments")))
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(reqwest::Body::wrap_stream(stream))
        .send()
        .await;
    // The server answers 413 and closes; the client may see the answer or
    // only the closed connection, depending on when it looks.
    if let Ok(res) = res {
        assert_eq!(res.status(), 413);
    }
    assert!(
        sent.load(std::sync::atomic::Ordering::Relaxed) < 300 << 20,
        "the server stopped reading before the end"
    );
    assert_eq!(app.comment_count(), 0);
    eventually(
        Duration::from_secs(5),
        "temporary uploads removed",
        || async { (app.blob_files() == 0).then_some(()) },
    )
    .await;
    healthy(&app).await;
}

fn bytes_chunk() -> Vec<u8> {
    vec![b'x'; 1 << 20]
}

/// Sends a request head, then its body one byte at a time every `every`;
/// returns the status line the server answers with and how long it took.
async fn trickle(
    app: &TestApp,
    content_type: &str,
    body: &[u8],
    every: Duration,
) -> (String, Duration) {
    let path = format!("/api/v1/dockets/{DOCKET}/comments");
    trickle_to(app, &path, "", content_type, body, every).await
}

/// [`trickle`] to any path, with extra header lines (each ending `\r\n`).
async fn trickle_to(
    app: &TestApp,
    path: &str,
    headers: &str,
    content_type: &str,
    body: &[u8],
    every: Duration,
) -> (String, Duration) {
    trickle_with(app, "POST", path, headers, content_type, body, every).await
}

/// [`trickle_to`] with another method.
async fn trickle_with(
    app: &TestApp,
    method: &str,
    path: &str,
    headers: &str,
    content_type: &str,
    body: &[u8],
    every: Duration,
) -> (String, Duration) {
    let addr = app.address.trim_start_matches("http://").to_string();
    let mut socket = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\n{headers}Content-Type: {content_type}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    socket.write_all(head.as_bytes()).await.unwrap();
    let started = Instant::now();
    let (mut reader, mut writer) = socket.into_split();
    let body = body.to_vec();
    let writing = tokio::spawn(async move {
        for b in body {
            if writer.write_all(&[b]).await.is_err() {
                return;
            }
            tokio::time::sleep(every).await;
        }
    });
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    let read = tokio::time::timeout(Duration::from_secs(30), async {
        while !answer.windows(2).any(|w| w == b"\r\n") {
            match reader.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => answer.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    assert!(read.is_ok(), "the server answered within 30 s");
    writing.abort();
    let line = String::from_utf8_lossy(&answer)
        .lines()
        .next()
        .unwrap_or("")
        .to_string();
    (line, started.elapsed())
}

async fn trickling_bodies_are_cut_off_with_408(backend: Backend) {
    // Bodies get 4 s at most, and 2 s of grace before 1 KiB/s is expected.
    let app = TestApp::builder(backend).body_timeout(4).start().await;
    let json = comment_body().to_string();
    let (status, took) = trickle(
        &app,
        "application/json",
        json.as_bytes(),
        Duration::from_millis(100),
    )
    .await;
    assert!(status.contains(" 408 "), "{status}");
    assert!(took < Duration::from_secs(10), "cut off after {took:?}");

    let boundary = "XyZzY0123456789";
    let body = multipart_body(boundary, 2, "note.txt");
    let (status, _) = trickle(
        &app,
        &format!("multipart/form-data; boundary={boundary}"),
        &body,
        Duration::from_millis(20),
    )
    .await;
    assert!(status.contains(" 408 "), "{status}");
    assert_eq!(app.comment_count(), 0);
    // The half-received file is removed with the refused request.
    eventually(
        Duration::from_secs(5),
        "temporary uploads removed",
        || async { (app.blob_files() == 0).then_some(()) },
    )
    .await;
    healthy(&app).await;
    // A body that arrives at a normal pace is taken.
    assert_eq!(app.post_json(&comment_body()).await.status(), 201);
}

/// The coding API and its forms: a rule or a tag form sent a byte at a
/// time, a body past the size limit, JSON nested 100,000 deep and a
/// filter with 100,000 values all get a clear 4xx and store nothing.
async fn coding_bodies_are_bounded_in_size_time_and_depth(backend: Backend) {
    let app = TestApp::builder(backend).body_timeout(4).start().await;
    let token = app.user("ana", "analyst", "analyst-password");
    let (session, csrf) = crate::coding::sign_in_session(&app, "ana", "analyst-password").await;
    let rules = format!("/api/v1/dockets/{DOCKET}/rules");
    let bearer = format!("Authorization: Bearer {token}\r\n");
    let rule = br#"{"tag": "mechanism/financing", "q": "financing"}"#;
    let (status, took) = trickle_to(
        &app,
        &rules,
        &bearer,
        "application/json",
        rule,
        Duration::from_millis(150),
    )
    .await;
    assert!(status.contains(" 408 "), "{status}");
    assert!(took < Duration::from_secs(10), "cut off after {took:?}");
    let form = format!("csrf={csrf}&tag=mechanism%2Ffinancing&q=financing&action=save");
    let (status, _) = trickle_to(
        &app,
        &format!("/analyst/dockets/{DOCKET}/rules"),
        &format!("Cookie: {session}\r\n"),
        "application/x-www-form-urlencoded",
        form.as_bytes(),
        Duration::from_millis(100),
    )
    .await;
    assert!(status.contains(" 408 "), "{status}");

    let send = |body: Vec<u8>, kind: &'static str| {
        app.client
            .post(app.url(&rules))
            .bearer_auth(&token)
            .header("content-type", kind)
            .body(body)
    };
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let res = send(deep.into_bytes(), "application/json")
        .send()
        .await
        .unwrap();
    assert!(
        matches!(res.status().as_u16(), 400 | 413 | 422),
        "{}",
        res.status()
    );
    let many: Vec<String> = (0..100_000).map(|i| format!("C{i}")).collect();
    let body = serde_json::json!({"tag": "mechanism/financing", "country": many}).to_string();
    let res = send(body.into_bytes(), "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 413);
    let many: Vec<String> = (0..150).map(|i| format!("C{i}")).collect();
    let body = serde_json::json!({"tag": "mechanism/financing", "country": many}).to_string();
    let res = send(body.into_bytes(), "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422, "more values than a filter takes");
    let big = format!("csrf={csrf}&q={}", "a".repeat(100_000));
    let res = app
        .client
        .post(app.url(&format!("/analyst/dockets/{DOCKET}/tags/bulk")))
        .header("cookie", &session)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(big)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 413);
    let listed = app.json_as(&token, &rules, 200).await;
    assert!(listed["rules"].as_array().unwrap().is_empty(), "{listed}");
    use diesel::prelude::*;
    use rfidesk::db::schema::bulk_operations;
    let ops: i64 = bulk_operations::table
        .count()
        .get_result(&mut app.db())
        .unwrap();
    assert_eq!(ops, 0);
    healthy(&app).await;
}

/// A campaign correction (API and form) sent a byte at a time is cut off
/// with 408 and changes nothing.
async fn campaign_corrections_sent_a_byte_at_a_time_are_cut_off(backend: Backend) {
    let app = TestApp::builder(backend).body_timeout(4).start().await;
    let token = app.user("ana", "analyst", "analyst-password");
    let (session, csrf) = crate::coding::sign_in_session(&app, "ana", "analyst-password").await;
    // Two copies of one comment: the campaign job groups them.
    let mut tracking = Vec::new();
    for _ in 0..2 {
        let res = app.post_json(&comment_body()).await;
        assert_eq!(res.status(), 201);
        let v: serde_json::Value = res.json().await.unwrap();
        tracking.push(v["tracking_number"].as_str().unwrap().to_string());
    }
    let list = format!("/api/v1/dockets/{DOCKET}/campaigns");
    let id = eventually(
        Duration::from_secs(30),
        "the copies to form a campaign",
        || async {
            let l = app.json_as(&token, &list, 200).await;
            l["campaigns"][0]["id"].as_str().map(str::to_string)
        },
    )
    .await;
    let body = format!("{{\"tracking_number\": \"{}\"}}", tracking[1]);
    let (status, took) = trickle_to(
        &app,
        &format!("/api/v1/campaigns/{id}/split"),
        &format!("Authorization: Bearer {token}\r\n"),
        "application/json",
        body.as_bytes(),
        Duration::from_millis(150),
    )
    .await;
    assert!(status.contains(" 408 "), "{status}");
    assert!(took < Duration::from_secs(10), "cut off after {took:?}");
    let form = format!("csrf={csrf}&tracking_number={}", tracking[1]);
    let (status, _) = trickle_to(
        &app,
        &format!("/analyst/campaigns/{id}/split"),
        &format!("Cookie: {session}\r\n"),
        "application/x-www-form-urlencoded",
        form.as_bytes(),
        Duration::from_millis(100),
    )
    .await;
    assert!(status.contains(" 408 "), "{status}");
    let c = app
        .json_as(&token, &format!("/api/v1/campaigns/{id}"), 200)
        .await;
    assert_eq!(c["size"], 2, "nothing split off");
    healthy(&app).await;
}

/// Organization corrections sent slowly, too big or too deep are refused
/// and change nothing; the same correction 40 times at once is kept once;
/// 40 summaries at once all answer alike.
async fn organization_corrections_and_summaries_hold_under_attack(backend: Backend) {
    let app = TestApp::builder(backend).body_timeout(4).start().await;
    let token = app.user("ana", "analyst", "analyst-password");
    let staff = app.user("sam", "staff", "staff-password-long");
    for org in ["Microsoft Corp.", "MSFT"] {
        let mut b = comment_body();
        b["submitter"]["organization"] = org.into();
        b["send_receipt"] = false.into();
        app.submit(&b).await;
    }
    app.index_caught_up(&token).await;
    let groups = format!("/api/v1/dockets/{DOCKET}/organizations/groups");
    let list = format!("/api/v1/dockets/{DOCKET}/organizations");
    let body = br#"{"spelling": "MSFT", "group": "Microsoft"}"#;
    let (status, took) = trickle_with(
        &app,
        "PUT",
        &groups,
        &format!("Authorization: Bearer {token}\r\n"),
        "application/json",
        body,
        Duration::from_millis(150),
    )
    .await;
    assert!(status.contains(" 408 "), "{status}");
    assert!(took < Duration::from_secs(10), "cut off after {took:?}");
    let put = |body: Vec<u8>| {
        app.client
            .put(app.url(&groups))
            .bearer_auth(&token)
            .header("content-type", "application/json")
            .body(body)
    };
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let res = put(deep.into_bytes()).send().await.unwrap();
    assert!(
        matches!(res.status().as_u16(), 400 | 413 | 422),
        "{}",
        res.status()
    );
    let huge = serde_json::json!({"spelling": "x".repeat(200_000), "group": "Microsoft"});
    let res = put(huge.to_string().into_bytes()).send().await.unwrap();
    assert_eq!(res.status(), 413);
    assert_eq!(
        app.json_as(&token, &list, 200).await["corrections"],
        serde_json::json!({})
    );

    let mut running = Vec::new();
    for _ in 0..40 {
        let req = put(body.to_vec());
        running.push(tokio::spawn(async move {
            req.send().await.unwrap().status().as_u16()
        }));
    }
    for r in running {
        assert_eq!(r.await.unwrap(), 204);
    }
    let l = app.json_as(&token, &list, 200).await;
    assert_eq!(l["corrections"], serde_json::json!({"MSFT": "microsoft"}));
    assert_eq!(l["groups"][0]["comments"], 2);

    let summary = format!("/api/v1/dockets/{DOCKET}/summary");
    let mut running = Vec::new();
    for _ in 0..40 {
        let req = app.client.get(app.url(&summary)).bearer_auth(&staff);
        running.push(tokio::spawn(async move {
            let res = req.send().await.unwrap();
            (
                res.status().as_u16(),
                res.json::<serde_json::Value>().await.unwrap(),
            )
        }));
    }
    for r in running {
        let (status, s) = r.await.unwrap();
        assert_eq!(status, 200);
        assert_eq!(s["totals"]["comments"], 2);
        assert_eq!(s["top_organizations"][0]["comments"], 2);
    }
    healthy(&app).await;
}

/// The organizations page's forms: sent slowly, too big, with a field
/// repeated 5,000 times, or the same move 40 times at once.
async fn organization_page_forms_hold_under_attack(backend: Backend) {
    use crate::coding::sign_in_session;
    let app = TestApp::builder(backend).body_timeout(4).start().await;
    let token = app.user("ana", "analyst", "analyst-password");
    for org in ["Microsoft Corp.", "MSFT"] {
        let mut b = comment_body();
        b["submitter"]["organization"] = org.into();
        b["send_receipt"] = false.into();
        app.submit(&b).await;
    }
    app.index_caught_up(&token).await;
    let (session, csrf) = sign_in_session(&app, "ana", "analyst-password").await;
    let list = format!("/api/v1/dockets/{DOCKET}/organizations");
    let form = format!("/analyst/dockets/{DOCKET}/organizations/group");
    let fields = format!("csrf={csrf}&spelling=MSFT&group=Microsoft");
    let (status, took) = trickle_with(
        &app,
        "POST",
        &form,
        &format!("Cookie: {session}\r\n"),
        "application/x-www-form-urlencoded",
        fields.as_bytes(),
        Duration::from_millis(150),
    )
    .await;
    assert!(status.contains(" 408 "), "{status}");
    assert!(took < Duration::from_secs(10), "cut off after {took:?}");
    let post = |body: String| {
        app.client
            .post(app.url(&form))
            .header("cookie", &session)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
    };
    let big = format!(
        "csrf={csrf}&spelling={}&group=Microsoft",
        "x".repeat(200_000)
    );
    assert_eq!(post(big).send().await.unwrap().status(), 413);
    // The first of 5,000 spellings (50 KB, under the form limit) is the one read; the form is refused
    // whole when that one is not an organization's name.
    let many = format!("csrf={csrf}&group=Microsoft{}", "&spelling=".repeat(5_000));
    assert_eq!(post(many).send().await.unwrap().status(), 422);
    let (_, html) = crate::coding_pages::page(
        &app,
        &session,
        &format!(
            "/analyst/dockets/{DOCKET}/organizations?q={}",
            "x".repeat(400)
        ),
    )
    .await;
    assert!(html.contains("That filter is too long"), "{html}");
    assert_eq!(
        app.json_as(&token, &list, 200).await["corrections"],
        serde_json::json!({})
    );

    let mut running = Vec::new();
    for _ in 0..40 {
        let req = post(fields.clone());
        running.push(tokio::spawn(async move {
            req.send().await.unwrap().status().as_u16()
        }));
    }
    for r in running {
        assert_eq!(r.await.unwrap(), 303);
    }
    let l = app.json_as(&token, &list, 200).await;
    assert_eq!(l["corrections"], serde_json::json!({"MSFT": "microsoft"}));
    healthy(&app).await;
}

/// Docket administration's inputs (posting, bulk posting, redaction,
/// deadlines, the submitter's withdrawal): sent a byte at a time, nested
/// deep, with huge counts, or 40 at once. Each gets a clear answer, stores
/// nothing it should not, and the server keeps answering.
async fn administration_inputs_hold_under_attack(backend: Backend) {
    use diesel::prelude::*;
    use rfidesk::db::schema::{audit_log, deadline_changes, posting_operations, redactions};
    let app = TestApp::builder(backend).body_timeout(4).start().await;
    let staff = app.user("sam", "staff", "staff-password");
    let res: serde_json::Value = app.post_json(&comment_body()).await.json().await.unwrap();
    let tn = res["tracking_number"].as_str().unwrap().to_string();
    let bearer = format!("Authorization: Bearer {staff}\r\n");
    let puts = [
        ("PUT", format!("/api/v1/comments/{tn}/posting")),
        ("POST", format!("/api/v1/dockets/{DOCKET}/posting")),
        ("PUT", format!("/api/v1/comments/{tn}/redaction")),
        ("POST", format!("/api/v1/dockets/{DOCKET}/deadline")),
    ];
    let audited = || -> i64 { audit_log::table.count().get_result(&mut app.db()).unwrap() };
    let stored = || -> (i64, i64, i64) {
        let mut conn = app.db();
        (
            posting_operations::table
                .count()
                .get_result(&mut conn)
                .unwrap(),
            redactions::table.count().get_result(&mut conn).unwrap(),
            deadline_changes::table
                .count()
                .get_result(&mut conn)
                .unwrap(),
        )
    };
    // The codebook loaded at start is audited too.
    let audited_before = audited();
    for (method, path) in &puts {
        // One byte at a time: cut off.
        let (status, took) = trickle_with(
            &app,
            method,
            path,
            &bearer,
            "application/json",
            br#"{"status": "posted", "closes_at": "2026-12-13", "notice": "x"}"#,
            Duration::from_millis(150),
        )
        .await;
        assert!(status.contains(" 408 "), "{path}: {status}");
        assert!(
            took < Duration::from_secs(10),
            "{path}: cut off after {took:?}"
        );
        // Nested far deeper than any field.
        let deep = format!(
            "{{\"status\": {}{}}}",
            "[".repeat(100_000),
            "]".repeat(100_000)
        );
        let res = app
            .client
            .request(method.parse().unwrap(), app.url(path))
            .bearer_auth(&staff)
            .header("content-type", "application/json")
            .body(deep)
            .send()
            .await
            .unwrap();
        assert!(
            matches!(res.status().as_u16(), 400 | 413 | 422),
            "{path}: {}",
            res.status()
        );
    }
    // Huge counts: a filter with 150 values, a redaction of 50,000 answers.
    let many: Vec<String> = (0..150).map(|i| format!("C{i}")).collect();
    let res = app
        .client
        .post(app.url(&puts[1].1))
        .bearer_auth(&staff)
        .json(&serde_json::json!({"status": "posted", "q": "*", "country": many}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let answers: serde_json::Map<String, serde_json::Value> = (0..50_000)
        .map(|i| (format!("q{i}"), serde_json::Value::from("x")))
        .collect();
    let res = app
        .client
        .put(app.url(&puts[2].1))
        .bearer_auth(&staff)
        .json(&serde_json::json!({ "answers": answers }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    assert_eq!(stored(), (0, 0, 0));
    assert_eq!(audited(), audited_before);

    // 40 at once: the same redaction is stored once (40 audit entries for
    // 40 accepted requests), the same deadline once, the rest refused.
    let redaction = serde_json::json!({"comment": "[redacted]"});
    let all = futures_util::future::join_all((0..40).map(|_| {
        app.client
            .put(app.url(&puts[2].1))
            .bearer_auth(&staff)
            .json(&redaction)
            .send()
    }))
    .await;
    assert!(all.iter().all(|r| r.as_ref().unwrap().status() == 200));
    assert_eq!(stored().1, 1);
    let deadline = serde_json::json!({"closes_at": "2026-12-13", "notice": "Extended."});
    let all = futures_util::future::join_all((0..40).map(|_| {
        app.client
            .post(app.url(&puts[3].1))
            .bearer_auth(&staff)
            .json(&deadline)
            .send()
    }))
    .await;
    let created = all
        .iter()
        .filter(|r| r.as_ref().unwrap().status() == 201)
        .count();
    assert_eq!(
        created, 1,
        "one extension to that date; the others are not later"
    );
    assert!(all
        .iter()
        .all(|r| matches!(r.as_ref().unwrap().status().as_u16(), 201 | 422)));
    assert_eq!(stored().2, 1);
    healthy(&app).await;
}

/// The reading room's search, the false-attribution form and the redacted
/// file upload, as an attacker would try them first: nested and long
/// queries, thousands of filter values, bodies a byte at a time, 40 at
/// once; every one refused with a clear 4xx, nothing stored, the server up.
async fn public_reading_and_reporting_hold_under_attack(backend: Backend) {
    use diesel::prelude::*;
    use rfidesk::db::schema::{attribution_reports, redacted_files};
    let app = TestApp::builder(backend).body_timeout(4).start().await;
    let staff = app.user("sam", "staff", "staff-password");
    let res: serde_json::Value = app.post_json(&comment_body()).await.json().await.unwrap();
    let tn = res["tracking_number"].as_str().unwrap().to_string();
    let res = app
        .client
        .put(app.url(&format!("/api/v1/comments/{tn}/posting")))
        .bearer_auth(&staff)
        .json(&serde_json::json!({"status": "posted"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    app.index_caught_up(&staff).await;
    let stored = || -> (i64, i64) {
        let mut conn = app.db();
        (
            attribution_reports::table
                .count()
                .get_result(&mut conn)
                .unwrap(),
            redacted_files::table.count().get_result(&mut conn).unwrap(),
        )
    };

    // Queries: nested, long, and a filter with 2,000 values.
    let posted = format!("/api/v1/dockets/{DOCKET}/posted");
    for q in [
        format!("{}x{}", "(".repeat(2_500), ")".repeat(2_500)),
        "x".repeat(5_000),
    ] {
        let res = app
            .client
            .get(app.url(&format!("{posted}?q={}", encode(&q))))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 400);
        let page = app
            .get_status(&format!("/dockets/{DOCKET}/comments?q={}", encode(&q)))
            .await;
        assert_eq!(page, 400);
    }
    let many: String = (0..2_000).map(|i| format!("&country=C{i}")).collect();
    let res = app
        .client
        .get(app.url(&format!("{posted}?q=x{many}")))
        .send()
        .await;
    // Refused by name, or by the HTTP layer for its length.
    if let Ok(res) = res {
        assert!(
            matches!(res.status().as_u16(), 400 | 414 | 431),
            "{}",
            res.status()
        );
    }
    let few: String = (0..21).map(|i| format!("&country=C{i}")).collect();
    let res = app
        .client
        .get(app.url(&format!("{posted}?q=x{few}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    let body: serde_json::Value = res.json().await.unwrap();
    assert!(
        body["error"]["fields"]["country"]
            .as_str()
            .unwrap()
            .contains("at most 20"),
        "{body}"
    );
    // 40 searches at once: all answered.
    let searches = (0..40).map(|_| app.get_status(&posted));
    for status in futures_util::future::join_all(searches).await {
        assert_eq!(status, 200);
    }
    healthy(&app).await;

    // The report form a byte at a time: cut off, nothing stored.
    let report = format!("/dockets/{DOCKET}/comments/{tn}/report");
    let (status, took) = trickle_with(
        &app,
        "POST",
        &report,
        "",
        "application/x-www-form-urlencoded",
        b"name=Grace&email=grace%40example.org&statement=not+mine",
        Duration::from_millis(150),
    )
    .await;
    assert!(status.contains(" 408 "), "{status}");
    assert!(took < Duration::from_secs(10), "cut off after {took:?}");
    // Duplicated and unnamed fields: the first of each counts; junk is ignored.
    let res = app
        .client
        .post(app.url(&report))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("=x&name=&name=Grace&email=not-an-address&statement=s")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    assert_eq!(stored(), (0, 0));

    // A redacted file a byte at a time, and with a thousand unnamed parts.
    let upload = format!("/api/v1/comments/{tn}/attachments/0/redaction");
    let bearer = format!("Authorization: Bearer {staff}\r\n");
    let body = b"--b\r\nContent-Disposition: form-data; name=\"attachments\"; filename=\"a.txt\"\r\n\r\nredacted\r\n--b--\r\n";
    let (status, _) = trickle_with(
        &app,
        "PUT",
        &upload,
        &bearer,
        "multipart/form-data; boundary=b",
        body,
        Duration::from_millis(150),
    )
    .await;
    assert!(status.contains(" 408 "), "{status}");
    let unnamed: String = (0..1_000)
        .map(|_| "--b\r\nContent-Disposition: form-data\r\n\r\nx\r\n")
        .collect::<String>()
        + "--b--\r\n";
    let res = app
        .client
        .put(app.url(&upload))
        .bearer_auth(&staff)
        .header("content-type", "multipart/form-data; boundary=b")
        .body(unnamed)
        .send()
        .await
        .unwrap();
    assert!(
        matches!(res.status().as_u16(), 400 | 404 | 413 | 422),
        "{}",
        res.status()
    );
    assert_eq!(stored(), (0, 0));
    healthy(&app).await;
}
