//! The shipped bootstraps, run as Lambda runs them: every function's own
//! binary as a child process, polling a Runtime API on loopback
//! (`common::runtime_api`), with exactly the environment the expanded
//! template gives it (its `Ref`s, `Sub`s and `GetAtt`s resolved to this
//! test's table, bucket, secret and configuration set), talking to the
//! emulator through a proxy that counts each invocation's requests. One
//! journey drives all of them: the first agent, an organization and its
//! customer, sign-in, a ticket, its list and page, a reply, the notifier on
//! a stream record of the outbox item the table holds, mail at SES, an
//! attachment up to S3 and verified from its S3 event, a guest and their
//! key, a password reset, support's queue, announcements. Each step's
//! round trips at the wire must be the ones `shared/DATA_MODEL.md` states.
//!
//! Needs the debug bootstraps (`cargo build --workspace --all-features
//! --bins`) and the expanded template (`SERVICEDESK_EXPANDED_TEMPLATE`),
//! both made by scripts/test-all.sh before the tests.

use crate::common;

use std::collections::BTreeMap;

use std::path::PathBuf;

use common::runtime_api::Function;
use common::wire_counter::WireCounter;
use serde_json::{Value, json};

use common::template_env::{self, PUBLIC_URL, REGION, SENDER_DOMAIN, environments};
const PDF: &[u8] = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n";

/// The folder cargo put the bootstraps in (beside this test binary's `deps/`).
fn bootstraps_folder() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    exe.parent().and_then(|deps| deps.parent()).unwrap().to_path_buf()
}

/// An API Gateway response, read back.
struct Answer {
    status: u16,
    body: Value,
    cookies: Vec<String>,
}

struct Journey {
    functions: BTreeMap<String, Function>,
    wire: WireCounter,
    /// (step, function, requests at the wire), in order.
    round_trips: Vec<(String, String, Vec<String>)>,
}

impl Journey {
    /// Runs `event` through `binary`'s process as the step `step`.
    async fn call(&mut self, step: &str, binary: &str, event: Value) -> Answer {
        self.wire.take();
        let function = self
            .functions
            .get_mut(binary)
            .unwrap_or_else(|| panic!("no function {binary}"));
        let response = function
            .invoke(event)
            .await
            .unwrap_or_else(|e| panic!("{step}: {e}"));
        self.round_trips
            .push((step.to_owned(), binary.to_owned(), self.wire.take()));
        let body = match response["body"].as_str() {
            Some(text) if !text.is_empty() => {
                serde_json::from_str(text).unwrap_or(Value::String(text.into()))
            }
            _ => response.clone(),
        };
        Answer {
            status: response["statusCode"].as_u64().unwrap_or(200) as u16,
            body,
            cookies: response["cookies"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|c| c.as_str().map(str::to_owned))
                .collect(),
        }
    }

    async fn expect(&mut self, step: &str, binary: &str, event: Value, status: u16) -> Value {
        let answer = self.call(step, binary, event).await;
        assert_eq!(answer.status, status, "{step}: {}", answer.body);
        answer.body
    }
}

/// A sample event with its placeholders filled, the example ticket number
/// replaced by `number`, a bearer token and a body.
fn sample(name: &str, values: &[(&str, &str)]) -> Value {
    common::lambda::fill(common::lambda::event(name), values)
}

fn for_ticket(event: Value, number: &str) -> Value {
    serde_json::from_str(&event.to_string().replace("T20261122.0001", number)).unwrap()
}

fn with_body(event: Value, body: Value) -> Value {
    common::lambda::with_body(event, &body)
}

/// The secret of the last link to `page` mailed to `to` (at the emulator's SES).
async fn mailed_link(to: &str, page: &str, name: &str) -> String {
    let mails = common::ses_sent_to(to).await;
    let body = mails.last().unwrap_or_else(|| panic!("no mail to {to}"))["body"]
        .as_str()
        .unwrap()
        .to_owned();
    let prefix = format!("{PUBLIC_URL}/{page}#{name}=");
    let start = body
        .rfind(&prefix)
        .unwrap_or_else(|| panic!("no {page} link in {body}"))
        + prefix.len();
    body[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_' || *c == '.')
        .collect()
}

/// The round trips `shared/DATA_MODEL.md` states for each journey step.
fn documented_round_trips() -> BTreeMap<String, (String, usize)> {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/shared/DATA_MODEL.md")).unwrap();
    let section = text
        .split("## Round trips at the wire")
        .nth(1)
        .expect("DATA_MODEL.md has a section 'Round trips at the wire'");
    section
        .lines()
        .skip_while(|line| !line.starts_with("| step"))
        .skip(2)
        .take_while(|line| line.starts_with('|'))
        .map(|line| {
            let cells: Vec<&str> = line.trim_matches('|').split('|').map(str::trim).collect();
            let count = cells[2].parse().unwrap_or_else(|_| panic!("not a count: {line}"));
            (
                cells[0].to_owned(),
                (cells[1].trim_matches('`').to_owned(), count),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_bootstrap_runs_the_journey_as_lambda_runs_it() {
    let Some(sdk) = common::ses_emulator_config().await else {
        eprintln!("skipped: no emulator configured");
        return;
    };
    let Ok(template) = std::env::var("SERVICEDESK_EXPANDED_TEMPLATE") else {
        assert!(
            std::env::var("SERVICEDESK_REQUIRE_EMULATOR").is_err(),
            "SERVICEDESK_EXPANDED_TEMPLATE must name the expanded template (scripts/test-all.sh sets it)"
        );
        eprintln!(
            "skipped: no expanded template (run scripts/lint-template.sh with SERVICEDESK_EXPANDED_TEMPLATE)"
        );
        return;
    };
    let template: Value = serde_json::from_str(&std::fs::read_to_string(template).unwrap()).unwrap();
    let folder = bootstraps_folder();

    // What the stack would create, on the emulator (the quiet one, where mail is read back).
    let run = std::process::id();
    let configuration_set = format!("servicedesk-journey-{run}");
    let secret = servicedesk_shared::secret::Secret::generate();
    let deployment =
        template_env::create_deployment(&sdk, &format!("journey-{run}"), &secret, &configuration_set).await;
    let (table, bucket, names) = (deployment.table, deployment.bucket, deployment.names);
    let dynamodb = aws_sdk_dynamodb::Client::new(&sdk);
    let ses = aws_sdk_sesv2::Client::new(&sdk);
    let _ = ses
        .create_email_identity()
        .email_identity(SENDER_DOMAIN)
        .send()
        .await;
    ses.create_configuration_set()
        .configuration_set_name(&configuration_set)
        .send()
        .await
        .unwrap();

    // Every function, started as Lambda starts it, through the counting proxy.
    let wire = WireCounter::start(&common::ses_endpoint().unwrap()).await;
    let mut functions = BTreeMap::new();
    let environments = environments(&template, &names);
    let given_the_secret = environments
        .values()
        .filter(|env| env.iter().any(|(name, _)| name == "SERVICEDESK_SECRET_ID"))
        .count();
    for (binary, mut env) in environments {
        let path = folder.join(&binary);
        assert!(
            path.exists(),
            "{} is not built: cargo build --workspace --all-features --bins",
            path.display()
        );
        env.extend(
            [
                ("AWS_ENDPOINT_URL", wire.url.as_str()),
                ("AWS_REGION", REGION),
                ("AWS_ACCESS_KEY_ID", "test"),
                ("AWS_SECRET_ACCESS_KEY", "test"),
            ]
            .map(|(k, v)| (k.to_owned(), v.to_owned())),
        );
        let function = Function::start(&binary, &path, &env)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        functions.insert(binary, function);
    }
    assert_eq!(functions.len(), 17, "{:?}", functions.keys());
    // Init reads the secret once in each function given it (those that sign
    // or verify), and nothing else; the journey counts from here.
    let at_init = wire.take();
    assert!((10..17).contains(&given_the_secret), "{given_the_secret}");
    assert_eq!(
        at_init,
        vec!["GetSecretValue".to_owned(); given_the_secret],
        "one secret read per init of a function given it, nothing else"
    );
    let mut journey = Journey {
        functions,
        wire,
        round_trips: Vec::new(),
    };

    // The first agent, as DEPLOY.md has the operator invite them.
    let command = servicedesk::first_agent::parse(
        &[
            "--email",
            "ops@journey.example",
            "--table",
            &table,
            "--public-url",
            PUBLIC_URL,
            "--mail-from",
            &format!("desk@{SENDER_DOMAIN}"),
            "--configuration-set",
            &configuration_set,
        ]
        .map(String::from),
    )
    .unwrap();
    servicedesk::first_agent::run(&sdk, &command)
        .await
        .expect("the first agent's invitation");
    let link = mailed_link("ops@journey.example", "invitation", "token").await;
    let accepted = journey
        .expect(
            "accept the first agent's invitation",
            "accept-invitation",
            sample("accept-invitation", &[("LINK", &link)]),
            201,
        )
        .await;
    let agent = accepted["access_token"].as_str().unwrap().to_owned();
    let as_agent = |name: &str| sample(name, &[("TOKEN", &agent)]);

    // An organization and its first customer.
    let organization = journey
        .expect(
            "create an organization",
            "admin",
            with_body(
                as_agent("admin-create-organization"),
                json!({"name": "Journey Ltd"}),
            ),
            201,
        )
        .await;
    let invite = json!({"email": "cleo@journey.example", "role": "customer", "organization_id": organization["id"], "language": "en"});
    journey
        .expect(
            "invite a customer",
            "admin",
            with_body(as_agent("admin-invite"), invite),
            202,
        )
        .await;
    let link = mailed_link("cleo@journey.example", "invitation", "token").await;
    journey
        .expect(
            "accept a customer's invitation",
            "accept-invitation",
            sample("accept-invitation", &[("LINK", &link)]),
            201,
        )
        .await;
    let signed_in = journey
        .call(
            "sign in",
            "sign-in",
            with_body(
                sample("sign-in-login", &[]),
                json!({"email": "cleo@journey.example", "password": "quiet-harbour-58"}),
            ),
        )
        .await;
    assert_eq!(signed_in.status, 200, "{}", signed_in.body);
    assert!(
        signed_in.cookies.iter().any(|c| c.starts_with("sd_refresh=")),
        "{:?}",
        signed_in.cookies
    );
    let cleo = signed_in.body["access_token"].as_str().unwrap().to_owned();
    let as_cleo = |name: &str| sample(name, &[("TOKEN", &cleo)]);

    // A ticket, its lists and page, a reply from support.
    let opened = journey
        .expect("open a ticket", "create-ticket", as_cleo("create-ticket"), 201)
        .await;
    let number = opened["number"].as_str().unwrap().to_owned();
    let listed = journey
        .expect("list my tickets", "list-tickets", as_cleo("list-tickets"), 200)
        .await;
    assert_eq!(listed["tickets"][0]["number"], number.as_str());
    let page = journey
        .expect(
            "read a ticket",
            "get-ticket",
            for_ticket(as_cleo("get-ticket"), &number),
            200,
        )
        .await;
    assert_eq!(page["number"], number.as_str());
    let reply = with_body(
        for_ticket(as_agent("ticket-notes"), &number),
        json!({"text": "We are on it."}),
    );
    journey
        .expect("reply to a ticket", "ticket-notes", reply, 201)
        .await;
    let queue = journey
        .expect("support's queue", "agent-queue", as_agent("agent-queue"), 200)
        .await;
    assert!(queue.to_string().contains(&number), "{queue}");
    let change = for_ticket(as_agent("update-ticket"), &number);
    journey
        .expect("change a ticket", "update-ticket", change, 200)
        .await;

    // The notifier, on the stream records of the outbox items the table holds.
    let outbox = dynamodb
        .query()
        .table_name(&table)
        .index_name("GSI5")
        .key_condition_expression("GSI5PK = :p")
        .expression_attribute_values(":p", aws_sdk_dynamodb::types::AttributeValue::S("OUTBOX".into()))
        .send()
        .await
        .unwrap();
    let pending: Vec<String> = outbox
        .items()
        .iter()
        .filter_map(|item| {
            item.get("PK")?
                .as_s()
                .ok()?
                .strip_prefix("OUTBOX#")
                .map(str::to_owned)
        })
        .collect();
    assert!(!pending.is_empty(), "the reply and the change wait in the outbox");
    let before = common::ses_sent_to("cleo@journey.example").await.len();
    for id in &pending {
        journey
            .expect(
                "deliver a notification",
                "notifier",
                sample("notifier-stream", &[("ID", id)]),
                200,
            )
            .await;
    }
    let mails = common::ses_sent_to("cleo@journey.example").await;
    assert!(mails.len() > before, "the update reached SES: {mails:?}");
    assert!(
        mails
            .iter()
            .any(|m| m["body"].as_str().unwrap_or_default().contains("We are on it."))
    );
    journey
        .expect("sweep the outbox", "notifier", sample("notifier-sweep", &[]), 200)
        .await;

    // An attachment: upload grant, the PUT to S3, verification on its S3 event, download.
    let request = with_body(
        for_ticket(as_cleo("attachments-request"), &number),
        json!({"file_name": "report.pdf", "content_type": "application/pdf", "size": PDF.len()}),
    );
    let grant = journey
        .expect("request an upload", "attachments", request, 201)
        .await;
    let mut put = reqwest::Client::new()
        .put(grant["upload"]["url"].as_str().unwrap())
        .body(PDF.to_vec());
    for header in grant["upload"]["headers"].as_array().unwrap() {
        put = put.header(header[0].as_str().unwrap(), header[1].as_str().unwrap());
    }
    assert_eq!(put.send().await.unwrap().status(), 200, "the browser's PUT");
    let id = grant["attachment"]["id"].as_str().unwrap().to_owned();
    let key = format!("pending/{number}/{id}");
    journey
        .expect(
            "verify an upload",
            "verify-attachment",
            sample("verify-attachment", &[("BUCKET", &bucket), ("KEY", &key)]),
            200,
        )
        .await;
    let download = for_ticket(
        sample("attachments-download", &[("TOKEN", &cleo), ("ID", &id)]),
        &number,
    );
    let link = journey
        .expect("download link", "attachments", download, 200)
        .await;
    let fetched = reqwest::get(link["url"].as_str().unwrap()).await.unwrap();
    assert_eq!(fetched.bytes().await.unwrap().as_ref(), PDF);

    // A guest: challenge, submission, the emailed key, the ticket by key.
    let challenge = journey
        .expect(
            "a guest challenge",
            "guest-tickets",
            sample("guest-tickets-challenge", &[]),
            200,
        )
        .await;
    let challenge: servicedesk_shared::guest::challenge::Challenge =
        serde_json::from_value(challenge).unwrap();
    let solution = servicedesk_shared::guest::challenge::solve(&challenge);
    let submission = sample(
        "guest-tickets-submit",
        &[("CHALLENGE", &challenge.challenge), ("SOLUTION", &solution)],
    );
    let mut body: Value = serde_json::from_str(submission["body"].as_str().unwrap()).unwrap();
    body["email"] = "gina@journey.example".into();
    journey
        .expect(
            "a guest submits",
            "guest-tickets",
            with_body(submission, body),
            202,
        )
        .await;
    let key = mailed_link("gina@journey.example", "access", "key").await;
    let by_key = journey
        .expect(
            "a ticket by its key",
            "access-key",
            sample("access-key-view", &[("KEY", &key)]),
            200,
        )
        .await;
    assert!(
        by_key["number"].as_str().is_some_and(|n| n.starts_with('T')),
        "{by_key}"
    );

    // The account side: profile, password reset by email.
    let profile = journey
        .expect("read my profile", "account", as_cleo("account-get-profile"), 200)
        .await;
    assert_eq!(profile["email"], "cleo@journey.example");
    let reset = with_body(
        sample("password-reset-request", &[]),
        json!({"email": "cleo@journey.example"}),
    );
    journey
        .expect("ask for a password reset", "password-reset", reset, 202)
        .await;
    assert!(
        !mailed_link("cleo@journey.example", "reset-password", "token")
            .await
            .is_empty()
    );

    // Announcements: support posts one, everyone reads it.
    let post = with_body(
        as_agent("announcements-create"),
        json!({"message_en": "Maintenance tonight.", "message_fr": "Maintenance ce soir.", "ends_at": "2099-01-01T00:00:00Z"}),
    );
    journey
        .expect("post an announcement", "announcements", post, 201)
        .await;
    let showing = journey
        .expect(
            "read announcements",
            "announcements",
            sample("announcements-list", &[]),
            200,
        )
        .await;
    assert!(showing.to_string().contains("Maintenance tonight."));

    // Every function ran, and none logged an error.
    let used: std::collections::BTreeSet<&str> =
        journey.round_trips.iter().map(|(_, f, _)| f.as_str()).collect();
    let missing: Vec<&String> = journey
        .functions
        .keys()
        .filter(|f| !used.contains(f.as_str()))
        .collect();
    assert!(missing.is_empty(), "functions the journey never ran: {missing:?}");
    for function in journey.functions.values() {
        assert!(
            !function.output().contains("ERROR"),
            "{} logged an error:\n{}",
            function.name,
            function.output()
        );
    }

    // Round trips at the wire, as DATA_MODEL.md states them.
    let documented = documented_round_trips();
    let mut wrong = Vec::new();
    for (step, function, requests) in &journey.round_trips {
        match documented.get(step) {
            Some((f, n)) if f == function && *n == requests.len() => {}
            Some((f, n)) => wrong.push(format!(
                "{step}: {function} sent {} requests {requests:?}; DATA_MODEL.md says {f} sends {n}",
                requests.len()
            )),
            None => wrong.push(format!(
                "{step}: {function} sent {} requests {requests:?}; DATA_MODEL.md does not list this step",
                requests.len()
            )),
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
