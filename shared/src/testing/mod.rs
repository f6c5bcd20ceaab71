//! Fixtures for tests of this crate's users: an [`App`] over any store with
//! a hand-moved clock, and tokens for any actor.

use std::sync::Arc;

use time::OffsetDateTime;
use time::macros::datetime;

use crate::App;
use crate::app::{Adapters, Settings};
use crate::auth::tokens::{TokenKeys, TokenSettings};
use crate::blobs::local::LocalBlobStore;
use crate::clock::ManualClock;
use crate::domain::{Actor, OrganizationId, UserId};
use crate::ids::{IdGenerator, UuidV7};
use crate::mail::MemoryMailer;
use crate::secret::{Secret, Secrets};
use crate::store::ItemStore;

/// The instant tests start at, unless they move the clock.
pub const T0: OffsetDateTime = datetime!(2026-11-22 09:30:00 UTC);

pub fn token_settings() -> TokenSettings {
    TokenSettings {
        issuer: "servicedesk".into(),
        audience: "servicedesk-api".into(),
    }
}

pub const PUBLIC_URL: &str = "https://desk.example";

pub fn settings() -> Settings {
    Settings {
        tokens: token_settings(),
        public_url: PUBLIC_URL.into(),
        support_email: crate::domain::Email::parse(SUPPORT_EMAIL).expect("valid"),
        delivery_lease: crate::app::DELIVERY_LEASE,
        reply_address: None,
    }
}

/// Where replies by email go in tests that turn email in on.
pub const REPLY_ADDRESS: &str = "reply@inbound.desk.example";

/// Where customer-side changes of unassigned tickets go in tests.
pub const SUPPORT_EMAIL: &str = "support@desk.example";

/// An app over `store`, with its clock, the secret it signs with and the
/// mailbox its mail lands in.
pub struct TestApp {
    pub app: App,
    pub clock: Arc<ManualClock>,
    pub secret: Secret,
    pub mail: Arc<MemoryMailer>,
    /// Files in a fresh temporary folder; URLs point at [`PUBLIC_URL`].
    pub blobs: Arc<LocalBlobStore>,
}

pub fn test_app(store: Arc<dyn ItemStore>) -> TestApp {
    let clock = Arc::new(ManualClock::new(T0));
    let secret = Secret::generate();
    let mail = Arc::new(MemoryMailer::default());
    let folder = std::env::temp_dir().join(format!("servicedesk-blobs-{}", UuidV7.new_id()));
    let blobs = Arc::new(LocalBlobStore::new(folder, PUBLIC_URL, &secret));
    let app = App::new(
        Adapters {
            store,
            mailer: mail.clone(),
            clock: clock.clone(),
            ids: Arc::new(UuidV7),
            blobs: blobs.clone(),
        },
        &Secrets::single(secret.clone()),
        settings(),
    );
    TestApp {
        app,
        clock,
        secret,
        mail,
        blobs,
    }
}

/// An app over `store`, its clock, and the secret it signs with.
pub fn app(store: Arc<dyn ItemStore>) -> (App, Arc<ManualClock>, Secret) {
    let t = test_app(store);
    (t.app, t.clock, t.secret)
}

pub fn customer(user: &str, organization: &str) -> Actor {
    Actor::Customer {
        user: UserId::parse(user).expect("valid test user id"),
        organization: OrganizationId::parse(organization).expect("valid test organization id"),
    }
}

pub fn agent(user: &str) -> Actor {
    Actor::Agent {
        user: UserId::parse(user).expect("valid test user id"),
    }
}

/// A valid access token for `actor`, as the app issues them.
pub fn token(app: &App, actor: &Actor) -> String {
    app.keys()
        .expect("a test app has the secret")
        .tokens
        .issue(actor, app.clock.now(), TokenKeys::LIFETIME)
        .expect("tokens are for account holders")
}

/// A store wrapper that counts the requests reaching the backend, so tests
/// can hold each use case to its round-trip budget; and, given a latency,
/// waits before each request as a store far away would, so requests sent
/// at once overlap in every step (a read-then-write race that a fast local
/// store hides shows up).
pub struct CountingStore {
    inner: Arc<dyn ItemStore>,
    calls: std::sync::atomic::AtomicUsize,
    latency: std::time::Duration,
    failing_transactions: std::sync::atomic::AtomicUsize,
    before_next_transaction: std::sync::Mutex<Option<crate::store::Write>>,
}

impl CountingStore {
    pub fn new(inner: Arc<dyn ItemStore>) -> Self {
        Self {
            inner,
            calls: std::sync::atomic::AtomicUsize::new(0),
            latency: std::time::Duration::ZERO,
            failing_transactions: std::sync::atomic::AtomicUsize::new(0),
            before_next_transaction: std::sync::Mutex::new(None),
        }
    }

    /// Another request's `write` lands just before the next transaction
    /// (say, a takeover of the key the transaction's request claimed).
    pub fn write_before_next_transaction(&self, write: crate::store::Write) {
        *self
            .before_next_transaction
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = Some(write);
    }

    /// The next `n` transactions fail as if the backend were unavailable,
    /// writing nothing (the other requests go through).
    pub fn fail_next_transactions(&self, n: usize) {
        self.failing_transactions
            .store(n, std::sync::atomic::Ordering::SeqCst);
    }

    /// Every request waits this long before it reaches the backend.
    pub fn with_latency(mut self, latency: std::time::Duration) -> Self {
        self.latency = latency;
        self
    }

    /// Requests since the last call to `take`.
    pub fn take(&self) -> usize {
        self.calls.swap(0, std::sync::atomic::Ordering::SeqCst)
    }

    async fn count(&self) {
        self.count_many(1).await;
    }

    async fn count_many(&self, requests: usize) {
        self.calls
            .fetch_add(requests, std::sync::atomic::Ordering::SeqCst);
        if !self.latency.is_zero() {
            tokio::time::sleep(self.latency).await;
        }
    }
}

#[async_trait::async_trait]
impl ItemStore for CountingStore {
    async fn get(
        &self,
        key: &crate::store::Key,
    ) -> Result<Option<crate::store::Item>, crate::store::StoreError> {
        self.count().await;
        self.inner.get(key).await
    }

    async fn get_many(
        &self,
        keys: &[crate::store::Key],
    ) -> Result<Vec<crate::store::Item>, crate::store::StoreError> {
        // One BatchGetItem per 100 distinct keys.
        let distinct = keys.iter().collect::<std::collections::BTreeSet<_>>().len();
        self.count_many(distinct.div_ceil(100)).await;
        self.inner.get_many(keys).await
    }

    async fn write(&self, write: crate::store::Write) -> Result<(), crate::store::StoreError> {
        self.count().await;
        self.inner.write(write).await
    }

    async fn transact(&self, writes: Vec<crate::store::Write>) -> Result<(), crate::store::StoreError> {
        use std::sync::atomic::Ordering;
        self.count().await;
        if self
            .failing_transactions
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok()
        {
            return Err(crate::store::StoreError::Unavailable("injected failure".into()));
        }
        let meanwhile = self
            .before_next_transaction
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        if let Some(write) = meanwhile {
            self.inner.write(write).await?;
        }
        self.inner.transact(writes).await
    }

    async fn increment(
        &self,
        key: &crate::store::Key,
        attribute: &str,
        by: i64,
        expires_at: Option<i64>,
    ) -> Result<i64, crate::store::StoreError> {
        self.count().await;
        self.inner.increment(key, attribute, by, expires_at).await
    }

    async fn query(
        &self,
        query: &crate::store::Query,
    ) -> Result<crate::store::Page, crate::store::StoreError> {
        self.count().await;
        self.inner.query(query).await
    }
}

pub mod aws_calls;
