//! Accounts: creating them, checking passwords, opening and closing
//! sessions. The SQL is in `db::models`; the secrets' rules in
//! `domain::account`.

use crate::db::models::{api_token, session, user};
use crate::db::{DbConn, DbError};
use crate::domain::account::{self, Role, Secret, UserName, API_TOKEN_PREFIX, SESSION_PREFIX};
use chrono::{NaiveDateTime, TimeDelta};

/// How long a sign-in lasts: one working day.
pub const SESSION_LENGTH: TimeDelta = TimeDelta::hours(12);

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("an account named {0:?} already exists")]
    Exists(String),
    #[error(transparent)]
    Db(#[from] DbError),
}

/// Creates an account and its first API token; returns the token, which
/// is shown once and kept only as a hash.
pub fn create(
    conn: &mut DbConn,
    name: &UserName,
    role: Role,
    password: Option<&str>,
    now: NaiveDateTime,
) -> Result<Secret, AccountError> {
    let hash = password.map(account::hash_password);
    crate::db::write_transaction(conn, |conn| {
        if user::find_by_name(conn, name.as_str())?.is_some() {
            return Ok(Err(AccountError::Exists(name.as_str().to_string())));
        }
        let row = user::UserRow {
            id: uuid::Uuid::now_v7().to_string(),
            name: name.as_str().to_string(),
            role: role.as_str().to_string(),
            password_hash: hash.clone(),
            created_at: now,
            disabled_at: None,
        };
        user::insert(conn, &row)?;
        let token = Secret::generate(API_TOKEN_PREFIX);
        api_token::insert(
            conn,
            &api_token::ApiTokenRow {
                token_hash: token.hash(),
                user_id: row.id,
                created_at: now,
                revoked_at: None,
            },
        )?;
        Ok(Ok(token))
    })?
}

/// The account if the password is right. Runs argon2 either way, so a
/// wrong name takes as long as a wrong password.
pub fn authenticate(
    conn: &mut DbConn,
    name: &str,
    password: &str,
) -> Result<Option<user::UserRow>, DbError> {
    let found = UserName::parse(name)
        .ok()
        .map(|n| user::find_by_name(conn, n.as_str()))
        .transpose()?
        .flatten()
        .filter(|u| u.disabled_at.is_none());
    let stored = found
        .as_ref()
        .and_then(|u| u.password_hash.clone())
        .unwrap_or_else(|| account::dummy_password_hash().to_string());
    let ok = account::verify_password(password, &stored);
    Ok(found.filter(|u| ok && u.password_hash.is_some()))
}

/// Opens a session; returns the cookie value.
pub fn open_session(
    conn: &mut DbConn,
    user_id: &str,
    now: NaiveDateTime,
) -> Result<Secret, DbError> {
    let id = Secret::generate(SESSION_PREFIX);
    session::delete_expired(conn, now)?;
    session::insert(
        conn,
        &session::SessionRow {
            id_hash: id.hash(),
            user_id: user_id.to_string(),
            csrf_token: Secret::generate("").expose().to_string(),
            created_at: now,
            expires_at: now + SESSION_LENGTH,
        },
    )?;
    Ok(id)
}

pub fn close_session(conn: &mut DbConn, id_hash: &str) -> Result<(), DbError> {
    session::delete(conn, id_hash)
}
