//! A new series as proposed and edited in the preview: the plan it comes from, its
//! rows, their checks, and the series they become once confirmed.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

use super::series_rules::check_rows;
use super::{BookingRequest, MINUTES_RANGE, SeriesAt, Violation};
use crate::domain::calendar::Calendar;
use crate::domain::clinic::ClinicSettings;
use crate::domain::protocol::ProtocolTemplate;
use crate::domain::series::{Series, Session, SessionStatus};

/// What a new series is proposed from: a protocol's numbers (possibly changed) and the
/// patient's wishes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProposalPlan {
    pub sessions: u32,
    pub interval_days: u32,
    pub min_interval_days: u32,
    pub max_interval_days: u32,
    pub minutes: u32,
    pub first_date: NaiveDate,
    pub preferred_time: Option<NaiveTime>,
    pub clinician: Option<String>,
    pub room: Option<String>,
}

/// Why a plan for a new series cannot be proposed: which of its numbers or wishes is
/// wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    #[error("sessions must be between 1 and 20")]
    Sessions,
    #[error("the minimum interval must be at least 1 day")]
    MinInterval,
    #[error("the target interval must not be below the minimum")]
    TargetBelowMinimum,
    #[error("the maximum interval must not be below the target")]
    MaximumBelowTarget,
    #[error("a session lasts {} to {} minutes", MINUTES_RANGE.start(), MINUTES_RANGE.end())]
    Minutes,
    /// `kind` is "clinician" or "room"; `id` the one asked for.
    #[error("there is no {kind} '{id}'")]
    NoSuchResource { kind: &'static str, id: String },
    #[error("{kind} {name} is marked inactive")]
    InactiveResource { kind: &'static str, name: String },
}

impl ProposalPlan {
    pub fn from_protocol(p: &ProtocolTemplate, first_date: NaiveDate) -> Self {
        Self {
            sessions: p.sessions,
            interval_days: p.interval_days,
            min_interval_days: p.min_interval_days,
            max_interval_days: p.max_interval_days,
            minutes: p.session_minutes,
            first_date,
            preferred_time: None,
            clinician: None,
            room: None,
        }
    }

    pub fn validate(&self, settings: &ClinicSettings) -> Result<(), PlanError> {
        if !(1..=20).contains(&self.sessions) {
            return Err(PlanError::Sessions);
        }
        if self.min_interval_days == 0 {
            return Err(PlanError::MinInterval);
        }
        if self.interval_days < self.min_interval_days {
            return Err(PlanError::TargetBelowMinimum);
        }
        if self.max_interval_days < self.interval_days {
            return Err(PlanError::MaximumBelowTarget);
        }
        if !MINUTES_RANGE.contains(&self.minutes) {
            return Err(PlanError::Minutes);
        }
        for (kind, want, list) in [
            ("clinician", &self.clinician, &settings.clinicians),
            ("room", &self.room, &settings.rooms),
        ] {
            if let Some(id) = want {
                match list.iter().find(|r| &r.id == id) {
                    None => {
                        return Err(PlanError::NoSuchResource { kind, id: id.clone() });
                    }
                    Some(r) if !r.active => {
                        return Err(PlanError::InactiveResource {
                            kind,
                            name: r.name.clone(),
                        });
                    }
                    Some(_) => {}
                }
            }
        }
        Ok(())
    }

    /// An empty series with this plan's rules (the numbers the interval checks use).
    fn rules_series(&self) -> Series {
        Series {
            interval_days: self.interval_days,
            min_interval_days: self.min_interval_days,
            max_interval_days: Some(self.max_interval_days),
            session_minutes: Some(self.minutes),
            target_sessions: Some(self.sessions),
            ..Series::default()
        }
    }
}

/// One proposed session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proposal {
    pub date: NaiveDate,
    pub time: NaiveTime,
    pub minutes: u32,
    pub clinician: String,
    pub room: String,
    /// Days after the session before (for the preview).
    pub gap_days: Option<i64>,
}

impl Proposal {
    pub fn start(&self) -> NaiveDateTime {
        self.date.and_time(self.time)
    }

    pub fn request(&self) -> BookingRequest<'_> {
        BookingRequest {
            date: self.date,
            time: Some(self.time),
            minutes: self.minutes,
            clinician: Some(&self.clinician),
            room: Some(&self.room),
        }
    }
}

/// Checks proposal rows as edited in the preview: every rule, against the calendar and
/// against each other. Returns each row's violations (warnings included); the rows may
/// be confirmed when [`refusals`](super::refusals) of each is empty.
pub fn check_proposals(
    settings: &ClinicSettings,
    calendar: &Calendar,
    plan: &ProposalPlan,
    rows: &[Proposal],
) -> Vec<(usize, Violation)> {
    let mut series = plan.rules_series();
    series.sessions = rows
        .iter()
        .map(|r| Session::planned(r.date, Some(r.time)))
        .collect();
    let at = SeriesAt {
        patient_id: "",
        series_index: usize::MAX,
        series: &series,
    };
    let requests: Vec<BookingRequest> = rows.iter().map(Proposal::request).collect();
    check_rows(
        settings,
        calendar,
        &at,
        &requests,
        &(0..rows.len()).collect::<Vec<_>>(),
    )
}

/// A confirmed proposal as a series: every session booked with its time, clinician,
/// room and length; the plan's rules copied for later checks.
pub fn build_series(
    protocol_id: &str,
    protocol_name: &str,
    plan: &ProposalPlan,
    rows: &[Proposal],
    today: NaiveDate,
) -> Series {
    let sessions = rows
        .iter()
        .map(|r| Session {
            date: r.date,
            time: Some(r.time),
            status: SessionStatus::Booked,
            clinician: Some(r.clinician.clone()),
            room: Some(r.room.clone()),
            minutes: (r.minutes != plan.minutes).then_some(r.minutes),
            ..Session::default()
        })
        .collect();
    Series {
        protocol_id: protocol_id.into(),
        protocol_name: protocol_name.into(),
        created: today,
        sessions,
        ..plan.rules_series()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::schedule::test_support::*;
    use crate::domain::schedule::{ProposeError, propose_series};

    #[test]
    fn a_bad_plan_is_refused() {
        let mut p = plan("2026-12-01", 3);
        p.min_interval_days = 30;
        let err = propose_series(&clinic(), &Calendar::new(), &p).unwrap_err();
        assert_eq!(err, ProposeError::Plan(PlanError::TargetBelowMinimum));
        assert_eq!(
            err.to_string(),
            "the target interval must not be below the minimum"
        );
        let mut p = plan("2026-12-01", 3);
        p.clinician = Some("nobody".into());
        assert_eq!(
            propose_series(&clinic(), &Calendar::new(), &p)
                .unwrap_err()
                .to_string(),
            "there is no clinician 'nobody'"
        );
        let mut p = plan("2026-12-01", 3);
        p.minutes = 1;
        assert_eq!(
            p.validate(&clinic()).unwrap_err().to_string(),
            "a session lasts 5 to 480 minutes"
        );
    }

    #[test]
    fn edited_rows_are_checked_against_each_other() {
        let p = plan("2026-12-01", 2);
        let mut rows = propose_series(&clinic(), &Calendar::new(), &p).unwrap();
        rows[1].date = d("2026-12-08");
        let v = check_proposals(&clinic(), &Calendar::new(), &p, &rows);
        // Both rows are too close to each other.
        assert_eq!(v.len(), 2, "{v:?}");
        assert!(v.iter().all(|(_, v)| v.is_overridable()));
        let series = build_series("acne", "Acne", &p, &rows, d("2026-11-25"));
        assert_eq!(series.sessions[1].status, SessionStatus::Booked);
        assert_eq!(series.sessions[1].clinician.as_deref(), Some("amara"));
        assert_eq!(series.max_interval_days, Some(42));
    }
}
