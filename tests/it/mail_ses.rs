//! The SES mail adapter over the wire, against the emulator (moto): what the
//! password-reset function sends really reaches SESv2's SendEmail, and SES
//! refusals surface as errors instead of vanishing.

use crate::common;

use std::sync::Arc;

use serde_json::{Value, json};
use servicedesk_shared::App;
use servicedesk_shared::app::Adapters;
use servicedesk_shared::domain::Email;
use servicedesk_shared::i18n::{Language, Text};
use servicedesk_shared::ids::UuidV7;
use servicedesk_shared::mail::ses::SesMailer;
use servicedesk_shared::mail::{MailError, Mailer, Message};
use servicedesk_shared::secret::{Secret, Secrets};
use servicedesk_shared::testing;

const SENDER_DOMAIN: &str = "servicedesk.example";

/// A mailer on the emulator, with the sender's domain verified as SES requires.
async fn verified_mailer() -> Option<SesMailer> {
    let config = aws_sdk_sesv2::config::Builder::from(&common::ses_emulator_config().await?)
        .interceptor(common::aws_calls::Recorder)
        .build();
    let client = aws_sdk_sesv2::Client::from_conf(config);
    client
        .create_email_identity()
        .email_identity(SENDER_DOMAIN)
        .send()
        .await
        .expect("create the sender identity");
    Some(SesMailer::new(client, format!("desk@{SENDER_DOMAIN}")))
}

/// An app on a fresh embedded store with the demo data, mailing through `mailer`.
async fn app_sending_through(mailer: SesMailer) -> App {
    let store = common::embedded().await.expect("embedded store");
    let app = App::new(
        Adapters {
            store,
            mailer: Arc::new(mailer),
            clock: Arc::new(servicedesk_shared::clock::ManualClock::new(testing::T0)),
            ids: Arc::new(UuidV7),
            blobs: Arc::new(servicedesk_shared::blobs::NoBlobs),
        },
        &Secrets::single(Secret::generate()),
        testing::settings(),
    );
    servicedesk::demo::seed(&app).await.expect("demo data");
    app
}

#[tokio::test]
async fn a_password_reset_email_goes_out_through_sesv2() {
    let Some(mailer) = verified_mailer().await else {
        eprintln!("skipped: no emulator configured");
        return;
    };
    let app = app_sending_through(mailer).await;
    // Ann prefers French: the mail is in French.
    let mut ann =
        servicedesk_shared::accounts::find_user_by_email(&app, &Email::parse("ann@acme.example").unwrap())
            .await
            .unwrap()
            .unwrap();
    ann.profile.language = Language::Fr;
    app.store
        .write(servicedesk_shared::accounts::save_user_write(&ann).unwrap())
        .await
        .unwrap();

    let event = common::lambda::with_body(
        common::lambda::event("password-reset-request"),
        &json!({"email": "ann@acme.example"}),
    );
    // Tests run side by side, and another one mails Ann too: look at resets only.
    let resets = || async {
        let subject = "Réinitialisez votre mot de passe du centre de support";
        common::ses_sent_to("ann@acme.example")
            .await
            .into_iter()
            .filter(|m| m["subject"] == subject)
            .collect::<Vec<_>>()
    };
    let before = resets().await.len();
    let answer = common::lambda::invoke(&app, event).await;
    assert_eq!(answer.status, 202, "{}", answer.body);

    let sent = resets().await.split_off(before);
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0]["source"], format!("desk@{SENDER_DOMAIN}"));
    assert_eq!(
        sent[0]["subject"],
        "Réinitialisez votre mot de passe du centre de support"
    );
    // moto keeps only the HTML part of a two-part message.
    let body = sent[0]["body"].as_str().expect("a body");
    assert!(
        body.contains(&format!("{}/reset-password#token=", testing::PUBLIC_URL)),
        "{body}"
    );
    assert!(body.contains("lang=\"fr\""), "{body}");
}

#[tokio::test]
async fn an_unverified_sender_is_refused_with_a_clear_error() {
    let Some(config) = common::ses_emulator_config().await else {
        eprintln!("skipped: no emulator configured");
        return;
    };
    let mailer = SesMailer::new(aws_sdk_sesv2::Client::new(&config), "desk@unverified.example");
    let to = Email::parse("bob@acme.example").unwrap();
    let message = Message::compose(
        to,
        Language::En,
        Text::ResetSubject,
        Text::ResetBody,
        &[("link", "x")],
    );
    match mailer.send(&message).await {
        Err(MailError::Rejected(detail)) => assert!(
            detail.contains("MessageRejected") || detail.contains("verified"),
            "{detail}"
        ),
        other => panic!("expected a rejection, got {other:?}"),
    }
    assert!(common::ses_sent_to("bob@acme.example").await.is_empty());
}

#[tokio::test]
async fn the_notifier_sends_ticket_updates_through_sesv2() {
    let Some(mailer) = verified_mailer().await else {
        eprintln!("skipped: no emulator configured");
        return;
    };
    let app = app_sending_through(mailer).await;
    let ann = testing::token(
        &app,
        &testing::customer("demo-ann", servicedesk::demo::ORGANIZATION_ID),
    );
    let sam = testing::token(&app, &testing::agent("demo-sam"));
    let created = common::lambda::invoke(
        &app,
        common::lambda::with_token(common::lambda::event("create-ticket"), Some(&ann)),
    )
    .await;
    assert_eq!(created.status, 201);
    let number = created.body["number"].as_str().unwrap().to_owned();
    let reply = common::lambda::with_body(
        common::lambda::fill(
            common::lambda::with_token(common::lambda::event("ticket-notes"), Some(&sam)),
            &[],
        ),
        &json!({"text": "We are on it.", "notify": "cio@acme.example"}),
    );
    let mut reply = reply;
    reply["pathParameters"]["number"] = number.clone().into();
    reply["rawPath"] = format!("/tickets/{number}/notes").into();
    assert_eq!(common::lambda::invoke(&app, reply).await.status, 201);

    let before = common::ses_sent_to("cio@acme.example").await.len();
    // What the notifier's scheduled sweep does.
    let delivered = servicedesk_shared::testing::aws_calls::as_function(
        "notifier",
        servicedesk_shared::conversation::notify::deliver_pending(&app, 10),
    )
    .await
    .unwrap();
    assert_eq!(delivered, 1);
    let sent = common::ses_sent_to("cio@acme.example").await.split_off(before);
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(
        sent[0]["subject"],
        format!("[{number}] Label printer jams on every second label")
    );
    assert!(sent[0]["body"].as_str().unwrap().contains("We are on it."));
    assert_eq!(
        common::ses_sent_to("ann@acme.example")
            .await
            .iter()
            .filter(|m| m["subject"] == sent[0]["subject"])
            .count(),
        1
    );
}

/// A fresh deployment's first agent, as DEPLOY.md has the operator create
/// them: `servicedesk admin create-agent` with the deployment's table and
/// SES (here both on the emulator). They get the normal invitation, accept
/// it, and can invite customers; a second run is refused.
#[tokio::test]
async fn the_first_agent_of_a_fresh_deployment_is_invited_and_takes_over() {
    use servicedesk::first_agent;
    let Some(config) = common::ses_emulator_config().await else {
        eprintln!("skipped: no emulator configured");
        return;
    };
    let table = format!("servicedesk-first-agent-{}", std::process::id());
    servicedesk_shared::store::dynamodb::create_table(&aws_sdk_dynamodb::Client::new(&config), &table)
        .await
        .expect("the deployment's table");
    verified_mailer().await.expect("the sender identity");
    let args: Vec<String> = [
        "--email",
        "ops@first.example",
        "--table",
        &table,
        "--public-url",
        "https://desk.example/",
        "--mail-from",
        &format!("desk@{SENDER_DOMAIN}"),
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let command = first_agent::parse(&args).expect("the arguments");
    assert!(
        first_agent::parse(&args[..2])
            .unwrap_err()
            .contains("--table is required")
    );
    // A table that is not there is said so, not "retry in a moment".
    let mut wrong_table = args.clone();
    wrong_table[3] = "no-such-table".into();
    let missing = first_agent::run(&config, &first_agent::parse(&wrong_table).unwrap())
        .await
        .unwrap_err();
    assert!(missing.contains("check the table name"), "{missing}");

    let printed = first_agent::run(&config, &command).await.expect("the invitation");
    assert!(
        printed.contains("ops@first.example") && printed.contains("https://desk.example/sign-in"),
        "{printed}"
    );
    let mails = common::ses_sent_to("ops@first.example").await;
    assert_eq!(mails.len(), 1, "{mails:?}");
    let body = mails[0]["body"].as_str().unwrap();
    let start = body
        .find("https://desk.example/invitation#token=")
        .expect("the invitation link")
        + 38;
    let token: String = body[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();

    // They accept it with the deployment's functions (here the handlers on
    // the same table) and are support staff.
    let app = first_agent::app(&config, &command);
    let accepted = common::lambda::invoke(
        &app,
        common::lambda::fill(common::lambda::event("accept-invitation"), &[("LINK", &token)]),
    )
    .await;
    assert_eq!(accepted.status, 201, "{}", accepted.body);
    assert_eq!(accepted.body["account"]["role"], "agent");
    let agent = accepted.body["access_token"].as_str().unwrap().to_owned();
    let as_agent = |name: &str, body: Value| {
        common::lambda::with_body(
            common::lambda::with_token(common::lambda::event(name), Some(&agent)),
            &body,
        )
    };
    let organization = common::lambda::invoke(
        &app,
        as_agent("admin-create-organization", json!({"name": "Globex"})),
    )
    .await;
    assert_eq!(organization.status, 201, "{}", organization.body);
    let invited = common::lambda::invoke(
        &app,
        as_agent(
            "admin-invite",
            json!({"email": "cleo@first.example", "role": "customer", "organization_id": organization.body["id"]}),
        ),
    )
    .await;
    assert_eq!(invited.status, 202, "{}", invited.body);
    assert_eq!(
        common::ses_sent_to("cleo@first.example").await.len(),
        1,
        "the customer's invitation"
    );

    // Once the desk has an agent, the command is refused.
    let again = first_agent::run(&config, &command).await.unwrap_err();
    assert!(again.contains("has an agent already"), "{again}");
}
