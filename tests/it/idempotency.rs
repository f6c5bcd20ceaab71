//! Safe retries: `POST /tickets` with an `Idempotency-Key` opens at most one
//! ticket per caller and key, however often (or however concurrently) the
//! request is sent — on both backends.

use crate::common;

use std::sync::Arc;

use common::lambda::{Answer, event, invoke, with_body, with_query, with_token};
use serde_json::{Value, json};
use servicedesk_shared::store::ItemStore;
use servicedesk_shared::testing::{self, TestApp};
use time::Duration;

struct Desk {
    desk: TestApp,
    ann: String,
    bob: String,
}

fn desk(store: Arc<dyn ItemStore>) -> Desk {
    let desk = testing::test_app(store);
    let token = |actor| testing::token(&desk.app, &actor);
    Desk {
        ann: token(testing::customer("ann", "acme")),
        bob: token(testing::customer("bob", "acme")),
        desk,
    }
}

fn ticket(title: &str) -> Value {
    json!({"request_type": "question", "title": title, "description": "Where is it?"})
}

impl Desk {
    async fn open(&self, token: &str, key: Option<&str>, body: &Value) -> Answer {
        let mut request = with_body(with_token(event("create-ticket"), Some(token)), body);
        if let Some(key) = key {
            request["headers"]["idempotency-key"] = key.into();
        }
        invoke(&self.desk.app, request).await
    }

    /// The ticket's page (with its history) as the holder of `token` sees it.
    async fn view(&self, token: &str, number: &str) -> Value {
        let mut view = with_token(event("get-ticket"), Some(token));
        view["pathParameters"]["number"] = number.into();
        view["rawPath"] = format!("/tickets/{number}").into();
        invoke(&self.desk.app, view).await.body
    }

    async fn my_numbers(&self, token: &str) -> Vec<String> {
        let list = with_query(
            with_token(event("list-tickets"), Some(token)),
            &[("status", "all")],
        );
        let mut numbers: Vec<String> = invoke(&self.desk.app, list).await.body["tickets"]
            .as_array()
            .expect("tickets")
            .iter()
            .map(|t| t["number"].as_str().unwrap().to_owned())
            .collect();
        numbers.sort();
        numbers
    }
}

fn replayed(answer: &Answer) -> bool {
    answer
        .headers
        .get("idempotent-replayed")
        .is_some_and(|v| v == "true")
}

async fn a_retried_request_opens_one_ticket(store: Arc<dyn ItemStore>) {
    let d = desk(store);
    let key = "3f2a6c1e-7d4b-4e8a-9c0d-1b2e3f4a5b6c";
    let first = d.open(&d.ann, Some(key), &ticket("VPN down")).await;
    assert_eq!(first.status, 201, "{}", first.body);
    assert!(!replayed(&first));
    let again = d.open(&d.ann, Some(key), &ticket("VPN down")).await;
    assert_eq!(again.status, 201, "{}", again.body);
    assert!(replayed(&again), "the retry is marked as a replay");
    assert_eq!(again.body["number"], first.body["number"]);
    assert_eq!(again.headers["location"], first.headers["location"]);
    assert_eq!(d.my_numbers(&d.ann).await, ["T20261122.0001"]);

    // A replay reads before allocating: the day's numbers stay gap-free.
    let next = d.open(&d.ann, None, &ticket("Printer")).await;
    assert_eq!(next.body["number"], "T20261122.0002");

    // The same key with another request is a mistake, not a retry.
    let different = d.open(&d.ann, Some(key), &ticket("Something else")).await;
    assert_eq!(different.status, 422, "{}", different.body);
    assert_eq!(different.body["field"], "Idempotency-Key");

    // Keys belong to their caller: Bob's identical key is his own request.
    let bobs = d.open(&d.bob, Some(key), &ticket("VPN down")).await;
    assert_eq!(bobs.status, 201);
    assert!(!replayed(&bobs));
    assert_eq!(bobs.body["number"], "T20261122.0003");

    // After 24 hours the key is forgotten.
    d.desk.clock.advance(Duration::hours(24) + Duration::seconds(1));
    let ann = testing::token(&d.desk.app, &testing::customer("ann", "acme"));
    let later = d.open(&ann, Some(key), &ticket("VPN down")).await;
    assert_eq!(later.status, 201, "{}", later.body);
    assert!(!replayed(&later), "an expired key opens a new ticket");
    assert_eq!(later.body["number"], "T20261123.0001");
    let again_later = d.open(&ann, Some(key), &ticket("VPN down")).await;
    assert_eq!(
        again_later.body["number"], "T20261123.0001",
        "and is remembered again"
    );
    assert_eq!(d.my_numbers(&ann).await.len(), 3);
}

async fn concurrent_duplicates_open_one_ticket(store: Arc<dyn ItemStore>) {
    let d = Arc::new(desk(store));
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let d = d.clone();
            tokio::spawn(async move { d.open(&d.ann, Some("double-click"), &ticket("Twice")).await })
        })
        .collect();
    let mut numbers = Vec::new();
    for task in tasks {
        let answer = task.await.unwrap();
        assert_eq!(answer.status, 201, "{}", answer.body);
        numbers.push(answer.body["number"].as_str().unwrap().to_owned());
    }
    numbers.dedup();
    assert_eq!(
        numbers.len(),
        1,
        "every answer names the same ticket: {numbers:?}"
    );
    assert_eq!(d.my_numbers(&d.ann).await, numbers);
    // The duplicates waited for the first one instead of drawing numbers:
    // the day's sequence stays gap-free.
    assert_eq!(numbers, ["T20261122.0001"]);
    let next = d.open(&d.ann, None, &ticket("Next")).await;
    assert_eq!(next.body["number"], "T20261122.0002");
}

async fn bad_keys_are_refused_before_anything_is_stored(store: Arc<dyn ItemStore>) {
    let d = desk(store);
    for bad in ["", &"k".repeat(256), "with space", "clé"] {
        let answer = d.open(&d.ann, Some(bad), &ticket("Bad key")).await;
        assert_eq!(answer.status, 422, "{bad:?}: {}", answer.body);
        assert_eq!(answer.body["field"], "Idempotency-Key");
    }
    assert!(d.my_numbers(&d.ann).await.is_empty());
}

async fn a_retried_note_is_added_once(store: Arc<dyn ItemStore>) {
    let d = desk(store);
    let opened = d.open(&d.ann, None, &ticket("VPN down")).await;
    let number = opened.body["number"].as_str().unwrap().to_owned();
    let note = |token: &str, key: &str, text: &str| {
        let mut request = with_body(
            with_token(event("ticket-notes"), Some(token)),
            &json!({ "text": text }),
        );
        request["pathParameters"]["number"] = number.as_str().into();
        request["rawPath"] = format!("/tickets/{number}/notes").into();
        request["headers"]["idempotency-key"] = key.into();
        request
    };
    let first = invoke(&d.desk.app, note(&d.ann, "note-1", "It still fails.")).await;
    assert_eq!(first.status, 201, "{}", first.body);
    assert!(!replayed(&first));
    let again = invoke(&d.desk.app, note(&d.ann, "note-1", "It still fails.")).await;
    assert_eq!(again.status, 201, "{}", again.body);
    assert!(replayed(&again));
    assert_eq!(again.body["id"], first.body["id"], "the same note");
    let other = invoke(&d.desk.app, note(&d.ann, "note-1", "Something else.")).await;
    assert_eq!(other.status, 422, "{}", other.body);
    // Bob's identical key is his own note.
    let bobs = invoke(&d.desk.app, note(&d.bob, "note-1", "It still fails.")).await;
    assert_eq!(bobs.status, 201);
    assert!(!replayed(&bobs));

    let history = d.view(&d.ann, &number).await["history"].clone();
    let notes = history
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["type"] == "note")
        .count();
    assert_eq!(notes, 2, "Ann's note once, and Bob's: {history}");

    // On a closed ticket the note reopens it: retried, it still does so once.
    let mut close = with_body(
        with_token(event("update-ticket"), Some(&d.ann)),
        &json!({"status": "closed"}),
    );
    close["pathParameters"]["number"] = number.as_str().into();
    close["rawPath"] = format!("/tickets/{number}").into();
    assert_eq!(invoke(&d.desk.app, close).await.status, 200);
    let reopening = invoke(&d.desk.app, note(&d.ann, "note-2", "Back again.")).await;
    let retried = invoke(&d.desk.app, note(&d.ann, "note-2", "Back again.")).await;
    assert_eq!((reopening.status, retried.status), (201, 201));
    assert!(replayed(&retried));
    assert_eq!(retried.body["id"], reopening.body["id"]);
    let after = d.view(&d.ann, &number).await;
    assert_eq!(after["status"], "open");
    let kinds: Vec<&str> = after["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    assert_eq!(kinds.iter().filter(|k| **k == "note").count(), 3, "{kinds:?}");
    assert_eq!(
        kinds.iter().filter(|k| **k == "status_changed").count(),
        2,
        "closed, reopened once: {kinds:?}"
    );
}

/// A request that died holding its claim (killed between claiming the key
/// and storing its ticket) leaves a claim without a result: the same
/// request is told it is in progress until the lease runs out, then it is
/// done afresh.
async fn a_crashed_claim_is_taken_over_after_its_lease(store: Arc<dyn ItemStore>) {
    use servicedesk_shared::idempotency::LEASE;
    use servicedesk_shared::store::{Write, model};
    let d = desk(store.clone());
    let body = ticket("Crashed");
    let now = servicedesk_shared::clock::Clock::now(d.desk.clock.as_ref());
    let id = servicedesk_shared::secret::digest("ann\nopen-ticket\ncrash-key");
    let orphan = model::idempotency_item(
        &id,
        &model::IdempotencyRecord {
            fingerprint: servicedesk_shared::secret::digest(&body.to_string()),
            claim: "dead-request".into(),
            lease_until: (now + LEASE).unix_timestamp(),
            result: None,
            expires_at: (now + Duration::hours(24)).unix_timestamp(),
        },
    );
    store
        .write(Write::Put {
            item: orphan,
            condition: None,
        })
        .await
        .unwrap();
    let waiting = d.open(&d.ann, Some("crash-key"), &body).await;
    assert_eq!(waiting.status, 409, "{}", waiting.body);
    assert!(
        waiting.body["detail"]
            .as_str()
            .unwrap()
            .contains("retry in a moment")
    );
    d.desk.clock.advance(LEASE + Duration::seconds(1));
    let ann = testing::token(&d.desk.app, &testing::customer("ann", "acme"));
    let taken_over = d.open(&ann, Some("crash-key"), &body).await;
    assert_eq!(taken_over.status, 201, "{}", taken_over.body);
    assert!(!replayed(&taken_over));
    assert_eq!(
        taken_over.body["number"], "T20261122.0001",
        "no number was drawn while it waited"
    );
    let replay = d.open(&ann, Some("crash-key"), &body).await;
    assert!(replayed(&replay));
}

/// Work that fails after its key was claimed gives the key back: the
/// client's retry is tried afresh at once, not told to wait out a claim.
async fn a_request_that_fails_releases_its_key(store: Arc<dyn ItemStore>) {
    let counting = Arc::new(testing::CountingStore::new(store));
    let d = desk(counting.clone());
    let key = "5d8e2f1a-0b3c-4d5e-8f7a-9b0c1d2e3f4a";
    counting.fail_next_transactions(1);
    let failed = d.open(&d.ann, Some(key), &ticket("VPN down")).await;
    assert_eq!(failed.status, 503, "{}", failed.body);
    let retried = d.open(&d.ann, Some(key), &ticket("VPN down")).await;
    assert_eq!(retried.status, 201, "{}", retried.body);
    assert!(!replayed(&retried), "nothing was opened before");
    let number = retried.body["number"].as_str().unwrap().to_owned();

    let note = |key: &str| {
        let mut request = with_body(
            with_token(event("ticket-notes"), Some(&d.ann)),
            &json!({ "text": "Still down." }),
        );
        request["pathParameters"]["number"] = number.as_str().into();
        request["rawPath"] = format!("/tickets/{number}/notes").into();
        request["headers"]["idempotency-key"] = key.into();
        invoke(&d.desk.app, request)
    };
    let key = "6e9f3a2b-1c4d-4e6f-9a8b-0c1d2e3f4a5b";
    counting.fail_next_transactions(1);
    assert_eq!(note(key).await.status, 503);
    let retried = note(key).await;
    assert_eq!(retried.status, 201, "{}", retried.body);
    assert!(!replayed(&retried));
}

/// A note's request that outlived its claim (another request took the key
/// over and added the note meanwhile) answers with that note, marked
/// replayed, instead of adding a second one or retrying into a conflict.
async fn a_note_taken_over_meanwhile_answers_with_the_takers_note(store: Arc<dyn ItemStore>) {
    use servicedesk_shared::idempotency::LEASE;
    use servicedesk_shared::store::{Write, model};
    let counting = Arc::new(testing::CountingStore::new(store));
    let d = desk(counting.clone());
    let opened = d.open(&d.ann, None, &ticket("Printer")).await;
    let number = opened.body["number"].as_str().unwrap().to_owned();
    let note = |key: Option<&str>, body: &Value| {
        let mut request = with_body(with_token(event("ticket-notes"), Some(&d.ann)), body);
        request["pathParameters"]["number"] = number.as_str().into();
        request["rawPath"] = format!("/tickets/{number}/notes").into();
        if let Some(key) = key {
            request["headers"]["idempotency-key"] = key.into();
        }
        invoke(&d.desk.app, request)
    };
    let body = json!({ "text": "Still jamming." });
    // The taker's note, already stored.
    let takers = note(None, &body).await;
    assert_eq!(takers.status, 201, "{}", takers.body);
    let takers_id = takers.body["id"].as_str().unwrap().to_owned();
    // Just before this request's transaction, the taker's record of the key lands.
    let now = servicedesk_shared::clock::Clock::now(d.desk.clock.as_ref());
    let done = model::idempotency_item(
        &servicedesk_shared::secret::digest(&format!("ann\nadd-note {number}\nslow-key")),
        &model::IdempotencyRecord {
            fingerprint: servicedesk_shared::secret::digest(&body.to_string()),
            claim: model::IDEMPOTENCY_DONE.into(),
            lease_until: (now + LEASE).unix_timestamp(),
            result: Some(takers_id.clone()),
            expires_at: (now + Duration::hours(24)).unix_timestamp(),
        },
    );
    counting.write_before_next_transaction(Write::Put {
        item: done,
        condition: None,
    });
    let answer = note(Some("slow-key"), &body).await;
    assert_eq!(answer.status, 201, "{}", answer.body);
    assert!(replayed(&answer));
    assert_eq!(answer.body["id"], takers_id.as_str());
    let history = d.view(&d.ann, &number).await["history"].clone();
    let notes = history
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["type"] == "note")
        .count();
    assert_eq!(notes, 1, "no second note: {history}");
}

on_both_backends!(
    a_note_taken_over_meanwhile_answers_with_the_takers_note,
    a_request_that_fails_releases_its_key,
    a_retried_request_opens_one_ticket,
    a_retried_note_is_added_once,
    concurrent_duplicates_open_one_ticket,
    bad_keys_are_refused_before_anything_is_stored,
    a_crashed_claim_is_taken_over_after_its_lease,
);
