//! Guests through the Lambda handlers, on both storage backends: challenge →
//! submit → email → view by key → comment → rotate; every way a submission
//! or a key is refused; and a guest who later creates an account.

use crate::common;

use std::sync::Arc;

use common::lambda::{Answer, event, fill, from_source, invoke, with_body, with_token};
use serde_json::{Value, json};
use servicedesk_shared::domain::Status;
use servicedesk_shared::guest::challenge::{self, Challenge};
use servicedesk_shared::guest::{SUBMITTED, access};
use servicedesk_shared::mail::Message;
use servicedesk_shared::store::ItemStore;
use servicedesk_shared::store::model;
use servicedesk_shared::testing::{self, TestApp};
use time::Duration;

const GINA: &str = "gina@example.org";

async fn new_challenge(desk: &TestApp) -> Challenge {
    let answer = invoke(&desk.app, event("guest-tickets-challenge")).await;
    assert_eq!(answer.status, 200);
    serde_json::from_value(answer.body).expect("a challenge")
}

/// The sample submission with a freshly solved challenge and `changes` applied.
async fn submission(desk: &TestApp, changes: Value) -> Value {
    let challenge = new_challenge(desk).await;
    let solution = challenge::solve(&challenge);
    let event = fill(
        event("guest-tickets-submit"),
        &[("CHALLENGE", &challenge.challenge), ("SOLUTION", &solution)],
    );
    let mut body: Value = serde_json::from_str(event["body"].as_str().unwrap()).unwrap();
    for (field, value) in changes.as_object().unwrap() {
        if value.is_null() {
            body.as_object_mut().unwrap().remove(field);
        } else {
            body[field] = value.clone();
        }
    }
    with_body(event, &body)
}

async fn submit(desk: &TestApp, changes: Value) -> Answer {
    let event = submission(desk, changes).await;
    invoke(&desk.app, event).await
}

fn only_mail_to(desk: &TestApp, to: &str) -> Message {
    let mut sent = desk.mail.take();
    assert_eq!(sent.len(), 1, "one message expected: {sent:?}");
    let message = sent.remove(0);
    assert_eq!(message.to[0].as_str(), to);
    message
}

/// The key from the emailed access link (`.../access#key=...`).
fn key_in(message: &Message) -> String {
    common::link_secret(message, "access", "key")
}

async fn with_key(desk: &TestApp, name: &str, key: &str, source: &str) -> Answer {
    invoke(&desk.app, from_source(fill(event(name), &[("KEY", key)]), source)).await
}

async fn view(desk: &TestApp, key: &str) -> Answer {
    with_key(desk, "access-key-view", key, "203.0.113.7").await
}

/// `GET /tickets?scope=mine` for the token's owner.
fn my_tickets(token: &str) -> Value {
    let mut list = with_token(event("list-tickets"), Some(token));
    list["queryStringParameters"] = json!({"scope": "mine"});
    list["rawQueryString"] = "scope=mine".into();
    list
}

async fn guest_submits_follows_comments_and_rotates(store: Arc<dyn ItemStore>) {
    let desk = testing::test_app(store);
    let submitted = submit(&desk, json!({})).await;
    assert_eq!(submitted.status, 202, "{}", submitted.body);
    assert_eq!(submitted.body["message"], SUBMITTED);
    assert!(
        submitted.body.get("number").is_none(),
        "the number goes to the mailbox only"
    );

    let message = only_mail_to(&desk, GINA);
    assert_eq!(
        message.subject,
        "[T20261122.0001] We received your request: The till does not start."
    );
    assert!(message.text.contains("Hello Gina Green"));
    let key = key_in(&message);

    let seen = view(&desk, &key).await;
    assert_eq!(seen.status, 200, "{}", seen.body);
    let ticket = &seen.body;
    assert_eq!(ticket["number"], "T20261122.0001");
    assert_eq!(
        ticket["title"], "The till does not start.",
        "derived from the first line"
    );
    assert_eq!(ticket["priority"], "urgent");
    assert_eq!(ticket["request_type"], "helpdesk_support");
    assert_eq!(ticket["visibility"], "private");
    assert_eq!(ticket["contact"]["company"], "Green Grocers");
    assert!(ticket.get("organization_id").is_none());
    assert!(ticket.get("organization_name").is_none());
    assert_eq!(seen.body["history"][0]["type"], "created");
    let requester = ticket["requester_id"].as_str().unwrap();
    assert_eq!(
        ticket["people"][requester],
        json!({"name": "Gina Green", "side": "guest"}),
        "a guest requester is named by their contact details"
    );

    let noted = with_key(&desk, "access-key-note", &key, "203.0.113.7").await;
    assert_eq!(noted.status, 201, "{}", noted.body);
    let history = view(&desk, &key).await.body["history"].clone();
    assert_eq!(history.as_array().unwrap().len(), 2);
    assert_eq!(history[1]["type"], "note");
    assert_eq!(
        history[1]["text"],
        "It works again after a restart, but the error comes back."
    );
    assert_eq!(
        history[1]["actor_id"], ticket["requester_id"],
        "the guest is the requester"
    );

    let empty_note = with_body(
        fill(event("access-key-note"), &[("KEY", &key)]),
        &json!({"text": "  "}),
    );
    assert_eq!(invoke(&desk.app, empty_note).await.status, 422);

    let rotated = with_key(&desk, "access-key-rotate", &key, "203.0.113.7").await;
    assert_eq!(rotated.status, 202, "{}", rotated.body);
    let new_key = key_in(&only_mail_to(&desk, GINA));
    assert_ne!(new_key, key);
    assert_eq!(view(&desk, &key).await.status, 404, "the old key is dead");
    assert_eq!(
        with_key(&desk, "access-key-note", &key, "203.0.113.7")
            .await
            .status,
        404
    );
    assert_eq!(view(&desk, &new_key).await.status, 200);
    assert_eq!(
        view(&desk, &new_key).await.body["history"]
            .as_array()
            .unwrap()
            .len(),
        2
    );

    // A second request from Gina is a second ticket with its own key.
    assert_eq!(
        submit(
            &desk,
            json!({"title": "Printer offline", "urgency": "not_urgent"})
        )
        .await
        .status,
        202
    );
    let second = key_in(&only_mail_to(&desk, GINA));
    let other = view(&desk, &second).await;
    assert_eq!(other.body["number"], "T20261122.0002");
    assert_eq!(other.body["title"], "Printer offline");
    assert_eq!(other.body["priority"], "normal");
    assert_eq!(
        view(&desk, &new_key).await.body["number"],
        "T20261122.0001",
        "each key its ticket"
    );
}

async fn refused_submissions_store_nothing(store: Arc<dyn ItemStore>) {
    let desk = testing::test_app(store);
    let challenge = new_challenge(&desk).await;
    let solution = challenge::solve(&challenge);
    let sample = fill(
        event("guest-tickets-submit"),
        &[("CHALLENGE", &challenge.challenge), ("SOLUTION", &solution)],
    );
    let body: Value = serde_json::from_str(sample["body"].as_str().unwrap()).unwrap();
    let changed = |field: &str, value: Value| {
        let mut body = body.clone();
        if value.is_null() {
            body.as_object_mut().unwrap().remove(field);
        } else {
            body[field] = value;
        }
        with_body(sample.clone(), &body)
    };
    let wrong = (0u64..)
        .map(|n| n.to_string())
        .find(|s| challenge::work(&challenge.challenge, s) < challenge.difficulty)
        .unwrap();
    let (payload, tag) = challenge.challenge.split_once('.').unwrap();
    let cases = [
        ("challenge", changed("challenge", Value::Null), 422, "challenge"),
        ("solution", changed("solution", Value::Null), 422, "solution"),
        (
            "forged challenge",
            changed("challenge", json!(format!("{tag}.{payload}"))),
            422,
            "challenge",
        ),
        (
            "wrong solution",
            changed("solution", json!(wrong)),
            422,
            "solution",
        ),
        (
            "not a number",
            changed("solution", json!("12ab")),
            422,
            "solution",
        ),
        (
            "honeypot",
            changed("website", json!("http://spam.example")),
            422,
            "website",
        ),
        ("email", changed("email", json!("gina@")), 422, "email"),
        ("name", changed("contact_name", json!(" ")), 422, "contact_name"),
        (
            "description",
            changed("description", json!("x".repeat(20_001))),
            422,
            "description",
        ),
        ("title", changed("title", json!("t".repeat(201))), 422, "title"),
        ("urgency", changed("urgency", json!("whenever")), 422, "urgency"),
        ("unknown field", changed("admin", json!(true)), 422, "admin"),
    ];
    for (what, event, status, field) in cases {
        let answer = invoke(&desk.app, event).await;
        assert_eq!(answer.status, status, "{what}: {}", answer.body);
        assert_eq!(answer.body["field"], field, "{what}: {}", answer.body);
    }
    let mut malformed = sample.clone();
    malformed["body"] = "{not json".into();
    assert_eq!(invoke(&desk.app, malformed).await.status, 400);
    assert!(
        desk.mail.take().is_empty(),
        "nothing sent for refused submissions"
    );

    // An expired challenge is refused; so is one used twice.
    desk.clock.advance(challenge::LIFETIME + Duration::seconds(1));
    let late = invoke(&desk.app, sample.clone()).await;
    assert_eq!(
        (late.status, late.body["field"].as_str()),
        (422, Some("challenge")),
        "{}",
        late.body
    );
    desk.clock.advance(-(challenge::LIFETIME + Duration::seconds(1)));
    assert_eq!(invoke(&desk.app, sample.clone()).await.status, 202);
    let replay = invoke(&desk.app, sample).await;
    assert_eq!(replay.status, 422, "{}", replay.body);
    assert!(replay.body["detail"].as_str().unwrap().contains("already used"));
    // Nothing before took a ticket number.
    let key = key_in(&only_mail_to(&desk, GINA));
    assert_eq!(view(&desk, &key).await.body["number"], "T20261122.0001");
}

async fn submissions_are_throttled_per_email_and_source(store: Arc<dyn ItemStore>) {
    let desk = testing::test_app(store);
    for i in 0..5 {
        assert_eq!(submit(&desk, json!({})).await.status, 202, "request {i}");
    }
    let over = submit(&desk, json!({})).await;
    assert_eq!(over.status, 429, "{}", over.body);
    assert!(over.headers.contains_key("retry-after"));
    assert_eq!(desk.mail.take().len(), 5);
    // Other addresses from the same network go on, up to 20 an hour.
    for i in 0..14 {
        let email = format!("guest{i}@example.org");
        assert_eq!(
            submit(&desk, json!({ "email": email })).await.status,
            202,
            "{email}"
        );
    }
    let network = submit(&desk, json!({"email": "late@example.org"})).await;
    assert_eq!(network.status, 429, "{}", network.body);
    let elsewhere = from_source(
        submission(&desk, json!({"email": "late@example.org"})).await,
        "192.0.2.1",
    );
    assert_eq!(invoke(&desk.app, elsewhere).await.status, 202);
    desk.clock.advance(Duration::hours(1));
    assert_eq!(
        submit(&desk, json!({})).await.status,
        202,
        "the next hour allows more"
    );
}

async fn a_key_opens_one_ticket_and_nothing_else(store: Arc<dyn ItemStore>) {
    let desk = testing::test_app(store);
    submit(&desk, json!({})).await;
    let key_a = key_in(&only_mail_to(&desk, GINA));
    submit(
        &desk,
        json!({"email": "hugo@example.org", "title": "Hugo's problem"}),
    )
    .await;
    let key_b = key_in(&only_mail_to(&desk, "hugo@example.org"));
    assert_eq!(view(&desk, &key_a).await.body["number"], "T20261122.0001");
    assert_eq!(view(&desk, &key_b).await.body["number"], "T20261122.0002");

    // A key is not an access token: the account endpoints refuse it.
    for name in ["list-tickets", "get-ticket", "account-get-profile"] {
        let answer = invoke(&desk.app, with_token(event(name), Some(&key_a))).await;
        assert_eq!(answer.status, 401, "{name}");
    }

    // Forged keys look exactly like unknown ones.
    let mut flipped: Vec<char> = key_a.chars().collect();
    flipped[10] = if flipped[10] == 'A' { 'B' } else { 'A' };
    let flipped: String = flipped.into_iter().collect();
    for forged in [
        flipped.as_str(),
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "short",
        &format!("{key_a}x"),
        "T20261122.0001",
        "..%2F..%2Ftickets",
    ] {
        let answer = with_key(&desk, "access-key-view", forged, "198.51.100.20").await;
        assert_eq!(answer.status, 404, "{forged}");
        assert_eq!(
            answer.body["detail"],
            view(&desk, "A".repeat(43).as_str()).await.body["detail"]
        );
    }

    // Guessing from one network is slowed down; other networks are not.
    for _ in 0..access::MISSES_PER_SOURCE {
        with_key(&desk, "access-key-view", &"B".repeat(43), "198.51.100.9").await;
    }
    let blocked = with_key(&desk, "access-key-view", &key_a, "198.51.100.9").await;
    assert_eq!(blocked.status, 429);
    assert!(blocked.headers.contains_key("retry-after"));
    assert_eq!(
        with_key(&desk, "access-key-view", &key_a, "192.0.2.8")
            .await
            .status,
        200
    );
    desk.clock.advance(access::MISS_WINDOW);
    assert_eq!(
        with_key(&desk, "access-key-view", &key_a, "198.51.100.9")
            .await
            .status,
        200
    );
}

async fn a_key_expires_thirty_days_after_closing(store: Arc<dyn ItemStore>) {
    let desk = testing::test_app(store);
    submit(&desk, json!({})).await;
    let key = key_in(&only_mail_to(&desk, GINA));
    // Close the ticket as support would (the workflow arrives with the conversation).
    let item = desk
        .app
        .store
        .get(&model::ticket_key(&"T20261122.0001".parse().unwrap()))
        .await
        .unwrap()
        .unwrap();
    let mut ticket = model::ticket_from_item(&item).unwrap();
    ticket.status = Status::Closed;
    ticket.completed_at = Some(desk.app.clock.now());
    desk.app
        .store
        .write(servicedesk_shared::store::Write::Put {
            item: model::ticket_item(&ticket).unwrap(),
            condition: None,
        })
        .await
        .unwrap();
    desk.clock.advance(Duration::days(30) - Duration::seconds(1));
    assert_eq!(
        view(&desk, &key).await.status,
        200,
        "closed, still readable for 30 days"
    );
    desk.clock.advance(Duration::seconds(1));
    assert_eq!(view(&desk, &key).await.status, 404);
}

async fn a_guest_who_creates_an_account_keeps_their_tickets(store: Arc<dyn ItemStore>) {
    let desk = testing::test_app(store);
    submit(&desk, json!({"language": "fr"})).await;
    desk.mail.take();
    let request = with_body(event("password-reset-request"), &json!({ "email": GINA }));
    let accepted = invoke(&desk.app, request).await;
    assert_eq!(accepted.status, 202);
    let message = only_mail_to(&desk, GINA);
    assert_eq!(
        message.subject, "Créez votre compte du centre de support",
        "in the guest's language"
    );
    let token = common::link_secret(&message, "reset-password", "token");
    let confirm = with_body(
        event("password-reset-confirm"),
        &json!({"token": token, "password": "meadow-lantern-71", "password_confirmation": "meadow-lantern-71"}),
    );
    assert_eq!(invoke(&desk.app, confirm).await.status, 204);

    let login = with_body(
        event("sign-in-login"),
        &json!({"email": GINA, "password": "meadow-lantern-71"}),
    );
    let session = invoke(&desk.app, login).await;
    assert_eq!(session.status, 200, "{}", session.body);
    assert_eq!(session.body["account"]["first_name"], "Gina");
    assert_eq!(session.body["account"]["last_name"], "Green");
    assert_eq!(session.body["account"]["language"], "fr");
    let token = session.body["access_token"].as_str().unwrap();
    let mine = invoke(&desk.app, my_tickets(token)).await;
    assert_eq!(mine.status, 200, "{}", mine.body);
    let numbers: Vec<&str> = mine.body["tickets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["number"].as_str().unwrap())
        .collect();
    assert_eq!(numbers, ["T20261122.0001"], "the guest ticket is hers now");

    // Invited instead of resetting: the same.
    submit(&desk, json!({"email": "hugo@example.org"})).await;
    desk.mail.take();
    let (sam, _) = {
        servicedesk::demo::seed(&desk.app).await.unwrap();
        let login = with_body(
            event("sign-in-login"),
            &json!({"email": "sam@support.example", "password": "harbor-violet-93"}),
        );
        let answer = invoke(&desk.app, login).await;
        (answer.body["access_token"].as_str().unwrap().to_owned(), ())
    };
    let invite = with_body(
        with_token(event("admin-invite"), Some(&sam)),
        &json!({"email": "hugo@example.org", "organization_id": servicedesk::demo::ORGANIZATION_ID}),
    );
    assert_eq!(invoke(&desk.app, invite).await.status, 202);
    let message = only_mail_to(&desk, "hugo@example.org");
    let token = common::link_secret(&message, "invitation", "token");
    let accept = with_body(
        event("accept-invitation"),
        &json!({"token": token, "first_name": "Hugo", "last_name": "Hill", "password": "granite-orchard-35", "password_confirmation": "granite-orchard-35"}),
    );
    let session = invoke(&desk.app, accept).await;
    assert_eq!(session.status, 201);
    let token = session.body["access_token"].as_str().unwrap();
    let mine = invoke(&desk.app, my_tickets(token)).await;
    assert_eq!(mine.body["tickets"][0]["number"], "T20261122.0002");
    // Guest tickets stay private to their requester: the new colleagues do not see them.
    let ann = testing::token(
        &desk.app,
        &testing::customer("demo-ann", servicedesk::demo::ORGANIZATION_ID),
    );
    let mut org = with_token(event("list-tickets"), Some(&ann));
    org["queryStringParameters"] = json!({"scope": "organization"});
    org["rawQueryString"] = "scope=organization".into();
    assert_eq!(invoke(&desk.app, org).await.body["tickets"], json!([]));
}

async fn review_findings_stay_fixed(store: Arc<dyn ItemStore>) {
    let desk = testing::test_app(store);

    // A failed email during key rotation keeps the old key working.
    submit(&desk, json!({})).await;
    let key = key_in(&only_mail_to(&desk, GINA));
    desk.mail.fail_next(1);
    let rotated = with_key(&desk, "access-key-rotate", &key, "203.0.113.7").await;
    assert_eq!(rotated.status, 503, "{}", rotated.body);
    assert_eq!(view(&desk, &key).await.status, 200, "the old key still works");

    // Replaying one solved challenge cannot eat someone's quota.
    let solved = submission(&desk, json!({"email": "victim@example.org"})).await;
    assert_eq!(invoke(&desk.app, solved.clone()).await.status, 202);
    for _ in 0..6 {
        assert_eq!(invoke(&desk.app, solved.clone()).await.status, 422);
    }
    assert_eq!(
        submit(&desk, json!({"email": "victim@example.org"})).await.status,
        202
    );
    desk.mail.take();

    // Unverified guest data never blocks creating the account: names are fitted.
    let long = "N".repeat(150);
    submit(
        &desk,
        json!({"email": "long@example.org", "contact_name": long, "company_name": "C".repeat(150)}),
    )
    .await;
    desk.mail.take();
    invoke(
        &desk.app,
        with_body(
            event("password-reset-request"),
            &json!({"email": "long@example.org"}),
        ),
    )
    .await;
    let message = only_mail_to(&desk, "long@example.org");
    let token = common::link_secret(&message, "reset-password", "token");
    let confirm = with_body(
        event("password-reset-confirm"),
        &json!({"token": token, "password": "meadow-lantern-71", "password_confirmation": "meadow-lantern-71"}),
    );
    let created = invoke(&desk.app, confirm).await;
    assert_eq!(created.status, 204, "{}", created.body);

    // Once an account took the guest id, anonymous requests with that email
    // are not filed under the account.
    submit(
        &desk,
        json!({"email": "long@example.org", "title": "Someone else's"}),
    )
    .await;
    let login = with_body(
        event("sign-in-login"),
        &json!({"email": "long@example.org", "password": "meadow-lantern-71"}),
    );
    let session = invoke(&desk.app, login).await;
    let token = session.body["access_token"].as_str().unwrap();
    let mine = invoke(&desk.app, my_tickets(token)).await;
    let titles: Vec<&str> = mine.body["tickets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["title"].as_str().unwrap())
        .collect();
    assert!(!titles.contains(&"Someone else's"), "{titles:?}");
    assert_eq!(titles.len(), 1);
}

async fn limits_and_keys_hold_under_concurrency(store: Arc<dyn ItemStore>) {
    let desk = Arc::new(testing::test_app(store));

    // A new address's first two requests at the same moment: both are
    // taken, filed under one guest, numbered without a gap.
    let mut firsts = Vec::new();
    for _ in 0..2 {
        firsts.push(submission(&desk, json!({})).await);
    }
    let answers = common::lambda::invoke_all_at_once(&desk, |d| &d.app, firsts).await;
    assert_eq!(
        common::lambda::count_status(&answers, 202),
        2,
        "{:?}",
        answers.iter().map(|a| &a.body).collect::<Vec<_>>()
    );
    let mut keys: Vec<String> = desk.mail.take().iter().map(key_in).collect();
    assert_eq!(keys.len(), 2);
    let mut numbers = Vec::new();
    let mut requesters = Vec::new();
    for key in &keys {
        let seen = view(&desk, key).await;
        numbers.push(seen.body["number"].as_str().unwrap().to_owned());
        requesters.push(seen.body["requester_id"].as_str().unwrap().to_owned());
    }
    numbers.sort();
    assert_eq!(numbers, ["T20261122.0001", "T20261122.0002"]);
    assert_eq!(requesters[0], requesters[1], "one guest id per address");

    // Eight more at once: the hourly limit of five per address holds.
    let mut more = Vec::new();
    for _ in 0..8 {
        more.push(submission(&desk, json!({})).await);
    }
    let answers = common::lambda::invoke_all_at_once(&desk, |d| &d.app, more).await;
    assert_eq!(
        common::lambda::count_status(&answers, 202),
        3,
        "five an hour in all"
    );
    assert_eq!(common::lambda::count_status(&answers, 429), 5);
    desk.mail.take();

    // Eight rotations of one key at once: one new key, and it alone works.
    let key = keys.remove(0);
    let rotations = (0..8)
        .map(|_| from_source(fill(event("access-key-rotate"), &[("KEY", &key)]), "203.0.113.50"))
        .collect();
    let answers = common::lambda::invoke_all_at_once(&desk, |d| &d.app, rotations).await;
    assert_eq!(common::lambda::count_status(&answers, 202), 1);
    assert_eq!(common::lambda::count_status(&answers, 404), 7);
    let mailed: Vec<String> = desk.mail.take().iter().map(key_in).collect();
    assert_eq!(mailed.len(), 1);
    assert_eq!(view(&desk, &mailed[0]).await.status, 200);
    assert_eq!(view(&desk, &key).await.status, 404);

    // Thirty unknown keys from one network at once: twenty are looked up.
    let guesses = (0..30)
        .map(|i| {
            let guess = format!("{i:0>43}");
            from_source(
                fill(event("access-key-view"), &[("KEY", &guess)]),
                "198.51.100.77",
            )
        })
        .collect();
    let answers = common::lambda::invoke_all_at_once(&desk, |d| &d.app, guesses).await;
    assert_eq!(
        common::lambda::count_status(&answers, 404),
        access::MISSES_PER_SOURCE as usize
    );
    assert_eq!(
        common::lambda::count_status(&answers, 429),
        30 - access::MISSES_PER_SOURCE as usize
    );
}

on_both_backends!(
    review_findings_stay_fixed,
    guest_submits_follows_comments_and_rotates,
    refused_submissions_store_nothing,
    submissions_are_throttled_per_email_and_source,
    a_key_opens_one_ticket_and_nothing_else,
    a_key_expires_thirty_days_after_closing,
    a_guest_who_creates_an_account_keeps_their_tickets,
    limits_and_keys_hold_under_concurrency,
);
