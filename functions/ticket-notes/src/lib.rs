//! `POST /tickets/{number}/notes`: a note from the requester, a participant,
//! a colleague who sees the ticket, or support (who may make it internal).
//! With an `Idempotency-Key` header, a retried request answers with the note
//! the first one added (marked `Idempotent-Replayed: true`).

use lambda_http::{Body, Request, Response};
use servicedesk_shared::{App, Result, api, conversation};

/// The one route this function serves, as API Gateway names it.
pub const ROUTES: [&str; 1] = ["POST /tickets/{number}/notes"];

pub async fn handler(app: &App, req: Request) -> Response<Body> {
    api::respond(add_note(app, &req).await)
}

async fn add_note(app: &App, req: &Request) -> Result<Response<Body>> {
    let actor = api::authenticate(app, req).await?;
    let number = api::ticket_number(req)?;
    let key = api::idempotency_key(req, &actor, &format!("add-note {number}"))?;
    let once = conversation::add_note_once(app, &actor, &number, api::json_body(req)?, key).await?;
    Ok(api::created_once(&format!("/tickets/{number}"), &once))
}
