//! `cargo bench --bench portal`: latency of the use cases on the embedded
//! store, and of the per-request crypto (token verification, cursors).
//! Numbers are for comparing changes on one machine, not absolute truths;
//! nothing here is asserted.

use std::sync::Arc;
use std::time::{Duration, Instant};

use servicedesk_shared::accounts::{api_tokens, sessions};
use servicedesk_shared::auth::password::{self, NewPassword};
use servicedesk_shared::directory;
use servicedesk_shared::domain::TicketNumber;
use servicedesk_shared::guest::challenge;
use servicedesk_shared::store::embedded::EmbeddedStore;
use servicedesk_shared::testing;
use servicedesk_shared::tickets::{self, ListRequest, OpenTicketRequest, Scope, StatusFilter};

fn report(name: &str, mut samples: Vec<Duration>) {
    samples.sort();
    let pick = |q: f64| samples[((samples.len() - 1) as f64 * q) as usize];
    let mean = samples.iter().sum::<Duration>() / samples.len() as u32;
    println!(
        "{name:<40} n={:<6} mean={:>9.1?} p50={:>9.1?} p99={:>9.1?}",
        samples.len(),
        mean,
        pick(0.5),
        pick(0.99)
    );
}

fn request(i: usize) -> OpenTicketRequest {
    serde_json::from_value(serde_json::json!({
        "request_type": "incident",
        "title": format!("Printer {i} jams"),
        "description": "Steps to reproduce: print two labels.",
    }))
    .expect("valid request")
}

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Arc::new(EmbeddedStore::open(&dir.path().join("bench.redb")).expect("store"));
    let (app, _, _) = testing::app(store);
    let ann = testing::customer("ann", "acme");

    let mut numbers: Vec<TicketNumber> = Vec::new();
    let mut samples = Vec::new();
    for i in 0..300 {
        let new = request(i).validate().expect("valid");
        let start = Instant::now();
        let detail = tickets::open(&app, &ann, new).await.expect("opened");
        samples.push(start.elapsed());
        numbers.push(detail.ticket.number);
    }
    report("open ticket (embedded, fsync per commit)", samples);

    let samples = {
        let mut samples = Vec::new();
        for number in numbers.iter().cycle().take(2000) {
            let start = Instant::now();
            tickets::get(&app, &ann, number).await.expect("found");
            samples.push(start.elapsed());
        }
        samples
    };
    report("get ticket with history (embedded)", samples);

    // The ticket page also names its people: one more (batch) read.
    let samples = {
        let mut samples = Vec::new();
        for number in numbers.iter().cycle().take(2000) {
            let start = Instant::now();
            let detail = tickets::get(&app, &ann, number).await.expect("found");
            directory::ticket_view(&app, &ann, detail).await.expect("named");
            samples.push(start.elapsed());
        }
        samples
    };
    report("ticket page: history + names (embedded)", samples);

    let list = |search: Option<&str>| ListRequest {
        scope: Scope::Mine,
        status: StatusFilter::All,
        search: search.map(str::to_owned),
        cursor: None,
        limit: 25,
    };
    for (name, search) in [
        ("list page of 25 (embedded)", None),
        ("search title words (embedded)", Some("printer 29")),
    ] {
        let mut samples = Vec::new();
        for _ in 0..1000 {
            let start = Instant::now();
            tickets::list(&app, &ann, list(search)).await.expect("listed");
            samples.push(start.elapsed());
        }
        report(name, samples);
    }

    let token = testing::token(&app, &ann);
    let mut samples = Vec::new();
    for _ in 0..20_000 {
        let start = Instant::now();
        app.keys()
            .expect("keys")
            .tokens
            .verify(&token, app.clock.now())
            .expect("valid token");
        samples.push(start.elapsed());
    }
    report("verify access token (HS256)", samples);

    let page = tickets::list(&app, &ann, list(None)).await.expect("listed");
    let cursor = page.next_cursor.expect("more pages");
    let mut samples = Vec::new();
    for _ in 0..2_000 {
        let mut request = list(None);
        request.cursor = Some(cursor.clone());
        let start = Instant::now();
        tickets::list(&app, &ann, request).await.expect("next page");
        samples.push(start.elapsed());
    }
    report("next page via signed cursor (embedded)", samples);

    // Sign-in is dominated by argon2id (m = 19 MiB, t = 2, p = 1): the
    // numbers the README quotes. Run on one core, like a 256 MB Lambda.
    let new_password = NewPassword::parse("password", "correct horse battery", &[]).expect("valid");
    let mut samples = Vec::new();
    for _ in 0..30 {
        let start = Instant::now();
        password::hash(&new_password);
        samples.push(start.elapsed());
    }
    report("argon2id hash (one core)", samples);
    servicedesk::demo::seed(&app).await.expect("demo users");
    let ann_demo = &servicedesk::demo::USERS[0];
    let mut samples = Vec::new();
    for _ in 0..30 {
        let start = Instant::now();
        sessions::login(&app, ann_demo.email, ann_demo.password, "bench")
            .await
            .expect("signed in");
        samples.push(start.elapsed());
    }
    report("sign in: verify + session (embedded)", samples);

    // An integration token: the token and its owner, read together.
    let ann_account = testing::customer("demo-ann", servicedesk::demo::ORGANIZATION_ID);
    let request = serde_json::from_value(serde_json::json!({
        "name": "bench", "current_password": ann_demo.password,
    }))
    .expect("valid request");
    let created = api_tokens::create(&app, &ann_account, request)
        .await
        .expect("token");
    let mut samples = Vec::new();
    for _ in 0..5_000 {
        let start = Instant::now();
        api_tokens::authenticate(&app, &created.token)
            .await
            .expect("valid token");
        samples.push(start.elapsed());
    }
    report("authenticate integration token (embedded)", samples);

    // Guest proof of work at the production difficulty: what a submitter
    // pays (native code here; a browser's JavaScript is slower) and what the
    // server pays to check.
    let mut solved = Vec::new();
    let mut samples = Vec::new();
    for _ in 0..50 {
        let issued = challenge::issue(&app).expect("a challenge");
        let start = Instant::now();
        let solution = challenge::solve(&issued);
        samples.push(start.elapsed());
        solved.push((issued, solution));
    }
    report(
        &format!("solve challenge, {} bits", challenge::DIFFICULTY_BITS),
        samples,
    );
    let mut samples = Vec::new();
    for (issued, solution) in solved.iter().cycle().take(20_000) {
        let start = Instant::now();
        challenge::verify(&app, &issued.challenge, solution).expect("solved");
        samples.push(start.elapsed());
    }
    report("verify solved challenge", samples);
}
