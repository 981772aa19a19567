//! Parsing of the dates and times staff type into forms, with messages a person can act
//! on. Kept strict (ISO 8601 only) so that 03/04 can never mean two different days.

use chrono::{NaiveDate, NaiveTime};

pub const DATE_HINT: &str = "YYYY-MM-DD";

/// What is wrong with a typed date, time or day count. The form shows the message next
/// to the field; the variant says what to fix without reading the words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DateError {
    #[error("enter a date as {DATE_HINT}")]
    Empty,
    /// Not three dash-separated numbers with a four-digit year (the text as typed).
    #[error("'{0}' is not a date; use {DATE_HINT}")]
    NotADate(String),
    #[error("month {0} does not exist; use {DATE_HINT}")]
    NoSuchMonth(u32),
    /// A real month without that day (`2026-02-30`).
    #[error("{text} does not exist (that month has no day {day})")]
    NoSuchDay { text: String, day: u32 },
    #[error("'{0}' is not a time; use HH:MM, e.g. 09:30")]
    NotATime(String),
    /// `field` names the count in the message ("sessions", "interval").
    #[error("{field} must be a whole number")]
    NotWholeDays { field: String },
    #[error("{field} must be between {min} and {max}")]
    DaysOutOfRange { field: String, min: u32, max: u32 },
}

/// Parses a typed date. `2026-02-30` is refused with a message that says why.
pub fn parse_date(text: &str) -> Result<NaiveDate, DateError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(DateError::Empty);
    }
    let parts: Vec<&str> = text.split('-').collect();
    let numbers: Option<Vec<u32>> = if parts.len() == 3 && parts[0].len() == 4 {
        parts.iter().map(|p| p.parse::<u32>().ok()).collect()
    } else {
        None
    };
    let Some(n) = numbers else {
        return Err(DateError::NotADate(text.to_string()));
    };
    if !(1..=12).contains(&n[1]) {
        return Err(DateError::NoSuchMonth(n[1]));
    }
    NaiveDate::from_ymd_opt(n[0] as i32, n[1], n[2]).ok_or_else(|| DateError::NoSuchDay {
        text: text.to_string(),
        day: n[2],
    })
}

/// Parses an optional time of day, `HH:MM`. Empty means "no time set".
pub fn parse_optional_time(text: &str) -> Result<Option<NaiveTime>, DateError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    NaiveTime::parse_from_str(text, "%H:%M")
        .map(Some)
        .map_err(|_| DateError::NotATime(text.to_string()))
}

/// Parses a whole number of days within `range`, naming the field in the message.
pub fn parse_days(text: &str, field: &str, range: std::ops::RangeInclusive<u32>) -> Result<u32, DateError> {
    let value: i64 = text.trim().parse().map_err(|_| DateError::NotWholeDays {
        field: field.to_string(),
    })?;
    if value < *range.start() as i64 || value > *range.end() as i64 {
        return Err(DateError::DaysOutOfRange {
            field: field.to_string(),
            min: *range.start(),
            max: *range.end(),
        });
    }
    Ok(value as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_iso_dates_including_leap_day() {
        assert_eq!(
            parse_date("2028-02-29"),
            Ok(NaiveDate::from_ymd_opt(2028, 2, 29).unwrap())
        );
        assert_eq!(
            parse_date(" 2026-12-01 "),
            Ok(NaiveDate::from_ymd_opt(2026, 12, 1).unwrap())
        );
    }

    #[test]
    fn refuses_impossible_dates_with_a_reason() {
        let err = parse_date("2026-02-30").unwrap_err();
        assert_eq!(
            err,
            DateError::NoSuchDay {
                text: "2026-02-30".into(),
                day: 30
            }
        );
        assert_eq!(
            err.to_string(),
            "2026-02-30 does not exist (that month has no day 30)"
        );
        assert!(parse_date("2027-02-29").is_err());
        assert_eq!(
            parse_date("2026-13-01").unwrap_err().to_string(),
            "month 13 does not exist; use YYYY-MM-DD"
        );
        assert_eq!(
            parse_date("01/02/2026").unwrap_err().to_string(),
            "'01/02/2026' is not a date; use YYYY-MM-DD"
        );
        assert_eq!(parse_date("  "), Err(DateError::Empty));
        assert_eq!(DateError::Empty.to_string(), "enter a date as YYYY-MM-DD");
    }

    #[test]
    fn times_are_optional_but_strict() {
        assert_eq!(parse_optional_time(""), Ok(None));
        assert_eq!(
            parse_optional_time("09:30"),
            Ok(Some(NaiveTime::from_hms_opt(9, 30, 0).unwrap()))
        );
        assert_eq!(
            parse_optional_time("25:00").unwrap_err().to_string(),
            "'25:00' is not a time; use HH:MM, e.g. 09:30"
        );
        assert!(parse_optional_time("9.30").is_err());
    }

    #[test]
    fn day_counts_are_bounded() {
        assert_eq!(parse_days("28", "interval", 1..=365), Ok(28));
        assert_eq!(
            parse_days("-3", "interval", 1..=365).unwrap_err().to_string(),
            "interval must be between 1 and 365"
        );
        assert_eq!(
            parse_days("abc", "interval", 1..=365).unwrap_err().to_string(),
            "interval must be a whole number"
        );
    }
}
