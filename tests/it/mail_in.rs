//! Email in, on both backends: the notifications the desk sends carry a
//! reply address of their own and the ticket's thread, and a reply to one
//! becomes a note by the person it was mailed to, through the same path as
//! a note from the portal (notifications, reopening). A reply address is
//! taken only from its recipient; automatic mail, a repeated delivery and a
//! runaway loop of auto-responders add nothing more.

use crate::common;

use std::sync::Arc;

use common::lambda::{Answer, event, invoke, with_body, with_token};
use serde_json::{Value, json};
use servicedesk::demo;
use servicedesk_shared::conversation::{notify, reply_address};
use servicedesk_shared::domain::Email;
use servicedesk_shared::inbound_mail::receive::{self, Outcome, Refused};
use servicedesk_shared::inbound_mail::screen::{Authenticity, Refusal};
use servicedesk_shared::mail::Message;
use servicedesk_shared::store::ItemStore;
use servicedesk_shared::testing::{self, TestApp};

const NUMBER: &str = "T20261122.0001";

pub(crate) struct Desk {
    pub(crate) desk: TestApp,
    pub(crate) ann: String,
    pub(crate) sam: String,
}

pub(crate) async fn desk(store: Arc<dyn ItemStore>) -> Desk {
    let mut desk = testing::test_app(store);
    desk.app.settings.reply_address = Some(Email::parse(testing::REPLY_ADDRESS).unwrap());
    demo::seed(&desk.app).await.expect("demo data");
    let token = |actor| testing::token(&desk.app, &actor);
    Desk {
        ann: token(testing::customer("demo-ann", demo::ORGANIZATION_ID)),
        sam: token(testing::agent("demo-sam")),
        desk,
    }
}

impl Desk {
    pub(crate) async fn call(&self, name: &str, token: &str, body: Option<Value>) -> Answer {
        let mut event = with_token(event(name), Some(token));
        if let Some(body) = body {
            event = with_body(event, &body);
        }
        let answer = invoke(&self.desk.app, event).await;
        assert!(answer.status < 300, "{name}: {} {}", answer.status, answer.body);
        answer
    }

    /// Ann's ticket, assigned to Sam (so her notes are mailed to him).
    pub(crate) async fn assigned_ticket(&self) {
        self.call("create-ticket", &self.ann, None).await;
        let ticket = self.call("get-ticket", &self.sam, None).await;
        let version = ticket.body["version"].clone();
        self.call(
            "update-ticket",
            &self.sam,
            Some(json!({ "assignee_id": "demo-sam", "version": version })),
        )
        .await;
        self.deliver().await;
    }

    pub(crate) async fn deliver(&self) -> Vec<Message> {
        notify::deliver_pending(&self.desk.app, 100)
            .await
            .expect("delivery");
        self.desk.mail.take()
    }

    /// The mail just delivered to `to`.
    pub(crate) async fn mail_to(&self, to: &str) -> Message {
        self.deliver()
            .await
            .into_iter()
            .find(|m| m.to[0].as_str() == to)
            .unwrap_or_else(|| panic!("a notification to {to}"))
    }

    async fn receive(&self, raw: &str) -> Outcome {
        self.receive_as(raw, Authenticity::Pass).await
    }

    /// Received with `authenticity`: what the receiving side found of the sender.
    async fn receive_as(&self, raw: &str, authenticity: Authenticity) -> Outcome {
        receive::receive(&self.desk.app, raw.as_bytes(), authenticity)
            .await
            .expect("received")
    }

    /// `token`'s note, and the notification it sent to `to`.
    pub(crate) async fn note_mailed_to(&self, token: &str, note: Value, to: &str) -> Message {
        self.call("ticket-notes", token, Some(note)).await;
        self.mail_to(to).await
    }

    /// The reply address of the notification `token`'s note sent to `to`.
    pub(crate) async fn reply_address_of_note(&self, token: &str, note: Value, to: &str) -> String {
        self.note_mailed_to(token, note, to)
            .await
            .reply_to
            .unwrap_or_else(|| panic!("the notification to {to} has a reply address"))
    }

    pub(crate) async fn history(&self, token: &str) -> Vec<Value> {
        let ticket = self.call("get-ticket", token, None).await;
        ticket.body["history"].as_array().unwrap().clone()
    }
}

/// A reply as a mail client writes it: the answer on top, the quote below.
fn reply(from: &str, to: &str, message_id: &str, extra_headers: &str, answer: &str) -> String {
    format!(
        "From: {from}\r\nTo: {to}\r\nSubject: Re: [{NUMBER}] Printer on fire\r\nMessage-ID: <{message_id}>\r\n\
In-Reply-To: <{NUMBER}@desk.example>\r\n{extra_headers}Content-Type: text/plain; charset=utf-8\r\n\r\n\
{answer}\r\n\r\nOn Mon, 23 Nov 2026 at 10:00, Service desk <desk@desk.example> wrote:\r\n> Sam Agent added a note.\r\n> Please try again.\r\n"
    )
}

pub(crate) fn notes(history: &[Value]) -> Vec<(&str, &str)> {
    history
        .iter()
        .filter(|e| e["type"] == "note")
        .map(|e| {
            (
                e["actor_id"].as_str().unwrap(),
                e["text"].as_str().unwrap_or_default(),
            )
        })
        .collect()
}

async fn a_reply_by_email_becomes_a_note_by_its_recipient(store: Arc<dyn ItemStore>) {
    let d = desk(store).await;
    d.assigned_ticket().await;
    let notification = d
        .note_mailed_to(&d.sam, json!({ "text": "Please try again." }), "ann@acme.example")
        .await;
    // The mail names its thread and a reply address of Ann's own.
    assert_eq!(
        notification.thread.as_deref(),
        Some("T20261122.0001@desk.example")
    );
    let address = notification.reply_to.clone().expect("a reply address");
    assert!(
        address.starts_with("reply+") && address.ends_with("@inbound.desk.example"),
        "{address}"
    );

    let mail = reply(
        "Ann Archer <ann@acme.example>",
        &address,
        "r1@acme.example",
        "",
        "It works now, thanks!",
    );
    let Outcome::Noted { ticket, replayed, .. } = d.receive(&mail).await else {
        panic!("a note")
    };
    assert_eq!((ticket.to_string().as_str(), replayed), (NUMBER, false));
    let history = d.history(&d.ann).await;
    assert_eq!(
        notes(&history).last(),
        Some(&("demo-ann", "It works now, thanks!")),
        "without the quote"
    );
    // Told as a note from the portal is: to the assignee, not back to Ann.
    let told: Vec<String> = d.deliver().await.iter().map(|m| m.to[0].to_string()).collect();
    assert_eq!(told, ["sam@support.example"]);

    // The same mail again (a repeated delivery): no second note, no mail.
    let Outcome::Noted { replayed: true, .. } = d.receive(&mail).await else {
        panic!("the same note")
    };
    assert_eq!(notes(&d.history(&d.ann).await).len(), 2);
    assert!(d.deliver().await.is_empty());

    // Its Message-ID again with other text: refused for good, not retried.
    let reused = reply(
        "ann@acme.example",
        &address,
        "r1@acme.example",
        "",
        "Something else",
    );
    assert!(matches!(
        d.receive(&reused).await,
        Outcome::Refused(Refused::Invalid(_))
    ));
    // Ann's address in another's hands: taken from Ann only.
    let bob = reply("bob@acme.example", &address, "b1@acme.example", "", "Me too");
    assert_eq!(d.receive(&bob).await, Outcome::Refused(Refused::NotTheRecipient));
    // Her out-of-office: never a note, never answered.
    let away = reply(
        "ann@acme.example",
        &address,
        "a1@acme.example",
        "Auto-Submitted: auto-replied\r\n",
        "I am away.",
    );
    assert!(matches!(
        d.receive(&away).await,
        Outcome::Refused(Refused::Screened(Refusal::Automatic(_)))
    ));
    // A made-up token, and mail to no reply address.
    let forged = {
        let (local, token) = address.split_once('+').unwrap();
        let first = if token.starts_with('a') { "b" } else { "a" };
        format!("{local}+{first}{}", &token[1..])
    };
    let guessed = reply("ann@acme.example", &forged, "g1@acme.example", "", "Guess");
    assert_eq!(
        d.receive(&guessed).await,
        Outcome::Refused(Refused::UnknownReplyAddress)
    );
    let elsewhere = reply(
        "ann@acme.example",
        "someone@acme.example",
        "e1@acme.example",
        "",
        "Hi",
    );
    assert_eq!(
        d.receive(&elsewhere).await,
        Outcome::Refused(Refused::NoReplyAddress)
    );
    // Nothing written but the quote.
    let empty = reply("ann@acme.example", &address, "q1@acme.example", "", "");
    assert_eq!(d.receive(&empty).await, Outcome::Refused(Refused::Empty));
    assert_eq!(
        notes(&d.history(&d.ann).await).len(),
        2,
        "none of those made a note"
    );
    assert!(d.deliver().await.is_empty(), "and none was answered");
}

async fn a_reply_to_a_closed_ticket_reopens_it(store: Arc<dyn ItemStore>) {
    let d = desk(store).await;
    d.assigned_ticket().await;
    let address = d
        .reply_address_of_note(&d.sam, json!({ "text": "Fixed." }), "ann@acme.example")
        .await;
    d.call("update-ticket", &d.ann, Some(json!({ "status": "closed" })))
        .await;
    d.deliver().await;
    let mail = reply(
        "ann@acme.example",
        &address,
        "r2@acme.example",
        "",
        "It broke again.",
    );
    assert!(matches!(d.receive(&mail).await, Outcome::Noted { .. }));
    let ticket = d.call("get-ticket", &d.ann, None).await;
    assert_eq!(ticket.body["status"], "open", "{}", ticket.body);
}

async fn agents_reply_by_email_and_may_keep_it_internal(store: Arc<dyn ItemStore>) {
    let d = desk(store).await;
    d.assigned_ticket().await;
    let address = d
        .reply_address_of_note(&d.ann, json!({ "text": "Still broken." }), "sam@support.example")
        .await;
    let public = reply(
        "sam@support.example",
        &address,
        "s1@support.example",
        "",
        "Replacing the fuser.",
    );
    let internal = reply(
        "sam@support.example",
        &address,
        "s2@support.example",
        "",
        "#internal\r\nThird fuser this month.",
    );
    assert!(matches!(d.receive(&public).await, Outcome::Noted { .. }));
    assert!(matches!(d.receive(&internal).await, Outcome::Noted { .. }));
    let seen_by_support = d.history(&d.sam).await;
    let last = seen_by_support
        .iter()
        .rev()
        .find(|e| e["type"] == "note")
        .unwrap();
    assert_eq!(
        (last["text"].as_str(), last["internal"].as_bool()),
        (Some("Third fuser this month."), Some(true))
    );
    let seen_by_ann = notes(&d.history(&d.ann).await)
        .into_iter()
        .map(|(_, text)| text.to_owned())
        .collect::<Vec<_>>();
    assert!(
        seen_by_ann.contains(&"Replacing the fuser.".to_owned()),
        "{seen_by_ann:?}"
    );
    assert!(
        !seen_by_ann.iter().any(|text| text.contains("Third fuser")),
        "{seen_by_ann:?}"
    );
}

async fn people_a_ticket_was_shared_with_reply_by_email(store: Arc<dyn ItemStore>) {
    let d = desk(store).await;
    d.assigned_ticket().await;
    d.call(
        "update-ticket-share",
        &d.ann,
        Some(json!({ "emails": "carol@partner.example" })),
    )
    .await;
    d.desk.mail.take();
    // Named: the notifications of notes go to accounts and named addresses.
    let address = d
        .reply_address_of_note(
            &d.sam,
            json!({ "text": "Carol, can you check the cabling?", "notify": "carol@partner.example" }),
            "carol@partner.example",
        )
        .await;
    let mail = reply(
        "carol@partner.example",
        &address,
        "c1@partner.example",
        "",
        "Cabling checked: fine.",
    );
    assert!(matches!(d.receive(&mail).await, Outcome::Noted { .. }));
    let history = d.history(&d.sam).await;
    let (author, text) = *notes(&history).last().unwrap();
    assert_eq!(text, "Cabling checked: fine.");
    assert_ne!(
        author, "demo-ann",
        "Carol's own id, as when she writes with her key"
    );
    // Unshared, her address stops working.
    let mut remove = with_token(event("update-ticket-remove-participant"), Some(&d.ann));
    remove["pathParameters"]["email"] = "carol@partner.example".into();
    remove["rawPath"] = format!("/tickets/{NUMBER}/participants/carol%40partner.example").into();
    assert_eq!(invoke(&d.desk.app, remove).await.status, 200);
    let later = reply(
        "carol@partner.example",
        &address,
        "c2@partner.example",
        "",
        "One more thing",
    );
    assert_eq!(d.receive(&later).await, Outcome::Refused(Refused::NotOnTheTicket));
}

/// Two auto-responders that do not say so (the worst case), Ann's and
/// Sam's, each answering every notification: the loop stops at the hourly
/// limits, however long it runs.
async fn two_auto_responders_never_write_more_than_the_limit(store: Arc<dyn ItemStore>) {
    let d = desk(store).await;
    d.assigned_ticket().await;
    d.call("ticket-notes", &d.sam, Some(json!({ "text": "Hello Ann." })))
        .await;
    let mut pending = d.deliver().await;
    let mut rounds = 0;
    while !pending.is_empty() && rounds < 500 {
        rounds += 1;
        for mail in std::mem::take(&mut pending) {
            let (Some(address), to) = (mail.reply_to.clone(), mail.to[0].to_string()) else {
                continue;
            };
            let answer = reply(
                &to,
                &address,
                &format!("auto-{rounds}-{to}"),
                "",
                "I am out of the office.",
            );
            d.receive(&answer).await;
        }
        pending = d.deliver().await;
    }
    assert!(
        pending.is_empty(),
        "the loop is still going after {rounds} rounds"
    );
    let loop_notes = notes(&d.history(&d.sam).await)
        .iter()
        .filter(|(_, text)| *text == "I am out of the office.")
        .count() as i64;
    assert!(
        loop_notes <= 2 * receive::PER_SENDER_PER_HOUR,
        "{loop_notes} notes"
    );
    assert!(
        loop_notes >= receive::PER_SENDER_PER_HOUR,
        "the limit, not something else, stopped it: {loop_notes}"
    );
}

/// Mail about an unassigned ticket goes to the support address; whichever
/// agent answers it answers as themselves, and nobody else may.
async fn any_agent_answers_mail_to_the_support_address(store: Arc<dyn ItemStore>) {
    let d = desk(store).await;
    d.call("create-ticket", &d.ann, None).await;
    d.deliver().await;
    let address = d
        .reply_address_of_note(&d.ann, json!({ "text": "Anyone there?" }), testing::SUPPORT_EMAIL)
        .await;
    let sam = reply(
        "sam@support.example",
        &address,
        "s3@support.example",
        "",
        "Yes, on it.",
    );
    // Only if Sam's domain vouches for his From: anyone may write it.
    assert_eq!(
        d.receive_as(&sam, Authenticity::Unchecked).await,
        Outcome::Refused(Refused::NotTheRecipient)
    );
    assert!(matches!(d.receive(&sam).await, Outcome::Noted { .. }));
    assert_eq!(
        notes(&d.history(&d.ann).await).last(),
        Some(&("demo-sam", "Yes, on it."))
    );
    let bob = reply("bob@acme.example", &address, "b2@acme.example", "", "Me too");
    assert_eq!(d.receive(&bob).await, Outcome::Refused(Refused::NotTheRecipient));
}

/// The same mail delivered many times at once (retried events, a second
/// copy): one note, one ticket, one confirmation; the others replay them.
async fn the_same_mail_delivered_at_once_counts_once(store: Arc<dyn ItemStore>) {
    let d = desk(store).await;
    d.assigned_ticket().await;
    let address = d
        .reply_address_of_note(&d.sam, json!({ "text": "Please try again." }), "ann@acme.example")
        .await;
    let mail = reply(
        "ann@acme.example",
        &address,
        "race1@acme.example",
        "",
        "Done, thanks.",
    );
    let outcomes = futures_util::future::join_all((0..8).map(|_| d.receive(&mail))).await;
    let fresh = outcomes
        .iter()
        .filter(|o| matches!(o, Outcome::Noted { replayed: false, .. }))
        .count();
    assert_eq!(fresh, 1, "{outcomes:?}");
    assert!(
        outcomes.iter().all(|o| matches!(o, Outcome::Noted { .. })),
        "{outcomes:?}"
    );
    let done = notes(&d.history(&d.ann).await)
        .iter()
        .filter(|(_, text)| *text == "Done, thanks.")
        .count();
    assert_eq!(done, 1);
    // A stranger's request, eight times at once: one guest ticket, one confirmation.
    let request = format!(
        "From: eve@elsewhere.example\r\nTo: {}\r\nSubject: Help\r\nMessage-ID: <race2@elsewhere.example>\r\n\r\nPlease call me.\r\n",
        testing::SUPPORT_EMAIL
    );
    let opened = futures_util::future::join_all((0..8).map(|_| d.receive(&request))).await;
    let tickets: std::collections::BTreeSet<String> = opened
        .iter()
        .map(|o| match o {
            Outcome::Opened { ticket, .. } => ticket.to_string(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(tickets.len(), 1, "{opened:?}");
    let confirmations = d
        .desk
        .mail
        .take()
        .into_iter()
        .filter(|m| m.to[0].as_str() == "eve@elsewhere.example")
        .count();
    assert_eq!(confirmations, 1);
}

/// A customer writes to the support address: a ticket in her organization,
/// once however often the mail is delivered; nobody else opens one so.
async fn a_customers_mail_to_the_support_address_opens_a_ticket(store: Arc<dyn ItemStore>) {
    let d = desk(store).await;
    let mail = format!(
        "From: Ann Archer <ann@acme.example>\r\nTo: Support <{}>\r\nSubject: VPN down since this morning\r\n\
Message-ID: <new1@acme.example>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nNobody can connect.\r\n\r\n-- \r\nAnn Archer\r\n",
        testing::SUPPORT_EMAIL
    );
    let Outcome::Opened {
        ticket,
        replayed: false,
    } = d.receive(&mail).await
    else {
        panic!("a new ticket")
    };
    let opened = d.call("get-ticket", &d.ann, None).await;
    assert_eq!(ticket.to_string(), NUMBER);
    assert_eq!(
        (opened.body["title"].as_str(), opened.body["description"].as_str()),
        (Some("VPN down since this morning"), Some("Nobody can connect.")),
        "{}",
        opened.body
    );
    assert_eq!(
        (
            opened.body["requester_id"].as_str(),
            opened.body["visibility"].as_str()
        ),
        (Some("demo-ann"), Some("organization"))
    );
    assert_eq!(
        d.receive(&mail).await,
        Outcome::Opened {
            ticket,
            replayed: true
        }
    );
    let listed = d.call("list-tickets", &d.ann, None).await;
    assert_eq!(
        listed.body["tickets"].as_array().unwrap().len(),
        1,
        "{}",
        listed.body
    );
    // Support opens no tickets by mail.
    let from_sam = mail
        .replace("Ann Archer <ann@acme.example>", "sam@support.example")
        .replace("new1@", "new2@");
    assert_eq!(
        d.receive(&from_sam).await,
        Outcome::Refused(Refused::NotACustomer)
    );
}

/// A stranger writes to the support address: a guest ticket, confirmed
/// with its number and access key as from the web form, once per mail, and
/// within the web form's throttle per address.
async fn a_strangers_mail_to_the_support_address_opens_a_guest_ticket(store: Arc<dyn ItemStore>) {
    let d = desk(store).await;
    let mail = |n: u32| {
        format!(
            "From: Eve Example <eve@elsewhere.example>\r\nTo: {}\r\nSubject: Invoice question {n}\r\n\
Message-ID: <eve{n}@elsewhere.example>\r\nContent-Language: fr\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\
Bonjour, une question sur la facture {n}.\r\n",
            testing::SUPPORT_EMAIL
        )
    };
    let Outcome::Opened {
        ticket,
        replayed: false,
    } = d.receive(&mail(1)).await
    else {
        panic!("a guest ticket")
    };
    let sent = d.desk.mail.take();
    let [confirmation] = sent.as_slice() else {
        panic!("one confirmation: {sent:?}")
    };
    assert_eq!(confirmation.to[0].as_str(), "eve@elsewhere.example");
    assert!(
        confirmation.subject.contains(&ticket.to_string()),
        "{}",
        confirmation.subject
    );
    let key = common::link_secret(confirmation, "access", "key");
    let view = invoke(
        &d.desk.app,
        common::lambda::fill(event("access-key-view"), &[("KEY", &key)]),
    )
    .await;
    assert_eq!(view.status, 200, "{}", view.body);
    assert_eq!(view.body["title"], "Invoice question 1", "{}", view.body);
    assert_eq!(
        view.body["description"],
        "Bonjour, une question sur la facture 1."
    );
    // The same mail again: the same ticket, no second confirmation.
    assert_eq!(
        d.receive(&mail(1)).await,
        Outcome::Opened {
            ticket,
            replayed: true
        }
    );
    assert!(d.desk.mail.take().is_empty());
    // The web form's limit per address holds for mail too.
    let limit = servicedesk_shared::guest::TICKETS_PER_EMAIL_PER_HOUR as u32;
    for n in 2..=limit {
        assert!(
            matches!(d.receive(&mail(n)).await, Outcome::Opened { replayed: false, .. }),
            "{n}"
        );
    }
    assert_eq!(
        d.receive(&mail(limit + 1)).await,
        Outcome::Refused(Refused::TooMany)
    );
}

/// What only mail its domain vouches for may do: open a ticket (and answer
/// support's mail as an agent, above). A reply to one's own
/// reply address needs no more than its token; support's internal mail
/// stays internal when answered.
async fn a_from_nothing_vouches_for_opens_nothing(store: Arc<dyn ItemStore>) {
    let d = desk(store).await;
    let request = format!(
        "From: ann@acme.example\r\nTo: {}\r\nSubject: Forged?\r\nMessage-ID: <f1@acme.example>\r\n\r\nOpen this.\r\n",
        testing::SUPPORT_EMAIL
    );
    assert_eq!(
        d.receive_as(&request, Authenticity::Unchecked).await,
        Outcome::Refused(Refused::Unverified)
    );
    let stranger = request.replace("ann@acme.example", "eve@elsewhere.example");
    assert_eq!(
        d.receive_as(&stranger, Authenticity::Unchecked).await,
        Outcome::Refused(Refused::Unverified)
    );
    assert!(
        d.desk.mail.take().is_empty(),
        "no confirmation to whoever was named"
    );
    d.assigned_ticket().await;
    // Ann's own reply address needs only its token and her address.
    let to_ann = d
        .reply_address_of_note(&d.sam, json!({ "text": "Which printer?" }), "ann@acme.example")
        .await;
    let ann = reply(
        "ann@acme.example",
        &to_ann,
        "o2@acme.example",
        "",
        "The one on floor 2.",
    );
    assert!(matches!(
        d.receive_as(&ann, Authenticity::Unchecked).await,
        Outcome::Noted { .. }
    ));
    // A mail of internal notes only, answered by an agent: internal, marked or not.
    let number: servicedesk_shared::domain::TicketNumber = NUMBER.parse().unwrap();
    let sam_email = Email::parse("sam@support.example").unwrap();
    let (address, write) = reply_address::mint(&d.desk.app, &number, &sam_email, true)
        .unwrap()
        .unwrap();
    d.desk.app.store.write(write).await.unwrap();
    let answer = reply(
        "sam@support.example",
        &address,
        "o3@support.example",
        "",
        "Logs show a jam.",
    );
    assert!(matches!(d.receive(&answer).await, Outcome::Noted { .. }));
    let last = d
        .history(&d.sam)
        .await
        .into_iter()
        .rev()
        .find(|e| e["type"] == "note")
        .unwrap();
    assert_eq!(
        (last["text"].as_str(), last["internal"].as_bool()),
        (Some("Logs show a jam."), Some(true))
    );
}

/// `cargo run`'s inbox: a reply dropped in the folder becomes its note,
/// and the mail moves out with its outcome beside it (the same mail
/// dropped again adds nothing).
async fn the_local_inbox_takes_replies_dropped_into_it(store: Arc<dyn ItemStore>) {
    let d = desk(store).await;
    d.assigned_ticket().await;
    let address = d
        .reply_address_of_note(&d.sam, json!({ "text": "Please try again." }), "ann@acme.example")
        .await;
    let inbox = tempfile::tempdir().unwrap();
    let mail = reply(
        "ann@acme.example",
        &address,
        "i1@acme.example",
        "",
        "Works from my mail client.",
    );
    std::fs::write(inbox.path().join(".half-written.eml"), "From: ann@acme.example").unwrap();
    std::fs::write(inbox.path().join("reply.eml"), &mail).unwrap();
    let mut failures = Default::default();
    assert_eq!(
        servicedesk::inbox::process(&d.desk.app, inbox.path(), &mut failures).await,
        1
    );
    let processed = inbox.path().join("processed");
    assert!(processed.join("reply.eml").is_file() && !inbox.path().join("reply.eml").exists());
    let outcome = std::fs::read_to_string(processed.join("reply.eml.outcome")).unwrap();
    assert_eq!(outcome, format!("a note on {NUMBER}\n"));
    assert!(
        inbox.path().join(".half-written.eml").is_file(),
        "a file still being written is left alone"
    );
    assert_eq!(
        notes(&d.history(&d.ann).await).last(),
        Some(&("demo-ann", "Works from my mail client."))
    );
    std::fs::write(inbox.path().join("again.eml"), &mail).unwrap();
    servicedesk::inbox::process(&d.desk.app, inbox.path(), &mut failures).await;
    let again = std::fs::read_to_string(processed.join("again.eml.outcome")).unwrap();
    assert!(again.starts_with("already a note"), "{again}");
    assert_eq!(notes(&d.history(&d.ann).await).len(), 2);
}

on_both_backends!(
    the_same_mail_delivered_at_once_counts_once,
    a_from_nothing_vouches_for_opens_nothing,
    a_strangers_mail_to_the_support_address_opens_a_guest_ticket,
    a_customers_mail_to_the_support_address_opens_a_ticket,
    any_agent_answers_mail_to_the_support_address,
    the_local_inbox_takes_replies_dropped_into_it,
    a_reply_by_email_becomes_a_note_by_its_recipient,
    a_reply_to_a_closed_ticket_reopens_it,
    agents_reply_by_email_and_may_keep_it_internal,
    people_a_ticket_was_shared_with_reply_by_email,
    two_auto_responders_never_write_more_than_the_limit,
);
