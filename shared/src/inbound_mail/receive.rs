//! A received mail, to its ticket: a reply to a notification becomes a note
//! by the person it was mailed to, and a mail to the support address opens
//! a ticket (in the customer's organization, or a guest's); through the same path as a note from the
//! portal (`conversation::add_note_once`: the same rules, the same
//! notifications, a completed ticket reopened). It is matched by the reply
//! address's token, and taken only from the address that token was mailed
//! to; nothing the mail says about itself (its subject's ticket number, its
//! own claims) authorizes anything.
//!
//! The same Message-ID delivered again adds no second note. A sender (and a
//! ticket) writing more than the limits allow in an hour is refused, so two
//! automatic systems answering each other stop there even when neither
//! says it is automatic.

use time::Duration;

use super::message::{FailedRecipient, InboundMessage};
use super::noise::Kind;
use super::reply_text::reply_text;
use super::screen::{Authenticity, Refusal, screen};
use crate::accounts::find_user_by_email;
use crate::attachments::{self, UploadRequest};
use crate::auth::policy;
use crate::conversation::{self, NoteRequest, reply_address};
use crate::domain::{
    Actor, Contact, Description, Email, NewTicket, OptionalText, Priority, RequestType, Ticket, TicketNumber,
    Title, Visibility,
};
use crate::guest;
use crate::i18n::Language;
use crate::idempotency::RequestKey;
use crate::{App, Result, throttle};

/// Notes one address may send by mail in an hour.
pub const PER_SENDER_PER_HOUR: i64 = 20;
/// Notes by mail one ticket takes in an hour.
pub const PER_TICKET_PER_HOUR: i64 = 60;
const WINDOW: Duration = Duration::hours(1);

/// The written line by which an agent's reply becomes an internal note.
pub const INTERNAL_MARK: &str = "#internal";

/// What became of a received mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// A note on `ticket` (`replayed`: the same mail came before, and its
    /// note stands alone).
    Noted {
        ticket: TicketNumber,
        event_id: String,
        replayed: bool,
    },
    /// A new ticket, from a customer's mail to the support address
    /// (`replayed`: the same mail opened it before).
    Opened { ticket: TicketNumber, replayed: bool },
    /// A delivery report of the desk's mail: who could not be reached.
    Bounced(Vec<FailedRecipient>),
    /// Refused, for this reason (nothing is answered).
    Refused(Refused),
}

/// Why a received mail made no note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    /// Not a mail at all.
    Unreadable,
    /// Screened out (`screen`).
    Screened(Refusal),
    /// To none of the desk's reply addresses, nor to the support address.
    NoReplyAddress,
    /// A new request with no author address to file it under.
    UnknownSender,
    /// A new request from an agent: support answers requests, it does not open them.
    NotACustomer,
    /// To a reply address the desk never handed out, or one past its time.
    UnknownReplyAddress,
    /// From another address than the one the reply address was mailed to.
    NotTheRecipient,
    /// From someone no longer on the ticket (or a ticket gone).
    NotOnTheTicket,
    /// Nothing written once the quotes and signature are removed.
    Empty,
    /// Past the hourly limit of its sender, its ticket, or of requests by mail.
    TooMany,
    /// A new request, or a reply to the support address, whose `From`
    /// nothing vouches for (no DMARC pass, no DKIM signature of its domain):
    /// anyone can write any `From`.
    Unverified,
    /// What it asks is refused by the rules a request from the portal
    /// meets (an unusable subject, a Message-ID reused for other text, ...).
    Invalid(String),
}

/// Requests by mail from strangers the desk takes in an hour, all senders together.
pub const GUEST_REQUESTS_PER_HOUR: i64 = 50;

/// Reads `raw` and does what it asks, if its sender may; `authenticity` is
/// what the receiving side found of the sender (SES's verdicts in AWS).
pub async fn receive(app: &App, raw: &[u8], authenticity: Authenticity) -> Result<Outcome> {
    match receive_checked(app, raw, authenticity).await {
        // A failure of ours, or work in progress: receiving again may help.
        Err(err) if err.status() >= 500 || matches!(err, crate::Error::Conflict(_)) => Err(err),
        // Refused by the rules: receiving it again would be refused again.
        Err(err) => Ok(refused(Refused::Invalid(err.to_string()), None)),
        outcome => outcome,
    }
}

async fn receive_checked(app: &App, raw: &[u8], authenticity: Authenticity) -> Result<Outcome> {
    let Ok(mail) = InboundMessage::parse(raw) else {
        return Ok(refused(Refused::Unreadable, None));
    };
    let desk: Vec<String> = app
        .settings
        .reply_address
        .iter()
        .chain([&app.settings.support_email])
        .map(|address| address.as_str().to_owned())
        .collect();
    match screen(&mail, &desk, authenticity) {
        Ok(()) => {}
        Err(Refusal::Automatic(Kind::Bounce(failed))) => {
            tracing::info!(failed = ?failed, "a delivery report of the desk's mail");
            return Ok(Outcome::Bounced(failed));
        }
        Err(refusal) => return Ok(refused(Refused::Screened(refusal), Some(&mail))),
    }
    let Some(token) = mail
        .recipients
        .iter()
        .find_map(|address| reply_address::token_of(app, address))
    else {
        if mail.recipients.iter().any(|address| desk.contains(address)) {
            return open_request(app, &mail, raw, authenticity).await;
        }
        return Ok(refused(Refused::NoReplyAddress, Some(&mail)));
    };
    let Some(reply) = reply_address::resolve(app, &token).await? else {
        return Ok(refused(Refused::UnknownReplyAddress, Some(&mail)));
    };
    // Screened mail has a From; the reply address names the one it may be,
    // or, for mail to the support address, any agent.
    let Some(from) = mail.from.as_deref().and_then(|from| Email::parse(from).ok()) else {
        return Ok(refused(Refused::NotTheRecipient, Some(&mail)));
    };
    // Support's mail reaches every agent; an agent other than the one it
    // was mailed to is taken only if their domain vouches for the From.
    let as_support = reply.email == app.settings.support_email
        && authenticity == Authenticity::Pass
        && is_agent(app, &from).await?;
    if from != reply.email && !as_support {
        return Ok(refused(Refused::NotTheRecipient, Some(&mail)));
    }
    let Some((ticket, actor)) = author(app, &reply.ticket, &from).await? else {
        return Ok(refused(Refused::NotOnTheTicket, Some(&mail)));
    };
    let mut text = fit(&reply_text(&mail.text), MAX_TEXT);
    // A reply to support's internal mail stays internal, marked or not.
    let agent = matches!(actor, Actor::Agent { .. });
    let internal = agent && (take_internal_mark(&mut text) || reply.internal);
    if text.is_empty() {
        return Ok(refused(Refused::Empty, Some(&mail)));
    }
    let by_sender = throttle::count(app, "mail-in-sender", from.as_str(), WINDOW).await?;
    let by_ticket = throttle::count(app, "mail-in-ticket", &ticket.number.to_string(), WINDOW).await?;
    if by_sender.count > PER_SENDER_PER_HOUR || by_ticket.count > PER_TICKET_PER_HOUR {
        return Ok(refused(Refused::TooMany, Some(&mail)));
    }
    let key = RequestKey::new(&actor, "mail-note", &mail_id(&mail, raw), text.as_bytes())?;
    // Sent by someone else on the author's behalf (an assistant, a
    // forwarding system): said on the note, never silently theirs.
    let title = mail
        .sender
        .as_deref()
        .filter(|sender| *sender != from.as_str())
        .map(|sender| format!("Sender: {sender}"));
    let note = NoteRequest {
        title,
        text,
        internal,
        notify: Default::default(),
    };
    let added = conversation::add_note_once(app, &actor, &ticket.number, note, Some(key)).await?;
    let replayed = added.replayed();
    if !replayed {
        attach(app, &actor, &ticket.number, &mail, internal).await?;
    }
    Ok(Outcome::Noted {
        ticket: ticket.number,
        event_id: added.into_value().id,
        replayed,
    })
}

/// The longest text a note or a description holds; a longer mail is cut,
/// saying so, rather than refused.
const MAX_TEXT: usize = 20_000;
const MAX_TITLE: usize = 200;

fn fit(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    text.chars().take(max - 1).collect::<String>() + "…"
}

/// What a mail is known by across deliveries (a retried event, a second
/// copy): its Message-ID, or its bytes when it has none.
fn mail_id(mail: &InboundMessage, raw: &[u8]) -> String {
    let id = mail
        .message_id
        .clone()
        .unwrap_or_else(|| crate::secret::digest(&String::from_utf8_lossy(raw)));
    crate::secret::digest(&id)
}

/// A mail to the support address: a ticket (subject → title, what was
/// written → description), once per Message-ID; a customer's in their
/// organization, a stranger's as a guest's.
async fn open_request(
    app: &App,
    mail: &InboundMessage,
    raw: &[u8],
    authenticity: Authenticity,
) -> Result<Outcome> {
    if authenticity != Authenticity::Pass {
        return Ok(refused(Refused::Unverified, Some(mail)));
    }
    let Some(from) = mail.from.as_deref().and_then(|from| Email::parse(from).ok()) else {
        return Ok(refused(Refused::UnknownSender, Some(mail)));
    };
    let user = find_user_by_email(app, &from).await?;
    if user
        .as_ref()
        .is_some_and(|user| user.role != crate::domain::Role::Customer)
    {
        return Ok(refused(Refused::NotACustomer, Some(mail)));
    }
    let text = fit(&reply_text(&mail.text), MAX_TEXT);
    let Ok(description) = Description::parse("description", &text) else {
        return Ok(refused(Refused::Empty, Some(mail)));
    };
    let subject = fit(mail.subject.trim(), MAX_TITLE);
    let first_line = text
        .lines()
        .find(|line| !line.trim().is_empty())
        .unwrap_or_default();
    let title = Title::parse("title", &subject)
        .or_else(|_| Title::parse("title", &fit(first_line.trim(), MAX_TITLE)))?;
    let by_sender = throttle::count(app, "mail-in-sender", from.as_str(), WINDOW).await?;
    if by_sender.count > PER_SENDER_PER_HOUR {
        return Ok(refused(Refused::TooMany, Some(mail)));
    }
    let name = mail
        .from_name
        .as_deref()
        .and_then(|name| OptionalText::parse("contact_name", &fit(name, MAX_TITLE)).ok());
    let contact = Contact {
        name: name.clone(),
        email: Some(from.clone()),
        phone: None,
        company: None,
    };
    let new = |visibility| NewTicket {
        request_type: RequestType::GeneralRequest,
        priority: Priority::Normal,
        title,
        description,
        product: None,
        serial_number: None,
        contact,
        visibility,
    };
    let Some(user) = user else {
        // A stranger: a guest ticket, as from the web form.
        let guest = Guest {
            from,
            name,
            new: new(Visibility::Private),
        };
        return open_guest_request(app, mail, raw, guest, &text).await;
    };
    let actor = user.actor()?;
    let key = RequestKey::new(&actor, "mail-ticket", &mail_id(mail, raw), text.as_bytes())?;
    let opened = crate::tickets::open_once(app, &actor, new(Visibility::Organization), key).await?;
    let replayed = opened.replayed();
    let number = opened.into_value().ticket.number;
    if !replayed {
        attach(app, &actor, &number, mail, false).await?;
    }
    Ok(Outcome::Opened {
        ticket: number,
        replayed,
    })
}

/// The mail's files, added as `actor` would upload them from the portal:
/// the same rules for names, types, sizes and files per ticket, then the
/// same check of what each file really is. A file refused by those rules
/// is left out (logged; the note stands), and a full ticket takes no more;
/// a failure of ours fails the mail, to be received again. The files of
/// an internal note are internal.
async fn attach(
    app: &App,
    actor: &Actor,
    number: &TicketNumber,
    mail: &InboundMessage,
    internal: bool,
) -> Result<()> {
    for file in mail.files.iter().take(attachments::MAX_PER_TICKET) {
        let request = UploadRequest {
            file_name: file.file_name.clone(),
            content_type: file.content_type.clone(),
            size: file.bytes.len() as u64,
            internal,
        };
        let grant = match attachments::request_upload(app, actor, number, request).await {
            Ok(grant) => grant,
            Err(err @ (crate::Error::Unavailable(_) | crate::Error::Internal(_))) => return Err(err),
            Err(full @ crate::Error::Conflict(_)) => {
                tracing::info!(reason = %full, "the ticket takes no more files; the rest of the mail's are left out");
                break;
            }
            Err(refused) => {
                tracing::info!(file = %file.file_name, reason = %refused, "a file of a received mail was not attached");
                continue;
            }
        };
        let key = grant.attachment.pending_key();
        app.blobs.put(&key, &file.bytes, &file.content_type).await?;
        let verdict = attachments::verify(app, &key).await?;
        tracing::info!(file = %file.file_name, ?verdict, "a file of a received mail");
    }
    Ok(())
}

/// A stranger's request by mail.
struct Guest {
    from: Email,
    name: Option<OptionalText>,
    new: NewTicket,
}

/// A stranger's mail to the support address: a guest ticket, as from the
/// web form (its throttles: per address, and per sending domain in place
/// of the network), with the usual confirmation and access key, once per
/// Message-ID.
async fn open_guest_request(
    app: &App,
    mail: &InboundMessage,
    raw: &[u8],
    guest: Guest,
    text: &str,
) -> Result<Outcome> {
    let Guest { from, name, mut new } = guest;
    // The name they wrote under, else their address's local part.
    let name = match name {
        Some(name) => name,
        None => OptionalText::parse(
            "contact_name",
            &fit(from.as_str().split('@').next().unwrap_or("guest"), MAX_TITLE),
        )?,
    };
    new.contact.name = Some(name.clone());
    let language = mail
        .header("content-language")
        .and_then(|tag| Language::from_code(tag.trim().get(..2).unwrap_or_default()));
    let source = format!("mail:{}", from.as_str().rsplit('@').next().unwrap_or_default());
    // Besides the web form's limits (per address, per domain here), one for
    // all strangers' mail together: sending domains are free to choose.
    if throttle::count(app, "mail-in-guests", "all", WINDOW).await?.count > GUEST_REQUESTS_PER_HOUR {
        return Ok(refused(Refused::TooMany, Some(mail)));
    }
    let key = RequestKey::of_caller(
        &format!("mail:{from}"),
        "mail-guest-ticket",
        &mail_id(mail, raw),
        text.as_bytes(),
    )?;
    let filing = guest::Filing {
        new,
        email: from,
        name,
        language,
    };
    match guest::file_once(app, filing, &source, Some(key)).await {
        Ok(filed) => {
            let replayed = filed.replayed();
            Ok(Outcome::Opened {
                ticket: filed.into_value(),
                replayed,
            })
        }
        // Past the guest throttles: refused as any mail past a limit.
        Err(crate::Error::TooManyRequests { .. }) => Ok(refused(Refused::TooMany, Some(mail))),
        Err(err) => Err(err),
    }
}

/// Who `email` is on ticket `number`: an account (customer or agent), an
/// address the ticket was shared with, or the guest who asked; and only if
/// they may still see it.
async fn author(app: &App, number: &TicketNumber, email: &Email) -> Result<Option<(Ticket, Actor)>> {
    let Some(detail) = crate::tickets::load(app, number).await? else {
        return Ok(None);
    };
    let ticket = detail.ticket;
    let actor = if let Some(user) = find_user_by_email(app, email).await? {
        Some(user.actor()?)
    } else if let Some(invitation) = guest::keys::invitation_of(app, number, email).await? {
        Some(Actor::Guest {
            acting_as: invitation.holder,
            ticket: *number,
            email: Some(email.clone()),
        })
    } else {
        guest::find_guest(app, email)
            .await?
            .filter(|guest| guest.guest_id == ticket.requester_id)
            .map(|guest| Actor::Guest {
                acting_as: guest.guest_id,
                ticket: *number,
                email: Some(email.clone()),
            })
    };
    Ok(actor
        .filter(|actor| policy::can_view_ticket(actor, &ticket))
        .map(|actor| (ticket, actor)))
}

/// Whether `email` is an agent's (support's mail goes to the support
/// address; whichever agent answers it answers as themselves).
async fn is_agent(app: &App, email: &Email) -> Result<bool> {
    Ok(find_user_by_email(app, email)
        .await?
        .is_some_and(|user| user.role == crate::domain::Role::Agent))
}

/// Takes the `#internal` line off the top of an agent's reply, if it is there.
fn take_internal_mark(text: &mut String) -> bool {
    let first = text.lines().next().unwrap_or_default();
    if !first.trim().eq_ignore_ascii_case(INTERNAL_MARK) {
        return false;
    }
    *text = text
        .lines()
        .skip(1)
        .collect::<Vec<_>>()
        .join("\n")
        .trim()
        .to_owned();
    true
}

/// The refusal, logged for support with what identifies the mail (never
/// answered: the sender may be forged).
fn refused(reason: Refused, mail: Option<&InboundMessage>) -> Outcome {
    tracing::info!(
        reason = ?reason,
        from = mail.and_then(|m| m.from.as_deref()),
        message_id = mail.and_then(|m| m.message_id.as_deref()),
        "a received mail made no note"
    );
    Outcome::Refused(reason)
}

#[cfg(test)]
mod tests {
    use super::take_internal_mark;

    #[test]
    fn only_a_first_line_mark_makes_a_note_internal() {
        let mut text = "#internal\nThe customer's server is down.".to_owned();
        assert!(take_internal_mark(&mut text));
        assert_eq!(text, "The customer's server is down.");
        let mut text = "See #internal docs".to_owned();
        assert!(!take_internal_mark(&mut text));
        assert_eq!(text, "See #internal docs");
    }
}
