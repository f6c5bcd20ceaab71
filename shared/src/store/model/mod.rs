//! The single-table design: every entity, its keys and its index entries.
//! Access patterns and their key conditions are documented in
//! `shared/DATA_MODEL.md`. `keys.rs` spells every key; one codec per
//! aggregate builds and reads its items; no other code does either.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::{Attributes, Index, Item, Key, PK, SK, StoreError};

mod account;
mod announcement;
mod attachment;
mod guard;
mod guest;
mod idempotency;
mod keys;
mod outbox;
mod session;
mod ticket;

pub use account::*;
pub use announcement::*;
pub use attachment::*;
pub use guard::*;
pub use guest::*;
pub use idempotency::*;
pub use keys::*;
pub use outbox::*;
pub use session::*;
pub use ticket::*;

/// Attribute naming the entity type of an item (for streams and debugging).
pub const ENTITY: &str = "entity";
/// The numeric attribute of counters.
pub const COUNTER_VALUE: &str = "value";

/// Attributes of an item that belong to the model, not to the entity.
pub fn is_key_attribute(name: &str) -> bool {
    name == PK
        || name == SK
        || Index::ALL
            .iter()
            .any(|ix| name == ix.pk_attr() || name == ix.sk_attr())
}

fn to_attributes(value: &impl Serialize) -> Result<Attributes, StoreError> {
    match serde_json::to_value(value) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(StoreError::Invalid("entity must serialize to an object".into())),
        Err(e) => Err(StoreError::Invalid(e.to_string())),
    }
}

/// Whether `item` holds an `entity` (its `entity` attribute).
fn is_entity(item: &Item, entity: &str) -> bool {
    item.get(ENTITY).and_then(Value::as_str) == Some(entity)
}

fn from_item<T: DeserializeOwned>(item: &Item, entity: &str) -> Result<T, StoreError> {
    if !is_entity(item, entity) {
        return Err(StoreError::Corrupt(format!("expected a {entity} item")));
    }
    // Read from the borrowed map: no copy of the item first.
    T::deserialize(&item.0).map_err(|e| StoreError::Corrupt(format!("{entity}: {e}")))
}

/// An entity's item from its serializable record: the record's fields are
/// the item's attributes (serde names them).
fn record_item(key: Key, entity: &str, record: &impl Serialize) -> Result<Item, StoreError> {
    let mut item = Item::new(key.pk, key.sk);
    item.0.extend(to_attributes(record)?);
    item.0.insert(ENTITY.into(), entity.into());
    Ok(item)
}

fn with_expiry(mut item: Item, expires_at: i64) -> Item {
    item.0.insert(super::EXPIRES_AT.into(), expires_at.into());
    item
}
