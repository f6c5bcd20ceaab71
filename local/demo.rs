//! Demo data for the local portal: one organization, two customers and one
//! support agent, with known passwords printed at start-up. Local only: the
//! Lambda functions never contain this module.

use servicedesk_shared::accounts;
use servicedesk_shared::auth::password::{self, NewPassword};
use servicedesk_shared::domain::{Email, Name, Organization, OrganizationId, Profile, Role, User, UserId};
use servicedesk_shared::i18n::Language;
use servicedesk_shared::{App, Result};

pub struct DemoUser {
    pub id: &'static str,
    pub email: &'static str,
    pub first_name: &'static str,
    pub last_name: &'static str,
    pub role: Role,
    /// Demo only: printed on the console, documented in the README.
    pub password: &'static str,
}

pub const ORGANIZATION_ID: &str = "demo-acme";
pub const ORGANIZATION_NAME: &str = "Acme Corporation";

pub const USERS: [DemoUser; 3] = [
    DemoUser {
        id: "demo-ann",
        email: "ann@acme.example",
        first_name: "Ann",
        last_name: "Archer",
        role: Role::Customer,
        password: "orchid-lantern-42",
    },
    DemoUser {
        id: "demo-bob",
        email: "bob@acme.example",
        first_name: "Bob",
        last_name: "Baker",
        role: Role::Customer,
        password: "copper-meadow-17",
    },
    DemoUser {
        id: "demo-sam",
        email: "sam@support.example",
        first_name: "Sam",
        last_name: "Agent",
        role: Role::Agent,
        password: "harbor-violet-93",
    },
];

fn valid<T>(value: Option<T>) -> T {
    value.unwrap_or_else(|| unreachable!("demo data is valid"))
}

fn user_of(demo: &DemoUser) -> Result<User> {
    let first_name = Name::parse("first_name", demo.first_name)?;
    let last_name = Name::parse("last_name", demo.last_name)?;
    let new_password = NewPassword::parse(
        "password",
        demo.password,
        &[demo.email, demo.first_name, demo.last_name],
    )?;
    Ok(User {
        id: valid(UserId::parse(demo.id)),
        email: Email::field("email", demo.email)?,
        role: demo.role,
        organization_id: (demo.role == Role::Customer).then(|| valid(OrganizationId::parse(ORGANIZATION_ID))),
        profile: Profile::named(first_name, last_name, Language::En),
        password_hash: Some(password::hash(&new_password)),
        session_epoch: 0,
        version: 1,
    })
}

/// Creates the demo organization and users unless they exist. Returns
/// whether anything was created.
pub async fn seed(app: &App) -> Result<bool> {
    let first = Email::field("email", USERS[0].email)?;
    if accounts::find_user_by_email(app, &first).await?.is_some() {
        return Ok(false);
    }
    accounts::create_organization(
        app,
        &Organization {
            id: valid(OrganizationId::parse(ORGANIZATION_ID)),
            name: Name::parse("name", ORGANIZATION_NAME)?,
        },
    )
    .await?;
    for demo in &USERS {
        accounts::create_user(app, &user_of(demo)?).await?;
    }
    Ok(true)
}
