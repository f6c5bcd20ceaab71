//! The ticket functions' handlers, fed the sample events from `events/`
//! with `${TOKEN}` replaced by a token for the actor under test.

use crate::common;

use common::lambda::{Answer, event, invoke, with_token};

use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};
use servicedesk_shared::auth::tokens::{TokenKeys, TokenSettings};
use servicedesk_shared::secret::{Secret, Secrets};
use servicedesk_shared::store::ItemStore;
use servicedesk_shared::{App, testing};
use time::Duration;

fn get_event(number: &str) -> Value {
    let mut event = event("get-ticket");
    let path = format!("/tickets/{number}");
    event["rawPath"] = path.clone().into();
    event["requestContext"]["http"]["path"] = path.into();
    event["pathParameters"] = json!({ "number": number });
    event
}

fn list_event(query: &[(&str, &str)]) -> Value {
    let mut event = event("list-tickets");
    let params: serde_json::Map<String, Value> =
        query.iter().map(|(k, v)| ((*k).to_owned(), json!(v))).collect();
    event["rawQueryString"] = query
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
        .into();
    event["queryStringParameters"] = Value::Object(params);
    event
}

fn create_event(body: &Value) -> Value {
    let mut event = event("create-ticket");
    event["body"] = body.to_string().into();
    event
}

struct Org {
    app: App,
    secret: Secret,
    ann: String,
    bob: String,
    eve: String,
    sam: String,
}

fn org(store: Arc<dyn ItemStore>) -> Org {
    let (app, _, secret) = testing::app(store);
    let token = |actor| testing::token(&app, &actor);
    Org {
        secret,
        ann: token(testing::customer("ann", "acme")),
        bob: token(testing::customer("bob", "acme")),
        eve: token(testing::customer("eve", "globex")),
        sam: token(testing::agent("sam")),
        app,
    }
}

#[tokio::test]
async fn sample_events_run_through_the_handlers() {
    let org = org(common::embedded().await.unwrap());
    let created = invoke(&org.app, with_token(event("create-ticket"), Some(&org.ann))).await;
    assert_eq!(created.status, 201, "{}", created.body);
    // The per-day sequence starts at 0001, on the test clock's date.
    assert_eq!(created.body["number"], "T20261122.0001");
    assert_eq!(created.headers["location"], "/tickets/T20261122.0001");
    assert_eq!(created.body["status"], "new");
    assert_eq!(created.body["priority"], "high");
    assert_eq!(created.body["serial_number"], "LJ4-2231-0098");
    assert_eq!(created.body["contact"]["email"], "ann@acme.example");
    assert_eq!(created.body["history"][0]["type"], "created");

    let got = invoke(&org.app, with_token(event("get-ticket"), Some(&org.bob))).await;
    assert_eq!(got.status, 200, "{}", got.body);
    assert_eq!(got.body["title"], created.body["title"]);
    assert_eq!(got.body["history"], created.body["history"]);

    let listed = invoke(&org.app, with_token(event("list-tickets"), Some(&org.bob))).await;
    assert_eq!(listed.status, 200, "{}", listed.body);
    assert_eq!(listed.body["tickets"][0]["number"], "T20261122.0001");
    assert_eq!(listed.body["tickets"].as_array().unwrap().len(), 1);
    assert!(listed.body.get("next_cursor").is_none());

    let invalid = invoke(
        &org.app,
        with_token(event("create-ticket-invalid"), Some(&org.ann)),
    )
    .await;
    assert_eq!(
        (invalid.status, invalid.body["field"].as_str()),
        (422, Some("request_type"))
    );
}

/// Every endpoint × every kind of caller. Weakening any rule changes a cell.
async fn authorization_table(store: Arc<dyn ItemStore>) {
    let org = org(store);
    let body = |visibility: &str| json!({"request_type": "question", "title": format!("{visibility} ticket"), "description": "d", "visibility": visibility});
    let shared = invoke(
        &org.app,
        with_token(create_event(&body("organization")), Some(&org.ann)),
    )
    .await;
    let private = invoke(
        &org.app,
        with_token(create_event(&body("private")), Some(&org.ann)),
    )
    .await;
    let (shared, private) = (
        shared.body["number"].as_str().unwrap(),
        private.body["number"].as_str().unwrap(),
    );

    let anonymous = None;
    let (owner, same_org, other_org, agent) = (
        Some(org.ann.as_str()),
        Some(org.bob.as_str()),
        Some(org.eve.as_str()),
        Some(org.sam.as_str()),
    );
    type Row<'a> = (&'a str, Value, [(Option<&'a str>, u16); 5]);
    let table: Vec<Row> = vec![
        (
            "open a ticket",
            create_event(&body("organization")),
            [
                (anonymous, 401),
                (owner, 201),
                (same_org, 201),
                (other_org, 201),
                (agent, 403),
            ],
        ),
        (
            "list my tickets",
            list_event(&[("scope", "mine")]),
            [
                (anonymous, 401),
                (owner, 200),
                (same_org, 200),
                (other_org, 200),
                (agent, 403),
            ],
        ),
        (
            "list organization tickets",
            list_event(&[("scope", "organization")]),
            [
                (anonymous, 401),
                (owner, 200),
                (same_org, 200),
                (other_org, 200),
                (agent, 403),
            ],
        ),
        (
            "read an organization ticket",
            get_event(shared),
            [
                (anonymous, 401),
                (owner, 200),
                (same_org, 200),
                (other_org, 404),
                (agent, 200),
            ],
        ),
        (
            "read a private ticket",
            get_event(private),
            [
                (anonymous, 401),
                (owner, 200),
                (same_org, 404),
                (other_org, 404),
                (agent, 200),
            ],
        ),
        (
            "read a ticket that does not exist",
            get_event("T20261122.0999"),
            [
                (anonymous, 401),
                (owner, 404),
                (same_org, 404),
                (other_org, 404),
                (agent, 404),
            ],
        ),
    ];
    for (what, event, cells) in table {
        for (token, expected) in cells {
            let answer = invoke(&org.app, with_token(event.clone(), token)).await;
            let who = match token {
                None => "anonymous",
                Some(t) if t == org.ann => "owner",
                Some(t) if t == org.bob => "same-org customer",
                Some(t) if t == org.eve => "other-org customer",
                Some(_) => "agent",
            };
            assert_eq!(answer.status, expected, "{what} as {who}: {}", answer.body);
        }
    }

    // What lists show follows the same rules.
    let titles = |answer: Answer| -> Vec<String> {
        answer.body["tickets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["title"].as_str().unwrap().to_owned())
            .collect()
    };
    let org_list = list_event(&[("scope", "organization")]);
    let bob_sees = titles(invoke(&org.app, with_token(org_list.clone(), same_org)).await);
    assert!(
        bob_sees.iter().all(|t| t != "private ticket")
            && bob_sees.contains(&"organization ticket".to_owned())
    );
    let eve_sees = invoke(&org.app, with_token(org_list, other_org)).await;
    let numbers: Vec<&str> = eve_sees.body["tickets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["number"].as_str().unwrap())
        .collect();
    assert_eq!(
        numbers.len(),
        1,
        "only the ticket eve opened in her own organization"
    );
    assert!(!numbers.contains(&shared) && !numbers.contains(&private));
    let mine = titles(invoke(&org.app, with_token(list_event(&[("scope", "mine")]), same_org)).await);
    assert_eq!(
        mine,
        ["organization ticket"],
        "bob's own ticket from the table only"
    );
}

#[tokio::test]
async fn authorization_table_on_the_embedded_store() {
    authorization_table(common::embedded().await.unwrap()).await;
}

#[tokio::test]
async fn authorization_table_on_dynamodb() {
    match common::dynamodb().await {
        Some(store) => authorization_table(store).await,
        None => eprintln!("skipped: no emulator configured"),
    }
}

fn alg_none_token(app: &App) -> String {
    let valid = testing::token(app, &testing::customer("ann", "acme"));
    let claims = valid.split('.').nth(1).unwrap().to_owned();
    format!(
        "{}.{claims}.",
        URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#)
    )
}

#[tokio::test]
async fn bad_tokens_get_401_and_change_nothing() {
    let org = org(common::embedded().await.unwrap());
    let ann = testing::customer("ann", "acme");
    let now = org.app.clock.now();
    let settings = testing::token_settings();
    let expired = org
        .app
        .keys()
        .unwrap()
        .tokens
        .issue(&ann, now - Duration::hours(1), Duration::minutes(15))
        .unwrap();
    let forged = TokenKeys::new(&Secrets::single(Secret::generate()), settings.clone())
        .issue(&ann, now, Duration::minutes(15))
        .unwrap();
    // The app's own key material is not enough: audience and issuer must match too.
    let other_audience = TokenKeys::new(
        &Secrets::single(org.secret.clone()),
        TokenSettings {
            audience: "another-api".into(),
            ..settings.clone()
        },
    )
    .issue(&ann, now, Duration::minutes(15))
    .unwrap();
    let other_issuer = TokenKeys::new(
        &Secrets::single(org.secret.clone()),
        TokenSettings {
            issuer: "someone-else".into(),
            ..settings
        },
    )
    .issue(&ann, now, Duration::minutes(15))
    .unwrap();
    let none = alg_none_token(&org.app);
    for (what, header) in [
        ("expired", format!("Bearer {expired}")),
        ("signed with another key", format!("Bearer {forged}")),
        ("for another audience", format!("Bearer {other_audience}")),
        ("from another issuer", format!("Bearer {other_issuer}")),
        ("alg none", format!("Bearer {none}")),
        ("garbage", "Bearer not.a.jwt".to_owned()),
        ("empty bearer", "Bearer ".to_owned()),
        ("basic auth", "Basic YW5uOnNlY3JldA==".to_owned()),
    ] {
        let mut create = create_event(&json!({"request_type": "question", "title": "t", "description": "d"}));
        create["headers"]["authorization"] = header.clone().into();
        let answer = invoke(&org.app, create).await;
        assert_eq!(answer.status, 401, "{what}: {}", answer.body);
        assert!(answer.headers.contains_key("www-authenticate"), "{what}");
        if what == "expired" {
            assert!(answer.body["detail"].as_str().unwrap().contains("expired"));
        }
    }
    let mine = invoke(&org.app, with_token(list_event(&[]), Some(&org.ann))).await;
    assert_eq!(
        mine.body["tickets"],
        json!([]),
        "no bad request may store anything"
    );
}

#[tokio::test]
async fn bad_input_gets_a_problem_naming_the_field_and_stores_nothing() {
    let org = org(common::embedded().await.unwrap());
    let valid = json!({"request_type": "incident", "title": "Title", "description": "Description"});
    let with = |field: &str, value: Value| {
        let mut body = valid.clone();
        body[field] = value;
        body
    };
    let without = |field: &str| {
        let mut body = valid.clone();
        body.as_object_mut().unwrap().remove(field);
        body
    };
    let cases: Vec<(&str, Value, u16, Option<&str>)> = vec![
        ("wrong type", with("title", json!(5)), 422, Some("title")),
        (
            "unknown enum value",
            with("priority", json!("critical")),
            422,
            Some("priority"),
        ),
        (
            "unknown visibility",
            with("visibility", json!("public")),
            422,
            Some("visibility"),
        ),
        ("unknown field", with("colour", json!("red")), 422, Some("colour")),
        ("missing title", without("title"), 422, Some("title")),
        (
            "missing request type",
            without("request_type"),
            422,
            Some("request_type"),
        ),
        ("empty title", with("title", json!("   ")), 422, Some("title")),
        (
            "title too long",
            with("title", json!("x".repeat(201))),
            422,
            Some("title"),
        ),
        (
            "description too long",
            with("description", json!("x".repeat(20_001))),
            422,
            Some("description"),
        ),
        (
            "control characters",
            with("title", json!("bell\u{7}")),
            422,
            Some("title"),
        ),
        (
            "bad contact email",
            with("contact_email", json!("not-an-email")),
            422,
            Some("contact_email"),
        ),
        (
            "product too long",
            with("product", json!("p".repeat(201))),
            422,
            Some("product"),
        ),
        ("an array, not an object", json!([1, 2]), 422, Some("body")),
        // Single-line fields hold one line, displayed as it reads.
        (
            "line break in the title",
            with("title", json!("Printer\nBcc: x")),
            422,
            Some("title"),
        ),
        (
            "carriage return in the product",
            with("product", json!("a\rb")),
            422,
            Some("product"),
        ),
        (
            "tab in the serial number",
            with("serial_number", json!("a\tb")),
            422,
            Some("serial_number"),
        ),
        (
            "line break in the contact name",
            with("contact_name", json!("Ann\nB")),
            422,
            Some("contact_name"),
        ),
        (
            "line break in the phone",
            with("contact_phone", json!("1\n2")),
            422,
            Some("contact_phone"),
        ),
        (
            "bidi override in the title",
            with("title", json!("invoice\u{202e}fdp.exe")),
            422,
            Some("title"),
        ),
        (
            "bidi isolate in the title",
            with("title", json!("a\u{2066}b")),
            422,
            Some("title"),
        ),
        // One address, never a list a mail header would read as two.
        (
            "two addresses as one",
            with("contact_email", json!("spy@evil.example,victim")),
            422,
            Some("contact_email"),
        ),
        (
            "a display name",
            with("contact_email", json!("Ann <ann@acme.example>")),
            422,
            Some("contact_email"),
        ),
    ];
    for (what, body, status, field) in cases {
        let answer = invoke(&org.app, with_token(create_event(&body), Some(&org.ann))).await;
        assert_eq!(answer.status, status, "{what}: {}", answer.body);
        if let Some(field) = field {
            assert_eq!(answer.body["field"], field, "{what}: {}", answer.body);
        }
    }

    // Common reasons are named, with their limit, so clients can word them.
    for (what, body, reason, limit) in [
        ("missing title", without("title"), "required", None),
        ("empty title", with("title", json!(" ")), "required", None),
        (
            "title too long",
            with("title", json!("x".repeat(201))),
            "too_long",
            Some(200),
        ),
        (
            "control characters",
            with("title", json!("bell\u{7}")),
            "control_characters",
            None,
        ),
        (
            "bad contact email",
            with("contact_email", json!("nope")),
            "not_an_email",
            None,
        ),
    ] {
        let answer = invoke(&org.app, with_token(create_event(&body), Some(&org.ann))).await;
        assert_eq!(answer.body["reason"], reason, "{what}: {}", answer.body);
        assert_eq!(answer.body["limit"].as_u64(), limit, "{what}: {}", answer.body);
    }
    let unknown = invoke(
        &org.app,
        with_token(create_event(&with("colour", json!("red"))), Some(&org.ann)),
    )
    .await;
    assert!(
        unknown.body.get("reason").is_none(),
        "other problems name no reason"
    );

    let raw_cases: Vec<(&str, Option<&str>, String, u16)> = vec![
        (
            "malformed JSON",
            Some("application/json"),
            "{\"title\": ".into(),
            400,
        ),
        ("empty body", Some("application/json"), String::new(), 400),
        ("not JSON", Some("text/plain"), valid.to_string(), 415),
        ("no content type", None, valid.to_string(), 415),
        (
            "over 1 MiB",
            Some("application/json"),
            format!("{{\"title\": \"{}\"}}", "x".repeat(1024 * 1024)),
            413,
        ),
    ];
    for (what, content_type, body, status) in raw_cases {
        let mut event = with_token(event("create-ticket"), Some(&org.ann));
        event["body"] = body.into();
        match content_type {
            Some(ct) => event["headers"]["content-type"] = ct.into(),
            None => {
                event["headers"].as_object_mut().unwrap().remove("content-type");
            }
        }
        let answer = invoke(&org.app, event).await;
        assert_eq!(answer.status, status, "{what}: {}", answer.body);
    }

    // A base64-encoded body (API Gateway does this for binary media) still parses.
    let mut encoded = with_token(create_event(&valid), Some(&org.ann));
    encoded["body"] = base64::engine::general_purpose::STANDARD
        .encode(valid.to_string())
        .into();
    encoded["isBase64Encoded"] = true.into();
    assert_eq!(invoke(&org.app, encoded).await.status, 201);

    let list = |query: &[(&str, &str)]| with_token(list_event(query), Some(&org.ann));
    for (what, query, status, field) in [
        ("limit zero", vec![("limit", "0")], 422, Some("limit")),
        ("limit too large", vec![("limit", "101")], 422, Some("limit")),
        ("limit not a number", vec![("limit", "ten")], 422, Some("limit")),
        ("unknown scope", vec![("scope", "everyone")], 422, Some("scope")),
        ("unknown status", vec![("status", "pending")], 422, Some("status")),
        (
            "forged cursor",
            vec![("cursor", "eyJpbmRleCI6IkdzaTEifQ.AAAA")],
            400,
            None,
        ),
        ("garbage cursor", vec![("cursor", "%%%")], 400, None),
    ] {
        let answer = invoke(&org.app, list(&query)).await;
        assert_eq!(answer.status, status, "{what}: {}", answer.body);
        if let Some(field) = field {
            assert_eq!(answer.body["field"], field);
        }
    }
    let long_search = "q".repeat(201);
    let answer = invoke(&org.app, list(&[("q", long_search.as_str())])).await;
    assert_eq!((answer.status, answer.body["field"].as_str()), (422, Some("q")));

    for bad in ["T2026.1", "T20261322.0001", "..%2F..%2Fetc", "T20261122.0001x"] {
        let answer = invoke(&org.app, with_token(get_event(bad), Some(&org.ann))).await;
        assert_eq!(
            (answer.status, answer.body["field"].as_str()),
            (422, Some("number")),
            "{bad}"
        );
    }

    // Only the base64 case above stored a ticket.
    let mine = invoke(&org.app, list(&[])).await;
    assert_eq!(mine.body["tickets"].as_array().unwrap().len(), 1, "{}", mine.body);
}

/// Round trips are latency on Lambda: each request stays within its budget.
#[tokio::test]
async fn each_request_makes_the_fewest_store_round_trips() {
    let counting = Arc::new(testing::CountingStore::new(common::embedded().await.unwrap()));
    let org = org(counting.clone());
    let body = json!({"request_type": "question", "title": "Where is my invoice", "description": "d"});
    for _ in 0..30 {
        invoke(&org.app, with_token(create_event(&body), Some(&org.ann))).await;
    }
    counting.take();

    let created = invoke(&org.app, with_token(create_event(&body), Some(&org.ann))).await;
    assert_eq!(
        counting.take(),
        2,
        "open: the day's counter, then one transaction"
    );

    let number = created.body["number"].as_str().unwrap();
    invoke(&org.app, with_token(get_event(number), Some(&org.bob))).await;
    assert_eq!(
        counting.take(),
        2,
        "ticket with history: one Query; its people's names: one BatchGetItem"
    );

    let page = invoke(
        &org.app,
        with_token(list_event(&[("limit", "10")]), Some(&org.ann)),
    )
    .await;
    assert_eq!(counting.take(), 1, "a list page: one Query");
    let cursor = page.body["next_cursor"].as_str().unwrap();
    let query = [("limit", "10"), ("cursor", cursor)];
    invoke(&org.app, with_token(list_event(&query), Some(&org.ann))).await;
    assert_eq!(counting.take(), 1, "the next page: one Query");

    invoke(&org.app, with_token(list_event(&[("q", number)]), Some(&org.ann))).await;
    assert_eq!(counting.take(), 1, "search by number: one GetItem");

    // Unauthenticated and invalid requests never reach the store.
    invoke(&org.app, with_token(list_event(&[]), None)).await;
    invoke(
        &org.app,
        with_token(create_event(&json!({"title": 1})), Some(&org.ann)),
    )
    .await;
    assert_eq!(counting.take(), 0);
}

/// Each list a customer can ask for (their own or their organization's;
/// open, completed or all; a ticket number), on both backends: each reads
/// its own index (shared/DATA_MODEL.md), so each is tried on DynamoDB.
async fn every_list_shows_what_it_names(store: Arc<dyn ItemStore>) {
    let org = org(store);
    let open = |title: &str, token: &str| {
        let body = json!({"request_type": "incident", "title": title, "description": "d"});
        invoke(&org.app, with_token(create_event(&body), Some(token)))
    };
    let first = open("VPN down", &org.ann).await;
    assert_eq!(first.status, 201, "{}", first.body);
    let done = first.body["number"].as_str().unwrap().to_owned();
    assert_eq!(open("Printer jams", &org.ann).await.status, 201);
    assert_eq!(open("Bob's laptop", &org.bob).await.status, 201);
    let mut close = with_token(event("update-ticket"), Some(&org.ann));
    close["pathParameters"]["number"] = done.as_str().into();
    close["rawPath"] = format!("/tickets/{done}").into();
    close["body"] = json!({"status": "closed"}).to_string().into();
    let closed = invoke(&org.app, close).await;
    assert_eq!(closed.status, 200, "{}", closed.body);

    let titles = |answer: Answer| -> Vec<String> {
        assert_eq!(answer.status, 200, "{}", answer.body);
        let mut titles: Vec<String> = answer.body["tickets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["title"].as_str().unwrap().to_owned())
            .collect();
        titles.sort();
        titles
    };
    let list = |query: &[(&str, &str)]| invoke(&org.app, with_token(list_event(query), Some(&org.ann)));
    for (query, expected) in [
        (
            vec![("scope", "mine"), ("status", "all")],
            vec!["Printer jams", "VPN down"],
        ),
        (vec![("scope", "mine"), ("status", "open")], vec!["Printer jams"]),
        (vec![("scope", "mine"), ("status", "completed")], vec!["VPN down"]),
        (
            vec![("scope", "organization"), ("status", "all")],
            vec!["Bob's laptop", "Printer jams", "VPN down"],
        ),
        (
            vec![("scope", "organization"), ("status", "open")],
            vec!["Bob's laptop", "Printer jams"],
        ),
        (
            vec![("scope", "organization"), ("status", "completed")],
            vec!["VPN down"],
        ),
        (
            vec![("scope", "organization"), ("status", "all"), ("q", done.as_str())],
            vec!["VPN down"],
        ),
    ] {
        assert_eq!(titles(list(&query).await), expected, "{query:?}");
    }
}

on_both_backends!(every_list_shows_what_it_names);
