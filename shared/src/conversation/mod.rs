//! The life of a ticket after it is opened: notes, status, priority,
//! assignment, escalation, visibility and sharing.
//!
//! Every change is one transaction: the ticket (conditional on what was
//! read), its new history events, the participants' copies of the ticket,
//! and the notification to send (transactional outbox, see [`notify`]). So
//! there is no update without its mail and no mail without its update.

pub mod notify;
pub mod queue;

use serde::Deserialize;
use std::time::Duration as StdDuration;

use crate::accounts::{find_user_by_email, get_user};
use crate::auth::{Actor, Role, policy};
use crate::domain::{
    Description, Email, EventKind, OptionalText, Priority, Status, StatusClass, Ticket, TicketEvent,
    TicketNumber, Title, UserId, Visibility,
};
use crate::idempotency::{self, Failed, Once, RequestKey};
use crate::store::model;
use crate::store::{Condition, StoreError, Write};
use crate::tickets;
use crate::{App, Error, Result};

/// Most extra addresses one note may notify, and most participants a ticket may have.
pub const MAX_EXTRA_ADDRESSES: usize = 10;
pub const MAX_PARTICIPANTS: usize = 20;
/// Concurrent changes to one ticket are retried this many times.
const ATTEMPTS: usize = 8;

/// The body of `POST /tickets/{number}/notes`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoteRequest {
    pub title: Option<String>,
    pub text: String,
    /// Support only.
    #[serde(default)]
    pub internal: bool,
    /// More addresses to notify: a list, or one string "separated by semicolons".
    #[serde(default)]
    pub notify: Addresses,
}

#[derive(Debug, Default, Deserialize)]
#[serde(untagged)]
pub enum Addresses {
    #[default]
    None,
    Joined(String),
    List(Vec<String>),
}

impl Addresses {
    /// Every address validated (the first bad one is named), duplicates dropped.
    pub fn parse(self, field: &str) -> Result<Vec<Email>> {
        let raw: Vec<String> = match self {
            Self::None => vec![],
            Self::Joined(s) => s.split([';', ',']).map(str::to_owned).collect(),
            Self::List(list) => list,
        };
        let mut emails: Vec<Email> = Vec::new();
        for address in raw.iter().map(|a| a.trim()).filter(|a| !a.is_empty()) {
            let email = Email::parse(address)
                .map_err(|_| Error::invalid(field, format!("'{address}' is not an email address")))?;
            if !emails.contains(&email) {
                emails.push(email);
            }
        }
        if emails.len() > MAX_EXTRA_ADDRESSES {
            return Err(Error::invalid(
                field,
                format!("at most {MAX_EXTRA_ADDRESSES} addresses"),
            ));
        }
        Ok(emails)
    }
}

/// A change to apply to the ticket as it is when read.
pub type Apply<'a> = dyn Fn(&mut Ticket) -> Result<Vec<EventKind>> + Send + Sync + 'a;

/// Runs `attempt` again while it meets a concurrent change, waiting a
/// little longer (and a little randomly) each time.
async fn with_retries<T, F, Fut>(app: &App, mut attempt: F) -> Result<T>
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
async fn visible_ticket(app: &App, actor: &Actor, number: &TicketNumber) -> Result<Ticket> {
    let item = app.store.get(&model::ticket_key(number)).await?;
    item.map(|item| model::ticket_from_item(&item))
        .transpose()?
        .filter(|ticket| policy::can_view_ticket(actor, ticket))
        .ok_or(Error::NotFound("ticket"))
}

/// Reads the ticket, applies `apply`, and commits; a concurrent change makes
/// it read and apply again, up to [`ATTEMPTS`] times.
async fn change(
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
        let with = Along {
            notify: extra,
            writes: extra_writes,
            note_id: None,
        };
        commit(app, actor, &before, ticket, kinds, &with).await
    })
    .await
}

/// What goes along with a change into its transaction.
struct Along<'a> {
    /// Extra addresses to notify (a note's).
    notify: &'a [Email],
    /// More writes, given the changed ticket.
    writes: &'a (dyn Fn(&Ticket) -> Result<Vec<Write>> + Send + Sync),
    /// The id a note's event must have (an idempotency record names it).
    note_id: Option<&'a str>,
}

/// Writes the changed ticket, its events, the participants' copies and the
/// notification, all or nothing, if nobody changed the ticket since `before`.
async fn commit(
    app: &App,
    actor: &Actor,
    before: &Ticket,
    mut ticket: Ticket,
    mut kinds: Vec<EventKind>,
    with: &Along<'_>,
) -> Result<(Ticket, Vec<TicketEvent>)> {
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
    ticket.version = before.version + 1;
    let events: Vec<TicketEvent> = kinds
        .into_iter()
        .map(|kind| TicketEvent {
            id: match (with.note_id, &kind) {
                (Some(id), EventKind::Note { .. }) => id.to_owned(),
                _ => app.ids.new_id(),
            },
            at: now,
            actor_id: actor.user().clone(),
            kind,
        })
        .collect();

    let mut writes = vec![Write::Put {
        item: model::ticket_item(&ticket)?,
        condition: Some(Condition::Equals("version".into(), before.version.into())),
    }];
    for event in &events {
        writes.push(Write::Put {
            item: model::event_item(&ticket.number, event)?,
            condition: Some(Condition::NotExists),
        });
    }
    for participant in &ticket.participants {
        writes.push(Write::Put {
            item: model::shared_copy_item(&ticket, participant)?,
            condition: None,
        });
    }
    writes.extend((with.writes)(&ticket)?);
    if let Some(outbox) = notify::outbox_write(app, actor, &ticket, &events, with.notify).await? {
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

fn stale(read: u64, now: u64) -> Error {
    Error::Conflict(format!(
        "the ticket changed since you read it (version {read}, now {now}); reload it and decide again"
    ))
}

fn set_status(ticket: &mut Ticket, to: Status, now: time::OffsetDateTime) {
    if to.class() == StatusClass::Completed && ticket.status.class() == StatusClass::Open {
        ticket.completed_at = Some(now);
    }
    if to.class() == StatusClass::Open {
        ticket.completed_at = None;
    }
    ticket.status = to;
}

fn no_extra_writes(_: &Ticket) -> Result<Vec<Write>> {
    Ok(vec![])
}

/// Adds a note. Customers, participants, guests with the key and support
/// may; only support may make it internal.
pub async fn add_note(
    app: &App,
    actor: &Actor,
    number: &TicketNumber,
    note: NoteRequest,
) -> Result<TicketEvent> {
    Ok(add_note_once(app, actor, number, note, None).await?.into_value())
}

/// Adds a note at most once per caller and `key` (if given): a retry of the
/// same request answers with the note the first one added.
pub async fn add_note_once(
    app: &App,
    actor: &Actor,
    number: &TicketNumber,
    note: NoteRequest,
    key: Option<RequestKey>,
) -> Result<Once<TicketEvent>> {
    let title = Title::optional("title", note.title)?;
    let text = Description::parse("text", &note.text)?;
    if note.internal {
        policy::may_write_internal(actor)?;
    }
    let extra = note.notify.parse("notify")?;
    if note.internal && !extra.is_empty() {
        return Err(Error::invalid(
            "notify",
            "internal notes are not sent outside support",
        ));
    }
    let kind = EventKind::Note {
        title,
        text,
        internal: note.internal,
        notify: extra.clone(),
    };
    let work = |key: Option<RequestKey>| async move {
        // The note's id is fixed up front so the idempotency record, written
        // in the note's transaction, can name it.
        let note_id = app.ids.new_id();
        let record: Vec<Write> = key.iter().map(|k| k.record(app, &note_id)).collect();
        let added = with_retries(app, || async {
            let ticket = visible_ticket(app, actor, number).await?;
            if !policy::can_comment_on_ticket(actor, &ticket) {
                return Err(Error::NotFound("ticket"));
            }
            let reopens =
                !matches!(actor, Actor::Agent { .. }) && ticket.status.class() == StatusClass::Completed;
            if reopens {
                let record_writes = |_: &Ticket| Ok(record.clone());
                let with = Along {
                    notify: &extra,
                    writes: &record_writes,
                    note_id: Some(&note_id),
                };
                let (_, events) =
                    commit(app, actor, &ticket, ticket.clone(), vec![kind.clone()], &with).await?;
                events
                    .into_iter()
                    .find(|e| matches!(e.kind, EventKind::Note { .. }))
                    .ok_or_else(|| Error::Internal("the note was not recorded".into()))
            } else {
                append_note(app, actor, &ticket, kind.clone(), &extra, &note_id, &record).await
            }
        })
        .await;
        added.map_err(Failed::Error)
    };
    let replay = |id: String| async move { recorded_note(app, actor, number, &id).await };
    idempotency::once(app, key, work, replay).await
}

/// The note an earlier request with the same key added, as `actor` sees it.
async fn recorded_note(app: &App, actor: &Actor, number: &TicketNumber, id: &str) -> Result<TicketEvent> {
    tickets::get(app, actor, number)
        .await?
        .history
        .into_iter()
        .find(|event| event.id == id)
        .ok_or_else(|| {
            Error::Conflict("this Idempotency-Key was used on another ticket; send a new key".into())
        })
}

/// A note that changes nothing else: the event, the ticket's times and the
/// notification, without a version check, so notes written at the same
/// moment never conflict with each other (only with a status change,
/// which the retry then takes into account).
async fn append_note(
    app: &App,
    actor: &Actor,
    ticket: &Ticket,
    kind: EventKind,
    extra: &[Email],
    id: &str,
    more_writes: &[Write],
) -> Result<TicketEvent> {
    let now = app.clock.now();
    let mut after = ticket.clone();
    after.updated_at = now;
    if !matches!(actor, Actor::Agent { .. }) {
        after.waiting_since = now;
    }
    let event = TicketEvent {
        id: id.to_owned(),
        at: now,
        actor_id: actor.user().clone(),
        kind,
    };
    let mut writes = vec![
        model::ticket_touch_write(&after, ticket.status)?,
        Write::Put {
            item: model::event_item(&ticket.number, &event)?,
            condition: Some(Condition::NotExists),
        },
    ];
    for participant in &ticket.participants {
        writes.push(model::shared_copy_touch_write(&after, participant)?);
    }
    if let Some(outbox) =
        notify::outbox_write(app, actor, &after, std::slice::from_ref(&event), extra).await?
    {
        writes.push(outbox);
    }
    writes.extend_from_slice(more_writes);
    app.store.transact(writes).await.map_err(|e| match e {
        StoreError::TransactionConditionFailed(_) | StoreError::TransactionConflict => {
            Error::Conflict("the ticket changed meanwhile; try again".into())
        }
        other => other.into(),
    })?;
    Ok(event)
}

/// The body of `PATCH /tickets/{number}`: only the fields to change.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TicketUpdate {
    /// The version the caller read; if given and stale, the update is refused (409).
    pub version: Option<u64>,
    pub status: Option<Status>,
    pub priority: Option<Priority>,
    /// An agent's id, or `null` to unassign (`"me"` for oneself).
    #[serde(default, deserialize_with = "present")]
    pub assignee_id: Option<Option<String>>,
    /// Escalate to a named support group.
    pub group: Option<String>,
    pub visibility: Option<Visibility>,
}

/// Tells an absent field (`None`) from an explicit `null` (`Some(None)`).
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

/// Applies a status, priority, assignee, escalation or visibility change.
pub async fn update(app: &App, actor: &Actor, number: &TicketNumber, update: TicketUpdate) -> Result<Ticket> {
    let group = OptionalText::optional("group", update.group.clone())?;
    let assignee = match &update.assignee_id {
        None => None,
        Some(None) => Some(None),
        Some(Some(id)) if id == "me" => Some(Some(actor.user().clone())),
        Some(Some(id)) => {
            let unknown = || Error::invalid("assignee_id", "no support agent has this id");
            let id = UserId::parse(id).ok_or_else(unknown)?;
            let agent = get_user(app, &id)
                .await?
                .filter(|u| u.role == Role::Agent)
                .ok_or_else(unknown)?;
            Some(Some(agent.id))
        }
    };
    let now = app.clock.now();
    if let Some(version) = update.version {
        // Refused at once: retrying cannot make a stale decision current.
        let current = visible_ticket(app, actor, number).await?.version;
        if version != current {
            return Err(stale(version, current));
        }
    }
    let apply = move |ticket: &mut Ticket| {
        if let Some(version) = update.version
            && version != ticket.version
        {
            return Err(stale(version, ticket.version));
        }
        let mut kinds = Vec::new();
        if let Some(to) = update.status
            && to != ticket.status
        {
            policy::may_set_status(actor, ticket, to)?;
            kinds.push(EventKind::StatusChanged {
                from: ticket.status,
                to,
            });
            set_status(ticket, to, now);
        }
        if let Some(to) = update.priority
            && to != ticket.priority
        {
            policy::may_triage(actor)?;
            kinds.push(EventKind::PriorityChanged {
                from: ticket.priority,
                to,
            });
            ticket.priority = to;
        }
        if let Some(to) = &assignee
            && *to != ticket.assignee_id
        {
            policy::may_triage(actor)?;
            kinds.push(EventKind::Assigned { to: to.clone() });
            ticket.assignee_id = to.clone();
        }
        if let Some(group) = &group
            && Some(group) != ticket.group.as_ref()
        {
            policy::may_triage(actor)?;
            kinds.push(EventKind::Escalated { group: group.clone() });
            ticket.group = Some(group.clone());
        }
        if let Some(to) = update.visibility
            && to != ticket.visibility
        {
            policy::may_share(actor, ticket)?;
            if ticket.organization_id.is_none() && to == Visibility::Organization {
                return Err(Error::invalid(
                    "visibility",
                    "this ticket has no organization to share it with",
                ));
            }
            kinds.push(EventKind::VisibilityChanged { to });
            ticket.visibility = to;
        }
        Ok(kinds)
    };
    let (ticket, _) = change(app, actor, number, &apply, &[], &no_extra_writes).await?;
    Ok(tickets::ticket_as_seen_by(ticket, actor))
}

/// The body of `POST /tickets/{number}/participants`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShareRequest {
    pub emails: Addresses,
}

/// Shares the ticket with people by email: existing customers become
/// participants (it appears in their lists); anyone else gets an access
/// link to this ticket alone, like a guest.
pub async fn share(app: &App, actor: &Actor, number: &TicketNumber, request: ShareRequest) -> Result<Ticket> {
    let emails = request.emails.parse("emails")?;
    if emails.is_empty() {
        return Err(Error::invalid("emails", "name at least one address"));
    }
    let mut customers = Vec::new();
    let mut others = Vec::new();
    for email in emails {
        match find_user_by_email(app, &email).await? {
            Some(user) if user.role == Role::Customer => {
                customers.push((user.id, user.organization_id, email))
            }
            Some(_) => {
                return Err(Error::invalid(
                    "emails",
                    format!("{email} is support staff and sees every ticket"),
                ));
            }
            None => {
                let holder = crate::guest::keys::invitee_id(app, number, &email).await?;
                others.push((email, holder));
            }
        }
    }
    let apply = |ticket: &mut Ticket| {
        policy::may_share(actor, ticket)?;
        let mut kinds = Vec::new();
        for (user, organization, email) in &customers {
            // Participants see the ticket as colleagues do: only within its organization.
            if organization.is_none() || *organization != ticket.organization_id {
                return Err(Error::invalid(
                    "emails",
                    format!(
                        "{email} belongs to another organization; share with people of yours, or with addresses that have no account"
                    ),
                ));
            }
            if *user != ticket.requester_id && !ticket.participants.contains(user) {
                ticket.participants.push(user.clone());
                kinds.push(EventKind::ParticipantAdded { email: email.clone() });
            }
        }
        for (email, holder) in &others {
            if !ticket.invitees.contains(holder) {
                ticket.invitees.push(holder.clone());
            }
            kinds.push(EventKind::ParticipantAdded { email: email.clone() });
        }
        if ticket.participants.len() + ticket.invitees.len() > MAX_PARTICIPANTS {
            return Err(Error::invalid(
                "emails",
                format!("a ticket has at most {MAX_PARTICIPANTS} participants"),
            ));
        }
        Ok(kinds)
    };
    let (ticket, _) = change(app, actor, number, &apply, &[], &no_extra_writes).await?;
    for (email, holder) in &others {
        crate::guest::keys::invite(app, &ticket, email, holder).await?;
    }
    Ok(tickets::ticket_as_seen_by(ticket, actor))
}

/// Removes a participant (customer or invited address): they lose access at once.
pub async fn remove_participant(
    app: &App,
    actor: &Actor,
    number: &TicketNumber,
    email: &str,
) -> Result<Ticket> {
    let email = Email::field("email", email)?;
    let user = find_user_by_email(app, &email).await?.map(|u| u.id);
    let invitation = crate::guest::keys::invitation_of(app, number, &email).await?;
    let removed_user = user.clone();
    let removed_holder = invitation.as_ref().map(|i| i.holder.clone());
    let apply = |ticket: &mut Ticket| {
        policy::may_share(actor, ticket)?;
        let before = ticket.participants.len() + ticket.invitees.len();
        if let Some(user) = &removed_user {
            ticket.participants.retain(|p| p != user);
        }
        // Every key this address holds dies with this: keys work only for
        // the holders the ticket lists.
        if let Some(holder) = &removed_holder {
            ticket.invitees.retain(|p| p != holder);
        }
        if ticket.participants.len() + ticket.invitees.len() == before {
            return Err(Error::NotFound("participant"));
        }
        Ok(vec![EventKind::ParticipantRemoved { email: email.clone() }])
    };
    let number_for_writes = *number;
    let writes = move |_: &Ticket| {
        let mut writes = Vec::new();
        if let Some(user) = &user {
            writes.push(Write::Delete {
                key: model::shared_copy_key(&number_for_writes, user),
                condition: None,
            });
        }
        // Tidying up: the pointer and the key it names (a key rotated
        // meanwhile is dead all the same, its holder being unlisted).
        if let Some(invitation) = &invitation {
            for key in [&invitation.pointer, &invitation.key] {
                writes.push(Write::Delete {
                    key: key.clone(),
                    condition: None,
                });
            }
        }
        Ok(writes)
    };
    let (ticket, _) = change(app, actor, number, &apply, &[], &writes).await?;
    Ok(tickets::ticket_as_seen_by(ticket, actor))
}
