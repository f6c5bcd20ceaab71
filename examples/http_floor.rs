//! The floor the local portal's throughput is measured against
//! (`scripts/bench-portal.sh`): a minimal axum server on the same runtime
//! and release profile, answering every GET with a small JSON body.

#[tokio::main]
async fn main() {
    let port = std::env::args().nth(1).unwrap_or_else(|| "3900".into());
    let app = axum::Router::new().fallback(|| async { axum::Json(serde_json::json!({"hello": "world"})) });
    let listener = tokio::net::TcpListener::bind(format!("127.0.0.1:{port}"))
        .await
        .unwrap_or_else(|e| panic!("cannot listen on {port}: {e}"));
    axum::serve(listener, app)
        .await
        .unwrap_or_else(|e| panic!("server failed: {e}"));
}
