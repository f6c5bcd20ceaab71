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

use crate::conversation::{self, NoteRequest, TicketUpdate};
use crate::directory::{self, TicketView};
use crate::domain::{Actor, Status, Ticket, TicketEvent};
use crate::i18n::Text;
use crate::mail::Message;
use crate::secret::digest;
use crate::store::model;
use crate::store::{Condition, Key, StoreError, Write};
use crate::tickets::{self, TicketDetail};
use crate::{App, Error, Result, throttle};

use super::keys::{Holder, key_item, link, new_key_write};

/// Wrong keys one source may try per window before it must wait.
pub const MISSES_PER_SOURCE: i64 = 20;
pub const MISS_WINDOW: Duration = Duration::minutes(15);
/// How long a key keeps working after its ticket was closed.
pub const KEEP_AFTER_CLOSE: Duration = Duration::days(30);

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
/// with its history) plus two for the source's miss counter. The try is
/// counted before the key is looked up, so parallel guesses each count,
/// and given back when the key works.
pub async fn open(app: &App, key: &str, source: &str) -> Result<Opened> {
    let attempt = throttle::count(app, "access-miss", source, MISS_WINDOW).await?;
    if attempt.count > MISSES_PER_SOURCE {
        attempt.give_back(app).await;
        let retry_after = throttle::seconds_left(app, MISS_WINDOW);
        return Err(Error::TooManyRequests {
            message: format!(
                "too many unknown access keys from your network; try again in {} minutes, \
                 and copy the link from your email exactly",
                retry_after.div_ceil(60)
            ),
            retry_after,
        });
    }
    match resolve(app, key).await {
        Ok(Some(opened)) => {
            attempt.give_back(app).await;
            Ok(opened)
        }
        Ok(None) => Err(not_found()),
        Err(err) => {
            attempt.give_back(app).await;
            Err(err)
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
    let record = model::access_key_from_item(&item)?;
    if verify_slices_are_equal(record.digest.as_bytes(), key_digest.as_bytes()).is_err() {
        return Ok(None);
    }
    let number = record.ticket;
    let holder = Holder {
        acting_as: record.acting_as,
        email: record.email,
        language: record.language,
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
    // A key of someone removed from the ticket (or never on it) opens nothing.
    if !crate::auth::policy::can_view_ticket(&actor, &detail.ticket) {
        return Ok(None);
    }
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

/// `GET /access/ticket`: the ticket with its whole history.
pub async fn view(app: &App, key: &str, source: &str) -> Result<TicketView> {
    let opened = open(app, key, source).await?;
    directory::ticket_view(app, &opened.actor, opened.detail).await
}

/// `POST /access/ticket/notes`: a comment from the guest, in the history.
pub async fn add_note(app: &App, key: &str, source: &str, note: NoteRequest) -> Result<TicketEvent> {
    let opened = open(app, key, source).await?;
    conversation::add_note(app, &opened.actor, &opened.detail.ticket.number, note).await
}

/// `PATCH /access/ticket` (close, reopen) goes through the ticket update.
pub async fn update(app: &App, key: &str, source: &str, update: TicketUpdate) -> Result<Ticket> {
    let opened = open(app, key, source).await?;
    conversation::update(app, &opened.actor, &opened.detail.ticket.number, update).await
}

/// `POST /access/ticket/rotate`: a new key by email. The swap is one
/// transaction conditional on the old key still existing, so of two
/// rotations racing with one key exactly one succeeds and exactly one key
/// works after; an invited person's pointer moves with it (conditional on
/// still naming the old key, so a removal racing with it is never undone).
pub async fn rotate(app: &App, key: &str, source: &str) -> Result<()> {
    let opened = open(app, key, source).await?;
    let number = opened.detail.ticket.number;
    let (new_key, put_new) = new_key_write(&number, &opened.holder);
    let new_item_key = put_new.key()?;
    let mut swap = vec![
        put_new,
        Write::Delete {
            key: opened.key.clone(),
            condition: Some(Condition::Exists),
        },
    ];
    let invited = opened.detail.ticket.requester_id != opened.holder.acting_as;
    if invited {
        let pointer = model::invitee_key(&number, &opened.holder.email);
        swap.push(Write::Update {
            key: pointer,
            set: serde_json::Map::from_iter([("access_pk".to_owned(), new_item_key.pk.clone().into())]),
            remove: vec![],
            condition: Some(Condition::Equals(
                "access_pk".into(),
                opened.key.pk.clone().into(),
            )),
        });
    }
    app.store.transact(swap).await.map_err(|e| match e {
        // Rotated (or revoked) by another request meanwhile: this key is gone.
        StoreError::TransactionConditionFailed(_) => not_found(),
        // Written at the same moment by another request: nothing changed.
        StoreError::TransactionConflict => {
            Error::Conflict("this link was being changed at the same moment; try again in a moment".into())
        }
        other => other.into(),
    })?;
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
        // Undo the swap, so the key the person has keeps working.
        let mut undo = vec![
            Write::Put {
                item: key_item(&digest(key), &number, &opened.holder),
                condition: Some(Condition::NotExists),
            },
            Write::Delete {
                key: new_item_key.clone(),
                condition: Some(Condition::Exists),
            },
        ];
        if invited {
            undo.push(Write::Update {
                key: model::invitee_key(&number, &opened.holder.email),
                set: serde_json::Map::from_iter([("access_pk".to_owned(), opened.key.pk.clone().into())]),
                remove: vec![],
                condition: Some(Condition::Equals("access_pk".into(), new_item_key.pk.into())),
            });
        }
        if let Err(undo_err) = app.store.transact(undo).await {
            tracing::error!(error = %undo_err, ticket = %number, "could not restore an access key after its mail failed");
        }
        return Err(err.into());
    }
    Ok(())
}
