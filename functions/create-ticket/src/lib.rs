//! `POST /tickets`: a customer opens a ticket.

use lambda_http::{Body, Request, Response};
use servicedesk_shared::{App, Result, api, tickets};

pub async fn handler(app: &App, req: Request) -> Response<Body> {
    api::respond(open_ticket(app, &req).await)
}

async fn open_ticket(app: &App, req: &Request) -> Result<Response<Body>> {
    let actor = api::authenticate(app, req)?;
    let new = api::json_body::<tickets::OpenTicketRequest>(req)?.validate()?;
    let detail = tickets::open(app, &actor, new).await?;
    Ok(api::created(
        &format!("/tickets/{}", detail.ticket.number),
        &detail,
    ))
}
