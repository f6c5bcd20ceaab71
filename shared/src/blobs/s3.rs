//! Blobs in Amazon S3. Presigning is local computation (SigV4), so asking
//! for an upload or download link costs no AWS call. The upload's
//! `content-length` and `content-type` are signed headers: S3 refuses a
//! PUT with another size or type.

use async_trait::async_trait;
use aws_sdk_s3::Client;
use aws_sdk_s3::error::DisplayErrorContext;
use aws_sdk_s3::presigning::{PresignedRequest as SdkPresigned, PresigningConfig};
use time::{Duration, OffsetDateTime};

use super::{BlobError, BlobStore, PresignedRequest};

pub struct S3BlobStore {
    client: Client,
    bucket: String,
}

impl S3BlobStore {
    /// Borrows an already-built client: build it once, in `main`.
    pub fn new(client: Client, bucket: impl Into<String>) -> Self {
        Self {
            client,
            bucket: bucket.into(),
        }
    }
}

fn presigning(now: OffsetDateTime, ttl: Duration) -> Result<PresigningConfig, BlobError> {
    PresigningConfig::builder()
        .start_time(std::time::SystemTime::from(now))
        .expires_in(ttl.unsigned_abs())
        .build()
        .map_err(|e| BlobError::Invalid(e.to_string()))
}

fn unavailable<E: std::error::Error + 'static>(err: E) -> BlobError {
    BlobError::Unavailable(DisplayErrorContext(&err).to_string())
}

fn ours(request: SdkPresigned, now: OffsetDateTime, ttl: Duration) -> PresignedRequest {
    PresignedRequest {
        method: request.method().to_owned(),
        url: request.uri().to_owned(),
        headers: request
            .headers()
            .map(|(name, value)| (name.to_owned(), value.to_owned()))
            .collect(),
        expires_at: now + ttl,
    }
}

#[async_trait]
impl BlobStore for S3BlobStore {
    async fn presign_put(
        &self,
        key: &str,
        content_type: &str,
        size: u64,
        now: OffsetDateTime,
        ttl: Duration,
    ) -> Result<PresignedRequest, BlobError> {
        let size = i64::try_from(size).map_err(|e| BlobError::Invalid(e.to_string()))?;
        let request = self
            .client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .content_type(content_type)
            .content_length(size)
            .presigned(presigning(now, ttl)?)
            .await
            .map_err(unavailable)?;
        Ok(ours(request, now, ttl))
    }

    async fn presign_get(
        &self,
        key: &str,
        disposition: &str,
        now: OffsetDateTime,
        ttl: Duration,
    ) -> Result<PresignedRequest, BlobError> {
        let request = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .response_content_disposition(disposition)
            .response_content_type("application/octet-stream")
            .presigned(presigning(now, ttl)?)
            .await
            .map_err(unavailable)?;
        Ok(ours(request, now, ttl))
    }

    async fn size(&self, key: &str) -> Result<Option<u64>, BlobError> {
        match self
            .client
            .head_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
        {
            Ok(head) => Ok(Some(head.content_length().unwrap_or(0).max(0) as u64)),
            Err(err) if err.as_service_error().is_some_and(|e| e.is_not_found()) => Ok(None),
            Err(err) => Err(unavailable(err)),
        }
    }

    async fn head_bytes(&self, key: &str, len: usize) -> Result<Vec<u8>, BlobError> {
        let object = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .range(format!("bytes=0-{}", len.saturating_sub(1)))
            .send()
            .await
            .map_err(unavailable)?;
        let bytes = object.body.collect().await.map_err(unavailable)?.into_bytes();
        Ok(bytes.iter().take(len).copied().collect())
    }

    async fn promote(&self, from: &str, to: &str) -> Result<(), BlobError> {
        let copied = self
            .client
            .copy_object()
            .bucket(&self.bucket)
            .copy_source(format!("{}/{from}", self.bucket))
            .key(to)
            .send()
            .await;
        match copied {
            Ok(_) => {}
            // Already moved by an earlier delivery of the same event.
            Err(_) if self.size(to).await?.is_some() => return Ok(()),
            Err(err) => return Err(unavailable(err)),
        }
        self.delete(from).await
    }

    async fn put(&self, key: &str, bytes: &[u8], content_type: &str) -> Result<(), BlobError> {
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .content_type(content_type)
            .body(aws_sdk_s3::primitives::ByteStream::from(bytes.to_vec()))
            .send()
            .await
            .map_err(unavailable)?;
        Ok(())
    }

    async fn delete(&self, key: &str) -> Result<(), BlobError> {
        self.client
            .delete_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
            .map_err(unavailable)?;
        Ok(())
    }
}
