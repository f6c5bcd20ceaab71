//! People and organizations: users, organizations, the support directory's
//! entries, email claims, emailed links and integration tokens.

use serde_json::Value;

use super::keys::{
    DIRECTORY_AGENT, DIRECTORY_ORGANIZATION, DIRECTORY_PARTITION, agent_card_key, api_token_key,
    api_token_listing_key, email_claim_key, link_key, organization_key, user_key,
};
use super::{ENTITY, Item, StoreError, from_item, is_entity, record_item, with_expiry};
use crate::domain::{Email, Organization, Purpose, Role, TokenInfo, User, UserId};
use crate::store::{EXPIRES_AT, Index};

fn directory_entry(item: &mut Item, kind: &str, name: &str, id: &str) {
    item.0
        .insert(Index::Gsi5.pk_attr().into(), DIRECTORY_PARTITION.into());
    item.0.insert(
        Index::Gsi5.sk_attr().into(),
        format!("{kind}{}#{id}", name.to_lowercase()).into(),
    );
}

pub fn organization_item(org: &Organization) -> Result<Item, StoreError> {
    let mut item = record_item(organization_key(&org.id), "organization", org)?;
    directory_entry(
        &mut item,
        DIRECTORY_ORGANIZATION,
        org.name.as_str(),
        org.id.as_str(),
    );
    Ok(item)
}

pub fn is_organization_item(item: &Item) -> bool {
    is_entity(item, "organization")
}

pub fn organization_from_item(item: &Item) -> Result<Organization, StoreError> {
    from_item(item, "organization")
}

pub fn user_item(user: &User) -> Result<Item, StoreError> {
    record_item(user_key(&user.id), "user", user)
}

pub fn is_user_item(item: &Item) -> bool {
    is_entity(item, "user")
}

pub fn user_from_item(item: &Item) -> Result<User, StoreError> {
    from_item(item, "user")
}

/// The card of `user` if they are an agent (customers are not listed).
pub fn agent_card_item(user: &User) -> Option<Item> {
    if user.role != Role::Agent {
        return None;
    }
    let key = agent_card_key(&user.id);
    let name = user.display_name();
    let mut item = Item::new(key.pk, key.sk)
        .with(ENTITY, "agent_card")
        .with("id", user.id.as_str())
        .with("name", name.as_str());
    directory_entry(&mut item, DIRECTORY_AGENT, &name, user.id.as_str());
    Some(item)
}

/// `(id, name)` of an agent's card, or `None` for any other item.
pub fn agent_card_from_item(item: &Item) -> Option<(UserId, String)> {
    if !is_entity(item, "agent_card") {
        return None;
    }
    let id = UserId::parse(item.get("id")?.as_str()?)?;
    Some((id, item.get("name")?.as_str()?.to_owned()))
}

pub fn email_claim_item(email: &Email, user: &UserId) -> Item {
    let key = email_claim_key(email);
    Item::new(key.pk, key.sk)
        .with(ENTITY, "email_claim")
        .with("user_id", user.as_str())
}

pub fn user_id_of_claim(item: &Item) -> Result<UserId, StoreError> {
    UserId::parse(item.string("user_id")?)
        .ok_or_else(|| StoreError::Corrupt("bad user id in email claim".into()))
}

pub fn link_item(digest: &str, purpose: &Purpose, expires_at: i64) -> Result<Item, StoreError> {
    let item = record_item(link_key(digest), "link", purpose)?;
    Ok(with_expiry(item, expires_at))
}

pub fn link_from_item(item: &Item) -> Result<(Purpose, i64), StoreError> {
    let purpose = from_item(item, "link")?;
    let expires_at = item
        .get(EXPIRES_AT)
        .and_then(Value::as_i64)
        .ok_or_else(|| StoreError::Corrupt("link without expiry".into()))?;
    Ok((purpose, expires_at))
}

/// An integration token, by the digest of its secret: what authentication
/// reads (see [`crate::accounts::api_tokens`]).
pub fn api_token_item(digest: &str, user: &UserId, epoch: u64, info: &TokenInfo) -> Item {
    let key = api_token_key(digest);
    Item::new(key.pk, key.sk)
        .with(ENTITY, "api_token")
        .with("user_id", user.as_str())
        .with("token_id", info.id.as_str())
        .with("session_epoch", epoch)
        .with(EXPIRES_AT, info.expires_at.unix_timestamp())
}

pub fn is_api_token_item(item: &Item) -> bool {
    is_entity(item, "api_token")
}

/// `(user, session epoch, expires_at)` of an integration token.
pub fn api_token_from_item(item: &Item) -> Result<(UserId, u64, i64), StoreError> {
    let corrupt = |what: &str| StoreError::Corrupt(format!("api token: {what}"));
    let user = UserId::parse(item.string("user_id")?).ok_or_else(|| corrupt("user id"))?;
    let epoch = item
        .get("session_epoch")
        .and_then(Value::as_u64)
        .ok_or_else(|| corrupt("epoch"))?;
    let expires_at = item
        .get(EXPIRES_AT)
        .and_then(Value::as_i64)
        .ok_or_else(|| corrupt("expiry"))?;
    Ok((user, epoch, expires_at))
}

pub fn api_token_listing_item(
    user: &UserId,
    digest: &str,
    epoch: u64,
    info: &TokenInfo,
) -> Result<Item, StoreError> {
    let key = api_token_listing_key(user, &info.id);
    // The facts as one attribute: `expires_at` at the top is the TTL (seconds).
    Ok(Item::new(key.pk, key.sk)
        .with(ENTITY, "api_token_listing")
        .with(
            "token",
            serde_json::to_value(info).map_err(|e| StoreError::Corrupt(e.to_string()))?,
        )
        .with("digest", digest)
        .with("session_epoch", epoch)
        .with(EXPIRES_AT, info.expires_at.unix_timestamp()))
}

/// The token's public facts, its digest, and the session epoch it was made in.
pub fn api_token_listing_from_item(item: &Item) -> Result<(TokenInfo, String, u64), StoreError> {
    let digest = item.string("digest")?.to_owned();
    let info = serde_json::from_value(item.get("token").cloned().unwrap_or_default())
        .map_err(|e| StoreError::Corrupt(format!("api token listing: {e}")))?;
    let epoch = item
        .get("session_epoch")
        .and_then(Value::as_u64)
        .ok_or_else(|| StoreError::Corrupt("api token listing without epoch".into()))?;
    Ok((info, digest, epoch))
}
