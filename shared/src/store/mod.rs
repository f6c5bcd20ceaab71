//! The storage port: a thin, item-level interface shaped after DynamoDB, so
//! the single-table design ([`model`]) lives once in the domain and each
//! backend only translates these few operations.
//!
//! Semantics every backend keeps (checked by [`conformance`]):
//! - items are maps of attributes keyed by `PK` + `SK` (strings);
//! - a write may carry a [`Condition`]; a failed condition changes nothing;
//! - [`ItemStore::transact`] applies all writes or none, and reports which
//!   write's condition failed; one transaction touches an item at most once;
//! - [`ItemStore::increment`] is atomic and creates the counter at zero;
//! - [`ItemStore::query`] reads one partition of the table or of a sparse
//!   index (items lacking the index's key attributes are not in it), ordered
//!   by sort key (then by table key, so order is total), a page at a time.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

#[cfg(feature = "test-support")]
pub mod conformance;
#[cfg(feature = "dynamodb")]
pub mod dynamodb;
#[cfg(feature = "embedded")]
pub mod embedded;
pub mod model;

/// Attribute names of the table key.
pub const PK: &str = "PK";
pub const SK: &str = "SK";
/// The table's TTL attribute: epoch seconds after which DynamoDB deletes the
/// item (eventually; readers still check it).
pub const EXPIRES_AT: &str = "expires_at";

/// An item: its attributes, which always include `PK` and `SK` as strings.
pub type Attributes = Map<String, Value>;

#[derive(Debug, Clone, PartialEq)]
pub struct Item(pub Attributes);

impl Item {
    pub fn new(pk: impl Into<String>, sk: impl Into<String>) -> Self {
        let mut attrs = Attributes::new();
        attrs.insert(PK.into(), Value::String(pk.into()));
        attrs.insert(SK.into(), Value::String(sk.into()));
        Self(attrs)
    }

    pub fn with(mut self, name: &str, value: impl Into<Value>) -> Self {
        self.0.insert(name.to_owned(), value.into());
        self
    }

    pub fn key(&self) -> Result<Key, StoreError> {
        Ok(Key {
            pk: self.string(PK)?.to_owned(),
            sk: self.string(SK)?.to_owned(),
        })
    }

    pub fn string(&self, name: &str) -> Result<&str, StoreError> {
        self.0
            .get(name)
            .and_then(Value::as_str)
            .ok_or_else(|| StoreError::Corrupt(format!("attribute {name} missing or not a string")))
    }

    pub fn get(&self, name: &str) -> Option<&Value> {
        self.0.get(name)
    }
}

/// The primary key of an item.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Key {
    pub pk: String,
    pub sk: String,
}

impl Key {
    pub fn new(pk: impl Into<String>, sk: impl Into<String>) -> Self {
        Self {
            pk: pk.into(),
            sk: sk.into(),
        }
    }
}

/// A condition on the item's state at the time of the write.
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    /// The item does not exist (create, never overwrite).
    NotExists,
    /// The item exists.
    Exists,
    /// The item exists and the attribute equals the value (optimistic locking).
    Equals(String, Value),
    /// The item or the numeric attribute is absent, or the attribute is at
    /// most the value: "the lock/lease has run out by now", or, written
    /// with the new value above it, "no one moved this counter since I read
    /// it" (a monotonic version).
    AtMost(String, i64),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Write {
    /// Replace the whole item.
    Put {
        item: Item,
        condition: Option<Condition>,
    },
    /// Set and remove attributes, creating the item if it does not exist.
    Update {
        key: Key,
        set: Attributes,
        remove: Vec<String>,
        condition: Option<Condition>,
    },
    Delete {
        key: Key,
        condition: Option<Condition>,
    },
    /// Write nothing, but fail the transaction unless the condition holds.
    Check {
        key: Key,
        condition: Condition,
    },
}

impl Write {
    pub fn key(&self) -> Result<Key, StoreError> {
        match self {
            Self::Put { item, .. } => item.key(),
            Self::Update { key, .. } | Self::Delete { key, .. } | Self::Check { key, .. } => Ok(key.clone()),
        }
    }

    pub fn condition(&self) -> Option<&Condition> {
        match self {
            Self::Put { condition, .. } | Self::Update { condition, .. } | Self::Delete { condition, .. } => {
                condition.as_ref()
            }
            Self::Check { condition, .. } => Some(condition),
        }
    }
}

/// The sparse global secondary indexes. Each has string key attributes
/// `GSIn` + `PK`/`SK`; what they hold is decided by [`model`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Index {
    Gsi1,
    Gsi2,
    Gsi3,
    Gsi4,
    Gsi5,
    Gsi6,
}

/// What an index entry carries of its item, besides the table's and the
/// index's keys (DynamoDB's `Projection`; the template declares the same).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Projection {
    All,
    Include(&'static [&'static str]),
}

impl Projection {
    /// The entry of `item` in an index with this projection.
    pub fn apply(self, index: Index, mut item: Item) -> Item {
        if let Projection::Include(names) = self {
            item.0.retain(|name, _| {
                names.contains(&name.as_str())
                    || [PK, SK, index.pk_attr(), index.sk_attr()].contains(&name.as_str())
            });
        }
        item
    }
}

impl Index {
    pub const ALL: [Index; 6] = [
        Index::Gsi1,
        Index::Gsi2,
        Index::Gsi3,
        Index::Gsi4,
        Index::Gsi5,
        Index::Gsi6,
    ];

    /// GSI6 is the support queue, read many entries at a time by every
    /// agent: its entries carry only what a queue row shows and filters by,
    /// a fifth of a ticket's size or less, so each read and each index write
    /// costs that much less (DATA_MODEL.md, Known limits).
    pub fn projection(self) -> Projection {
        match self {
            Self::Gsi6 => Projection::Include(&[
                "number",
                "title",
                "status",
                "priority",
                "request_type",
                "created_at",
                "updated_at",
                "waiting_since",
                "organization_id",
                "assignee_id",
            ]),
            _ => Projection::All,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Gsi1 => "GSI1",
            Self::Gsi2 => "GSI2",
            Self::Gsi3 => "GSI3",
            Self::Gsi4 => "GSI4",
            Self::Gsi5 => "GSI5",
            Self::Gsi6 => "GSI6",
        }
    }

    pub fn pk_attr(self) -> &'static str {
        match self {
            Self::Gsi1 => "GSI1PK",
            Self::Gsi2 => "GSI2PK",
            Self::Gsi3 => "GSI3PK",
            Self::Gsi4 => "GSI4PK",
            Self::Gsi5 => "GSI5PK",
            Self::Gsi6 => "GSI6PK",
        }
    }

    pub fn sk_attr(self) -> &'static str {
        match self {
            Self::Gsi1 => "GSI1SK",
            Self::Gsi2 => "GSI2SK",
            Self::Gsi3 => "GSI3SK",
            Self::Gsi4 => "GSI4SK",
            Self::Gsi5 => "GSI5SK",
            Self::Gsi6 => "GSI6SK",
        }
    }
}

/// Where a page starts: the position of the last item of the previous page.
/// For index queries the index key is part of the position.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Position {
    pub pk: String,
    pub sk: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index_pk: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index_sk: Option<String>,
}

impl Position {
    /// The position of `item` in a query over `index` (or the table).
    pub fn of(item: &Item, index: Option<Index>) -> Result<Self, StoreError> {
        let key = item.key()?;
        let (index_pk, index_sk) = match index {
            Some(ix) => (
                Some(item.string(ix.pk_attr())?.to_owned()),
                Some(item.string(ix.sk_attr())?.to_owned()),
            ),
            None => (None, None),
        };
        Ok(Self {
            pk: key.pk,
            sk: key.sk,
            index_pk,
            index_sk,
        })
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    /// `None` queries the table itself.
    pub index: Option<Index>,
    pub partition: String,
    /// Only sort keys starting with this prefix (empty: all).
    pub sort_prefix: String,
    /// `true` for ascending sort keys, `false` for newest-first lists.
    pub ascending: bool,
    pub limit: u32,
    pub start_after: Option<Position>,
}

impl Query {
    pub fn partition(index: Option<Index>, partition: impl Into<String>) -> Self {
        Self {
            index,
            partition: partition.into(),
            sort_prefix: String::new(),
            ascending: true,
            limit: 100,
            start_after: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    pub items: Vec<Item>,
    /// `false` guarantees there is nothing after this page. (`true` may still
    /// be followed by an empty page, as on DynamoDB.)
    pub more: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The condition of a single write failed.
    #[error("condition failed")]
    ConditionFailed,
    /// The condition of the write at this position of a transaction failed;
    /// nothing was written.
    #[error("condition of transaction write {0} failed")]
    TransactionConditionFailed(usize),
    /// Another transaction was writing the same items at the same moment;
    /// nothing was written and retrying is safe.
    #[error("conflicting concurrent transaction")]
    TransactionConflict,
    /// The request was invalid for the store (a bug on our side, or a forged
    /// position that does not belong to the partition).
    #[error("invalid store request: {0}")]
    Invalid(String),
    /// Stored data does not have the expected shape.
    #[error("corrupt item: {0}")]
    Corrupt(String),
    /// The backend failed or is unreachable; retrying may help.
    #[error("store unavailable: {0}")]
    Unavailable(String),
}

/// Which condition refused a write: the one write's, or that of the write
/// at this position of a transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    Write,
    At(usize),
}

impl StoreError {
    /// The one translation of a refused condition: `meaning` says what the
    /// refusal means to the use case; every other failure maps as usual.
    pub fn when_refused(self, meaning: impl FnOnce(Refused) -> crate::Error) -> crate::Error {
        match self {
            Self::ConditionFailed => meaning(Refused::Write),
            Self::TransactionConditionFailed(at) => meaning(Refused::At(at)),
            other => other.into(),
        }
    }
}

/// A write whose refused condition means its work is done already (the item
/// moved on, or is gone): that refusal is success; any other failure is not.
pub fn done_if_refused(written: Result<(), StoreError>) -> Result<(), StoreError> {
    match written {
        Err(StoreError::ConditionFailed) => Ok(()),
        other => other,
    }
}

impl From<StoreError> for crate::Error {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::ConditionFailed
            | StoreError::TransactionConditionFailed(_)
            | StoreError::TransactionConflict => {
                crate::Error::Conflict("the item was changed concurrently; reload and try again".into())
            }
            StoreError::Invalid(_) | StoreError::Corrupt(_) => {
                tracing::error!(error = %err, "store refused a request or returned corrupt data: a bug");
                crate::Error::Internal(err.to_string())
            }
            StoreError::Unavailable(_) => {
                tracing::error!(error = %err, "store failure");
                crate::Error::Unavailable(err.to_string())
            }
        }
    }
}

#[async_trait]
pub trait ItemStore: Send + Sync {
    async fn get(&self, key: &Key) -> Result<Option<Item>, StoreError>;

    /// The items of `keys` that exist, in no particular order (one request
    /// per 100 distinct keys). Repeated keys are read once.
    async fn get_many(&self, keys: &[Key]) -> Result<Vec<Item>, StoreError>;

    /// A single conditional write (cheaper than a transaction of one).
    async fn write(&self, write: Write) -> Result<(), StoreError>;

    /// All writes or none; at most 100, each item at most once.
    async fn transact(&self, writes: Vec<Write>) -> Result<(), StoreError>;

    /// Atomically adds `by` to the numeric attribute and returns the new
    /// value. A counter created by this call gets `expires_at` (TTL), if given.
    async fn increment(
        &self,
        key: &Key,
        attribute: &str,
        by: i64,
        expires_at: Option<i64>,
    ) -> Result<i64, StoreError>;

    async fn query(&self, query: &Query) -> Result<Page, StoreError>;
}

/// Every item `query` matches, following the pages (`query.limit` items per
/// round trip): for partitions that are read whole.
pub async fn query_all(store: &dyn ItemStore, mut query: Query) -> Result<Vec<Item>, StoreError> {
    let mut items = Vec::new();
    loop {
        let page = store.query(&query).await?;
        let next = match (page.more, page.items.last()) {
            (true, Some(last)) => Some(Position::of(last, query.index)?),
            _ => None,
        };
        items.extend(page.items);
        match next {
            Some(position) => query.start_after = Some(position),
            None => return Ok(items),
        }
    }
}

/// DynamoDB's limits on key attributes (bytes of UTF-8).
pub const MAX_PK_BYTES: usize = 2048;
pub const MAX_SK_BYTES: usize = 1024;

/// Whether a key can be stored at all: both parts non-empty, within
/// DynamoDB's sizes, without NUL (the embedded store's separator). Both
/// backends refuse the same keys the same way, before any I/O; values from
/// requests are checked at the HTTP edge long before they get here, so a
/// refusal here is a bug, not a caller's mistake.
pub(crate) fn check_key(key: &Key) -> Result<(), StoreError> {
    let fits = |part: &str, max: usize| !part.is_empty() && part.len() <= max && !part.contains('\0');
    if fits(&key.pk, MAX_PK_BYTES) && fits(&key.sk, MAX_SK_BYTES) {
        Ok(())
    } else {
        Err(StoreError::Invalid(format!(
            "unstorable key ({} + {} bytes, or empty, or with NUL)",
            key.pk.len(),
            key.sk.len()
        )))
    }
}

/// Checks the rules both backends share before touching storage, so they
/// fail the same way on the same bad requests.
pub(crate) fn validate_transaction(writes: &[Write]) -> Result<(), StoreError> {
    if writes.is_empty() || writes.len() > 100 {
        return Err(StoreError::Invalid(format!(
            "a transaction takes 1 to 100 writes, got {}",
            writes.len()
        )));
    }
    let mut seen = std::collections::HashSet::new();
    for write in writes {
        let key = write.key()?;
        check_key(&key)?;
        if !seen.insert(key) {
            return Err(StoreError::Invalid(
                "a transaction touches each item at most once".into(),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod refusal_tests {
    use super::{Refused, StoreError, done_if_refused};
    use crate::Error;

    #[test]
    fn a_refused_condition_takes_the_callers_meaning_and_nothing_else_does() {
        let meaning = |at: Refused| Error::Conflict(format!("{at:?}"));
        assert!(
            matches!(StoreError::ConditionFailed.when_refused(meaning), Error::Conflict(m) if m == "Write")
        );
        assert!(
            matches!(StoreError::TransactionConditionFailed(2).when_refused(meaning), Error::Conflict(m) if m == "At(2)")
        );
        // A dependency failure stays one (503), whatever the caller meant.
        let outage = StoreError::Unavailable("down".into()).when_refused(meaning);
        assert_eq!(outage.status(), 503, "{outage:?}");
        let corrupt = StoreError::Corrupt("bad".into()).when_refused(meaning);
        assert_eq!(corrupt.status(), 500, "{corrupt:?}");
    }

    #[test]
    fn a_refused_write_is_done_and_a_failed_one_is_not() {
        assert!(done_if_refused(Err(StoreError::ConditionFailed)).is_ok());
        assert!(done_if_refused(Ok(())).is_ok());
        assert!(matches!(
            done_if_refused(Err(StoreError::Unavailable("down".into()))),
            Err(StoreError::Unavailable(_))
        ));
    }
}
