//! Delivers ticket notifications: consumes the table's DynamoDB Stream
//! (filtered to new outbox items) and sends each notification through the
//! mail port; every few minutes a scheduled event (no records) sweeps what
//! is still pending, so nothing the stream gave up on stays unsent. A record that fails is reported in the partial batch
//! response, so Lambda retries from it; after the retries the event source
//! sends it to the dead-letter queue. Sending is idempotent per address
//! (see `conversation::notify`), so retries and duplicate deliveries never
//! mail anyone twice.

use serde::{Deserialize, Serialize};
use servicedesk_shared::App;
use servicedesk_shared::conversation::notify;
use servicedesk_shared::store::model;

/// The parts of a DynamoDB Stream event this function reads.
#[derive(Debug, Deserialize)]
pub struct StreamEvent {
    #[serde(rename = "Records", default)]
    pub records: Vec<StreamRecord>,
}

#[derive(Debug, Deserialize)]
pub struct StreamRecord {
    #[serde(rename = "eventName", default)]
    pub event_name: String,
    pub dynamodb: StreamData,
}

#[derive(Debug, Deserialize)]
pub struct StreamData {
    #[serde(rename = "Keys")]
    pub keys: Keys,
    #[serde(rename = "SequenceNumber")]
    pub sequence_number: String,
}

#[derive(Debug, Deserialize)]
pub struct Keys {
    #[serde(rename = "PK")]
    pub pk: StringValue,
}

#[derive(Debug, Deserialize)]
pub struct StringValue {
    #[serde(rename = "S")]
    pub s: String,
}

/// Lambda's partial batch response (`ReportBatchItemFailures`).
#[derive(Debug, Default, Serialize, PartialEq)]
pub struct BatchResponse {
    #[serde(rename = "batchItemFailures")]
    pub batch_item_failures: Vec<ItemFailure>,
}

#[derive(Debug, Serialize, PartialEq)]
pub struct ItemFailure {
    #[serde(rename = "itemIdentifier")]
    pub item_identifier: String,
}

/// Pending notifications one sweep delivers at most (well within the timeout).
pub const SWEEP_LIMIT: u32 = 25;

pub async fn handler(app: &App, event: StreamEvent) -> Result<BatchResponse, lambda_http::Error> {
    let mut response = BatchResponse::default();
    if event.records.is_empty() {
        // The schedule: deliver what is still pending, oldest first.
        let delivered = notify::deliver_pending(app, SWEEP_LIMIT).await?;
        tracing::info!(delivered, "swept pending notifications");
        return Ok(response);
    }
    for record in event.records {
        // The event source filter passes outbox inserts only; stay safe anyway.
        let Some(id) = model::outbox_id(&record.dynamodb.keys.pk.s) else {
            continue;
        };
        if record.event_name != "INSERT" {
            continue;
        }
        if let Err(err) = notify::deliver_by_id(app, id).await {
            tracing::warn!(error = %err, id, "notification failed; Lambda will retry it");
            // Records after a failure are retried too, in order.
            response.batch_item_failures.push(ItemFailure {
                item_identifier: record.dynamodb.sequence_number,
            });
            break;
        }
    }
    Ok(response)
}
