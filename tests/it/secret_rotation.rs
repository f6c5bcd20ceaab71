//! The app secret as the functions get it: read from Secrets Manager (the
//! emulator) when an instance starts and reread while it runs, through a
//! whole rotation run by `servicedesk admin rotate-secret`. Whatever an
//! instance signed before a step (access tokens, list cursors) keeps working
//! on every instance, started before or after it, until the old secret is
//! retired.

use crate::common;

use servicedesk::secret_rotation::{self, Step};
use servicedesk_shared::App;
use servicedesk_shared::clock::Clock;
use servicedesk_shared::config::Config;
use servicedesk_shared::lambda;
use servicedesk_shared::secret::Secret;
use servicedesk_shared::secret::secrets_manager::Refresher;
use servicedesk_shared::testing;
use time::{Duration, OffsetDateTime};

fn config(table: &str, secret_id: &str) -> Config {
    Config::from_lookup(|name| {
        Some(
            match name {
                "TABLE_NAME" => table,
                "SERVICEDESK_SECRET_ID" => secret_id,
                "PUBLIC_URL" => "https://desk.example",
                "MAIL_FROM" => "desk@example.com",
                "SUPPORT_EMAIL" => "support@example.com",
                "ATTACHMENTS_BUCKET" => "servicedesk-test-attachments",
                _ => return None,
            }
            .to_owned(),
        )
    })
    .expect("a complete configuration")
}

/// Whether `instance` takes a token and a cursor `signer` made just now.
fn accepts(instance: &App, signer: &App) -> (bool, bool) {
    let ann = testing::customer("ann", "acme");
    let token = testing::token(signer, &ann);
    let cursor = signer.keys().unwrap().cursors.encode(&("ORG#acme", 7));
    let now = instance.clock.now();
    (
        instance.keys().unwrap().tokens.verify(&token, now).is_ok(),
        instance
            .keys()
            .unwrap()
            .cursors
            .decode::<(String, i32)>(&cursor)
            .is_some(),
    )
}

async fn reread(instance: &App, refresher: &Refresher) {
    refresher.expire().await;
    refresher.refresh_if_due(instance).await;
}

#[tokio::test]
async fn a_secret_rotation_signs_nobody_out_on_instances_old_or_new() {
    let Some(sdk) = common::emulator_config().await else {
        eprintln!("skipped: no emulator configured");
        return;
    };
    let table = format!("servicedesk-rotation-{}", std::process::id());
    servicedesk_shared::store::dynamodb::create_table(&aws_sdk_dynamodb::Client::new(&sdk), &table)
        .await
        .expect("the deployment's table");
    let secret_id = format!("servicedesk-test/app-secret-{}", std::process::id());
    common::create_app_secret(&sdk, &secret_id).await;
    let start = || lambda::start(config(&table, &secret_id), &sdk);
    let step = |step: Step, at: OffsetDateTime| {
        let command = secret_rotation::Command {
            secret_id: secret_id.clone(),
            step,
        };
        let sdk = sdk.clone();
        async move { secret_rotation::run(&sdk, &command, at).await }
    };
    let t0 = OffsetDateTime::now_utc();

    let (first, first_refresher) = start().await.expect("an instance");
    let first_refresher = first_refresher.expect("an instance given the secret rereads it");
    let before = testing::token(&first, &testing::customer("ann", "acme"));

    // Stage: every instance accepts the new secret; the old one still signs.
    let staged = step(Step::Stage, t0).await.expect("stage");
    assert!(staged.contains("--step promote"), "{staged}");
    reread(&first, &first_refresher).await;
    assert!(
        step(Step::Promote, t0 + Duration::minutes(5))
            .await
            .unwrap_err()
            .contains("too early"),
        "promoting before every instance reread the stage"
    );
    let promoted = step(Step::Promote, t0 + Duration::minutes(6))
        .await
        .expect("promote");
    assert!(promoted.contains("--step retire"), "{promoted}");

    // An instance started now signs with the new secret. The first one has
    // not reread yet: it still signs with the old one, and takes the new
    // one's tokens because the stage reached it.
    let (second, _) = start().await.expect("an instance");
    assert_eq!(accepts(&first, &second), (true, true), "old instance, new signer");
    assert_eq!(accepts(&second, &first), (true, true), "new instance, old signer");
    let now = second.clock.now();
    assert!(
        second.keys().unwrap().tokens.verify(&before, now).is_ok(),
        "a token from before the rotation"
    );

    let t1 = t0 + Duration::minutes(6);
    assert!(
        step(Step::Retire, t1 + Duration::minutes(20))
            .await
            .unwrap_err()
            .contains("too early")
    );
    let retired = step(Step::Retire, t1 + Duration::minutes(21))
        .await
        .expect("retire");
    assert!(retired.contains("Rotation finished"), "{retired}");

    // After the retire reaches it, an instance refuses what the old secret
    // signed and still takes what the new one signs.
    let (third, _) = start().await.expect("an instance");
    assert!(
        third.keys().unwrap().tokens.verify(&before, now).is_err(),
        "the old secret is retired"
    );
    assert_eq!(accepts(&third, &second), (true, true));
    reread(&first, &first_refresher).await;
    assert_eq!(
        accepts(&third, &first),
        (true, true),
        "the first instance signs with the new secret now"
    );
    assert!(first.keys().unwrap().tokens.verify(&before, now).is_err());
}

#[tokio::test]
async fn an_instance_whose_secret_cannot_be_read_fails_its_init_saying_why() {
    let Some(sdk) = common::emulator_config().await else {
        eprintln!("skipped: no emulator configured");
        return;
    };
    let error = lambda::start(config("any", "servicedesk-test/no-such-secret"), &sdk)
        .await
        .err()
        .expect("no secret, no instance")
        .to_string();
    assert!(error.contains("check SERVICEDESK_SECRET_ID"), "{error}");

    let parsed = secret_rotation::parse(&["--step".into(), "stage".into()]).unwrap_err();
    assert!(parsed.contains("--secret-id is required"), "{parsed}");
    let parsed = secret_rotation::parse(&["--secret-id".into(), "x".into(), "--step".into(), "now".into()]);
    assert!(parsed.unwrap_err().contains("stage, promote or retire"));
}

/// A running instance rereads the secret once its keys are 5 minutes old
/// (by the app's clock), not before; a read that fails keeps the keys it
/// has and is tried again 30 seconds later.
#[tokio::test]
async fn a_running_instance_rereads_every_five_minutes_and_keeps_its_keys_when_it_cannot() {
    use servicedesk_shared::secret::secrets_manager::SecretsManagerSource;
    let Some(sdk) = common::emulator_config().await else {
        eprintln!("skipped: no emulator configured");
        return;
    };
    let client = aws_sdk_secretsmanager::Client::new(&sdk);
    let secret_id = format!("servicedesk-test/refreshed-{}", std::process::id());
    let put = |value: String| {
        let (client, id) = (client.clone(), secret_id.clone());
        async move {
            client
                .put_secret_value()
                .secret_id(id)
                .secret_string(value)
                .send()
                .await
                .unwrap()
        }
    };
    common::create_app_secret(&sdk, &secret_id).await;
    let desk = testing::test_app(common::embedded().await.unwrap());
    let source = SecretsManagerSource::new(client.clone(), &secret_id);
    desk.app.rekey(&source.read().await.unwrap());
    let refresher = Refresher::new(source, desk.clock.now());
    let ann = testing::customer("ann", "acme");
    let signed = |app: &App| testing::token(app, &ann);
    let takes = |token: &str| {
        desk.app
            .keys()
            .unwrap()
            .tokens
            .verify(token, desk.clock.now())
            .is_ok()
    };
    let first = signed(&desk.app);

    // A new value (as if a whole rotation ran): not read before 5 minutes.
    put(Secret::generate().to_base64()).await;
    desk.clock.advance(Duration::minutes(5) - Duration::seconds(1));
    refresher.refresh_if_due(&desk.app).await;
    assert!(takes(&first), "keys younger than 5 minutes are kept");
    desk.clock.advance(Duration::seconds(1));
    refresher.refresh_if_due(&desk.app).await;
    assert!(!takes(&first), "reread at 5 minutes: the old secret is gone");
    let second = signed(&desk.app);

    // The secret cannot be read: the keys in use stay, and the read is
    // tried again after 30 seconds, not on every request.
    client
        .delete_secret()
        .secret_id(&secret_id)
        .force_delete_without_recovery(true)
        .send()
        .await
        .unwrap();
    desk.clock.advance(Duration::minutes(5));
    refresher.refresh_if_due(&desk.app).await;
    assert!(takes(&second), "a failed read keeps the keys");
    common::create_app_secret(&sdk, &secret_id).await;
    desk.clock.advance(Duration::seconds(29));
    refresher.refresh_if_due(&desk.app).await;
    assert!(takes(&second), "no read before the 30 s retry");
    desk.clock.advance(Duration::seconds(1));
    refresher.refresh_if_due(&desk.app).await;
    assert!(!takes(&second), "the retry reads the secret again");
}
