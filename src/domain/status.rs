//! The status badge shown for each patient in the list, derived from the record.

use chrono::NaiveDate;

use super::aftercare::ItemState;
use super::patient::Patient;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Badge {
    /// An aftercare item is past due and not ticked: the most urgent, so it wins.
    Overdue,
    InSeries,
    Planned,
    Complete,
    New,
    Archived,
}

impl Badge {
    pub fn label(self) -> &'static str {
        match self {
            Badge::Overdue => "! overdue",
            Badge::InSeries => "in series",
            Badge::Planned => "planned",
            Badge::Complete => "complete",
            Badge::New => "new",
            Badge::Archived => "archived",
        }
    }
}

/// Number of aftercare items of any series that are past due and not ticked.
pub fn overdue_items(p: &Patient, today: NaiveDate) -> usize {
    p.series
        .iter()
        .flat_map(|s| &s.sessions)
        .map(|session| {
            session
                .checklist
                .iter()
                .filter(|e| matches!(e.state(session.date, today), ItemState::Overdue(_)))
                .count()
        })
        .sum()
}

pub fn badge(p: &Patient, today: NaiveDate) -> Badge {
    if p.archived {
        return Badge::Archived;
    }
    if overdue_items(p, today) > 0 {
        return Badge::Overdue;
    }
    match p.current_series() {
        None => Badge::New,
        Some(s) if s.is_complete() => Badge::Complete,
        Some(s) if s.done_count() > 0 => Badge::InSeries,
        Some(_) => Badge::Planned,
    }
}
