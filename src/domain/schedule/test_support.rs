//! Fixtures shared by the schedule tests: a clinic with the default hours plus
//! Christmas, bookings and series written as short strings.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

use super::{BookingRequest, ProposalPlan, SeriesAt, Violation};
use crate::domain::calendar::{Booking, BookingRef, Calendar};
use crate::domain::clinic::{ClinicSettings, ClosedDate};
use crate::domain::series::{Series, Session, SessionStatus};

pub(super) fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

pub(super) fn t(s: &str) -> NaiveTime {
    NaiveTime::parse_from_str(s, "%H:%M").unwrap()
}

pub(super) fn at(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
}

/// Defaults (Mon-Fri 09-18, Sat 09-13, Sun closed) plus Christmas.
pub(super) fn clinic() -> ClinicSettings {
    let mut c = crate::store::demo::demo_settings();
    c.closed_dates.push(ClosedDate {
        date: d("2026-12-25"),
        reason: "Christmas".into(),
    });
    c
}

pub(super) fn booking(start: &str, minutes: u32, clin: &str, room: &str, patient: &str) -> Booking {
    Booking {
        start: at(start),
        minutes,
        clinician: Some(clin.into()),
        room: Some(room.into()),
        who: BookingRef::session(patient, 0, 0),
    }
}

pub(super) fn req<'a>(date: &str, time: &str, clin: &'a str, room: &'a str) -> BookingRequest<'a> {
    BookingRequest {
        date: d(date),
        time: Some(t(time)),
        minutes: 60,
        clinician: Some(clin),
        room: Some(room),
    }
}

/// A series of booked sessions on `dates`, 14-day minimum, 42-day maximum.
pub(super) fn series(dates: &[&str]) -> Series {
    Series {
        interval_days: 28,
        min_interval_days: 14,
        max_interval_days: Some(42),
        sessions: dates
            .iter()
            .map(|s| Session {
                date: d(s),
                time: Some(t("10:00")),
                status: SessionStatus::Booked,
                clinician: Some("amara".into()),
                room: Some("room-1".into()),
                ..Session::default()
            })
            .collect(),
        ..Series::default()
    }
}

pub(super) fn at_series(s: &Series) -> SeriesAt<'_> {
    SeriesAt {
        patient_id: "p-me",
        series_index: 0,
        series: s,
    }
}

pub(super) fn calendar_of(s: &Series) -> Calendar {
    Calendar::build(s.sessions.iter().enumerate().map(|(i, x)| Booking {
        start: x.starts_at(),
        minutes: 60,
        clinician: x.clinician.as_deref().map(Into::into),
        room: x.room.as_deref().map(Into::into),
        who: BookingRef::session("p-me", 0, i),
    }))
}

pub(super) fn only(v: &[Violation]) -> &Violation {
    assert_eq!(v.len(), 1, "{v:?}");
    &v[0]
}

pub(super) fn plan(first: &str, sessions: u32) -> ProposalPlan {
    ProposalPlan {
        sessions,
        interval_days: 28,
        min_interval_days: 14,
        max_interval_days: 42,
        minutes: 60,
        first_date: d(first),
        preferred_time: Some(t("10:00")),
        clinician: None,
        room: None,
    }
}
