//! Long-lived tokens for integrations: a signed-in person creates a named
//! token that acts as them (`Authorization: Bearer sd_...`) until it expires
//! (at most a year) or they revoke it. The secret is shown once and stored
//! only as a SHA-256 digest, the key of the item authentication reads (one
//! GetItem). Tokens cannot manage the account (profile, password, tokens):
//! that takes a session.

use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

use crate::auth::{Actor, Role};
use crate::domain::OptionalText;
use crate::secret::{digest, new_token};
use crate::store::{Condition, Query, StoreError, Write, model};
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
}

/// A token as its owner sees it in the list (never the secret).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TokenInfo {
    pub id: String,
    pub name: OptionalText,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
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
    let (user, role, organization) = match actor {
        Actor::Customer { user, organization } => (user, Role::Customer, Some(organization)),
        Actor::Agent { user } => (user, Role::Agent, None),
        Actor::Guest { .. } => return Err(Error::Forbidden("access keys cannot create tokens".into())),
    };
    if list(app, actor).await?.tokens.len() >= MAX_PER_USER {
        return Err(Error::Conflict(format!(
            "you already have {MAX_PER_USER} tokens; revoke one you no longer use first"
        )));
    }
    let now = app.clock.now();
    let info = TokenInfo {
        id: app.ids.new_id(),
        name,
        created_at: now,
        expires_at: now + Duration::days(days),
    };
    // 256 random bits; the digest covers the whole token, prefix included.
    let (secret, _) = new_token();
    let token = format!("{PREFIX}{secret}");
    let token_digest = digest(&token);
    app.store
        .transact(vec![
            Write::Put {
                item: model::api_token_item(&token_digest, user, role, organization, &info)?,
                condition: Some(Condition::NotExists),
            },
            Write::Put {
                item: model::api_token_listing_item(user, &token_digest, &info)?,
                condition: Some(Condition::NotExists),
            },
        ])
        .await?;
    Ok(CreatedToken { info, token })
}

/// The caller's tokens that have not expired, newest first.
pub async fn list(app: &App, actor: &Actor) -> Result<TokenList> {
    let mut query = Query::partition(None, model::user_partition(actor.user()));
    query.sort_prefix = model::API_TOKEN_LISTING_PREFIX.into();
    query.limit = (MAX_PER_USER * 2) as u32;
    let now = app.clock.now();
    let mut tokens: Vec<TokenInfo> = app
        .store
        .query(&query)
        .await?
        .items
        .iter()
        .map(|item| model::api_token_listing_from_item(item).map(|(info, _)| info))
        .collect::<std::result::Result<_, StoreError>>()?;
    tokens.retain(|t| t.expires_at > now);
    tokens.sort_by_key(|t| std::cmp::Reverse(t.created_at));
    Ok(TokenList { tokens })
}

/// Revokes one of the caller's tokens at once.
pub async fn revoke(app: &App, actor: &Actor, id: &str) -> Result<()> {
    let listing_key = model::api_token_listing_key(actor.user(), id);
    let item = app
        .store
        .get(&listing_key)
        .await?
        .ok_or(Error::NotFound("token"))?;
    let (_, token_digest) = model::api_token_listing_from_item(&item)?;
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
        .map_err(|e| match e {
            StoreError::TransactionConditionFailed(_) => Error::NotFound("token"),
            other => other.into(),
        })
}

/// The actor an integration token acts as: one GetItem by its digest.
pub async fn authenticate(app: &App, token: &str) -> Result<Actor> {
    let invalid = || {
        Error::Unauthenticated(
            "the token is unknown, revoked or expired; create a new one in your profile".into(),
        )
    };
    let item = app
        .store
        .get(&model::api_token_key(&digest(token)))
        .await?
        .ok_or_else(invalid)?;
    let (user, role, organization, expires_at) = model::api_token_from_item(&item)?;
    if expires_at <= app.clock.now().unix_timestamp() {
        return Err(invalid());
    }
    match (role, organization) {
        (Role::Customer, Some(organization)) => Ok(Actor::Customer { user, organization }),
        (Role::Agent, None) => Ok(Actor::Agent { user }),
        _ => Err(Error::Unavailable(format!(
            "token of {user} has an inconsistent role"
        ))),
    }
}

/// Whether a bearer credential is an integration token (not a session JWT).
pub fn is_api_token(token: &str) -> bool {
    token.starts_with(PREFIX)
}
