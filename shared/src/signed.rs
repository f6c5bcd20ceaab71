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

use crate::secret::Secret;

const MAX_LEN: usize = 2048;

pub struct SignedCodec {
    key: hmac::Key,
}

impl SignedCodec {
    /// A codec whose values only it (same secret, same purpose) accepts.
    pub fn new(secret: &Secret, purpose: &str) -> Self {
        Self {
            key: hmac::Key::new(hmac::HMAC_SHA256, &secret.derive(purpose)),
        }
    }

    pub fn encode<T: Serialize>(&self, payload: &T) -> String {
        let json =
            serde_json::to_vec(payload).unwrap_or_else(|_| unreachable!("cursor payloads are plain data"));
        let tag = hmac::sign(&self.key, &json);
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
        // Constant-time comparison.
        hmac::verify(&self.key, &json, &tag).ok()?;
        serde_json::from_slice(&json).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_refuses_tampering() {
        let codec = SignedCodec::new(&Secret::generate(), "test/v1");
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
        let other = SignedCodec::new(&Secret::generate(), "test/v1");
        assert!(other.decode::<(String, i32)>(&cursor).is_none());
        // So is one for another purpose under the same secret.
        let secret = Secret::generate();
        let cursor = SignedCodec::new(&secret, "cursor/v1").encode(&1);
        assert!(
            SignedCodec::new(&secret, "challenge/v1")
                .decode::<i32>(&cursor)
                .is_none()
        );
    }
}
