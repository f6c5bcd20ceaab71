//! The servicedesk domain crate.
//!
//! Everything a capability needs lives here once: validated domain values
//! ([`domain`]), who may do what ([`auth`]), the single-table data model and
//! the storage port with its adapters ([`store`]), the use cases
//! ([`tickets`]), and the thin HTTP layer every Lambda shares ([`api`]).
//! Functions under `functions/` only parse, call a use case and render.

pub mod accounts;
pub mod announcements;
pub mod api;
pub mod app;
pub mod attachments;
pub mod auth;
pub mod blobs;
pub mod clock;
pub mod config;
pub mod conversation;
pub mod directory;
pub mod domain;
pub mod error;
pub mod guest;
pub mod i18n;
pub mod idempotency;
pub mod ids;
#[cfg(feature = "inbound-mail")]
pub mod inbound_mail;
pub mod mail;
pub mod secret;
pub mod signed;
pub mod store;
pub mod throttle;
pub mod tickets;

#[cfg(feature = "test-support")]
pub mod testing;

#[cfg(feature = "lambda")]
pub mod lambda;

pub use app::App;
pub use error::{Error, Result};
