//! What the AWS adapters do on behalf of each function, as the tests run
//! it: the test crate runs a handler inside [`as_function`], records the
//! calls its AWS clients send (and the fakes, what their adapter would
//! send), and a test then holds that record against the template's grants.
//! Imports nothing of the crate, so the adapters can record through it.

use std::collections::BTreeSet;
use std::future::Future;
use std::io::Write;
use std::sync::Mutex;

/// Where the record goes (JSON lines), when set.
pub const LOG_VAR: &str = "SERVICEDESK_AWS_CALLS";

tokio::task_local! {
    static FUNCTION: &'static str;
}

static SEEN: Mutex<BTreeSet<(String, String, String)>> = Mutex::new(BTreeSet::new());

/// Runs `work` as the Lambda function `name`.
pub async fn as_function<F: Future>(name: &'static str, work: F) -> F::Output {
    FUNCTION.scope(name, work).await
}

/// The function being run, if any (setup code runs as none).
pub fn current_function() -> Option<&'static str> {
    FUNCTION.try_with(|name| *name).ok()
}

/// Records that the current function performed the IAM `action` on
/// `resource` (symbolic: `table`, `table/index/GSI1`, `bucket/pending/*`,
/// `ses:identity`...). Each fact is written once.
pub fn record(action: &str, resource: &str) {
    let (Some(function), Ok(path)) = (current_function(), std::env::var(LOG_VAR)) else {
        return;
    };
    let fact = (function.to_owned(), action.to_owned(), resource.to_owned());
    let mut seen = SEEN.lock().unwrap_or_else(|p| p.into_inner());
    if seen.contains(&fact) {
        return;
    }
    let line = serde_json::json!({ "function": fact.0, "action": fact.1, "resource": fact.2 });
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .unwrap_or_else(|e| panic!("cannot open {path} ({LOG_VAR}): {e}"));
    writeln!(file, "{line}").unwrap_or_else(|e| panic!("cannot write {path}: {e}"));
    seen.insert(fact);
}
