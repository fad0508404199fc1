//! A real browser (Debian's headless Chromium, driven through chromedriver
//! with fantoccini) against the real server: a stakeholder submits the
//! form with a file and sees the receipt; staff sign in, search, tag a
//! comment, tag every result, open a campaign, read the summary's charts
//! and export a CSV. Script planted in the submission never runs: each
//! page is asked, from inside, whether it did.
//!
//! Without chromedriver the test says so and passes, unless
//! `RFIDESK_REQUIRE_BROWSER` is set (`.ci/run` installs Chromium and sets
//! it). With `RFIDESK_SCREENSHOTS=DIR` it saves each main page there as PNG
//! (docs/screenshots was made so).

use crate::helpers::*;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";

/// The planted script: it would mark the page if it ever ran.
const PLANTED: &str =
    "<img src=x onerror=\"window.__pwned='img'\"><script>window.__pwned='script'</script>";

struct Browser {
    driver: Child,
    client: Client,
    shots: Option<PathBuf>,
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

async fn browser() -> Option<Browser> {
    if !std::path::Path::new(CHROMEDRIVER).exists() || !std::path::Path::new(CHROMIUM).exists() {
        assert!(
            std::env::var_os("RFIDESK_REQUIRE_BROWSER").is_none(),
            "RFIDESK_REQUIRE_BROWSER is set but {CHROMEDRIVER} or {CHROMIUM} is missing \
             (apt-get install chromium chromium-driver)"
        );
        eprintln!("chromium or chromedriver not installed: browser test not run");
        return None;
    }
    let port = free_port();
    let driver = Command::new(CHROMEDRIVER)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    let status = format!("http://127.0.0.1:{port}/status");
    eventually(Duration::from_secs(20), "chromedriver ready", || async {
        let res = reqwest::get(&status).await.ok()?;
        let v: Value = res.json().await.ok()?;
        (v["value"]["ready"] == true).then_some(())
    })
    .await;
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": CHROMIUM,
            // Root in a container has no user namespace for Chromium's sandbox.
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu",
                     "--disable-dev-shm-usage", "--window-size=1280,1000"],
        }),
    );
    let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .expect("a browser session");
    Some(Browser {
        driver,
        client,
        shots: std::env::var_os("RFIDESK_SCREENSHOTS").map(PathBuf::from),
    })
}

impl Browser {
    /// Asks the page whether anything planted ran.
    async fn nothing_ran(&self, page: &str) {
        let ran = self
            .client
            .execute(
                "return window.__pwned === undefined ? null : String(window.__pwned)",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(ran, Value::Null, "planted script ran on {page}");
    }

    async fn shot(&self, name: &str) {
        if let Some(dir) = &self.shots {
            std::fs::create_dir_all(dir).unwrap();
            let png = self.client.screenshot().await.unwrap();
            std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
        }
    }

    async fn text(&self) -> String {
        self.client
            .find(Locator::Css("body"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    async fn path(&self) -> String {
        self.client.current_url().await.unwrap().path().to_string()
    }

    async fn fill(&self, id: &str, text: &str) {
        self.client
            .find(Locator::Id(id))
            .await
            .unwrap()
            .send_keys(text)
            .await
            .unwrap();
    }

    async fn click(&self, css: &str) {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css}: {e}"))
            .click()
            .await
            .unwrap();
    }

    /// Waits for the page at a path starting with `prefix`.
    async fn at(&self, prefix: &str) -> String {
        eventually(Duration::from_secs(20), prefix, || async {
            let path = self.path().await;
            path.starts_with(prefix).then_some(path)
        })
        .await
    }
}

const LETTER: &str = "We the undersigned urge the Department to make leadership in \
    international standards bodies the centre of the American AI Exports Program, to fund \
    full-stack export packages through EXIM and DFC, and to prioritise partners in Southeast \
    Asia and East Africa where trusted technology is needed most.";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stakeholder_and_staff_work_through_a_real_browser() {
    let Some(b) = browser().await else { return };
    let (sink, smtp) = SmtpSink::start();
    let app = TestApp::builder(Backend::Sqlite).smtp(smtp).start().await;
    let password = "a long staff passphrase";
    let token = app.user("sam", "staff", password);
    for n in 0..3 {
        let mut body = comment_body();
        body["comment"] = json!(format!("{LETTER} Signed, member {n}."));
        app.submit(&body).await;
    }

    // The stakeholder's form, with a file and a planted script.
    b.client
        .goto(&app.url(&format!("/dockets/{DOCKET}")))
        .await
        .unwrap();
    b.shot("docket-form").await;
    b.click("input[name=submitter_type][value=individual]")
        .await;
    b.fill("first_name", &format!("Ada {PLANTED}")).await;
    b.fill("last_name", "Lovelace").await;
    b.fill("email", "ada@example.com").await;
    b.click("#category option[value=individual]").await;
    b.click("#country option[value=US]").await;
    b.fill(
        "answer_standards",
        &format!("Engage early in SC 42, the wombat committee. {PLANTED}"),
    )
    .await;
    let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures/attachments/notes.txt")
        .canonicalize()
        .unwrap();
    b.fill("attachments", file.to_str().unwrap()).await;
    b.nothing_ran("the form").await;
    b.click("main form button[type=submit]").await;
    let receipt = b.at("/receipts/").await;
    let tn = receipt.rsplit('/').next().unwrap().to_string();
    assert!(b.text().await.contains(&tn), "the receipt shows {tn}");
    b.shot("receipt").await;
    b.nothing_ran("the receipt").await;
    eventually(Duration::from_secs(20), "the emailed receipt", || async {
        sink.delivered()
            .iter()
            .any(|m| m.data.contains(&tn))
            .then_some(())
    })
    .await;
    let stored = app.first_file_settled(&token, &tn).await;
    assert_eq!(stored["attachments"][0]["filename"], "notes.txt");
    app.index_caught_up(&token).await;

    // Staff sign in and search.
    b.client.goto(&app.url("/analyst/sign-in")).await.unwrap();
    b.shot("sign-in").await;
    b.fill("name", "sam").await;
    b.fill("password", password).await;
    b.click("form.sign-in button[type=submit]").await;
    eventually(Duration::from_secs(20), "signed in", || async {
        (!b.path().await.starts_with("/analyst/sign-in")).then_some(())
    })
    .await;
    b.client
        .goto(&app.url("/analyst/search?q=wombat"))
        .await
        .unwrap();
    assert!(b.text().await.contains(&tn), "the search finds {tn}");
    b.shot("search").await;
    b.nothing_ran("the search").await;

    // The comment, and a tag by hand.
    b.click(&format!("a[href='/analyst/comments/{tn}']")).await;
    b.at(&format!("/analyst/comments/{tn}")).await;
    assert!(
        b.text().await.contains("Ada <img src=x"),
        "the name, as typed"
    );
    b.nothing_ran("the comment").await;
    b.click("#tag-pick option[value='region/asean/malaysia']")
        .await;
    b.click("#tag-form button[type=submit]").await;
    eventually(Duration::from_secs(20), "the tag on the page", || async {
        let tags = b.client.find(Locator::Id("tags")).await.ok()?;
        tags.text()
            .await
            .ok()?
            .contains("region/asean/malaysia")
            .then_some(())
    })
    .await;
    b.shot("comment").await;

    // Every result of a search, tagged at once.
    b.client
        .goto(&app.url("/analyst/search?q=undersigned"))
        .await
        .unwrap();
    b.click("#bulk-tag option[value='region/africa']").await;
    b.click("form.bulk-tag button[type=submit]").await;
    eventually(Duration::from_secs(30), "the bulk tag applied", || async {
        let r = app
            .search(&token, &[("q", "undersigned"), ("tag", "region/africa")])
            .await;
        (r["total"] == 3).then_some(())
    })
    .await;

    // A campaign.
    app.campaigns_settled().await;
    b.client
        .goto(&app.url(&format!("/analyst/dockets/{DOCKET}/campaigns")))
        .await
        .unwrap();
    b.shot("campaigns").await;
    b.click("a[href^='/analyst/campaigns/']").await;
    b.at("/analyst/campaigns/").await;
    assert!(b.text().await.contains("We the undersigned"));
    b.shot("campaign").await;
    b.nothing_ran("the campaign").await;

    // The summary's charts, drawn.
    b.client
        .goto(&app.url(&format!("/analyst/dockets/{DOCKET}/summary")))
        .await
        .unwrap();
    let charts = b.client.find_all(Locator::Css("svg.chart")).await.unwrap();
    assert!(!charts.is_empty(), "charts on the summary");
    let drawn = b
        .client
        .execute(
            "return Array.from(document.querySelectorAll('svg.chart'))
                 .map(s => s.getBoundingClientRect().height)",
            vec![],
        )
        .await
        .unwrap();
    // Drawn, and at a readable size (a timeline of one day once filled
    // the screen).
    assert!(
        drawn
            .as_array()
            .unwrap()
            .iter()
            .all(|h| (20.0..800.0).contains(&h.as_f64().unwrap())),
        "each chart's height: {drawn}"
    );
    b.client
        .execute(
            "document.querySelector('svg.chart').scrollIntoView()",
            vec![],
        )
        .await
        .unwrap();
    b.shot("summary").await;
    b.nothing_ran("the summary").await;

    // Staff export a CSV from the summary's link, with the session.
    let href = b
        .client
        .find(Locator::LinkText("Every comment"))
        .await
        .unwrap()
        .attr("href")
        .await
        .unwrap()
        .expect("a link");
    let csv = b
        .client
        .execute_async(
            "const [url, done] = arguments;
             fetch(url).then(r => r.text().then(t => done([r.status, t])));",
            vec![json!(href)],
        )
        .await
        .unwrap();
    assert_eq!(csv[0], 200, "{csv}");
    let csv = csv[1].as_str().unwrap();
    assert!(
        csv.contains("Tracking Number") && csv.contains(&tn),
        "{csv}"
    );
    b.nothing_ran("after the export").await;
}
