//! The agenda as plain text, for `needleplan agenda`: to print at the front desk or to
//! read from a script. No colour, no terminal codes; one line per booking or free
//! stretch, so `grep` and `awk` work on it.

use std::fmt::Write as _;

use chrono::NaiveDate;

use super::agenda::{self, DayAgenda, Entry, Grouping, duration_label};
use super::calendar::Calendar;
use super::clinic::ClinicSettings;
use super::patient::Patient;
use super::series::add_days;

/// `days` days of the agenda from `from`, grouped by clinician.
pub fn render(
    settings: &ClinicSettings,
    calendar: &Calendar,
    patients: &[Patient],
    from: NaiveDate,
    days: u32,
) -> String {
    let mut out = String::new();
    let last = add_days(from, days.max(1) as i64 - 1);
    let span = if last == from {
        from.format("%a %Y-%m-%d").to_string()
    } else {
        format!("{} to {}", from.format("%a %Y-%m-%d"), last.format("%a %Y-%m-%d"))
    };
    let _ = writeln!(out, "{}: agenda for {span}", settings.name);
    for offset in 0..days.max(1) {
        let date = add_days(from, offset as i64);
        let day = agenda::day(settings, calendar, patients, date, Grouping::Clinician, None);
        out.push('\n');
        render_day(&day, &mut out);
    }
    out
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn render_day(day: &DayAgenda, out: &mut String) {
    let date = day.date.format("%a %Y-%m-%d");
    let count = plural(day.booking_count(), "booking", "bookings");
    match (day.hours, &day.closure) {
        (Some(h), _) => {
            let _ = writeln!(
                out,
                "{date}  open {}-{}  {count}",
                h.open.format("%H:%M"),
                h.close.format("%H:%M")
            );
        }
        (None, closure) => {
            let why = closure
                .as_ref()
                .map_or("the clinic is closed".to_string(), ToString::to_string);
            let _ = write!(out, "{date}  CLOSED: {why}");
            if day.booking_count() > 0 {
                let _ = write!(out, "  ({count} still on this day: move them)");
            }
            out.push('\n');
        }
    }
    let name_w = day
        .lanes
        .iter()
        .flat_map(|l| l.bookings())
        .map(|b| b.patient_name.chars().count())
        .max()
        .unwrap_or(0);
    let id_w = day
        .lanes
        .iter()
        .flat_map(|l| l.bookings())
        .map(|b| b.who.patient_id.chars().count())
        .max()
        .unwrap_or(0);
    let visit_w = day
        .lanes
        .iter()
        .flat_map(|l| l.bookings())
        .map(|b| b.visit_long().chars().count())
        .max()
        .unwrap_or(0);
    let other_w = day
        .lanes
        .iter()
        .flat_map(|l| l.bookings())
        .map(|b| b.other(day.grouping).chars().count())
        .max()
        .unwrap_or(0);
    for lane in &day.lanes {
        let mut head = format!("  {}", lane.name);
        if lane.inactive {
            head.push_str(" (inactive)");
        }
        if lane.id.is_some() && day.hours.is_some() {
            let _ = write!(
                head,
                "  ({}, {} free)",
                plural(lane.booking_count(), "booking", "bookings"),
                duration_label(lane.free_minutes())
            );
        } else {
            let _ = write!(
                head,
                "  ({})",
                plural(lane.booking_count(), "booking", "bookings")
            );
        }
        let _ = writeln!(out, "{head}");
        for entry in &lane.entries {
            match entry {
                Entry::Booking(b) => {
                    let mut line = format!(
                        "    {}-{}  {:<name_w$}  {:<id_w$}  {:<visit_w$}  {:<other_w$}  {}",
                        b.start.format("%H:%M"),
                        b.end.format("%H:%M"),
                        b.patient_name,
                        // The id `export-ics` and `handout` take.
                        b.who.patient_id,
                        b.visit_long(),
                        b.other(day.grouping),
                        b.status.label(),
                    );
                    if b.overlaps {
                        line.push_str("  DOUBLE-BOOKED");
                    }
                    if b.outside_hours && day.hours.is_some() {
                        line.push_str("  outside opening hours");
                    }
                    let _ = writeln!(out, "{}", line.trim_end());
                }
                Entry::Free(g) => {
                    let _ = writeln!(
                        out,
                        "    {}-{}  free ({})",
                        g.start.format("%H:%M"),
                        g.end.format("%H:%M"),
                        duration_label(g.minutes())
                    );
                }
                Entry::Found(_) => {}
            }
        }
    }
    if day.hours.is_some() && day.lanes.is_empty() {
        out.push_str("  no active clinician\n");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::patient::{PatientDetails, PatientId};
    use crate::domain::series::{Series, Session, SessionStatus};
    use chrono::NaiveTime;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn booked(date: &str, time: &str, clin: &str) -> Session {
        Session {
            clinician: Some(clin.into()),
            room: Some("room-2".into()),
            status: SessionStatus::Booked,
            ..Session::planned(d(date), NaiveTime::parse_from_str(time, "%H:%M").ok())
        }
    }

    #[test]
    fn prints_bookings_in_time_order_with_gaps_and_closed_days() {
        let settings = crate::store::demo::demo_settings();
        let mk = |id: &str, name: &str, sessions| {
            let details = PatientDetails {
                full_name: name.into(),
                ..PatientDetails::default()
            };
            let mut p = Patient::new(PatientId::new(id).unwrap(), details, d("2026-09-01"));
            p.series.push(Series {
                sessions,
                ..Series::default()
            });
            p
        };
        let patients = vec![
            mk("p-1", "Zoë Late", vec![booked("2026-11-28", "11:00", "amara")]),
            mk("p-2", "Al Early", vec![booked("2026-11-28", "09:00", "amara")]),
        ];
        let cal = Calendar::for_clinic(&settings, &patients);
        let text = render(&settings, &cal, &patients, d("2026-11-28"), 2);
        let expected = "\
Demo Skin Clinic: agenda for Sat 2026-11-28 to Sun 2026-11-29

Sat 2026-11-28  open 09:00-13:00  2 bookings
  Amara Okafor  (2 bookings, 2h free)
    09:00-10:00  Al Early  p-2  session 1/1  Room 2  booked
    10:00-11:00  free (1h)
    11:00-12:00  Zoë Late  p-1  session 1/1  Room 2  booked
    12:00-13:00  free (1h)
  Ben Carter  (0 bookings, 4h free)
    09:00-13:00  free (4h)

Sun 2026-11-29  CLOSED: the clinic is closed on Sundays
";
        assert_eq!(text, expected);
        assert!(!text.contains('\x1b'));
    }
}
