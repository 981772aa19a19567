//! Finding free time within one day: the grid of start times inside opening hours,
//! tried against the busy times of the candidate clinicians and rooms.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime, TimeDelta};

use super::SLOT_STEP_MINUTES;
use super::slot_rules::Overlay;
use crate::domain::calendar::{Booking, Calendar, ResourceKey};
use crate::domain::clinic::{ClinicSettings, Closure, Resource};

/// Busy intervals of the candidate clinicians and rooms on one day, gathered once so
/// that trying every start time on the grid costs no further index look-ups.
struct DayBusy {
    clinicians: Vec<Vec<(NaiveDateTime, NaiveDateTime)>>,
    rooms: Vec<Vec<(NaiveDateTime, NaiveDateTime)>>,
}

impl DayBusy {
    fn gather(
        calendar: &Calendar,
        date: NaiveDate,
        clinicians: &[&str],
        rooms: &[&str],
        overlay: Overlay,
    ) -> Self {
        let from = date.and_time(NaiveTime::MIN);
        let to = from + TimeDelta::days(1);
        let collect = |key: ResourceKey| -> Vec<(NaiveDateTime, NaiveDateTime)> {
            let holds = |b: &Booking| match key {
                ResourceKey::Clinician(id) => b.clinician.as_deref() == Some(id),
                ResourceKey::Room(id) => b.room.as_deref() == Some(id),
            };
            calendar
                .conflicts(key, from, to, overlay.ignore)
                .chain(overlay.extra.iter().filter(|b| holds(b) && b.overlaps(from, to)))
                .map(|b| (b.start, b.end()))
                .collect()
        };
        Self {
            clinicians: clinicians
                .iter()
                .map(|c| collect(ResourceKey::Clinician(c)))
                .collect(),
            rooms: rooms.iter().map(|r| collect(ResourceKey::Room(r))).collect(),
        }
    }
}

fn free_in(busy: &[(NaiveDateTime, NaiveDateTime)], start: NaiveDateTime, end: NaiveDateTime) -> bool {
    !busy.iter().any(|&(s, e)| s < end && start < e)
}

/// Why a day has no room for the appointment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum DayMiss {
    Closed(Closure),
    TooShort,
    Full,
}

/// What a search within one day asks for.
pub(super) struct DayAsk<'a> {
    pub(super) minutes: u32,
    /// Try start times nearest to this first (else the earliest first).
    pub(super) preferred_time: Option<NaiveTime>,
    /// No start before this time (the first day of a "from now" search).
    pub(super) earliest: Option<NaiveTime>,
    /// Clinicians and rooms in order of preference; all active.
    pub(super) clinicians: &'a [&'a str],
    pub(super) rooms: &'a [&'a str],
}

/// The first (most preferred) free time, clinician and room on `date`: preferred
/// clinicians first, then the time nearest the preferred one, then preferred rooms.
pub(super) fn find_in_day(
    settings: &ClinicSettings,
    calendar: &Calendar,
    date: NaiveDate,
    ask: &DayAsk,
    overlay: Overlay,
) -> Result<(NaiveTime, usize, usize), DayMiss> {
    let Some(hours) = settings.hours_on(date) else {
        return Err(DayMiss::Closed(
            settings.closure(date).unwrap_or(Closure::Holiday(String::new())),
        ));
    };
    let length = TimeDelta::minutes(ask.minutes as i64);
    let close = date.and_time(hours.close);
    let mut times = Vec::new();
    let mut t = date.and_time(hours.open);
    while t + length <= close {
        if ask.earliest.is_none_or(|e| t.time() >= e) {
            times.push(t);
        }
        t += TimeDelta::minutes(SLOT_STEP_MINUTES);
    }
    if times.is_empty() {
        return Err(
            if ask.earliest.is_some() && hours.minutes() >= ask.minutes as i64 {
                DayMiss::Full
            } else {
                DayMiss::TooShort
            },
        );
    }
    if let Some(pref) = ask.preferred_time {
        let pref = date.and_time(pref);
        times.sort_by_key(|t| ((*t - pref).num_minutes().abs(), *t));
    }
    let busy = DayBusy::gather(calendar, date, ask.clinicians, ask.rooms, overlay);
    for (ci, clin_busy) in busy.clinicians.iter().enumerate() {
        for &start in &times {
            let end = start + length;
            if !free_in(clin_busy, start, end) {
                continue;
            }
            if let Some(ri) = busy.rooms.iter().position(|r| free_in(r, start, end)) {
                return Ok((start.time(), ci, ri));
            }
        }
    }
    Err(DayMiss::Full)
}

/// Active ids of a kind, the preferred ones first (inactive or unknown ones skipped).
pub(super) fn ordered<'a>(
    all: impl Iterator<Item = &'a Resource>,
    preferred: &[Option<&str>],
) -> Vec<&'a str> {
    let active: Vec<&'a str> = all.filter(|r| r.active).map(|r| r.id.as_str()).collect();
    let mut out: Vec<&'a str> = Vec::with_capacity(active.len());
    for p in preferred.iter().flatten() {
        if let Some(&id) = active.iter().find(|id| *id == p)
            && !out.contains(&id)
        {
            out.push(id);
        }
    }
    for id in active {
        if !out.contains(&id) {
            out.push(id);
        }
    }
    out
}
