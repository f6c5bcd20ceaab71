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
    let sdk = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .http_client(https_client()?)
        .load()
        .await;
    let (app, secrets) = start(config, &sdk).await?;
    // Both live as long as the process; leaking them lets every request borrow them.
    let secrets: Option<&'static Refresher> = secrets.map(|r| &*Box::leak(Box::new(r)));
    Ok((Box::leak(Box::new(app)), secrets))
}

/// The roots AWS moved its service endpoints to (not the China regions',
/// which use others and are not supported): the five of Amazon
/// Trust Services, as their repository recommends for a custom trust store
/// (<https://www.amazontrust.com/repository>).
pub const AMAZON_TRUST_SERVICES_ROOTS: &str = include_str!("amazon_trust_services.pem");

/// The HTTPS client of every AWS call, trusting those five roots only. The
/// SDK's default reads the system's store instead (on Debian 147 files, the
/// roots twice, each parsed) when the clients are built: about 4 ms of a
/// 10 ms init, measured with `scripts/bench-lambda.sh` (README, Speed).
pub fn https_client() -> Result<aws_sdk_dynamodb::config::SharedHttpClient, lambda_http::Error> {
    use aws_smithy_http_client::tls;
    let roots = tls::TrustStore::empty().with_pem_certificate(AMAZON_TRUST_SERVICES_ROOTS.as_bytes());
    let context = tls::TlsContext::builder().with_trust_store(roots).build()?;
    Ok(aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(tls::rustls_provider::CryptoMode::AwsLc))
        .tls_context(context)
        .build_https())
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

#[cfg(test)]
mod tests {
    use base64::Engine;

    /// The compiled-in roots are exactly Amazon Trust Services' five, by the
    /// SHA-256 fingerprints their repository publishes.
    #[test]
    fn the_trust_store_is_the_five_amazon_trust_services_roots() {
        let mut fingerprints = Vec::new();
        for block in super::AMAZON_TRUST_SERVICES_ROOTS
            .split("-----BEGIN CERTIFICATE-----")
            .skip(1)
        {
            let (body, _) = block
                .split_once("-----END CERTIFICATE-----")
                .expect("a whole PEM block");
            let der = base64::engine::general_purpose::STANDARD
                .decode(body.split_whitespace().collect::<String>())
                .expect("base64");
            let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, &der);
            fingerprints.push(
                digest
                    .as_ref()
                    .iter()
                    .map(|b| format!("{b:02X}"))
                    .collect::<String>(),
            );
        }
        assert_eq!(
            fingerprints,
            [
                // Amazon Root CA 1 to 4, Starfield Services Root Certificate Authority - G2.
                "8ECDE6884F3D87B1125BA31AC3FCB13D7016DE7F57CC904FE1CB97C6AE98196E",
                "1BA5B2AA8C65401A82960118F80BEC4F62304D83CEC4713A19C39C011EA46DB4",
                "18CE6CFE7BF14E60B2E347B8DFE868CB31D02EBB3ADA271569F50343B46DB3A4",
                "E35D28419ED02025CFA69038CD623962458DA5C695FBDEA3C22B0BFB25897092",
                "568D6905A2C88708A4B3025190EDCFEDB1974A606A13C6E5290FCB2AE63EDAB5",
            ]
        );
    }

    /// The PEM text (comments included) is what the SDK's TLS layer accepts:
    /// a client on it can be built and asked for a connection.
    #[tokio::test]
    async fn clients_are_built_on_the_compiled_in_roots() {
        let sdk = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .http_client(super::https_client().expect("the HTTPS client"))
            .region(aws_config::Region::new("eu-west-1"))
            .credentials_provider(aws_sdk_dynamodb::config::Credentials::new(
                "AKID", "secret", None, None, "test",
            ))
            .retry_config(aws_config::retry::RetryConfig::disabled())
            // Nothing listens there: the request fails to connect, after the
            // connector (and its trust store) was made.
            .endpoint_url("https://127.0.0.1:9")
            .load()
            .await;
        let error = aws_sdk_dynamodb::Client::new(&sdk)
            .list_tables()
            .send()
            .await
            .expect_err("no server");
        assert!(
            format!("{error:?}").to_lowercase().contains("connect"),
            "a connection failure, not a TLS setup panic: {error:?}"
        );
    }
}
