//! Self-hosted proof of work for anonymous submissions: no third party, no
//! tracking. `GET /guest/challenge` hands out a signed, expiring challenge;
//! the client finds a `solution` such that SHA-256(`challenge:solution`)
//! starts with [`DIFFICULTY_BITS`] zero bits (about 2^17 hashes: a fraction
//! of a second in a browser, a real cost per submission for a bot). Each
//! solved challenge is accepted once.

use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

use crate::store::model;
use crate::store::{Condition, Write};
use crate::{App, Error, Result};

pub const DIFFICULTY_BITS: u32 = 17;
pub const LIFETIME: Duration = Duration::minutes(10);

#[derive(Debug, Serialize, Deserialize)]
struct Payload {
    /// 128 random bits, hex: names the challenge for the single-use check.
    id: String,
    /// Expiry, epoch seconds.
    exp: i64,
    bits: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Challenge {
    pub challenge: String,
    pub difficulty: u32,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
}

pub fn issue(app: &App) -> Result<Challenge> {
    let mut id = [0u8; 16];
    aws_lc_rs::rand::fill(&mut id).unwrap_or_else(|_| unreachable!("the system RNG does not fail"));
    let expires_at = app.clock.now() + LIFETIME;
    let payload = Payload {
        id: id.iter().map(|b| format!("{b:02x}")).collect(),
        exp: expires_at.unix_timestamp(),
        bits: DIFFICULTY_BITS,
    };
    Ok(Challenge {
        challenge: app.keys()?.challenges.encode(&payload),
        difficulty: DIFFICULTY_BITS,
        expires_at,
    })
}

/// The number of leading zero bits of SHA-256(`challenge:solution`).
pub fn work(challenge: &str, solution: &str) -> u32 {
    let input = format!("{challenge}:{solution}");
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, input.as_bytes());
    let mut bits = 0;
    for byte in digest.as_ref() {
        bits += byte.leading_zeros();
        if *byte != 0 {
            break;
        }
    }
    bits
}

/// Finds a solution (what the browser does; here for tests and the bench).
pub fn solve(challenge: &Challenge) -> String {
    (0u64..)
        .map(|n| n.to_string())
        .find(|s| work(&challenge.challenge, s) >= challenge.difficulty)
        .unwrap_or_else(|| unreachable!("some solution exists"))
}

fn refused(field: &str, why: &str) -> Error {
    Error::invalid(
        field,
        format!("{why}; fetch a new challenge (GET /guest/challenge) and solve it"),
    )
}

/// Checks a solved challenge; returns the write that uses it up, to be
/// applied in the transaction that stores the submission.
pub fn verify(app: &App, challenge: &str, solution: &str) -> Result<Write> {
    let payload: Payload = app
        .keys()?
        .challenges
        .decode(challenge)
        .ok_or_else(|| refused("challenge", "this challenge was not issued by us"))?;
    if payload.exp <= app.clock.now().unix_timestamp() {
        return Err(refused("challenge", "this challenge has expired"));
    }
    if solution.is_empty() || solution.len() > 20 || !solution.bytes().all(|b| b.is_ascii_digit()) {
        return Err(refused("solution", "the solution must be a decimal number"));
    }
    if work(challenge, solution) < payload.bits.max(DIFFICULTY_BITS) {
        return Err(refused("solution", "the solution does not solve the challenge"));
    }
    Ok(Write::Put {
        item: model::challenge_used_item(&payload.id, payload.exp),
        condition: Some(Condition::NotExists),
    })
}

/// What to answer when the challenge's use-once write fails.
pub fn replayed() -> Error {
    refused("challenge", "this challenge was already used")
}

#[cfg(all(test, feature = "test-support"))]
mod tests {
    use super::*;

    #[test]
    fn counts_leading_zero_bits() {
        // Pick inputs by search so the test does not depend on magic values.
        let zero_byte = (0u64..)
            .map(|n| n.to_string())
            .find(|s| work("c", s) >= 8)
            .unwrap();
        assert!(work("c", &zero_byte) >= 8);
        let digest =
            aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, format!("c:{zero_byte}").as_bytes());
        assert_eq!(digest.as_ref()[0], 0);
    }
}
