use std::fmt;

use serde::{Deserialize, Serialize};

use crate::Error;
use crate::error::Reason;

/// An email address, trimmed and lower-cased so that lookups by email match.
///
/// Exactly one RFC 5322 addr-spec in its dot-atom form: a local part of
/// ASCII atom characters (letters, digits, ``!#$%&'*+/=?^_`{|}~-``) in
/// dot-separated runs, `@`, and a domain of two or more labels of letters,
/// digits and inner hyphens (internationalised domains in their `xn--`
/// form); at most 254 characters (RFC 5321). ASCII only, as SES sends.
/// Nothing that a mail header could read as more than one address (`,` `;`
/// `<` `>` quotes, spaces, comments) gets through. Deliverability is proven
/// by sending mail.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(into = "String")]
pub struct Email(String);

/// Reading back what we stored: it was checked when written (with the rules
/// of its day), so it is taken as it is, normalised, not refused on read.
/// Requests are checked with [`Email::parse`] / [`Email::field`].
impl<'de> Deserialize<'de> for Email {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(Self(
            String::deserialize(deserializer)?.trim().to_ascii_lowercase(),
        ))
    }
}

impl Email {
    pub const MAX_LEN: usize = 254;

    pub fn parse(raw: &str) -> Result<Self, String> {
        // ASCII only, folded as ASCII: a Unicode fold would make the Kelvin
        // sign `K` equal to `k`, so two different addresses would meet.
        if !raw.is_ascii() {
            return Err("must be written in ASCII letters, digits and punctuation".into());
        }
        let value = raw.trim().to_ascii_lowercase();
        if value.is_empty() {
            return Err("must not be empty".into());
        }
        if value.len() > Self::MAX_LEN {
            return Err(format!("must be at most {} characters", Self::MAX_LEN));
        }
        if value.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err("must not contain spaces or control characters".into());
        }
        let Some((local, domain)) = value.split_once('@') else {
            return Err("must look like name@example.com".into());
        };
        let atom_char = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~-".contains(c);
        let local_ok = local
            .split('.')
            .all(|run| !run.is_empty() && run.chars().all(atom_char));
        let label_ok = |label: &str| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        };
        let domain_ok = domain.contains('.') && domain.split('.').all(label_ok);
        if !local_ok || !domain_ok {
            return Err("must be one address that looks like name@example.com".into());
        }
        Ok(Self(value))
    }

    /// Parses a field of a request, naming the field in the error.
    pub fn field(field: &str, raw: &str) -> crate::Result<Self> {
        Self::parse(raw).map_err(|m| Error::refused(field, Reason::NotAnEmail, m))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Email {
    type Error = String;
    fn try_from(value: String) -> Result<Self, String> {
        Self::parse(&value)
    }
}

impl From<Email> for String {
    fn from(value: Email) -> Self {
        value.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_case_and_whitespace() {
        assert_eq!(
            Email::parse("  Ann@Example.COM ").unwrap().as_str(),
            "ann@example.com"
        );
    }

    #[test]
    fn rejects_malformed_addresses() {
        for bad in [
            "",
            "ann",
            "ann@",
            "@example.com",
            "ann@example",
            "a b@example.com",
            "a@b@c.com",
            "ann@example..com",
            "spy@evil.example,victim",
            "spy@evil.example,victim@example.com",
            "ann@example.com;bob@example.com",
            "Ann <ann@example.com>",
            "\"ann\"@example.com",
            "ann(comment)@example.com",
            ".ann@example.com",
            "ann.@example.com",
            "an..n@example.com",
            "ann@-example.com",
            "ann@example-.com",
            "ann@exa_mple.com",
            "ann@[127.0.0.1]",
            "renée@exemple.fr",
            "ann@bücher.example",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?} should be rejected");
        }
        assert!(Email::parse(&format!("{}@example.com", "a".repeat(250))).is_err());
    }

    #[test]
    fn letters_that_fold_into_ascii_are_not_ascii() {
        // The Kelvin sign lowercases to `k`: it must not meet ann@kacme.example.
        assert!(Email::parse("ann@\u{212A}acme.example").is_err());
        assert_eq!(
            Email::parse(" Ann@ACME.example ").unwrap().as_str(),
            "ann@acme.example"
        );
    }

    #[test]
    fn accepts_the_addresses_people_have() {
        for good in [
            "ann@example.com",
            "ann.o'neil+desk@mail.example.co.uk",
            "x_y-z@sub-domain.example",
            "ops@xn--bcher-kva.example",
        ] {
            assert!(Email::parse(good).is_ok(), "{good:?} should be accepted");
        }
    }
}
