//! `POST /auth/invitations/accept`: the invitee chooses a password from the
//! emailed link; the account is created and signed in.

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use servicedesk_shared::accounts::invitations;
use servicedesk_shared::{App, Result, api};

/// The one route this function serves, as API Gateway names it.
pub const ROUTES: [&str; 1] = ["POST /auth/invitations/accept"];

pub async fn handler(app: &App, req: Request) -> Response<Body> {
    api::respond(accept(app, &req).await)
}

async fn accept(app: &App, req: &Request) -> Result<Response<Body>> {
    let session = invitations::accept(app, api::json_body(req)?).await?;
    Ok(api::session(StatusCode::CREATED, &session))
}
