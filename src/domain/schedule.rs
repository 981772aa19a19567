//! Booking rules and the series builder.
//!
//! Every rule of a booking is checked in one place, [`check_booking`]: open day, inside
//! opening hours, clinician and room free, both active, and at least the series' minimum
//! interval from every other session. Only the interval rule can be overridden, and only
//! with a typed reason ([`refusals`]). [`propose_series`] fits a whole series into the
//! calendar, [`cascade`] moves a session and the ones after it, [`next_free_slot`] and
//! [`next_valid_slot`] find the first free time. All pure: the calendar is passed in.

use std::collections::HashSet;

use chrono::{NaiveDate, NaiveDateTime, NaiveTime, TimeDelta};

use super::calendar::{Booking, BookingRef, Calendar, ResourceKey};
use super::clinic::{ClinicSettings, Closure, DayHours, Resource, weekday_name};
use super::protocol::ProtocolTemplate;
use super::series::{Series, Session, SessionStatus, add_days};

/// Appointments start on this grid, counted from opening time.
pub const SLOT_STEP_MINUTES: i64 = 15;
/// Searches for a free slot look this many days ahead at most, so they always end.
pub const SEARCH_DAYS: i64 = 365;
/// A reason for overriding the minimum interval has at least this many characters.
pub const MIN_OVERRIDE_REASON_CHARS: usize = 4;
/// Shortest and longest appointment.
pub const MINUTES_RANGE: std::ops::RangeInclusive<u32> = 5..=480;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResourceKind {
    Clinician,
    Room,
}

impl ResourceKind {
    pub fn label(self) -> &'static str {
        match self {
            ResourceKind::Clinician => "clinician",
            ResourceKind::Room => "room",
        }
    }
}

/// The booking that is in the way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clash {
    pub start: NaiveDateTime,
    pub end: NaiveDateTime,
    pub who: BookingRef,
}

impl Clash {
    fn of(b: &Booking) -> Self {
        Self {
            start: b.start,
            end: b.end(),
            who: b.who.clone(),
        }
    }
}

/// Why a booking is refused (or, for [`Violation::TooFar`], only warned about).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Violation {
    ClosedDay {
        date: NaiveDate,
        reason: String,
    },
    OutsideHours {
        start: NaiveDateTime,
        end: NaiveDateTime,
        hours: DayHours,
    },
    ClinicianBusy {
        clinician: String,
        clash: Clash,
    },
    RoomBusy {
        room: String,
        clash: Clash,
    },
    InactiveResource {
        kind: ResourceKind,
        id: String,
        name: String,
    },
    UnknownResource {
        kind: ResourceKind,
        id: String,
    },
    BadLength {
        minutes: u32,
    },
    /// Closer than the minimum interval to another session of the series: the only
    /// refusal a typed reason can override.
    TooClose {
        neighbour: usize,
        neighbour_date: NaiveDate,
        days: i64,
        min: u32,
    },
    /// Further than the protocol's maximum from the session before or after: a warning.
    TooFar {
        neighbour: usize,
        neighbour_date: NaiveDate,
        days: i64,
        max: u32,
    },
}

impl Violation {
    /// Only a warning: the booking may go ahead.
    pub fn is_warning(&self) -> bool {
        matches!(self, Violation::TooFar { .. })
    }

    /// A refusal that staff may override with a typed reason.
    pub fn is_overridable(&self) -> bool {
        matches!(self, Violation::TooClose { .. })
    }
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let hm = |t: NaiveDateTime| t.format("%H:%M").to_string();
        match self {
            Violation::ClosedDay { date, reason } => write!(f, "{date}: {reason}"),
            Violation::OutsideHours { start, end, hours } => {
                let end = if end.date() != start.date() {
                    format!("{} next day", hm(*end))
                } else {
                    hm(*end)
                };
                write!(
                    f,
                    "{}-{end} is outside opening hours ({}-{})",
                    hm(*start),
                    hours.open.format("%H:%M"),
                    hours.close.format("%H:%M")
                )
            }
            Violation::ClinicianBusy { clinician, clash } => write!(
                f,
                "{clinician} is already booked {}-{} ({})",
                hm(clash.start),
                hm(clash.end),
                clash.who
            ),
            Violation::RoomBusy { room, clash } => write!(
                f,
                "{room} is already booked {}-{} ({})",
                hm(clash.start),
                hm(clash.end),
                clash.who
            ),
            Violation::InactiveResource { kind, name, .. } => {
                write!(f, "{kind} {name} is marked inactive", kind = kind.label())
            }
            Violation::UnknownResource { kind, id } => {
                write!(f, "there is no {} '{id}' in the clinic settings", kind.label())
            }
            Violation::BadLength { minutes } => write!(
                f,
                "an appointment lasts {} to {} minutes, not {minutes}",
                MINUTES_RANGE.start(),
                MINUTES_RANGE.end()
            ),
            Violation::TooClose {
                neighbour,
                neighbour_date,
                days,
                min,
            } => {
                let when = if *days == 0 {
                    "on the same day as".to_string()
                } else {
                    format!("{days} days from")
                };
                write!(
                    f,
                    "{when} session {} ({neighbour_date}); minimum interval is {min} days",
                    neighbour + 1
                )
            }
            Violation::TooFar {
                neighbour,
                neighbour_date,
                days,
                max,
            } => write!(
                f,
                "{days} days from session {} ({neighbour_date}); the protocol allows at most {max}",
                neighbour + 1
            ),
        }
    }
}

/// A typed reason for overriding the minimum interval, trimmed; refused when too short.
pub fn override_reason(text: &str) -> Result<String, String> {
    let reason = text.trim();
    if reason.chars().count() < MIN_OVERRIDE_REASON_CHARS {
        return Err(format!(
            "type why the minimum interval is overridden (at least {MIN_OVERRIDE_REASON_CHARS} characters)"
        ));
    }
    Ok(reason.to_string())
}

/// The violations that stop a booking: everything but warnings, and the interval rule
/// too unless `override_reason` holds a valid typed reason.
pub fn refusals<'a>(violations: &'a [Violation], override_reason_text: Option<&str>) -> Vec<&'a Violation> {
    let overridden = override_reason_text.is_some_and(|t| override_reason(t).is_ok());
    violations
        .iter()
        .filter(|v| !(v.is_warning() || overridden && v.is_overridable()))
        .collect()
}

/// A series as it sits in the clinic: whose it is and where, so its own bookings can be
/// told apart from everybody else's.
#[derive(Debug, Clone, Copy)]
pub struct SeriesAt<'a> {
    pub patient_id: &'a str,
    pub series_index: usize,
    pub series: &'a Series,
}

impl SeriesAt<'_> {
    pub fn session_ref(&self, index: usize) -> BookingRef {
        BookingRef::session(self.patient_id, self.series_index, index)
    }
}

/// A place in the calendar asked for. Without a time only the day is checked (open day,
/// interval); the hours and the clinician's and room's calendars need a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BookingRequest<'a> {
    pub date: NaiveDate,
    pub time: Option<NaiveTime>,
    pub minutes: u32,
    pub clinician: Option<&'a str>,
    pub room: Option<&'a str>,
}

/// What the calendar looks like for a check: bookings to leave out (the visits being
/// moved) and tentative ones to add (the other rows of a proposal or a cascade).
#[derive(Clone, Copy, Default)]
struct Overlay<'a> {
    ignore: &'a [BookingRef],
    extra: &'a [Booking],
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

fn slot_violations(
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

/// Interval rules of the series for a session on `date`: too close to any counted
/// session (refusal), too far from the one just before or after (warning).
fn interval_violations(series: &Series, index: Option<usize>, date: NaiveDate, out: &mut Vec<Violation>) {
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

// ---------------------------------------------------------------------------------
// Finding free time in a day.

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
enum DayMiss {
    Closed(Closure),
    TooShort,
    Full,
}

/// What a search within one day asks for.
struct DayAsk<'a> {
    minutes: u32,
    /// Try start times nearest to this first (else the earliest first).
    preferred_time: Option<NaiveTime>,
    /// No start before this time (the first day of a "from now" search).
    earliest: Option<NaiveTime>,
    /// Clinicians and rooms in order of preference; all active.
    clinicians: &'a [&'a str],
    rooms: &'a [&'a str],
}

/// The first (most preferred) free time, clinician and room on `date`: preferred
/// clinicians first, then the time nearest the preferred one, then preferred rooms.
fn find_in_day(
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
fn ordered<'a>(all: impl Iterator<Item = &'a Resource>, preferred: &[Option<&str>]) -> Vec<&'a str> {
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

// ---------------------------------------------------------------------------------
// Free slots.

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

// ---------------------------------------------------------------------------------
// Series builder.

/// What a new series is proposed from: a protocol's numbers (possibly changed) and the
/// patient's wishes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProposalPlan {
    pub sessions: u32,
    pub interval_days: u32,
    pub min_interval_days: u32,
    pub max_interval_days: u32,
    pub minutes: u32,
    pub first_date: NaiveDate,
    pub preferred_time: Option<NaiveTime>,
    pub clinician: Option<String>,
    pub room: Option<String>,
}

impl ProposalPlan {
    pub fn from_protocol(p: &ProtocolTemplate, first_date: NaiveDate) -> Self {
        Self {
            sessions: p.sessions,
            interval_days: p.interval_days,
            min_interval_days: p.min_interval_days,
            max_interval_days: p.max_interval_days,
            minutes: p.session_minutes,
            first_date,
            preferred_time: None,
            clinician: None,
            room: None,
        }
    }

    pub fn validate(&self, settings: &ClinicSettings) -> Result<(), String> {
        if !(1..=20).contains(&self.sessions) {
            return Err("sessions must be between 1 and 20".into());
        }
        if self.min_interval_days == 0 {
            return Err("the minimum interval must be at least 1 day".into());
        }
        if self.interval_days < self.min_interval_days {
            return Err("the target interval must not be below the minimum".into());
        }
        if self.max_interval_days < self.interval_days {
            return Err("the maximum interval must not be below the target".into());
        }
        if !MINUTES_RANGE.contains(&self.minutes) {
            return Err(format!(
                "a session lasts {} to {} minutes",
                MINUTES_RANGE.start(),
                MINUTES_RANGE.end()
            ));
        }
        for (kind, want, list) in [
            ("clinician", &self.clinician, &settings.clinicians),
            ("room", &self.room, &settings.rooms),
        ] {
            if let Some(id) = want {
                match list.iter().find(|r| &r.id == id) {
                    None => return Err(format!("there is no {kind} '{id}'")),
                    Some(r) if !r.active => return Err(format!("{kind} {} is marked inactive", r.name)),
                    Some(_) => {}
                }
            }
        }
        Ok(())
    }

    /// An empty series with this plan's rules (the numbers the interval checks use).
    fn rules_series(&self) -> Series {
        Series {
            interval_days: self.interval_days,
            min_interval_days: self.min_interval_days,
            max_interval_days: Some(self.max_interval_days),
            session_minutes: Some(self.minutes),
            target_sessions: Some(self.sessions),
            ..Series::default()
        }
    }
}

/// One proposed session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proposal {
    pub date: NaiveDate,
    pub time: NaiveTime,
    pub minutes: u32,
    pub clinician: String,
    pub room: String,
    /// Days after the session before (for the preview).
    pub gap_days: Option<i64>,
}

impl Proposal {
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
) -> Result<Vec<Proposal>, String> {
    plan.validate(settings)?;
    if settings.active_clinicians().next().is_none() || settings.active_rooms().next().is_none() {
        return Err("the clinic has no active clinician or no active room".into());
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
        Err(search.explain())
    }
}

/// Checks proposal rows as edited in the preview: every rule, against the calendar and
/// against each other. Returns each row's violations (warnings included); the rows may
/// be confirmed when [`refusals`] of each is empty.
pub fn check_proposals(
    settings: &ClinicSettings,
    calendar: &Calendar,
    plan: &ProposalPlan,
    rows: &[Proposal],
) -> Vec<(usize, Violation)> {
    let mut series = plan.rules_series();
    series.sessions = rows
        .iter()
        .map(|r| Session::planned(r.date, Some(r.time)))
        .collect();
    let at = SeriesAt {
        patient_id: "",
        series_index: usize::MAX,
        series: &series,
    };
    let requests: Vec<BookingRequest> = rows.iter().map(Proposal::request).collect();
    check_rows(
        settings,
        calendar,
        &at,
        &requests,
        &(0..rows.len()).collect::<Vec<_>>(),
    )
}

/// Checks sessions `indices` of a series at the places `requests` (one per index), as
/// if all of them moved together: their old bookings are left out and each must fit
/// with the others' new ones.
fn check_rows(
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

/// A confirmed proposal as a series: every session booked with its time, clinician,
/// room and length; the plan's rules copied for later checks.
pub fn build_series(
    protocol_id: &str,
    protocol_name: &str,
    plan: &ProposalPlan,
    rows: &[Proposal],
    today: NaiveDate,
) -> Series {
    let sessions = rows
        .iter()
        .map(|r| Session {
            date: r.date,
            time: Some(r.time),
            status: SessionStatus::Booked,
            clinician: Some(r.clinician.clone()),
            room: Some(r.room.clone()),
            minutes: (r.minutes != plan.minutes).then_some(r.minutes),
            ..Session::default()
        })
        .collect();
    Series {
        protocol_id: protocol_id.into(),
        protocol_name: protocol_name.into(),
        created: today,
        sessions,
        ..plan.rules_series()
    }
}

// ---------------------------------------------------------------------------------
// Moving sessions.

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
/// other. Refused as a whole, with each reason, if any moved session breaks a rule. A
/// later session that already carries an interval override keeps it.
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
    let found = check_rows(settings, calendar, &shifted_at, &requests, &indices);
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
    use crate::domain::clinic::ClosedDate;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn t(s: &str) -> NaiveTime {
        NaiveTime::parse_from_str(s, "%H:%M").unwrap()
    }

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }

    /// Defaults (Mon-Fri 09-18, Sat 09-13, Sun closed) plus Christmas.
    fn clinic() -> ClinicSettings {
        let mut c = ClinicSettings::default();
        c.closed_dates.push(ClosedDate {
            date: d("2026-12-25"),
            reason: "Christmas".into(),
        });
        c
    }

    fn booking(start: &str, minutes: u32, clin: &str, room: &str, patient: &str) -> Booking {
        Booking {
            start: at(start),
            minutes,
            clinician: Some(clin.into()),
            room: Some(room.into()),
            who: BookingRef::session(patient, 0, 0),
        }
    }

    fn req<'a>(date: &str, time: &str, clin: &'a str, room: &'a str) -> BookingRequest<'a> {
        BookingRequest {
            date: d(date),
            time: Some(t(time)),
            minutes: 60,
            clinician: Some(clin),
            room: Some(room),
        }
    }

    /// A series of booked sessions on `dates`, 14-day minimum, 42-day maximum.
    fn series(dates: &[&str]) -> Series {
        Series {
            interval_days: 28,
            min_interval_days: 14,
            max_interval_days: Some(42),
            sessions: dates
                .iter()
                .map(|s| Session {
                    date: d(s),
                    time: Some(t("10:00")),
                    status: SessionStatus::Booked,
                    clinician: Some("amara".into()),
                    room: Some("room-1".into()),
                    ..Session::default()
                })
                .collect(),
            ..Series::default()
        }
    }

    fn at_series(s: &Series) -> SeriesAt<'_> {
        SeriesAt {
            patient_id: "p-me",
            series_index: 0,
            series: s,
        }
    }

    fn calendar_of(s: &Series) -> Calendar {
        Calendar::build(s.sessions.iter().enumerate().map(|(i, x)| Booking {
            start: x.starts_at(),
            minutes: 60,
            clinician: x.clinician.as_deref().map(Into::into),
            room: x.room.as_deref().map(Into::into),
            who: BookingRef::session("p-me", 0, i),
        }))
    }

    fn only(v: &[Violation]) -> &Violation {
        assert_eq!(v.len(), 1, "{v:?}");
        &v[0]
    }

    // ---- check_booking: one test per rule --------------------------------------

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

    // ---- propose_series ---------------------------------------------------------

    fn plan(first: &str, sessions: u32) -> ProposalPlan {
        ProposalPlan {
            sessions,
            interval_days: 28,
            min_interval_days: 14,
            max_interval_days: 42,
            minutes: 60,
            first_date: d(first),
            preferred_time: Some(t("10:00")),
            clinician: None,
            room: None,
        }
    }

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
        let e = propose_series(&c, &Calendar::new(), &p).unwrap_err();
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

    #[test]
    fn a_bad_plan_is_refused() {
        let mut p = plan("2026-12-01", 3);
        p.min_interval_days = 30;
        assert!(
            propose_series(&clinic(), &Calendar::new(), &p)
                .unwrap_err()
                .contains("target")
        );
        let mut p = plan("2026-12-01", 3);
        p.clinician = Some("nobody".into());
        assert!(
            propose_series(&clinic(), &Calendar::new(), &p)
                .unwrap_err()
                .contains("nobody")
        );
    }

    #[test]
    fn edited_rows_are_checked_against_each_other() {
        let p = plan("2026-12-01", 2);
        let mut rows = propose_series(&clinic(), &Calendar::new(), &p).unwrap();
        rows[1].date = d("2026-12-08");
        let v = check_proposals(&clinic(), &Calendar::new(), &p, &rows);
        // Both rows are too close to each other.
        assert_eq!(v.len(), 2, "{v:?}");
        assert!(v.iter().all(|(_, v)| v.is_overridable()));
        let series = build_series("acne", "Acne", &p, &rows, d("2026-11-25"));
        assert_eq!(series.sessions[1].status, SessionStatus::Booked);
        assert_eq!(series.sessions[1].clinician.as_deref(), Some("amara"));
        assert_eq!(series.max_interval_days, Some(42));
    }

    // ---- cascade ------------------------------------------------------------------

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

    // ---- free slots ---------------------------------------------------------------

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
