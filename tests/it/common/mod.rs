//! Backends for the integration tests: a fresh embedded store in a temporary
//! folder, or a fresh table on the DynamoDB emulator the test command started.

#![allow(dead_code)]

pub mod aws_calls;
pub mod lambda;
pub mod runtime_api;
pub mod template_env;
pub mod wire_counter;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::Value;
use servicedesk_shared::store::ItemStore;
use servicedesk_shared::store::dynamodb::{DynamoDbStore, create_table};
use servicedesk_shared::store::embedded::EmbeddedStore;

/// Set by `scripts/test-all.sh` to the emulator (moto) it started.
pub const ENDPOINT_VAR: &str = "SERVICEDESK_TEST_AWS_ENDPOINT";

pub async fn embedded() -> Option<Arc<dyn ItemStore>> {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = EmbeddedStore::open(&dir.path().join("store.redb")).expect("open store");
    // The folder must outlive the test; the OS cleans the temp dir.
    std::mem::forget(dir);
    Some(Arc::new(store))
}

/// A separate emulator for SES, if the test command started one: reading
/// sent mail back dumps the emulator's whole state, slow on the busy one.
pub const SES_ENDPOINT_VAR: &str = "SERVICEDESK_TEST_SES_ENDPOINT";

/// SDK configuration for the emulator, or `None` when it is not configured.
/// With `SERVICEDESK_REQUIRE_EMULATOR=1` (the test command sets it) a missing
/// emulator fails the test instead of skipping it.
pub async fn emulator_config() -> Option<aws_config::SdkConfig> {
    config_for(std::env::var(ENDPOINT_VAR).ok()).await
}

/// SDK configuration for the SES emulator (the main one if there is no other).
pub async fn ses_emulator_config() -> Option<aws_config::SdkConfig> {
    config_for(ses_endpoint()).await
}

/// The SES emulator's endpoint, when configured.
pub fn ses_endpoint() -> Option<String> {
    std::env::var(SES_ENDPOINT_VAR).ok().or_else(emulator_endpoint)
}

async fn config_for(endpoint: Option<String>) -> Option<aws_config::SdkConfig> {
    let Some(endpoint) = endpoint else {
        assert!(
            std::env::var("SERVICEDESK_REQUIRE_EMULATOR").is_err(),
            "{ENDPOINT_VAR} is not set but the emulator is required"
        );
        return None;
    };
    let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .endpoint_url(endpoint)
        .region(aws_config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_dynamodb::config::Credentials::new(
            "test", "test", None, None, "tests",
        ))
        // moto is not thread-safe under concurrent TransactWriteItems: it
        // sometimes answers 500 ("dictionary changed size during iteration")
        // before applying anything. The SDK retries 5xx; give it more tries.
        .retry_config(aws_config::retry::RetryConfig::standard().with_max_attempts(10))
        .load()
        .await;
    Some(config)
}

/// The messages the emulator accepted for `to`.
pub async fn ses_sent_to(to: &str) -> Vec<Value> {
    let endpoint = ses_endpoint().expect("emulator endpoint");
    let data: Value = reqwest::get(format!("{endpoint}/moto-api/data.json"))
        .await
        .expect("moto state")
        .json()
        .await
        .expect("moto state JSON");
    data["ses"]["Message"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|m| {
            m["destinations"]["ToAddresses"]
                .as_array()
                .is_some_and(|a| a.iter().any(|a| a == to))
        })
        .cloned()
        .collect()
}

/// Creates the app secret `name` on the emulator, with a fresh random value
/// (the base64 of 32 bytes, as a deployment stores it).
pub async fn create_app_secret(sdk: &aws_config::SdkConfig, name: &str) {
    aws_sdk_secretsmanager::Client::new(sdk)
        .create_secret()
        .name(name)
        .secret_string(servicedesk_shared::secret::Secret::generate().to_base64())
        .send()
        .await
        .expect("the app secret on the emulator");
}

/// The emulator's endpoint, when configured.
pub fn emulator_endpoint() -> Option<String> {
    std::env::var(ENDPOINT_VAR).ok()
}

/// A client on the emulator that records what each function asks of it.
pub async fn dynamodb_client() -> Option<aws_sdk_dynamodb::Client> {
    let config = aws_sdk_dynamodb::config::Builder::from(&emulator_config().await?)
        .interceptor(aws_calls::Recorder)
        .build();
    Some(aws_sdk_dynamodb::Client::from_conf(config))
}

static TABLES: AtomicUsize = AtomicUsize::new(0);

/// A store on a new, empty table of the emulator.
pub async fn dynamodb() -> Option<Arc<dyn ItemStore>> {
    let client = dynamodb_client().await?;
    let table = format!(
        "servicedesk-test-{}-{}",
        std::process::id(),
        TABLES.fetch_add(1, Ordering::SeqCst)
    );
    create_table(&client, &table)
        .await
        .expect("create table on the emulator");
    Some(Arc::new(DynamoDbStore::new(client, table)))
}

/// Runs each `async fn(Arc<dyn ItemStore>)` on the embedded store and on the
/// emulator's DynamoDB: `on_both_backends!(flow_a, flow_b);`.
#[macro_export]
macro_rules! on_both_backends {
    ($($flow:ident),* $(,)?) => {
        mod embedded_backend {
            $(
                #[tokio::test]
                async fn $flow() {
                    super::$flow(super::common::embedded().await.expect("embedded store")).await;
                }
            )*
        }
        mod dynamodb_backend {
            $(
                #[tokio::test]
                async fn $flow() {
                    match super::common::dynamodb().await {
                        Some(store) => super::$flow(store).await,
                        None => eprintln!("skipped: no emulator configured"),
                    }
                }
            )*
        }
    };
}

/// The secret of an emailed link, `{PUBLIC_URL}/{page}#{name}=<secret>`,
/// checking that the HTML part carries the same link.
pub fn link_secret(message: &servicedesk_shared::mail::Message, page: &str, name: &str) -> String {
    let prefix = format!("{}/{page}#{name}=", servicedesk_shared::testing::PUBLIC_URL);
    let start = message
        .text
        .find(&prefix)
        .unwrap_or_else(|| panic!("no {page} link in {}", message.text))
        + prefix.len();
    let secret: String = message.text[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    assert_eq!(secret.len(), 43, "256 random bits, URL-safe: {secret}");
    assert!(
        message.html.contains(&format!("{prefix}{secret}")),
        "the HTML part carries the link too"
    );
    secret
}
