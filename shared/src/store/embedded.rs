//! The embedded, file-backed store: one redb file, so `cargo run` needs no
//! AWS account and no Docker.
//!
//! redb gives ACID transactions with a single writer, which makes
//! DynamoDB's conditional-write semantics straightforward: evaluate every
//! condition, then apply every write, inside one write transaction.
//! Layout: table `items` maps `PK\0SK` to the item as JSON; table `index`
//! holds one empty entry per item and sparse index it belongs to, keyed
//! `GSIn\0indexPK\0indexSK\0PK\0SK`, so an index query is a range scan and
//! ties in the index sort key are broken by table key (a total order).

use std::collections::BTreeSet;
use std::ops::Bound;
use std::path::Path;
use std::sync::Arc;

use async_trait::async_trait;
use redb::{Database, ReadableTable, Table, TableDefinition};
use serde_json::Value;

use super::{
    Condition, Index, Item, ItemStore, Key, Page, Position, Query, StoreError, Write, validate_transaction,
};

const ITEMS: TableDefinition<&[u8], &[u8]> = TableDefinition::new("items");
const INDEX: TableDefinition<&[u8], ()> = TableDefinition::new("index");

/// Separates key parts; never part of a key we store (checked).
const SEP: u8 = 0;
/// Never appears in UTF-8, so `prefix + 0xFF` bounds every string starting with `prefix`.
const AFTER_PREFIX: u8 = 0xFF;

#[derive(Clone)]
pub struct EmbeddedStore {
    db: Arc<Database>,
}

impl EmbeddedStore {
    /// Opens (or creates) the store file.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let db = Database::create(path)
            .map_err(|e| StoreError::Unavailable(format!("cannot open {}: {e}", path.display())))?;
        let txn = db.begin_write().map_err(unavailable)?;
        txn.open_table(ITEMS).map_err(unavailable)?;
        txn.open_table(INDEX).map_err(unavailable)?;
        txn.commit().map_err(unavailable)?;
        Ok(Self { db: Arc::new(db) })
    }

    /// Reads run where they are asked: redb serves them from its page
    /// cache in microseconds, without waiting for writers (each read is a
    /// snapshot), and a hop to a blocking thread and back cost more than the
    /// read itself (`scripts/bench-portal.sh`: a ticket's page went from
    /// about 9,000 to about 16,000 requests a second without the hop).
    fn reading<T>(&self, work: impl FnOnce(&Database) -> Result<T, StoreError>) -> Result<T, StoreError> {
        work(&self.db)
    }

    /// Writes wait for the disk (an fsync per commit): off the async threads.
    async fn blocking<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Database) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let db = self.db.clone();
        tokio::task::spawn_blocking(move || work(&db))
            .await
            .map_err(|e| StoreError::Unavailable(format!("store task failed: {e}")))?
    }
}

fn unavailable(err: impl std::fmt::Display) -> StoreError {
    StoreError::Unavailable(err.to_string())
}

fn checked(part: &str) -> Result<&[u8], StoreError> {
    if part.as_bytes().contains(&SEP) {
        return Err(StoreError::Invalid("key attributes must not contain NUL".into()));
    }
    Ok(part.as_bytes())
}

fn joined(parts: &[&str]) -> Result<Vec<u8>, StoreError> {
    let mut out = Vec::new();
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            out.push(SEP);
        }
        out.extend_from_slice(checked(part)?);
    }
    Ok(out)
}

fn item_key(key: &Key) -> Result<Vec<u8>, StoreError> {
    super::check_key(key)?;
    joined(&[&key.pk, &key.sk])
}

/// The item's entries in the sparse indexes it belongs to.
fn index_entries(item: &Item) -> Result<Vec<Vec<u8>>, StoreError> {
    let key = item.key()?;
    let mut entries = Vec::new();
    for index in Index::ALL {
        let (pk, sk) = (item.get(index.pk_attr()), item.get(index.sk_attr()));
        match (pk, sk) {
            (Some(Value::String(ipk)), Some(Value::String(isk))) => {
                entries.push(joined(&[index.name(), ipk, isk, &key.pk, &key.sk])?)
            }
            (None, _) | (_, None) => {}
            _ => {
                return Err(StoreError::Invalid(format!(
                    "{} key attributes must be strings",
                    index.name()
                )));
            }
        }
    }
    Ok(entries)
}

fn decode(bytes: &[u8]) -> Result<Item, StoreError> {
    serde_json::from_slice(bytes)
        .map(Item)
        .map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn load(
    items: &impl ReadableTable<&'static [u8], &'static [u8]>,
    key: &Key,
) -> Result<Option<Item>, StoreError> {
    match items.get(item_key(key)?.as_slice()).map_err(unavailable)? {
        Some(bytes) => decode(bytes.value()).map(Some),
        None => Ok(None),
    }
}

fn holds(condition: Option<&Condition>, current: Option<&Item>) -> bool {
    match (condition, current) {
        (None, _) => true,
        (Some(Condition::NotExists), current) => current.is_none(),
        (Some(Condition::Exists), current) => current.is_some(),
        (Some(Condition::Equals(name, value)), Some(item)) => item.get(name) == Some(value),
        (Some(Condition::Equals(..)), None) => false,
        (Some(Condition::AtMost(name, limit)), current) => match current.and_then(|item| item.get(name)) {
            None => true,
            Some(value) => value.as_i64().is_some_and(|v| v <= *limit),
        },
    }
}

/// The item as it will be after `write`, or `None` if it is deleted/untouched.
fn after(write: &Write, current: Option<Item>) -> Result<Option<Option<Item>>, StoreError> {
    Ok(match write {
        Write::Put { item, .. } => {
            item.key()?;
            Some(Some(item.clone()))
        }
        Write::Update { key, set, remove, .. } => {
            if [
                set.keys().map(String::as_str).collect::<Vec<_>>(),
                remove.iter().map(String::as_str).collect(),
            ]
            .concat()
            .iter()
            .any(|name| *name == super::PK || *name == super::SK)
            {
                return Err(StoreError::Invalid(
                    "an update cannot change the key attributes".into(),
                ));
            }
            let mut item = current.unwrap_or_else(|| Item::new(&key.pk, &key.sk));
            for (name, value) in set {
                item.0.insert(name.clone(), value.clone());
            }
            for name in remove {
                item.0.remove(name);
            }
            Some(Some(item))
        }
        Write::Delete { .. } => Some(None),
        Write::Check { .. } => None,
    })
}

fn store_item(
    items: &mut Table<&'static [u8], &'static [u8]>,
    index: &mut Table<&'static [u8], ()>,
    key: &Key,
    old: Option<&Item>,
    new: Option<&Item>,
) -> Result<(), StoreError> {
    if let Some(old) = old {
        for entry in index_entries(old)? {
            index.remove(entry.as_slice()).map_err(unavailable)?;
        }
    }
    let k = item_key(key)?;
    match new {
        Some(new) => {
            let bytes = serde_json::to_vec(&new.0).map_err(|e| StoreError::Invalid(e.to_string()))?;
            items
                .insert(k.as_slice(), bytes.as_slice())
                .map_err(unavailable)?;
            for entry in index_entries(new)? {
                index.insert(entry.as_slice(), ()).map_err(unavailable)?;
            }
        }
        None => {
            items.remove(k.as_slice()).map_err(unavailable)?;
        }
    }
    Ok(())
}

/// Applies writes atomically: all conditions are checked before anything is
/// written, and the transaction is dropped (rolled back) on any error.
fn apply(db: &Database, writes: &[Write], single: bool) -> Result<(), StoreError> {
    let txn = db.begin_write().map_err(unavailable)?;
    {
        let mut items = txn.open_table(ITEMS).map_err(unavailable)?;
        let mut index = txn.open_table(INDEX).map_err(unavailable)?;
        let mut planned = Vec::with_capacity(writes.len());
        for (position, write) in writes.iter().enumerate() {
            let key = write.key()?;
            let current = load(&items, &key)?;
            if !holds(write.condition(), current.as_ref()) {
                return Err(if single {
                    StoreError::ConditionFailed
                } else {
                    StoreError::TransactionConditionFailed(position)
                });
            }
            planned.push((key, current.clone(), after(write, current)?));
        }
        for (key, old, new) in planned {
            if let Some(new) = new {
                store_item(&mut items, &mut index, &key, old.as_ref(), new.as_ref())?;
            }
        }
    }
    txn.commit().map_err(unavailable)
}

fn bounds(prefix: Vec<u8>) -> (Vec<u8>, Vec<u8>) {
    let mut upper = prefix.clone();
    upper.push(AFTER_PREFIX);
    (prefix, upper)
}

fn query_page(db: &Database, query: &Query) -> Result<Page, StoreError> {
    let limit = query.limit.clamp(1, 1000) as usize;
    let txn = db.begin_read().map_err(unavailable)?;
    let items = txn.open_table(ITEMS).map_err(unavailable)?;

    // The range of entry keys to walk, and where the previous page stopped.
    let (base, start) = match query.index {
        None => {
            let base = joined(&[&query.partition, &query.sort_prefix])?;
            let start = match &query.start_after {
                Some(p) if p.pk == query.partition && p.sk.starts_with(&query.sort_prefix) => {
                    Some(joined(&[&p.pk, &p.sk])?)
                }
                Some(_) => {
                    return Err(StoreError::Invalid(
                        "start position is outside the queried range".into(),
                    ));
                }
                None => None,
            };
            (base, start)
        }
        Some(ix) => {
            let base = joined(&[ix.name(), &query.partition, &query.sort_prefix])?;
            let start = match &query.start_after {
                Some(Position {
                    pk,
                    sk,
                    index_pk: Some(ipk),
                    index_sk: Some(isk),
                }) if *ipk == query.partition && isk.starts_with(&query.sort_prefix) => {
                    Some(joined(&[ix.name(), ipk, isk, pk, sk])?)
                }
                Some(_) => {
                    return Err(StoreError::Invalid(
                        "start position is outside the queried range".into(),
                    ));
                }
                None => None,
            };
            (base, start)
        }
    };
    let (lower, upper) = bounds(base);
    let (lower, upper) = match (&start, query.ascending) {
        (Some(s), true) => (Bound::Excluded(s.as_slice()), Bound::Excluded(upper.as_slice())),
        (Some(s), false) => (Bound::Included(lower.as_slice()), Bound::Excluded(s.as_slice())),
        (None, _) => (
            Bound::Included(lower.as_slice()),
            Bound::Excluded(upper.as_slice()),
        ),
    };

    let mut keys: Vec<Key> = Vec::with_capacity(limit + 1);
    let mut collect = |entry_key: &[u8]| -> Result<(), StoreError> {
        let parts: Vec<&[u8]> = entry_key.split(|b| *b == SEP).collect();
        let (pk, sk) = match (query.index, parts.as_slice()) {
            (None, [pk, sk]) => (pk, sk),
            (Some(_), [_, _, _, pk, sk]) => (pk, sk),
            _ => return Err(StoreError::Corrupt("malformed entry key".into())),
        };
        let text = |b: &[u8]| String::from_utf8(b.to_vec()).map_err(|e| StoreError::Corrupt(e.to_string()));
        keys.push(Key::new(text(pk)?, text(sk)?));
        Ok(())
    };
    // One more than the page, to know whether anything follows.
    match query.index {
        None => {
            let range = items.range::<&[u8]>((lower, upper)).map_err(unavailable)?;
            let entries: Box<dyn Iterator<Item = _>> = if query.ascending {
                Box::new(range)
            } else {
                Box::new(range.rev())
            };
            for entry in entries.take(limit + 1) {
                collect(entry.map_err(unavailable)?.0.value())?;
            }
        }
        Some(_) => {
            let index = txn.open_table(INDEX).map_err(unavailable)?;
            let range = index.range::<&[u8]>((lower, upper)).map_err(unavailable)?;
            let entries: Box<dyn Iterator<Item = _>> = if query.ascending {
                Box::new(range)
            } else {
                Box::new(range.rev())
            };
            for entry in entries.take(limit + 1) {
                collect(entry.map_err(unavailable)?.0.value())?;
            }
        }
    }
    let more = keys.len() > limit;
    keys.truncate(limit);
    let mut page = Vec::with_capacity(keys.len());
    for key in &keys {
        let item =
            load(&items, key)?.ok_or_else(|| StoreError::Corrupt("index entry without item".into()))?;
        // An index query answers what the index projects, as DynamoDB does.
        page.push(match query.index {
            Some(index) => index.projection().apply(index, item),
            None => item,
        });
    }
    Ok(Page { items: page, more })
}

#[async_trait]
impl ItemStore for EmbeddedStore {
    async fn get(&self, key: &Key) -> Result<Option<Item>, StoreError> {
        self.reading(|db| {
            let txn = db.begin_read().map_err(unavailable)?;
            let items = txn.open_table(ITEMS).map_err(unavailable)?;
            load(&items, key)
        })
    }

    async fn get_many(&self, keys: &[Key]) -> Result<Vec<Item>, StoreError> {
        let keys: BTreeSet<&Key> = keys.iter().collect();
        self.reading(|db| {
            let txn = db.begin_read().map_err(unavailable)?;
            let items = txn.open_table(ITEMS).map_err(unavailable)?;
            let mut found = Vec::new();
            for key in keys {
                found.extend(load(&items, key)?);
            }
            Ok(found)
        })
    }

    async fn write(&self, write: Write) -> Result<(), StoreError> {
        self.blocking(move |db| apply(db, std::slice::from_ref(&write), true))
            .await
    }

    async fn transact(&self, writes: Vec<Write>) -> Result<(), StoreError> {
        validate_transaction(&writes)?;
        self.blocking(move |db| apply(db, &writes, false)).await
    }

    async fn increment(
        &self,
        key: &Key,
        attribute: &str,
        by: i64,
        expires_at: Option<i64>,
    ) -> Result<i64, StoreError> {
        let (key, attribute) = (key.clone(), attribute.to_owned());
        self.blocking(move |db| {
            let txn = db.begin_write().map_err(unavailable)?;
            let value = {
                let mut items = txn.open_table(ITEMS).map_err(unavailable)?;
                let mut index = txn.open_table(INDEX).map_err(unavailable)?;
                let old = load(&items, &key)?;
                let current = match old.as_ref().and_then(|item| item.get(&attribute)) {
                    None => 0,
                    Some(v) => v
                        .as_i64()
                        .ok_or_else(|| StoreError::Invalid(format!("{attribute} is not an integer")))?,
                };
                let value = current
                    .checked_add(by)
                    .ok_or_else(|| StoreError::Invalid("counter overflow".into()))?;
                let new = match old.clone() {
                    Some(item) => item.with(&attribute, value),
                    None => {
                        let item = Item::new(&key.pk, &key.sk).with(&attribute, value);
                        match expires_at {
                            Some(at) => item.with(super::EXPIRES_AT, at),
                            None => item,
                        }
                    }
                };
                store_item(&mut items, &mut index, &key, old.as_ref(), Some(&new))?;
                value
            };
            txn.commit().map_err(unavailable)?;
            Ok(value)
        })
        .await
    }

    async fn query(&self, query: &Query) -> Result<Page, StoreError> {
        self.reading(|db| query_page(db, query))
    }
}
