//! `POST /tickets/{number}/notes`: a note from the requester, a participant,
//! a colleague who sees the ticket, or support (who may make it internal).

use lambda_http::{Body, Request, Response};
use servicedesk_shared::{App, Result, api, conversation};

pub async fn handler(app: &App, req: Request) -> Response<Body> {
    api::respond(add_note(app, &req).await)
}

async fn add_note(app: &App, req: &Request) -> Result<Response<Body>> {
    let actor = api::authenticate(app, req).await?;
    let number = api::ticket_number(req)?;
    let event = conversation::add_note(app, &actor, &number, api::json_body(req)?).await?;
    Ok(api::created(&format!("/tickets/{number}"), &event))
}
