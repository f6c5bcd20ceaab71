//! Demo data for the local portal and the dev-only token endpoint.
//!
//! Tokens are minted here, in the local server crate, which is never built
//! into a Lambda: no deployed function can contain this path.

use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde::Deserialize;
use servicedesk_shared::accounts::{self, Organization, User};
use servicedesk_shared::auth::Role;
use servicedesk_shared::domain::{Email, OrganizationId, UserId};
use servicedesk_shared::{App, Error, Result};
use time::Duration;

/// Demo tokens live longer than real ones so a demo session is not interrupted.
pub const DEMO_TOKEN_LIFETIME: Duration = Duration::hours(12);

pub struct DemoUser {
    pub id: &'static str,
    pub email: &'static str,
    pub name: &'static str,
    pub role: Role,
}

pub const ORGANIZATION_ID: &str = "demo-acme";
pub const ORGANIZATION_NAME: &str = "Acme Corporation";

pub const USERS: [DemoUser; 3] = [
    DemoUser {
        id: "demo-ann",
        email: "ann@acme.example",
        name: "Ann Customer",
        role: Role::Customer,
    },
    DemoUser {
        id: "demo-bob",
        email: "bob@acme.example",
        name: "Bob Colleague",
        role: Role::Customer,
    },
    DemoUser {
        id: "demo-sam",
        email: "sam@support.example",
        name: "Sam Support",
        role: Role::Agent,
    },
];

fn user_of(demo: &DemoUser) -> User {
    User {
        id: UserId::parse(demo.id).unwrap_or_else(|| unreachable!("demo ids are valid")),
        email: Email::parse(demo.email).unwrap_or_else(|_| unreachable!("demo emails are valid")),
        display_name: demo.name.to_owned(),
        role: demo.role,
        organization_id: (demo.role == Role::Customer).then(|| {
            OrganizationId::parse(ORGANIZATION_ID).unwrap_or_else(|| unreachable!("demo id is valid"))
        }),
    }
}

/// Creates the demo organization and users unless they exist. Returns
/// whether anything was created.
pub async fn seed(app: &App) -> Result<bool> {
    let first = user_of(&USERS[0]);
    if accounts::find_user_by_email(app, &first.email).await?.is_some() {
        return Ok(false);
    }
    accounts::create_organization(
        app,
        &Organization {
            id: OrganizationId::parse(ORGANIZATION_ID).unwrap_or_else(|| unreachable!("demo id is valid")),
            name: ORGANIZATION_NAME.to_owned(),
        },
    )
    .await?;
    for demo in &USERS {
        accounts::create_user(app, &user_of(demo)).await?;
    }
    Ok(true)
}

/// A dev token for the user with this email.
pub async fn token_for(app: &App, email: &str) -> Result<String> {
    let email = Email::field("email", email)?;
    let user = accounts::find_user_by_email(app, &email)
        .await?
        .ok_or(Error::NotFound("user"))?;
    Ok(app
        .tokens
        .issue(&user.actor()?, app.clock.now(), DEMO_TOKEN_LIFETIME))
}

#[derive(Deserialize)]
struct TokenRequest {
    email: String,
}

async fn mint(State(app): State<Arc<App>>, Json(request): Json<TokenRequest>) -> Response {
    match token_for(&app, &request.email).await {
        Ok(token) => Json(serde_json::json!({ "token": token })).into_response(),
        Err(err) => {
            let response = servicedesk_shared::api::problem(&err);
            let (parts, body) = response.into_parts();
            let body = match body {
                lambda_http::Body::Text(text) => text,
                _ => String::new(),
            };
            Response::from_parts(parts, axum::body::Body::from(body))
        }
    }
}

/// `POST /dev/token {"email": "..."}`: a token for a demo user (local only).
pub fn dev_routes(app: Arc<App>) -> Router {
    Router::new().route("/dev/token", post(mint)).with_state(app)
}
