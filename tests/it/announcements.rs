//! The landing page's announcements through the handlers, on both backends.

use crate::common;

use std::sync::Arc;

use common::lambda::{event, invoke, with_body, with_token};
use serde_json::json;
use servicedesk_shared::store::ItemStore;
use servicedesk_shared::testing;
use time::Duration;

async fn support_announces_and_everyone_sees_what_is_current(store: Arc<dyn ItemStore>) {
    let desk = testing::test_app(store);
    let sam = testing::token(&desk.app, &testing::agent("sam"));
    let ann = testing::token(&desk.app, &testing::customer("ann", "acme"));

    let created = invoke(&desk.app, with_token(event("announcements-create"), Some(&sam))).await;
    assert_eq!(created.status, 201, "{}", created.body);
    assert_eq!(
        invoke(&desk.app, with_token(event("announcements-create"), Some(&ann)))
            .await
            .status,
        403
    );
    assert_eq!(
        invoke(&desk.app, with_token(event("announcements-create"), None))
            .await
            .status,
        401
    );
    let past = json!({"message_en": "x", "message_fr": "x", "ends_at": "2026-11-01T00:00:00Z"});
    let refused = invoke(
        &desk.app,
        with_body(with_token(event("announcements-create"), Some(&sam)), &past),
    )
    .await;
    assert_eq!(
        (refused.status, refused.body["field"].as_str()),
        (422, Some("ends_at"))
    );
    let later = json!({"message_en": "Next week", "message_fr": "La semaine prochaine",
                       "starts_at": "2026-12-01T00:00:00Z", "ends_at": "2026-12-02T00:00:00Z"});
    assert_eq!(
        invoke(
            &desk.app,
            with_body(with_token(event("announcements-create"), Some(&sam)), &later)
        )
        .await
        .status,
        201
    );

    // Public, current only.
    let shown = invoke(&desk.app, event("announcements-list")).await;
    assert_eq!(shown.status, 200);
    let messages: Vec<&str> = shown.body["announcements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["message_fr"].as_str().unwrap())
        .collect();
    assert_eq!(messages, ["Maintenance prévue samedi de 8 h à 10 h UTC."]);
    desk.clock.advance(Duration::days(9));
    let shown = invoke(&desk.app, event("announcements-list")).await;
    let messages: Vec<&str> = shown.body["announcements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["message_en"].as_str().unwrap())
        .collect();
    assert_eq!(
        messages,
        ["Next week"],
        "the first has ended, the second has begun"
    );
}

on_both_backends!(support_announces_and_everyone_sees_what_is_current);
