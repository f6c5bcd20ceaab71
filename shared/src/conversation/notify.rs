//! Notifications of ticket changes, through a transactional outbox.
//!
//! The change and a [`Notification`] (its events and recipients, decided at
//! write time) are stored in one transaction. Delivery happens afterwards:
//! in AWS the notifier Lambda reads the table's stream; locally a background
//! task polls the pending ones (GSI5 `OUTBOX`). Each (notification,
//! address) pair is claimed before sending, so a repeated delivery (stream
//! retries, duplicates) never mails twice; a failed send releases its claim
//! and the whole notification is retried.
//!
//! Who hears about what: support-side changes go to the requester,
//! participants and the note's extra addresses; customer-side changes go to
//! the assignee, or the support address, and the note's extra addresses.
//! The author never gets their own change; internal notes never reach the
//! customer side; people who opted out of update emails get none.

use serde::{Deserialize, Serialize};
use time::Duration;

use crate::accounts::get_user;
use crate::auth::Actor;
use crate::domain::{Email, EventKind, Ticket, TicketEvent, TicketNumber, UserId};
use crate::i18n::{self, Language, Text};
use crate::mail::Message;
use crate::store::model;
use crate::store::{Condition, Index, Item, Query, StoreError, Write};
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

fn opted_in(user: crate::accounts::User, audience: Audience) -> Option<Recipient> {
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

/// Sends a notification to each recipient who has not had it yet, then
/// marks it delivered. Safe to call again for the same notification.
/// Recipients are independent: one failing address neither stops the
/// others nor, if the mail service refuses it for good, blocks the rest
/// forever (it is logged and skipped); a passing failure leaves the
/// notification pending for another try.
pub async fn deliver(app: &App, notification: &Notification) -> Result<()> {
    let expires_at = (app.clock.now() + KEEP).unix_timestamp();
    let mut retry: Option<crate::Error> = None;
    for recipient in &notification.recipients {
        let Some(message) = compose(app, notification, recipient) else {
            continue;
        };
        let key = model::sent_key(&notification.id, &recipient.email);
        let claim = Write::Put {
            item: Item::new(key.pk.clone(), key.sk.clone())
                .with(model::ENTITY, "sent")
                .with(crate::store::EXPIRES_AT, expires_at),
            condition: Some(Condition::NotExists),
        };
        match app.store.write(claim).await {
            Ok(()) => {}
            // Sent before (a repeated delivery): never twice.
            Err(StoreError::ConditionFailed) => continue,
            Err(other) => return Err(other.into()),
        }
        match app.mailer.send(&message).await {
            Ok(()) => {}
            Err(crate::mail::MailError::Rejected(reason)) => {
                tracing::warn!(id = %notification.id, %reason, "the mail service refused this address; not retrying it");
            }
            Err(err) => {
                // Release the claim so the next try sends it.
                app.store.write(Write::Delete { key, condition: None }).await?;
                retry.get_or_insert(err.into());
            }
        }
    }
    if let Some(err) = retry {
        return Err(err);
    }
    // Delivered: out of the pending index (the item expires later).
    app.store
        .write(Write::Update {
            key: model::outbox_key(&notification.id),
            set: serde_json::Map::from_iter([("delivered".to_owned(), true.into())]),
            remove: vec![Index::Gsi5.pk_attr().into(), Index::Gsi5.sk_attr().into()],
            condition: Some(Condition::Exists),
        })
        .await
        .or_else(|e| match e {
            StoreError::ConditionFailed => Ok(()),
            other => Err(other),
        })?;
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
