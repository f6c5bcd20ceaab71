//! Validated domain values: each type checks its invariants on construction,
//! so code holding one never re-checks it.

mod email;
mod identity;
pub mod text;
mod ticket;
mod ticket_number;

pub use email::Email;
pub use identity::{OrganizationId, UserId};
pub use text::{BoundedText, Description, OptionalText, Title};
pub use ticket::{
    Contact, EventKind, NewTicket, Priority, QueueEntry, RequestType, Status, StatusClass, Ticket,
    TicketEvent, TicketSummary, Visibility,
};
pub use ticket_number::TicketNumber;
