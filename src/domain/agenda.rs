//! The agenda: one day of the clinic as front-desk staff read it. Every booking of every
//! patient, grouped by clinician or by room, in time order, with the free stretches
//! between them spelled out. The agenda screen and `needleplan agenda` both draw from
//! this, so the screen and the printout always agree.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta};

use super::calendar::{Booking, BookingRef, Calendar, Gap, ResourceKey, Visit};
use super::clinic::{ClinicSettings, Closure, DayHours, Resource};
use super::patient::Patient;
use super::schedule::Slot;
use super::series::{Series, SessionStatus};

/// What the agenda's columns are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Grouping {
    #[default]
    Clinician,
    Room,
}

impl Grouping {
    pub fn label(self) -> &'static str {
        match self {
            Grouping::Clinician => "clinician",
            Grouping::Room => "room",
        }
    }

    pub fn toggled(self) -> Self {
        match self {
            Grouping::Clinician => Grouping::Room,
            Grouping::Room => Grouping::Clinician,
        }
    }
}

/// One visit as the agenda shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgendaBooking {
    pub start: NaiveDateTime,
    pub end: NaiveDateTime,
    pub who: BookingRef,
    /// The patient's name, or a note that the record is missing.
    pub patient_name: String,
    /// "2/3" for a session (second of three), "review +3 mo" for a result review.
    pub visit: String,
    pub status: SessionStatus,
    /// Display names; `None` when the visit has none yet.
    pub clinician: Option<String>,
    pub room: Option<String>,
    /// Starts before the booking before it in the same column ends: double-booked.
    pub overlaps: bool,
    /// Not inside the day's opening hours (or the clinic is closed that day).
    pub outside_hours: bool,
}

impl AgendaBooking {
    /// "session 2/3" or "review +3 mo".
    pub fn visit_long(&self) -> String {
        match self.who.visit {
            Visit::Session(_) => format!("session {}", self.visit),
            Visit::Review(_) => self.visit.clone(),
        }
    }

    /// What the other grouping would say: the room when grouped by clinician, and the
    /// other way round.
    pub fn other(&self, grouping: Grouping) -> &str {
        let other = match grouping {
            Grouping::Clinician => &self.room,
            Grouping::Room => &self.clinician,
        };
        other.as_deref().unwrap_or(match grouping {
            Grouping::Clinician => "no room",
            Grouping::Room => "no clinician",
        })
    }

    pub fn minutes(&self) -> i64 {
        (self.end - self.start).num_minutes()
    }
}

/// One line of a column, in time order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    Booking(AgendaBooking),
    Free(Gap),
    /// The slot "find next free slot" found, cut out of the free time around it.
    Found(Slot),
}

impl Entry {
    pub fn start(&self) -> NaiveTime {
        match self {
            Entry::Booking(b) => b.start.time(),
            Entry::Free(g) => g.start,
            Entry::Found(s) => s.time,
        }
    }
}

/// One clinician's or room's day, or the visits that have none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lane {
    /// `None` for the visits without a clinician (or room).
    pub id: Option<String>,
    pub name: String,
    /// Not bookable any more; shown only because it still holds visits that day.
    pub inactive: bool,
    pub entries: Vec<Entry>,
}

impl Lane {
    pub fn booking_count(&self) -> usize {
        self.entries
            .iter()
            .filter(|e| matches!(e, Entry::Booking(_)))
            .count()
    }

    pub fn bookings(&self) -> impl Iterator<Item = &AgendaBooking> {
        self.entries.iter().filter_map(|e| match e {
            Entry::Booking(b) => Some(b),
            _ => None,
        })
    }

    /// Free minutes inside opening hours (a found slot counts as free: it is not booked).
    pub fn free_minutes(&self) -> i64 {
        self.entries
            .iter()
            .map(|e| match e {
                Entry::Free(g) => g.minutes(),
                Entry::Found(s) => s.minutes as i64,
                Entry::Booking(_) => 0,
            })
            .sum()
    }
}

/// One day of the agenda.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayAgenda {
    pub date: NaiveDate,
    pub grouping: Grouping,
    /// Opening hours; `None` when closed.
    pub hours: Option<DayHours>,
    /// Why the clinic is closed, when it is.
    pub closure: Option<Closure>,
    /// Every active clinician (or room) of an open day, in the clinic's order; then any
    /// inactive or unknown one holding visits; then the visits without one. A closed
    /// day lists only columns that hold visits.
    pub lanes: Vec<Lane>,
}

impl DayAgenda {
    pub fn booking_count(&self) -> usize {
        self.lanes.iter().map(Lane::booking_count).sum()
    }

    /// Every entry in reading order (column by column, each in time order): what the
    /// selection moves through. Items are (lane, entry) indices.
    pub fn items(&self) -> Vec<(usize, usize)> {
        self.lanes
            .iter()
            .enumerate()
            .flat_map(|(l, lane)| (0..lane.entries.len()).map(move |e| (l, e)))
            .collect()
    }

    pub fn item(&self, index: usize) -> Option<&Entry> {
        let (l, e) = *self.items().get(index)?;
        self.lanes.get(l)?.entries.get(e)
    }

    /// Index (as in [`DayAgenda::items`]) of the first booking, else 0.
    pub fn first_booking_item(&self) -> usize {
        self.position(|e| matches!(e, Entry::Booking(_))).unwrap_or(0)
    }

    /// Index of the found slot, if the day shows one.
    pub fn found_item(&self) -> Option<usize> {
        self.position(|e| matches!(e, Entry::Found(_)))
    }

    fn position(&self, pred: impl Fn(&Entry) -> bool) -> Option<usize> {
        self.lanes
            .iter()
            .flat_map(|lane| lane.entries.iter())
            .position(pred)
    }
}

/// The Monday of `date`'s week.
pub fn week_start(date: NaiveDate) -> NaiveDate {
    date - TimeDelta::days(date.weekday().num_days_from_monday() as i64)
}

/// Session `index` of a series as "n/N": its place among the sessions that are or will
/// be part of the course (cancelled and missed ones drop out), in time order.
pub fn session_number(series: &Series, index: usize) -> (usize, usize) {
    let counted = |s: &&super::series::Session| s.status.counts_for_interval();
    let total = series.sessions.iter().filter(counted).count();
    let Some(me) = series.sessions.get(index) else {
        return (index + 1, total);
    };
    let key = (me.starts_at(), index);
    let before = series
        .sessions
        .iter()
        .enumerate()
        .filter(|(i, s)| counted(s) && (s.starts_at(), *i) < key)
        .count();
    // A cancelled session still gets a place, after those before it.
    (before + 1, total.max(before + 1))
}

/// The "2/3" or "review +3 mo" label of a visit, and its status.
fn describe(patient: Option<&Patient>, who: &BookingRef) -> (String, SessionStatus) {
    let series = patient.and_then(|p| p.series.get(who.series));
    match (series, who.visit) {
        (Some(s), Visit::Session(i)) => {
            let (n, total) = session_number(s, i);
            let status = s.sessions.get(i).map_or(SessionStatus::Planned, |x| x.status);
            (format!("{n}/{total}"), status)
        }
        (Some(s), Visit::Review(i)) => match s.reviews.get(i) {
            Some(r) => (format!("review +{} mo", r.month), r.status),
            None => ("review".into(), SessionStatus::Planned),
        },
        (None, Visit::Session(i)) => (format!("{}/?", i + 1), SessionStatus::Planned),
        (None, Visit::Review(_)) => ("review".into(), SessionStatus::Planned),
    }
}

/// The patients that `bookings` name, found in one pass over `patients`.
fn patients_named<'a>(patients: &'a [Patient], bookings: &[&Booking]) -> HashMap<&'a str, &'a Patient> {
    let wanted: std::collections::HashSet<&str> = bookings.iter().map(|b| &*b.who.patient_id).collect();
    let mut found = HashMap::with_capacity(wanted.len());
    if wanted.is_empty() {
        return found;
    }
    for p in patients {
        if wanted.contains(p.id.as_str()) {
            found.insert(p.id.as_str(), p);
            if found.len() == wanted.len() {
                break;
            }
        }
    }
    found
}

fn lane_key(grouping: Grouping, id: &str) -> ResourceKey<'_> {
    match grouping {
        Grouping::Clinician => ResourceKey::Clinician(id),
        Grouping::Room => ResourceKey::Room(id),
    }
}

/// Builds one day of the agenda. `found` is a slot found by "find next free slot": when
/// it is on this day and still free it shows, cut out of the free time of its column.
pub fn day(
    settings: &ClinicSettings,
    calendar: &Calendar,
    patients: &[Patient],
    date: NaiveDate,
    grouping: Grouping,
    found: Option<&Slot>,
) -> DayAgenda {
    let hours = settings.hours_on(date);
    let closure = settings.closure(date);
    let on_day: Vec<&Booking> = calendar.bookings_on(date).collect();
    let names = patients_named(patients, &on_day);
    let resources: &[Resource] = match grouping {
        Grouping::Clinician => &settings.clinicians,
        Grouping::Room => &settings.rooms,
    };
    let resource_of = |b: &Booking| match grouping {
        Grouping::Clinician => b.clinician.clone(),
        Grouping::Room => b.room.clone(),
    };

    // Columns: the active resources (an open day), then others holding visits, then none.
    let mut ids: Vec<(Option<String>, String, bool)> = Vec::new();
    if hours.is_some() {
        for r in resources.iter().filter(|r| r.active) {
            ids.push((Some(r.id.clone()), r.name.clone(), false));
        }
    }
    let mut unassigned = false;
    for b in &on_day {
        match resource_of(b) {
            None => unassigned = true,
            Some(id) if !ids.iter().any(|(i, _, _)| i.as_deref() == Some(&*id)) => {
                let r = resources.iter().find(|r| r.id == *id);
                let name = r.map_or_else(|| id.to_string(), |r| r.name.clone());
                ids.push((Some(id.to_string()), name, r.is_none_or(|r| !r.active)));
            }
            Some(_) => {}
        }
    }
    if unassigned {
        let name = match grouping {
            Grouping::Clinician => "No clinician",
            Grouping::Room => "No room",
        };
        ids.push((None, name.into(), false));
    }

    let found = found.filter(|s| {
        s.date == date
            && calendar.is_free(ResourceKey::Clinician(&s.clinician), s.start(), slot_end(s), &[])
            && calendar.is_free(ResourceKey::Room(&s.room), s.start(), slot_end(s), &[])
    });
    let lanes = ids
        .into_iter()
        .map(|(id, name, inactive)| {
            let mut mine: Vec<&Booking> = on_day
                .iter()
                .copied()
                .filter(|b| resource_of(b).as_deref() == id.as_deref())
                .collect();
            mine.sort_by_key(|b| (b.start, b.end()));
            let mut entries = Vec::new();
            let mut latest_end: Option<NaiveDateTime> = None;
            for b in mine {
                let patient = names.get(&*b.who.patient_id).copied();
                let (visit, status) = describe(patient, &b.who);
                let outside_hours =
                    hours.is_none_or(|h| b.start < date.and_time(h.open) || b.end() > date.and_time(h.close));
                entries.push(Entry::Booking(AgendaBooking {
                    start: b.start,
                    end: b.end(),
                    who: b.who.clone(),
                    patient_name: patient.map_or_else(
                        || format!("(record {} not loaded)", b.who.patient_id),
                        |p| p.full_name.clone(),
                    ),
                    visit,
                    status,
                    clinician: b
                        .clinician
                        .as_deref()
                        .map(|c| settings.clinician_name(c).to_string()),
                    room: b.room.as_deref().map(|r| settings.room_name(r).to_string()),
                    overlaps: id.is_some() && latest_end.is_some_and(|e| b.start < e),
                    outside_hours,
                }));
                latest_end = latest_end.max(Some(b.end()));
            }
            if let (Some(id), Some(h)) = (&id, hours) {
                let key = lane_key(grouping, id);
                for gap in calendar.free_gaps(key, date, h) {
                    let slot_here = found.filter(|s| {
                        let rid = match grouping {
                            Grouping::Clinician => &s.clinician,
                            Grouping::Room => &s.room,
                        };
                        rid == id && s.time >= gap.start && slot_end(s).time() <= gap.end
                    });
                    match slot_here {
                        Some(s) => {
                            let end = slot_end(s).time();
                            if gap.start < s.time {
                                entries.push(Entry::Free(Gap {
                                    start: gap.start,
                                    end: s.time,
                                }));
                            }
                            entries.push(Entry::Found(s.clone()));
                            if end < gap.end {
                                entries.push(Entry::Free(Gap {
                                    start: end,
                                    end: gap.end,
                                }));
                            }
                        }
                        None => entries.push(Entry::Free(gap)),
                    }
                }
            }
            // Bookings first at equal times (a gap never starts where a booking does,
            // but a booking can start inside another one's time).
            entries.sort_by_key(|e| (e.start(), !matches!(e, Entry::Booking(_))));
            Lane {
                id,
                name,
                inactive,
                entries,
            }
        })
        .collect();
    DayAgenda {
        date,
        grouping,
        hours,
        closure,
        lanes,
    }
}

fn slot_end(s: &Slot) -> NaiveDateTime {
    s.start() + TimeDelta::minutes(s.minutes as i64)
}

/// "1h30", "45 min", "9h".
pub fn duration_label(minutes: i64) -> String {
    match (minutes / 60, minutes % 60) {
        (0, m) => format!("{m} min"),
        (h, 0) => format!("{h}h"),
        (h, m) => format!("{h}h{m:02}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::patient::{PatientDetails, PatientId};
    use crate::domain::series::Session;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn t(s: &str) -> NaiveTime {
        NaiveTime::parse_from_str(s, "%H:%M").unwrap()
    }

    fn session(
        date: &str,
        time: &str,
        clin: Option<&str>,
        room: Option<&str>,
        status: SessionStatus,
    ) -> Session {
        Session {
            clinician: clin.map(Into::into),
            room: room.map(Into::into),
            status,
            ..Session::planned(d(date), Some(t(time)))
        }
    }

    fn patient(id: &str, name: &str, sessions: Vec<Session>) -> Patient {
        let details = PatientDetails {
            full_name: name.into(),
            ..PatientDetails::default()
        };
        let mut p = Patient::new(PatientId::new(id).unwrap(), details, d("2026-09-01"));
        p.series.push(Series {
            protocol_id: "std".into(),
            protocol_name: "Standard".into(),
            interval_days: 28,
            min_interval_days: 14,
            created: d("2026-09-01"),
            sessions,
            ..Series::default()
        });
        p
    }

    fn clinic() -> (ClinicSettings, Vec<Patient>) {
        let settings = crate::store::demo::demo_settings();
        let patients = vec![
            patient(
                "p-1",
                "Ada",
                vec![
                    session(
                        "2026-11-02",
                        "10:00",
                        Some("amara"),
                        Some("room-1"),
                        SessionStatus::Done,
                    ),
                    session(
                        "2026-12-01",
                        "11:00",
                        Some("amara"),
                        Some("room-1"),
                        SessionStatus::Booked,
                    ),
                ],
            ),
            patient(
                "p-2",
                "Bea",
                vec![
                    session(
                        "2026-12-01",
                        "09:00",
                        Some("ben"),
                        Some("room-1"),
                        SessionStatus::Planned,
                    ),
                    session("2026-11-20", "09:00", None, None, SessionStatus::Cancelled),
                ],
            ),
            patient(
                "p-3",
                "Cy",
                vec![session("2026-12-01", "14:00", None, None, SessionStatus::Booked)],
            ),
        ];
        (settings, patients)
    }

    #[test]
    fn a_day_by_clinician_lists_bookings_gaps_and_the_unassigned() {
        let (settings, patients) = clinic();
        let cal = Calendar::for_clinic(&settings, &patients);
        let day = day(
            &settings,
            &cal,
            &patients,
            d("2026-12-01"),
            Grouping::Clinician,
            None,
        );
        let names: Vec<&str> = day.lanes.iter().map(|l| l.name.as_str()).collect();
        assert_eq!(names, ["Amara Okafor", "Ben Carter", "No clinician"]);
        let amara = &day.lanes[0].entries;
        assert_eq!(amara.len(), 3);
        assert_eq!(
            amara[0],
            Entry::Free(Gap {
                start: t("09:00"),
                end: t("11:00")
            })
        );
        let Entry::Booking(b) = &amara[1] else { panic!() };
        assert_eq!((b.patient_name.as_str(), b.visit.as_str()), ("Ada", "2/2"));
        assert_eq!(b.other(Grouping::Clinician), "Room 1");
        assert_eq!(b.status, SessionStatus::Booked);
        let Entry::Booking(bea) = &day.lanes[1].entries[0] else {
            panic!()
        };
        // The cancelled session does not count: Bea's planned one is 1 of 1.
        assert_eq!(bea.visit, "1/1");
        assert_eq!(day.lanes[2].booking_count(), 1);
        assert_eq!(day.lanes[2].free_minutes(), 0, "no gaps for the unassigned");
        assert_eq!(day.booking_count(), 3);
        assert_eq!(day.first_booking_item(), 1);
    }

    #[test]
    fn by_room_the_shared_room_shows_both_and_a_free_room_is_all_free() {
        let (settings, patients) = clinic();
        let cal = Calendar::for_clinic(&settings, &patients);
        let day = day(&settings, &cal, &patients, d("2026-12-01"), Grouping::Room, None);
        assert_eq!(day.lanes[0].booking_count(), 2);
        assert_eq!(day.lanes[1].free_minutes(), 9 * 60);
        assert_eq!(day.lanes[2].name, "No room");
    }

    #[test]
    fn a_closed_day_says_why_and_keeps_only_columns_with_visits() {
        let (settings, patients) = clinic();
        let cal = Calendar::for_clinic(&settings, &patients);
        let sunday = day(
            &settings,
            &cal,
            &patients,
            d("2026-11-29"),
            Grouping::Clinician,
            None,
        );
        assert!(sunday.hours.is_none());
        assert_eq!(
            sunday.closure.unwrap().to_string(),
            "the clinic is closed on Sundays"
        );
        assert!(sunday.lanes.is_empty());
    }

    #[test]
    fn a_found_slot_is_cut_out_of_its_gap_and_dropped_once_taken() {
        let (settings, patients) = clinic();
        let cal = Calendar::for_clinic(&settings, &patients);
        let slot = Slot {
            date: d("2026-12-01"),
            time: t("12:00"),
            minutes: 60,
            clinician: "amara".into(),
            room: "room-2".into(),
        };
        let day1 = day(
            &settings,
            &cal,
            &patients,
            d("2026-12-01"),
            Grouping::Clinician,
            Some(&slot),
        );
        let kinds: Vec<String> = day1.lanes[0]
            .entries
            .iter()
            .map(|e| match e {
                Entry::Booking(b) => format!("booking {}", b.start.time()),
                Entry::Free(g) => format!("free {}-{}", g.start, g.end),
                Entry::Found(s) => format!("found {}", s.time),
            })
            .collect();
        assert_eq!(
            kinds,
            [
                "free 09:00:00-11:00:00",
                "booking 11:00:00",
                "found 12:00:00",
                "free 13:00:00-18:00:00"
            ]
        );
        assert_eq!(day1.found_item(), Some(2));
        let taken = Slot {
            time: t("11:00"),
            ..slot
        };
        let day2 = day(
            &settings,
            &cal,
            &patients,
            d("2026-12-01"),
            Grouping::Clinician,
            Some(&taken),
        );
        assert_eq!(day2.found_item(), None);
    }

    #[test]
    fn double_bookings_are_flagged() {
        let settings = crate::store::demo::demo_settings();
        let patients = vec![
            patient(
                "p-1",
                "Ada",
                vec![session(
                    "2026-12-01",
                    "10:00",
                    Some("amara"),
                    Some("room-1"),
                    SessionStatus::Booked,
                )],
            ),
            patient(
                "p-2",
                "Bea",
                vec![session(
                    "2026-12-01",
                    "10:30",
                    Some("amara"),
                    Some("room-2"),
                    SessionStatus::Booked,
                )],
            ),
        ];
        let cal = Calendar::for_clinic(&settings, &patients);
        let day = day(
            &settings,
            &cal,
            &patients,
            d("2026-12-01"),
            Grouping::Clinician,
            None,
        );
        let flags: Vec<bool> = day.lanes[0].bookings().map(|b| b.overlaps).collect();
        assert_eq!(flags, [false, true]);
    }

    #[test]
    fn weeks_start_on_monday_and_durations_read_short() {
        assert_eq!(week_start(d("2026-11-29")), d("2026-11-23"));
        assert_eq!(week_start(d("2026-11-23")), d("2026-11-23"));
        assert_eq!(duration_label(90), "1h30");
        assert_eq!(duration_label(540), "9h");
        assert_eq!(duration_label(45), "45 min");
    }
}
