//! A treatment series: a protocol's numbers copied at creation, and its dated sessions.

use chrono::{Days, NaiveDate, NaiveDateTime, NaiveTime};
use serde::{Deserialize, Serialize};

use super::aftercare::{AftercareItem, ChecklistEntry};
use super::protocol::ProtocolTemplate;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionStatus {
    Planned,
    Booked,
    Done,
    Cancelled,
    NoShow,
}

impl SessionStatus {
    pub const ALL: [SessionStatus; 5] = [
        SessionStatus::Planned,
        SessionStatus::Booked,
        SessionStatus::Done,
        SessionStatus::Cancelled,
        SessionStatus::NoShow,
    ];

    pub fn label(self) -> &'static str {
        match self {
            SessionStatus::Planned => "planned",
            SessionStatus::Booked => "booked",
            SessionStatus::Done => "done",
            SessionStatus::Cancelled => "cancelled",
            SessionStatus::NoShow => "no-show",
        }
    }

    /// Sessions that still hold a place in the series' calendar.
    pub fn is_upcoming(self) -> bool {
        matches!(self, SessionStatus::Planned | SessionStatus::Booked)
    }

    /// Sessions that count for interval rules: a cancelled or missed session left no
    /// micro-injuries behind, so it does not constrain its neighbours.
    pub fn counts_for_interval(self) -> bool {
        !matches!(self, SessionStatus::Cancelled | SessionStatus::NoShow)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    pub date: NaiveDate,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<NaiveTime>,
    pub status: SessionStatus,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub notes: String,
    /// Filled from the aftercare template when the session is marked done.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub checklist: Vec<ChecklistEntry>,
}

impl Session {
    pub fn planned(date: NaiveDate, time: Option<NaiveTime>) -> Self {
        Self {
            date,
            time,
            status: SessionStatus::Planned,
            notes: String::new(),
            checklist: Vec::new(),
        }
    }

    pub fn starts_at(&self) -> NaiveDateTime {
        self.date.and_time(self.time.unwrap_or(NaiveTime::MIN))
    }

    /// Sets the status; the first time a session becomes done its recovery checklist is
    /// generated from the aftercare template (ticks already made are never discarded).
    pub fn set_status(&mut self, status: SessionStatus, aftercare: &[AftercareItem]) {
        self.status = status;
        if status == SessionStatus::Done && self.checklist.is_empty() {
            self.checklist = aftercare.iter().map(ChecklistEntry::from_item).collect();
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Series {
    pub protocol_id: String,
    pub protocol_name: String,
    pub interval_days: u32,
    pub min_interval_days: u32,
    pub created: NaiveDate,
    pub sessions: Vec<Session>,
}

/// What a new series is built from: a protocol's numbers, possibly changed in the form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeriesPlan {
    pub protocol_id: String,
    pub protocol_name: String,
    pub sessions: u32,
    pub interval_days: u32,
    pub min_interval_days: u32,
    pub start: NaiveDate,
    pub time: Option<NaiveTime>,
}

impl SeriesPlan {
    pub fn from_protocol(p: &ProtocolTemplate, start: NaiveDate, time: Option<NaiveTime>) -> Self {
        Self {
            protocol_id: p.id.clone(),
            protocol_name: p.name.clone(),
            sessions: p.sessions,
            interval_days: p.interval_days,
            min_interval_days: p.min_interval_days,
            start,
            time,
        }
    }
}

impl Series {
    /// Creates the series with every session dated `start + k * interval`.
    pub fn from_plan(plan: &SeriesPlan, today: NaiveDate) -> Self {
        let sessions = (0..plan.sessions)
            .map(|k| {
                let date = add_days(plan.start, k as i64 * plan.interval_days as i64);
                Session::planned(date, plan.time)
            })
            .collect();
        Self {
            protocol_id: plan.protocol_id.clone(),
            protocol_name: plan.protocol_name.clone(),
            interval_days: plan.interval_days,
            min_interval_days: plan.min_interval_days,
            created: today,
            sessions,
        }
    }

    pub fn done_count(&self) -> usize {
        self.sessions
            .iter()
            .filter(|s| s.status == SessionStatus::Done)
            .count()
    }

    /// Sessions that are or will be part of the course (cancelled and missed ones drop out).
    pub fn planned_count(&self) -> usize {
        self.sessions
            .iter()
            .filter(|s| s.status.counts_for_interval())
            .count()
    }

    /// "2/4": sessions done out of sessions in the course.
    pub fn progress(&self) -> String {
        format!("{}/{}", self.done_count(), self.planned_count())
    }

    pub fn is_complete(&self) -> bool {
        self.planned_count() > 0 && self.done_count() == self.planned_count()
    }

    pub fn next_session(&self) -> Option<&Session> {
        self.sessions
            .iter()
            .filter(|s| s.status.is_upcoming())
            .min_by_key(|s| s.starts_at())
    }

    pub fn latest_done_index(&self) -> Option<usize> {
        self.sessions
            .iter()
            .enumerate()
            .filter(|(_, s)| s.status == SessionStatus::Done)
            .max_by_key(|(_, s)| s.starts_at())
            .map(|(i, _)| i)
    }

    /// The date a new session would get: one target interval after the last one.
    pub fn next_date_suggestion(&self, today: NaiveDate) -> NaiveDate {
        match self.sessions.iter().map(|s| s.date).max() {
            Some(last) => add_days(last, self.interval_days as i64),
            None => today,
        }
    }

    /// Warnings for putting session `index` (or a new one, when `index` is `None`) on
    /// `date`: every counted neighbour closer than the minimum interval is named.
    pub fn interval_warnings(
        &self,
        index: Option<usize>,
        date: NaiveDate,
        status: SessionStatus,
    ) -> Vec<String> {
        if !status.counts_for_interval() {
            return Vec::new();
        }
        let min = self.min_interval_days as i64;
        let mut out = Vec::new();
        for (i, other) in self.sessions.iter().enumerate() {
            if Some(i) == index || !other.status.counts_for_interval() {
                continue;
            }
            let gap = (date - other.date).num_days().abs();
            if gap < min {
                let when = if gap == 0 {
                    "on the same day as".to_string()
                } else {
                    format!("{gap} days from")
                };
                out.push(format!(
                    "{when} session {} ({}); minimum interval is {min} days",
                    i + 1,
                    other.date
                ));
            }
        }
        out
    }
}

pub fn add_days(date: NaiveDate, days: i64) -> NaiveDate {
    let shifted = if days >= 0 {
        date.checked_add_days(Days::new(days as u64))
    } else {
        date.checked_sub_days(Days::new(days.unsigned_abs()))
    };
    shifted.unwrap_or(date)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn plan(start: &str) -> SeriesPlan {
        SeriesPlan {
            protocol_id: "acne-scar".into(),
            protocol_name: "Acne scars".into(),
            sessions: 3,
            interval_days: 28,
            min_interval_days: 14,
            start: d(start),
            time: None,
        }
    }

    #[test]
    fn sessions_are_dated_from_the_start_by_the_interval() {
        let s = Series::from_plan(&plan("2026-12-01"), d("2026-11-25"));
        let dates: Vec<_> = s.sessions.iter().map(|s| s.date).collect();
        assert_eq!(dates, vec![d("2026-12-01"), d("2026-12-29"), d("2027-01-26")]);
        assert_eq!(s.progress(), "0/3");
        assert_eq!(s.next_session().unwrap().date, d("2026-12-01"));
    }

    #[test]
    fn too_close_neighbours_are_warned_about_but_cancelled_ones_are_not() {
        let mut s = Series::from_plan(&plan("2026-12-01"), d("2026-11-25"));
        let w = s.interval_warnings(Some(1), d("2026-12-10"), SessionStatus::Planned);
        assert_eq!(w.len(), 1);
        assert!(w[0].contains("9 days from session 1"), "{w:?}");
        assert!(
            s.interval_warnings(Some(1), d("2026-12-15"), SessionStatus::Planned)
                .is_empty()
        );
        s.sessions[0].status = SessionStatus::Cancelled;
        assert!(
            s.interval_warnings(Some(1), d("2026-12-10"), SessionStatus::Planned)
                .is_empty()
        );
    }

    #[test]
    fn marking_done_generates_the_checklist_once() {
        let items = vec![AftercareItem {
            id: "call".into(),
            day: 1,
            text: "Call".into(),
        }];
        let mut s = Series::from_plan(&plan("2026-12-01"), d("2026-11-25"));
        let now = d("2026-12-02").and_hms_opt(9, 0, 0).unwrap();
        s.sessions[0].set_status(SessionStatus::Done, &items);
        s.sessions[0].checklist[0].toggle(now);
        s.sessions[0].set_status(SessionStatus::Booked, &items);
        s.sessions[0].set_status(SessionStatus::Done, &items);
        assert_eq!(s.sessions[0].checklist[0].ticked_at, Some(now));
        assert_eq!(s.progress(), "1/3");
        assert_eq!(s.latest_done_index(), Some(0));
    }

    #[test]
    fn cancelled_sessions_leave_the_course_count() {
        let mut s = Series::from_plan(&plan("2026-12-01"), d("2026-11-25"));
        s.sessions[2].status = SessionStatus::Cancelled;
        assert_eq!(s.progress(), "0/2");
    }
}
