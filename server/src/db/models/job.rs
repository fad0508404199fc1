//! The `jobs` table: background work, leased by one node at a time.
//! The rules (backoff, limits, what each kind does) are in `crate::jobs`;
//! here is only how rows are claimed and settled.

use crate::db::connection::{DbConn, DbError};
use crate::db::schema::jobs;
use chrono::NaiveDateTime;
use diesel::prelude::*;

pub const QUEUED: &str = "queued";
pub const RUNNING: &str = "running";
pub const DONE: &str = "done";
pub const FAILED: &str = "failed";

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = jobs)]
pub struct JobRow {
    pub id: String,
    pub kind: String,
    pub subject: String,
    pub status: String,
    pub attempts: i32,
    pub run_after: NaiveDateTime,
    pub leased_by: Option<String>,
    pub lease_until: Option<NaiveDateTime>,
    pub last_error: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl JobRow {
    /// A job for any node to claim.
    pub fn new(kind: &str, subject: &str, now: NaiveDateTime) -> Self {
        JobRow {
            id: format!("{kind}:{subject}"),
            kind: kind.to_string(),
            subject: subject.to_string(),
            status: QUEUED.into(),
            attempts: 0,
            run_after: now,
            leased_by: None,
            lease_until: None,
            last_error: None,
            created_at: now,
            updated_at: now,
        }
    }

    /// A job born claimed by `node` (its first run counted), which runs it
    /// at once from memory; if the node dies first, the lease lapses and
    /// any node takes it.
    pub fn leased(
        kind: &str,
        subject: &str,
        node: &str,
        lease_until: NaiveDateTime,
        now: NaiveDateTime,
    ) -> Self {
        JobRow {
            status: RUNNING.into(),
            attempts: 1,
            leased_by: Some(node.to_string()),
            lease_until: Some(lease_until),
            ..JobRow::new(kind, subject, now)
        }
    }
}

/// Adds jobs; one that exists already (same kind and subject) is kept as
/// it is, so enqueueing twice, or from two nodes at once, adds one job.
pub fn enqueue(conn: &mut DbConn, rows: &[JobRow]) -> Result<usize, DbError> {
    if rows.is_empty() {
        return Ok(0);
    }
    Ok(match conn {
        DbConn::Pg(c) => diesel::insert_into(jobs::table)
            .values(rows)
            .on_conflict_do_nothing()
            .execute(c)?,
        DbConn::Sqlite(c) => {
            let mut n = 0;
            for row in rows {
                n += diesel::insert_into(jobs::table)
                    .values(row)
                    .on_conflict_do_nothing()
                    .execute(c)?;
            }
            n
        }
    })
}

/// Makes sure a recurring job exists and will run: added if missing, and
/// queued again (due now) if it had ended. One that is queued or running
/// is left alone.
pub fn ensure_recurring(
    conn: &mut DbConn,
    kind: &str,
    subject: &str,
    now: NaiveDateTime,
) -> Result<(), DbError> {
    enqueue(conn, &[JobRow::new(kind, subject, now)])?;
    diesel::update(
        jobs::table
            .filter(jobs::id.eq(format!("{kind}:{subject}")))
            .filter(jobs::status.eq_any([DONE, FAILED])),
    )
    .set((
        jobs::status.eq(QUEUED),
        jobs::attempts.eq(0),
        jobs::run_after.eq(now),
        jobs::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(())
}

/// Claims up to `limit` due jobs of `kind`, earliest first: queued and
/// due, or running with a lapsed lease (their node died). Call it in a
/// transaction. The UPDATE repeats the condition, so of two nodes that
/// picked the same rows only one changes each; the other claims fewer.
///
/// The two kinds of due job are looked for apart, each along an index
/// that starts with the kind (`jobs_claim_queued`, `jobs_claim_lapsed`):
/// one query with an OR read every running row of every kind to check its
/// lease, and a burst's receipts (born running) made every claim slower.
pub fn claim(
    conn: &mut DbConn,
    kind: &str,
    node: &str,
    lease_until: NaiveDateTime,
    now: NaiveDateTime,
    limit: i64,
) -> Result<Vec<JobRow>, DbError> {
    let queued = jobs::table
        .filter(jobs::kind.eq(kind))
        .filter(jobs::status.eq(QUEUED))
        .filter(jobs::run_after.le(now))
        .order(jobs::run_after)
        .limit(limit)
        .select((jobs::id, jobs::run_after));
    let lapsed = jobs::table
        .filter(jobs::kind.eq(kind))
        .filter(jobs::status.eq(RUNNING))
        .filter(jobs::lease_until.lt(now))
        .order(jobs::lease_until)
        .limit(limit)
        .select((jobs::id, jobs::run_after));
    let mut found: Vec<(String, NaiveDateTime)> = match conn {
        // Rows another node is claiming right now are skipped, not waited
        // for: two nodes take different jobs at once instead of racing.
        DbConn::Pg(c) => {
            let mut rows = queued.for_update().skip_locked().load(c)?;
            rows.extend(lapsed.for_update().skip_locked().load(c)?);
            rows
        }
        DbConn::Sqlite(c) => {
            let mut rows = queued.load(c)?;
            rows.extend(lapsed.load(c)?);
            rows
        }
    };
    if found.is_empty() {
        return Ok(vec![]);
    }
    found.sort_by(|a, b| a.1.cmp(&b.1));
    found.truncate(limit.max(0) as usize);
    let ids: Vec<String> = found.into_iter().map(|(id, _)| id).collect();
    let due = jobs::status
        .eq(QUEUED)
        .and(jobs::run_after.le(now))
        .or(jobs::status.eq(RUNNING).and(jobs::lease_until.lt(now)));
    diesel::update(jobs::table.filter(jobs::id.eq_any(&ids)).filter(due))
        .set((
            jobs::status.eq(RUNNING),
            jobs::leased_by.eq(node),
            jobs::lease_until.eq(lease_until),
            jobs::attempts.eq(jobs::attempts + 1),
            jobs::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(jobs::table
        .filter(jobs::id.eq_any(&ids))
        .filter(jobs::status.eq(RUNNING))
        .filter(jobs::leased_by.eq(node))
        .order(jobs::run_after)
        .select(JobRow::as_select())
        .load(conn)?)
}

/// One UPDATE that ends a run; `None` leaves a column as it is.
#[derive(AsChangeset)]
#[diesel(table_name = jobs)]
struct Settlement<'a> {
    status: &'a str,
    leased_by: Option<Option<String>>,
    lease_until: Option<Option<NaiveDateTime>>,
    last_error: Option<Option<&'a str>>,
    run_after: Option<NaiveDateTime>,
    attempts: Option<i32>,
    updated_at: NaiveDateTime,
}

/// How a run ended, for [`settle`].
pub struct Ending<'a> {
    /// done, failed, or queued again at `run_after`.
    pub status: &'a str,
    pub run_after: Option<NaiveDateTime>,
    pub error: Option<&'a str>,
    /// The next round of a recurring job counts its attempts afresh.
    pub reset_attempts: bool,
}

/// Ends a job's run, if `node` still holds it: returns false (and changes
/// nothing) when the lease lapsed and another node took the job, whose run
/// then counts instead.
pub fn settle(
    conn: &mut DbConn,
    id: &str,
    node: &str,
    ending: Ending<'_>,
    now: NaiveDateTime,
) -> Result<bool, DbError> {
    let changed = diesel::update(
        jobs::table
            .filter(jobs::id.eq(id))
            .filter(jobs::status.eq(RUNNING))
            .filter(jobs::leased_by.eq(node)),
    )
    .set(Settlement {
        status: ending.status,
        leased_by: Some(None),
        lease_until: Some(None),
        last_error: Some(ending.error),
        run_after: ending.run_after,
        attempts: ending.reset_attempts.then_some(0),
        updated_at: now,
    })
    .execute(conn)?;
    Ok(changed == 1)
}

/// Gives up the leases a node held when it stopped or died: its jobs are
/// due again at once instead of when the lease lapses.
pub fn release_node(conn: &mut DbConn, node: &str, now: NaiveDateTime) -> Result<usize, DbError> {
    Ok(diesel::update(
        jobs::table
            .filter(jobs::status.eq(RUNNING))
            .filter(jobs::leased_by.eq(node)),
    )
    .set((
        jobs::status.eq(QUEUED),
        jobs::leased_by.eq(None::<String>),
        jobs::lease_until.eq(None::<NaiveDateTime>),
        jobs::run_after.eq(now),
        jobs::updated_at.eq(now),
    ))
    .execute(conn)?)
}

/// How many jobs of each kind are in each status: (kind, status, count).
pub fn counts(conn: &mut DbConn) -> Result<Vec<(String, String, i64)>, DbError> {
    Ok(jobs::table
        .group_by((jobs::kind, jobs::status))
        .select((jobs::kind, jobs::status, diesel::dsl::count_star()))
        .order((jobs::kind, jobs::status))
        .load(conn)?)
}

/// Jobs that failed for good, and jobs waiting to retry after a failure,
/// newest first.
pub fn troubled(conn: &mut DbConn, limit: i64) -> Result<Vec<JobRow>, DbError> {
    Ok(jobs::table
        .filter(
            jobs::status
                .eq(FAILED)
                .or(jobs::status.eq(QUEUED).and(jobs::last_error.is_not_null())),
        )
        .order(jobs::updated_at.desc())
        .limit(limit)
        .select(JobRow::as_select())
        .load(conn)?)
}

pub fn find(conn: &mut DbConn, id: &str) -> Result<Option<JobRow>, DbError> {
    Ok(jobs::table
        .filter(jobs::id.eq(id))
        .select(JobRow::as_select())
        .first(conn)
        .optional()?)
}

/// Done jobs not touched since `before`, except receipts: a receipt's job
/// is its record (the receipt page says "Sent" from it).
pub fn delete_done_before(conn: &mut DbConn, before: NaiveDateTime) -> Result<usize, DbError> {
    Ok(diesel::delete(
        jobs::table
            .filter(jobs::status.eq(DONE))
            .filter(jobs::kind.ne(crate::db::models::receipt::KIND))
            .filter(jobs::updated_at.lt(before)),
    )
    .execute(conn)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::connection::run_migrations;
    use crate::db::DatabaseUrl;
    use chrono::TimeDelta;

    fn at(minutes: i64) -> NaiveDateTime {
        chrono::DateTime::from_timestamp(1_800_000_000, 0)
            .unwrap()
            .naive_utc()
            + TimeDelta::minutes(minutes)
    }

    /// A claim takes its own kind's due work, earliest first (queued and
    /// due, or running with a lapsed lease), and nothing else: not a
    /// lease still held, not a job queued for later, not another kind's.
    #[test]
    fn a_claim_takes_due_and_lapsed_jobs_of_its_kind_earliest_first() {
        let dir = tempfile::tempdir().unwrap();
        let url = DatabaseUrl::Sqlite(dir.path().join("jobs.sqlite3"));
        let mut conn = url.connect().unwrap();
        run_migrations(&mut conn).unwrap();
        let now = at(0);
        let mut rows = vec![
            JobRow::new("extract_text", "queued-due", at(-3)),
            JobRow::new("extract_text", "queued-later", at(5)),
            JobRow::leased("extract_text", "lapsed", "dead-node", at(-1), at(-2)),
            JobRow::leased("extract_text", "held", "live-node", at(10), at(-4)),
            JobRow::new("receipt", "other-kind-due", at(-9)),
        ];
        // Many running jobs of another kind (a burst's receipts) do not
        // change what is claimed.
        rows.extend(
            (0..500)
                .map(|i| JobRow::leased("receipt", &format!("r{i}"), "live-node", at(10), at(-1))),
        );
        enqueue(&mut conn, &rows).unwrap();

        let claimed = claim(&mut conn, "extract_text", "me", at(30), now, 10).unwrap();
        let subjects: Vec<&str> = claimed.iter().map(|j| j.subject.as_str()).collect();
        assert_eq!(subjects, ["queued-due", "lapsed"]);
        assert!(claimed
            .iter()
            .all(|j| j.status == RUNNING && j.leased_by.as_deref() == Some("me")));
        let held = find(&mut conn, "extract_text:held").unwrap().unwrap();
        assert_eq!(held.leased_by.as_deref(), Some("live-node"));

        // Claimed once, not twice; and a limit is kept.
        assert!(claim(&mut conn, "extract_text", "me", at(30), now, 10)
            .unwrap()
            .is_empty());
        let one = claim(&mut conn, "receipt", "me", at(30), now, 1).unwrap();
        assert_eq!(one.len(), 1);
        assert_eq!(one[0].subject, "other-kind-due");
    }
}
