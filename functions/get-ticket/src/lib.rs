//! `GET /tickets/{number}`: a ticket with its full history and the names of
//! the people in it, for those who may see it.

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use servicedesk_shared::{App, Result, api, directory, tickets};

/// The one route this function serves, as API Gateway names it.
pub const ROUTES: [&str; 1] = ["GET /tickets/{number}"];

pub async fn handler(app: &App, req: Request) -> Response<Body> {
    api::respond(get_ticket(app, &req).await)
}

async fn get_ticket(app: &App, req: &Request) -> Result<Response<Body>> {
    let actor = api::authenticate(app, req).await?;
    let number = api::ticket_number(req)?;
    let detail = tickets::get(app, &actor, &number).await?;
    let view = directory::ticket_view(app, &actor, detail).await?;
    Ok(api::json(StatusCode::OK, &view))
}
