//! `PATCH /tickets/{number}`: status, priority, assignee, escalation, visibility.

use serde::Deserialize;

use crate::accounts::get_user;
use crate::auth::policy;
use crate::domain::{
    Actor, EventKind, OptionalText, Priority, Role, Status, Ticket, TicketNumber, UserId, Visibility,
};
use crate::tickets;
use crate::{App, Error, Result};

use super::unit_of_work::*;

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
