//! Support staff invite people: customers into an organization, or other
//! agents. The invitee sets a password from the emailed link and is signed in.

use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

use super::links;
use super::sessions::{self, Session};
use super::{
    Name, Organization, Profile, User, blocking, create_user_writes, find_user_by_email, get_organization,
};
use crate::auth::password::{self, NewPassword};
use crate::auth::policy;
use crate::domain::{Actor, Email, OrganizationId, Purpose, Role, UserId};
use crate::i18n::{Language, Text};
use crate::mail::Message;
use crate::store::Refused;
use crate::{App, Error, Result};

pub const INVITATION_LIFETIME: Duration = Duration::hours(72);

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InvitationRequest {
    pub email: String,
    #[serde(default = "customer")]
    pub role: Role,
    /// Required for customers, refused for agents.
    pub organization_id: Option<String>,
    #[serde(default)]
    pub language: Language,
}

fn customer() -> Role {
    Role::Customer
}

#[derive(Debug, Serialize, Deserialize)]
pub struct InvitationSent {
    pub email: Email,
    pub role: Role,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
}

/// Sends an invitation. Only agents invite.
pub async fn invite(app: &App, actor: &Actor, request: InvitationRequest) -> Result<InvitationSent> {
    let agent = policy::require_agent(actor)?.clone();
    send_invitation(app, agent, request).await
}

/// Who the invitation of a deployment's first agent names as its sender.
pub const DEPLOYMENT: &str = "deployment";

/// Invites the first agent of a fresh deployment, on behalf of whoever runs
/// the deployment (`cargo run --features aws -- admin create-agent`: it
/// needs the deployment's AWS credentials, not a session). Refused once the
/// desk has an agent: from then on agents invite agents in the portal.
pub async fn invite_first_agent(app: &App, email: &str, language: Language) -> Result<InvitationSent> {
    let mut query = crate::store::Query::partition(
        Some(crate::store::Index::Gsi5),
        crate::store::model::DIRECTORY_PARTITION,
    );
    query.sort_prefix = crate::store::model::DIRECTORY_AGENT.to_owned();
    query.limit = 1;
    if !app.store.query(&query).await?.items.is_empty() {
        return Err(Error::Conflict(
            "this desk has an agent already; agents invite more agents with POST /admin/invitations (DEPLOY.md, step 5)"
                .into(),
        ));
    }
    let deployment = UserId::parse(DEPLOYMENT).unwrap_or_else(|| unreachable!("a valid id"));
    send_invitation(
        app,
        deployment,
        InvitationRequest {
            email: email.to_owned(),
            role: Role::Agent,
            organization_id: None,
            language,
        },
    )
    .await
}

async fn send_invitation(app: &App, agent: UserId, request: InvitationRequest) -> Result<InvitationSent> {
    let email = Email::field("email", &request.email)?;
    let organization = match (request.role, request.organization_id.as_deref()) {
        (Role::Customer, Some(id)) => {
            let unknown = || Error::invalid("organization_id", "no organization has this id");
            let id = OrganizationId::parse(id).ok_or_else(unknown)?;
            Some(get_organization(app, &id).await?.ok_or_else(unknown)?)
        }
        (Role::Customer, None) => {
            return Err(Error::invalid(
                "organization_id",
                "customers are invited into an organization",
            ));
        }
        (Role::Agent, Some(_)) => {
            return Err(Error::invalid(
                "organization_id",
                "agents do not belong to an organization",
            ));
        }
        (Role::Agent, None) => None,
    };
    if find_user_by_email(app, &email).await?.is_some() {
        return Err(Error::Conflict(format!("{email} already has an account")));
    }
    let token = links::issue(
        app,
        Purpose::Invitation {
            email: email.clone(),
            role: request.role,
            organization_id: organization.as_ref().map(|o: &Organization| o.id.clone()),
            language: request.language,
            invited_by: agent.clone(),
        },
        INVITATION_LIFETIME,
    )
    .await?;
    let link = app.link("invitation", Some(("token", &token)));
    let organization_name = organization
        .map(|o| o.name.to_string())
        .unwrap_or_else(|| "support".into());
    app.mailer
        .send(&Message::compose(
            email.clone(),
            request.language,
            Text::InvitationSubject,
            Text::InvitationBody,
            &[("organization", &organization_name), ("link", &link)],
        ))
        .await?;
    Ok(InvitationSent {
        email,
        role: request.role,
        expires_at: app.clock.now() + INVITATION_LIFETIME,
    })
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AcceptRequest {
    pub token: String,
    pub first_name: String,
    pub last_name: String,
    pub password: String,
    pub password_confirmation: String,
}

/// Creates the invited account and signs it in. The link is used up in the
/// same transaction that creates the account.
pub async fn accept(app: &App, request: AcceptRequest) -> Result<Session> {
    let link = links::open(app, &request.token).await?;
    let Purpose::Invitation {
        email,
        role,
        organization_id,
        language,
        ..
    } = link.purpose.clone()
    else {
        return Err(links::invalid_link());
    };
    let first_name = Name::parse("first_name", &request.first_name)?;
    let last_name = Name::parse("last_name", &request.last_name)?;
    let new_password = NewPassword::parse(
        "password",
        &request.password,
        &[email.as_str(), first_name.as_str(), last_name.as_str()],
    )?;
    password::confirm(
        "password_confirmation",
        &request.password,
        &request.password_confirmation,
    )?;
    let hash = blocking(move || password::hash(&new_password)).await?;
    // Someone who sent requests as a guest keeps them: the account takes the
    // guest id, and the guest record goes (later guest requests get a new id).
    let guest = crate::guest::find_guest(app, &email).await?;
    let id = match &guest {
        Some(guest) => guest.guest_id.clone(),
        None => app.new_user_id()?,
    };
    let user = User {
        id,
        email,
        role,
        organization_id,
        profile: Profile::named(first_name, last_name, language),
        password_hash: Some(hash),
        session_epoch: 0,
        version: 1,
    };
    let mut writes = vec![link.consume()];
    writes.extend(create_user_writes(&user)?);
    if let Some(guest) = &guest {
        writes.push(crate::guest::retire_write(&user.email, guest));
    }
    app.store.transact(writes).await.map_err(|e| {
        e.when_refused(|at| match at {
            Refused::At(0) => links::invalid_link(),
            _ => super::email_taken(&user.email),
        })
    })?;
    sessions::start(app, &user).await
}
