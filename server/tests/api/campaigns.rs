//! Form-letter campaigns over real HTTP: a copy of a letter joins its
//! campaign as it arrives, a comment sharing only the docket's boilerplate
//! does not; counts and collapsed search; analysts' names, merges and
//! splits survive `campaigns rebuild`; signals for a planted burst and one
//! email under two names; bad corrections refused with nothing changed.

use crate::coding::{call, sign_in_session};
use crate::coding_pages::{page, post_form};
use crate::helpers::*;
use crate::on_both_backends;
use reqwest::Method;
use serde_json::{json, Value};
use std::time::Duration;

on_both_backends!(
    a_copy_joins_its_campaign_and_boilerplate_alone_does_not,
    corrections_survive_a_rebuild,
    signals_for_a_burst_and_one_email_under_two_names,
    the_campaign_pages_show_additions_and_take_corrections,
    hostile_corrections_are_refused_and_change_nothing,
    a_docket_whose_feed_was_purged_first_is_rebuilt,
);

/// A line the site appends to most comments: boilerplate.
const FOOTER: &str = "This comment was submitted through the American AI Exports Program \
    comment portal. The views expressed are solely those of the submitter and not of any \
    employer, client or affiliated organization.";

const LETTER: &str = "We the undersigned urge the Department to make leadership in \
    international standards bodies the centre of the American AI Exports Program, to fund \
    full-stack export packages through EXIM and DFC, and to prioritise partners in Southeast \
    Asia and East Africa where trusted technology is needed most. American firms can compete \
    on quality and security if the program lowers financing costs and speeds up licensing.";

const OTHER_LETTER: &str = "As members of the Coalition for Open Models we ask Commerce to \
    include open-weight models in every full-stack package, to support language models for \
    local languages, and to train engineers in partner countries so that the systems we export \
    are maintained locally for decades rather than years.";

/// A comment in its own words: forty words drawn from a shared
/// vocabulary, different for each `seed`.
fn own_words(seed: u64, n: usize) -> String {
    const VOCAB: [&str; 40] = [
        "chips",
        "energy",
        "grid",
        "models",
        "cloud",
        "training",
        "finance",
        "security",
        "standards",
        "export",
        "partners",
        "Kenya",
        "Brazil",
        "Vietnam",
        "Poland",
        "Chile",
        "India",
        "Ghana",
        "licensing",
        "talent",
        "data",
        "centres",
        "loans",
        "grants",
        "risk",
        "trust",
        "speed",
        "cost",
        "allies",
        "markets",
        "research",
        "universities",
        "startups",
        "telecom",
        "health",
        "farming",
        "identity",
        "languages",
        "privacy",
        "audits",
    ];
    let mut state = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    (0..n)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            VOCAB[(state % 40) as usize]
        })
        .collect::<Vec<_>>()
        .join(" ")
}

async fn submit_as(app: &TestApp, comment: &str, first: &str, last: &str, email: &str) -> String {
    let mut body = comment_body();
    body["comment"] = comment.into();
    body["answers"] = json!({});
    body["submitter"]["first_name"] = first.into();
    body["submitter"]["last_name"] = last.into();
    body["submitter"]["email"] = email.into();
    body["send_receipt"] = false.into();
    app.submit(&body).await
}

async fn submit_text(app: &TestApp, comment: &str, i: usize) -> String {
    submit_as(
        app,
        comment,
        "Pat",
        &format!("Person{i}"),
        &format!("p{i}@example.com"),
    )
    .await
}

fn campaigns_path() -> String {
    format!("/api/v1/dockets/{DOCKET}/campaigns")
}

fn rebuild(app: &TestApp) -> String {
    let out = app.cli(&["campaigns", "rebuild", "--docket", DOCKET]);
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "rebuild: {stdout} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// Members' tracking numbers of a campaign, sorted.
async fn members(app: &TestApp, token: &str, id: &str) -> Vec<String> {
    let c = app
        .json_as(token, &format!("/api/v1/campaigns/{id}"), 200)
        .await;
    let mut m: Vec<String> = c["member_list"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["tracking_number"].as_str().unwrap().to_string())
        .collect();
    m.sort();
    m
}

async fn a_copy_joins_its_campaign_and_boilerplate_alone_does_not(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let token = app.user("ana", "analyst", "correct horse battery staple");
    // Campaigns are never public.
    assert_eq!(app.get_status(&campaigns_path()).await, 401);

    let mut n = 0;
    for i in 0..24 {
        submit_text(&app, &format!("{}. {FOOTER}", own_words(i, 40)), n).await;
        n += 1;
    }
    let mut letters = Vec::new();
    for name in ["Ann Lee", "Bob Ray", "Cy Diaz"] {
        let text = format!("Dear Secretary,\n\n{LETTER}\n\nSincerely,\n{name}\n\n{FOOTER}");
        letters.push(submit_text(&app, &text, n).await);
        n += 1;
    }
    app.index_caught_up(&token).await;
    let out = rebuild(&app);
    assert!(out.contains("1 campaigns holding 3"), "{out}");

    let list = app.json_as(&token, &campaigns_path(), 200).await;
    assert_eq!(list["campaigns"].as_array().unwrap().len(), 1, "{list}");
    let campaign = &list["campaigns"][0];
    let id = campaign["id"].as_str().unwrap().to_string();
    assert_eq!(campaign["size"], 3);
    assert!(campaign["template"]
        .as_str()
        .unwrap()
        .contains("We the undersigned"));
    // What was discounted is shown.
    assert!(
        list["boilerplate"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| FOOTER.contains(p["text"].as_str().unwrap())
                && p["text"].as_str().unwrap().len() > 40),
        "{}",
        list["boilerplate"]
    );

    // A short note that shares only the footer, then a new copy of the
    // letter: the copy joins as it arrives; the note (assigned before it,
    // in feed order) joins nothing.
    let note = submit_text(&app, &format!("Chips and grid costs. {FOOTER}"), n).await;
    n += 1;
    let copy = submit_text(
        &app,
        &format!("To the Department:\n\n{LETTER} My town of Springfield depends on it.\n\nDee Ng\n\n{FOOTER}"),
        n,
    )
    .await;
    n += 1;
    eventually(Duration::from_secs(30), "the copy to join", || async {
        let c = app
            .json_as(&token, &format!("/api/v1/campaigns/{id}"), 200)
            .await;
        (c["size"] == 4).then_some(())
    })
    .await;
    let mut want = letters.clone();
    want.push(copy.clone());
    want.sort();
    assert_eq!(members(&app, &token, &id).await, want);
    assert!(!want.contains(&note));

    // The copy's own words are its additions.
    let detail = app
        .json_as(&token, &format!("/api/v1/campaigns/{id}"), 200)
        .await;
    let member = detail["member_list"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["tracking_number"] == copy.as_str())
        .unwrap()
        .clone();
    let added = member["additions"].as_array().unwrap();
    assert!(
        added
            .iter()
            .any(|a| a.as_str().unwrap().contains("Springfield")),
        "{member}"
    );
    assert!(!added
        .iter()
        .any(|a| a.as_str().unwrap().contains("undersigned")));

    // Counts: a campaign counts once among the unique comments.
    let list = app.json_as(&token, &campaigns_path(), 200).await;
    let counts = &list["counts"];
    assert_eq!(counts["comments"], n as i64, "{counts}");
    assert_eq!(counts["campaigns"], 1);
    assert_eq!(counts["unique"], n as i64 - 4 + 1);
    assert_eq!(counts["signatories"], n as i64);

    // Search: the campaign filter, then one hit per campaign.
    let filtered = eventually(
        Duration::from_secs(20),
        "the campaign in the index",
        || async {
            let r = app.search(&token, &[("q", "*"), ("campaign", &id)]).await;
            (r["total"] == 4).then_some(r)
        },
    )
    .await;
    assert_eq!(filtered["campaigns"], 1);
    assert_eq!(filtered["unique"], 1);
    let all = app
        .search(
            &token,
            &[("q", "*"), ("collapse", "true"), ("per_page", "100")],
        )
        .await;
    assert_eq!(all["total"], n as i64);
    assert_eq!(all["unique"], n as i64 - 3, "{}", all["unique"]);
    let hits = all["hits"].as_array().unwrap();
    assert_eq!(hits.len(), n - 3);
    let in_campaign: Vec<&Value> = hits
        .iter()
        .filter(|h| h["campaign"] == id.as_str())
        .collect();
    assert_eq!(in_campaign.len(), 1);
    assert_eq!(in_campaign[0]["campaign_matches"], 4);
    let uncollapsed = app.search(&token, &[("q", "*"), ("per_page", "100")]).await;
    assert_eq!(uncollapsed["hits"].as_array().unwrap().len(), n);

    // Bad parameters change nothing and say why.
    let (status, body) = call(
        &app,
        &token,
        Method::GET,
        &format!("{}?page=0", campaigns_path()),
        None,
    )
    .await;
    assert_eq!(status, 422, "{body}");
    let (status, _) = call(&app, &token, Method::GET, "/api/v1/campaigns/nope", None).await;
    assert_eq!(status, 404);
    let (status, _) = call(
        &app,
        &token,
        Method::GET,
        "/api/v1/dockets/nope/campaigns",
        None,
    )
    .await;
    assert_eq!(status, 404);
}

async fn corrections_survive_a_rebuild(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let token = app.user("ana", "analyst", "correct horse battery staple");
    let staff = app.user("sam", "staff", "correct horse battery staple");
    let mut n = 0;
    let mut first = Vec::new();
    let mut second = Vec::new();
    for i in 0..3 {
        first.push(submit_text(&app, &format!("{LETTER} Signed, reader {i}."), n).await);
        n += 1;
        second.push(submit_text(&app, &format!("{OTHER_LETTER} From member {i}."), n).await);
        n += 1;
    }
    for i in 0..6 {
        submit_text(&app, &own_words(100 + i, 40), n).await;
        n += 1;
    }
    app.index_caught_up(&token).await;
    // Staff may start a rebuild in the background; analysts may not.
    let (status, _) = call(
        &app,
        &token,
        Method::POST,
        &format!("{}/rebuild", campaigns_path()),
        None,
    )
    .await;
    assert_eq!(status, 403);
    let (status, job) = call(
        &app,
        &staff,
        Method::POST,
        &format!("{}/rebuild", campaigns_path()),
        None,
    )
    .await;
    assert_eq!(status, 202, "{job}");
    let list = eventually(Duration::from_secs(30), "the rebuild job", || async {
        let l = app.json_as(&token, &campaigns_path(), 200).await;
        (l["campaigns"].as_array().unwrap().len() == 2).then_some(l)
    })
    .await;
    let id_of = |l: &Value, member: &str| -> String {
        l["campaigns"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["template"].as_str().unwrap().contains(member))
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let a = id_of(&list, "We the undersigned");
    let b = id_of(&list, "Coalition for Open Models");

    // Refused corrections change nothing.
    let path_a = format!("/api/v1/campaigns/{a}");
    for (method, path, body, want) in [
        (
            Method::PATCH,
            path_a.clone(),
            json!({"name": "x".repeat(300)}),
            422,
        ),
        (
            Method::PATCH,
            path_a.clone(),
            json!({"name": "ok", "colour": "red"}),
            422,
        ),
        (
            Method::POST,
            format!("{path_a}/merge"),
            json!({"campaign": a}),
            422,
        ),
        (
            Method::POST,
            format!("{path_a}/merge"),
            json!({"campaign": "nope"}),
            422,
        ),
        (
            Method::POST,
            format!("{path_a}/split"),
            json!({"tracking_number": second[0]}),
            422,
        ),
        (Method::POST, format!("{path_a}/split"), json!({}), 422),
        (
            Method::POST,
            "/api/v1/campaigns/nope/split".to_string(),
            json!({"tracking_number": first[0]}),
            404,
        ),
    ] {
        let (status, body) = call(&app, &token, method.clone(), &path, Some(body)).await;
        assert_eq!(status, want, "{method} {path}: {body}");
    }
    let unchanged = app.json_as(&token, &path_a, 200).await;
    assert_eq!(unchanged["size"], 3);
    assert!(unchanged["name"].is_null());

    // Name and confirm, merge, split.
    let (status, body) = call(
        &app,
        &token,
        Method::PATCH,
        &path_a,
        Some(json!({"name": "Standards letter", "confirmed": true})),
    )
    .await;
    assert_eq!(status, 204, "{body}");
    let (status, body) = call(
        &app,
        &token,
        Method::POST,
        &format!("{path_a}/merge"),
        Some(json!({"campaign": b})),
    )
    .await;
    assert_eq!(status, 204, "{body}");
    let (status, body) = call(
        &app,
        &token,
        Method::POST,
        &format!("{path_a}/split"),
        Some(json!({"tracking_number": first[2]})),
    )
    .await;
    assert_eq!(status, 204, "{body}");
    let check = |c: &Value| {
        assert_eq!(c["size"], 5, "{c}");
        assert_eq!(c["name"], "Standards letter");
        assert_eq!(c["confirmed"], true);
        assert_eq!(c["confirmed_by"], "ana");
    };
    check(&app.json_as(&token, &path_a, 200).await);
    let mut want: Vec<String> = first[..2].iter().chain(&second).cloned().collect();
    want.sort();
    assert_eq!(members(&app, &token, &a).await, want);
    app.json_as(&token, &format!("/api/v1/campaigns/{b}"), 404)
        .await;

    // A rebuild keeps all of it.
    rebuild(&app);
    let list = app.json_as(&token, &campaigns_path(), 200).await;
    assert_eq!(list["campaigns"].as_array().unwrap().len(), 1, "{list}");
    assert_eq!(list["campaigns"][0]["id"], a.as_str());
    check(&app.json_as(&token, &path_a, 200).await);
    assert_eq!(members(&app, &token, &a).await, want);

    // Every correction is in the audit log.
    let audit = app
        .json_as(&token, &format!("/api/v1/dockets/{DOCKET}/audit"), 200)
        .await
        .to_string();
    for action in ["campaign.named", "campaign.merged", "campaign.split"] {
        assert!(audit.contains(action), "{action}");
    }
}

async fn signals_for_a_burst_and_one_email_under_two_names(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let token = app.user("ana", "analyst", "correct horse battery staple");
    // The clock stands still: twelve copies arrive in the same second.
    for i in 0..12 {
        submit_text(&app, &format!("{LETTER} Reader {i}."), i).await;
    }
    submit_as(&app, &own_words(7, 40), "Ann", "Lee", "same@example.com").await;
    submit_as(&app, &own_words(8, 40), "Bob", "Ray", "same@example.com").await;
    let coalition = {
        let mut body = comment_body();
        body["comment"] = format!("A coalition letter. {}", own_words(9, 40)).into();
        body["answers"] = json!({});
        body["signatories"] = 300.into();
        body["send_receipt"] = false.into();
        app.submit(&body).await
    };
    app.index_caught_up(&token).await;
    rebuild(&app);
    let list = app.json_as(&token, &campaigns_path(), 200).await;
    let signals = list["campaigns"][0]["signals"].as_array().unwrap();
    let burst = signals
        .iter()
        .find(|s| s["kind"] == "burst")
        .expect("a burst");
    assert_eq!(burst["comments"], 12);
    assert!(burst["explanation"]
        .as_str()
        .unwrap()
        .contains("within 0 seconds"));
    let shared = list["signals"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["kind"] == "shared_email")
        .expect("one email under two names");
    assert_eq!(shared["comments"], 2);
    // Counted among the docket's counts, each comment once per kind.
    assert_eq!(list["counts"]["signals"]["burst"], 12, "{}", list["counts"]);
    assert_eq!(list["counts"]["signals"]["shared_email"], 2);
    // Explained without the address itself.
    assert!(!list.to_string().contains("same@example.com"));

    // Search filters by signal and counts the flagged, per kind and in all.
    let bursts = eventually(
        Duration::from_secs(20),
        "the signals in the index",
        || async {
            // The rebuild's signals: those across the docket too, not only
            // the campaign's that assignment found first.
            let r = app
                .search(
                    &token,
                    &[("q", "*"), ("signal", "burst"), ("per_page", "100")],
                )
                .await;
            let docket_wide = r["facets"]["signal"]["shared_email"] == 2;
            (r["total"] == 12 && docket_wide).then_some(r)
        },
    )
    .await;
    let mut burst_members: Vec<String> = bursts["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["tracking_number"].as_str().unwrap().to_string())
        .collect();
    burst_members.sort();
    assert_eq!(burst_members.len(), 12);
    let shared = app
        .search(&token, &[("q", "*"), ("signal", "shared_email")])
        .await;
    assert_eq!(shared["total"], 2, "{shared}");
    let all = app.search(&token, &[("q", "*")]).await;
    assert_eq!(all["total"], 15);
    // Every comment came from this one client within a minute; each
    // flagged comment counts once, whatever its kinds (41 in all).
    assert_eq!(all["facets"]["signal"]["one_client"], 15, "{all}");
    assert_eq!(all["facets"]["signal"]["burst"], 12);
    assert_eq!(all["facets"]["signal"]["salutation_only"], 12);
    assert_eq!(all["facets"]["signal"]["shared_email"], 2);
    assert_eq!(all["flagged"], 15);
    // The query language knows the field too.
    let by_query = app.search(&token, &[("q", "signal:shared_email")]).await;
    assert_eq!(by_query["total"], 2, "{by_query}");
    // Signatories: one per comment, but the coalition's letter claims 300.
    assert_eq!(all["signatories"], 14 + 300);
    let words = app.search(&token, &[("q", "coalition")]).await;
    assert_eq!(words["total"], 1);
    assert_eq!(words["signatories"], 300);
    assert_eq!(words["flagged"], 1);
    let bursts_only = app
        .search(&token, &[("q", "coalition"), ("signal", "burst")])
        .await;
    assert_eq!(bursts_only["total"], 0);
    assert_eq!(bursts_only["flagged"], 0);
    assert_eq!(bursts_only["signatories"], 0);
    // An unknown kind is refused, and says which kinds there are.
    let (status, body) = call(
        &app,
        &token,
        Method::GET,
        "/api/v1/search?q=*&signal=sockpuppet",
        None,
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert!(body.to_string().contains("shared_email"), "{body}");

    // The comment itself shows each signal with its explanation.
    let one = app
        .json_as(
            &token,
            &format!("/api/v1/comments/{}", burst_members[0]),
            200,
        )
        .await;
    let kinds: Vec<&str> = one["signals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["burst", "salutation_only", "one_client"], "{one}");
    assert!(one["signals"][0]["explanation"]
        .as_str()
        .unwrap()
        .contains("within 0 seconds"));
    assert!(one["signals"][0]["campaign"].is_string());
    assert!(
        one["signals"][2]["campaign"].is_null(),
        "found across the docket"
    );
    let lone = app
        .json_as(&token, &format!("/api/v1/comments/{coalition}"), 200)
        .await;
    assert_eq!(lone["signals"].as_array().unwrap().len(), 1, "{lone}");
    assert_eq!(lone["signals"][0]["kind"], "one_client");

    // The pages say the same to a signed-in analyst.
    let (session, _) = sign_in_session(&app, "ana", "correct horse battery staple").await;
    let (status, search) = page(&app, &session, "/analyst/search?q=*").await;
    assert_eq!(status, 200);
    assert!(
        search.contains("15 comments (4 unique, 1 campaign), 314 signatories, 15 flagged"),
        "{search}"
    );
    assert!(search.contains("Signals (not verdicts)"));
    assert!(search.contains("A burst of near-identical comments"));
    let (status, comment_page) = page(
        &app,
        &session,
        &format!("/analyst/comments/{}", burst_members[0]),
    )
    .await;
    assert_eq!(status, 200);
    assert!(
        comment_page.contains("Signals (not verdicts)"),
        "{comment_page}"
    );
    assert!(comment_page.contains("within 0 seconds"));

    // A member split off its campaign is no longer flagged by it.
    let id = list["campaigns"][0]["id"].as_str().unwrap().to_string();
    let (status, body) = call(
        &app,
        &token,
        Method::POST,
        &format!("/api/v1/campaigns/{id}/split"),
        Some(json!({"tracking_number": burst_members[0]})),
    )
    .await;
    assert_eq!(status, 204, "{body}");
    eventually(
        Duration::from_secs(20),
        "the split member's signals to leave the index",
        || async {
            let r = app.search(&token, &[("q", "*"), ("signal", "burst")]).await;
            (r["total"] == 11).then_some(())
        },
    )
    .await;
    let one = app
        .json_as(
            &token,
            &format!("/api/v1/comments/{}", burst_members[0]),
            200,
        )
        .await;
    assert_eq!(one["signals"].as_array().unwrap().len(), 1, "{one}");
    assert_eq!(one["signals"][0]["kind"], "one_client");
    let list = app.json_as(&token, &campaigns_path(), 200).await;
    assert_eq!(list["counts"]["signals"]["burst"], 11, "{}", list["counts"]);
}

async fn the_campaign_pages_show_additions_and_take_corrections(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.user("ana", "analyst", "analyst-password");
    let token = app.user("bot", "analyst", "bot-password");
    let (session, csrf) = sign_in_session(&app, "ana", "analyst-password").await;
    let mut members = Vec::new();
    for (i, extra) in [
        "<script>alert(1)</script> My farm needs this.",
        "",
        " Also Kenya.",
    ]
    .iter()
    .enumerate()
    {
        members.push(submit_text(&app, &format!("{LETTER}{extra}"), i).await);
    }
    app.index_caught_up(&token).await;
    rebuild(&app);
    let (status, list) = page(
        &app,
        &session,
        &format!("/analyst/dockets/{DOCKET}/campaigns"),
    )
    .await;
    assert_eq!(status, 200, "{list}");
    assert!(list.contains("We the undersigned"));
    assert!(list.contains("Unique comments"));
    let id = list
        .split("/analyst/campaigns/")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a link to the campaign")
        .to_string();
    let (status, view) = page(&app, &session, &format!("/analyst/campaigns/{id}")).await;
    assert_eq!(status, 200);
    // A member's own words are highlighted, and inert.
    assert!(view.contains("My farm needs this."), "{view}");
    assert!(view.contains("<ins>"));
    assert!(!view.contains("<script>alert(1)"));
    assert!(view.contains("&lt;script&gt;") || view.contains("&#60;script&#62;"));

    // The search page counts unique comments and collapses campaigns.
    eventually(
        Duration::from_secs(20),
        "the campaign in the index",
        || async {
            let r = app.search(&token, &[("q", "*"), ("campaign", &id)]).await;
            (r["total"] == 3).then_some(())
        },
    )
    .await;
    let (status, search) = page(
        &app,
        &session,
        &format!("/analyst/search?q=*&docket={DOCKET}&collapse=true"),
    )
    .await;
    assert_eq!(status, 200);
    assert!(
        search.contains("3 comments (1 unique, 1 campaign)"),
        "{search}"
    );
    assert!(search.contains(&format!("/analyst/campaigns/{id}\">campaign of 3")));
    assert_eq!(search.matches("class=\"hit\"").count(), 1);

    // Without the CSRF token nothing changes.
    let path = format!("/analyst/campaigns/{id}/split");
    let (status, _) = post_form(
        &app,
        &session,
        &path,
        &[("tracking_number", &members[2])],
        None,
    )
    .await;
    assert_eq!(status, 403);
    assert_eq!(
        app.json_as(&token, &format!("/api/v1/campaigns/{id}"), 200)
            .await["size"],
        3
    );
    let (status, location) = post_form(
        &app,
        &session,
        &path,
        &[("csrf", &csrf), ("tracking_number", &members[2])],
        None,
    )
    .await;
    assert_eq!(status, 303, "{location}");
    assert_eq!(
        app.json_as(&token, &format!("/api/v1/campaigns/{id}"), 200)
            .await["size"],
        2
    );
    let (status, _) = post_form(
        &app,
        &session,
        &format!("/analyst/campaigns/{id}/name"),
        &[
            ("csrf", &csrf),
            ("name", "Farm letter"),
            ("confirmed", "true"),
        ],
        None,
    )
    .await;
    assert_eq!(status, 303);
    let (_, view) = page(&app, &session, &format!("/analyst/campaigns/{id}")).await;
    assert!(
        view.contains("Farm letter") && view.contains("Confirmed by ana"),
        "{view}"
    );
    // A refused merge says why.
    let (status, body) = post_form(
        &app,
        &session,
        &format!("/analyst/campaigns/{id}/merge"),
        &[("csrf", &csrf), ("campaign", "nope")],
        None,
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("not a campaign of this docket"));
}

async fn hostile_corrections_are_refused_and_change_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let token = app.user("ana", "analyst", "correct horse battery staple");
    let mut first = Vec::new();
    for i in 0..3 {
        first.push(submit_text(&app, &format!("{LETTER} Signed, reader {i}."), i).await);
        submit_text(&app, &format!("{OTHER_LETTER} From member {i}."), 10 + i).await;
    }
    app.index_caught_up(&token).await;
    rebuild(&app);
    let list = app.json_as(&token, &campaigns_path(), 200).await;
    let ids: Vec<String> = list["campaigns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids.len(), 2, "{list}");
    let a = list["campaigns"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["template"].as_str().unwrap().contains("undersigned"))
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let b = ids.iter().find(|i| **i != a).unwrap().clone();
    let path = format!("/api/v1/campaigns/{a}");
    let send = |method: Method, path: String, ctype: &'static str, body: Vec<u8>| {
        let req = app
            .client
            .request(method, app.url(&path))
            .bearer_auth(&token)
            .header("content-type", ctype)
            .body(body);
        async move { req.send().await.unwrap().status().as_u16() }
    };
    // Not JSON, too large, too deep, the wrong shape, unknown parameters.
    assert_eq!(
        send(Method::PATCH, path.clone(), "text/plain", b"{}".to_vec()).await,
        415
    );
    let huge = format!("{{\"name\": \"{}\"}}", "x".repeat(2 << 20));
    assert_eq!(
        send(
            Method::PATCH,
            path.clone(),
            "application/json",
            huge.into_bytes()
        )
        .await,
        413
    );
    let deep = format!("{{\"name\": {}{}}}", "[".repeat(10_000), "]".repeat(10_000));
    let status = send(
        Method::PATCH,
        path.clone(),
        "application/json",
        deep.into_bytes(),
    )
    .await;
    assert!(status == 400 || status == 422, "{status}");
    assert_eq!(
        send(
            Method::PATCH,
            path.clone(),
            "application/json",
            b"{\"name\": 7}".to_vec()
        )
        .await,
        422
    );
    assert_eq!(
        send(
            Method::PATCH,
            path.clone(),
            "application/json",
            b"not json".to_vec()
        )
        .await,
        400
    );
    let (status, _) = call(
        &app,
        &token,
        Method::GET,
        &format!("{path}?page=1&evil=1"),
        None,
    )
    .await;
    assert_eq!(status, 400);
    let before = app.json_as(&token, &path, 200).await;
    assert!(before["name"].is_null());
    assert_eq!(before["size"], 3);

    // The same split 40 times at once: one takes effect.
    let split = format!("{path}/split");
    let body = json!({"tracking_number": first[0]});
    let answers = futures_util::future::join_all(
        (0..40).map(|_| call(&app, &token, Method::POST, &split, Some(body.clone()))),
    )
    .await;
    let ok = answers.iter().filter(|(s, _)| *s == 204).count();
    assert_eq!(ok, 1, "{answers:?}");
    assert!(
        answers.iter().all(|(s, _)| *s == 204 || *s == 422),
        "{answers:?}"
    );
    assert_eq!(app.json_as(&token, &path, 200).await["size"], 2);
    // The same merge 40 times at once: one takes effect.
    let merge = format!("{path}/merge");
    let body = json!({"campaign": b});
    let answers = futures_util::future::join_all(
        (0..40).map(|_| call(&app, &token, Method::POST, &merge, Some(body.clone()))),
    )
    .await;
    assert_eq!(
        answers.iter().filter(|(s, _)| *s == 204).count(),
        1,
        "{answers:?}"
    );
    assert!(
        answers.iter().all(|(s, _)| *s == 204 || *s == 422),
        "{answers:?}"
    );
    assert_eq!(app.json_as(&token, &path, 200).await["size"], 5);
    // One correction of each kind was kept, whatever came in parallel.
    use diesel::prelude::*;
    use rfidesk::db::schema::campaign_corrections;
    let kept: i64 = campaign_corrections::table
        .count()
        .get_result(&mut app.db())
        .unwrap();
    assert_eq!(kept, 2);
}

/// As after an upgrade: comments whose changes the purge removed before
/// their docket had any campaigns. Assignment, which reads the feed, would
/// never see them; the first profile asks for a rebuild instead.
async fn a_docket_whose_feed_was_purged_first_is_rebuilt(backend: Backend) {
    use diesel::prelude::*;
    use rfidesk::db::schema::{
        campaign_keys, campaign_members, campaign_prints, campaign_profiles, campaigns,
        change_feed, comment_signals, feed_horizon,
    };
    let app = TestApp::spawn(backend).await;
    let token = app.user("ana", "analyst", "correct horse battery staple");
    for i in 0..3 {
        submit_text(&app, &format!("{LETTER} Reader {i}."), i).await;
    }
    app.index_caught_up(&token).await;
    app.campaigns_settled().await;
    let mut conn = app.db();
    rfidesk::db::connection::in_transaction(&mut conn, |c| {
        diesel::delete(comment_signals::table).execute(c)?;
        diesel::delete(campaign_members::table).execute(c)?;
        diesel::delete(campaigns::table).execute(c)?;
        diesel::delete(campaign_keys::table).execute(c)?;
        diesel::delete(campaign_prints::table).execute(c)?;
        diesel::delete(campaign_profiles::table).execute(c)?;
        let head: Option<i64> = change_feed::table
            .select(diesel::dsl::max(change_feed::seq))
            .first(c)?;
        diesel::delete(change_feed::table).execute(c)?;
        diesel::update(feed_horizon::table)
            .set(feed_horizon::purged_through.eq(head.unwrap_or(0)))
            .execute(c)?;
        Ok::<_, rfidesk::db::DbError>(())
    })
    .unwrap();
    let list = eventually(
        Duration::from_secs(30),
        "the docket rebuilt from the database",
        || async {
            let l = app.json_as(&token, &campaigns_path(), 200).await;
            (l["campaigns"].as_array().unwrap().len() == 1).then_some(l)
        },
    )
    .await;
    assert_eq!(list["campaigns"][0]["size"], 3, "{list}");
}
