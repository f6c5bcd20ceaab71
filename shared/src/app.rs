//! The services a handler works with, built once at start-up and borrowed by
//! every request.

use std::sync::{Arc, RwLock};

use crate::auth::tokens::{TokenKeys, TokenSettings};
use crate::blobs::BlobStore;
use crate::clock::Clock;
use crate::ids::IdGenerator;
use crate::mail::Mailer;
use crate::secret::Secrets;
use crate::signed::SignedCodec;
use crate::store::ItemStore;

/// What differs between deployments, besides the adapters.
#[derive(Debug, Clone)]
pub struct Settings {
    pub tokens: TokenSettings,
    /// Where people open the portal: the base of every link we email.
    pub public_url: String,
    /// Where customer-side changes of unassigned tickets are announced.
    pub support_email: crate::domain::Email,
    /// How long a notification mail claimed for sending is left to its
    /// sender before another delivery may send it again (the sender died).
    pub delivery_lease: time::Duration,
    /// The address replies by email go to (`reply@inbound.example.com`):
    /// each notification's `Reply-To` is it with a token added
    /// (`reply+<token>@…`). `None`: email in is off, and mail has no Reply-To.
    pub reply_address: Option<crate::domain::Email>,
}

/// The default [`Settings::delivery_lease`]: well past one send's timeouts.
pub const DELIVERY_LEASE: time::Duration = time::Duration::seconds(30);

/// The adapters behind the ports.
pub struct Adapters {
    pub store: Arc<dyn ItemStore>,
    pub mailer: Arc<dyn Mailer>,
    pub clock: Arc<dyn Clock>,
    pub ids: Arc<dyn IdGenerator>,
    pub blobs: Arc<dyn BlobStore>,
}

pub struct App {
    pub store: Arc<dyn ItemStore>,
    pub mailer: Arc<dyn Mailer>,
    pub clock: Arc<dyn Clock>,
    pub ids: Arc<dyn IdGenerator>,
    pub blobs: Arc<dyn BlobStore>,
    /// Replaced whole when the secrets are reread (a rotation). On Lambda the
    /// reread runs between requests (one at a time per instance), so a
    /// request's calls to [`App::keys`] all see the same keys.
    keys: RwLock<Option<Arc<Keys>>>,
    pub settings: Settings,
}

/// Everything derived from the app secrets: what we sign and take back.
pub struct Keys {
    pub tokens: TokenKeys,
    /// Page cursors of ticket lists.
    pub cursors: SignedCodec,
    /// Proof-of-work challenges for guest submissions.
    pub challenges: SignedCodec,
}

impl Keys {
    fn new(secrets: &Secrets, settings: TokenSettings) -> Self {
        Self {
            tokens: TokenKeys::new(secrets, settings),
            cursors: SignedCodec::new(secrets, "servicedesk/cursor/v1"),
            challenges: SignedCodec::new(secrets, "servicedesk/challenge/v1"),
        }
    }
}

impl App {
    pub fn new(adapters: Adapters, secrets: &Secrets, settings: Settings) -> Self {
        Self {
            store: adapters.store,
            mailer: adapters.mailer,
            clock: adapters.clock,
            ids: adapters.ids,
            blobs: adapters.blobs,
            keys: RwLock::new(Some(Arc::new(Keys::new(secrets, settings.tokens.clone())))),
            settings,
        }
    }

    /// An app for a function that signs and verifies nothing (the notifier,
    /// verify-attachment, ...): it is not given the app secret at all, so a
    /// flaw in it cannot leak the secret. [`App::keys`] is an error there.
    pub fn without_secret(adapters: Adapters, settings: Settings) -> Self {
        let mut app = Self::new(
            adapters,
            &Secrets::single(crate::secret::Secret::generate()),
            settings,
        );
        app.keys = RwLock::new(None);
        app
    }

    /// The keys of the secrets read last.
    pub fn keys(&self) -> crate::Result<Arc<Keys>> {
        // What the least-privilege test holds the template's grants to.
        #[cfg(feature = "test-support")]
        crate::testing::aws_calls::record("secretsmanager:GetSecretValue", "secret");
        // A panic never happens while the lock is held (it only swaps an Arc).
        self.keys
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
            .ok_or_else(|| {
                crate::Error::Internal(
                    "this function is not given the app secret: set SERVICEDESK_SECRET_ID and grant secretsmanager:GetSecretValue in infra/template.yaml".into(),
                )
            })
    }

    /// Takes newly read secrets (a rotation step) for every later request.
    pub fn rekey(&self, secrets: &Secrets) {
        let keys = Arc::new(Keys::new(secrets, self.settings.tokens.clone()));
        *self.keys.write().unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(keys);
    }

    /// A fresh user id (accounts, guests, invited people).
    pub fn new_user_id(&self) -> crate::Result<crate::domain::UserId> {
        crate::domain::UserId::parse(&self.ids.new_id()).ok_or_else(bad_id)
    }

    /// A fresh organization id.
    pub fn new_organization_id(&self) -> crate::Result<crate::domain::OrganizationId> {
        crate::domain::OrganizationId::parse(&self.ids.new_id()).ok_or_else(bad_id)
    }

    /// An absolute link into the web front end. Secrets go in the fragment
    /// (`#token=...`): browsers never send it to servers, so it stays out of logs.
    pub fn link(&self, page: &str, secret_param: Option<(&str, &str)>) -> String {
        let base = self.settings.public_url.trim_end_matches('/');
        match secret_param {
            Some((name, value)) => format!("{base}/{page}#{name}={value}"),
            None => format!("{base}/{page}"),
        }
    }
}

fn bad_id() -> crate::Error {
    crate::Error::Internal("the id generator produced an invalid id".into())
}
