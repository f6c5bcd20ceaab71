//! `cargo run --features aws -- admin create-agent --email … --table … --public-url …`:
//! the first agent of a fresh deployment, invited through the deployment's
//! own table and SES, with the AWS credentials of whoever deploys (the
//! standard chain: environment, profile, SSO). The invitation is the normal
//! one: a link valid 72 hours to choose a name and password. No hand-written
//! items; refused once the desk has an agent.

use std::sync::Arc;

use servicedesk_shared::App;
use servicedesk_shared::accounts::invitations;
use servicedesk_shared::app::{Adapters, Settings};
use servicedesk_shared::auth::tokens::TokenSettings;
use servicedesk_shared::blobs::NoBlobs;
use servicedesk_shared::clock::SystemClock;
use servicedesk_shared::domain::Email;
use servicedesk_shared::i18n::Language;
use servicedesk_shared::ids::UuidV7;
use servicedesk_shared::mail::ses::SesMailer;
use servicedesk_shared::secret::{Secret, Secrets};
use servicedesk_shared::store::dynamodb::DynamoDbStore;

pub const USAGE: &str = "usage: servicedesk admin create-agent --email EMAIL --table TABLE --public-url URL --mail-from ADDRESS [--language en|fr] [--configuration-set NAME]
  --email        who becomes the first agent (they get the invitation)
  --table        the deployment's table (the stack output TableName)
  --public-url   where people open the portal (the stack's PublicUrl parameter; without a domain of your own, the output PortalUrl)
  --mail-from    the verified SES identity mail is sent from
  AWS region and credentials come from the environment (AWS_REGION, AWS_PROFILE, ...).";

/// What the command needs, from its arguments.
#[derive(Debug, PartialEq)]
pub struct Command {
    pub email: String,
    pub table: String,
    pub public_url: String,
    pub mail_from: String,
    pub language: Language,
    pub configuration_set: Option<String>,
}

/// Parses the arguments after `admin create-agent`.
pub fn parse(args: &[String]) -> Result<Command, String> {
    let mut values = std::collections::HashMap::new();
    let mut args = args.iter();
    while let Some(flag) = args.next() {
        let name = match flag.as_str() {
            "--email" | "--table" | "--public-url" | "--mail-from" | "--language" | "--configuration-set" => {
                flag
            }
            other => return Err(format!("unknown argument {other}\n{USAGE}")),
        };
        let value = args
            .next()
            .ok_or_else(|| format!("{name} needs a value\n{USAGE}"))?;
        values.insert(name.trim_start_matches('-').to_owned(), value.clone());
    }
    let required = |name: &str| {
        values
            .get(name)
            .cloned()
            .ok_or_else(|| format!("--{name} is required\n{USAGE}"))
    };
    let language = match values.get("language") {
        None => Language::default(),
        Some(code) => {
            Language::from_code(code).ok_or_else(|| format!("--language must be en or fr, got {code}"))?
        }
    };
    let command = Command {
        email: required("email")?,
        table: required("table")?,
        public_url: required("public-url")?.trim_end_matches('/').to_owned(),
        mail_from: required("mail-from")?,
        language,
        configuration_set: values.get("configuration-set").cloned(),
    };
    Email::parse(&command.email).map_err(|why| format!("--email {why}"))?;
    if !command.public_url.starts_with("https://") {
        return Err(format!(
            "--public-url must be the portal's https:// address, got {}",
            command.public_url
        ));
    }
    Ok(command)
}

/// The app the command works with: the deployment's table and SES. It
/// signs nothing (the invitation link is a random token stored as a
/// digest), so its secret is a throwaway.
pub fn app(config: &aws_config::SdkConfig, command: &Command) -> App {
    let store = DynamoDbStore::new(aws_sdk_dynamodb::Client::new(config), command.table.clone());
    let mailer = SesMailer::new(aws_sdk_sesv2::Client::new(config), command.mail_from.clone())
        .with_configuration_set(command.configuration_set.clone());
    App::new(
        Adapters {
            store: Arc::new(store),
            mailer: Arc::new(mailer),
            clock: Arc::new(SystemClock),
            ids: Arc::new(UuidV7),
            blobs: Arc::new(NoBlobs),
        },
        &Secrets::single(Secret::generate()),
        Settings {
            tokens: TokenSettings {
                issuer: "servicedesk".into(),
                audience: "servicedesk-api".into(),
            },
            public_url: command.public_url.clone(),
            support_email: Email::parse(&command.email).unwrap_or_else(|_| unreachable!("checked by parse")),
            delivery_lease: servicedesk_shared::app::DELIVERY_LEASE,
            reply_address: None,
        },
    )
}

/// Runs the command; the message to print.
pub async fn run(config: &aws_config::SdkConfig, command: &Command) -> Result<String, String> {
    let sent = invitations::invite_first_agent(&app(config, command), &command.email, command.language)
        .await
        .map_err(|e| format!("{e}"))?;
    Ok(format!(
        "Invited {} as the first agent: the invitation (valid until {}) is on its way.\n\
         Next: they open the link, choose a name and password, and sign in at {}/sign-in;\n\
         then they create organizations and invite customers and agents with POST /admin/organizations\n\
         and POST /admin/invitations (DEPLOY.md, step 5, shows the calls).",
        sent.email,
        sent.expires_at
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default(),
        command.public_url
    ))
}
