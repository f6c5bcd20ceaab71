//! `GET /tickets/{number}`: a ticket with its full history, for those who may see it.

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use servicedesk_shared::domain::TicketNumber;
use servicedesk_shared::{App, Error, Result, api, tickets};

pub async fn handler(app: &App, req: Request) -> Response<Body> {
    api::respond(get_ticket(app, &req).await)
}

async fn get_ticket(app: &App, req: &Request) -> Result<Response<Body>> {
    let actor = api::authenticate(app, req)?;
    let number: TicketNumber = api::path_param(req, "number")?
        .parse()
        .map_err(|e| Error::invalid("number", format!("{e}")))?;
    let detail = tickets::get(app, &actor, &number).await?;
    Ok(api::json(StatusCode::OK, &detail))
}
