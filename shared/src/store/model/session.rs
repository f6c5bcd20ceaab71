//! Sign-in sessions: a family per sign-in and its refresh tokens; and the
//! failed sign-ins counted per address and source, with their lock.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::keys::{refresh_key, session_family_key};
use super::{Item, Key, StoreError, from_item, record_item};
use crate::domain::UserId;
use crate::store::{Condition, Write};

/// One sign-in: every refresh token descending from it ends with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionFamily {
    pub user_id: UserId,
    pub revoked: bool,
    pub expires_at: i64,
}

/// A refresh token (stored by digest), replaced once it is used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefreshToken {
    pub family: String,
    pub user_id: UserId,
    pub epoch: u64,
    pub replaced: bool,
    pub expires_at: i64,
}

pub fn session_family_item(id: &str, family: &SessionFamily) -> Result<Item, StoreError> {
    record_item(session_family_key(id), "session", family)
}

pub fn session_family_from_item(item: &Item) -> Result<SessionFamily, StoreError> {
    from_item(item, "session")
}

pub fn refresh_token_item(digest: &str, token: &RefreshToken) -> Result<Item, StoreError> {
    record_item(refresh_key(digest), "refresh_token", token)
}

pub fn refresh_token_from_item(item: &Item) -> Result<RefreshToken, StoreError> {
    from_item(item, "refresh_token")
}

fn flag(name: &str) -> serde_json::Map<String, Value> {
    serde_json::Map::from_iter([(name.to_owned(), Value::Bool(true))])
}

/// Ends a sign-in: every refresh token of the family is refused from then
/// on. Refused (as a condition) when the family is already gone.
pub fn revoke_session_family_write(id: &str) -> Write {
    Write::Update {
        key: session_family_key(id),
        set: flag("revoked"),
        remove: vec![],
        condition: Some(Condition::Exists),
    }
}

/// Holds a transaction to a family still signed in: a sign-out racing a
/// refresh wins.
pub fn session_family_live_check(id: &str) -> Write {
    Write::Check {
        key: session_family_key(id),
        condition: Condition::Equals("revoked".into(), Value::Bool(false)),
    }
}

/// Uses a refresh token up; refused if it was used already (a copy of it
/// raced this use).
pub fn use_refresh_token_write(digest: &str) -> Write {
    Write::Update {
        key: refresh_key(digest),
        set: flag("replaced"),
        remove: vec![],
        condition: Some(Condition::Equals("replaced".into(), Value::Bool(false))),
    }
}

/// The counter of failed sign-ins on a `login_failures_key` item.
pub const LOGIN_FAILURES: &str = "failures";

/// Takes the sign-in lock of a `login_failures_key` item until `until`
/// (Unix seconds); refused while an earlier lock still holds at `now`.
pub fn take_login_turn_write(key: Key, until: i64, now: i64) -> Write {
    Write::Update {
        key,
        set: serde_json::Map::from_iter([("locked_until".to_owned(), Value::from(until))]),
        remove: vec![],
        condition: Some(Condition::AtMost("locked_until".into(), now)),
    }
}

/// Until when (Unix seconds) the sign-in lock of a `login_failures_key` item holds.
pub fn login_locked_until(item: &Item) -> Option<i64> {
    item.get("locked_until").and_then(Value::as_i64)
}
