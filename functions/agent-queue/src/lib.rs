//! Support's views: `GET /agent/tickets`, the queue, oldest waiting first
//! (query: `status`, `completed=true`, `priority`, `assignee=me|nobody|anyone`,
//! `assignee_id`, `organization_id`, `limit`, `cursor`); and
//! `GET /agent/directory`, every agent and organization, for the pickers.

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use servicedesk_shared::conversation::queue::{self, QueueRequest};
use servicedesk_shared::domain::{OrganizationId, UserId};
use servicedesk_shared::{App, Error, Result, api, directory};

pub const QUEUE: &str = "GET /agent/tickets";
pub const DIRECTORY: &str = "GET /agent/directory";
/// The routes this function serves, as API Gateway names them.
pub const ROUTES: [&str; 2] = [QUEUE, DIRECTORY];

pub async fn handler(app: &App, req: Request) -> Response<Body> {
    api::respond(match api::route_key(&req) {
        QUEUE => list(app, &req).await,
        DIRECTORY => directory(app, &req).await,
        _ => Err(Error::NotFound("route")),
    })
}

async fn directory(app: &App, req: &Request) -> Result<Response<Body>> {
    let actor = api::authenticate(app, req).await?;
    Ok(api::json(
        StatusCode::OK,
        &directory::support_directory(app, &actor).await?,
    ))
}

async fn list(app: &App, req: &Request) -> Result<Response<Body>> {
    let actor = api::authenticate(app, req).await?;
    let id = |name: &'static str| -> Result<Option<String>> { api::query_param(req, name) };
    let request = QueueRequest {
        status: api::query_enum(req, "status")?,
        completed: api::query_flag(req, "completed")?,
        priority: api::query_enum(req, "priority")?,
        assignee: api::query_enum(req, "assignee")?,
        assignee_id: id("assignee_id")?
            .map(|v| UserId::parse(&v).ok_or_else(|| Error::invalid("assignee_id", "is not a user id")))
            .transpose()?,
        organization_id: id("organization_id")?
            .map(|v| {
                OrganizationId::parse(&v)
                    .ok_or_else(|| Error::invalid("organization_id", "is not an organization id"))
            })
            .transpose()?,
        cursor: api::query_param(req, "cursor")?,
        limit: api::page_limit(req)?,
    };
    Ok(api::json(
        StatusCode::OK,
        &queue::list(app, &actor, request).await?,
    ))
}
