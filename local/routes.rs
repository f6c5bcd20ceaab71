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
    /// API Gateway's name of the route, `METHOD path`: what the handler
    /// dispatches on (`api::route_key`).
    pub key: &'static str,
    /// The Lambda function (crate and binary name) that serves the route.
    pub function: &'static str,
    pub handler: Handler,
}

/// Every function crate with its routes (its own `ROUTES`, the strings its
/// handler matches) and one boxing adapter, so every route can share a type.
macro_rules! functions {
    ($($function:ident => $name:literal),* $(,)?) => {
        $(
            fn $function(app: &App, req: Request) -> BoxFuture<'_, Response<Body>> {
                Box::pin($function::handler(app, req))
            }
        )*

        /// The API's routes: each function's own list, bound to its handler.
        pub fn routes() -> Vec<Route> {
            let mut routes = Vec::new();
            $(
                for key in $function::ROUTES {
                    routes.push(route(key, $name, $function));
                }
            )*
            routes
        }
    };
}

functions!(
    create_ticket => "create-ticket",
    list_tickets => "list-tickets",
    get_ticket => "get-ticket",
    sign_in => "sign-in",
    accept_invitation => "accept-invitation",
    password_reset => "password-reset",
    account => "account",
    admin => "admin",
    guest_tickets => "guest-tickets",
    access_key => "access-key",
    ticket_notes => "ticket-notes",
    update_ticket => "update-ticket",
    agent_queue => "agent-queue",
    attachments => "attachments",
    announcements => "announcements",
);

fn route(key: &'static str, function: &'static str, handler: Handler) -> Route {
    let (method, path) = key
        .split_once(' ')
        .unwrap_or_else(|| panic!("route key {key:?} is not `METHOD path`"));
    Route {
        method: method
            .parse()
            .unwrap_or_else(|_| panic!("route key {key:?}: not a method")),
        path,
        key,
        function,
        handler,
    }
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
