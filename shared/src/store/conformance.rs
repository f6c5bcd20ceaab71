//! The conformance suite: the behaviour every [`ItemStore`] backend must
//! share, run against the embedded store and against DynamoDB (over the
//! wire, on an emulator). Each case takes a fresh, empty store.
//!
//! Use [`crate::store_conformance_tests!`] to instantiate every case as a test.

use std::collections::BTreeSet;
use std::sync::Arc;

use serde_json::{Value, json};
use time::Duration;

use super::{
    Attributes, Condition, Index, Item, ItemStore, Key, Position, Projection, Query, StoreError, Write,
};
use crate::domain::{Status, TicketNumber};
use crate::store::model;
use crate::testing;
use crate::tickets::{self, ListRequest, Scope, StatusFilter};

type Store = Arc<dyn ItemStore>;

/// Generates one `#[tokio::test]` per conformance case. `$factory` is an
/// async fn returning `Option<Arc<dyn ItemStore>>` (`None` skips, e.g. when
/// no emulator is configured).
#[macro_export]
macro_rules! store_conformance_tests {
    ($factory:path) => {
        $crate::store_conformance_tests!(@cases $factory;
            attribute_types_round_trip,
            get_many_reads_what_exists_past_one_request,
            put_if_absent_never_overwrites,
            conditional_update_is_optimistic_locking,
            at_most_holds_for_run_out_leases_and_unmoved_versions,
            concurrent_lease_takers_one_wins,
            unstorable_keys_are_invalid_requests,
            update_creates_sets_and_removes,
            conditional_delete,
            transaction_is_all_or_nothing,
            transaction_refuses_an_item_twice,
            concurrent_increments_are_atomic,
            query_orders_filters_and_pages_by_sort_key,
            sparse_index_holds_only_indexed_items,
            index_queries_answer_what_the_index_projects,
            concurrent_tickets_get_distinct_gap_free_numbers,
            ticket_lists_page_newest_first_with_signed_cursors,
            ticket_lists_split_open_and_recently_completed,
            private_tickets_stay_out_of_organization_lists,
            ticket_with_history_is_one_partition
        );
    };
    (@cases $factory:path; $($case:ident),*) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $case() {
                match $factory().await {
                    Some(store) => $crate::store::conformance::$case(store).await,
                    None => eprintln!("skipped {}: backend not configured", stringify!($case)),
                }
            }
        )*
    };
}

fn item(pk: &str, sk: &str) -> Item {
    Item::new(pk, sk)
}

fn put(item: Item, condition: Option<Condition>) -> Write {
    Write::Put { item, condition }
}

fn attrs(value: Value) -> Attributes {
    match value {
        Value::Object(map) => map,
        _ => panic!("attrs takes an object"),
    }
}

pub async fn attribute_types_round_trip(store: Store) {
    let original = item("T#1", "A").with(
        "data",
        json!({"s": "text", "i": 42, "neg": -7, "f": 1.5, "b": true, "n": null, "l": [1, "two", {"x": 3}], "m": {"nested": "yes"}}),
    );
    store.write(put(original.clone(), None)).await.unwrap();
    let loaded = store
        .get(&Key::new("T#1", "A"))
        .await
        .unwrap()
        .expect("item stored");
    assert_eq!(loaded, original);
    assert_eq!(store.get(&Key::new("T#1", "missing")).await.unwrap(), None);
}

pub async fn get_many_reads_what_exists_past_one_request(store: Store) {
    // 130 items: more than one BatchGetItem request (100 keys) holds.
    for n in 0..130 {
        store
            .write(put(item(&format!("P#{n:03}"), "A").with("n", n), None))
            .await
            .unwrap();
    }
    let mut keys: Vec<Key> = (0..130).map(|n| Key::new(format!("P#{n:03}"), "A")).collect();
    keys.push(Key::new("P#000", "A")); // asked twice, read once
    keys.push(Key::new("P#999", "A")); // missing: left out
    let found = store.get_many(&keys).await.unwrap();
    let mut numbers: Vec<i64> = found
        .iter()
        .map(|i| i.get("n").and_then(Value::as_i64).unwrap())
        .collect();
    numbers.sort_unstable();
    assert_eq!(numbers, (0..130).collect::<Vec<i64>>());
    assert!(store.get_many(&[]).await.unwrap().is_empty());
}

pub async fn put_if_absent_never_overwrites(store: Store) {
    let key = Key::new("T#1", "A");
    store
        .write(put(
            item("T#1", "A").with("v", "first"),
            Some(Condition::NotExists),
        ))
        .await
        .unwrap();
    let second = store
        .write(put(
            item("T#1", "A").with("v", "second"),
            Some(Condition::NotExists),
        ))
        .await;
    assert!(matches!(second, Err(StoreError::ConditionFailed)), "{second:?}");
    let stored = store.get(&key).await.unwrap().unwrap();
    assert_eq!(stored.get("v"), Some(&json!("first")));
}

pub async fn conditional_update_is_optimistic_locking(store: Store) {
    let key = Key::new("T#1", "A");
    store
        .write(put(item("T#1", "A").with("version", 1), None))
        .await
        .unwrap();
    let update = |from: i64, to: i64| Write::Update {
        key: key.clone(),
        set: attrs(json!({"version": to, "status": format!("v{to}")})),
        remove: vec![],
        condition: Some(Condition::Equals("version".into(), json!(from))),
    };
    store.write(update(1, 2)).await.unwrap();
    // A writer that read version 1 is now stale.
    let stale = store.write(update(1, 3)).await;
    assert!(matches!(stale, Err(StoreError::ConditionFailed)), "{stale:?}");
    let stored = store.get(&key).await.unwrap().unwrap();
    assert_eq!(
        (stored.get("version"), stored.get("status")),
        (Some(&json!(2)), Some(&json!("v2")))
    );
}

pub async fn at_most_holds_for_run_out_leases_and_unmoved_versions(store: Store) {
    let key = Key::new("LOCK#1", "A");
    let take = |limit: i64, until: i64| Write::Update {
        key: key.clone(),
        set: attrs(json!({"until": until})),
        remove: vec![],
        condition: Some(Condition::AtMost("until".into(), limit)),
    };
    // Absent item: holds.
    store.write(take(100, 150)).await.unwrap();
    // until = 150 > 120: the lease is still held.
    let held = store.write(take(120, 200)).await;
    assert!(matches!(held, Err(StoreError::ConditionFailed)), "{held:?}");
    // until = 150 <= 150: run out.
    store.write(take(150, 210)).await.unwrap();
    // In a transaction, naming which write failed.
    let result = store
        .transact(vec![
            put(item("LOCK#1", "B"), None),
            Write::Check {
                key: key.clone(),
                condition: Condition::AtMost("until".into(), 209),
            },
        ])
        .await;
    assert!(
        matches!(result, Err(StoreError::TransactionConditionFailed(1))),
        "{result:?}"
    );
    assert_eq!(store.get(&Key::new("LOCK#1", "B")).await.unwrap(), None);
    // An item without the attribute: holds.
    store.write(put(item("LOCK#1", "C"), None)).await.unwrap();
    store
        .write(Write::Check {
            key: Key::new("LOCK#1", "C"),
            condition: Condition::AtMost("until".into(), 0),
        })
        .await
        .unwrap_or_else(|e| panic!("absent attribute must satisfy AtMost: {e}"));
}

pub async fn concurrent_lease_takers_one_wins(store: Store) {
    let key = Key::new("LEASE#1", "A");
    let tasks: Vec<_> = (0..20)
        .map(|i| {
            let (store, key) = (store.clone(), key.clone());
            tokio::spawn(async move {
                store
                    .write(Write::Update {
                        key,
                        set: attrs(json!({"until": 1000, "holder": i})),
                        remove: vec![],
                        condition: Some(Condition::AtMost("until".into(), 500)),
                    })
                    .await
            })
        })
        .collect();
    let mut won = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(()) => won += 1,
            Err(StoreError::ConditionFailed) => {}
            Err(other) => panic!("{other}"),
        }
    }
    assert_eq!(won, 1, "exactly one taker gets a lease that has run out");
}

pub async fn unstorable_keys_are_invalid_requests(store: Store) {
    for key in [
        Key::new("T#\u{0}", "A"),
        Key::new("T#1", ""),
        Key::new("T#1", "x".repeat(1025)),
        Key::new("P".repeat(2049), "A"),
    ] {
        let read = store.get(&key).await;
        assert!(matches!(read, Err(StoreError::Invalid(_))), "{key:?}: {read:?}");
        let write = store
            .write(put(Item::new(key.pk.clone(), key.sk.clone()), None))
            .await;
        assert!(matches!(write, Err(StoreError::Invalid(_))), "{key:?}: {write:?}");
    }
}

pub async fn update_creates_sets_and_removes(store: Store) {
    let key = Key::new("T#1", "A");
    let must_exist = store
        .write(Write::Update {
            key: key.clone(),
            set: attrs(json!({"a": 1})),
            remove: vec![],
            condition: Some(Condition::Exists),
        })
        .await;
    assert!(
        matches!(must_exist, Err(StoreError::ConditionFailed)),
        "{must_exist:?}"
    );
    assert_eq!(
        store.get(&key).await.unwrap(),
        None,
        "a failed update must not create the item"
    );

    store
        .write(Write::Update {
            key: key.clone(),
            set: attrs(json!({"a": 1, "b": "x"})),
            remove: vec![],
            condition: None,
        })
        .await
        .unwrap();
    store
        .write(Write::Update {
            key: key.clone(),
            set: attrs(json!({"c": [1, 2]})),
            remove: vec!["b".into()],
            condition: Some(Condition::Exists),
        })
        .await
        .unwrap();
    let stored = store.get(&key).await.unwrap().unwrap();
    assert_eq!(stored, item("T#1", "A").with("a", 1).with("c", json!([1, 2])));
}

pub async fn conditional_delete(store: Store) {
    let key = Key::new("T#1", "A");
    store
        .write(put(item("T#1", "A").with("version", 3), None))
        .await
        .unwrap();
    let stale = store
        .write(Write::Delete {
            key: key.clone(),
            condition: Some(Condition::Equals("version".into(), json!(2))),
        })
        .await;
    assert!(matches!(stale, Err(StoreError::ConditionFailed)), "{stale:?}");
    assert!(store.get(&key).await.unwrap().is_some());
    store
        .write(Write::Delete {
            key: key.clone(),
            condition: Some(Condition::Equals("version".into(), json!(3))),
        })
        .await
        .unwrap();
    assert_eq!(store.get(&key).await.unwrap(), None);
}

pub async fn transaction_is_all_or_nothing(store: Store) {
    store
        .write(put(item("T#1", "existing").with("v", 1), None))
        .await
        .unwrap();
    let writes = vec![
        put(item("T#1", "new-a"), Some(Condition::NotExists)),
        Write::Update {
            key: Key::new("T#1", "existing"),
            set: attrs(json!({"v": 2})),
            remove: vec![],
            condition: Some(Condition::Equals("v".into(), json!(1))),
        },
        // Fails: the item exists.
        put(item("T#1", "existing-2"), Some(Condition::Exists)),
    ];
    let result = store.transact(writes).await;
    assert!(
        matches!(result, Err(StoreError::TransactionConditionFailed(2))),
        "{result:?}"
    );
    assert_eq!(store.get(&Key::new("T#1", "new-a")).await.unwrap(), None);
    let existing = store.get(&Key::new("T#1", "existing")).await.unwrap().unwrap();
    assert_eq!(
        existing.get("v"),
        Some(&json!(1)),
        "nothing of a failed transaction is applied"
    );

    // A check that fails blocks the writes beside it too.
    let result = store
        .transact(vec![
            Write::Check {
                key: Key::new("T#1", "existing"),
                condition: Condition::Equals("v".into(), json!(99)),
            },
            put(item("T#1", "new-b"), None),
        ])
        .await;
    assert!(
        matches!(result, Err(StoreError::TransactionConditionFailed(0))),
        "{result:?}"
    );
    assert_eq!(store.get(&Key::new("T#1", "new-b")).await.unwrap(), None);

    store
        .transact(vec![
            Write::Check {
                key: Key::new("T#1", "existing"),
                condition: Condition::Equals("v".into(), json!(1)),
            },
            put(item("T#1", "new-b"), Some(Condition::NotExists)),
            Write::Delete {
                key: Key::new("T#1", "existing"),
                condition: None,
            },
        ])
        .await
        .expect_err("one transaction may not touch `existing` twice");
    store
        .transact(vec![
            put(item("T#1", "new-b"), Some(Condition::NotExists)),
            Write::Delete {
                key: Key::new("T#1", "existing"),
                condition: Some(Condition::Exists),
            },
        ])
        .await
        .unwrap();
    assert!(store.get(&Key::new("T#1", "new-b")).await.unwrap().is_some());
    assert_eq!(store.get(&Key::new("T#1", "existing")).await.unwrap(), None);
}

pub async fn transaction_refuses_an_item_twice(store: Store) {
    let result = store
        .transact(vec![
            put(item("T#1", "A"), None),
            put(item("T#1", "A").with("x", 1), None),
        ])
        .await;
    assert!(matches!(result, Err(StoreError::Invalid(_))), "{result:?}");
    assert_eq!(store.get(&Key::new("T#1", "A")).await.unwrap(), None);
}

pub async fn concurrent_increments_are_atomic(store: Store) {
    let key = Key::new("COUNTER#X", "#COUNTER");
    let tasks: Vec<_> = (0..100)
        .map(|_| {
            let (store, key) = (store.clone(), key.clone());
            tokio::spawn(async move {
                store
                    .increment(&key, "value", 1, Some(1_900_000_000))
                    .await
                    .unwrap()
            })
        })
        .collect();
    let mut seen = BTreeSet::new();
    for task in tasks {
        assert!(
            seen.insert(task.await.unwrap()),
            "an increment returned a duplicate"
        );
    }
    assert_eq!(seen, (1..=100).collect::<BTreeSet<i64>>());
    assert_eq!(
        store
            .increment(&key, "value", 5, Some(2_000_000_000))
            .await
            .unwrap(),
        105
    );
    // The expiry is set when the counter is created, and kept after.
    let counter = store.get(&key).await.unwrap().unwrap();
    assert_eq!(counter.get(super::EXPIRES_AT), Some(&json!(1_900_000_000)));
    assert_eq!(counter.get("value"), Some(&json!(105)));
}

async fn collect_pages(store: &Store, mut query: Query, index: Option<Index>) -> (Vec<String>, usize) {
    let mut sks = Vec::new();
    let mut pages = 0;
    loop {
        let page = store.query(&query).await.unwrap();
        pages += 1;
        assert!(page.items.len() <= query.limit as usize);
        sks.extend(page.items.iter().map(|i| i.string(super::SK).unwrap().to_owned()));
        match (page.more, page.items.last()) {
            (true, Some(last)) => query.start_after = Some(Position::of(last, index).unwrap()),
            _ => break,
        }
        assert!(pages < 100, "pagination does not terminate");
    }
    (sks, pages)
}

pub async fn query_orders_filters_and_pages_by_sort_key(store: Store) {
    // Inserted out of order, with neighbours that must not leak in.
    for i in [
        5, 1, 9, 3, 7, 2, 8, 4, 6, 0, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19,
    ] {
        store
            .write(put(item("P#1", &format!("EVENT#{i:03}")), None))
            .await
            .unwrap();
    }
    for (pk, sk) in [
        ("P#1", "#META"),
        ("P#1", "EVENTS"),
        ("P#10", "EVENT#000"),
        ("P#0", "EVENT#999"),
    ] {
        store.write(put(item(pk, sk), None)).await.unwrap();
    }
    let expected: Vec<String> = (0..20).map(|i| format!("EVENT#{i:03}")).collect();

    let mut query = Query::partition(None, "P#1");
    query.sort_prefix = "EVENT#".into();
    query.limit = 7;
    let (ascending, pages) = collect_pages(&store, query.clone(), None).await;
    assert_eq!(ascending, expected);
    assert!(pages >= 3, "limit must page the results");

    query.ascending = false;
    let (descending, _) = collect_pages(&store, query.clone(), None).await;
    assert_eq!(descending, expected.iter().rev().cloned().collect::<Vec<_>>());

    // The whole partition, in byte order of the sort key.
    let mut all = Query::partition(None, "P#1");
    all.limit = 100;
    let page = store.query(&all).await.unwrap();
    assert!(!page.more);
    let first: Vec<_> = page
        .items
        .iter()
        .take(2)
        .map(|i| i.string("SK").unwrap().to_owned())
        .collect();
    assert_eq!(first, ["#META", "EVENT#000"]);
    assert_eq!(page.items.len(), 22);
    assert_eq!(page.items.last().unwrap().string("SK").unwrap(), "EVENTS");

    let empty = store.query(&Query::partition(None, "P#nothing")).await.unwrap();
    assert!(empty.items.is_empty() && !empty.more);
}

pub async fn sparse_index_holds_only_indexed_items(store: Store) {
    for i in 0..12 {
        let mut it = item(&format!("TICKET#{i:02}"), "#TICKET").with("n", i);
        if i % 3 != 0 {
            // Same index sort key for pairs: ties are broken by the table key.
            it = it
                .with("GSI1PK", "ORG#a")
                .with("GSI1SK", format!("2026-11-{:02}", 10 + i / 2));
        }
        store.write(put(it, None)).await.unwrap();
    }
    store
        .write(put(
            item("TICKET#99", "#TICKET")
                .with("GSI1PK", "ORG#b")
                .with("GSI1SK", "2026-11-30"),
            None,
        ))
        .await
        .unwrap();

    let mut query = Query::partition(Some(Index::Gsi1), "ORG#a");
    query.ascending = false;
    query.limit = 3;
    let mut pks = Vec::new();
    loop {
        let page = store.query(&query).await.unwrap();
        pks.extend(page.items.iter().map(|i| i.string("PK").unwrap().to_owned()));
        match (page.more, page.items.last()) {
            (true, Some(last)) => query.start_after = Some(Position::of(last, Some(Index::Gsi1)).unwrap()),
            _ => break,
        }
    }
    let expected: Vec<String> = [11, 10, 8, 7, 5, 4, 2, 1]
        .iter()
        .map(|i| format!("TICKET#{i:02}"))
        .collect();
    assert_eq!(pks, expected, "newest first; ties by table key, descending");

    // Removing the index attributes takes the item out of the index.
    store
        .write(Write::Update {
            key: Key::new("TICKET#11", "#TICKET"),
            set: Attributes::new(),
            remove: vec!["GSI1PK".into(), "GSI1SK".into()],
            condition: None,
        })
        .await
        .unwrap();
    let mut query = Query::partition(Some(Index::Gsi1), "ORG#a");
    query.limit = 100;
    let page = store.query(&query).await.unwrap();
    assert_eq!(page.items.len(), 7);
    assert!(page.items.iter().all(|i| i.string("PK").unwrap() != "TICKET#11"));
    // Other partitions and other indexes are untouched.
    assert_eq!(
        store
            .query(&Query::partition(Some(Index::Gsi1), "ORG#b"))
            .await
            .unwrap()
            .items
            .len(),
        1
    );
    assert!(
        store
            .query(&Query::partition(Some(Index::Gsi2), "ORG#a"))
            .await
            .unwrap()
            .items
            .is_empty()
    );
}

/// An index that projects some attributes answers those and the keys only,
/// on both backends; one that projects all answers the whole item.
pub async fn index_queries_answer_what_the_index_projects(store: Store) {
    let Projection::Include(included) = Index::Gsi6.projection() else {
        panic!("GSI6 projects some attributes")
    };
    let mut entry = item("TICKET#1", "#TICKET");
    entry.0.extend(attrs(json!({
        "GSI6PK": "QUEUE#OPEN", "GSI6SK": "0001",
        "GSI1PK": "REQUESTER#a", "GSI1SK": "0001",
        "title": "Printer", "status": "new", "description": "a long story", "participants": ["u1"],
    })));
    store.write(put(entry, None)).await.unwrap();
    let from = |index| {
        Query::partition(
            Some(index),
            if index == Index::Gsi6 {
                "QUEUE#OPEN"
            } else {
                "REQUESTER#a"
            },
        )
    };
    let projected = store.query(&from(Index::Gsi6)).await.unwrap().items;
    let mut names: Vec<&str> = projected[0].0.keys().map(String::as_str).collect();
    names.sort();
    assert_eq!(names, ["GSI6PK", "GSI6SK", "PK", "SK", "status", "title"]);
    assert!(included.contains(&"title") && !included.contains(&"description"));
    let whole = store.query(&from(Index::Gsi1)).await.unwrap().items;
    assert!(whole[0].0.contains_key("description") && whole[0].0.contains_key("GSI6PK"));
}

fn new_ticket(title: &str) -> crate::domain::NewTicket {
    tickets::OpenTicketRequest {
        request_type: crate::domain::RequestType::Incident,
        priority: crate::domain::Priority::Normal,
        title: title.into(),
        description: "Steps to reproduce: ...".into(),
        product: None,
        serial_number: None,
        contact_name: None,
        contact_email: None,
        contact_phone: None,
        visibility: crate::domain::Visibility::Organization,
    }
    .validate()
    .expect("valid test ticket")
}

pub async fn concurrent_tickets_get_distinct_gap_free_numbers(store: Store) {
    let (app, clock, _) = testing::app(store);
    let app = Arc::new(app);
    let ann = testing::customer("ann", "acme");
    let tasks: Vec<_> = (0..200)
        .map(|i| {
            let (app, ann) = (app.clone(), ann.clone());
            tokio::spawn(async move { tickets::open(&app, &ann, new_ticket(&format!("ticket {i}"))).await })
        })
        .collect();
    let mut numbers = BTreeSet::new();
    for task in tasks {
        let detail = task.await.unwrap().expect("ticket opened");
        assert!(
            numbers.insert(detail.ticket.number),
            "duplicate number {}",
            detail.ticket.number
        );
    }
    let sequences: Vec<u32> = numbers.iter().map(TicketNumber::sequence).collect();
    assert_eq!(
        sequences,
        (1..=200).collect::<Vec<_>>(),
        "numbers must be distinct and gap-free"
    );
    assert_eq!(numbers.first().unwrap().to_string(), "T20261122.0001");

    // The next day starts again at 0001, on its own counter.
    clock.set(testing::T0 + Duration::days(1));
    let next = tickets::open(&app, &ann, new_ticket("tomorrow")).await.unwrap();
    assert_eq!(next.ticket.number.to_string(), "T20261123.0001");
}

fn list_request(scope: Scope, status: StatusFilter, limit: u32) -> ListRequest {
    ListRequest {
        scope,
        status,
        search: None,
        cursor: None,
        limit,
    }
}

pub async fn ticket_lists_page_newest_first_with_signed_cursors(store: Store) {
    let (app, clock, _) = testing::app(store);
    let ann = testing::customer("ann", "acme");
    let mut opened = Vec::new();
    for i in 0..23 {
        clock.set(testing::T0 + Duration::minutes(i));
        opened.push(
            tickets::open(&app, &ann, new_ticket(&format!("printer {i}")))
                .await
                .unwrap()
                .ticket
                .number,
        );
    }
    let mut seen = Vec::new();
    let mut request = list_request(Scope::Mine, StatusFilter::All, 10);
    loop {
        let page = tickets::list(&app, &ann, request.clone()).await.unwrap();
        seen.extend(page.tickets.iter().map(|t| t.number));
        match page.next_cursor {
            Some(cursor) => request.cursor = Some(cursor),
            None => break,
        }
    }
    opened.reverse();
    assert_eq!(seen, opened, "every ticket once, newest first");

    // A cursor is bound to its list: replaying it for another list is refused.
    let first = tickets::list(&app, &ann, list_request(Scope::Mine, StatusFilter::All, 5))
        .await
        .unwrap();
    let cursor = first.next_cursor.expect("more pages");
    let mut elsewhere = list_request(Scope::Organization, StatusFilter::All, 5);
    elsewhere.cursor = Some(cursor.clone());
    assert_eq!(
        tickets::list(&app, &ann, elsewhere).await.unwrap_err().status(),
        400
    );
    let bob_elsewhere = testing::customer("bob", "globex");
    let mut replay = list_request(Scope::Mine, StatusFilter::All, 5);
    replay.cursor = Some(cursor);
    assert_eq!(
        tickets::list(&app, &bob_elsewhere, replay)
            .await
            .unwrap_err()
            .status(),
        400
    );

    // Search: title words, case-insensitive, paged the same way.
    let mut search = list_request(Scope::Mine, StatusFilter::All, 2);
    search.search = Some("PRINTER 1".into());
    let mut found = Vec::new();
    loop {
        let page = tickets::list(&app, &ann, search.clone()).await.unwrap();
        found.extend(page.tickets.iter().map(|t| t.title.to_string()));
        match page.next_cursor {
            Some(c) => search.cursor = Some(c),
            None => break,
        }
    }
    // "1" starts the words "1", "10".."19" but not "21".
    let expected: Vec<String> = [19, 18, 17, 16, 15, 14, 13, 12, 11, 10, 1]
        .iter()
        .map(|i| format!("printer {i}"))
        .collect();
    assert_eq!(found, expected);
    // ...or an exact ticket number.
    let mut by_number = list_request(Scope::Mine, StatusFilter::All, 10);
    by_number.search = Some(opened[3].to_string());
    let page = tickets::list(&app, &ann, by_number).await.unwrap();
    assert_eq!(
        page.tickets.iter().map(|t| t.number).collect::<Vec<_>>(),
        vec![opened[3]]
    );
}

pub async fn ticket_lists_split_open_and_recently_completed(store: Store) {
    let (app, clock, _) = testing::app(store.clone());
    let ann = testing::customer("ann", "acme");
    let mut numbers = Vec::new();
    for i in 0..4 {
        clock.set(testing::T0 + Duration::minutes(i));
        numbers.push(
            tickets::open(&app, &ann, new_ticket(&format!("t{i}")))
                .await
                .unwrap()
                .ticket,
        );
    }
    // Complete the oldest ticket last, and the newest first: "recently
    // completed" orders by completion, not creation.
    for (ticket, minutes) in [(&numbers[3], 10), (&numbers[0], 20)] {
        let mut done = ticket.clone();
        done.status = Status::Closed;
        done.completed_at = Some(testing::T0 + Duration::minutes(minutes));
        store
            .write(put(model::ticket_item(&done).unwrap(), None))
            .await
            .unwrap();
    }
    let list = |status| {
        let app = &app;
        let ann = &ann;
        async move {
            tickets::list(app, ann, list_request(Scope::Mine, status, 10))
                .await
                .unwrap()
                .tickets
                .iter()
                .map(|t| t.title.to_string())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(list(StatusFilter::Open).await, ["t2", "t1"]);
    assert_eq!(list(StatusFilter::Completed).await, ["t0", "t3"]);
    assert_eq!(list(StatusFilter::All).await, ["t3", "t2", "t1", "t0"]);
}

pub async fn private_tickets_stay_out_of_organization_lists(store: Store) {
    let (app, _, _) = testing::app(store);
    let ann = testing::customer("ann", "acme");
    let bob = testing::customer("bob", "acme");
    let eve = testing::customer("eve", "globex");
    let shared = tickets::open(&app, &ann, new_ticket("shared"))
        .await
        .unwrap()
        .ticket;
    let mut private = new_ticket("private");
    private.visibility = crate::domain::Visibility::Private;
    let private = tickets::open(&app, &ann, private).await.unwrap().ticket;

    let titles = |actor, scope| {
        let app = &app;
        async move {
            tickets::list(app, &actor, list_request(scope, StatusFilter::All, 10))
                .await
                .unwrap()
                .tickets
                .iter()
                .map(|t| t.title.to_string())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(titles(ann.clone(), Scope::Mine).await, ["private", "shared"]);
    assert_eq!(titles(bob.clone(), Scope::Organization).await, ["shared"]);
    assert!(titles(bob.clone(), Scope::Mine).await.is_empty());
    assert!(titles(eve.clone(), Scope::Organization).await.is_empty());

    // Direct reads follow the same rule, and look like "not found".
    assert!(tickets::get(&app, &bob, &shared.number).await.is_ok());
    assert_eq!(
        tickets::get(&app, &bob, &private.number)
            .await
            .unwrap_err()
            .status(),
        404
    );
    assert_eq!(
        tickets::get(&app, &eve, &shared.number)
            .await
            .unwrap_err()
            .status(),
        404
    );
    assert!(
        tickets::get(&app, &testing::agent("sam"), &private.number)
            .await
            .is_ok()
    );
    // Searching by number does not bypass it either.
    let mut search = list_request(Scope::Organization, StatusFilter::All, 10);
    search.search = Some(private.number.to_string());
    assert!(
        tickets::list(&app, &bob, search)
            .await
            .unwrap()
            .tickets
            .is_empty()
    );
}

pub async fn ticket_with_history_is_one_partition(store: Store) {
    let (app, _, _) = testing::app(store.clone());
    let ann = testing::customer("ann", "acme");
    let opened = tickets::open(&app, &ann, new_ticket("with history"))
        .await
        .unwrap();
    let number = opened.ticket.number;
    let page = store
        .query(&Query::partition(None, model::ticket_partition(&number)))
        .await
        .unwrap();
    assert_eq!(page.items.len(), 2, "the ticket and its creation event");
    assert!(model::is_ticket_item(&page.items[0]));
    let detail = tickets::get(&app, &ann, &number).await.unwrap();
    assert_eq!(detail.ticket, opened.ticket);
    assert_eq!(detail.history, opened.history);
    assert_eq!(detail.history.len(), 1);
}
