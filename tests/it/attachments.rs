//! Attachments through the handlers, on both storage backends, with the
//! local blob store: request → upload → verification (the S3 event from
//! `events/`) → history → download; every refusal; and the same over HTTP
//! against the local portal, whose blob endpoint enforces what S3 would.

use crate::common;

use std::sync::Arc;

use common::lambda::{Answer, event, fill, invoke, with_body, with_token};
use serde_json::{Value, json};
use servicedesk::demo;
use servicedesk_shared::attachments;
use servicedesk_shared::blobs::local::Grant;
use servicedesk_shared::store::ItemStore;
use servicedesk_shared::testing::{self, TestApp};

const NUMBER: &str = "T20261122.0001";
const PDF: &[u8] = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n";

struct Desk {
    desk: TestApp,
    ann: String,
    bob: String,
    eve: String,
    sam: String,
}

async fn desk(store: Arc<dyn ItemStore>) -> Desk {
    let desk = testing::test_app(store);
    demo::seed(&desk.app).await.expect("demo data");
    let token = |actor| testing::token(&desk.app, &actor);
    let d = Desk {
        ann: token(testing::customer("demo-ann", demo::ORGANIZATION_ID)),
        bob: token(testing::customer("demo-bob", demo::ORGANIZATION_ID)),
        eve: token(testing::customer("eve", "globex")),
        sam: token(testing::agent("demo-sam")),
        desk,
    };
    let opened = invoke(&d.desk.app, with_token(event("create-ticket"), Some(&d.ann))).await;
    assert_eq!(opened.status, 201);
    d
}

impl Desk {
    async fn request(&self, token: &str, body: Value) -> Answer {
        invoke(
            &self.desk.app,
            with_body(with_token(event("attachments-request"), Some(token)), &body),
        )
        .await
    }

    /// What the browser does with the grant: the bytes to the signed URL
    /// (here straight into the local store's folder), then the S3 event.
    async fn upload(&self, grant: &Value, bytes: &[u8]) -> String {
        let key = grant["upload"]["url"]
            .as_str()
            .unwrap()
            .split("/blobs/")
            .nth(1)
            .unwrap()
            .split('?')
            .next()
            .unwrap()
            .to_owned();
        let path = self.desk.blobs.path_of(&key).unwrap();
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, bytes).unwrap();
        let s3_event = fill(event("verify-attachment"), &[("BUCKET", "local"), ("KEY", &key)]);
        let s3_event: verify_attachment::S3Event = serde_json::from_value(s3_event).unwrap();
        servicedesk_shared::testing::aws_calls::as_function(
            "verify-attachment",
            verify_attachment::handler(&self.desk.app, s3_event),
        )
        .await
        .expect("verified");
        key
    }

    async fn download(&self, token: &str, number: &str, id: &str) -> Answer {
        let mut download = fill(
            with_token(event("attachments-download"), Some(token)),
            &[("ID", id)],
        );
        download["pathParameters"]["number"] = number.into();
        download["rawPath"] = format!("/tickets/{number}/attachments/{id}").into();
        invoke(&self.desk.app, download).await
    }

    async fn history(&self, token: &str) -> Vec<Value> {
        let ticket = invoke(&self.desk.app, with_token(event("get-ticket"), Some(token))).await;
        ticket.body["history"]
            .as_array()
            .unwrap_or_else(|| panic!("{}", ticket.body))
            .clone()
    }
}

fn pdf_request(size: usize) -> Value {
    json!({"file_name": "error report.pdf", "content_type": "application/pdf", "size": size})
}

async fn a_customer_attaches_a_file_and_a_colleague_downloads_it(store: Arc<dyn ItemStore>) {
    let d = desk(store).await;
    let granted = d.request(&d.ann, pdf_request(PDF.len())).await;
    assert_eq!(granted.status, 201, "{}", granted.body);
    assert_eq!(granted.body["attachment"]["status"], "pending");
    let upload = &granted.body["upload"];
    assert_eq!(upload["method"], "PUT");
    assert!(
        upload["headers"].to_string().contains("application/pdf"),
        "the client is told which headers are signed: {upload}"
    );
    let id = granted.body["attachment"]["id"].as_str().unwrap().to_owned();
    let key = d.upload(&granted.body, PDF).await;
    assert!(key.starts_with(&format!("pending/{NUMBER}/")));

    let history = d.history(&d.bob).await;
    let added = history
        .iter()
        .find(|e| e["type"] == "attachment_added")
        .expect("in the history");
    assert_eq!(added["file_name"], "error report.pdf");
    assert_eq!(added["actor_id"], "demo-ann");
    assert!(
        !d.desk.blobs.path_of(&key).unwrap().exists(),
        "moved out of the pending area"
    );

    // A colleague downloads it: a short-lived link that always downloads.
    let link = d.download(&d.bob, NUMBER, &id).await;
    assert_eq!(link.status, 200, "{}", link.body);
    let url = link.body["url"].as_str().unwrap();
    let (path, query) = url.split_once('?').unwrap();
    let file_key = path.split("/blobs/").nth(1).unwrap();
    let now = d.desk.app.clock.now();
    match d.desk.blobs.authorize("GET", file_key, query, now).unwrap() {
        Grant::Get { disposition } => {
            assert_eq!(
                disposition,
                "attachment; filename=\"error report.pdf\"; filename*=UTF-8''error%20report%2Epdf"
            )
        }
        other => panic!("{other:?}"),
    }
    assert!(
        d.desk
            .blobs
            .authorize("GET", file_key, query, now + attachments::DOWNLOAD_TTL)
            .is_err(),
        "5 minutes"
    );
    assert_eq!(
        std::fs::read(d.desk.blobs.path_of(file_key).unwrap()).unwrap(),
        PDF
    );

    // Who may not: another organization, and (for an internal file) customers.
    assert_eq!(d.download(&d.eve, NUMBER, &id).await.status, 404);
    let internal = d
        .request(
            &d.sam,
            json!({"file_name": "trace.log", "content_type": "text/plain", "size": 11, "internal": true}),
        )
        .await;
    assert_eq!(internal.status, 201);
    let internal_id = internal.body["attachment"]["id"].as_str().unwrap().to_owned();
    d.upload(&internal.body, b"stack trace").await;
    assert_eq!(d.download(&d.sam, NUMBER, &internal_id).await.status, 200);
    assert_eq!(
        d.download(&d.ann, NUMBER, &internal_id).await.status,
        404,
        "internal files stay with support"
    );
    assert!(
        !d.history(&d.ann)
            .await
            .iter()
            .any(|e| e["file_name"] == "trace.log")
    );
    assert!(
        d.history(&d.sam)
            .await
            .iter()
            .any(|e| e["file_name"] == "trace.log")
    );
    let customer_internal = d
        .request(
            &d.ann,
            json!({"file_name": "a.txt", "content_type": "text/plain", "size": 1, "internal": true}),
        )
        .await;
    assert_eq!(customer_internal.status, 403);

    // The upload notified support like any other customer update.
    servicedesk_shared::conversation::notify::deliver_pending(&d.desk.app, 10)
        .await
        .unwrap();
    let sent = d.desk.mail.take();
    assert!(
        sent.iter()
            .any(|m| m.text.contains("File added: error report.pdf")),
        "{sent:?}"
    );
    assert!(
        !sent
            .iter()
            .any(|m| m.text.contains("trace.log") && m.to[0].as_str() == "ann@acme.example")
    );
}

async fn refused_uploads(store: Arc<dyn ItemStore>) {
    let d = desk(store).await;
    for (body, field) in [
        (
            json!({"file_name": "big.pdf", "content_type": "application/pdf", "size": attachments::MAX_SIZE + 1}),
            "size",
        ),
        (
            json!({"file_name": "empty.pdf", "content_type": "application/pdf", "size": 0}),
            "size",
        ),
        (
            json!({"file_name": "page.html", "content_type": "text/html", "size": 10}),
            "content_type",
        ),
        (
            json!({"file_name": "logo.svg", "content_type": "image/svg+xml", "size": 10}),
            "content_type",
        ),
        (
            json!({"file_name": "setup.exe", "content_type": "application/x-msdownload", "size": 10}),
            "content_type",
        ),
        (
            json!({"file_name": "../../etc/passwd", "content_type": "text/plain", "size": 10}),
            "file_name",
        ),
        (
            json!({"file_name": "a\\b.txt", "content_type": "text/plain", "size": 10}),
            "file_name",
        ),
        (
            json!({"file_name": "bell\u{7}.txt", "content_type": "text/plain", "size": 10}),
            "file_name",
        ),
        (
            json!({"file_name": format!("{}.txt", "x".repeat(500)), "content_type": "text/plain", "size": 10}),
            "file_name",
        ),
        // A name whose extension is not of the declared type: it would be
        // saved (and run) as what the name says.
        (
            json!({"file_name": "run.bat", "content_type": "text/plain", "size": 10}),
            "file_name",
        ),
        (
            json!({"file_name": "page.html", "content_type": "text/plain", "size": 10}),
            "file_name",
        ),
        (
            json!({"file_name": "logo.svg", "content_type": "text/plain", "size": 10}),
            "file_name",
        ),
        (
            json!({"file_name": "invoice.hta", "content_type": "text/plain", "size": 10}),
            "file_name",
        ),
        (
            json!({"file_name": "setup.exe", "content_type": "text/plain", "size": 10}),
            "file_name",
        ),
        (
            json!({"file_name": "script.ps1", "content_type": "text/plain", "size": 10}),
            "file_name",
        ),
        (
            json!({"file_name": "photo\u{202e}gnp.exe", "content_type": "image/png", "size": 10}),
            "file_name",
        ),
    ] {
        let answer = d.request(&d.ann, body.clone()).await;
        assert_eq!(answer.status, 422, "{body}: {}", answer.body);
        assert_eq!(answer.body["field"], field, "{body}");
    }
    assert_eq!(
        d.request(&d.eve, pdf_request(10)).await.status,
        404,
        "another organization's ticket"
    );

    // The bytes are not what the type claims: deleted, rejected with the reason.
    let granted = d.request(&d.ann, pdf_request(4)).await;
    let id = granted.body["attachment"]["id"].as_str().unwrap().to_owned();
    let key = d.upload(&granted.body, b"MZ\x90\x00").await;
    assert!(!d.desk.blobs.path_of(&key).unwrap().exists(), "deleted");
    let refused = d.download(&d.ann, NUMBER, &id).await;
    assert_eq!(refused.status, 409);
    assert!(
        refused.body["detail"]
            .as_str()
            .unwrap()
            .contains("not a application/pdf file"),
        "{}",
        refused.body
    );
    assert!(
        !d.history(&d.ann)
            .await
            .iter()
            .any(|e| e["type"] == "attachment_added")
    );
    let stored = d
        .desk
        .app
        .store
        .get(&servicedesk_shared::store::model::attachment_key(
            &NUMBER.parse().unwrap(),
            &id,
        ))
        .await
        .unwrap()
        .unwrap();
    let expires = stored
        .get("expires_at")
        .and_then(|v| v.as_i64())
        .expect("a rejected file expires");
    assert_eq!(
        expires,
        (d.desk.app.clock.now() + attachments::REJECTED_TTL).unix_timestamp()
    );
    // More bytes than announced.
    let granted = d.request(&d.ann, pdf_request(5)).await;
    let id = granted.body["attachment"]["id"].as_str().unwrap().to_owned();
    d.upload(&granted.body, PDF).await;
    assert!(
        d.download(&d.ann, NUMBER, &id).await.body["detail"]
            .as_str()
            .unwrap()
            .contains("bytes")
    );

    // An attachment of ticket A is not reachable through ticket B.
    let granted = d.request(&d.ann, pdf_request(PDF.len())).await;
    let id = granted.body["attachment"]["id"].as_str().unwrap().to_owned();
    d.upload(&granted.body, PDF).await;
    invoke(&d.desk.app, with_token(event("create-ticket"), Some(&d.ann))).await;
    assert_eq!(d.download(&d.ann, "T20261122.0002", &id).await.status, 404);
    assert_eq!(d.download(&d.ann, NUMBER, &id).await.status, 200);

    // A verification that failed after moving the file is completed by the retry.
    let granted = d.request(&d.ann, pdf_request(PDF.len())).await;
    let id = granted.body["attachment"]["id"].as_str().unwrap().to_owned();
    let pending = format!("pending/{NUMBER}/{id}");
    let path = d.desk.blobs.path_of(&pending).unwrap();
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, PDF).unwrap();
    use servicedesk_shared::blobs::BlobStore;
    d.desk
        .blobs
        .promote(&pending, &format!("files/{NUMBER}/{id}"))
        .await
        .unwrap();
    let verdict = attachments::verify(&d.desk.app, &pending).await.unwrap();
    assert_eq!(verdict, attachments::Verdict::Available);
    assert_eq!(d.download(&d.ann, NUMBER, &id).await.status, 200);
    // Ids that cannot be ours are not looked up.
    assert_eq!(d.download(&d.ann, NUMBER, &"x".repeat(2000)).await.status, 404);

    // At most 20 files per ticket (rejected ones do not count).
    for _ in 0..(attachments::MAX_PER_TICKET - 2) {
        assert_eq!(d.request(&d.ann, pdf_request(10)).await.status, 201);
    }
    let full = d.request(&d.ann, pdf_request(10)).await;
    assert_eq!(full.status, 409, "{}", full.body);
    assert!(full.body["detail"].as_str().unwrap().contains("archive"));
}

async fn guests_attach_with_their_key_only(store: Arc<dyn ItemStore>) {
    let d = desk(store).await;
    // Ann's ticket shared with a partner who has no account: they get a key.
    invoke(
        &d.desk.app,
        with_token(event("update-ticket-share"), Some(&d.ann)),
    )
    .await;
    let invite = d
        .desk
        .mail
        .take()
        .into_iter()
        .find(|m| m.to[0].as_str() == "partner@example.net")
        .unwrap();
    let key = common::link_secret(&invite, "access", "key");
    let png = b"\x89PNG\r\n\x1a\n0000";
    let request = with_body(
        fill(event("attachments-guest-request"), &[("KEY", &key)]),
        &json!({"file_name": "photo.png", "content_type": "image/png", "size": png.len()}),
    );
    let granted = invoke(&d.desk.app, request).await;
    assert_eq!(granted.status, 201, "{}", granted.body);
    assert_eq!(granted.body["attachment"]["ticket"], NUMBER);
    d.upload(&granted.body, png).await;
    // The history names the partner, not the requester.
    let added = d
        .history(&d.ann)
        .await
        .into_iter()
        .find(|e| e["type"] == "attachment_added")
        .unwrap();
    assert_ne!(added["actor_id"], "demo-ann");
    // Their key reaches this ticket's files only: an attachment of another
    // ticket is not found through it.
    invoke(&d.desk.app, with_token(event("create-ticket"), Some(&d.ann))).await;
    let mut other = with_body(
        with_token(event("attachments-request"), Some(&d.ann)),
        &json!({"file_name": "other.pdf", "content_type": "application/pdf", "size": PDF.len()}),
    );
    other["pathParameters"]["number"] = "T20261122.0002".into();
    let other = invoke(&d.desk.app, other).await;
    d.upload(&other.body, PDF).await;
    let other_id = other.body["attachment"]["id"].as_str().unwrap();
    let through_key = |id: &str| fill(event("attachments-guest-download"), &[("KEY", &key), ("ID", id)]);
    assert_eq!(invoke(&d.desk.app, through_key(other_id)).await.status, 404);
    let own_id = granted.body["attachment"]["id"].as_str().unwrap();
    assert_eq!(
        invoke(&d.desk.app, through_key(own_id)).await.status,
        200,
        "their own ticket's file"
    );
    // A forged key opens nothing.
    let forged = fill(event("attachments-guest-request"), &[("KEY", &"A".repeat(43))]);
    assert_eq!(invoke(&d.desk.app, forged).await.status, 404);
}

/// Requests for files at once cannot pass the limit of files per ticket
/// between them: counting and adding are one step. (On a store that takes
/// its time, so the requests overlap in every step.)
async fn the_file_limit_holds_under_concurrency(store: Arc<dyn ItemStore>) {
    let slow =
        Arc::new(testing::CountingStore::new(store).with_latency(std::time::Duration::from_millis(15)));
    let d = Arc::new(desk(slow).await);
    for _ in 0..(attachments::MAX_PER_TICKET - 2) {
        assert_eq!(d.request(&d.ann, pdf_request(10)).await.status, 201);
    }
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let d = d.clone();
            tokio::spawn(async move { d.request(&d.ann, pdf_request(10)).await.status })
        })
        .collect();
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.push(task.await.unwrap());
    }
    assert_eq!(statuses.iter().filter(|s| **s == 201).count(), 2, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 409).count(), 6, "{statuses:?}");
    let files = attachments::of_ticket(&d.desk.app, &NUMBER.parse().unwrap())
        .await
        .unwrap();
    assert_eq!(files.len(), attachments::MAX_PER_TICKET);
}

on_both_backends!(
    a_customer_attaches_a_file_and_a_colleague_downloads_it,
    refused_uploads,
    guests_attach_with_their_key_only,
    the_file_limit_holds_under_concurrency,
);
