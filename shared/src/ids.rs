//! The id port. Ticket *numbers* are not ids: they come from the per-day
//! counter in the store (see `tickets::create`).

pub trait IdGenerator: Send + Sync {
    /// A new unique, URL-safe id. Time-ordered, so ids created later sort later.
    fn new_id(&self) -> String;
}

/// UUIDv7: time-ordered and 74 random bits.
pub struct UuidV7;

impl IdGenerator for UuidV7 {
    fn new_id(&self) -> String {
        uuid::Uuid::now_v7().to_string()
    }
}
