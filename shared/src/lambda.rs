//! What every Lambda's `main` does, once: read config, load one `SdkConfig`,
//! build the clients, read the app secret and build the [`App`], then serve
//! requests with the borrowed `App` (its keys reread every few minutes, so
//! a secret rotation reaches running functions). Nothing else runs at init,
//! to keep cold starts short.

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
use crate::secret::secrets_manager::{Refresher, SecretsManagerSource};
use crate::store::dynamodb::DynamoDbStore;

/// Runs an HTTP handler on Lambda.
pub async fn serve<F, Fut>(handler: F) -> Result<(), lambda_http::Error>
where
    F: Fn(&'static App, Request) -> Fut + Copy + Send + 'static,
    Fut: Future<Output = Response<Body>> + Send,
{
    let (app, secrets) = init().await?;
    lambda_http::run(service_fn(move |req: Request| async move {
        if let Some(secrets) = secrets {
            secrets.refresh_if_due(app).await;
        }
        Ok::<_, Infallible>(handler(app, req).await)
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
    let (app, secrets) = init().await?;
    lambda_http::lambda_runtime::run(lambda_http::lambda_runtime::service_fn(
        move |event: lambda_http::LambdaEvent<E>| async move {
            if let Some(secrets) = secrets {
                secrets.refresh_if_due(app).await;
            }
            handler(app, event.payload).await
        },
    ))
    .await
}

/// Once per process: logging, configuration, one `SdkConfig`, the clients,
/// the app secret (one Secrets Manager call, for the functions given it)
/// and the [`App`] every invocation borrows.
async fn init() -> Result<(&'static App, Option<&'static Refresher>), lambda_http::Error> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_ansi(false)
        // CloudWatch timestamps every line already.
        .without_time()
        .init();
    let config = Config::from_env()?;
    let sdk = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let (app, secrets) = start(config, &sdk).await?;
    // Both live as long as the process; leaking them lets every request borrow them.
    let secrets: Option<&'static Refresher> = secrets.map(|r| &*Box::leak(Box::new(r)));
    Ok((Box::leak(Box::new(app)), secrets))
}

/// The [`App`] of a function instance, and what keeps its keys fresh: the
/// clients on `sdk`, and the app secret read from Secrets Manager when the
/// function is given one (`SERVICEDESK_SECRET_ID`).
pub async fn start(
    config: Config,
    sdk: &aws_config::SdkConfig,
) -> Result<(App, Option<Refresher>), lambda_http::Error> {
    let store = DynamoDbStore::new(aws_sdk_dynamodb::Client::new(sdk), config.table_name.clone());
    let adapters = Adapters {
        store: Arc::new(store),
        mailer: mailer(sdk, &config),
        clock: Arc::new(SystemClock),
        ids: Arc::new(UuidV7),
        blobs: blobs(sdk, &config)?,
    };
    let Some(secret_id) = config.secret_id.clone() else {
        return Ok((App::without_secret(adapters, config.settings), None));
    };
    // A read that hangs must not hold an init (or a request) for the whole
    // function timeout: 2 s in all, one retry.
    let client = aws_sdk_secretsmanager::Client::from_conf(
        aws_sdk_secretsmanager::config::Builder::from(sdk)
            .timeout_config(
                aws_sdk_secretsmanager::config::timeout::TimeoutConfig::builder()
                    .operation_timeout(std::time::Duration::from_secs(2))
                    .build(),
            )
            .retry_config(aws_sdk_secretsmanager::config::retry::RetryConfig::standard().with_max_attempts(2))
            .build(),
    );
    let source = SecretsManagerSource::new(client, secret_id);
    let read_at = time::OffsetDateTime::now_utc();
    let secrets = source.read().await?;
    let app = App::new(adapters, &secrets, config.settings);
    Ok((app, Some(Refresher::new(source, read_at))))
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
