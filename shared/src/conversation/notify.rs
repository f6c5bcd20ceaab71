//! Notifications of ticket changes, through a transactional outbox.
//!
//! The change and a [`Notification`] (its events and recipients, decided at
//! write time) are stored in one transaction. Delivery happens afterwards:
//! in AWS the notifier Lambda reads the table's stream; locally a background
//! task polls the pending ones (GSI5 `OUTBOX`).
//!
//! Delivery is at least once, per (notification, address): the pair is
//! claimed for a lease before sending and confirmed as sent after. A repeated
//! delivery (stream retries, duplicates, a second poller) skips what is
//! confirmed and waits for what another sender holds; a claim whose sender
//! died (killed, timed out mid-batch) runs out and is sent again. So a mail
//! goes twice only if its sender died between the send and the
//! confirmation, and then with the same `Message-ID` (locally; SES replaces
//! Message-IDs with its own) so mail clients can tell. A failed send
//! releases its claim and the notification is retried.
//!
//! Who hears about what: support-side changes go to the requester,
//! participants and the note's extra addresses; customer-side changes go to
//! the assignee, or the support address, and the note's extra addresses.
//! The author never gets their own change; internal notes never reach the
//! customer side; people who opted out of update emails get none.

use serde::{Deserialize, Serialize};
use time::Duration;

use super::reply_address;
use crate::accounts::get_user;
use crate::domain::{Actor, Email, EventKind, Ticket, TicketEvent, TicketNumber, UserId};
use crate::i18n::{self, Language, Text};
use crate::mail::Message;
use crate::store::{self, model};
use crate::store::{Condition, Index, Query, StoreError, Write};
use crate::{App, Result};

/// How long delivered notifications and their send records are kept.
const KEEP: Duration = Duration::days(14);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Audience {
    /// Support staff: sees internal notes, links to the support view.
    Staff,
    /// A customer with an account: links to the ticket page.
    Customer,
    /// No account (guest requester, invited participant, extra address):
    /// the link never carries a key; they use the one they were sent.
    Guest,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Recipient {
    pub email: Email,
    pub language: Language,
    pub audience: Audience,
}

/// What the outbox holds: enough to write every message without reading
/// anything else.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Notification {
    pub id: String,
    pub number: TicketNumber,
    pub title: String,
    pub events: Vec<TicketEvent>,
    pub recipients: Vec<Recipient>,
}

/// The outbox write for a change, or `None` when nobody is to hear of it.
pub(super) async fn outbox_write(
    app: &App,
    actor: &Actor,
    ticket: &Ticket,
    events: &[TicketEvent],
    extra: &[Email],
) -> Result<Option<Write>> {
    let recipients = recipients(app, actor, ticket, events, extra).await?;
    if recipients.is_empty() {
        return Ok(None);
    }
    let now = app.clock.now();
    let notification = Notification {
        id: app.ids.new_id(),
        number: ticket.number,
        title: ticket.title.to_string(),
        events: events.to_vec(),
        recipients,
    };
    Ok(Some(Write::Put {
        item: model::outbox_item(
            &notification.id,
            now,
            &notification,
            (now + KEEP).unix_timestamp(),
        )?,
        condition: Some(Condition::NotExists),
    }))
}

/// A user as a recipient, unless they opted out of update emails.
async fn user_recipient(app: &App, id: &UserId, audience: Audience) -> Result<Option<Recipient>> {
    Ok(get_user(app, id).await?.and_then(|u| opted_in(u, audience)))
}

fn opted_in(user: crate::domain::User, audience: Audience) -> Option<Recipient> {
    user.profile.notify_updates.then_some(Recipient {
        email: user.email,
        language: user.profile.language,
        audience,
    })
}

async fn recipients(
    app: &App,
    actor: &Actor,
    ticket: &Ticket,
    events: &[TicketEvent],
    extra: &[Email],
) -> Result<Vec<Recipient>> {
    let mut out: Vec<Recipient> = Vec::new();
    let everything_internal = events.iter().all(|e| e.kind.is_internal());
    match actor {
        Actor::Agent { .. } if everything_internal => {
            // Internal notes stay in support: only the assignee hears of them.
            if let Some(assignee) = &ticket.assignee_id {
                out.extend(user_recipient(app, assignee, Audience::Staff).await?);
            }
        }
        Actor::Agent { .. } => {
            match get_user(app, &ticket.requester_id).await? {
                Some(requester) => out.extend(opted_in(requester, Audience::Customer)),
                // No account: a guest, reached at the address they gave.
                None => {
                    if let Some(email) = &ticket.contact.email {
                        let language = crate::guest::find_guest(app, email)
                            .await?
                            .map(|g| g.language)
                            .unwrap_or_default();
                        out.push(Recipient {
                            email: email.clone(),
                            language,
                            audience: Audience::Guest,
                        });
                    }
                }
            }
            for participant in &ticket.participants {
                out.extend(user_recipient(app, participant, Audience::Customer).await?);
            }
        }
        Actor::Customer { .. } | Actor::Guest { .. } => {
            let assignee = match &ticket.assignee_id {
                Some(assignee) => user_recipient(app, assignee, Audience::Staff).await?,
                None => None,
            };
            // Unassigned, or an assignee who takes no update emails: the
            // support address, so a customer's update is never unheard.
            out.push(assignee.unwrap_or_else(|| Recipient {
                email: app.settings.support_email.clone(),
                language: Language::default(),
                audience: Audience::Staff,
            }));
        }
    }
    for email in extra {
        out.push(Recipient {
            email: email.clone(),
            language: Language::default(),
            audience: Audience::Guest,
        });
    }
    // Never the author of the change; each address once.
    let author = match actor {
        Actor::Guest { email, .. } => email.clone(),
        _ => get_user(app, actor.user()).await?.map(|u| u.email),
    };
    let mut unique: Vec<Recipient> = Vec::new();
    for recipient in out {
        if Some(&recipient.email) != author.as_ref() && !unique.iter().any(|r| r.email == recipient.email) {
            unique.push(recipient);
        }
    }
    Ok(unique)
}

/// The catalog label of an enum value (`status.open`, `priority.high`, ...).
fn label<T: Serialize>(language: Language, kind: &str, value: &T) -> &'static str {
    let name = serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    i18n::label(language, &format!("{kind}.{name}"))
}

fn event_line(language: Language, event: &TicketEvent) -> String {
    let render = |text, args: &[(&str, &str)]| i18n::render(language, text, args);
    match &event.kind {
        EventKind::Created { .. } => render(Text::EventCreated, &[]),
        EventKind::Note { title, text, .. } => match title {
            Some(title) => format!("{title}\n{text}"),
            None => text.to_string(),
        },
        EventKind::StatusChanged { from, to } => render(
            Text::EventStatus,
            &[
                ("from", label(language, "status", from)),
                ("to", label(language, "status", to)),
            ],
        ),
        EventKind::PriorityChanged { from, to } => render(
            Text::EventPriority,
            &[
                ("from", label(language, "priority", from)),
                ("to", label(language, "priority", to)),
            ],
        ),
        EventKind::Assigned { .. } => render(Text::EventAssigned, &[]),
        EventKind::Escalated { group } => render(Text::EventEscalated, &[("group", group.as_str())]),
        EventKind::VisibilityChanged { to } => render(
            Text::EventVisibility,
            &[("to", label(language, "visibility", to))],
        ),
        EventKind::AttachmentAdded { file_name, .. } => render(Text::EventAttachment, &[("file", file_name)]),
        EventKind::ParticipantAdded { email } => {
            render(Text::EventParticipantAdded, &[("email", email.as_str())])
        }
        EventKind::ParticipantRemoved { email } => {
            render(Text::EventParticipantRemoved, &[("email", email.as_str())])
        }
    }
}

/// The message for one recipient: `[number] title`, the changes they may
/// see, and a link to the ticket for their kind of access.
pub fn compose(app: &App, notification: &Notification, recipient: &Recipient) -> Option<Message> {
    let visible: Vec<&TicketEvent> = notification
        .events
        .iter()
        .filter(|e| recipient.audience == Audience::Staff || !e.kind.is_internal())
        .collect();
    if visible.is_empty() {
        return None;
    }
    let language = recipient.language;
    let changes = visible
        .iter()
        .map(|e| event_line(language, e))
        .collect::<Vec<_>>()
        .join("\n\n");
    let number = notification.number.to_string();
    let link = match recipient.audience {
        // The web front end's ticket page (not the API's path).
        Audience::Staff | Audience::Customer => app.link(&format!("ticket/{number}"), None),
        Audience::Guest => app.link("access", None),
    };
    Some(Message::compose(
        recipient.email.clone(),
        language,
        Text::UpdateSubject,
        Text::UpdateBody,
        &[
            ("number", &number),
            ("title", &notification.title),
            ("changes", &changes),
            ("link", &link),
        ],
    ))
}

/// The stable id of the mail of `notification` to `to`, the same on every
/// try, so a mail sent again after a crash is recognisably the same mail.
pub fn message_id(notification_id: &str, to: &Email) -> String {
    let digest = crate::secret::digest(to.as_str());
    format!("{notification_id}.{}@servicedesk", &digest[..16])
}

/// Where a (notification, address) pair stands.
enum Turn {
    /// This delivery holds the claim: send, then confirm.
    Send(String),
    /// Confirmed sent before.
    Done,
    /// Another delivery holds a live claim: try again later.
    Held,
}

async fn take_turn(app: &App, key: &crate::store::Key, expires_at: i64) -> Result<Turn> {
    let now = app.clock.now();
    let claim = app.ids.new_id();
    let lease_until = (now + app.settings.delivery_lease).unix_timestamp();
    let item = model::sending_item(key, &claim, lease_until, expires_at);
    let put = |condition| Write::Put {
        item: item.clone(),
        condition: Some(condition),
    };
    match app.store.write(put(Condition::NotExists)).await {
        Ok(()) => return Ok(Turn::Send(claim)),
        Err(StoreError::ConditionFailed) => {}
        Err(other) => return Err(other.into()),
    }
    let Some(existing) = app.store.get(key).await? else {
        // Released meanwhile: the next round claims it.
        return Ok(Turn::Held);
    };
    // Records without a state were written as "sent" by earlier versions.
    if existing.get("state").and_then(serde_json::Value::as_str) != Some("sending") {
        return Ok(Turn::Done);
    }
    let lease_until = existing
        .get("lease_until")
        .and_then(serde_json::Value::as_i64)
        .unwrap_or(0);
    if lease_until > now.unix_timestamp() {
        return Ok(Turn::Held);
    }
    // Its sender died holding it: take it over (one delivery wins).
    let previous = existing.string("claim")?.to_owned();
    match app
        .store
        .write(put(Condition::Equals("claim".into(), previous.into())))
        .await
    {
        Ok(()) => Ok(Turn::Send(claim)),
        Err(StoreError::ConditionFailed) => Ok(Turn::Held),
        Err(other) => Err(other.into()),
    }
}

/// Gives a claim up, so the next try sends the mail.
async fn release(app: &App, key: crate::store::Key, claim: String) -> Result<()> {
    store::done_if_refused(
        app.store
            .write(Write::Delete {
                key,
                condition: Some(Condition::Equals("claim".into(), claim.into())),
            })
            .await,
    )?;
    Ok(())
}

/// Sends a notification to each recipient who has not had it yet, then
/// marks it delivered. Safe to call again for the same notification, and
/// from several deliveries at once.
/// Recipients are independent: one failing address neither stops the
/// others nor, if the mail service refuses it for good, blocks the rest
/// forever (it is logged and skipped); a passing failure, or a mail another
/// delivery is still sending, leaves the notification pending for another try.
pub async fn deliver(app: &App, notification: &Notification) -> Result<()> {
    let expires_at = (app.clock.now() + KEEP).unix_timestamp();
    let mut retry: Option<crate::Error> = None;
    // The same for every recipient: the thread, and whether a reply answers internal notes only.
    let thread = reply_address::thread_id(app, &notification.number);
    let internal_only = notification.events.iter().all(|e| e.kind.is_internal());
    for recipient in &notification.recipients {
        let Some(mut message) = compose(app, notification, recipient) else {
            continue;
        };
        let key = model::sent_key(&notification.id, &recipient.email);
        let claim = match take_turn(app, &key, expires_at).await? {
            Turn::Send(claim) => claim,
            Turn::Done => continue,
            Turn::Held => {
                retry.get_or_insert(crate::Error::Conflict(
                    "another delivery is sending this notification".into(),
                ));
                continue;
            }
        };
        message.message_id = Some(message_id(&notification.id, &recipient.email));
        message.thread = Some(thread.clone());
        // Each mail its own reply address (email in on): written before
        // the mail goes, so a reply can never arrive before it works.
        let minted = reply_address::mint(app, &notification.number, &recipient.email, internal_only)?;
        let reply_to = match minted {
            Some((address, write)) => match app.store.write(write).await {
                Ok(()) => Some(address),
                Err(err) => {
                    release(app, key, claim).await?;
                    retry.get_or_insert(err.into());
                    continue;
                }
            },
            None => None,
        };
        message.reply_to = reply_to;
        let confirm = |state: &str| Write::Update {
            key: key.clone(),
            set: serde_json::Map::from_iter([("state".to_owned(), state.into())]),
            remove: vec![],
            condition: Some(Condition::Equals("claim".into(), claim.clone().into())),
        };
        match app.mailer.send(&message).await {
            Ok(()) => {}
            Err(crate::mail::MailError::Rejected(reason)) => {
                tracing::warn!(id = %notification.id, %reason, "the mail service refused this address; not retrying it");
            }
            Err(err) => {
                release(app, key, claim).await?;
                retry.get_or_insert(err.into());
                continue;
            }
        }
        // Sent (or refused for good): never again. If this write is lost the
        // lease runs out and the mail goes once more, with the same id.
        if let Err(err) = app.store.write(confirm("sent")).await {
            tracing::warn!(error = %err, id = %notification.id, "sent, but not confirmed; it may be sent once more");
        }
    }
    if let Some(err) = retry {
        return Err(err);
    }
    // Delivered: out of the pending index (the item expires later).
    store::done_if_refused(
        app.store
            .write(Write::Update {
                key: model::outbox_key(&notification.id),
                set: serde_json::Map::from_iter([("delivered".to_owned(), true.into())]),
                remove: vec![Index::Gsi5.pk_attr().into(), Index::Gsi5.sk_attr().into()],
                condition: Some(Condition::Exists),
            })
            .await,
    )?;
    Ok(())
}

/// Delivers the notification stored under `id` (what the stream names).
pub async fn deliver_by_id(app: &App, id: &str) -> Result<()> {
    match app.store.get(&model::outbox_key(id)).await? {
        Some(item) => deliver(app, &model::outbox_from_item(&item)?).await,
        None => Ok(()),
    }
}

/// Delivers up to `limit` pending notifications, oldest first; returns how
/// many were delivered. Failures are left pending for the next round.
pub async fn deliver_pending(app: &App, limit: u32) -> Result<usize> {
    let mut query = Query::partition(Some(Index::Gsi5), model::OUTBOX_PARTITION.to_owned());
    query.ascending = true;
    query.limit = limit;
    let page = app.store.query(&query).await?;
    let mut delivered = 0;
    for item in &page.items {
        let notification: Notification = match model::outbox_from_item(item) {
            Ok(notification) => notification,
            Err(err) => {
                tracing::error!(error = %err, "unreadable notification skipped");
                continue;
            }
        };
        match deliver(app, &notification).await {
            Ok(()) => delivered += 1,
            Err(err) => {
                tracing::warn!(error = %err, id = %notification.id, "notification not delivered; will retry")
            }
        }
    }
    Ok(delivered)
}
