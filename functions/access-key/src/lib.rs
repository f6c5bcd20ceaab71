//! A guest's ticket, opened by its access key alone (sent as
//! `Authorization: AccessKey <key>`): `GET /access/ticket`,
//! `PATCH /access/ticket` (close, reopen), `POST /access/ticket/notes`,
//! `POST /access/ticket/rotate`.

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use servicedesk_shared::guest::access;
use servicedesk_shared::{App, Error, Result, api};

pub const VIEW: &str = "GET /access/ticket";
pub const UPDATE: &str = "PATCH /access/ticket";
pub const NOTE: &str = "POST /access/ticket/notes";
pub const ROTATE: &str = "POST /access/ticket/rotate";
/// The routes this function serves, as API Gateway names them.
pub const ROUTES: [&str; 4] = [VIEW, UPDATE, NOTE, ROTATE];

pub async fn handler(app: &App, req: Request) -> Response<Body> {
    api::respond_to_key_holder(route(app, &req).await)
}

async fn route(app: &App, req: &Request) -> Result<Response<Body>> {
    let key = api::access_key(req)?;
    let source = api::source_ip(req);
    match api::route_key(req) {
        VIEW => Ok(api::json(StatusCode::OK, &access::view(app, key, &source).await?)),
        // Close, or reopen: what the customer side may change.
        UPDATE => Ok(api::json(
            StatusCode::OK,
            &access::update(app, key, &source, api::json_body(req)?).await?,
        )),
        NOTE => {
            let event = access::add_note(app, key, &source, api::json_body(req)?).await?;
            Ok(api::json(StatusCode::CREATED, &event))
        }
        ROTATE => {
            access::rotate(app, key, &source).await?;
            Ok(api::json(
                StatusCode::ACCEPTED,
                &serde_json::json!({ "message": "We sent a new access link to your email address; the old one no longer works." }),
            ))
        }
        _ => Err(Error::NotFound("route")),
    }
}
