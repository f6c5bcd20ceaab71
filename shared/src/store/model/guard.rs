//! A bounded set's guard: an item whose sort key is exactly the set's
//! prefix, so it sorts first in the Query that counts the set, holding a
//! `version` every addition moves on. Two additions that counted the same
//! members cannot both commit (the 10 tokens of a person, the 20 files of
//! a ticket), with no extra round trip to read it.

use serde_json::Value;

use super::{ENTITY, Item, Key, SK};
use crate::store::{Condition, Write};

/// The version of the guard among a set's items (0 before the first addition).
pub fn guard_version(items: &[Item], prefix: &str) -> i64 {
    items
        .iter()
        .find(|item| is_guard(item, prefix))
        .and_then(|item| item.get("version").and_then(Value::as_i64))
        .unwrap_or(0)
}

pub fn is_guard(item: &Item, prefix: &str) -> bool {
    item.get(SK).and_then(Value::as_str) == Some(prefix)
}

/// The write that moves the guard from the version `read` to the next; it
/// fails its transaction if another addition moved it first.
pub fn guard_write(key: Key, read: i64) -> Write {
    Write::Update {
        key,
        set: serde_json::Map::from_iter([
            (ENTITY.to_owned(), Value::from("guard")),
            ("version".to_owned(), Value::from(read + 1)),
        ]),
        remove: vec![],
        condition: Some(Condition::AtMost("version".into(), read)),
    }
}
