//! Ticket use cases: open, list, read. Each checks who is asking through
//! [`crate::auth::policy`] and touches the store through the model only.

use serde::{Deserialize, Serialize};

use crate::auth::policy;
use crate::domain::{
    Actor, Contact, Description, Email, EventKind, NewTicket, OptionalText, Priority, RequestType,
    StatusClass, Ticket, TicketEvent, TicketNumber, TicketSummary, Title, Visibility,
};
use crate::idempotency::{self, Failed, Once, RequestKey};
use crate::store::model::{self, TicketList};
use crate::store::{self, Condition, Index, Item, Position, Query, StoreError, Write};
use crate::{App, Error, Result};

/// The body of `POST /tickets`, before validation.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpenTicketRequest {
    pub request_type: RequestType,
    #[serde(default = "default_priority")]
    pub priority: Priority,
    pub title: String,
    pub description: String,
    pub product: Option<String>,
    pub serial_number: Option<String>,
    pub contact_name: Option<String>,
    pub contact_email: Option<String>,
    pub contact_phone: Option<String>,
    #[serde(default = "default_visibility")]
    pub visibility: Visibility,
}

fn default_priority() -> Priority {
    Priority::Normal
}

fn default_visibility() -> Visibility {
    Visibility::Organization
}

impl OpenTicketRequest {
    pub fn validate(self) -> Result<NewTicket> {
        Ok(NewTicket {
            request_type: self.request_type,
            priority: self.priority,
            title: Title::parse("title", &self.title)?,
            description: Description::parse("description", &self.description)?,
            product: OptionalText::optional("product", self.product)?,
            serial_number: OptionalText::optional("serial_number", self.serial_number)?,
            contact: Contact {
                name: OptionalText::optional("contact_name", self.contact_name)?,
                email: self
                    .contact_email
                    .filter(|v| !v.trim().is_empty())
                    .map(|v| Email::field("contact_email", &v))
                    .transpose()?,
                phone: OptionalText::optional("contact_phone", self.contact_phone)?,
                company: None,
            },
            visibility: self.visibility,
        })
    }
}

/// A ticket with its history, oldest event first.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TicketDetail {
    #[serde(flatten)]
    pub ticket: Ticket,
    pub history: Vec<TicketEvent>,
}

pub(crate) fn invalid_cursor() -> Error {
    Error::BadRequest("the cursor is invalid; start again from the first page (omit `cursor`)".into())
}

/// Allocates the next number of `now`'s day (one atomic counter update).
pub async fn next_number(app: &App, now: time::OffsetDateTime) -> Result<TicketNumber> {
    let date = now.date();
    let sequence = app
        .store
        .increment(&model::ticket_counter_key(date), model::COUNTER_VALUE, 1, None)
        .await?;
    u32::try_from(sequence)
        .ok()
        .and_then(|s| TicketNumber::new(date, s))
        .ok_or_else(|| Error::Unavailable(format!("ticket sequence for {date} is exhausted")))
}

/// A new ticket with its creation event, and the writes that store both
/// (to be applied in one transaction, possibly with more writes).
pub fn creation(app: &App, ticket: Ticket) -> Result<(TicketDetail, Vec<Write>)> {
    let created = TicketEvent {
        id: app.ids.new_id(),
        at: ticket.created_at,
        actor_id: ticket.requester_id.clone(),
        kind: EventKind::Created {
            status: ticket.status,
            priority: ticket.priority,
        },
    };
    let writes = vec![
        Write::Put {
            item: model::ticket_item(&ticket)?,
            condition: Some(Condition::NotExists),
        },
        Write::Put {
            item: model::event_item(&ticket.number, &created)?,
            condition: Some(Condition::NotExists),
        },
    ];
    Ok((
        TicketDetail {
            ticket,
            history: vec![created],
        },
        writes,
    ))
}

/// Opens a ticket: allocates the day's next number, then writes the ticket
/// and its creation event in one transaction (both or neither).
pub async fn open(app: &App, actor: &Actor, new: NewTicket) -> Result<TicketDetail> {
    let (detail, writes) = prepare_open(app, actor, new).await?;
    app.store.transact(writes).await?;
    Ok(detail)
}

async fn prepare_open(app: &App, actor: &Actor, new: NewTicket) -> Result<(TicketDetail, Vec<Write>)> {
    let (requester, organization) = policy::requester_of_new_ticket(actor)?;
    let now = app.clock.now();
    let number = next_number(app, now).await?;
    creation(app, Ticket::open(number, new, requester, Some(organization), now))
}

/// Opens a ticket at most once per caller and `key`: a retry of the same
/// request gets the ticket the first one opened. The key is claimed before
/// the number is drawn, so duplicates sent at once never use up numbers;
/// the record is written in the ticket's transaction.
pub async fn open_once(
    app: &App,
    actor: &Actor,
    new: NewTicket,
    key: RequestKey,
) -> Result<Once<TicketDetail>> {
    policy::requester_of_new_ticket(actor)?;
    let work = |key: Option<RequestKey>| async move {
        let (detail, mut writes) = prepare_open(app, actor, new).await?;
        let record_index = writes.len();
        writes.extend(key.map(|key| key.record(app, &detail.ticket.number.to_string())));
        match app.store.transact(writes).await {
            Ok(()) => Ok(detail),
            Err(StoreError::TransactionConditionFailed(index)) if index == record_index => {
                Err(Failed::ClaimLost)
            }
            Err(err) => Err(err.into()),
        }
    };
    idempotency::once(app, Some(key), work, |number| replay(app, actor, number)).await
}

async fn replay(app: &App, actor: &Actor, number: String) -> Result<TicketDetail> {
    let number: TicketNumber = number
        .parse()
        .map_err(|_| Error::Internal(format!("idempotency record names no ticket: {number}")))?;
    get(app, actor, &number).await
}

/// Reads a ticket and its whole history in one Query (more only for very
/// long histories). Answers `NotFound` both when it does not exist and when
/// the caller may not see it, so existence is never revealed.
pub async fn get(app: &App, actor: &Actor, number: &TicketNumber) -> Result<TicketDetail> {
    let detail = load(app, number).await?.ok_or(Error::NotFound("ticket"))?;
    if !policy::can_view_ticket(actor, &detail.ticket) {
        return Err(Error::NotFound("ticket"));
    }
    Ok(detail.as_seen_by(actor))
}

impl TicketDetail {
    /// The ticket without what `actor` may not see: internal notes, and the
    /// requester's contact details unless they are support or the requester.
    pub fn as_seen_by(mut self, actor: &Actor) -> Self {
        self.history.retain(|event| policy::can_see_event(actor, event));
        self.ticket = ticket_as_seen_by(self.ticket, actor);
        self
    }
}

/// The ticket without the requester's contact details, unless `actor` is
/// support or the requester.
pub fn ticket_as_seen_by(mut ticket: Ticket, actor: &Actor) -> Ticket {
    if !policy::can_see_contact(actor, &ticket) {
        ticket.contact = Contact::default();
    }
    ticket
}

/// The ticket and its history, without any access check: callers decide.
pub(crate) async fn load(app: &App, number: &TicketNumber) -> Result<Option<TicketDetail>> {
    let mut query = Query::partition(None, model::ticket_partition(number));
    query.limit = 1000;
    let items = store::query_all(app.store.as_ref(), query).await?;
    let Some(first) = items.first().filter(|i| model::is_ticket_item(i)) else {
        return Ok(None);
    };
    let ticket = model::ticket_from_item(first)?;
    let history = items
        .iter()
        .filter(|item| model::is_event_item(item))
        .map(model::event_from_item)
        .collect::<std::result::Result<_, _>>()?;
    Ok(Some(TicketDetail { ticket, history }))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// Tickets the caller opened.
    Mine,
    /// Tickets of the caller's organization that are not private.
    Organization,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StatusFilter {
    Open,
    Completed,
    All,
}

#[derive(Debug, Clone)]
pub struct ListRequest {
    pub scope: Scope,
    pub status: StatusFilter,
    /// Words that must all start a word of the title, or a ticket number.
    pub search: Option<String>,
    pub cursor: Option<String>,
    pub limit: u32,
}

impl ListRequest {
    pub const DEFAULT_LIMIT: u32 = 25;
    pub const MAX_LIMIT: u32 = 100;
    pub const MAX_SEARCH_LEN: usize = 200;
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ListPage {
    pub tickets: Vec<TicketSummary>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// What a cursor carries: the list it belongs to (checked on use) and where
/// the previous page ended.
#[derive(Debug, Serialize, Deserialize, PartialEq)]
pub(crate) struct ListCursor {
    pub index: Index,
    pub partition: String,
    /// The search words or filters the list was narrowed by.
    pub search: Option<String>,
    pub after: Position,
}

impl ListCursor {
    /// Where to resume the list `(index, partition, search)` from `raw`,
    /// refusing cursors of any other list.
    pub fn resume(
        app: &App,
        raw: Option<&str>,
        index: Index,
        partition: &str,
        search: Option<&str>,
    ) -> Result<Option<Position>> {
        let Some(raw) = raw else {
            return Ok(None);
        };
        let cursor: ListCursor = app.keys()?.cursors.decode(raw).ok_or_else(invalid_cursor)?;
        if cursor.index != index || cursor.partition != partition || cursor.search.as_deref() != search {
            return Err(Error::BadRequest(
                "the cursor belongs to another list; start again from the first page (omit `cursor`)".into(),
            ));
        }
        Ok(Some(cursor.after))
    }

    /// The cursor of the next page, if there may be one.
    pub fn next(
        app: &App,
        index: Index,
        partition: String,
        search: Option<&str>,
        last: Option<Position>,
        more: bool,
    ) -> Result<Option<String>> {
        Ok(match (more, last) {
            (true, Some(after)) => Some(app.keys()?.cursors.encode(&ListCursor {
                index,
                partition,
                search: search.map(str::to_owned),
                after,
            })),
            _ => None,
        })
    }
}

/// How many items a search may read per request before it returns what it
/// found with a cursor, so a rare word cannot make one request read a whole list.
const SEARCH_READ_BUDGET: u32 = 500;

/// Lower-cased words: runs of letters and digits.
fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// Every search word starts some word of the title ("print" finds "Printer jams").
fn title_matches(search: &[String], title: &str) -> bool {
    let title = words(title);
    search
        .iter()
        .all(|s| title.iter().any(|t| t.starts_with(s.as_str())))
}

/// Lists the caller's own or organization tickets, newest first, a page at a
/// time. Without a search, a page is exactly one Query.
pub async fn list(app: &App, actor: &Actor, request: ListRequest) -> Result<ListPage> {
    let (user, organization) = policy::customer_lists(actor)?;
    let search = request.search.as_deref().map(str::trim).filter(|s| !s.is_empty());
    if let Some(s) = search {
        if s.chars().count() > ListRequest::MAX_SEARCH_LEN {
            return Err(Error::invalid(
                "q",
                format!("must be at most {} characters", ListRequest::MAX_SEARCH_LEN),
            ));
        }
        // A ticket number is looked up directly (and only shown if visible and in scope).
        if let Ok(number) = s.parse::<TicketNumber>() {
            return find_by_number(app, actor, &request, &number).await;
        }
    }

    let list = match request.scope {
        Scope::Mine => TicketList::Requester(user),
        Scope::Organization => TicketList::Organization(organization),
    };
    let class = match request.status {
        StatusFilter::Open => Some(StatusClass::Open),
        StatusFilter::Completed => Some(StatusClass::Completed),
        StatusFilter::All => None,
    };
    let (index, partition) = model::ticket_list_partition(&list, class);
    let start_after = ListCursor::resume(app, request.cursor.as_deref(), index, &partition, search)?;
    let limit = request.limit.clamp(1, ListRequest::MAX_LIMIT);
    let words = search.map(words).unwrap_or_default();

    let read_limit = if words.is_empty() {
        limit
    } else {
        ListRequest::MAX_LIMIT
    };
    let scan = Scan {
        index,
        partition: partition.clone(),
        ascending: false,
        start_after,
        limit,
        read_limit,
    };
    let (found, last, more) = scan
        .run(app, model::ticket_from_item, |t: &Ticket| {
            title_matches(&words, t.title.as_str())
        })
        .await?;
    let tickets = found.iter().map(Ticket::summary).collect();
    let next_cursor = ListCursor::next(app, index, partition, search, last, more)?;
    Ok(ListPage { tickets, next_cursor })
}

/// One page of a ticket list (an index partition), keeping the tickets
/// `keep` accepts. Reads pages of `read_limit` until `limit` tickets are
/// kept, the list ends, or [`SEARCH_READ_BUDGET`] items were read; then
/// says where it stopped and whether more may follow.
pub(crate) struct Scan {
    pub index: Index,
    pub partition: String,
    pub ascending: bool,
    pub start_after: Option<Position>,
    pub limit: u32,
    pub read_limit: u32,
}

impl Scan {
    /// `parse` reads a row from an item of the index (a whole ticket, or
    /// the queue's projection of one).
    pub async fn run<T>(
        self,
        app: &App,
        parse: impl Fn(&Item) -> std::result::Result<T, StoreError>,
        keep: impl Fn(&T) -> bool,
    ) -> Result<(Vec<T>, Option<Position>, bool)> {
        let mut query = Query {
            index: Some(self.index),
            partition: self.partition,
            sort_prefix: String::new(),
            ascending: self.ascending,
            limit: self.read_limit,
            start_after: self.start_after,
        };
        let mut tickets = Vec::new();
        let mut read = 0;
        let mut last: Option<Position> = None;
        let more = loop {
            let page = app.store.query(&query).await?;
            read += page.items.len() as u32;
            let mut stopped_early = false;
            for (i, item) in page.items.iter().enumerate() {
                let ticket = parse(item)?;
                last = Some(Position::of(item, Some(self.index))?);
                if keep(&ticket) {
                    tickets.push(ticket);
                }
                if tickets.len() as u32 == self.limit {
                    stopped_early = i + 1 < page.items.len();
                    break;
                }
            }
            let exhausted = !page.more && !stopped_early;
            if exhausted || tickets.len() as u32 == self.limit || read >= SEARCH_READ_BUDGET {
                break !exhausted;
            }
            query.start_after = last.clone();
        };
        Ok((tickets, last, more))
    }
}

async fn find_by_number(
    app: &App,
    actor: &Actor,
    request: &ListRequest,
    number: &TicketNumber,
) -> Result<ListPage> {
    let found = match app.store.get(&model::ticket_key(number)).await? {
        Some(item) => Some(model::ticket_from_item(&item)?),
        None => None,
    };
    let in_scope = |t: &Ticket| {
        let status_ok = match request.status {
            StatusFilter::Open => t.status.class() == StatusClass::Open,
            StatusFilter::Completed => t.status.class() == StatusClass::Completed,
            StatusFilter::All => true,
        };
        let scope_ok = match (request.scope, actor) {
            (Scope::Mine, actor) => t.requester_id == *actor.user(),
            (Scope::Organization, Actor::Customer { organization, .. }) => {
                t.organization_id.as_ref() == Some(organization) && t.visibility == Visibility::Organization
            }
            (Scope::Organization, Actor::Agent { .. } | Actor::Guest { .. }) => false,
        };
        status_ok && scope_ok && policy::can_view_ticket(actor, t)
    };
    Ok(ListPage {
        tickets: found.filter(in_scope).map(|t| t.summary()).into_iter().collect(),
        next_cursor: None,
    })
}
