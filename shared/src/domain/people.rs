//! The people of the desk: their roles, who is asking ([`Actor`]), users,
//! their profiles and organizations. Plain records; the use cases that
//! change them are in `accounts` and `auth`.

use serde::{Deserialize, Serialize};

use super::{BoundedText, Email, OptionalText, OrganizationId, TicketNumber, UserId};
use crate::i18n::Language;
use crate::{Error, Result};

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

pub type Name = BoundedText<1, 100>;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Organization {
    pub id: OrganizationId,
    pub name: Name,
}

fn yes() -> bool {
    true
}

/// What a user tells about themselves.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Profile {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix: Option<OptionalText>,
    pub first_name: Name,
    pub last_name: Name,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<OptionalText>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub office_phone: Option<OptionalText>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extension: Option<OptionalText>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mobile: Option<OptionalText>,
    #[serde(default)]
    pub language: Language,
    /// Show the landing page (create / my tickets / search) after sign-in.
    #[serde(default = "yes")]
    pub show_landing_page: bool,
    /// Email me when my tickets are updated (non-essential notifications).
    #[serde(default = "yes")]
    pub notify_updates: bool,
}

impl Profile {
    pub fn named(first_name: Name, last_name: Name, language: Language) -> Self {
        Self {
            prefix: None,
            first_name,
            last_name,
            title: None,
            office_phone: None,
            extension: None,
            mobile: None,
            language,
            show_landing_page: true,
            notify_updates: true,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct User {
    pub id: UserId,
    pub email: Email,
    pub role: Role,
    /// Customers belong to exactly one organization; agents to none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization_id: Option<OrganizationId>,
    pub profile: Profile,
    /// argon2id, PHC format. Never leaves the store.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_hash: Option<String>,
    /// Raised on password change or reset: refresh tokens of earlier epochs
    /// stop working (signs out every device).
    #[serde(default)]
    pub session_epoch: u64,
    #[serde(default)]
    pub version: u64,
}

impl User {
    pub fn actor(&self) -> Result<Actor> {
        match (self.role, &self.organization_id) {
            (Role::Customer, Some(org)) => Ok(Actor::Customer {
                user: self.id.clone(),
                organization: org.clone(),
            }),
            (Role::Agent, None) => Ok(Actor::Agent {
                user: self.id.clone(),
            }),
            _ => Err(Error::Conflict(format!(
                "user {} has an inconsistent role",
                self.id
            ))),
        }
    }

    /// "First Last", as others see this person.
    pub fn display_name(&self) -> String {
        format!("{} {}", self.profile.first_name, self.profile.last_name)
    }

    /// Words a password must not contain.
    pub fn personal_words(&self) -> [&str; 3] {
        [
            self.email.as_str(),
            self.profile.first_name.as_str(),
            self.profile.last_name.as_str(),
        ]
    }
}
