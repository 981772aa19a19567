//! The rules of a booking that hold whoever the patient is: open day, opening hours,
//! length, and a known, active, free clinician and room.

use chrono::{NaiveDateTime, TimeDelta};

use super::{BookingRequest, Clash, MINUTES_RANGE, ResourceKind, Violation};
use crate::domain::calendar::{Booking, BookingRef, Calendar, ResourceKey};
use crate::domain::clinic::ClinicSettings;

/// What the calendar looks like for a check: bookings to leave out (the visits being
/// moved) and tentative ones to add (the other rows of a proposal or a cascade).
#[derive(Clone, Copy, Default)]
pub(super) struct Overlay<'a> {
    pub(super) ignore: &'a [BookingRef],
    pub(super) extra: &'a [Booking],
}

/// The rules that do not depend on the series: open day, hours, length, clinician and
/// room known, active and free. `ignore` lists bookings to leave out (the visit itself).
pub fn check_slot(
    settings: &ClinicSettings,
    calendar: &Calendar,
    req: &BookingRequest,
    ignore: &[BookingRef],
) -> Vec<Violation> {
    let mut out = Vec::new();
    slot_violations(settings, calendar, req, Overlay { ignore, extra: &[] }, &mut out);
    out
}

pub(super) fn slot_violations(
    settings: &ClinicSettings,
    calendar: &Calendar,
    req: &BookingRequest,
    overlay: Overlay,
    out: &mut Vec<Violation>,
) {
    if let Some(closure) = settings.closure(req.date) {
        out.push(Violation::ClosedDay {
            date: req.date,
            reason: closure.to_string(),
        });
    }
    if !MINUTES_RANGE.contains(&req.minutes) {
        out.push(Violation::BadLength { minutes: req.minutes });
    }
    let mut names = [None, None];
    for (slot, kind, id) in [
        (0, ResourceKind::Clinician, req.clinician),
        (1, ResourceKind::Room, req.room),
    ] {
        let Some(id) = id else { continue };
        let found = match kind {
            ResourceKind::Clinician => settings.clinician(id),
            ResourceKind::Room => settings.room(id),
        };
        match found {
            None => out.push(Violation::UnknownResource { kind, id: id.into() }),
            Some(r) => {
                if !r.active {
                    out.push(Violation::InactiveResource {
                        kind,
                        id: id.into(),
                        name: r.name.clone(),
                    });
                }
                names[slot] = Some(r.name.clone());
            }
        }
    }
    let Some(time) = req.time else { return };
    let start = req.date.and_time(time);
    let end = start + TimeDelta::minutes(req.minutes as i64);
    if let Some(hours) = settings.hours_on(req.date)
        && (time < hours.open || end > req.date.and_time(hours.close))
    {
        out.push(Violation::OutsideHours { start, end, hours });
    }
    let [clin_name, room_name] = names;
    if let Some(id) = req.clinician
        && let Some(b) = first_clash(calendar, ResourceKey::Clinician(id), start, end, overlay)
    {
        out.push(Violation::ClinicianBusy {
            clinician: clin_name.unwrap_or_else(|| id.into()),
            clash: Clash::of(b),
        });
    }
    if let Some(id) = req.room
        && let Some(b) = first_clash(calendar, ResourceKey::Room(id), start, end, overlay)
    {
        out.push(Violation::RoomBusy {
            room: room_name.unwrap_or_else(|| id.into()),
            clash: Clash::of(b),
        });
    }
}

fn first_clash<'a>(
    calendar: &'a Calendar,
    key: ResourceKey,
    start: NaiveDateTime,
    end: NaiveDateTime,
    overlay: Overlay<'a>,
) -> Option<&'a Booking> {
    let holds = |b: &Booking| match key {
        ResourceKey::Clinician(id) => b.clinician.as_deref() == Some(id),
        ResourceKey::Room(id) => b.room.as_deref() == Some(id),
    };
    calendar
        .conflicts(key, start, end, overlay.ignore)
        .next()
        .or_else(|| overlay.extra.iter().find(|b| holds(b) && b.overlaps(start, end)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::schedule::test_support::*;

    // One test per rule, so a failure names the rule that broke.

    #[test]
    fn a_closed_date_is_refused_with_its_reason() {
        let v = check_slot(
            &clinic(),
            &Calendar::new(),
            &req("2026-12-25", "10:00", "amara", "room-1"),
            &[],
        );
        assert!(matches!(only(&v), Violation::ClosedDay { .. }));
        assert_eq!(v[0].to_string(), "2026-12-25: the clinic is closed (Christmas)");
    }

    #[test]
    fn sunday_is_refused() {
        let v = check_slot(
            &clinic(),
            &Calendar::new(),
            &req("2026-11-29", "10:00", "amara", "room-1"),
            &[],
        );
        assert_eq!(
            only(&v).to_string(),
            "2026-11-29: the clinic is closed on Sundays"
        );
    }

    #[test]
    fn before_opening_is_refused() {
        let v = check_slot(
            &clinic(),
            &Calendar::new(),
            &req("2026-12-01", "08:45", "amara", "room-1"),
            &[],
        );
        assert_eq!(
            only(&v).to_string(),
            "08:45-09:45 is outside opening hours (09:00-18:00)"
        );
    }

    #[test]
    fn ending_after_closing_is_refused_but_ending_at_closing_is_fine() {
        let c = clinic();
        let cal = Calendar::new();
        let v = check_slot(&c, &cal, &req("2026-11-28", "12:30", "amara", "room-1"), &[]);
        assert!(
            matches!(only(&v), Violation::OutsideHours { .. }),
            "Saturday closes at 13:00"
        );
        assert!(check_slot(&c, &cal, &req("2026-11-28", "12:00", "amara", "room-1"), &[]).is_empty());
        let late = BookingRequest {
            minutes: 120,
            ..req("2026-12-01", "23:00", "amara", "room-1")
        };
        assert!(
            only(&check_slot(&c, &cal, &late, &[]))
                .to_string()
                .contains("next day")
        );
    }

    #[test]
    fn a_double_booked_clinician_is_refused_naming_the_clash() {
        let cal = Calendar::build([booking("2026-12-01 10:00", 60, "amara", "room-2", "p-other")]);
        let v = check_slot(
            &clinic(),
            &cal,
            &req("2026-12-01", "10:30", "amara", "room-1"),
            &[],
        );
        assert_eq!(
            only(&v).to_string(),
            "Amara Okafor is already booked 10:00-11:00 (patient p-other session 1)"
        );
    }

    #[test]
    fn a_double_booked_room_is_refused() {
        let cal = Calendar::build([booking("2026-12-01 10:00", 60, "ben", "room-1", "p-other")]);
        let v = check_slot(
            &clinic(),
            &cal,
            &req("2026-12-01", "09:30", "amara", "room-1"),
            &[],
        );
        assert!(matches!(only(&v), Violation::RoomBusy { room, .. } if room == "Room 1"));
    }

    #[test]
    fn back_to_back_bookings_are_allowed() {
        let cal = Calendar::build([booking("2026-12-01 10:00", 60, "amara", "room-1", "p-other")]);
        let c = clinic();
        assert!(check_slot(&c, &cal, &req("2026-12-01", "11:00", "amara", "room-1"), &[]).is_empty());
        assert!(check_slot(&c, &cal, &req("2026-12-01", "09:00", "amara", "room-1"), &[]).is_empty());
    }

    #[test]
    fn inactive_and_unknown_resources_are_refused() {
        let mut c = clinic();
        c.clinicians[1].active = false;
        let v = check_slot(
            &c,
            &Calendar::new(),
            &req("2026-12-01", "10:00", "ben", "room-9"),
            &[],
        );
        assert_eq!(v.len(), 2, "{v:?}");
        assert_eq!(v[0].to_string(), "clinician Ben Carter is marked inactive");
        assert_eq!(
            v[1].to_string(),
            "there is no room 'room-9' in the clinic settings"
        );
    }

    #[test]
    fn without_a_time_only_the_day_is_checked() {
        let cal = Calendar::build([booking("2026-12-01 10:00", 60, "amara", "room-1", "p-other")]);
        let r = BookingRequest {
            time: None,
            ..req("2026-12-01", "10:00", "amara", "room-1")
        };
        assert!(check_slot(&clinic(), &cal, &r, &[]).is_empty());
        let sunday = BookingRequest {
            date: d("2026-11-29"),
            ..r
        };
        assert_eq!(check_slot(&clinic(), &cal, &sunday, &[]).len(), 1);
    }
}
