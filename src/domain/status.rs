//! The status badge shown for each patient in the list, derived from the record.

use chrono::NaiveDate;

use super::aftercare::ItemState;
use super::patient::Patient;
use super::series::SessionStatus;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Badge {
    /// An aftercare item is past due and not ticked: the most urgent, so it wins.
    Overdue,
    InSeries,
    /// No session done yet, the first one to come is booked.
    Booked,
    /// No session done yet and the next one only planned: the front desk books it.
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
            Badge::Booked => "booked",
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
        Some(s)
            if s.next_session()
                .is_some_and(|n| n.status == SessionStatus::Booked) =>
        {
            Badge::Booked
        }
        Some(_) => Badge::Planned,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::patient::{PatientDetails, PatientId};
    use crate::domain::series::{Series, SeriesPlan};

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn not_started() -> Patient {
        let today = d("2026-11-25");
        let mut p = Patient::new(PatientId::new("p-1").unwrap(), PatientDetails::default(), today);
        let plan = SeriesPlan {
            protocol_id: "standard".into(),
            protocol_name: "Standard".into(),
            sessions: 3,
            interval_days: 28,
            min_interval_days: 21,
            start: d("2026-12-01"),
            time: None,
        };
        p.series.push(Series::from_plan(&plan, today));
        p
    }

    #[test]
    fn a_series_not_started_reads_booked_once_its_first_session_is() {
        let today = d("2026-11-25");
        let mut p = not_started();
        assert_eq!(badge(&p, today), Badge::Planned);
        assert_eq!(Badge::Planned.label(), "planned");
        p.series[0].sessions[0].status = SessionStatus::Booked;
        assert_eq!(badge(&p, today), Badge::Booked);
        assert_eq!(Badge::Booked.label(), "booked");
        p.series[0].sessions[0].status = SessionStatus::Done;
        assert_eq!(badge(&p, today), Badge::InSeries);
    }
}
