//! The API's routes, as API Gateway declares them in `infra/template.yaml`
//! (a test keeps the two lists equal), each bound to its Lambda's handler.

use http::Method;
use lambda_http::{Body, BoxFuture, Request, Response};
use servicedesk_shared::App;

pub type Handler = for<'a> fn(&'a App, Request) -> BoxFuture<'a, Response<Body>>;

pub struct Route {
    pub method: Method,
    /// API Gateway syntax: `/tickets/{number}`.
    pub path: &'static str,
    /// The Lambda function (crate and binary name) that serves the route.
    pub function: &'static str,
    pub handler: Handler,
}

/// One boxing adapter per function crate, so every route can share a type.
macro_rules! handlers {
    ($($function:ident),* $(,)?) => {
        $(
            fn $function(app: &App, req: Request) -> BoxFuture<'_, Response<Body>> {
                Box::pin($function::handler(app, req))
            }
        )*
    };
}

handlers!(
    create_ticket,
    list_tickets,
    get_ticket,
    sign_in,
    accept_invitation,
    password_reset,
    account,
    admin,
    guest_tickets,
    access_key,
    ticket_notes,
    update_ticket,
    agent_queue,
    attachments,
    announcements,
);

pub fn routes() -> Vec<Route> {
    let route = |method: Method, path: &'static str, function: &'static str, handler: Handler| Route {
        method,
        path,
        function,
        handler,
    };
    vec![
        route(Method::POST, "/tickets", "create-ticket", create_ticket),
        route(Method::GET, "/tickets", "list-tickets", list_tickets),
        route(Method::GET, "/tickets/{number}", "get-ticket", get_ticket),
        route(Method::POST, "/auth/login", "sign-in", sign_in),
        route(Method::POST, "/auth/refresh", "sign-in", sign_in),
        route(Method::POST, "/auth/logout", "sign-in", sign_in),
        route(
            Method::POST,
            "/auth/invitations/accept",
            "accept-invitation",
            accept_invitation,
        ),
        route(
            Method::POST,
            "/auth/password-reset",
            "password-reset",
            password_reset,
        ),
        route(
            Method::POST,
            "/auth/password-reset/confirm",
            "password-reset",
            password_reset,
        ),
        route(Method::GET, "/account/profile", "account", account),
        route(Method::PUT, "/account/profile", "account", account),
        route(Method::POST, "/account/password", "account", account),
        route(Method::POST, "/account/email/confirm", "account", account),
        route(Method::GET, "/account/tokens", "account", account),
        route(Method::POST, "/account/tokens", "account", account),
        route(Method::DELETE, "/account/tokens/{id}", "account", account),
        route(Method::POST, "/admin/organizations", "admin", admin),
        route(Method::POST, "/admin/invitations", "admin", admin),
        route(Method::GET, "/guest/challenge", "guest-tickets", guest_tickets),
        route(Method::POST, "/guest/tickets", "guest-tickets", guest_tickets),
        route(Method::GET, "/access/ticket", "access-key", access_key),
        route(Method::POST, "/access/ticket/notes", "access-key", access_key),
        route(Method::POST, "/access/ticket/rotate", "access-key", access_key),
        route(Method::PATCH, "/access/ticket", "access-key", access_key),
        route(
            Method::POST,
            "/tickets/{number}/notes",
            "ticket-notes",
            ticket_notes,
        ),
        route(Method::PATCH, "/tickets/{number}", "update-ticket", update_ticket),
        route(
            Method::POST,
            "/tickets/{number}/participants",
            "update-ticket",
            update_ticket,
        ),
        route(
            Method::DELETE,
            "/tickets/{number}/participants/{email}",
            "update-ticket",
            update_ticket,
        ),
        route(Method::GET, "/agent/tickets", "agent-queue", agent_queue),
        route(Method::GET, "/agent/directory", "agent-queue", agent_queue),
        route(Method::GET, "/announcements", "announcements", announcements),
        route(Method::POST, "/announcements", "announcements", announcements),
        route(
            Method::POST,
            "/tickets/{number}/attachments",
            "attachments",
            attachments,
        ),
        route(
            Method::GET,
            "/tickets/{number}/attachments/{id}",
            "attachments",
            attachments,
        ),
        route(
            Method::POST,
            "/access/ticket/attachments",
            "attachments",
            attachments,
        ),
        route(
            Method::GET,
            "/access/ticket/attachments/{id}",
            "attachments",
            attachments,
        ),
    ]
}

/// The path parameters of `path` under the route template, decoded like API
/// Gateway does, or `None` if the path does not match the template.
pub fn path_parameters(template: &str, path: &str) -> Option<Vec<(String, String)>> {
    let (template, path): (Vec<&str>, Vec<&str>) = (template.split('/').collect(), path.split('/').collect());
    if template.len() != path.len() {
        return None;
    }
    let mut params = Vec::new();
    for (t, p) in template.iter().zip(path) {
        match t.strip_prefix('{').and_then(|t| t.strip_suffix('}')) {
            Some(name) => {
                let value = percent_encoding::percent_decode_str(p).decode_utf8().ok()?;
                if value.is_empty() {
                    return None;
                }
                params.push((name.to_owned(), value.into_owned()));
            }
            None if t == &p => {}
            None => return None,
        }
    }
    Some(params)
}
