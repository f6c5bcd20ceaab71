//! Records, at the wire, what each function asks of AWS: an interceptor on
//! the emulator's DynamoDB, S3 and SES clients reads every request the SDK
//! serializes (presigned ones too: the signer needs the grant) and records
//! the IAM actions it takes and on what, for the function running it
//! (`servicedesk_shared::testing::aws_calls`). `least_privilege.rs` holds
//! the record against the template.

use aws_sdk_dynamodb::config::interceptors::BeforeTransmitInterceptorContextRef;
use aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_dynamodb::error::BoxError;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use serde_json::Value;
use servicedesk_shared::testing::aws_calls::{current_function, record};

#[derive(Debug)]
pub struct Recorder;

impl Intercept for Recorder {
    fn name(&self) -> &'static str {
        "servicedesk least-privilege recorder"
    }

    // After the endpoint is resolved (the bucket is in the path then), and
    // before a presigned request stops short of sending.
    fn read_before_transmit(
        &self,
        context: &BeforeTransmitInterceptorContextRef<'_>,
        _: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if current_function().is_none() {
            return Ok(());
        }
        let Some(metadata) = cfg.load::<Metadata>() else {
            return Ok(());
        };
        let request = context.request();
        let body: Value = request
            .body()
            .bytes()
            .and_then(|bytes| serde_json::from_slice(bytes).ok())
            .unwrap_or(Value::Null);
        let header = |name: &str| request.headers().get(name).map(str::to_owned);
        for (action, resource) in actions(metadata.service(), metadata.name(), request.uri(), &body, header) {
            record(&action, &resource);
        }
        Ok(())
    }
}

/// The IAM actions a request needs, with the symbolic resource of each.
fn actions(
    service: &str,
    operation: &str,
    uri: &str,
    body: &Value,
    header: impl Fn(&str) -> Option<String>,
) -> Vec<(String, String)> {
    match service.to_ascii_lowercase().as_str() {
        "dynamodb" => dynamodb(operation, body),
        "s3" => s3(operation, uri, header),
        "sesv2" => {
            let mut needed = vec![("ses:SendEmail".to_owned(), "ses:identity".to_owned())];
            if body["ConfigurationSetName"].is_string() {
                needed.push(("ses:SendEmail".into(), "ses:configuration-set".into()));
            }
            assert_eq!(operation, "SendEmail", "the SES adapter only sends");
            needed
        }
        other => panic!("no IAM mapping for {other} {operation}"),
    }
}

/// One deployment, one table: any table name is "table".
fn table(index: Option<&str>) -> String {
    match index {
        Some(index) => format!("table/index/{index}"),
        None => "table".into(),
    }
}

fn dynamodb(operation: &str, body: &Value) -> Vec<(String, String)> {
    let at = |action: &str| vec![(format!("dynamodb:{action}"), table(body["IndexName"].as_str()))];
    match operation {
        // A transaction is authorized element by element (there is no
        // TransactWriteItems action): Put → PutItem, Update → UpdateItem, ...
        "TransactWriteItems" => body["TransactItems"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|element| element.as_object().into_iter().flat_map(|o| o.keys()))
            .map(|kind| {
                let action = match kind.as_str() {
                    "Put" => "PutItem",
                    "Update" => "UpdateItem",
                    "Delete" => "DeleteItem",
                    "ConditionCheck" => "ConditionCheckItem",
                    other => panic!("unknown transaction element {other}"),
                };
                (format!("dynamodb:{action}"), table(None))
            })
            .collect(),
        "TransactGetItems" => vec![("dynamodb:GetItem".into(), table(None))],
        "GetItem" | "PutItem" | "UpdateItem" | "DeleteItem" | "Query" | "Scan" | "BatchGetItem"
        | "BatchWriteItem" => at(operation),
        other => panic!("a function called DynamoDB {other}: map it to its IAM action here"),
    }
}

/// The bucket, or the key's first segment under it (`bucket/pending/*`).
fn s3(operation: &str, uri: &str, header: impl Fn(&str) -> Option<String>) -> Vec<(String, String)> {
    // Path-style (the tests force it): /<bucket>/<key>?...
    let path = uri.split_once("://").map_or(uri, |(_, rest)| rest);
    let path = path.split_once('/').map_or("", |(_, path)| path);
    let path = path.split('?').next().unwrap_or_default();
    let prefix = |key: &str| match key.split_once('/') {
        Some((first, _)) => format!("bucket/{first}/*"),
        None => "bucket/*".to_owned(),
    };
    let key = path.split_once('/').map(|(_, key)| key).unwrap_or_default();
    let object = prefix(key);
    let action = |name: &str, resource: &str| (format!("s3:{name}"), resource.to_owned());
    match operation {
        "PutObject" => vec![action("PutObject", &object)],
        "GetObject" => vec![action("GetObject", &object)],
        // Without ListBucket, S3 answers a missing key with 403, not 404.
        "HeadObject" => vec![action("GetObject", &object), action("ListBucket", "bucket")],
        "DeleteObject" => vec![action("DeleteObject", &object)],
        "CopyObject" => {
            let source = header("x-amz-copy-source").expect("a copy names its source");
            let source = percent_encoding::percent_decode_str(source.trim_start_matches('/'))
                .decode_utf8_lossy()
                .into_owned();
            let source_key = source.split_once('/').map(|(_, key)| key).unwrap_or_default();
            vec![
                action("GetObject", &prefix(source_key)),
                action("PutObject", &object),
            ]
        }
        "ListObjectsV2" => vec![action("ListBucket", "bucket")],
        other => panic!("a function called S3 {other}: map it to its IAM actions here"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_transaction_needs_the_action_of_each_element() {
        let body = serde_json::json!({ "TransactItems": [
            { "Put": {} }, { "Update": {} }, { "ConditionCheck": {} }, { "Delete": {} }
        ]});
        let needed: Vec<String> = dynamodb("TransactWriteItems", &body)
            .into_iter()
            .map(|(a, _)| a)
            .collect();
        assert_eq!(
            needed,
            [
                "dynamodb:PutItem",
                "dynamodb:UpdateItem",
                "dynamodb:ConditionCheckItem",
                "dynamodb:DeleteItem"
            ]
        );
        let query = dynamodb("Query", &serde_json::json!({ "IndexName": "GSI3" }));
        assert_eq!(
            query,
            vec![("dynamodb:Query".to_owned(), "table/index/GSI3".to_owned())]
        );
    }

    #[test]
    fn s3_requests_name_their_prefix() {
        let none = |_: &str| None;
        assert_eq!(
            s3("HeadObject", "http://127.0.0.1:5000/b/pending/x/y.pdf", none),
            vec![
                ("s3:GetObject".to_owned(), "bucket/pending/*".to_owned()),
                ("s3:ListBucket".to_owned(), "bucket".to_owned())
            ]
        );
        let copy = s3("CopyObject", "http://h/b/files/x", |_: &str| {
            Some("b/pending%2Fx".into())
        });
        assert_eq!(
            copy[0],
            ("s3:GetObject".to_owned(), "bucket/pending/*".to_owned())
        );
        assert_eq!(copy[1], ("s3:PutObject".to_owned(), "bucket/files/*".to_owned()));
    }
}
