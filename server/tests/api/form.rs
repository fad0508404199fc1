use crate::helpers::*;
use crate::on_both_backends;
use reqwest::multipart::{Form, Part};

on_both_backends!(
    form_submission_redirects_to_a_receipt,
    refused_form_shows_errors_beside_fields_and_keeps_values,
    honeypot_discards_bot_posts,
    double_submit_of_the_same_form_stores_one_comment,
);

fn filled_form(token: &str) -> Form {
    Form::new()
        .text("form_token", token.to_string())
        .text("website", "")
        .text("submitter_type", "individual")
        .text("first_name", "Grace")
        .text("last_name", "Hopper")
        .text("category", "individual")
        .text("country", "US")
        .text("email", "grace@example.org")
        .text("send_receipt", "true")
        .text("answer_regions", "ASEAN first.")
        .text("comment", "Thanks for asking.")
}

async fn post_form(app: &TestApp, form: Form) -> reqwest::Response {
    app.post_multipart(&format!("/dockets/{DOCKET}"), form)
        .await
}

async fn form_submission_redirects_to_a_receipt(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let res = app
        .client
        .get(app.url(&format!("/dockets/{DOCKET}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");
    let csp = res.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"),
        "{csp}"
    );
    let page = res.text().await.unwrap();
    assert!(page.contains("enctype=\"multipart/form-data\""));
    assert!(
        page.contains("<label for=\"first_name\">"),
        "inputs have labels"
    );
    let f = filled_form("t1").part(
        "attachments",
        Part::bytes(
            std::fs::read(
                fixture_path()
                    .parent()
                    .unwrap()
                    .join("../attachments/notes.txt"),
            )
            .unwrap(),
        )
        .file_name("notes.txt"),
    );
    let res = post_form(&app, f).await;
    assert_eq!(res.status(), 303);
    let location = res.headers()["location"].to_str().unwrap().to_string();
    assert!(location.starts_with("/receipts/"));
    let receipt = app.get_text(&location).await;
    let tn = location.trim_start_matches("/receipts/");
    assert!(receipt.contains(tn) && receipt.contains("American AI Exports Program"));
    let c = rfidesk::db::models::comment::find_by_tracking_number(&mut app.db(), tn)
        .unwrap()
        .unwrap();
    assert_eq!(c.first_name.as_deref(), Some("Grace"));
    assert_eq!(
        rfidesk::db::models::attachment::for_comment(&mut app.db(), &c.id)
            .unwrap()
            .len(),
        1
    );
}

async fn refused_form_shows_errors_beside_fields_and_keeps_values(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let f = Form::new()
        .text("form_token", "t2")
        .text("submitter_type", "individual")
        .text("first_name", "<script>alert(1)</script>")
        .text("category", "individual")
        .text("country", "US")
        .text("email", "not an email")
        .text("send_receipt", "true")
        .text("answer_standards", "My <b>typed</b> answer");
    let res = post_form(&app, f).await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains("Your comment was not submitted"));
    assert!(
        html.contains("id=\"last_name-error\""),
        "error beside the last-name field"
    );
    assert!(
        html.contains("id=\"submitter_email-error\"")
            || html.contains("is not a valid email address")
    );
    assert!(
        html.contains("My &#60;b&#62;typed&#60;/b&#62; answer")
            || html.contains("My &lt;b&gt;typed&lt;/b&gt; answer"),
        "typed text kept, escaped"
    );
    assert!(
        !html.contains("<script>alert(1)</script>"),
        "user text is escaped"
    );
    assert_eq!(app.comment_count(), 0);

    // A refused file keeps the typed values too.
    let exe = Part::bytes(b"MZ\x90\x00\x03\x00\x00\x00".to_vec()).file_name("x.pdf");
    let res = post_form(&app, filled_form("t3").part("attachments", exe)).await;
    assert_eq!(res.status(), 415);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("value=\"Hopper\""),
        "typed values kept after a refused file"
    );
    assert!(html.contains("x.pdf is not one of the allowed types"));
    assert_eq!(app.comment_count(), 0);
}

async fn honeypot_discards_bot_posts(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let f = filled_form("t4").text("website", "http://spam.example");
    let res = post_form(&app, f).await;
    assert_eq!(res.status(), 200);
    assert!(res.text().await.unwrap().contains("Thank you"));
    assert_eq!(app.comment_count(), 0);
}

async fn double_submit_of_the_same_form_stores_one_comment(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let a = post_form(&app, filled_form("same-token")).await;
    let b = post_form(&app, filled_form("same-token")).await;
    assert_eq!(a.headers()["location"], b.headers()["location"]);
    assert_eq!(app.comment_count(), 1);
    // Going back, editing and sending again is a new comment.
    let c = post_form(
        &app,
        filled_form("same-token").text("answer_standards", "Added later."),
    )
    .await;
    assert_eq!(c.status(), 303);
    assert_ne!(a.headers()["location"], c.headers()["location"]);
    assert_eq!(app.comment_count(), 2);
}
