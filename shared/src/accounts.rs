//! Organizations and users. Sign-in comes with the accounts issue; for now
//! these records back the local demo and its dev-only tokens.

use serde::{Deserialize, Serialize};

use crate::auth::{Actor, Role};
use crate::domain::{Email, OrganizationId, UserId};
use crate::store::model;
use crate::store::{Condition, Write};
use crate::{App, Error, Result};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Organization {
    pub id: OrganizationId,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct User {
    pub id: UserId,
    pub email: Email,
    pub display_name: String,
    pub role: Role,
    /// Customers belong to exactly one organization; agents to none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization_id: Option<OrganizationId>,
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
}

pub async fn create_organization(app: &App, organization: &Organization) -> Result<()> {
    app.store
        .write(Write::Put {
            item: model::organization_item(organization)?,
            condition: Some(Condition::NotExists),
        })
        .await
        .map_err(|_| Error::Conflict(format!("organization {} already exists", organization.id)))
}

/// Creates a user; the email is claimed in the same transaction, so two
/// accounts can never share one.
pub async fn create_user(app: &App, user: &User) -> Result<()> {
    app.store
        .transact(vec![
            Write::Put {
                item: model::user_item(user)?,
                condition: Some(Condition::NotExists),
            },
            Write::Put {
                item: model::email_claim_item(&user.email, &user.id),
                condition: Some(Condition::NotExists),
            },
        ])
        .await
        .map_err(|e| match e {
            crate::store::StoreError::TransactionConditionFailed(_) => {
                Error::Conflict(format!("an account for {} already exists", user.email))
            }
            other => other.into(),
        })
}

/// Finds a user by email: two consistent reads (the claim, then the user).
pub async fn find_user_by_email(app: &App, email: &Email) -> Result<Option<User>> {
    let Some(claim) = app.store.get(&model::email_claim_key(email)).await? else {
        return Ok(None);
    };
    let user_id = model::user_id_of_claim(&claim)?;
    match app.store.get(&model::user_key(&user_id)).await? {
        Some(item) => Ok(Some(model::user_from_item(&item)?)),
        None => Ok(None),
    }
}
