use crate::helpers::*;
use crate::on_both_backends;
use reqwest::multipart::{Form, Part};

on_both_backends!(
    attachments_are_stored_by_content_hash,
    a_comment_of_only_an_attachment_is_accepted,
    file_type_is_judged_by_content_not_name,
    too_many_or_too_large_files_are_413,
);

fn file(bytes: Vec<u8>, name: &str) -> Part {
    Part::bytes(bytes).file_name(name.to_string())
}

fn form(comment: &serde_json::Value) -> Form {
    Form::new().text("comment", comment.to_string())
}

async fn post(app: &TestApp, form: Form) -> reqwest::Response {
    app.post_multipart(&format!("/api/v1/dockets/{DOCKET}/comments"), form)
        .await
}

async fn attachments_are_stored_by_content_hash(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let pdf = attachment_fixture("export-priorities.pdf");
    let f = form(&comment_body())
        .part("attachments", file(pdf.clone(), "export-priorities.pdf"))
        .part(
            "attachments",
            file(
                attachment_fixture("consortium-brief.docx"),
                "../../brief.docx",
            ),
        )
        .part(
            "attachments",
            file(attachment_fixture("notes.txt"), "notes.txt"),
        );
    let res = post(&app, f).await;
    assert_eq!(res.status(), 201);
    let body: serde_json::Value = res.json().await.unwrap();
    let mut conn = app.db();
    let c = rfidesk::db::models::comment::find_by_tracking_number(
        &mut conn,
        body["tracking_number"].as_str().unwrap(),
    )
    .unwrap()
    .unwrap();
    let rows = rfidesk::db::models::attachment::for_comment(&mut conn, &c.id).unwrap();
    let kinds: Vec<_> = rows
        .iter()
        .map(|r| (r.filename.as_str(), r.kind.as_str()))
        .collect();
    assert_eq!(
        kinds,
        [
            ("export-priorities.pdf", "pdf"),
            ("brief.docx", "docx"),
            ("notes.txt", "txt")
        ]
    );
    let sha = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&pdf));
    assert_eq!(rows[0].sha256, sha);
    assert_eq!(rows[0].size_bytes, pdf.len() as i64);
    let stored = app
        .store
        .data_dir
        .join("attachments")
        .join(&sha[..2])
        .join(&sha);
    assert_eq!(std::fs::read(stored).unwrap(), pdf);
    assert_eq!(app.blob_files(), 3, "no temporary files left behind");
}

async fn a_comment_of_only_an_attachment_is_accepted(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut body = comment_body();
    body["answers"] = serde_json::json!({});
    body.as_object_mut().unwrap().remove("comment");
    assert_eq!(post(&app, form(&body)).await.status(), 422);
    let res = post(
        &app,
        form(&body).part(
            "attachments",
            file(attachment_fixture("export-priorities.pdf"), "a.pdf"),
        ),
    )
    .await;
    assert_eq!(res.status(), 201);
}

async fn file_type_is_judged_by_content_not_name(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let exe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff".to_vec();
    let res = post(
        &app,
        form(&comment_body()).part("attachments", file(exe, "policy.pdf")),
    )
    .await;
    assert_eq!(res.status(), 415);
    let err: serde_json::Value = res.json().await.unwrap();
    assert_eq!(err["error"]["code"], "attachment_type_not_allowed");
    assert!(err["error"]["fields"]["attachments[0]"]
        .as_str()
        .unwrap()
        .contains("policy.pdf"));
    // A PDF named .txt is still a PDF.
    let res = post(
        &app,
        form(&comment_body()).part(
            "attachments",
            file(attachment_fixture("export-priorities.pdf"), "renamed.txt"),
        ),
    )
    .await;
    assert_eq!(res.status(), 201);
    assert_eq!(app.comment_count(), 1);
    assert_eq!(app.blob_files(), 1, "the refused file left nothing behind");
}

async fn too_many_or_too_large_files_are_413(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut f = form(&comment_body());
    for i in 0..21 {
        f = f.part(
            "attachments",
            file(format!("note {i}\n").into_bytes(), &format!("n{i}.txt")),
        );
    }
    let res = post(&app, f).await;
    assert_eq!(res.status(), 413);
    let err: serde_json::Value = res.json().await.unwrap();
    assert_eq!(err["error"]["code"], "too_many_attachments");

    let mut big = attachment_fixture("export-priorities.pdf");
    big.resize(10 * 1024 * 1024 + 1, b' ');
    let res = post(
        &app,
        form(&comment_body()).part("attachments", file(big, "big.pdf")),
    )
    .await;
    assert_eq!(res.status(), 413);
    let err: serde_json::Value = res.json().await.unwrap();
    assert_eq!(err["error"]["code"], "attachment_too_large");
    assert_eq!(app.comment_count(), 0);
    assert_eq!(app.blob_files(), 0, "refused uploads leave nothing behind");
}
