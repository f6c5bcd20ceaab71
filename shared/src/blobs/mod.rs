//! The blob port: where attachment bytes live. Clients upload and download
//! directly with short-lived presigned URLs; our code only signs them and
//! inspects what arrived. Adapters: S3 ([`s3`]) and a local folder served by
//! the local portal ([`local`]).

pub mod local;
#[cfg(feature = "s3")]
pub mod s3;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

/// A request the client makes itself: `PUT url` with these headers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PresignedRequest {
    pub method: String,
    pub url: String,
    /// Headers the signature covers; the client must send them as given.
    pub headers: Vec<(String, String)>,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
}

#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    #[error("blob store unavailable: {0}")]
    Unavailable(String),
    #[error("invalid blob request: {0}")]
    Invalid(String),
}

impl From<BlobError> for crate::Error {
    fn from(err: BlobError) -> Self {
        tracing::error!(error = %err, "blob store failure");
        match err {
            BlobError::Unavailable(_) => crate::Error::Unavailable(err.to_string()),
            BlobError::Invalid(_) => crate::Error::Internal(err.to_string()),
        }
    }
}

#[async_trait]
pub trait BlobStore: Send + Sync {
    /// A URL to upload exactly `size` bytes of `content_type` to `key`,
    /// valid for `ttl` from `now`. No network call.
    async fn presign_put(
        &self,
        key: &str,
        content_type: &str,
        size: u64,
        now: OffsetDateTime,
        ttl: Duration,
    ) -> Result<PresignedRequest, BlobError>;

    /// A URL to download `key` as a file named by `disposition`
    /// (a ready `Content-Disposition` value), valid for `ttl`. No network call.
    async fn presign_get(
        &self,
        key: &str,
        disposition: &str,
        now: OffsetDateTime,
        ttl: Duration,
    ) -> Result<PresignedRequest, BlobError>;

    /// The stored size, or `None` if nothing is stored under `key`.
    async fn size(&self, key: &str) -> Result<Option<u64>, BlobError>;

    /// Up to `len` first bytes (to check what the file really is).
    async fn head_bytes(&self, key: &str, len: usize) -> Result<Vec<u8>, BlobError>;

    /// Moves a verified upload out of the pending area.
    async fn promote(&self, from: &str, to: &str) -> Result<(), BlobError>;

    /// Stores `bytes` of `content_type` under `key` (a file that came by
    /// mail, where there is no browser to upload it).
    async fn put(&self, key: &str, bytes: &[u8], content_type: &str) -> Result<(), BlobError>;

    async fn delete(&self, key: &str) -> Result<(), BlobError>;
}

/// For functions built without a blob store: every call is refused.
pub struct NoBlobs;

#[async_trait]
impl BlobStore for NoBlobs {
    async fn presign_put(
        &self,
        _: &str,
        _: &str,
        _: u64,
        _: OffsetDateTime,
        _: Duration,
    ) -> Result<PresignedRequest, BlobError> {
        Err(no_blobs())
    }
    async fn presign_get(
        &self,
        _: &str,
        _: &str,
        _: OffsetDateTime,
        _: Duration,
    ) -> Result<PresignedRequest, BlobError> {
        Err(no_blobs())
    }
    async fn size(&self, _: &str) -> Result<Option<u64>, BlobError> {
        Err(no_blobs())
    }
    async fn head_bytes(&self, _: &str, _: usize) -> Result<Vec<u8>, BlobError> {
        Err(no_blobs())
    }
    async fn promote(&self, _: &str, _: &str) -> Result<(), BlobError> {
        Err(no_blobs())
    }
    async fn put(&self, _: &str, _: &[u8], _: &str) -> Result<(), BlobError> {
        Err(no_blobs())
    }
    async fn delete(&self, _: &str) -> Result<(), BlobError> {
        Err(no_blobs())
    }
}

fn no_blobs() -> BlobError {
    BlobError::Unavailable("this function is built without a blob store (enable the `s3` feature)".into())
}

/// `Content-Disposition: attachment` for `file_name`: an ASCII fallback
/// and the exact UTF-8 name (RFC 6266 / RFC 8187), so no name can break
/// out of the header or make the browser render the file.
pub fn attachment_disposition(file_name: &str) -> String {
    let fallback: String = file_name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ' ') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded = percent_encoding::utf8_percent_encode(file_name, percent_encoding::NON_ALPHANUMERIC);
    format!("attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dispositions_are_safe_for_any_name() {
        assert_eq!(
            attachment_disposition("report.pdf"),
            "attachment; filename=\"report.pdf\"; filename*=UTF-8''report%2Epdf"
        );
        let tricky = attachment_disposition("naïve \"x\";\r\nSet-Cookie: a=b.txt");
        assert!(!tricky.contains('\r') && !tricky.contains('\n'));
        assert!(
            tricky.starts_with("attachment; filename=\"na_ve _x____Set-Cookie_ a_b.txt\""),
            "{tricky}"
        );
        assert!(tricky.contains("filename*=UTF-8''na%C3%AFve"), "{tricky}");
    }
}
