//! Validated domain values: each type checks its invariants on construction,
//! so code holding one never re-checks it.

mod announcement;
mod api_token;
mod attachment;
mod email;
mod guest;
mod identity;
mod link;
mod people;
pub mod text;
mod ticket;
mod ticket_number;

pub use announcement::Announcement;
pub use api_token::TokenInfo;
pub use attachment::{Attachment, AttachmentStatus, Uploader};
pub use guest::Guest;
pub use link::Purpose;
pub use people::{Actor, Name, Organization, Profile, Role, User};

pub use email::Email;
pub use identity::{OrganizationId, UserId};
pub use text::{BoundedText, Description, OptionalText, Title};
pub use ticket::{
    Contact, EventKind, NewTicket, Priority, QueueEntry, RequestType, Status, StatusClass, Ticket,
    TicketEvent, TicketSummary, Visibility,
};
pub use ticket_number::TicketNumber;
