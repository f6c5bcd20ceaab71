//! `cargo run`: the whole portal on this machine, no AWS account needed.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use servicedesk::{blob_server, demo, inbox, notifier, server};
use servicedesk_shared::App;
use servicedesk_shared::app::{Adapters, Settings};
use servicedesk_shared::auth::tokens::TokenSettings;
use servicedesk_shared::blobs::local::LocalBlobStore;
use servicedesk_shared::clock::SystemClock;
use servicedesk_shared::ids::UuidV7;
use servicedesk_shared::mail::outbox::OutboxMailer;
use servicedesk_shared::secret::{Secret, Secrets};
use servicedesk_shared::store::embedded::EmbeddedStore;

/// Where replies by email go locally: notifications' `Reply-To` is this
/// address with a token; a mail to it dropped in `data/inbox/` is taken.
const LOCAL_REPLY_ADDRESS: &str = "reply@servicedesk.localhost";

const USAGE: &str = "usage: servicedesk [--port PORT] [--host ADDR] [--data-dir DIR] [--web-dir DIR]
  --port      port to listen on (env SERVICEDESK_PORT, default 3000)
  --host      address to bind (env SERVICEDESK_HOST, default 127.0.0.1)
  --data-dir  where the store, secret and outbox live (env SERVICEDESK_DATA_DIR, default ./data)
  --web-dir   static front end to serve (default: the repository's web/)";

struct Options {
    addr: SocketAddr,
    data_dir: PathBuf,
    web_dir: PathBuf,
    delivery_lease: time::Duration,
    mail_latency: std::time::Duration,
}

fn options() -> Result<Options, String> {
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let mut port = env("SERVICEDESK_PORT").unwrap_or_else(|| "3000".into());
    let mut host = env("SERVICEDESK_HOST").unwrap_or_else(|| "127.0.0.1".into());
    let mut data_dir = env("SERVICEDESK_DATA_DIR").unwrap_or_else(|| "data".into());
    let mut web_dir = concat!(env!("CARGO_MANIFEST_DIR"), "/web").to_owned();
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let target = match flag.as_str() {
            "--port" => &mut port,
            "--host" => &mut host,
            "--data-dir" => &mut data_dir,
            "--web-dir" => &mut web_dir,
            "-h" | "--help" => return Err(USAGE.into()),
            other => return Err(format!("unknown argument {other}\n{USAGE}")),
        };
        *target = args
            .next()
            .ok_or_else(|| format!("{flag} needs a value\n{USAGE}"))?;
    }
    let port: u16 = port
        .parse()
        .map_err(|_| format!("port must be a number from 1 to 65535, got {port}"))?;
    let ip = host
        .parse()
        .map_err(|_| format!("host must be an IP address, got {host}"))?;
    // Crash tests shorten how long an interrupted mail waits to be resent.
    let delivery_lease = match env("SERVICEDESK_DELIVERY_LEASE_SECONDS") {
        None => servicedesk_shared::app::DELIVERY_LEASE,
        Some(raw) => raw
            .parse::<u16>()
            .ok()
            .filter(|s| *s > 0)
            .map(|s| time::Duration::seconds(i64::from(s)))
            .ok_or_else(|| {
                format!("SERVICEDESK_DELIVERY_LEASE_SECONDS must be 1 to 65535 seconds, got {raw}")
            })?,
    };
    // And simulate a mail service that takes its time.
    let mail_latency = match env("SERVICEDESK_MAIL_LATENCY_MS") {
        None => std::time::Duration::ZERO,
        Some(raw) => raw
            .parse::<u16>()
            .map(|ms| std::time::Duration::from_millis(u64::from(ms)))
            .map_err(|_| format!("SERVICEDESK_MAIL_LATENCY_MS must be 0 to 65535 milliseconds, got {raw}"))?,
    };
    Ok(Options {
        addr: SocketAddr::new(ip, port),
        data_dir: data_dir.into(),
        web_dir: web_dir.into(),
        delivery_lease,
        mail_latency,
    })
}

/// The app secret lives in the data folder, generated on first start and
/// readable by the owner only. It never enters the repository.
fn load_or_create_secret(data_dir: &std::path::Path) -> Result<Secret, String> {
    let path = data_dir.join("secret.key");
    if path.exists() {
        let raw =
            std::fs::read_to_string(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        return Secret::from_base64(&raw).map_err(|e| format!("{} {e}", path.display()));
    }
    let secret = Secret::generate();
    std::fs::write(&path, secret.to_base64()).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))
            .map_err(|e| format!("cannot restrict {}: {e}", path.display()))?;
    }
    Ok(secret)
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("admin") => admin(&args[1..]).await,
        _ => run().await,
    };
    if let Err(message) = result {
        eprintln!("servicedesk: {message}");
        std::process::exit(2);
    }
}

/// `servicedesk admin create-agent|rotate-secret ...`: operations on a deployment.
#[cfg(feature = "aws")]
async fn admin(args: &[String]) -> Result<(), String> {
    use servicedesk::{first_agent, secret_rotation};
    let sdk = || aws_config::load_defaults(aws_config::BehaviorVersion::latest());
    match args.first().map(String::as_str) {
        Some("create-agent") => {
            let command = first_agent::parse(&args[1..])?;
            println!("{}", first_agent::run(&sdk().await, &command).await?);
            Ok(())
        }
        Some("rotate-secret") => {
            let command = secret_rotation::parse(&args[1..])?;
            let now = time::OffsetDateTime::now_utc();
            println!("{}", secret_rotation::run(&sdk().await, &command, now).await?);
            Ok(())
        }
        _ => Err(format!(
            "{}
{}",
            first_agent::USAGE,
            secret_rotation::USAGE
        )),
    }
}

#[cfg(not(feature = "aws"))]
async fn admin(_: &[String]) -> Result<(), String> {
    Err("admin commands talk to a deployment: run them as `cargo run --features aws -- admin create-agent|rotate-secret ...` (see DEPLOY.md)".into())
}

async fn run() -> Result<(), String> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let options = options()?;
    std::fs::create_dir_all(&options.data_dir)
        .map_err(|e| format!("cannot create {}: {e}", options.data_dir.display()))?;
    let secret = load_or_create_secret(&options.data_dir)?;
    let store = EmbeddedStore::open(&options.data_dir.join("servicedesk.redb")).map_err(|e| {
        format!(
            "{e} (is another servicedesk already running on this data folder? stop it or pass --data-dir)"
        )
    })?;
    let moved = servicedesk::upgrade::move_queue_to_its_own_index(&store)
        .await
        .map_err(|e| format!("cannot bring the data folder up to date: {e}"))?;
    if moved > 0 {
        tracing::info!(tickets = moved, "moved the support queue's entries to GSI6");
    }
    let listener = tokio::net::TcpListener::bind(options.addr).await.map_err(|e| {
        format!(
            "cannot listen on {} ({e}); pass --port to choose another port",
            options.addr
        )
    })?;
    let url = format!("http://{}", listener.local_addr().map_err(|e| e.to_string())?);
    let outbox = options.data_dir.join("outbox");
    let blobs = Arc::new(LocalBlobStore::new(
        options.data_dir.join("blobs"),
        url.clone(),
        &secret,
    ));
    let app = Arc::new(App::new(
        Adapters {
            store: Arc::new(store),
            mailer: Arc::new(
                OutboxMailer::new(&outbox, "Service desk <desk@servicedesk.local>")
                    .with_latency(options.mail_latency),
            ),
            clock: Arc::new(SystemClock),
            ids: Arc::new(UuidV7),
            blobs: blobs.clone(),
        },
        &Secrets::single(secret),
        Settings {
            tokens: TokenSettings {
                issuer: "servicedesk".into(),
                audience: "servicedesk-api".into(),
            },
            public_url: url.clone(),
            support_email: servicedesk_shared::domain::Email::parse("support@servicedesk.localhost")
                .unwrap_or_else(|_| unreachable!("a valid constant address")),
            delivery_lease: options.delivery_lease,
            reply_address: Some(
                servicedesk_shared::domain::Email::parse(LOCAL_REPLY_ADDRESS)
                    .unwrap_or_else(|_| unreachable!("a valid constant address")),
            ),
        },
    ));
    let seeded = demo::seed(&app)
        .await
        .map_err(|e| format!("cannot create demo data: {e}"))?;

    println!("\nservicedesk portal: {url}");
    println!(
        "  data:   {}{}",
        options.data_dir.display(),
        if seeded { " (demo data created)" } else { "" }
    );
    let inbox = options.data_dir.join("inbox");
    println!("  mail:   {} (one .eml file per message)", outbox.display());
    println!(
        "  inbox:  {} (drop a reply, as .eml, to add it to its ticket; see README, Email in)",
        inbox.display()
    );
    println!("  stop:   press Ctrl+C\n");
    println!(
        "Demo accounts of {} (sign in with POST {url}/auth/login):",
        demo::ORGANIZATION_NAME
    );
    for user in &demo::USERS {
        println!(
            "  {:<22} password {:<20} {:?}",
            user.email, user.password, user.role
        );
    }
    println!();

    notifier::spawn(app.clone());
    inbox::spawn(app.clone(), inbox);
    let router = server::router(app.clone(), options.web_dir).merge(blob_server::routes(app, blobs));
    axum::serve(listener, router)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
            println!("\nservicedesk: stopped");
        })
        .await
        .map_err(|e| e.to_string())
}
