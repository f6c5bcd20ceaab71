//! Who people are: the names a ticket's page shows (requester, assignee,
//! organization, the author of each event), and the support directory of
//! agents and organizations that support's pickers offer.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::auth::policy;
use crate::domain::{Actor, Email, EventKind, Organization, OrganizationId, Role, User, UserId};
use crate::store::{self, Index, Query, model};
use crate::tickets::TicketDetail;
use crate::{App, Result};

/// Which side of the desk someone is on, as a ticket's page labels them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    Customer,
    Support,
    /// No account: a guest requester, or someone a ticket was shared with by
    /// address.
    Guest,
}

/// How one person appears on a ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Person {
    /// `None` when nobody told us (someone invited by address).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub side: Side,
    /// Only support sees addresses: customers and guests see names.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<Email>,
}

/// A ticket as its page shows it: the ticket and history, with the names
/// behind the ids.
#[derive(Debug, Clone, Serialize)]
pub struct TicketView {
    #[serde(flatten)]
    pub detail: TicketDetail,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organization_name: Option<String>,
    /// Everyone the ticket and its visible history mention, by user id.
    pub people: BTreeMap<UserId, Person>,
}

/// Names everyone `detail` mentions, in one batch read (users and the
/// organization together). `detail` is already filtered for `viewer`.
pub async fn ticket_view(app: &App, viewer: &Actor, detail: TicketDetail) -> Result<TicketView> {
    let ticket = &detail.ticket;
    let assigned = detail.history.iter().filter_map(|event| match &event.kind {
        EventKind::Assigned { to } => to.as_ref(),
        _ => None,
    });
    let ids: BTreeSet<&UserId> = std::iter::once(&ticket.requester_id)
        .chain(&ticket.assignee_id)
        .chain(&ticket.participants)
        .chain(detail.history.iter().map(|event| &event.actor_id))
        .chain(assigned)
        .collect();
    let mut keys: Vec<_> = ids.iter().map(|id| model::user_key(id)).collect();
    keys.extend(ticket.organization_id.as_ref().map(model::organization_key));
    let items = app.store.get_many(&keys).await?;

    let support_viewer = matches!(viewer, Actor::Agent { .. });
    let mut people = BTreeMap::new();
    let mut organization_name = None;
    for item in &items {
        if model::is_organization_item(item) {
            let organization: Organization = model::organization_from_item(item)?;
            organization_name = Some(organization.name.to_string());
        } else if model::is_user_item(item) {
            let user: User = model::user_from_item(item)?;
            let person = Person {
                name: Some(user.display_name()),
                side: match user.role {
                    Role::Agent => Side::Support,
                    Role::Customer => Side::Customer,
                },
                email: support_viewer.then(|| user.email.clone()),
            };
            people.insert(user.id, person);
        }
    }
    // Ids without an account: a guest requester is named by the ticket's
    // contact details; others (invited by address) stay unnamed guests.
    for id in ids {
        people.entry(id.clone()).or_insert_with(|| {
            let requester = *id == ticket.requester_id;
            Person {
                name: requester
                    .then(|| ticket.contact.name.as_ref().map(ToString::to_string))
                    .flatten(),
                side: Side::Guest,
                email: (requester && support_viewer)
                    .then(|| ticket.contact.email.clone())
                    .flatten(),
            }
        });
    }
    Ok(TicketView {
        detail,
        organization_name,
        people,
    })
}

/// One entry of the support directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Listed<Id> {
    pub id: Id,
    pub name: String,
}

/// Every agent and organization, by name: support's assignee and
/// organization pickers.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SupportDirectory {
    pub agents: Vec<Listed<UserId>>,
    pub organizations: Vec<Listed<OrganizationId>>,
}

/// Reads the directory partition (one Query per 1,000 entries). Support only.
pub async fn support_directory(app: &App, actor: &Actor) -> Result<SupportDirectory> {
    policy::require_agent(actor)?;
    let mut query = Query::partition(Some(Index::Gsi5), model::DIRECTORY_PARTITION);
    query.limit = 1000;
    let mut directory = SupportDirectory::default();
    for item in &store::query_all(app.store.as_ref(), query).await? {
        if let Some((id, name)) = model::agent_card_from_item(item) {
            directory.agents.push(Listed { id, name });
        } else if model::is_organization_item(item) {
            let organization: Organization = model::organization_from_item(item)?;
            directory.organizations.push(Listed {
                name: organization.name.to_string(),
                id: organization.id,
            });
        }
    }
    // The index orders by a lowercased key; order by the names themselves.
    directory.agents.sort_by_cached_key(|a| a.name.to_lowercase());
    directory
        .organizations
        .sort_by_cached_key(|o| o.name.to_lowercase());
    Ok(directory)
}
