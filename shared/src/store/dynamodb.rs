//! The DynamoDB backend: each port operation is one DynamoDB request.

use std::collections::HashMap;

use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, ConditionCheck, Delete, GlobalSecondaryIndex,
    KeySchemaElement, KeyType, KeysAndAttributes, Projection, ProjectionType, Put, ReturnValue,
    ScalarAttributeType, TransactWriteItem, Update,
};
use serde_json::{Number, Value};

use super::{
    Condition, Index, Item, ItemStore, Key, PK, Page, Position, Query, SK, StoreError, Write,
    validate_transaction,
};

type Av = HashMap<String, AttributeValue>;

/// BatchGetItem's limit on keys per request.
const BATCH_GET_LIMIT: usize = 100;
/// Retries of keys BatchGetItem left unprocessed (25 ms doubling: ≤ 775 ms).
const BATCH_GET_ATTEMPTS: u32 = 5;

#[derive(Clone)]
pub struct DynamoDbStore {
    client: Client,
    table: String,
}

impl DynamoDbStore {
    /// Borrows an already-built client: build it once, in `main`.
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }
}

fn to_av(value: &Value) -> AttributeValue {
    match value {
        Value::Null => AttributeValue::Null(true),
        Value::Bool(b) => AttributeValue::Bool(*b),
        Value::Number(n) => AttributeValue::N(n.to_string()),
        Value::String(s) => AttributeValue::S(s.clone()),
        Value::Array(items) => AttributeValue::L(items.iter().map(to_av).collect()),
        Value::Object(map) => AttributeValue::M(map.iter().map(|(k, v)| (k.clone(), to_av(v))).collect()),
    }
}

fn from_av(value: &AttributeValue) -> Result<Value, StoreError> {
    Ok(match value {
        AttributeValue::Null(_) => Value::Null,
        AttributeValue::Bool(b) => Value::Bool(*b),
        AttributeValue::S(s) => Value::String(s.clone()),
        AttributeValue::N(n) => {
            let number = n
                .parse::<i64>()
                .map(Number::from)
                .ok()
                .or_else(|| n.parse::<f64>().ok().and_then(Number::from_f64))
                .ok_or_else(|| StoreError::Corrupt(format!("bad number {n}")))?;
            Value::Number(number)
        }
        AttributeValue::L(items) => Value::Array(items.iter().map(from_av).collect::<Result<_, _>>()?),
        AttributeValue::M(map) => Value::Object(
            map.iter()
                .map(|(k, v)| Ok((k.clone(), from_av(v)?)))
                .collect::<Result<_, StoreError>>()?,
        ),
        other => {
            return Err(StoreError::Corrupt(format!(
                "unsupported attribute type {other:?}"
            )));
        }
    })
}

fn item_to_av(item: &Item) -> Av {
    item.0.iter().map(|(k, v)| (k.clone(), to_av(v))).collect()
}

fn item_from_av(av: &Av) -> Result<Item, StoreError> {
    av.iter()
        .map(|(k, v)| Ok((k.clone(), from_av(v)?)))
        .collect::<Result<_, StoreError>>()
        .map(Item)
}

fn key_av(key: &Key) -> Av {
    HashMap::from([
        (PK.to_owned(), AttributeValue::S(key.pk.clone())),
        (SK.to_owned(), AttributeValue::S(key.sk.clone())),
    ])
}

/// A condition as a DynamoDB expression, with its placeholder names/values.
#[derive(Default)]
struct Expr {
    text: Option<String>,
    names: HashMap<String, String>,
    values: Av,
}

impl Expr {
    fn condition(condition: Option<&Condition>) -> Self {
        let mut expr = Self::default();
        expr.text = condition.map(|c| match c {
            Condition::NotExists => {
                expr.names.insert("#cpk".into(), PK.into());
                "attribute_not_exists(#cpk)".to_owned()
            }
            Condition::Exists => {
                expr.names.insert("#cpk".into(), PK.into());
                "attribute_exists(#cpk)".to_owned()
            }
            Condition::Equals(name, value) => {
                expr.names.insert("#cattr".into(), name.clone());
                expr.values.insert(":cval".into(), to_av(value));
                "#cattr = :cval".to_owned()
            }
            Condition::AtMost(name, limit) => {
                expr.names.insert("#cattr".into(), name.clone());
                expr.values
                    .insert(":cval".into(), AttributeValue::N(limit.to_string()));
                "(attribute_not_exists(#cattr) OR #cattr <= :cval)".to_owned()
            }
        });
        expr
    }

    fn names(&self) -> Option<HashMap<String, String>> {
        (!self.names.is_empty()).then(|| self.names.clone())
    }

    fn values(&self) -> Option<Av> {
        (!self.values.is_empty()).then(|| self.values.clone())
    }
}

/// `SET #s0 = :s0, ... REMOVE #r0, ...` plus the condition, sharing placeholders.
fn update_expr(set: &super::Attributes, remove: &[String], condition: Option<&Condition>) -> (String, Expr) {
    let mut expr = Expr::condition(condition);
    let mut parts = Vec::new();
    if !set.is_empty() {
        let sets: Vec<String> = set
            .iter()
            .enumerate()
            .map(|(i, (name, value))| {
                expr.names.insert(format!("#s{i}"), name.clone());
                expr.values.insert(format!(":s{i}"), to_av(value));
                format!("#s{i} = :s{i}")
            })
            .collect();
        parts.push(format!("SET {}", sets.join(", ")));
    }
    if !remove.is_empty() {
        let removes: Vec<String> = remove
            .iter()
            .enumerate()
            .map(|(i, name)| {
                expr.names.insert(format!("#r{i}"), name.clone());
                format!("#r{i}")
            })
            .collect();
        parts.push(format!("REMOVE {}", removes.join(", ")));
    }
    (parts.join(" "), expr)
}

fn classify<E, R>(err: SdkError<E, R>) -> StoreError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    if let Some(service) = err.as_service_error() {
        match service.code() {
            Some("ValidationException") => {
                return StoreError::Invalid(service.message().unwrap_or("validation failed").to_owned());
            }
            // A wrong table name is configuration, not an outage: retrying cannot help.
            Some("ResourceNotFoundException") => {
                return StoreError::Invalid(
                    "the table (or index) does not exist in this account and region; check the table name"
                        .into(),
                );
            }
            _ => {}
        }
    }
    StoreError::Unavailable(DisplayErrorContext(&err).to_string())
}

fn build_err(err: aws_sdk_dynamodb::error::BuildError) -> StoreError {
    StoreError::Invalid(err.to_string())
}

fn transact_item(write: &Write, table: &str) -> Result<TransactWriteItem, StoreError> {
    let builder = TransactWriteItem::builder();
    Ok(match write {
        Write::Put { item, condition } => {
            let expr = Expr::condition(condition.as_ref());
            builder
                .put(
                    Put::builder()
                        .table_name(table)
                        .set_item(Some(item_to_av(item)))
                        .set_condition_expression(expr.text.clone())
                        .set_expression_attribute_names(expr.names())
                        .set_expression_attribute_values(expr.values())
                        .build()
                        .map_err(build_err)?,
                )
                .build()
        }
        Write::Update {
            key,
            set,
            remove,
            condition,
        } => {
            let (update, expr) = update_expr(set, remove, condition.as_ref());
            builder
                .update(
                    Update::builder()
                        .table_name(table)
                        .set_key(Some(key_av(key)))
                        .update_expression(update)
                        .set_condition_expression(expr.text.clone())
                        .set_expression_attribute_names(expr.names())
                        .set_expression_attribute_values(expr.values())
                        .build()
                        .map_err(build_err)?,
                )
                .build()
        }
        Write::Delete { key, condition } => {
            let expr = Expr::condition(condition.as_ref());
            builder
                .delete(
                    Delete::builder()
                        .table_name(table)
                        .set_key(Some(key_av(key)))
                        .set_condition_expression(expr.text.clone())
                        .set_expression_attribute_names(expr.names())
                        .set_expression_attribute_values(expr.values())
                        .build()
                        .map_err(build_err)?,
                )
                .build()
        }
        Write::Check { key, condition } => {
            let expr = Expr::condition(Some(condition));
            builder
                .condition_check(
                    ConditionCheck::builder()
                        .table_name(table)
                        .set_key(Some(key_av(key)))
                        .set_condition_expression(expr.text.clone())
                        .set_expression_attribute_names(expr.names())
                        .set_expression_attribute_values(expr.values())
                        .build()
                        .map_err(build_err)?,
                )
                .build()
        }
    })
}

fn start_key(position: &Position, index: Option<Index>) -> Av {
    let mut key = key_av(&Key::new(&position.pk, &position.sk));
    if let (Some(ix), Some(ipk), Some(isk)) = (index, &position.index_pk, &position.index_sk) {
        key.insert(ix.pk_attr().into(), AttributeValue::S(ipk.clone()));
        key.insert(ix.sk_attr().into(), AttributeValue::S(isk.clone()));
    }
    key
}

#[async_trait]
impl ItemStore for DynamoDbStore {
    async fn get(&self, key: &Key) -> Result<Option<Item>, StoreError> {
        super::check_key(key)?;
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key_av(key)))
            .consistent_read(true)
            .send()
            .await
            .map_err(classify)?;
        out.item().map(item_from_av).transpose()
    }

    async fn get_many(&self, keys: &[Key]) -> Result<Vec<Item>, StoreError> {
        // BatchGetItem refuses repeated keys and takes 100 at a time.
        let keys: Vec<&Key> = keys
            .iter()
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        for key in &keys {
            super::check_key(key)?;
        }
        let mut found = Vec::with_capacity(keys.len());
        for chunk in keys.chunks(BATCH_GET_LIMIT) {
            let mut pending: Vec<Av> = chunk.iter().map(|key| key_av(key)).collect();
            // Keys DynamoDB leaves unprocessed (throttling, 16 MB) are asked
            // again with backoff; after the last try the read is unavailable.
            for attempt in 0.. {
                let request = KeysAndAttributes::builder()
                    .set_keys(Some(pending))
                    .consistent_read(true)
                    .build()
                    .map_err(build_err)?;
                let out = self
                    .client
                    .batch_get_item()
                    .request_items(&self.table, request)
                    .send()
                    .await
                    .map_err(classify)?;
                if let Some(items) = out.responses().and_then(|r| r.get(&self.table)) {
                    for av in items {
                        found.push(item_from_av(av)?);
                    }
                }
                pending = out
                    .unprocessed_keys()
                    .and_then(|u| u.get(&self.table))
                    .map(|k| k.keys().to_vec())
                    .unwrap_or_default();
                if pending.is_empty() {
                    break;
                }
                if attempt == BATCH_GET_ATTEMPTS {
                    return Err(StoreError::Unavailable(format!(
                        "{} keys stayed unprocessed after {BATCH_GET_ATTEMPTS} retries",
                        pending.len()
                    )));
                }
                tokio::time::sleep(std::time::Duration::from_millis(25 << attempt)).await;
            }
        }
        Ok(found)
    }

    async fn write(&self, write: Write) -> Result<(), StoreError> {
        super::check_key(&write.key()?)?;
        let conditional_failed = |code: Option<&str>| code == Some("ConditionalCheckFailedException");
        // Each arm is the single-item request for that write; conditional
        // failures become `ConditionFailed`, everything else is classified.
        macro_rules! send {
            ($request:expr) => {
                match $request.send().await {
                    Ok(_) => Ok(()),
                    Err(err) if conditional_failed(err.as_service_error().and_then(|e| e.code())) => {
                        Err(StoreError::ConditionFailed)
                    }
                    Err(err) => Err(classify(err)),
                }
            };
        }
        match &write {
            Write::Put { item, condition } => {
                let expr = Expr::condition(condition.as_ref());
                send!(
                    self.client
                        .put_item()
                        .table_name(&self.table)
                        .set_item(Some(item_to_av(item)))
                        .set_condition_expression(expr.text.clone())
                        .set_expression_attribute_names(expr.names())
                        .set_expression_attribute_values(expr.values())
                )
            }
            Write::Update {
                key,
                set,
                remove,
                condition,
            } => {
                let (update, expr) = update_expr(set, remove, condition.as_ref());
                send!(
                    self.client
                        .update_item()
                        .table_name(&self.table)
                        .set_key(Some(key_av(key)))
                        .update_expression(update)
                        .set_condition_expression(expr.text.clone())
                        .set_expression_attribute_names(expr.names())
                        .set_expression_attribute_values(expr.values())
                )
            }
            Write::Delete { key, condition } => {
                let expr = Expr::condition(condition.as_ref());
                send!(
                    self.client
                        .delete_item()
                        .table_name(&self.table)
                        .set_key(Some(key_av(key)))
                        .set_condition_expression(expr.text.clone())
                        .set_expression_attribute_names(expr.names())
                        .set_expression_attribute_values(expr.values())
                )
            }
            // A lone check is a transaction of one: DynamoDB has no single-item check.
            Write::Check { .. } => self.transact(vec![write]).await.map_err(|e| match e {
                StoreError::TransactionConditionFailed(_) => StoreError::ConditionFailed,
                other => other,
            }),
        }
    }

    async fn transact(&self, writes: Vec<Write>) -> Result<(), StoreError> {
        validate_transaction(&writes)?;
        let items = writes
            .iter()
            .map(|w| transact_item(w, &self.table))
            .collect::<Result<Vec<_>, _>>()?;
        match self
            .client
            .transact_write_items()
            .set_transact_items(Some(items))
            // The SDK retries failed requests with this same token, which
            // makes DynamoDB apply the transaction at most once: a retry of
            // one that was applied but answered with an error succeeds
            // instead of failing its own conditions.
            .client_request_token(crate::ids::IdGenerator::new_id(&crate::ids::UuidV7))
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(err) => {
                if let Some(aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError::TransactionCanceledException(cancel)) =
                    err.as_service_error()
                    && let Some(position) = cancel
                        .cancellation_reasons()
                        .iter()
                        .position(|r| r.code() == Some("ConditionalCheckFailed"))
                {
                    return Err(StoreError::TransactionConditionFailed(position));
                }
                if let Some(aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError::TransactionCanceledException(cancel)) =
                    err.as_service_error()
                    && cancel.cancellation_reasons().iter().any(|r| r.code() == Some("TransactionConflict"))
                {
                    return Err(StoreError::TransactionConflict);
                }
                Err(classify(err))
            }
        }
    }

    async fn increment(
        &self,
        key: &Key,
        attribute: &str,
        by: i64,
        expires_at: Option<i64>,
    ) -> Result<i64, StoreError> {
        super::check_key(key)?;
        let mut request = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key_av(key)))
            .expression_attribute_names("#n", attribute)
            .expression_attribute_values(":by", AttributeValue::N(by.to_string()))
            .return_values(ReturnValue::UpdatedNew);
        request = match expires_at {
            None => request.update_expression("ADD #n :by"),
            Some(at) => request
                .update_expression("ADD #n :by SET #ttl = if_not_exists(#ttl, :ttl)")
                .expression_attribute_names("#ttl", super::EXPIRES_AT)
                .expression_attribute_values(":ttl", AttributeValue::N(at.to_string())),
        };
        let out = request.send().await.map_err(classify)?;
        match out.attributes().and_then(|a| a.get(attribute)) {
            Some(AttributeValue::N(n)) => n
                .parse()
                .map_err(|_| StoreError::Corrupt(format!("counter {attribute} is not an integer"))),
            _ => Err(StoreError::Corrupt(format!(
                "counter {attribute} missing from response"
            ))),
        }
    }

    async fn query(&self, query: &Query) -> Result<Page, StoreError> {
        let (pk_attr, sk_attr) = match query.index {
            Some(ix) => (ix.pk_attr(), ix.sk_attr()),
            None => (PK, SK),
        };
        let mut request = self
            .client
            .query()
            .table_name(&self.table)
            .set_index_name(query.index.map(|ix| ix.name().to_owned()))
            .expression_attribute_names("#pk", pk_attr)
            .expression_attribute_values(":pk", AttributeValue::S(query.partition.clone()))
            .scan_index_forward(query.ascending)
            .limit(query.limit.clamp(1, 1000) as i32)
            .set_exclusive_start_key(query.start_after.as_ref().map(|p| start_key(p, query.index)));
        request = if query.sort_prefix.is_empty() {
            request.key_condition_expression("#pk = :pk")
        } else {
            request
                .key_condition_expression("#pk = :pk AND begins_with(#sk, :prefix)")
                .expression_attribute_names("#sk", sk_attr)
                .expression_attribute_values(":prefix", AttributeValue::S(query.sort_prefix.clone()))
        };
        let out = request.send().await.map_err(classify)?;
        Ok(Page {
            items: out.items().iter().map(item_from_av).collect::<Result<_, _>>()?,
            more: out.last_evaluated_key().is_some_and(|k| !k.is_empty()),
        })
    }
}

/// Creates the table as `infra/template.yaml` declares it (keys and indexes),
/// for tests and local runs against an emulator. In AWS the template owns it.
pub async fn create_table(client: &Client, table: &str) -> Result<(), StoreError> {
    let attr = |name: &str| {
        AttributeDefinition::builder()
            .attribute_name(name)
            .attribute_type(ScalarAttributeType::S)
            .build()
            .map_err(build_err)
    };
    let key = |name: &str, key_type: KeyType| {
        KeySchemaElement::builder()
            .attribute_name(name)
            .key_type(key_type)
            .build()
            .map_err(build_err)
    };
    let mut request = client
        .create_table()
        .table_name(table)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(attr(PK)?)
        .attribute_definitions(attr(SK)?)
        .key_schema(key(PK, KeyType::Hash)?)
        .key_schema(key(SK, KeyType::Range)?);
    for index in Index::ALL {
        request = request
            .attribute_definitions(attr(index.pk_attr())?)
            .attribute_definitions(attr(index.sk_attr())?)
            .global_secondary_indexes(
                GlobalSecondaryIndex::builder()
                    .index_name(index.name())
                    .key_schema(key(index.pk_attr(), KeyType::Hash)?)
                    .key_schema(key(index.sk_attr(), KeyType::Range)?)
                    .projection(match index.projection() {
                        crate::store::Projection::All => {
                            Projection::builder().projection_type(ProjectionType::All).build()
                        }
                        crate::store::Projection::Include(names) => Projection::builder()
                            .projection_type(ProjectionType::Include)
                            .set_non_key_attributes(Some(names.iter().map(|n| (*n).to_owned()).collect()))
                            .build(),
                    })
                    .build()
                    .map_err(build_err)?,
            );
    }
    request.send().await.map_err(classify)?;
    Ok(())
}
