//! Safe retries for creating requests: a caller sends an `Idempotency-Key`
//! header (any 1–255 visible ASCII characters, e.g. a UUID) and the same
//! request with the same key, within 24 hours, creates nothing new: it gets
//! what the first one created. A key reused for a different request is
//! refused, so a bug cannot silently drop a request.
//!
//! A request first claims its key (one conditional write, with a lease);
//! the same request arriving meanwhile waits for the first one's result
//! instead of doing the work again. The result is written in the same
//! transaction as what it records, so "created" and "remembered" are one
//! fact; a request that crashed holding a claim loses it when the lease
//! runs out. Keys are scoped to the caller and stored only as a digest.

use time::Duration;

use crate::domain::Actor;
use crate::secret::digest;
use crate::store::{Condition, Item, StoreError, Write, model};
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
    /// This request's claim on the key, once it has one.
    claim: String,
}

/// What a request that may be a retry did: its work now, or the answer of
/// the earlier request with the same key (shown as things are now).
#[derive(Debug, Clone, PartialEq)]
pub enum Once<T> {
    Created(T),
    Replayed(T),
}

impl<T> Once<T> {
    pub fn replayed(&self) -> bool {
        matches!(self, Self::Replayed(_))
    }

    pub fn value(&self) -> &T {
        match self {
            Self::Created(value) | Self::Replayed(value) => value,
        }
    }

    pub fn into_value(self) -> T {
        match self {
            Self::Created(value) | Self::Replayed(value) => value,
        }
    }
}

/// Why once-only work did not finish.
#[derive(Debug)]
pub enum Failed {
    /// Its transaction failed on the key's record: this request ran past
    /// its lease and another took the key over.
    ClaimLost,
    Error(Error),
}

impl From<Error> for Failed {
    fn from(err: Error) -> Self {
        Self::Error(err)
    }
}

impl From<StoreError> for Failed {
    fn from(err: StoreError) -> Self {
        Self::Error(err.into())
    }
}

/// The one way a request is done at most once per key: claim the key
/// (when the caller sent one); a key already done answers with `replay` of
/// what its request recorded; otherwise `work` runs, given the key to put
/// [`RequestKey::record`] in its transaction. A claim lost meanwhile
/// replays what the taker created; any other failure frees the key, so a
/// retry need not wait for the lease. Without a key, `work` just runs.
pub async fn once<T, Work, WorkFuture, Replay, ReplayFuture>(
    app: &App,
    key: Option<RequestKey>,
    work: Work,
    replay: Replay,
) -> Result<Once<T>>
where
    Work: FnOnce(Option<RequestKey>) -> WorkFuture,
    WorkFuture: std::future::Future<Output = std::result::Result<T, Failed>>,
    Replay: FnOnce(String) -> ReplayFuture,
    ReplayFuture: std::future::Future<Output = Result<T>>,
{
    let Some(mut key) = key else {
        return match work(None).await {
            Ok(value) => Ok(Once::Created(value)),
            Err(Failed::Error(err)) => Err(err),
            Err(Failed::ClaimLost) => Err(Error::Internal("a claim was lost without a key".into())),
        };
    };
    if let Claim::Done(result) = key.claim(app).await? {
        return Ok(Once::Replayed(replay(result).await?));
    }
    match work(Some(key.clone())).await {
        Ok(value) => Ok(Once::Created(value)),
        Err(Failed::ClaimLost) => {
            let result = key.result_of_takeover(app).await?;
            Ok(Once::Replayed(replay(result).await?))
        }
        Err(Failed::Error(err)) => {
            key.release(app).await;
            Err(err)
        }
    }
}

/// What claiming a key found.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Claim {
    /// The key is this request's: do the work, and store [`RequestKey::record`]
    /// in its transaction (or [`RequestKey::release`] the key if it fails).
    Fresh,
    /// The same request came before and its work is stored: here is what it created.
    Done(String),
}

/// How long a claim keeps a key from others while its work runs; a claim
/// older than this (its request crashed) can be taken over.
pub const LEASE: Duration = Duration::seconds(30);
/// How long a request waits for a claim held by the same request sent at
/// the same moment before it answers "in progress" (retrying then helps).
const WAIT_FOR_CLAIM: std::time::Duration = std::time::Duration::from_millis(2_500);

fn in_progress() -> Error {
    Error::Conflict("a request with this Idempotency-Key is in progress; retry in a moment".into())
}

impl RequestKey {
    /// The key `key` sent by `actor` for `operation` with a request whose
    /// body is `body` (the API edge reads both from the request).
    pub fn new(actor: &Actor, operation: &str, key: &str, body: &[u8]) -> Result<Self> {
        Self::of_caller(actor.user().as_str(), operation, key, body)
    }

    /// The same for a caller with no account yet: a mail's sender
    /// (`mail:<address>`), whose request opens a guest ticket.
    pub fn of_caller(caller: &str, operation: &str, key: &str, body: &[u8]) -> Result<Self> {
        if !((1..=255).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_graphic())) {
            return Err(Error::invalid(
                "Idempotency-Key",
                "must be 1 to 255 visible ASCII characters, such as a UUID",
            ));
        }
        Ok(Self {
            id: digest(&format!("{caller}\n{operation}\n{key}")),
            fingerprint: digest(&String::from_utf8_lossy(body)),
            claim: String::new(),
        })
    }

    fn record_of(&self, app: &App, result: Option<&str>) -> Item {
        let now = app.clock.now();
        model::idempotency_item(
            &self.id,
            &model::IdempotencyRecord {
                fingerprint: self.fingerprint.clone(),
                // A finished record is nobody's claim: a release after work
                // that did commit (its answer lost) cannot delete it.
                claim: match result {
                    Some(_) => model::IDEMPOTENCY_DONE.to_owned(),
                    None => self.claim.clone(),
                },
                lease_until: (now + LEASE).unix_timestamp(),
                result: result.map(str::to_owned),
                expires_at: (now + LIFETIME).unix_timestamp(),
            },
        )
    }

    /// Claims the key before any work, so of the same request sent several
    /// times at once exactly one does the work (and draws, say, a ticket
    /// number) while the others wait for its result. One conditional write
    /// when the key is new.
    async fn claim(&mut self, app: &App) -> Result<Claim> {
        let started = std::time::Instant::now();
        let mut round = 0u64;
        loop {
            if round > 0 {
                // Every way round waits a little, and not past the deadline.
                if started.elapsed() >= WAIT_FOR_CLAIM {
                    return Err(in_progress());
                }
                tokio::time::sleep(std::time::Duration::from_millis(20 * round.min(10))).await;
            }
            round += 1;
            self.claim = app.ids.new_id();
            let fresh = self.record_of(app, None);
            let claimed = app
                .store
                .write(Write::Put {
                    item: fresh.clone(),
                    condition: Some(Condition::NotExists),
                })
                .await;
            match claimed {
                Ok(()) => return Ok(Claim::Fresh),
                Err(StoreError::ConditionFailed) => {}
                Err(err) => return Err(err.into()),
            }
            let condition = match app.store.get(&model::idempotency_key(&self.id)).await? {
                // Released meanwhile: claim it afresh.
                None => continue,
                Some(existing) => {
                    let now = app.clock.now().unix_timestamp();
                    let record = model::idempotency_from_item(&existing)?;
                    if record.expires_at <= now {
                        // TTL deletion lags; an expired record no longer counts.
                        Condition::Equals(crate::store::EXPIRES_AT.into(), record.expires_at.into())
                    } else if record.fingerprint != self.fingerprint {
                        return Err(Error::invalid(
                            "Idempotency-Key",
                            "this key was already used for a different request; send a new key for a new request",
                        ));
                    } else if let Some(result) = record.result {
                        return Ok(Claim::Done(result));
                    } else if record.lease_until <= now {
                        // Its request died with the key claimed: take it over.
                        Condition::Equals("claim".into(), record.claim.into())
                    } else {
                        // The same request is at work right now: wait for it.
                        continue;
                    }
                }
            };
            match app
                .store
                .write(Write::Put {
                    item: fresh,
                    condition: Some(condition),
                })
                .await
            {
                Ok(()) => return Ok(Claim::Fresh),
                // Someone else took it over first: look again.
                Err(StoreError::ConditionFailed) => continue,
                Err(err) => return Err(err.into()),
            }
        }
    }

    /// The write that stores `result` under this key, in the transaction of
    /// the work; it fails the transaction if this request lost its claim.
    pub fn record(&self, app: &App, result: &str) -> Write {
        Write::Put {
            item: self.record_of(app, Some(result)),
            condition: Some(Condition::Equals("claim".into(), self.claim.clone().into())),
        }
    }

    /// After the work failed: frees the key at once, so a retry need not
    /// wait for the lease (best effort: the lease runs out anyway).
    async fn release(&self, app: &App) {
        let released = app
            .store
            .write(Write::Delete {
                key: model::idempotency_key(&self.id),
                condition: Some(Condition::Equals("claim".into(), self.claim.clone().into())),
            })
            .await;
        if let Err(err) = released {
            tracing::warn!(error = %err, "could not release an idempotency claim; its lease will run out");
        }
    }

    /// Whether another request holds or finished this key now: this one ran
    /// past its lease and was taken over (one GetItem, on failures only).
    pub async fn claim_lost(&self, app: &App) -> Result<bool> {
        Ok(match app.store.get(&model::idempotency_key(&self.id)).await? {
            Some(item) => model::idempotency_from_item(&item)?.claim != self.claim,
            None => false,
        })
    }

    /// After the work's transaction failed on this key's record: the claim
    /// was taken over (this request ran past its lease); what did the
    /// request that took it create?
    async fn result_of_takeover(&mut self, app: &App) -> Result<String> {
        match self.claim(app).await? {
            Claim::Done(result) => Ok(result),
            // Freed again meanwhile: nothing was created under the key.
            Claim::Fresh => {
                self.release(app).await;
                Err(in_progress())
            }
        }
    }
}
