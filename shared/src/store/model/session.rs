//! Sign-in sessions: a family per sign-in and its refresh tokens.

use serde::{Deserialize, Serialize};

use super::keys::{refresh_key, session_family_key};
use super::{Item, StoreError, from_item, record_item};
use crate::domain::UserId;

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
