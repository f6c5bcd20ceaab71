//! One-time links sent by email (invitation, password reset, email change).
//!
//! The token in the link is 256 random bits, shown once (in the email) and
//! stored only as its SHA-256 digest, which is the item's key: looking it up
//! is one GetItem, and a stolen table holds no usable tokens. A link is used
//! up by deleting its item in the same transaction as its effect.

use time::Duration;

use crate::secret::{digest, new_token};
use crate::store::model;
use crate::store::{Condition, Key, Write};
use crate::{App, Error, Result};

use crate::domain::Purpose;

/// Stores a link for `purpose`, valid for `lifetime`; returns the token to email.
pub async fn issue(app: &App, purpose: Purpose, lifetime: Duration) -> Result<String> {
    let (token, digest) = new_token();
    let expires_at = (app.clock.now() + lifetime).unix_timestamp();
    app.store
        .write(Write::Put {
            item: model::link_item(&digest, &purpose, expires_at)?,
            condition: Some(Condition::NotExists),
        })
        .await?;
    Ok(token)
}

/// An open link: what it is for, and the write that uses it up.
pub struct OpenLink {
    pub purpose: Purpose,
    key: Key,
}

impl OpenLink {
    /// Deletes the link, in the transaction that applies its effect; if the
    /// link was used concurrently, the whole transaction fails.
    pub fn consume(&self) -> Write {
        Write::Delete {
            key: self.key.clone(),
            condition: Some(Condition::Exists),
        }
    }
}

pub fn invalid_link() -> Error {
    Error::invalid(
        "token",
        "this link is invalid, has expired or was already used; ask for a new one",
    )
}

/// Looks up a link's token. Unknown, expired and used links are refused alike.
pub async fn open(app: &App, token: &str) -> Result<OpenLink> {
    if token.is_empty() || token.len() > 128 {
        return Err(invalid_link());
    }
    let key = model::link_key(&digest(token));
    let item = app.store.get(&key).await?.ok_or_else(invalid_link)?;
    let (purpose, expires_at) = model::link_from_item(&item)?;
    // TTL deletion is lazy (up to days): expiry is checked on every read.
    if expires_at <= app.clock.now().unix_timestamp() {
        return Err(invalid_link());
    }
    Ok(OpenLink { purpose, key })
}
