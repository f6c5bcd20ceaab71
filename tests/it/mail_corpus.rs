//! Email in, on real mail: the 40 messages of `../shared/mail-corpus/`
//! (replies from Gmail, Outlook, Apple Mail, Thunderbird and phones in
//! English, French and German; HTML-only mail; forwards; new requests with
//! attachments; out-of-office, auto-replies, bounces, list mail and
//! spoofing candidates), read in place beside the checkout (their licences
//! vary: they are never copied here) and held to `corpus.json`'s expected
//! outcome: the note's text under its comparison, what must not remain,
//! what must, the attachments by name, or no note at all.
//!
//! Each message is read twice: by the parts of inbound mail (read, screen,
//! keep what was written: `every_corpus_message_gets_its_expected_outcome`,
//! attachments included), and, on both backends, through the whole inbound
//! path as a reply to a real notification (`…_through_the_inbound_path`):
//! as the corpus asks, only addressing headers are replaced (To, From,
//! In-Reply-To, References, a fresh Message-ID), bodies byte-exact.

use crate::common;

use std::path::PathBuf;
use std::sync::Arc;

use serde_json::{Value, json};
use servicedesk_shared::inbound_mail::message::InboundMessage;
use servicedesk_shared::inbound_mail::noise::Kind;
use servicedesk_shared::inbound_mail::receive::{self, Outcome, Refused};
use servicedesk_shared::inbound_mail::reply_text::reply_text;
use servicedesk_shared::inbound_mail::screen::{Authenticity, Refusal, screen};
use servicedesk_shared::store::ItemStore;

use crate::mail_in::{desk, notes};

/// The desk's address in this test (39 is made to come from it).
const DESK: &str = "desk@desk.example";
/// The receiving host whose `Authentication-Results` the desk trusts: 38's.
const RECEIVER: &str = "example.com";

/// The corpus, from `SERVICEDESK_MAIL_CORPUS` or beside the checkout.
fn corpus_dir() -> Option<PathBuf> {
    if let Ok(dir) = std::env::var("SERVICEDESK_MAIL_CORPUS") {
        let dir = PathBuf::from(dir);
        assert!(
            dir.join("corpus.json").is_file(),
            "SERVICEDESK_MAIL_CORPUS={} holds no corpus.json",
            dir.display()
        );
        return Some(dir);
    }
    let beside = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/mail-corpus");
    beside.join("corpus.json").is_file().then_some(beside)
}

/// The corpus folder and its 40 entries; `None` (said on stderr) when the
/// corpus is not there, and the test is skipped.
fn corpus() -> Option<(PathBuf, Vec<Value>)> {
    let Some(dir) = corpus_dir() else {
        eprintln!("skipped: no mail corpus beside the checkout (set SERVICEDESK_MAIL_CORPUS)");
        return None;
    };
    let entries: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(dir.join("corpus.json")).unwrap()).unwrap();
    assert_eq!(entries.len(), 40, "the corpus has its 40 messages");
    Some((dir, entries))
}

/// Whether `note` is the entry's `expected` text, or one of its
/// `acceptable_alternatives`, under its comparison.
fn is_expected_note(entry: &Value, expected: &str, note: &str) -> bool {
    let compare = entry["compare"].as_str().unwrap_or("normalized");
    std::iter::once(expected.to_owned())
        .chain(strings(entry, "acceptable_alternatives"))
        .any(|text| same(compare, note, &text))
}

/// Replaces the header field `name` (and its folded lines), body untouched.
fn with_header(raw: &[u8], name: &str, value: &str) -> Vec<u8> {
    let text = String::from_utf8_lossy(raw);
    let split = text
        .find("\r\n\r\n")
        .or_else(|| text.find("\n\n"))
        .expect("a header block");
    let (head, body) = raw.split_at(split);
    let newline = if head.contains(&b'\r') { "\r\n" } else { "\n" };
    let head = String::from_utf8_lossy(head);
    let mut lines: Vec<String> = Vec::new();
    let mut skipping = false;
    for line in head.split(newline) {
        let folded = line.starts_with([' ', '\t']);
        if !folded {
            skipping = line
                .to_lowercase()
                .starts_with(&format!("{}:", name.to_lowercase()));
        }
        if !skipping {
            lines.push(line.to_owned());
        }
    }
    lines.push(format!("{name}: {value}"));
    let mut out = lines.join(newline).into_bytes();
    out.extend_from_slice(body);
    out
}

/// `corpus.json`'s comparisons: `normalized` (line endings, trailing
/// spaces, blank lines around) or `whitespace-insensitive`.
fn same(compare: &str, got: &str, expected: &str) -> bool {
    match compare {
        "whitespace-insensitive" => {
            let squeeze = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
            squeeze(got) == squeeze(expected)
        }
        _ => {
            let normal = |s: &str| {
                let text = s.replace("\r\n", "\n").replace('\r', "\n");
                let lines: Vec<&str> = text.lines().map(str::trim_end).collect();
                lines.join("\n").trim_matches('\n').to_owned()
            };
            normal(got) == normal(expected)
        }
    }
}

fn strings(entry: &Value, field: &str) -> Vec<String> {
    entry[field]
        .as_array()
        .map(|list| {
            list.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn every_corpus_message_gets_its_expected_outcome() {
    let Some((dir, entries)) = corpus() else { return };
    let mut failures = Vec::new();
    for entry in &entries {
        let file = entry["file"].as_str().unwrap();
        let mut raw = std::fs::read(dir.join(file)).unwrap();
        if file.starts_with("39-") {
            raw = with_header(&raw, "From", &format!("Service desk <{DESK}>"));
        }
        let mail = match InboundMessage::parse(&raw) {
            Ok(mail) => mail,
            Err(_) => {
                failures.push(format!("{file}: unreadable"));
                continue;
            }
        };
        let screened = screen(
            &mail,
            &[DESK.to_owned()],
            Authenticity::from_header(&mail, RECEIVER),
        );
        match entry["expected_note"].as_str() {
            None => {
                // No note, and for the reason its category gives.
                let category = entry["category"].as_str().unwrap_or_default();
                let why = match (&screened, category) {
                    // A bounce names who failed, for support to see.
                    (Err(Refusal::Automatic(Kind::Bounce(failed))), "dsn") if failed.is_empty() => {
                        Some("a bounce that names no failed recipient".to_owned())
                    }
                    (Err(Refusal::Automatic(Kind::Bounce(_))), "dsn")
                    | (Err(Refusal::Automatic(Kind::Automatic(_))), "out-of-office" | "auto-reply")
                    | (Err(Refusal::Automatic(Kind::List)), "list")
                    | (Err(Refusal::NotAuthentic(_) | Refusal::FromTheDesk), "spoof-candidate") => None,
                    // Sent on behalf of another: let through, the note names its Sender.
                    (Ok(()), "spoof-candidate")
                        if mail
                            .sender
                            .as_ref()
                            .is_some_and(|s| Some(s) != mail.from.as_ref()) =>
                    {
                        None
                    }
                    (Ok(()), _) => Some("would become a note".to_owned()),
                    (Err(refusal), _) => Some(format!("refused as {refusal:?}")),
                };
                if let Some(why) = why {
                    failures.push(format!("{file} ({category}): {why}"));
                }
            }
            Some(expected) => {
                if let Err(refusal) = &screened {
                    failures.push(format!("{file}: refused ({refusal:?}), a note was expected"));
                    continue;
                }
                let note = reply_text(&mail.text);
                if !is_expected_note(entry, expected, &note) {
                    failures.push(format!("{file}: the note is {note:?}, expected {expected:?}"));
                }
                for quoted in strings(entry, "must_not_contain") {
                    if note.contains(&quoted) {
                        failures.push(format!("{file}: the note keeps {quoted:?}"));
                    }
                }
                for kept in strings(entry, "must_contain") {
                    if !note.contains(&kept) {
                        failures.push(format!("{file}: the note lost {kept:?}"));
                    }
                }
                for name in strings(entry, "attachments") {
                    if !mail.files.iter().any(|f| f.file_name == name) {
                        let names: Vec<&str> = mail.files.iter().map(|f| f.file_name.as_str()).collect();
                        failures.push(format!("{file}: no attachment {name:?} (has {names:?})"));
                    }
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of 40 corpus messages miss their outcome:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn a_verdict_from_another_host_is_not_trusted() {
    let Some((dir, _)) = corpus() else { return };
    let raw = std::fs::read(dir.join("38-dmarc-fail.eml")).unwrap();
    let mail = InboundMessage::parse(&raw).unwrap();
    assert_eq!(
        Authenticity::from_header(&mail, RECEIVER),
        Authenticity::Fail("dmarc")
    );
    assert_eq!(
        Authenticity::from_header(&mail, "mx.desk.example"),
        Authenticity::Unchecked
    );
}

/// Every corpus message as a reply to the notification Ann got: a note by
/// her (with the text expected, told to support once), or nothing at all
/// (no note, no mail, the ticket unchanged, nothing of it on the ticket).
async fn every_corpus_message_through_the_inbound_path(store: Arc<dyn ItemStore>) {
    let Some((dir, entries)) = corpus() else { return };
    let d = desk(store).await;
    d.assigned_ticket().await;
    let notification = d
        .note_mailed_to(&d.sam, json!({ "text": "Please try again." }), "ann@acme.example")
        .await;
    let reply_to = notification.reply_to.clone().unwrap();
    let thread = notification.message_id.clone().unwrap();
    let mut failures = Vec::new();
    for (n, entry) in entries.iter().enumerate() {
        let file = entry["file"].as_str().unwrap();
        let category = entry["category"].as_str().unwrap();
        // A new hour for each: the hourly limits are not what is tested here.
        d.desk.clock.advance(time::Duration::minutes(61));
        let sam =
            servicedesk_shared::testing::token(&d.desk.app, &servicedesk_shared::testing::agent("demo-sam"));
        let ann = servicedesk_shared::testing::token(
            &d.desk.app,
            &servicedesk_shared::testing::customer("demo-ann", servicedesk::demo::ORGANIZATION_ID),
        );
        let mut raw = std::fs::read(dir.join(file)).unwrap();
        raw = with_header(&raw, "To", &reply_to);
        raw = with_header(&raw, "In-Reply-To", &format!("<{thread}>"));
        raw = with_header(&raw, "References", &format!("<{thread}>"));
        raw = with_header(&raw, "Message-ID", &format!("<corpus-{n}@probe.example>"));
        let from = match category {
            // A bounce comes from the mail system; 39 from the desk itself.
            "dsn" => None,
            _ if file.starts_with("39-") => Some(servicedesk_shared::testing::REPLY_ADDRESS.to_owned()),
            _ => Some("Ann Archer <ann@acme.example>".to_owned()),
        };
        if let Some(from) = from {
            raw = with_header(&raw, "From", &from);
        }
        // A new request is also sent as one: to the support address, no
        // thread, its From vouched for (as only such mail opens a ticket).
        if category == "new-request" {
            let mut request = std::fs::read(dir.join(file)).unwrap();
            for (name, value) in [
                ("To", servicedesk_shared::testing::SUPPORT_EMAIL.to_owned()),
                ("From", "Ann Archer <ann@acme.example>".to_owned()),
                ("Message-ID", format!("<corpus-new-{n}@probe.example>")),
            ] {
                request = with_header(&request, name, &value);
            }
            let expected = entry["expected_note"].as_str().unwrap();
            match receive::receive(&d.desk.app, &request, Authenticity::Pass)
                .await
                .expect("received")
            {
                Outcome::Opened {
                    ticket,
                    replayed: false,
                } => {
                    let mut get = common::lambda::with_token(common::lambda::event("get-ticket"), Some(&ann));
                    get["pathParameters"]["number"] = ticket.to_string().into();
                    get["rawPath"] = format!("/tickets/{ticket}").into();
                    let opened = common::lambda::invoke(&d.desk.app, get).await;
                    let description = opened.body["description"].as_str().unwrap_or_default();
                    if !same("normalized", description, expected) {
                        failures.push(format!("{file}: a ticket described {description:?}"));
                    }
                }
                Outcome::Refused(Refused::Empty) if expected.is_empty() => {}
                other => failures.push(format!("{file} to the support address: {other:?}")),
            }
            d.deliver().await;
        }
        let before = d.history(&sam).await;
        let status = d.call("get-ticket", &sam, None).await.body["status"].clone();
        let authenticity = InboundMessage::parse(&raw)
            .map(|mail| Authenticity::from_header(&mail, RECEIVER))
            .unwrap_or(Authenticity::Unchecked);
        let outcome = receive::receive(&d.desk.app, &raw, authenticity)
            .await
            .expect("received");
        let after = d.history(&sam).await;
        let mails = d.deliver().await;
        match entry["expected_note"].as_str() {
            // 28 holds only a file: refusing an empty note is one of its outcomes.
            Some("") if outcome == Outcome::Refused(Refused::Empty) => {}
            Some(expected) => {
                let Outcome::Noted { replayed: false, .. } = outcome else {
                    failures.push(format!("{file}: {outcome:?}, a note was expected"));
                    continue;
                };
                let added = &notes(&after)[notes(&before).len()..];
                let [(author, note)] = added else {
                    failures.push(format!("{file}: {} notes added", added.len()));
                    continue;
                };
                if *author != "demo-ann" || !is_expected_note(entry, expected, note) {
                    failures.push(format!("{file}: the note by {author} is {note:?}"));
                }
                // Support hears of the note once (and of each file), Ann of nothing.
                let told: Vec<String> = mails.iter().map(|m| m.to[0].to_string()).collect();
                let first_line = note.lines().next().unwrap_or_default();
                let of_the_note = mails.iter().filter(|m| m.text.contains(first_line)).count();
                if told.iter().any(|to| to != "sam@support.example") || of_the_note != 1 {
                    failures.push(format!("{file}: told {told:?}, {of_the_note} of the note"));
                }
                // Its files, by their decoded names, as the portal's uploads are.
                let files: Vec<&str> = after[before.len()..]
                    .iter()
                    .filter(|e| e["type"] == "attachment_added")
                    .filter_map(|e| e["file_name"].as_str())
                    .collect();
                let number: servicedesk_shared::domain::TicketNumber = "T20261122.0001".parse().unwrap();
                let stored = servicedesk_shared::attachments::of_ticket(&d.desk.app, &number)
                    .await
                    .unwrap();
                for name in strings(entry, "attachments") {
                    // Or kept and refused as uploads are, when its bytes are not
                    // what its type says (24's "PDF" is not one).
                    let refused_for_its_bytes = stored.iter().any(|a| {
                        a.file_name == name
                            && a.rejected_because
                                .as_deref()
                                .is_some_and(|why| why.starts_with("the file is not a"))
                    });
                    if !files.contains(&name.as_str()) && !refused_for_its_bytes {
                        failures.push(format!("{file}: {name:?} not attached (attached: {files:?})"));
                    }
                }
            }
            // Sent on behalf of someone else: a note, saying who sent it.
            None if file.starts_with("40-") => {
                let last = after.iter().rev().find(|e| e["type"] == "note");
                let title = last.and_then(|e| e["title"].as_str()).unwrap_or_default();
                if !matches!(outcome, Outcome::Noted { .. }) || title != "Sender: jake@adventuretime.ooo" {
                    failures.push(format!("{file}: {outcome:?}, the note's title {title:?}"));
                }
            }
            None => {
                let on_ticket = serde_json::to_string(&after).unwrap();
                if after.len() != before.len() || !mails.is_empty() {
                    failures.push(format!(
                        "{file}: {outcome:?} left {} events and {} mails",
                        after.len() - before.len(),
                        mails.len()
                    ));
                }
                if d.call("get-ticket", &sam, None).await.body["status"] != status {
                    failures.push(format!("{file}: the ticket's status changed"));
                }
                for quoted in strings(entry, "must_not_contain") {
                    if on_ticket.contains(&quoted) {
                        failures.push(format!("{file}: {quoted:?} is on the ticket"));
                    }
                }
                if matches!(outcome, Outcome::Noted { .. }) {
                    failures.push(format!("{file}: noted"));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of 40 corpus messages miss their outcome through the inbound path:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

on_both_backends!(every_corpus_message_through_the_inbound_path);
