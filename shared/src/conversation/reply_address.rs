//! Reply addresses: each notification mail's `Reply-To` is the desk's reply
//! address with a token of its own (`reply+<token>@inbound.example.com`),
//! and its `In-Reply-To`/`References` name the ticket's thread, so mail
//! clients group a ticket's mails. The token is 160 random bits, stored
//! only as its digest with the ticket and the one address it was mailed to:
//! a reply to it is taken from that address only. It is never the access
//! key, and a ticket number (public, guessable) authorizes nothing.

use time::Duration;

use crate::domain::{Email, TicketNumber};
use crate::store::model::{self, ReplyAddress};
use crate::store::{Condition, Write};
use crate::{App, Result};

/// How long a mail's reply address keeps working.
pub const KEEP: Duration = Duration::days(365);

/// Characters of a token: 160 bits in lowercase base32 (mail systems may
/// lowercase local parts).
const TOKEN_LEN: usize = 32;
const ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";

fn new_token() -> String {
    let mut bytes = [0u8; 20];
    aws_lc_rs::rand::fill(&mut bytes).unwrap_or_else(|_| unreachable!("the system RNG does not fail"));
    // 160 bits, 5 at a time.
    let mut bits: u64 = 0;
    let mut held = 0;
    let mut token = String::with_capacity(TOKEN_LEN);
    for byte in bytes {
        bits = (bits << 8) | u64::from(byte);
        held += 8;
        while held >= 5 {
            held -= 5;
            token.push(ALPHABET[((bits >> held) & 31) as usize] as char);
        }
    }
    token
}

/// The id of `number`'s conversation, in every mail about it
/// (`T20261122.0001@desk.example`, the portal's host).
pub fn thread_id(app: &App, number: &TicketNumber) -> String {
    let host = app
        .settings
        .public_url
        .split("://")
        .nth(1)
        .unwrap_or_default()
        .split(['/', ':'])
        .next()
        .filter(|host| !host.is_empty())
        .unwrap_or("servicedesk");
    format!("{number}@{host}")
}

/// A new reply address for a mail about `number` to `to` (`internal`: a
/// mail of internal notes only), and the write that makes it work; `None`
/// when email in is off.
pub fn mint(app: &App, number: &TicketNumber, to: &Email, internal: bool) -> Result<Option<(String, Write)>> {
    let Some(base) = &app.settings.reply_address else {
        return Ok(None);
    };
    let (local, domain) = base.as_str().split_once('@').unwrap_or((base.as_str(), ""));
    let token = new_token();
    let expires_at = (app.clock.now() + KEEP).unix_timestamp();
    let reply = ReplyAddress {
        ticket: *number,
        email: to.clone(),
        internal,
    };
    let write = Write::Put {
        item: model::reply_address_item(&crate::secret::digest(&token), &reply, expires_at)?,
        condition: Some(Condition::NotExists),
    };
    Ok(Some((format!("{local}+{token}@{domain}"), write)))
}

/// The token of `address` if it is one of the desk's reply addresses.
pub fn token_of(app: &App, address: &str) -> Option<String> {
    let base = app.settings.reply_address.as_ref()?;
    let (base_local, base_domain) = base.as_str().split_once('@')?;
    let (local, domain) = address.trim().rsplit_once('@')?;
    let (local, token) = local.split_once('+')?;
    let token = token.to_ascii_lowercase();
    let ours = local.eq_ignore_ascii_case(base_local) && domain.eq_ignore_ascii_case(base_domain);
    let shaped = token.len() == TOKEN_LEN && token.bytes().all(|b| ALPHABET.contains(&b));
    (ours && shaped).then_some(token)
}

/// Who `token`'s address was mailed to, about which ticket, while it lasts.
pub async fn resolve(app: &App, token: &str) -> Result<Option<ReplyAddress>> {
    let key = model::reply_address_key(&crate::secret::digest(token));
    let Some(item) = app.store.get(&key).await? else {
        return Ok(None);
    };
    // Kept past its expiry until the table's TTL removes it: expired is gone.
    let (reply, expires_at) = model::reply_address_from_item(&item)?;
    Ok((expires_at > app.clock.now().unix_timestamp()).then_some(reply))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_160_random_bits_in_lowercase_base32() {
        let token = new_token();
        assert_eq!(token.len(), TOKEN_LEN);
        assert!(token.bytes().all(|b| ALPHABET.contains(&b)), "{token}");
        assert_ne!(new_token(), token);
    }
}
