//! Deadlines: staff extend a comment period, or reopen it after it
//! closed, with a public notice; the docket page and API show every
//! change; intake follows at once; bad changes are refused and change
//! nothing.

use crate::coding::call;
use crate::helpers::*;
use crate::on_both_backends;
use reqwest::Method;
use serde_json::{json, Value};

on_both_backends!(staff_extend_and_reopen_the_period_with_a_public_notice);

const DOCKET: &str = "ai-exports-rfi";

async fn staff_extend_and_reopen_the_period_with_a_public_notice(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = app.user("sam", "staff", "staff-password-long");
    let analyst = app.user("ana", "analyst", "analyst-password-long");
    let path = format!("/api/v1/dockets/{DOCKET}/deadline");
    let changes = |app: &TestApp| {
        use diesel::prelude::*;
        rfidesk::db::schema::deadline_changes::table
            .count()
            .get_result::<i64>(&mut app.db())
            .unwrap()
    };

    // Bad changes: refused, nothing changed.
    let docket = app.get_json(&format!("/api/v1/dockets/{DOCKET}")).await;
    let closes = docket["closes_at"].clone();
    for (token, body, want, field) in [
        (
            &analyst,
            json!({"closes_at": "2026-12-13", "notice": "x"}),
            403,
            None,
        ),
        (
            &staff,
            json!({"closes_at": "2026-12-13", "notice": "  "}),
            422,
            Some("notice"),
        ),
        (
            &staff,
            json!({"closes_at": "2026-12-13", "notice": "n".repeat(2_001)}),
            422,
            Some("notice"),
        ),
        (
            &staff,
            json!({"closes_at": "next week", "notice": "x"}),
            422,
            Some("closes_at"),
        ),
        // Earlier than the current close (2026-11-28 23:59 New York).
        (
            &staff,
            json!({"closes_at": "2026-11-27", "notice": "x"}),
            422,
            Some("closes_at"),
        ),
        (&staff, json!({"closes_at": "2026-12-13"}), 422, None),
        (
            &staff,
            json!({"closes_at": "2026-12-13", "notice": "x", "by": "me"}),
            422,
            None,
        ),
    ] {
        let (status, answer) = call(&app, token, Method::POST, &path, Some(body.clone())).await;
        assert_eq!(status, want, "{body}: {answer}");
        if let Some(field) = field {
            assert!(
                answer["error"]["fields"][field].is_string(),
                "{body}: {answer}"
            );
        }
        assert_eq!(changes(&app), 0);
    }
    let (status, _) = call(
        &app,
        &staff,
        Method::POST,
        "/api/v1/dockets/nope/deadline",
        Some(json!({"closes_at": "2026-12-13", "notice": "x"})),
    )
    .await;
    assert_eq!(status, 404);
    assert_eq!(
        app.get_json(&format!("/api/v1/dockets/{DOCKET}")).await["closes_at"],
        closes
    );

    // After the close: refused, then reopened by staff, then taken.
    app.clock.set(utc("2026-11-30T12:00:00Z"));
    let refused = app.post_json(&comment_body()).await;
    assert_eq!(refused.status(), 403, "closed");
    let (status, change) = call(
        &app,
        &staff,
        Method::POST,
        &path,
        Some(json!({"closes_at": "2026-12-13",
                    "notice": "Reopened at the request of several trade associations."})),
    )
    .await;
    assert_eq!(status, 201, "{change}");
    assert_eq!(change["closes_at"], "2026-12-13T23:59:59-05:00");
    assert_eq!(change["closes_before"], "2026-11-28T23:59:59-05:00");
    let res = app.post_json(&comment_body()).await;
    assert_eq!(res.status(), 201, "open again");
    // A second change: an extension.
    let (status, _) = call(
        &app,
        &staff,
        Method::POST,
        &path,
        Some(json!({"closes_at": "2026-12-20T17:00", "notice": "Extended once more."})),
    )
    .await;
    assert_eq!(status, 201);

    // Both shown, in order, on the API and the page; no staff name there.
    let docket = app.get_json(&format!("/api/v1/dockets/{DOCKET}")).await;
    assert_eq!(docket["closes_at"], "2026-12-20T17:00:00-05:00");
    assert_eq!(docket["is_open"], true);
    let history: Vec<Value> = docket["deadline_changes"].as_array().unwrap().clone();
    assert_eq!(history.len(), 2);
    assert_eq!(
        history[0]["notice"],
        "Reopened at the request of several trade associations."
    );
    assert_eq!(history[1]["closes_at"], "2026-12-20T17:00:00-05:00");
    assert!(!docket.to_string().contains("sam"));
    let page = app.get_text(&format!("/dockets/{DOCKET}")).await;
    assert!(
        page.contains("Reopened at the request of several trade associations."),
        "{page}"
    );
    assert!(page.contains("Extended once more."));
    // Audited.
    let log = app
        .json_as(
            &staff,
            &format!("/api/v1/dockets/{DOCKET}/audit?subject={DOCKET}"),
            200,
        )
        .await;
    assert_eq!(log["entries"][0]["action"], "deadline.changed");
    assert_eq!(log["entries"][0]["actor"], "sam");

    // The command line records its extension the same way.
    let out = app.cli(&[
        "docket",
        "extend",
        DOCKET,
        "--until",
        "2027-01-10",
        "--notice",
        "From the CLI.",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(changes(&app), 3);
    // Another process's change: the server sees it within its docket
    // cache's second.
    eventually(
        std::time::Duration::from_secs(10),
        "the CLI's change",
        || async {
            let docket = app.get_json(&format!("/api/v1/dockets/{DOCKET}")).await;
            (docket["deadline_changes"][2]["notice"] == "From the CLI.").then_some(())
        },
    )
    .await;
}
