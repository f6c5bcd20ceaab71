use std::fmt;

use serde::Serialize;

use crate::Error;
use crate::error::Reason;

/// Text of `MIN..=MAX` characters after trimming. `MULTILINE` text may hold
/// line breaks and tabs; single-line text (titles, names, phone numbers)
/// holds no control character at all, nor the bidirectional overrides and
/// isolates (U+202A–U+202E, U+2066–U+2069) that make text display other
/// than it reads (`photo\u{202e}gnp.exe` shows as `photoexe.png`). Lengths
/// count characters, not bytes, so the limits mean the same in every language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct BoundedText<const MIN: usize, const MAX: usize, const MULTILINE: bool = false>(String);

/// Characters that reorder how the text around them is displayed.
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

impl<const MIN: usize, const MAX: usize, const MULTILINE: bool> BoundedText<MIN, MAX, MULTILINE> {
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
        let allowed = |c: char| MULTILINE && matches!(c, '\n' | '\t' | '\r');
        if value
            .chars()
            .any(|c| (c.is_control() && !allowed(c)) || (!MULTILINE && is_bidi_control(c)))
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

impl<const MIN: usize, const MAX: usize, const MULTILINE: bool> fmt::Display
    for BoundedText<MIN, MAX, MULTILINE>
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

pub type Title = BoundedText<1, 200>;
pub type Description = BoundedText<1, 20_000, true>;
/// Short optional fields (product, serial number, contact name, phone).
pub type OptionalText = BoundedText<1, 200>;

/// Reading back what we stored: the value was checked when it was written,
/// and rules may tighten since (as when line breaks left single-line
/// fields), so stored data is taken as it is rather than refused on read.
/// Requests are checked with [`BoundedText::parse`], never through this.
impl<'de, const MIN: usize, const MAX: usize, const MULTILINE: bool> serde::Deserialize<'de>
    for BoundedText<MIN, MAX, MULTILINE>
{
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(Self(String::deserialize(deserializer)?))
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

    #[test]
    fn single_line_text_refuses_line_breaks_and_bidi_controls() {
        for bad in [
            "two\nlines",
            "carriage\rreturn",
            "tab\there",
            "photo\u{202e}gnp.exe",
            "x\u{2066}y",
        ] {
            let err = Title::parse("title", bad).unwrap_err();
            assert!(err.to_string().contains("control characters"), "{bad:?}: {err}");
            assert!(OptionalText::parse("product", bad).is_err(), "{bad:?}");
        }
        // Right-to-left text itself is fine.
        assert!(Title::parse("title", "طابعة لا تعمل").is_ok());
        assert!(Description::parse("description", "two\nlines").is_ok());
    }
}
