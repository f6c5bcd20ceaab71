//! The notifier, locally: the same delivery code the notifier Lambda runs,
//! driven by polling the pending notifications instead of a DynamoDB Stream.

use std::sync::Arc;
use std::time::Duration;

use servicedesk_shared::App;
use servicedesk_shared::conversation::notify;

/// How often pending notifications are looked for.
pub const POLL_EVERY: Duration = Duration::from_millis(500);

/// Delivers pending notifications in the background until the process ends.
pub fn spawn(app: Arc<App>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            // Drain what is pending, then wait for more.
            loop {
                match notify::deliver_pending(&app, 25).await {
                    Ok(0) => break,
                    Ok(_) => continue,
                    Err(err) => {
                        tracing::warn!(error = %err, "cannot read pending notifications; retrying");
                        break;
                    }
                }
            }
            tokio::time::sleep(POLL_EVERY).await;
        }
    })
}
