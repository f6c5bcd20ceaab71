//! A file attached to a ticket, and where its bytes live (`attachments`
//! grants uploads and verifies them).

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::{Email, TicketNumber, UserId};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AttachmentStatus {
    Pending,
    Available,
    Rejected,
}

/// Whoever uploaded: the changes the upload makes are theirs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Uploader {
    pub user: UserId,
    pub support: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<Email>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attachment {
    pub id: String,
    pub ticket: TicketNumber,
    pub file_name: String,
    pub content_type: String,
    pub size: u64,
    pub status: AttachmentStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rejected_because: Option<String>,
    /// Support only.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub internal: bool,
    pub uploader: Uploader,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

impl Attachment {
    /// Where the bytes are uploaded to (a prefix that expires by itself).
    pub fn pending_key(&self) -> String {
        format!("pending/{}/{}", self.ticket, self.id)
    }

    /// Where verified bytes are kept.
    pub fn file_key(&self) -> String {
        format!("files/{}/{}", self.ticket, self.id)
    }
}
