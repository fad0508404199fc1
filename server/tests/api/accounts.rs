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
);

/// Every analyst route (API and pages), with its method.
fn analyst_routes(tn: &str) -> Vec<(&'static str, String)> {
    vec![
        ("GET", "/api/v1/search?q=*".into()),
        ("GET", format!("/api/v1/comments/{tn}")),
        ("GET", format!("/api/v1/comments/{tn}/similar")),
        ("GET", format!("/api/v1/comments/{tn}/attachments/0")),
        ("GET", "/api/v1/admin/index".into()),
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

/// Signs in through the form; returns the session cookie (`name=value`).
async fn sign_in(app: &TestApp, name: &str, password: &str) -> reqwest::Response {
    let page = app
        .client
        .get(app.url("/analyst/sign-in"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let csrf_cookie = cookie(&page, "rfd_csrf").expect("a CSRF cookie");
    let html = page.text().await.unwrap();
    let token = hidden(&html, "csrf");
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
    app.user("ana", "analyst", "correct horse battery");

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
