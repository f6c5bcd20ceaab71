//! Counting attempts in fixed time windows, on the store, so every Lambda
//! instance sees the same counts. Counters expire with their window (TTL).

use time::Duration;

use crate::store::{Key, StoreError};
use crate::{App, Result};

fn window_key(name: &str, subject: &str, window: Duration, now: i64) -> (Key, i64) {
    let size = window.whole_seconds().max(1);
    let start = now - now.rem_euclid(size);
    (
        Key::new(format!("THROTTLE#{name}#{subject}"), format!("#WINDOW#{start}")),
        start + size,
    )
}

/// Counts one more attempt; returns the attempts in the current window.
pub async fn hit(app: &App, name: &str, subject: &str, window: Duration) -> Result<i64> {
    let now = app.clock.now().unix_timestamp();
    let (key, ends) = window_key(name, subject, window, now);
    Ok(app.store.increment(&key, "count", 1, Some(ends)).await?)
}

/// Takes back one attempt counted by [`hit`] (it turned out to be allowed).
pub async fn give_back(app: &App, name: &str, subject: &str, window: Duration) -> Result<()> {
    let now = app.clock.now().unix_timestamp();
    let (key, ends) = window_key(name, subject, window, now);
    app.store.increment(&key, "count", -1, Some(ends)).await?;
    Ok(())
}

/// The attempts in the current window, without counting one; and the
/// seconds until the window ends.
pub async fn peek(app: &App, name: &str, subject: &str, window: Duration) -> Result<(i64, u64)> {
    let now = app.clock.now().unix_timestamp();
    let (key, ends) = window_key(name, subject, window, now);
    let count = match app.store.get(&key).await? {
        Some(item) => item
            .get("count")
            .and_then(serde_json::Value::as_i64)
            .ok_or_else(|| StoreError::Corrupt("throttle count".into()))?,
        None => 0,
    };
    Ok((count, (ends - now).max(1) as u64))
}

/// Seconds until the current window of `window` ends (for `Retry-After`).
pub fn seconds_left(app: &App, window: Duration) -> u64 {
    let now = app.clock.now().unix_timestamp();
    let (_, ends) = window_key("", "", window, now);
    (ends - now).max(1) as u64
}
