use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use time::{Date, Month};

/// A human-readable ticket number: `T{YYYYMMDD}.{NNNN}`, the UTC creation
/// date and that day's sequence (from 0001; a fifth or sixth digit appears only
/// past 9,999 tickets a day).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TicketNumber {
    date: Date,
    sequence: u32,
}

impl TicketNumber {
    pub const MAX_SEQUENCE: u32 = 999_999;

    pub fn new(date: Date, sequence: u32) -> Option<Self> {
        (1..=Self::MAX_SEQUENCE)
            .contains(&sequence)
            .then_some(Self { date, sequence })
    }

    pub fn date(&self) -> Date {
        self.date
    }

    pub fn sequence(&self) -> u32 {
        self.sequence
    }

    /// `YYYYMMDD`, the key of the day's counter.
    pub fn day_key(date: Date) -> String {
        format!("{:04}{:02}{:02}", date.year(), u8::from(date.month()), date.day())
    }
}

impl fmt::Display for TicketNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "T{}.{:04}", Self::day_key(self.date), self.sequence)
    }
}

#[derive(Debug, thiserror::Error)]
#[error("'{0}' is not a ticket number (expected the form T20261122.0001)")]
pub struct InvalidTicketNumber(String);

impl FromStr for TicketNumber {
    type Err = InvalidTicketNumber;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        let invalid = || InvalidTicketNumber(raw.chars().take(40).collect());
        let rest = raw.strip_prefix('T').ok_or_else(invalid)?;
        let (day, seq) = rest.split_once('.').ok_or_else(invalid)?;
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if day.len() != 8 || !digits(day) || !(4..=6).contains(&seq.len()) || !digits(seq) {
            return Err(invalid());
        }
        let year: i32 = day[0..4].parse().map_err(|_| invalid())?;
        let month: u8 = day[4..6].parse().map_err(|_| invalid())?;
        let dom: u8 = day[6..8].parse().map_err(|_| invalid())?;
        let month = Month::try_from(month).map_err(|_| invalid())?;
        let date = Date::from_calendar_date(year, month, dom).map_err(|_| invalid())?;
        let sequence: u32 = seq.parse().map_err(|_| invalid())?;
        // Canonical form only: `T20261122.01` or `T20261122.00001` are not numbers we issued.
        let number = Self::new(date, sequence).ok_or_else(invalid)?;
        if number.to_string() != raw {
            return Err(invalid());
        }
        Ok(number)
    }
}

impl TryFrom<String> for TicketNumber {
    type Error = InvalidTicketNumber;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        value.parse()
    }
}

impl From<TicketNumber> for String {
    fn from(value: TicketNumber) -> Self {
        value.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn formats_date_and_zero_padded_sequence() {
        let n = TicketNumber::new(date!(2026 - 11 - 22), 1).unwrap();
        assert_eq!(n.to_string(), "T20261122.0001");
        assert_eq!(
            TicketNumber::new(date!(2026 - 11 - 22), 12_345)
                .unwrap()
                .to_string(),
            "T20261122.12345"
        );
    }

    #[test]
    fn parses_only_canonical_numbers() {
        let n: TicketNumber = "T20261122.0042".parse().unwrap();
        assert_eq!((n.date(), n.sequence()), (date!(2026 - 11 - 22), 42));
        for bad in [
            "",
            "T20261122",
            "20261122.0001",
            "T20261322.0001",
            "T20261122.01",
            "T20261122.00001",
            "T20261122.0000",
            "T2026112a.0001",
            "t20261122.0001",
            "T20261122.0001 ",
        ] {
            assert!(bad.parse::<TicketNumber>().is_err(), "{bad:?} should be rejected");
        }
    }
}
