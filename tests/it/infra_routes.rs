//! The local server must expose exactly the routes API Gateway exposes, each
//! served by the same function, so what works under `cargo run` works in AWS.

use std::collections::BTreeSet;

use serde_yaml::Value;

fn template() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/infra/template.yaml");
    serde_yaml::from_str(&std::fs::read_to_string(path).expect("infra/template.yaml")).expect("valid YAML")
}

/// `(method, path, binary)` of every HTTP API event in the template.
fn template_routes() -> BTreeSet<(String, String, String)> {
    let template = template();
    let mut routes = BTreeSet::new();
    let resources = template["Resources"].as_mapping().expect("Resources");
    for (name, resource) in resources {
        if resource["Type"].as_str() != Some("AWS::Serverless::Function") {
            continue;
        }
        let binary = resource["Metadata"]["BuildProperties"]["Binary"]
            .as_str()
            .unwrap_or_else(|| panic!("{name:?} names no Binary in Metadata.BuildProperties"));
        let Some(events) = resource["Properties"]["Events"].as_mapping() else {
            continue;
        };
        for event in events.values() {
            if event["Type"].as_str() != Some("HttpApi") {
                continue;
            }
            let props = &event["Properties"];
            routes.insert((
                props["Method"].as_str().expect("Method").to_uppercase(),
                props["Path"].as_str().expect("Path").to_owned(),
                binary.to_owned(),
            ));
        }
    }
    routes
}

#[test]
fn template_and_local_server_declare_the_same_routes() {
    let local: BTreeSet<(String, String, String)> = servicedesk::routes::routes()
        .into_iter()
        .map(|r| (r.method.to_string(), r.path.to_owned(), r.function.to_owned()))
        .collect();
    let deployed = template_routes();
    assert!(!deployed.is_empty(), "the template declares no routes");
    assert_eq!(
        local, deployed,
        "local routes (left) differ from infra/template.yaml (right)"
    );
}

/// Routes that take an integration token (read with its owner in one
/// BatchGetItem): everything but the public routes and those that need a
/// session (account changes, administration, announcements).
pub(crate) fn accepts_integration_tokens(method: &str, path: &str) -> bool {
    let public = path.starts_with("/auth/")
        || path.starts_with("/guest/")
        || path.starts_with("/access/")
        || (method == "GET" && path == "/announcements")
        || path == "/account/email/confirm";
    let session_only = path.starts_with("/admin/")
        || (method == "POST" && path == "/announcements")
        || (path.starts_with("/account/") && !(method == "GET" && path == "/account/profile"));
    !public && !session_only
}

#[test]
fn functions_that_take_integration_tokens_may_read_them() {
    let template = template();
    let resources = template["Resources"].as_mapping().unwrap();
    let functions: BTreeSet<String> = template_routes()
        .into_iter()
        .filter(|(method, path, _)| accepts_integration_tokens(method, path))
        .map(|(_, _, binary)| binary)
        .collect();
    assert!(functions.len() > 5, "{functions:?}");
    for binary in functions {
        let (_, function) = resources
            .iter()
            .find(|(_, r)| r["Metadata"]["BuildProperties"]["Binary"].as_str() == Some(binary.as_str()))
            .unwrap();
        let statements = function["Properties"]["Policies"][0]["Statement"]
            .as_sequence()
            .unwrap();
        let reads_tokens = statements.iter().any(|statement| {
            let actions = serde_yaml::to_string(&statement["Action"]).unwrap();
            let resource = serde_yaml::to_string(&statement["Resource"]).unwrap();
            // `!GetAtt TicketsTable.Arn` is the table itself (indexes are `!Sub .../index/...`).
            actions.contains("dynamodb:BatchGetItem")
                && resource.contains("GetAtt")
                && resource.contains("TicketsTable.Arn")
        });
        assert!(
            reads_tokens,
            "{binary} takes integration tokens but may not BatchGetItem on the table"
        );
    }
}

/// The statements of a function's policy that act on the table itself.
fn table_actions(binary: &str) -> String {
    let template = template();
    let resources = template["Resources"].as_mapping().unwrap();
    let (_, function) = resources
        .iter()
        .find(|(_, r)| r["Metadata"]["BuildProperties"]["Binary"].as_str() == Some(binary))
        .unwrap_or_else(|| panic!("no function builds {binary}"));
    function["Properties"]["Policies"][0]["Statement"]
        .as_sequence()
        .unwrap()
        .iter()
        .filter(|statement| {
            let resource = serde_yaml::to_string(&statement["Resource"]).unwrap();
            resource.contains("GetAtt") && resource.contains("TicketsTable.Arn")
        })
        .map(|statement| serde_yaml::to_string(&statement["Action"]).unwrap())
        .collect()
}

#[test]
fn functions_that_count_attempts_may_update_counters() {
    // Throttles add to a counter item (UpdateItem ADD): a missing grant is a
    // 503 in AWS that no emulator test would show.
    for (binary, counts) in [
        ("sign-in", "failed sign-ins"),
        ("password-reset", "reset emails"),
        ("account", "wrong current passwords"),
        ("guest-tickets", "guest submissions"),
        ("access-key", "unknown keys"),
        ("attachments", "unknown keys"),
    ] {
        assert!(
            table_actions(binary).contains("dynamodb:UpdateItem"),
            "{binary} counts {counts} but may not UpdateItem on the table"
        );
    }
}

/// The function crates whose source calls `needle`.
fn functions_calling(needle: &str) -> Vec<String> {
    let functions = concat!(env!("CARGO_MANIFEST_DIR"), "/functions");
    let mut found: Vec<String> = std::fs::read_dir(functions)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|dir| {
            std::fs::read_to_string(dir.join("src/lib.rs")).is_ok_and(|source| source.contains(needle))
        })
        .map(|dir| dir.file_name().unwrap().to_str().unwrap().to_owned())
        .collect();
    found.sort();
    found
}

#[test]
fn functions_that_take_idempotency_keys_may_claim_and_release_them() {
    // A key is claimed (PutItem), read when taken (GetItem), and released
    // when the work fails (DeleteItem): found from the code, not a list.
    let takers = functions_calling("api::idempotency_key(");
    assert!(takers.len() >= 2, "{takers:?}");
    for binary in takers {
        for action in ["dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:DeleteItem"] {
            assert!(
                table_actions(&binary).contains(action),
                "{binary} takes an Idempotency-Key but may not {action}"
            );
        }
    }
}

#[test]
fn functions_that_add_notes_may_update_the_ticket() {
    // On an open ticket a note's transaction updates the ticket and the
    // participants' copies with Update elements, which AWS authorizes as
    // UpdateItem (moto does not check it).
    let writers = functions_calling("add_note");
    assert!(writers.contains(&"ticket-notes".to_owned()), "{writers:?}");
    for binary in writers {
        assert!(
            table_actions(&binary).contains("dynamodb:UpdateItem"),
            "{binary} adds notes but may not UpdateItem on the table"
        );
    }
}

#[test]
fn verify_attachment_can_tell_a_missing_upload_and_keeps_what_fails() {
    let template = template();
    let function = &template["Resources"]["VerifyAttachmentFunction"]["Properties"];
    let statements = serde_yaml::to_string(&function["Policies"]).unwrap();
    // A HEAD of a missing key is a 404 only with ListBucket on the bucket
    // (else 403), and the "moved by an earlier try" path depends on it.
    assert!(statements.contains("s3:ListBucket"), "{statements}");
    // An S3 event that keeps failing goes to a queue, not nowhere.
    let on_failure = &function["EventInvokeConfig"]["DestinationConfig"]["OnFailure"];
    assert_eq!(on_failure["Type"].as_str(), Some("SQS"), "{function:?}");
    // Its mail goes through the outbox and the notifier: no SES of its own.
    assert!(!statements.contains("ses:"), "{statements}");
}

#[test]
fn the_notifier_sweeps_what_the_stream_gave_up_on() {
    let template = template();
    let function = &template["Resources"]["NotifierFunction"]["Properties"];
    let schedules: Vec<&serde_yaml::Value> = function["Events"]
        .as_mapping()
        .unwrap()
        .values()
        .filter(|e| e["Type"].as_str() == Some("Schedule"))
        .collect();
    assert_eq!(schedules.len(), 1, "one scheduled sweep");
    let statements = serde_yaml::to_string(&function["Policies"]).unwrap();
    assert!(
        statements.contains("dynamodb:Query") && statements.contains("/index/GSI5"),
        "the sweep reads the pending notifications (GSI5): {statements}"
    );
    // The sample event the sweep is tested with is a scheduled event.
    let sample =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/events/notifier-sweep.json")).unwrap();
    assert!(sample.contains("\"Scheduled Event\""));
}

#[test]
fn sam_builds_each_function_from_its_own_crate() {
    // cargo-lambda runs in CodeUri: at the workspace root, `--bin <name>`
    // would look in the portal's package only; in the crate's folder cargo
    // picks that package (SAM's rust-cargolambda guide says as much).
    let template = template();
    for (name, resource) in template["Resources"].as_mapping().unwrap() {
        if resource["Type"].as_str() != Some("AWS::Serverless::Function") {
            continue;
        }
        let binary = resource["Metadata"]["BuildProperties"]["Binary"]
            .as_str()
            .unwrap();
        assert_eq!(
            resource["Properties"]["CodeUri"].as_str(),
            Some(format!("../functions/{binary}").as_str()),
            "{name:?}"
        );
        let manifest = format!("{}/functions/{binary}/Cargo.toml", env!("CARGO_MANIFEST_DIR"));
        assert!(std::path::Path::new(&manifest).exists(), "{manifest}");
    }
}

#[test]
fn every_route_has_a_sample_event() {
    let events = concat!(env!("CARGO_MANIFEST_DIR"), "/events");
    let sampled: BTreeSet<String> = std::fs::read_dir(events)
        .unwrap()
        .map(|entry| std::fs::read_to_string(entry.unwrap().path()).unwrap())
        .filter_map(|text| serde_json::from_str::<serde_json::Value>(&text).ok())
        .filter_map(|event| event["routeKey"].as_str().map(str::to_owned))
        .collect();
    let missing: Vec<String> = template_routes()
        .into_iter()
        .map(|(method, path, _)| format!("{method} {path}"))
        .filter(|route| !sampled.contains(route))
        .collect();
    assert!(
        missing.is_empty(),
        "routes without a sample event in events/: {missing:?}"
    );
}

#[test]
fn every_function_crate_is_deployed() {
    let crates: BTreeSet<String> = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/functions"))
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    let deployed: BTreeSet<String> = template()["Resources"]
        .as_mapping()
        .expect("Resources")
        .values()
        .filter(|r| r["Type"].as_str() == Some("AWS::Serverless::Function"))
        .filter_map(|r| {
            r["Metadata"]["BuildProperties"]["Binary"]
                .as_str()
                .map(str::to_owned)
        })
        .collect();
    assert_eq!(
        crates, deployed,
        "functions/ (left) vs functions in the template (right)"
    );
}

#[test]
fn the_table_in_the_template_has_the_indexes_the_model_queries() {
    use servicedesk_shared::store::Projection;
    let template = template();
    let resources = template["Resources"].as_mapping().unwrap();
    let table = resources
        .values()
        .find(|r| r["Type"].as_str() == Some("AWS::DynamoDB::Table"))
        .expect("a DynamoDB table");
    let indexes: BTreeSet<(String, String, String, String)> = table["Properties"]["GlobalSecondaryIndexes"]
        .as_sequence()
        .expect("GlobalSecondaryIndexes")
        .iter()
        .map(|gsi| {
            let key = |kind: &str| {
                gsi["KeySchema"]
                    .as_sequence()
                    .unwrap()
                    .iter()
                    .find(|k| k["KeyType"].as_str() == Some(kind))
                    .and_then(|k| k["AttributeName"].as_str())
                    .unwrap_or_default()
                    .to_owned()
            };
            let projection = &gsi["Projection"];
            let mut included: Vec<String> = projection["NonKeyAttributes"]
                .as_sequence()
                .map(|names| names.iter().map(|n| n.as_str().unwrap().to_owned()).collect())
                .unwrap_or_default();
            included.sort();
            (
                gsi["IndexName"].as_str().unwrap().to_owned(),
                key("HASH"),
                key("RANGE"),
                format!("{} {included:?}", projection["ProjectionType"].as_str().unwrap()),
            )
        })
        .collect();
    let expected: BTreeSet<(String, String, String, String)> = servicedesk_shared::store::Index::ALL
        .iter()
        .map(|ix| {
            let projection = match ix.projection() {
                Projection::All => "ALL []".to_owned(),
                Projection::Include(names) => {
                    let mut names: Vec<&str> = names.to_vec();
                    names.sort();
                    format!("INCLUDE {names:?}")
                }
            };
            (
                ix.name().to_owned(),
                ix.pk_attr().to_owned(),
                ix.sk_attr().to_owned(),
                projection,
            )
        })
        .collect();
    assert_eq!(indexes, expected);
}

#[test]
fn the_notifier_consumes_the_stream_with_retries_and_a_dead_letter_queue() {
    let template = template();
    let notifier = &template["Resources"]["NotifierFunction"];
    let stream = &notifier["Properties"]["Events"]["OutboxStream"];
    assert_eq!(stream["Type"].as_str(), Some("DynamoDB"));
    let props = &stream["Properties"];
    assert_eq!(
        props["FunctionResponseTypes"][0].as_str(),
        Some("ReportBatchItemFailures")
    );
    assert!(
        !props["DestinationConfig"]["OnFailure"]["Destination"].is_null(),
        "a dead-letter queue"
    );
    let filter = props["FilterCriteria"]["Filters"][0]["Pattern"]
        .as_str()
        .expect("a filter");
    let filter: serde_json::Value = serde_json::from_str(filter).expect("the filter is JSON");
    assert_eq!(filter["eventName"], serde_json::json!(["INSERT"]));
    // The prefix must match the keys the model writes for notifications.
    let prefix = filter["dynamodb"]["Keys"]["PK"]["S"][0]["prefix"]
        .as_str()
        .unwrap();
    let key = servicedesk_shared::store::model::outbox_key("x");
    assert!(key.pk.starts_with(prefix), "{} vs {prefix}", key.pk);
    assert_eq!(
        template["Resources"]["TicketsTable"]["Properties"]["StreamSpecification"]["StreamViewType"].as_str(),
        Some("NEW_AND_OLD_IMAGES")
    );
}

/// CloudFront's glob: `*` matches any run of characters.
fn glob(pattern: &str, path: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == path,
        Some((prefix, rest)) => {
            path.starts_with(prefix)
                && (0..=path.len() - prefix.len()).any(|i| glob(rest, &path[prefix.len() + i..]))
        }
    }
}

#[test]
fn the_cdn_sends_api_paths_to_the_api_and_page_paths_to_the_site() {
    let template = template();
    let behaviors =
        template["Resources"]["WebDistribution"]["Properties"]["DistributionConfig"]["CacheBehaviors"]
            .as_sequence()
            .expect("cache behaviors");
    let api_patterns: Vec<&str> = behaviors
        .iter()
        .filter(|b| b["TargetOriginId"].as_str() == Some("api"))
        .map(|b| b["PathPattern"].as_str().unwrap())
        .collect();
    // The local portal answers exactly these paths from the API (a 404 when
    // no route serves one), never with the page shell.
    assert_eq!(
        api_patterns,
        servicedesk::server::API_PATH_PATTERNS,
        "the CDN (left) and the local portal"
    );
    let to_api = |path: &str| api_patterns.iter().any(|p| glob(p, path));
    for route in servicedesk::routes::routes() {
        let example = route
            .path
            .replace("{number}", "T20261122.0001")
            .replace("{id}", "i")
            .replace("{email}", "a%40b.example");
        assert!(servicedesk::server::is_api_path(&example), "{example}");
        assert!(
            to_api(&example),
            "{} {} must reach the API through the CDN",
            route.method,
            route.path
        );
    }
    // The web front end's pages (web/app.js) must not be taken for API calls.
    for page in [
        "/",
        "/sign-in",
        "/forgot-password",
        "/reset-password",
        "/invitation",
        "/confirm-email",
        "/my-tickets",
        "/new-ticket",
        "/ticket/T20261122.0001",
        "/guest",
        "/access",
        "/profile",
        "/integration-tokens",
        "/change-password",
        "/support",
    ]
    .into_iter()
    .map(String::from)
    // And every file of the site, its folders' (pages/, parts/) too.
    .chain(site_files())
    {
        assert!(!to_api(&page), "{page} is a page of the site, not an API path");
        assert!(
            !servicedesk::server::is_api_path(&page),
            "the local portal takes {page} for the API"
        );
    }
}

/// The paths of web/'s files, `/pages/ticket.js` for web/pages/ticket.js.
fn site_files() -> Vec<String> {
    fn walk(dir: &std::path::Path, prefix: &str, found: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).expect("web/ is readable") {
            let entry = entry.unwrap();
            let path = format!("{prefix}/{}", entry.file_name().to_string_lossy());
            if entry.file_type().unwrap().is_dir() {
                walk(&entry.path(), &path, found);
            } else {
                found.push(path);
            }
        }
    }
    let mut found = Vec::new();
    walk(
        std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/web")),
        "",
        &mut found,
    );
    for expected in ["/app.js", "/openapi.yaml", "/styles.css", "/pages/ticket.js"] {
        assert!(found.iter().any(|f| f == expected), "{expected} among {found:?}");
    }
    found
}

#[test]
fn every_function_gets_the_configuration_it_needs_and_only_signers_the_secret() {
    let template = template();
    // The variables the functions' `Config` requires, asked of the code itself.
    let missing = servicedesk_shared::config::Config::from_lookup(|_| None)
        .unwrap_err()
        .to_string();
    let required: Vec<&str> = missing
        .split(|c: char| !(c.is_ascii_uppercase() || c == '_'))
        .filter(|word| word.len() > 3 && missing.contains(&format!("{word} is not set")))
        .collect();
    assert!(required.contains(&"TABLE_NAME"), "{missing}");
    let variables = &template["Globals"]["Function"]["Environment"]["Variables"];
    for name in required {
        assert!(
            !variables[name].is_null(),
            "Config requires {name}; the template does not set it"
        );
    }
    // The secret is read at run time; no value of the template resolves it
    // into plain configuration (readable with lambda:GetFunctionConfiguration).
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/infra/template.yaml")).unwrap();
    assert!(
        !text.contains("{{resolve:secretsmanager"),
        "a secret resolved into the template"
    );
    assert!(
        variables["SERVICEDESK_SECRET_ID"].is_null(),
        "only functions that sign are told where the secret is"
    );
    // A function told where the secret is may read it (its current version
    // only), and one that may read it is told where it is. Which functions
    // need it is least_privilege.rs's business (they use `App::keys`).
    let resources = template["Resources"].as_mapping().unwrap();
    let functions: Vec<_> = resources
        .iter()
        .filter(|(_, r)| r["Type"].as_str() == Some("AWS::Serverless::Function"))
        .collect();
    assert!(functions.len() > 10);
    let mut signers = 0;
    for (name, function) in functions {
        let grant = function["Properties"]["Policies"][0]["Statement"]
            .as_sequence()
            .unwrap()
            .iter()
            .find(|statement| {
                serde_yaml::to_string(&statement["Action"])
                    .unwrap()
                    .contains("secretsmanager:GetSecretValue")
            });
        let told = !function["Properties"]["Environment"]["Variables"]["SERVICEDESK_SECRET_ID"].is_null();
        assert_eq!(
            grant.is_some(),
            told,
            "{name:?}: told where the secret is, and may read it, go together"
        );
        if let Some(grant) = grant {
            signers += 1;
            assert!(
                serde_yaml::to_string(&grant["Resource"])
                    .unwrap()
                    .contains(":secret:${SecretName}-")
            );
            assert_eq!(
                grant["Condition"]["StringEquals"]["secretsmanager:VersionStage"].as_str(),
                Some("AWSCURRENT"),
                "{name:?} may read other versions of the secret"
            );
        }
    }
    assert!(signers >= 10, "{signers}");
}
