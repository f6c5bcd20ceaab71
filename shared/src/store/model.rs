//! The single-table design: every entity, its keys and its index entries.
//! Access patterns and their key conditions are documented in
//! `shared/DATA_MODEL.md`; this module is the only code that knows them.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::format_description::FormatItem;
use time::macros::format_description;
use time::{Date, OffsetDateTime, UtcOffset};

use super::{Attributes, Index, Item, Key, PK, SK, StoreError};
use crate::domain::{
    OrganizationId, QueueEntry, StatusClass, Ticket, TicketEvent, TicketNumber, UserId, Visibility,
};

/// Attribute naming the entity type of an item (for streams and debugging).
pub const ENTITY: &str = "entity";
/// The numeric attribute of counters.
pub const COUNTER_VALUE: &str = "value";

const TICKET_SK: &str = "#TICKET";
const EVENT_PREFIX: &str = "EVENT#";

/// Fixed-width UTC timestamps, so that sort keys order chronologically.
const SORTABLE: &[FormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z");

pub fn sortable_time(at: OffsetDateTime) -> String {
    at.to_offset(UtcOffset::UTC)
        .format(SORTABLE)
        .unwrap_or_else(|_| unreachable!("formatting a UTC timestamp with a static description cannot fail"))
}

pub fn ticket_partition(number: &TicketNumber) -> String {
    format!("TICKET#{number}")
}

pub fn ticket_key(number: &TicketNumber) -> Key {
    Key::new(ticket_partition(number), TICKET_SK)
}

/// The per-day counter behind ticket numbers: one item a day, so no single
/// hot item across days.
pub fn ticket_counter_key(date: Date) -> Key {
    Key::new(
        format!("COUNTER#TICKET#{}", TicketNumber::day_key(date)),
        "#COUNTER",
    )
}

fn status_class_key(class: StatusClass) -> &'static str {
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

fn to_attributes(value: &impl Serialize) -> Result<Attributes, StoreError> {
    match serde_json::to_value(value) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(StoreError::Invalid("entity must serialize to an object".into())),
        Err(e) => Err(StoreError::Invalid(e.to_string())),
    }
}

/// Whether `item` holds an `entity` (its `entity` attribute).
fn is_entity(item: &Item, entity: &str) -> bool {
    item.get(ENTITY).and_then(Value::as_str) == Some(entity)
}

fn from_item<T: DeserializeOwned>(item: &Item, entity: &str) -> Result<T, StoreError> {
    if !is_entity(item, entity) {
        return Err(StoreError::Corrupt(format!("expected a {entity} item")));
    }
    // Read from the borrowed map: no copy of the item first.
    T::deserialize(&item.0).map_err(|e| StoreError::Corrupt(format!("{entity}: {e}")))
}

fn entity_item(key: Key, entity: &str, body: Attributes) -> Item {
    let mut item = Item::new(key.pk, key.sk);
    item.0.extend(body);
    item.0.insert(ENTITY.into(), entity.into());
    item
}

/// The index entries of one ticket list (all, and by status class).
fn list_entries(item: &mut Item, ticket: &Ticket, list: &TicketList) {
    let created = format!("{}#{}", sortable_time(ticket.created_at), ticket.number);
    let class = ticket.status.class();
    // Open lists sort by creation, completed ones by completion ("recently completed").
    let class_sort = match (class, ticket.completed_at) {
        (StatusClass::Completed, Some(done)) => format!("{}#{}", sortable_time(done), ticket.number),
        _ => created.clone(),
    };
    let (all, all_pk) = ticket_list_partition(list, None);
    let (by_class, class_pk) = ticket_list_partition(list, Some(class));
    item.0.insert(all.pk_attr().into(), all_pk.into());
    item.0.insert(all.sk_attr().into(), created.into());
    item.0.insert(by_class.pk_attr().into(), class_pk.into());
    item.0.insert(by_class.sk_attr().into(), class_sort.into());
}

/// The support queue's index: its entries carry only what a queue row
/// needs ([`Index::projection`]).
pub const QUEUE_INDEX: Index = Index::Gsi6;

/// The support queue partition of a status class.
pub fn queue_partition(class: StatusClass) -> String {
    format!("QUEUE#{}", status_class_key(class))
}

/// The ticket item with its index entries: the requester's lists always, the
/// organization's lists only while the ticket is visible to the organization,
/// and the support queue (oldest waiting first).
pub fn ticket_item(ticket: &Ticket) -> Result<Item, StoreError> {
    let mut item = entity_item(ticket_key(&ticket.number), "ticket", to_attributes(ticket)?);
    list_entries(
        &mut item,
        ticket,
        &TicketList::Requester(ticket.requester_id.clone()),
    );
    if let (Some(organization), Visibility::Organization) = (&ticket.organization_id, ticket.visibility) {
        list_entries(&mut item, ticket, &TicketList::Organization(organization.clone()));
    }
    item.0.insert(
        QUEUE_INDEX.pk_attr().into(),
        queue_partition(ticket.status.class()).into(),
    );
    item.0.insert(
        QUEUE_INDEX.sk_attr().into(),
        format!("{}#{}", sortable_time(ticket.waiting_since), ticket.number).into(),
    );
    Ok(item)
}

/// The times a note changes on the ticket item, and its queue position,
/// as an update that leaves everything else alone; only if the status is
/// still `status` (a completed ticket needs the full change, which reopens).
pub fn ticket_touch_write(
    ticket: &Ticket,
    status: crate::domain::Status,
) -> Result<super::Write, StoreError> {
    let mut set = touched_times(ticket)?;
    set.insert(
        QUEUE_INDEX.sk_attr().into(),
        format!("{}#{}", sortable_time(ticket.waiting_since), ticket.number).into(),
    );
    Ok(super::Write::Update {
        key: ticket_key(&ticket.number),
        set,
        remove: vec![],
        condition: Some(super::Condition::Equals(
            "status".into(),
            serde_json::to_value(status).map_err(|e| StoreError::Invalid(e.to_string()))?,
        )),
    })
}

/// The same for a participant's copy, if it still exists.
pub fn shared_copy_touch_write(ticket: &Ticket, participant: &UserId) -> Result<super::Write, StoreError> {
    Ok(super::Write::Update {
        key: shared_copy_key(&ticket.number, participant),
        set: touched_times(ticket)?,
        remove: vec![],
        condition: Some(super::Condition::Exists),
    })
}

fn touched_times(ticket: &Ticket) -> Result<Attributes, StoreError> {
    let all = to_attributes(ticket)?;
    Ok(["updated_at", "waiting_since"]
        .into_iter()
        .filter_map(|name| all.get(name).map(|v| (name.to_owned(), v.clone())))
        .collect())
}

const SHARED_PREFIX: &str = "SHARED#";

/// A participant's copy of the ticket, under the ticket's partition, that
/// puts it in the participant's own lists (GSI1/GSI2) like their own tickets.
/// Rewritten with every change of the ticket.
pub fn shared_copy_key(number: &TicketNumber, participant: &UserId) -> Key {
    Key::new(ticket_partition(number), format!("{SHARED_PREFIX}{participant}"))
}

pub fn shared_copy_item(ticket: &Ticket, participant: &UserId) -> Result<Item, StoreError> {
    let mut item = entity_item(
        shared_copy_key(&ticket.number, participant),
        "ticket",
        to_attributes(ticket)?,
    );
    list_entries(&mut item, ticket, &TicketList::Requester(participant.clone()));
    Ok(item)
}

pub fn is_event_item(item: &Item) -> bool {
    item.get(SK)
        .and_then(Value::as_str)
        .is_some_and(|sk| sk.starts_with(EVENT_PREFIX))
}

/// A notification not yet delivered (transactional outbox). Pending ones are
/// in GSI5 under `OUTBOX`, oldest first; delivering removes that entry.
pub fn outbox_key(id: &str) -> Key {
    Key::new(format!("{OUTBOX_PREFIX}{id}"), "#OUTBOX")
}

/// Every outbox item's partition key starts so (the notifier's stream
/// filter in the template matches it).
pub const OUTBOX_PREFIX: &str = "OUTBOX#";

/// The notification id of an outbox item's partition key.
pub fn outbox_id(pk: &str) -> Option<&str> {
    pk.strip_prefix(OUTBOX_PREFIX)
}

pub const OUTBOX_PARTITION: &str = "OUTBOX";

pub fn outbox_item(
    id: &str,
    at: OffsetDateTime,
    body: &impl Serialize,
    expires_at: i64,
) -> Result<Item, StoreError> {
    let mut item = entity_item(outbox_key(id), "outbox", to_attributes(body)?);
    item.0
        .insert(Index::Gsi5.pk_attr().into(), OUTBOX_PARTITION.into());
    item.0.insert(
        Index::Gsi5.sk_attr().into(),
        format!("{}#{id}", sortable_time(at)).into(),
    );
    item.0.insert(super::EXPIRES_AT.into(), expires_at.into());
    Ok(item)
}

pub fn outbox_from_item<T: DeserializeOwned>(item: &Item) -> Result<T, StoreError> {
    from_item(item, "outbox")
}

/// Proof that one notification went to one address (sent at most once).
pub fn sent_key(outbox_id: &str, to: &crate::domain::Email) -> Key {
    Key::new(format!("SENT#{outbox_id}#{to}"), "#SENT")
}

/// A delivery's claim on sending to one address: `claim` holds it until
/// `lease_until` (epoch seconds), after which another delivery may take it.
pub fn sending_item(key: &Key, claim: &str, lease_until: i64, expires_at: i64) -> Item {
    Item::new(key.pk.clone(), key.sk.clone())
        .with(ENTITY, "sent")
        .with("state", "sending")
        .with("claim", claim)
        .with("lease_until", lease_until)
        .with(super::EXPIRES_AT, expires_at)
}

pub fn ticket_from_item(item: &Item) -> Result<Ticket, StoreError> {
    from_item(item, "ticket")
}

/// A ticket's entry in the support queue's index (its projection only).
pub fn queue_entry_from_item(item: &Item) -> Result<QueueEntry, StoreError> {
    QueueEntry::deserialize(&item.0).map_err(|e| StoreError::Corrupt(format!("queue entry: {e}")))
}

pub fn is_ticket_item(item: &Item) -> bool {
    item.get(SK).and_then(Value::as_str) == Some(TICKET_SK)
}

pub fn event_sort_prefix() -> &'static str {
    EVENT_PREFIX
}

/// History events live under the ticket's partition, after the ticket item
/// (`#` sorts before `E`), in time order: the whole ticket is one Query.
pub fn event_item(number: &TicketNumber, event: &TicketEvent) -> Result<Item, StoreError> {
    let sk = format!("{EVENT_PREFIX}{}#{}", sortable_time(event.at), event.id);
    Ok(entity_item(
        Key::new(ticket_partition(number), sk),
        "event",
        to_attributes(event)?,
    ))
}

pub fn event_from_item(item: &Item) -> Result<TicketEvent, StoreError> {
    from_item(item, "event")
}

/// Attributes of an item that belong to the model, not to the entity.
pub fn is_key_attribute(name: &str) -> bool {
    name == PK
        || name == SK
        || Index::ALL
            .iter()
            .any(|ix| name == ix.pk_attr() || name == ix.sk_attr())
}

pub fn organization_key(id: &OrganizationId) -> Key {
    Key::new(format!("ORG#{id}"), "#ORG")
}

pub fn organization_item(org: &crate::domain::Organization) -> Result<Item, StoreError> {
    let mut item = entity_item(organization_key(&org.id), "organization", to_attributes(org)?);
    directory_entry(
        &mut item,
        DIRECTORY_ORGANIZATION,
        org.name.as_str(),
        org.id.as_str(),
    );
    Ok(item)
}

/// The support directory (GSI5 `DIRECTORY`): every organization and every
/// agent's card, by kind then name, so support's pickers are one Query.
pub const DIRECTORY_PARTITION: &str = "DIRECTORY";
pub const DIRECTORY_AGENT: &str = "AGENT#";
pub const DIRECTORY_ORGANIZATION: &str = "ORG#";

fn directory_entry(item: &mut Item, kind: &str, name: &str, id: &str) {
    item.0
        .insert(Index::Gsi5.pk_attr().into(), DIRECTORY_PARTITION.into());
    item.0.insert(
        Index::Gsi5.sk_attr().into(),
        format!("{kind}{}#{id}", name.to_lowercase()).into(),
    );
}

/// A user's partition: their user item, their directory card (agents) and
/// the listing of their integration tokens.
pub fn user_partition(id: &UserId) -> String {
    format!("USER#{id}")
}

pub fn user_key(id: &UserId) -> Key {
    Key::new(user_partition(id), "#USER")
}

pub fn user_item(user: &crate::domain::User) -> Result<Item, StoreError> {
    Ok(entity_item(user_key(&user.id), "user", to_attributes(user)?))
}

pub fn is_user_item(item: &Item) -> bool {
    is_entity(item, "user")
}

/// An agent's card in the support directory: id and name only, beside the
/// user item, so the index support reads holds no account secrets.
pub fn agent_card_key(id: &UserId) -> Key {
    Key::new(user_partition(id), "#CARD")
}

/// The card of `user` if they are an agent (customers are not listed).
pub fn agent_card_item(user: &crate::domain::User) -> Option<Item> {
    if user.role != crate::domain::Role::Agent {
        return None;
    }
    let key = agent_card_key(&user.id);
    let name = user.display_name();
    let mut item = Item::new(key.pk, key.sk)
        .with(ENTITY, "agent_card")
        .with("id", user.id.as_str())
        .with("name", name.as_str());
    directory_entry(&mut item, DIRECTORY_AGENT, &name, user.id.as_str());
    Some(item)
}

/// `(id, name)` of an agent's card, or `None` for any other item.
pub fn agent_card_from_item(item: &Item) -> Option<(UserId, String)> {
    if !is_entity(item, "agent_card") {
        return None;
    }
    let id = UserId::parse(item.get("id")?.as_str()?)?;
    Some((id, item.get("name")?.as_str()?.to_owned()))
}

pub fn is_organization_item(item: &Item) -> bool {
    is_entity(item, "organization")
}

pub fn user_from_item(item: &Item) -> Result<crate::domain::User, StoreError> {
    from_item(item, "user")
}

/// One item per email address in use: its conditional creation is what makes
/// emails unique, and reading it is the lookup by email.
pub fn email_claim_key(email: &crate::domain::Email) -> Key {
    Key::new(format!("EMAIL#{email}"), "#EMAIL")
}

pub fn email_claim_item(email: &crate::domain::Email, user: &UserId) -> Item {
    let key = email_claim_key(email);
    Item::new(key.pk, key.sk)
        .with(ENTITY, "email_claim")
        .with("user_id", user.as_str())
}

pub fn user_id_of_claim(item: &Item) -> Result<UserId, StoreError> {
    UserId::parse(item.string("user_id")?)
        .ok_or_else(|| StoreError::Corrupt("bad user id in email claim".into()))
}

pub fn organization_from_item(item: &Item) -> Result<crate::domain::Organization, StoreError> {
    from_item(item, "organization")
}

pub fn link_key(digest: &str) -> Key {
    Key::new(format!("LINK#{digest}"), "#LINK")
}

pub fn link_item(
    digest: &str,
    purpose: &crate::domain::Purpose,
    expires_at: i64,
) -> Result<Item, StoreError> {
    let mut item = entity_item(link_key(digest), "link", to_attributes(purpose)?);
    item.0.insert(super::EXPIRES_AT.into(), expires_at.into());
    Ok(item)
}

pub fn link_from_item(item: &Item) -> Result<(crate::domain::Purpose, i64), StoreError> {
    let purpose = from_item(item, "link")?;
    let expires_at = item
        .get(super::EXPIRES_AT)
        .and_then(Value::as_i64)
        .ok_or_else(|| StoreError::Corrupt("link without expiry".into()))?;
    Ok((purpose, expires_at))
}

/// A refresh token (by digest): which session family it belongs to.
pub fn refresh_key(digest: &str) -> Key {
    Key::new(format!("REFRESH#{digest}"), "#REFRESH")
}

/// A session family: every refresh token descending from one sign-in.
pub fn session_family_key(id: &str) -> Key {
    Key::new(format!("SESSION#{id}"), "#SESSION")
}

/// Failed sign-ins for one email (known or not, so both behave alike).
/// Failed sign-ins for one email from one source: the lock it earns never
/// stops the owner signing in from elsewhere.
pub fn login_failures_key(email: &crate::domain::Email, source: &str) -> Key {
    Key::new(format!("THROTTLE#login-email#{email}#{source}"), "#STATE")
}

pub fn simple_item(key: Key, entity: &str, body: Attributes) -> Item {
    entity_item(key, entity, body)
}

/// A guest's profile, by the email they submit with: the id their tickets
/// are filed under (an account later created for this email takes it).
pub fn guest_key(email: &crate::domain::Email) -> Key {
    Key::new(format!("GUEST#{email}"), "#GUEST")
}

pub fn guest_item(email: &crate::domain::Email, guest: &crate::domain::Guest) -> Result<Item, StoreError> {
    Ok(entity_item(guest_key(email), "guest", to_attributes(guest)?))
}

pub fn guest_from_item(item: &Item) -> Result<crate::domain::Guest, StoreError> {
    from_item(item, "guest")
}

/// An access key, by its digest: the one ticket it opens.
pub fn access_key_key(digest: &str) -> Key {
    Key::new(format!("ACCESS#{digest}"), "#ACCESS")
}

/// The item of an access key (by its digest) to `number`, for the person
/// acting as `acting_as`, mailed at `email` in `language`.
pub fn access_key_item(
    digest: &str,
    number: &TicketNumber,
    acting_as: &UserId,
    email: &crate::domain::Email,
    language: crate::i18n::Language,
) -> Item {
    let key = access_key_key(digest);
    Item::new(key.pk, key.sk)
        .with(ENTITY, "access_key")
        .with("digest", digest)
        .with("ticket", number.to_string())
        .with("acting_as", acting_as.as_str())
        .with("email", email.as_str())
        .with("language", language.code())
}

/// An integration token, by the digest of its secret: what authentication
/// reads (see [`crate::accounts::api_tokens`]).
pub fn api_token_key(digest: &str) -> Key {
    Key::new(format!("APITOKEN#{digest}"), "#APITOKEN")
}

pub fn api_token_item(digest: &str, user: &UserId, epoch: u64, info: &crate::domain::TokenInfo) -> Item {
    let key = api_token_key(digest);
    Item::new(key.pk, key.sk)
        .with(ENTITY, "api_token")
        .with("user_id", user.as_str())
        .with("token_id", info.id.as_str())
        .with("session_epoch", epoch)
        .with(super::EXPIRES_AT, info.expires_at.unix_timestamp())
}

pub fn is_api_token_item(item: &Item) -> bool {
    is_entity(item, "api_token")
}

/// `(user, session epoch, expires_at)` of an integration token.
pub fn api_token_from_item(item: &Item) -> Result<(UserId, u64, i64), StoreError> {
    let corrupt = |what: &str| StoreError::Corrupt(format!("api token: {what}"));
    let user = UserId::parse(item.string("user_id")?).ok_or_else(|| corrupt("user id"))?;
    let epoch = item
        .get("session_epoch")
        .and_then(Value::as_u64)
        .ok_or_else(|| corrupt("epoch"))?;
    let expires_at = item
        .get(super::EXPIRES_AT)
        .and_then(Value::as_i64)
        .ok_or_else(|| corrupt("expiry"))?;
    Ok((user, epoch, expires_at))
}

pub const API_TOKEN_LISTING_PREFIX: &str = "APITOKEN#";

/// A bounded set's guard: an item whose sort key is exactly the set's
/// prefix, so it sorts first in the Query that counts the set, holding a
/// `version` every addition moves on. Two additions that counted the same
/// members cannot both commit (the 10 tokens of a person, the 20 files of
/// a ticket), with no extra round trip to read it.
pub fn guard_key(partition: String, prefix: &str) -> Key {
    Key::new(partition, prefix)
}

/// The version of the guard among a set's items (0 before the first addition).
pub fn guard_version(items: &[Item], prefix: &str) -> i64 {
    items
        .iter()
        .find(|item| is_guard(item, prefix))
        .and_then(|item| item.get("version").and_then(Value::as_i64))
        .unwrap_or(0)
}

pub fn is_guard(item: &Item, prefix: &str) -> bool {
    item.get(SK).and_then(Value::as_str) == Some(prefix)
}

/// The write that moves the guard from the version `read` to the next; it
/// fails its transaction if another addition moved it first.
pub fn guard_write(key: Key, read: i64) -> super::Write {
    super::Write::Update {
        key,
        set: serde_json::Map::from_iter([
            (ENTITY.to_owned(), Value::from("guard")),
            ("version".to_owned(), Value::from(read + 1)),
        ]),
        remove: vec![],
        condition: Some(super::Condition::AtMost("version".into(), read)),
    }
}

/// The guard of a user's token listing.
pub fn api_token_guard_key(user: &UserId) -> Key {
    guard_key(user_partition(user), API_TOKEN_LISTING_PREFIX)
}

/// The guard of a ticket's attachments.
pub fn attachment_guard_key(number: &TicketNumber) -> Key {
    guard_key(ticket_partition(number), ATTACHMENT_PREFIX)
}

/// The owner's entry for a token (name, dates, and the digest that revoking deletes).
pub fn api_token_listing_key(user: &UserId, token_id: &str) -> Key {
    Key::new(
        user_partition(user),
        format!("{API_TOKEN_LISTING_PREFIX}{token_id}"),
    )
}

pub fn api_token_listing_item(
    user: &UserId,
    digest: &str,
    epoch: u64,
    info: &crate::domain::TokenInfo,
) -> Result<Item, StoreError> {
    let key = api_token_listing_key(user, &info.id);
    // The facts as one attribute: `expires_at` at the top is the TTL (seconds).
    Ok(Item::new(key.pk, key.sk)
        .with(ENTITY, "api_token_listing")
        .with(
            "token",
            serde_json::to_value(info).map_err(|e| StoreError::Corrupt(e.to_string()))?,
        )
        .with("digest", digest)
        .with("session_epoch", epoch)
        .with(super::EXPIRES_AT, info.expires_at.unix_timestamp()))
}

/// The token's public facts, its digest, and the session epoch it was made in.
pub fn api_token_listing_from_item(
    item: &Item,
) -> Result<(crate::domain::TokenInfo, String, u64), StoreError> {
    let digest = item.string("digest")?.to_owned();
    let info = serde_json::from_value(item.get("token").cloned().unwrap_or_default())
        .map_err(|e| StoreError::Corrupt(format!("api token listing: {e}")))?;
    let epoch = item
        .get("session_epoch")
        .and_then(Value::as_u64)
        .ok_or_else(|| StoreError::Corrupt("api token listing without epoch".into()))?;
    Ok((info, digest, epoch))
}

/// What an `Idempotency-Key` created (see [`crate::idempotency`]).
pub fn idempotency_key(id: &str) -> Key {
    Key::new(format!("IDEMPOTENCY#{id}"), "#IDEMPOTENCY")
}

/// The `claim` of a finished idempotency record: no request holds it any
/// more, so no release can remove it.
pub const IDEMPOTENCY_DONE: &str = "done";

/// An idempotency record: claimed by one request (`claim`, held until
/// `lease_until`) and, once that request's work is stored, its `result`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyRecord {
    pub fingerprint: String,
    pub claim: String,
    pub lease_until: i64,
    pub result: Option<String>,
    pub expires_at: i64,
}

pub fn idempotency_item(id: &str, record: &IdempotencyRecord) -> Item {
    let key = idempotency_key(id);
    let item = Item::new(key.pk, key.sk)
        .with(ENTITY, "idempotency")
        .with("fingerprint", record.fingerprint.as_str())
        .with("claim", record.claim.as_str())
        .with("lease_until", record.lease_until)
        .with(super::EXPIRES_AT, record.expires_at);
    match &record.result {
        Some(result) => item.with("result", result.as_str()),
        None => item,
    }
}

pub fn idempotency_from_item(item: &Item) -> Result<IdempotencyRecord, StoreError> {
    let number = |name: &str| {
        item.get(name)
            .and_then(Value::as_i64)
            .ok_or_else(|| StoreError::Corrupt(format!("idempotency record without {name}")))
    };
    let result = item.get("result").and_then(Value::as_str).map(str::to_owned);
    // Records of before claims existed are finished ones: a result, no claim.
    let finished_before_claims = result.is_some() && item.get("claim").is_none();
    Ok(IdempotencyRecord {
        fingerprint: item.string("fingerprint")?.to_owned(),
        claim: if finished_before_claims {
            IDEMPOTENCY_DONE.to_owned()
        } else {
            item.string("claim")?.to_owned()
        },
        lease_until: if finished_before_claims {
            0
        } else {
            number("lease_until")?
        },
        result,
        expires_at: number(super::EXPIRES_AT)?,
    })
}

/// A solved guest challenge, kept until it expires so it is used once.
pub fn challenge_used_key(id: &str) -> Key {
    Key::new(format!("CHALLENGE#{id}"), "#USED")
}

/// The mark that a guest challenge was used, until it expires at `exp`.
pub fn challenge_used_item(id: &str, exp: i64) -> Item {
    let key = challenge_used_key(id);
    Item::new(key.pk, key.sk)
        .with(ENTITY, "challenge_used")
        .with(super::EXPIRES_AT, exp)
}

/// Points from a ticket to the access key of a person it was shared with by
/// email (no account), so removing them can revoke that key.
pub fn invitee_key(number: &TicketNumber, email: &crate::domain::Email) -> Key {
    Key::new(ticket_partition(number), format!("INVITEE#{email}"))
}

/// The pointer to the access key `access` that `email` holds to `number`,
/// acting as `acting_as`.
pub fn invitee_item(
    number: &TicketNumber,
    email: &crate::domain::Email,
    access: &Key,
    acting_as: &UserId,
) -> Item {
    let pointer = invitee_key(number, email);
    Item::new(pointer.pk, pointer.sk)
        .with(ENTITY, "invitee")
        .with("access_pk", access.pk.as_str())
        .with("access_sk", access.sk.as_str())
        .with("acting_as", acting_as.as_str())
}

/// Attachments live in their ticket's partition, after the events.
pub const ATTACHMENT_PREFIX: &str = "ATTACHMENT#";

pub fn attachment_key(number: &TicketNumber, id: &str) -> Key {
    Key::new(ticket_partition(number), format!("{ATTACHMENT_PREFIX}{id}"))
}

/// A pending attachment expires (`expires_at`) unless its upload is verified.
pub fn attachment_item(
    attachment: &crate::domain::Attachment,
    expires_at: Option<i64>,
) -> Result<Item, StoreError> {
    let mut item = entity_item(
        attachment_key(&attachment.ticket, &attachment.id),
        "attachment",
        to_attributes(attachment)?,
    );
    if let Some(at) = expires_at {
        item.0.insert(super::EXPIRES_AT.into(), at.into());
    }
    Ok(item)
}

pub fn attachment_from_item(item: &Item) -> Result<crate::domain::Attachment, StoreError> {
    from_item(item, "attachment")
}

/// All announcements share one small partition, ordered by end time.
pub const ANNOUNCEMENTS_PARTITION: &str = "ANNOUNCEMENTS";

pub fn announcement_item(announcement: &crate::domain::Announcement) -> Result<Item, StoreError> {
    let key = Key::new(
        ANNOUNCEMENTS_PARTITION,
        format!("{}#{}", sortable_time(announcement.ends_at), announcement.id),
    );
    let mut item = entity_item(key, "announcement", to_attributes(announcement)?);
    item.0.insert(
        super::EXPIRES_AT.into(),
        announcement.ends_at.unix_timestamp().into(),
    );
    Ok(item)
}

pub fn announcement_from_item(item: &Item) -> Result<crate::domain::Announcement, StoreError> {
    from_item(item, "announcement")
}
