//! Parsing of the dates and times staff type into forms, with messages a person can act
//! on. Kept strict (ISO 8601 only) so that 03/04 can never mean two different days.

use chrono::{NaiveDate, NaiveTime};

pub const DATE_HINT: &str = "YYYY-MM-DD";

/// Parses a typed date. `2026-02-30` is refused with a message that says why.
pub fn parse_date(text: &str) -> Result<NaiveDate, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err(format!("enter a date as {DATE_HINT}"));
    }
    let parts: Vec<&str> = text.split('-').collect();
    let numbers: Option<Vec<u32>> = if parts.len() == 3 && parts[0].len() == 4 {
        parts.iter().map(|p| p.parse::<u32>().ok()).collect()
    } else {
        None
    };
    let Some(n) = numbers else {
        return Err(format!("'{text}' is not a date; use {DATE_HINT}"));
    };
    if !(1..=12).contains(&n[1]) {
        return Err(format!("month {} does not exist; use {DATE_HINT}", n[1]));
    }
    NaiveDate::from_ymd_opt(n[0] as i32, n[1], n[2])
        .ok_or_else(|| format!("{text} does not exist (that month has no day {})", n[2]))
}

/// Parses an optional time of day, `HH:MM`. Empty means "no time set".
pub fn parse_optional_time(text: &str) -> Result<Option<NaiveTime>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    NaiveTime::parse_from_str(text, "%H:%M")
        .map(Some)
        .map_err(|_| format!("'{text}' is not a time; use HH:MM, e.g. 09:30"))
}

/// Parses a whole number of days within `range`, naming the field in the message.
pub fn parse_days(text: &str, field: &str, range: std::ops::RangeInclusive<u32>) -> Result<u32, String> {
    let value: i64 = text
        .trim()
        .parse()
        .map_err(|_| format!("{field} must be a whole number"))?;
    if value < *range.start() as i64 || value > *range.end() as i64 {
        return Err(format!(
            "{field} must be between {} and {}",
            range.start(),
            range.end()
        ));
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
        assert!(err.contains("does not exist"), "{err}");
        assert!(parse_date("2027-02-29").is_err());
        assert!(parse_date("2026-13-01").unwrap_err().contains("month 13"));
        assert!(parse_date("01/02/2026").unwrap_err().contains("YYYY-MM-DD"));
        assert!(parse_date("").is_err());
    }

    #[test]
    fn times_are_optional_but_strict() {
        assert_eq!(parse_optional_time(""), Ok(None));
        assert_eq!(
            parse_optional_time("09:30"),
            Ok(Some(NaiveTime::from_hms_opt(9, 30, 0).unwrap()))
        );
        assert!(parse_optional_time("25:00").is_err());
        assert!(parse_optional_time("9.30").is_err());
    }

    #[test]
    fn day_counts_are_bounded() {
        assert_eq!(parse_days("28", "interval", 1..=365), Ok(28));
        assert!(
            parse_days("-3", "interval", 1..=365)
                .unwrap_err()
                .contains("between")
        );
        assert!(
            parse_days("abc", "interval", 1..=365)
                .unwrap_err()
                .contains("whole number")
        );
    }
}
