//! End to end over HTTP: the local portal as `cargo run` serves it.

use crate::common;

use std::sync::Arc;

use serde_json::{Value, json};
use servicedesk::{demo, server};
use servicedesk_shared::accounts::sessions;
use servicedesk_shared::{App, testing};

async fn start() -> (String, Arc<App>) {
    let (app, _, _) = testing::app(common::embedded().await.unwrap());
    let app = Arc::new(app);
    demo::seed(&app).await.expect("demo data");
    let web = concat!(env!("CARGO_MANIFEST_DIR"), "/web").into();
    let router = server::router(app.clone(), web);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    (url, app)
}

/// Signs in as a demo user with the password printed at start-up.
async fn token(client: &reqwest::Client, url: &str, email: &str) -> String {
    let user = demo::USERS
        .iter()
        .find(|u| u.email == email)
        .expect("a demo user");
    let answer = client
        .post(format!("{url}/auth/login"))
        .json(&json!({ "email": email, "password": user.password }))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200, "sign-in as {email}");
    let answer: Value = answer.json().await.unwrap();
    answer["access_token"]
        .as_str()
        .expect("an access token")
        .to_owned()
}

/// GET as the holder of `token`, answered with JSON.
async fn get_json(client: &reqwest::Client, url: String, token: &str) -> Value {
    client
        .get(url)
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// Opens a ticket over HTTP; returns its number.
async fn open_ticket(client: &reqwest::Client, url: &str, token: &str, title: &str) -> String {
    let created: Value = client
        .post(format!("{url}/tickets"))
        .bearer_auth(token)
        .json(&json!({"request_type": "question", "title": title, "description": "Details follow."}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    created["number"].as_str().expect("a ticket number").to_owned()
}

#[tokio::test]
async fn a_customer_opens_lists_and_reads_tickets_and_a_colleague_sees_them() {
    let (url, _) = start().await;
    let client = reqwest::Client::new();
    let ann = token(&client, &url, "ann@acme.example").await;
    let bob = token(&client, &url, "bob@acme.example").await;

    let created = client
        .post(format!("{url}/tickets"))
        .bearer_auth(&ann)
        .json(&json!({"request_type": "incident", "priority": "urgent", "title": "VPN down", "description": "No one can connect."}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let location = created.headers()["location"].to_str().unwrap().to_owned();
    let created: Value = created.json().await.unwrap();
    let number = created["number"].as_str().unwrap();
    assert_eq!(location, format!("/tickets/{number}"));

    // The colleague sees it in the organization's open tickets, by search too.
    let listed: Value = get_json(
        &client,
        format!("{url}/tickets?scope=organization&status=open&q=vpn"),
        &bob,
    )
    .await;
    assert_eq!(listed["tickets"][0]["number"], number, "{listed}");

    // The path parameter reaches the handler as API Gateway would pass it.
    let got = client
        .get(format!("{url}{location}"))
        .bearer_auth(&bob)
        .send()
        .await
        .unwrap();
    assert_eq!(got.status(), 200);
    let got: Value = got.json().await.unwrap();
    assert_eq!(got["history"][0]["type"], "created");

    let agent = token(&client, &url, "sam@support.example").await;
    let got = client
        .get(format!("{url}{location}"))
        .bearer_auth(&agent)
        .send()
        .await
        .unwrap();
    assert_eq!(got.status(), 200);
}

#[tokio::test]
async fn errors_are_problem_documents_and_the_web_front_end_is_served() {
    let (url, _) = start().await;
    let client = reqwest::Client::new();

    let anonymous = client.get(format!("{url}/tickets")).send().await.unwrap();
    assert_eq!(anonymous.status(), 401);
    assert_eq!(anonymous.headers()["content-type"], "application/problem+json");

    let ann = token(&client, &url, "ann@acme.example").await;
    let missing = client
        .get(format!("{url}/tickets/T20261122.0999"))
        .bearer_auth(&ann)
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    let encoded = client
        .get(format!("{url}/tickets/T2026%2F1122"))
        .bearer_auth(&ann)
        .send()
        .await
        .unwrap();
    assert_eq!(encoded.status(), 422);

    // Above the gateway's 10 MB limit the local server refuses like API Gateway would.
    let huge = client
        .post(format!("{url}/tickets"))
        .bearer_auth(&ann)
        .header("content-type", "application/json")
        .body(vec![b' '; server::GATEWAY_PAYLOAD_LIMIT + 1])
        .send()
        .await
        .unwrap();
    assert_eq!(huge.status(), 413);

    let wrong_password = client
        .post(format!("{url}/auth/login"))
        .json(&json!({"email": "ann@acme.example", "password": "not-her-password"}))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_password.status(), 401);
    assert_eq!(
        wrong_password.headers()["content-type"],
        "application/problem+json"
    );

    let page = client.get(format!("{url}/")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("<title>Service desk</title>"));
}

#[tokio::test]
async fn refusals_are_problems_and_bad_path_values_never_look_like_outages() {
    let (url, _) = start().await;
    let client = reqwest::Client::new();
    let ann = token(&client, &url, "ann@acme.example").await;
    let is_problem =
        |answer: &reqwest::Response| answer.headers()["content-type"] == "application/problem+json";
    // A NUL (or a line break) in a path id: not found, never "retry".
    for id in ["%00", "a%00b", "x%0Ay", &"x".repeat(400)] {
        let answer = client
            .delete(format!("{url}/account/tokens/{id}"))
            .bearer_auth(&ann)
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 404, "{id}");
        assert!(is_problem(&answer), "{id}");
    }
    let answer = client
        .get(format!("{url}/tickets?q=a%00b"))
        .bearer_auth(&ann)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 422);
    let body: Value = answer.json().await.unwrap();
    assert_eq!(body["field"], "q");

    // What the portal refuses before any handler runs is a problem too.
    let long = client
        .get(format!("{url}/tickets?q={}", "x".repeat(server::MAX_URI_BYTES)))
        .send()
        .await
        .unwrap();
    assert_eq!(long.status(), 414);
    assert!(is_problem(&long));
    let body: Value = long.json().await.unwrap();
    assert_eq!(body["status"], 414);
    let big = client
        .get(format!("{url}/tickets"))
        .header("x-filler", "y".repeat(server::MAX_HEADER_BYTES))
        .send()
        .await
        .unwrap();
    assert_eq!(big.status(), 431);
    assert!(is_problem(&big));
}

#[tokio::test]
async fn a_guest_sends_the_access_key_in_a_header_never_in_the_url() {
    let desk = testing::test_app(common::embedded().await.unwrap());
    let mail = desk.mail.clone();
    let app = Arc::new(desk.app);
    let web = concat!(env!("CARGO_MANIFEST_DIR"), "/web").into();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let router = server::router(app, web);
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    let client = reqwest::Client::new();

    let challenge: servicedesk_shared::guest::challenge::Challenge = client
        .get(format!("{url}/guest/challenge"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let solution = servicedesk_shared::guest::challenge::solve(&challenge);
    let submitted = client
        .post(format!("{url}/guest/tickets"))
        .json(&json!({
            "contact_name": "Gina Green", "email": "gina@example.org", "urgency": "not_urgent",
            "category": "helpdesk_support", "description": "The till does not start.",
            "language": "en", "website": "", "challenge": challenge.challenge, "solution": solution,
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(submitted.status(), 202, "{:?}", submitted.text().await);
    let key = common::link_secret(&mail.take().pop().expect("the confirmation"), "access", "key");

    let view = |authorization: Option<String>| {
        let request = client.get(format!("{url}/access/ticket"));
        match authorization {
            Some(value) => request.header("authorization", value),
            None => request,
        }
        .send()
    };
    let opened = view(Some(format!("AccessKey {key}"))).await.unwrap();
    assert_eq!(opened.status(), 200);
    let opened: Value = opened.json().await.unwrap();
    assert!(
        opened["number"].as_str().is_some_and(|n| n.starts_with('T')),
        "{opened}"
    );
    // The scheme's name is case-insensitive, as HTTP's are.
    assert_eq!(
        view(Some(format!("accesskey {key}"))).await.unwrap().status(),
        200
    );
    for refused in [
        None,
        Some(format!("Bearer {key}")),
        Some(key.clone()),
        Some("AccessKey ".into()),
    ] {
        let answer = view(refused.clone()).await.unwrap();
        assert_eq!(answer.status(), 401, "{refused:?}");
        assert_eq!(answer.headers()["www-authenticate"], "AccessKey", "{refused:?}");
        assert_eq!(answer.headers()["content-type"], "application/problem+json");
    }
    // The key in the path, as before, opens nothing: no route takes it there.
    for path in [format!("/access/{key}"), format!("/access/{key}/notes")] {
        let answer = client.get(format!("{url}{path}")).send().await.unwrap();
        assert_eq!(answer.status(), 404, "{path}");
        let body = answer.text().await.unwrap();
        assert!(!body.contains("Gina"), "{body}");
    }
}

#[tokio::test]
async fn demo_data_is_created_once() {
    let (app, _, _) = testing::app(common::embedded().await.unwrap());
    assert!(demo::seed(&app).await.unwrap(), "first start creates the demo");
    assert!(!demo::seed(&app).await.unwrap(), "a restart keeps what is there");
    for user in &demo::USERS {
        let session = sessions::login(&app, user.email, user.password, "test").await;
        assert!(
            session.is_ok(),
            "{} signs in with the printed password",
            user.email
        );
    }
}

#[tokio::test]
async fn the_local_notifier_writes_update_emails_to_the_outbox_folder() {
    use servicedesk_shared::app::Adapters;
    use servicedesk_shared::ids::UuidV7;
    use servicedesk_shared::mail::outbox::OutboxMailer;
    use servicedesk_shared::secret::{Secret, Secrets};

    let outbox = tempfile::tempdir().unwrap();
    let test = testing::test_app(common::embedded().await.unwrap());
    let app = Arc::new(App::new(
        Adapters {
            store: test.app.store.clone(),
            mailer: Arc::new(OutboxMailer::new(outbox.path(), "desk@servicedesk.localhost")),
            clock: test.clock.clone(),
            ids: Arc::new(UuidV7),
            blobs: Arc::new(servicedesk_shared::blobs::NoBlobs),
        },
        &Secrets::single(Secret::generate()),
        testing::settings(),
    ));
    demo::seed(&app).await.unwrap();
    let web = concat!(env!("CARGO_MANIFEST_DIR"), "/web").into();
    let router = server::router(app.clone(), web);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    let notifier = servicedesk::notifier::spawn(app.clone());

    let client = reqwest::Client::new();
    let ann = token(&client, &url, "ann@acme.example").await;
    let sam = token(&client, &url, "sam@support.example").await;
    let number = open_ticket(&client, &url, &ann, "Invoice copy").await;
    let number = number.as_str();
    let answer = client
        .patch(format!("{url}/tickets/{number}"))
        .bearer_auth(&sam)
        .json(&json!({"status": "resolved"}))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);

    // The background task picks it up within a few polls.
    let mut files = Vec::new();
    for _ in 0..40 {
        files = std::fs::read_dir(outbox.path())
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .collect();
        if !files.is_empty() {
            break;
        }
        tokio::time::sleep(servicedesk::notifier::POLL_EVERY / 2).await;
    }
    notifier.abort();
    assert_eq!(files.len(), 1, "one email: to the requester");
    let eml = std::fs::read_to_string(&files[0]).unwrap();
    assert!(eml.contains("To: ann@acme.example"), "{eml}");
    assert!(
        eml.contains(&format!("Subject: [{number}] Invoice copy")),
        "{eml}"
    );
    assert!(eml.contains("Auto-Submitted: auto-generated"), "{eml}");
}

/// The portal with its local blob endpoint, as `cargo run` serves it.
async fn start_with_blobs() -> (String, Arc<App>, servicedesk_shared::testing::TestApp) {
    let test = testing::test_app(common::embedded().await.unwrap());
    // The blob store's links must point at this server: build it for the port we got.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let blobs = Arc::new(servicedesk_shared::blobs::local::LocalBlobStore::new(
        tempfile::tempdir().unwrap().keep(),
        url.clone(),
        &test.secret,
    ));
    let app = Arc::new(App::new(
        servicedesk_shared::app::Adapters {
            store: test.app.store.clone(),
            mailer: test.mail.clone(),
            clock: test.clock.clone(),
            ids: Arc::new(servicedesk_shared::ids::UuidV7),
            blobs: blobs.clone(),
        },
        &servicedesk_shared::secret::Secrets::single(test.secret.clone()),
        testing::settings(),
    ));
    demo::seed(&app).await.unwrap();
    let web = concat!(env!("CARGO_MANIFEST_DIR"), "/web").into();
    let router = server::router(app.clone(), web).merge(servicedesk::blob_server::routes(app.clone(), blobs));
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    (url, app, test)
}

#[tokio::test]
async fn attachments_upload_and_download_through_the_local_blob_endpoint() {
    let (url, _app, test) = start_with_blobs().await;
    let client = reqwest::Client::new();
    let ann = token(&client, &url, "ann@acme.example").await;
    let bob = token(&client, &url, "bob@acme.example").await;
    let number = open_ticket(&client, &url, &ann, "Logs attached").await;

    // 25 MB of log text, sent as a stream in 64 KiB chunks.
    const SIZE: usize = 25 * 1024 * 1024;
    let grant = |size: usize, content_type: &str| {
        client
            .post(format!("{url}/tickets/{number}/attachments"))
            .bearer_auth(&ann)
            .json(&json!({"file_name": "server.log", "content_type": content_type, "size": size}))
            .send()
    };
    let granted: Value = grant(SIZE, "text/plain").await.unwrap().json().await.unwrap();
    let upload_url = granted["upload"]["url"].as_str().unwrap().to_owned();
    let id = granted["attachment"]["id"].as_str().unwrap().to_owned();
    let chunk = bytes::Bytes::from(vec![b'x'; 64 * 1024]);
    let body = |chunks: usize| {
        let chunk = chunk.clone();
        reqwest::Body::wrap_stream(futures_util::stream::iter(
            (0..chunks).map(move |_| Ok::<_, std::io::Error>(chunk.clone())),
        ))
    };
    let put = |content_type: &'static str, length: usize, chunks: usize, url: String| {
        client
            .put(url)
            .header("content-type", content_type)
            .header("content-length", length)
            .body(body(chunks))
            .send()
    };

    // What S3 would refuse, the local endpoint refuses too.
    let wrong_type = put("application/pdf", SIZE, SIZE / chunk.len(), upload_url.clone())
        .await
        .unwrap();
    assert_eq!(wrong_type.status(), 403);
    let tampered = upload_url.replace("signature=", "signature=A");
    assert_eq!(
        put("text/plain", SIZE, SIZE / chunk.len(), tampered)
            .await
            .unwrap()
            .status(),
        403
    );
    let bigger = upload_url.replace(&format!("size={SIZE}"), &format!("size={}", SIZE + 1));
    assert_eq!(
        put("text/plain", SIZE + 1, SIZE / chunk.len(), bigger)
            .await
            .unwrap()
            .status(),
        403
    );

    let uploaded = put("text/plain", SIZE, SIZE / chunk.len(), upload_url.clone())
        .await
        .unwrap();
    assert_eq!(uploaded.status(), 200, "{}", uploaded.text().await.unwrap());

    // Verified at once: in the history, and a colleague downloads the same bytes.
    let ticket: Value = get_json(&client, format!("{url}/tickets/{number}"), &bob).await;
    assert!(
        ticket["history"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["type"] == "attachment_added")
    );
    let link: Value = get_json(&client, format!("{url}/tickets/{number}/attachments/{id}"), &bob).await;
    let download = client.get(link["url"].as_str().unwrap()).send().await.unwrap();
    assert_eq!(download.status(), 200);
    assert_eq!(download.headers()["content-type"], "application/octet-stream");
    assert!(
        download.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment;")
    );
    let bytes = download.bytes().await.unwrap();
    assert_eq!(bytes.len(), SIZE);
    assert!(bytes.iter().all(|b| *b == b'x'));

    // An expired upload link is refused.
    let granted: Value = grant(5, "text/plain").await.unwrap().json().await.unwrap();
    test.clock.advance(servicedesk_shared::attachments::UPLOAD_TTL);
    let late = client
        .put(granted["upload"]["url"].as_str().unwrap())
        .header("content-type", "text/plain")
        .body("hello")
        .send()
        .await
        .unwrap();
    assert_eq!(late.status(), 403);
    assert!(late.text().await.unwrap().contains("expired"));
}

/// The portal as `cargo run` starts it, on `data`, as a child process.
fn start_portal(data: &std::path::Path, port: u16) -> std::process::Child {
    std::process::Command::new(env!("CARGO_BIN_EXE_servicedesk"))
        .args(["--data-dir", data.to_str().unwrap(), "--port", &port.to_string()])
        // An interrupted mail waits this long before it is sent again.
        .env("SERVICEDESK_DELIVERY_LEASE_SECONDS", "1")
        // A mail service that takes a while: kills land between a mail's
        // claim and its sending, where a lost mail would hide.
        .env("SERVICEDESK_MAIL_LATENCY_MS", "25")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start the portal")
}

async fn wait_until_up(client: &reqwest::Client, url: &str) {
    for _ in 0..200 {
        if client.get(format!("{url}/announcements")).send().await.is_ok() {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the portal did not start at {url}");
}

/// The texts of every mail in the outbox folder, whole files.
fn outbox_mails(data: &std::path::Path) -> Vec<String> {
    std::fs::read_dir(data.join("outbox"))
        .map(|dir| {
            dir.filter_map(|e| e.ok())
                .filter(|e| e.path().extension().is_some_and(|x| x == "eml"))
                .filter_map(|e| std::fs::read_to_string(e.path()).ok())
                .collect()
        })
        .unwrap_or_default()
}

/// kill -9 of the portal at random moments while notes are written and
/// mailed, eight times over: after the last restart every note stored on
/// the ticket has reached the requester's outbox at least once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_stored_notification_is_mailed_despite_kill_9_at_any_point() {
    let data = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let mut portal = start_portal(data.path(), port);
    wait_until_up(&client, &url).await;
    let ann = token(&client, &url, "ann@acme.example").await;
    let sam = token(&client, &url, "sam@support.example").await;
    let number = open_ticket(&client, &url, &ann, "Crash me").await;

    // A different moment each run and each round: what the clock says.
    let mut seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos() as u64;
    let mut next_delay = move || {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        30 + (seed >> 33) % 600
    };
    for round in 0..8 {
        let writers: Vec<_> = (0..12)
            .map(|i| {
                let (client, url, sam, number) = (client.clone(), url.clone(), sam.clone(), number.clone());
                tokio::spawn(async move {
                    tokio::time::sleep(std::time::Duration::from_millis(i * 15)).await;
                    // Killed mid-request is fine: stored or not, the check below reads the ticket.
                    let _ = client
                        .post(format!("{url}/tickets/{number}/notes"))
                        .bearer_auth(&sam)
                        .json(&json!({"text": format!("crash-note-{round}-{i}")}))
                        .send()
                        .await;
                })
            })
            .collect();
        tokio::time::sleep(std::time::Duration::from_millis(next_delay())).await;
        portal.kill().expect("kill -9");
        portal.wait().unwrap();
        for writer in writers {
            writer.await.unwrap();
        }
        portal = start_portal(data.path(), port);
        wait_until_up(&client, &url).await;
    }

    let ticket = get_json(&client, format!("{url}/tickets/{number}"), &sam).await;
    let stored: Vec<String> = ticket["history"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["text"].as_str())
        .filter(|t| t.starts_with("crash-note-"))
        .map(str::to_owned)
        .collect();
    assert!(
        stored.len() >= 5,
        "some notes were stored before the kills: {stored:?}"
    );
    let mut missing = stored.clone();
    for _ in 0..200 {
        let mails: Vec<String> = outbox_mails(data.path())
            .into_iter()
            .filter(|m| m.contains("To: ann@acme.example"))
            .collect();
        missing.retain(|note| !mails.iter().any(|m| m.contains(&format!("{note}\r\n"))));
        if missing.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    portal.kill().unwrap();
    portal.wait().unwrap();
    assert!(
        missing.is_empty(),
        "stored but never mailed: {missing:?} of {}",
        stored.len()
    );
}
