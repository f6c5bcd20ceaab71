//! Notes: `POST /tickets/{number}/notes` (once per Idempotency-Key), from
//! a key holder, and the reopening a customer's note brings.

use serde::Deserialize;

use crate::auth::policy;
use crate::domain::{
    Actor, Description, Email, EventKind, StatusClass, Ticket, TicketEvent, TicketNumber, Title,
};
use crate::idempotency::{self, Failed, Once, RequestKey};
use crate::store::Write;
use crate::tickets;
use crate::{App, Error, Result};

use super::unit_of_work::*;

/// Most extra addresses one note may notify.
pub const MAX_EXTRA_ADDRESSES: usize = 10;

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
            // A customer's note on a completed ticket reopens it: a whole
            // change; any other note only appends.
            let reopens =
                !matches!(actor, Actor::Agent { .. }) && ticket.status.class() == StatusClass::Completed;
            let record_writes = |_: &Ticket| Ok(record.clone());
            let change = Change {
                before: &ticket,
                after: ticket.clone(),
                kinds: vec![kind.clone()],
                notify: &extra,
                writes: &record_writes,
                note_id: Some(&note_id),
                append: !reopens,
            };
            let events = match commit(app, actor, change).await {
                Ok((_, events)) => events,
                // The record's condition failed if another request took the
                // key over: then its note is the answer, not a retry.
                Err(err @ Error::Conflict(_)) => match &key {
                    Some(key) if key.claim_lost(app).await? => return Ok(None),
                    _ => return Err(err),
                },
                Err(err) => return Err(err),
            };
            events
                .into_iter()
                .find(|e| matches!(e.kind, EventKind::Note { .. }))
                .map(Some)
                .ok_or_else(|| Error::Internal("the note was not recorded".into()))
        })
        .await;
        match added {
            Ok(Some(event)) => Ok(event),
            Ok(None) => Err(Failed::ClaimLost),
            Err(err) => Err(Failed::Error(err)),
        }
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
