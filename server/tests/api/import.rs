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

on_both_backends!(an_import_killed_midway_leaves_whole_batches_and_finishes_when_run_again);

/// A regulations.gov-shaped file of `n` good rows.
fn generated(path: &Path, n: usize) {
    use std::io::Write;
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    writeln!(
        f,
        "Document ID,Tracking Number,Received Date,First Name,Last Name,Country,Comment,Category"
    )
    .unwrap();
    for i in 0..n {
        // Numbers in the 3-4-4 form, unique per row.
        let tn = format!(
            "k{:02}-{:04}-{:04}",
            i / 100_000_000,
            (i / 10_000) % 10_000,
            i % 10_000
        );
        writeln!(
            f,
            "GEN-{i:07},{tn},2025-11-0{}T10:00Z,Pat,Lee,United States,\"Comment number {i} on export financing, {}\",Individual",
            1 + i % 9,
            "with some words to make it longer ".repeat(20)
        )
        .unwrap();
    }
}

fn imported(app: &TestApp) -> (i64, i64) {
    use diesel::prelude::*;
    use rfidesk::db::schema::{audit_log, imported_comments};
    let mut conn = app.db();
    let rows: i64 = imported_comments::table
        .count()
        .get_result(&mut conn)
        .unwrap();
    // What the batches' audit entries say they imported.
    let details: Vec<String> = audit_log::table
        .filter(audit_log::action.eq("import.regulations_gov"))
        .select(audit_log::detail)
        .load(&mut conn)
        .unwrap();
    let audited = details
        .iter()
        .map(|d| {
            serde_json::from_str::<serde_json::Value>(d).unwrap()["imported"]
                .as_i64()
                .unwrap()
        })
        .sum();
    (rows, audited)
}

async fn an_import_killed_midway_leaves_whole_batches_and_finishes_when_run_again(
    backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let before = app.comment_count();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("big.csv");
    // Enough that the import is still running when it is killed.
    let total = 100_000;
    generated(&file, total);
    let mut child = {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_rfidesk"));
        cmd.args([
            "import",
            "regulations-gov",
            file.to_str().unwrap(),
            "--docket",
            DOCKET,
        ])
        .env("RFIDESK_DATA_DIR", &app.store.data_dir)
        .env_remove("DATABASE_URL")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
        if let Some(url) = &app.store.database_url {
            cmd.env("DATABASE_URL", url);
        }
        cmd.spawn().unwrap()
    };
    // Killed (SIGKILL) once its first batch is committed, before the end.
    eventually(Duration::from_secs(60), "the first batch", || async {
        (imported(&app).0 > 0).then_some(())
    })
    .await;
    child.kill().unwrap();
    child.wait().unwrap();
    let (rows, audited) = imported(&app);
    assert!(rows < total as i64, "killed before the end ({rows})");
    assert_eq!(rows % 5_000, 0, "whole batches only: {rows}");
    assert_eq!(rows, audited, "each stored batch has its audit entry");
    assert_eq!(app.comment_count(), before + rows);

    // Run again: the rest goes in, nothing twice.
    let out = app.cli(&[
        "import",
        "regulations-gov",
        file.to_str().unwrap(),
        "--docket",
        DOCKET,
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(
        stdout.contains(&format!(
            "{} imported, {rows} already imported, 0 skipped",
            total as i64 - rows
        )),
        "{stdout}"
    );
    assert_eq!(imported(&app), (total as i64, total as i64));
    assert_eq!(app.comment_count(), before + total as i64);
}
