//! The app secret in AWS Secrets Manager: read once at init (one call), read
//! again every [`REFRESH_INTERVAL`] so a rotation reaches running functions,
//! and rotated step by step by `servicedesk admin rotate-secret`.

use aws_sdk_secretsmanager::Client;
use aws_sdk_secretsmanager::error::{DisplayErrorContext, ProvideErrorMetadata};

use super::{REFRESH_INTERVAL, SecretDocument, Secrets};
use crate::App;

pub struct SecretsManagerSource {
    client: Client,
    secret_id: String,
}

impl SecretsManagerSource {
    pub fn new(client: Client, secret_id: impl Into<String>) -> Self {
        Self {
            client,
            secret_id: secret_id.into(),
        }
    }

    /// The stored document (the secret's current version).
    pub async fn read_document(&self) -> Result<SecretDocument, String> {
        let answer = self
            .client
            .get_secret_value()
            .secret_id(&self.secret_id)
            .send()
            .await
            .map_err(|e| {
                let hint = match e.code() {
                    Some("ResourceNotFoundException") => " (no such secret: check SERVICEDESK_SECRET_ID)",
                    Some("AccessDeniedException") => {
                        " (the role may not secretsmanager:GetSecretValue on it)"
                    }
                    _ => "",
                };
                format!(
                    "cannot read the app secret {}{hint}: {}",
                    self.secret_id,
                    DisplayErrorContext(&e)
                )
            })?;
        let stored = answer
            .secret_string()
            .ok_or_else(|| format!("the app secret {} holds no SecretString", self.secret_id))?;
        SecretDocument::parse(stored).map_err(|e| format!("{} ({})", e, self.secret_id))
    }

    pub async fn read(&self) -> Result<Secrets, String> {
        self.read_document().await?.secrets().map_err(|e| e.to_string())
    }

    /// Stores `document` as the secret's new current version.
    pub async fn write(&self, document: &SecretDocument) -> Result<(), String> {
        self.client
            .put_secret_value()
            .secret_id(&self.secret_id)
            .secret_string(document.to_json())
            .send()
            .await
            .map(|_| ())
            .map_err(|e| {
                format!(
                    "cannot store the app secret {}: {}",
                    self.secret_id,
                    DisplayErrorContext(&e)
                )
            })
    }
}

/// Keeps an [`App`]'s keys no older than the refresh interval: before a
/// request, if the secret was last read longer ago than that (by the app's
/// clock: wall time, which a frozen Lambda instance sees move on), it is
/// read again. A failed read keeps the keys in use, is logged as an error,
/// and is tried again 30 seconds later.
pub struct Refresher {
    source: SecretsManagerSource,
    interval: time::Duration,
    due: tokio::sync::Mutex<time::OffsetDateTime>,
}

const RETRY_AFTER_FAILURE: time::Duration = time::Duration::seconds(30);

impl Refresher {
    /// For a source read at `read_at` (just before the read began).
    pub fn new(source: SecretsManagerSource, read_at: time::OffsetDateTime) -> Self {
        Self {
            source,
            interval: REFRESH_INTERVAL,
            due: tokio::sync::Mutex::new(read_at + REFRESH_INTERVAL),
        }
    }

    /// Reads the secret before the next request, whatever its age (tests,
    /// and a function told a rotation happened).
    pub async fn expire(&self) {
        *self.due.lock().await = time::OffsetDateTime::UNIX_EPOCH;
    }

    pub async fn refresh_if_due(&self, app: &App) {
        // One read at a time; a request that finds one under way goes on
        // with the keys it has.
        let Ok(mut due) = self.due.try_lock() else {
            return;
        };
        // The keys are as old as the moment the read began.
        let started = app.clock.now();
        if started < *due {
            return;
        }
        match self.source.read().await {
            Ok(secrets) => {
                app.rekey(&secrets);
                *due = started + self.interval;
            }
            Err(message) => {
                tracing::error!(%message, "cannot reread the app secret; keeping the keys in use, trying again in 30 s");
                *due = started + RETRY_AFTER_FAILURE;
            }
        }
    }
}
