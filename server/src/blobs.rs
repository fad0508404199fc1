//! Attachment bytes, stored once per content hash under the data directory.
//!
//! A file is streamed to `tmp/` and fsynced; only when the whole request is
//! valid is it renamed to `ab/abcdef...` (its SHA-256) and the directory
//! fsynced, all before the comment that names it is committed. So a 201
//! never points at bytes that are not on disk, and refused input leaves
//! nothing behind. The original file name is metadata in the database only:
//! no name a client sends ever reaches the file system.

use sha2::{Digest, Sha256};
use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};

#[derive(Clone)]
pub struct BlobStore {
    root: PathBuf,
}

/// A file being received: bytes go to disk as they arrive.
pub struct Upload {
    tmp: TmpFile,
    file: tokio::fs::File,
    hasher: Sha256,
    pub size: u64,
    /// The first bytes, kept to tell the file's type.
    pub head: Vec<u8>,
    pub has_nul: bool,
}

/// A complete upload, fsynced in `tmp/`, not yet part of the store.
#[derive(Debug)]
pub struct PendingBlob {
    tmp: TmpFile,
    pub sha256: String,
    pub size: u64,
}

/// A file in `tmp/` that is removed when dropped, unless taken.
#[derive(Debug)]
struct TmpFile(Option<PathBuf>);

impl TmpFile {
    fn take(&mut self) -> PathBuf {
        self.0.take().expect("temporary file taken once")
    }
}

impl Drop for TmpFile {
    fn drop(&mut self) {
        if let Some(path) = self.0.take() {
            let _ = fs::remove_file(path);
        }
    }
}

impl BlobStore {
    pub fn open(root: PathBuf) -> io::Result<Self> {
        fs::create_dir_all(root.join("tmp"))?;
        Ok(BlobStore { root })
    }

    pub fn path_of(&self, sha256: &str) -> PathBuf {
        self.root.join(&sha256[..2]).join(sha256)
    }

    pub async fn begin(&self) -> io::Result<Upload> {
        let path = self.root.join("tmp").join(uuid::Uuid::new_v4().to_string());
        let file = tokio::fs::File::create(&path).await?;
        Ok(Upload {
            tmp: TmpFile(Some(path)),
            file,
            hasher: Sha256::new(),
            size: 0,
            head: Vec::new(),
            has_nul: false,
        })
    }

    /// Moves a sealed upload to its place under its hash, durably.
    pub async fn keep(&self, mut blob: PendingBlob) -> io::Result<()> {
        let dest = self.path_of(&blob.sha256);
        let tmp = blob.tmp.take();
        tokio::task::spawn_blocking(move || -> io::Result<()> {
            let dir = dest.parent().expect("blob has a parent");
            fs::create_dir_all(dir)?;
            if dest.exists() {
                // Same bytes already stored (a re-sent file): keep the old copy.
                return fs::remove_file(&tmp);
            }
            fs::rename(&tmp, &dest)?;
            sync_dir(dir)
        })
        .await
        .map_err(io::Error::other)?
    }

    /// Removes what a crash left half-written. Only files untouched for an
    /// hour: nodes sharing one attachments volume may be receiving uploads.
    pub fn sweep_tmp(&self) -> io::Result<usize> {
        let cutoff = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
        let mut n = 0;
        for entry in fs::read_dir(self.root.join("tmp"))? {
            let entry = entry?;
            if entry.metadata()?.modified()? < cutoff {
                fs::remove_file(entry.path())?;
                n += 1;
            }
        }
        Ok(n)
    }
}

impl PendingBlob {
    /// Where the bytes are until `keep`, for checks that need the whole file.
    pub fn path(&self) -> &Path {
        self.tmp.0.as_deref().expect("not yet kept")
    }
}

impl Upload {
    pub async fn write(&mut self, chunk: &[u8]) -> io::Result<()> {
        use crate::domain::attachment::SNIFF_BYTES;
        use tokio::io::AsyncWriteExt;
        self.hasher.update(chunk);
        if self.head.len() < SNIFF_BYTES {
            let room = SNIFF_BYTES - self.head.len();
            self.head.extend_from_slice(&chunk[..chunk.len().min(room)]);
        }
        self.has_nul |= chunk.contains(&0);
        self.size += chunk.len() as u64;
        self.file.write_all(chunk).await
    }

    /// Flushes the bytes to disk and fixes the hash.
    pub async fn seal(self) -> io::Result<PendingBlob> {
        let Upload {
            tmp,
            mut file,
            hasher,
            size,
            ..
        } = self;
        use tokio::io::AsyncWriteExt;
        file.flush().await?;
        file.sync_all().await?;
        Ok(PendingBlob {
            tmp,
            sha256: hex::encode(hasher.finalize()),
            size,
        })
    }
}

fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, SystemTime};

    #[test]
    fn sweep_removes_only_abandoned_uploads() {
        let dir = tempfile::tempdir().unwrap();
        let store = BlobStore::open(dir.path().to_path_buf()).unwrap();
        let tmp = dir.path().join("tmp");
        std::fs::write(tmp.join("receiving-now"), b"part").unwrap();
        let old = File::create(tmp.join("left-by-a-crash")).unwrap();
        old.set_modified(SystemTime::now() - Duration::from_secs(2 * 3600))
            .unwrap();
        assert_eq!(store.sweep_tmp().unwrap(), 1);
        assert!(tmp.join("receiving-now").exists());
        assert!(!tmp.join("left-by-a-crash").exists());
    }
}
