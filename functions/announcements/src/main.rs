#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    servicedesk_shared::lambda::serve(announcements::handler).await
}
