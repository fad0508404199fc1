//! The search benchmark: a deterministic corpus of public comments, loaded
//! into the real schema (and into an SQLite FTS5 table beside it), then a
//! fixed set of queries timed against tantivy and FTS5 in the same run.
//! `bench/search.sh` runs the steps in order; see docs/BENCHMARKS.md.
//!
//! ```text
//! search_bench load  --db bench.sqlite3 --count 1000000   # comments + FTS5
//! search_bench index --count 1000000 --dir /tmp/idx      # indexer alone
//! search_bench query --db bench.sqlite3 --index DIR      # both engines
//! ```

use clap::{Parser, Subcommand};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Double, Text};
use diesel::SqliteConnection;
use rfidesk::db::indexed::{self, Change, Touched};
use rfidesk::db::models::comment::{self, CommentRow};
use rfidesk::db::models::comment_tag::{self, CommentTagRow};
use rfidesk::db::{write_transaction, DatabaseUrl, DbConn};
use rfidesk_indexer::{CommentDoc, Filters, SearchIndex, SearchRequest, Sort};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

#[derive(Parser)]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Generate COUNT comments into a fresh database (schema migrated,
    /// fixture docket loaded) and build the FTS5 table from them.
    Load {
        #[arg(long)]
        db: PathBuf,
        #[arg(long, default_value_t = 1_000_000)]
        count: u64,
    },
    /// Index COUNT generated comments with the indexer alone (no database):
    /// the indexing throughput.
    Index {
        #[arg(long, default_value_t = 1_000_000)]
        count: u64,
        #[arg(long)]
        dir: PathBuf,
        #[arg(long, default_value_t = 2)]
        threads: usize,
        /// Indexing buffer per thread.
        #[arg(long, default_value_t = 512)]
        memory_mb: usize,
    },
    /// Time the fixed queries against the index and FTS5.
    Query {
        #[arg(long)]
        db: PathBuf,
        #[arg(long)]
        index: PathBuf,
        /// Timed rounds over the whole query set (after one warm-up round).
        #[arg(long, default_value_t = 3)]
        rounds: usize,
        /// Time tantivy only.
        #[arg(long)]
        skip_fts5: bool,
    },
    /// Puts 30 % of the loaded comments into 3,000 campaigns of 100
    /// (comment n is in one when n % 10 < 3), as a docket with form
    /// letters has them; `rfidesk reindex` afterwards.
    PlantCampaigns {
        #[arg(long)]
        db: PathBuf,
        #[arg(long, default_value_t = 1_000_000)]
        count: u64,
    },
    /// Time the docket's summary and the summaries of 40 of the queries
    /// (`SearchIndex::summarize`, as the summary API runs it).
    Summary {
        #[arg(long)]
        index: PathBuf,
        #[arg(long, default_value_t = 5)]
        rounds: usize,
        /// Searches summarized per round (at most 40).
        #[arg(long, default_value_t = 40)]
        searches: usize,
    },
    /// Print the query set.
    Queries,
    /// The 50 rules of the rule benchmark, as JSON lines (`tag`, `q`).
    Rules,
    /// What checking the 50 rules costs per new comment: each rule's query
    /// over batches of comment ids, as the `tag_rules` job runs it.
    RuleCost {
        #[arg(long)]
        index: PathBuf,
        /// Comments per batch (the job checks what one follower commit
        /// made searchable).
        #[arg(long, default_value_t = 1_000)]
        batch: u64,
        #[arg(long, default_value_t = 20)]
        batches: u64,
    },
}

fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Cmd::Load { db, count } => load(&db, count),
        Cmd::Index {
            count,
            dir,
            threads,
            memory_mb,
        } => index(count, &dir, threads, memory_mb),
        Cmd::Query {
            db,
            index,
            rounds,
            skip_fts5,
        } => query(&db, &index, rounds, skip_fts5),
        Cmd::PlantCampaigns { db, count } => plant_campaigns(&db, count),
        Cmd::Summary {
            index,
            rounds,
            searches,
        } => summary(&index, rounds, searches),
        Cmd::Rules => {
            for (tag, q) in rules() {
                println!("{}", serde_json::json!({"tag": tag, "q": q}));
            }
            Ok(())
        }
        Cmd::RuleCost {
            index,
            batch,
            batches,
        } => rule_cost(&index, batch, batches),
        Cmd::Queries => {
            for q in queries() {
                println!("{:<60} | {}", q.tantivy(), q.fts5());
            }
            Ok(())
        }
    }
}

// ---------------------------------------------------------------------
// The corpus: a fixed pseudo-random sequence, so every run and machine
// gets the same comments.

/// SplitMix64: tiny, fast, and fixed here so the corpus never changes
/// with a dependency update.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

const DOMAIN: &[&str] = &[
    "export",
    "exports",
    "compute",
    "semiconductor",
    "chips",
    "standards",
    "model",
    "models",
    "cloud",
    "data",
    "centers",
    "energy",
    "grid",
    "power",
    "financing",
    "loans",
    "insurance",
    "allies",
    "partners",
    "security",
    "controls",
    "licensing",
    "supply",
    "chain",
    "minerals",
    "critical",
    "rare",
    "earths",
    "talent",
    "training",
    "infrastructure",
    "network",
    "telecom",
    "package",
    "stack",
    "hardware",
    "software",
    "inference",
    "deployment",
    "governance",
    "assurance",
    "testing",
    "evaluation",
    "procurement",
    "development",
    "bank",
    "agency",
    "commerce",
    "program",
    "consortium",
    "industry",
    "startups",
    "small",
    "businesses",
    "workforce",
    "universities",
    "research",
    "open",
    "source",
    "weights",
    "privacy",
    "trust",
    "cybersecurity",
    "diplomacy",
    "trade",
    "tariffs",
    "barriers",
    "market",
    "access",
    "regional",
    "hubs",
    "ports",
    "logistics",
    "satellite",
    "subsea",
    "cables",
    "fiber",
    "wireless",
    "sovereign",
    "localization",
    "requirements",
    "certification",
    "interoperability",
    "benchmarks",
    "safety",
];

const PLACES: &[&str] = &[
    "Malaysia",
    "Thailand",
    "Vietnam",
    "Indonesia",
    "Philippines",
    "Singapore",
    "India",
    "Japan",
    "Korea",
    "Taiwan",
    "Australia",
    "Kenya",
    "Nigeria",
    "Ghana",
    "Egypt",
    "Morocco",
    "Brazil",
    "Mexico",
    "Chile",
    "Argentina",
    "Colombia",
    "Peru",
    "Poland",
    "Germany",
    "France",
    "Italy",
    "Spain",
    "Sweden",
    "Finland",
    "Estonia",
    "Israel",
    "Jordan",
    "Saudi",
    "Emirates",
    "Qatar",
    "Turkey",
    "Kazakhstan",
    "Uzbekistan",
    "Pakistan",
    "Bangladesh",
];

/// Two-word phrases that occur as phrases (and so can be searched as such).
const PHRASES: &[&str] = &[
    "critical minerals",
    "export controls",
    "data centers",
    "standards bodies",
    "full stack",
    "small businesses",
    "supply chain",
    "open source",
    "rare earths",
    "market access",
    "subsea cables",
    "trusted partners",
    "development finance",
    "energy infrastructure",
    "model weights",
    "security assurance",
    "regional hubs",
    "talent programs",
    "technical standards",
    "loan guarantees",
];

const FILLER: &[&str] = &[
    "the", "of", "and", "to", "in", "for", "with", "on", "that", "is", "are", "be", "should", "we",
    "our", "their", "this", "these", "by", "as", "from", "at", "will", "can", "more", "program",
    "United", "States", "American", "federal", "support", "also", "would", "help",
];

/// A vocabulary with a long tail: the domain words, places, and made-up
/// words (syllables), ranked for a Zipf-like draw.
struct Vocabulary {
    words: Vec<String>,
    /// Cumulative weights for the ranked words.
    cumulative: Vec<f64>,
}

impl Vocabulary {
    fn new() -> Self {
        let syllables = [
            "ka", "ro", "mi", "te", "lu", "san", "vor", "del", "qui", "bra", "no", "zen", "pha",
            "tor", "li", "gan", "mes", "dra", "fu", "ix",
        ];
        let mut rng = Rng(7);
        let mut words: Vec<String> = Vec::new();
        words.extend(DOMAIN.iter().map(|w| w.to_string()));
        words.extend(PLACES.iter().map(|w| w.to_string()));
        while words.len() < 30_000 {
            let n = 2 + rng.below(3);
            let w: String = (0..n).map(|_| *rng.pick(&syllables)).collect();
            words.push(w);
        }
        let mut total = 0.0;
        let cumulative = (0..words.len())
            .map(|rank| {
                total += 1.0 / ((rank + 10) as f64).powf(1.07);
                total
            })
            .collect();
        Vocabulary { words, cumulative }
    }

    fn draw(&self, rng: &mut Rng) -> &str {
        let total = *self.cumulative.last().expect("words");
        let x = (rng.next() >> 11) as f64 / (1u64 << 53) as f64 * total;
        let i = self.cumulative.partition_point(|c| *c < x);
        &self.words[i.min(self.words.len() - 1)]
    }

    /// A paragraph of about `words` words.
    fn paragraph(&self, rng: &mut Rng, words: usize) -> String {
        let mut out = String::with_capacity(words * 8);
        let mut sentence = 0;
        for i in 0..words {
            let w: &str = match rng.below(100) {
                0..=34 => FILLER[rng.below(FILLER.len() as u64) as usize],
                35..=37 => PLACES[rng.below(PLACES.len() as u64) as usize],
                38..=39 => PHRASES[rng.below(PHRASES.len() as u64) as usize],
                _ => self.draw(rng),
            };
            if sentence == 0 {
                let mut c = w.chars();
                if let Some(f) = c.next() {
                    out.extend(f.to_uppercase());
                    out.push_str(c.as_str());
                }
            } else {
                out.push_str(w);
            }
            sentence += 1;
            if sentence > 8 && rng.chance(12) || i + 1 == words {
                out.push_str(". ");
                sentence = 0;
            } else {
                out.push(' ');
            }
        }
        out.trim_end().to_string()
    }
}

const QUESTIONS: &[&str] = &[
    "regions",
    "federal-support",
    "standards",
    "full-stack-package",
    "barriers-risks",
    "other",
];
const CATEGORIES: &[&str] = &[
    "ai-developer",
    "ai-developer",
    "compute-cloud",
    "semiconductors-hardware",
    "energy-infrastructure",
    "minerals-supply-chain",
    "finance-insurance",
    "trade-association",
    "academic-research",
    "civil-society",
    "individual",
    "individual",
    "other",
];
const ORG_TYPES: &[&str] = &[
    "company",
    "company",
    "company",
    "consortium",
    "trade_association",
    "academic",
    "nonprofit",
];
const COUNTRIES: &[&str] = &[
    "US", "US", "US", "US", "US", "GB", "DE", "JP", "KR", "IN", "MY", "TH", "VN", "SG", "BR", "KE",
    "FR", "CA", "AU", "MX",
];

/// Comment number `n` of the corpus: the same for every `n`, every run.
fn generate(vocab: &Vocabulary, n: u64) -> CommentRow {
    let mut rng = Rng(n.wrapping_mul(0x2545_F491_4F6C_DD1D) ^ 0xC0FFEE);
    let individual = rng.chance(20);
    let mut answers = BTreeMap::new();
    let answered = 2 + rng.below(3);
    let start = rng.below(QUESTIONS.len() as u64);
    for k in 0..answered {
        let q = QUESTIONS[((start + k) % QUESTIONS.len() as u64) as usize];
        let words = 60 + rng.below(40) as usize;
        answers.insert(q.to_string(), vocab.paragraph(&mut rng, words));
    }
    let base = chrono::DateTime::parse_from_rfc3339("2026-10-21T13:00:00Z")
        .expect("date")
        .timestamp_millis();
    let received = base + (n as i64 * 3_265) % (38 * 86_400_000);
    CommentRow {
        id: format!("{n:016x}-bench"),
        tracking_number: format!(
            "b{:02}-{:04}-{:04}",
            n / 100_000_000,
            (n / 10_000) % 10_000,
            n % 10_000
        ),
        docket_id: "ai-exports-rfi".into(),
        received_at: chrono::DateTime::from_timestamp_millis(received)
            .expect("in range")
            .naive_utc(),
        late: rng.chance(3),
        submitter_type: if individual {
            "individual"
        } else {
            "organization"
        }
        .into(),
        first_name: Some(vocab.draw(&mut rng).to_string()),
        last_name: Some(vocab.draw(&mut rng).to_string()),
        organization: (!individual)
            .then(|| format!("{} {} Inc.", vocab.draw(&mut rng), rng.pick(DOMAIN))),
        organization_type: (!individual).then(|| rng.pick(ORG_TYPES).to_string()),
        category: if individual {
            "individual".into()
        } else {
            rng.pick(CATEGORIES).to_string()
        },
        country: rng.pick(COUNTRIES).to_string(),
        state_province: None,
        email: None,
        answers: serde_json::to_string(&answers).expect("json"),
        general_comment: rng.chance(30).then(|| vocab.paragraph(&mut rng, 30)),
        business_confidential: false,
        // One organization in ten claims to speak for many (a coalition
        // letter, a petition): what search's signatories count adds up.
        signatories: Some(if !individual && rng.chance(10) {
            2 + rng.below(500) as i64
        } else {
            1
        }),
        posting_status: "pending_review".into(),
        client_key: None,
        withheld_reason: None,
        posting_changed_at: None,
        posting_changed_by: None,
    }
}

/// Codebook tags the corpus puts on comments (leaves of the fixture
/// codebook), with how often: every comment gets a stance and one to
/// three more, as a coded docket would have.
const CORPUS_TAGS: &[&str] = &[
    "region/asean/malaysia",
    "region/asean/thailand",
    "region/asean/vietnam",
    "region/east-asia/japan",
    "region/middle-east",
    "region/africa",
    "region/latin-america",
    "region/europe",
    "mechanism/financing",
    "mechanism/insurance",
    "mechanism/advocacy",
    "mechanism/export-controls",
    "standards/iso-iec-jtc1-sc42",
    "standards/nist",
    "package/hardware",
    "package/data-centers",
    "package/models",
    "package/security",
    "barrier/tariffs",
    "barrier/data-localization",
];
const STANCES: &[&str] = &[
    "stance/supports",
    "stance/supports-with-changes",
    "stance/opposes",
    "stance/neutral",
];

/// The signals that concern comment `n`, as a docket with campaigns has
/// them: about 4 % from one busy client, 1 % in bursts, 0.2 % sharing an
/// email address under other names.
fn signals_of(n: u64) -> Vec<String> {
    let mut kinds = Vec::new();
    if n % 100 == 1 {
        kinds.push("burst".to_string());
    }
    if n.is_multiple_of(25) {
        kinds.push("one_client".to_string());
    }
    if n % 500 == 2 {
        kinds.push("shared_email".to_string());
    }
    kinds
}

/// Comment `n`'s tag paths: the same every run.
fn tags_of(n: u64) -> Vec<String> {
    let mut rng = Rng(n.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0x7A65);
    let mut tags = vec![rng.pick(STANCES).to_string()];
    for _ in 0..1 + rng.below(3) {
        let t = rng.pick(CORPUS_TAGS).to_string();
        if !tags.contains(&t) {
            tags.push(t);
        }
    }
    tags
}

fn to_doc(row: &CommentRow, n: u64) -> CommentDoc {
    let mut doc = rfidesk::search::documents::to_doc(row, &[], &Default::default());
    doc.tags = rfidesk::search::documents::indexed_tags(&tags_of(n));
    doc.signals = signals_of(n);
    doc
}

// ---------------------------------------------------------------------
// load

fn load(db: &std::path::Path, count: u64) -> anyhow::Result<()> {
    anyhow::ensure!(
        !db.exists(),
        "{} exists; load into a new file",
        db.display()
    );
    let url = DatabaseUrl::Sqlite(db.to_path_buf());
    let mut conn = url.connect()?;
    rfidesk::db::run_migrations(&mut conn)?;
    let fixture =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fixtures/dockets/ai-exports-rfi.toml");
    rfidesk::docket_files::load_file(&mut conn, &fixture, chrono::Utc::now())?;
    let codebook =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fixtures/codebooks/ai-exports-rfi.toml");
    rfidesk::codebook_files::load_file(&mut conn, &codebook, chrono::Utc::now())?;
    let tag_ids: std::collections::HashMap<String, String> = {
        use rfidesk::db::schema::tags;
        tags::table
            .select((tags::path, tags::id))
            .load::<(String, String)>(&mut conn)?
            .into_iter()
            .collect()
    };
    let vocab = Vocabulary::new();
    let started = Instant::now();
    let mut bytes = 0u64;
    let batch = 5_000u64;
    let mut n = 0;
    while n < count {
        let rows: Vec<CommentRow> = (n..(n + batch).min(count))
            .map(|i| generate(&vocab, i))
            .collect();
        bytes += rows
            .iter()
            .map(|r| (r.answers.len() + r.general_comment.as_ref().map_or(0, |c| c.len())) as u64)
            .sum::<u64>();
        let touched: Vec<Touched> = rows
            .iter()
            .map(|r| Touched {
                comment_id: r.id.clone(),
                docket_id: r.docket_id.clone(),
                at: r.received_at,
            })
            .collect();
        let tag_rows: Vec<CommentTagRow> = (n..(n + batch).min(count))
            .flat_map(|i| {
                let id = rows[(i - n) as usize].id.clone();
                let at = rows[(i - n) as usize].received_at;
                tags_of(i)
                    .into_iter()
                    .map(|path| CommentTagRow {
                        id: format!("{i:016x}-{path}"),
                        comment_id: id.clone(),
                        tag_id: tag_ids[&path].clone(),
                        source: "person".into(),
                        source_id: String::new(),
                        coder: "bench".into(),
                        excerpt_field: String::new(),
                        excerpt_start: 0,
                        excerpt_end: 0,
                        excerpt_text: None,
                        created_at: at,
                    })
                    .collect::<Vec<_>>()
            })
            .collect();
        write_transaction(&mut conn, |conn| {
            indexed::write(conn, Change::CommentCreated, |conn| {
                comment::insert(conn, &rows)?;
                for chunk in tag_rows.chunks(1_000) {
                    for row in chunk {
                        comment_tag::insert_once(conn, row)?;
                    }
                }
                let flagged: Vec<(String, String)> = (n..(n + batch).min(count))
                    .flat_map(|i| {
                        let id = rows[(i - n) as usize].id.clone();
                        signals_of(i).into_iter().map(move |k| (id.clone(), k))
                    })
                    .collect();
                rfidesk::db::models::comment_signal::replace_source(
                    conn,
                    "ai-exports-rfi",
                    &format!("bench-{n}"),
                    &flagged,
                )?;
                Ok(((), touched))
            })
        })?;
        n += rows.len() as u64;
        if n % 100_000 == 0 {
            eprintln!(
                "loaded {n} comments ({:.0}/s)",
                n as f64 / started.elapsed().as_secs_f64()
            );
        }
    }
    eprintln!(
        "loaded {count} comments, {:.0} bytes of text each on average, in {:.1} s",
        bytes as f64 / count as f64,
        started.elapsed().as_secs_f64()
    );
    let DbConn::Sqlite(sqlite) = &mut conn else {
        unreachable!()
    };
    let started = Instant::now();
    // FTS5 with the Porter stemmer: the same stemming the index does.
    sqlite.batch_execute(
        "CREATE VIRTUAL TABLE bench_fts USING fts5(answers, comment, organization, name, \
             tokenize = 'porter unicode61');
         INSERT INTO bench_fts(rowid, answers, comment, organization, name)
             SELECT rowid,
                    (SELECT group_concat(value, ' ') FROM json_each(comments.answers)),
                    general_comment, organization,
                    coalesce(first_name, '') || ' ' || coalesce(last_name, '')
             FROM comments;
         INSERT INTO bench_fts(bench_fts) VALUES ('optimize');
         CREATE INDEX bench_category ON comments (category);
         CREATE INDEX bench_country ON comments (country);",
    )?;
    eprintln!(
        "FTS5 table built in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

// ---------------------------------------------------------------------
// index

fn index(
    count: u64,
    dir: &std::path::Path,
    threads: usize,
    memory_mb: usize,
) -> anyhow::Result<()> {
    let vocab = Vocabulary::new();
    let started = Instant::now();
    // Generated first, so only indexing is timed.
    let docs: Vec<CommentDoc> = (0..count)
        .map(|n| to_doc(&generate(&vocab, n), n))
        .collect();
    eprintln!(
        "generated {count} documents in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    std::fs::create_dir_all(dir)?;
    let index = SearchIndex::open_or_create(dir)?;
    let mut writer = index.writer(threads, threads * (memory_mb << 20))?;
    let started = Instant::now();
    for doc in &docs {
        writer.add_new(doc)?;
    }
    writer.commit(count as i64)?;
    let added = started.elapsed();
    writer.finish()?;
    let total = started.elapsed();
    println!(
        "indexed {count} documents with {threads} threads: {:.1} s to commit ({:.0} docs/s), {:.1} s with merges ({:.0} docs/s)",
        added.as_secs_f64(),
        count as f64 / added.as_secs_f64(),
        total.as_secs_f64(),
        count as f64 / total.as_secs_f64()
    );
    Ok(())
}

// ---------------------------------------------------------------------
// queries

#[derive(Clone)]
enum Expr {
    Term(String),
    Phrase(String),
    And(Vec<Expr>),
    Or(Vec<Expr>),
    AndNot(Box<Expr>, Box<Expr>),
}

#[derive(Clone)]
struct Query {
    expr: Expr,
    /// (field, value): category or country.
    filter: Option<(&'static str, String)>,
}

impl Expr {
    fn tantivy(&self) -> String {
        match self {
            Expr::Term(t) => t.clone(),
            Expr::Phrase(p) => format!("\"{p}\""),
            Expr::And(v) => v
                .iter()
                .map(Expr::tantivy)
                .collect::<Vec<_>>()
                .join(" AND "),
            Expr::Or(v) => format!(
                "({})",
                v.iter().map(Expr::tantivy).collect::<Vec<_>>().join(" OR ")
            ),
            Expr::AndNot(a, b) => format!("{} AND NOT {}", a.tantivy(), b.tantivy()),
        }
    }
    fn fts5(&self) -> String {
        match self {
            Expr::Term(t) => format!("\"{t}\""),
            Expr::Phrase(p) => format!("\"{p}\""),
            Expr::And(v) => v.iter().map(Expr::fts5).collect::<Vec<_>>().join(" AND "),
            Expr::Or(v) => format!(
                "({})",
                v.iter().map(Expr::fts5).collect::<Vec<_>>().join(" OR ")
            ),
            Expr::AndNot(a, b) => format!("{} NOT {}", a.fts5(), b.fts5()),
        }
    }
}

impl Query {
    fn tantivy(&self) -> String {
        match &self.filter {
            Some((f, v)) => format!("{} [{f}={v}]", self.expr.tantivy()),
            None => self.expr.tantivy(),
        }
    }
    fn fts5(&self) -> String {
        match &self.filter {
            Some((f, v)) => format!("{} [{f}={v}]", self.expr.fts5()),
            None => self.expr.fts5(),
        }
    }
}

/// The fixed query set: 240 queries of six kinds.
fn queries() -> Vec<Query> {
    let vocab = Vocabulary::new();
    let mut rng = Rng(20261127);
    let term = |rng: &mut Rng| -> Expr {
        // Common domain words, places, and tail words of every rank.
        Expr::Term(match rng.below(3) {
            0 => rng.pick(DOMAIN).to_string(),
            1 => rng.pick(PLACES).to_lowercase(),
            _ => vocab.words[(rng.below(3_000)) as usize].to_lowercase(),
        })
    };
    let phrase = |rng: &mut Rng| Expr::Phrase(rng.pick(PHRASES).to_string());
    let mut out = Vec::new();
    let plain = |expr| Query { expr, filter: None };
    for _ in 0..60 {
        out.push(plain(term(&mut rng)));
    }
    for _ in 0..40 {
        out.push(plain(Expr::And(vec![term(&mut rng), term(&mut rng)])));
    }
    for _ in 0..40 {
        out.push(plain(phrase(&mut rng)));
    }
    for _ in 0..30 {
        out.push(plain(Expr::And(vec![
            phrase(&mut rng),
            Expr::Or(vec![term(&mut rng), term(&mut rng)]),
        ])));
    }
    for _ in 0..30 {
        out.push(plain(Expr::AndNot(
            Box::new(term(&mut rng)),
            Box::new(term(&mut rng)),
        )));
    }
    for i in 0..40 {
        let filter = if i % 2 == 0 {
            ("category", rng.pick(CATEGORIES).to_string())
        } else {
            ("country", rng.pick(COUNTRIES).to_string())
        };
        let expr = if i % 3 == 0 {
            phrase(&mut rng)
        } else {
            term(&mut rng)
        };
        out.push(Query {
            expr,
            filter: Some(filter),
        });
    }
    out
}

#[derive(QueryableByName)]
struct Found {
    #[diesel(sql_type = BigInt)]
    rowid: i64,
    #[diesel(sql_type = Double)]
    #[allow(dead_code)]
    score: f64,
}

#[derive(QueryableByName)]
struct Counted {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

fn fts5_top(conn: &mut SqliteConnection, q: &Query) -> anyhow::Result<Vec<Found>> {
    let (filter_sql, value) = match &q.filter {
        Some((f, v)) => (format!("AND c.{f} = ?2"), v.clone()),
        None => ("AND ?2 = ?2".to_string(), String::new()),
    };
    let sql = format!(
        "SELECT bench_fts.rowid AS rowid, bm25(bench_fts) AS score FROM bench_fts \
         JOIN comments c ON c.rowid = bench_fts.rowid \
         WHERE bench_fts MATCH ?1 {filter_sql} ORDER BY score LIMIT 20"
    );
    Ok(diesel::sql_query(sql)
        .bind::<Text, _>(q.expr.fts5())
        .bind::<Text, _>(value)
        .load(conn)?)
}

fn fts5_count(conn: &mut SqliteConnection, q: &Query) -> anyhow::Result<i64> {
    let (filter_sql, value) = match &q.filter {
        Some((f, v)) => (format!("AND c.{f} = ?2"), v.clone()),
        None => ("AND ?2 = ?2".to_string(), String::new()),
    };
    let sql = format!(
        "SELECT count(*) AS n FROM bench_fts JOIN comments c ON c.rowid = bench_fts.rowid \
         WHERE bench_fts MATCH ?1 {filter_sql}"
    );
    let rows: Vec<Counted> = diesel::sql_query(sql)
        .bind::<Text, _>(q.expr.fts5())
        .bind::<Text, _>(value)
        .load(conn)?;
    Ok(rows.first().map_or(0, |r| r.n))
}

fn request(q: &Query, skip_facets: bool) -> SearchRequest {
    let mut filters = Filters::default();
    if let Some((f, v)) = &q.filter {
        filters.keywords.insert(f.to_string(), vec![v.clone()]);
    }
    SearchRequest {
        q: q.expr.tantivy(),
        filters,
        sort: Sort::Relevance,
        offset: 0,
        limit: 20,
        skip_facets,
        collapse: false,
    }
}

struct Timings {
    name: &'static str,
    samples: Vec<Duration>,
}

impl Timings {
    fn new(name: &'static str) -> Self {
        Timings {
            name,
            samples: Vec::new(),
        }
    }
    fn percentile(&self, p: f64) -> Duration {
        let mut s = self.samples.clone();
        s.sort();
        s[((s.len() as f64 - 1.0) * p).round() as usize]
    }
    fn report(&self) {
        println!(
            "{:<44} n={:<5} p50 {:>9.3} ms   p99 {:>9.3} ms   max {:>9.3} ms",
            self.name,
            self.samples.len(),
            self.percentile(0.50).as_secs_f64() * 1e3,
            self.percentile(0.99).as_secs_f64() * 1e3,
            self.percentile(1.0).as_secs_f64() * 1e3,
        );
    }
}

fn time<T>(t: &mut Timings, f: impl FnOnce() -> anyhow::Result<T>) -> anyhow::Result<T> {
    let started = Instant::now();
    let v = f()?;
    t.samples.push(started.elapsed());
    Ok(v)
}

fn query(
    db: &std::path::Path,
    index_dir: &std::path::Path,
    rounds: usize,
    skip_fts5: bool,
) -> anyhow::Result<()> {
    let index = SearchIndex::open_or_create(index_dir)?;
    println!("index: {} documents", index.num_docs());
    let mut conn = SqliteConnection::establish(db.to_str().expect("utf-8 path"))?;
    conn.batch_execute("PRAGMA cache_size = -262144; PRAGMA mmap_size = 4294967296;")?;
    let set = queries();
    let mut api = Timings::new("tantivy: top 20 + total + facets + snippets");
    let mut top = Timings::new("tantivy: top 20 ids + total");
    let mut no_facets = Timings::new("tantivy: top 20 + total + snippets");
    let mut fts_top = Timings::new("FTS5 bm25: top 20");
    let mut fts_total = Timings::new("FTS5 bm25: top 20 + total");
    // Per kind of query (the order queries() builds them in), the API answer.
    let kinds: [(&str, usize); 6] = [
        ("word", 60),
        ("two words", 40),
        ("phrase", 40),
        ("\"phrase\" AND (a OR b)", 30),
        ("a AND NOT b", 30),
        ("word or phrase + filter", 40),
    ];
    let mut by_kind: Vec<Timings> = kinds.iter().map(|(k, _)| Timings::new(k)).collect();
    let kind_of = |i: usize| {
        let mut end = 0;
        kinds
            .iter()
            .position(|(_, n)| {
                end += n;
                i < end
            })
            .unwrap_or(kinds.len() - 1)
    };
    // tantivy: one untimed round to warm the caches, then `rounds` timed.
    for round in 0..=rounds {
        for (i, q) in set.iter().enumerate() {
            let r = request(q, true);
            let mut t_api = Timings::new("");
            let mut t_top = Timings::new("");
            time(&mut t_api, || Ok(index.search(&request(q, false))?))?;
            time(&mut t_top, || Ok(index.top_ids(&r.q, &r.filters, 20)?))?;
            let mut t_plain = Timings::new("");
            time(&mut t_plain, || Ok(index.search(&r)?))?;
            if round > 0 {
                no_facets.samples.extend(t_plain.samples);
                by_kind[kind_of(i)]
                    .samples
                    .extend(t_api.samples.iter().copied());
                api.samples.extend(t_api.samples);
                top.samples.extend(t_top.samples);
            }
        }
    }
    // FTS5 is slower by orders of magnitude on frequent words, so each
    // query runs twice: untimed (warming its pages, and giving the total
    // to compare), then timed: top 20, then the total.
    println!("tantivy API answer by kind of query:");
    for t in &by_kind {
        print!("  ");
        t.report();
    }
    if skip_fts5 {
        api.report();
        no_facets.report();
        top.report();
        return Ok(());
    }
    let mut agree = 0;
    for (i, q) in set.iter().enumerate() {
        let total = fts5_count(&mut conn, q)?;
        let _ = fts5_top(&mut conn, q)?;
        let started = Instant::now();
        let found = fts5_top(&mut conn, q)?;
        let top_time = started.elapsed();
        let _ = fts5_count(&mut conn, q)?;
        fts_top.samples.push(top_time);
        fts_total.samples.push(started.elapsed());
        let (ours, _) = index.top_ids(&q.expr.tantivy(), &request(q, true).filters, 1)?;
        if ours as i64 == total {
            agree += 1;
        } else if std::env::var_os("SHOW_DIFFERENCES").is_some() {
            eprintln!(
                "totals differ for {}: tantivy {ours} FTS5 {total}",
                q.tantivy()
            );
        }
        let _ = found.first().map(|f| f.rowid);
        if (i + 1) % 40 == 0 {
            eprintln!("FTS5: {} of {} queries", i + 1, set.len());
        }
    }
    println!(
        "{} queries ({rounds} timed rounds for tantivy, 1 for FTS5); totals equal in {agree} of {}",
        set.len(),
        set.len()
    );
    for t in [&api, &no_facets, &top, &fts_top, &fts_total] {
        t.report();
    }
    println!(
        "p50 ratio FTS5 top 20 + total / tantivy top 20 ids + total: {:.1}x; FTS5 top 20 + total / tantivy full: {:.1}x",
        fts_total.percentile(0.5).as_secs_f64() / top.percentile(0.5).as_secs_f64(),
        fts_total.percentile(0.5).as_secs_f64() / api.percentile(0.5).as_secs_f64(),
    );
    Ok(())
}

// ---------------------------------------------------------------------
// rules

/// The rule benchmark's 50 rules: places, domain words and phrases of the
/// corpus, each tagging what an analyst would tag it with.
fn rules() -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    let mut rng = Rng(20261129);
    let mut i = 0;
    while out.len() < 50 {
        let tag = CORPUS_TAGS[out.len() % CORPUS_TAGS.len()].to_string();
        let place = |rng: &mut Rng| rng.pick(PLACES).to_lowercase();
        // Narrow, as coding rules are: one place names about a sixth of
        // the comments, two together a few in a hundred.
        let q = match i % 5 {
            0 => place(&mut rng),
            1 => format!("{} AND {}", place(&mut rng), place(&mut rng)),
            2 => format!("\"{}\" AND {}", rng.pick(PHRASES), place(&mut rng)),
            3 => format!(
                "{} AND {} AND {}",
                rng.pick(DOMAIN),
                place(&mut rng),
                place(&mut rng)
            ),
            _ => format!(
                "(\"{}\" OR \"{}\") AND {}",
                rng.pick(PHRASES),
                rng.pick(PHRASES),
                place(&mut rng)
            ),
        };
        i += 1;
        if !out.iter().any(|(t, r)| *t == tag && *r == q) {
            out.push((tag, q));
        }
    }
    out
}

fn rule_cost(dir: &std::path::Path, batch: u64, batches: u64) -> anyhow::Result<()> {
    let index = SearchIndex::open_or_create(dir)?;
    let total = index.num_docs();
    anyhow::ensure!(total > 0, "the index at {} is empty", dir.display());
    let filters = Filters {
        keywords: BTreeMap::from([("docket".to_string(), vec!["ai-exports-rfi".to_string()])]),
        ..Default::default()
    };
    let rules = rules();
    let mut rng = Rng(42);
    let mut timings = Timings::new("50 rules over one batch");
    let mut matched = 0usize;
    for round in 0..=batches {
        // Consecutive comments, as new ones arrive.
        let start = rng.below(total.saturating_sub(batch).max(1));
        let ids: Vec<String> = (start..start + batch)
            .map(|n| format!("{n:016x}-bench"))
            .collect();
        let queries: Vec<(String, Filters)> = rules
            .iter()
            .map(|(_, q)| (q.clone(), filters.clone()))
            .collect();
        let started = Instant::now();
        matched += index
            .matching(&queries, &ids)?
            .iter()
            .map(Vec::len)
            .sum::<usize>();
        if round > 0 {
            timings.samples.push(started.elapsed());
        }
    }
    timings.report();
    let mean = timings.samples.iter().sum::<Duration>() / timings.samples.len() as u32;
    println!(
        "per new comment: {:.1} µs for 50 rules (batches of {batch}; {:.1} rule tags per comment)",
        mean.as_secs_f64() * 1e6 / batch as f64,
        matched as f64 / ((batches + 1) * batch) as f64
    );
    Ok(())
}

// ---------------------------------------------------------------------
// campaigns and summaries

const CAMPAIGNS: u64 = 3_000;

fn plant_campaigns(db: &std::path::Path, count: u64) -> anyhow::Result<()> {
    use rfidesk::db::models::campaign::{self, MemberRow};
    let url = DatabaseUrl::Sqlite(db.to_path_buf());
    let mut conn = url.connect()?;
    let now = chrono::Utc::now().naive_utc();
    let started = Instant::now();
    write_transaction(&mut conn, |conn| {
        for c in 0..CAMPAIGNS {
            let mut row = rfidesk::campaigns::rebuild::new_row("ai-exports-rfi", now);
            row.id = format!("bench-campaign-{c:05}");
            row.template_id = format!("{:016x}-bench", c * 10);
            row.size = (count / 10 * 3 / CAMPAIGNS) as i32;
            row.signatories = i64::from(row.size);
            campaign::save(conn, &row)?;
        }
        let members: Vec<MemberRow> = (0..count)
            .filter(|n| n % 10 < 3)
            .map(|n| MemberRow {
                comment_id: format!("{n:016x}-bench"),
                campaign_id: format!("bench-campaign-{:05}", (n / 10) % CAMPAIGNS),
                similarity: 1.0,
                added_words: 0,
            })
            .collect();
        campaign::add_members(conn, &members)?;
        // A profile through the feed's head, as a finished rebuild leaves:
        // the server then keeps the planted campaigns (without one, its
        // first start rebuilds the docket and finds none in generated text).
        let profile = rfidesk::campaigns::DocketProfile::default();
        let head = rfidesk::db::models::change_feed::head(conn)?;
        campaign::put_profile(
            conn,
            &campaign::ProfileRow {
                docket_id: "ai-exports-rfi".into(),
                profile: serde_json::to_string(&profile).expect("a profile serialises"),
                comments: count as i64,
                checked_seq: head,
                built_at: now,
            },
        )
    })?;
    eprintln!(
        "planted {CAMPAIGNS} campaigns in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn summary(dir: &std::path::Path, rounds: usize, searches: usize) -> anyhow::Result<()> {
    let index = SearchIndex::open_or_create(dir)?;
    println!("index: {} documents", index.num_docs());
    let docket = Filters {
        keywords: BTreeMap::from([("docket".to_string(), vec!["ai-exports-rfi".to_string()])]),
        ..Default::default()
    };
    let mut whole = Timings::new("summary of the docket (*)");
    let set: Vec<Query> = queries().into_iter().step_by(6).take(searches).collect();
    let mut searches = Timings::new("summary of a search");
    // Answers are kept per searcher generation: each timed pass starts on a
    // new one (a reload), as the first summary after a commit does; the
    // same request again on the same generation is timed apart.
    let mut kept = Timings::new("summary of the docket again, same generation (kept)");
    for round in 0..=rounds {
        index.reload()?;
        let started = Instant::now();
        let wanted = rfidesk_indexer::OrganizationsWanted {
            top: 20,
            ..Default::default()
        };
        let s = index.summarize("*", &docket, &wanted)?;
        if round > 0 {
            whole.samples.push(started.elapsed());
            let started = Instant::now();
            let again = index.summarize("*", &docket, &wanted)?;
            kept.samples.push(started.elapsed());
            assert_eq!(again, s);
        } else {
            println!(
                "docket: {} comments, largest organization {:?}, {} tags, {} hours",
                s.total,
                s.organizations
                    .first()
                    .map(|o| (&o.key, o.comments, o.spellings.len())),
                s.comments.get("tag").map_or(0, |m| m.len()),
                s.hours.len()
            );
        }
        for q in &set {
            let r = request(q, true);
            let mut filters = r.filters.clone();
            filters.keywords.extend(docket.keywords.clone());
            index.reload()?;
            let started = Instant::now();
            let _ = index.summarize(&r.q, &filters, &wanted)?;
            if round > 0 {
                searches.samples.push(started.elapsed());
            }
        }
    }
    whole.report();
    kept.report();
    if !searches.samples.is_empty() {
        searches.report();
    }
    // Distinguishing terms, as the summary runs them beside the counts.
    let mut terms = Timings::new("distinguishing terms of the docket (*)");
    let mut searched = Timings::new("distinguishing terms of a search");
    for round in 0..=rounds {
        index.reload()?;
        let started = Instant::now();
        let found = index.distinguishing_terms("*", &docket, 10)?;
        let groups = &found.groups;
        if round > 0 {
            terms.samples.push(started.elapsed());
        } else {
            println!(
                "docket: {} of {} comments read, {} groups, {} with terms; e.g. {}",
                found.read,
                found.matches,
                groups.len(),
                groups.iter().filter(|g| !g.terms.is_empty()).count(),
                groups
                    .iter()
                    .find(|g| !g.terms.is_empty())
                    .map(|g| format!(
                        "{} {}: {}",
                        g.field,
                        g.value,
                        g.terms
                            .iter()
                            .map(|t| t.term.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ))
                    .unwrap_or_default()
            );
        }
        for q in &set {
            let r = request(q, true);
            let mut filters = r.filters.clone();
            filters.keywords.extend(docket.keywords.clone());
            index.reload()?;
            let started = Instant::now();
            let _ = index.distinguishing_terms(&r.q, &filters, 10)?;
            if round > 0 {
                searched.samples.push(started.elapsed());
            }
        }
    }
    terms.report();
    if !searched.samples.is_empty() {
        searched.report();
    }
    Ok(())
}
