//! An integration token as its owner sees it (`accounts::api_tokens`).

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::OptionalText;

/// A token as its owner sees it in the list (never the secret).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TokenInfo {
    pub id: String,
    pub name: OptionalText,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
}
