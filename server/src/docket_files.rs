//! Docket files on disk into the database.

use crate::db::models::docket::{self, Loaded};
use crate::db::DbConn;
use crate::domain::docket::DocketFile;
use anyhow::Context;
use chrono::{DateTime, Utc};
use std::path::Path;

pub fn load_file(
    conn: &mut DbConn,
    path: &Path,
    now: DateTime<Utc>,
) -> anyhow::Result<(String, Loaded)> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let file = DocketFile::from_toml(&text).with_context(|| format!("in {}", path.display()))?;
    let docket = file.into_docket()?;
    let loaded = docket::upsert_from_file(conn, &docket, now)?;
    Ok((docket.id, loaded))
}

/// Loads every `*.toml` in `dir`. A missing directory is not an error (a
/// deployment may manage dockets with `rfidesk docket load` only); a bad
/// file is, so a typo never silently drops a docket.
pub fn load_dir(conn: &mut DbConn, dir: &Path, now: DateTime<Utc>) -> anyhow::Result<usize> {
    if !dir.is_dir() {
        tracing::warn!(dir = %dir.display(), "docket directory not found; no docket files loaded");
        return Ok(0);
    }
    let mut paths: Vec<_> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    paths.sort();
    for path in &paths {
        let (id, loaded) = load_file(conn, path, now)?;
        tracing::info!(docket = %id, ?loaded, "docket file loaded");
    }
    Ok(paths.len())
}
