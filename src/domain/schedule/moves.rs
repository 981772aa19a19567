//! Moving a booked session, alone or with every upcoming session after it, every rule
//! checked again for each moved one.

use chrono::{NaiveDate, NaiveTime};

use super::series_rules::check_rows;
use super::{BookingRequest, SeriesAt, Violation, booked_without_time, override_reason};
use crate::domain::calendar::Calendar;
use crate::domain::clinic::ClinicSettings;

/// Move session `index` to `date` (and `time`, or none).
#[derive(Debug, Clone, Copy)]
pub struct MoveRequest<'a> {
    pub index: usize,
    pub date: NaiveDate,
    pub time: Option<NaiveTime>,
    /// A typed reason allowing the moved session closer than the minimum interval.
    pub override_reason: Option<&'a str>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Move {
    pub index: usize,
    pub date: NaiveDate,
    pub time: Option<NaiveTime>,
}

/// Moves that passed every rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CascadePlan {
    pub moves: Vec<Move>,
    /// Warnings (too far apart) to show with the confirmation.
    pub warnings: Vec<(usize, Violation)>,
    /// Sessions whose minimum-interval refusal the typed reason overrode: store the
    /// reason on them.
    pub overridden: Vec<usize>,
}

/// Moves session `req.index` alone, leaving the others where they are.
pub fn move_one(
    settings: &ClinicSettings,
    calendar: &Calendar,
    at: &SeriesAt,
    req: &MoveRequest,
) -> Result<CascadePlan, Vec<(usize, Violation)>> {
    apply_moves(settings, calendar, at, req, false)
}

/// Moves session `req.index` and shifts every upcoming (planned or booked) session
/// after it by the same amount: timed ones by the same date-and-time difference,
/// untimed ones by the same number of days. Every rule is checked again for every moved
/// session, against the calendar without the series' old places and against each
/// other. Refused as a whole, with each reason, if any moved session breaks a rule (a
/// booked one without a time included). A later session that already carries an
/// interval override keeps it.
pub fn cascade(
    settings: &ClinicSettings,
    calendar: &Calendar,
    at: &SeriesAt,
    req: &MoveRequest,
) -> Result<CascadePlan, Vec<(usize, Violation)>> {
    apply_moves(settings, calendar, at, req, true)
}

fn apply_moves(
    settings: &ClinicSettings,
    calendar: &Calendar,
    at: &SeriesAt,
    req: &MoveRequest,
    with_followers: bool,
) -> Result<CascadePlan, Vec<(usize, Violation)>> {
    let series = at.series;
    let Some(moved) = series.sessions.get(req.index) else {
        return Err(Vec::new());
    };
    let old_start = moved.starts_at();
    let day_shift = req.date - moved.date;
    let full_shift = match (moved.time, req.time) {
        (Some(_), Some(t)) => Some(req.date.and_time(t) - old_start),
        _ => None,
    };
    let mut moves = vec![Move {
        index: req.index,
        date: req.date,
        time: req.time,
    }];
    if with_followers {
        for (i, s) in series.sessions.iter().enumerate() {
            let later = s.starts_at() > old_start || (s.starts_at() == old_start && i > req.index);
            if i == req.index || !s.status.is_upcoming() || !later {
                continue;
            }
            let (date, time) = match (s.time, full_shift) {
                (Some(t), Some(shift)) => {
                    let at = s.date.and_time(t) + shift;
                    (at.date(), Some(at.time()))
                }
                _ => (s.date + day_shift, s.time),
            };
            moves.push(Move { index: i, date, time });
        }
    }
    let mut shifted = series.clone();
    for m in &moves {
        let s = &mut shifted.sessions[m.index];
        s.date = m.date;
        s.time = m.time;
    }
    let shifted_at = SeriesAt {
        series: &shifted,
        ..*at
    };
    let requests: Vec<BookingRequest> = moves
        .iter()
        .map(|m| {
            let s = &series.sessions[m.index];
            BookingRequest {
                date: m.date,
                time: m.time,
                minutes: series.minutes_of(m.index, settings.default_minutes),
                clinician: s.clinician.as_deref(),
                room: s.room.as_deref(),
            }
        })
        .collect();
    let indices: Vec<usize> = moves.iter().map(|m| m.index).collect();
    let mut found = check_rows(settings, calendar, &shifted_at, &requests, &indices);
    // A booked session moved without a time would drop out of the agenda.
    found.extend(moves.iter().filter_map(|m| {
        Some((
            m.index,
            booked_without_time(series.sessions[m.index].status, m.date, m.time)?,
        ))
    }));
    let typed = req.override_reason.is_some_and(|r| override_reason(r).is_ok());
    let mut refused = Vec::new();
    let mut warnings = Vec::new();
    let mut overridden = Vec::new();
    for (i, v) in found {
        let may_override = if i == req.index {
            typed
        } else {
            series.sessions[i].interval_override.is_some()
        };
        if v.is_warning() {
            warnings.push((i, v));
        } else if v.is_overridable() && may_override {
            if !overridden.contains(&i) {
                overridden.push(i);
            }
        } else {
            refused.push((i, v));
        }
    }
    if refused.is_empty() {
        Ok(CascadePlan {
            moves,
            warnings,
            overridden,
        })
    } else {
        Err(refused)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::schedule::test_support::*;
    use crate::domain::series::SessionStatus;

    #[test]
    fn cascade_shifts_the_later_sessions_by_the_same_amount() {
        let s = series(&["2026-12-01", "2026-12-29", "2027-01-26"]);
        let cal = calendar_of(&s);
        let req = MoveRequest {
            index: 1,
            date: d("2027-01-05"),
            time: Some(t("11:00")),
            override_reason: None,
        };
        let plan = cascade(&clinic(), &cal, &at_series(&s), &req).unwrap();
        assert_eq!(
            plan.moves,
            vec![
                Move {
                    index: 1,
                    date: d("2027-01-05"),
                    time: Some(t("11:00"))
                },
                Move {
                    index: 2,
                    date: d("2027-02-02"),
                    time: Some(t("11:00"))
                },
            ]
        );
        assert!(plan.warnings.is_empty() && plan.overridden.is_empty());
        // Moving alone leaves session 3 where it was.
        let alone = move_one(&clinic(), &cal, &at_series(&s), &req).unwrap();
        assert_eq!(alone.moves.len(), 1);
    }

    #[test]
    fn cascade_is_refused_as_a_whole_naming_each_broken_rule() {
        let s = series(&["2026-12-01", "2026-12-29", "2027-01-26"]);
        // Someone else holds Amara at the shifted time of session 3.
        let mut cal = calendar_of(&s);
        cal.insert(booking("2027-01-30 10:00", 60, "amara", "room-2", "p-other"));
        let req = MoveRequest {
            index: 1,
            date: d("2027-01-02"),
            time: Some(t("10:00")),
            override_reason: None,
        };
        let err = cascade(&clinic(), &cal, &at_series(&s), &req).unwrap_err();
        assert_eq!(err.len(), 1, "{err:?}");
        assert_eq!(err[0].0, 2);
        assert!(matches!(err[0].1, Violation::ClinicianBusy { .. }));
        // Shift by 2 days: session 3 lands on Jan 28 (Thu), free; fine.
        let ok = cascade(
            &clinic(),
            &cal,
            &at_series(&s),
            &MoveRequest {
                date: d("2026-12-31"),
                ..req
            },
        );
        assert!(ok.is_ok(), "{ok:?}");
    }

    #[test]
    fn moving_closer_than_the_minimum_needs_a_typed_reason() {
        let s = series(&["2026-12-01", "2026-12-29", "2027-01-26"]);
        let cal = calendar_of(&s);
        let req = MoveRequest {
            index: 1,
            date: d("2026-12-10"),
            time: Some(t("10:00")),
            override_reason: None,
        };
        let err = cascade(&clinic(), &cal, &at_series(&s), &req).unwrap_err();
        assert!(err.iter().all(|(i, v)| *i == 1 && v.is_overridable()), "{err:?}");
        let ok = cascade(
            &clinic(),
            &cal,
            &at_series(&s),
            &MoveRequest {
                override_reason: Some("travelling"),
                ..req
            },
        )
        .unwrap();
        assert_eq!(ok.overridden, vec![1]);
        assert_eq!(ok.moves[1].date, d("2027-01-07"));
    }

    #[test]
    fn a_booked_session_without_a_time_is_not_moved() {
        let mut s = series(&["2026-12-01", "2026-12-29", "2027-01-26"]);
        // Session 3 was booked without a time (by an older version).
        s.sessions[2].time = None;
        let req = MoveRequest {
            index: 1,
            date: d("2027-01-05"),
            time: Some(t("10:00")),
            override_reason: None,
        };
        let err = cascade(&clinic(), &calendar_of(&s), &at_series(&s), &req).unwrap_err();
        assert_eq!(
            err,
            vec![(
                2,
                Violation::BookedWithoutTime {
                    date: d("2027-02-02")
                }
            )]
        );
        assert_eq!(
            err[0].1.to_string(),
            "the session of 2027-02-02 is booked without a time: give it a time (HH:MM), or leave it planned"
        );
        // Moved alone, session 2 keeps its time and is fine; planned, 3 may go without.
        assert!(move_one(&clinic(), &calendar_of(&s), &at_series(&s), &req).is_ok());
        s.sessions[2].status = SessionStatus::Planned;
        assert!(cascade(&clinic(), &calendar_of(&s), &at_series(&s), &req).is_ok());
        // The moved session itself, booked and moved without a time.
        let untimed = MoveRequest { time: None, ..req };
        let err = move_one(&clinic(), &calendar_of(&s), &at_series(&s), &untimed).unwrap_err();
        assert!(
            matches!(err[..], [(1, Violation::BookedWithoutTime { .. })]),
            "{err:?}"
        );
    }

    #[test]
    fn done_sessions_are_never_shifted() {
        let mut s = series(&["2026-12-01", "2026-12-29", "2027-01-26"]);
        s.sessions[0].status = SessionStatus::Done;
        let req = MoveRequest {
            index: 0,
            date: d("2026-12-02"),
            time: Some(t("10:00")),
            override_reason: None,
        };
        let plan = cascade(&clinic(), &calendar_of(&s), &at_series(&s), &req).unwrap();
        assert_eq!(plan.moves.len(), 3);
        let mut s2 = s.clone();
        s2.sessions[1].status = SessionStatus::Done;
        let plan = cascade(&clinic(), &calendar_of(&s2), &at_series(&s2), &req).unwrap();
        assert_eq!(plan.moves.iter().map(|m| m.index).collect::<Vec<_>>(), vec![0, 2]);
    }
}
