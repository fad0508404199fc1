//! The campaign detection evaluation: a generated docket with planted
//! campaigns (see `corpus.rs`), detection at the default settings, and
//! pairwise precision, recall and F1 against the planted truth, with and
//! without docket-wide boilerplate; also the time and peak memory of
//! detection and of incremental assignment.
//!
//!     cargo run --release -p rfidesk-indexer --example campaigns_eval -- --size 20000
//!
//! Deterministic: the same seed gives the same corpus and the same numbers
//! (times aside). `--corpus-out FILE` writes the corpus as JSON lines for
//! `bench/campaigns_datasketch.py`.

mod corpus;
mod pdf;

use clap::Parser;
use rfidesk_indexer::campaigns::{self, Config, Fingerprint};
use rustc_hash::FxHashMap;
use std::io::Write;
use std::time::Instant;

#[derive(Parser)]
struct Args {
    /// Comments in the generated docket.
    #[arg(long, default_value_t = 20_000)]
    size: usize,
    #[arg(long, default_value_t = 2026)]
    seed: u64,
    /// With docket-wide boilerplate: on, off or both.
    #[arg(long, default_value = "both")]
    boilerplate: String,
    /// Share of comments in planted campaigns.
    #[arg(long, default_value_t = 0.4)]
    campaign_share: f64,
    /// Share of members whose letter is in a PDF.
    #[arg(long, default_value_t = 0.05)]
    pdf_share: f64,
    /// Jaccard threshold (default: the product's).
    #[arg(long)]
    threshold: Option<f64>,
    /// LSH bands and rows (default: the product's).
    #[arg(long)]
    bands: Option<usize>,
    #[arg(long)]
    rows: Option<usize>,
    /// New comments assigned one at a time after the full run.
    #[arg(long, default_value_t = 2_000)]
    incremental: usize,
    /// Also print how alike planted members are (to tune the settings).
    #[arg(long)]
    diagnose: bool,
    /// Write the corpus (with boilerplate unless --boilerplate off) as JSON lines.
    #[arg(long)]
    corpus_out: Option<std::path::PathBuf>,
}

fn main() {
    let args = Args::parse();
    let mut config = Config::default();
    if let Some(t) = args.threshold {
        config.threshold = t;
    }
    config.bands = args.bands.unwrap_or(config.bands);
    config.rows = args.rows.unwrap_or(config.rows);
    config.check().expect("settings");
    let settings: &[bool] = match args.boilerplate.as_str() {
        "on" => &[true],
        "off" => &[false],
        _ => &[false, true],
    };
    println!(
        "settings: threshold {} shingles of {} words, {} bands x {} rows, boilerplate share {}",
        config.threshold, config.shingle_words, config.bands, config.rows, config.boilerplate_share
    );
    for &boilerplate in settings {
        run(&args, &config, boilerplate);
    }
}

fn run(args: &Args, config: &Config, boilerplate: bool) {
    let plan = corpus::Plan {
        size: args.size + args.incremental,
        seed: args.seed,
        campaign_share: args.campaign_share,
        boilerplate,
        pdf_share: args.pdf_share,
    };
    let t = Instant::now();
    let mut all = corpus::generate(&plan);
    let fresh = all.split_off(args.size);
    let planted = count_groups(all.iter().map(|c| c.campaign));
    let in_pdf = all
        .iter()
        .filter(|c| c.text.contains("See attached file."))
        .count();
    println!(
        "\n== boilerplate {}: {} comments, {} planted campaigns holding {} comments ({} of them in a PDF) (generated in {:.1} s)",
        if boilerplate { "on" } else { "off" },
        all.len(),
        planted.0,
        planted.1,
        in_pdf,
        t.elapsed().as_secs_f64()
    );
    if let Some(path) = &args.corpus_out {
        if boilerplate || args.boilerplate == "off" {
            write_corpus(path, &all);
        }
    }

    let texts: Vec<&str> = all.iter().map(|c| c.text.as_str()).collect();
    let rss_before = peak_rss_mib();
    let t = Instant::now();
    let profile = campaigns::Profile::build(&campaigns::sample(&texts, config.sample), config);
    let t_profile = t.elapsed();
    let fps = campaigns::fingerprints(&texts, &profile, config);
    let t_fps = t.elapsed();
    let groups = campaigns::groups(&fps, config);
    let t_all = t.elapsed();
    println!(
        "detection: {:.2} s (profile {:.2} s, fingerprints {:.2} s, clustering {:.2} s); peak RSS {} MiB (before detection {} MiB)",
        t_all.as_secs_f64(),
        t_profile.as_secs_f64(),
        (t_fps - t_profile).as_secs_f64(),
        (t_all - t_fps).as_secs_f64(),
        peak_rss_mib(),
        rss_before
    );
    let mut predicted = vec![None; all.len()];
    for (g, members) in groups.iter().enumerate() {
        for &m in members {
            predicted[m as usize] = Some(g as u32);
        }
    }
    let s = score(
        &all.iter().map(|c| c.campaign).collect::<Vec<_>>(),
        &predicted,
    );
    println!(
        "found {} campaigns holding {} comments; pairwise precision {:.4} recall {:.4} F1 {:.4}",
        groups.len(),
        groups.iter().map(Vec::len).sum::<usize>(),
        s.0,
        s.1,
        s.2
    );
    println!(
        "discounted {} shingles; top passages:",
        profile.discounted.len()
    );
    for p in profile.passages.iter().take(5) {
        let short: String = p.text.chars().take(70).collect();
        println!("  {:5.1}%  {short}", p.share * 100.0);
    }
    if args.diagnose {
        diagnose(&all, &fps, &predicted);
    }
    incremental(config, &profile, &fps, &fresh);
}

/// The Jaccard similarity of each planted member to its campaign's first
/// member, in tenths, and how many members detection left out.
fn diagnose(all: &[corpus::Comment], fps: &[Fingerprint], predicted: &[Option<u32>]) {
    let mut first: FxHashMap<u32, usize> = FxHashMap::default();
    let mut hist = [0usize; 11];
    let mut missed = 0;
    let mut blank = 0;
    for (i, c) in all.iter().enumerate() {
        let Some(camp) = c.campaign else { continue };
        let f = *first.entry(camp).or_insert(i);
        if f == i {
            continue;
        }
        let j = campaigns::jaccard(&fps[f].shingles, &fps[i].shingles);
        hist[(j * 10.0) as usize] += 1;
        let apart = predicted[i].is_none() || predicted[i] != predicted[f];
        missed += usize::from(apart);
        if apart && predicted[i].is_none() && missed <= 3 {
            println!(
                "  left alone (J {j:.2} to the first): {:?}",
                c.text.chars().take(400).collect::<String>()
            );
        }
        blank += usize::from(fps[i].is_blank());
    }
    println!("members vs their campaign's first, by Jaccard tenth: {hist:?}; apart from it: {missed}; blank: {blank}");
}

/// Each new comment fingerprinted, looked up by band and checked against
/// its candidates, as the server's job does (here against an in-memory
/// band table instead of the database's).
fn incremental(
    config: &Config,
    profile: &campaigns::Profile,
    fps: &[Fingerprint],
    fresh: &[corpus::Comment],
) {
    if fresh.is_empty() {
        return;
    }
    let mut table: FxHashMap<u64, Vec<u32>> = FxHashMap::default();
    for (i, f) in fps.iter().enumerate() {
        for &k in &f.bands {
            let bucket = table.entry(k).or_default();
            if bucket.len() < 8 {
                bucket.push(i as u32);
            }
        }
    }
    let hashers = config.hashers();
    let mut times = Vec::with_capacity(fresh.len());
    let mut joined = 0;
    for c in fresh {
        let t = Instant::now();
        let f = Fingerprint::new(&c.text, profile, &hashers, config);
        let candidates = f
            .bands
            .iter()
            .filter_map(|k| table.get(k))
            .flatten()
            .map(|&i| (i64::from(i), &fps[i as usize]));
        let found = campaigns::cluster::best_match(&f, candidates, config.threshold);
        times.push(t.elapsed().as_secs_f64() * 1e3);
        joined += usize::from(found.is_some());
    }
    times.sort_by(f64::total_cmp);
    let q = |p: f64| times[((times.len() - 1) as f64 * p) as usize];
    println!(
        "incremental: {} new comments, {} matched an earlier one; per comment p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms",
        fresh.len(),
        joined,
        q(0.5),
        q(0.99),
        times[times.len() - 1]
    );
}

fn count_groups(labels: impl Iterator<Item = Option<u32>>) -> (usize, usize) {
    let mut sizes: FxHashMap<u32, usize> = FxHashMap::default();
    for l in labels.flatten() {
        *sizes.entry(l).or_default() += 1;
    }
    (sizes.len(), sizes.values().sum())
}

/// Pairwise precision, recall and F1: a pair of comments is predicted
/// together when in one detected campaign, truly together when in one
/// planted campaign.
fn score(truth: &[Option<u32>], predicted: &[Option<u32>]) -> (f64, f64, f64) {
    let pairs = |n: usize| (n * n.saturating_sub(1) / 2) as f64;
    let mut both: FxHashMap<(u32, u32), usize> = FxHashMap::default();
    let (mut t, mut p): (FxHashMap<u32, usize>, FxHashMap<u32, usize>) = Default::default();
    for (a, b) in truth.iter().zip(predicted) {
        if let Some(a) = a {
            *t.entry(*a).or_default() += 1;
        }
        if let Some(b) = b {
            *p.entry(*b).or_default() += 1;
        }
        if let (Some(a), Some(b)) = (a, b) {
            *both.entry((*a, *b)).or_default() += 1;
        }
    }
    let tp: f64 = both.values().map(|&n| pairs(n)).sum();
    let tp_fp: f64 = p.values().map(|&n| pairs(n)).sum();
    let tp_fn: f64 = t.values().map(|&n| pairs(n)).sum();
    let precision = if tp_fp > 0.0 { tp / tp_fp } else { 1.0 };
    let recall = if tp_fn > 0.0 { tp / tp_fn } else { 1.0 };
    let f1 = if precision + recall > 0.0 {
        2.0 * precision * recall / (precision + recall)
    } else {
        0.0
    };
    (precision, recall, f1)
}

fn write_corpus(path: &std::path::Path, all: &[corpus::Comment]) {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).expect("corpus file"));
    for c in all {
        let line = serde_json::json!({"text": c.text, "campaign": c.campaign});
        writeln!(out, "{line}").expect("write corpus");
    }
    out.flush().expect("write corpus");
    println!("corpus written to {}", path.display());
}

fn peak_rss_mib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
        })
        .map_or(0, |kib| kib / 1024)
}
