//! Aftercare (recovery checklist): template items with a day offset from the session, and
//! the per-session checklist entries that record who ticked what and when.

use chrono::{Days, NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

/// One line of the aftercare template in `assets/aftercare.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AftercareItem {
    pub id: String,
    /// Days after the session day on which the item falls due (0 = the session day).
    pub day: u32,
    pub text: String,
}

/// Why an item of `aftercare.json` is refused: the field, and the item's id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AftercareError {
    #[error("aftercare item: id must not be empty")]
    MissingId,
    #[error("aftercare item '{0}': text must not be empty")]
    EmptyText(String),
    #[error("aftercare item '{0}': day must be 0..=365")]
    DayOutOfRange(String),
}

impl AftercareItem {
    pub fn validate(&self) -> Result<(), AftercareError> {
        if self.id.trim().is_empty() {
            return Err(AftercareError::MissingId);
        }
        if self.text.trim().is_empty() {
            return Err(AftercareError::EmptyText(self.id.clone()));
        }
        if self.day > 365 {
            return Err(AftercareError::DayOutOfRange(self.id.clone()));
        }
        Ok(())
    }
}

/// A checklist entry copied from the template when the session is marked done, so that a
/// later change of template never rewrites what a patient was told.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChecklistEntry {
    pub item_id: String,
    pub day: u32,
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticked_at: Option<NaiveDateTime>,
}

impl ChecklistEntry {
    pub fn from_item(item: &AftercareItem) -> Self {
        Self {
            item_id: item.id.clone(),
            day: item.day,
            text: item.text.clone(),
            ticked_at: None,
        }
    }

    pub fn due_date(&self, session_day: NaiveDate) -> NaiveDate {
        due_date(session_day, self.day)
    }

    pub fn state(&self, session_day: NaiveDate, today: NaiveDate) -> ItemState {
        match self.ticked_at {
            Some(at) => ItemState::Done(at),
            None => ItemState::open(self.due_date(session_day), today),
        }
    }

    /// Ticks an open item (recording when) or unticks a ticked one.
    pub fn toggle(&mut self, now: NaiveDateTime) {
        self.ticked_at = match self.ticked_at {
            Some(_) => None,
            None => Some(now),
        };
    }
}

pub fn due_date(session_day: NaiveDate, offset: u32) -> NaiveDate {
    session_day
        .checked_add_days(Days::new(offset as u64))
        .unwrap_or(NaiveDate::MAX)
}

/// Where a checklist item stands today.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemState {
    Done(NaiveDateTime),
    /// Past its due date and not ticked.
    Overdue(NaiveDate),
    DueToday,
    Upcoming(NaiveDate),
}

impl ItemState {
    fn open(due: NaiveDate, today: NaiveDate) -> Self {
        match due.cmp(&today) {
            std::cmp::Ordering::Less => ItemState::Overdue(due),
            std::cmp::Ordering::Equal => ItemState::DueToday,
            std::cmp::Ordering::Greater => ItemState::Upcoming(due),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn entry(day: u32) -> ChecklistEntry {
        ChecklistEntry::from_item(&AftercareItem {
            id: format!("d{day}"),
            day,
            text: "x".into(),
        })
    }

    #[test]
    fn due_dates_count_from_the_session_day_across_month_ends() {
        assert_eq!(entry(0).due_date(d("2026-01-31")), d("2026-01-31"));
        assert_eq!(entry(3).due_date(d("2026-01-30")), d("2026-02-02"));
        assert_eq!(entry(1).due_date(d("2028-02-28")), d("2028-02-29"));
    }

    #[test]
    fn open_items_are_overdue_only_after_their_day() {
        let session = d("2026-11-20");
        assert_eq!(
            entry(3).state(session, d("2026-11-22")),
            ItemState::Upcoming(d("2026-11-23"))
        );
        assert_eq!(entry(3).state(session, d("2026-11-23")), ItemState::DueToday);
        assert_eq!(
            entry(3).state(session, d("2026-11-24")),
            ItemState::Overdue(d("2026-11-23"))
        );
    }

    #[test]
    fn ticking_records_when_and_unticking_clears_it() {
        let now = d("2026-11-24").and_hms_opt(10, 15, 0).unwrap();
        let mut e = entry(1);
        e.toggle(now);
        assert_eq!(e.state(d("2026-11-20"), d("2026-11-30")), ItemState::Done(now));
        e.toggle(now);
        assert_eq!(e.ticked_at, None);
        assert!(matches!(
            e.state(d("2026-11-20"), d("2026-11-30")),
            ItemState::Overdue(_)
        ));
    }
}
