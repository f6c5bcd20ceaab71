//! What a one-time emailed link does (`accounts::links` issues and opens them).

use serde::{Deserialize, Serialize};

use super::{Email, OrganizationId, Role, UserId};
use crate::i18n::Language;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "purpose", rename_all = "snake_case")]
pub enum Purpose {
    Invitation {
        email: Email,
        role: Role,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        organization_id: Option<OrganizationId>,
        language: Language,
        invited_by: UserId,
    },
    /// `epoch`: the account's session epoch when sent; a password change or
    /// reset since then (which raises it) voids the link.
    PasswordReset {
        user_id: UserId,
        #[serde(default)]
        epoch: u64,
    },
    /// "Create or reset my password" for an email that only ever sent
    /// requests as a guest: confirming creates the account.
    CreateAccount { email: Email },
    EmailChange {
        user_id: UserId,
        new_email: Email,
        #[serde(default)]
        epoch: u64,
    },
}
