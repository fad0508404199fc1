//! Codebook files on disk into the database (after the dockets they name).

use crate::analysis::codebook::{self, Loaded};
use crate::db::DbConn;
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
    codebook::load_file(conn, &text, now).with_context(|| format!("in {}", path.display()))
}

/// Loads every `*.toml` in `dir`. A missing directory is not an error (a
/// deployment may keep its codebooks in the database only); a bad file is.
pub fn load_dir(conn: &mut DbConn, dir: &Path, now: DateTime<Utc>) -> anyhow::Result<usize> {
    if !dir.is_dir() {
        tracing::info!(dir = %dir.display(), "no codebook directory; none loaded");
        return Ok(0);
    }
    let mut paths: Vec<_> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    paths.sort();
    for path in &paths {
        let (docket, loaded) = load_file(conn, path, now)?;
        tracing::info!(docket = %docket, ?loaded, "codebook file loaded");
    }
    Ok(paths.len())
}
