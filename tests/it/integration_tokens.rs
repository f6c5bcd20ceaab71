//! Integration tokens through the handlers, on both backends: created from a
//! session, they act as their owner on the API until revoked or expired,
//! cannot manage the account, and are stored only as digests.

use crate::common;

use std::sync::Arc;

use common::lambda::{Answer, event, fill, invoke, with_body, with_token};
use serde_json::{Value, json};
use servicedesk::demo;
use servicedesk_shared::domain::{OptionalText, TokenInfo, UserId};
use servicedesk_shared::secret::digest;
use servicedesk_shared::store::{ItemStore, Write, model};
use servicedesk_shared::testing::{self, TestApp};
use time::Duration;

const ANN_PASSWORD: &str = "orchid-lantern-42";
const SAM_PASSWORD: &str = "harbor-violet-93";

struct Desk {
    desk: TestApp,
    store: Arc<dyn ItemStore>,
}

impl Desk {
    async fn new(store: Arc<dyn ItemStore>) -> Self {
        let desk = testing::test_app(store.clone());
        demo::seed(&desk.app).await.expect("demo data");
        Self { desk, store }
    }

    /// A fresh session access token (the test clock moves).
    fn session(&self, user: &str) -> String {
        let actor = if user == "demo-sam" {
            testing::agent(user)
        } else {
            testing::customer(user, demo::ORGANIZATION_ID)
        };
        testing::token(&self.desk.app, &actor)
    }

    async fn call(&self, name: &str, bearer: &str, body: Option<Value>) -> Answer {
        let mut request = with_token(event(name), Some(bearer));
        if let Some(body) = body {
            request = with_body(request, &body);
        }
        invoke(&self.desk.app, request).await
    }

    async fn create(&self, bearer: &str, body: Value) -> Answer {
        self.call("account-create-token", bearer, Some(body)).await
    }

    async fn revoke(&self, bearer: &str, id: &str) -> Answer {
        let request = with_token(fill(event("account-revoke-token"), &[("ID", id)]), Some(bearer));
        invoke(&self.desk.app, request).await
    }
}

fn secret(answer: &Answer) -> String {
    answer.body["token"]
        .as_str()
        .expect("the secret, once")
        .to_owned()
}

async fn a_token_acts_as_its_owner_until_revoked(store: Arc<dyn ItemStore>) {
    let d = Desk::new(store).await;
    let ann = d.session("demo-ann");
    let wrong = d
        .create(
            &ann,
            json!({"name": "ERP", "current_password": "not-my-password"}),
        )
        .await;
    assert_eq!(
        wrong.status, 400,
        "creating a token takes the password: {}",
        wrong.body
    );
    assert_eq!(wrong.body["reason"], "not_current_password");
    let created = d
        .create(
            &ann,
            json!({"name": "ERP integration", "expires_in_days": 30, "current_password": ANN_PASSWORD}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let token = secret(&created);
    assert!(token.starts_with("sd_demo-ann.") && token.len() > 50, "{token}");
    let id = created.body["id"].as_str().unwrap().to_owned();
    assert_eq!(created.body["name"], "ERP integration");
    assert_eq!(created.body["expires_at"], "2026-12-22T09:30:00Z");

    // The API takes it like a session's access token, as Ann.
    let opened = d.call("create-ticket", &token, None).await;
    assert_eq!(opened.status, 201, "{}", opened.body);
    assert_eq!(opened.body["requester_id"], "demo-ann");
    assert_eq!(d.call("list-tickets", &token, None).await.status, 200);
    let who = d.call("account-get-profile", &token, None).await;
    assert_eq!(
        who.body["email"], "ann@acme.example",
        "it may read who it acts as"
    );

    // It cannot manage the account: that takes a session.
    for (name, body) in [
        ("account-update-profile", None),
        ("account-change-password", None),
        ("account-list-tokens", None),
        ("account-create-token", None),
        ("account-revoke-token", None),
    ] {
        let answer = d.call(name, &token, body).await;
        assert_eq!(answer.status, 403, "{name}: {}", answer.body);
    }

    // Listed for its owner, never with the secret.
    let listed = d.call("account-list-tokens", &ann, None).await;
    assert_eq!(listed.status, 200);
    assert_eq!(listed.body["tokens"].as_array().unwrap().len(), 1);
    assert_eq!(listed.body["tokens"][0]["id"], id.as_str());
    assert!(!listed.body.to_string().contains(&token));
    // Stored as a digest only.
    let stored = d.store.get(&model::api_token_key(&digest(&token))).await.unwrap();
    assert!(stored.is_some(), "found by its digest");
    assert!(!format!("{stored:?}").contains(&token));

    // Someone else cannot revoke it; its owner can, and it stops at once.
    assert_eq!(d.revoke(&d.session("demo-bob"), &id).await.status, 404);
    assert_eq!(d.revoke(&ann, &id).await.status, 204);
    let refused = d.call("list-tickets", &token, None).await;
    assert_eq!(refused.status, 401, "{}", refused.body);
    assert_eq!(d.revoke(&ann, &id).await.status, 404, "already revoked");
    let listed = d.call("account-list-tokens", &ann, None).await;
    assert_eq!(listed.body["tokens"], json!([]));

    // A made-up token is refused like a revoked one.
    let forged = format!("sd_{}", "A".repeat(43));
    assert_eq!(d.call("list-tickets", &forged, None).await.status, 401);
}

async fn tokens_end_with_a_password_change_and_never_administer(store: Arc<dyn ItemStore>) {
    let d = Desk::new(store).await;
    let sam = d.session("demo-sam");
    let created = d
        .create(&sam, json!({"name": "Reports", "current_password": SAM_PASSWORD}))
        .await;
    let token = secret(&created);
    assert_eq!(d.call("agent-queue", &token, None).await.status, 200);
    // Administering the desk takes a session: a token could otherwise
    // invite an agent account that outlives it.
    for name in [
        "admin-invite",
        "admin-create-organization",
        "announcements-create",
    ] {
        let answer = d.call(name, &token, None).await;
        assert_eq!(answer.status, 403, "{name}: {}", answer.body);
    }
    assert_eq!(
        d.call("admin-create-organization", &sam, None).await.status,
        201,
        "a session may"
    );

    // A password change ends every token made before it.
    let changed = d
        .call(
            "account-change-password",
            &sam,
            Some(
                json!({"current_password": SAM_PASSWORD, "new_password": "amber-thistle-73",
                        "new_password_confirmation": "amber-thistle-73"}),
            ),
        )
        .await;
    assert_eq!(changed.status, 200, "{}", changed.body);
    assert_eq!(d.call("agent-queue", &token, None).await.status, 401);
    let listed = d.call("account-list-tokens", &d.session("demo-sam"), None).await;
    assert_eq!(listed.body["tokens"], json!([]), "and they leave the list");
}

async fn a_token_is_its_owners_alone(store: Arc<dyn ItemStore>) {
    let d = Desk::new(store).await;
    let ann = d.session("demo-ann");
    let created = d
        .create(&ann, json!({"name": "ERP", "current_password": ANN_PASSWORD}))
        .await;
    let token = secret(&created);
    assert_eq!(d.call("list-tickets", &token, None).await.status, 200);
    // Naming another owner with the same secret is another token: unknown.
    let (_, secret_part) = token.split_once('.').unwrap();
    let swapped = format!("sd_demo-bob.{secret_part}");
    assert_eq!(d.call("list-tickets", &swapped, None).await.status, 401);
    // Even a stored token is refused when it names someone other than the
    // owner it was made for (a corrupted or planted item).
    let planted = format!("sd_demo-bob.{}", "P".repeat(43));
    let info = TokenInfo {
        id: "planted".into(),
        name: OptionalText::parse("name", "planted").unwrap(),
        created_at: d.desk.app.clock.now(),
        expires_at: d.desk.app.clock.now() + Duration::days(1),
    };
    let ann_id = UserId::parse("demo-ann").unwrap();
    let item = model::api_token_item(&digest(&planted), &ann_id, 0, &info);
    d.store
        .write(Write::Put {
            item,
            condition: None,
        })
        .await
        .unwrap();
    assert_eq!(d.call("list-tickets", &planted, None).await.status, 401);
    // A token whose owner is gone is refused.
    d.store
        .write(Write::Delete {
            key: model::user_key(&ann_id),
            condition: None,
        })
        .await
        .unwrap();
    assert_eq!(d.call("list-tickets", &token, None).await.status, 401);
}

async fn guessing_the_password_to_create_tokens_is_limited(store: Arc<dyn ItemStore>) {
    let d = Desk::new(store).await;
    let ann = d.session("demo-ann");
    for n in 0..5 {
        let wrong = d
            .create(
                &ann,
                json!({"name": "x", "current_password": format!("guess-{n}")}),
            )
            .await;
        assert_eq!(wrong.status, 400, "{}", wrong.body);
    }
    let blocked = d
        .create(&ann, json!({"name": "x", "current_password": ANN_PASSWORD}))
        .await;
    assert_eq!(blocked.status, 429, "{}", blocked.body);
    assert!(blocked.headers.contains_key("retry-after"));
}

async fn tokens_expire_and_are_limited(store: Arc<dyn ItemStore>) {
    let d = Desk::new(store).await;
    let sam = d.session("demo-sam");
    let short = d
        .create(
            &sam,
            json!({"name": "Nightly export", "expires_in_days": 1, "current_password": SAM_PASSWORD}),
        )
        .await;
    assert_eq!(short.status, 201, "{}", short.body);
    let token = secret(&short);
    assert_eq!(
        d.call("agent-queue", &token, None).await.status,
        200,
        "support's token reaches the queue"
    );

    d.desk.clock.advance(Duration::days(1) + Duration::seconds(1));
    assert_eq!(d.call("agent-queue", &token, None).await.status, 401, "expired");
    let sam = d.session("demo-sam");
    let listed = d.call("account-list-tokens", &sam, None).await;
    assert_eq!(listed.body["tokens"], json!([]), "expired tokens are not listed");

    for (body, field) in [
        (json!({"name": " ", "current_password": SAM_PASSWORD}), "name"),
        (
            json!({"name": "x", "expires_in_days": 0, "current_password": SAM_PASSWORD}),
            "expires_in_days",
        ),
        (
            json!({"name": "x", "expires_in_days": 366, "current_password": SAM_PASSWORD}),
            "expires_in_days",
        ),
        (json!({"name": "x"}), "current_password"),
    ] {
        let answer = d.create(&sam, body).await;
        assert_eq!(answer.status, 422, "{}", answer.body);
        assert_eq!(answer.body["field"], field);
    }

    for n in 0..10 {
        let answer = d
            .create(
                &sam,
                json!({ "name": format!("token {n}"), "current_password": SAM_PASSWORD }),
            )
            .await;
        assert_eq!(answer.status, 201, "{}", answer.body);
        assert_eq!(
            answer.body["expires_at"], "2027-02-21T09:30:01Z",
            "90 days by default"
        );
    }
    let eleventh = d
        .create(
            &sam,
            json!({"name": "one too many", "current_password": SAM_PASSWORD}),
        )
        .await;
    assert_eq!(eleventh.status, 409, "{}", eleventh.body);
}

async fn expired_tokens_never_hide_new_ones(store: Arc<dyn ItemStore>) {
    let d = Desk::new(store).await;
    // 110 expired listings, more than one page of the listing Query (the
    // store's TTL removes them late, or never locally).
    for _ in 0..11 {
        let ann = d.session("demo-ann");
        for n in 0..10 {
            let body = json!({ "name": format!("short {n}"), "expires_in_days": 1, "current_password": ANN_PASSWORD });
            assert_eq!(d.create(&ann, body).await.status, 201);
        }
        d.desk.clock.advance(Duration::days(2));
    }
    let ann = d.session("demo-ann");
    let fresh = d
        .create(&ann, json!({"name": "Current", "current_password": ANN_PASSWORD}))
        .await;
    assert_eq!(fresh.status, 201, "expired tokens do not count: {}", fresh.body);
    let listed = d.call("account-list-tokens", &ann, None).await;
    assert_eq!(
        listed.body["tokens"].as_array().unwrap().len(),
        1,
        "{}",
        listed.body
    );
    assert_eq!(listed.body["tokens"][0]["name"], "Current");
}

/// Token creations with `bodies`, all at once.
async fn created_at_once(d: &Arc<Desk>, bearer: &str, bodies: Vec<Value>) -> Vec<Answer> {
    let events = bodies
        .iter()
        .map(|body| with_body(with_token(event("account-create-token"), Some(bearer)), body))
        .collect();
    common::lambda::invoke_all_at_once(d, |d| &d.desk.app, events).await
}

async fn limits_hold_under_concurrency(store: Arc<dyn ItemStore>) {
    let d = Arc::new(Desk::new(store).await);
    // Ten wrong passwords at once: five are checked, the rest wait.
    let ann = d.session("demo-ann");
    let guesses = (0..10)
        .map(|n| json!({"name": "x", "current_password": format!("guess-{n}")}))
        .collect();
    let statuses = created_at_once(&d, &ann, guesses).await;
    assert_eq!(common::lambda::count_status(&statuses, 400), 5, "{statuses:?}");
    assert_eq!(common::lambda::count_status(&statuses, 429), 5, "{statuses:?}");

    // Nine tokens, then five creations at once (as many password checks as
    // may run at once; they finish in pairs on two cores): one more token,
    // the cap of ten holds.
    let sam = d.session("demo-sam");
    let create = |n: usize| json!({"name": format!("token {n}"), "current_password": SAM_PASSWORD});
    for n in 0..9 {
        assert_eq!(d.create(&sam, create(n)).await.status, 201);
    }
    let statuses = created_at_once(&d, &sam, (9..14).map(create).collect()).await;
    assert_eq!(common::lambda::count_status(&statuses, 201), 1, "{statuses:?}");
    assert_eq!(common::lambda::count_status(&statuses, 409), 4, "{statuses:?}");
    let listed = d.call("account-list-tokens", &sam, None).await;
    assert_eq!(listed.body["tokens"].as_array().unwrap().len(), 10);
}

async fn ids_that_cannot_be_stored_are_not_found(store: Arc<dyn ItemStore>) {
    let d = Desk::new(store).await;
    let ann = d.session("demo-ann");
    for id in ["\u{0}", "a\u{0}b", "line\nbreak", &"x".repeat(5000)] {
        let mut request = with_token(event("account-revoke-token"), Some(&ann));
        request["pathParameters"]["id"] = id.into();
        let answer = invoke(&d.desk.app, request).await;
        assert_eq!(answer.status, 404, "{id:?}: {}", answer.body);
        assert_eq!(
            answer.headers["content-type"], "application/problem+json",
            "{id:?}"
        );
    }
}

/// Every route that takes a token (per the route table) accepts one: each
/// sample event, sent with a customer's integration token (an agent's on
/// support's routes), is authenticated, whatever the answer (an example
/// ticket may not exist).
async fn every_route_that_takes_tokens_accepts_one(store: Arc<dyn ItemStore>) {
    let d = Desk::new(store).await;
    let mut tokens = Vec::new();
    for (user, password) in [("demo-ann", ANN_PASSWORD), ("demo-sam", SAM_PASSWORD)] {
        let created = d
            .create(
                &d.session(user),
                json!({"name": "Integration", "current_password": password}),
            )
            .await;
        assert_eq!(created.status, 201, "{}", created.body);
        tokens.push(secret(&created));
    }
    let events = concat!(env!("CARGO_MANIFEST_DIR"), "/events");
    let mut tried = std::collections::BTreeSet::new();
    for entry in std::fs::read_dir(events).unwrap() {
        let sample: Value =
            serde_json::from_str(&std::fs::read_to_string(entry.unwrap().path()).unwrap()).unwrap();
        let Some((method, path)) = sample["routeKey"].as_str().and_then(|key| key.split_once(' ')) else {
            continue;
        };
        let bearer = sample["headers"]["authorization"].as_str() == Some("Bearer ${TOKEN}");
        if !bearer || !crate::infra_routes::accepts_integration_tokens(method, path) {
            continue;
        }
        let route = format!("{method} {path}");
        let token = if path.starts_with("/agent/") {
            &tokens[1]
        } else {
            &tokens[0]
        };
        let answer = invoke(&d.desk.app, with_token(sample, Some(token))).await;
        // Refused for what it asks (a customer may not set every status),
        // never for how it is authenticated.
        let detail = answer.body["detail"].as_str().unwrap_or_default();
        assert!(
            answer.status != 401 && !detail.contains("integration token"),
            "{route} refused an integration token: {}",
            answer.body
        );
        tried.insert(route);
    }
    assert!(tried.len() >= 10, "{tried:?}");
}

on_both_backends!(
    every_route_that_takes_tokens_accepts_one,
    a_token_acts_as_its_owner_until_revoked,
    a_token_is_its_owners_alone,
    guessing_the_password_to_create_tokens_is_limited,
    tokens_end_with_a_password_change_and_never_administer,
    tokens_expire_and_are_limited,
    expired_tokens_never_hide_new_ones,
    limits_hold_under_concurrency,
    ids_that_cannot_be_stored_are_not_found,
);
