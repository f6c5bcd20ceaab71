//! The signed-in user's account: `GET`/`PUT /account/profile`,
//! `POST /account/password`, `POST /account/email/confirm`, and integration
//! tokens: `GET`/`POST /account/tokens`, `DELETE /account/tokens/{id}`.
//! Changing the account takes a session; an integration token may only read
//! the profile (who it acts as).

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use servicedesk_shared::accounts::{api_tokens, profile};
use servicedesk_shared::{App, Error, Result, api};

pub const CONFIRM_EMAIL: &str = "POST /account/email/confirm";
pub const GET_PROFILE: &str = "GET /account/profile";
pub const PUT_PROFILE: &str = "PUT /account/profile";
pub const CHANGE_PASSWORD: &str = "POST /account/password";
pub const LIST_TOKENS: &str = "GET /account/tokens";
pub const CREATE_TOKEN: &str = "POST /account/tokens";
pub const REVOKE_TOKEN: &str = "DELETE /account/tokens/{id}";
/// The routes this function serves, as API Gateway names them.
pub const ROUTES: [&str; 7] = [
    CONFIRM_EMAIL,
    GET_PROFILE,
    PUT_PROFILE,
    CHANGE_PASSWORD,
    LIST_TOKENS,
    CREATE_TOKEN,
    REVOKE_TOKEN,
];

pub async fn handler(app: &App, req: Request) -> Response<Body> {
    api::respond(route(app, &req).await)
}

async fn route(app: &App, req: &Request) -> Result<Response<Body>> {
    match api::route_key(req) {
        // Confirming a new address works from the emailed link alone.
        CONFIRM_EMAIL => {
            let account = profile::confirm_email(app, api::json_body(req)?).await?;
            Ok(api::json(StatusCode::OK, &account))
        }
        GET_PROFILE => {
            let actor = api::authenticate(app, req).await?;
            Ok(api::json(StatusCode::OK, &profile::get(app, &actor).await?))
        }
        PUT_PROFILE => {
            let actor = api::authenticate_session(app, req)?;
            let saved = profile::update(app, &actor, api::json_body(req)?).await?;
            Ok(api::json(StatusCode::OK, &saved))
        }
        CHANGE_PASSWORD => {
            let actor = api::authenticate_session(app, req)?;
            let session = profile::change_password(app, &actor, api::json_body(req)?).await?;
            Ok(api::session(StatusCode::OK, &session))
        }
        LIST_TOKENS => {
            let actor = api::authenticate_session(app, req)?;
            Ok(api::json(StatusCode::OK, &api_tokens::list(app, &actor).await?))
        }
        CREATE_TOKEN => {
            let actor = api::authenticate_session(app, req)?;
            let created = api_tokens::create(app, &actor, api::json_body(req)?).await?;
            Ok(api::created(
                &format!("/account/tokens/{}", created.info.id),
                &created,
            ))
        }
        REVOKE_TOKEN => {
            let actor = api::authenticate_session(app, req)?;
            api_tokens::revoke(app, &actor, &api::path_param(req, "id")?).await?;
            Ok(api::no_content())
        }
        _ => Err(Error::NotFound("route")),
    }
}
