//! Campaign assignment, one comment at a time, against a real database:
//! for comments of a docket that are in no campaign, what the `campaigns`
//! job does per new comment (fingerprint with the stored profile, the
//! band-key and exact-hash lookups, the candidates' texts read and
//! checked). Run after `rfidesk campaigns rebuild` on the same database.
//!
//!     cargo run --release -p rfidesk --example campaign_assign_bench -- \
//!         --database-url DB --docket ai-exports-rfi --count 2000

use clap::Parser;
use rfidesk::campaigns::{assign, DocketProfile};
use rfidesk::db::models::{campaign, docket};
use rfidesk::db::DatabaseUrl;
use std::time::Instant;

#[derive(Parser)]
struct Args {
    #[arg(long)]
    database_url: String,
    #[arg(long, default_value = "ai-exports-rfi")]
    docket: String,
    #[arg(long, default_value_t = 2000)]
    count: usize,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let url = DatabaseUrl::from_env_value(Some(&args.database_url), std::path::Path::new("."));
    let mut conn = url.connect()?;
    let d = docket::find(&mut conn, &args.docket)?.expect("the docket");
    let row = campaign::profile(&mut conn, &d.id)?.expect("a profile: run campaigns rebuild first");
    let profile: DocketProfile = serde_json::from_str(&row.profile)?;
    let keys = rfidesk::startup::signal_keys(&mut conn)?;
    // Comments spread over the docket, in no campaign.
    let mut ids = Vec::new();
    let mut after = String::new();
    let total = campaign::docket_totals(&mut conn, &d.id)?.0 as usize;
    let stride = (total / args.count.max(1)).max(1);
    while ids.len() < args.count {
        let page = campaign::docket_comment_ids(&mut conn, &d.id, &after, stride as i64)?;
        let Some(last) = page.last() else { break };
        after = last.clone();
        let id = page[0].clone();
        if campaign::memberships(&mut conn, std::slice::from_ref(&id))?.is_empty() {
            ids.push(id);
        }
    }
    let now = chrono::Utc::now().naive_utc();
    let mut times = Vec::with_capacity(ids.len());
    let mut joined = 0;
    for id in &ids {
        let t = Instant::now();
        let batch = assign::plan(
            &mut conn,
            &d,
            &profile,
            std::slice::from_ref(id),
            &keys,
            now,
        )?;
        times.push(t.elapsed().as_secs_f64() * 1e3);
        joined += usize::from(!batch.members.is_empty());
    }
    times.sort_by(f64::total_cmp);
    let q = |p: f64| times[((times.len() - 1) as f64 * p) as usize];
    println!(
        "assignment of {} comments one at a time ({} would join or form a campaign), {} comments in the docket: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        times.len(),
        joined,
        total,
        q(0.5),
        q(0.99),
        times[times.len() - 1]
    );
    Ok(())
}
