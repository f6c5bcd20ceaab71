//! The life of a ticket through the handlers, on both backends: notes
//! (internal ones too), the status workflow with reopen-by-update, triage,
//! visibility and sharing, the support queue, and the notifications each
//! step leaves — delivered by the same code the notifier Lambda runs.

use crate::common;

use std::sync::Arc;

use common::lambda::{Answer, event, fill, invoke, with_body, with_query, with_token};
use serde_json::{Value, json};
use servicedesk::demo;
use servicedesk_shared::accounts;
use servicedesk_shared::conversation::notify;
use servicedesk_shared::domain::{Email, Name, Profile, Role, User, UserId};
use servicedesk_shared::i18n::Language;
use servicedesk_shared::mail::Message;
use servicedesk_shared::store::ItemStore;
use servicedesk_shared::testing::{self, TestApp};

const NUMBER: &str = "T20261122.0001";

struct Desk {
    desk: TestApp,
    ann: String,
    bob: String,
    sam: String,
}

async fn desk(store: Arc<dyn ItemStore>) -> Desk {
    let desk = testing::test_app(store);
    demo::seed(&desk.app).await.expect("demo data");
    let token = |actor| testing::token(&desk.app, &actor);
    Desk {
        ann: token(testing::customer("demo-ann", demo::ORGANIZATION_ID)),
        bob: token(testing::customer("demo-bob", demo::ORGANIZATION_ID)),
        sam: token(testing::agent("demo-sam")),
        desk,
    }
}

impl Desk {
    async fn call(&self, name: &str, token: &str, body: Option<Value>) -> Answer {
        let mut event = with_token(event(name), Some(token));
        if let Some(body) = body {
            event = with_body(event, &body);
        }
        invoke(&self.desk.app, event).await
    }

    async fn open_ticket(&self) -> Answer {
        let answer = self.call("create-ticket", &self.ann, None).await;
        assert_eq!(answer.status, 201, "{}", answer.body);
        answer
    }

    async fn note(&self, token: &str, body: Value) -> Answer {
        self.call("ticket-notes", token, Some(body)).await
    }

    async fn patch(&self, token: &str, body: Value) -> Answer {
        self.call("update-ticket", token, Some(body)).await
    }

    async fn get(&self, token: &str) -> Answer {
        self.call("get-ticket", token, None).await
    }

    /// Ann shares the ticket with `email` (no account); returns the key mailed to it.
    async fn share_with(&self, email: &str) -> String {
        let shared = self
            .call("update-ticket-share", &self.ann, Some(json!({ "emails": email })))
            .await;
        assert_eq!(shared.status, 200, "{}", shared.body);
        let mail = self
            .desk
            .mail
            .take()
            .into_iter()
            .find(|m| m.to[0].as_str() == email)
            .expect("a link by email");
        common::link_secret(&mail, "access", "key")
    }

    /// Runs the notifier over what is pending; returns what was sent.
    async fn deliver(&self) -> Vec<Message> {
        notify::deliver_pending(&self.desk.app, 100)
            .await
            .expect("delivery");
        self.desk.mail.take()
    }
}

fn to(messages: &[Message]) -> Vec<&str> {
    let mut to: Vec<&str> = messages
        .iter()
        .flat_map(|m| m.to.iter().map(|e| e.as_str()))
        .collect();
    to.sort();
    to
}

fn history_types(answer: &Answer) -> Vec<String> {
    answer.body["history"]
        .as_array()
        .expect("history")
        .iter()
        .map(|e| e["type"].as_str().unwrap().to_owned())
        .collect()
}

async fn a_customer_and_support_hold_a_conversation(store: Arc<dyn ItemStore>) {
    let d = desk(store).await;
    d.open_ticket().await;
    let opened = d.deliver().await;
    assert_eq!(
        to(&opened),
        Vec::<&str>::new(),
        "opening is not an update: {opened:?}"
    );

    // Support takes it: assign to self, in progress, higher priority.
    let taken = d
        .patch(
            &d.sam,
            json!({"status": "in_progress", "priority": "urgent", "assignee_id": "me"}),
        )
        .await;
    assert_eq!(taken.status, 200, "{}", taken.body);
    assert_eq!(taken.body["assignee_id"], "demo-sam");
    let sent = d.deliver().await;
    assert_eq!(
        to(&sent),
        ["ann@acme.example"],
        "support-side changes go to the requester"
    );
    assert!(
        sent[0].subject.starts_with(&format!("[{NUMBER}] ")),
        "{}",
        sent[0].subject
    );
    assert!(
        sent[0].text.contains("Status: new → in progress"),
        "{}",
        sent[0].text
    );
    assert!(
        sent[0].text.contains("Priority: high → urgent"),
        "{}",
        sent[0].text
    );
    assert!(
        sent[0]
            .text
            .contains(&format!("{}/ticket/{NUMBER}", testing::PUBLIC_URL))
    );

    // Ann answers and copies two colleagues' addresses.
    let noted = d.note(&d.ann, json!({"title": "More details", "text": "Second printer too.", "notify": "it@acme.example; office@acme.example"})).await;
    assert_eq!(noted.status, 201, "{}", noted.body);
    let sent = d.deliver().await;
    assert_eq!(
        to(&sent),
        ["it@acme.example", "office@acme.example", "sam@support.example"]
    );
    let to_sam = sent
        .iter()
        .find(|m| m.to[0].as_str() == "sam@support.example")
        .unwrap();
    assert!(
        to_sam
            .text
            .contains(&format!("{}/ticket/{NUMBER}", testing::PUBLIC_URL)),
        "support gets a link to the ticket page"
    );
    let to_it = sent
        .iter()
        .find(|m| m.to[0].as_str() == "it@acme.example")
        .unwrap();
    assert!(to_it.text.contains("Second printer too."));
    assert!(!to_it.text.contains("#key="), "no key in anyone's update email");

    // An internal note: support only, in the API and in mail.
    let internal = d
        .note(
            &d.sam,
            json!({"text": "Driver bug, see KB-12.", "internal": true}),
        )
        .await;
    assert_eq!(internal.status, 201);
    assert!(
        d.deliver().await.is_empty(),
        "the assignee wrote it; nobody else hears of it"
    );
    let as_ann = d.get(&d.ann).await;
    assert!(
        !as_ann.body.to_string().contains("KB-12"),
        "customers never see internal notes"
    );
    assert!(d.get(&d.sam).await.body.to_string().contains("KB-12"));
    let sneaky = d.note(&d.ann, json!({"text": "x", "internal": true})).await;
    assert_eq!(sneaky.status, 403);

    // Resolved, then any customer update reopens it, in the history.
    assert_eq!(d.patch(&d.sam, json!({"status": "resolved"})).await.status, 200);
    assert_eq!(to(&d.deliver().await), ["ann@acme.example"]);
    d.note(&d.ann, json!({"text": "It is back."})).await;
    let reopened = d.get(&d.ann).await;
    assert_eq!(reopened.body["status"], "open");
    assert!(reopened.body.get("completed_at").is_none());
    let types = history_types(&reopened);
    assert_eq!(&types[types.len() - 2..], ["note", "status_changed"], "{types:?}");
    let sent = d.deliver().await;
    assert!(
        sent[0].text.contains("Status: resolved → open"),
        "{}",
        sent[0].text
    );

    // What the customer side may change, and may not.
    assert_eq!(
        d.patch(&d.ann, json!({"status": "in_progress"})).await.status,
        403
    );
    assert_eq!(d.patch(&d.ann, json!({"priority": "low"})).await.status, 403);
    assert_eq!(d.patch(&d.ann, json!({"assignee_id": null})).await.status, 403);
    assert_eq!(
        d.patch(&d.ann, json!({"status": "closed"})).await.status,
        200,
        "customers close"
    );
    assert_eq!(d.get(&d.ann).await.body["status"], "closed");
    assert_eq!(
        d.patch(&d.ann, json!({"status": "open"})).await.status,
        200,
        "and reopen"
    );
    assert_eq!(
        d.patch(&d.sam, json!({"group": "Specialised operators"}))
            .await
            .body["group"],
        "Specialised operators"
    );

    // A stale change is refused with what to do.
    let stale = d.patch(&d.sam, json!({"version": 1, "status": "resolved"})).await;
    assert_eq!(stale.status, 409, "{}", stale.body);
    assert!(stale.body["detail"].as_str().unwrap().contains("reload"));
    let bad = d.patch(&d.sam, json!({"status": "done"})).await;
    assert_eq!((bad.status, bad.body["field"].as_str()), (422, Some("status")));
    let bad = d
        .note(&d.ann, json!({"text": "x", "notify": "friend@; it@acme.example"}))
        .await;
    assert_eq!((bad.status, bad.body["field"].as_str()), (422, Some("notify")));
    assert!(bad.body["detail"].as_str().unwrap().contains("friend@"));
    let long = d.note(&d.ann, json!({"text": "x".repeat(20_001)})).await;
    assert_eq!(long.status, 422);
}

async fn sharing_and_privacy(store: Arc<dyn ItemStore>) {
    let d = desk(store).await;
    d.open_ticket().await;
    assert_eq!(d.get(&d.bob).await.status, 200, "the organization sees it");
    assert_eq!(
        d.patch(&d.bob, json!({"visibility": "private"})).await.status,
        403,
        "only the requester"
    );
    assert_eq!(
        d.patch(&d.ann, json!({"visibility": "private"})).await.status,
        200
    );
    assert_eq!(
        d.get(&d.bob).await.status,
        404,
        "private: the rest of the organization no longer sees it"
    );
    d.deliver().await;

    // Shared with Bob (a customer) and a partner without an account.
    let shared = d.call("update-ticket-share", &d.ann, None).await;
    assert_eq!(shared.status, 200, "{}", shared.body);
    assert_eq!(shared.body["participants"], json!(["demo-bob"]));
    let mail = d.desk.mail.take();
    let invite = mail
        .iter()
        .find(|m| m.to[0].as_str() == "partner@example.net")
        .expect("an invitation");
    let key = common::link_secret(invite, "access", "key");
    let partner_view = invoke(&d.desk.app, fill(event("access-key-view"), &[("KEY", &key)])).await;
    assert_eq!(partner_view.status, 200);
    assert_eq!(partner_view.body["number"], NUMBER);
    // Internal notes are hidden from people with a key too.
    d.note(
        &d.sam,
        json!({"text": "Partner contract expired", "internal": true}),
    )
    .await;
    let partner_view = invoke(&d.desk.app, fill(event("access-key-view"), &[("KEY", &key)])).await;
    assert!(!partner_view.body.to_string().contains("contract expired"));

    assert_eq!(d.get(&d.bob).await.status, 200, "a participant sees it");
    let list = with_query(
        with_token(event("list-tickets"), Some(&d.bob)),
        &[("scope", "mine")],
    );
    let bobs = invoke(&d.desk.app, list.clone()).await;
    assert_eq!(
        bobs.body["tickets"][0]["number"], NUMBER,
        "and finds it in his list"
    );
    assert_eq!(d.note(&d.bob, json!({"text": "Same here."})).await.status, 201);
    // The copy in Bob's list follows the ticket.
    d.patch(&d.sam, json!({"status": "in_progress"})).await;
    assert_eq!(
        invoke(&d.desk.app, list.clone()).await.body["tickets"][0]["status"],
        "in_progress"
    );
    let sent = d.deliver().await;
    assert!(
        to(&sent).contains(&"bob@acme.example"),
        "participants hear of support's changes"
    );

    // Removed, they lose access at once.
    let removed = d.call("update-ticket-remove-participant", &d.ann, None).await;
    assert_eq!(removed.status, 200, "{}", removed.body);
    assert_eq!(d.get(&d.bob).await.status, 404);
    assert_eq!(invoke(&d.desk.app, list).await.body["tickets"], json!([]));
    let mut remove_partner = with_token(event("update-ticket-remove-participant"), Some(&d.ann));
    remove_partner["pathParameters"]["email"] = "partner@example.net".into();
    remove_partner["rawPath"] = format!("/tickets/{NUMBER}/participants/partner%40example.net").into();
    assert_eq!(invoke(&d.desk.app, remove_partner.clone()).await.status, 200);
    let revoked = invoke(&d.desk.app, fill(event("access-key-view"), &[("KEY", &key)])).await;
    assert_eq!(revoked.status, 404, "the partner's key is revoked");
    assert_eq!(
        invoke(&d.desk.app, remove_partner).await.status,
        404,
        "nobody left to remove"
    );
}

/// A second agent, Tess, straight into the store (as an invitation would).
async fn add_agent_tess(d: &Desk) {
    let tess = User {
        id: UserId::parse("agent-tess").unwrap(),
        email: Email::parse("tess@support.example").unwrap(),
        role: Role::Agent,
        organization_id: None,
        profile: Profile::named(
            Name::parse("first_name", "Tess").unwrap(),
            Name::parse("last_name", "Tanaka").unwrap(),
            Language::En,
        ),
        password_hash: None,
        session_epoch: 0,
        version: 1,
    };
    accounts::create_user(&d.desk.app, &tess).await.unwrap();
}

async fn the_ticket_names_its_people_and_support_lists_its_directory(store: Arc<dyn ItemStore>) {
    let d = desk(store).await;
    add_agent_tess(&d).await;
    d.open_ticket().await;
    d.note(&d.sam, json!({"text": "Looking into it."})).await;
    // Handed to Tess, then taken back: Tess is named only by the history.
    for to in ["agent-tess", "me"] {
        let assigned = d.patch(&d.sam, json!({ "assignee_id": to })).await;
        assert_eq!(assigned.status, 200, "{}", assigned.body);
    }
    let partner_key = d.share_with("partner@example.net").await;
    let partner_note = with_body(
        fill(event("access-key-note"), &[("KEY", &partner_key)]),
        &json!({"text": "Seen on our side too."}),
    );
    assert_eq!(invoke(&d.desk.app, partner_note).await.status, 201);

    let seen = d.get(&d.ann).await;
    assert_eq!(seen.body["organization_name"], demo::ORGANIZATION_NAME);
    let people = &seen.body["people"];
    assert_eq!(
        people["demo-ann"],
        json!({"name": "Ann Archer", "side": "customer"})
    );
    assert_eq!(
        people["demo-sam"],
        json!({"name": "Sam Agent", "side": "support"}),
        "customers see support's names, never addresses"
    );
    assert_eq!(
        people["agent-tess"]["name"], "Tess Tanaka",
        "someone the ticket was assigned to is named"
    );
    let partner = seen.body["history"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["text"] == "Seen on our side too.")
        .expect("the partner's note")["actor_id"]
        .as_str()
        .unwrap();
    assert_eq!(
        people[partner],
        json!({"side": "guest"}),
        "someone invited by address has no name"
    );
    let authors: Vec<&str> = seen.body["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["actor_id"].as_str().unwrap())
        .collect();
    assert!(
        authors.iter().all(|id| people.get(id).is_some()),
        "every author is named: {people}"
    );
    assert_eq!(
        seen.body["contact"]["phone"], "+1 555 0100",
        "the requester sees their contact details"
    );

    let for_support = d.get(&d.sam).await;
    assert_eq!(
        for_support.body["people"]["demo-ann"]["email"], "ann@acme.example",
        "support sees addresses"
    );
    assert_eq!(for_support.body["contact"]["phone"], "+1 555 0100");
    let for_colleague = d.get(&d.bob).await;
    assert_eq!(for_colleague.status, 200);
    assert!(
        !for_colleague.body.to_string().contains("+1 555 0100"),
        "a colleague does not see the requester's contact details: {}",
        for_colleague.body
    );
    let by_key = invoke(
        &d.desk.app,
        fill(event("access-key-view"), &[("KEY", &partner_key)]),
    )
    .await;
    assert_eq!(by_key.body["people"]["demo-sam"]["name"], "Sam Agent");
    let partner_sees = by_key.body.to_string();
    assert!(
        !partner_sees.contains("ann@acme.example") && !partner_sees.contains("+1 555 0100"),
        "someone invited by address sees neither the requester's address nor phone: {partner_sees}"
    );
    let closed_by_colleague = d.patch(&d.bob, json!({"status": "closed"})).await;
    assert_eq!(closed_by_colleague.status, 200, "{}", closed_by_colleague.body);
    assert!(
        !closed_by_colleague.body.to_string().contains("+1 555 0100"),
        "nor in the answer to a change"
    );

    // Support's pickers: every agent and organization, by name.
    let globex = d.call("admin-create-organization", &d.sam, None).await;
    assert_eq!(globex.status, 201, "{}", globex.body);
    let directory = d.call("agent-queue-directory", &d.sam, None).await;
    assert_eq!(directory.status, 200, "{}", directory.body);
    assert_eq!(
        directory.body,
        json!({
            "agents": [
                {"id": "demo-sam", "name": "Sam Agent"},
                {"id": "agent-tess", "name": "Tess Tanaka"},
            ],
            "organizations": [
                {"id": demo::ORGANIZATION_ID, "name": demo::ORGANIZATION_NAME},
                {"id": globex.body["id"], "name": "Globex"},
            ],
        })
    );
    assert_eq!(
        d.call("agent-queue-directory", &d.ann, None).await.status,
        403,
        "customers have no directory"
    );

    // A renamed agent is listed under the new name, in name order.
    let renamed = d
        .call(
            "account-update-profile",
            &d.sam,
            Some(
                json!({"first_name": "Zoe", "last_name": "Agent", "email": "sam@support.example",
                        "language": "en", "show_landing_page": true}),
            ),
        )
        .await;
    assert_eq!(renamed.status, 200, "{}", renamed.body);
    let directory = d.call("agent-queue-directory", &d.sam, None).await;
    assert_eq!(
        directory.body["agents"],
        json!([
            {"id": "agent-tess", "name": "Tess Tanaka"},
            {"id": "demo-sam", "name": "Zoe Agent"},
        ])
    );
}

async fn the_support_queue(store: Arc<dyn ItemStore>) {
    let d = desk(store).await;
    for _ in 0..3 {
        d.open_ticket().await;
    }
    let queue = d.call("agent-queue", &d.sam, None).await;
    assert_eq!(queue.status, 200, "{}", queue.body);
    let numbers: Vec<&str> = queue.body["tickets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["number"].as_str().unwrap())
        .collect();
    assert_eq!(
        numbers,
        ["T20261122.0001", "T20261122.0002", "T20261122.0003"],
        "oldest waiting first"
    );
    assert_eq!(
        d.call("agent-queue", &d.ann, None).await.status,
        403,
        "customers have no queue"
    );
    assert_eq!(
        invoke(&d.desk.app, with_token(event("agent-queue"), None))
            .await
            .status,
        401
    );

    // Taking the first one removes it from the unassigned queue.
    d.patch(&d.sam, json!({"assignee_id": "me"})).await;
    let queue = d.call("agent-queue", &d.sam, None).await;
    assert_eq!(queue.body["tickets"].as_array().unwrap().len(), 2);
    let mine = with_query(
        with_token(event("agent-queue"), Some(&d.sam)),
        &[("assignee", "me"), ("limit", "1")],
    );
    let mine = invoke(&d.desk.app, mine).await;
    assert_eq!(mine.body["tickets"][0]["number"], NUMBER);
    assert_eq!(mine.body["tickets"][0]["assignee_id"], "demo-sam");

    // Paging by cursor, and the cursor belongs to its filters.
    let sam_queue =
        |params: &[(&str, &str)]| with_query(with_token(event("agent-queue"), Some(&d.sam)), params);
    let first = invoke(&d.desk.app, sam_queue(&[("limit", "2")])).await;
    let cursor = first.body["next_cursor"]
        .as_str()
        .expect("a next page")
        .to_owned();
    let second = invoke(&d.desk.app, sam_queue(&[("limit", "2"), ("cursor", &cursor)])).await;
    assert_eq!(second.body["tickets"][0]["number"], "T20261122.0003");
    assert!(second.body.get("next_cursor").is_none(), "the last page");
    let other = invoke(
        &d.desk.app,
        sam_queue(&[("priority", "urgent"), ("cursor", &cursor)]),
    )
    .await;
    assert_eq!(other.status, 400, "a cursor continues its own list only");

    // Completed tickets leave the open queue.
    d.patch(&d.sam, json!({"status": "resolved"})).await;
    let done = invoke(&d.desk.app, sam_queue(&[("completed", "true")])).await;
    assert_eq!(done.body["tickets"][0]["number"], NUMBER);
    assert_eq!(done.body["tickets"].as_array().unwrap().len(), 1);
}

async fn notifications_survive_mail_failures_and_repeats(store: Arc<dyn ItemStore>) {
    let d = desk(store.clone()).await;
    d.open_ticket().await;
    d.patch(&d.sam, json!({"status": "in_progress"})).await;

    // The mail service fails: nothing is lost, the notification stays pending.
    d.desk.mail.fail_next(1);
    assert_eq!(notify::deliver_pending(&d.desk.app, 10).await.unwrap(), 0);
    assert!(d.desk.mail.take().is_empty());
    // Recovered: delivered once.
    assert_eq!(to(&d.deliver().await), ["ann@acme.example"]);
    assert!(
        d.deliver().await.is_empty(),
        "delivered notifications are not pending"
    );

    // A "crash" after the write, before any send: another process (a fresh
    // app on the same store) still finds and sends it.
    d.note(&d.sam, json!({"text": "We ordered a part."})).await;
    let restarted = testing::test_app(store);
    notify::deliver_pending(&restarted.app, 10).await.unwrap();
    assert_eq!(to(&restarted.mail.take()), ["ann@acme.example"]);

    // The stream delivers a record twice (or Lambda retries it): one mail.
    d.note(&d.sam, json!({"text": "Part arrives Monday."})).await;
    let id = pending_id(&d).await;
    let record = fill(event("notifier-stream"), &[("ID", &id)]);
    for _ in 0..2 {
        let stream: notifier::StreamEvent = serde_json::from_value(record.clone()).unwrap();
        let response = servicedesk_shared::testing::aws_calls::as_function(
            "notifier",
            notifier::handler(&d.desk.app, stream),
        )
        .await
        .unwrap();
        assert!(response.batch_item_failures.is_empty());
    }
    assert_eq!(d.desk.mail.take().len(), 1, "sent once");

    // A failing send is reported for retry by sequence number.
    d.note(&d.sam, json!({"text": "Technician booked."})).await;
    let id = pending_id(&d).await;
    d.desk.mail.fail_next(1);
    let stream: notifier::StreamEvent =
        serde_json::from_value(fill(event("notifier-stream"), &[("ID", &id)])).unwrap();
    let response = servicedesk_shared::testing::aws_calls::as_function(
        "notifier",
        notifier::handler(&d.desk.app, stream),
    )
    .await
    .unwrap();
    assert_eq!(response.batch_item_failures.len(), 1);
    assert_eq!(
        response.batch_item_failures[0].item_identifier,
        "111100000000000000000001"
    );
    let stream: notifier::StreamEvent =
        serde_json::from_value(fill(event("notifier-stream"), &[("ID", &id)])).unwrap();
    assert!(
        servicedesk_shared::testing::aws_calls::as_function(
            "notifier",
            notifier::handler(&d.desk.app, stream)
        )
        .await
        .unwrap()
        .batch_item_failures
        .is_empty()
    );
    assert_eq!(d.desk.mail.take().len(), 1, "the retry sends it, once");
}

async fn people_who_opted_out_get_no_update_emails(store: Arc<dyn ItemStore>) {
    let d = desk(store).await;
    d.open_ticket().await;
    let mut form: Value =
        serde_json::from_str(event("account-update-profile")["body"].as_str().unwrap()).unwrap();
    form["notify_updates"] = false.into();
    assert_eq!(
        d.call("account-update-profile", &d.ann, Some(form)).await.status,
        200
    );
    d.patch(&d.sam, json!({"status": "in_progress"})).await;
    assert!(d.deliver().await.is_empty(), "Ann opted out");
    // An assignee who opted out: the customer's update goes to the support address.
    d.patch(&d.sam, json!({"assignee_id": "me"})).await;
    let profile = d.call("account-get-profile", &d.sam, None).await.body;
    let form = json!({"first_name": profile["first_name"], "last_name": profile["last_name"], "email": profile["email"],
                      "language": "en", "show_landing_page": true, "notify_updates": false});
    assert_eq!(
        d.call("account-update-profile", &d.sam, Some(form)).await.status,
        200
    );
    d.deliver().await;
    d.note(&d.ann, json!({"text": "Any news?"})).await;
    assert_eq!(to(&d.deliver().await), [testing::SUPPORT_EMAIL]);
    // Essential mail still reaches her.
    invoke(
        &d.desk.app,
        with_body(
            event("password-reset-request"),
            &json!({"email": "ann@acme.example"}),
        ),
    )
    .await;
    assert_eq!(d.desk.mail.take().len(), 1);
}

async fn second_review_findings_stay_fixed(store: Arc<dyn ItemStore>) {
    let d = desk(store).await;
    d.open_ticket().await;
    // Customers of another organization never become participants.
    let eve = servicedesk_shared::domain::User {
        id: servicedesk_shared::domain::UserId::parse("eve").unwrap(),
        email: servicedesk_shared::domain::Email::parse("eve@globex.example").unwrap(),
        role: servicedesk_shared::domain::Role::Customer,
        organization_id: servicedesk_shared::domain::OrganizationId::parse("globex"),
        profile: servicedesk_shared::domain::Profile::named(
            servicedesk_shared::domain::Name::parse("first_name", "Eve").unwrap(),
            servicedesk_shared::domain::Name::parse("last_name", "Evans").unwrap(),
            servicedesk_shared::i18n::Language::En,
        ),
        password_hash: None,
        session_epoch: 0,
        version: 1,
    };
    servicedesk_shared::accounts::create_user(&d.desk.app, &eve)
        .await
        .unwrap();
    let cross = d
        .call(
            "update-ticket-share",
            &d.ann,
            Some(json!({"emails": "eve@globex.example"})),
        )
        .await;
    assert_eq!(
        (cross.status, cross.body["field"].as_str()),
        (422, Some("emails")),
        "{}",
        cross.body
    );

    // Sharing again replaces the link; a rotated link is still revoked by removal.

    let first = d.share_with("partner@example.net").await;
    let second = d.share_with("partner@example.net").await;
    let view = |key: &str| invoke(&d.desk.app, fill(event("access-key-view"), &[("KEY", key)]));
    assert_eq!(view(&first).await.status, 404, "the earlier link is replaced");
    assert_eq!(
        invoke(&d.desk.app, fill(event("access-key-rotate"), &[("KEY", &second)]))
            .await
            .status,
        202
    );
    let rotated = common::link_secret(&d.desk.mail.take().pop().unwrap(), "access", "key");
    assert_eq!(view(&rotated).await.status, 200);
    let mut remove = with_token(event("update-ticket-remove-participant"), Some(&d.ann));
    remove["pathParameters"]["email"] = "partner@example.net".into();
    assert_eq!(invoke(&d.desk.app, remove).await.status, 200);
    assert_eq!(
        view(&rotated).await.status,
        404,
        "removal revokes the rotated link too"
    );

    // Housekeeping on a closed ticket does not reopen it.
    assert_eq!(d.patch(&d.ann, json!({"status": "closed"})).await.status, 200);
    assert_eq!(
        d.patch(&d.ann, json!({"visibility": "private"})).await.status,
        200
    );
    assert_eq!(d.get(&d.ann).await.body["status"], "closed");

    // One recipient failing does not hold back the others; the retry sends it once.
    d.deliver().await;
    d.note(
        &d.sam,
        json!({"text": "Closing remarks.", "notify": "boss@acme.example"}),
    )
    .await;
    d.desk.mail.fail_next(1);
    assert_eq!(notify::deliver_pending(&d.desk.app, 10).await.unwrap(), 0);
    let first_round = d.desk.mail.take();
    assert_eq!(first_round.len(), 1, "the other address got it: {first_round:?}");
    let second_round = d.deliver().await;
    assert_eq!(second_round.len(), 1);
    assert_ne!(first_round[0].to, second_round[0].to, "each address once");
}

/// The id of the one pending notification.
async fn pending_id(d: &Desk) -> String {
    use servicedesk_shared::store::{Index, Query};
    let mut query = Query::partition(Some(Index::Gsi5), "OUTBOX".to_owned());
    query.ascending = true;
    let page = d.desk.app.store.query(&query).await.unwrap();
    assert_eq!(page.items.len(), 1);
    page.items[0].string("id").unwrap().to_owned()
}

async fn concurrent_notes_are_all_kept(store: Arc<dyn ItemStore>) {
    let d = Arc::new(desk(store).await);
    d.open_ticket().await;
    let writers: Vec<_> = (0..50)
        .map(|i| {
            let d = d.clone();
            tokio::spawn(async move {
                let token = if i % 2 == 0 { d.ann.clone() } else { d.sam.clone() };
                d.note(&token, json!({ "text": format!("note {i}") }))
                    .await
                    .status
            })
        })
        .collect();
    for writer in writers {
        assert_eq!(writer.await.unwrap(), 201);
    }
    let history = d.get(&d.sam).await;
    let notes: Vec<&Value> = history.body["history"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["type"] == "note")
        .collect();
    assert_eq!(notes.len(), 50, "none lost");
    let times: Vec<&str> = notes.iter().map(|e| e["at"].as_str().unwrap()).collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "in order");
}

/// The statuses of `events` sent at once, sorted.
async fn all_at_once(d: &Arc<Desk>, events: Vec<Value>) -> Vec<u16> {
    let answers = common::lambda::invoke_all_at_once(d, |d| &d.desk.app, events).await;
    let mut statuses: Vec<u16> = answers.iter().map(|a| a.status).collect();
    statuses.sort();
    statuses
}

/// Every access key mailed since the last look.
fn mailed_keys(d: &Desk) -> Vec<String> {
    d.desk
        .mail
        .take()
        .iter()
        .filter(|m| m.text.contains("/access#key="))
        .map(|m| common::link_secret(m, "access", "key"))
        .collect()
}

/// From its own source, so these checks do not add to the race's misses.
async fn key_status(d: &Desk, name: &str, key: &str) -> u16 {
    let event = common::lambda::from_source(fill(event(name), &[("KEY", key)]), "198.51.100.9");
    invoke(&d.desk.app, event).await.status
}

async fn a_removed_address_keeps_no_key_whatever_races_it(store: Arc<dyn ItemStore>) {
    let d = Arc::new(desk(store).await);
    d.open_ticket().await;
    let first = d.share_with("partner@example.net").await;

    // Eight rotations of one key at once: one wins, one key works after.
    let rotations = (0..8)
        .map(|_| fill(event("access-key-rotate"), &[("KEY", &first)]))
        .collect();
    let statuses = all_at_once(&d, rotations).await;
    assert_eq!(statuses.iter().filter(|s| **s == 202).count(), 1, "{statuses:?}");
    assert!(statuses.iter().all(|s| *s == 202 || *s == 404), "{statuses:?}");
    let mailed = mailed_keys(&d);
    assert_eq!(mailed.len(), 1, "one new link is mailed");
    assert_eq!(key_status(&d, "access-key-view", &first).await, 404);
    let current = mailed[0].clone();
    assert_eq!(key_status(&d, "access-key-view", &current).await, 200);

    // Rotations racing the removal: whichever lands first, nothing the
    // address holds works after the removal answered.
    let mut remove = with_token(event("update-ticket-remove-participant"), Some(&d.ann));
    remove["pathParameters"]["email"] = "partner@example.net".into();
    remove["rawPath"] = format!("/tickets/{NUMBER}/participants/partner%40example.net").into();
    let mut racing: Vec<Value> = (0..6)
        .map(|_| fill(event("access-key-rotate"), &[("KEY", &current)]))
        .collect();
    racing.insert(3, remove);
    // What a lost race used to leave: a second working key of the same
    // person that the removal does not know of.
    let stray = "s".repeat(43);
    {
        use servicedesk_shared::store::{Item, Write, model};
        let number: servicedesk_shared::domain::TicketNumber = NUMBER.parse().unwrap();
        let partner = Email::parse("partner@example.net").unwrap();
        let pointer = d
            .desk
            .app
            .store
            .get(&model::invitee_key(&number, &partner))
            .await
            .unwrap()
            .unwrap();
        let digest = servicedesk_shared::secret::digest(&stray);
        let key = model::access_key_key(&digest);
        let item = Item::new(key.pk, key.sk)
            .with("entity", "access_key")
            .with("digest", digest.as_str())
            .with("ticket", NUMBER)
            .with("acting_as", pointer.string("acting_as").unwrap())
            .with("email", "partner@example.net")
            .with("language", "en");
        d.desk
            .app
            .store
            .write(Write::Put {
                item,
                condition: None,
            })
            .await
            .unwrap();
    }
    assert_eq!(key_status(&d, "access-key-view", &stray).await, 200);
    let statuses = all_at_once(&d, racing).await;
    assert!(statuses.contains(&200), "the removal went through: {statuses:?}");
    let mut held = mailed_keys(&d);
    held.push(current);
    held.push(first);
    held.push(stray);
    // Written after the removal: never readable with any of those keys.
    assert_eq!(
        d.note(&d.sam, json!({"text": "After the removal"})).await.status,
        201
    );
    for key in &held {
        assert_eq!(
            key_status(&d, "access-key-view", key).await,
            404,
            "a removed address's key still opens the ticket"
        );
        assert_eq!(
            key_status(&d, "access-key-note", key).await,
            404,
            "a removed address's key still adds notes"
        );
    }
}

/// A sender killed between claiming a mail and confirming it: the mail is
/// not lost; once the claim's lease runs out another delivery sends it,
/// with the Message-ID the first try had. Two deliveries at once send it once.
async fn a_mail_whose_sender_died_is_sent_again(store: Arc<dyn ItemStore>) {
    use servicedesk_shared::store::{Item, Write, model};
    let d = Arc::new(desk(store.clone()).await);
    d.open_ticket().await;
    d.deliver().await;
    d.note(&d.sam, json!({"text": "We ordered a part."})).await;
    let id = pending_id(&d).await;
    let ann = Email::parse("ann@acme.example").unwrap();
    let now = servicedesk_shared::clock::Clock::now(d.desk.clock.as_ref());
    let key = model::sent_key(&id, &ann);
    let dead_claim = Item::new(key.pk, key.sk)
        .with("entity", "sent")
        .with("state", "sending")
        .with("claim", "dead-sender")
        .with(
            "lease_until",
            (now + d.desk.app.settings.delivery_lease).unix_timestamp(),
        )
        .with("expires_at", (now + time::Duration::days(1)).unix_timestamp());
    store
        .write(Write::Put {
            item: dead_claim,
            condition: None,
        })
        .await
        .unwrap();

    // While the lease runs, nobody sends it twice; it stays pending.
    assert_eq!(notify::deliver_pending(&d.desk.app, 10).await.unwrap(), 0);
    assert!(d.desk.mail.take().is_empty());
    assert_eq!(pending_id(&d).await, id);

    d.desk
        .clock
        .advance(d.desk.app.settings.delivery_lease + time::Duration::seconds(1));
    // The stream gave up on it meanwhile: the notifier's scheduled sweep
    // (events/notifier-sweep.json) delivers it, here four at once.
    let rounds: Vec<_> = (0..4)
        .map(|_| {
            let d = d.clone();
            tokio::spawn(async move {
                let sweep: notifier::StreamEvent = serde_json::from_value(event("notifier-sweep")).unwrap();
                servicedesk_shared::testing::aws_calls::as_function(
                    "notifier",
                    notifier::handler(&d.desk.app, sweep),
                )
                .await
                .unwrap()
            })
        })
        .collect();
    for round in rounds {
        round.await.unwrap();
    }
    let sent = d.desk.mail.take();
    assert_eq!(to(&sent), ["ann@acme.example"], "sent again, once");
    assert_eq!(
        sent[0].message_id.as_deref(),
        Some(notify::message_id(&id, &ann).as_str())
    );
    assert!(d.deliver().await.is_empty(), "and no longer pending");
}

/// A ticket written before the queue had its own index (its entry in GSI5)
/// is back in the queue once the local portal's start-up upgrade ran.
async fn tickets_queued_by_the_old_layout_are_moved_to_the_queue_index(store: Arc<dyn ItemStore>) {
    use servicedesk_shared::store::{Index, Key, Write, model};
    let d = desk(store.clone()).await;
    d.open_ticket().await;
    let key = Key::new("TICKET#T20261122.0001", "#TICKET");
    let mut old = store.get(&key).await.unwrap().expect("the ticket");
    // As the old layout wrote it: the queue's keys under GSI5's names.
    let (pk, sk) = (
        old.0.remove(Index::Gsi6.pk_attr()).unwrap(),
        old.0.remove(Index::Gsi6.sk_attr()).unwrap(),
    );
    old.0.insert(Index::Gsi5.pk_attr().into(), pk);
    old.0.insert(Index::Gsi5.sk_attr().into(), sk);
    store
        .write(Write::Put {
            item: old,
            condition: None,
        })
        .await
        .unwrap();
    let queued = |body: &Value| body["tickets"].as_array().unwrap().len();
    assert_eq!(
        queued(&d.call("agent-queue", &d.sam, None).await.body),
        0,
        "out of the queue"
    );

    let moved = servicedesk::upgrade::move_queue_to_its_own_index(store.as_ref())
        .await
        .unwrap();
    assert_eq!(moved, 1);
    assert_eq!(
        queued(&d.call("agent-queue", &d.sam, None).await.body),
        1,
        "queued again"
    );
    let item = store.get(&key).await.unwrap().unwrap();
    assert!(!item.0.contains_key("GSI5PK") && item.0.contains_key("GSI6PK"));
    assert!(model::ticket_from_item(&item).is_ok());
    // Nothing left to move the next time.
    assert_eq!(
        servicedesk::upgrade::move_queue_to_its_own_index(store.as_ref())
            .await
            .unwrap(),
        0
    );
}

on_both_backends!(
    tickets_queued_by_the_old_layout_are_moved_to_the_queue_index,
    a_customer_and_support_hold_a_conversation,
    sharing_and_privacy,
    the_support_queue,
    the_ticket_names_its_people_and_support_lists_its_directory,
    notifications_survive_mail_failures_and_repeats,
    concurrent_notes_are_all_kept,
    people_who_opted_out_get_no_update_emails,
    second_review_findings_stay_fixed,
    a_removed_address_keeps_no_key_whatever_races_it,
    a_mail_whose_sender_died_is_sent_again,
);
