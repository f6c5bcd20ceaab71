//! The signed-in user's account: `GET`/`PUT /account/profile`,
//! `POST /account/password`, `POST /account/email/confirm`, and integration
//! tokens: `GET`/`POST /account/tokens`, `DELETE /account/tokens/{id}`.
//! Changing the account takes a session; an integration token may only read
//! the profile (who it acts as).

use lambda_http::http::{Method, StatusCode};
use lambda_http::{Body, Request, Response};
use servicedesk_shared::accounts::{api_tokens, profile};
use servicedesk_shared::{App, Error, Result, api};

pub async fn handler(app: &App, req: Request) -> Response<Body> {
    api::respond(route(app, &req).await)
}

async fn route(app: &App, req: &Request) -> Result<Response<Body>> {
    match (req.method(), req.uri().path()) {
        // Confirming a new address works from the emailed link alone.
        (&Method::POST, "/account/email/confirm") => {
            let account = profile::confirm_email(app, api::json_body(req)?).await?;
            Ok(api::json(StatusCode::OK, &account))
        }
        (&Method::GET, "/account/profile") => {
            let actor = api::authenticate(app, req).await?;
            Ok(api::json(StatusCode::OK, &profile::get(app, &actor).await?))
        }
        (&Method::PUT, "/account/profile") => {
            let actor = api::authenticate_session(app, req)?;
            let saved = profile::update(app, &actor, api::json_body(req)?).await?;
            Ok(api::json(StatusCode::OK, &saved))
        }
        (&Method::POST, "/account/password") => {
            let actor = api::authenticate_session(app, req)?;
            let session = profile::change_password(app, &actor, api::json_body(req)?).await?;
            Ok(api::session(StatusCode::OK, &session))
        }
        (&Method::GET, "/account/tokens") => {
            let actor = api::authenticate_session(app, req)?;
            Ok(api::json(StatusCode::OK, &api_tokens::list(app, &actor).await?))
        }
        (&Method::POST, "/account/tokens") => {
            let actor = api::authenticate_session(app, req)?;
            let created = api_tokens::create(app, &actor, api::json_body(req)?).await?;
            Ok(api::created(
                &format!("/account/tokens/{}", created.info.id),
                &created,
            ))
        }
        (&Method::DELETE, _) => {
            let actor = api::authenticate_session(app, req)?;
            api_tokens::revoke(app, &actor, &api::path_param(req, "id")?).await?;
            Ok(api::no_content())
        }
        _ => Err(Error::NotFound("route")),
    }
}
