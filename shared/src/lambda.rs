//! What every HTTP Lambda's `main` does, once: read config, load one
//! `SdkConfig`, build the clients and the [`App`], then serve requests with
//! the borrowed `App`. Nothing else runs at init, to keep cold starts short.

use std::convert::Infallible;
use std::future::Future;
use std::sync::Arc;

use lambda_http::{Body, Request, Response, service_fn};

use crate::App;
use crate::app::Adapters;
use crate::clock::SystemClock;
use crate::config::Config;
use crate::ids::UuidV7;
use crate::mail::Mailer;
use crate::store::dynamodb::DynamoDbStore;

/// Runs an HTTP handler on Lambda.
pub async fn serve<F, Fut>(handler: F) -> Result<(), lambda_http::Error>
where
    F: Fn(&'static App, Request) -> Fut + Copy + Send + 'static,
    Fut: Future<Output = Response<Body>> + Send,
{
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_ansi(false)
        // CloudWatch timestamps every line already.
        .without_time()
        .init();
    let config = Config::from_env()?;
    let sdk = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let store = DynamoDbStore::new(aws_sdk_dynamodb::Client::new(&sdk), config.table_name);
    // The App lives as long as the process; leaking it lets every request borrow it.
    let app: &'static App = Box::leak(Box::new(App::new(
        Adapters {
            store: Arc::new(store),
            mailer: mailer(&sdk, &config.mail_from),
            clock: Arc::new(SystemClock),
            ids: Arc::new(UuidV7),
        },
        &config.secrets,
        config.settings,
    )));
    lambda_http::run(service_fn(move |req: Request| {
        let response = handler(app, req);
        async move { Ok::<_, Infallible>(response.await) }
    }))
    .await
}

/// Functions that send mail enable the `ses` feature and get an SES client;
/// the others link no SES code at all.
#[cfg(feature = "ses")]
fn mailer(sdk: &aws_config::SdkConfig, from: &str) -> Arc<dyn Mailer> {
    Arc::new(crate::mail::ses::SesMailer::new(
        aws_sdk_sesv2::Client::new(sdk),
        from,
    ))
}

#[cfg(not(feature = "ses"))]
fn mailer(_: &aws_config::SdkConfig, _: &str) -> Arc<dyn Mailer> {
    Arc::new(crate::mail::NoMail)
}
