//! `rfidesk import regulations-gov`: a regulations.gov bulk download into
//! a docket, original tracking numbers and dates kept, idempotent, bad
//! rows reported by line and skipped, searchable and public once indexed.

use crate::coding::found;
use crate::helpers::*;
use crate::on_both_backends;
use std::path::{Path, PathBuf};
use std::time::Duration;

on_both_backends!(a_regulations_gov_export_imports_once_and_reports_bad_rows,);

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures/regulations-gov/ita-2025-0009-comments.csv")
}

fn import(app: &TestApp, file: &Path) -> (bool, String, String) {
    let out = app.cli(&[
        "import",
        "regulations-gov",
        file.to_str().unwrap(),
        "--docket",
        DOCKET,
    ]);
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

async fn a_regulations_gov_export_imports_once_and_reports_bad_rows(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = app.user("sam", "staff", "staff-password-long");
    let before = app.comment_count();

    let (ok, out, err) = import(&app, &fixture());
    assert!(ok, "{out}{err}");
    assert!(
        out.contains("8 imported, 0 already imported, 0 skipped"),
        "{out}"
    );
    assert_eq!(app.comment_count(), before + 8);

    // Original numbers and dates; posted, except the withdrawn one.
    let c = app
        .json_as(&staff, "/api/v1/comments/m1b-7f8g-9h0j", 200)
        .await;
    assert_eq!(c["received_at"], "2025-10-31T09:40:00Z");
    assert_eq!(c["posting_status"], "posted");
    assert_eq!(c["submitter"]["organization"], "Northwind Compute");
    assert_eq!(c["submitter"]["category"], "compute-cloud");
    assert_eq!(c["submitter"]["country"], "US");
    assert!(c["comment"]
        .as_str()
        .unwrap()
        .contains("the \"full stack\" we can supply"));
    let japan = app
        .json_as(&staff, "/api/v1/comments/m1c-k2l3-m4n5", 200)
        .await;
    assert_eq!(japan["submitter"]["country"], "JP");
    let withdrawn = app
        .json_as(&staff, "/api/v1/comments/m1e-t1u2-v3w4", 200)
        .await;
    assert_eq!(withdrawn["posting_status"], "withheld");
    assert_eq!(withdrawn["withheld_reason"], "withdrawn_by_submitter");
    let campaign = app
        .json_as(&staff, "/api/v1/comments/m1d-p6q7-r8s9", 200)
        .await;
    assert_eq!(campaign["signatories"], 1843);

    // Searchable by analysts, and public in the reading room, once indexed.
    eventually(
        Duration::from_secs(30),
        "the imported comments indexed",
        || async {
            let public = app
                .get_json(&format!("/api/v1/dockets/{DOCKET}/posted?q=gallium"))
                .await;
            (public["total"] == 1).then_some(())
        },
    )
    .await;
    assert_eq!(
        found(&app, &staff, &[("q", "gallium")]).await,
        ["m1h-f3g4-h5i6"]
    );
    let public = app
        .get_json(&format!("/api/v1/dockets/{DOCKET}/posted?q=withdraw"))
        .await;
    assert_eq!(public["total"], 0, "a withdrawn comment is not public");

    // Twice: nothing added.
    let (ok, out, err) = import(&app, &fixture());
    assert!(ok, "{err}");
    assert!(
        out.contains("0 imported, 8 already imported, 0 skipped"),
        "{out}"
    );
    assert_eq!(app.comment_count(), before + 8);

    // Bad rows: each reported by line and why, the good one beside them
    // imported.
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.csv");
    let mut text = std::fs::read_to_string(fixture()).unwrap();
    let row = |doc: &str, tn: &str, date: &str, comment: &str| {
        format!(
            "{doc},ITA,ITA-2025-0009,{tn},Public Submission,,false,,,,,{date},Kim,Park,,,,Korea,,,,\"{comment}\",Individual,,,,,,\n"
        )
    };
    text.push_str(&row(
        "ITA-2025-0009-0101",
        "not-a-number",
        "2025-11-09T10:00Z",
        "bad number",
    ));
    text.push_str(&row(
        "ITA-2025-0009-0102",
        "m2a-0000-0001",
        "last tuesday",
        "bad date",
    ));
    text.push_str(&row(
        "",
        "m2a-0000-0002",
        "2025-11-09T10:00Z",
        "no document id",
    ));
    text.push_str(&row(
        "ITA-2025-0009-0104",
        "m1a-2b3c-4d5e",
        "2025-11-09T10:00Z",
        "a number taken",
    ));
    text.push_str(&row(
        "ITA-2025-0009-0105",
        "m2a-0000-0005",
        "2025-11-09T10:00Z",
        "quince orchards",
    ));
    std::fs::write(&bad, text).unwrap();
    let (ok, out, err) = import(&app, &bad);
    assert!(ok, "{err}");
    assert!(
        out.contains("1 imported, 8 already imported, 4 skipped"),
        "{out}"
    );
    // The fixture has 8 rows over 10 lines (one comment spans three).
    for (line, why) in [
        (12, "Tracking Number \"not-a-number\""),
        (13, "Received Date \"last tuesday\""),
        (14, "Document ID is empty"),
        (
            15,
            "Tracking Number m1a-2b3c-4d5e is already another comment's",
        ),
    ] {
        assert!(
            err.contains(&format!("line {line}: skipped: {why}")),
            "{line}: {err}"
        );
    }
    assert_eq!(app.comment_count(), before + 9);
    let kim = app
        .json_as(&staff, "/api/v1/comments/m2a-0000-0005", 200)
        .await;
    assert_eq!(kim["submitter"]["country"], "KR");

    // Not an export at all: refused whole, nothing stored.
    let other = dir.path().join("other.csv");
    std::fs::write(&other, "name,comment\nx,y\n").unwrap();
    let (ok, _, err) = import(&app, &other);
    assert!(!ok);
    assert!(err.contains("no \"Document ID\" column"), "{err}");
    let (ok, _, err) = {
        let out = app.cli(&[
            "import",
            "regulations-gov",
            bad.to_str().unwrap(),
            "--docket",
            "nope",
        ]);
        (
            out.status.success(),
            (),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    assert!(!ok);
    assert!(err.contains("no such docket"), "{err}");
    assert_eq!(app.comment_count(), before + 9);
}
