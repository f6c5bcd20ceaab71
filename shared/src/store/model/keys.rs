//! Every key of the single table, every key prefix and every index
//! partition, in one place (the tables of `shared/DATA_MODEL.md`). It
//! imports nothing above the store: the codecs beside it build items on
//! these keys, and nothing else spells one.

use time::format_description::FormatItem;
use time::macros::format_description;
use time::{Date, OffsetDateTime, UtcOffset};

use crate::domain::{Email, OrganizationId, StatusClass, TicketNumber, UserId};
use crate::store::{Index, Key};

/// Fixed-width UTC timestamps, so that sort keys order chronologically.
const SORTABLE: &[FormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z");

pub fn sortable_time(at: OffsetDateTime) -> String {
    at.to_offset(UtcOffset::UTC)
        .format(SORTABLE)
        .unwrap_or_else(|_| unreachable!("formatting a UTC timestamp with a static description cannot fail"))
}

// ---- A ticket's partition: the ticket, its history, copies, files, invitees.

pub(super) const TICKET_SK: &str = "#TICKET";
pub(super) const EVENT_PREFIX: &str = "EVENT#";
pub(super) const SHARED_PREFIX: &str = "SHARED#";
/// Attachments live in their ticket's partition, after the events.
pub const ATTACHMENT_PREFIX: &str = "ATTACHMENT#";
const INVITEE_PREFIX: &str = "INVITEE#";

pub fn ticket_partition(number: &TicketNumber) -> String {
    format!("TICKET#{number}")
}

pub fn ticket_key(number: &TicketNumber) -> Key {
    Key::new(ticket_partition(number), TICKET_SK)
}

/// History events sort after the ticket item (`#` sorts before `E`), in
/// time order: the whole ticket is one Query.
pub fn event_key(number: &TicketNumber, at: OffsetDateTime, id: &str) -> Key {
    Key::new(
        ticket_partition(number),
        format!("{EVENT_PREFIX}{}#{id}", sortable_time(at)),
    )
}

pub fn event_sort_prefix() -> &'static str {
    EVENT_PREFIX
}

/// A participant's copy of the ticket, under the ticket's partition, that
/// puts it in the participant's own lists (GSI1/GSI2) like their own tickets.
/// Rewritten with every change of the ticket.
pub fn shared_copy_key(number: &TicketNumber, participant: &UserId) -> Key {
    Key::new(ticket_partition(number), format!("{SHARED_PREFIX}{participant}"))
}

pub fn attachment_key(number: &TicketNumber, id: &str) -> Key {
    Key::new(ticket_partition(number), format!("{ATTACHMENT_PREFIX}{id}"))
}

/// The guard of a ticket's attachments.
pub fn attachment_guard_key(number: &TicketNumber) -> Key {
    guard_key(ticket_partition(number), ATTACHMENT_PREFIX)
}

/// Points from a ticket to the access key of a person it was shared with by
/// email (no account), so removing them can revoke that key.
pub fn invitee_key(number: &TicketNumber, email: &Email) -> Key {
    Key::new(ticket_partition(number), format!("{INVITEE_PREFIX}{email}"))
}

/// The per-day counter behind ticket numbers: one item a day, so no single
/// hot item across days.
pub fn ticket_counter_key(date: Date) -> Key {
    Key::new(
        format!("COUNTER#TICKET#{}", TicketNumber::day_key(date)),
        "#COUNTER",
    )
}

// ---- Ticket lists (GSI1–GSI4) and the support queue (GSI6).

pub(super) fn status_class_key(class: StatusClass) -> &'static str {
    match class {
        StatusClass::Open => "OPEN",
        StatusClass::Completed => "DONE",
    }
}

/// Which list of tickets to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TicketList {
    Requester(UserId),
    Organization(OrganizationId),
}

/// The index and partition holding a list, optionally narrowed to open or
/// completed tickets. Every list is ordered newest first by its sort key.
pub fn ticket_list_partition(list: &TicketList, class: Option<StatusClass>) -> (Index, String) {
    let (index_all, index_class, owner) = match list {
        TicketList::Requester(user) => (Index::Gsi1, Index::Gsi2, format!("REQUESTER#{user}")),
        TicketList::Organization(org) => (Index::Gsi3, Index::Gsi4, format!("ORG#{org}")),
    };
    match class {
        None => (index_all, owner),
        Some(class) => (index_class, format!("{owner}#{}", status_class_key(class))),
    }
}

/// The support queue's index: its entries carry only what a queue row
/// needs ([`Index::projection`]).
pub const QUEUE_INDEX: Index = Index::Gsi6;

/// The support queue partition of a status class.
pub fn queue_partition(class: StatusClass) -> String {
    format!("QUEUE#{}", status_class_key(class))
}

// ---- The transactional outbox (GSI5 `OUTBOX`) and its deliveries.

/// Every outbox item's partition key starts so (the notifier's stream
/// filter in the template matches it).
pub const OUTBOX_PREFIX: &str = "OUTBOX#";
/// Pending notifications, oldest first, in GSI5.
pub const OUTBOX_PARTITION: &str = "OUTBOX";

/// A notification not yet delivered (transactional outbox). Pending ones are
/// in GSI5 under `OUTBOX`, oldest first; delivering removes that entry.
pub fn outbox_key(id: &str) -> Key {
    Key::new(format!("{OUTBOX_PREFIX}{id}"), "#OUTBOX")
}

/// The notification id of an outbox item's partition key.
pub fn outbox_id(pk: &str) -> Option<&str> {
    pk.strip_prefix(OUTBOX_PREFIX)
}

/// A reply address handed out in one mail, found by its token's digest.
pub fn reply_address_key(digest: &str) -> Key {
    Key::new(format!("REPLY#{digest}"), "#REPLY")
}

/// Proof that one notification went to one address (sent at most once).
pub fn sent_key(outbox_id: &str, to: &Email) -> Key {
    Key::new(format!("SENT#{outbox_id}#{to}"), "#SENT")
}

// ---- People and organizations, and the support directory (GSI5 `DIRECTORY`).

pub fn organization_key(id: &OrganizationId) -> Key {
    Key::new(format!("ORG#{id}"), "#ORG")
}

/// The support directory: every organization and every agent's card, by
/// kind then name, so support's pickers are one Query.
pub const DIRECTORY_PARTITION: &str = "DIRECTORY";
pub const DIRECTORY_AGENT: &str = "AGENT#";
pub const DIRECTORY_ORGANIZATION: &str = "ORG#";

/// A user's partition: their user item, their directory card (agents) and
/// the listing of their integration tokens.
pub fn user_partition(id: &UserId) -> String {
    format!("USER#{id}")
}

pub fn user_key(id: &UserId) -> Key {
    Key::new(user_partition(id), "#USER")
}

/// An agent's card in the support directory: id and name only, beside the
/// user item, so the index support reads holds no account secrets.
pub fn agent_card_key(id: &UserId) -> Key {
    Key::new(user_partition(id), "#CARD")
}

/// One item per email address in use: its conditional creation is what makes
/// emails unique, and reading it is the lookup by email.
pub fn email_claim_key(email: &Email) -> Key {
    Key::new(format!("EMAIL#{email}"), "#EMAIL")
}

/// A guest's profile, by the email they submit with.
pub fn guest_key(email: &Email) -> Key {
    Key::new(format!("GUEST#{email}"), "#GUEST")
}

// ---- Secrets, each by the digest of its value.

/// An emailed link (password reset, invitation, email change).
pub fn link_key(digest: &str) -> Key {
    Key::new(format!("LINK#{digest}"), "#LINK")
}

/// A refresh token: which session family it belongs to.
pub fn refresh_key(digest: &str) -> Key {
    Key::new(format!("REFRESH#{digest}"), "#REFRESH")
}

/// A session family: every refresh token descending from one sign-in.
pub fn session_family_key(id: &str) -> Key {
    Key::new(format!("SESSION#{id}"), "#SESSION")
}

/// An access key: the one ticket it opens.
pub fn access_key_key(digest: &str) -> Key {
    Key::new(format!("ACCESS#{digest}"), "#ACCESS")
}

/// An integration token: what authentication reads.
pub fn api_token_key(digest: &str) -> Key {
    Key::new(format!("APITOKEN#{digest}"), "#APITOKEN")
}

/// The owner's listing of their tokens, in their user partition.
pub const API_TOKEN_LISTING_PREFIX: &str = "APITOKEN#";

/// The owner's entry for a token (name, dates, and the digest that revoking deletes).
pub fn api_token_listing_key(user: &UserId, token_id: &str) -> Key {
    Key::new(
        user_partition(user),
        format!("{API_TOKEN_LISTING_PREFIX}{token_id}"),
    )
}

/// The guard of a user's token listing.
pub fn api_token_guard_key(user: &UserId) -> Key {
    guard_key(user_partition(user), API_TOKEN_LISTING_PREFIX)
}

// ---- Guards, retries, challenges and throttles.

/// A bounded set's guard: its sort key is exactly the set's prefix, so it
/// sorts first in the Query that counts the set (see [`super::guard`]).
pub fn guard_key(partition: String, prefix: &str) -> Key {
    Key::new(partition, prefix)
}

/// What an `Idempotency-Key` created (see [`crate::idempotency`]).
pub fn idempotency_key(id: &str) -> Key {
    Key::new(format!("IDEMPOTENCY#{id}"), "#IDEMPOTENCY")
}

/// A solved guest challenge, kept until it expires so it is used once.
pub fn challenge_used_key(id: &str) -> Key {
    Key::new(format!("CHALLENGE#{id}"), "#USED")
}

/// The counter of attempts `name` by `subject` in the window starting at
/// `start` (epoch seconds; see [`crate::throttle`]).
pub fn throttle_window_key(name: &str, subject: &str, start: i64) -> Key {
    Key::new(format!("THROTTLE#{name}#{subject}"), format!("#WINDOW#{start}"))
}

/// Failed sign-ins for one email from one source: the lock it earns never
/// stops the owner signing in from elsewhere.
pub fn login_failures_key(email: &Email, source: &str) -> Key {
    Key::new(format!("THROTTLE#login-email#{email}#{source}"), "#STATE")
}

// ---- Announcements: one small partition, ordered by end time.

pub const ANNOUNCEMENTS_PARTITION: &str = "ANNOUNCEMENTS";

pub fn announcement_key(ends_at: OffsetDateTime, id: &str) -> Key {
    Key::new(
        ANNOUNCEMENTS_PARTITION,
        format!("{}#{id}", sortable_time(ends_at)),
    )
}
