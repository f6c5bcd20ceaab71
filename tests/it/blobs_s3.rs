//! Attachments on S3 over the wire, against the emulator (moto): a real
//! presigned PUT of the bytes, the S3 event from `events/` with the real
//! bucket and key, verification, and a presigned download that returns the
//! bytes. moto accepts any PUT to a presigned URL (it checks neither the
//! signature nor size nor type), so here we assert what the URL binds; the
//! local blob endpoint's tests show those bindings enforced.

use crate::common;

use std::sync::Arc;

use common::lambda::{event, fill, invoke, with_body, with_token};
use serde_json::{Value, json};
use servicedesk_shared::App;
use servicedesk_shared::app::Adapters;
use servicedesk_shared::blobs::s3::S3BlobStore;
use servicedesk_shared::ids::{IdGenerator, UuidV7};
use servicedesk_shared::secret::{Secret, Secrets};
use servicedesk_shared::testing;
use servicedesk_shared::testing::aws_calls::as_function;

const PDF: &[u8] = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n";

async fn s3_app() -> Option<(App, String, aws_sdk_s3::Client)> {
    let config = common::emulator_config().await?;
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&config)
            .force_path_style(true)
            .interceptor(common::aws_calls::Recorder)
            .build(),
    );
    let bucket = format!("attachments-{}", UuidV7.new_id());
    s3.create_bucket()
        .bucket(&bucket)
        .send()
        .await
        .expect("create bucket");
    let test = testing::test_app(common::embedded().await.unwrap());
    let app = App::new(
        Adapters {
            store: test.app.store.clone(),
            mailer: test.mail.clone(),
            clock: Arc::new(servicedesk_shared::clock::SystemClock),
            ids: Arc::new(UuidV7),
            blobs: Arc::new(S3BlobStore::new(s3.clone(), bucket.clone())),
        },
        &Secrets::single(Secret::generate()),
        testing::settings(),
    );
    servicedesk::demo::seed(&app).await.unwrap();
    Some((app, bucket, s3))
}

fn query_param<'a>(url: &'a str, name: &str) -> Option<&'a str> {
    url.split_once('?')?
        .1
        .split('&')
        .find_map(|p| p.strip_prefix(&format!("{name}=")))
}

/// The object key a path-style presigned URL of `bucket` points at.
fn object_key(url: &str, bucket: &str) -> String {
    let path = url.split_once(&format!("/{bucket}/")).unwrap().1;
    path.split('?').next().unwrap().to_owned()
}

async fn verify(app: &App, bucket: &str, key: &str) {
    let s3_event = fill(event("verify-attachment"), &[("BUCKET", bucket), ("KEY", key)]);
    let s3_event: verify_attachment::S3Event = serde_json::from_value(s3_event).unwrap();
    as_function("verify-attachment", verify_attachment::handler(app, s3_event))
        .await
        .expect("verified");
}

/// A grant for a PDF of `bytes.len()` bytes on `number`, and those bytes
/// PUT to its URL (as the browser does); the grant and the object's key.
async fn upload_pdf(app: &App, token: &str, number: &str, bucket: &str, bytes: &[u8]) -> (Value, String) {
    let mut request = with_body(
        with_token(event("attachments-request"), Some(token)),
        &json!({"file_name": "report.pdf", "content_type": "application/pdf", "size": bytes.len()}),
    );
    request["pathParameters"]["number"] = number.into();
    let granted: Value = invoke(app, request).await.body;
    let url = granted["upload"]["url"].as_str().unwrap();
    let key = object_key(url, bucket);
    reqwest::Client::new()
        .put(url)
        .header("content-type", "application/pdf")
        .body(bytes.to_vec())
        .send()
        .await
        .unwrap();
    (granted, key)
}

#[tokio::test]
async fn presigned_upload_verification_and_download_on_s3() {
    let Some((app, bucket, _s3)) = s3_app().await else {
        eprintln!("skipped: no emulator configured");
        return;
    };
    let ann = testing::token(
        &app,
        &testing::customer("demo-ann", servicedesk::demo::ORGANIZATION_ID),
    );
    let bob = testing::token(
        &app,
        &testing::customer("demo-bob", servicedesk::demo::ORGANIZATION_ID),
    );
    let created = invoke(&app, with_token(event("create-ticket"), Some(&ann))).await;
    let number = created.body["number"].as_str().unwrap().to_owned();
    let mut request = with_body(
        with_token(event("attachments-request"), Some(&ann)),
        &json!({"file_name": "error report.pdf", "content_type": "application/pdf", "size": PDF.len()}),
    );
    request["pathParameters"]["number"] = number.clone().into();
    request["rawPath"] = format!("/tickets/{number}/attachments").into();
    let granted = invoke(&app, request).await;
    assert_eq!(granted.status, 201, "{}", granted.body);

    // What the URL binds: S3 refuses another size or type, and it expires in 15 minutes.
    let url = granted.body["upload"]["url"].as_str().unwrap().to_owned();
    let signed = query_param(&url, "X-Amz-SignedHeaders").expect("a SigV4 URL");
    let signed: Vec<&str> = signed.split("%3B").collect();
    assert!(signed.contains(&"content-length"), "{signed:?}");
    assert!(signed.contains(&"content-type"), "{signed:?}");
    assert_eq!(query_param(&url, "X-Amz-Expires"), Some("900"));
    let key = object_key(&url, &bucket);
    assert!(key.starts_with(&format!("pending/{number}/")), "{key}");

    // The browser's PUT, with the headers the grant lists.
    let mut put = reqwest::Client::new().put(&url).body(PDF.to_vec());
    for header in granted.body["upload"]["headers"].as_array().unwrap() {
        put = put.header(header[0].as_str().unwrap(), header[1].as_str().unwrap());
    }
    let put = put.send().await.unwrap();
    assert_eq!(put.status(), 200, "{}", put.text().await.unwrap());

    verify(&app, &bucket, &key).await;
    assert_eq!(app.blobs.size(&key).await.unwrap(), None, "moved out of pending/");
    // S3 delivers events at least once: the same event again finds the
    // upload moved already (a 404 under pending/ needs ListBucket) and the
    // file in place, and succeeds without changing anything.
    verify(&app, &bucket, &key).await;

    let id = granted.body["attachment"]["id"].as_str().unwrap();
    let mut download = fill(
        with_token(event("attachments-download"), Some(&bob)),
        &[("ID", id)],
    );
    download["pathParameters"]["number"] = number.clone().into();
    download["rawPath"] = format!("/tickets/{number}/attachments/{id}").into();
    let link = invoke(&app, download).await;
    assert_eq!(link.status, 200, "{}", link.body);
    let link_url = link.body["url"].as_str().unwrap();
    assert_eq!(query_param(link_url, "X-Amz-Expires"), Some("300"));
    assert!(
        query_param(link_url, "response-content-disposition").is_some_and(|d| d.starts_with("attachment"))
    );
    let fetched = reqwest::get(link_url).await.unwrap();
    assert_eq!(fetched.status(), 200);
    assert_eq!(fetched.bytes().await.unwrap().as_ref(), PDF);

    // Bytes that are not a PDF: deleted from the bucket, never available.
    let (_, key) = upload_pdf(&app, &ann, &number, &bucket, b"MZ\x90\x00").await;
    verify(&app, &bucket, &key).await;
    assert_eq!(app.blobs.size(&key).await.unwrap(), None, "deleted");

    // A verification that moved the file and died before recording it: the
    // event's retry finds the file in place and makes it available.
    let (granted, key) = upload_pdf(&app, &ann, &number, &bucket, PDF).await;
    let file_key = key.replacen("pending/", "files/", 1);
    app.blobs
        .promote(&key, &file_key)
        .await
        .expect("the earlier try's move");
    verify(&app, &bucket, &key).await;
    let id = granted["attachment"]["id"].as_str().unwrap();
    let mut download = fill(
        with_token(event("attachments-download"), Some(&bob)),
        &[("ID", id)],
    );
    download["pathParameters"]["number"] = number.clone().into();
    assert_eq!(
        invoke(&app, download).await.status,
        200,
        "available after the retry"
    );
}
