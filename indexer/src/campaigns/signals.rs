//! Signals, not verdicts (ACUS Recommendation 2021-1): the reasons a
//! comment or a campaign may be mass-produced or falsely attributed, each
//! with an explanation an analyst can check. Nothing here decides; the
//! server shows these to analysts only.

use rustc_hash::{FxHashMap, FxHashSet};
use serde::{Deserialize, Serialize};

/// What the server knows of one comment, with contact details already
/// reduced to keys (an email address or a client address never reaches
/// this module).
#[derive(Debug, Clone)]
pub struct Submitted {
    pub id: i64,
    /// Seconds since the epoch.
    pub received_at: i64,
    /// The submitter's name as typed; compared without case or spacing.
    pub name: String,
    pub organization: String,
    /// A keyed hash of the email address, when one was given.
    pub email_key: Option<String>,
    /// A keyed hash of the client address.
    pub client_key: Option<String>,
    /// The exact-text hash (same words, same order).
    pub exact: u64,
    /// Words the comment adds to its campaign's template, when it is in
    /// one.
    pub added_words: Option<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// Many members of a campaign within seconds of each other.
    Burst,
    /// One email address under several different names.
    SharedEmail,
    /// Many submissions from one client within the rate window.
    OneClient,
    /// The same text under different names from different organizations.
    SameTextManyNames,
    /// Members that change nothing but a salutation or a name.
    SalutationOnly,
}

impl Kind {
    pub const ALL: [Kind; 5] = [
        Kind::Burst,
        Kind::SharedEmail,
        Kind::OneClient,
        Kind::SameTextManyNames,
        Kind::SalutationOnly,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Burst => "burst",
            Kind::SharedEmail => "shared_email",
            Kind::OneClient => "one_client",
            Kind::SameTextManyNames => "same_text_many_names",
            Kind::SalutationOnly => "salutation_only",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// One reason, the comments it concerns, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Signal {
    pub kind: Kind,
    pub comments: Vec<i64>,
    pub explanation: String,
}

/// When a pattern counts as a signal.
#[derive(Debug, Clone)]
pub struct Rules {
    /// At least `burst_count` members within `burst_seconds`.
    pub burst_count: usize,
    pub burst_seconds: i64,
    /// At least `client_count` submissions from one client within
    /// `client_seconds` (the rate limit's window).
    pub client_count: usize,
    pub client_seconds: i64,
    /// A member adding at most this many words changed only a salutation
    /// or a name.
    pub salutation_words: usize,
}

impl Default for Rules {
    fn default() -> Self {
        Rules {
            burst_count: 10,
            burst_seconds: 10,
            client_count: 5,
            client_seconds: 60,
            salutation_words: 6,
        }
    }
}

/// Signals over one campaign's members.
pub fn campaign(members: &[Submitted], rules: &Rules) -> Vec<Signal> {
    let mut out = Vec::new();
    out.extend(burst(members, rules));
    out.extend(same_text_many_names(members));
    let plain: Vec<i64> = members
        .iter()
        .filter(|m| m.added_words.is_some_and(|w| w <= rules.salutation_words))
        .map(|m| m.id)
        .collect();
    if plain.len() >= 2 {
        out.push(Signal {
            kind: Kind::SalutationOnly,
            explanation: format!(
                "{} of {} members add at most {} words to the template: a salutation or a \
                 name, nothing of their own",
                plain.len(),
                members.len(),
                rules.salutation_words
            ),
            comments: plain,
        });
    }
    out
}

/// Signals over a whole docket's comments, whatever their campaign.
pub fn docket(comments: &[Submitted], rules: &Rules) -> Vec<Signal> {
    let mut out = shared_email(comments);
    out.extend(one_client(comments, rules));
    out
}

fn name_key(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// The different non-empty values of a name-like field in a group,
/// compared without case or spacing.
fn distinct(group: &[&Submitted], field: impl Fn(&Submitted) -> &String) -> FxHashSet<String> {
    group
        .iter()
        .map(|m| name_key(field(m)))
        .filter(|n| !n.is_empty())
        .collect()
}

/// The densest window of `seconds`, when it holds at least `count`.
fn densest(mut times: Vec<(i64, i64)>, seconds: i64, count: usize) -> Option<Vec<(i64, i64)>> {
    times.sort_unstable();
    let (mut best, mut start) = ((0, 0), 0);
    for end in 0..times.len() {
        while times[end].0 - times[start].0 > seconds {
            start += 1;
        }
        if end + 1 - start > best.1 - best.0 {
            best = (start, end + 1);
        }
    }
    (best.1 - best.0 >= count).then(|| times[best.0..best.1].to_vec())
}

fn burst(members: &[Submitted], rules: &Rules) -> Option<Signal> {
    let times = members.iter().map(|m| (m.received_at, m.id)).collect();
    let window = densest(times, rules.burst_seconds, rules.burst_count)?;
    let span = window.last()?.0 - window[0].0;
    Some(Signal {
        kind: Kind::Burst,
        explanation: format!(
            "{} members arrived within {} seconds of each other",
            window.len(),
            span
        ),
        comments: window.into_iter().map(|(_, id)| id).collect(),
    })
}

fn same_text_many_names(members: &[Submitted]) -> Vec<Signal> {
    let mut by_text: FxHashMap<u64, Vec<&Submitted>> = FxHashMap::default();
    for m in members {
        by_text.entry(m.exact).or_default().push(m);
    }
    let mut out: Vec<Signal> = by_text
        .into_values()
        .filter_map(|group| {
            let names = distinct(&group, |m| &m.name);
            let orgs = distinct(&group, |m| &m.organization);
            (names.len() >= 2 && orgs.len() >= 2).then(|| Signal {
                kind: Kind::SameTextManyNames,
                explanation: format!(
                    "{} comments with word-for-word the same text carry {} different names \
                     from {} different organizations",
                    group.len(),
                    names.len(),
                    orgs.len()
                ),
                comments: sorted_ids(&group),
            })
        })
        .collect();
    out.sort_by(|a, b| {
        b.comments
            .len()
            .cmp(&a.comments.len())
            .then(a.comments.cmp(&b.comments))
    });
    out
}

fn shared_email(comments: &[Submitted]) -> Vec<Signal> {
    let mut by_email: FxHashMap<&str, Vec<&Submitted>> = FxHashMap::default();
    for c in comments {
        if let Some(k) = c.email_key.as_deref() {
            by_email.entry(k).or_default().push(c);
        }
    }
    let mut out: Vec<Signal> = by_email
        .into_values()
        .filter_map(|group| {
            let names = distinct(&group, |m| &m.name);
            (names.len() >= 2).then(|| Signal {
                kind: Kind::SharedEmail,
                explanation: format!(
                    "one email address was given with {} different names on {} comments",
                    names.len(),
                    group.len()
                ),
                comments: sorted_ids(&group),
            })
        })
        .collect();
    out.sort_by(|a, b| a.comments.cmp(&b.comments));
    out
}

fn one_client(comments: &[Submitted], rules: &Rules) -> Vec<Signal> {
    let mut by_client: FxHashMap<&str, Vec<(i64, i64)>> = FxHashMap::default();
    for c in comments {
        if let Some(k) = c.client_key.as_deref() {
            by_client.entry(k).or_default().push((c.received_at, c.id));
        }
    }
    let mut out: Vec<Signal> = by_client
        .into_values()
        .filter_map(|times| {
            let window = densest(times, rules.client_seconds, rules.client_count)?;
            Some(Signal {
                kind: Kind::OneClient,
                explanation: format!(
                    "{} comments came from one client within {} seconds",
                    window.len(),
                    rules.client_seconds
                ),
                comments: {
                    let mut ids: Vec<i64> = window.into_iter().map(|(_, id)| id).collect();
                    ids.sort_unstable();
                    ids
                },
            })
        })
        .collect();
    out.sort_by(|a, b| a.comments.cmp(&b.comments));
    out
}

fn sorted_ids(group: &[&Submitted]) -> Vec<i64> {
    let mut ids: Vec<i64> = group.iter().map(|m| m.id).collect();
    ids.sort_unstable();
    ids
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(id: i64, at: i64, name: &str, org: &str) -> Submitted {
        Submitted {
            id,
            received_at: at,
            name: name.into(),
            organization: org.into(),
            email_key: None,
            client_key: None,
            exact: 7,
            added_words: Some(20),
        }
    }

    #[test]
    fn a_burst_is_the_densest_window() {
        let mut m: Vec<Submitted> = (0..12).map(|i| one(i, 1000 + i / 3, "A", "")).collect();
        m.push(one(99, 5000, "B", ""));
        let s = campaign(&m, &Rules::default());
        let b = s.iter().find(|s| s.kind == Kind::Burst).unwrap();
        assert_eq!(b.comments.len(), 12);
        assert!(b.explanation.contains("12 members"), "{}", b.explanation);
        let sparse: Vec<Submitted> = (0..12).map(|i| one(i, i * 60, "A", "")).collect();
        assert!(campaign(&sparse, &Rules::default())
            .iter()
            .all(|s| s.kind != Kind::Burst));
    }

    #[test]
    fn one_email_under_two_names() {
        let mut a = one(1, 0, "Ann Lee", "");
        let mut b = one(2, 500, "  bob  RAY", "");
        let mut c = one(3, 900, "ann lee", "");
        for x in [&mut a, &mut b, &mut c] {
            x.email_key = Some("k1".into());
        }
        let s = docket(&[a.clone(), b, c.clone()], &Rules::default());
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].comments, vec![1, 2, 3]);
        assert!(
            docket(&[a, c], &Rules::default()).is_empty(),
            "one name twice is no signal"
        );
    }

    #[test]
    fn same_text_names_and_organizations() {
        let m = [
            one(1, 0, "Ann", "Acme"),
            one(2, 99, "Bob", "Globex"),
            one(3, 999, "Cy", ""),
        ];
        let s = campaign(&m, &Rules::default());
        let t = s
            .iter()
            .find(|s| s.kind == Kind::SameTextManyNames)
            .unwrap();
        assert_eq!(t.comments, vec![1, 2, 3]);
    }

    #[test]
    fn salutation_only_and_one_client() {
        let mut m: Vec<Submitted> = (0..5).map(|i| one(i, i * 100, "A", "")).collect();
        m[0].added_words = Some(3);
        m[1].added_words = Some(2);
        let s = campaign(&m, &Rules::default());
        let t = s.iter().find(|s| s.kind == Kind::SalutationOnly).unwrap();
        assert_eq!(t.comments, vec![0, 1]);

        let mut c: Vec<Submitted> = (0..6).map(|i| one(i, i * 5, "A", "")).collect();
        c.iter_mut().for_each(|x| x.client_key = Some("c".into()));
        let s = docket(&c, &Rules::default());
        assert_eq!(s[0].kind, Kind::OneClient);
        assert_eq!(s[0].comments.len(), 6);
        assert_eq!(Kind::parse("one_client"), Some(Kind::OneClient));
    }
}
