//! `SERVICEDESK_TEST_AWS_ENDPOINT=http://127.0.0.1:PORT cargo bench --bench function_init`:
//! what a function's init costs beyond loading the SDK configuration, with
//! moto (started by hand, e.g. `python scripts/moto_serial.py 127.0.0.1 PORT`)
//! standing in for AWS on loopback: the clients, the one Secrets Manager read
//! of the app secret, and the App. Loopback hides the network round trip a
//! real region adds (a few milliseconds in-region); nothing here is asserted.

use std::time::{Duration, Instant};

use servicedesk_shared::config::Config;
use servicedesk_shared::lambda;
use servicedesk_shared::secret::Secret;
use servicedesk_shared::secret::secrets_manager::SecretsManagerSource;

fn report(name: &str, mut samples: Vec<Duration>) {
    samples.sort();
    let pick = |q: f64| samples[((samples.len() - 1) as f64 * q) as usize];
    println!(
        "{name:<52} n={:<4} p50={:>9.2?} p90={:>9.2?} max={:>9.2?}",
        samples.len(),
        pick(0.5),
        pick(0.9),
        samples[samples.len() - 1]
    );
}

#[tokio::main]
async fn main() {
    let Ok(endpoint) = std::env::var("SERVICEDESK_TEST_AWS_ENDPOINT") else {
        eprintln!("set SERVICEDESK_TEST_AWS_ENDPOINT to a running moto (see this file's header)");
        return;
    };
    let sdk = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .endpoint_url(endpoint)
        .region(aws_config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_dynamodb::config::Credentials::new(
            "test", "test", None, None, "bench",
        ))
        .load()
        .await;
    let secret_id = format!("servicedesk-bench/app-secret-{}", std::process::id());
    aws_sdk_secretsmanager::Client::new(&sdk)
        .create_secret()
        .name(&secret_id)
        .secret_string(Secret::generate().to_base64())
        .send()
        .await
        .expect("the secret");
    let config = || {
        Config::from_lookup(|name| {
            Some(
                match name {
                    "TABLE_NAME" => "servicedesk-bench",
                    "SERVICEDESK_SECRET_ID" => secret_id.as_str(),
                    "PUBLIC_URL" => "https://desk.example",
                    "MAIL_FROM" => "desk@example.com",
                    "SUPPORT_EMAIL" => "support@example.com",
                    "ATTACHMENTS_BUCKET" => "servicedesk-bench",
                    _ => return None,
                }
                .to_owned(),
            )
        })
        .expect("configuration")
    };

    // A fresh client each time, as a cold start has: its first call opens
    // the connection.
    let mut first_read = Vec::new();
    let mut warm_read = Vec::new();
    let mut start = Vec::new();
    for _ in 0..30 {
        let t = Instant::now();
        let source = SecretsManagerSource::new(aws_sdk_secretsmanager::Client::new(&sdk), &secret_id);
        source.read().await.expect("read");
        first_read.push(t.elapsed());
        let t = Instant::now();
        source.read().await.expect("read");
        warm_read.push(t.elapsed());
        let t = Instant::now();
        lambda::start(config(), &sdk).await.expect("an instance");
        start.push(t.elapsed());
    }
    report("secret read, new client (cold start's one call)", first_read);
    report("secret read, same client (each 5-minute reread)", warm_read);
    report("lambda::start: clients + secret read + App", start);
}
