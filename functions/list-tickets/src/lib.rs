//! `GET /tickets`: the caller's own or organization tickets, newest first,
//! filtered by status and search words, a cursor page at a time.

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use servicedesk_shared::tickets::{ListRequest, Scope, StatusFilter};
use servicedesk_shared::{App, Result, api, tickets};

/// The one route this function serves, as API Gateway names it.
pub const ROUTES: [&str; 1] = ["GET /tickets"];

pub async fn handler(app: &App, req: Request) -> Response<Body> {
    api::respond(list_tickets(app, &req).await)
}

async fn list_tickets(app: &App, req: &Request) -> Result<Response<Body>> {
    let actor = api::authenticate(app, req).await?;
    let limit = api::page_limit(req)?;
    let request = ListRequest {
        scope: api::query_enum(req, "scope")?.unwrap_or(Scope::Mine),
        status: api::query_enum(req, "status")?.unwrap_or(StatusFilter::All),
        search: api::query_param(req, "q")?,
        cursor: api::query_param(req, "cursor")?,
        limit,
    };
    let page = tickets::list(app, &actor, request).await?;
    Ok(api::json(StatusCode::OK, &page))
}
