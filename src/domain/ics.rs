//! A patient's upcoming sessions as an RFC 5545 calendar (`.ics`), for
//! `needleplan export-ics`: the patient (or staff for them) imports it into their phone's
//! or mail program's calendar.
//!
//! Times are written as *floating* local times (`DTSTART:20261201T093000`, no `Z`, no
//! `TZID`). The clinic's settings name no time zone, and a `TZID` must come with a full
//! `VTIMEZONE` definition that we could only guess; converting to UTC would use the
//! time zone of whatever machine runs the export (often a server set to UTC) and shift
//! every appointment. A floating time is read as "this wall-clock time wherever the
//! calendar is", which is exactly right for a patient who lives near the clinic, and is
//! understood by Google Calendar, Apple Calendar, Outlook and Thunderbird alike.
//!
//! Each event's `UID` is made of the patient id and the session's place in the record,
//! so exporting again after a session moved updates the event instead of adding a
//! second one; `SEQUENCE` is the record's revision, so the newer export wins.

use chrono::{DateTime, TimeDelta, Utc};
use icalendar::{Calendar, Component, Event, EventLike, EventStatus};

use super::agenda::session_number;
use super::clinic::ClinicSettings;
use super::patient::Patient;
use super::series::SessionStatus;

/// The calendar text (CRLF line endings, long lines folded) and how many events it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IcsExport {
    pub text: String,
    pub events: usize,
}

/// The stable `UID` of session `session` of series `series` of a patient.
pub fn session_uid(patient_id: &str, series: usize, session: usize) -> String {
    format!("{patient_id}-s{}-{}@needleplan", series + 1, session + 1)
}

/// One event per planned or booked session that has a time of day. `stamp` is the
/// moment of the export (`DTSTAMP`, which RFC 5545 requires in UTC).
pub fn patient_calendar(settings: &ClinicSettings, patient: &Patient, stamp: DateTime<Utc>) -> IcsExport {
    let mut cal = Calendar::empty();
    for (key, value) in [
        ("VERSION", "2.0"),
        (
            "PRODID",
            concat!("-//needleplan//needleplan ", env!("CARGO_PKG_VERSION"), "//EN"),
        ),
        ("CALSCALE", "GREGORIAN"),
        ("METHOD", "PUBLISH"),
    ] {
        cal.append_property(icalendar::Property::new(key, value));
    }
    cal.name(&format!("{}: microneedling appointments", settings.name));
    let mut events = 0;
    for (si, series) in patient.series.iter().enumerate() {
        for (i, s) in series.sessions.iter().enumerate() {
            let Some(time) = s.time else { continue };
            if !s.status.is_upcoming() {
                continue;
            }
            let start = s.date.and_time(time);
            let minutes = series.minutes_of(i, settings.default_minutes);
            let end = start + TimeDelta::minutes(minutes as i64);
            let (n, total) = session_number(series, i);
            // "Clinic, Room 2, 12 Example Lane": what a phone's calendar shows and maps.
            let mut location = settings.name.clone();
            if let Some(room) = &s.room {
                location = format!("{location}, {}", settings.room_name(room));
            }
            if !settings.address.trim().is_empty() {
                location = format!("{location}, {}", settings.address.trim());
            }
            let mut description = format!(
                "{}: session {n} of {total}, {minutes} minutes.",
                series.protocol_name
            );
            if let Some(c) = &s.clinician {
                description.push_str(&format!(" With {}.", settings.clinician_name(c)));
            }
            if s.status == SessionStatus::Planned {
                description.push_str(" Planned: the clinic will confirm the time.");
            }
            if !settings.phone.trim().is_empty() {
                description.push_str(&format!(" To change it, call {}.", settings.phone.trim()));
            }
            let event = Event::new()
                .uid(&session_uid(patient.id.as_str(), si, i))
                .timestamp(stamp)
                .sequence(patient.revision.min(u32::MAX as u64) as u32)
                .summary(&format!("Microneedling session {n} of {total}"))
                .location(&location)
                .description(&description)
                .starts(start)
                .ends(end)
                .status(if s.status == SessionStatus::Booked {
                    EventStatus::Confirmed
                } else {
                    EventStatus::Tentative
                })
                .done();
            cal.push(event);
            events += 1;
        }
    }
    IcsExport {
        text: cal.to_string(),
        events,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::patient::{PatientDetails, PatientId};
    use crate::domain::series::{Series, Session};
    use chrono::{NaiveDate, NaiveTime};

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn patient() -> Patient {
        let details = PatientDetails {
            full_name: "Zoë Adams".into(),
            ..PatientDetails::default()
        };
        let mut p = Patient::new(PatientId::new("p-0000abcd").unwrap(), details, d("2026-09-01"));
        let at = |date: &str, status| Session {
            status,
            room: Some("room-2".into()),
            clinician: Some("amara".into()),
            ..Session::planned(d(date), NaiveTime::from_hms_opt(9, 30, 0))
        };
        p.series.push(Series {
            protocol_name: "Acne scars, standard".into(),
            session_minutes: Some(45),
            sessions: vec![
                at("2026-11-02", SessionStatus::Done),
                at("2026-12-01", SessionStatus::Booked),
                Session::planned(d("2026-12-29"), None),
                at("2027-01-26", SessionStatus::Planned),
            ],
            ..Series::default()
        });
        p.revision = 7;
        p
    }

    #[test]
    fn one_event_per_upcoming_timed_session_with_floating_times_and_crlf() {
        let stamp = DateTime::parse_from_rfc3339("2026-11-25T10:00:00Z")
            .unwrap()
            .to_utc();
        let ics = patient_calendar(&crate::store::demo::demo_settings(), &patient(), stamp);
        assert_eq!(ics.events, 2);
        let text = &ics.text;
        assert!(text.starts_with("BEGIN:VCALENDAR\r\n"), "{text}");
        assert!(text.ends_with("END:VCALENDAR\r\n"));
        assert!(!text.replace("\r\n", "").contains('\n'), "bare LF in {text}");
        assert!(text.contains("DTSTART:20261201T093000\r\n"), "{text}");
        assert!(text.contains("DTEND:20261201T101500\r\n"), "{text}");
        assert!(text.contains("UID:p-0000abcd-s1-2@needleplan\r\n"));
        assert!(text.contains("DTSTAMP:20261125T100000Z\r\n"));
        assert!(text.contains("SEQUENCE:7\r\n"));
        assert!(
            text.contains("SUMMARY:Microneedling session 2 of 4\r\n"),
            "{text}"
        );
        let unfolded = text.replace("\r\n ", "");
        assert!(
            unfolded.contains("LOCATION:Demo Skin Clinic\\, Room 2\\, 12 Example Lane\\, London N1 0AA\r\n"),
            "{text}"
        );
        assert!(unfolded.contains("To change it\\, call 020 7946 0321."), "{text}");
        assert!(text.contains("STATUS:CONFIRMED\r\n") && text.contains("STATUS:TENTATIVE\r\n"));
        assert!(
            !text.contains("Zoë"),
            "the patient's name is not needed in their own calendar"
        );
        for line in text.split("\r\n") {
            assert!(line.len() <= 75, "unfolded line: {line}");
        }
        let parsed: icalendar::Calendar = text.parse().expect("parses back");
        assert_eq!(parsed.events().count(), 2);
    }
}
