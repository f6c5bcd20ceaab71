//! `POST /tickets`: a customer opens a ticket. With an `Idempotency-Key`
//! header, a retried request answers with the ticket the first one opened
//! (marked `Idempotent-Replayed: true`) instead of opening another.

use lambda_http::{Body, Request, Response};
use servicedesk_shared::idempotency::Once;
use servicedesk_shared::tickets;
use servicedesk_shared::{App, Result, api};

/// The one route this function serves, as API Gateway names it.
pub const ROUTES: [&str; 1] = ["POST /tickets"];

pub async fn handler(app: &App, req: Request) -> Response<Body> {
    api::respond(open_ticket(app, &req).await)
}

async fn open_ticket(app: &App, req: &Request) -> Result<Response<Body>> {
    let actor = api::authenticate(app, req).await?;
    let key = api::idempotency_key(req, &actor, "open-ticket")?;
    let new = api::json_body::<tickets::OpenTicketRequest>(req)?.validate()?;
    let once = match key {
        None => Once::Created(tickets::open(app, &actor, new).await?),
        Some(key) => tickets::open_once(app, &actor, new, key).await?,
    };
    let location = format!("/tickets/{}", once.value().ticket.number);
    Ok(api::created_once(&location, &once))
}
