//! Attachments: `POST /tickets/{number}/attachments` (a presigned upload),
//! `GET /tickets/{number}/attachments/{id}` (a presigned download), and the
//! same for guests under `/access/ticket/attachments` (with their access key).

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use servicedesk_shared::attachments;
use servicedesk_shared::domain::{Actor, TicketNumber};
use servicedesk_shared::guest::access;
use servicedesk_shared::{App, Error, Result, api};

pub const UPLOAD: &str = "POST /tickets/{number}/attachments";
pub const DOWNLOAD: &str = "GET /tickets/{number}/attachments/{id}";
pub const UPLOAD_BY_KEY: &str = "POST /access/ticket/attachments";
pub const DOWNLOAD_BY_KEY: &str = "GET /access/ticket/attachments/{id}";
/// The routes this function serves, as API Gateway names them.
pub const ROUTES: [&str; 4] = [UPLOAD, DOWNLOAD, UPLOAD_BY_KEY, DOWNLOAD_BY_KEY];

pub async fn handler(app: &App, req: Request) -> Response<Body> {
    let result = route(app, &req).await;
    if by_access_key(&req) {
        api::respond_to_key_holder(result)
    } else {
        api::respond(result)
    }
}

fn by_access_key(req: &Request) -> bool {
    matches!(api::route_key(req), UPLOAD_BY_KEY | DOWNLOAD_BY_KEY)
}

/// The caller and the ticket: by token and path, or by access key alone.
async fn caller(app: &App, req: &Request) -> Result<(Actor, TicketNumber)> {
    if by_access_key(req) {
        let opened = access::open(app, api::access_key(req)?, &api::source_ip(req)).await?;
        let number = opened.detail.ticket.number;
        return Ok((opened.actor, number));
    }
    Ok((api::authenticate(app, req).await?, api::ticket_number(req)?))
}

async fn route(app: &App, req: &Request) -> Result<Response<Body>> {
    let (actor, number) = caller(app, req).await?;
    match api::route_key(req) {
        UPLOAD | UPLOAD_BY_KEY => {
            let grant = attachments::request_upload(app, &actor, &number, api::json_body(req)?).await?;
            Ok(api::json(StatusCode::CREATED, &grant))
        }
        DOWNLOAD | DOWNLOAD_BY_KEY => {
            let id = api::path_param(req, "id")?;
            let link = attachments::download(app, &actor, &number, &id).await?;
            Ok(api::json(StatusCode::OK, &link))
        }
        _ => Err(Error::NotFound("route")),
    }
}
