//! Changing a ticket: `PATCH /tickets/{number}` (status, priority, assignee,
//! escalation, visibility), `POST /tickets/{number}/participants` (share by
//! email) and `DELETE /tickets/{number}/participants/{email}`.

use lambda_http::http::{Method, StatusCode};
use lambda_http::{Body, Request, Response};
use servicedesk_shared::{App, Error, Result, api, conversation};

pub async fn handler(app: &App, req: Request) -> Response<Body> {
    api::respond(route(app, &req).await)
}

async fn route(app: &App, req: &Request) -> Result<Response<Body>> {
    let actor = api::authenticate(app, req).await?;
    let number = api::ticket_number(req)?;
    let ticket = match (req.method(), req.uri().path().ends_with("/participants")) {
        (&Method::PATCH, _) => conversation::update(app, &actor, &number, api::json_body(req)?).await?,
        (&Method::POST, true) => conversation::share(app, &actor, &number, api::json_body(req)?).await?,
        (&Method::DELETE, _) => {
            let email = api::path_param(req, "email")?;
            conversation::remove_participant(app, &actor, &number, &email).await?
        }
        _ => return Err(Error::NotFound("route")),
    };
    Ok(api::json(StatusCode::OK, &ticket))
}
