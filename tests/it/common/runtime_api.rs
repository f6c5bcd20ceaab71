//! A Lambda Runtime API on loopback, enough for a real bootstrap: the
//! function runs as a child process with `AWS_LAMBDA_RUNTIME_API` pointing
//! here, polls `/next` for events, and posts each response (or error) back.
//! An init that fails (the process exits before its first poll, or posts to
//! `/init/error`) is reported with the function's own output.

use std::collections::HashMap;
use std::path::Path;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use serde_json::Value;
use tokio::sync::{mpsc, oneshot};

const API: &str = "/2018-06-01/runtime";

#[derive(Default)]
struct Shared {
    /// Invocations waiting for their outcome, by request id.
    waiting: Mutex<HashMap<String, oneshot::Sender<Result<Value, String>>>>,
    init_error: Mutex<Option<String>>,
    polled: tokio::sync::Notify,
}

struct Api {
    shared: Arc<Shared>,
    events: tokio::sync::Mutex<mpsc::UnboundedReceiver<(String, Value)>>,
}

/// A function's bootstrap, running as Lambda runs it.
pub struct Function {
    pub name: String,
    /// From the process's start to its first poll for an event: its init.
    pub init: Duration,
    events: mpsc::UnboundedSender<(String, Value)>,
    shared: Arc<Shared>,
    child: std::process::Child,
    stderr: Arc<Mutex<String>>,
    next_id: std::sync::atomic::AtomicU64,
}

async fn next(State(api): State<Arc<Api>>) -> (HeaderMap, String) {
    api.shared.polled.notify_one();
    let Some((id, event)) = api.events.lock().await.recv().await else {
        // The test is over: the function waits until it is stopped.
        return std::future::pending().await;
    };
    let mut headers = HeaderMap::new();
    let deadline = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis()
        + 30_000;
    headers.insert("lambda-runtime-aws-request-id", id.parse().unwrap());
    headers.insert(
        "lambda-runtime-deadline-ms",
        deadline.to_string().parse().unwrap(),
    );
    headers.insert(
        "lambda-runtime-invoked-function-arn",
        "arn:aws:lambda:us-east-1:123456789012:function:test"
            .parse()
            .unwrap(),
    );
    headers.insert(
        "lambda-runtime-trace-id",
        "Root=1-00000000-000000000000000000000000".parse().unwrap(),
    );
    (headers, event.to_string())
}

async fn respond(State(api): State<Arc<Api>>, UrlPath(id): UrlPath<String>, body: String) -> StatusCode {
    finish(
        &api,
        &id,
        serde_json::from_str(&body).map_err(|e| format!("not JSON ({e}): {body}")),
    );
    StatusCode::ACCEPTED
}

async fn fail(State(api): State<Arc<Api>>, UrlPath(id): UrlPath<String>, body: String) -> StatusCode {
    finish(&api, &id, Err(body));
    StatusCode::ACCEPTED
}

async fn init_error(State(api): State<Arc<Api>>, body: String) -> StatusCode {
    *api.shared.init_error.lock().unwrap() = Some(body);
    StatusCode::ACCEPTED
}

fn finish(api: &Api, id: &str, outcome: Result<Value, String>) {
    if let Some(waiting) = api.shared.waiting.lock().unwrap().remove(id) {
        let _ = waiting.send(outcome);
    }
}

impl Function {
    /// Starts `binary` with exactly `env` (plus what Lambda itself sets) and
    /// waits for its first poll: an init that fails is an `Err` with its output.
    pub async fn start(name: &str, binary: &Path, env: &[(String, String)]) -> Result<Self, String> {
        let (events, receiver) = mpsc::unbounded_channel();
        let shared = Arc::new(Shared::default());
        let api = Arc::new(Api {
            shared: shared.clone(),
            events: tokio::sync::Mutex::new(receiver),
        });
        let router = Router::new()
            .route(&format!("{API}/invocation/next"), get(next))
            .route(&format!("{API}/invocation/{{id}}/response"), post(respond))
            .route(&format!("{API}/invocation/{{id}}/error"), post(fail))
            .route(&format!("{API}/init/error"), post(init_error))
            .with_state(api);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, router).await });

        let mut command = std::process::Command::new(binary);
        command
            .env_clear()
            .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .env("AWS_LAMBDA_RUNTIME_API", address.to_string())
            .env("AWS_LAMBDA_FUNCTION_NAME", name)
            .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256")
            .env("AWS_LAMBDA_LOG_GROUP_NAME", format!("/aws/lambda/{name}"))
            .env("AWS_LAMBDA_LOG_STREAM_NAME", "test")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .stdin(Stdio::null());
        let started = std::time::Instant::now();
        let mut child = command
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", binary.display()))?;
        let stderr = Arc::new(Mutex::new(String::new()));
        let mut pipe = child.stderr.take().unwrap();
        let sink = stderr.clone();
        std::thread::spawn(move || {
            use std::io::Read;
            let mut buffer = [0u8; 4096];
            while let Ok(n) = pipe.read(&mut buffer) {
                if n == 0 {
                    break;
                }
                sink.lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&buffer[..n]));
            }
        });
        let mut function = Self {
            name: name.to_owned(),
            init: Duration::ZERO,
            events,
            shared,
            child,
            stderr,
            next_id: std::sync::atomic::AtomicU64::new(1),
        };
        function.until_polled().await?;
        function.init = started.elapsed();
        Ok(function)
    }

    /// Waits for the function to poll for an event (it is idle and alive).
    async fn until_polled(&mut self) -> Result<(), String> {
        let shared = self.shared.clone();
        let polled = shared.polled.notified();
        let deadline = tokio::time::sleep(Duration::from_secs(20));
        tokio::pin!(polled, deadline);
        loop {
            tokio::select! {
                _ = &mut polled => return Ok(()),
                _ = &mut deadline => return Err(self.failure("did not poll for an event within 20 s")),
                _ = tokio::time::sleep(Duration::from_millis(20)) => {
                    if let Some(error) = self.shared.init_error.lock().unwrap().clone() {
                        return Err(self.failure(&format!("reported an init error: {error}")));
                    }
                    if let Ok(Some(status)) = self.child.try_wait() {
                        return Err(self.failure(&format!("exited ({status})")));
                    }
                }
            }
        }
    }

    fn failure(&self, what: &str) -> String {
        format!(
            "{} {what}; its output:\n{}",
            self.name,
            self.stderr.lock().unwrap()
        )
    }

    /// Hands the function one event and waits for its answer.
    pub async fn invoke(&mut self, event: Value) -> Result<Value, String> {
        let id = format!(
            "request-{}",
            self.next_id.fetch_add(1, std::sync::atomic::Ordering::SeqCst)
        );
        let (sender, outcome) = oneshot::channel();
        self.shared.waiting.lock().unwrap().insert(id.clone(), sender);
        self.events.send((id, event)).expect("the Runtime API is up");
        let deadline = tokio::time::sleep(Duration::from_secs(30));
        tokio::pin!(outcome, deadline);
        loop {
            tokio::select! {
                outcome = &mut outcome => return outcome.map_err(|_| self.failure("dropped the invocation"))?,
                _ = &mut deadline => return Err(self.failure("did not answer within 30 s")),
                _ = tokio::time::sleep(Duration::from_millis(20)) => {
                    if let Ok(Some(status)) = self.child.try_wait() {
                        return Err(self.failure(&format!("exited during the invocation ({status})")));
                    }
                }
            }
        }
    }

    /// The process's peak resident memory so far (Linux's `VmHWM`), in KiB.
    pub fn peak_rss_kib(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).ok()?;
        status
            .lines()
            .find_map(|line| line.strip_prefix("VmHWM:"))?
            .trim()
            .trim_end_matches("kB")
            .trim()
            .parse()
            .ok()
    }

    /// Everything the function wrote to stderr so far (its logs).
    pub fn output(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }
}

impl Drop for Function {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
