//! Where index generations live under the data directory:
//!
//! ```text
//! index/current -> gen-<id>     symlink to the generation in use
//! index/gen-<id>/               a complete index (the staff one)
//! index/gen-<id>/public/        its public index (reading_room)
//! index/building-<id>/          a rebuild in progress (reindex)
//! ```
//!
//! A rebuild writes a new generation beside the one being served and swaps
//! the symlink with one rename, which is atomic: a reader sees the old
//! generation or the new one, never a mixture.

use std::io;
use std::path::{Path, PathBuf};

pub struct Layout {
    root: PathBuf,
}

impl Layout {
    pub fn new(data_dir: &Path) -> Self {
        Layout {
            root: data_dir.join("index"),
        }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    fn current_link(&self) -> PathBuf {
        self.root.join("current")
    }

    /// The generation in use, if any.
    pub fn current(&self) -> Option<PathBuf> {
        let target = std::fs::read_link(self.current_link()).ok()?;
        let dir = self.root.join(target);
        dir.is_dir().then_some(dir)
    }

    /// The generation in use, creating an empty one if there is none (a
    /// first start, or someone deleted the index directory).
    pub fn current_or_new(&self) -> io::Result<PathBuf> {
        if let Some(dir) = self.current() {
            return Ok(dir);
        }
        let dir = self.new_dir("gen")?;
        self.swap_to(&dir)?;
        Ok(dir)
    }

    /// The public index of a generation (or of a rebuild): inside it, so
    /// that one rename swaps both and one removal drops both. Tantivy
    /// leaves alone what it did not write.
    pub fn public_of(generation: &Path) -> PathBuf {
        generation.join("public")
    }

    /// A fresh, empty directory named `<kind>-<id>`.
    pub fn new_dir(&self, kind: &str) -> io::Result<PathBuf> {
        std::fs::create_dir_all(&self.root)?;
        let dir = self
            .root
            .join(format!("{kind}-{}", uuid::Uuid::now_v7().simple()));
        std::fs::create_dir(&dir)?;
        Ok(dir)
    }

    /// Renames a finished `building-` directory to a generation.
    pub fn promote(&self, building: &Path) -> io::Result<PathBuf> {
        let name = building
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_prefix("building-"))
            .ok_or_else(|| io::Error::other("not a building directory"))?;
        let dir = self.root.join(format!("gen-{name}"));
        std::fs::rename(building, &dir)?;
        Ok(dir)
    }

    /// Points `current` at `dir` atomically (symlink, then rename over).
    pub fn swap_to(&self, dir: &Path) -> io::Result<()> {
        let name = dir
            .file_name()
            .ok_or_else(|| io::Error::other("index generation has no name"))?;
        let tmp = self
            .root
            .join(format!("current.tmp-{}", std::process::id()));
        let _ = std::fs::remove_file(&tmp);
        std::os::unix::fs::symlink(name, &tmp)?;
        std::fs::rename(&tmp, self.current_link())?;
        std::fs::File::open(&self.root)?.sync_all()?;
        Ok(())
    }

    /// Removes generations other than the current one (left by a swap the
    /// server did not see, or by a crash), and rebuilds abandoned a day ago.
    pub fn remove_stale(&self, keep: &Path) -> io::Result<usize> {
        let mut removed = 0;
        let Ok(entries) = std::fs::read_dir(&self.root) else {
            return Ok(0);
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            let stale = if name.starts_with("gen-") {
                path != keep
            } else if name.starts_with("building-") {
                entry
                    .metadata()
                    .and_then(|m| m.modified())
                    .ok()
                    .and_then(|t| t.elapsed().ok())
                    .is_some_and(|age| age.as_secs() > 24 * 3600)
            } else {
                false
            };
            if stale && std::fs::remove_dir_all(&path).is_ok() {
                removed += 1;
            }
        }
        Ok(removed)
    }
}
