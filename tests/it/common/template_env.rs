//! Each function's environment as the expanded template gives it, with its
//! `Ref`s, `Sub`s and `GetAtt`s resolved to names chosen by the caller (the
//! journey's table, bucket, secret; the cold-start bench's): what a real
//! bootstrap is started with.

use std::collections::{BTreeMap, HashMap};

use serde_json::Value;

pub const ACCOUNT: &str = "123456789012";
pub const REGION: &str = "us-east-1";
/// Where emailed links point, and the domain mail is sent from.
pub const PUBLIC_URL: &str = "https://desk.example";
pub const SENDER_DOMAIN: &str = "servicedesk.example";

/// What a stack creates, made on the emulator for one run: the table, the
/// app secret (holding `secret`) and the attachments bucket (named as the
/// template names it), with the names [`environments`] resolves them by.
pub struct Deployment {
    pub table: String,
    pub bucket: String,
    pub names: HashMap<String, String>,
}

/// Creates the deployment `name` (lowercase, as the bucket prefix must be);
/// mail goes through `configuration_set`, which the caller makes if it sends.
pub async fn create_deployment(
    sdk: &aws_config::SdkConfig,
    name: &str,
    secret: &servicedesk_shared::secret::Secret,
    configuration_set: &str,
) -> Deployment {
    let table = format!("servicedesk-{name}");
    let secret_id = format!("servicedesk-{name}/app-secret");
    let bucket = format!("{name}-attachments-{ACCOUNT}-{REGION}");
    servicedesk_shared::store::dynamodb::create_table(&aws_sdk_dynamodb::Client::new(sdk), &table)
        .await
        .expect("the table");
    aws_sdk_secretsmanager::Client::new(sdk)
        .create_secret()
        .name(&secret_id)
        .secret_string(secret.to_base64())
        .send()
        .await
        .expect("the app secret");
    aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(sdk)
            .force_path_style(true)
            .build(),
    )
    .create_bucket()
    .bucket(&bucket)
    .send()
    .await
    .expect("the attachments bucket");
    let names = [
        ("TicketsTable", table.clone()),
        ("SecretName", secret_id),
        ("MailConfigurationSet", configuration_set.to_owned()),
        ("PublicUrl", PUBLIC_URL.to_owned()),
        ("MailFrom", format!("Service desk <desk@{SENDER_DOMAIN}>")),
        ("SupportEmail", format!("support@{SENDER_DOMAIN}")),
        ("AttachmentsBucketPrefix", name.to_owned()),
    ]
    .into_iter()
    .map(|(name, value)| (name.to_owned(), value))
    .collect();
    Deployment { table, bucket, names }
}

/// A template value with every reference resolved from `names` (resources
/// and parameters), the parameters' defaults and the pseudo parameters.
fn resolve(value: &Value, names: &HashMap<String, String>, template: &Value) -> String {
    let lookup = |name: &str| -> String {
        if let Some(value) = names.get(name) {
            return value.clone();
        }
        match name {
            "AWS::AccountId" => return ACCOUNT.into(),
            "AWS::Region" => return REGION.into(),
            "AWS::Partition" => return "aws".into(),
            "AWS::URLSuffix" => return "amazonaws.com".into(),
            _ => {}
        }
        template["Parameters"][name]["Default"]
            .as_str()
            .unwrap_or_else(|| panic!("no value for {name}: add it to the names it resolves"))
            .to_owned()
    };
    match value {
        Value::String(text) => text.clone(),
        Value::Number(n) => n.to_string(),
        _ if value.get("Ref").is_some() => lookup(value["Ref"].as_str().unwrap()),
        _ if value.get("Fn::GetAtt").is_some() => {
            let parts: Vec<&str> = value["Fn::GetAtt"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(Value::as_str)
                .collect();
            lookup(&parts.join("."))
        }
        _ if value.get("Fn::Sub").is_some() => {
            let mut text = value["Fn::Sub"].as_str().expect("a plain Sub").to_owned();
            while let Some(start) = text.find("${") {
                let end = start + text[start..].find('}').unwrap();
                let replacement = lookup(&text[start + 2..end]);
                text.replace_range(start..=end, &replacement);
            }
            text
        }
        other => panic!("cannot resolve {other}"),
    }
}

/// Each function's environment in the expanded template, by binary.
pub fn environments(
    template: &Value,
    names: &HashMap<String, String>,
) -> BTreeMap<String, Vec<(String, String)>> {
    let mut found = BTreeMap::new();
    for function in template["Resources"].as_object().unwrap().values() {
        if function["Type"] != "AWS::Lambda::Function" {
            continue;
        }
        let Some(binary) = function["Metadata"]["BuildProperties"]["Binary"].as_str() else {
            continue;
        };
        let variables = function["Properties"]["Environment"]["Variables"]
            .as_object()
            .cloned()
            .unwrap_or_default();
        let env = variables
            .iter()
            .map(|(name, value)| (name.clone(), resolve(value, names, template)))
            .collect();
        found.insert(binary.to_owned(), env);
    }
    found
}
