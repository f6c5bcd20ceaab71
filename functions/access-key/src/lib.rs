//! A guest's ticket, opened by its access key alone:
//! `GET /access/{key}`, `POST /access/{key}/notes`, `POST /access/{key}/rotate`.

use lambda_http::http::{Method, StatusCode};
use lambda_http::{Body, Request, Response};
use servicedesk_shared::guest::access;
use servicedesk_shared::{App, Error, Result, api};

pub async fn handler(app: &App, req: Request) -> Response<Body> {
    api::respond(route(app, &req).await)
}

async fn route(app: &App, req: &Request) -> Result<Response<Body>> {
    let key = api::path_param(req, "key")?;
    let source = api::source_ip(req);
    let action = req.uri().path().rsplit('/').next().unwrap_or_default();
    match (req.method(), action) {
        (&Method::GET, _) => Ok(api::json(
            StatusCode::OK,
            &access::view(app, &key, &source).await?,
        )),
        (&Method::POST, "notes") => {
            let event = access::add_note(app, &key, &source, api::json_body(req)?).await?;
            Ok(api::json(StatusCode::CREATED, &event))
        }
        (&Method::POST, "rotate") => {
            access::rotate(app, &key, &source).await?;
            Ok(api::json(
                StatusCode::ACCEPTED,
                &serde_json::json!({ "message": "We sent a new access link to the ticket's email address; the old one no longer works." }),
            ))
        }
        _ => Err(Error::NotFound("route")),
    }
}
