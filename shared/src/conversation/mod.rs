//! The life of a ticket after it is opened: notes, status, priority,
//! assignment, escalation, visibility and sharing.
//!
//! Every change is one transaction: the ticket (conditional on what was
//! read), its new history events, the participants' copies of the ticket,
//! and the notification to send (transactional outbox, see [`notify`]). So
//! there is no update without its mail and no mail without its update.

mod notes;
pub mod notify;
pub mod queue;
pub mod reply_address;
mod sharing;
mod unit_of_work;
mod update;

pub use notes::{Addresses, MAX_EXTRA_ADDRESSES, NoteRequest, add_note, add_note_once};
pub use sharing::{MAX_PARTICIPANTS, ShareRequest, remove_participant, share};
pub use unit_of_work::{Apply, record};
pub use update::{TicketUpdate, update};
