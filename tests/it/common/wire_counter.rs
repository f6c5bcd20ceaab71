//! A proxy in front of the emulator that counts the requests reaching it:
//! the functions' bootstraps are pointed at it (`AWS_ENDPOINT_URL`), so what
//! it counts during an invocation is that invocation's round trips at the
//! wire, whatever the code believes it sends.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::response::Response;

struct Proxy {
    upstream: String,
    client: reqwest::Client,
    seen: Mutex<Vec<String>>,
}

#[derive(Clone)]
pub struct WireCounter {
    proxy: Arc<Proxy>,
    pub url: String,
}

/// What a request is, for a person reading a failure: the DynamoDB or
/// Secrets Manager operation (`X-Amz-Target`), else the method and path.
fn describe(request: &Request) -> String {
    match request
        .headers()
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
    {
        Some(target) => target.rsplit('.').next().unwrap_or(target).to_owned(),
        None => format!("{} {}", request.method(), request.uri().path()),
    }
}

async fn forward(State(proxy): State<Arc<Proxy>>, request: Request) -> Response {
    proxy.seen.lock().unwrap().push(describe(&request));
    let (parts, body) = request.into_parts();
    let body = to_bytes(body, usize::MAX).await.unwrap();
    let url = format!(
        "{}{}",
        proxy.upstream,
        parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/")
    );
    let mut upstream = proxy.client.request(parts.method, url).body(body);
    for (name, value) in &parts.headers {
        if name != "host" && name != "content-length" {
            upstream = upstream.header(name, value);
        }
    }
    let answer = upstream.send().await.expect("the emulator answers");
    let mut response = Response::builder().status(answer.status());
    for (name, value) in answer.headers() {
        // Content-Length kept as is: a HEAD's names the object's size.
        if name != "transfer-encoding" {
            response = response.header(name, value);
        }
    }
    response.body(Body::from(answer.bytes().await.unwrap())).unwrap()
}

impl WireCounter {
    pub async fn start(upstream: &str) -> Self {
        let proxy = Arc::new(Proxy {
            upstream: upstream.trim_end_matches('/').to_owned(),
            client: reqwest::Client::new(),
            seen: Mutex::new(Vec::new()),
        });
        let router = Router::new().fallback(forward).with_state(proxy.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, router).await });
        Self { proxy, url }
    }

    /// The requests since the last call.
    pub fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.proxy.seen.lock().unwrap())
    }
}
