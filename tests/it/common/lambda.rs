//! API Gateway (HTTP API, payload v2) events from `events/` — the same files
//! `cargo lambda invoke --data-file` takes — run through the handler that
//! the event's route key names, exactly as the local server dispatches.

use lambda_http::http::HeaderMap;
use serde_json::{Value, json};
use servicedesk_shared::App;
use servicedesk_shared::testing::aws_calls::as_function;

pub fn event(name: &str) -> Value {
    let path = format!("{}/events/{name}.json", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).expect("event file")).expect("event JSON")
}

/// The event with `${TOKEN}` replaced by the caller's token, or without
/// Authorization for `None`.
pub fn with_token(mut event: Value, token: Option<&str>) -> Value {
    let headers = event["headers"].as_object_mut().expect("headers");
    match token {
        Some(token) => {
            let value = headers["authorization"]
                .as_str()
                .expect("the event has an Authorization header")
                .replace("${TOKEN}", token);
            headers.insert("authorization".into(), value.into());
        }
        None => {
            headers.remove("authorization");
        }
    }
    event
}

/// The event with this JSON body.
pub fn with_body(mut event: Value, body: &Value) -> Value {
    event["body"] = body.to_string().into();
    event
}

/// The event with these cookies (API Gateway passes them in `cookies`).
pub fn with_cookies(mut event: Value, cookies: &[String]) -> Value {
    event["cookies"] = json!(cookies);
    event
}

#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Answer {
    /// The value of the cookie `name` the response sets (empty when it clears it).
    pub fn set_cookie(&self, name: &str) -> Option<String> {
        self.headers
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(|v| v.strip_prefix(&format!("{name}=")))
            .map(|rest| rest.split(';').next().unwrap_or_default().to_owned())
    }
}

/// Runs the event through its route's handler. Error answers must be
/// problem documents with a detail that says what to do.
pub async fn invoke(app: &App, event: Value) -> Answer {
    let route_key = event["routeKey"].as_str().expect("routeKey").to_owned();
    let route = servicedesk::routes::routes()
        .into_iter()
        .find(|r| format!("{} {}", r.method, r.path) == route_key)
        .unwrap_or_else(|| panic!("no route for {route_key}"));
    let request = lambda_http::request::from_str(&event.to_string()).expect("a valid API Gateway event");
    // As that function, so what it asks of AWS is recorded against it.
    let response = as_function(route.function, (route.handler)(app, request)).await;
    let (parts, body) = response.into_parts();
    let body = match body {
        lambda_http::Body::Text(text) => serde_json::from_str(&text).expect("JSON response"),
        lambda_http::Body::Empty => Value::Null,
        other => panic!("unexpected body {other:?}"),
    };
    let answer = Answer {
        status: parts.status.as_u16(),
        headers: parts.headers,
        body,
    };
    if answer.status >= 400 {
        assert_eq!(
            answer.headers["content-type"], "application/problem+json",
            "{route_key}"
        );
        assert_eq!(answer.body["status"], answer.status);
        assert!(answer.body["detail"].as_str().is_some_and(|d| !d.is_empty()));
    }
    answer
}

/// The event with each `${NAME}` placeholder replaced by its value.
pub fn fill(event: Value, values: &[(&str, &str)]) -> Value {
    let mut text = event.to_string();
    for (name, value) in values {
        text = text.replace(&format!("${{{name}}}"), value);
    }
    serde_json::from_str(&text).expect("placeholders keep the event valid JSON")
}

/// The event as if sent from `ip` (API Gateway's source address).
pub fn from_source(mut event: Value, ip: &str) -> Value {
    event["requestContext"]["http"]["sourceIp"] = ip.into();
    event
}

/// The event with this query string (API Gateway passes it both raw and parsed).
pub fn with_query(mut event: Value, params: &[(&str, &str)]) -> Value {
    event["rawQueryString"] = params
        .iter()
        .map(|(k, v)| {
            format!(
                "{k}={}",
                percent_encoding::utf8_percent_encode(v, percent_encoding::NON_ALPHANUMERIC)
            )
        })
        .collect::<Vec<_>>()
        .join("&")
        .into();
    event["queryStringParameters"] = params.iter().map(|(k, v)| ((*k).to_owned(), json!(v))).collect();
    event
}

/// The answers to `events`, all sent at once (each on a task of its own),
/// in the order given; `app` finds the app in what `owner` holds.
pub async fn invoke_all_at_once<T: Send + Sync + 'static>(
    owner: &std::sync::Arc<T>,
    app: fn(&T) -> &App,
    events: Vec<Value>,
) -> Vec<Answer> {
    let tasks: Vec<_> = events
        .into_iter()
        .map(|event| {
            let owner = owner.clone();
            tokio::spawn(async move { invoke(app(&owner), event).await })
        })
        .collect();
    let mut answers = Vec::new();
    for task in tasks {
        answers.push(task.await.expect("the request's task"));
    }
    answers
}

/// How many of `answers` have `status`.
pub fn count_status(answers: &[Answer], status: u16) -> usize {
    answers.iter().filter(|a| a.status == status).count()
}
