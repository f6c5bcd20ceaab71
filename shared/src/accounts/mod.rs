//! Organizations, users and everything about signing in: invitations,
//! sessions, password reset and change, profile and language.

pub mod api_tokens;
pub mod invitations;
pub mod links;
pub mod password_reset;
pub mod profile;
pub mod sessions;

use serde::{Deserialize, Serialize};

use crate::domain::{Email, Name, Organization, OrganizationId, Profile, Role, User, UserId};
use crate::store::model;
use crate::store::{Condition, Write};
use crate::{App, Error, Result};

/// The account as its owner sees it (no secrets).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountView {
    pub id: UserId,
    pub email: Email,
    pub role: Role,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization_id: Option<OrganizationId>,
    #[serde(flatten)]
    pub profile: Profile,
}

impl From<&User> for AccountView {
    fn from(user: &User) -> Self {
        Self {
            id: user.id.clone(),
            email: user.email.clone(),
            role: user.role,
            organization_id: user.organization_id.clone(),
            profile: user.profile.clone(),
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
        .map_err(|e| {
            e.when_refused(|_| Error::Conflict(format!("organization {} already exists", organization.id)))
        })
}

pub async fn get_organization(app: &App, id: &OrganizationId) -> Result<Option<Organization>> {
    match app.store.get(&model::organization_key(id)).await? {
        Some(item) => Ok(Some(model::organization_from_item(&item)?)),
        None => Ok(None),
    }
}

/// The writes that create a user; the email is claimed in the same
/// transaction, so two accounts can never share one. An agent's directory
/// card is written with them.
pub fn create_user_writes(user: &User) -> Result<Vec<Write>> {
    let mut writes = vec![
        Write::Put {
            item: model::user_item(user)?,
            condition: Some(Condition::NotExists),
        },
        Write::Put {
            item: model::email_claim_item(&user.email, &user.id),
            condition: Some(Condition::NotExists),
        },
    ];
    writes.extend(card_write(user));
    Ok(writes)
}

/// Rewrites an agent's directory card (their name may have changed).
pub fn card_write(user: &User) -> Option<Write> {
    model::agent_card_item(user).map(|item| Write::Put {
        item,
        condition: None,
    })
}

pub(crate) fn email_taken(email: &Email) -> Error {
    Error::Conflict(format!(
        "an account for {email} already exists; sign in or reset its password"
    ))
}

pub async fn create_user(app: &App, user: &User) -> Result<()> {
    app.store
        .transact(create_user_writes(user)?)
        .await
        .map_err(|e| e.when_refused(|_| email_taken(&user.email)))
}

pub async fn get_user(app: &App, id: &UserId) -> Result<Option<User>> {
    match app.store.get(&model::user_key(id)).await? {
        Some(item) => Ok(Some(model::user_from_item(&item)?)),
        None => Ok(None),
    }
}

/// Finds a user by email: two consistent reads (the claim, then the user).
pub async fn find_user_by_email(app: &App, email: &Email) -> Result<Option<User>> {
    let Some(claim) = app.store.get(&model::email_claim_key(email)).await? else {
        return Ok(None);
    };
    get_user(app, &model::user_id_of_claim(&claim)?).await
}

/// The write that saves a changed user, if nobody changed it since it was read.
pub fn save_user_write(user: &User) -> Result<Write> {
    let mut next = user.clone();
    next.version += 1;
    Ok(Write::Put {
        item: model::user_item(&next)?,
        condition: Some(Condition::Equals("version".into(), user.version.into())),
    })
}

/// Hashing is CPU-heavy: keep it off the async worker threads.
pub async fn blocking<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| Error::Unavailable(format!("worker failed: {e}")))
}
