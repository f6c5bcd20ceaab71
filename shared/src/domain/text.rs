use std::fmt;

use serde::Serialize;

use crate::Error;
use crate::error::Reason;

/// Text of `MIN..=MAX` characters after trimming, without control characters
/// other than newlines and tabs. Lengths count characters, not bytes, so the
/// limits mean the same in every language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct BoundedText<const MIN: usize, const MAX: usize>(String);

impl<const MIN: usize, const MAX: usize> BoundedText<MIN, MAX> {
    pub fn parse(field: &str, raw: &str) -> crate::Result<Self> {
        let value = raw.trim();
        let len = value.chars().count();
        if len < MIN {
            return Err(if MIN == 1 {
                Error::refused(field, Reason::Required, "must not be empty")
            } else {
                Error::refused(
                    field,
                    Reason::TooShort(MIN as u64),
                    format!("must be at least {MIN} characters"),
                )
            });
        }
        if len > MAX {
            return Err(Error::refused(
                field,
                Reason::TooLong(MAX as u64),
                format!("must be at most {MAX} characters (got {len})"),
            ));
        }
        if value
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r')
        {
            return Err(Error::refused(
                field,
                Reason::ControlCharacters,
                "must not contain control characters",
            ));
        }
        Ok(Self(value.to_owned()))
    }

    /// An optional field: absent and blank both mean `None`.
    pub fn optional(field: &str, raw: Option<String>) -> crate::Result<Option<Self>> {
        raw.filter(|v| !v.trim().is_empty())
            .map(|v| Self::parse(field, &v))
            .transpose()
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<const MIN: usize, const MAX: usize> fmt::Display for BoundedText<MIN, MAX> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

pub type Title = BoundedText<1, 200>;
pub type Description = BoundedText<1, 20_000>;
/// Short optional fields (product, serial number, contact name, phone).
pub type OptionalText = BoundedText<1, 200>;

impl<'de, const MIN: usize, const MAX: usize> serde::Deserialize<'de> for BoundedText<MIN, MAX> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        Self::parse("value", &raw).map_err(|e| match e {
            Error::InvalidField { message, .. } => serde::de::Error::custom(message),
            other => serde::de::Error::custom(other),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_and_counts_characters_not_bytes() {
        assert_eq!(
            Title::parse("title", "  Printer jams ").unwrap().as_str(),
            "Printer jams"
        );
        assert!(Title::parse("title", &"é".repeat(200)).is_ok());
        let err = Title::parse("title", &"é".repeat(201)).unwrap_err();
        assert!(err.to_string().contains("at most 200"), "{err}");
    }

    #[test]
    fn rejects_empty_and_control_characters() {
        assert!(Title::parse("title", "   ").is_err());
        assert!(Title::parse("title", "bell\u{7}").is_err());
        assert!(Description::parse("description", "line one\nline two\ttab").is_ok());
    }
}
