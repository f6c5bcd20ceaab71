//! Authorization rules, in one place, as plain functions of the actor and
//! the resource. Handlers call these; they never decide access themselves.

use super::Actor;
use crate::Error;
use crate::domain::{OrganizationId, Status, StatusClass, Ticket, TicketEvent, UserId, Visibility};

/// Who may see a ticket: its requester and participants, members of its
/// organization unless it is private, support staff, and a guest holding
/// that ticket's key who is its requester or still invited to it.
pub fn can_view_ticket(actor: &Actor, ticket: &Ticket) -> bool {
    match actor {
        Actor::Agent { .. } => true,
        Actor::Guest {
            ticket: number,
            acting_as,
            ..
        } => {
            *number == ticket.number
                && (ticket.requester_id == *acting_as || ticket.invitees.contains(acting_as))
        }
        Actor::Customer { user, organization } => {
            ticket.requester_id == *user
                || ticket.participants.contains(user)
                || (ticket.organization_id.as_ref() == Some(organization)
                    && ticket.visibility == Visibility::Organization)
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
        Actor::Guest { .. } => Err(Error::Forbidden(
            "an access key opens one ticket; submit a new request as a guest instead".into(),
        )),
    }
}

/// Adding to a ticket's conversation: whoever may see it.
pub fn can_comment_on_ticket(actor: &Actor, ticket: &Ticket) -> bool {
    can_view_ticket(actor, ticket)
}

/// Internal notes are written and read by support staff only.
pub fn can_see_event(actor: &Actor, event: &TicketEvent) -> bool {
    matches!(actor, Actor::Agent { .. }) || !event.kind.is_internal()
}

/// A ticket's contact details (phone, address) are for support to reach the
/// requester: colleagues, participants and invited people do not see them.
pub fn can_see_contact(actor: &Actor, ticket: &Ticket) -> bool {
    matches!(actor, Actor::Agent { .. }) || actor.user() == &ticket.requester_id
}

pub fn may_write_internal(actor: &Actor) -> Result<(), Error> {
    match actor {
        Actor::Agent { .. } => Ok(()),
        _ => Err(Error::Forbidden(
            "only support staff can write internal notes".into(),
        )),
    }
}

/// Support moves a ticket through the whole workflow; the customer side
/// (requester, participants, colleagues who see it, a guest with the key)
/// can close it and reopen it.
pub fn may_set_status(actor: &Actor, ticket: &Ticket, to: Status) -> Result<(), Error> {
    let reopen = to == Status::Open && ticket.status.class() == StatusClass::Completed;
    match actor {
        Actor::Agent { .. } => Ok(()),
        _ if to == Status::Closed || reopen => Ok(()),
        _ => Err(Error::Forbidden(
            "customers can close a ticket or reopen a completed one; support sets the other statuses".into(),
        )),
    }
}

/// Priority, assignee and escalation are support decisions.
pub fn may_triage(actor: &Actor) -> Result<(), Error> {
    match actor {
        Actor::Agent { .. } => Ok(()),
        _ => Err(Error::Forbidden(
            "priority, assignee and escalation are set by support; add a note to ask for a change".into(),
        )),
    }
}

/// Visibility and sharing belong to the requester (and support).
pub fn may_share(actor: &Actor, ticket: &Ticket) -> Result<(), Error> {
    match actor {
        Actor::Agent { .. } => Ok(()),
        Actor::Customer { user, .. } if *user == ticket.requester_id => Ok(()),
        _ => Err(Error::Forbidden(
            "only the person who opened the ticket can change who sees it".into(),
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
        Actor::Guest { .. } => Err(Error::Forbidden(
            "an access key opens one ticket, not lists".into(),
        )),
    }
}

/// Administration (organizations, invitations) is for support staff.
pub fn require_agent(actor: &Actor) -> Result<&UserId, Error> {
    match actor {
        Actor::Agent { user } => Ok(user),
        Actor::Customer { .. } | Actor::Guest { .. } => {
            Err(Error::Forbidden("only support staff can do this".into()))
        }
    }
}

#[cfg(all(test, feature = "test-support"))]
mod tests {
    use super::*;
    use crate::domain::{Contact, Description, NewTicket, Priority, RequestType, TicketNumber, Title};
    use crate::testing::{T0, agent, customer};

    fn ticket(number: &str, requester: &str, organization: Option<&str>, visibility: Visibility) -> Ticket {
        let new = NewTicket {
            request_type: RequestType::Question,
            priority: Priority::Normal,
            title: Title::parse("title", "t").unwrap(),
            description: Description::parse("description", "d").unwrap(),
            product: None,
            serial_number: None,
            contact: Contact::default(),
            visibility,
        };
        Ticket::open(
            number.parse().unwrap(),
            new,
            UserId::parse(requester).unwrap(),
            organization.map(|o| OrganizationId::parse(o).unwrap()),
            T0,
        )
    }

    fn guest(requester: &str, number: &str) -> Actor {
        Actor::Guest {
            acting_as: UserId::parse(requester).unwrap(),
            ticket: number.parse::<TicketNumber>().unwrap(),
            email: None,
        }
    }

    #[test]
    fn who_sees_which_ticket() {
        let shared = ticket("T20261122.0001", "ann", Some("acme"), Visibility::Organization);
        let private = ticket("T20261122.0002", "ann", Some("acme"), Visibility::Private);
        let guest_ticket = ticket("T20261122.0003", "gina", None, Visibility::Private);
        let other_guest_ticket = ticket("T20261122.0004", "gina", None, Visibility::Private);
        let cases = [
            (customer("ann", "acme"), [true, true, false, false]),
            (customer("bob", "acme"), [true, false, false, false]),
            (customer("eve", "globex"), [false, false, false, false]),
            (agent("sam"), [true, true, true, true]),
            // The key of ticket 3 opens ticket 3 only, not the same guest's ticket 4.
            (guest("gina", "T20261122.0003"), [false, false, true, false]),
            // Even a guest id equal to a requester's opens nothing else; and
            // a key of ticket 3 held by someone neither its requester nor
            // invited to it (removed since) opens nothing at all.
            (guest("ann", "T20261122.0003"), [false, false, false, false]),
        ];
        for (actor, expected) in cases {
            for (ticket, can) in [&shared, &private, &guest_ticket, &other_guest_ticket]
                .into_iter()
                .zip(expected)
            {
                assert_eq!(
                    can_view_ticket(&actor, ticket),
                    can,
                    "{actor:?} on {}",
                    ticket.number
                );
                assert_eq!(
                    can_comment_on_ticket(&actor, ticket),
                    can,
                    "{actor:?} on {}",
                    ticket.number
                );
            }
        }
        // Invited by address: the key works while the holder is listed.
        let mut invited = guest_ticket.clone();
        invited.invitees.push(UserId::parse("ivy").unwrap());
        assert!(can_view_ticket(&guest("ivy", "T20261122.0003"), &invited));
        assert!(!can_view_ticket(&guest("ivy", "T20261122.0003"), &guest_ticket));
    }

    #[test]
    fn guests_open_no_lists_no_new_tickets_and_no_administration() {
        let gina = guest("gina", "T20261122.0003");
        assert!(matches!(requester_of_new_ticket(&gina), Err(Error::Forbidden(_))));
        assert!(matches!(customer_lists(&gina), Err(Error::Forbidden(_))));
        assert!(matches!(require_agent(&gina), Err(Error::Forbidden(_))));
        assert!(require_agent(&agent("sam")).is_ok());
        assert!(matches!(
            require_agent(&customer("ann", "acme")),
            Err(Error::Forbidden(_))
        ));
    }
}
