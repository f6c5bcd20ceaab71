//! Who is asking ([`Actor`]), how we know ([`tokens`]), and what they may do
//! ([`policy`]).

pub mod password;
pub mod policy;
pub mod tokens;

use serde::{Deserialize, Serialize};

use crate::domain::{Email, OrganizationId, TicketNumber, UserId};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Customer,
    Agent,
}

/// An authenticated caller. Anonymous callers have no `Actor`: every
/// endpoint that needs one answers 401 before doing anything else.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    /// A member of a customer organization.
    Customer {
        user: UserId,
        organization: OrganizationId,
    },
    /// Support staff.
    Agent { user: UserId },
    /// Someone without an account holding one ticket's access key: they act
    /// on that ticket only. `acting_as` is the id their changes are recorded
    /// under (the requester's guest id, or an invited person's own id).
    Guest {
        acting_as: UserId,
        ticket: TicketNumber,
        email: Option<Email>,
    },
}

impl Actor {
    pub fn user(&self) -> &UserId {
        match self {
            Self::Customer { user, .. } | Self::Agent { user } => user,
            Self::Guest { acting_as, .. } => acting_as,
        }
    }
}
