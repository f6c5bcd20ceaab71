//! Access tokens: JWTs signed with HS256 under a key derived from the app
//! secret. The algorithm, issuer, audience and expiry are always checked.

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

use super::{Actor, Role};
use crate::Error;
use crate::domain::{OrganizationId, UserId};
use crate::secret::Secret;

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
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    settings: TokenSettings,
}

impl TokenKeys {
    /// Lifetime of access tokens.
    pub const LIFETIME: Duration = Duration::minutes(15);

    pub fn new(secret: &Secret, settings: TokenSettings) -> Self {
        let key = secret.derive("servicedesk/jwt/hs256/v1");
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[&settings.issuer]);
        validation.set_audience(&[&settings.audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        // Expiry is checked in `verify` against the app's clock (the clock
        // port), not the system time jsonwebtoken would read.
        validation.validate_exp = false;
        Self {
            encoding: EncodingKey::from_secret(&key),
            decoding: DecodingKey::from_secret(&key),
            validation,
            settings,
        }
    }

    /// Signs an access token for `actor`, valid for `lifetime` from `now`.
    pub fn issue(&self, actor: &Actor, now: OffsetDateTime, lifetime: Duration) -> String {
        let (role, org) = match actor {
            Actor::Customer { organization, .. } => (Role::Customer, Some(organization.to_string())),
            Actor::Agent { .. } => (Role::Agent, None),
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
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .unwrap_or_else(|e| unreachable!("HS256 signing of plain claims cannot fail: {e}"))
    }

    /// Clock skew tolerated between the issuer and us.
    const LEEWAY_SECONDS: i64 = 30;

    /// Verifies a token at `now` and returns who it speaks for.
    pub fn verify(&self, token: &str, now: OffsetDateTime) -> Result<Actor, Error> {
        let invalid = || Error::Unauthenticated("the access token is invalid".into());
        let claims = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map_err(|_| invalid())?
            .claims;
        if claims.exp + Self::LEEWAY_SECONDS < now.unix_timestamp() {
            return Err(Error::Unauthenticated("the access token has expired".into()));
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
