//! The campaign tables: `campaigns`, `campaign_members`, what incremental
//! assignment looks up (`campaign_prints`, `campaign_keys`), each docket's
//! boilerplate profile and feed position (`campaign_profiles`), and
//! analysts' corrections (`campaign_corrections`).

use crate::db::connection::{insert_json_chunks, raw_query, DbConn, DbError};
use crate::db::schema::{
    campaign_corrections, campaign_keys, campaign_members, campaign_prints, campaign_profiles,
    campaigns, comments,
};
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = campaigns)]
#[diesel(treat_none_as_null = true)]
pub struct CampaignRow {
    pub id: String,
    pub docket_id: String,
    pub name: Option<String>,
    pub confirmed_by: Option<String>,
    pub confirmed_at: Option<NaiveDateTime>,
    pub template_id: String,
    pub size: i32,
    pub signatories: i64,
    pub first_received: NaiveDateTime,
    pub last_received: NaiveDateTime,
    /// JSON object: category to members.
    pub categories: String,
    /// JSON object: organization to members (the 20 largest).
    pub organizations: String,
    /// JSON array of signals.
    pub signals: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, serde::Serialize)]
#[diesel(table_name = campaign_members)]
pub struct MemberRow {
    pub comment_id: String,
    pub campaign_id: String,
    /// Jaccard similarity with the template, boilerplate discounted.
    pub similarity: f64,
    /// Shingles the member has and the template lacks: about the words it
    /// adds.
    pub added_words: i32,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = campaign_profiles)]
pub struct ProfileRow {
    pub docket_id: String,
    /// JSON: the boilerplate profile and the docket-wide signals.
    pub profile: String,
    /// Comments in the docket when it was made.
    pub comments: i64,
    /// New comments are assigned through this change-feed position.
    pub checked_seq: i64,
    pub built_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = campaign_corrections)]
pub struct CorrectionRow {
    pub id: String,
    pub docket_id: String,
    /// `split` (the comment is kept out of every campaign) or `merge`
    /// (the campaigns of `comment_id` and `other_id` are one).
    pub kind: String,
    pub comment_id: String,
    pub other_id: Option<String>,
    pub actor: String,
    pub created_at: NaiveDateTime,
}

pub const SPLIT: &str = "split";
pub const MERGE: &str = "merge";

/// A docket's campaigns of at least `min_size`, largest first.
pub fn list(
    conn: &mut DbConn,
    docket: &str,
    min_size: i32,
    offset: i64,
    limit: i64,
) -> Result<Vec<CampaignRow>, DbError> {
    Ok(campaigns::table
        .filter(campaigns::docket_id.eq(docket))
        .filter(campaigns::size.ge(min_size))
        .order((campaigns::size.desc(), campaigns::id))
        .offset(offset)
        .limit(limit)
        .select(CampaignRow::as_select())
        .load(conn)?)
}

/// How many campaigns of at least `min_size` a docket has, the comments
/// in them and their signatories.
pub fn totals(conn: &mut DbConn, docket: &str, min_size: i32) -> Result<(i64, i64, i64), DbError> {
    use diesel::sql_types::{Integer, Text};
    let q = diesel::sql_query(
        "SELECT COUNT(*) AS a, CAST(COALESCE(SUM(size), 0) AS BIGINT) AS b, \
         CAST(COALESCE(SUM(signatories), 0) AS BIGINT) AS c \
         FROM campaigns WHERE docket_id = $1 AND size >= $2",
    )
    .bind::<Text, _>(docket)
    .bind::<Integer, _>(min_size);
    let t: Three = raw_query!(conn, q.get_result);
    Ok((t.a, t.b, t.c))
}

#[derive(QueryableByName)]
struct Three {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    a: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    b: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    c: i64,
}

/// Every campaign of a docket, whatever its size (the rebuild's old ids).
pub fn all_in_docket(conn: &mut DbConn, docket: &str) -> Result<Vec<CampaignRow>, DbError> {
    Ok(campaigns::table
        .filter(campaigns::docket_id.eq(docket))
        .select(CampaignRow::as_select())
        .load(conn)?)
}

pub fn find(conn: &mut DbConn, id: &str) -> Result<Option<CampaignRow>, DbError> {
    Ok(campaigns::table
        .find(id)
        .select(CampaignRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn save(conn: &mut DbConn, row: &CampaignRow) -> Result<(), DbError> {
    let updated = diesel::update(campaigns::table.find(&row.id))
        .set(row)
        .execute(conn)?;
    if updated == 0 {
        diesel::insert_into(campaigns::table)
            .values(row)
            .execute(conn)?;
    }
    Ok(())
}

/// Removes a campaign and its member rows.
pub fn delete(conn: &mut DbConn, id: &str) -> Result<(), DbError> {
    diesel::delete(campaign_members::table.filter(campaign_members::campaign_id.eq(id)))
        .execute(conn)?;
    diesel::delete(campaigns::table.find(id)).execute(conn)?;
    Ok(())
}

/// A campaign's members in the order received, with tracking number and
/// time received, a page at a time.
pub fn members(
    conn: &mut DbConn,
    campaign: &str,
    offset: i64,
    limit: i64,
) -> Result<Vec<(MemberRow, String, NaiveDateTime)>, DbError> {
    Ok(campaign_members::table
        .inner_join(comments::table)
        .filter(campaign_members::campaign_id.eq(campaign))
        .order((comments::received_at, comments::id))
        .offset(offset)
        .limit(limit)
        .select((
            MemberRow::as_select(),
            comments::tracking_number,
            comments::received_at,
        ))
        .load(conn)?)
}

/// Every member id of a campaign.
pub fn member_ids(conn: &mut DbConn, campaign: &str) -> Result<Vec<String>, DbError> {
    Ok(campaign_members::table
        .filter(campaign_members::campaign_id.eq(campaign))
        .order(campaign_members::comment_id)
        .select(campaign_members::comment_id)
        .load(conn)?)
}

/// (comment id, campaign id) of the comments from `first` to `last` that
/// are in a campaign: one range walk (see `comment_tag::tag_ids_between`).
pub fn campaigns_between(
    conn: &mut DbConn,
    first: &str,
    last: &str,
) -> Result<Vec<(String, String)>, DbError> {
    Ok(campaign_members::table
        .filter(campaign_members::comment_id.between(first, last))
        .select((campaign_members::comment_id, campaign_members::campaign_id))
        .load(conn)?)
}

/// The member rows of these comments (those in a campaign).
pub fn memberships(conn: &mut DbConn, ids: &[String]) -> Result<Vec<MemberRow>, DbError> {
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        out.extend(
            campaign_members::table
                .filter(campaign_members::comment_id.eq_any(chunk))
                .select(MemberRow::as_select())
                .load(conn)?,
        );
    }
    Ok(out)
}

/// Every (comment, campaign) of a docket.
pub fn docket_memberships(
    conn: &mut DbConn,
    docket: &str,
) -> Result<Vec<(String, String)>, DbError> {
    Ok(campaign_members::table
        .inner_join(campaigns::table)
        .filter(campaigns::docket_id.eq(docket))
        .select((campaign_members::comment_id, campaign_members::campaign_id))
        .load(conn)?)
}

pub fn add_members(conn: &mut DbConn, rows: &[MemberRow]) -> Result<(), DbError> {
    insert_json_chunks(conn, rows, |conn, json| {
        let select = match conn {
            DbConn::Pg(_) => {
                "SELECT value ->> 'comment_id', value ->> 'campaign_id', \
                 (value ->> 'similarity')::float8, (value ->> 'added_words')::int \
                 FROM jsonb_array_elements($1::jsonb)"
            }
            DbConn::Sqlite(_) => {
                "SELECT value ->> 'comment_id', value ->> 'campaign_id', \
                 value ->> 'similarity', value ->> 'added_words' FROM json_each(?)"
            }
        };
        // A comment already in a campaign stays where it is.
        let q = diesel::sql_query(format!(
            "INSERT INTO campaign_members (comment_id, campaign_id, similarity, added_words) \
             {select} WHERE true ON CONFLICT DO NOTHING"
        ))
        .bind::<diesel::sql_types::Text, _>(json);
        Ok(raw_query!(conn, q.execute))
    })?;
    Ok(())
}

pub fn remove_member(conn: &mut DbConn, comment: &str) -> Result<(), DbError> {
    diesel::delete(campaign_members::table.find(comment)).execute(conn)?;
    Ok(())
}

/// Moves every member of `from` to `to`.
pub fn move_members(conn: &mut DbConn, from: &str, to: &str) -> Result<(), DbError> {
    diesel::update(campaign_members::table.filter(campaign_members::campaign_id.eq(from)))
        .set(campaign_members::campaign_id.eq(to))
        .execute(conn)?;
    Ok(())
}

/// Removes every member row and campaign of a docket.
pub fn clear_docket(conn: &mut DbConn, docket: &str) -> Result<(), DbError> {
    let ids = campaigns::table
        .filter(campaigns::docket_id.eq(docket))
        .select(campaigns::id);
    diesel::delete(campaign_members::table.filter(campaign_members::campaign_id.eq_any(ids)))
        .execute(conn)?;
    diesel::delete(campaigns::table.filter(campaigns::docket_id.eq(docket))).execute(conn)?;
    Ok(())
}

/// (comment id, campaign id) for these comments: what the index shows.
pub fn campaigns_of(conn: &mut DbConn, ids: &[String]) -> Result<Vec<(String, String)>, DbError> {
    Ok(memberships(conn, ids)?
        .into_iter()
        .map(|m| (m.comment_id, m.campaign_id))
        .collect())
}

// --- what assignment looks up ---

/// One comment's exact-text hash and its stored band keys.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Print {
    pub comment_id: String,
    pub docket_id: String,
    pub exact_hash: i64,
    pub keys: Vec<i64>,
}

/// Stores prints (replacing a comment's earlier one).
pub fn put_prints(conn: &mut DbConn, prints: &[Print]) -> Result<(), DbError> {
    let ids: Vec<String> = prints.iter().map(|p| p.comment_id.clone()).collect();
    for chunk in ids.chunks(500) {
        diesel::delete(campaign_keys::table.filter(campaign_keys::comment_id.eq_any(chunk)))
            .execute(conn)?;
        diesel::delete(campaign_prints::table.filter(campaign_prints::comment_id.eq_any(chunk)))
            .execute(conn)?;
    }
    let rows: Vec<(&str, &str, i64)> = prints
        .iter()
        .map(|p| (p.comment_id.as_str(), p.docket_id.as_str(), p.exact_hash))
        .collect();
    insert_json_chunks(conn, &rows, |conn, json| {
        let select = match conn {
            DbConn::Pg(_) => {
                "SELECT value ->> 0, value ->> 1, (value ->> 2)::bigint \
                 FROM jsonb_array_elements($1::jsonb) WHERE true"
            }
            DbConn::Sqlite(_) => {
                "SELECT value ->> 0, value ->> 1, value ->> 2 FROM json_each(?) WHERE true"
            }
        };
        // A comment the job printed while a rebuild ran: the later wins.
        let q = diesel::sql_query(format!(
            "INSERT INTO campaign_prints (comment_id, docket_id, exact_hash) {select} \
             ON CONFLICT (comment_id) DO UPDATE SET exact_hash = excluded.exact_hash"
        ))
        .bind::<diesel::sql_types::Text, _>(json);
        Ok(raw_query!(conn, q.execute))
    })?;
    let keys: Vec<(i64, &str)> = prints
        .iter()
        .flat_map(|p| p.keys.iter().map(move |&k| (k, p.comment_id.as_str())))
        .collect();
    insert_json_chunks(conn, &keys, |conn, json| {
        let select = match conn {
            DbConn::Pg(_) => {
                "SELECT (value ->> 0)::bigint, value ->> 1 FROM jsonb_array_elements($1::jsonb) \
                 WHERE true ON CONFLICT DO NOTHING"
            }
            DbConn::Sqlite(_) => {
                "SELECT value ->> 0, value ->> 1 FROM json_each(?) WHERE true \
                 ON CONFLICT DO NOTHING"
            }
        };
        let q = diesel::sql_query(format!(
            "INSERT INTO campaign_keys (band_key, comment_id) {select}"
        ))
        .bind::<diesel::sql_types::Text, _>(json);
        Ok(raw_query!(conn, q.execute))
    })?;
    Ok(())
}

/// The comments of a docket that have a print.
pub fn printed(conn: &mut DbConn, docket: &str) -> Result<Vec<String>, DbError> {
    Ok(campaign_prints::table
        .filter(campaign_prints::docket_id.eq(docket))
        .select(campaign_prints::comment_id)
        .load(conn)?)
}

/// Removes a docket's prints and keys, a chunk of comments at a time (a
/// rebuild then writes them anew); returns how many it removed.
pub fn clear_prints(conn: &mut DbConn, docket: &str, chunk: i64) -> Result<usize, DbError> {
    let ids: Vec<String> = campaign_prints::table
        .filter(campaign_prints::docket_id.eq(docket))
        .select(campaign_prints::comment_id)
        .limit(chunk)
        .load(conn)?;
    for part in ids.chunks(500) {
        diesel::delete(campaign_keys::table.filter(campaign_keys::comment_id.eq_any(part)))
            .execute(conn)?;
        diesel::delete(campaign_prints::table.filter(campaign_prints::comment_id.eq_any(part)))
            .execute(conn)?;
    }
    Ok(ids.len())
}

/// Comments other than `except` sharing one of `keys` (at most `per_key`
/// each) or the exact hash, in a docket: a new comment's candidates.
pub fn candidates(
    conn: &mut DbConn,
    docket: &str,
    exact: i64,
    keys: &[i64],
    per_key: i64,
    except: &str,
) -> Result<Vec<String>, DbError> {
    let mut out: Vec<String> = campaign_prints::table
        .filter(campaign_prints::docket_id.eq(docket))
        .filter(campaign_prints::exact_hash.eq(exact))
        .filter(campaign_prints::comment_id.ne(except))
        .select(campaign_prints::comment_id)
        .limit(per_key)
        .load(conn)?;
    for &k in keys {
        out.extend(
            campaign_keys::table
                .filter(campaign_keys::band_key.eq(k))
                .filter(campaign_keys::comment_id.ne(except))
                .select(campaign_keys::comment_id)
                .limit(per_key)
                .load::<String>(conn)?,
        );
    }
    out.sort();
    out.dedup();
    Ok(out)
}

// --- profiles and corrections ---

pub fn profile(conn: &mut DbConn, docket: &str) -> Result<Option<ProfileRow>, DbError> {
    Ok(campaign_profiles::table
        .find(docket)
        .select(ProfileRow::as_select())
        .first(conn)
        .optional()?)
}

/// A docket's profile row, locked until the transaction ends
/// (PostgreSQL; SQLite's writer holds the whole database): assignment
/// checks under it that no rebuild replaced the campaigns meanwhile.
pub fn profile_locked(conn: &mut DbConn, docket: &str) -> Result<Option<ProfileRow>, DbError> {
    Ok(match conn {
        DbConn::Pg(c) => campaign_profiles::table
            .find(docket)
            .select(ProfileRow::as_select())
            .for_update()
            .first(c)
            .optional()?,
        DbConn::Sqlite(c) => campaign_profiles::table
            .find(docket)
            .select(ProfileRow::as_select())
            .first(c)
            .optional()?,
    })
}

/// Makes an empty profile for a docket that has none (a rebuild's, made
/// meanwhile, is kept).
pub fn create_profile(conn: &mut DbConn, row: &ProfileRow) -> Result<(), DbError> {
    let insert = diesel::insert_into(campaign_profiles::table)
        .values(row)
        .on_conflict_do_nothing();
    match conn {
        DbConn::Pg(c) => insert.execute(c)?,
        DbConn::Sqlite(c) => insert.execute(c)?,
    };
    Ok(())
}

pub fn put_profile(conn: &mut DbConn, row: &ProfileRow) -> Result<(), DbError> {
    diesel::delete(campaign_profiles::table.find(&row.docket_id)).execute(conn)?;
    diesel::insert_into(campaign_profiles::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// Every docket's profile row (the job's cursors).
pub fn profiles(conn: &mut DbConn) -> Result<Vec<ProfileRow>, DbError> {
    Ok(campaign_profiles::table
        .select(ProfileRow::as_select())
        .load(conn)?)
}

pub fn set_checked(conn: &mut DbConn, docket: &str, seq: i64) -> Result<(), DbError> {
    diesel::update(campaign_profiles::table.find(docket))
        .set(campaign_profiles::checked_seq.eq(seq))
        .execute(conn)?;
    Ok(())
}

/// The lowest feed position a docket's assignment still reads from: the
/// purge keeps every change after it.
pub fn least_checked(conn: &mut DbConn) -> Result<Option<i64>, DbError> {
    Ok(campaign_profiles::table
        .select(diesel::dsl::min(campaign_profiles::checked_seq))
        .first::<Option<i64>>(conn)?)
}

pub fn add_correction(conn: &mut DbConn, row: &CorrectionRow) -> Result<(), DbError> {
    diesel::insert_into(campaign_corrections::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// A docket's corrections, oldest first.
pub fn corrections(conn: &mut DbConn, docket: &str) -> Result<Vec<CorrectionRow>, DbError> {
    Ok(campaign_corrections::table
        .filter(campaign_corrections::docket_id.eq(docket))
        .order((campaign_corrections::created_at, campaign_corrections::id))
        .select(CorrectionRow::as_select())
        .load(conn)?)
}

/// Whether these comments were split off (kept out of campaigns).
pub fn split_off(conn: &mut DbConn, ids: &[String]) -> Result<Vec<String>, DbError> {
    Ok(campaign_corrections::table
        .filter(campaign_corrections::kind.eq(SPLIT))
        .filter(campaign_corrections::comment_id.eq_any(ids))
        .select(campaign_corrections::comment_id)
        .load(conn)?)
}

/// Comment ids of a docket after `after`, in id order (the rebuild's pages).
pub fn docket_comment_ids(
    conn: &mut DbConn,
    docket: &str,
    after: &str,
    limit: i64,
) -> Result<Vec<String>, DbError> {
    Ok(comments::table
        .filter(comments::docket_id.eq(docket))
        .filter(comments::id.gt(after))
        .order(comments::id)
        .limit(limit)
        .select(comments::id)
        .load(conn)?)
}

/// What signals are made of, per comment: never shown as such (the email
/// address is hashed before it leaves the server's memory).
#[derive(Debug, Clone, Queryable)]
pub struct Facts {
    pub id: String,
    pub received_at: NaiveDateTime,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub organization: Option<String>,
    pub category: String,
    pub email: Option<String>,
    pub client_key: Option<String>,
    pub signatories: Option<i64>,
}

pub fn facts(conn: &mut DbConn, ids: &[String]) -> Result<Vec<Facts>, DbError> {
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        out.extend(
            comments::table
                .filter(comments::id.eq_any(chunk))
                .select((
                    comments::id,
                    comments::received_at,
                    comments::first_name,
                    comments::last_name,
                    comments::organization,
                    comments::category,
                    comments::email,
                    comments::client_key,
                    comments::signatories,
                ))
                .load::<Facts>(conn)?,
        );
    }
    Ok(out)
}

/// A docket's comment count and signatories (a comment without a count
/// is one signatory).
pub fn docket_totals(conn: &mut DbConn, docket: &str) -> Result<(i64, i64), DbError> {
    use diesel::sql_types::Text;
    let q = diesel::sql_query(
        "SELECT COUNT(*) AS a, CAST(COALESCE(SUM(COALESCE(signatories, 1)), 0) AS BIGINT) AS b, \
         CAST(0 AS BIGINT) AS c FROM comments WHERE docket_id = $1",
    )
    .bind::<Text, _>(docket);
    let t: Three = raw_query!(conn, q.get_result);
    Ok((t.a, t.b))
}

/// (comment id, exact hash) of these comments' prints.
pub fn exact_hashes(conn: &mut DbConn, ids: &[String]) -> Result<Vec<(String, i64)>, DbError> {
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        out.extend(
            campaign_prints::table
                .filter(campaign_prints::comment_id.eq_any(chunk))
                .select((campaign_prints::comment_id, campaign_prints::exact_hash))
                .load::<(String, i64)>(conn)?,
        );
    }
    Ok(out)
}
