//! Rule tags over real HTTP: a preview, a saved rule tagging the existing
//! matches and a comment submitted after it was saved, a rejection that
//! sticks through an edit, an edit and a delete that change the rule's
//! tags, windows that cross the batch size, and bad rules refused with
//! nothing stored.

use crate::coding::{all_tags, call, codebook_entry, found, submit, tag};
use crate::helpers::*;
use crate::on_both_backends;
use diesel::prelude::*;
use reqwest::Method;
use serde_json::{json, Value};
use std::time::Duration;

on_both_backends!(
    a_rule_tags_existing_and_new_comments_and_a_rejection_sticks,
    rules_applied_together_cross_many_windows,
    bad_rules_are_refused_and_change_nothing,
    the_purge_keeps_the_changes_a_rule_has_yet_to_check,
);

fn rules_path() -> String {
    format!("/api/v1/dockets/{DOCKET}/rules")
}

/// Saves a rule (201) and returns its id.
async fn save_rule(app: &TestApp, token: &str, body: Value) -> String {
    let (status, rule) = call(app, token, Method::POST, &rules_path(), Some(body)).await;
    assert_eq!(status, 201, "{rule}");
    rule["id"].as_str().unwrap().to_string()
}

/// Waits until the rule is `status` with `tagged` comments.
async fn rule_settles(app: &TestApp, token: &str, id: &str, status: &str, tagged: i64) -> Value {
    eventually(
        Duration::from_secs(20),
        &format!("rule {id} {status} with {tagged} tagged"),
        || async {
            let r = app
                .json_as(token, &format!("{}/{id}", rules_path()), 200)
                .await;
            (r["status"] == status && r["tagged"] == tagged).then_some(r)
        },
    )
    .await
}

/// Waits until a tag filter finds exactly `want` (sorted).
async fn tagged_in_index(app: &TestApp, token: &str, tag: &str, mut want: Vec<String>) {
    want.sort();
    eventually(
        Duration::from_secs(10),
        &format!("{tag} on {want:?} in the index"),
        || async {
            let mut hits =
                found(app, token, &[("q", "*"), ("tag", tag), ("per_page", "100")]).await;
            hits.sort();
            (hits == want).then_some(())
        },
    )
    .await;
}

fn rule_tag_rows(app: &TestApp, rule: &str) -> i64 {
    use rfidesk::db::schema::rule_tags;
    rule_tags::table
        .filter(rule_tags::rule_id.eq(rule))
        .count()
        .get_result(&mut app.db())
        .unwrap()
}

async fn a_rule_tags_existing_and_new_comments_and_a_rejection_sticks(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let ana = app.user("ana", "analyst", "analyst-password");
    let mut chips = Vec::new();
    for i in 0..3 {
        chips.push(submit(&app, &format!("semiconductor supply for allies, note {i}")).await);
    }
    let gpus = submit(&app, "GPU clusters for partner data centres").await;
    submit(&app, "nothing about hardware at all").await;
    // A person's tag on a match: the rule neither counts nor touches it.
    assert_eq!(
        tag(&app, &ana, &chips[0], json!({"tag": "package/hardware"}))
            .await
            .0,
        201
    );
    app.index_caught_up(&ana).await;

    // The preview counts and samples, and saves nothing.
    let (status, preview) = call(
        &app,
        &ana,
        Method::POST,
        &format!("{}/preview", rules_path()),
        Some(json!({"tag": "package/hardware", "q": "semiconductor"})),
    )
    .await;
    assert_eq!(status, 200, "{preview}");
    assert_eq!(preview["matched"], 3);
    assert_eq!(preview["sample"].as_array().unwrap().len(), 3);
    assert_eq!(preview["tag"], "package/hardware");

    let id = save_rule(
        &app,
        &ana,
        json!({"tag": "package/hardware", "q": "semiconductor"}),
    )
    .await;
    rule_settles(&app, &ana, &id, "active", 3).await;
    tagged_in_index(&app, &ana, "package/hardware", chips.clone()).await;

    // A comment submitted after the rule was saved gets its tag.
    let later = submit(&app, "Semiconductor export licensing is slow").await;
    submit(&app, "an unrelated later comment").await;
    rule_settles(&app, &ana, &id, "active", 4).await;
    let mut want = chips.clone();
    want.push(later.clone());
    tagged_in_index(&app, &ana, "package/hardware", want).await;
    let view = app
        .json_as(&ana, &format!("/api/v1/comments/{later}"), 200)
        .await;
    assert_eq!(view["tags"][0]["source"], "rule");
    assert_eq!(view["tags"][0]["source_id"], id.as_str());
    assert_eq!(view["tags"][0]["coder"], "ana");
    // A comment tagged by a person and by the rule lists both, and the
    // codebook counts it once: four comments carry the tag.
    let both = app
        .json_as(&ana, &format!("/api/v1/comments/{}", chips[0]), 200)
        .await;
    let mut sources: Vec<&str> = both["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["source"].as_str().unwrap())
        .collect();
    sources.sort();
    assert_eq!(sources, ["person", "rule"], "{both}");
    let book = app
        .json_as(&ana, &format!("/api/v1/dockets/{DOCKET}/codebook"), 200)
        .await;
    assert_eq!(codebook_entry(&book, "package/hardware")["comments"], 4);
    assert_eq!(codebook_entry(&book, "package")["comments"], 4);

    // A rejection takes the tag off at once and keeps it off.
    let reject = format!("{}/{id}/rejections/{}", rules_path(), chips[1]);
    assert_eq!(call(&app, &ana, Method::PUT, &reject, None).await.0, 204);
    assert_eq!(call(&app, &ana, Method::PUT, &reject, None).await.0, 204);
    rule_settles(&app, &ana, &id, "active", 3).await;
    tagged_in_index(
        &app,
        &ana,
        "package/hardware",
        vec![chips[0].clone(), chips[2].clone(), later.clone()],
    )
    .await;

    // An edit applies the rule anew: the GPU comment joins, the rejected
    // one stays out.
    let (status, edited) = call(
        &app,
        &ana,
        Method::PUT,
        &format!("{}/{id}", rules_path()),
        Some(json!({"tag": "package/hardware", "q": "semiconductor OR gpu"})),
    )
    .await;
    assert_eq!(status, 200, "{edited}");
    assert_eq!(edited["version"], 2);
    rule_settles(&app, &ana, &id, "active", 4).await;
    tagged_in_index(
        &app,
        &ana,
        "package/hardware",
        vec![
            chips[0].clone(),
            chips[2].clone(),
            later.clone(),
            gpus.clone(),
        ],
    )
    .await;

    // Another tag: the old one goes from every comment the rule tagged.
    let (status, _) = call(
        &app,
        &ana,
        Method::PUT,
        &format!("{}/{id}", rules_path()),
        Some(json!({"tag": "package/data-centers", "q": "semiconductor OR gpu"})),
    )
    .await;
    assert_eq!(status, 200);
    rule_settles(&app, &ana, &id, "active", 4).await;
    tagged_in_index(&app, &ana, "package/hardware", vec![chips[0].clone()]).await;

    // Lifting the rejection tags the comment again.
    assert_eq!(call(&app, &ana, Method::DELETE, &reject, None).await.0, 204);
    assert_eq!(call(&app, &ana, Method::DELETE, &reject, None).await.0, 404);
    rule_settles(&app, &ana, &id, "active", 5).await;

    let listed = app.json_as(&ana, &rules_path(), 200).await;
    assert_eq!(listed["rules"].as_array().unwrap().len(), 1);
    assert_eq!(listed["rules"][0]["tagged"], 5);
    assert_eq!(rule_tag_rows(&app, &id), 5, "the kept count is the rows");

    // Deleting takes every one of its tags off; the person's tag stays.
    let before_delete = all_tags(&app)
        .into_iter()
        .filter(|t| t.2 != "rule")
        .collect::<Vec<_>>();
    let (status, _) = call(
        &app,
        &ana,
        Method::DELETE,
        &format!("{}/{id}", rules_path()),
        None,
    )
    .await;
    assert_eq!(status, 202);
    eventually(Duration::from_secs(20), "the rule deleted", || async {
        let listed = app.json_as(&ana, &rules_path(), 200).await;
        listed["rules"].as_array().unwrap().is_empty().then_some(())
    })
    .await;
    assert_eq!(rule_tag_rows(&app, &id), 0);
    let gone = app
        .json_as(&ana, &format!("{}/{id}", rules_path()), 200)
        .await;
    assert_eq!(
        (gone["status"].as_str(), gone["tagged"].as_i64()),
        (Some("deleted"), Some(0))
    );
    assert_eq!(all_tags(&app), before_delete);
    tagged_in_index(&app, &ana, "package/data-centers", vec![]).await;

    let log = app
        .json_as(
            &ana,
            &format!("/api/v1/dockets/{DOCKET}/audit?limit=100"),
            200,
        )
        .await;
    let actions: Vec<&str> = log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for want in [
        "rule.added",
        "rule.tags_applied",
        "rule.rejected",
        "rule.edited",
        "rule.unrejected",
        "rule.deleted",
        "rule.tags_removed",
    ] {
        assert!(actions.contains(&want), "{want} in {actions:?}");
    }
}

/// Three rules saved together over 130 comments, windows of 25: each
/// rule's tags are exactly its matches, across every window boundary;
/// then a bulk tag and its undo in batches of 25.
async fn rules_applied_together_cross_many_windows(backend: Backend) {
    let app = TestApp::builder(backend).tagging_batch(25).start().await;
    let ana = app.user("ana", "analyst", "analyst-password");
    let mut by_word: std::collections::BTreeMap<&str, Vec<String>> = Default::default();
    let words = ["financing", "insurance", "advocacy"];
    for i in 0..130usize {
        // Every comment names one word; every fifth names two.
        let mut named = vec![words[i % 3]];
        if i % 5 == 0 {
            named.push(words[(i + 1) % 3]);
        }
        let text = format!("comment {i} about {}", named.join(" and "));
        let tn = submit(&app, &text).await;
        for w in named {
            by_word.entry(w).or_default().push(tn.clone());
        }
    }
    app.index_caught_up(&ana).await;
    let mut ids = Vec::new();
    for (w, path) in [
        ("financing", "mechanism/financing"),
        ("insurance", "mechanism/insurance"),
        ("advocacy", "mechanism/advocacy"),
    ] {
        let id = save_rule(&app, &ana, json!({"tag": path, "q": w})).await;
        ids.push((w, path, id));
    }
    for (w, path, id) in &ids {
        let want = by_word[w].len() as i64;
        rule_settles(&app, &ana, id, "active", want).await;
        tagged_in_index(&app, &ana, path, by_word[w].clone()).await;
    }
    // A delete crosses windows too.
    let (w, path, id) = &ids[0];
    assert!(by_word[w].len() > 25);
    let (status, _) = call(
        &app,
        &ana,
        Method::DELETE,
        &format!("{}/{id}", rules_path()),
        None,
    )
    .await;
    assert_eq!(status, 202);
    eventually(Duration::from_secs(20), "the rule's tags gone", || async {
        (rule_tag_rows(&app, id) == 0).then_some(())
    })
    .await;
    tagged_in_index(&app, &ana, path, vec![]).await;
    for (w, _, id) in &ids[1..] {
        assert_eq!(rule_tag_rows(&app, id), by_word[w].len() as i64);
    }

    // A bulk tag crosses its batches the same way, and so does its undo.
    let before = all_tags(&app);
    let bulk = format!("/api/v1/dockets/{DOCKET}/tags/bulk");
    let (status, op) = call(
        &app,
        &ana,
        Method::POST,
        &bulk,
        Some(json!({"tag": "stance/supports", "q": "financing OR advocacy"})),
    )
    .await;
    assert_eq!(status, 202, "{op}");
    let mut want: Vec<String> = by_word["financing"]
        .iter()
        .chain(&by_word["advocacy"])
        .cloned()
        .collect();
    want.sort();
    want.dedup();
    assert!(want.len() > 3 * 25);
    assert_eq!(op["matched"], want.len());
    let id = op["id"].as_str().unwrap();
    eventually(Duration::from_secs(20), "the bulk tag applied", || async {
        let op = app.json_as(&ana, &format!("{bulk}/{id}"), 200).await;
        (op["status"] == "applied" && op["applied"] == want.len()).then_some(())
    })
    .await;
    tagged_in_index(&app, &ana, "stance/supports", want.clone()).await;
    let (status, _) = call(&app, &ana, Method::POST, &format!("{bulk}/{id}/undo"), None).await;
    assert_eq!(status, 202);
    eventually(Duration::from_secs(20), "the bulk tag undone", || async {
        let op = app.json_as(&ana, &format!("{bulk}/{id}"), 200).await;
        (op["status"] == "undone").then_some(())
    })
    .await;
    assert_eq!(all_tags(&app), before);
    tagged_in_index(&app, &ana, "stance/supports", vec![]).await;
}

async fn bad_rules_are_refused_and_change_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let ana = app.user("ana", "analyst", "analyst-password");
    let staff = app.user("sam", "staff", "staff-password");
    let tn = submit(&app, "financing for exporters").await;
    app.index_caught_up(&ana).await;
    // Retire a tag so applying it is refused.
    let (status, _) = call(
        &app,
        &staff,
        Method::PATCH,
        &format!("/api/v1/dockets/{DOCKET}/codebook/stance/neutral"),
        Some(json!({"retired": true})),
    )
    .await;
    assert_eq!(status, 200);
    let id = save_rule(
        &app,
        &ana,
        json!({"tag": "mechanism/financing", "q": "financing"}),
    )
    .await;
    rule_settles(&app, &ana, &id, "active", 1).await;

    let counts = |app: &TestApp| {
        use rfidesk::db::schema::{audit_log, rule_rejections, tag_rules};
        let mut conn = app.db();
        (
            tag_rules::table
                .count()
                .get_result::<i64>(&mut conn)
                .unwrap(),
            rule_rejections::table
                .count()
                .get_result::<i64>(&mut conn)
                .unwrap(),
            audit_log::table
                .count()
                .get_result::<i64>(&mut conn)
                .unwrap(),
            all_tags(app),
        )
    };
    let before = counts(&app);
    for (body, want) in [
        (json!({"tag": "region/atlantis", "q": "financing"}), 422),
        (json!({"tag": "stance/neutral", "q": "financing"}), 422),
        (json!({"q": "financing"}), 422),
        (json!({"tag": "mechanism/financing", "q": "((("}), 400),
        (
            json!({"tag": "mechanism/financing", "q": "(".repeat(2_500)}),
            400,
        ),
        (
            json!({"tag": "mechanism/financing", "tag_filter": "x", "q": "a"}),
            422,
        ),
        (
            json!({"tag": "mechanism/financing", "q": "a", "sort": "newest"}),
            422,
        ),
        (
            json!({"tag": "mechanism/financing", "country": [1, 2]}),
            422,
        ),
        (
            json!({"tag": "mechanism/financing", "late": "perhaps"}),
            422,
        ),
        (json!([1, 2, 3]), 422),
    ] {
        let (status, answer) =
            call(&app, &ana, Method::POST, &rules_path(), Some(body.clone())).await;
        assert_eq!(status, want, "{body}: {answer}");
        let (status, answer) = call(
            &app,
            &ana,
            Method::PUT,
            &format!("{}/{id}", rules_path()),
            Some(body.clone()),
        )
        .await;
        assert_eq!(status, want, "edit {body}: {answer}");
    }
    // Unknown rules, comments and dockets.
    for (method, path, want) in [
        (Method::GET, format!("{}/no-such-rule", rules_path()), 404),
        (
            Method::DELETE,
            format!("{}/no-such-rule", rules_path()),
            404,
        ),
        (
            Method::PUT,
            format!("{}/{id}/rejections/RFI-0000-0000", rules_path()),
            404,
        ),
        (
            Method::PUT,
            format!("{}/no-such-rule/rejections/{tn}", rules_path()),
            404,
        ),
        (
            Method::DELETE,
            format!("{}/{id}/rejections/{tn}", rules_path()),
            404,
        ),
        (Method::GET, "/api/v1/dockets/nope/rules".to_string(), 404),
    ] {
        let (status, answer) = call(&app, &ana, method.clone(), &path, None).await;
        assert_eq!(status, want, "{method} {path}: {answer}");
    }
    // The same new rule 40 times at once: saved once, the rest 409.
    let body = json!({"tag": "mechanism/insurance", "q": "insurance"});
    let path = rules_path();
    let answers = futures_util::future::join_all(
        (0..40).map(|_| call(&app, &ana, Method::POST, &path, Some(body.clone()))),
    )
    .await;
    let mut statuses: Vec<u16> = answers.iter().map(|(s, _)| *s).collect();
    statuses.sort();
    assert_eq!(statuses[0], 201, "{answers:?}");
    assert!(statuses[1..].iter().all(|s| *s == 409), "{statuses:?}");
    let listed = app.json_as(&ana, &rules_path(), 200).await;
    assert_eq!(listed["rules"].as_array().unwrap().len(), 2);
    let created = answers.iter().find(|(s, _)| *s == 201).unwrap().1["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (status, _) = call(
        &app,
        &ana,
        Method::DELETE,
        &format!("{}/{created}", rules_path()),
        None,
    )
    .await;
    assert_eq!(status, 202);
    eventually(
        Duration::from_secs(20),
        "the second rule deleted",
        || async {
            let listed = app.json_as(&ana, &rules_path(), 200).await;
            (listed["rules"].as_array().unwrap().len() == 1).then_some(())
        },
    )
    .await;
    let before = (before.0 + 1, before.1, counts(&app).2, before.3);
    // Without the analyst role, or signed out.
    let submitter = app.client.get(app.url(&rules_path())).send().await.unwrap();
    assert_eq!(submitter.status(), 401);
    let res = app
        .client
        .post(app.url(&rules_path()))
        .json(&json!({"tag": "mechanism/financing", "q": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    assert_eq!(counts(&app), before);
}

/// The hourly purge drops change-feed rows older than a week that every
/// live index has applied, but never one a rule has yet to check: an
/// active rule's from its `checked_seq`, a part-applied one's from where
/// it read its matches (`apply_seq`). A deleted rule holds nothing back.
async fn the_purge_keeps_the_changes_a_rule_has_yet_to_check(backend: Backend) {
    use rfidesk::db::connection::in_transaction;
    use rfidesk::db::schema::{change_feed, index_nodes, tag_rules};
    use rfidesk::jobs::purge::purge;
    let app = TestApp::spawn(backend).await;
    let ana = app.user("ana", "analyst", "analyst-password");
    for i in 0..4 {
        submit(&app, &format!("semiconductor supply, note {i}")).await;
    }
    // A rule is refused (503) while the index is still being built, as it
    // can be right after a start on a loaded machine.
    app.index_caught_up(&ana).await;
    let id = save_rule(
        &app,
        &ana,
        json!({"tag": "package/hardware", "q": "semiconductor"}),
    )
    .await;
    rule_settles(&app, &ana, &id, "active", 4).await;
    app.index_caught_up(&ana).await;
    app.campaigns_settled().await;

    // Nine days on, with one live index that has applied everything.
    let later = chrono::Utc::now().naive_utc() + chrono::TimeDelta::days(9);
    let mut conn = app.db();
    let head: i64 = change_feed::table
        .select(diesel::dsl::max(change_feed::seq))
        .first::<Option<i64>>(&mut conn)
        .unwrap()
        .unwrap();
    assert!(head >= 5, "four comments and the rule's tags: {head}");
    diesel::insert_into(index_nodes::table)
        .values((
            index_nodes::node_id.eq("other-node"),
            index_nodes::applied_seq.eq(head),
            index_nodes::seen_at.eq(later),
        ))
        .execute(&mut conn)
        .unwrap();
    // The changes that were there before the purges: the running jobs
    // may append more once a case commits (a rule set back re-checks and
    // re-applies), and those are not the purge's to keep or remove.
    let seqs = |conn: &mut rfidesk::db::DbConn| -> Vec<i64> {
        change_feed::table
            .select(change_feed::seq)
            .filter(change_feed::seq.le(head))
            .order(change_feed::seq)
            .load(conn)
            .unwrap()
    };
    let before = seqs(&mut conn);

    // Each case in one transaction with the purge, so the running job
    // cannot move the rule between the two.
    let purge_with = |conn: &mut rfidesk::db::DbConn, status: &str, checked: i64, applied: i64| {
        let (status, id) = (status.to_string(), id.clone());
        in_transaction(conn, move |conn| {
            diesel::update(tag_rules::table.filter(tag_rules::id.eq(&id)))
                .set((
                    tag_rules::status.eq(&status),
                    tag_rules::checked_seq.eq(checked),
                    tag_rules::apply_seq.eq(applied),
                    tag_rules::cursor.eq("0"),
                ))
                .execute(conn)?;
            purge(conn, later)
        })
        .unwrap()
        .feed_through
    };
    // An active rule that has checked through the second change.
    assert_eq!(
        purge_with(&mut conn, "active", before[1], 0),
        Some(before[1])
    );
    assert_eq!(seqs(&mut conn), before[2..].to_vec());
    // A rule part-way applied, that read its matches at the third.
    assert_eq!(
        purge_with(&mut conn, "applying", 0, before[2]),
        Some(before[2])
    );
    assert_eq!(seqs(&mut conn), before[3..].to_vec());
    // A deleted rule keeps nothing: all that every index applied goes.
    assert_eq!(purge_with(&mut conn, "deleted", 0, 0), Some(head));
    assert_eq!(seqs(&mut conn), Vec::<i64>::new());
}
