//! Sign-in sessions: a short-lived access token (JWT, 15 minutes) and a
//! rotating refresh token (30 days) that the browser keeps in an HttpOnly
//! cookie. Every refresh replaces the token; presenting a replaced token
//! again means it was stolen, and revokes the whole family (every token
//! descending from that sign-in).

use serde::Serialize;
use time::{Duration, OffsetDateTime};

use super::{AccountView, blocking, find_user_by_email, get_user};
use crate::auth::password;
use crate::auth::tokens::TokenKeys;
use crate::domain::{Email, User};
use crate::secret::{digest, new_token};
use crate::store;
use crate::store::model::{self, RefreshToken, SessionFamily};
use crate::store::{Condition, Item, StoreError, Write};
use crate::throttle;
use crate::{App, Error, Result};

pub const REFRESH_COOKIE: &str = "sd_refresh";
/// Only the session endpoints ever see the refresh cookie.
pub const REFRESH_COOKIE_PATH: &str = "/auth";
pub const REFRESH_LIFETIME: Duration = Duration::days(30);

/// Failed sign-ins from one source address per window before it must wait.
pub const SOURCE_FAILURE_LIMIT: i64 = 30;
pub const SOURCE_WINDOW: Duration = Duration::minutes(15);
/// Failed sign-ins for one email from one source before each further try
/// from there must wait, with the wait doubling per failure, capped so
/// nobody is locked out for long; other sources are not affected.
pub const FREE_FAILURES: u32 = 5;
pub const MAX_BACKOFF: Duration = Duration::minutes(15);

#[derive(Debug, Clone, Serialize)]
pub struct Session {
    pub access_token: String,
    pub token_type: &'static str,
    /// Seconds until the access token expires.
    pub expires_in: i64,
    pub account: AccountView,
    /// Set as an HttpOnly cookie by the handler, never sent in a body.
    #[serde(skip)]
    pub refresh_token: String,
}

fn signed_out(reason: &str) -> Error {
    Error::Unauthenticated(format!("{reason}; sign in again"))
}

fn wrong_credentials() -> Error {
    Error::Unauthenticated("the email or password is wrong".into())
}

/// Starts a session for `user`: a new family and its first refresh token.
pub async fn start(app: &App, user: &User) -> Result<Session> {
    let now = app.clock.now();
    let expires_at = (now + REFRESH_LIFETIME).unix_timestamp();
    let family = app.ids.new_id();
    let (refresh_token, refresh_digest) = new_token();
    app.store
        .transact(vec![
            Write::Put {
                item: model::session_family_item(
                    &family,
                    &SessionFamily {
                        user_id: user.id.clone(),
                        revoked: false,
                        expires_at,
                    },
                )?,
                condition: Some(Condition::NotExists),
            },
            Write::Put {
                item: refresh_item(&refresh_digest, &family, user, expires_at)?,
                condition: Some(Condition::NotExists),
            },
        ])
        .await?;
    session(app, user, now, refresh_token)
}

fn refresh_item(digest: &str, family: &str, user: &User, expires_at: i64) -> Result<Item, StoreError> {
    model::refresh_token_item(
        digest,
        &RefreshToken {
            family: family.to_owned(),
            user_id: user.id.clone(),
            epoch: user.session_epoch,
            replaced: false,
            expires_at,
        },
    )
}

fn session(app: &App, user: &User, now: OffsetDateTime, refresh_token: String) -> Result<Session> {
    Ok(Session {
        access_token: app
            .keys()?
            .tokens
            .issue(&user.actor()?, now, TokenKeys::LIFETIME)?,
        token_type: "Bearer",
        expires_in: TokenKeys::LIFETIME.whole_seconds(),
        account: AccountView::from(user),
        refresh_token,
    })
}

fn backoff(failures: u32) -> Option<Duration> {
    let over = failures.checked_sub(FREE_FAILURES)?;
    let seconds = 15i64.saturating_mul(1i64 << over.min(20));
    Some(Duration::seconds(seconds).min(MAX_BACKOFF))
}

fn retry_message(seconds: u64) -> String {
    format!("too many failed sign-ins; try again in {seconds} seconds, or reset your password")
}

fn too_many_sign_ins(retry_after: u64) -> Error {
    Error::TooManyRequests {
        message: retry_message(retry_after),
        retry_after,
    }
}

/// Signs in with email and password. A wrong password and an unknown email
/// get the same answer after the same work (a dummy hash is verified).
///
/// Every limit is taken before the slow hash, atomically, so parallel
/// guesses each count: the attempt is counted for the source and for the
/// email from that source first, and given back if the password was right.
/// Past the free failures, each further try must win the lock for its
/// wait (one conditional write), so of many parallel guesses one is tried.
pub async fn login(app: &App, email: &str, password: &str, source: &str) -> Result<Session> {
    let email = Email::parse(email).map_err(|_| wrong_credentials())?;
    let now = app.clock.now();

    let from_source = throttle::count(app, "login-source", source, SOURCE_WINDOW).await?;
    if from_source.count > SOURCE_FAILURE_LIMIT {
        from_source.give_back(app).await;
        return Err(too_many_sign_ins(throttle::seconds_left(app, SOURCE_WINDOW)));
    }
    let failures_key = model::login_failures_key(&email, source);
    let expires_at = (now + Duration::days(1)).unix_timestamp();
    let failures = app
        .store
        .increment(&failures_key, model::LOGIN_FAILURES, 1, Some(expires_at))
        .await?;
    if let Some(wait) = backoff(u32::try_from(failures).unwrap_or(u32::MAX)) {
        let take_turn = app
            .store
            .write(model::take_login_turn_write(
                failures_key.clone(),
                (now + wait).unix_timestamp(),
                now.unix_timestamp(),
            ))
            .await;
        if let Err(StoreError::ConditionFailed) = take_turn {
            // Still waiting (or another try took this turn): not a failure
            // of its own. (With the expiry, in case the count was cleared.)
            let _ = app
                .store
                .increment(&failures_key, model::LOGIN_FAILURES, -1, Some(expires_at))
                .await;
            from_source.give_back(app).await;
            let until = app
                .store
                .get(&failures_key)
                .await?
                .and_then(|item| model::login_locked_until(&item))
                .unwrap_or(now.unix_timestamp() + 1);
            return Err(too_many_sign_ins((until - now.unix_timestamp()).max(1) as u64));
        }
        take_turn?;
    }

    let user = find_user_by_email(app, &email).await?;
    let stored = user
        .as_ref()
        .and_then(|u| u.password_hash.clone())
        .unwrap_or_else(|| password::DUMMY_HASH.to_owned());
    let candidate = password.to_owned();
    let matches = blocking(move || password::verify(&candidate, &stored)).await?;

    match user {
        Some(user) if matches => {
            from_source.give_back(app).await;
            let session = start(app, &user).await?;
            // Outside the session's transaction, so parallel failures
            // counting on the same item cannot make a right password a 409;
            // if it fails, the count only runs out with its day.
            if let Err(err) = app
                .store
                .write(Write::Delete {
                    key: failures_key,
                    condition: None,
                })
                .await
            {
                tracing::warn!(error = %err, "could not clear the failed sign-ins after a success");
            }
            Ok(session)
        }
        // Counted already, before the hash.
        _ => Err(wrong_credentials()),
    }
}

async fn revoke_family(app: &App, family: &str) -> Result<()> {
    // Already gone (expired): nothing left to revoke.
    store::done_if_refused(app.store.write(model::revoke_session_family_write(family)).await)?;
    Ok(())
}

/// Exchanges a refresh token for a new access token and a new refresh token.
pub async fn refresh(app: &App, token: &str) -> Result<Session> {
    let now = app.clock.now();
    let used = digest(token);
    let key = model::refresh_key(&used);
    let item = app
        .store
        .get(&key)
        .await?
        .ok_or_else(|| signed_out("the session has ended"))?;
    let token = model::refresh_token_from_item(&item)?;
    let family = token.family;
    if token.expires_at <= now.unix_timestamp() {
        return Err(signed_out("the session has expired"));
    }
    if token.replaced {
        // A replaced token came back: someone else holds a copy.
        revoke_family(app, &family).await?;
        return Err(signed_out(
            "this session was used elsewhere and has been closed for your safety",
        ));
    }
    let family_key = model::session_family_key(&family);
    let live_family = match app.store.get(&family_key).await? {
        Some(item) => Some(model::session_family_from_item(&item)?),
        None => None,
    };
    if live_family.is_none_or(|f| f.revoked || f.expires_at <= now.unix_timestamp()) {
        return Err(signed_out("the session has ended"));
    }
    let user = get_user(app, &token.user_id)
        .await?
        .ok_or_else(|| signed_out("the account no longer exists"))?;
    if token.epoch != user.session_epoch {
        return Err(signed_out("the password was changed"));
    }

    let (next_token, next_digest) = new_token();
    let expires_at = (now + REFRESH_LIFETIME).unix_timestamp();
    let rotated = app
        .store
        .transact(vec![
            model::use_refresh_token_write(&used),
            Write::Put {
                item: refresh_item(&next_digest, &family, &user, expires_at)?,
                condition: Some(Condition::NotExists),
            },
            // A sign-out racing this refresh wins.
            model::session_family_live_check(&family),
        ])
        .await;
    match rotated {
        Ok(()) => session(app, &user, now, next_token),
        Err(StoreError::TransactionConditionFailed(_)) => {
            // Two refreshes raced with one token: treat as reuse.
            revoke_family(app, &family).await?;
            Err(signed_out(
                "this session was used elsewhere and has been closed for your safety",
            ))
        }
        Err(other) => Err(other.into()),
    }
}

/// Ends the session the refresh token belongs to (every token of its family).
pub async fn logout(app: &App, token: &str) -> Result<()> {
    if let Some(item) = app.store.get(&model::refresh_key(&digest(token))).await? {
        revoke_family(app, &model::refresh_token_from_item(&item)?.family).await?;
    }
    Ok(())
}
