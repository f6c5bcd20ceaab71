//! `GET /announcements` (public: the banner on the landing page) and
//! `POST /announcements` (support staff).

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use servicedesk_shared::announcements;
use servicedesk_shared::{App, Error, Result, api};

pub const LIST: &str = "GET /announcements";
pub const CREATE: &str = "POST /announcements";
/// The routes this function serves, as API Gateway names them.
pub const ROUTES: [&str; 2] = [LIST, CREATE];

pub async fn handler(app: &App, req: Request) -> Response<Body> {
    api::respond(route(app, &req).await)
}

async fn route(app: &App, req: &Request) -> Result<Response<Body>> {
    match api::route_key(req) {
        LIST => Ok(api::json(
            StatusCode::OK,
            &serde_json::json!({ "announcements": announcements::current(app).await? }),
        )),
        CREATE => {
            // Site-wide messages take a session, never an integration token.
            let actor = api::authenticate_session(app, req)?;
            let created = announcements::create(app, &actor, api::json_body(req)?).await?;
            Ok(api::json(StatusCode::CREATED, &created))
        }
        _ => Err(Error::NotFound("route")),
    }
}
