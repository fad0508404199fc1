//! The `dockets` table.

use crate::db::connection::{write_transaction, DbConn, DbError};
use crate::db::models::{audit, deadline_change};
use crate::db::schema::dockets;
use crate::domain::docket::{DeadlineChange, Definition, Docket, LatePolicy};
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = dockets)]
pub struct DocketRow {
    pub id: String,
    pub title: String,
    pub agency: String,
    pub summary: String,
    pub definition: String,
    pub time_zone: String,
    pub opens_at: NaiveDateTime,
    pub closes_at: NaiveDateTime,
    pub extended_until: Option<NaiveDateTime>,
    pub late_policy: String,
    pub updated_at: NaiveDateTime,
}

impl DocketRow {
    fn into_docket(self) -> Result<Docket, DbError> {
        let corrupt = |what: &str| DbError::Corrupt(format!("docket {}: {what}", self.id));
        Ok(Docket {
            time_zone: self.time_zone.parse().map_err(|_| corrupt("time zone"))?,
            late_policy: LatePolicy::parse(&self.late_policy)
                .ok_or_else(|| corrupt("late policy"))?,
            definition: serde_json::from_str::<Definition>(&self.definition)
                .map_err(|e| corrupt(&e.to_string()))?,
            opens_at: self.opens_at.and_utc(),
            original_closes_at: self.closes_at.and_utc(),
            extended_until: self.extended_until.map(|t| t.and_utc()),
            deadline_changes: Vec::new(),
            id: self.id,
            title: self.title,
            agency: self.agency,
            summary: self.summary,
        })
    }
}

/// What loading a docket file did.
#[derive(Debug, PartialEq, Eq)]
pub enum Loaded {
    Created,
    Updated,
}

/// Creates the docket or updates what its file says. `extended_until` is
/// never written here: a staff extension outlives every reload of the file.
pub fn upsert_from_file(
    conn: &mut DbConn,
    docket: &Docket,
    now: DateTime<Utc>,
) -> Result<Loaded, DbError> {
    let row = DocketRow {
        id: docket.id.clone(),
        title: docket.title.clone(),
        agency: docket.agency.clone(),
        summary: docket.summary.clone(),
        definition: serde_json::to_string(&docket.definition).expect("definition serialises"),
        time_zone: docket.time_zone.name().to_string(),
        opens_at: docket.opens_at.naive_utc(),
        closes_at: docket.original_closes_at.naive_utc(),
        extended_until: None,
        late_policy: docket.late_policy.as_str().to_string(),
        updated_at: now.naive_utc(),
    };
    write_transaction(conn, |conn| {
        let exists = dockets::table
            .find(&row.id)
            .count()
            .get_result::<i64>(conn)?
            > 0;
        if exists {
            diesel::update(dockets::table.find(&row.id))
                .set((
                    dockets::title.eq(&row.title),
                    dockets::agency.eq(&row.agency),
                    dockets::summary.eq(&row.summary),
                    dockets::definition.eq(&row.definition),
                    dockets::time_zone.eq(&row.time_zone),
                    dockets::opens_at.eq(row.opens_at),
                    dockets::closes_at.eq(row.closes_at),
                    dockets::late_policy.eq(&row.late_policy),
                    dockets::updated_at.eq(row.updated_at),
                ))
                .execute(conn)?;
            Ok(Loaded::Updated)
        } else {
            diesel::insert_into(dockets::table)
                .values(&row)
                .execute(conn)?;
            Ok(Loaded::Created)
        }
    })
}

/// A docket with its deadline changes.
pub fn find(conn: &mut DbConn, id: &str) -> Result<Option<Docket>, DbError> {
    let Some(row) = dockets::table
        .find(id)
        .select(DocketRow::as_select())
        .first(conn)
        .optional()?
    else {
        return Ok(None);
    };
    let mut d = row.into_docket()?;
    d.deadline_changes = deadline_change::for_docket(conn, &d.id)?;
    Ok(Some(d))
}

pub fn list(conn: &mut DbConn) -> Result<Vec<Docket>, DbError> {
    let rows = dockets::table
        .order(dockets::id)
        .select(DocketRow::as_select())
        .load(conn)?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let mut d = row.into_docket()?;
        d.deadline_changes = deadline_change::for_docket(conn, &d.id)?;
        out.push(d);
    }
    Ok(out)
}

/// Moves `docket`'s closing time to `until` with a public notice: the
/// extension, its row in `deadline_changes` and its audit entry, in the
/// caller's transaction. The caller checked that `until` is later.
pub fn change_deadline(
    conn: &mut DbConn,
    docket: &Docket,
    until: DateTime<Utc>,
    notice: &str,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<DeadlineChange, DbError> {
    extend(conn, &docket.id, until, now)?;
    let row = deadline_change::DeadlineChangeRow {
        id: uuid::Uuid::now_v7().to_string(),
        docket_id: docket.id.clone(),
        closes_before: docket.closes_at().naive_utc(),
        closes_at: until.naive_utc(),
        notice: notice.to_string(),
        actor: actor.to_string(),
        created_at: now.naive_utc(),
    };
    deadline_change::insert(conn, &row)?;
    audit::append(
        conn,
        &[audit::NewEntry::new(
            &docket.id,
            actor,
            "deadline.changed",
            &docket.id,
            serde_json::json!({
                "closes_before": docket.closes_at(),
                "closes_at": until,
                "notice": notice,
            }),
            now.naive_utc(),
        )],
    )?;
    Ok(row.into_change())
}

/// Moves the closing time; returns false when there is no such docket.
pub fn extend(
    conn: &mut DbConn,
    id: &str,
    until: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<bool, DbError> {
    let n = diesel::update(dockets::table.find(id))
        .set((
            dockets::extended_until.eq(Some(until.naive_utc())),
            dockets::updated_at.eq(now.naive_utc()),
        ))
        .execute(conn)?;
    Ok(n == 1)
}
