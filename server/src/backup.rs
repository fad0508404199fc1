//! `rfidesk backup DIR` and `rfidesk restore DIR`: a node's database and
//! attachments, copied while it serves, and put back into an empty data
//! directory (and, with PostgreSQL, an empty database).
//!
//! A backup directory holds `database.sqlite3` (SQLite's `VACUUM INTO`, a
//! consistent snapshot) or `database.pgdump` (`pg_dump --format=custom`,
//! also one snapshot), `attachments/` as in the data directory, and
//! `BACKUP.txt`, written last: a directory without it is not a backup.
//! The database is copied first and the files after: every file a
//! comment in the copy names was stored before the comment was committed,
//! and files are never changed or removed, so the copy finds them all.
//! Files are named by their content, so backing up into the same
//! directory again copies only the new ones.
//!
//! The search index is not backed up: a node rebuilds it from the database
//! when it starts without one.

use crate::db::{snapshot, DatabaseUrl, DbConn};
use crate::settings::StoreArgs;
use anyhow::{bail, Context};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

const MANIFEST: &str = "BACKUP.txt";
const SQLITE_COPY: &str = "database.sqlite3";
const PG_DUMP: &str = "database.pgdump";

/// What a backup or a restore did.
#[derive(Debug, Default)]
pub struct Copied {
    pub database_bytes: u64,
    pub files_copied: u64,
    pub files_present: u64,
}

fn url(store: &StoreArgs) -> DatabaseUrl {
    DatabaseUrl::from_env_value(store.database_url.as_deref(), &store.data_dir)
}

/// Copies the database, then the attachments, into `dest`.
pub fn backup(store: &StoreArgs, dest: &Path) -> anyhow::Result<Copied> {
    fs::create_dir_all(dest).with_context(|| format!("creating {}", dest.display()))?;
    // An earlier backup here is replaced only once this one is whole.
    let _ = fs::remove_file(dest.join(MANIFEST));
    let mut copied = Copied::default();
    let (kind, file) = match url(store) {
        DatabaseUrl::Sqlite(_) => {
            let tmp = dest.join(format!("{SQLITE_COPY}.partial"));
            let _ = fs::remove_file(&tmp);
            let mut conn = url(store).connect()?;
            snapshot::sqlite_copy(&mut conn, &tmp).context("copying the SQLite database")?;
            fs::rename(&tmp, dest.join(SQLITE_COPY))?;
            ("sqlite", SQLITE_COPY)
        }
        DatabaseUrl::Postgres(url) => {
            let tmp = dest.join(format!("{PG_DUMP}.partial"));
            run(Command::new("pg_dump")
                .arg("--format=custom")
                .arg("--no-owner")
                .arg("--file")
                .arg(&tmp)
                .arg("--dbname")
                .arg(&url))
            .context("pg_dump (PostgreSQL's client tools must be installed)")?;
            fs::rename(&tmp, dest.join(PG_DUMP))?;
            ("postgres", PG_DUMP)
        }
    };
    copied.database_bytes = fs::metadata(dest.join(file))?.len();
    copy_files(
        &store.attachments_dir(),
        &dest.join("attachments"),
        &mut copied,
    )?;
    fs::write(
        dest.join(MANIFEST),
        format!(
            "RFI Desk backup\nmade: {}\ndatabase: {kind} ({file}, {} bytes)\nattachments: {} files\n\
             restore: rfidesk restore {}\n",
            chrono::Utc::now().to_rfc3339(),
            copied.database_bytes,
            copied.files_copied + copied.files_present,
            dest.display()
        ),
    )?;
    Ok(copied)
}

/// Puts a backup back: its files into the attachments directory, then
/// its database, which must be missing (SQLite) or hold no tables
/// (PostgreSQL). The backup must be of the same kind of database.
pub fn restore(store: &StoreArgs, src: &Path) -> anyhow::Result<Copied> {
    if !src.join(MANIFEST).is_file() {
        bail!("{} holds no complete backup (no {MANIFEST})", src.display());
    }
    let mut copied = Copied::default();
    match url(store) {
        DatabaseUrl::Sqlite(path) => {
            let from = src.join(SQLITE_COPY);
            if !from.is_file() {
                bail!("this backup is not of a SQLite database (no {SQLITE_COPY})");
            }
            if path.exists() {
                bail!(
                    "{} exists: restore into an empty data directory",
                    path.display()
                );
            }
            fs::create_dir_all(&store.data_dir)?;
            copy_files(
                &src.join("attachments"),
                &store.attachments_dir(),
                &mut copied,
            )?;
            // The database last, and whole or not at all.
            copy_whole(&from, &path)?;
            copied.database_bytes = fs::metadata(&path)?.len();
        }
        DatabaseUrl::Postgres(url) => {
            let from = src.join(PG_DUMP);
            if !from.is_file() {
                bail!("this backup is not of a PostgreSQL database (no {PG_DUMP})");
            }
            let mut conn: DbConn = DatabaseUrl::Postgres(url.clone()).connect()?;
            if snapshot::table_count(&mut conn)? > 0 {
                bail!("the database has tables already: restore into an empty database");
            }
            drop(conn);
            fs::create_dir_all(&store.data_dir)?;
            copy_files(
                &src.join("attachments"),
                &store.attachments_dir(),
                &mut copied,
            )?;
            run(Command::new("pg_restore")
                .arg("--no-owner")
                .arg("--single-transaction")
                .arg("--exit-on-error")
                .arg("--dbname")
                .arg(&url)
                .arg(&from))
            .context("pg_restore (PostgreSQL's client tools must be installed)")?;
            copied.database_bytes = fs::metadata(&from)?.len();
        }
    }
    Ok(copied)
}

fn run(command: &mut Command) -> anyhow::Result<()> {
    let out = command.output()?;
    if !out.status.success() {
        bail!(
            "{} failed: {}",
            command.get_program().to_string_lossy(),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(())
}

/// Copies a file through a temporary name beside `to`, synced, so that a
/// copy cut short leaves no truncated file under the real name.
fn copy_whole(from: &Path, to: &Path) -> anyhow::Result<()> {
    let mut tmp = to.as_os_str().to_owned();
    tmp.push(".partial");
    fs::copy(from, &tmp).with_context(|| format!("copying {}", from.display()))?;
    fs::File::open(&tmp)?.sync_all()?;
    fs::rename(&tmp, to)?;
    Ok(())
}

/// Copies `from/ab/<sha256>` files to `to/ab/<sha256>`, skipping those
/// already there at full size (content-addressed: same name, same bytes).
/// Unfinished uploads (`tmp/`) are not copied.
fn copy_files(from: &Path, to: &Path, copied: &mut Copied) -> anyhow::Result<()> {
    if !from.is_dir() {
        return Ok(());
    }
    for shard in fs::read_dir(from)? {
        let shard = shard?;
        let name = shard.file_name();
        let name = name.to_string_lossy();
        if name.len() != 2 || !shard.file_type()?.is_dir() {
            continue;
        }
        let target_dir: PathBuf = to.join(&*name);
        fs::create_dir_all(&target_dir)?;
        for file in fs::read_dir(shard.path())? {
            let file = file?;
            let target = target_dir.join(file.file_name());
            let size = file.metadata()?.len();
            if fs::metadata(&target).is_ok_and(|m| m.len() == size) {
                copied.files_present += 1;
                continue;
            }
            copy_whole(&file.path(), &target)?;
            copied.files_copied += 1;
        }
    }
    Ok(())
}
