//! Opaque, tamper-evident page cursors.
//!
//! A cursor is `base64url(json) "." base64url(HMAC-SHA256)`. The JSON binds
//! the position to the list it came from, so a cursor is refused if forged,
//! altered, or replayed against another list (another customer's, say).

use aws_lc_rs::hmac;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::Error;
use crate::secret::Secret;

const MAX_LEN: usize = 2048;

pub struct CursorCodec {
    key: hmac::Key,
}

fn invalid() -> Error {
    Error::BadRequest("the cursor is invalid; start again from the first page (omit `cursor`)".into())
}

impl CursorCodec {
    pub fn new(secret: &Secret) -> Self {
        Self {
            key: hmac::Key::new(hmac::HMAC_SHA256, &secret.derive("servicedesk/cursor/v1")),
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

    pub fn decode<T: DeserializeOwned>(&self, cursor: &str) -> Result<T, Error> {
        if cursor.len() > MAX_LEN {
            return Err(invalid());
        }
        let (body, tag) = cursor.split_once('.').ok_or_else(invalid)?;
        let json = URL_SAFE_NO_PAD.decode(body).map_err(|_| invalid())?;
        let tag = URL_SAFE_NO_PAD.decode(tag).map_err(|_| invalid())?;
        // Constant-time comparison.
        hmac::verify(&self.key, &json, &tag).map_err(|_| invalid())?;
        serde_json::from_slice(&json).map_err(|_| invalid())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_refuses_tampering() {
        let codec = CursorCodec::new(&Secret::generate());
        let cursor = codec.encode(&("ORG#a", 7));
        assert_eq!(
            codec.decode::<(String, i32)>(&cursor).unwrap(),
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
            assert!(codec.decode::<(String, i32)>(&bad).is_err(), "{bad} accepted");
        }
        // A cursor signed with another key is refused too.
        let other = CursorCodec::new(&Secret::generate());
        assert!(other.decode::<(String, i32)>(&cursor).is_err());
    }
}
