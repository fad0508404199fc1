//! The coding pages over real HTTP, signed in with a session: tagging a
//! comment (whole, and an excerpt) and removing the tag through plain
//! forms, rules previewed, saved, rejected on a comment and deleted,
//! "tag all results" from the search page, the codebook with counts; and
//! every form refused without its CSRF token or from another origin, with
//! nothing changed.

use crate::coding::{all_tags, sign_in_session, submit};
use crate::helpers::*;
use crate::on_both_backends;
use std::time::Duration;

on_both_backends!(coding_pages_are_plain_forms_guarded_against_cross_site_requests);

pub(crate) async fn page(app: &TestApp, session: &str, path: &str) -> (u16, String) {
    let res = app
        .client
        .get(app.url(path))
        .header("cookie", session)
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), res.text().await.unwrap())
}

/// Posts a form: (status, Location or body).
pub(crate) async fn post_form(
    app: &TestApp,
    session: &str,
    path: &str,
    fields: &[(&str, &str)],
    origin: Option<&str>,
) -> (u16, String) {
    let mut req = app
        .client
        .post(app.url(path))
        .header("cookie", session)
        .form(fields);
    if let Some(o) = origin {
        req = req.header("origin", o);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    let location = res
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_string());
    let body = res.text().await.unwrap();
    (status, location.unwrap_or(body))
}

async fn coding_pages_are_plain_forms_guarded_against_cross_site_requests(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.user("ana", "analyst", "analyst-password");
    let token = app.user("bot", "analyst", "bot-password");
    let (session, csrf) = sign_in_session(&app, "ana", "analyst-password").await;
    let tn = submit(&app, "semiconductor supply chains matter").await;
    submit(&app, "nothing to see").await;
    app.index_caught_up(&token).await;
    let comment = format!("/analyst/comments/{tn}");

    // The comment page: the tag form, the codebook's tags, excerpt fields.
    let (status, html) = page(&app, &session, &comment).await;
    assert_eq!(status, 200);
    for want in [
        "id=\"tag-form\"",
        "value=\"package/hardware\"",
        "data-field=\"comment\"",
        "<option value=\"comment\">General comment</option>",
        "/static/tagging.js",
    ] {
        assert!(html.contains(want), "{want} on the comment page");
    }
    let (status, js) = page(&app, &session, "/static/tagging.js").await;
    assert_eq!(status, 200);
    assert!(js.contains("selectionchange"));

    // Refused without the token, with a wrong one, or from another origin.
    let before = all_tags(&app);
    let tags = format!("{comment}/tags");
    for (fields, origin) in [
        (vec![("tag", "package/hardware")], None),
        (vec![("tag", "package/hardware"), ("csrf", "wrong")], None),
        (
            vec![("tag", "package/hardware"), ("csrf", csrf.as_str())],
            Some("https://evil.example"),
        ),
    ] {
        let (status, _) = post_form(&app, &session, &tags, &fields, origin).await;
        assert_eq!(status, 403, "{fields:?} {origin:?}");
    }
    assert_eq!(all_tags(&app), before);

    // Whole comment, then an excerpt; a bad range is refused.
    let (status, to) = post_form(
        &app,
        &session,
        &tags,
        &[("csrf", &csrf), ("tag", "package/hardware")],
        None,
    )
    .await;
    assert_eq!(
        (status, to.as_str()),
        (303, format!("{comment}#tags").as_str())
    );
    let excerpt = [
        ("csrf", csrf.as_str()),
        ("tag", "package/security"),
        ("field", "comment"),
        ("start", "0"),
        ("end", "13"),
    ];
    assert_eq!(
        post_form(&app, &session, &tags, &excerpt, None).await.0,
        303
    );
    let mut bad = excerpt;
    bad[4] = ("end", "999");
    let (status, body) = post_form(&app, &session, &tags, &bad, None).await;
    assert_eq!(status, 422, "{body}");
    let (_, html) = page(&app, &session, &comment).await;
    assert!(
        html.contains("semiconductor</blockquote>"),
        "the excerpt quoted"
    );
    assert_eq!(all_tags(&app).len(), before.len() + 2);
    // Removing one's own tag.
    let (status, _) = post_form(
        &app,
        &session,
        &format!("{tags}/remove"),
        &[("csrf", &csrf), ("tag", "package/hardware")],
        None,
    )
    .await;
    assert_eq!(status, 303);
    assert_eq!(all_tags(&app).len(), before.len() + 1);

    // The codebook page counts it.
    let (status, html) = page(
        &app,
        &session,
        &format!("/analyst/dockets/{DOCKET}/codebook"),
    )
    .await;
    assert_eq!(status, 200);
    assert!(html.contains("package/security</a>"));

    // Staff change the codebook there; analysts see no such forms and
    // are refused.
    let codebook = format!("/analyst/dockets/{DOCKET}/codebook");
    assert!(!html.contains("Add a tag"));
    assert_eq!(
        post_form(
            &app,
            &session,
            &codebook,
            &[
                ("csrf", &csrf),
                ("path", "region/oceania"),
                ("label", "Oceania")
            ],
            None
        )
        .await
        .0,
        403
    );
    app.user("sam", "staff", "staff-password");
    let (staff, staff_csrf) = sign_in_session(&app, "sam", "staff-password").await;
    let (_, html) = page(&app, &staff, &codebook).await;
    assert!(html.contains("Add a tag"));
    let add = [
        ("csrf", staff_csrf.as_str()),
        ("path", "region/oceania"),
        ("label", "Oceania"),
        ("instructions", "Australia, New Zealand, Pacific islands"),
    ];
    assert_eq!(
        post_form(&app, &staff, &codebook, &add[1..], None).await.0,
        403
    );
    assert_eq!(post_form(&app, &staff, &codebook, &add, None).await.0, 303);
    let (status, body) = post_form(&app, &staff, &codebook, &add, None).await;
    assert_eq!(status, 409, "{body}");
    let change = format!("{codebook}/change");
    let rename = [
        ("csrf", staff_csrf.as_str()),
        ("tag", "region/oceania"),
        ("path", "region/pacific"),
        ("label", "Pacific"),
    ];
    assert_eq!(post_form(&app, &staff, &change, &rename, None).await.0, 303);
    let retire = [
        ("csrf", staff_csrf.as_str()),
        ("tag", "region/oceania"),
        ("retired", "true"),
    ];
    assert_eq!(
        post_form(&app, &staff, &change, &retire, None).await.0,
        303,
        "the old path resolves"
    );
    let (_, html) = page(&app, &staff, &codebook).await;
    assert!(html.contains("region/pacific</a> (retired)"), "{html}");
    let (_, html) = page(&app, &session, &comment).await;
    assert!(
        !html.contains("value=\"region/pacific\""),
        "a retired tag is not offered"
    );

    // Rules: a preview, then a save, then a rejection, then a delete.
    let rules = format!("/analyst/dockets/{DOCKET}/rules");
    let rule = [
        ("csrf", csrf.as_str()),
        ("tag", "package/hardware"),
        ("q", "semiconductor"),
    ];
    let mut preview = rule.to_vec();
    preview.push(("action", "preview"));
    let (status, html) = post_form(&app, &session, &rules, &preview, None).await;
    assert_eq!(status, 200);
    assert!(
        html.contains("would tag 1 comment with package/hardware"),
        "{html}"
    );
    let mut save = rule.to_vec();
    save.push(("action", "save"));
    assert_eq!(
        post_form(&app, &session, &rules, &save[1..], None).await.0,
        403
    );
    let (status, to) = post_form(&app, &session, &rules, &save, None).await;
    assert_eq!((status, to.as_str()), (303, rules.as_str()));
    let (status, html) = post_form(&app, &session, &rules, &save, None).await;
    assert_eq!(status, 409, "the same rule again");
    assert!(html.contains("already"));
    let reject_path = eventually(
        Duration::from_secs(20),
        "the rule's tag on the page",
        || async {
            let (_, html) = page(&app, &session, &comment).await;
            html.split("action=\"")
                .map(|s| s.split('"').next().unwrap().to_string())
                .find(|a| a.ends_with("/reject"))
        },
    )
    .await;
    let (status, _) = post_form(
        &app,
        &session,
        &reject_path,
        &[("csrf", &csrf), ("tracking_number", &tn)],
        None,
    )
    .await;
    assert_eq!(status, 303);
    assert!(!all_tags(&app).iter().any(|t| t.2 == "rule"));
    let (_, html) = page(&app, &session, &rules).await;
    assert!(html.contains("<code>semiconductor</code>"));
    let delete = reject_path.replace("/reject", "/delete");
    assert_eq!(post_form(&app, &session, &delete, &[], None).await.0, 403);
    assert_eq!(
        post_form(&app, &session, &delete, &[("csrf", &csrf)], None)
            .await
            .0,
        303
    );

    // "Tag all results" from the search page.
    let (status, html) = page(&app, &session, "/analyst/search?q=semiconductor").await;
    assert_eq!(status, 200);
    assert!(html.contains("Tag all 1 result with"), "{html}");
    let bulk = format!("/analyst/dockets/{DOCKET}/tags/bulk");
    let fields = [
        ("csrf", csrf.as_str()),
        ("q", "semiconductor"),
        ("tag", "stance/supports"),
    ];
    assert_eq!(
        post_form(&app, &session, &bulk, &fields[1..], None).await.0,
        403
    );
    let (status, body) = post_form(&app, &session, &bulk, &fields, None).await;
    assert_eq!(status, 202, "{body}");
    eventually(Duration::from_secs(10), "the bulk tag applied", || async {
        all_tags(&app).iter().any(|t| t.2 == "bulk").then_some(())
    })
    .await;
}
