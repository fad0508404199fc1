//! Building a whole index generation from the database: what `rfidesk
//! reindex` does, and what a server does when it finds no usable index.

use super::documents;
use super::layout::Layout;
use crate::db::models::{change_feed, comment};
use crate::db::{DbConn, DbError};
use rfidesk_indexer::{IndexError, SearchIndex};
use std::path::PathBuf;

/// Comments read from the database per query.
const PAGE: i64 = 2000;
/// The public index's indexing buffer (tantivy's least is 15 MB).
pub const PUBLIC_WRITER_MEMORY: usize = 16 << 20;

#[derive(Debug, thiserror::Error)]
pub enum RebuildError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    Index(#[from] IndexError),
    #[error("index directory: {0}")]
    Io(#[from] std::io::Error),
    #[error("the rebuild was stopped")]
    Cancelled,
}

/// Tells how far a rebuild is.
pub trait Progress {
    fn start(&mut self, total: u64);
    fn advance(&mut self, done: u64);
    fn finish(&mut self);
    /// Asked between pages: true abandons the rebuild (nothing is swapped in).
    fn cancelled(&self) -> bool {
        false
    }
}

pub struct Rebuilt {
    pub dir: PathBuf,
    pub seq: i64,
    pub documents: u64,
}

/// Indexes every comment into a new generation and makes it current.
///
/// The feed's head is read before the scan: every change up to it is in
/// what the scan reads, and changes after it are applied again by the
/// follower (as replacements, so nothing is doubled).
pub fn rebuild(
    conn: &mut DbConn,
    layout: &Layout,
    threads: usize,
    memory_bytes: usize,
    progress: &mut dyn Progress,
) -> Result<Rebuilt, RebuildError> {
    let head = change_feed::head(conn)?;
    let total = comment::count(conn)? as u64;
    progress.start(total);
    let building = layout.new_dir("building")?;
    let index = SearchIndex::open_or_create(&building)?;
    let mut writer = index.writer(threads, memory_bytes)?;
    // Few comments are public, and they are short: one thread, a small buffer.
    let public = SearchIndex::open_or_create(&Layout::public_of(&building))?;
    let mut public_writer = public.writer(1, PUBLIC_WRITER_MEMORY)?;
    let mut after = String::new();
    let mut done = 0u64;
    loop {
        if progress.cancelled() {
            drop(writer);
            drop(public_writer);
            let _ = std::fs::remove_dir_all(&building);
            return Err(RebuildError::Cancelled);
        }
        let last = documents::page(conn, &after, PAGE, |docs| {
            for doc in &docs {
                writer.add_new(&doc.private)?;
                if let Some(p) = &doc.public {
                    public_writer.add_new(p)?;
                }
            }
            done += docs.len() as u64;
            progress.advance(done);
            Ok::<_, RebuildError>(())
        })?;
        let Some(last) = last else { break };
        after = last;
    }
    // The public index first: a generation whose staff index has a
    // commit has a public one too.
    public_writer.commit(head)?;
    public_writer.finish()?;
    drop(public);
    writer.commit(head)?;
    writer.finish()?;
    drop(index);
    let dir = layout.promote(&building)?;
    layout.swap_to(&dir)?;
    progress.finish();
    Ok(Rebuilt {
        dir,
        seq: head,
        documents: done,
    })
}
