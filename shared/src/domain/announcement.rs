//! A banner on the landing page, in English and French (`announcements`).

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::Description;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Announcement {
    pub id: String,
    pub message_en: Description,
    pub message_fr: Description,
    #[serde(with = "time::serde::rfc3339")]
    pub starts_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub ends_at: OffsetDateTime,
}
