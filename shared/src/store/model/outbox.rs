//! The transactional outbox's items: a pending notification, each
//! address's sent-once claim, and the reply address a mail handed out.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::keys::{OUTBOX_PARTITION, outbox_key, reply_address_key, sortable_time};
use super::{ENTITY, Item, Key, StoreError, from_item, record_item, with_expiry};
use crate::domain::{Email, TicketNumber};
use crate::store::{EXPIRES_AT, Index};

/// A notification to deliver, pending in GSI5 under `OUTBOX` (oldest first).
pub fn outbox_item(
    id: &str,
    at: OffsetDateTime,
    body: &impl Serialize,
    expires_at: i64,
) -> Result<Item, StoreError> {
    let mut item = record_item(outbox_key(id), "outbox", body)?;
    item.0
        .insert(Index::Gsi5.pk_attr().into(), OUTBOX_PARTITION.into());
    item.0.insert(
        Index::Gsi5.sk_attr().into(),
        format!("{}#{id}", sortable_time(at)).into(),
    );
    Ok(with_expiry(item, expires_at))
}

pub fn outbox_from_item<T: DeserializeOwned>(item: &Item) -> Result<T, StoreError> {
    from_item(item, "outbox")
}

/// A delivery's claim on sending to one address: `claim` holds it until
/// `lease_until` (epoch seconds), after which another delivery may take it.
pub fn sending_item(key: &Key, claim: &str, lease_until: i64, expires_at: i64) -> Item {
    Item::new(key.pk.clone(), key.sk.clone())
        .with(ENTITY, "sent")
        .with("state", "sending")
        .with("claim", claim)
        .with("lease_until", lease_until)
        .with(EXPIRES_AT, expires_at)
}

/// Who a reply address was given to, for which ticket: a reply to it is
/// taken only from that address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplyAddress {
    pub ticket: TicketNumber,
    pub email: Email,
    /// Mailed with internal notes only (support's): a reply stays internal.
    #[serde(default)]
    pub internal: bool,
}

/// The reply address whose token has `digest`, kept until `expires_at`.
pub fn reply_address_item(digest: &str, reply: &ReplyAddress, expires_at: i64) -> Result<Item, StoreError> {
    Ok(with_expiry(
        record_item(reply_address_key(digest), "reply_address", reply)?,
        expires_at,
    ))
}

/// The reply address and until when it works (epoch seconds).
pub fn reply_address_from_item(item: &Item) -> Result<(ReplyAddress, i64), StoreError> {
    let expires_at = item
        .get(EXPIRES_AT)
        .and_then(serde_json::Value::as_i64)
        .ok_or_else(|| StoreError::Corrupt("reply address without expiry".into()))?;
    Ok((from_item(item, "reply_address")?, expires_at))
}
