use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::{Description, Email, OptionalText, OrganizationId, TicketNumber, Title, UserId};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestType {
    Incident,
    HelpdeskSupport,
    FeatureRequest,
    Question,
    GeneralRequest,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    Low,
    Normal,
    High,
    Urgent,
}

/// The workflow: new → open → in progress / awaiting customer → resolved → closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    New,
    Open,
    InProgress,
    AwaitingCustomer,
    Resolved,
    Closed,
}

/// What lists filter on: still being worked on, or done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StatusClass {
    Open,
    Completed,
}

impl Status {
    pub fn class(self) -> StatusClass {
        match self {
            Self::Resolved | Self::Closed => StatusClass::Completed,
            _ => StatusClass::Open,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Visibility {
    /// Every member of the requester's organization sees the ticket.
    Organization,
    /// Only the requester, participants and support staff see it.
    Private,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Contact {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<OptionalText>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<Email>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<OptionalText>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company: Option<OptionalText>,
}

/// A validated request to open a ticket.
#[derive(Debug, Clone, PartialEq)]
pub struct NewTicket {
    pub request_type: RequestType,
    pub priority: Priority,
    pub title: Title,
    pub description: Description,
    pub product: Option<OptionalText>,
    pub serial_number: Option<OptionalText>,
    pub contact: Contact,
    pub visibility: Visibility,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ticket {
    pub number: TicketNumber,
    pub request_type: RequestType,
    pub priority: Priority,
    pub status: Status,
    pub visibility: Visibility,
    pub title: Title,
    pub description: Description,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product: Option<OptionalText>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub serial_number: Option<OptionalText>,
    #[serde(default)]
    pub contact: Contact,
    /// The requester's organization; `None` for a guest's ticket.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization_id: Option<OrganizationId>,
    /// The requester's account, or for a guest the id their tickets are
    /// filed under until they create an account (which then takes this id).
    pub requester_id: UserId,
    /// Customers the requester shared the ticket with.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub participants: Vec<UserId>,
    /// The ids people invited by address act under with their access key.
    /// A key works only while its holder is listed here (or is the
    /// requester), so removing someone ends every key they hold at once,
    /// whatever rotations race with it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub invitees: Vec<UserId>,
    /// The agent working on it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assignee_id: Option<UserId>,
    /// The support group it was escalated to ("specialised operators").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<OptionalText>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// Since when the customer side has been waiting for support: set at
    /// creation and by each customer update; orders the support queue.
    #[serde(with = "time::serde::rfc3339")]
    pub waiting_since: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    /// When the ticket last became resolved or closed; orders "recently completed".
    #[serde(
        default,
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub completed_at: Option<OffsetDateTime>,
    /// Incremented on every change; writes are conditional on it (optimistic locking).
    pub version: u64,
}

impl Ticket {
    pub fn open(
        number: TicketNumber,
        new: NewTicket,
        requester_id: UserId,
        organization_id: Option<OrganizationId>,
        now: OffsetDateTime,
    ) -> Self {
        Self {
            number,
            request_type: new.request_type,
            priority: new.priority,
            status: Status::New,
            visibility: new.visibility,
            title: new.title,
            description: new.description,
            product: new.product,
            serial_number: new.serial_number,
            contact: new.contact,
            organization_id,
            requester_id,
            participants: Vec::new(),
            invitees: Vec::new(),
            assignee_id: None,
            group: None,
            created_at: now,
            waiting_since: now,
            updated_at: now,
            completed_at: None,
            version: 1,
        }
    }

    pub fn queue_entry(&self) -> QueueEntry {
        QueueEntry {
            summary: self.summary(),
            organization_id: self.organization_id.clone(),
            assignee_id: self.assignee_id.clone(),
            waiting_since: self.waiting_since,
        }
    }

    pub fn summary(&self) -> TicketSummary {
        TicketSummary {
            number: self.number,
            title: self.title.clone(),
            status: self.status,
            priority: self.priority,
            request_type: self.request_type,
            created_at: self.created_at,
            updated_at: self.updated_at,
        }
    }
}

/// A row of the support queue: the ticket's summary with what support
/// triages by. The queue's index entries carry exactly these fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueueEntry {
    #[serde(flatten)]
    pub summary: TicketSummary,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization_id: Option<OrganizationId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assignee_id: Option<UserId>,
    #[serde(with = "time::serde::rfc3339")]
    pub waiting_since: OffsetDateTime,
}

/// One row of a ticket list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TicketSummary {
    pub number: TicketNumber,
    pub title: Title,
    pub status: Status,
    pub priority: Priority,
    pub request_type: RequestType,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// An append-only entry of a ticket's history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TicketEvent {
    pub id: String,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub actor_id: UserId,
    #[serde(flatten)]
    pub kind: EventKind,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EventKind {
    Created {
        status: Status,
        priority: Priority,
    },
    /// A comment added to the conversation.
    Note {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        title: Option<Title>,
        text: Description,
        /// Support only: never shown or mailed to customers and guests.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        internal: bool,
        /// Extra addresses this note was sent to.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        notify: Vec<Email>,
    },
    StatusChanged {
        from: Status,
        to: Status,
    },
    PriorityChanged {
        from: Priority,
        to: Priority,
    },
    Assigned {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        to: Option<UserId>,
    },
    Escalated {
        group: OptionalText,
    },
    VisibilityChanged {
        to: Visibility,
    },
    ParticipantAdded {
        email: Email,
    },
    ParticipantRemoved {
        email: Email,
    },
    /// A file, once verified.
    AttachmentAdded {
        attachment_id: String,
        file_name: String,
        content_type: String,
        size: u64,
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        internal: bool,
    },
}

impl EventKind {
    /// Internal notes are for support staff only.
    pub fn is_internal(&self) -> bool {
        matches!(
            self,
            Self::Note { internal: true, .. } | Self::AttachmentAdded { internal: true, .. }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The kind is flattened into the event: a field named like one of the
    /// event's own (`id`, `at`, `actor_id`, `type`) would make stored
    /// history unreadable.
    #[test]
    fn every_event_kind_round_trips() {
        let text = |s: &str| Description::parse("text", s).unwrap();
        let email = Email::parse("a@b.example").unwrap();
        let kinds = [
            EventKind::Created {
                status: Status::New,
                priority: Priority::Normal,
            },
            EventKind::Note {
                title: None,
                text: text("t"),
                internal: true,
                notify: vec![email.clone()],
            },
            EventKind::StatusChanged {
                from: Status::Open,
                to: Status::Closed,
            },
            EventKind::PriorityChanged {
                from: Priority::Low,
                to: Priority::High,
            },
            EventKind::Assigned {
                to: UserId::parse("sam"),
            },
            EventKind::Escalated {
                group: OptionalText::parse("group", "L2").unwrap(),
            },
            EventKind::VisibilityChanged {
                to: Visibility::Private,
            },
            EventKind::ParticipantAdded { email: email.clone() },
            EventKind::ParticipantRemoved { email },
            EventKind::AttachmentAdded {
                attachment_id: "a1".into(),
                file_name: "f.pdf".into(),
                content_type: "application/pdf".into(),
                size: 3,
                internal: false,
            },
        ];
        for kind in kinds {
            let event = TicketEvent {
                id: "e1".into(),
                at: time::macros::datetime!(2026-11-22 09:30 UTC),
                actor_id: UserId::parse("ann").unwrap(),
                kind,
            };
            let json = serde_json::to_string(&event).unwrap();
            let back: TicketEvent = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{json}: {e}"));
            assert_eq!(back, event);
        }
    }
}
