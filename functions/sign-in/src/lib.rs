//! Sessions: `POST /auth/login` (email + password), `POST /auth/refresh`
//! (rotates the refresh cookie), `POST /auth/logout`.

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::Deserialize;
use servicedesk_shared::accounts::sessions::{self, REFRESH_COOKIE};
use servicedesk_shared::{App, Error, Result, api};

pub const LOGIN: &str = "POST /auth/login";
pub const REFRESH: &str = "POST /auth/refresh";
pub const LOGOUT: &str = "POST /auth/logout";
/// The routes this function serves, as API Gateway names them.
pub const ROUTES: [&str; 3] = [LOGIN, REFRESH, LOGOUT];

pub async fn handler(app: &App, req: Request) -> Response<Body> {
    api::respond(route(app, &req).await)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Credentials {
    email: String,
    password: String,
}

async fn route(app: &App, req: &Request) -> Result<Response<Body>> {
    match api::route_key(req) {
        LOGIN => {
            let credentials: Credentials = api::json_body(req)?;
            let session = sessions::login(
                app,
                &credentials.email,
                &credentials.password,
                &api::source_ip(req),
            )
            .await?;
            Ok(api::session(StatusCode::OK, &session))
        }
        REFRESH => {
            api::require_csrf_header(req)?;
            let token = api::cookie(req, REFRESH_COOKIE)
                .ok_or_else(|| Error::Unauthenticated("no session cookie; sign in again".into()))?;
            Ok(api::session(
                StatusCode::OK,
                &sessions::refresh(app, &token).await?,
            ))
        }
        LOGOUT => {
            api::require_csrf_header(req)?;
            if let Some(token) = api::cookie(req, REFRESH_COOKIE) {
                sessions::logout(app, &token).await?;
            }
            let mut response = api::no_content();
            api::clear_session(&mut response);
            Ok(response)
        }
        _ => Err(Error::NotFound("route")),
    }
}
