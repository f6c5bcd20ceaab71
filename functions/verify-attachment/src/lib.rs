//! Checks uploaded attachments: triggered by S3 "object created" events on
//! the `pending/` prefix. A file whose size or first bytes do not match
//! what was announced is deleted and its attachment rejected; a good one
//! becomes available, with a history event and a notification. A failure
//! of ours (store or S3 unavailable) fails the invocation, so Lambda
//! retries the event; verification is safe to repeat.

use serde::Deserialize;
use servicedesk_shared::App;
use servicedesk_shared::attachments;

/// The parts of an S3 event notification this function reads.
#[derive(Debug, Deserialize)]
pub struct S3Event {
    #[serde(rename = "Records", default)]
    pub records: Vec<S3Record>,
}

#[derive(Debug, Deserialize)]
pub struct S3Record {
    pub s3: S3Entity,
}

#[derive(Debug, Deserialize)]
pub struct S3Entity {
    pub object: S3Object,
}

#[derive(Debug, Deserialize)]
pub struct S3Object {
    /// URL-encoded, as S3 sends it (spaces as `+`).
    pub key: String,
}

pub async fn handler(app: &App, event: S3Event) -> Result<(), lambda_http::Error> {
    for record in event.records {
        let key = percent_encoding::percent_decode_str(&record.s3.object.key.replace('+', " "))
            .decode_utf8()?
            .into_owned();
        let verdict = attachments::verify(app, &key).await?;
        tracing::info!(key, ?verdict, "attachment checked");
    }
    Ok(())
}
