//! Sharing a ticket with people by address, and taking them off it.

use serde::Deserialize;

use crate::accounts::find_user_by_email;
use crate::auth::policy;
use crate::domain::{Actor, Email, EventKind, Role, Ticket, TicketNumber};
use crate::store::Write;
use crate::store::model;
use crate::tickets;
use crate::{App, Error, Result};

use super::notes::Addresses;
use super::unit_of_work::*;

/// Most participants (and invited addresses) a ticket may have.
pub const MAX_PARTICIPANTS: usize = 20;

/// The body of `POST /tickets/{number}/participants`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShareRequest {
    pub emails: Addresses,
}

/// Shares the ticket with people by email: existing customers become
/// participants (it appears in their lists); anyone else gets an access
/// link to this ticket alone, like a guest.
pub async fn share(app: &App, actor: &Actor, number: &TicketNumber, request: ShareRequest) -> Result<Ticket> {
    let emails = request.emails.parse("emails")?;
    if emails.is_empty() {
        return Err(Error::invalid("emails", "name at least one address"));
    }
    let mut customers = Vec::new();
    let mut others = Vec::new();
    for email in emails {
        match find_user_by_email(app, &email).await? {
            Some(user) if user.role == Role::Customer => {
                customers.push((user.id, user.organization_id, email))
            }
            Some(_) => {
                return Err(Error::invalid(
                    "emails",
                    format!("{email} is support staff and sees every ticket"),
                ));
            }
            None => {
                let holder = crate::guest::keys::invitee_id(app, number, &email).await?;
                others.push((email, holder));
            }
        }
    }
    let apply = |ticket: &mut Ticket| {
        policy::may_share(actor, ticket)?;
        let mut kinds = Vec::new();
        for (user, organization, email) in &customers {
            // Participants see the ticket as colleagues do: only within its organization.
            if organization.is_none() || *organization != ticket.organization_id {
                return Err(Error::invalid(
                    "emails",
                    format!(
                        "{email} belongs to another organization; share with people of yours, or with addresses that have no account"
                    ),
                ));
            }
            if *user != ticket.requester_id && !ticket.participants.contains(user) {
                ticket.participants.push(user.clone());
                kinds.push(EventKind::ParticipantAdded { email: email.clone() });
            }
        }
        for (email, holder) in &others {
            if !ticket.invitees.contains(holder) {
                ticket.invitees.push(holder.clone());
            }
            kinds.push(EventKind::ParticipantAdded { email: email.clone() });
        }
        if ticket.participants.len() + ticket.invitees.len() > MAX_PARTICIPANTS {
            return Err(Error::invalid(
                "emails",
                format!("a ticket has at most {MAX_PARTICIPANTS} participants"),
            ));
        }
        Ok(kinds)
    };
    let (ticket, _) = change(app, actor, number, &apply, &[], &no_extra_writes).await?;
    for (email, holder) in &others {
        crate::guest::keys::invite(app, &ticket, email, holder).await?;
    }
    Ok(tickets::ticket_as_seen_by(ticket, actor))
}

/// Removes a participant (customer or invited address): they lose access at once.
pub async fn remove_participant(
    app: &App,
    actor: &Actor,
    number: &TicketNumber,
    email: &str,
) -> Result<Ticket> {
    let email = Email::field("email", email)?;
    let user = find_user_by_email(app, &email).await?.map(|u| u.id);
    let invitation = crate::guest::keys::invitation_of(app, number, &email).await?;
    let removed_user = user.clone();
    let removed_holder = invitation.as_ref().map(|i| i.holder.clone());
    let apply = |ticket: &mut Ticket| {
        policy::may_share(actor, ticket)?;
        let before = ticket.participants.len() + ticket.invitees.len();
        if let Some(user) = &removed_user {
            ticket.participants.retain(|p| p != user);
        }
        // Every key this address holds dies with this: keys work only for
        // the holders the ticket lists.
        if let Some(holder) = &removed_holder {
            ticket.invitees.retain(|p| p != holder);
        }
        if ticket.participants.len() + ticket.invitees.len() == before {
            return Err(Error::NotFound("participant"));
        }
        Ok(vec![EventKind::ParticipantRemoved { email: email.clone() }])
    };
    let number_for_writes = *number;
    let writes = move |_: &Ticket| {
        let mut writes = Vec::new();
        if let Some(user) = &user {
            writes.push(Write::Delete {
                key: model::shared_copy_key(&number_for_writes, user),
                condition: None,
            });
        }
        // Tidying up: the pointer and the key it names (a key rotated
        // meanwhile is dead all the same, its holder being unlisted).
        if let Some(invitation) = &invitation {
            for key in [&invitation.pointer, &invitation.key] {
                writes.push(Write::Delete {
                    key: key.clone(),
                    condition: None,
                });
            }
        }
        Ok(writes)
    };
    let (ticket, _) = change(app, actor, number, &apply, &[], &writes).await?;
    Ok(tickets::ticket_as_seen_by(ticket, actor))
}
