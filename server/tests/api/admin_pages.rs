//! Staff's docket administration pages over real HTTP with a session:
//! posting review of one comment (decide, redact, a redacted file, remove
//! the redaction), of every result of a search, the administration page
//! (queue counts, deadline form, reports of false attribution); analysts
//! get none of it, and every form needs its CSRF token.

use crate::coding::{sign_in_session, submit};
use crate::coding_pages::{page, post_form};
use crate::helpers::*;
use crate::on_both_backends;
use std::time::Duration;

on_both_backends!(staff_run_posting_review_and_the_docket_from_pages);

fn status_of(app: &TestApp, tn: &str) -> String {
    use diesel::prelude::*;
    use rfidesk::db::schema::comments;
    comments::table
        .filter(comments::tracking_number.eq(tn))
        .select(comments::posting_status)
        .first(&mut app.db())
        .unwrap()
}

async fn staff_run_posting_review_and_the_docket_from_pages(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let token = app.user("sam", "staff", "staff-password-long");
    app.user("ana", "analyst", "analyst-password");
    let (staff, csrf) = sign_in_session(&app, "sam", "staff-password-long").await;
    let (analyst, analyst_csrf) = sign_in_session(&app, "ana", "analyst-password").await;
    let first = submit(&app, "Widgets for export, call me at 555-0100.").await;
    let second = submit(&app, "Widgets again.").await;
    let third = submit(&app, "Gadgets instead.").await;
    app.index_caught_up(&token).await;

    // The comment page has the posting panel for staff only.
    let comment = format!("/analyst/comments/{first}");
    let (status, html) = page(&app, &staff, &comment).await;
    assert_eq!(status, 200);
    assert!(html.contains("Posting review (staff)"), "{html}");
    assert!(html.contains(&format!("/analyst/comments/{first}/redaction")));
    let (_, html) = page(&app, &analyst, &comment).await;
    assert!(!html.contains("Posting review (staff)"));

    // Decide: refused without the token and for analysts; then withheld.
    let decide = format!("{comment}/posting");
    let (status, _) = post_form(&app, &staff, &decide, &[("status", "posted")], None).await;
    assert_eq!(status, 403);
    let (status, _) = post_form(
        &app,
        &analyst,
        &decide,
        &[("csrf", &analyst_csrf), ("status", "posted")],
        None,
    )
    .await;
    assert_eq!(status, 403);
    let (status, page_text) = post_form(
        &app,
        &staff,
        &decide,
        &[("csrf", &csrf), ("status", "withheld"), ("reason", "nope")],
        None,
    )
    .await;
    assert_eq!(status, 422, "{page_text}");
    assert_eq!(status_of(&app, &first), "pending_review");
    let (status, to) = post_form(
        &app,
        &staff,
        &decide,
        &[
            ("csrf", &csrf),
            ("status", "withheld"),
            ("reason", "personal_information"),
        ],
        None,
    )
    .await;
    assert_eq!(
        (status, to.as_str()),
        (303, format!("{comment}#posting").as_str())
    );
    assert_eq!(status_of(&app, &first), "withheld");

    // Redact: only the field changed is redacted; the public reads it.
    let (status, to) = post_form(
        &app,
        &staff,
        &format!("{comment}/redaction"),
        &[
            ("csrf", &csrf),
            (
                "answers.regions",
                "Southeast Asia, starting with Malaysia and Thailand.",
            ),
            ("comment", "Widgets for export, call me at [redacted]."),
            ("note", "a phone number"),
        ],
        None,
    )
    .await;
    assert_eq!(status, 303, "{to}");
    assert_eq!(status_of(&app, &first), "redacted");
    let public = app
        .get_json(&format!("/api/v1/dockets/{DOCKET}/posted/{first}"))
        .await;
    assert_eq!(
        public["comment"],
        "Widgets for export, call me at [redacted]."
    );
    let (_, html) = page(&app, &staff, &comment).await;
    assert!(
        html.contains("call me at [redacted]"),
        "the form shows the public text"
    );
    // A redacted file through the page's multipart form.
    let form = reqwest::multipart::Form::new()
        .text("csrf", csrf.clone())
        .part(
            "attachments",
            reqwest::multipart::Part::bytes(b"nothing to see".to_vec()).file_name("x.txt"),
        );
    let res = app
        .client
        .post(app.url(&format!("{comment}/attachments/0/redaction")))
        .header("cookie", &staff)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404, "the comment has no attachment 0");
    // Remove the redaction: back to review.
    let (status, _) = post_form(
        &app,
        &staff,
        &format!("{comment}/redaction/remove"),
        &[("csrf", &csrf)],
        None,
    )
    .await;
    assert_eq!(status, 303);
    assert_eq!(status_of(&app, &first), "pending_review");

    // Every result of a search, from the search page's form.
    let (_, html) = page(
        &app,
        &staff,
        &format!("/analyst/search?docket={DOCKET}&q=widgets"),
    )
    .await;
    assert!(html.contains(&format!("/analyst/dockets/{DOCKET}/posting")));
    let (status, text) = post_form(
        &app,
        &staff,
        &format!("/analyst/dockets/{DOCKET}/posting"),
        &[("csrf", &csrf), ("q", "widgets"), ("status", "posted")],
        None,
    )
    .await;
    assert_eq!(status, 202, "{text}");
    eventually(Duration::from_secs(30), "the bulk decision", || async {
        (status_of(&app, &first) == "posted" && status_of(&app, &second) == "posted").then_some(())
    })
    .await;
    assert_eq!(status_of(&app, &third), "pending_review");

    // The administration page: counts linking to the queue, the period,
    // the reports; analysts are refused.
    let admin = format!("/analyst/dockets/{DOCKET}/administration");
    assert_eq!(page(&app, &analyst, &admin).await.0, 403);
    let html = eventually(Duration::from_secs(30), "the counts indexed", || async {
        let (_, html) = page(&app, &staff, &admin).await;
        // The link is the search of that status (its & escaped).
        let want = "posting=posted\">Posted</a></td><td>2</td>";
        html.contains(want).then_some(html)
    })
    .await;
    assert!(html.contains("Not yet reviewed"), "{html}");
    let (status, to) = post_form(
        &app,
        &staff,
        &format!("/analyst/dockets/{DOCKET}/deadline"),
        &[
            ("csrf", &csrf),
            ("closes_at", "2026-12-13"),
            ("notice", "Extended by two weeks."),
        ],
        None,
    )
    .await;
    assert_eq!(status, 303, "{to}");
    let (_, html) = page(&app, &staff, &admin).await;
    assert!(html.contains("Extended by two weeks."));
    let (status, _) = post_form(
        &app,
        &staff,
        &format!("/analyst/dockets/{DOCKET}/deadline"),
        &[("csrf", &csrf), ("closes_at", "soon"), ("notice", "x")],
        None,
    )
    .await;
    assert_eq!(status, 422);

    // A report from the public page, resolved from the administration page.
    let res = app
        .client
        .post(app.url(&format!("/dockets/{DOCKET}/comments/{second}/report")))
        .form(&[
            ("name", "Grace Hopper"),
            ("email", "grace@example.org"),
            ("statement", "Not mine."),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let (_, html) = page(&app, &staff, &admin).await;
    assert!(html.contains("grace@example.org") && html.contains("Not mine."));
    let id = html
        .split("/analyst/attribution-reports/")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_string();
    let (status, to) = post_form(
        &app,
        &staff,
        &format!("/analyst/attribution-reports/{id}"),
        &[
            ("csrf", &csrf),
            ("status", "dismissed"),
            ("note", "signed by them"),
        ],
        None,
    )
    .await;
    assert_eq!(
        (status, to.as_str()),
        (303, format!("{admin}#reports-h").as_str())
    );
    let (_, html) = page(&app, &staff, &admin).await;
    assert!(html.contains("dismissed") && html.contains("signed by them"));
}
