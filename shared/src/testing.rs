//! Fixtures for tests of this crate's users: an [`App`] over any store with
//! a hand-moved clock, and tokens for any actor.

use std::sync::Arc;

use time::OffsetDateTime;
use time::macros::datetime;

use crate::App;
use crate::auth::Actor;
use crate::auth::tokens::{TokenKeys, TokenSettings};
use crate::clock::ManualClock;
use crate::domain::{OrganizationId, UserId};
use crate::ids::UuidV7;
use crate::secret::Secret;
use crate::store::ItemStore;

/// The instant tests start at, unless they move the clock.
pub const T0: OffsetDateTime = datetime!(2026-11-22 09:30:00 UTC);

pub fn token_settings() -> TokenSettings {
    TokenSettings {
        issuer: "servicedesk".into(),
        audience: "servicedesk-api".into(),
    }
}

/// An app over `store`, its clock, and the secret it signs with.
pub fn app(store: Arc<dyn ItemStore>) -> (App, Arc<ManualClock>, Secret) {
    let clock = Arc::new(ManualClock::new(T0));
    let secret = Secret::generate();
    let app = App::new(store, clock.clone(), Arc::new(UuidV7), &secret, token_settings());
    (app, clock, secret)
}

pub fn customer(user: &str, organization: &str) -> Actor {
    Actor::Customer {
        user: UserId::parse(user).expect("valid test user id"),
        organization: OrganizationId::parse(organization).expect("valid test organization id"),
    }
}

pub fn agent(user: &str) -> Actor {
    Actor::Agent {
        user: UserId::parse(user).expect("valid test user id"),
    }
}

/// A valid access token for `actor`, as the app issues them.
pub fn token(app: &App, actor: &Actor) -> String {
    app.tokens.issue(actor, app.clock.now(), TokenKeys::LIFETIME)
}
