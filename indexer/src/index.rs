//! Opening, writing and committing the index. A commit carries, in its
//! payload, the last change-feed sequence it contains: the one number a
//! follower needs to resume after a crash with no gap and no double.

use crate::document::CommentDoc;
use crate::schema::CommentSchema;
use serde::{Deserialize, Serialize};
use std::path::Path;
use tantivy::directory::MmapDirectory;
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, Term};

/// Bumped whenever the schema or the document building changes: an index
/// written by another version is rebuilt rather than searched.
pub const SCHEMA_VERSION: u32 = 12;

#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    #[error("tantivy: {0}")]
    Tantivy(#[from] tantivy::TantivyError),
    #[error("index directory: {0}")]
    Io(#[from] std::io::Error),
    #[error("index directory: {0}")]
    Directory(#[from] tantivy::directory::error::OpenDirectoryError),
}

/// What a commit records besides the documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommitPoint {
    /// Last change-feed sequence applied.
    pub seq: i64,
    pub schema: u32,
}

/// An open index and its reader.
#[derive(Clone)]
pub struct SearchIndex {
    pub(crate) index: Index,
    pub(crate) reader: IndexReader,
    pub(crate) schema: CommentSchema,
    /// Whole-match passes' answers, per searcher generation.
    pub(crate) passes: std::sync::Arc<crate::pass_cache::Passes>,
}

impl SearchIndex {
    /// Opens the index in `dir`, or creates an empty one there. An index of
    /// another schema version comes back as `None` from [`Self::commit_point`].
    pub fn open_or_create(dir: &Path) -> Result<Self, IndexError> {
        std::fs::create_dir_all(dir)?;
        let schema = CommentSchema::new();
        let directory = MmapDirectory::open(dir)?;
        let index = if Index::exists(&directory).map_err(tantivy::TantivyError::from)? {
            Index::open(directory)?
        } else {
            Index::create(
                directory,
                schema.schema.clone(),
                tantivy::IndexSettings::default(),
            )?
        };
        // Segments are searched in parallel: a query matching most of a
        // million comments is counted on every core.
        let mut index = index;
        index.set_default_multithread_executor()?;
        // English stemming with a cache: see analyzer.rs.
        index.tokenizers().register(
            crate::analyzer::TEXT_ANALYZER,
            crate::analyzer::text_analyzer(),
        );
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        Ok(SearchIndex {
            index,
            reader,
            schema,
            passes: Default::default(),
        })
    }

    pub fn schema(&self) -> &CommentSchema {
        &self.schema
    }

    /// The last commit's point, if this index has one of the current schema.
    pub fn commit_point(&self) -> Result<Option<CommitPoint>, IndexError> {
        if self.index.schema() != self.schema.schema {
            return Ok(None);
        }
        let metas = self.index.load_metas()?;
        Ok(metas
            .payload
            .as_deref()
            .and_then(|p| serde_json::from_str::<CommitPoint>(p).ok())
            .filter(|p| p.schema == SCHEMA_VERSION))
    }

    /// Documents visible to searches now.
    pub fn num_docs(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// Makes the last commit visible to searches.
    pub fn reload(&self) -> Result<(), IndexError> {
        Ok(self.reader.reload()?)
    }

    /// The only writer of this index (tantivy locks the directory).
    /// `threads` indexing threads share `memory_bytes` of buffer.
    pub fn writer(&self, threads: usize, memory_bytes: usize) -> Result<Writer, IndexError> {
        let writer = self.index.writer_with_num_threads(threads, memory_bytes)?;
        Ok(Writer {
            writer,
            schema: self.schema.clone(),
            pending: 0,
        })
    }
}

/// Adds, replaces and commits documents.
pub struct Writer {
    writer: IndexWriter,
    schema: CommentSchema,
    pending: usize,
}

impl Writer {
    /// Adds the comment, replacing any earlier document of the same id:
    /// replaying a change twice leaves one document.
    pub fn upsert(&mut self, doc: &CommentDoc) -> Result<(), IndexError> {
        self.writer
            .delete_term(Term::from_field_text(self.schema.id, &doc.id));
        self.writer.add_document(doc.to_document(&self.schema))?;
        self.pending += 1;
        Ok(())
    }

    /// Adds a comment known not to be in the index (a rebuild from empty).
    pub fn add_new(&mut self, doc: &CommentDoc) -> Result<(), IndexError> {
        self.writer.add_document(doc.to_document(&self.schema))?;
        self.pending += 1;
        Ok(())
    }

    pub fn delete(&mut self, id: &str) {
        self.writer
            .delete_term(Term::from_field_text(self.schema.id, id));
        self.pending += 1;
    }

    /// Documents changed since the last commit.
    pub fn pending(&self) -> usize {
        self.pending
    }

    /// Commits everything added so far, recording `seq` as applied.
    pub fn commit(&mut self, seq: i64) -> Result<(), IndexError> {
        let point = CommitPoint {
            seq,
            schema: SCHEMA_VERSION,
        };
        let mut prepared = self.writer.prepare_commit()?;
        prepared.set_payload(&serde_json::to_string(&point).expect("plain struct"));
        prepared.commit()?;
        self.pending = 0;
        Ok(())
    }

    /// Waits for background merges, so the directory can be handed over.
    pub fn finish(self) -> Result<(), IndexError> {
        Ok(self.writer.wait_merging_threads()?)
    }
}
