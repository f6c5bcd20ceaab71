//! Requests without an account: `GET /guest/challenge` (a proof-of-work
//! challenge to solve first) and `POST /guest/tickets` (202: the ticket
//! number and access link go to the email given).

use lambda_http::http::{Method, StatusCode};
use lambda_http::{Body, Request, Response};
use servicedesk_shared::guest::{self, SUBMITTED, challenge};
use servicedesk_shared::{App, Error, Result, api};

pub async fn handler(app: &App, req: Request) -> Response<Body> {
    api::respond(route(app, &req).await)
}

async fn route(app: &App, req: &Request) -> Result<Response<Body>> {
    match (req.method(), req.uri().path()) {
        (&Method::GET, "/guest/challenge") => Ok(api::json(StatusCode::OK, &challenge::issue(app)?)),
        (&Method::POST, "/guest/tickets") => {
            guest::submit(app, api::json_body(req)?, &api::source_ip(req)).await?;
            Ok(api::json(
                StatusCode::ACCEPTED,
                &serde_json::json!({ "message": SUBMITTED }),
            ))
        }
        _ => Err(Error::NotFound("route")),
    }
}
