//! `POST /auth/password-reset` (always 202, same body, similar time) and
//! `POST /auth/password-reset/confirm` (token + new password).

use std::time::Duration;

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use servicedesk_shared::accounts::password_reset::{self, ACCEPTED};
use servicedesk_shared::{App, Error, Result, api};

/// Every reset request takes at least this long, whether or not an email
/// was sent, so timing does not tell which addresses have accounts.
pub const MIN_REQUEST_TIME: Duration = Duration::from_millis(400);

pub const REQUEST: &str = "POST /auth/password-reset";
pub const CONFIRM: &str = "POST /auth/password-reset/confirm";
/// The routes this function serves, as API Gateway names them.
pub const ROUTES: [&str; 2] = [REQUEST, CONFIRM];

pub async fn handler(app: &App, req: Request) -> Response<Body> {
    api::respond(route(app, &req).await)
}

async fn route(app: &App, req: &Request) -> Result<Response<Body>> {
    match api::route_key(req) {
        REQUEST => {
            let started = tokio::time::Instant::now();
            let request = api::json_body(req)?;
            let outcome = password_reset::request(app, request, &api::source_ip(req)).await;
            tokio::time::sleep_until(started + MIN_REQUEST_TIME).await;
            match outcome {
                // A malformed address is the caller's to fix; anything else looks like success.
                Err(err @ Error::InvalidField { .. }) => Err(err),
                Err(err) => {
                    tracing::error!(error = %err, "password reset request failed");
                    Ok(accepted())
                }
                Ok(()) => Ok(accepted()),
            }
        }
        CONFIRM => {
            password_reset::confirm(app, api::json_body(req)?).await?;
            Ok(api::no_content())
        }
        _ => Err(Error::NotFound("route")),
    }
}

fn accepted() -> Response<Body> {
    api::json(StatusCode::ACCEPTED, &serde_json::json!({ "message": ACCEPTED }))
}
