//! The application's root secret and the purpose-bound keys derived from it,
//! so one configured secret never serves two purposes directly.

use std::fmt;

use aws_lc_rs::hmac;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

#[derive(Clone)]
pub struct Secret(Vec<u8>);

/// The current secret, and previous ones still accepted for verification
/// while a rotation is under way.
#[derive(Clone, Debug)]
pub struct Secrets {
    pub current: Secret,
    pub previous: Vec<Secret>,
}

impl Secrets {
    pub fn single(current: Secret) -> Self {
        Self {
            current,
            previous: Vec::new(),
        }
    }
}

impl Secret {
    pub const MIN_LEN: usize = 32;

    /// Parses the base64 form used in configuration.
    pub fn from_base64(encoded: &str) -> Result<Self, String> {
        let bytes = STANDARD
            .decode(encoded.trim())
            .map_err(|e| format!("is not valid base64 ({e})"))?;
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
