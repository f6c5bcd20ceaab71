//! Data folders written by an earlier layout of the table, brought up to
//! date when the portal starts (in AWS there is no deployment older than
//! these changes; DATA_MODEL.md says what one would need).
//!
//! 2026-12-02: the support queue moved from GSI5 to GSI6, whose entries
//! carry a queue row only. Tickets written before still have their queue
//! entry in GSI5; each is rewritten once as the model writes tickets now,
//! which moves it to GSI6 and out of GSI5.

use servicedesk_shared::domain::StatusClass;
use servicedesk_shared::store::model;
use servicedesk_shared::store::{Condition, Index, ItemStore, Position, Query, StoreError, Write};

/// Rewrites every ticket still queued in GSI5; returns how many moved. A
/// rewritten ticket leaves GSI5, so the pages are read from where the last
/// one ended; an item that cannot be read as a ticket is logged and left.
pub async fn move_queue_to_its_own_index(store: &dyn ItemStore) -> Result<usize, StoreError> {
    let mut moved = 0;
    for class in [StatusClass::Open, StatusClass::Completed] {
        let mut query = Query::partition(Some(Index::Gsi5), model::queue_partition(class));
        query.limit = 100;
        loop {
            let page = store.query(&query).await?;
            for item in &page.items {
                let ticket = match model::ticket_from_item(item) {
                    Ok(ticket) => ticket,
                    Err(err) => {
                        tracing::warn!(error = %err, "left a queue entry that is not a ticket in GSI5");
                        continue;
                    }
                };
                let rewrite = Write::Put {
                    item: model::ticket_item(&ticket)?,
                    // A change written meanwhile has rewritten it already.
                    condition: Some(Condition::Equals("version".into(), ticket.version.into())),
                };
                match store.write(rewrite).await {
                    Ok(()) => moved += 1,
                    Err(StoreError::ConditionFailed) => {}
                    Err(other) => return Err(other),
                }
            }
            match (page.more, page.items.last()) {
                (true, Some(last)) => query.start_after = Some(Position::of(last, Some(Index::Gsi5))?),
                _ => break,
            }
        }
    }
    Ok(moved)
}
