//! Long-lived tokens for integrations: a signed-in person creates a named
//! token (confirming their password) that acts as them
//! (`Authorization: Bearer sd_<user id>.<secret>`) until it expires (at most
//! a year), they revoke it, or their password changes. The secret is shown
//! once and stored only as a SHA-256 digest. Authentication reads the token
//! and its owner in one BatchGetItem, so the owner's current role and
//! organization apply. Tokens cannot manage the account or administer the
//! desk: that takes a session.

use serde::{Deserialize, Serialize};
use time::Duration;

use super::User;
use super::profile::{current_user, verify_current_password};
use crate::domain::{Actor, OptionalText, TokenInfo, UserId};
use crate::secret::{digest, random_token};
use crate::store::{self, Condition, Query, StoreError, Write, model};
use crate::{App, Error, Result};

/// What every integration token starts with: tells it from a session's JWT
/// (and lets secret scanners recognise a leaked one).
pub const PREFIX: &str = "sd_";
/// Tokens one person may hold at once.
pub const MAX_PER_USER: usize = 10;
const MAX_DAYS: i64 = 365;
const DEFAULT_DAYS: i64 = 90;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewTokenRequest {
    /// What it is for, e.g. "ERP integration".
    pub name: String,
    /// 1–365; default 90.
    pub expires_in_days: Option<i64>,
    /// A token outlives the session: creating one takes the password.
    pub current_password: String,
}

/// A new token: the secret, this once.
#[derive(Debug, Serialize)]
pub struct CreatedToken {
    #[serde(flatten)]
    pub info: TokenInfo,
    pub token: String,
}

#[derive(Debug, Serialize)]
pub struct TokenList {
    pub tokens: Vec<TokenInfo>,
}

/// Creates a token acting as `actor` (who must hold a session).
pub async fn create(app: &App, actor: &Actor, request: NewTokenRequest) -> Result<CreatedToken> {
    let name = OptionalText::parse("name", &request.name)?;
    let days = request.expires_in_days.unwrap_or(DEFAULT_DAYS);
    if !(1..=MAX_DAYS).contains(&days) {
        return Err(Error::invalid(
            "expires_in_days",
            format!("must be from 1 to {MAX_DAYS} days"),
        ));
    }
    if matches!(actor, Actor::Guest { .. }) {
        return Err(Error::Forbidden("access keys cannot create tokens".into()));
    }
    let user = current_user(app, actor).await?;
    verify_current_password(app, &user, request.current_password).await?;
    for attempt in 1..=3 {
        let listing = listing(app, &user).await?;
        if listing.live.len() >= MAX_PER_USER {
            return Err(Error::Conflict(format!(
                "you already have {MAX_PER_USER} tokens; revoke one you no longer use first"
            )));
        }
        let now = app.clock.now();
        let info = TokenInfo {
            id: app.ids.new_id(),
            name: name.clone(),
            created_at: now,
            expires_at: now + Duration::days(days),
        };
        // The owner's id (to read them with the token) and 256 random bits;
        // the digest covers the whole token.
        let token = format!("{PREFIX}{}.{}", user.id, random_token());
        let token_digest = digest(&token);
        let created = app
            .store
            .transact(vec![
                Write::Put {
                    item: model::api_token_item(&token_digest, &user.id, user.session_epoch, &info),
                    condition: Some(Condition::NotExists),
                },
                Write::Put {
                    item: model::api_token_listing_item(&user.id, &token_digest, user.session_epoch, &info)?,
                    condition: Some(Condition::NotExists),
                },
                model::guard_write(model::api_token_guard_key(&user.id), listing.version),
            ])
            .await;
        match created {
            Ok(()) => return Ok(CreatedToken { info, token }),
            // Another creation counted the same tokens and won: count again.
            Err(StoreError::TransactionConditionFailed(2) | StoreError::TransactionConflict)
                if attempt < 3 => {}
            Err(err) => return Err(err.into()),
        }
    }
    Err(Error::Conflict(
        "other tokens were being created at the same moment; try again".into(),
    ))
}

/// The caller's working tokens (not expired, not ended by a password
/// change), newest first.
pub async fn list(app: &App, actor: &Actor) -> Result<TokenList> {
    let user = current_user(app, actor).await?;
    Ok(TokenList {
        tokens: listing(app, &user).await?.live,
    })
}

/// A user's working tokens and the version of their listing.
struct Listing {
    live: Vec<TokenInfo>,
    version: i64,
}

/// Every listing of `user`'s (expired ones linger until the store's TTL
/// runs, so all pages are read), keeping the working ones.
async fn listing(app: &App, user: &User) -> Result<Listing> {
    let mut query = Query::partition(None, model::user_partition(&user.id));
    query.sort_prefix = model::API_TOKEN_LISTING_PREFIX.into();
    query.limit = 100;
    let now = app.clock.now();
    let items = store::query_all(app.store.as_ref(), query).await?;
    let version = model::guard_version(&items, model::API_TOKEN_LISTING_PREFIX);
    let mut live = Vec::new();
    for item in items
        .iter()
        .filter(|i| !model::is_guard(i, model::API_TOKEN_LISTING_PREFIX))
    {
        let (info, _, epoch) = model::api_token_listing_from_item(item)?;
        if info.expires_at > now && epoch == user.session_epoch {
            live.push(info);
        }
    }
    live.sort_by_key(|t| std::cmp::Reverse(t.created_at));
    Ok(Listing { live, version })
}
/// Revokes one of the caller's tokens at once.
pub async fn revoke(app: &App, actor: &Actor, id: &str) -> Result<()> {
    let listing_key = model::api_token_listing_key(actor.user(), id);
    let item = app
        .store
        .get(&listing_key)
        .await?
        .ok_or(Error::NotFound("token"))?;
    let (_, token_digest, _) = model::api_token_listing_from_item(&item)?;
    app.store
        .transact(vec![
            Write::Delete {
                key: model::api_token_key(&token_digest),
                condition: None,
            },
            Write::Delete {
                key: listing_key,
                condition: Some(Condition::Exists),
            },
        ])
        .await
        .map_err(|e| e.when_refused(|_| Error::NotFound("token")))
}

/// The actor an integration token acts as: the token and its owner in one
/// BatchGetItem; the owner as they are now (role, organization, password).
pub async fn authenticate(app: &App, token: &str) -> Result<Actor> {
    let invalid = || {
        Error::Unauthenticated(
            "the token is unknown, revoked or expired, or the password changed since; create a new one in your profile"
                .into(),
        )
    };
    let owner = token
        .strip_prefix(PREFIX)
        .and_then(|rest| rest.split_once('.'))
        .and_then(|(user, _)| UserId::parse(user))
        .ok_or_else(invalid)?;
    let items = app
        .store
        .get_many(&[model::api_token_key(&digest(token)), model::user_key(&owner)])
        .await?;
    let token_item = items
        .iter()
        .find(|i| model::is_api_token_item(i))
        .ok_or_else(invalid)?;
    let user = match items.iter().find(|i| model::is_user_item(i)) {
        Some(item) => model::user_from_item(item)?,
        None => return Err(invalid()),
    };
    let (holder, epoch, expires_at) = model::api_token_from_item(token_item)?;
    if holder != user.id || epoch != user.session_epoch || expires_at <= app.clock.now().unix_timestamp() {
        return Err(invalid());
    }
    user.actor().map_err(|_| invalid())
}

/// Whether a bearer credential is an integration token (not a session JWT).
pub fn is_api_token(token: &str) -> bool {
    token.starts_with(PREFIX)
}
