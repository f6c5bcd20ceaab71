//! Cold starts of the release bootstraps, measured from outside as Lambda
//! runs them: `scripts/bench-lambda.sh` builds each function in release (one
//! per cargo call, as SAM builds them) and a lambda_http hello-world floor
//! with the same profile, starts moto, then runs this. For each function,
//! alternating with the floor so the ratio holds on a noisy machine: init
//! (exec to the first poll of `/next`), the first invocation, warm p50/p99,
//! peak RSS after the warm invocations, bootstrap and zip sizes. Numbers,
//! not assertions.

#[path = "../tests/it/common/runtime_api.rs"]
#[allow(dead_code)]
mod runtime_api;
#[path = "../tests/it/common/template_env.rs"]
mod template_env;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use runtime_api::Function;
use serde_json::{Value, json};
use servicedesk_shared::App;
use servicedesk_shared::app::Adapters;
use servicedesk_shared::secret::{Secret, Secrets};
use template_env::REGION;

fn var(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("{name} is not set: run scripts/bench-lambda.sh"))
}

fn event(name: &str, values: &[(&str, &str)]) -> Value {
    let path = format!("{}/events/{name}.json", env!("CARGO_MANIFEST_DIR"));
    let mut text = std::fs::read_to_string(path).expect("a sample event");
    for (key, value) in values {
        text = text.replace(&format!("${{{key}}}"), value);
    }
    serde_json::from_str(&text).expect("JSON")
}

/// One representative request per function (a real read or write where
/// one needs no set-up beyond the demo data).
fn bench_event(function: &str, ann: &str, sam: &str, bucket: &str) -> Value {
    let with_body = |mut event: Value, body: Value| {
        event["body"] = body.to_string().into();
        event
    };
    match function {
        "create-ticket" => event("create-ticket", &[("TOKEN", ann)]),
        "list-tickets" => event("list-tickets", &[("TOKEN", ann)]),
        "get-ticket" => event("get-ticket", &[("TOKEN", ann)]),
        "ticket-notes" => event("ticket-notes", &[("TOKEN", ann)]),
        "update-ticket" => event("update-ticket", &[("TOKEN", sam)]),
        "attachments" => event("attachments-request", &[("TOKEN", ann)]),
        "agent-queue" => event("agent-queue", &[("TOKEN", sam)]),
        "announcements" => event("announcements-list", &[]),
        "account" => event("account-get-profile", &[("TOKEN", ann)]),
        "admin" => with_body(
            event("admin-create-organization", &[("TOKEN", sam)]),
            json!({"name": "Bench"}),
        ),
        "sign-in" => with_body(
            event("sign-in-login", &[]),
            json!({"email": "ann@acme.example", "password": "orchid-lantern-42"}),
        ),
        "accept-invitation" => event("accept-invitation", &[("LINK", "unknown-link")]),
        "password-reset" => event("password-reset-request", &[]),
        "guest-tickets" => event("guest-tickets-challenge", &[]),
        "access-key" => event("access-key-view", &[("KEY", &"k".repeat(43))]),
        "notifier" => event("notifier-sweep", &[]),
        "verify-attachment" => event(
            "verify-attachment",
            &[("BUCKET", bucket), ("KEY", "pending/none")],
        ),
        other => panic!("no bench event for {other}"),
    }
}

fn percentile(samples: &mut [Duration], q: f64) -> Duration {
    samples.sort();
    samples[((samples.len() - 1) as f64 * q) as usize]
}

fn zipped_size(binary: &Path) -> u64 {
    let zip = std::env::temp_dir().join(format!("bench-{}.zip", std::process::id()));
    let status = std::process::Command::new("python3")
        .args(["-c", "import sys, zipfile; zipfile.ZipFile(sys.argv[2], 'w', zipfile.ZIP_DEFLATED).write(sys.argv[1], 'bootstrap')"])
        .arg(binary)
        .arg(&zip)
        .status()
        .expect("python3");
    assert!(status.success());
    let size = std::fs::metadata(&zip).unwrap().len();
    let _ = std::fs::remove_file(zip);
    size
}

fn mb(bytes: u64) -> String {
    format!("{:.2} MB", bytes as f64 / 1_000_000.0)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let folder = PathBuf::from(var("BENCH_BOOTSTRAPS"));
    let endpoint = var("SERVICEDESK_TEST_AWS_ENDPOINT");
    let template: Value =
        serde_json::from_str(&std::fs::read_to_string(var("SERVICEDESK_EXPANDED_TEMPLATE")).unwrap())
            .unwrap();
    let cold: usize = std::env::var("BENCH_COLD")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(15);
    let warm: usize = std::env::var("BENCH_WARM")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(200);

    // The deployment on moto: table with the demo data, secret, bucket.
    let sdk = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .endpoint_url(&endpoint)
        .region(aws_config::Region::new(REGION))
        .credentials_provider(aws_sdk_dynamodb::config::Credentials::new(
            "test", "test", None, None, "bench",
        ))
        .load()
        .await;
    let run = std::process::id();
    let secret = Secret::generate();
    let deployment = template_env::create_deployment(&sdk, &format!("bench-{run}"), &secret, "bench").await;
    let (table, bucket, names) = (deployment.table, deployment.bucket, deployment.names);
    let dynamodb = aws_sdk_dynamodb::Client::new(&sdk);
    let app = App::new(
        Adapters {
            store: Arc::new(servicedesk_shared::store::dynamodb::DynamoDbStore::new(
                dynamodb,
                table.clone(),
            )),
            mailer: Arc::new(servicedesk_shared::mail::NoMail),
            clock: Arc::new(servicedesk_shared::clock::SystemClock),
            ids: Arc::new(servicedesk_shared::ids::UuidV7),
            blobs: Arc::new(servicedesk_shared::blobs::NoBlobs),
        },
        &Secrets::single(secret),
        servicedesk_shared::testing::settings(),
    );
    servicedesk::demo::seed(&app).await.expect("demo data");
    let now = time::OffsetDateTime::now_utc();
    let token = |actor| {
        app.keys()
            .unwrap()
            .tokens
            .issue(&actor, now, time::Duration::hours(2))
            .unwrap()
    };
    let ann = token(servicedesk_shared::testing::customer(
        "demo-ann",
        servicedesk::demo::ORGANIZATION_ID,
    ));
    let sam = token(servicedesk_shared::testing::agent("demo-sam"));

    let environments = template_env::environments(&template, &names);
    let chosen: Vec<String> = match std::env::var("BENCH_FUNCTIONS") {
        Ok(list) if !list.trim().is_empty() => list.split_whitespace().map(str::to_owned).collect(),
        _ => environments.keys().cloned().collect(),
    };
    let floor_path = folder.join("hello-floor");
    let aws_env = |mut env: Vec<(String, String)>| {
        env.extend(
            [
                ("AWS_ENDPOINT_URL", endpoint.as_str()),
                ("AWS_REGION", REGION),
                ("AWS_ACCESS_KEY_ID", "test"),
                ("AWS_SECRET_ACCESS_KEY", "test"),
                ("RUST_LOG", "warn"),
            ]
            .map(|(k, v)| (k.to_owned(), v.to_owned())),
        );
        env
    };
    let floor_env = aws_env(Vec::new());
    let any_request = event("announcements-list", &[]);
    let floor_size = std::fs::metadata(&floor_path).expect("the floor is built").len();

    println!(
        "| function | bootstrap | zip | init p50 | floor init p50 | ratio | first invocation | warm p50 | warm p99 | first/warm | peak RSS |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    println!(
        "| hello floor | {} | {} | — | — | 1 | — | — | — | — | — |",
        mb(floor_size),
        mb(zipped_size(&floor_path))
    );
    for name in chosen {
        let path = folder.join(&name);
        let env = aws_env(
            environments
                .get(&name)
                .unwrap_or_else(|| panic!("{name} is not in the template"))
                .clone(),
        );
        let request = bench_event(&name, &ann, &sam, &bucket);
        let (mut inits, mut floor_inits, mut firsts) = (Vec::new(), Vec::new(), Vec::new());
        let mut kept = None;
        for round in 0..cold {
            let mut floor = Function::start("hello-floor", &floor_path, &floor_env)
                .await
                .expect("the floor starts");
            floor_inits.push(floor.init);
            floor
                .invoke(any_request.clone())
                .await
                .expect("the floor answers");
            drop(floor);
            let mut function = Function::start(&name, &path, &env)
                .await
                .unwrap_or_else(|e| panic!("{e}"));
            inits.push(function.init);
            let started = Instant::now();
            function
                .invoke(request.clone())
                .await
                .unwrap_or_else(|e| panic!("{e}"));
            firsts.push(started.elapsed());
            if round + 1 == cold {
                kept = Some(function);
            }
        }
        let mut function = kept.expect("at least one cold start");
        let mut warms = Vec::new();
        for _ in 0..warm {
            let started = Instant::now();
            function
                .invoke(request.clone())
                .await
                .unwrap_or_else(|e| panic!("{e}"));
            warms.push(started.elapsed());
        }
        let rss = function
            .peak_rss_kib()
            .map_or("?".into(), |kib| format!("{:.1} MB", kib as f64 / 1024.0));
        let size = std::fs::metadata(&path).unwrap().len();
        let (init, floor_init) = (percentile(&mut inits, 0.5), percentile(&mut floor_inits, 0.5));
        let (first, p50, p99) = (
            percentile(&mut firsts, 0.5),
            percentile(&mut warms, 0.5),
            percentile(&mut warms, 0.99),
        );
        println!(
            "| {name} | {} | {} | {init:.1?} | {floor_init:.1?} | {:.1}× | {first:.1?} | {p50:.1?} | {p99:.1?} | {:.1}× | {rss} |",
            mb(size),
            mb(zipped_size(&path)),
            init.as_secs_f64() / floor_init.as_secs_f64(),
            first.as_secs_f64() / p50.as_secs_f64(),
        );
    }
}
