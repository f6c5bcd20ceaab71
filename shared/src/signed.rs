//! Opaque, tamper-evident values we hand out and take back: page cursors,
//! guest challenges.
//!
//! A value is `base64url(json) "." base64url(HMAC-SHA256)` under a key
//! derived for one purpose, so a value of one kind is never accepted as
//! another. What the JSON binds is up to the caller: a cursor binds the
//! position to its list, so it is refused if replayed against another list.

use aws_lc_rs::hmac;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::secret::{Secret, Secrets};

const MAX_LEN: usize = 2048;

pub struct SignedCodec {
    /// The current secret's key signs; every key verifies (a rotation keeps
    /// what the previous secret signed working, and accepts the next one's).
    keys: Vec<hmac::Key>,
}

impl SignedCodec {
    /// A codec whose values only it (same secrets, same purpose) accepts.
    pub fn new(secrets: &Secrets, purpose: &str) -> Self {
        Self {
            keys: secrets
                .all()
                .map(|secret| hmac::Key::new(hmac::HMAC_SHA256, &secret.derive(purpose)))
                .collect(),
        }
    }

    /// A codec under one secret.
    pub fn single(secret: &Secret, purpose: &str) -> Self {
        Self::new(&Secrets::single(secret.clone()), purpose)
    }

    pub fn encode<T: Serialize>(&self, payload: &T) -> String {
        let json =
            serde_json::to_vec(payload).unwrap_or_else(|_| unreachable!("cursor payloads are plain data"));
        let tag = hmac::sign(&self.keys[0], &json);
        format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(&json),
            URL_SAFE_NO_PAD.encode(tag.as_ref())
        )
    }

    /// The payload, if `value` is one of ours and unaltered.
    pub fn decode<T: DeserializeOwned>(&self, value: &str) -> Option<T> {
        if value.len() > MAX_LEN {
            return None;
        }
        let (body, tag) = value.split_once('.')?;
        let json = URL_SAFE_NO_PAD.decode(body).ok()?;
        let tag = URL_SAFE_NO_PAD.decode(tag).ok()?;
        // Constant-time comparison, against each accepted key.
        self.keys
            .iter()
            .find(|key| hmac::verify(key, &json, &tag).is_ok())?;
        serde_json::from_slice(&json).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_refuses_tampering() {
        let codec = SignedCodec::single(&Secret::generate(), "test/v1");
        let cursor = codec.encode(&("ORG#a", 7));
        assert_eq!(
            codec.decode::<(String, i32)>(&cursor).expect("valid"),
            ("ORG#a".to_owned(), 7)
        );

        let (body, tag) = cursor.split_once('.').unwrap();
        let forged_body = URL_SAFE_NO_PAD.encode(br#"["ORG#b",7]"#);
        for bad in [
            format!("{forged_body}.{tag}"),
            format!("{body}.{}", URL_SAFE_NO_PAD.encode([0u8; 32])),
            body.to_owned(),
            String::new(),
            "x".repeat(5000),
        ] {
            assert!(codec.decode::<(String, i32)>(&bad).is_none(), "{bad} accepted");
        }
        // A cursor signed with another key is refused too.
        let other = SignedCodec::single(&Secret::generate(), "test/v1");
        assert!(other.decode::<(String, i32)>(&cursor).is_none());
        // So is one for another purpose under the same secret.
        let secret = Secret::generate();
        let cursor = SignedCodec::single(&secret, "cursor/v1").encode(&1);
        assert!(
            SignedCodec::single(&secret, "challenge/v1")
                .decode::<i32>(&cursor)
                .is_none()
        );
    }

    #[test]
    fn values_signed_before_a_rotation_stay_valid_until_their_secret_is_retired() {
        let (old, new) = (Secret::generate(), Secret::generate());
        let before = SignedCodec::single(&old, "test/v1");
        let value = before.encode(&7);
        let rotated = SignedCodec::new(
            &Secrets {
                current: new.clone(),
                accepted: vec![old.clone()],
            },
            "test/v1",
        );
        assert_eq!(rotated.decode::<i32>(&value), Some(7));
        // It signs with the new secret, which the old codec does not know.
        let fresh = rotated.encode(&8);
        assert_ne!(fresh, before.encode(&8));
        assert_eq!(before.decode::<i32>(&fresh), None);
        let retired = SignedCodec::single(&new, "test/v1");
        assert_eq!(retired.decode::<i32>(&value), None);
        assert_eq!(retired.decode::<i32>(&fresh), Some(8));
    }
}
