//! The unit of work every ticket change goes through: read the ticket, apply
//! the change, and commit the ticket, its events, the participants' copies
//! and the notification in one transaction, retrying on a concurrent change.

use std::time::Duration as StdDuration;

use crate::auth::policy;
use crate::domain::{Actor, Email, EventKind, Status, StatusClass, Ticket, TicketEvent, TicketNumber};
use crate::store::model;
use crate::store::{Condition, StoreError, Write};
use crate::{App, Error, Result};

use super::notify;

/// Concurrent changes to one ticket are retried this many times.
const ATTEMPTS: usize = 8;

/// A change to apply to the ticket as it is when read.
pub type Apply<'a> = dyn Fn(&mut Ticket) -> Result<Vec<EventKind>> + Send + Sync + 'a;

/// Runs `attempt` again while it meets a concurrent change, waiting a
/// little longer (and a little randomly) each time.
pub(super) async fn with_retries<T, F, Fut>(app: &App, mut attempt: F) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T>>,
{
    for round in 0..ATTEMPTS {
        match attempt().await {
            Err(Error::Conflict(_)) if round + 1 < ATTEMPTS => {
                let jitter = app.ids.new_id().bytes().map(u64::from).sum::<u64>() % 20;
                tokio::time::sleep(StdDuration::from_millis((5 + jitter) * (round as u64 + 1))).await;
            }
            other => return other,
        }
    }
    Err(Error::Conflict(
        "the ticket is being changed by others right now; try again".into(),
    ))
}

/// The ticket as `actor` may see it, or 404: its item alone (one GetItem),
/// not its history, which a change appends to without reading.
pub(super) async fn visible_ticket(app: &App, actor: &Actor, number: &TicketNumber) -> Result<Ticket> {
    let item = app.store.get(&model::ticket_key(number)).await?;
    item.map(|item| model::ticket_from_item(&item))
        .transpose()?
        .filter(|ticket| policy::can_view_ticket(actor, ticket))
        .ok_or(Error::NotFound("ticket"))
}

/// Reads the ticket, applies `apply`, and commits; a concurrent change makes
/// it read and apply again, up to [`ATTEMPTS`] times.
pub(super) async fn change(
    app: &App,
    actor: &Actor,
    number: &TicketNumber,
    apply: &Apply<'_>,
    extra: &[Email],
    extra_writes: &(dyn Fn(&Ticket) -> Result<Vec<Write>> + Send + Sync),
) -> Result<(Ticket, Vec<TicketEvent>)> {
    with_retries(app, || async {
        let before = visible_ticket(app, actor, number).await?;
        let mut ticket = before.clone();
        let kinds = apply(&mut ticket)?;
        if kinds.is_empty() {
            return Ok((ticket, vec![]));
        }
        commit(
            app,
            actor,
            Change {
                before: &before,
                after: ticket,
                kinds,
                notify: extra,
                writes: extra_writes,
                note_id: None,
                append: false,
            },
        )
        .await
    })
    .await
}

/// A change of one ticket, as [`commit`] writes it: the ticket as read and
/// as changed, what happened, who else hears of it, and what else goes
/// into the same transaction.
pub(super) struct Change<'a> {
    pub(super) before: &'a Ticket,
    pub(super) after: Ticket,
    /// The history events to add (a customer's contribution to a completed
    /// ticket adds its reopening).
    pub(super) kinds: Vec<EventKind>,
    /// Extra addresses to notify (a note's).
    pub(super) notify: &'a [Email],
    /// More writes, given the changed ticket.
    pub(super) writes: &'a (dyn Fn(&Ticket) -> Result<Vec<Write>> + Send + Sync),
    /// The id a note's event must have (an idempotency record names it).
    pub(super) note_id: Option<&'a str>,
    /// A note that changes nothing else: only the ticket's times (and its
    /// copies') are written, conditional on its status alone, so notes
    /// written at the same moment never conflict with each other (only with
    /// a status change, which the retry then takes into account). Otherwise
    /// the whole ticket, conditional on the version read.
    pub(super) append: bool,
}

/// Writes the changed ticket, its events, the participants' copies and the
/// notification, all or nothing, if nobody changed the ticket since it was
/// read; maps a concurrent change to one conflict.
pub(super) async fn commit(
    app: &App,
    actor: &Actor,
    change: Change<'_>,
) -> Result<(Ticket, Vec<TicketEvent>)> {
    let Change {
        before,
        after: mut ticket,
        mut kinds,
        notify,
        writes: extra_writes,
        note_id,
        append,
    } = change;
    let now = app.clock.now();
    let customer_side = !matches!(actor, Actor::Agent { .. });
    // Something new from the customer side (a note, a file) on a resolved or
    // closed ticket reopens it; housekeeping such as sharing does not.
    let contributes = kinds
        .iter()
        .any(|k| matches!(k, EventKind::Note { .. } | EventKind::AttachmentAdded { .. }));
    if customer_side {
        let sets_status = kinds.iter().any(|k| matches!(k, EventKind::StatusChanged { .. }));
        if contributes && !sets_status && ticket.status.class() == StatusClass::Completed {
            kinds.push(EventKind::StatusChanged {
                from: ticket.status,
                to: Status::Open,
            });
            set_status(&mut ticket, Status::Open, now);
        }
        if contributes {
            ticket.waiting_since = now;
        }
    }
    ticket.updated_at = now;
    if !append {
        ticket.version = before.version + 1;
    }
    let events: Vec<TicketEvent> = kinds
        .into_iter()
        .map(|kind| TicketEvent {
            id: match (note_id, &kind) {
                (Some(id), EventKind::Note { .. }) => id.to_owned(),
                _ => app.ids.new_id(),
            },
            at: now,
            actor_id: actor.user().clone(),
            kind,
        })
        .collect();

    // The ticket's write comes first: a failed condition there (index 0) is
    // a concurrent change of the ticket.
    let mut writes = vec![match append {
        true => model::ticket_touch_write(&ticket, before.status)?,
        false => Write::Put {
            item: model::ticket_item(&ticket)?,
            condition: Some(Condition::Equals("version".into(), before.version.into())),
        },
    }];
    for event in &events {
        writes.push(Write::Put {
            item: model::event_item(&ticket.number, event)?,
            condition: Some(Condition::NotExists),
        });
    }
    for participant in &ticket.participants {
        writes.push(match append {
            true => model::shared_copy_touch_write(&ticket, participant)?,
            false => Write::Put {
                item: model::shared_copy_item(&ticket, participant)?,
                condition: None,
            },
        });
    }
    writes.extend(extra_writes(&ticket)?);
    if let Some(outbox) = notify::outbox_write(app, actor, &ticket, &events, notify).await? {
        writes.push(outbox);
    }
    app.store.transact(writes).await.map_err(|e| match e {
        StoreError::TransactionConditionFailed(0) | StoreError::TransactionConflict => {
            Error::Conflict("the ticket changed meanwhile; reload it and try again".into())
        }
        other => other.into(),
    })?;
    Ok((ticket, events))
}

/// Records `apply`'s events on the ticket (with `writes` in the same
/// transaction) and notifies, as `actor`: for changes that originate
/// elsewhere, such as a verified upload.
pub async fn record(
    app: &App,
    actor: &Actor,
    number: &TicketNumber,
    apply: &Apply<'_>,
    writes: &(dyn Fn(&Ticket) -> Result<Vec<Write>> + Send + Sync),
) -> Result<Vec<TicketEvent>> {
    Ok(change(app, actor, number, apply, &[], writes).await?.1)
}

pub(super) fn stale(read: u64, now: u64) -> Error {
    Error::Conflict(format!(
        "the ticket changed since you read it (version {read}, now {now}); reload it and decide again"
    ))
}

pub(super) fn set_status(ticket: &mut Ticket, to: Status, now: time::OffsetDateTime) {
    if to.class() == StatusClass::Completed && ticket.status.class() == StatusClass::Open {
        ticket.completed_at = Some(now);
    }
    if to.class() == StatusClass::Open {
        ticket.completed_at = None;
    }
    ticket.status = to;
}

pub(super) fn no_extra_writes(_: &Ticket) -> Result<Vec<Write>> {
    Ok(vec![])
}
