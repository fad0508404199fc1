//! Submitter self-service: the receipt's private link shows one's own
//! comment and withdraws it before the deadline, not after; a wrong secret
//! finds nothing; the page is never cached nor sent on as a referrer.

use crate::helpers::*;
use crate::on_both_backends;
use std::time::Duration;

on_both_backends!(the_receipt_link_shows_and_withdraws_ones_own_comment_until_the_deadline);

fn posting(app: &TestApp, tn: &str) -> (String, Option<String>) {
    use diesel::prelude::*;
    use rfidesk::db::schema::comments;
    comments::table
        .filter(comments::tracking_number.eq(tn))
        .select((comments::posting_status, comments::withheld_reason))
        .first(&mut app.db())
        .unwrap()
}

async fn the_receipt_link_shows_and_withdraws_ones_own_comment_until_the_deadline(
    backend: Backend,
) {
    let (sink, url) = SmtpSink::start();
    let app = TestApp::builder(backend)
        .smtp(url)
        .public_url("https://comments.example.gov")
        .start()
        .await;
    let mut tns = Vec::new();
    for text in ["First <b>comment</b>, mine.", "Second comment."] {
        let mut body = comment_body();
        body["comment"] = text.into();
        let res: serde_json::Value = app.post_json(&body).await.json().await.unwrap();
        tns.push(res["tracking_number"].as_str().unwrap().to_string());
    }
    let mails = eventually(Duration::from_secs(10), "both receipts", || async {
        let d = sink.delivered();
        (d.len() == 2).then_some(d)
    })
    .await;
    let link = |tn: &str| -> String {
        let mail = mails.iter().find(|m| m.data.contains(tn)).unwrap();
        // Quoted-printable: long lines are folded with a trailing `=`.
        let text = mail.data.replace("=\r\n", "").replace("=\n", "");
        let start = text
            .find("https://comments.example.gov/submissions/")
            .expect("the private link in the receipt");
        let link: String = text[start..]
            .chars()
            .take_while(|c| !c.is_whitespace())
            .collect();
        link.trim_start_matches("https://comments.example.gov")
            .to_string()
    };
    let (first, second) = (link(&tns[0]), link(&tns[1]));
    assert!(first.starts_with(&format!("/submissions/{}/", tns[0])));
    assert_ne!(first.rsplit('/').next(), second.rsplit('/').next());

    // The page: one's own comment, escaped, never cached nor referred.
    let res = app.client.get(app.url(&first)).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["cache-control"], "no-store");
    assert_eq!(res.headers()["referrer-policy"], "no-referrer");
    let html = res.text().await.unwrap();
    assert!(html.contains("First &#60;b&#62;comment"), "{html}");
    assert!(!html.contains("<b>comment</b>"), "escaped");
    assert!(html.contains("Withdraw my comment"));
    // A wrong or another comment's secret finds nothing, and changes nothing.
    let secret_of_second = second.rsplit('/').next().unwrap();
    for path in [
        format!("/submissions/{}/{}", tns[0], secret_of_second),
        format!("/submissions/{}/{}", tns[0], "0".repeat(32)),
        format!("/submissions/{}/short", tns[0]),
        "/submissions/not-a-number/abc".to_string(),
    ] {
        assert_eq!(app.get_status(&path).await, 404, "{path}");
        let res = app
            .client
            .post(app.url(&format!("{path}/withdraw")))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 404, "{path}");
    }
    assert_eq!(posting(&app, &tns[0]), ("pending_review".into(), None));

    // Withdrawn before the deadline: withheld, with the submitter's reason.
    let res = app
        .client
        .post(app.url(&format!("{first}/withdraw")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(res
        .text()
        .await
        .unwrap()
        .contains("You withdrew this comment"));
    assert_eq!(
        posting(&app, &tns[0]),
        ("withheld".into(), Some("withdrawn_by_submitter".into()))
    );
    // Twice: the same.
    let res = app
        .client
        .post(app.url(&format!("{first}/withdraw")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let staff = app.user("sam", "staff", "staff-password-long");
    let log = app
        .json_as(
            &staff,
            &format!("/api/v1/dockets/ai-exports-rfi/audit?subject={}", tns[0]),
            200,
        )
        .await;
    let entries = log["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 1, "{log}");
    assert_eq!(entries[0]["action"], "posting.withdrawn");
    assert_eq!(entries[0]["actor"], "submitter");

    // After the deadline: shown, not withdrawn.
    app.clock.set(utc("2026-11-29T05:00:00Z"));
    let html = app.get_text(&second).await;
    assert!(html.contains("can no longer be withdrawn"), "{html}");
    let res = app
        .client
        .post(app.url(&format!("{second}/withdraw")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 409);
    assert_eq!(posting(&app, &tns[1]), ("pending_review".into(), None));
}
