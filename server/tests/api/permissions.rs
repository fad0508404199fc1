//! docs/PERMISSIONS.md, proven (issue 13, step 7): every row of its route
//! table is requested as the public, an analyst and staff, and each is
//! refused (401, or 403 for too small a role) or let through exactly as
//! the row says; the table lists every route of `routes/mod.rs` and no
//! other, and every command of `rfidesk --help`. Every answer on the way,
//! error pages and downloads included, carries the security headers.

use crate::coding::call;
use crate::helpers::*;
use crate::on_both_backends;
use reqwest::Method;
use serde_json::json;
use std::collections::BTreeSet;
use std::path::Path;

on_both_backends!(every_route_answers_each_role_as_the_permissions_table_says);

struct Row {
    method: String,
    path: String,
    /// Allowed for: the public, analysts, staff.
    allowed: [bool; 3],
}

fn doc(name: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(name)).unwrap()
}

/// The route table's rows: `| GET | `/path` | yes | no | yes | ... |`.
fn rows() -> Vec<Row> {
    let text = doc("docs/PERMISSIONS.md");
    let mut out = Vec::new();
    for line in text.lines() {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        if cells.len() < 7 || !matches!(cells[1], "GET" | "POST" | "PUT" | "PATCH" | "DELETE") {
            continue;
        }
        let yes = |c: &str| match c {
            "yes" => true,
            "no" => false,
            other => panic!("{line}: {other:?} is neither yes nor no"),
        };
        out.push(Row {
            method: cells[1].to_string(),
            path: cells[2].trim_matches('`').to_string(),
            allowed: [yes(cells[3]), yes(cells[4]), yes(cells[5])],
        });
    }
    out
}

/// (method, path) of every route the server registers, read from the one
/// file that lists them.
fn registered() -> BTreeSet<(String, String)> {
    let text =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/routes/mod.rs"))
            .unwrap();
    let mut out = BTreeSet::new();
    let mut path: Option<String> = None;
    for line in text.lines() {
        let line = line.trim();
        let start = line
            .find(".route(\"")
            .map(|k| &line[k + 8..])
            .or_else(|| line.strip_prefix('"'));
        if let Some(rest) = start {
            if let Some(end) = rest.find('"') {
                if rest[..end].starts_with('/') {
                    path = Some(rest[..end].to_string());
                }
            }
        }
        if let (Some(p), Some(i)) = (&path, line.find("web::")) {
            let method = line[i + 5..]
                .split('(')
                .next()
                .unwrap()
                .to_ascii_uppercase();
            if matches!(method.as_str(), "GET" | "POST" | "PUT" | "PATCH" | "DELETE") {
                out.insert((method, p.clone()));
                path = None;
            }
        }
    }
    out
}

fn assert_security_headers(what: &str, res: &reqwest::Response) {
    let h = res.headers();
    for (name, want) in [
        ("x-content-type-options", Some("nosniff")),
        ("x-frame-options", Some("DENY")),
        ("referrer-policy", None),
        ("content-security-policy", None),
    ] {
        let got = h
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_else(|| panic!("{what}: no {name}"));
        if let Some(w) = want {
            assert_eq!(got, w, "{what}: {name}");
        }
    }
}

async fn every_route_answers_each_role_as_the_permissions_table_says(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = app.user("sam", "staff", "staff-password-long");
    let analyst = app.user("ana", "analyst", "analyst-password");
    // A posted comment with a file: downloads are answered too.
    let tn = app
        .submit_with_file("notes.txt", b"a file to download".to_vec())
        .await;
    let (status, _) = call(
        &app,
        &staff,
        Method::PUT,
        &format!("/api/v1/comments/{tn}/posting"),
        Some(json!({"status": "posted"})),
    )
    .await;
    assert_eq!(status, 200);

    // The table and the routes are the same list.
    let rows = rows();
    let listed: BTreeSet<(String, String)> = rows
        .iter()
        .map(|r| (r.method.clone(), r.path.clone()))
        .collect();
    assert_eq!(listed.len(), rows.len(), "a route listed twice");
    let routes = registered();
    assert!(routes.len() >= 90, "{} routes read", routes.len());
    assert_eq!(
        listed.difference(&routes).collect::<Vec<_>>(),
        Vec::<&(String, String)>::new(),
        "listed in docs/PERMISSIONS.md, not a route"
    );
    assert_eq!(
        routes.difference(&listed).collect::<Vec<_>>(),
        Vec::<&(String, String)>::new(),
        "a route missing from docs/PERMISSIONS.md"
    );

    let callers: [(&str, Option<&str>); 3] = [
        ("the public", None),
        ("an analyst", Some(&analyst)),
        ("staff", Some(&staff)),
    ];
    for row in &rows {
        let path = row
            .path
            .replace("{docket}", DOCKET)
            .replace("{tracking_number}", &tn)
            .replace("{position}", "0")
            .replace("{id}", "0193aaaa-0000-7000-8000-000000000000")
            .replace("{tag:.+}", "package/hardware")
            .replace("{name}", "comments")
            .replace("{file}", "site.css")
            .replace("{secret}", "not-the-secret");
        for (i, (who, token)) in callers.iter().enumerate() {
            let what = format!("{} {path} as {who}", row.method);
            let mut req = app
                .client
                .request(row.method.parse().unwrap(), app.url(&path));
            if let Some(t) = token {
                req = req.bearer_auth(t);
            }
            if row.method != "GET" {
                req = req.json(&json!({}));
            }
            let res = req.send().await.unwrap();
            assert_security_headers(&what, &res);
            let status = res.status().as_u16();
            let body = res.text().await.unwrap_or_default();
            let role_refused = status == 403 && body.contains("this needs a");
            if row.allowed[i] {
                assert!(
                    status != 401 && !role_refused,
                    "{what}: {status}, but the table says yes: {body}"
                );
                assert!(status < 500, "{what}: {status}: {body}");
            } else if token.is_none() {
                assert_eq!(status, 401, "{what}: {body}");
            } else {
                assert!(
                    role_refused,
                    "{what}: {status}, but the table says no: {body}"
                );
            }
        }
    }

    // Downloads and error pages carry the headers too (checked above on
    // every answer); make sure some of each were among them.
    let download = app
        .get_as(&staff, &format!("/api/v1/comments/{tn}/attachments/0"))
        .await;
    assert_eq!(download.status(), 200);
    assert_security_headers("a download", &download);
    let public = app
        .client
        .get(app.url(&format!("/dockets/{DOCKET}/comments/{tn}/attachments/0")))
        .send()
        .await
        .unwrap();
    assert_eq!(public.status(), 200);
    assert_security_headers("a public download", &public);
    let missing = app
        .client
        .get(app.url("/no/such/page"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    assert_security_headers("a 404", &missing);

    // The command table lists every command, and only those.
    let help = app.cli(&["--help"]);
    let help = String::from_utf8_lossy(&help.stdout).into_owned();
    let commands: BTreeSet<String> = help
        .split("Commands:")
        .nth(1)
        .unwrap()
        .split("Options:")
        .next()
        .unwrap()
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .filter(|c| *c != "help")
        .map(str::to_string)
        .collect();
    let table = doc("docs/PERMISSIONS.md");
    let documented: BTreeSet<String> = table
        .split("## Commands")
        .nth(1)
        .unwrap()
        .lines()
        .filter_map(|l| l.strip_prefix("| `"))
        .filter_map(|l| l.split('`').next())
        .map(str::to_string)
        .collect();
    assert_eq!(documented, commands);
}
