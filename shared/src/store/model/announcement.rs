//! Announcements, which expire when they end.

use super::keys::announcement_key;
use super::{Item, StoreError, from_item, record_item, with_expiry};
use crate::domain::Announcement;

pub fn announcement_item(announcement: &Announcement) -> Result<Item, StoreError> {
    let item = record_item(
        announcement_key(announcement.ends_at, &announcement.id),
        "announcement",
        announcement,
    )?;
    Ok(with_expiry(item, announcement.ends_at.unix_timestamp()))
}

pub fn announcement_from_item(item: &Item) -> Result<Announcement, StoreError> {
    from_item(item, "announcement")
}
