//! The lists the front desk works from: series with sessions still to book, series that
//! ended without their result reviews booked, and each patient's missed appointments.

use chrono::NaiveDate;

use super::patient::{Patient, PatientId};
use super::series::{Series, SessionStatus};

/// A missed review is still listed this many days after it fell due; older ones are too
/// late to book and drop off the queue.
pub const REVIEW_GRACE_DAYS: i64 = 60;

/// One row of a queue: whose series, what is due and since when (oldest first).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueRow {
    pub patient_id: PatientId,
    pub name: String,
    /// Index into the patient's `series`.
    pub series: usize,
    pub protocol_name: String,
    /// "2 of 6 sessions to book", "1- and 3-month reviews not booked".
    pub what: String,
    /// When it became due: the first unbooked session's date, or the first review's.
    pub since: NaiveDate,
    /// Already past due on `today`.
    pub overdue: bool,
    /// Detail for the "due to book" queue: session indices to book.
    pub sessions: Vec<usize>,
    /// Detail for the reviews queue: the months missing and their due dates.
    pub reviews: Vec<(u8, NaiveDate)>,
}

/// Series of active patients with sessions still to book: upcoming sessions that are only
/// planned or lack a time, clinician or room, and courses left short by cancellations or
/// no-shows that were never replaced. Oldest first.
pub fn due_to_book(patients: &[Patient], today: NaiveDate) -> Vec<QueueRow> {
    let mut rows = Vec::new();
    for p in patients.iter().filter(|p| !p.archived) {
        for (si, series) in p.series.iter().enumerate() {
            let unbooked: Vec<usize> = series
                .sessions
                .iter()
                .enumerate()
                .filter(|(_, s)| s.needs_booking())
                .map(|(i, _)| i)
                .collect();
            let short = missing_sessions(series);
            if unbooked.is_empty() && short == 0 {
                continue;
            }
            let since = unbooked
                .iter()
                .map(|&i| series.sessions[i].date)
                .min()
                .or_else(|| last_dropped(series))
                .unwrap_or(series.created);
            let mut what = Vec::new();
            if !unbooked.is_empty() {
                what.push(format!(
                    "{} of {} sessions to book",
                    unbooked.len(),
                    series.course_size()
                ));
            }
            if short > 0 {
                what.push(format!(
                    "{short} missed or cancelled session{} to replace",
                    plural(short)
                ));
            }
            rows.push(QueueRow {
                patient_id: p.id.clone(),
                name: p.full_name.clone(),
                series: si,
                protocol_name: series.protocol_name.clone(),
                what: what.join("; "),
                since,
                overdue: since < today,
                sessions: unbooked,
                reviews: Vec::new(),
            });
        }
    }
    rows.sort_by(|a, b| (a.since, &a.name).cmp(&(b.since, &b.name)));
    rows
}

/// Sessions the course still lacks: the planned count minus those planned, booked or
/// done (0 for series created before the count was recorded).
fn missing_sessions(series: &Series) -> usize {
    series.short_count()
}

fn last_dropped(series: &Series) -> Option<NaiveDate> {
    series
        .sessions
        .iter()
        .filter(|s| !s.status.counts_for_interval())
        .map(|s| s.date)
        .max()
}

/// Series of active patients that ended (every session done) without a review booked
/// (planned, booked or done) for each of `review_months` after the last session. A
/// review more than [`REVIEW_GRACE_DAYS`] past due is no longer listed. Oldest first.
pub fn reviews_missing(patients: &[Patient], review_months: &[u8], today: NaiveDate) -> Vec<QueueRow> {
    let mut rows = Vec::new();
    for p in patients.iter().filter(|p| !p.archived) {
        for (si, series) in p.series.iter().enumerate() {
            let missing: Vec<(u8, NaiveDate)> = review_months
                .iter()
                .filter(|&&m| !series.has_review(m))
                .filter_map(|&m| Some((m, series.review_due(m)?)))
                .filter(|(_, due)| (today - *due).num_days() <= REVIEW_GRACE_DAYS)
                .collect();
            let Some(&(_, since)) = missing.first() else {
                continue;
            };
            let months: Vec<String> = missing.iter().map(|(m, _)| m.to_string()).collect();
            rows.push(QueueRow {
                patient_id: p.id.clone(),
                name: p.full_name.clone(),
                series: si,
                protocol_name: series.protocol_name.clone(),
                what: format!(
                    "{}-month review{} not booked",
                    join_and(&months),
                    plural(missing.len())
                ),
                since,
                overdue: since < today,
                sessions: Vec::new(),
                reviews: missing,
            });
        }
    }
    rows.sort_by(|a, b| (a.since, &a.name).cmp(&(b.since, &b.name)));
    rows
}

/// Missed appointments of a patient, over all series.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Attendance {
    pub no_shows: usize,
    pub late_cancellations: usize,
}

impl Attendance {
    pub fn is_clean(&self) -> bool {
        self.no_shows == 0 && self.late_cancellations == 0
    }

    /// "2 no-shows, 1 late cancellation", or "" when there are none.
    pub fn label(&self) -> String {
        let mut parts = Vec::new();
        if self.no_shows > 0 {
            parts.push(format!("{} no-show{}", self.no_shows, plural(self.no_shows)));
        }
        if self.late_cancellations > 0 {
            parts.push(format!(
                "{} late cancellation{}",
                self.late_cancellations,
                plural(self.late_cancellations)
            ));
        }
        parts.join(", ")
    }
}

/// No-shows and late cancellations, derived from the sessions (and reviews: a missed
/// review is a no-show too).
pub fn attendance(patient: &Patient) -> Attendance {
    let mut a = Attendance::default();
    for series in &patient.series {
        a.no_shows += series.no_show_count();
        a.late_cancellations += series.late_cancel_count();
        a.no_shows += series
            .reviews
            .iter()
            .filter(|r| r.status == SessionStatus::NoShow)
            .count();
    }
    a
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// "1", "1- and 3", "1-, 3- and 6" (followed by "-month").
fn join_and(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{}- and {last}", init.join("-, ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::patient::PatientDetails;
    use crate::domain::series::{ReviewVisit, SeriesPlan};
    use chrono::NaiveTime;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn patient(id: &str, name: &str, sessions: u32, start: &str) -> Patient {
        let details = PatientDetails {
            full_name: name.into(),
            ..Default::default()
        };
        let mut p = Patient::new(PatientId::new(id).unwrap(), details, d("2026-01-01"));
        let plan = SeriesPlan {
            protocol_id: "acne".into(),
            protocol_name: "Acne scars".into(),
            sessions,
            interval_days: 28,
            min_interval_days: 14,
            start: d(start),
            time: None,
        };
        p.series.push(Series::from_plan(&plan, d("2026-01-01")));
        p
    }

    fn book_all(p: &mut Patient) {
        for s in &mut p.series[0].sessions {
            s.status = SessionStatus::Booked;
            s.time = NaiveTime::from_hms_opt(10, 0, 0);
            s.clinician = Some("amara".into());
            s.room = Some("room-1".into());
        }
    }

    #[test]
    fn planned_sessions_and_unreplaced_cancellations_are_due_to_book() {
        let today = d("2026-11-25");
        let mut booked = patient("p-1", "Booked Bea", 3, "2026-12-01");
        book_all(&mut booked);
        let planned = patient("p-2", "Planned Pat", 3, "2026-12-02");
        let mut short = patient("p-3", "Short Sam", 3, "2026-11-01");
        book_all(&mut short);
        short.series[0].sessions[1].status = SessionStatus::NoShow;
        let mut archived = patient("p-4", "Gone Gil", 3, "2026-12-01");
        archived.archived = true;

        let rows = due_to_book(&[booked, planned, short, archived], today);
        assert_eq!(rows.len(), 2, "{rows:?}");
        assert_eq!(rows[0].name, "Short Sam");
        assert_eq!(rows[0].what, "1 missed or cancelled session to replace");
        assert_eq!(rows[1].name, "Planned Pat");
        assert_eq!(rows[1].what, "3 of 3 sessions to book");
        assert_eq!(rows[1].since, d("2026-12-02"));
        assert_eq!(rows[1].sessions, vec![0, 1, 2]);
        assert!(!rows[1].overdue);
    }

    #[test]
    fn a_booked_session_without_a_room_still_needs_booking() {
        let mut p = patient("p-1", "Ann", 2, "2026-12-01");
        book_all(&mut p);
        p.series[0].sessions[1].room = None;
        let rows = due_to_book(&[p], d("2026-11-25"));
        assert_eq!(rows[0].sessions, vec![1]);
        assert_eq!(rows[0].what, "1 of 2 sessions to book");
    }

    #[test]
    fn ended_series_without_reviews_are_listed_with_the_months_missing() {
        let mut p = patient("p-1", "Ann", 2, "2026-08-01");
        for s in &mut p.series[0].sessions {
            s.status = SessionStatus::Done;
        }
        // Last session 2026-08-29: reviews due 09-29, 11-29, 2027-02-28.
        let today = d("2026-09-10");
        let rows = reviews_missing(std::slice::from_ref(&p), &[1, 3, 6], today);
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].what, "1-, 3- and 6-month reviews not booked");
        assert_eq!(rows[0].since, d("2026-09-29"));
        assert_eq!(
            rows[0].reviews,
            vec![(1, d("2026-09-29")), (3, d("2026-11-29")), (6, d("2027-02-28"))]
        );

        p.series[0].reviews.push(ReviewVisit {
            month: 1,
            date: d("2026-09-29"),
            status: SessionStatus::Booked,
            ..ReviewVisit::default()
        });
        let rows = reviews_missing(std::slice::from_ref(&p), &[1, 3, 6], today);
        assert_eq!(rows[0].what, "3- and 6-month reviews not booked");

        // Long after: the 1- and 3-month ones are too late; only 6 remains until its
        // grace period ends too.
        let rows = reviews_missing(std::slice::from_ref(&p), &[1, 3, 6], d("2027-03-01"));
        assert_eq!(rows[0].what, "6-month review not booked");
        assert!(reviews_missing(&[p], &[1, 3, 6], d("2027-06-01")).is_empty());
    }

    #[test]
    fn series_still_running_need_no_review() {
        let mut p = patient("p-1", "Ann", 2, "2026-08-01");
        p.series[0].sessions[0].status = SessionStatus::Done;
        assert!(reviews_missing(&[p], &[1, 3, 6], d("2026-09-10")).is_empty());
    }

    #[test]
    fn no_shows_and_late_cancellations_are_counted() {
        let mut p = patient("p-1", "Ann", 3, "2026-08-01");
        p.series[0].sessions[0].status = SessionStatus::NoShow;
        p.series[0].sessions[1].status = SessionStatus::Cancelled;
        p.series[0].sessions[1].cancelled_late = true;
        p.series[0].sessions[2].status = SessionStatus::Cancelled;
        let a = attendance(&p);
        assert_eq!(
            a,
            Attendance {
                no_shows: 1,
                late_cancellations: 1
            }
        );
        assert_eq!(a.label(), "1 no-show, 1 late cancellation");
        assert!(attendance(&patient("p-2", "Bo", 1, "2026-08-01")).is_clean());
    }
}
