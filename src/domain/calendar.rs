//! The clinic's calendar: every booked visit of every patient, indexed by start time and
//! by clinician and room, so that "is Amara free 10:00-11:00 on Tuesday?" costs a few
//! B-tree steps even with tens of thousands of bookings.

use std::collections::{BTreeSet, HashMap};
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;

use chrono::{NaiveDate, NaiveDateTime, NaiveTime, TimeDelta};

use super::clinic::{ClinicSettings, DayHours};
use super::patient::Patient;
use super::series::SessionStatus;

/// Which visit of which patient a booking is. Ids are shared (`Arc<str>`): a calendar
/// of 40,000 bookings then holds one copy of each patient's id, not one per visit.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BookingRef {
    pub patient_id: Arc<str>,
    /// Index into the patient's `series`.
    pub series: usize,
    pub visit: Visit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Visit {
    /// Index into the series' `sessions`.
    Session(usize),
    /// Index into the series' `reviews`.
    Review(usize),
}

impl BookingRef {
    pub fn session(patient_id: &str, series: usize, session: usize) -> Self {
        Self {
            patient_id: patient_id.into(),
            series,
            visit: Visit::Session(session),
        }
    }

    pub fn review(patient_id: &str, series: usize, review: usize) -> Self {
        Self {
            patient_id: patient_id.into(),
            series,
            visit: Visit::Review(review),
        }
    }
}

impl std::fmt::Display for BookingRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.visit {
            Visit::Session(i) => write!(f, "patient {} session {}", self.patient_id, i + 1),
            Visit::Review(_) => write!(f, "patient {} review", self.patient_id),
        }
    }
}

/// One visit in the calendar. A visit without a clinician or room is shown in the agenda
/// but blocks nobody.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Booking {
    pub start: NaiveDateTime,
    pub minutes: u32,
    pub clinician: Option<Arc<str>>,
    pub room: Option<Arc<str>>,
    pub who: BookingRef,
}

impl Booking {
    pub fn end(&self) -> NaiveDateTime {
        self.start + TimeDelta::minutes(self.minutes as i64)
    }

    /// Overlaps `[start, end)`: touching ends (back-to-back) do not overlap.
    pub fn overlaps(&self, start: NaiveDateTime, end: NaiveDateTime) -> bool {
        self.start < end && start < self.end()
    }

    fn holds(&self, key: ResourceKey) -> bool {
        match key {
            ResourceKey::Clinician(id) => self.clinician.as_deref() == Some(id),
            ResourceKey::Room(id) => self.room.as_deref() == Some(id),
        }
    }
}

/// A clinician or a room, by id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ResourceKey<'a> {
    Clinician(&'a str),
    Room(&'a str),
}

impl ResourceKey<'_> {
    pub fn id(&self) -> &str {
        match self {
            ResourceKey::Clinician(id) | ResourceKey::Room(id) => id,
        }
    }
}

/// A free stretch of a day, `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Gap {
    pub start: NaiveTime,
    pub end: NaiveTime,
}

impl Gap {
    pub fn minutes(&self) -> i64 {
        (self.end - self.start).num_minutes()
    }
}

type Key = (NaiveDateTime, u32);

/// Start times of one clinician's or room's bookings, and the longest of them (which
/// bounds how far back an overlapping booking can start).
#[derive(Debug, Clone, Default)]
struct Track {
    starts: BTreeSet<Key>,
    longest_minutes: u32,
}

/// FNV-1a: the by-reference map hashes short ids; SipHash's DoS resistance buys nothing
/// here and cost a third of building a 40,000-booking calendar.
#[derive(Default)]
struct Fnv(u64);

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for b in bytes {
            h ^= *b as u64;
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
}

type RefMap = HashMap<BookingRef, u32, BuildHasherDefault<Fnv>>;

/// Tracks by resource id. A clinic has a handful of clinicians and rooms, so a linear
/// search is faster than hashing the id.
type Tracks = Vec<(Arc<str>, Track)>;

fn track_of<'a>(tracks: &'a Tracks, id: &str) -> Option<&'a Track> {
    tracks.iter().find(|(k, _)| &**k == id).map(|(_, t)| t)
}

fn track_mut<'a>(tracks: &'a mut Tracks, id: &str) -> &'a mut Track {
    let i = match tracks.iter().position(|(k, _)| &**k == id) {
        Some(i) => i,
        None => {
            tracks.push((id.into(), Track::default()));
            tracks.len() - 1
        }
    };
    &mut tracks[i].1
}

#[derive(Debug, Clone, Default)]
pub struct Calendar {
    slots: Vec<Option<Booking>>,
    free: Vec<u32>,
    by_ref: RefMap,
    by_start: BTreeSet<Key>,
    clinicians: Tracks,
    rooms: Tracks,
}

impl Calendar {
    pub fn new() -> Self {
        Self::default()
    }

    /// Builds the index in one go (sorted bulk loads, faster than inserting one by one).
    /// A booking whose `who` repeats an earlier one replaces it.
    pub fn build(bookings: impl IntoIterator<Item = Booking>) -> Self {
        let bookings = bookings.into_iter();
        let mut cal = Self::new();
        cal.slots.reserve(bookings.size_hint().0);
        cal.by_ref.reserve(bookings.size_hint().0);
        for b in bookings {
            let id = cal.slots.len() as u32;
            if let Some(old) = cal.by_ref.insert(b.who.clone(), id) {
                cal.slots[old as usize] = None;
                cal.free.push(old);
            }
            cal.slots.push(Some(b));
        }
        let mut all = Vec::with_capacity(cal.slots.len());
        let mut clin: Vec<(Arc<str>, Vec<Key>, u32)> = Vec::new();
        let mut rooms: Vec<(Arc<str>, Vec<Key>, u32)> = Vec::new();
        for (id, b) in cal.slots.iter().enumerate() {
            let Some(b) = b else { continue };
            let key = (b.start, id as u32);
            all.push(key);
            for (list, res) in [(&mut clin, &b.clinician), (&mut rooms, &b.room)] {
                let Some(r) = res else { continue };
                let i = match list.iter().position(|(k, _, _)| k == r) {
                    Some(i) => i,
                    None => {
                        list.push((r.clone(), Vec::new(), 0));
                        list.len() - 1
                    }
                };
                list[i].1.push(key);
                list[i].2 = list[i].2.max(b.minutes);
            }
        }
        cal.by_start = all.into_iter().collect();
        let to_tracks = |list: Vec<(Arc<str>, Vec<Key>, u32)>| {
            list.into_iter()
                .map(|(k, starts, longest_minutes)| {
                    (
                        k,
                        Track {
                            starts: starts.into_iter().collect(),
                            longest_minutes,
                        },
                    )
                })
                .collect()
        };
        cal.clinicians = to_tracks(clin);
        cal.rooms = to_tracks(rooms);
        cal
    }

    /// Every visit of every patient that holds time: planned, booked or done sessions and
    /// reviews with a time of day. Cancelled and missed ones free their slot. Lengths
    /// come from the session, else its series, else `default_minutes`.
    pub fn from_patients<'a>(patients: impl IntoIterator<Item = &'a Patient>, default_minutes: u32) -> Self {
        let mut ids = Interner::default();
        let mut out = Vec::new();
        for p in patients {
            patient_bookings(p, default_minutes, &mut ids, &mut out);
        }
        Self::build(out)
    }

    /// Brings the calendar up to date after one patient changed: the bookings of `old`
    /// go, those of `new` come in. Costs only that patient's visits.
    pub fn replace_patient(&mut self, old: Option<&Patient>, new: Option<&Patient>, default_minutes: u32) {
        let mut ids = Interner::default();
        let mut bookings = Vec::new();
        if let Some(old) = old {
            patient_bookings(old, default_minutes, &mut ids, &mut bookings);
            for b in bookings.drain(..) {
                self.remove(&b.who);
            }
        }
        if let Some(new) = new {
            patient_bookings(new, default_minutes, &mut ids, &mut bookings);
            for b in bookings {
                self.insert(b);
            }
        }
    }

    /// Same as [`Calendar::from_patients`] with the clinic's default length.
    pub fn for_clinic<'a>(
        settings: &ClinicSettings,
        patients: impl IntoIterator<Item = &'a Patient>,
    ) -> Self {
        Self::from_patients(patients, settings.default_minutes)
    }

    pub fn len(&self) -> usize {
        self.by_ref.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_ref.is_empty()
    }

    pub fn get(&self, who: &BookingRef) -> Option<&Booking> {
        self.by_ref
            .get(who)
            .and_then(|&id| self.slots[id as usize].as_ref())
    }

    /// Adds a booking; one already held under the same `who` is replaced (moved).
    pub fn insert(&mut self, booking: Booking) {
        self.remove(&booking.who);
        let id = match self.free.pop() {
            Some(id) => id,
            None => {
                self.slots.push(None);
                (self.slots.len() - 1) as u32
            }
        };
        let key = (booking.start, id);
        self.by_start.insert(key);
        for (tracks, res) in [
            (&mut self.clinicians, &booking.clinician),
            (&mut self.rooms, &booking.room),
        ] {
            if let Some(r) = res {
                let track = track_mut(tracks, r);
                track.starts.insert(key);
                track.longest_minutes = track.longest_minutes.max(booking.minutes);
            }
        }
        self.by_ref.insert(booking.who.clone(), id);
        self.slots[id as usize] = Some(booking);
    }

    /// Takes a booking out (a cancellation, or before re-inserting it moved).
    pub fn remove(&mut self, who: &BookingRef) -> Option<Booking> {
        let id = self.by_ref.remove(who)?;
        let booking = self.slots[id as usize].take()?;
        let key = (booking.start, id);
        self.by_start.remove(&key);
        for (tracks, res) in [
            (&mut self.clinicians, &booking.clinician),
            (&mut self.rooms, &booking.room),
        ] {
            if let Some(r) = res {
                track_mut(tracks, r).starts.remove(&key);
            }
        }
        self.free.push(id);
        Some(booking)
    }

    fn track(&self, key: ResourceKey) -> Option<&Track> {
        match key {
            ResourceKey::Clinician(id) => track_of(&self.clinicians, id),
            ResourceKey::Room(id) => track_of(&self.rooms, id),
        }
    }

    /// Bookings of `key` that overlap `[start, end)`, in start order, leaving out those
    /// in `ignore` (the visits being moved).
    pub fn conflicts<'a>(
        &'a self,
        key: ResourceKey,
        start: NaiveDateTime,
        end: NaiveDateTime,
        ignore: &'a [BookingRef],
    ) -> impl Iterator<Item = &'a Booking> + 'a {
        let found = self.track(key).map(|track| {
            let from = start - TimeDelta::minutes(track.longest_minutes as i64);
            track
                .starts
                .range((from, 0)..(end, 0))
                .filter_map(|&(_, id)| self.slots[id as usize].as_ref())
        });
        found
            .into_iter()
            .flatten()
            .filter(move |b| b.overlaps(start, end) && !ignore.contains(&b.who))
    }

    pub fn is_free(
        &self,
        key: ResourceKey,
        start: NaiveDateTime,
        end: NaiveDateTime,
        ignore: &[BookingRef],
    ) -> bool {
        self.conflicts(key, start, end, ignore).next().is_none()
    }

    /// Every visit starting in `[from, to)`, in start order.
    pub fn bookings_between(&self, from: NaiveDateTime, to: NaiveDateTime) -> impl Iterator<Item = &Booking> {
        self.by_start
            .range((from, 0)..(to, 0))
            .filter_map(|&(_, id)| self.slots[id as usize].as_ref())
    }

    /// Every visit starting on `date`, in start order (the agenda's day view).
    pub fn bookings_on(&self, date: NaiveDate) -> impl Iterator<Item = &Booking> {
        let from = date.and_time(NaiveTime::MIN);
        self.bookings_between(from, from + TimeDelta::days(1))
    }

    /// Bookings of one clinician or room that overlap `date`, in start order.
    pub fn bookings_of(&self, key: ResourceKey, date: NaiveDate) -> Vec<&Booking> {
        let from = date.and_time(NaiveTime::MIN);
        self.conflicts(key, from, from + TimeDelta::days(1), &[])
            .filter(|b| b.holds(key))
            .collect()
    }

    /// The free stretches of `key` inside `hours` on `date`, in order.
    pub fn free_gaps(&self, key: ResourceKey, date: NaiveDate, hours: DayHours) -> Vec<Gap> {
        let open = date.and_time(hours.open);
        let close = date.and_time(hours.close);
        let mut gaps = Vec::new();
        let mut cursor = open;
        for b in self.conflicts(key, open, close, &[]) {
            if b.start > cursor {
                gaps.push(Gap {
                    start: cursor.time(),
                    end: b.start.time(),
                });
            }
            cursor = cursor.max(b.end());
        }
        if cursor < close {
            gaps.push(Gap {
                start: cursor.time(),
                end: hours.close,
            });
        }
        gaps
    }
}

/// One shared copy of each clinician and room id (there are a handful).
#[derive(Default)]
struct Interner(Vec<Arc<str>>);

impl Interner {
    fn get(&mut self, id: &Option<String>) -> Option<Arc<str>> {
        let id = id.as_deref()?;
        if let Some(a) = self.0.iter().find(|a| &***a == id) {
            return Some(a.clone());
        }
        let a: Arc<str> = id.into();
        self.0.push(a.clone());
        Some(a)
    }
}

fn holds_time(status: SessionStatus) -> bool {
    matches!(
        status,
        SessionStatus::Planned | SessionStatus::Booked | SessionStatus::Done
    )
}

/// The bookings one patient's visits hold (see [`Calendar::from_patients`]).
fn patient_bookings(p: &Patient, default_minutes: u32, ids: &mut Interner, out: &mut Vec<Booking>) {
    let pid: Arc<str> = p.id.as_str().into();
    for (si, series) in p.series.iter().enumerate() {
        let who = |visit| BookingRef {
            patient_id: pid.clone(),
            series: si,
            visit,
        };
        for (i, s) in series.sessions.iter().enumerate() {
            let Some(time) = s.time else { continue };
            if !holds_time(s.status) {
                continue;
            }
            out.push(Booking {
                start: s.date.and_time(time),
                minutes: series.minutes_of(i, default_minutes),
                clinician: ids.get(&s.clinician),
                room: ids.get(&s.room),
                who: who(Visit::Session(i)),
            });
        }
        for (i, r) in series.reviews.iter().enumerate() {
            let Some(time) = r.time else { continue };
            if !holds_time(r.status) {
                continue;
            }
            out.push(Booking {
                start: r.date.and_time(time),
                minutes: r.minutes.unwrap_or(default_minutes),
                clinician: ids.get(&r.clinician),
                room: ids.get(&r.room),
                who: who(Visit::Review(i)),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }

    fn b(start: &str, minutes: u32, clin: &str, room: &str, n: usize) -> Booking {
        Booking {
            start: at(start),
            minutes,
            clinician: Some(clin.into()),
            room: Some(room.into()),
            who: BookingRef::session("p-1", 0, n),
        }
    }

    fn t(s: &str) -> NaiveTime {
        NaiveTime::parse_from_str(s, "%H:%M").unwrap()
    }

    #[test]
    fn overlap_is_found_per_clinician_and_per_room_and_back_to_back_is_free() {
        let cal = Calendar::build([b("2026-12-01 10:00", 60, "amara", "room-1", 0)]);
        let c = ResourceKey::Clinician("amara");
        let r = ResourceKey::Room("room-1");
        assert!(!cal.is_free(c, at("2026-12-01 10:30"), at("2026-12-01 11:30"), &[]));
        assert!(!cal.is_free(r, at("2026-12-01 09:30"), at("2026-12-01 10:01"), &[]));
        assert!(cal.is_free(c, at("2026-12-01 11:00"), at("2026-12-01 12:00"), &[]));
        assert!(cal.is_free(c, at("2026-12-01 09:00"), at("2026-12-01 10:00"), &[]));
        assert!(cal.is_free(
            ResourceKey::Clinician("ben"),
            at("2026-12-01 10:00"),
            at("2026-12-01 11:00"),
            &[]
        ));
        let me = [BookingRef::session("p-1", 0, 0)];
        assert!(cal.is_free(c, at("2026-12-01 10:00"), at("2026-12-01 11:00"), &me));
    }

    #[test]
    fn a_long_booking_far_before_is_still_seen() {
        // A 4-hour booking and a short one after it: the long one must be found even
        // though the short one is the nearest start.
        let cal = Calendar::build([
            b("2026-12-01 09:00", 240, "amara", "room-1", 0),
            b("2026-12-01 09:30", 15, "amara", "room-2", 1),
        ]);
        let c = ResourceKey::Clinician("amara");
        assert!(!cal.is_free(c, at("2026-12-01 12:00"), at("2026-12-01 12:30"), &[]));
        assert!(cal.is_free(c, at("2026-12-01 13:00"), at("2026-12-01 13:30"), &[]));
    }

    #[test]
    fn insert_remove_and_move() {
        let mut cal = Calendar::new();
        cal.insert(b("2026-12-01 10:00", 60, "amara", "room-1", 0));
        cal.insert(b("2026-12-02 10:00", 60, "amara", "room-1", 1));
        assert_eq!(cal.len(), 2);
        // Re-inserting the same visit moves it.
        cal.insert(b("2026-12-03 10:00", 60, "amara", "room-1", 1));
        assert_eq!(cal.len(), 2);
        assert_eq!(cal.bookings_on("2026-12-02".parse().unwrap()).count(), 0);
        assert_eq!(cal.bookings_on("2026-12-03".parse().unwrap()).count(), 1);
        let gone = cal.remove(&BookingRef::session("p-1", 0, 0)).unwrap();
        assert_eq!(gone.start, at("2026-12-01 10:00"));
        assert!(cal.is_free(
            ResourceKey::Room("room-1"),
            at("2026-12-01 10:00"),
            at("2026-12-01 11:00"),
            &[]
        ));
        assert!(cal.remove(&BookingRef::session("p-1", 0, 0)).is_none());
    }

    #[test]
    fn free_gaps_inside_opening_hours() {
        let cal = Calendar::build([
            b("2026-12-01 08:30", 60, "amara", "room-1", 0),
            b("2026-12-01 11:00", 60, "amara", "room-1", 1),
            b("2026-12-01 12:00", 30, "amara", "room-2", 2),
            b("2026-12-01 17:30", 60, "amara", "room-1", 3),
        ]);
        let gaps = cal.free_gaps(
            ResourceKey::Clinician("amara"),
            "2026-12-01".parse().unwrap(),
            DayHours::new(t("09:00"), t("18:00")),
        );
        assert_eq!(
            gaps,
            vec![
                Gap {
                    start: t("09:30"),
                    end: t("11:00")
                },
                Gap {
                    start: t("12:30"),
                    end: t("17:30")
                },
            ]
        );
        let room2 = cal.free_gaps(
            ResourceKey::Room("room-2"),
            "2026-12-01".parse().unwrap(),
            DayHours::new(t("09:00"), t("18:00")),
        );
        assert_eq!(room2.len(), 2);
    }

    #[test]
    fn bookings_on_a_day_are_in_time_order() {
        let cal = Calendar::build([
            b("2026-12-01 15:00", 60, "amara", "room-1", 0),
            b("2026-12-01 09:00", 60, "ben", "room-2", 1),
            b("2026-12-02 09:00", 60, "ben", "room-2", 2),
        ]);
        let day: Vec<_> = cal
            .bookings_on("2026-12-01".parse().unwrap())
            .map(|b| b.start.time())
            .collect();
        assert_eq!(day, vec![t("09:00"), t("15:00")]);
        assert_eq!(
            cal.bookings_of(ResourceKey::Clinician("ben"), "2026-12-02".parse().unwrap())
                .len(),
            1
        );
    }
}
