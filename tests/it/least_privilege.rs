//! Least privilege, both ways: what every function asked of DynamoDB, S3
//! and SES while the other tests ran (recorded at the wire by
//! `common::aws_calls`, attributed through the route table and the event
//! functions' names) against its role in the template as CloudFormation
//! receives it (the SAM transform expanded by scripts/lint-template.sh).
//! A function that uses what it is not granted fails in AWS; a grant no
//! test uses is either dead or a flow without a test: both fail here.
//!
//! It reads what the whole run recorded, so scripts/test-all.sh runs it
//! after every other test: `cargo test --test it -- --ignored least_privilege`
//! with `SERVICEDESK_AWS_CALLS` and `SERVICEDESK_EXPANDED_TEMPLATE` set.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;
use servicedesk_shared::testing::aws_calls::LOG_VAR;

type Grants = BTreeMap<String, BTreeSet<(String, String)>>;

/// The services recorded (Secrets Manager: a function needs the app secret
/// when it uses the keys derived from it, `App::keys`). Left out, with why:
/// the notifier's stream reads (the Lambda service's poller uses them, not
/// the code), SQS destinations and CloudWatch Logs (the Lambda service
/// writes them).
const RECORDED: [&str; 4] = ["dynamodb:", "s3:", "ses:", "secretsmanager:"];

/// A resource of the template as the recorder names it, or `None` for one
/// outside the comparison (the stream).
fn symbolic(resource: &Value) -> Option<String> {
    if let Some([name, attribute]) = resource["Fn::GetAtt"].as_array().map(Vec::as_slice) {
        return match (name.as_str()?, attribute.as_str()?) {
            ("TicketsTable", "Arn") => Some("table".into()),
            ("TicketsTable", "StreamArn") => None,
            other => panic!("no symbolic name for {other:?}"),
        };
    }
    let text = resource["Fn::Sub"].as_str().or(resource.as_str())?;
    if let Some(index) = text.strip_prefix("${TicketsTable.Arn}/index/") {
        return Some(format!("table/index/{index}"));
    }
    if let Some((_, path)) = text.split_once("-attachments-${AWS::AccountId}-${AWS::Region}") {
        return Some(format!("bucket{path}"));
    }
    if text.contains(":secret:${SecretName}-") {
        return Some("secret".into());
    }
    if text.contains(":identity/") {
        return Some("ses:identity".into());
    }
    if text.contains(":configuration-set/") {
        return Some("ses:configuration-set".into());
    }
    panic!("no symbolic name for the resource {resource}")
}

/// The managed policies SAM attaches by itself: logs for every function
/// (the Lambda service writes them), and for the stream's consumer the
/// stream reads its event source mapping does (on `*`: SAM's choice, not
/// the code's; the notifier's code never reads the stream).
fn managed_policy_allowed(binary: &str, name: &str) -> bool {
    name == "AWSLambdaBasicExecutionRole"
        || (binary == "notifier" && name == "AWSLambdaDynamoDBExecutionRole")
}

fn as_list(value: &Value) -> Vec<&Value> {
    match value {
        Value::Array(items) => items.iter().collect(),
        Value::Null => Vec::new(),
        other => vec![other],
    }
}

/// Every function's granted (action, resource) pairs of the recorded
/// services, by binary name.
fn granted(expanded: &Value) -> Grants {
    let resources = expanded["Resources"].as_object().expect("Resources");
    let mut grants = Grants::new();
    for function in resources
        .values()
        .filter(|r| r["Type"] == "AWS::Lambda::Function")
    {
        let Some(binary) = function["Metadata"]["BuildProperties"]["Binary"].as_str() else {
            continue;
        };
        let role = function["Properties"]["Role"]["Fn::GetAtt"][0]
            .as_str()
            .expect("the function's role");
        for managed in as_list(&resources[role]["Properties"]["ManagedPolicyArns"]) {
            let name = managed
                .as_str()
                .and_then(|arn| arn.rsplit('/').next())
                .unwrap_or_default();
            assert!(
                managed_policy_allowed(binary, name),
                "{binary}'s role has the managed policy {managed}: grant what it needs in the template instead"
            );
        }
        let entry = grants.entry(binary.to_owned()).or_default();
        for policy in as_list(&resources[role]["Properties"]["Policies"]) {
            for statement in as_list(&policy["PolicyDocument"]["Statement"]) {
                assert_eq!(
                    statement["Effect"], "Allow",
                    "{binary}: only Allow statements are expected"
                );
                for action in as_list(&statement["Action"])
                    .into_iter()
                    .filter_map(Value::as_str)
                {
                    if !RECORDED.iter().any(|service| action.starts_with(service)) {
                        continue;
                    }
                    for resource in as_list(&statement["Resource"]) {
                        if let Some(resource) = symbolic(resource) {
                            entry.insert((action.to_owned(), resource));
                        }
                    }
                }
            }
        }
    }
    grants
}

fn recorded(log: &str) -> Grants {
    let mut used = Grants::new();
    for line in log.lines() {
        let fact: Value = serde_json::from_str(line).expect("a recorded call");
        used.entry(fact["function"].as_str().unwrap().to_owned())
            .or_default()
            .insert((
                fact["action"].as_str().unwrap().to_owned(),
                fact["resource"].as_str().unwrap().to_owned(),
            ));
    }
    used
}

/// IAM's `*` (any characters) in a granted resource.
fn covers(granted: &str, used: &str) -> bool {
    match granted.split_once('*') {
        None => granted == used,
        Some((head, tail)) => {
            used.starts_with(head) && (head.len()..=used.len()).any(|i| covers(tail, &used[i..]))
        }
    }
}

/// What is wrong between what each function uses and what it is granted.
fn compare(granted: &Grants, used: &Grants) -> Vec<String> {
    let mut wrong = Vec::new();
    for function in used.keys().filter(|f| !granted.contains_key(*f)) {
        wrong.push(format!(
            "{function}: recorded, but no function of the template builds it"
        ));
    }
    for (function, grants) in granted {
        let none = BTreeSet::new();
        let calls = used.get(function).unwrap_or(&none);
        for (action, resource) in calls {
            if !grants.iter().any(|(a, r)| a == action && covers(r, resource)) {
                wrong.push(format!(
                    "{function} uses {action} on {resource} but is not granted it"
                ));
            }
        }
        for (action, resource) in grants {
            if !calls.iter().any(|(a, r)| a == action && covers(resource, r)) {
                wrong.push(format!(
                    "{function} is granted {action} on {resource}, which no test uses"
                ));
            } else if resource.contains('*') && !calls.contains(&(action.clone(), resource.clone())) {
                // The recorder names S3 objects by their first segment
                // (`bucket/pending/*`): a grant wider than that is wider
                // than any use.
                wrong.push(format!(
                    "{function} is granted {action} on {resource}, wider than any use"
                ));
            }
        }
    }
    wrong
}

fn table(facts: &Grants) -> String {
    facts
        .iter()
        .map(|(function, pairs)| {
            let pairs: Vec<String> = pairs.iter().map(|(a, r)| format!("{a} {r}")).collect();
            format!("  {function}: {}", pairs.join(", "))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
#[ignore = "reads what the whole run recorded: scripts/test-all.sh runs it after every other test"]
fn least_privilege_every_function_is_granted_exactly_what_its_tests_use() {
    let path = |var: &str| {
        std::env::var(var)
            .unwrap_or_else(|_| panic!("{var} must name the file (scripts/test-all.sh sets it)"))
    };
    let log = std::fs::read_to_string(path(LOG_VAR)).expect("the recorded calls");
    let expanded: Value = serde_json::from_str(
        &std::fs::read_to_string(path("SERVICEDESK_EXPANDED_TEMPLATE")).expect("the expanded template"),
    )
    .expect("JSON");
    let (granted, used) = (granted(&expanded), recorded(&log));
    assert!(
        granted.len() >= 17,
        "functions in the template: {:?}",
        granted.keys()
    );
    let wrong = compare(&granted, &used);
    assert!(
        wrong.is_empty(),
        "{}\n\nrecorded:\n{}\n\ngranted:\n{}",
        wrong.join("\n"),
        table(&used),
        table(&granted)
    );
    println!(
        "least privilege: each function's recorded calls = its grants\n{}",
        table(&used)
    );
}

#[test]
fn the_comparison_finds_a_missing_grant_and_an_unused_one() {
    let facts = |pairs: &[(&str, &str)]| -> Grants {
        BTreeMap::from([(
            "ticket-notes".to_owned(),
            pairs
                .iter()
                .map(|(a, r)| (a.to_string(), r.to_string()))
                .collect(),
        )])
    };
    let granted = facts(&[("dynamodb:PutItem", "table"), ("s3:GetObject", "bucket/files/*")]);
    let used = facts(&[("dynamodb:PutItem", "table"), ("dynamodb:UpdateItem", "table")]);
    assert_eq!(
        compare(&granted, &used),
        [
            "ticket-notes uses dynamodb:UpdateItem on table but is not granted it",
            "ticket-notes is granted s3:GetObject on bucket/files/*, which no test uses"
        ]
    );
    assert!(covers("bucket/*", "bucket/pending/*"));
    assert!(!covers("bucket/files/*", "bucket/pending/*"));
    assert!(compare(&granted, &granted).is_empty());
    let wide = facts(&[("s3:GetObject", "bucket/*")]);
    let narrow = facts(&[("s3:GetObject", "bucket/files/*")]);
    assert_eq!(
        compare(&wide, &narrow),
        ["ticket-notes is granted s3:GetObject on bucket/*, wider than any use"]
    );
}
