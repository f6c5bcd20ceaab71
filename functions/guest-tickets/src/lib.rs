//! Requests without an account: `GET /guest/challenge` (a proof-of-work
//! challenge to solve first) and `POST /guest/tickets` (202: the ticket
//! number and access link go to the email given).

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use servicedesk_shared::guest::{self, SUBMITTED, challenge};
use servicedesk_shared::{App, Error, Result, api};

pub const CHALLENGE: &str = "GET /guest/challenge";
pub const SUBMIT: &str = "POST /guest/tickets";
/// The routes this function serves, as API Gateway names them.
pub const ROUTES: [&str; 2] = [CHALLENGE, SUBMIT];

pub async fn handler(app: &App, req: Request) -> Response<Body> {
    api::respond(route(app, &req).await)
}

async fn route(app: &App, req: &Request) -> Result<Response<Body>> {
    match api::route_key(req) {
        CHALLENGE => Ok(api::json(StatusCode::OK, &challenge::issue(app)?)),
        SUBMIT => {
            guest::submit(app, api::json_body(req)?, &api::source_ip(req)).await?;
            Ok(api::json(
                StatusCode::ACCEPTED,
                &serde_json::json!({ "message": SUBMITTED }),
            ))
        }
        _ => Err(Error::NotFound("route")),
    }
}
