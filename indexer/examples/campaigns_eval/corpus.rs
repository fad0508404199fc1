//! A docket generated with planted campaigns, deterministic for a seed.
//!
//! Members are personalised the way real ones are: a salutation and a
//! name, an added sentence or paragraph, typos, reordered paragraphs, the
//! letter inside a PDF with "See attached file" as the body. The distinct
//! comments are on the same topics in the same vocabulary (sentences built
//! from one grammar), a tenth of them quoting a sentence of some
//! campaign's letter, and boilerplate (the site's line, a disclaimer, a
//! signature, the question pasted back) is appended to most comments.

use rand::seq::{IndexedRandom, SliceRandom};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

pub struct Comment {
    pub text: String,
    /// The planted campaign, if any.
    pub campaign: Option<u32>,
}

pub struct Plan {
    pub size: usize,
    pub seed: u64,
    /// Share of comments in campaigns.
    pub campaign_share: f64,
    pub boilerplate: bool,
    /// Share of campaign members whose letter is inside a PDF.
    pub pdf_share: f64,
}

pub fn generate(plan: &Plan) -> Vec<Comment> {
    use rayon::prelude::*;
    let mut rng = ChaCha8Rng::seed_from_u64(plan.seed);
    // Campaign sizes: heavy-tailed, like real dockets (a few huge, many small).
    let members_total = (plan.size as f64 * plan.campaign_share) as usize;
    let mut sizes = Vec::new();
    let mut left = members_total;
    while left >= 2 {
        let u: f64 = rng.random_range(0.0..1.0);
        let s = ((2.0 / (1.0 - u).powf(0.8)) as usize).clamp(2, (members_total / 8).max(2));
        let s = s.min(left);
        sizes.push(s);
        left -= s;
    }
    let mut owner: Vec<Option<u32>> = vec![None; plan.size];
    let mut at = 0;
    for (c, &s) in sizes.iter().enumerate() {
        owner[at..at + s]
            .iter_mut()
            .for_each(|o| *o = Some(c as u32));
        at += s;
    }
    owner.shuffle(&mut rng);
    let templates: Vec<Vec<String>> = (0..sizes.len())
        .map(|c| {
            let mut r = ChaCha8Rng::seed_from_u64(plan.seed ^ 0xC0FFEE ^ (c as u64) << 20);
            letter(&mut r)
        })
        .collect();
    owner
        .par_iter()
        .enumerate()
        .map(|(i, &campaign)| {
            let mut r = ChaCha8Rng::seed_from_u64(plan.seed.wrapping_mul(1_000_003) ^ i as u64);
            let text = match campaign {
                Some(c) => member(&mut r, &templates[c as usize], plan),
                None if !templates.is_empty() && r.random_bool(0.1) => {
                    // Someone writing their own comment who quotes one
                    // sentence of a campaign's letter: not a member.
                    let t = &templates[r.random_range(0..templates.len())];
                    let para = t.choose(&mut r).unwrap();
                    let quoted = para.split_inclusive(". ").next().unwrap_or(para);
                    format!("{}\n\nAs others have said: {quoted}", distinct(&mut r))
                }
                None => distinct(&mut r),
            };
            let text = if plan.boilerplate {
                with_boilerplate(&mut r, text)
            } else {
                text
            };
            Comment { text, campaign }
        })
        .collect()
}

fn member(r: &mut ChaCha8Rng, template: &[String], plan: &Plan) -> String {
    let mut paras: Vec<String> = template.to_vec();
    if r.random_bool(0.2) && paras.len() > 2 {
        let (a, b) = (
            r.random_range(0..paras.len()),
            r.random_range(0..paras.len()),
        );
        paras.swap(a, b);
    }
    if r.random_bool(0.45) {
        let at = r.random_range(0..=paras.len());
        if r.random_bool(0.6) {
            paras.insert(at, sentence(r));
        } else {
            paras.insert(at, paragraph(r, 2..5));
        }
    }
    let mut body = paras.join("\n\n");
    if r.random_bool(0.4) {
        for _ in 0..r.random_range(1..5) {
            body = typo(r, &body);
        }
    }
    let name = full_name(r);
    let text = format!(
        "{}\n\n{}\n\n{}",
        SALUTATIONS.choose(r).unwrap(),
        body,
        sign_off(r, &name)
    );
    if r.random_bool(plan.pdf_share) {
        // The letter in an attachment: what detection sees is the body
        // plus the text extracted from the PDF.
        let pdf = super::pdf::write(&text);
        let extracted = rfidesk_indexer::extract::extract("pdf", &pdf, &Default::default())
            .expect("our PDF reads");
        return format!("See attached file.\n\n{extracted}");
    }
    text
}

fn distinct(r: &mut ChaCha8Rng) -> String {
    let n = r.random_range(1..5);
    let paras: Vec<String> = (0..n).map(|_| paragraph(r, 1..5)).collect();
    let mut text = paras.join("\n\n");
    if r.random_bool(0.5) {
        text = format!("{}\n\n{}", SALUTATIONS.choose(r).unwrap(), text);
    }
    if r.random_bool(0.5) {
        let name = full_name(r);
        text = format!("{text}\n\n{}", sign_off(r, &name));
    }
    text
}

fn with_boilerplate(r: &mut ChaCha8Rng, mut text: String) -> String {
    if r.random_bool(0.3) {
        let q = QUESTIONS.choose(r).unwrap();
        text = format!("{q}\n\n{text}");
    }
    if r.random_bool(0.35) {
        text.push_str("\n\n");
        text.push_str(DISCLAIMER);
    }
    if r.random_bool(0.15) {
        text.push_str("\n\nSent from my iPhone");
    }
    if r.random_bool(0.8) {
        text.push_str("\n\n");
        text.push_str(SITE_LINE);
    }
    text
}

/// A campaign's letter: 3 to 5 paragraphs, 120 to 300 words, like the
/// letters advocacy sites hand out.
fn letter(r: &mut ChaCha8Rng) -> Vec<String> {
    let n = r.random_range(3..6);
    (0..n).map(|_| paragraph(r, 3..5)).collect()
}

fn paragraph(r: &mut ChaCha8Rng, sentences: std::ops::Range<usize>) -> String {
    let n = r.random_range(sentences);
    (0..n).map(|_| sentence(r)).collect::<Vec<_>>().join(" ")
}

fn sentence(r: &mut ChaCha8Rng) -> String {
    let pick = |r: &mut ChaCha8Rng, bank: &[&str]| bank.choose(r).unwrap().to_string();
    let s = match r.random_range(0..6) {
        0 => format!(
            "{} {} {} {} in {}.",
            pick(r, OPENERS),
            pick(r, ACTORS),
            pick(r, VERBS),
            pick(r, OBJECTS),
            pick(r, REGIONS)
        ),
        1 => format!(
            "{} {} {} because {} {}.",
            pick(r, OBJECTS_CAP),
            pick(r, MODALS),
            pick(r, OUTCOMES),
            pick(r, ACTORS),
            pick(r, NEEDS)
        ),
        2 => format!(
            "In {}, {} {} {} through {}.",
            pick(r, REGIONS),
            pick(r, ACTORS),
            pick(r, VERBS),
            pick(r, OBJECTS),
            pick(r, MECHANISMS)
        ),
        3 => format!(
            "{} {} {} {} and {}.",
            pick(r, OPENERS),
            pick(r, MECHANISMS),
            pick(r, MODALS),
            pick(r, OUTCOMES),
            pick(r, OUTCOMES)
        ),
        4 => format!(
            "Our {} {} {} with {} in {} since {}.",
            pick(r, ORGS),
            pick(r, PAST),
            pick(r, OBJECTS),
            pick(r, PARTNERS),
            pick(r, REGIONS),
            r.random_range(1995..2026)
        ),
        _ => format!(
            "{} {} {} {} {}.",
            pick(r, STANDARDS_OPEN),
            pick(r, STANDARDS),
            pick(r, MODALS),
            pick(r, OUTCOMES),
            pick(r, QUALIFIERS)
        ),
    };
    s
}

fn typo(r: &mut ChaCha8Rng, text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    if chars.len() < 10 {
        return text.to_string();
    }
    let at = r.random_range(1..chars.len() - 2);
    if !chars[at].is_alphabetic() || !chars[at + 1].is_alphabetic() {
        return text.to_string();
    }
    let mut out = chars.clone();
    match r.random_range(0..3) {
        0 => out.swap(at, at + 1),
        1 => {
            out.remove(at);
        }
        _ => out.insert(at, chars[at]),
    }
    out.into_iter().collect()
}

fn full_name(r: &mut ChaCha8Rng) -> String {
    format!("{} {}", FIRST.choose(r).unwrap(), LAST.choose(r).unwrap())
}

fn sign_off(r: &mut ChaCha8Rng, name: &str) -> String {
    let city = CITIES.choose(r).unwrap();
    match r.random_range(0..3) {
        0 => format!("Sincerely,\n{name}"),
        1 => format!("Respectfully,\n{name}\n{city}"),
        _ => format!("{name}, {city}"),
    }
}

const SITE_LINE: &str = "This comment was submitted through the RFI Desk portal for the \
    American AI Exports Program Request for Information, Docket ITA-2025-0010.";
const DISCLAIMER: &str = "CONFIDENTIALITY NOTICE: The information contained in this message \
    is intended only for the use of the individual or entity named above and may contain \
    information that is privileged, confidential or exempt from disclosure under applicable \
    law. If you are not the intended recipient, you are hereby notified that any \
    dissemination, distribution or copying of this communication is strictly prohibited.";
const QUESTIONS: &[&str] = &[
    "Question 1: Which countries and regions should the American AI Exports Program \
     prioritize, and why?",
    "Question 2: What federal financing and support mechanisms would make full-stack American \
     AI export packages competitive abroad?",
    "Question 3: How should the United States engage in international standards-setting \
     bodies to support the adoption of American AI?",
    "Question 4: What components should a full-stack AI export package include?",
];
const SALUTATIONS: &[&str] = &[
    "Dear Secretary Lutnick,",
    "To the Department of Commerce:",
    "Dear Sir or Madam,",
    "To whom it may concern,",
    "Dear International Trade Administration staff,",
    "Hello,",
];
const OPENERS: &[&str] = &[
    "We believe that",
    "It is essential that",
    "In our experience,",
    "We strongly recommend that",
    "The program should ensure that",
    "Commerce must recognize that",
    "Evidence suggests that",
    "We are concerned that",
    "Going forward,",
    "Above all,",
];
const ACTORS: &[&str] = &[
    "American firms",
    "small businesses",
    "cloud providers",
    "chip designers",
    "research universities",
    "trusted partners",
    "foreign governments",
    "local integrators",
    "the Department",
    "US exporters",
    "development banks",
    "allied regulators",
];
const VERBS: &[&str] = &[
    "need support to deploy",
    "are ready to export",
    "should finance",
    "can compete on",
    "will struggle to sell",
    "must be able to offer",
    "are already building",
    "should prioritize",
    "lack access to",
    "want to co-develop",
];
const OBJECTS: &[&str] = &[
    "data center capacity",
    "open-weight models",
    "full-stack AI packages",
    "advanced semiconductors",
    "cybersecurity services",
    "AI training programs",
    "energy infrastructure",
    "sovereign cloud offerings",
    "agricultural AI tools",
    "health care applications",
    "digital identity systems",
    "language models for local languages",
];
const OBJECTS_CAP: &[&str] = &[
    "Export financing",
    "Technical assistance",
    "Workforce training",
    "Concessional lending",
    "Streamlined licensing",
    "Joint research",
    "Grid investment",
    "Regulatory dialogue",
];
const MODALS: &[&str] = &["would", "could", "will", "should", "must", "may"];
const OUTCOMES: &[&str] = &[
    "lower costs for partner nations",
    "build lasting trust",
    "counter subsidized competitors",
    "open new markets",
    "protect sensitive technology",
    "speed up adoption",
    "create American jobs",
    "strengthen supply chains",
    "reduce dependence on adversaries",
    "improve security outcomes",
];
const NEEDS: &[&str] = &[
    "face long approval times",
    "cannot match state-backed offers",
    "need predictable rules",
    "depend on reliable power",
    "require skilled local staff",
    "lack early-stage capital",
    "worry about compliance burdens",
];
const REGIONS: &[&str] = &[
    "Southeast Asia",
    "the Gulf states",
    "Sub-Saharan Africa",
    "Latin America",
    "Central Europe",
    "South Asia",
    "the Pacific Islands",
    "North Africa",
    "the Caribbean",
    "Central Asia",
    "the Western Balkans",
    "East Africa",
];
const MECHANISMS: &[&str] = &[
    "EXIM loan guarantees",
    "DFC equity investments",
    "USTDA feasibility grants",
    "trade missions",
    "export credit insurance",
    "government-to-government agreements",
    "embassy commercial officers",
    "blended finance facilities",
];
const ORGS: &[&str] = &[
    "company",
    "consortium",
    "association",
    "university",
    "institute",
    "coalition",
    "firm",
    "lab",
];
const PAST: &[&str] = &[
    "has delivered",
    "has partnered on",
    "has exported",
    "has researched",
    "has supported",
    "has built",
];
const PARTNERS: &[&str] = &[
    "ministries",
    "telecom operators",
    "local startups",
    "hospitals",
    "utilities",
    "universities",
    "banks",
];
const STANDARDS_OPEN: &[&str] = &[
    "Participation in",
    "Leadership in",
    "Funding for",
    "Coordination across",
    "Early engagement with",
];
const STANDARDS: &[&str] = &[
    "ISO/IEC JTC 1/SC 42",
    "the ITU",
    "NIST frameworks",
    "IEEE working groups",
    "the OECD AI principles",
    "regional standards bodies",
];
const QUALIFIERS: &[&str] = &[
    "over the next decade",
    "for trusted partners",
    "without new bureaucracy",
    "at modest cost",
    "if done consistently",
    "across the entire stack",
];
const FIRST: &[&str] = &[
    "Ann", "Bob", "Carla", "Dev", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jamal", "Kim",
    "Luis", "Maya", "Nia", "Omar", "Priya", "Quinn", "Rosa", "Sam", "Tariq", "Uma", "Victor",
    "Wei", "Yara", "Zoe",
];
const LAST: &[&str] = &[
    "Adams", "Brown", "Chen", "Diaz", "Evans", "Fischer", "Garcia", "Haddad", "Ivanova", "Johnson",
    "Khan", "Lopez", "Miller", "Nguyen", "Okafor", "Patel", "Rossi", "Smith", "Tanaka", "Usman",
    "Valdez", "Williams", "Xu", "Young", "Zhang",
];
const CITIES: &[&str] = &[
    "Austin, TX",
    "Columbus, OH",
    "Fresno, CA",
    "Tampa, FL",
    "Boise, ID",
    "Newark, NJ",
    "Madison, WI",
    "Reno, NV",
];
