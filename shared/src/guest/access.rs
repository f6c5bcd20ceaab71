//! Access keys: the credential a guest follows their ticket with.
//!
//! A key is 256 random bits, URL-safe, shown once (in the email) and stored
//! only as its SHA-256 digest, which is the key of the item naming the
//! ticket: resolving a key is one GetItem. A key opens exactly one ticket and
//! nothing else; it dies when rotated, and 30 days after the ticket closed.
//! Unknown, rotated and expired keys get the same 404, and one source
//! guessing keys is slowed down.

use aws_lc_rs::constant_time::verify_slices_are_equal;
use time::Duration;

use crate::auth::Actor;
use crate::conversation::{self, NoteRequest, TicketUpdate};
use crate::directory::{self, TicketView};
use crate::domain::{Email, Status, Ticket, TicketEvent, TicketNumber, UserId};
use crate::i18n::{Language, Text};
use crate::mail::Message;
use crate::secret::{digest, new_token};
use crate::store::model;
use crate::store::{Condition, Item, Key, StoreError, Write};
use crate::tickets::{self, TicketDetail};
use crate::{App, Error, Result, throttle};

/// Wrong keys one source may try per window before it must wait.
pub const MISSES_PER_SOURCE: i64 = 20;
pub const MISS_WINDOW: Duration = Duration::minutes(15);
/// How long a key keeps working after its ticket was closed.
pub const KEEP_AFTER_CLOSE: Duration = Duration::days(30);

/// Who a key belongs to: the id their changes are recorded under, where
/// their mail goes, in which language.
#[derive(Debug, Clone)]
pub(crate) struct Holder {
    pub acting_as: UserId,
    pub email: Email,
    pub language: Language,
}

/// A new key for `number` (to email, shown once) and the write storing its digest.
pub(crate) fn new_key_write(number: &TicketNumber, holder: &Holder) -> (String, Write) {
    let (key, key_digest) = new_token();
    let item_key = model::access_key_key(&key_digest);
    let item = Item::new(item_key.pk, item_key.sk)
        .with(model::ENTITY, "access_key")
        .with("digest", key_digest.as_str())
        .with("ticket", number.to_string())
        .with("acting_as", holder.acting_as.as_str())
        .with("email", holder.email.as_str())
        .with("language", holder.language.code());
    (
        key,
        Write::Put {
            item,
            condition: Some(Condition::NotExists),
        },
    )
}

/// The page a key opens; the key rides in the fragment, which browsers
/// never send to servers, so it stays out of access logs.
pub fn link(app: &App, key: &str) -> String {
    app.link("access", Some(("key", key)))
}

fn not_found() -> Error {
    Error::NotFound("access key")
}

/// A key that resolved: the guest acting on that ticket, the ticket with
/// its history, and what rotation needs.
pub struct Opened {
    pub actor: Actor,
    pub detail: TicketDetail,
    key: Key,
    holder: Holder,
}

/// Keys are 43 URL-safe base64 characters; anything else is not looked up.
fn well_formed(key: &str) -> bool {
    key.len() == 43
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Resolves a key to its ticket: 2 round trips (the key, then the ticket
/// with its history) plus one for the source's miss counter.
pub async fn open(app: &App, key: &str, source: &str) -> Result<Opened> {
    let (misses, retry_after) = throttle::peek(app, "access-miss", source, MISS_WINDOW).await?;
    if misses >= MISSES_PER_SOURCE {
        return Err(Error::TooManyRequests {
            message: format!(
                "too many unknown access keys from your network; try again in {} minutes, \
                 and copy the link from your email exactly",
                retry_after.div_ceil(60)
            ),
            retry_after,
        });
    }
    match resolve(app, key).await? {
        Some(opened) => Ok(opened),
        None => {
            throttle::hit(app, "access-miss", source, MISS_WINDOW).await?;
            Err(not_found())
        }
    }
}

async fn resolve(app: &App, key: &str) -> Result<Option<Opened>> {
    if !well_formed(key) {
        return Ok(None);
    }
    let key_digest = digest(key);
    let item_key = model::access_key_key(&key_digest);
    let Some(item) = app.store.get(&item_key).await? else {
        return Ok(None);
    };
    // The lookup matched on the digest already; compare again without
    // early exit so no timing depends on how much of it matched.
    if verify_slices_are_equal(item.string("digest")?.as_bytes(), key_digest.as_bytes()).is_err() {
        return Ok(None);
    }
    let number: TicketNumber = item
        .string("ticket")?
        .parse()
        .map_err(|_| StoreError::Corrupt("bad ticket number in access key".into()))?;
    let corrupt = |what: &str| StoreError::Corrupt(format!("bad {what} in access key"));
    let holder = Holder {
        acting_as: UserId::parse(item.string("acting_as")?).ok_or_else(|| corrupt("holder id"))?,
        email: Email::parse(item.string("email")?).map_err(|_| corrupt("email"))?,
        language: Language::from_code(item.string("language")?).unwrap_or_default(),
    };
    let Some(detail) = tickets::load(app, &number).await? else {
        return Ok(None);
    };
    if expired(app, &detail.ticket) {
        return Ok(None);
    }
    let actor = Actor::Guest {
        acting_as: holder.acting_as.clone(),
        ticket: number,
        email: Some(holder.email.clone()),
    };
    Ok(Some(Opened {
        detail: detail.as_seen_by(&actor),
        actor,
        key: item_key,
        holder,
    }))
}

fn expired(app: &App, ticket: &Ticket) -> bool {
    matches!(
        (ticket.status, ticket.completed_at),
        (Status::Closed, Some(closed)) if closed + KEEP_AFTER_CLOSE <= app.clock.now()
    )
}

/// `GET /access/{key}`: the ticket with its whole history.
pub async fn view(app: &App, key: &str, source: &str) -> Result<TicketView> {
    let opened = open(app, key, source).await?;
    directory::ticket_view(app, &opened.actor, opened.detail).await
}

/// `POST /access/{key}/notes`: a comment from the guest, in the history.
pub async fn add_note(app: &App, key: &str, source: &str, note: NoteRequest) -> Result<TicketEvent> {
    let opened = open(app, key, source).await?;
    conversation::add_note(app, &opened.actor, &opened.detail.ticket.number, note).await
}

/// `POST /access/{key}/close` and reopen go through the ticket update.
pub async fn update(app: &App, key: &str, source: &str, update: TicketUpdate) -> Result<Ticket> {
    let opened = open(app, key, source).await?;
    conversation::update(app, &opened.actor, &opened.detail.ticket.number, update).await
}

/// Gives `email` (no account) a key to `ticket`, as a participant, by email.
pub async fn invite(app: &App, ticket: &Ticket, email: &Email) -> Result<()> {
    let holder = Holder {
        acting_as: app.new_user_id()?,
        email: email.clone(),
        language: Language::default(),
    };
    let (key, put_key) = new_key_write(&ticket.number, &holder);
    let key_item = put_key.key()?;
    let mut writes = vec![put_key, pointer_write(&ticket.number, email, &key_item)];
    // Shared again: the new link replaces the old one, which stops working.
    if let Some(previous) = invitation_of(app, &ticket.number, email).await? {
        writes.extend(
            previous
                .into_iter()
                .skip(1)
                .map(|key| Write::Delete { key, condition: None }),
        );
    }
    app.store.transact(writes).await?;
    app.mailer
        .send(&Message::compose(
            email.clone(),
            Language::default(),
            Text::SharedSubject,
            Text::SharedBody,
            &[
                ("number", &ticket.number.to_string()),
                ("title", ticket.title.as_str()),
                ("link", &link(app, &key)),
            ],
        ))
        .await?;
    Ok(())
}

/// The pointer from a ticket to the key an invited address holds.
fn pointer_write(number: &TicketNumber, email: &Email, key_item: &Key) -> Write {
    let pointer = model::invitee_key(number, email);
    Write::Put {
        item: Item::new(pointer.pk, pointer.sk)
            .with(model::ENTITY, "invitee")
            .with("access_pk", key_item.pk.as_str())
            .with("access_sk", key_item.sk.as_str()),
        condition: None,
    }
}

/// The items to delete to revoke what `email` was given by [`invite`]:
/// the pointer, then the key.
pub async fn invitation_of(app: &App, number: &TicketNumber, email: &Email) -> Result<Option<Vec<Key>>> {
    let pointer = model::invitee_key(number, email);
    let Some(item) = app.store.get(&pointer).await? else {
        return Ok(None);
    };
    let access = Key::new(item.string("access_pk")?, item.string("access_sk")?);
    Ok(Some(vec![pointer, access]))
}

/// `POST /access/{key}/rotate`: a new key by email; the old one dies in the
/// same transaction that stores the new one.
pub async fn rotate(app: &App, key: &str, source: &str) -> Result<()> {
    let opened = open(app, key, source).await?;
    let number = opened.detail.ticket.number;
    // New key first, then the email, then the old key goes: if the email
    // fails, the new key is withdrawn and the old one still works.
    let (new_key, put_new) = new_key_write(&number, &opened.holder);
    let new_item_key = put_new.key()?;
    app.store.write(put_new).await?;
    let sent = app
        .mailer
        .send(&Message::compose(
            opened.holder.email.clone(),
            opened.holder.language,
            Text::AccessKeySubject,
            Text::AccessKeyBody,
            &[("number", &number.to_string()), ("link", &link(app, &new_key))],
        ))
        .await;
    if let Err(err) = sent {
        app.store
            .write(Write::Delete {
                key: new_item_key,
                condition: None,
            })
            .await?;
        return Err(err.into());
    }
    // The old key dies; an invited person's pointer follows the new key,
    // so removing them from the ticket still revokes what they hold.
    let mut writes = vec![Write::Delete {
        key: opened.key,
        condition: None,
    }];
    if invitation_of(app, &number, &opened.holder.email).await?.is_some() {
        writes.push(pointer_write(&number, &opened.holder.email, &new_item_key));
    }
    app.store.transact(writes).await?;
    Ok(())
}
