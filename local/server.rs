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
use lambda_http::aws_lambda_events::apigw::ApiGatewayV2httpRequestContext;
use lambda_http::aws_lambda_events::query_map::QueryMap;
use lambda_http::request::RequestContext;
use lambda_http::{Body, RequestExt};
use servicedesk_shared::{App, Error, api};
use tower::ServiceExt;
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
        let (app, template, key, handler) = (app.clone(), route.path, route.key, route.handler);
        let endpoint = on(filter, move |req: AxumRequest| {
            invoke(app, template, key, handler, req)
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
    // The front end routes in the browser: a path naming a file of the site
    // is that file (or 404), every other path gets the page shell, by the
    // same rule as the CDN's function in infra/template.yaml.
    let files = ServeDir::new(&web_dir);
    let shell = ServeFile::new(web_dir.join("index.html"));
    let web = tower::service_fn(move |req: AxumRequest| {
        let (files, shell) = (files.clone(), shell.clone());
        async move {
            if is_api_path(req.uri().path()) {
                // The CDN sends these to API Gateway, which has no route for them.
                return Ok(to_axum(api::problem(&Error::NotFound("route"))));
            }
            let file = if is_site_file(req.uri().path()) {
                files.oneshot(req).await
            } else {
                shell.oneshot(req).await
            };
            file.map(|response| response.map(AxumBody::new))
        }
    });
    router
        .fallback_service(
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
        .layer(axum::middleware::from_fn(within_gateway_limits))
}

/// The extensions of the site's files; the CDN's function in
/// infra/template.yaml keeps the same list (tests/browser/cdn.mjs runs it
/// against this server).
pub const SITE_FILE_EXTENSIONS: [&str; 10] = [
    "html",
    "js",
    "css",
    "yaml",
    "json",
    "svg",
    "png",
    "ico",
    "txt",
    "webmanifest",
];

/// The CDN's path patterns that go to the API origin (infra/template.yaml's
/// cache behaviors; a test keeps the two equal): a path under them that no
/// route serves is a 404 here as in AWS, never the page shell.
pub const API_PATH_PATTERNS: [&str; 8] = [
    "/tickets*",
    "/auth/*",
    "/account/*",
    "/admin/*",
    "/guest/*",
    "/access/*",
    "/agent/*",
    "/announcements",
];

/// Whether the CDN sends `path` to the API (CloudFront's `*` matches any
/// characters; ours only end a pattern).
pub fn is_api_path(path: &str) -> bool {
    API_PATH_PATTERNS
        .iter()
        .any(|pattern| match pattern.strip_suffix('*') {
            Some(prefix) => path.starts_with(prefix),
            None => path == *pattern,
        })
}

/// Whether `path` names a file of the site rather than a page of the front end.
pub fn is_site_file(path: &str) -> bool {
    path.rsplit_once('.')
        .is_some_and(|(_, ext)| SITE_FILE_EXTENSIONS.contains(&ext))
}

/// The static site's policy (the CDN sets the same in AWS): our own scripts
/// only, no inline script, never framed. The referrer is never sent, so the
/// access page's address cannot leak through links.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; connect-src 'self'; worker-src 'self'; object-src 'none'; base-uri 'none'; \
     form-action 'self'; frame-ancestors 'none'";

/// API Gateway HTTP APIs refuse request lines and headers past these sizes
/// before any function runs; the portal refuses them the same way, as a
/// problem like every other error (hyper's own, far larger limits would
/// otherwise answer with an empty body).
pub const MAX_URI_BYTES: usize = 8 * 1024;
pub const MAX_HEADER_BYTES: usize = 10 * 1024;

async fn within_gateway_limits(req: AxumRequest, next: axum::middleware::Next) -> AxumResponse {
    let header_bytes: usize = req
        .headers()
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len() + 4)
        .sum();
    let refusal = if req.uri().to_string().len() > MAX_URI_BYTES {
        Some((
            414,
            "uri-too-long",
            "The address is too long",
            MAX_URI_BYTES,
            "address",
        ))
    } else if header_bytes > MAX_HEADER_BYTES {
        Some((
            431,
            "headers-too-large",
            "The request headers are too large",
            MAX_HEADER_BYTES,
            "headers",
        ))
    } else {
        None
    };
    match refusal {
        None => next.run(req).await,
        Some((status, slug, title, limit, what)) => {
            let problem = serde_json::json!({
                "type": format!("https://servicedesk.dev/problems/{slug}"),
                "title": title,
                "status": status,
                "detail": format!("the request's {what} must be at most {limit} bytes; send less (long lists go in a JSON body)"),
            });
            AxumResponse::builder()
                .status(status)
                .header(http::header::CONTENT_TYPE, "application/problem+json")
                .header(http::header::CACHE_CONTROL, "no-store")
                .body(AxumBody::from(problem.to_string()))
                .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
        }
    }
}

async fn invoke(
    app: Arc<App>,
    template: &'static str,
    key: &'static str,
    handler: Handler,
    req: AxumRequest,
) -> AxumResponse {
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
    // As API Gateway does: the route it matched, by the template's name.
    let mut context = ApiGatewayV2httpRequestContext::default();
    context.route_key = Some(key.to_owned());
    let request = http::Request::from_parts(parts, body)
        .with_path_parameters(QueryMap::from(
            path_params
                .into_iter()
                .map(|(k, v)| (k, vec![v]))
                .collect::<HashMap<_, _>>(),
        ))
        .with_query_string_parameters(QueryMap::from(query))
        .with_request_context(RequestContext::ApiGatewayV2(context));
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
