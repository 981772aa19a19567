//! Fitting every session of a new series into the calendar: a depth-first search over
//! days near the target interval, with a budget, and a message saying why nothing fits.

use std::collections::HashSet;

use chrono::NaiveDate;

use super::day_search::{DayAsk, DayMiss, find_in_day, ordered};
use super::slot_rules::Overlay;
use super::{PlanError, Proposal, ProposalPlan, SEARCH_DAYS};
use crate::domain::calendar::Calendar;
use crate::domain::clinic::{ClinicSettings, Closure, weekday_name};
use crate::domain::series::add_days;

/// Why the search for one session failed, for the message.
#[derive(Debug, Default)]
struct Miss {
    session: usize,
    after: Option<NaiveDate>,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    closed: Vec<String>,
    too_short: usize,
    full: usize,
}

struct Search<'a> {
    settings: &'a ClinicSettings,
    calendar: &'a Calendar,
    plan: &'a ProposalPlan,
    /// Days with no free slot of the plan's length (feasibility does not depend on
    /// which clinician is preferred, so it is remembered).
    full_days: HashSet<NaiveDate>,
    /// (k, date): session k on that date left no way to place the sessions after it.
    dead_ends: HashSet<(usize, NaiveDate)>,
    budget: u32,
    deepest: Option<Miss>,
    chosen: Vec<Proposal>,
}

/// Day evaluations a proposal may spend before giving up.
const SEARCH_BUDGET: u32 = 20_000;

impl Search<'_> {
    fn candidates(&self, k: usize) -> Vec<NaiveDate> {
        let p = self.plan;
        match self.chosen.last() {
            None => (0..SEARCH_DAYS).map(|o| add_days(p.first_date, o)).collect(),
            Some(prev) => {
                let (min, target, max) = (
                    p.min_interval_days as i64,
                    p.interval_days as i64,
                    p.max_interval_days as i64,
                );
                let mut out = vec![target];
                for step in 1..=(max - min) {
                    for o in [target + step, target - step] {
                        if (min..=max).contains(&o) {
                            out.push(o);
                        }
                    }
                }
                debug_assert!(k > 0);
                out.into_iter().map(|o| add_days(prev.date, o)).collect()
            }
        }
    }

    fn place(&mut self, k: usize) -> bool {
        let candidates = self.candidates(k);
        let prev = self.chosen.last().cloned();
        let mut miss = Miss {
            session: k,
            after: prev.as_ref().map(|p| p.date),
            from: candidates.iter().min().copied(),
            to: candidates.iter().max().copied(),
            ..Miss::default()
        };
        let preferred_clinicians = [
            prev.as_ref().map(|p| p.clinician.as_str()),
            self.plan.clinician.as_deref(),
        ];
        let preferred_rooms = [prev.as_ref().map(|p| p.room.as_str()), self.plan.room.as_deref()];
        let clinicians = ordered(self.settings.clinicians.iter(), &preferred_clinicians);
        let rooms = ordered(self.settings.rooms.iter(), &preferred_rooms);
        let ask = DayAsk {
            minutes: self.plan.minutes,
            preferred_time: prev.as_ref().map(|p| p.time).or(self.plan.preferred_time),
            earliest: None,
            clinicians: &clinicians,
            rooms: &rooms,
        };
        for date in candidates {
            if self.budget == 0 {
                return false;
            }
            self.budget -= 1;
            if self.dead_ends.contains(&(k, date)) {
                continue;
            }
            if self.full_days.contains(&date) {
                miss.full += 1;
                continue;
            }
            match find_in_day(self.settings, self.calendar, date, &ask, Overlay::default()) {
                Err(DayMiss::Closed(c)) => miss.closed.push(closure_label(date, &c)),
                Err(DayMiss::TooShort) => miss.too_short += 1,
                Err(DayMiss::Full) => {
                    self.full_days.insert(date);
                    miss.full += 1;
                }
                Ok((time, ci, ri)) => {
                    self.chosen.push(Proposal {
                        date,
                        time,
                        minutes: self.plan.minutes,
                        clinician: clinicians[ci].into(),
                        room: rooms[ri].into(),
                        gap_days: prev.as_ref().map(|p| (date - p.date).num_days()),
                    });
                    if k + 1 == self.plan.sessions as usize || self.place(k + 1) {
                        return true;
                    }
                    self.chosen.pop();
                    self.dead_ends.insert((k, date));
                }
            }
        }
        // The first failure at the deepest level is the one on the preferred path: the
        // one worth explaining.
        if self.deepest.as_ref().is_none_or(|d| k > d.session) {
            self.deepest = Some(miss);
        }
        false
    }

    fn explain(&self) -> String {
        let p = self.plan;
        let Some(m) = &self.deepest else {
            return format!("the search gave up after trying {SEARCH_BUDGET} days; try another first date");
        };
        let mut why = Vec::new();
        if !m.closed.is_empty() {
            let mut labels: Vec<&str> = Vec::new();
            for l in &m.closed {
                if !labels.contains(&l.as_str()) {
                    labels.push(l);
                }
            }
            labels.truncate(4);
            why.push(format!("{} closed ({})", m.closed.len(), labels.join(", ")));
        }
        if m.full > 0 {
            why.push(format!(
                "{} with no clinician and room free together for {} minutes",
                m.full, p.minutes
            ));
        }
        if m.too_short > 0 {
            why.push(format!(
                "{} open for less than {} minutes",
                m.too_short, p.minutes
            ));
        }
        let days = |n: usize| if n == 1 { "day" } else { "days" };
        let total = m.closed.len() + m.full + m.too_short;
        let span = match (m.from, m.to) {
            (Some(a), Some(b)) => format!("{a} to {b}"),
            _ => "the window".into(),
        };
        let head = match m.after {
            None => format!(
                "no free {}-minute slot for session 1 within {SEARCH_DAYS} days from {}",
                p.minutes, p.first_date
            ),
            Some(prev) => format!(
                "no slot for session {}: it must be {}-{} days after session {} ({prev}), i.e. {span}",
                m.session + 1,
                p.min_interval_days,
                p.max_interval_days,
                m.session
            ),
        };
        let mut text = if why.is_empty() {
            head
        } else {
            format!("{head}; of those {total} {}: {}", days(total), why.join(", "))
        };
        if m.session > 0 {
            text.push_str("; earlier sessions were tried on other days too");
        }
        if self.budget == 0 {
            text.push_str(" (search stopped at its limit)");
        }
        text
    }
}

fn closure_label(date: NaiveDate, c: &Closure) -> String {
    match c {
        Closure::Weekday(w) => format!("{}s", weekday_name(*w)),
        Closure::Holiday(r) if r.trim().is_empty() => date.to_string(),
        Closure::Holiday(r) => format!("{date} {}", r.trim()),
    }
}

/// Why no series was proposed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProposeError {
    #[error(transparent)]
    Plan(#[from] PlanError),
    #[error("the clinic has no active clinician or no active room")]
    NoActiveResources,
    /// The search's account of the session it could not place: which days it tried and
    /// why each was refused (closed, full, too short).
    #[error("{0}")]
    NoSlot(String),
}

/// Proposes every session of a new series: the first on or after `first_date`, each
/// next one as near the target interval after the one before as the calendar allows
/// (target, target+1, target-1, ...) and never outside [min, max]; each on an open day,
/// inside opening hours, with an active clinician and room both free (the previous
/// session's clinician and room preferred, then the plan's). If a later session cannot
/// be placed, earlier ones are tried on other days. The error says why nothing fits.
pub fn propose_series(
    settings: &ClinicSettings,
    calendar: &Calendar,
    plan: &ProposalPlan,
) -> Result<Vec<Proposal>, ProposeError> {
    plan.validate(settings)?;
    if settings.active_clinicians().next().is_none() || settings.active_rooms().next().is_none() {
        return Err(ProposeError::NoActiveResources);
    }
    let mut search = Search {
        settings,
        calendar,
        plan,
        full_days: HashSet::new(),
        dead_ends: HashSet::new(),
        budget: SEARCH_BUDGET,
        deepest: None,
        chosen: Vec::with_capacity(plan.sessions as usize),
    };
    if search.place(0) {
        Ok(search.chosen)
    } else {
        Err(ProposeError::NoSlot(search.explain()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::calendar::{Booking, BookingRef};
    use crate::domain::schedule::check_proposals;
    use crate::domain::schedule::test_support::*;

    #[test]
    fn an_empty_calendar_gets_the_target_interval_at_the_preferred_time() {
        // 2026-12-01 is a Tuesday; +28 days stays a Tuesday, except 2026-12-29.
        let rows = propose_series(&clinic(), &Calendar::new(), &plan("2026-12-01", 3)).unwrap();
        let dates: Vec<_> = rows.iter().map(|r| r.date).collect();
        assert_eq!(dates, vec![d("2026-12-01"), d("2026-12-29"), d("2027-01-26")]);
        assert!(
            rows.iter()
                .all(|r| r.time == t("10:00") && r.clinician == "amara" && r.room == "room-1")
        );
        assert_eq!(rows[1].gap_days, Some(28));
    }

    #[test]
    fn closed_days_push_a_session_to_the_nearest_open_day_after() {
        // 2026-11-27 (Fri) + 28 = 2026-12-25 (Christmas): 26th is Saturday, open.
        let rows = propose_series(&clinic(), &Calendar::new(), &plan("2026-11-27", 2)).unwrap();
        assert_eq!(rows[1].date, d("2026-12-26"));
        // The first session starts on the first open day: Sunday -> Monday.
        let rows = propose_series(&clinic(), &Calendar::new(), &plan("2026-11-29", 1)).unwrap();
        assert_eq!(rows[0].date, d("2026-11-30"));
    }

    #[test]
    fn busy_clinicians_and_rooms_are_avoided_and_continuity_is_preferred() {
        let mut bookings = Vec::new();
        for (n, h) in (9..18).enumerate() {
            // Amara is busy all day on 2026-12-29; room-1 too.
            bookings.push(Booking {
                who: BookingRef::session("p-x", 0, n),
                ..booking(&format!("2026-12-29 {h:02}:00"), 60, "amara", "room-1", "p-x")
            });
        }
        let cal = Calendar::build(bookings);
        let rows = propose_series(&clinic(), &cal, &plan("2026-12-01", 3)).unwrap();
        assert_eq!(rows[1].date, d("2026-12-29"));
        assert_eq!(
            (rows[1].clinician.as_str(), rows[1].room.as_str()),
            ("ben", "room-2")
        );
        // Session 3 stays with Ben (the clinician of the session before).
        assert_eq!(rows[2].clinician, "ben");
        assert!(check_proposals(&clinic(), &cal, &plan("2026-12-01", 3), &rows).is_empty());
    }

    #[test]
    fn a_full_target_day_moves_to_the_nearest_day_later_first() {
        let mut bookings = Vec::new();
        let mut n = 0;
        for who in [("amara", "room-1"), ("ben", "room-2")] {
            for h in 9..18 {
                n += 1;
                bookings.push(Booking {
                    who: BookingRef::session("p-x", 0, n),
                    ..booking(&format!("2026-12-29 {h:02}:00"), 60, who.0, who.1, "p-x")
                });
            }
        }
        let rows = propose_series(&clinic(), &Calendar::build(bookings), &plan("2026-12-01", 2)).unwrap();
        assert_eq!(rows[1].date, d("2026-12-30"));
    }

    #[test]
    fn no_slot_in_the_window_is_explained() {
        // Open on Mondays only: a 15-20 day window after a Monday holds no Monday.
        let mut c = clinic();
        c.hours = [c.hours[0], None, None, None, None, None, None];
        let p = ProposalPlan {
            interval_days: 16,
            min_interval_days: 15,
            max_interval_days: 20,
            ..plan("2026-11-30", 2)
        };
        let e = propose_series(&c, &Calendar::new(), &p).unwrap_err().to_string();
        assert!(e.contains("no slot for session 2"), "{e}");
        assert!(e.contains("15-20 days after session 1 (2026-11-30)"), "{e}");
        assert!(e.contains("6 closed (") && e.contains("Tuesdays"), "{e}");
    }

    #[test]
    fn an_earlier_session_is_moved_when_a_later_one_cannot_fit() {
        // Open Monday and Tuesday. With min = max = 7 a Monday start needs the next
        // Monday; block that whole Monday, so the search must start on the Tuesday.
        let mut c = clinic();
        c.hours = [c.hours[0], c.hours[1], None, None, None, None, None];
        let mut bookings = Vec::new();
        let mut n = 0;
        for who in [("amara", "room-1"), ("ben", "room-2")] {
            for h in 9..18 {
                n += 1;
                bookings.push(Booking {
                    who: BookingRef::session("p-x", 0, n),
                    ..booking(&format!("2026-12-07 {h:02}:00"), 60, who.0, who.1, "p-x")
                });
            }
        }
        let p = ProposalPlan {
            interval_days: 7,
            min_interval_days: 7,
            max_interval_days: 7,
            ..plan("2026-11-30", 2)
        };
        let rows = propose_series(&c, &Calendar::build(bookings), &p).unwrap();
        assert_eq!(rows[0].date, d("2026-12-01"));
        assert_eq!(rows[1].date, d("2026-12-08"));
    }
}
