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
    let app = init().await?;
    lambda_http::run(service_fn(move |req: Request| {
        let response = handler(app, req);
        async move { Ok::<_, Infallible>(response.await) }
    }))
    .await
}

/// Runs an event handler (stream, S3 notifications) on Lambda.
pub async fn serve_events<E, R, F, Fut>(handler: F) -> Result<(), lambda_http::Error>
where
    E: serde::de::DeserializeOwned + Send + 'static,
    R: serde::Serialize + Send + 'static,
    F: Fn(&'static App, E) -> Fut + Copy + Send + 'static,
    Fut: Future<Output = Result<R, lambda_http::Error>> + Send,
{
    let app = init().await?;
    lambda_http::lambda_runtime::run(lambda_http::lambda_runtime::service_fn(
        move |event: lambda_http::LambdaEvent<E>| handler(app, event.payload),
    ))
    .await
}

/// Once per process: logging, configuration, one `SdkConfig`, the clients
/// and the [`App`] every invocation borrows.
async fn init() -> Result<&'static App, lambda_http::Error> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_ansi(false)
        // CloudWatch timestamps every line already.
        .without_time()
        .init();
    let config = Config::from_env()?;
    let sdk = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let store = DynamoDbStore::new(aws_sdk_dynamodb::Client::new(&sdk), config.table_name.clone());
    // The App lives as long as the process; leaking it lets every request borrow it.
    let app: &'static App = Box::leak(Box::new(App::new(
        Adapters {
            store: Arc::new(store),
            mailer: mailer(&sdk, &config),
            clock: Arc::new(SystemClock),
            ids: Arc::new(UuidV7),
            blobs: blobs(&sdk, &config)?,
        },
        &config.secrets,
        config.settings,
    )));
    Ok(app)
}

/// Functions that send mail enable the `ses` feature and get an SES client;
/// the others link no SES code at all.
#[cfg(feature = "ses")]
fn mailer(sdk: &aws_config::SdkConfig, config: &Config) -> Arc<dyn Mailer> {
    Arc::new(
        crate::mail::ses::SesMailer::new(aws_sdk_sesv2::Client::new(sdk), &config.mail_from)
            .with_configuration_set(config.ses_configuration_set.clone()),
    )
}

#[cfg(not(feature = "ses"))]
fn mailer(_: &aws_config::SdkConfig, _: &Config) -> Arc<dyn Mailer> {
    Arc::new(crate::mail::NoMail)
}

/// Functions that handle attachments enable the `s3` feature and get an S3
/// client on `ATTACHMENTS_BUCKET` (required then); the others link no S3 code.
#[cfg(feature = "s3")]
fn blobs(
    sdk: &aws_config::SdkConfig,
    config: &Config,
) -> Result<Arc<dyn crate::blobs::BlobStore>, lambda_http::Error> {
    let bucket = config
        .attachments_bucket
        .clone()
        .ok_or("invalid configuration: ATTACHMENTS_BUCKET is not set")?;
    Ok(Arc::new(crate::blobs::s3::S3BlobStore::new(
        aws_sdk_s3::Client::new(sdk),
        bucket,
    )))
}

#[cfg(not(feature = "s3"))]
fn blobs(
    _: &aws_config::SdkConfig,
    _: &Config,
) -> Result<Arc<dyn crate::blobs::BlobStore>, lambda_http::Error> {
    Ok(Arc::new(crate::blobs::NoBlobs))
}
