//! The HTTP edge every Lambda shares (API Gateway HTTP API, payload v2):
//! reading requests, authenticating, rendering responses and problems.
//! Errors become `application/problem+json` here and nowhere else.

use http::header::{CACHE_CONTROL, CONTENT_TYPE, LOCATION, RETRY_AFTER, WWW_AUTHENTICATE};
use http::{HeaderValue, StatusCode};
use lambda_http::{Body, Request, RequestExt, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::domain::Actor;
use crate::{App, Error, Result};

/// The largest JSON body any endpoint accepts.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// Turns a handler's result into the response, rendering errors as problems.
pub fn respond(result: Result<Response<Body>>) -> Response<Body> {
    result.unwrap_or_else(|err| problem(&err))
}

/// The RFC 9457 rendering of an error.
pub fn problem(err: &Error) -> Response<Body> {
    let problem = err.to_problem();
    let body = serde_json::to_string(&problem).unwrap_or_else(|_| unreachable!("problems are plain data"));
    let mut response = base_response(problem.status, "application/problem+json", body);
    match err {
        Error::Unauthenticated(_) => {
            response.headers_mut().insert(
                WWW_AUTHENTICATE,
                HeaderValue::from_static(r#"Bearer error="invalid_token""#),
            );
        }
        Error::TooManyRequests { retry_after, .. } => {
            response
                .headers_mut()
                .insert(RETRY_AFTER, HeaderValue::from(*retry_after));
        }
        _ => {}
    }
    response
}

fn base_response(status: u16, content_type: &'static str, body: String) -> Response<Body> {
    let mut response = Response::new(Body::Text(body));
    *response.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    // Responses carry customer data: never cache them in shared caches.
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert("x-content-type-options", HeaderValue::from_static("nosniff"));
    response
}

pub fn json<T: Serialize>(status: StatusCode, body: &T) -> Response<Body> {
    let body = serde_json::to_string(body).unwrap_or_else(|e| unreachable!("responses are plain data: {e}"));
    base_response(status.as_u16(), "application/json", body)
}

/// `201 Created` with the new resource and its location.
pub fn created<T: Serialize>(location: &str, body: &T) -> Response<Body> {
    let mut response = json(StatusCode::CREATED, body);
    if let Ok(value) = HeaderValue::from_str(location) {
        response.headers_mut().insert(LOCATION, value);
    }
    response
}

/// `201 Created` for a request that may be a retry: a replayed answer says
/// so (`Idempotent-Replayed: true`), so a client can tell the two apart.
pub fn created_once<T: Serialize>(location: &str, once: &crate::idempotency::Once<T>) -> Response<Body> {
    let mut response = created(location, once.value());
    if once.replayed() {
        response
            .headers_mut()
            .insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    response
}

/// `204 No Content`.
pub fn no_content() -> Response<Body> {
    let mut response = base_response(204, "application/json", String::new());
    *response.body_mut() = Body::Empty;
    response.headers_mut().remove(CONTENT_TYPE);
    response
}

/// A cookie sent with the request.
pub fn cookie(req: &Request, name: &str) -> Option<String> {
    req.headers()
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v.to_owned())
}

/// Adds a `Set-Cookie` that only the browser holds: not readable by scripts,
/// only over HTTPS, never sent on cross-site requests, only to `path`.
pub fn set_private_cookie(response: &mut Response<Body>, name: &str, value: &str, path: &str, max_age: i64) {
    let cookie = format!("{name}={value}; Path={path}; Max-Age={max_age}; HttpOnly; Secure; SameSite=Strict");
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().append(http::header::SET_COOKIE, value);
    }
}

/// Header a browser only sends when our own script asks it to: a cross-site
/// form cannot set it, and a cross-site script would need a CORS preflight
/// we never grant. Required where a cookie alone authenticates (CSRF).
pub const CSRF_HEADER: &str = "x-servicedesk-csrf";

pub fn require_csrf_header(req: &Request) -> Result<()> {
    // The value is fixed so the header means one thing (as documented).
    if req
        .headers()
        .get(CSRF_HEADER)
        .is_some_and(|v| v.as_bytes() == b"1")
    {
        Ok(())
    } else {
        Err(Error::Forbidden(format!(
            "send the header '{CSRF_HEADER}: 1' with this request"
        )))
    }
}

/// The route API Gateway matched (`routeKey`, e.g. `GET /tickets/{number}`:
/// the template's own spelling), which every function dispatches on; empty
/// when the event names none. The local server sets it the same way.
pub fn route_key(req: &Request) -> &str {
    match req.request_context_ref() {
        Some(lambda_http::request::RequestContext::ApiGatewayV2(context)) => {
            context.route_key.as_deref().unwrap_or_default()
        }
        _ => "",
    }
}

/// The caller's address as API Gateway saw it ("local" when the event
/// carries none: the local server), for throttling. IPv6 addresses count per
/// /64, the block one subscriber gets, so rotating addresses within it does
/// not escape a limit.
pub fn source_ip(req: &Request) -> String {
    match req.request_context_ref() {
        Some(lambda_http::request::RequestContext::ApiGatewayV2(context)) => context
            .http
            .source_ip
            .as_deref()
            .map(throttling_source)
            .unwrap_or_else(|| "local".into()),
        _ => "local".into(),
    }
}

fn throttling_source(ip: &str) -> String {
    match ip.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V6(v6)) if v6.to_ipv4_mapped().is_none() => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
        Ok(std::net::IpAddr::V6(v6)) => v6.to_ipv4_mapped().map(|v4| v4.to_string()).unwrap_or_default(),
        Ok(v4) => v4.to_string(),
        Err(_) => ip.to_owned(),
    }
}

/// The caller, from `Authorization: Bearer <token>`: a session's access
/// token (no store read) or an integration token (one BatchGetItem).
pub async fn authenticate(app: &App, req: &Request) -> Result<Actor> {
    let token = bearer(req)?;
    if crate::accounts::api_tokens::is_api_token(token) {
        return crate::accounts::api_tokens::authenticate(app, token).await;
    }
    app.keys()?.tokens.verify(token, app.clock.now())
}

/// The caller, who must hold a session (not an integration token): for
/// managing the account itself and administering the desk.
pub fn authenticate_session(app: &App, req: &Request) -> Result<Actor> {
    let token = bearer(req)?;
    if crate::accounts::api_tokens::is_api_token(token) {
        return Err(Error::Forbidden(
            "integration tokens cannot manage accounts or administer the desk; sign in (POST /auth/login) and use the session's access token".into(),
        ));
    }
    app.keys()?.tokens.verify(token, app.clock.now())
}

fn bearer(req: &Request) -> Result<&str> {
    let header = req
        .headers()
        .get(http::header::AUTHORIZATION)
        .ok_or_else(|| {
            Error::Unauthenticated(
                "this endpoint requires an access token: sign in (POST /auth/login) and send it as 'Authorization: Bearer <token>'"
                    .into(),
            )
        })?;
    let token = header
        .to_str()
        .ok()
        .and_then(|h| h.strip_prefix("Bearer ").or_else(|| h.strip_prefix("bearer ")))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| Error::Unauthenticated("the Authorization header must be 'Bearer <token>'".into()))?;
    Ok(token)
}

/// The access key a guest or invited person presents as
/// `Authorization: AccessKey <key>`: in a header, never in the URL, so no
/// access log, proxy or browser history records it.
pub fn access_key(req: &Request) -> Result<&str> {
    let missing = || {
        Error::Unauthenticated(
            "this endpoint needs the ticket's access key (from the emailed link's '#key=...'), sent as 'Authorization: AccessKey <key>'"
                .into(),
        )
    };
    let header = req
        .headers()
        .get(http::header::AUTHORIZATION)
        .ok_or_else(missing)?;
    let (scheme, key) = header
        .to_str()
        .ok()
        .and_then(|h| h.split_once(' '))
        .ok_or_else(missing)?;
    let key = key.trim();
    if !scheme.eq_ignore_ascii_case("AccessKey") || key.is_empty() {
        return Err(missing());
    }
    Ok(key)
}

/// [`respond`] for endpoints that take an access key: a 401 names the
/// `AccessKey` scheme, not `Bearer`.
pub fn respond_to_key_holder(result: Result<Response<Body>>) -> Response<Body> {
    let mut response = respond(result);
    if response.status() == http::StatusCode::UNAUTHORIZED {
        response
            .headers_mut()
            .insert(WWW_AUTHENTICATE, HeaderValue::from_static("AccessKey"));
    }
    response
}

/// The request body's bytes, however API Gateway delivered them (text, or
/// base64 already decoded).
pub fn body_bytes(req: &Request) -> &[u8] {
    match req.body() {
        Body::Text(text) => text.as_bytes(),
        Body::Binary(bytes) => bytes,
        _ => b"",
    }
}

/// The request's `Idempotency-Key` for `operation` by `actor`, if it sent one.
pub fn idempotency_key(
    req: &Request,
    actor: &Actor,
    operation: &str,
) -> Result<Option<crate::idempotency::RequestKey>> {
    let Some(value) = req.headers().get(crate::idempotency::HEADER) else {
        return Ok(None);
    };
    // Bytes that are not text become U+FFFD, which the key's rule refuses.
    let key = String::from_utf8_lossy(value.as_bytes());
    crate::idempotency::RequestKey::new(actor, operation, &key, body_bytes(req)).map(Some)
}

/// Parses a JSON body into `T`, naming the offending field on failure.
pub fn json_body<T: DeserializeOwned>(req: &Request) -> Result<T> {
    let is_json = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| {
            let v = v.trim();
            v.eq_ignore_ascii_case("application/json") || v.to_ascii_lowercase().ends_with("+json")
        });
    if !is_json {
        return Err(Error::UnsupportedMediaType);
    }
    let bytes = body_bytes(req);
    if bytes.len() > MAX_BODY_BYTES {
        return Err(Error::PayloadTooLarge {
            limit: MAX_BODY_BYTES,
        });
    }
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(Error::BadRequest(
            "the request body is empty; send a JSON object".into(),
        ));
    }
    // Syntax first (400), then shape (422 naming the field).
    let value: serde_json::Value = serde_json::from_slice(bytes)
        .map_err(|e| Error::BadRequest(format!("the body is not valid JSON ({e})")))?;
    if !value.is_object() {
        return Err(Error::invalid("body", "must be a JSON object"));
    }
    serde_path_to_error::deserialize(whole_numbers_as_integers(value)).map_err(|err| {
        let path = err.path().to_string();
        let message = plain_type_names(&err.into_inner().to_string());
        if path == "." {
            // Missing or unknown top-level fields: serde names them in the message.
            let field = message.split('`').nth(1).unwrap_or("body").to_owned();
            if message.starts_with("missing field") {
                Error::refused(field, crate::error::Reason::Required, message)
            } else {
                Error::invalid(field, message)
            }
        } else {
            Error::invalid(path, message)
        }
    })
}

/// JSON has one number type: `1.0` is the integer 1 (as JSON Schema says),
/// so integer fields take it; `1.5` stays a float and is refused.
fn whole_numbers_as_integers(value: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::Number(n) if !n.is_i64() && !n.is_u64() => match n.as_f64() {
            Some(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Value::from(f as i64),
            _ => Value::Number(n),
        },
        Value::Array(items) => Value::Array(items.into_iter().map(whole_numbers_as_integers).collect()),
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| (k, whole_numbers_as_integers(v)))
                .collect(),
        ),
        other => other,
    }
}

/// serde names Rust types ("expected u64"); callers read JSON.
fn plain_type_names(message: &str) -> String {
    let mut out = message.to_owned();
    for (rust, json) in [
        ("expected u64", "expected a whole number of 0 or more"),
        ("expected u32", "expected a whole number of 0 or more"),
        ("expected u16", "expected a whole number of 0 or more"),
        ("expected usize", "expected a whole number of 0 or more"),
        ("expected i64", "expected a whole number"),
        ("expected i32", "expected a whole number"),
        ("expected f64", "expected a number"),
        ("integer `", "number `"),
        ("floating point `", "number `"),
    ] {
        out = out.replace(rust, json);
    }
    out
}

/// serde_json appends " at line 1 column 42"; the field name says more.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_owned(),
        None => message.to_owned(),
    }
}

/// The longest path parameter (an id, a key, an address) any route takes, in bytes.
pub const MAX_PATH_PARAM_CHARS: usize = 320;
/// The longest query parameter (a signed cursor is the longest), in bytes.
pub const MAX_QUERY_PARAM_CHARS: usize = 2048;

/// A value from the URL, refused before it can reach the store when it
/// cannot be anything we hold: control characters (NUL among them) or
/// overlong. A 4xx naming the parameter, never an outage.
fn url_value(name: &'static str, value: &str, max: usize) -> Result<String> {
    if value.chars().any(char::is_control) {
        return Err(Error::refused(
            name,
            crate::error::Reason::ControlCharacters,
            "must not contain control characters",
        ));
    }
    // Bytes, as the store's key limits count them.
    if value.len() > max {
        return Err(Error::refused(
            name,
            crate::error::Reason::TooLong(max as u64),
            format!("must be at most {max} bytes"),
        ));
    }
    Ok(value.to_owned())
}

/// A path parameter (`/tickets/{number}`), as API Gateway extracted it. A
/// value that cannot name anything we hold (see [`url_value`]) is a 404
/// like any other unknown one.
pub fn path_param(req: &Request, name: &'static str) -> Result<String> {
    let value = req
        .path_parameters_ref()
        .and_then(|p| p.first(name))
        .ok_or_else(|| Error::BadRequest(format!("missing path parameter {name}")))?;
    url_value(name, value, MAX_PATH_PARAM_CHARS).map_err(|_| Error::NotFound(name))
}

/// A query string parameter; repeated parameters are refused to avoid ambiguity.
pub fn query_param(req: &Request, name: &'static str) -> Result<Option<String>> {
    let Some(params) = req.query_string_parameters_ref() else {
        return Ok(None);
    };
    match params.all(name) {
        None => Ok(None),
        Some(values) if values.len() == 1 => url_value(name, values[0], MAX_QUERY_PARAM_CHARS).map(Some),
        Some(_) => Err(Error::invalid(name, "must be given at most once")),
    }
}

/// A query parameter parsed as one of the snake_case values of `T`.
pub fn query_enum<T: DeserializeOwned>(req: &Request, name: &'static str) -> Result<Option<T>> {
    query_param(req, name)?
        .map(|raw| {
            serde_json::from_value(serde_json::Value::String(raw.clone()))
                .map_err(|e| Error::invalid(name, strip_position(&e.to_string())))
        })
        .transpose()
}

/// A signed-in session: the access token in the body (the page keeps it in
/// memory), the refresh token in an HttpOnly cookie scripts cannot read.
pub fn session(status: StatusCode, session: &crate::accounts::sessions::Session) -> Response<Body> {
    use crate::accounts::sessions::{REFRESH_COOKIE, REFRESH_COOKIE_PATH, REFRESH_LIFETIME};
    let mut response = json(status, session);
    set_private_cookie(
        &mut response,
        REFRESH_COOKIE,
        &session.refresh_token,
        REFRESH_COOKIE_PATH,
        REFRESH_LIFETIME.whole_seconds(),
    );
    response
}

/// Clears the refresh cookie (sign-out).
pub fn clear_session(response: &mut Response<Body>) {
    use crate::accounts::sessions::{REFRESH_COOKIE, REFRESH_COOKIE_PATH};
    set_private_cookie(response, REFRESH_COOKIE, "", REFRESH_COOKIE_PATH, 0);
}

/// The `{number}` path parameter as a ticket number. A value of the
/// documented form that still names no possible ticket (the 30th of
/// February, sequence 0000) is simply unknown: 404, like any other.
pub fn ticket_number(req: &Request) -> Result<crate::domain::TicketNumber> {
    let raw = path_param(req, "number")?;
    raw.parse().map_err(|e| {
        let documented_form = raw.len() >= 14
            && raw.starts_with('T')
            && raw.as_bytes()[9] == b'.'
            && raw[1..9].bytes().all(|b| b.is_ascii_digit())
            && raw[10..].bytes().all(|b| b.is_ascii_digit())
            && (4..=6).contains(&raw[10..].len())
            && matches!(
                &raw[5..7],
                "01" | "02" | "03" | "04" | "05" | "06" | "07" | "08" | "09" | "10" | "11" | "12"
            )
            && matches!(raw[7..9].parse::<u8>(), Ok(1..=31));
        if documented_form {
            Error::NotFound("ticket")
        } else {
            Error::invalid("number", format!("{e}"))
        }
    })
}

/// The `limit` query parameter of a paged list.
pub fn page_limit(req: &Request) -> Result<u32> {
    use crate::tickets::ListRequest;
    match query_param(req, "limit")? {
        None => Ok(ListRequest::DEFAULT_LIMIT),
        Some(raw) => raw
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=ListRequest::MAX_LIMIT).contains(n))
            .ok_or_else(|| {
                Error::invalid(
                    "limit",
                    format!("must be a whole number from 1 to {}", ListRequest::MAX_LIMIT),
                )
            }),
    }
}

/// A `true`/`false` query parameter.
pub fn query_flag(req: &Request, name: &'static str) -> Result<bool> {
    match query_param(req, name)?.as_deref() {
        None | Some("false") => Ok(false),
        Some("true") => Ok(true),
        Some(_) => Err(Error::invalid(name, "must be true or false")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_numbers_written_with_a_point_are_integers() {
        let value =
            whole_numbers_as_integers(serde_json::json!({"a": 1.0, "b": [2.0, 2.5], "c": {"d": -3.0}}));
        assert_eq!(value, serde_json::json!({"a": 1, "b": [2, 2.5], "c": {"d": -3}}));
        assert!(value["a"].is_u64());
        assert_eq!(
            plain_type_names("invalid type: floating point `2.5`, expected u64"),
            "invalid type: number `2.5`, expected a whole number of 0 or more"
        );
    }

    #[test]
    fn ipv6_sources_count_per_64_block() {
        assert_eq!(throttling_source("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
        assert_eq!(
            throttling_source("2001:db8:1:2:bbbb:cccc:dddd:eeee"),
            "2001:db8:1:2::/64"
        );
        assert_eq!(throttling_source("203.0.113.7"), "203.0.113.7");
        assert_eq!(throttling_source("::ffff:203.0.113.7"), "203.0.113.7");
    }
}
