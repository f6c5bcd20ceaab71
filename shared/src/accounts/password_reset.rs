//! "Forgot your password?": a one-time link by email, then a new password.
//! The request never tells whether an account exists.

use serde::Deserialize;
use time::Duration;

use super::links;
use super::{
    Name, Organization, Profile, User, blocking, create_user_writes, email_taken, find_user_by_email,
    get_user, save_user_write,
};
use crate::auth::password::{self, NewPassword};
use crate::domain::{Email, Purpose, Role};
use crate::guest;
use crate::i18n::Text;
use crate::mail::Message;
use crate::store::Refused;
use crate::store::model;
use crate::store::{Condition, Write};
use crate::throttle;
use crate::{App, Error, Result};

pub const RESET_LIFETIME: Duration = Duration::hours(1);
/// Reset emails per address and source per hour; further requests are
/// answered alike but send nothing.
pub const RESETS_PER_HOUR: i64 = 3;
/// Reset emails per address per hour from all sources together.
pub const RESETS_PER_ADDRESS_PER_HOUR: i64 = 10;

/// What every reset request is answered, whatever happened.
pub const ACCEPTED: &str = "If an account exists for this address, we have sent it a link to choose a new password. \
                            The link works once, for one hour.";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResetRequest {
    pub email: String,
}

/// Sends a reset link if the account exists and the address is not over its
/// hourly limit. Answers the same in every case; only a malformed address is
/// refused.
pub async fn request(app: &App, request: ResetRequest, source: &str) -> Result<()> {
    let email = Email::field("email", &request.email)?;
    // Per address and source, so someone else's requests cannot use up the
    // owner's; and a ceiling per address, so nobody floods a mailbox.
    let from_here = throttle::hit(
        app,
        "password-reset",
        &format!("{email}#{source}"),
        Duration::hours(1),
    )
    .await?;
    let overall = throttle::hit(app, "password-reset", email.as_str(), Duration::hours(1)).await?;
    if from_here > RESETS_PER_HOUR || overall > RESETS_PER_ADDRESS_PER_HOUR {
        tracing::info!("password reset rate limit reached");
        return Ok(());
    }
    let Some(user) = find_user_by_email(app, &email).await? else {
        if let Some(guest) = guest::find_guest(app, &email).await? {
            let token = links::issue(
                app,
                Purpose::CreateAccount { email: email.clone() },
                RESET_LIFETIME,
            )
            .await?;
            let link = app.link("reset-password", Some(("token", &token)));
            app.mailer
                .send(&Message::compose(
                    email.clone(),
                    guest.language,
                    Text::CreateAccountSubject,
                    Text::CreateAccountBody,
                    &[("email", email.as_str()), ("link", &link)],
                ))
                .await?;
        }
        return Ok(());
    };
    let token = links::issue(
        app,
        Purpose::PasswordReset {
            user_id: user.id.clone(),
            epoch: user.session_epoch,
        },
        RESET_LIFETIME,
    )
    .await?;
    let link = app.link("reset-password", Some(("token", &token)));
    app.mailer
        .send(&Message::compose(
            user.email.clone(),
            user.profile.language,
            Text::ResetSubject,
            Text::ResetBody,
            &[("email", user.email.as_str()), ("link", &link)],
        ))
        .await?;
    Ok(())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfirmRequest {
    pub token: String,
    pub password: String,
    pub password_confirmation: String,
}

/// Sets the new password, uses up the link, and signs the account out
/// everywhere (every refresh token stops working).
pub async fn confirm(app: &App, request: ConfirmRequest) -> Result<()> {
    let link = links::open(app, &request.token).await?;
    let (user_id, epoch) = match &link.purpose {
        Purpose::PasswordReset { user_id, epoch } => (user_id, *epoch),
        Purpose::CreateAccount { email } => return create_guest_account(app, &link, email, &request).await,
        _ => return Err(links::invalid_link()),
    };
    let mut user = get_user(app, user_id).await?.ok_or_else(links::invalid_link)?;
    if user.session_epoch != epoch {
        // The password changed since the link was sent: it no longer applies.
        return Err(links::invalid_link());
    }
    let new_password = NewPassword::parse("password", &request.password, &user.personal_words())?;
    password::confirm(
        "password_confirmation",
        &request.password,
        &request.password_confirmation,
    )?;
    let original = user.clone();
    user.password_hash = Some(blocking(move || password::hash(&new_password)).await?);
    user.session_epoch += 1;
    user.version = original.version;
    app.store
        .transact(vec![link.consume(), save_user_write(&user)?])
        .await
        .map_err(|e| {
            e.when_refused(|at| match at {
                Refused::At(0) => links::invalid_link(),
                _ => Error::Conflict("the account changed meanwhile; open the link again".into()),
            })
        })
}

/// A guest's first password: the account takes the guest's id (so their
/// tickets are its tickets) and gets an organization of its own, named after
/// the company the guest gave, or after them.
async fn create_guest_account(
    app: &App,
    link: &links::OpenLink,
    email: &Email,
    request: &ConfirmRequest,
) -> Result<()> {
    let guest = guest::find_guest(app, email)
        .await?
        .ok_or_else(links::invalid_link)?;
    // Guest data was never verified and allows longer names: fit it, never
    // refuse for a field this request does not carry (the profile can fix it).
    let fit = |s: &str| -> String { s.trim().chars().take(100).collect() };
    let full_name = fit(guest.name.as_str());
    let (first, last) = full_name.split_once(' ').unwrap_or((&full_name, &full_name));
    let (first, last) = (fit(first), fit(last));
    let first_name = Name::parse("first_name", &first)?;
    let last_name = Name::parse("last_name", &last)?;
    let new_password = NewPassword::parse("password", &request.password, &[email.as_str(), &first, &last])?;
    password::confirm(
        "password_confirmation",
        &request.password,
        &request.password_confirmation,
    )?;
    let hash = blocking(move || password::hash(&new_password)).await?;
    let organization = Organization {
        id: app.new_organization_id()?,
        name: Name::parse(
            "company_name",
            &fit(guest.company.as_ref().map_or(&full_name, |c| c.as_str())),
        )?,
    };
    let user = User {
        id: guest.guest_id.clone(),
        email: email.clone(),
        role: Role::Customer,
        organization_id: Some(organization.id.clone()),
        profile: Profile::named(first_name, last_name, guest.language),
        password_hash: Some(hash),
        session_epoch: 0,
        version: 1,
    };
    let mut writes = vec![
        link.consume(),
        Write::Put {
            item: model::organization_item(&organization)?,
            condition: Some(Condition::NotExists),
        },
    ];
    writes.extend(create_user_writes(&user)?);
    writes.push(guest::retire_write(email, &guest));
    app.store.transact(writes).await.map_err(|e| {
        e.when_refused(|at| match at {
            Refused::At(0) => links::invalid_link(),
            _ => email_taken(email),
        })
    })
}
