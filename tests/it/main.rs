//! Every integration test of the workspace in one binary: the AWS SDKs and
//! the whole portal are linked once, not once per test file. Each module is
//! one area (its doc says what it covers); `common` holds the backends, the
//! Lambda events and the helpers they share.

#[macro_use]
mod common;

mod accounts;
mod announcements;
mod architecture;
mod attachments;
mod blobs_s3;
mod bootstraps;
mod conformance;
mod conversation;
mod guests;
mod handlers;
mod idempotency;
mod infra_operations;
mod infra_routes;
mod integration_tokens;
mod least_privilege;
mod local_server;
mod mail_corpus;
mod mail_in;
mod mail_ses;
mod openapi;
mod secret_rotation;
