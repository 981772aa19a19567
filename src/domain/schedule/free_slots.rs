//! "Find next free slot" and the first valid place to rebook a session: day-by-day
//! searches that always end within [`SEARCH_DAYS`].

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

use super::day_search::{DayAsk, find_in_day, ordered};
use super::series_rules::interval_violations;
use super::slot_rules::Overlay;
use super::{BookingRequest, MINUTES_RANGE, SEARCH_DAYS, SeriesAt};
use crate::domain::calendar::Calendar;
use crate::domain::clinic::{ClinicSettings, Resource};
use crate::domain::series::add_days;

/// A free place in the calendar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slot {
    pub date: NaiveDate,
    pub time: NaiveTime,
    pub minutes: u32,
    pub clinician: String,
    pub room: String,
}

impl Slot {
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

/// "Find next free slot": a clinician (any active one when `None`), a room (likewise)
/// and a length.
#[derive(Debug, Clone, Copy)]
pub struct SlotQuery<'a> {
    pub from: NaiveDateTime,
    pub minutes: u32,
    pub clinician: Option<&'a str>,
    pub room: Option<&'a str>,
    pub not_before: Option<NaiveDate>,
}

/// The first free slot at or after `from` (and not before `not_before`), on the
/// 15-minute grid inside opening hours, looking at most [`SEARCH_DAYS`] ahead. `None`
/// when nothing is free, or the named clinician or room is unknown or inactive.
pub fn next_free_slot(settings: &ClinicSettings, calendar: &Calendar, q: &SlotQuery) -> Option<Slot> {
    if !MINUTES_RANGE.contains(&q.minutes) {
        return None;
    }
    let clinicians = pick_active(&settings.clinicians, q.clinician);
    let rooms = pick_active(&settings.rooms, q.room);
    if clinicians.is_empty() || rooms.is_empty() {
        return None;
    }
    let first = match q.not_before {
        Some(d) if d > q.from.date() => d,
        _ => q.from.date(),
    };
    for offset in 0..SEARCH_DAYS {
        let date = add_days(first, offset);
        let ask = DayAsk {
            minutes: q.minutes,
            preferred_time: None,
            earliest: (date == q.from.date()).then_some(q.from.time()),
            clinicians: &clinicians,
            rooms: &rooms,
        };
        if let Ok((time, ci, ri)) = find_in_day(settings, calendar, date, &ask, Overlay::default()) {
            return Some(Slot {
                date,
                time,
                minutes: q.minutes,
                clinician: clinicians[ci].into(),
                room: rooms[ri].into(),
            });
        }
    }
    None
}

/// Active ids, or only `want` when given (and active).
fn pick_active<'a>(all: &'a [Resource], want: Option<&str>) -> Vec<&'a str> {
    all.iter()
        .filter(|r| r.active && want.is_none_or(|w| w == r.id))
        .map(|r| r.id.as_str())
        .collect()
}

/// The first slot at or after `from` where session `index` of the series can be
/// (re)booked without any refusal: after a cancellation or a no-show. Its clinician and
/// room are preferred; the session's own old booking does not count as busy.
pub fn next_valid_slot(
    settings: &ClinicSettings,
    calendar: &Calendar,
    at: &SeriesAt,
    index: usize,
    from: NaiveDateTime,
) -> Option<Slot> {
    let session = at.series.sessions.get(index)?;
    let minutes = at.series.minutes_of(index, settings.default_minutes);
    let clinicians = ordered(settings.clinicians.iter(), &[session.clinician.as_deref()]);
    let rooms = ordered(settings.rooms.iter(), &[session.room.as_deref()]);
    let own = [at.session_ref(index)];
    let overlay = Overlay {
        ignore: &own,
        extra: &[],
    };
    for offset in 0..SEARCH_DAYS {
        let date = add_days(from.date(), offset);
        let mut interval = Vec::new();
        interval_violations(at.series, Some(index), date, &mut interval);
        if interval.iter().any(|v| !v.is_warning()) {
            continue;
        }
        let ask = DayAsk {
            minutes,
            preferred_time: session.time,
            earliest: (date == from.date()).then_some(from.time()),
            clinicians: &clinicians,
            rooms: &rooms,
        };
        if let Ok((time, ci, ri)) = find_in_day(settings, calendar, date, &ask, overlay) {
            return Some(Slot {
                date,
                time,
                minutes,
                clinician: clinicians[ci].into(),
                room: rooms[ri].into(),
            });
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::calendar::{Booking, BookingRef};
    use crate::domain::clinic::DayHours;
    use crate::domain::schedule::test_support::*;
    use crate::domain::schedule::{check_booking, check_slot, refusals};
    use crate::domain::series::SessionStatus;

    #[test]
    fn next_free_slot_skips_busy_times_closed_days_and_the_past_part_of_today() {
        let cal = Calendar::build([
            booking("2026-12-24 14:00", 60, "amara", "room-1", "p-a"),
            Booking {
                who: BookingRef::session("p-b", 0, 0),
                ..booking("2026-12-24 15:00", 180, "amara", "room-2", "p-b")
            },
        ]);
        let q = SlotQuery {
            from: at("2026-12-24 13:50"),
            minutes: 60,
            clinician: Some("amara"),
            room: None,
            not_before: None,
        };
        // 14:00 busy, 15:00-18:00 busy: nothing left on the 24th; the 25th is
        // Christmas, the 26th a Saturday from 09:00.
        let slot = next_free_slot(&clinic(), &cal, &q).unwrap();
        assert_eq!(slot.start(), at("2026-12-26 09:00"));
        assert!(check_slot(&clinic(), &cal, &slot.request(), &[]).is_empty());
        let q = SlotQuery {
            not_before: Some(d("2027-01-04")),
            ..q
        };
        assert_eq!(
            next_free_slot(&clinic(), &cal, &q).unwrap().start(),
            at("2027-01-04 09:00")
        );
        let q = SlotQuery {
            clinician: Some("nobody"),
            ..q
        };
        assert!(next_free_slot(&clinic(), &cal, &q).is_none());
    }

    #[test]
    fn next_free_slot_ends_when_nothing_is_ever_free() {
        let mut c = clinic();
        c.hours = [
            None,
            None,
            None,
            None,
            None,
            Some(DayHours::new(t("09:00"), t("09:30"))),
            None,
        ];
        let q = SlotQuery {
            from: at("2026-12-01 09:00"),
            minutes: 60,
            clinician: None,
            room: None,
            not_before: None,
        };
        assert!(next_free_slot(&c, &Calendar::new(), &q).is_none());
    }

    #[test]
    fn after_a_no_show_the_next_valid_slot_keeps_the_minimum_interval() {
        let mut s = series(&["2026-12-01", "2026-12-29", "2027-01-26"]);
        s.sessions[1].status = SessionStatus::NoShow;
        let cal = calendar_of(&s);
        let slot = next_valid_slot(&clinic(), &cal, &at_series(&s), 1, at("2026-12-29 12:00")).unwrap();
        // Must be >= 14 days from session 1 (Dec 1) and from session 3 (Jan 26): the
        // first day is Dec 29 after noon, and Jan 12 is the last allowed before session 3.
        assert_eq!(slot.start(), at("2026-12-29 12:00"));
        assert_eq!(slot.clinician, "amara");
        let v = check_booking(&clinic(), &cal, &at_series(&s), Some(1), &slot.request());
        assert!(refusals(&v, None).is_empty(), "{v:?}");
        // From Jan 13 nothing is valid until 14 days after session 3.
        let slot = next_valid_slot(&clinic(), &cal, &at_series(&s), 1, at("2027-01-13 09:00")).unwrap();
        assert_eq!(slot.date, d("2027-02-09"));
    }
}
