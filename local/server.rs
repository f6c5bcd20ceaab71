//! An HTTP server that does locally what API Gateway does in AWS: match the
//! route, turn the HTTP request into the Lambda event the handler expects
//! (path and query parameters included), and turn its answer back.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;
use axum::body::Body as AxumBody;
use axum::extract::Request as AxumRequest;
use axum::response::{IntoResponse, Response as AxumResponse};
use axum::routing::{MethodFilter, MethodRouter, on};
use http::HeaderValue;
use http::StatusCode;
use lambda_http::aws_lambda_events::query_map::QueryMap;
use lambda_http::{Body, RequestExt};
use servicedesk_shared::{App, Error, api};
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::SetResponseHeaderLayer;

use crate::routes::{Handler, routes};

/// API Gateway HTTP APIs refuse payloads over 10 MB before the Lambda runs.
pub const GATEWAY_PAYLOAD_LIMIT: usize = 10 * 1024 * 1024;

/// The portal: API routes, then the web front end for everything else.
pub fn router(app: Arc<App>, web_dir: PathBuf) -> Router {
    let mut by_path: Vec<(&'static str, MethodRouter)> = Vec::new();
    for route in routes() {
        let filter =
            MethodFilter::try_from(route.method.clone()).unwrap_or_else(|_| unreachable!("standard method"));
        let (app, template, handler) = (app.clone(), route.path, route.handler);
        let endpoint = on(filter, move |req: AxumRequest| {
            invoke(app, template, handler, req)
        });
        match by_path.iter_mut().find(|(path, _)| *path == route.path) {
            Some((_, methods)) => *methods = std::mem::take(methods).merge(endpoint),
            None => by_path.push((route.path, endpoint)),
        }
    }
    let mut router = Router::new();
    for (path, methods) in by_path {
        router = router.route(path, methods);
    }
    // The front end routes in the browser: unknown paths get the page shell.
    let web = ServeDir::new(&web_dir).fallback(ServeFile::new(web_dir.join("index.html")));
    router.fallback_service(
        tower::ServiceBuilder::new()
            .layer(SetResponseHeaderLayer::if_not_present(
                http::header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(CONTENT_SECURITY_POLICY),
            ))
            .layer(SetResponseHeaderLayer::if_not_present(
                http::header::REFERRER_POLICY,
                HeaderValue::from_static("no-referrer"),
            ))
            .layer(SetResponseHeaderLayer::if_not_present(
                http::header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ))
            .service(web),
    )
}

/// The static site's policy (the CDN sets the same in AWS): our own scripts
/// only, no inline script, never framed. The referrer is never sent, so the
/// access page's address cannot leak through links.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; connect-src 'self'; worker-src 'self'; object-src 'none'; base-uri 'none'; \
     form-action 'self'; frame-ancestors 'none'";

async fn invoke(app: Arc<App>, template: &'static str, handler: Handler, req: AxumRequest) -> AxumResponse {
    let (parts, body) = req.into_parts();
    let bytes = match axum::body::to_bytes(body, GATEWAY_PAYLOAD_LIMIT).await {
        Ok(bytes) => bytes,
        Err(_) => {
            return to_axum(api::problem(&Error::PayloadTooLarge {
                limit: GATEWAY_PAYLOAD_LIMIT,
            }));
        }
    };
    let body = if bytes.is_empty() {
        Body::Empty
    } else {
        match String::from_utf8(bytes.to_vec()) {
            Ok(text) => Body::Text(text),
            Err(e) => Body::Binary(e.into_bytes()),
        }
    };
    let path_params: HashMap<String, String> = crate::routes::path_parameters(template, parts.uri.path())
        .unwrap_or_default()
        .into_iter()
        .collect();
    let mut query: HashMap<String, Vec<String>> = HashMap::new();
    for (name, value) in form_urlencoded::parse(parts.uri.query().unwrap_or("").as_bytes()) {
        query
            .entry(name.into_owned())
            .or_default()
            .push(value.into_owned());
    }
    let request = http::Request::from_parts(parts, body)
        .with_path_parameters(QueryMap::from(
            path_params
                .into_iter()
                .map(|(k, v)| (k, vec![v]))
                .collect::<HashMap<_, _>>(),
        ))
        .with_query_string_parameters(QueryMap::from(query));
    to_axum(handler(&app, request).await)
}

fn to_axum(response: lambda_http::Response<Body>) -> AxumResponse {
    let (parts, body) = response.into_parts();
    let body = match body {
        Body::Empty => AxumBody::empty(),
        Body::Text(text) => AxumBody::from(text),
        Body::Binary(bytes) => AxumBody::from(bytes),
        _ => return StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    };
    AxumResponse::from_parts(parts, body)
}
