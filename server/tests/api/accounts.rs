//! Accounts over real HTTP: roles on every analyst route, sign-in and
//! sign-out, CSRF, throttling, and the CLI that creates accounts.

use crate::helpers::*;
use crate::on_both_backends;
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};

on_both_backends!(
    every_analyst_route_needs_an_account,
    staff_routes_refuse_analysts,
    sign_in_sign_out_and_csrf,
    failed_sign_ins_are_throttled,
    user_add_refuses_bad_input,
    analyst_pages_escape_comment_text,
    parallel_guesses_are_throttled_before_the_password_is_checked,
    cookies_are_secure_and_private_answers_are_not_stored,
    disabled_accounts_and_revoked_or_expired_tokens_stop_at_once,
    intake_keeps_going_during_a_sign_in_burst,
);

/// Every analyst route (API and pages), with its method.
fn analyst_routes(tn: &str) -> Vec<(&'static str, String)> {
    vec![
        ("GET", "/api/v1/search?q=*".into()),
        ("GET", format!("/api/v1/comments/{tn}")),
        ("GET", format!("/api/v1/comments/{tn}/similar")),
        ("GET", format!("/api/v1/comments/{tn}/attachments/0")),
        ("GET", "/api/v1/admin/index".into()),
        ("PUT", format!("/api/v1/comments/{tn}/posting")),
        ("PUT", format!("/api/v1/comments/{tn}/redaction")),
        ("POST", "/api/v1/dockets/ai-exports-rfi/deadline".into()),
        ("DELETE", format!("/api/v1/comments/{tn}/redaction")),
        ("POST", "/api/v1/dockets/ai-exports-rfi/posting".into()),
        ("GET", "/api/v1/dockets/ai-exports-rfi/posting/x".into()),
        ("GET", "/analyst/search".into()),
        ("GET", format!("/analyst/comments/{tn}")),
        ("POST", "/analyst/sign-out".into()),
    ]
}

async fn every_analyst_route_needs_an_account(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let res = app.post_json(&comment_body()).await;
    let tn: serde_json::Value = res.json().await.unwrap();
    let tn = tn["tracking_number"].as_str().unwrap().to_string();
    for (method, path) in analyst_routes(&tn) {
        for auth in [
            None,
            Some("Bearer rfd_not-a-real-token"),
            Some("Basic YTpi"),
        ] {
            let mut req = app.client.request(method.parse().unwrap(), app.url(&path));
            if let Some(a) = auth {
                req = req.header("Authorization", a);
            }
            let res = req.send().await.unwrap();
            assert_eq!(res.status(), 401, "{method} {path} with {auth:?}");
            if path.starts_with("/api/") {
                let body: serde_json::Value = res.json().await.unwrap();
                assert_eq!(body["error"]["code"], "unauthorized");
            } else {
                // Pages answer with the sign-in form itself.
                let body = res.text().await.unwrap();
                assert!(body.contains("name=\"password\""), "{path}");
            }
        }
        // A forged session cookie is no better.
        let res = app
            .client
            .request(method.parse().unwrap(), app.url(&path))
            .header(COOKIE, "rfd_session=rfs_forged")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 401, "{method} {path} with a forged cookie");
    }
    // The public routes stay open.
    assert_eq!(app.get_status("/api/v1/dockets").await, 200);
    assert_eq!(app.get_status(&format!("/dockets/{DOCKET}")).await, 200);
    assert_eq!(app.get_status("/healthz").await, 200);
}

async fn staff_routes_refuse_analysts(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let analyst = app.user("ana", "analyst", "analyst-password");
    let staff = app.user("sam", "staff", "staff-password");
    let r = app.json_as(&analyst, "/api/v1/admin/index", 403).await;
    assert_eq!(r["error"]["code"], "forbidden");
    let r = app.json_as(&staff, "/api/v1/admin/index", 200).await;
    assert!(r["state"].is_string());
    // Staff can do what analysts do.
    app.json_as(&staff, "/api/v1/search?q=*", 200).await;
}

/// The sign-in form's double-submit pair: (cookie `name=value`, token).
async fn sign_in_form(app: &TestApp) -> (String, String) {
    let page = app
        .client
        .get(app.url("/analyst/sign-in"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let csrf_cookie = cookie(&page, "rfd_csrf").expect("a CSRF cookie");
    let html = page.text().await.unwrap();
    (csrf_cookie, hidden(&html, "csrf"))
}

/// Signs in through the form; the answer carries the session cookie.
async fn sign_in(app: &TestApp, name: &str, password: &str) -> reqwest::Response {
    let (csrf_cookie, token) = sign_in_form(app).await;
    app.client
        .post(app.url("/analyst/sign-in"))
        .header(COOKIE, csrf_cookie)
        .form(&[
            ("name", name),
            ("password", password),
            ("csrf", &token),
            ("next", "/analyst/search?q=x"),
        ])
        .send()
        .await
        .unwrap()
}

/// A GET carrying the session cookie.
async fn get_signed_in(app: &TestApp, path: &str, session: &str) -> reqwest::Response {
    app.client
        .get(app.url(path))
        .header(COOKIE, session)
        .send()
        .await
        .unwrap()
}

async fn sign_out(app: &TestApp, session: &str, csrf: &str) -> reqwest::Response {
    app.client
        .post(app.url("/analyst/sign-out"))
        .header(COOKIE, session)
        .form(&[("csrf", csrf)])
        .send()
        .await
        .unwrap()
}

fn cookie(res: &reqwest::Response, name: &str) -> Option<String> {
    res.headers().get_all(SET_COOKIE).iter().find_map(|v| {
        let v = v.to_str().ok()?;
        let pair = v.split(';').next()?.trim();
        pair.starts_with(&format!("{name}="))
            .then(|| pair.to_string())
    })
}

fn set_cookie_line(res: &reqwest::Response, name: &str) -> String {
    res.headers()
        .get_all(SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|v| v.starts_with(&format!("{name}=")))
        .unwrap()
}

fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker).expect("hidden field") + marker.len();
    html[start..start + html[start..].find('"').unwrap()].to_string()
}

async fn sign_in_sign_out_and_csrf(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let token = app.user("ana", "analyst", "correct horse battery");
    // Search answers 503 until the index is first built.
    app.index_caught_up(&token).await;

    let res = sign_in(&app, "ana", "correct horse battery").await;
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()[LOCATION], "/analyst/search?q=x");
    let line = set_cookie_line(&res, "rfd_session");
    assert!(line.contains("HttpOnly"), "{line}");
    assert!(line.contains("SameSite=Lax"), "{line}");
    let session = cookie(&res, "rfd_session").unwrap();

    let page = get_signed_in(&app, "/analyst/search?q=*", &session).await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("Signed in as"));
    // The session works for the JSON API too.
    let res = get_signed_in(&app, "/api/v1/search?q=*", &session).await;
    assert_eq!(res.status(), 200);

    // Sign-out without the page's token is refused and changes nothing.
    let res = sign_out(&app, &session, "wrong").await;
    assert_eq!(res.status(), 403);
    let still = get_signed_in(&app, "/analyst/search", &session).await;
    assert_eq!(still.status(), 200);

    let token = hidden(&html, "csrf");
    let res = sign_out(&app, &session, token.as_str()).await;
    assert_eq!(res.status(), 303);
    let after = get_signed_in(&app, "/analyst/search", &session).await;
    assert_eq!(after.status(), 401, "the session ended");

    // Sign-in without the CSRF cookie is refused.
    let res = app
        .client
        .post(app.url("/analyst/sign-in"))
        .form(&[
            ("name", "ana"),
            ("password", "correct horse battery"),
            ("csrf", "x"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert!(cookie(&res, "rfd_session").is_none());
    // A wrong password is 401 with the form again; an open redirect is not followed.
    let res = sign_in(&app, "ana", "wrong password").await;
    assert_eq!(res.status(), 401);
    assert!(cookie(&res, "rfd_session").is_none());
}

async fn failed_sign_ins_are_throttled(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.user("ana", "analyst", "correct horse battery");
    for _ in 0..5 {
        assert_eq!(sign_in(&app, "ana", "guess").await.status(), 401);
    }
    let res = sign_in(&app, "ana", "guess").await;
    assert_eq!(res.status(), 429);
    assert!(res.headers().contains_key("retry-after"));
    // Even the right password waits now.
    let res = sign_in(&app, "ana", "correct horse battery").await;
    assert_eq!(res.status(), 429);
    assert!(cookie(&res, "rfd_session").is_none());
}

async fn user_add_refuses_bad_input(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let token = app.user("ana", "analyst", "long enough password");
    assert!(token.starts_with("rfd_"), "{token}");
    // The same name again, a bad role, a bad name: errors, no new account.
    for args in [
        vec!["user", "add", "ana", "--role", "analyst"],
        vec!["user", "add", "bob", "--role", "admin"],
        vec!["user", "add", "b o b", "--role", "analyst"],
    ] {
        let out = app.cli(&args);
        assert!(!out.status.success(), "{args:?} should fail");
        assert!(!out.stderr.is_empty());
    }
    let out = app.cli(&["user", "list"]);
    let list = String::from_utf8(out.stdout).unwrap();
    assert_eq!(list.lines().count(), 1, "{list}");
    // The token is stored only as a hash.
    use diesel::prelude::*;
    let stored: Vec<String> = rfidesk::db::schema::api_tokens::table
        .select(rfidesk::db::schema::api_tokens::token_hash)
        .load(&mut app.db())
        .unwrap();
    assert_eq!(stored.len(), 1);
    assert_ne!(stored[0], token);
}

async fn analyst_pages_escape_comment_text(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let token = app.user("ana", "analyst", "correct horse battery");
    let mut body = comment_body();
    body["answers"]["regions"] = "Malaysia <script>alert('x')</script> & \"quotes\"".into();
    body["submitter"]["organization"] = "Acme <b>Bold</b>".into();
    let res = app.post_json(&body).await;
    let tn = res.json::<serde_json::Value>().await.unwrap()["tracking_number"]
        .as_str()
        .unwrap()
        .to_string();
    app.index_caught_up(&token).await;
    let res = sign_in(&app, "ana", "correct horse battery").await;
    let session = cookie(&res, "rfd_session").unwrap();
    for path in [
        "/analyst/search?q=Malaysia".to_string(),
        format!("/analyst/comments/{tn}"),
    ] {
        let res = get_signed_in(&app, &path, &session).await;
        assert_eq!(res.status(), 200, "{path}");
        let html = res.text().await.unwrap();
        assert!(!html.contains("<script>alert"), "{path}: script unescaped");
        assert!(!html.contains("<b>Bold"), "{path}: markup unescaped");
        assert!(
            html.contains("&lt;script&gt;") || html.contains("&#60;script&#62;"),
            "{path}: text shown escaped"
        );
        assert!(
            !html.contains("ada@example.com"),
            "{path}: analysts see no email"
        );
    }
    // The search page highlights with <mark> and nothing else.
    let res = get_signed_in(&app, "/analyst/search?q=Malaysia", &session).await;
    let html = res.text().await.unwrap();
    assert!(html.contains("<mark>Malaysia</mark>"), "{html}");
}

async fn parallel_guesses_are_throttled_before_the_password_is_checked(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.user("ana", "analyst", "correct horse battery");
    let (csrf_cookie, token) = sign_in_form(&app).await;
    let guesses = (0..40).map(|i| {
        let req = app
            .client
            .post(app.url("/analyst/sign-in"))
            .header(COOKIE, csrf_cookie.clone())
            .form(&[
                ("name", "ana".to_string()),
                ("password", format!("guess number {i}")),
                ("csrf", token.clone()),
            ]);
        async move { req.send().await.unwrap().status().as_u16() }
    });
    let statuses = futures_util::future::join_all(guesses).await;
    let checked = statuses.iter().filter(|s| **s == 401).count();
    let throttled = statuses.iter().filter(|s| **s == 429).count();
    assert_eq!(checked + throttled, 40, "{statuses:?}");
    assert!(
        checked <= 5,
        "{checked} passwords were checked: {statuses:?}"
    );
    assert_eq!(app.get_status("/healthz").await, 200);
}

async fn cookies_are_secure_and_private_answers_are_not_stored(backend: Backend) {
    // On plain-HTTP loopback (a developer's machine) cookies cannot be Secure.
    let app = TestApp::spawn(backend).await;
    let page = app
        .client
        .get(app.url("/analyst/sign-in"))
        .send()
        .await
        .unwrap();
    assert!(!set_cookie_line(&page, "rfd_csrf").contains("Secure"));
    drop(app);

    let app = TestApp::builder(backend)
        .public_url("https://comments.example.gov")
        .start()
        .await;
    let token = app.user("ana", "analyst", "correct horse battery");
    let page = app
        .client
        .get(app.url("/analyst/sign-in"))
        .send()
        .await
        .unwrap();
    let line = set_cookie_line(&page, "rfd_csrf");
    assert!(line.contains("Secure"), "{line}");
    assert_eq!(page.headers()["cache-control"], "no-store");
    let res = sign_in(&app, "ana", "correct horse battery").await;
    assert_eq!(res.status(), 303);
    let line = set_cookie_line(&res, "rfd_session");
    assert!(
        line.contains("Secure") && line.contains("HttpOnly"),
        "{line}"
    );
    let session = cookie(&res, "rfd_session").unwrap();

    let tn = app
        .post_json(&comment_body())
        .await
        .json::<serde_json::Value>()
        .await
        .unwrap()["tracking_number"]
        .as_str()
        .unwrap()
        .to_string();
    // Every analyst answer, by token or session, success or refusal.
    for path in [
        "/api/v1/search?q=*".to_string(),
        format!("/api/v1/comments/{tn}"),
        "/api/v1/admin/index".to_string(),
        "/api/v1/comments/xxxx-xxxx-xxxx".to_string(),
    ] {
        let res = app.get_as(&token, &path).await;
        assert_eq!(res.headers()["cache-control"], "no-store", "{path}");
        let res = get_signed_in(&app, &path, &session).await;
        assert_eq!(res.headers()["cache-control"], "no-store", "{path}");
    }
    for path in ["/analyst/search?q=*", "/analyst/", "/analyst/sign-in"] {
        let res = get_signed_in(&app, path, &session).await;
        assert_eq!(res.headers()["cache-control"], "no-store", "{path}");
        let res = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(
            res.headers()["cache-control"],
            "no-store",
            "{path} signed out"
        );
    }
    let res = app
        .client
        .get(app.url("/api/v1/search?q=*"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    assert_eq!(res.headers()["cache-control"], "no-store");
    // Public pages may be cached as before.
    let res = app
        .client
        .get(app.url("/api/v1/dockets"))
        .send()
        .await
        .unwrap();
    assert!(res
        .headers()
        .get("cache-control")
        .is_none_or(|v| v != "no-store"));
}

fn cli_ok(app: &TestApp, args: &[&str]) -> String {
    let out = app.cli(args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

async fn disabled_accounts_and_revoked_or_expired_tokens_stop_at_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let first = app.user("ana", "analyst", "correct horse battery");
    let second = cli_ok(&app, &["token", "add", "ana"])
        .lines()
        .last()
        .unwrap()
        .to_string();
    let expiring = cli_ok(&app, &["token", "add", "ana", "--expires-in-days", "30"])
        .lines()
        .last()
        .unwrap()
        .to_string();
    for t in [&first, &second, &expiring] {
        app.json_as(t, "/api/v1/search?q=*", 200).await;
    }
    let list = cli_ok(&app, &["token", "list", "ana"]);
    assert_eq!(list.lines().count(), 4, "a header and three tokens: {list}");
    assert!(!list.contains(&first), "tokens are never shown again");

    // Revoke one by presenting it; the others keep working.
    use std::io::Write;
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_rfidesk"));
    cmd.args(["token", "revoke", "ana", "--token-stdin"])
        .env("RFIDESK_DATA_DIR", &app.store.data_dir)
        .env_remove("DATABASE_URL")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    if let Some(url) = &app.store.database_url {
        cmd.env("DATABASE_URL", url);
    }
    let mut child = cmd.spawn().unwrap();
    writeln!(child.stdin.take().unwrap(), "{first}").unwrap();
    assert!(child.wait_with_output().unwrap().status.success());
    app.json_as(&first, "/api/v1/search?q=*", 401).await;
    app.json_as(&second, "/api/v1/search?q=*", 200).await;
    // Revoking an unknown id fails and changes nothing.
    assert!(!app
        .cli(&["token", "revoke", "ana", "--id", "ffffffffffff"])
        .status
        .success());
    assert!(!app
        .cli(&["token", "revoke", "nobody", "--all"])
        .status
        .success());
    app.json_as(&second, "/api/v1/search?q=*", 200).await;

    // An expiring token stops when its day comes (the server's clock).
    app.clock
        .set(chrono::Utc::now() + chrono::TimeDelta::days(31));
    app.json_as(&expiring, "/api/v1/search?q=*", 401).await;
    app.json_as(&second, "/api/v1/search?q=*", 200).await;
    app.clock.set(open_time());

    // Disabling ends the session and the tokens at once.
    let res = sign_in(&app, "ana", "correct horse battery").await;
    let session = cookie(&res, "rfd_session").unwrap();
    assert_eq!(
        get_signed_in(&app, "/analyst/search", &session)
            .await
            .status(),
        200
    );
    cli_ok(&app, &["user", "disable", "ana"]);
    assert_eq!(
        get_signed_in(&app, "/analyst/search", &session)
            .await
            .status(),
        401
    );
    app.json_as(&second, "/api/v1/search?q=*", 401).await;
    assert_eq!(
        sign_in(&app, "ana", "correct horse battery").await.status(),
        401
    );
    assert!(cli_ok(&app, &["user", "list"]).contains("disabled"));
    // Enabled again: the token that was never revoked works again.
    cli_ok(&app, &["user", "enable", "ana"]);
    app.json_as(&second, "/api/v1/search?q=*", 200).await;
    app.json_as(&first, "/api/v1/search?q=*", 401).await;
}

/// Password checks take their turns off the database pool: a burst of
/// sign-ins (20 at once, every one checked, all right) holds up no
/// submission. The comments sent after the burst began are all on disk
/// before its last sign-in is through.
async fn intake_keeps_going_during_a_sign_in_burst(backend: Backend) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    let app = TestApp::spawn(backend).await;
    // Four tries per account and 20 from this client stay under the
    // throttle's limits, so every password is checked.
    let names: Vec<String> = (0..5).map(|i| format!("ana{i}")).collect();
    for name in &names {
        app.user(name, "analyst", "correct horse battery");
    }
    let (csrf_cookie, token) = sign_in_form(&app).await;
    let signed_in = Arc::new(AtomicUsize::new(0));
    let burst: Vec<_> = (0..20)
        .map(|i| {
            let req = app
                .client
                .post(app.url("/analyst/sign-in"))
                .header(COOKIE, csrf_cookie.clone())
                .form(&[
                    ("name", names[i % names.len()].clone()),
                    ("password", "correct horse battery".to_string()),
                    ("csrf", token.clone()),
                ]);
            let signed_in = signed_in.clone();
            tokio::spawn(async move {
                let status = req.send().await.unwrap().status().as_u16();
                signed_in.fetch_add(1, Ordering::SeqCst);
                status
            })
        })
        .collect();
    let comments: Vec<_> = (0..10)
        .map(|_| {
            let req = app
                .client
                .post(app.url(&format!("/api/v1/dockets/{DOCKET}/comments")))
                .json(&comment_body());
            tokio::spawn(async move { req.send().await.unwrap().status().as_u16() })
        })
        .collect();
    for c in comments {
        assert_eq!(c.await.unwrap(), 201);
    }
    let through = signed_in.load(Ordering::SeqCst);
    let statuses: Vec<u16> = futures_util::future::join_all(burst)
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect();
    assert!(
        statuses.iter().all(|s| *s == 303),
        "every sign-in checked and let in: {statuses:?}"
    );
    assert!(
        through < statuses.len(),
        "all 10 comments were taken while sign-ins were still waiting ({through} of 20 through)"
    );
    assert_eq!(app.comment_count(), 10);
}
