//! Support staff administration: `POST /admin/organizations`,
//! `POST /admin/invitations` (customers into an organization, or agents).

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::Deserialize;
use servicedesk_shared::accounts::{self, invitations};
use servicedesk_shared::auth::policy;
use servicedesk_shared::domain::{Name, Organization};
use servicedesk_shared::{App, Error, Result, api};

pub const CREATE_ORGANIZATION: &str = "POST /admin/organizations";
pub const INVITE: &str = "POST /admin/invitations";
/// The routes this function serves, as API Gateway names them.
pub const ROUTES: [&str; 2] = [CREATE_ORGANIZATION, INVITE];

pub async fn handler(app: &App, req: Request) -> Response<Body> {
    api::respond(route(app, &req).await)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewOrganization {
    name: String,
}

async fn route(app: &App, req: &Request) -> Result<Response<Body>> {
    // Administering the desk takes a session, never an integration token.
    let actor = api::authenticate_session(app, req)?;
    policy::require_agent(&actor)?;
    match api::route_key(req) {
        CREATE_ORGANIZATION => {
            let request: NewOrganization = api::json_body(req)?;
            let organization = Organization {
                id: app.new_organization_id()?,
                name: Name::parse("name", &request.name)?,
            };
            accounts::create_organization(app, &organization).await?;
            Ok(api::created(
                &format!("/admin/organizations/{}", organization.id),
                &organization,
            ))
        }
        INVITE => {
            let sent = invitations::invite(app, &actor, api::json_body(req)?).await?;
            Ok(api::json(StatusCode::ACCEPTED, &sent))
        }
        _ => Err(Error::NotFound("route")),
    }
}
