//! Changing a ticket: `PATCH /tickets/{number}` (status, priority, assignee,
//! escalation, visibility), `POST /tickets/{number}/participants` (share by
//! email) and `DELETE /tickets/{number}/participants/{email}`.

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use servicedesk_shared::{App, Error, Result, api, conversation};

pub const UPDATE: &str = "PATCH /tickets/{number}";
pub const SHARE: &str = "POST /tickets/{number}/participants";
pub const UNSHARE: &str = "DELETE /tickets/{number}/participants/{email}";
/// The routes this function serves, as API Gateway names them.
pub const ROUTES: [&str; 3] = [UPDATE, SHARE, UNSHARE];

pub async fn handler(app: &App, req: Request) -> Response<Body> {
    api::respond(route(app, &req).await)
}

async fn route(app: &App, req: &Request) -> Result<Response<Body>> {
    let actor = api::authenticate(app, req).await?;
    let number = api::ticket_number(req)?;
    let ticket = match api::route_key(req) {
        UPDATE => conversation::update(app, &actor, &number, api::json_body(req)?).await?,
        SHARE => conversation::share(app, &actor, &number, api::json_body(req)?).await?,
        UNSHARE => {
            let email = api::path_param(req, "email")?;
            conversation::remove_participant(app, &actor, &number, &email).await?
        }
        _ => return Err(Error::NotFound("route")),
    };
    Ok(api::json(StatusCode::OK, &ticket))
}
