//! Someone without an account who sent requests from an email address.

use serde::{Deserialize, Serialize};

use super::{OptionalText, UserId};
use crate::i18n::Language;

/// The guest record of an email.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Guest {
    pub guest_id: UserId,
    pub name: OptionalText,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company: Option<OptionalText>,
    #[serde(default)]
    pub language: Language,
}
