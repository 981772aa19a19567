//! The rules that depend on the series: the minimum and maximum interval between its
//! sessions, checked for one session or for several moved together.

use chrono::NaiveDate;

use super::slot_rules::{Overlay, slot_violations};
use super::{BookingRequest, SeriesAt, Violation};
use crate::domain::calendar::{Booking, BookingRef, Calendar};
use crate::domain::clinic::ClinicSettings;
use crate::domain::series::Series;

/// Every rule for putting session `index` of a series (or a new one, `None`) at `req`.
/// The session's own current booking is left out of the calendar.
pub fn check_booking(
    settings: &ClinicSettings,
    calendar: &Calendar,
    at: &SeriesAt,
    index: Option<usize>,
    req: &BookingRequest,
) -> Vec<Violation> {
    let own: Vec<BookingRef> = index.map(|i| at.session_ref(i)).into_iter().collect();
    let mut out = Vec::new();
    slot_violations(
        settings,
        calendar,
        req,
        Overlay {
            ignore: &own,
            extra: &[],
        },
        &mut out,
    );
    interval_violations(at.series, index, req.date, &mut out);
    out
}

/// Interval rules of the series for a session on `date`: too close to any counted
/// session (refusal), too far from the one just before or after (warning).
pub(super) fn interval_violations(
    series: &Series,
    index: Option<usize>,
    date: NaiveDate,
    out: &mut Vec<Violation>,
) {
    let min = series.min_interval_days;
    let mut before: Option<(usize, NaiveDate)> = None;
    let mut after: Option<(usize, NaiveDate)> = None;
    for (i, other) in series.sessions.iter().enumerate() {
        if Some(i) == index || !other.status.counts_for_interval() {
            continue;
        }
        let gap = (date - other.date).num_days();
        if gap.abs() < min as i64 {
            out.push(Violation::TooClose {
                neighbour: i,
                neighbour_date: other.date,
                days: gap.abs(),
                min,
            });
        }
        if other.date < date && before.is_none_or(|(_, d)| other.date > d) {
            before = Some((i, other.date));
        }
        if other.date > date && after.is_none_or(|(_, d)| other.date < d) {
            after = Some((i, other.date));
        }
    }
    if let Some(max) = series.max_interval_days {
        for (i, other) in before.into_iter().chain(after) {
            let days = (date - other).num_days().abs();
            if days > max as i64 {
                out.push(Violation::TooFar {
                    neighbour: i,
                    neighbour_date: other,
                    days,
                    max,
                });
            }
        }
    }
}

/// Checks sessions `indices` of a series at the places `requests` (one per index), as
/// if all of them moved together: their old bookings are left out and each must fit
/// with the others' new ones.
pub(super) fn check_rows(
    settings: &ClinicSettings,
    calendar: &Calendar,
    at: &SeriesAt,
    requests: &[BookingRequest],
    indices: &[usize],
) -> Vec<(usize, Violation)> {
    let ignore: Vec<BookingRef> = indices.iter().map(|&i| at.session_ref(i)).collect();
    let bookings: Vec<Booking> = requests
        .iter()
        .zip(indices)
        .filter_map(|(r, &i)| {
            Some(Booking {
                start: r.date.and_time(r.time?),
                minutes: r.minutes,
                clinician: r.clinician.map(Into::into),
                room: r.room.map(Into::into),
                who: at.session_ref(i),
            })
        })
        .collect();
    let mut out = Vec::new();
    for (req, &i) in requests.iter().zip(indices) {
        let others: Vec<Booking> = bookings
            .iter()
            .filter(|b| b.who != at.session_ref(i))
            .cloned()
            .collect();
        let mut found = Vec::new();
        slot_violations(
            settings,
            calendar,
            req,
            Overlay {
                ignore: &ignore,
                extra: &others,
            },
            &mut found,
        );
        interval_violations(at.series, Some(i), req.date, &mut found);
        out.extend(found.into_iter().map(|v| (i, v)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::schedule::refusals;
    use crate::domain::schedule::test_support::*;
    use crate::domain::series::SessionStatus;

    #[test]
    fn too_close_to_a_neighbour_is_refused_and_only_that_can_be_overridden() {
        let s = series(&["2026-12-01", "2026-12-29"]);
        let cal = calendar_of(&s);
        let c = clinic();
        // Session 2 moved to 10 days after session 1.
        let v = check_booking(
            &c,
            &cal,
            &at_series(&s),
            Some(1),
            &req("2026-12-11", "10:00", "amara", "room-1"),
        );
        assert_eq!(
            only(&v).to_string(),
            "10 days from session 1 (2026-12-01); minimum interval is 14 days"
        );
        assert_eq!(refusals(&v, None).len(), 1);
        assert_eq!(refusals(&v, Some("  ")).len(), 1, "an empty reason is no reason");
        assert!(refusals(&v, Some("patient flies abroad")).is_empty());

        // A closed day is never overridden, whatever is typed.
        let v = check_booking(
            &c,
            &cal,
            &at_series(&s),
            Some(1),
            &req("2026-12-13", "10:00", "amara", "room-1"),
        );
        assert_eq!(v.len(), 2, "{v:?}");
        let left = refusals(&v, Some("patient flies abroad"));
        assert_eq!(left.len(), 1);
        assert!(matches!(left[0], Violation::ClosedDay { .. }));
    }

    #[test]
    fn the_session_does_not_clash_with_its_own_old_booking() {
        let s = series(&["2026-12-01", "2026-12-29"]);
        let cal = calendar_of(&s);
        let v = check_booking(
            &clinic(),
            &cal,
            &at_series(&s),
            Some(1),
            &req("2026-12-29", "10:30", "amara", "room-1"),
        );
        assert!(v.is_empty(), "{v:?}");
        // A new session at the same time does clash (and is too close).
        let v = check_booking(
            &clinic(),
            &cal,
            &at_series(&s),
            None,
            &req("2026-12-29", "10:30", "amara", "room-1"),
        );
        assert_eq!(v.len(), 3, "{v:?}");
    }

    #[test]
    fn too_far_is_only_a_warning() {
        let s = series(&["2026-12-01", "2027-01-26"]);
        let v = check_booking(
            &clinic(),
            &calendar_of(&s),
            &at_series(&s),
            Some(1),
            &req("2027-01-26", "10:00", "amara", "room-1"),
        );
        assert!(only(&v).is_warning());
        assert!(v[0].to_string().contains("56 days"), "{}", v[0]);
        assert!(refusals(&v, None).is_empty());
    }

    #[test]
    fn cancelled_neighbours_do_not_count() {
        let mut s = series(&["2026-12-01", "2026-12-29"]);
        s.sessions[0].status = SessionStatus::Cancelled;
        let v = check_booking(
            &clinic(),
            &Calendar::new(),
            &at_series(&s),
            Some(1),
            &req("2026-12-03", "10:00", "amara", "room-1"),
        );
        assert!(v.is_empty(), "{v:?}");
    }

    #[test]
    fn intervals_count_real_days_across_leap_days_and_month_ends() {
        // 2028 is a leap year: Feb 15 -> Feb 29 is 14 days, Feb 15 -> Mar 1 is 15.
        let s = series(&["2028-02-15"]);
        let cal = Calendar::new();
        let c = clinic();
        let ok = check_booking(
            &c,
            &cal,
            &at_series(&s),
            None,
            &req("2028-02-29", "10:00", "amara", "room-1"),
        );
        assert!(ok.is_empty(), "{ok:?}");
        let close = check_booking(
            &c,
            &cal,
            &at_series(&s),
            None,
            &req("2028-02-28", "10:00", "amara", "room-1"),
        );
        assert!(matches!(only(&close), Violation::TooClose { days: 13, .. }));
        // 2027 is not: Feb 15 -> Mar 1 is 14 days.
        let s = series(&["2027-02-15"]);
        let v = check_booking(
            &c,
            &cal,
            &at_series(&s),
            None,
            &req("2027-03-01", "10:00", "amara", "room-1"),
        );
        assert!(v.is_empty(), "{v:?}");
        // Mon Jan 31 -> Mon Feb 14 across the month end is 14 days; Sat Feb 12 is 12.
        let s = series(&["2028-01-31"]);
        let v = check_booking(
            &c,
            &cal,
            &at_series(&s),
            None,
            &req("2028-02-14", "10:00", "amara", "room-1"),
        );
        assert!(v.is_empty(), "{v:?}");
        let v = check_booking(
            &c,
            &cal,
            &at_series(&s),
            None,
            &req("2028-02-12", "10:00", "amara", "room-1"),
        );
        assert!(matches!(only(&v), Violation::TooClose { days: 12, .. }));
    }
}
