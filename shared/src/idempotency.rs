//! Safe retries for creating requests: a caller sends an `Idempotency-Key`
//! header (any 1–255 visible ASCII characters, e.g. a UUID) and the same
//! request with the same key, within 24 hours, creates nothing new: it gets
//! what the first one created. A key reused for a different request is
//! refused, so a bug cannot silently drop a request.
//!
//! The record is written in the same transaction as what it records, so
//! "created" and "remembered" are one fact. Keys are scoped to the caller
//! and stored only as a digest.

use lambda_http::Request;
use time::Duration;

use crate::auth::Actor;
use crate::secret::digest;
use crate::store::{Condition, Item, Write, model};
use crate::{App, Error, Result};

pub const HEADER: &str = "idempotency-key";

/// How long a key is remembered (the store's TTL removes it after).
pub const LIFETIME: Duration = Duration::hours(24);

/// A key as sent by one caller, with the fingerprint of the request it came with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestKey {
    /// Digest of the caller's id, the operation and the key.
    id: String,
    /// Digest of the request body: the same key must come with the same request.
    fingerprint: String,
    /// An expired record still stored (TTL deletion lags), to be replaced.
    expired_at: Option<i64>,
}

/// What a key's first request created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Remembered {
    /// The key is new: go ahead, and write [`RequestKey::record`] with the result.
    New,
    /// The same request came before: here is what it created.
    Replay(String),
}

impl RequestKey {
    /// The key of `req` for `operation` by `actor`, if the header is present.
    pub fn of(req: &Request, actor: &Actor, operation: &str) -> Result<Option<Self>> {
        let Some(value) = req.headers().get(HEADER) else {
            return Ok(None);
        };
        let key = value
            .to_str()
            .ok()
            .filter(|k| (1..=255).contains(&k.len()) && k.bytes().all(|b| b.is_ascii_graphic()))
            .ok_or_else(|| {
                Error::invalid(
                    "Idempotency-Key",
                    "must be 1 to 255 visible ASCII characters, such as a UUID",
                )
            })?;
        Ok(Some(Self {
            id: digest(&format!("{}\n{operation}\n{key}", actor.user())),
            fingerprint: digest(&String::from_utf8_lossy(crate::api::body_bytes(req))),
            expired_at: None,
        }))
    }

    /// Whether this key was used before, and for what.
    pub async fn recall(&mut self, app: &App) -> Result<Remembered> {
        let Some(item) = app.store.get(&model::idempotency_key(&self.id)).await? else {
            return Ok(Remembered::New);
        };
        let (fingerprint, result, expires_at) = model::idempotency_from_item(&item)?;
        if expires_at <= app.clock.now().unix_timestamp() {
            // TTL deletion lags; an expired record no longer counts.
            self.expired_at = Some(expires_at);
            return Ok(Remembered::New);
        }
        if fingerprint != self.fingerprint {
            return Err(Error::invalid(
                "Idempotency-Key",
                "this key was already used for a different request; send a new key for a new request",
            ));
        }
        Ok(Remembered::Replay(result))
    }

    /// After the creating transaction failed on a conflict: what a request
    /// with the same key, sent at the same moment, created — looking a few
    /// times, as its transaction may still be landing. `None`: nothing did.
    pub async fn recall_after_conflict(&mut self, app: &App) -> Result<Option<String>> {
        for attempt in 0..3u64 {
            if attempt > 0 {
                tokio::time::sleep(std::time::Duration::from_millis(50 * attempt)).await;
            }
            if let Remembered::Replay(result) = self.recall(app).await? {
                return Ok(Some(result));
            }
        }
        Ok(None)
    }

    /// The write that remembers `result` under this key; it fails the
    /// transaction if a concurrent request with the same key won.
    pub fn record(&self, app: &App, result: &str) -> Write {
        let expires_at = (app.clock.now() + LIFETIME).unix_timestamp();
        let item: Item = model::idempotency_item(&self.id, &self.fingerprint, result, expires_at);
        let condition = match self.expired_at {
            // Replaces exactly the expired record it read.
            Some(at) => Condition::Equals("expires_at".into(), at.into()),
            None => Condition::NotExists,
        };
        Write::Put {
            item,
            condition: Some(condition),
        }
    }
}
