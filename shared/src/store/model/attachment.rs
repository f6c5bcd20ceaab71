//! A ticket's files, in the ticket's partition.

use super::keys::attachment_key;
use super::{Item, StoreError, from_item, record_item, with_expiry};
use crate::domain::Attachment;

/// A pending attachment expires (`expires_at`) unless its upload is verified.
pub fn attachment_item(attachment: &Attachment, expires_at: Option<i64>) -> Result<Item, StoreError> {
    let item = record_item(
        attachment_key(&attachment.ticket, &attachment.id),
        "attachment",
        attachment,
    )?;
    Ok(match expires_at {
        Some(at) => with_expiry(item, at),
        None => item,
    })
}

pub fn attachment_from_item(item: &Item) -> Result<Attachment, StoreError> {
    from_item(item, "attachment")
}
