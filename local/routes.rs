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

fn create_ticket(app: &App, req: Request) -> BoxFuture<'_, Response<Body>> {
    Box::pin(create_ticket::handler(app, req))
}

fn list_tickets(app: &App, req: Request) -> BoxFuture<'_, Response<Body>> {
    Box::pin(list_tickets::handler(app, req))
}

fn get_ticket(app: &App, req: Request) -> BoxFuture<'_, Response<Body>> {
    Box::pin(get_ticket::handler(app, req))
}

pub fn routes() -> Vec<Route> {
    vec![
        Route {
            method: Method::POST,
            path: "/tickets",
            function: "create-ticket",
            handler: create_ticket,
        },
        Route {
            method: Method::GET,
            path: "/tickets",
            function: "list-tickets",
            handler: list_tickets,
        },
        Route {
            method: Method::GET,
            path: "/tickets/{number}",
            function: "get-ticket",
            handler: get_ticket,
        },
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
