//! Counting attempts in fixed time windows, on the store, so every Lambda
//! instance sees the same counts. Counters expire with their window (TTL).
//!
//! There is deliberately no "look without counting": a limit checked before
//! and counted after the work lets every parallel request through. Count
//! first (atomic), compare, and give the attempt back if it turns out allowed.

use time::Duration;

use crate::store::{Key, model};
use crate::{App, Result};

fn window_key(name: &str, subject: &str, window: Duration, now: i64) -> (Key, i64) {
    let size = window.whole_seconds().max(1);
    let start = now - now.rem_euclid(size);
    (model::throttle_window_key(name, subject, start), start + size)
}

/// Counts one more attempt; returns the attempts in the current window.
pub async fn hit(app: &App, name: &str, subject: &str, window: Duration) -> Result<i64> {
    Ok(count(app, name, subject, window).await?.count)
}

/// One counted attempt, which can be taken back if it turns out allowed.
pub struct Attempt {
    /// Attempts in the window, this one included.
    pub count: i64,
    key: Key,
    ends: i64,
}

/// Counts one more attempt, remembering its window so it can be given back.
pub async fn count(app: &App, name: &str, subject: &str, window: Duration) -> Result<Attempt> {
    let now = app.clock.now().unix_timestamp();
    let (key, ends) = window_key(name, subject, window, now);
    let count = app.store.increment(&key, "count", 1, Some(ends)).await?;
    Ok(Attempt { count, key, ends })
}

impl Attempt {
    /// Takes the attempt back, in the window it was counted in. A failure
    /// only leaves the count one too high until that window ends: logged,
    /// never the caller's problem.
    pub async fn give_back(self, app: &App) {
        if let Err(err) = app.store.increment(&self.key, "count", -1, Some(self.ends)).await {
            tracing::warn!(error = %err, "could not give an attempt back");
        }
    }
}

/// Seconds until the current window of `window` ends (for `Retry-After`).
pub fn seconds_left(app: &App, window: Duration) -> u64 {
    let now = app.clock.now().unix_timestamp();
    let (_, ends) = window_key("", "", window, now);
    (ends - now).max(1) as u64
}
