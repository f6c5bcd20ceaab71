//! The application's root secret and the purpose-bound keys derived from it,
//! so one configured secret never serves two purposes directly.

use std::fmt;

#[cfg(feature = "secrets-manager")]
pub mod secrets_manager;

use aws_lc_rs::hmac;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

#[derive(Clone)]
pub struct Secret(Vec<u8>);

/// The current secret, which signs, and others that are only accepted for
/// verification while a rotation is under way (the next one while it is
/// staged, the previous one until it is retired).
#[derive(Clone, Debug)]
pub struct Secrets {
    pub current: Secret,
    pub accepted: Vec<Secret>,
}

impl Secrets {
    pub fn single(current: Secret) -> Self {
        Self {
            current,
            accepted: Vec::new(),
        }
    }

    /// The current secret first, then the accepted ones.
    pub fn all(&self) -> impl Iterator<Item = &Secret> {
        std::iter::once(&self.current).chain(&self.accepted)
    }
}

/// How long a running function may keep the secrets it read before it reads
/// them again: each rotation step waits this long before the next, so every
/// instance has seen a key before any other instance signs with it.
pub const REFRESH_INTERVAL: time::Duration = time::Duration::minutes(5);

/// How long each rotation step waits for the last: the refresh interval,
/// plus a minute for a read in flight (2 s at most) and for the operator's
/// clock being a little off.
pub const STEP_WAIT: time::Duration = time::Duration::minutes(6);

/// The secret as it is stored (Secrets Manager's `SecretString`): either the
/// base64 of one secret, or this JSON document while a rotation is under way.
/// Rotation is three steps, each waiting for every function to reread it:
/// `stage` adds `next` (accepted, not yet signing); `promote` makes it
/// `current` and keeps the old one in `previous`; `retire` drops `previous`
/// once nothing it signed is still valid.
#[derive(Clone, serde::Serialize, serde::Deserialize)]
pub struct SecretDocument {
    pub current: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub previous: Vec<String>,
    /// When the last step happened: the next one may not come sooner.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "time::serde::rfc3339::option"
    )]
    pub changed_at: Option<time::OffsetDateTime>,
}

impl fmt::Debug for SecretDocument {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecretDocument")
            .field("current", &"<redacted>")
            .field("next", &self.next.as_ref().map(|_| "<redacted>"))
            .field("previous", &format!("{} redacted", self.previous.len()))
            .field("changed_at", &self.changed_at)
            .finish()
    }
}

/// A rotation step that may not happen (yet).
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum RotationError {
    #[error("the stored secret {0}")]
    Invalid(String),
    #[error("a new secret is staged already; promote it (or wait, then promote)")]
    AlreadyStaged,
    #[error("the last rotation is not finished: retire its previous secret first")]
    Unfinished,
    #[error("no secret is staged; run the stage step first")]
    NothingStaged,
    #[error("nothing to retire: the secret has no previous one")]
    NothingToRetire,
    #[error(
        "too early: running functions may not have read the last change yet; run this step at or after {0}"
    )]
    TooEarly(String),
}

impl SecretDocument {
    /// Reads what is stored: a JSON document, or the plain base64 of one
    /// secret (as `openssl rand -base64 32` makes it).
    pub fn parse(stored: &str) -> Result<Self, RotationError> {
        let document = if stored.trim_start().starts_with('{') {
            // Never the parser's message: it may quote the secret.
            serde_json::from_str(stored).map_err(|e| {
                RotationError::Invalid(format!(
                    "is not a valid document (line {}, column {})",
                    e.line(),
                    e.column()
                ))
            })?
        } else {
            Self {
                current: stored.trim().to_owned(),
                next: None,
                previous: Vec::new(),
                changed_at: None,
            }
        };
        document.secrets()?;
        Ok(document)
    }

    /// The keys this document holds: `current` signs, the others verify.
    pub fn secrets(&self) -> Result<Secrets, RotationError> {
        let parse = |name: &str, raw: &str| {
            Secret::from_base64(raw).map_err(|e| RotationError::Invalid(format!("{name} {e}")))
        };
        let mut accepted = Vec::new();
        if let Some(next) = &self.next {
            accepted.push(parse("next", next)?);
        }
        for previous in &self.previous {
            accepted.push(parse("previous", previous)?);
        }
        Ok(Secrets {
            current: parse("current", &self.current)?,
            accepted,
        })
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| unreachable!("plain data"))
    }

    /// Step 1: a new secret every function will accept, before any signs with it.
    pub fn stage(&self, now: time::OffsetDateTime) -> Result<Self, RotationError> {
        if self.next.is_some() {
            return Err(RotationError::AlreadyStaged);
        }
        if !self.previous.is_empty() {
            return Err(RotationError::Unfinished);
        }
        Ok(Self {
            next: Some(Secret::generate().to_base64()),
            changed_at: Some(now),
            ..self.clone()
        })
    }

    /// Step 2: the staged secret signs; the old one is still accepted.
    pub fn promote(&self, now: time::OffsetDateTime) -> Result<Self, RotationError> {
        let next = self.next.clone().ok_or(RotationError::NothingStaged)?;
        if !self.previous.is_empty() {
            return Err(RotationError::Unfinished);
        }
        self.not_before(now, STEP_WAIT)?;
        Ok(Self {
            current: next,
            next: None,
            previous: vec![self.current.clone()],
            changed_at: Some(now),
        })
    }

    /// Step 3: the old secret stops working. Waits for every function to
    /// sign with the new one and for what the old one signed to expire
    /// (access tokens live 15 minutes; list cursors then restart).
    pub fn retire(
        &self,
        now: time::OffsetDateTime,
        longest_lived: time::Duration,
    ) -> Result<Self, RotationError> {
        if self.previous.is_empty() {
            return Err(RotationError::NothingToRetire);
        }
        self.not_before(now, STEP_WAIT + longest_lived)?;
        Ok(Self {
            previous: Vec::new(),
            changed_at: Some(now),
            ..self.clone()
        })
    }

    fn not_before(&self, now: time::OffsetDateTime, wait: time::Duration) -> Result<(), RotationError> {
        match self.changed_at {
            Some(at) if now < at + wait => Err(RotationError::TooEarly(
                (at + wait)
                    .format(&time::format_description::well_known::Rfc3339)
                    .unwrap_or_default(),
            )),
            _ => Ok(()),
        }
    }
}

impl Secret {
    pub const MIN_LEN: usize = 32;

    /// Parses the base64 form used in configuration.
    pub fn from_base64(encoded: &str) -> Result<Self, String> {
        let bytes = STANDARD
            .decode(encoded.trim())
            // Not the decoder's message: it quotes a byte of the secret.
            .map_err(|_| "is not valid base64".to_owned())?;
        Self::from_bytes(bytes)
    }

    pub fn from_bytes(bytes: Vec<u8>) -> Result<Self, String> {
        if bytes.len() < Self::MIN_LEN {
            return Err(format!(
                "must be at least {} bytes of random data (generate one with `openssl rand -base64 32`)",
                Self::MIN_LEN
            ));
        }
        Ok(Self(bytes))
    }

    /// A fresh random secret (for local runs and tests).
    pub fn generate() -> Self {
        let mut bytes = vec![0u8; 32];
        aws_lc_rs::rand::fill(&mut bytes).unwrap_or_else(|_| unreachable!("the system RNG does not fail"));
        Self(bytes)
    }

    pub fn to_base64(&self) -> String {
        STANDARD.encode(&self.0)
    }

    /// `HMAC-SHA256(root, purpose)`: independent keys per purpose.
    pub fn derive(&self, purpose: &str) -> Vec<u8> {
        let key = hmac::Key::new(hmac::HMAC_SHA256, &self.0);
        hmac::sign(&key, purpose.as_bytes()).as_ref().to_vec()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}
/// A random bearer token (links, refresh tokens, access keys: 256 bits,
/// URL-safe) and the digest we store in its place.
pub fn new_token() -> (String, String) {
    let token = random_token();
    let digest = digest(&token);
    (token, digest)
}

/// 256 random bits, URL-safe base64: the secret part of a token.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    aws_lc_rs::rand::fill(&mut bytes).unwrap_or_else(|_| unreachable!("the system RNG does not fail"));
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// SHA-256 of a token, hex. Tokens carry 256 random bits, so a plain digest
/// (no salt, no slow hash) is enough to make stored digests useless.
pub fn digest(token: &str) -> String {
    aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, token.as_bytes())
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn a_rotation_stages_promotes_and_retires_each_after_every_function_reread() {
        let t0 = datetime!(2026-12-02 08:00 UTC);
        let first = Secret::generate().to_base64();
        let stored = SecretDocument::parse(&format!("{first}\n")).unwrap();
        assert_eq!(stored.secrets().unwrap().accepted.len(), 0);

        let staged = stored.stage(t0).unwrap();
        let keys = staged.secrets().unwrap();
        assert_eq!(keys.current.to_base64(), first, "the old secret still signs");
        assert_eq!(keys.accepted.len(), 1, "the new one is accepted");
        assert_eq!(staged.stage(t0).unwrap_err(), RotationError::AlreadyStaged);

        // Promoting before every function has reread the stage is refused.
        let early = staged.promote(t0 + REFRESH_INTERVAL).unwrap_err();
        assert!(
            matches!(early, RotationError::TooEarly(ref at) if at == "2026-12-02T08:06:00Z"),
            "{early}"
        );
        let promoted = staged.promote(t0 + STEP_WAIT).unwrap();
        let keys = promoted.secrets().unwrap();
        assert_eq!(Some(keys.current.to_base64()), staged.next);
        assert_eq!(promoted.previous, vec![first.clone()]);
        // Stored and read back as the functions read it.
        let reread = SecretDocument::parse(&promoted.to_json()).unwrap();
        assert_eq!(reread.previous, vec![first]);
        assert_eq!(
            reread.stage(t0 + time::Duration::days(1)).unwrap_err(),
            RotationError::Unfinished
        );

        let lifetime = time::Duration::minutes(15);
        let t1 = t0 + STEP_WAIT;
        assert!(matches!(
            reread.retire(t1 + REFRESH_INTERVAL + lifetime, lifetime),
            Err(RotationError::TooEarly(_))
        ));
        let retired = reread.retire(t1 + STEP_WAIT + lifetime, lifetime).unwrap();
        assert!(retired.secrets().unwrap().accepted.is_empty());
        assert_eq!(
            retired
                .retire(t1 + time::Duration::days(1), lifetime)
                .unwrap_err(),
            RotationError::NothingToRetire
        );
        assert_eq!(
            retired.promote(t1 + time::Duration::days(1)).unwrap_err(),
            RotationError::NothingStaged
        );
    }

    #[test]
    fn a_malformed_stored_secret_says_what_is_wrong() {
        for (stored, says) in [
            ("c2hvcnQ=", "current must be at least 32 bytes"),
            ("{\"current\": 1}", "is not a valid document"),
            ("{\"current\": \"!!\"}", "current is not valid base64"),
            // The parser's own words would quote the value.
            (
                r#"{"current": "c2VjcmV0LXZhbHVl", "previous": "c2VjcmV0LXZhbHVl"}"#,
                "line 1, column",
            ),
        ] {
            let error = SecretDocument::parse(stored).unwrap_err().to_string();
            assert!(error.contains(says), "{stored}: {error}");
            assert!(
                !error.contains("c2Vj") && !error.contains("!!"),
                "the secret is quoted: {error}"
            );
        }
    }
}
