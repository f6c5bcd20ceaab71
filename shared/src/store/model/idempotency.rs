//! Idempotency records: what one `Idempotency-Key` claimed and created.

use serde_json::Value;

use super::keys::idempotency_key;
use super::{ENTITY, Item, StoreError};
use crate::store::EXPIRES_AT;

/// The `claim` of a finished idempotency record: no request holds it any
/// more, so no release can remove it.
pub const IDEMPOTENCY_DONE: &str = "done";

/// An idempotency record: claimed by one request (`claim`, held until
/// `lease_until`) and, once that request's work is stored, its `result`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyRecord {
    pub fingerprint: String,
    pub claim: String,
    pub lease_until: i64,
    pub result: Option<String>,
    pub expires_at: i64,
}

pub fn idempotency_item(id: &str, record: &IdempotencyRecord) -> Item {
    let key = idempotency_key(id);
    let item = Item::new(key.pk, key.sk)
        .with(ENTITY, "idempotency")
        .with("fingerprint", record.fingerprint.as_str())
        .with("claim", record.claim.as_str())
        .with("lease_until", record.lease_until)
        .with(EXPIRES_AT, record.expires_at);
    match &record.result {
        Some(result) => item.with("result", result.as_str()),
        None => item,
    }
}

pub fn idempotency_from_item(item: &Item) -> Result<IdempotencyRecord, StoreError> {
    let number = |name: &str| {
        item.get(name)
            .and_then(Value::as_i64)
            .ok_or_else(|| StoreError::Corrupt(format!("idempotency record without {name}")))
    };
    let result = item.get("result").and_then(Value::as_str).map(str::to_owned);
    // Records of before claims existed are finished ones: a result, no claim.
    let finished_before_claims = result.is_some() && item.get("claim").is_none();
    Ok(IdempotencyRecord {
        fingerprint: item.string("fingerprint")?.to_owned(),
        claim: if finished_before_claims {
            IDEMPOTENCY_DONE.to_owned()
        } else {
            item.string("claim")?.to_owned()
        },
        lease_until: if finished_before_claims {
            0
        } else {
            number("lease_until")?
        },
        result,
        expires_at: number(EXPIRES_AT)?,
    })
}
