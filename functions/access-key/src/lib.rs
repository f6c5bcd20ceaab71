//! A guest's ticket, opened by its access key alone (sent as
//! `Authorization: AccessKey <key>`): `GET /access/ticket`,
//! `PATCH /access/ticket` (close, reopen), `POST /access/ticket/notes`,
//! `POST /access/ticket/rotate`.

use lambda_http::http::{Method, StatusCode};
use lambda_http::{Body, Request, Response};
use servicedesk_shared::guest::access;
use servicedesk_shared::{App, Error, Result, api};

pub async fn handler(app: &App, req: Request) -> Response<Body> {
    api::respond_to_key_holder(route(app, &req).await)
}

async fn route(app: &App, req: &Request) -> Result<Response<Body>> {
    let key = api::access_key(req)?;
    let source = api::source_ip(req);
    let action = req.uri().path().rsplit('/').next().unwrap_or_default();
    match (req.method(), action) {
        (&Method::GET, _) => Ok(api::json(StatusCode::OK, &access::view(app, key, &source).await?)),
        // Close, or reopen: what the customer side may change.
        (&Method::PATCH, _) => Ok(api::json(
            StatusCode::OK,
            &access::update(app, key, &source, api::json_body(req)?).await?,
        )),
        (&Method::POST, "notes") => {
            let event = access::add_note(app, key, &source, api::json_body(req)?).await?;
            Ok(api::json(StatusCode::CREATED, &event))
        }
        (&Method::POST, "rotate") => {
            access::rotate(app, key, &source).await?;
            Ok(api::json(
                StatusCode::ACCEPTED,
                &serde_json::json!({ "message": "We sent a new access link to your email address; the old one no longer works." }),
            ))
        }
        _ => Err(Error::NotFound("route")),
    }
}
