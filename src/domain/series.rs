//! A treatment series: a protocol's numbers copied at creation, and its dated sessions.

use chrono::{Days, Months, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta};
use serde::{Deserialize, Serialize};

use super::aftercare::{AftercareItem, ChecklistEntry};
use super::chart::SessionChart;
use super::protocol::ProtocolTemplate;
use super::readiness::SessionPrep;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionStatus {
    #[default]
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

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
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
    /// Id of the clinician booked for the session (see `ClinicSettings::clinicians`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clinician: Option<String>,
    /// Id of the room booked for the session (see `ClinicSettings::rooms`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub room: Option<String>,
    /// Length in minutes; `None` means the series' length, else the clinic default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minutes: Option<u32>,
    /// The reason typed by staff who booked this session closer to a neighbour than the
    /// series' minimum interval. Only that rule can be overridden, and never silently.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval_override: Option<String>,
    /// Who set `interval_override` (their OS login) and when; absent in files written
    /// before it was recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval_override_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval_override_at: Option<chrono::NaiveDateTime>,
    /// Cancelled less than the clinic's notice period (24 h) before it was due.
    #[serde(default, skip_serializing_if = "is_false")]
    pub cancelled_late: bool,
    /// Consents and before-photos gathered for this session (ready-for-session check).
    /// Schema v3.
    #[serde(default, skip_serializing_if = "is_default_prep")]
    pub prep: SessionPrep,
    /// The session chart (device, depths, ...), signed and amended. Schema v3.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chart: Option<SessionChart>,
}

fn is_default_prep(p: &SessionPrep) -> bool {
    *p == SessionPrep::default()
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// Notice below which a cancellation counts as late.
pub const LATE_CANCEL_HOURS: i64 = 24;

/// Whether cancelling at `cancelled_at` a session that starts at `session_start` is a
/// late cancellation: less than `notice` before the start (or after it).
pub fn late_cancellation(
    session_start: NaiveDateTime,
    cancelled_at: NaiveDateTime,
    notice: TimeDelta,
) -> bool {
    cancelled_at + notice > session_start
}

impl Session {
    pub fn planned(date: NaiveDate, time: Option<NaiveTime>) -> Self {
        Self {
            date,
            time,
            status: SessionStatus::Planned,
            ..Self::default()
        }
    }

    /// Has a date, a time, a clinician and a room: the clinic's calendar holds it.
    pub fn has_slot(&self) -> bool {
        self.time.is_some() && self.clinician.is_some() && self.room.is_some()
    }

    /// Still has to be booked: upcoming, and either only planned or missing its time,
    /// clinician or room.
    pub fn needs_booking(&self) -> bool {
        self.status.is_upcoming() && (self.status == SessionStatus::Planned || !self.has_slot())
    }

    /// Cancels the session at `now`, recording whether it was a late cancellation
    /// (less than [`LATE_CANCEL_HOURS`] before its start).
    pub fn cancel(&mut self, now: NaiveDateTime) {
        let late = self.time.is_some()
            && late_cancellation(self.starts_at(), now, TimeDelta::hours(LATE_CANCEL_HOURS));
        self.status = SessionStatus::Cancelled;
        self.cancelled_late = late;
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

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Series {
    pub protocol_id: String,
    pub protocol_name: String,
    pub interval_days: u32,
    pub min_interval_days: u32,
    /// Longest gap the protocol allows; a longer one is a warning, never a refusal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_interval_days: Option<u32>,
    /// The protocol's session length; a session's own `minutes` wins over it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_minutes: Option<u32>,
    /// How many sessions the course was planned with; cancelled and missed sessions
    /// that were never replaced leave it short (the "due to book" queue shows them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_sessions: Option<u32>,
    pub created: NaiveDate,
    pub sessions: Vec<Session>,
    /// Result reviews after the last session (+1, +3, +6 months by default).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reviews: Vec<ReviewVisit>,
}

/// A result review after the series: photos and grading, `month` months after the last
/// session. It occupies a clinician and a room like a session, but no interval rule
/// applies to it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ReviewVisit {
    /// Months after the series' last session that this review stands for (1, 3, 6).
    pub month: u8,
    pub date: NaiveDate,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<NaiveTime>,
    pub status: SessionStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clinician: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub room: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minutes: Option<u32>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub notes: String,
}

impl ReviewVisit {
    pub fn starts_at(&self) -> NaiveDateTime {
        self.date.and_time(self.time.unwrap_or(NaiveTime::MIN))
    }
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
            target_sessions: Some(plan.sessions),
            created: today,
            sessions,
            ..Self::default()
        }
    }

    /// Length of session `index` in minutes: its own, else the series', else `default`.
    pub fn minutes_of(&self, index: usize, default: u32) -> u32 {
        self.sessions
            .get(index)
            .and_then(|s| s.minutes)
            .or(self.session_minutes)
            .unwrap_or(default)
    }

    /// Sessions missed (status no-show).
    pub fn no_show_count(&self) -> usize {
        self.sessions
            .iter()
            .filter(|s| s.status == SessionStatus::NoShow)
            .count()
    }

    /// Sessions cancelled late (less than 24 h before).
    pub fn late_cancel_count(&self) -> usize {
        self.sessions
            .iter()
            .filter(|s| s.status == SessionStatus::Cancelled && s.cancelled_late)
            .count()
    }

    /// Date of the last session done, when every session of the course is done.
    pub fn ended_on(&self) -> Option<NaiveDate> {
        if !self.is_complete() {
            return None;
        }
        self.sessions
            .iter()
            .filter(|s| s.status == SessionStatus::Done)
            .map(|s| s.date)
            .max()
    }

    /// When the `month`-month review falls due: that many months after the last session
    /// (the 31st becomes the month's last day), if the series has ended.
    pub fn review_due(&self, month: u8) -> Option<NaiveDate> {
        add_months(self.ended_on()?, month as u32)
    }

    /// A review for `month` that is planned, booked or done.
    pub fn has_review(&self, month: u8) -> bool {
        self.reviews
            .iter()
            .any(|r| r.month == month && r.status.counts_for_interval())
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

    /// Sessions the course is meant to have: the count it was planned with, or more if
    /// sessions were added since (series from before the count was recorded: those
    /// planned, booked or done). A cancelled or missed session that was not replaced
    /// still counts here: the course is short of it, as the queues say.
    pub fn course_size(&self) -> usize {
        let planned = self.planned_count();
        self.target_sessions
            .map_or(planned, |t| (t as usize).max(planned))
    }

    /// Cancelled or missed sessions not replaced yet (what the queues list "to replace").
    pub fn short_count(&self) -> usize {
        self.course_size() - self.planned_count()
    }

    /// "2/4": sessions done out of sessions in the course.
    pub fn progress(&self) -> String {
        format!("{}/{}", self.done_count(), self.course_size())
    }

    pub fn is_complete(&self) -> bool {
        self.course_size() > 0 && self.done_count() >= self.course_size()
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

/// `date` plus `months` calendar months, clamped to the month's last day (Jan 31 + 1
/// month = Feb 28 or 29).
pub fn add_months(date: NaiveDate, months: u32) -> Option<NaiveDate> {
    date.checked_add_months(Months::new(months))
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
    fn a_cancelled_session_not_replaced_keeps_its_place_in_the_course() {
        // The plan, the file and the queues agree: 3 sessions planned, one cancelled and
        // not replaced, is a course of 3 short of one (not "0/2").
        let mut s = Series::from_plan(&plan("2026-12-01"), d("2026-11-25"));
        s.sessions[2].status = SessionStatus::Cancelled;
        assert_eq!((s.sessions.len(), s.course_size(), s.short_count()), (3, 3, 1));
        assert_eq!(s.progress(), "0/3");
        // Its replacement fills the gap.
        s.sessions.push(Session::planned(d("2027-03-01"), None));
        assert_eq!(
            (s.course_size(), s.short_count(), s.progress().as_str()),
            (3, 0, "0/3")
        );
        // Done are only the sessions done: two of three is not complete.
        s.sessions[0].status = SessionStatus::Done;
        s.sessions[1].status = SessionStatus::Done;
        s.sessions.pop();
        assert!(!s.is_complete(), "one session is still owed");
        // A series from before the count was recorded counts what is planned.
        s.target_sessions = None;
        assert_eq!(s.progress(), "2/2");
        assert!(s.is_complete());
    }

    #[test]
    fn late_cancellation_is_less_than_the_notice_before_the_start() {
        let start = d("2026-12-02").and_hms_opt(10, 0, 0).unwrap();
        let day = TimeDelta::hours(LATE_CANCEL_HOURS);
        assert!(!late_cancellation(
            start,
            d("2026-12-01").and_hms_opt(10, 0, 0).unwrap(),
            day
        ));
        assert!(late_cancellation(
            start,
            d("2026-12-01").and_hms_opt(10, 1, 0).unwrap(),
            day
        ));
        assert!(late_cancellation(
            start,
            d("2026-12-02").and_hms_opt(11, 0, 0).unwrap(),
            day
        ));
        assert!(!late_cancellation(
            start,
            d("2026-11-30").and_hms_opt(9, 0, 0).unwrap(),
            TimeDelta::hours(48)
        ));

        let mut s = Session::planned(d("2026-12-02"), NaiveTime::from_hms_opt(10, 0, 0));
        s.cancel(d("2026-12-01").and_hms_opt(18, 0, 0).unwrap());
        assert_eq!((s.status, s.cancelled_late), (SessionStatus::Cancelled, true));
        let mut s = Session::planned(d("2026-12-02"), NaiveTime::from_hms_opt(10, 0, 0));
        s.cancel(d("2026-11-28").and_hms_opt(18, 0, 0).unwrap());
        assert!(!s.cancelled_late);
    }

    #[test]
    fn reviews_fall_due_in_calendar_months_clamped_to_month_ends() {
        assert_eq!(add_months(d("2027-01-31"), 1), Some(d("2027-02-28")));
        assert_eq!(add_months(d("2028-01-31"), 1), Some(d("2028-02-29")));
        assert_eq!(add_months(d("2027-08-31"), 6), Some(d("2028-02-29")));
        assert_eq!(add_months(d("2026-11-30"), 3), Some(d("2027-02-28")));

        let mut s = Series::from_plan(&plan("2027-12-06"), d("2027-12-01"));
        assert_eq!(s.review_due(1), None, "not ended yet");
        for x in &mut s.sessions {
            x.status = SessionStatus::Done;
        }
        // Last session 2028-01-31.
        assert_eq!(s.ended_on(), Some(d("2028-01-31")));
        assert_eq!(s.review_due(1), Some(d("2028-02-29")));
        assert_eq!(s.review_due(6), Some(d("2028-07-31")));
    }

    #[test]
    fn booking_fields_are_optional_in_files_and_round_trip() {
        let old = r#"{"date":"2026-12-01","status":"planned"}"#;
        let s: Session = serde_json::from_str(old).unwrap();
        assert_eq!(s, Session::planned(d("2026-12-01"), None));
        assert_eq!(serde_json::to_string(&s).unwrap(), old);

        let mut s = Session::planned(d("2026-12-01"), NaiveTime::from_hms_opt(9, 30, 0));
        s.status = SessionStatus::Booked;
        s.clinician = Some("amara".into());
        s.room = Some("room-1".into());
        s.minutes = Some(75);
        s.interval_override = Some("flies abroad".into());
        s.cancelled_late = true;
        let text = serde_json::to_string(&s).unwrap();
        assert_eq!(serde_json::from_str::<Session>(&text).unwrap(), s);
        assert!(s.has_slot() && !s.needs_booking());

        let series = Series::from_plan(&plan("2026-12-01"), d("2026-11-25"));
        assert_eq!(series.target_sessions, Some(3));
        let text = serde_json::to_string(&series).unwrap();
        assert!(
            !text.contains("reviews") && !text.contains("max_interval_days"),
            "{text}"
        );
        assert_eq!(serde_json::from_str::<Series>(&text).unwrap(), series);
        assert_eq!(series.minutes_of(0, 60), 60);
    }
}
