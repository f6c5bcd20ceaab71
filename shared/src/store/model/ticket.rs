//! The ticket aggregate's items: the ticket with its list and queue
//! entries, participants' copies, and history events.

use serde::Deserialize;
use serde_json::Value;

use super::keys::{
    EVENT_PREFIX, QUEUE_INDEX, TICKET_SK, TicketList, event_key, queue_partition, shared_copy_key,
    sortable_time, ticket_key, ticket_list_partition,
};
use super::{Attributes, Item, SK, StoreError, from_item, record_item, to_attributes};
use crate::domain::{QueueEntry, Status, StatusClass, Ticket, TicketEvent, TicketNumber, UserId, Visibility};
use crate::store::{Condition, Write};

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

/// A ticket's position in the support queue: oldest waiting first.
fn queue_sort(ticket: &Ticket) -> String {
    format!("{}#{}", sortable_time(ticket.waiting_since), ticket.number)
}

/// The ticket item with its index entries: the requester's lists always, the
/// organization's lists only while the ticket is visible to the organization,
/// and the support queue (oldest waiting first).
pub fn ticket_item(ticket: &Ticket) -> Result<Item, StoreError> {
    let mut item = record_item(ticket_key(&ticket.number), "ticket", ticket)?;
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
    item.0
        .insert(QUEUE_INDEX.sk_attr().into(), queue_sort(ticket).into());
    Ok(item)
}

/// The times a note changes on the ticket item, and its queue position,
/// as an update that leaves everything else alone; only if the status is
/// still `status` (a completed ticket needs the full change, which reopens).
pub fn ticket_touch_write(ticket: &Ticket, status: Status) -> Result<Write, StoreError> {
    let mut set = touched_times(ticket)?;
    set.insert(QUEUE_INDEX.sk_attr().into(), queue_sort(ticket).into());
    Ok(Write::Update {
        key: ticket_key(&ticket.number),
        set,
        remove: vec![],
        condition: Some(Condition::Equals(
            "status".into(),
            serde_json::to_value(status).map_err(|e| StoreError::Invalid(e.to_string()))?,
        )),
    })
}

/// The same for a participant's copy, if it still exists.
pub fn shared_copy_touch_write(ticket: &Ticket, participant: &UserId) -> Result<Write, StoreError> {
    Ok(Write::Update {
        key: shared_copy_key(&ticket.number, participant),
        set: touched_times(ticket)?,
        remove: vec![],
        condition: Some(Condition::Exists),
    })
}

fn touched_times(ticket: &Ticket) -> Result<Attributes, StoreError> {
    let all = to_attributes(ticket)?;
    Ok(["updated_at", "waiting_since"]
        .into_iter()
        .filter_map(|name| all.get(name).map(|v| (name.to_owned(), v.clone())))
        .collect())
}

/// A participant's copy: the ticket, in the participant's own lists.
pub fn shared_copy_item(ticket: &Ticket, participant: &UserId) -> Result<Item, StoreError> {
    let mut item = record_item(shared_copy_key(&ticket.number, participant), "ticket", ticket)?;
    list_entries(&mut item, ticket, &TicketList::Requester(participant.clone()));
    Ok(item)
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

pub fn is_event_item(item: &Item) -> bool {
    item.get(SK)
        .and_then(Value::as_str)
        .is_some_and(|sk| sk.starts_with(EVENT_PREFIX))
}

/// A history event, under the ticket's partition.
pub fn event_item(number: &TicketNumber, event: &TicketEvent) -> Result<Item, StoreError> {
    record_item(event_key(number, event.at, &event.id), "event", event)
}

pub fn event_from_item(item: &Item) -> Result<TicketEvent, StoreError> {
    from_item(item, "event")
}
