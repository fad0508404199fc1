//! Dockets for request handlers, read through a short-lived cache.
//!
//! Every submission needs its docket; reading it from the database each
//! time would cost more than the rest of the check. A second of staleness
//! is harmless: an extension made with the CLI shows within that second.

use crate::db::models::docket;
use crate::db::{DbError, Pool};
use crate::domain::docket::Docket;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

const FRESH_FOR: Duration = Duration::from_secs(1);

/// When it was read, and the docket (or that there is none).
type Entry = (Instant, Option<Arc<Docket>>);

#[derive(Clone)]
pub struct DocketCache {
    pool: Pool,
    entries: Arc<RwLock<HashMap<String, Entry>>>,
}

impl DocketCache {
    pub fn new(pool: Pool) -> Self {
        DocketCache {
            pool,
            entries: Arc::default(),
        }
    }

    pub async fn get(&self, id: &str) -> Result<Option<Arc<Docket>>, DbError> {
        if let Some((at, d)) = self.entries.read().expect("cache lock").get(id) {
            if at.elapsed() < FRESH_FOR {
                return Ok(d.clone());
            }
        }
        let pool = self.pool.clone();
        let key = id.to_string();
        let found =
            actix_web::rt::task::spawn_blocking(move || docket::find(&mut *pool.get()?, &key))
                .await
                .map_err(|_| DbError::Config("docket lookup panicked"))??
                .map(Arc::new);
        let mut entries = self.entries.write().expect("cache lock");
        // Unknown ids are cached too (briefly), but the map may not grow
        // without bound from requests for made-up dockets.
        if entries.len() > 1000 {
            entries.clear();
        }
        entries.insert(id.to_string(), (Instant::now(), found.clone()));
        Ok(found)
    }

    /// Drops what is cached of `id`: this node just changed it.
    pub fn forget(&self, id: &str) {
        self.entries.write().expect("cache lock").remove(id);
    }

    pub async fn list(&self) -> Result<Vec<Docket>, DbError> {
        let pool = self.pool.clone();
        actix_web::rt::task::spawn_blocking(move || docket::list(&mut *pool.get()?))
            .await
            .map_err(|_| DbError::Config("docket list panicked"))?
    }
}
