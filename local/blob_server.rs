//! What S3 does for presigned URLs, locally: `PUT /blobs/{key}` and
//! `GET /blobs/{key}` with the HMAC-signed query the local blob store
//! issued. Uploads must match the signed size and type exactly and are
//! streamed to disk (never held in memory), then verified at once, as the
//! S3 event would trigger in AWS.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, Request, State};
use axum::response::{IntoResponse, Response};
use axum::routing::put;
use futures_util::StreamExt;
use http::header::{CONTENT_DISPOSITION, CONTENT_LENGTH, CONTENT_TYPE};
use http::{HeaderValue, StatusCode};
use servicedesk_shared::App;
use servicedesk_shared::attachments;
use servicedesk_shared::blobs::local::{Grant, LocalBlobStore};
use tokio::io::AsyncWriteExt;
use tower::ServiceExt;

type Blobs = (Arc<App>, Arc<LocalBlobStore>);

pub fn routes(app: Arc<App>, blobs: Arc<LocalBlobStore>) -> Router {
    Router::new()
        .route("/blobs/{*key}", put(upload).get(download))
        .with_state((app, blobs))
}

/// Answers like S3 does: a status and a one-line reason.
fn refuse(status: StatusCode, reason: &str) -> Response {
    (
        status,
        [(CONTENT_TYPE, "text/plain; charset=utf-8")],
        format!("{reason}\n"),
    )
        .into_response()
}

fn header(req: &Request, name: http::HeaderName) -> Option<&str> {
    req.headers().get(name).and_then(|v| v.to_str().ok())
}

async fn upload(State((app, blobs)): State<Blobs>, Path(key): Path<String>, req: Request) -> Response {
    let query = req.uri().query().unwrap_or_default().to_owned();
    let (size, content_type) = match blobs.authorize("PUT", &key, &query, app.clock.now()) {
        Ok(Grant::Put { size, content_type }) => (size, content_type),
        Ok(_) => return refuse(StatusCode::FORBIDDEN, "not an upload link"),
        Err(e) => return refuse(StatusCode::FORBIDDEN, &e.to_string()),
    };
    if header(&req, CONTENT_TYPE) != Some(content_type.as_str()) {
        return refuse(
            StatusCode::FORBIDDEN,
            "the Content-Type differs from the one the link was signed for",
        );
    }
    if header(&req, CONTENT_LENGTH).and_then(|v| v.parse::<u64>().ok()) != Some(size) {
        return refuse(
            StatusCode::FORBIDDEN,
            "the Content-Length differs from the size the link was signed for",
        );
    }
    let path = match blobs.path_of(&key) {
        Ok(path) => path,
        Err(e) => return refuse(StatusCode::BAD_REQUEST, &e.to_string()),
    };
    if let Err(e) = write_exactly(req, &path, size).await {
        return refuse(StatusCode::BAD_REQUEST, &e);
    }
    match attachments::verify(&app, &key).await {
        Ok(_) => StatusCode::OK.into_response(),
        Err(e) => refuse(
            StatusCode::SERVICE_UNAVAILABLE,
            &format!("stored, but not verified: {e}"),
        ),
    }
}

/// Streams the body to a temporary file, refusing more or fewer than
/// `size` bytes, then moves it into place.
async fn write_exactly(req: Request, path: &std::path::Path, size: u64) -> Result<(), String> {
    let parent = path.parent().ok_or("bad path")?;
    tokio::fs::create_dir_all(parent)
        .await
        .map_err(|e| e.to_string())?;
    let partial = path.with_extension("part");
    let mut file = tokio::fs::File::create(&partial)
        .await
        .map_err(|e| e.to_string())?;
    let mut written = 0u64;
    let mut stream = req.into_body().into_data_stream();
    let result = async {
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| format!("upload interrupted: {e}"))?;
            written += chunk.len() as u64;
            if written > size {
                return Err("more bytes than the signed size".to_owned());
            }
            file.write_all(&chunk).await.map_err(|e| e.to_string())?;
        }
        if written != size {
            return Err(format!("{written} bytes arrived, {size} were signed for"));
        }
        file.flush().await.map_err(|e| e.to_string())
    }
    .await;
    match result {
        Ok(()) => tokio::fs::rename(&partial, path).await.map_err(|e| e.to_string()),
        Err(e) => {
            let _ = tokio::fs::remove_file(&partial).await;
            Err(e)
        }
    }
}

async fn download(State((app, blobs)): State<Blobs>, Path(key): Path<String>, req: Request) -> Response {
    let query = req.uri().query().unwrap_or_default().to_owned();
    let disposition = match blobs.authorize("GET", &key, &query, app.clock.now()) {
        Ok(Grant::Get { disposition }) => disposition,
        Ok(_) => return refuse(StatusCode::FORBIDDEN, "not a download link"),
        Err(e) => return refuse(StatusCode::FORBIDDEN, &e.to_string()),
    };
    let path = match blobs.path_of(&key) {
        Ok(path) => path,
        Err(e) => return refuse(StatusCode::BAD_REQUEST, &e.to_string()),
    };
    let served = tower_http::services::ServeFile::new(path).oneshot(req).await;
    let mut response = match served {
        Ok(response) if response.status().is_success() => response.map(axum::body::Body::new),
        _ => return refuse(StatusCode::NOT_FOUND, "no such file"),
    };
    let headers = response.headers_mut();
    // Always a download, never rendered by the browser.
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/octet-stream"));
    headers.insert("x-content-type-options", HeaderValue::from_static("nosniff"));
    match HeaderValue::from_str(&disposition) {
        Ok(value) => {
            headers.insert(CONTENT_DISPOSITION, value);
        }
        Err(_) => return refuse(StatusCode::BAD_REQUEST, "bad file name"),
    }
    response
}
