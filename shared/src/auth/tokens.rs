//! Access tokens: JWTs signed with HS256 under a key derived from the app
//! secret. The algorithm, issuer, audience and expiry are always checked.
//!
//! Key rotation: every token names its key in the `kid` header. Tokens are
//! signed with the current secret's key and verified with it or with a
//! previous secret's key, so rotating the secret (new current, old moved to
//! previous) signs nobody out.

use std::collections::HashMap;

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

use crate::Error;
use crate::domain::{Actor, OrganizationId, Role, UserId};
use crate::secret::{Secret, Secrets};

const SIGN_IN_AGAIN: &str =
    "refresh it (POST /auth/refresh) or sign in again, and send it as 'Authorization: Bearer <token>'";

/// Issuer and audience every token must carry.
#[derive(Debug, Clone)]
pub struct TokenSettings {
    pub issuer: String,
    pub audience: String,
}

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    iss: String,
    aud: String,
    sub: String,
    iat: i64,
    exp: i64,
    role: Role,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    org: Option<String>,
}

pub struct TokenKeys {
    kid: String,
    encoding: EncodingKey,
    decoding: HashMap<String, DecodingKey>,
    validation: Validation,
    settings: TokenSettings,
}

/// The key for signing tokens, derived from a secret, and its public id.
fn signing_key(secret: &Secret) -> (String, Vec<u8>) {
    let key = secret.derive("servicedesk/jwt/hs256/v1");
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, &key);
    let kid = digest.as_ref()[..8].iter().map(|b| format!("{b:02x}")).collect();
    (kid, key)
}

impl TokenKeys {
    /// Lifetime of access tokens.
    pub const LIFETIME: Duration = Duration::minutes(15);

    pub fn new(secrets: &Secrets, settings: TokenSettings) -> Self {
        let (kid, key) = signing_key(&secrets.current);
        let decoding = secrets
            .all()
            .map(|secret| {
                let (kid, key) = signing_key(secret);
                (kid, DecodingKey::from_secret(&key))
            })
            .collect();
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[&settings.issuer]);
        validation.set_audience(&[&settings.audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        // Expiry is checked in `verify` against the app's clock (the clock
        // port), not the system time jsonwebtoken would read.
        validation.validate_exp = false;
        Self {
            encoding: EncodingKey::from_secret(&key),
            kid,
            decoding,
            validation,
            settings,
        }
    }

    /// Signs an access token for `actor`, valid for `lifetime` from `now`.
    /// Access tokens are for account holders; a guest's access key is its
    /// own credential and never becomes a token.
    pub fn issue(&self, actor: &Actor, now: OffsetDateTime, lifetime: Duration) -> Result<String, Error> {
        let (role, org) = match actor {
            Actor::Customer { organization, .. } => (Role::Customer, Some(organization.to_string())),
            Actor::Agent { .. } => (Role::Agent, None),
            Actor::Guest { .. } => {
                return Err(Error::Forbidden(
                    "guests use their access key, not an access token".into(),
                ));
            }
        };
        let claims = Claims {
            iss: self.settings.issuer.clone(),
            aud: self.settings.audience.clone(),
            sub: actor.user().to_string(),
            iat: now.unix_timestamp(),
            exp: (now + lifetime).unix_timestamp(),
            role,
            org,
        };
        let header = Header {
            kid: Some(self.kid.clone()),
            ..Header::new(Algorithm::HS256)
        };
        Ok(jsonwebtoken::encode(&header, &claims, &self.encoding)
            .unwrap_or_else(|e| unreachable!("HS256 signing of plain claims cannot fail: {e}")))
    }

    /// Clock skew tolerated between the issuer and us.
    const LEEWAY_SECONDS: i64 = 30;

    /// Verifies a token at `now` and returns who it speaks for.
    pub fn verify(&self, token: &str, now: OffsetDateTime) -> Result<Actor, Error> {
        let invalid = || Error::Unauthenticated(format!("the access token is invalid; {SIGN_IN_AGAIN}"));
        let kid = jsonwebtoken::decode_header(token)
            .map_err(|_| invalid())?
            .kid
            .ok_or_else(invalid)?;
        let key = self.decoding.get(&kid).ok_or_else(invalid)?;
        let claims = jsonwebtoken::decode::<Claims>(token, key, &self.validation)
            .map_err(|_| invalid())?
            .claims;
        if claims.exp + Self::LEEWAY_SECONDS < now.unix_timestamp() {
            return Err(Error::Unauthenticated(format!(
                "the access token has expired; {SIGN_IN_AGAIN}"
            )));
        }
        let user = UserId::parse(&claims.sub).ok_or_else(invalid)?;
        match (claims.role, claims.org) {
            (Role::Customer, Some(org)) => Ok(Actor::Customer {
                user,
                organization: OrganizationId::parse(&org).ok_or_else(invalid)?,
            }),
            (Role::Agent, None) => Ok(Actor::Agent { user }),
            _ => Err(invalid()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing;

    fn settings() -> TokenSettings {
        testing::token_settings()
    }

    #[test]
    fn tokens_of_a_previous_secret_verify_after_rotation() {
        let now = OffsetDateTime::now_utc();
        let actor = testing::customer("ann", "acme");
        let (old, new) = (Secret::generate(), Secret::generate());
        let before = TokenKeys::new(&Secrets::single(old.clone()), settings());
        let token = before.issue(&actor, now, TokenKeys::LIFETIME).unwrap();

        let rotated = TokenKeys::new(
            &Secrets {
                current: new.clone(),
                accepted: vec![old],
            },
            settings(),
        );
        assert_eq!(
            rotated.verify(&token, now).unwrap(),
            actor,
            "old tokens still verify"
        );
        let fresh = rotated.issue(&actor, now, TokenKeys::LIFETIME).unwrap();
        assert_ne!(
            jsonwebtoken::decode_header(&fresh).unwrap().kid,
            jsonwebtoken::decode_header(&token).unwrap().kid
        );

        // Once the old secret is dropped, its tokens stop working.
        let retired = TokenKeys::new(&Secrets::single(new), settings());
        assert!(retired.verify(&token, now).is_err());
        assert!(retired.verify(&fresh, now).is_ok());
    }

    #[test]
    fn tokens_without_a_known_kid_are_refused() {
        let secret = Secret::generate();
        let keys = TokenKeys::new(&Secrets::single(secret.clone()), settings());
        let now = OffsetDateTime::now_utc();
        let claims = Claims {
            iss: "servicedesk".into(),
            aud: "servicedesk-api".into(),
            sub: "ann".into(),
            iat: now.unix_timestamp(),
            exp: now.unix_timestamp() + 60,
            role: Role::Agent,
            org: None,
        };
        let (_, key) = signing_key(&secret);
        let no_kid = jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &EncodingKey::from_secret(&key),
        )
        .unwrap();
        assert!(keys.verify(&no_kid, now).is_err(), "right key, but no kid");
    }
}
