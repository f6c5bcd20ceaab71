//! What guests hold: their profile, access keys, invitees' pointers to
//! their keys, and used challenges.

use serde_json::Value;

use super::keys::{access_key_key, challenge_used_key, guest_key, invitee_key};
use super::{ENTITY, Item, Key, StoreError, from_item, record_item};
use crate::domain::{Email, Guest, TicketNumber, UserId};
use crate::i18n::Language;
use crate::store::EXPIRES_AT;

pub fn guest_item(email: &Email, guest: &Guest) -> Result<Item, StoreError> {
    record_item(guest_key(email), "guest", guest)
}

pub fn guest_from_item(item: &Item) -> Result<Guest, StoreError> {
    from_item(item, "guest")
}

/// An access key as stored: the digest it is found by, the one ticket it
/// opens, and who it acts for (mailed at `email`, in `language`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessKeyRecord {
    pub digest: String,
    pub ticket: TicketNumber,
    pub acting_as: UserId,
    pub email: Email,
    pub language: Language,
}

pub fn access_key_item(record: &AccessKeyRecord) -> Item {
    let key = access_key_key(&record.digest);
    Item::new(key.pk, key.sk)
        .with(ENTITY, "access_key")
        .with("digest", record.digest.as_str())
        .with("ticket", record.ticket.to_string())
        .with("acting_as", record.acting_as.as_str())
        .with("email", record.email.as_str())
        .with("language", record.language.code())
}

pub fn access_key_from_item(item: &Item) -> Result<AccessKeyRecord, StoreError> {
    let corrupt = |what: &str| StoreError::Corrupt(format!("bad {what} in access key"));
    Ok(AccessKeyRecord {
        digest: item.string("digest")?.to_owned(),
        ticket: item
            .string("ticket")?
            .parse()
            .map_err(|_| corrupt("ticket number"))?,
        acting_as: access_key_holder(item)?,
        email: Email::parse(item.string("email")?).map_err(|_| corrupt("email"))?,
        language: Language::from_code(item.string("language")?).unwrap_or_default(),
    })
}

/// Who an access key acts for (all a pointer of old needs from it).
pub fn access_key_holder(item: &Item) -> Result<UserId, StoreError> {
    UserId::parse(item.string("acting_as")?)
        .ok_or_else(|| StoreError::Corrupt("bad holder id in access key".into()))
}

/// The mark that a guest challenge was used, until it expires at `exp`.
pub fn challenge_used_item(id: &str, exp: i64) -> Item {
    let key = challenge_used_key(id);
    Item::new(key.pk, key.sk)
        .with(ENTITY, "challenge_used")
        .with(EXPIRES_AT, exp)
}

/// The pointer to the access key `access` that `email` holds to `number`,
/// acting as `acting_as`.
pub fn invitee_item(number: &TicketNumber, email: &Email, access: &Key, acting_as: &UserId) -> Item {
    let pointer = invitee_key(number, email);
    Item::new(pointer.pk, pointer.sk)
        .with(ENTITY, "invitee")
        .with(INVITEE_ACCESS_PK, access.pk.as_str())
        .with("access_sk", access.sk.as_str())
        .with("acting_as", acting_as.as_str())
}

/// The attribute naming the access key's partition, which a write that
/// must still find the same key conditions on.
pub const INVITEE_ACCESS_PK: &str = "access_pk";

/// An invitee's pointer: the access key it names and, for pointers written
/// since they named it, the holder.
pub fn invitee_from_item(item: &Item) -> Result<(Key, Option<UserId>), StoreError> {
    let key = Key::new(item.string(INVITEE_ACCESS_PK)?, item.string("access_sk")?);
    let holder = match item.get("acting_as").and_then(Value::as_str) {
        Some(id) => {
            Some(UserId::parse(id).ok_or_else(|| StoreError::Corrupt("bad holder id in invitation".into()))?)
        }
        None => None,
    };
    Ok((key, holder))
}
