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
    #[error("no account is named {0:?}")]
    NotFound(String),
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
    token_expires_at: Option<NaiveDateTime>,
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
                expires_at: token_expires_at,
            },
        )?;
        Ok(Ok(token))
    })?
}

fn named(conn: &mut DbConn, name: &str) -> Result<user::UserRow, AccountError> {
    let parsed = UserName::parse(name).map_err(|_| AccountError::NotFound(name.to_string()))?;
    user::find_by_name(conn, parsed.as_str())?
        .ok_or_else(|| AccountError::NotFound(name.to_string()))
}

/// Issues another API token for an account, optionally expiring.
pub fn issue_token(
    conn: &mut DbConn,
    name: &str,
    expires_at: Option<NaiveDateTime>,
    now: NaiveDateTime,
) -> Result<Secret, AccountError> {
    let user = named(conn, name)?;
    let token = Secret::generate(API_TOKEN_PREFIX);
    api_token::insert(
        conn,
        &api_token::ApiTokenRow {
            token_hash: token.hash(),
            user_id: user.id,
            created_at: now,
            revoked_at: None,
            expires_at,
        },
    )?;
    Ok(token)
}

/// Which of an account's tokens to revoke.
pub enum Revoke<'a> {
    All,
    /// The start of the token's id (its hash) as `rfidesk token list` shows it.
    Id(&'a str),
    /// The token itself.
    Token(&'a str),
}

/// Revokes tokens of an account at once (the next request with one is a
/// 401); returns how many.
pub fn revoke_tokens(
    conn: &mut DbConn,
    name: &str,
    which: Revoke<'_>,
    now: NaiveDateTime,
) -> Result<usize, AccountError> {
    let user = named(conn, name)?;
    let prefix = match which {
        Revoke::All => String::new(),
        Revoke::Id(id) if id.len() >= 6 && id.bytes().all(|b| b.is_ascii_hexdigit()) => {
            id.to_ascii_lowercase()
        }
        // A short or malformed id matches nothing rather than everything.
        Revoke::Id(_) => return Ok(0),
        Revoke::Token(t) => Secret::from_presented(t.trim()).hash(),
    };
    Ok(api_token::revoke(conn, &user.id, &prefix, now)?)
}

/// An account's tokens: (id, created, expires, revoked).
pub fn tokens(conn: &mut DbConn, name: &str) -> Result<Vec<api_token::ApiTokenRow>, AccountError> {
    let user = named(conn, name)?;
    Ok(api_token::for_user(conn, &user.id)?)
}

/// Disables an account: its sessions end and its tokens stop working at
/// once; it cannot sign in. Its tags and notes stay, with its name.
pub fn disable(conn: &mut DbConn, name: &str, now: NaiveDateTime) -> Result<(), AccountError> {
    let user = named(conn, name)?;
    crate::db::write_transaction(conn, |conn| {
        user::set_disabled(conn, &user.id, Some(now))?;
        session::delete_for_user(conn, &user.id)?;
        Ok(())
    })?;
    Ok(())
}

pub fn enable(conn: &mut DbConn, name: &str) -> Result<(), AccountError> {
    let user = named(conn, name)?;
    user::set_disabled(conn, &user.id, None)?;
    Ok(())
}

/// The account a sign-in names, if it may sign in (exists, not disabled).
/// A short lookup: the password is checked afterwards, by
/// [`PasswordChecks`], holding no database connection.
pub fn find_for_sign_in(conn: &mut DbConn, name: &str) -> Result<Option<user::UserRow>, DbError> {
    Ok(UserName::parse(name)
        .ok()
        .map(|n| user::find_by_name(conn, n.as_str()))
        .transpose()?
        .flatten()
        .filter(|u| u.disabled_at.is_none()))
}

/// The account if the password is right. Runs argon2 either way, so a
/// wrong name takes as long as a wrong password. CPU only (about 20 ms).
pub fn check_password(found: Option<user::UserRow>, password: &str) -> Option<user::UserRow> {
    let stored = found
        .as_ref()
        .and_then(|u| u.password_hash.clone())
        .unwrap_or_else(|| account::dummy_password_hash().to_string());
    let ok = account::verify_password(password, &stored);
    found.filter(|u| ok && u.password_hash.is_some())
}

/// Password checks, a few at a time. argon2 is built to be slow and to use
/// memory; a burst of sign-ins must not take every core (or, as it once
/// did, every pooled database connection) from intake.
pub struct PasswordChecks {
    permits: tokio::sync::Semaphore,
}

/// How long a sign-in waits for a turn before it is told to retry.
const PASSWORD_CHECK_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    #[error("too many sign-ins at once")]
    Busy,
    #[error("the password check failed")]
    Failed,
}

impl PasswordChecks {
    /// At most `at_once` checks run together; more wait their turn.
    pub fn new(at_once: usize) -> Self {
        PasswordChecks {
            permits: tokio::sync::Semaphore::new(at_once.max(1)),
        }
    }

    pub async fn check(
        &self,
        found: Option<user::UserRow>,
        password: String,
    ) -> Result<Option<user::UserRow>, CheckError> {
        let _turn = tokio::time::timeout(PASSWORD_CHECK_WAIT, self.permits.acquire())
            .await
            .map_err(|_| CheckError::Busy)?
            .map_err(|_| CheckError::Failed)?;
        tokio::task::spawn_blocking(move || check_password(found, &password))
            .await
            .map_err(|_| CheckError::Failed)
    }
}

impl Default for PasswordChecks {
    /// Half the cores (at least one): the rest keep serving.
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Self::new(cores / 2)
    }
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
