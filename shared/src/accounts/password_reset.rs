//! "Forgot your password?": a one-time link by email, then a new password.
//! The request never tells whether an account exists.

use serde::Deserialize;
use time::Duration;

use super::links::{self, Purpose};
use super::{blocking, find_user_by_email, get_user, save_user_write, throttle};
use crate::auth::password::{self, NewPassword};
use crate::domain::Email;
use crate::i18n::Text;
use crate::mail::Message;
use crate::store::StoreError;
use crate::{App, Error, Result};

pub const RESET_LIFETIME: Duration = Duration::hours(1);
/// Reset emails per address per hour; further requests are answered alike
/// but send nothing.
pub const RESETS_PER_HOUR: i64 = 3;

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
pub async fn request(app: &App, request: ResetRequest) -> Result<()> {
    let email = Email::field("email", &request.email)?;
    let sent = throttle::hit(app, "password-reset", email.as_str(), Duration::hours(1)).await?;
    if sent > RESETS_PER_HOUR {
        tracing::info!("password reset rate limit reached");
        return Ok(());
    }
    let Some(user) = find_user_by_email(app, &email).await? else {
        return Ok(());
    };
    let token = links::issue(
        app,
        Purpose::PasswordReset {
            user_id: user.id.clone(),
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
    let Purpose::PasswordReset { user_id } = &link.purpose else {
        return Err(links::invalid_link());
    };
    let mut user = get_user(app, user_id).await?.ok_or_else(links::invalid_link)?;
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
        .map_err(|e| match e {
            StoreError::TransactionConditionFailed(0) => links::invalid_link(),
            StoreError::TransactionConditionFailed(_) => {
                Error::Conflict("the account changed meanwhile; open the link again".into())
            }
            other => other.into(),
        })
}
