//! Sessions: `POST /auth/login` (email + password), `POST /auth/refresh`
//! (rotates the refresh cookie), `POST /auth/logout`.

use lambda_http::http::{Method, StatusCode};
use lambda_http::{Body, Request, Response};
use serde::Deserialize;
use servicedesk_shared::accounts::sessions::{self, REFRESH_COOKIE};
use servicedesk_shared::{App, Error, Result, api};

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
    match (req.method(), req.uri().path()) {
        (&Method::POST, "/auth/login") => {
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
        (&Method::POST, "/auth/refresh") => {
            api::require_csrf_header(req)?;
            let token = api::cookie(req, REFRESH_COOKIE)
                .ok_or_else(|| Error::Unauthenticated("no session cookie; sign in again".into()))?;
            Ok(api::session(
                StatusCode::OK,
                &sessions::refresh(app, &token).await?,
            ))
        }
        (&Method::POST, "/auth/logout") => {
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
