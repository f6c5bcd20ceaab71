//! Blobs in a local folder (`./data/blobs/`), for `cargo run`. Presigned
//! URLs point at the local portal's `/blobs/{key}` and are HMAC-signed
//! with the same bindings S3 enforces: method, key, expiry, and for
//! uploads the exact size and content type. The portal checks them with
//! [`LocalBlobStore::authorize`] and streams the body to disk.

use std::path::{Path, PathBuf};

use async_trait::async_trait;
use aws_lc_rs::hmac;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use time::{Duration, OffsetDateTime};

use super::{BlobError, BlobStore, PresignedRequest};
use crate::secret::Secret;

pub struct LocalBlobStore {
    root: PathBuf,
    base_url: String,
    key: hmac::Key,
}

/// What a valid signed URL allows.
#[derive(Debug, Clone, PartialEq)]
pub enum Grant {
    Put { size: u64, content_type: String },
    Get { disposition: String },
}

fn encode(value: &str) -> String {
    percent_encoding::utf8_percent_encode(value, percent_encoding::NON_ALPHANUMERIC).to_string()
}

/// Keys are ours (`pending/T…/id`), but never trust a path from a URL.
fn valid_key(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= 200
        && key.split('/').all(|part| {
            !part.is_empty()
                && part != "."
                && part != ".."
                && part
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
        })
}

impl LocalBlobStore {
    pub fn new(root: impl Into<PathBuf>, base_url: impl Into<String>, secret: &Secret) -> Self {
        Self {
            root: root.into(),
            base_url: base_url.into().trim_end_matches('/').to_owned(),
            key: hmac::Key::new(hmac::HMAC_SHA256, &secret.derive("servicedesk/blobs/v1")),
        }
    }

    /// Where `key` lives on disk, if the key is acceptable.
    pub fn path_of(&self, key: &str) -> Result<PathBuf, BlobError> {
        if !valid_key(key) {
            return Err(BlobError::Invalid(format!("bad blob key {key:?}")));
        }
        Ok(self.root.join(key))
    }

    fn sign(&self, method: &str, key: &str, expires: i64, binding: &str) -> String {
        let tag = hmac::sign(
            &self.key,
            format!("{method}\n{key}\n{expires}\n{binding}").as_bytes(),
        );
        URL_SAFE_NO_PAD.encode(tag.as_ref())
    }

    /// Checks a signed URL's query for `method` on `key` at `now`.
    pub fn authorize(
        &self,
        method: &str,
        key: &str,
        query: &str,
        now: OffsetDateTime,
    ) -> Result<Grant, BlobError> {
        let refused = |why: &str| BlobError::Invalid(format!("{why}; ask for a new link"));
        let params: Vec<(String, String)> = form_urlencoded_pairs(query);
        let get = |name: &str| params.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str());
        let expires: i64 = get("expires")
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| refused("the link has no expiry"))?;
        let binding = match method {
            "PUT" => format!(
                "{}\n{}",
                get("size").unwrap_or_default(),
                get("type").unwrap_or_default()
            ),
            _ => get("disposition").unwrap_or_default().to_owned(),
        };
        let tag = get("signature")
            .and_then(|s| URL_SAFE_NO_PAD.decode(s).ok())
            .ok_or_else(|| refused("the link is not signed"))?;
        hmac::verify(
            &self.key,
            format!("{method}\n{key}\n{expires}\n{binding}").as_bytes(),
            &tag,
        )
        .map_err(|_| refused("the link's signature does not match"))?;
        if expires <= now.unix_timestamp() {
            return Err(refused("the link has expired"));
        }
        Ok(match method {
            "PUT" => Grant::Put {
                size: get("size").and_then(|v| v.parse().ok()).unwrap_or(0),
                content_type: get("type").unwrap_or_default().to_owned(),
            },
            _ => Grant::Get {
                disposition: get("disposition").unwrap_or_default().to_owned(),
            },
        })
    }

    fn url(&self, key: &str, query: &str) -> String {
        format!("{}/blobs/{key}?{query}", self.base_url)
    }
}

fn form_urlencoded_pairs(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| {
            let decode = |s: &str| {
                percent_encoding::percent_decode_str(&s.replace('+', " "))
                    .decode_utf8_lossy()
                    .into_owned()
            };
            (decode(k), decode(v))
        })
        .collect()
}

async fn exists(path: &Path) -> bool {
    tokio::fs::metadata(path).await.is_ok()
}

#[async_trait]
impl BlobStore for LocalBlobStore {
    async fn presign_put(
        &self,
        key: &str,
        content_type: &str,
        size: u64,
        now: OffsetDateTime,
        ttl: Duration,
    ) -> Result<PresignedRequest, BlobError> {
        self.path_of(key)?;
        let expires_at = now + ttl;
        let expires = expires_at.unix_timestamp();
        let signature = self.sign("PUT", key, expires, &format!("{size}\n{content_type}"));
        Ok(PresignedRequest {
            method: "PUT".into(),
            url: self.url(
                key,
                &format!(
                    "expires={expires}&size={size}&type={}&signature={signature}",
                    encode(content_type)
                ),
            ),
            headers: vec![
                ("content-type".into(), content_type.into()),
                ("content-length".into(), size.to_string()),
            ],
            expires_at,
        })
    }

    async fn presign_get(
        &self,
        key: &str,
        disposition: &str,
        now: OffsetDateTime,
        ttl: Duration,
    ) -> Result<PresignedRequest, BlobError> {
        self.path_of(key)?;
        let expires_at = now + ttl;
        let expires = expires_at.unix_timestamp();
        let signature = self.sign("GET", key, expires, disposition);
        Ok(PresignedRequest {
            method: "GET".into(),
            url: self.url(
                key,
                &format!(
                    "expires={expires}&disposition={}&signature={signature}",
                    encode(disposition)
                ),
            ),
            headers: vec![],
            expires_at,
        })
    }

    async fn size(&self, key: &str) -> Result<Option<u64>, BlobError> {
        match tokio::fs::metadata(self.path_of(key)?).await {
            Ok(meta) => Ok(Some(meta.len())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(BlobError::Unavailable(e.to_string())),
        }
    }

    async fn head_bytes(&self, key: &str, len: usize) -> Result<Vec<u8>, BlobError> {
        use tokio::io::AsyncReadExt;
        let file = tokio::fs::File::open(self.path_of(key)?)
            .await
            .map_err(|e| BlobError::Unavailable(e.to_string()))?;
        let mut bytes = Vec::with_capacity(len);
        file.take(len as u64)
            .read_to_end(&mut bytes)
            .await
            .map_err(|e| BlobError::Unavailable(e.to_string()))?;
        Ok(bytes)
    }

    async fn promote(&self, from: &str, to: &str) -> Result<(), BlobError> {
        let (from, to) = (self.path_of(from)?, self.path_of(to)?);
        if let Some(dir) = to.parent() {
            tokio::fs::create_dir_all(dir)
                .await
                .map_err(|e| BlobError::Unavailable(e.to_string()))?;
        }
        if !exists(&from).await && exists(&to).await {
            return Ok(()); // already moved (a repeated verification)
        }
        tokio::fs::rename(from, to)
            .await
            .map_err(|e| BlobError::Unavailable(e.to_string()))
    }

    async fn put(&self, key: &str, bytes: &[u8], _content_type: &str) -> Result<(), BlobError> {
        let path = self.path_of(key)?;
        let unavailable = |e: std::io::Error| BlobError::Unavailable(e.to_string());
        if let Some(dir) = path.parent() {
            tokio::fs::create_dir_all(dir).await.map_err(unavailable)?;
        }
        // Written aside, then renamed: nobody reads half a file.
        let partial = path.with_extension("partial");
        tokio::fs::write(&partial, bytes).await.map_err(unavailable)?;
        tokio::fs::rename(&partial, &path).await.map_err(unavailable)
    }

    async fn delete(&self, key: &str) -> Result<(), BlobError> {
        match tokio::fs::remove_file(self.path_of(key)?).await {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(BlobError::Unavailable(e.to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> LocalBlobStore {
        LocalBlobStore::new("/tmp/unused", "http://127.0.0.1:3000", &Secret::generate())
    }

    fn query(url: &str) -> &str {
        url.split_once('?').unwrap().1
    }

    #[tokio::test]
    async fn signed_urls_bind_method_key_size_type_and_expiry() {
        let blobs = store();
        let now = OffsetDateTime::from_unix_timestamp(1_795_000_000).unwrap();
        let put = blobs
            .presign_put(
                "pending/T20261122.0001/a1",
                "application/pdf",
                1234,
                now,
                Duration::minutes(15),
            )
            .await
            .unwrap();
        let q = query(&put.url);
        assert_eq!(
            blobs
                .authorize("PUT", "pending/T20261122.0001/a1", q, now)
                .unwrap(),
            Grant::Put {
                size: 1234,
                content_type: "application/pdf".into()
            }
        );
        assert!(
            blobs
                .authorize("PUT", "pending/T20261122.0001/a2", q, now)
                .is_err(),
            "another key"
        );
        assert!(
            blobs
                .authorize("GET", "pending/T20261122.0001/a1", q, now)
                .is_err(),
            "another method"
        );
        assert!(
            blobs
                .authorize(
                    "PUT",
                    "pending/T20261122.0001/a1",
                    &q.replace("size=1234", "size=99999"),
                    now
                )
                .is_err()
        );
        assert!(
            blobs
                .authorize(
                    "PUT",
                    "pending/T20261122.0001/a1",
                    &q.replace("application%2Fpdf", "text%2Fhtml"),
                    now
                )
                .is_err()
        );
        assert!(
            blobs
                .authorize("PUT", "pending/T20261122.0001/a1", q, now + Duration::minutes(15))
                .is_err(),
            "expired"
        );
        let other = store();
        assert!(
            other
                .authorize("PUT", "pending/T20261122.0001/a1", q, now)
                .is_err(),
            "another secret"
        );
        assert!(blobs.path_of("../etc/passwd").is_err());
        assert!(blobs.path_of("pending/../../x").is_err());
    }
}
