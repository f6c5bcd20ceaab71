//! Guests: people without an account submit a ticket and follow that one
//! ticket with an access key we email them ([`access`]). Submissions prove
//! some work first ([`challenge`]) and are throttled per email and source.
//!
//! A guest's tickets are filed under a guest id kept per email (the
//! `GUEST#` item). An account later created for that email takes the same
//! id as its user id, so the tickets are "my tickets" with nothing to move.

pub mod access;
pub mod challenge;
pub mod keys;

use serde::{Deserialize, Serialize};
use time::Duration;

use crate::domain::{
    Contact, Description, Email, Guest, NewTicket, OptionalText, Priority, RequestType, Ticket, TicketNumber,
    Title, Visibility,
};
use crate::i18n::{Language, Text};
use crate::idempotency::{self, Failed, Once, RequestKey};
use crate::mail::Message;
use crate::store::model;
use crate::store::{Condition, StoreError, Write};
use crate::{App, Error, Result, throttle, tickets};

pub const TICKETS_PER_EMAIL_PER_HOUR: i64 = 5;
pub const TICKETS_PER_SOURCE_PER_HOUR: i64 = 20;

/// What a successful submission is answered; the rest comes by email.
pub const SUBMITTED: &str =
    "Thank you. Check your email: we sent you the ticket number and a private link to follow it.";

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Urgency {
    Urgent,
    #[default]
    NotUrgent,
}

fn general_request() -> RequestType {
    RequestType::GeneralRequest
}

/// The body of `POST /guest/tickets`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GuestSubmission {
    pub contact_name: String,
    pub email: String,
    pub phone: Option<String>,
    #[serde(default)]
    pub urgency: Urgency,
    #[serde(default = "general_request")]
    pub category: RequestType,
    pub company_name: Option<String>,
    pub product: Option<String>,
    pub serial_number: Option<String>,
    pub description: String,
    /// Derived from the description's first line when absent.
    pub title: Option<String>,
    pub language: Option<Language>,
    /// Honeypot: hidden from people and screen readers; bots fill it in.
    #[serde(default)]
    pub website: String,
    pub challenge: String,
    pub solution: String,
}

/// Removes the guest record once an account took over its id (in the
/// transaction that creates the account), so later anonymous requests with
/// this email are never filed under the account.
pub fn retire_write(email: &Email, guest: &Guest) -> Write {
    Write::Delete {
        key: model::guest_key(email),
        condition: Some(Condition::Equals(
            "guest_id".into(),
            guest.guest_id.as_str().into(),
        )),
    }
}

pub async fn find_guest(app: &App, email: &Email) -> Result<Option<Guest>> {
    match app.store.get(&model::guest_key(email)).await? {
        Some(item) => Ok(Some(model::guest_from_item(&item)?)),
        None => Ok(None),
    }
}

/// The title: as given, or the description's first line, shortened.
fn title_of(title: Option<String>, description: &Description) -> Result<Title> {
    if let Some(title) = title.filter(|t| !t.trim().is_empty()) {
        return Title::parse("title", &title);
    }
    let first_line = description
        .as_str()
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or_default();
    let mut short: String = first_line.trim().chars().take(200).collect();
    if first_line.trim().chars().count() > 200 {
        short = short.chars().take(199).collect::<String>() + "…";
    }
    Title::parse("title", &short)
}

fn too_many(what: &str, retry_after: u64) -> Error {
    Error::TooManyRequests {
        message: format!(
            "too many requests {what}; try again in {} minutes",
            retry_after.div_ceil(60)
        ),
        retry_after,
    }
}

/// A guest's request, checked: what [`file_once`] stores.
pub struct Filing {
    pub new: NewTicket,
    pub email: Email,
    pub name: OptionalText,
    /// The language they chose, if they did.
    pub language: Option<Language>,
}

/// Stores a guest's ticket and emails its number and access link.
pub async fn submit(app: &App, submission: GuestSubmission, source: &str) -> Result<()> {
    let email = Email::field("email", &submission.email)?;
    let name = OptionalText::parse("contact_name", &submission.contact_name)?;
    let description = Description::parse("description", &submission.description)?;
    let title = title_of(submission.title, &description)?;
    let new = NewTicket {
        request_type: submission.category,
        priority: match submission.urgency {
            Urgency::Urgent => Priority::Urgent,
            Urgency::NotUrgent => Priority::Normal,
        },
        title,
        description,
        product: OptionalText::optional("product", submission.product)?,
        serial_number: OptionalText::optional("serial_number", submission.serial_number)?,
        contact: Contact {
            name: Some(name.clone()),
            email: Some(email.clone()),
            phone: OptionalText::optional("phone", submission.phone)?,
            company: OptionalText::optional("company_name", submission.company_name)?,
        },
        // A guest has no organization: only they (by key) and support see it.
        visibility: Visibility::Private,
    };
    if !submission.website.trim().is_empty() {
        return Err(Error::invalid("website", "must be left empty"));
    }
    let use_challenge = challenge::verify(app, &submission.challenge, &submission.solution)?;
    // Used up before anything is counted, so one solved challenge cannot be
    // replayed to eat someone's quota.
    app.store
        .write(use_challenge)
        .await
        .map_err(|e| e.when_refused(|_| challenge::replayed()))?;
    let filing = Filing {
        new,
        email,
        name,
        language: submission.language,
    };
    file_once(app, filing, source, None).await.map(|_| ())
}

/// Files a guest's request from `source` (their network; for mail, the
/// sender's domain) within the guest throttles, at most once per
/// `request` key when given one: the ticket, its guest record and its
/// access key in one transaction, then the confirmation with the number
/// and the access link (a replay sends none). Answers the ticket's number.
pub async fn file_once(
    app: &App,
    filing: Filing,
    source: &str,
    request: Option<RequestKey>,
) -> Result<Once<TicketNumber>> {
    let work = |request: Option<RequestKey>| async move { file(app, filing, source, request).await };
    idempotency::once(app, request, work, |number| async move {
        number
            .parse::<TicketNumber>()
            .map_err(|_| Error::Internal(format!("a recorded guest request names no ticket: {number}")))
    })
    .await
}

/// The filing itself, counted against the throttles first (a replay is not).
async fn file(
    app: &App,
    filing: Filing,
    source: &str,
    request: Option<RequestKey>,
) -> std::result::Result<TicketNumber, Failed> {
    let Filing {
        new,
        email,
        name,
        language: chosen,
    } = filing;
    let window = Duration::hours(1);
    if throttle::hit(app, "guest-source", source, window).await? > TICKETS_PER_SOURCE_PER_HOUR {
        return Err(too_many("from your network", throttle::seconds_left(app, window)).into());
    }
    if throttle::hit(app, "guest-email", email.as_str(), window).await? > TICKETS_PER_EMAIL_PER_HOUR {
        return Err(too_many("for this email address", throttle::seconds_left(app, window)).into());
    }
    let now = app.clock.now();
    let number = tickets::next_number(app, now).await?;
    // The first submission of an address creates its guest record; two at
    // the same moment both try, and the one that loses files its ticket
    // under the record the other made, keeping the number it drew.
    let mut attempt = 0;
    let (detail, key, language) = loop {
        attempt += 1;
        let known = find_guest(app, &email).await?;
        let language = chosen.or(known.as_ref().map(|g| g.language)).unwrap_or_default();
        // Later submissions keep the record's id.
        let guest_condition = match &known {
            Some(guest) => Condition::Equals("guest_id".into(), guest.guest_id.as_str().into()),
            None => Condition::NotExists,
        };
        let guest = match known {
            Some(guest) => guest,
            None => Guest {
                guest_id: app.new_user_id()?,
                name: name.clone(),
                company: new.contact.company.clone(),
                language,
            },
        };
        let (detail, mut writes) = tickets::creation(
            app,
            Ticket::open(number, new.clone(), guest.guest_id.clone(), None, now),
        )?;
        let (key, key_write) = keys::new_key_write(
            &number,
            &keys::Holder {
                acting_as: guest.guest_id.clone(),
                email: email.clone(),
                language,
            },
        );
        writes.push(key_write);
        writes.push(Write::Put {
            item: model::guest_item(&email, &guest)?,
            condition: Some(guest_condition),
        });
        let guest_at = writes.len() - 1;
        let record_at = writes.len();
        writes.extend(
            request
                .as_ref()
                .map(|request| request.record(app, &number.to_string())),
        );
        match app.store.transact(writes).await {
            Ok(()) => break (detail, key, language),
            Err(StoreError::TransactionConditionFailed(i)) if i == record_at => {
                return Err(Failed::ClaimLost);
            }
            Err(StoreError::TransactionConditionFailed(i)) if i == guest_at && attempt < 3 => continue,
            Err(StoreError::TransactionConflict) if attempt < 3 => continue,
            Err(StoreError::TransactionConflict) => {
                return Err(Error::Conflict(
                    "your request met another at the same moment and was not saved; send it again with a new challenge".into(),
                )
                .into());
            }
            Err(StoreError::TransactionConditionFailed(i)) if i == guest_at => {
                return Err(Error::Conflict(
                    "requests from this email address keep arriving at the same moment; wait a minute, then send yours again with a new challenge".into(),
                )
                .into());
            }
            Err(other) => return Err(other.into()),
        }
    };

    let link = keys::link(app, &key);
    let sent = app
        .mailer
        .send(&Message::compose(
            email,
            language,
            Text::GuestTicketSubject,
            Text::GuestTicketBody,
            &[
                ("name", name.as_str()),
                ("number", &number.to_string()),
                ("title", detail.ticket.title.as_str()),
                ("link", &link),
            ],
        ))
        .await;
    if let Err(err) = sent {
        // The ticket is stored and support sees it; failing the request now
        // would only make the guest send it again. Support can answer by email.
        tracing::error!(error = %err, ticket = %number, "the guest's confirmation email failed");
    }
    Ok(number)
}
