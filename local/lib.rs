//! The local portal: every Lambda handler behind the same routes as API
//! Gateway, the static web front end, and a demo organization, on the
//! embedded store. `cargo run` starts it (see `main.rs`).

pub mod blob_server;
pub mod demo;
#[cfg(feature = "aws")]
pub mod first_agent;
pub mod inbox;
pub mod notifier;
pub mod routes;
#[cfg(feature = "aws")]
pub mod secret_rotation;
pub mod server;
pub mod upgrade;
