//! The signed-in user's own account: profile, language, email, password.

use serde::Deserialize;
use time::Duration;

use super::links;
use super::sessions::{self, Session};
use super::{AccountView, blocking, find_user_by_email, get_user, save_user_write};
use crate::auth::password::{self, NewPassword};
use crate::domain::{Actor, Email, Name, OptionalText, Profile, Purpose, User};
use crate::error::Reason;
use crate::i18n::{Language, Text};
use crate::mail::Message;
use crate::store::model;
use crate::store::{Condition, Refused, Write};
use crate::{App, Error, Result, throttle};

pub const EMAIL_CHANGE_LIFETIME: Duration = Duration::hours(24);

pub(crate) async fn current_user(app: &App, actor: &Actor) -> Result<User> {
    get_user(app, actor.user())
        .await?
        .ok_or_else(|| Error::Unauthenticated("the account no longer exists; sign in again".into()))
}

pub async fn get(app: &App, actor: &Actor) -> Result<AccountView> {
    Ok(AccountView::from(&current_user(app, actor).await?))
}

/// The whole profile, as the form sends it (`PUT` semantics).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfileUpdate {
    pub prefix: Option<String>,
    pub first_name: String,
    pub last_name: String,
    pub title: Option<String>,
    pub office_phone: Option<String>,
    pub extension: Option<String>,
    pub mobile: Option<String>,
    pub email: String,
    /// Required to change the email: whoever holds a stolen access token
    /// must not be able to move the account to their own address.
    pub current_password: Option<String>,
    pub language: Language,
    pub show_landing_page: bool,
    #[serde(default = "yes")]
    pub notify_updates: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug, serde::Serialize)]
pub struct ProfileSaved {
    #[serde(flatten)]
    pub account: AccountView,
    /// Set when the email changes: the new address must be confirmed from
    /// the link we sent to it before it takes effect.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pending_email: Option<Email>,
}

pub async fn update(app: &App, actor: &Actor, update: ProfileUpdate) -> Result<ProfileSaved> {
    let profile = Profile {
        prefix: OptionalText::optional("prefix", update.prefix)?,
        first_name: Name::parse("first_name", &update.first_name)?,
        last_name: Name::parse("last_name", &update.last_name)?,
        title: OptionalText::optional("title", update.title)?,
        office_phone: OptionalText::optional("office_phone", update.office_phone)?,
        extension: OptionalText::optional("extension", update.extension)?,
        mobile: OptionalText::optional("mobile", update.mobile)?,
        language: update.language,
        show_landing_page: update.show_landing_page,
        notify_updates: update.notify_updates,
    };
    let email = Email::field("email", &update.email)?;
    let mut user = current_user(app, actor).await?;
    let pending_email = (email != user.email).then_some(email);
    if let Some(new_email) = &pending_email {
        verify_current_password(app, &user, update.current_password.unwrap_or_default()).await?;
        if find_user_by_email(app, new_email).await?.is_some() {
            return Err(Error::refused(
                "email",
                Reason::AddressInUse,
                "another account uses this address",
            ));
        }
    }
    user.profile = profile;
    // An agent's card carries their name: both change together, or neither.
    let saved = match super::card_write(&user) {
        Some(card) => app.store.transact(vec![save_user_write(&user)?, card]).await,
        None => app.store.write(save_user_write(&user)?).await,
    };
    saved.map_err(|e| {
        e.when_refused(|_| Error::Conflict("the profile changed meanwhile; reload it and save again".into()))
    })?;
    user.version += 1;
    if let Some(new_email) = &pending_email {
        let token = links::issue(
            app,
            Purpose::EmailChange {
                user_id: user.id.clone(),
                new_email: new_email.clone(),
                epoch: user.session_epoch,
            },
            EMAIL_CHANGE_LIFETIME,
        )
        .await?;
        let link = app.link("confirm-email", Some(("token", &token)));
        app.mailer
            .send(&Message::compose(
                new_email.clone(),
                user.profile.language,
                Text::EmailChangeSubject,
                Text::EmailChangeBody,
                &[("email", new_email.as_str()), ("link", &link)],
            ))
            .await?;
    }
    Ok(ProfileSaved {
        account: AccountView::from(&user),
        pending_email,
    })
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfirmEmail {
    pub token: String,
}

/// Switches the account to the confirmed address: the link, the old and the
/// new email claims and the user change in one transaction.
pub async fn confirm_email(app: &App, request: ConfirmEmail) -> Result<AccountView> {
    let link = links::open(app, &request.token).await?;
    let Purpose::EmailChange {
        user_id,
        new_email,
        epoch,
    } = link.purpose.clone()
    else {
        return Err(links::invalid_link());
    };
    let mut user = get_user(app, &user_id).await?.ok_or_else(links::invalid_link)?;
    if user.session_epoch != epoch {
        // The password changed since: a link sent by whoever changed it no longer applies.
        return Err(links::invalid_link());
    }
    if user.email == new_email {
        // Already switched by another link to the same address.
        app.store.write(link.consume()).await?;
        return Ok(AccountView::from(&user));
    }
    let old_email = std::mem::replace(&mut user.email, new_email.clone());
    let writes = vec![
        link.consume(),
        Write::Delete {
            key: model::email_claim_key(&old_email),
            condition: Some(Condition::Equals("user_id".into(), user.id.as_str().into())),
        },
        Write::Put {
            item: model::email_claim_item(&new_email, &user.id),
            condition: Some(Condition::NotExists),
        },
        save_user_write(&user)?,
    ];
    app.store.transact(writes).await.map_err(|e| {
        e.when_refused(|at| match at {
            Refused::At(0) => links::invalid_link(),
            Refused::At(2) => Error::Conflict(format!("{new_email} is used by another account")),
            _ => Error::Conflict("the account changed meanwhile; open the link again".into()),
        })
    })?;
    user.version += 1;
    Ok(AccountView::from(&user))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    pub current_password: String,
    pub new_password: String,
    pub new_password_confirmation: String,
}

/// Changes the password and signs out every other device; this device gets
/// a fresh session.
pub async fn change_password(app: &App, actor: &Actor, change: PasswordChange) -> Result<Session> {
    let mut user = current_user(app, actor).await?;
    verify_current_password(app, &user, change.current_password.clone()).await?;
    let new_password = NewPassword::parse("new_password", &change.new_password, &user.personal_words())?;
    password::confirm(
        "new_password_confirmation",
        &change.new_password,
        &change.new_password_confirmation,
    )?;
    if change.new_password == change.current_password {
        return Err(Error::invalid(
            "new_password",
            "must differ from the current password",
        ));
    }
    user.password_hash = Some(blocking(move || password::hash(&new_password)).await?);
    user.session_epoch += 1;
    app.store.write(save_user_write(&user)?).await.map_err(|e| {
        e.when_refused(|_| Error::Conflict("the account changed meanwhile; try again".into()))
    })?;
    user.version += 1;
    sessions::start(app, &user).await
}

/// Wrong current passwords allowed per account per window: a stolen access
/// token must not become a way around sign-in's limits to guess the password.
const CURRENT_PASSWORD_FAILURES: i64 = 5;
const CURRENT_PASSWORD_WINDOW: Duration = Duration::minutes(15);

/// Checks the password the user typed as their current one. The attempt is
/// counted before checking (so parallel guesses each count) and given back
/// when it was right.
pub(crate) async fn verify_current_password(app: &App, user: &User, candidate: String) -> Result<()> {
    let subject = user.id.as_str();
    let attempt = throttle::count(app, "current-password", subject, CURRENT_PASSWORD_WINDOW).await?;
    if attempt.count > CURRENT_PASSWORD_FAILURES {
        let retry_after = throttle::seconds_left(app, CURRENT_PASSWORD_WINDOW);
        return Err(Error::TooManyRequests {
            message: format!(
                "too many wrong current passwords; try again in {retry_after} seconds, or sign out and reset your password"
            ),
            retry_after,
        });
    }
    let stored = user
        .password_hash
        .clone()
        .unwrap_or_else(|| password::DUMMY_HASH.to_owned());
    if !blocking(move || password::verify(&candidate, &stored)).await? {
        return Err(Error::Incorrect {
            field: "current_password".into(),
            message: "is not your current password".into(),
            reason: Some(Reason::NotCurrentPassword),
        });
    }
    attempt.give_back(app).await;
    Ok(())
}
