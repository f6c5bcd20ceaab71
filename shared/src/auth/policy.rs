//! Authorization rules, in one place, as plain functions of the actor and
//! the resource. Handlers call these; they never decide access themselves.

use super::Actor;
use crate::Error;
use crate::domain::{OrganizationId, Ticket, UserId, Visibility};

/// Who may see a ticket: its requester, members of its organization unless
/// it is private, and support staff.
pub fn can_view_ticket(actor: &Actor, ticket: &Ticket) -> bool {
    match actor {
        Actor::Agent { .. } => true,
        Actor::Customer { user, organization } => {
            ticket.requester_id == *user
                || (ticket.organization_id == *organization && ticket.visibility == Visibility::Organization)
        }
    }
}

/// Customers open tickets for themselves, in their organization.
pub fn requester_of_new_ticket(actor: &Actor) -> Result<(UserId, OrganizationId), Error> {
    match actor {
        Actor::Customer { user, organization } => Ok((user.clone(), organization.clone())),
        Actor::Agent { .. } => Err(Error::Forbidden(
            "support staff cannot open tickets as a customer; ask the customer to open it".into(),
        )),
    }
}

/// Customer ticket lists (`GET /tickets`) are for customers; staff work the queue.
pub fn customer_lists(actor: &Actor) -> Result<(UserId, OrganizationId), Error> {
    match actor {
        Actor::Customer { user, organization } => Ok((user.clone(), organization.clone())),
        Actor::Agent { .. } => Err(Error::Forbidden(
            "ticket lists are for customers; support staff use the support queue".into(),
        )),
    }
}

/// Administration (organizations, invitations) is for support staff.
pub fn require_agent(actor: &Actor) -> Result<&UserId, Error> {
    match actor {
        Actor::Agent { user } => Ok(user),
        Actor::Customer { .. } => Err(Error::Forbidden("only support staff can do this".into())),
    }
}
