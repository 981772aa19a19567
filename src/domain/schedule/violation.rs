//! Why a booking is refused or warned about, in words a front desk can act on, and
//! which refusals a typed reason may override.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

use super::{MIN_OVERRIDE_REASON_CHARS, MINUTES_RANGE};
use crate::domain::calendar::{Booking, BookingRef};
use crate::domain::clinic::DayHours;
use crate::domain::series::SessionStatus;

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
    pub(super) fn of(b: &Booking) -> Self {
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
    /// Booked without a time: such a session is in no agenda and no clinician's or
    /// room's clash is checked, so it is refused (a planned one may stay without).
    BookedWithoutTime {
        date: NaiveDate,
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

/// The booking in the way, in words: "Zoë Adams, session 2" when `name_of` knows the
/// patient (the app passes the loaded patients' names), else "patient p-... session 2".
fn clash_text(who: &BookingRef, name_of: &dyn Fn(&str) -> Option<String>) -> String {
    match (name_of(&who.patient_id), who.visit) {
        (Some(name), crate::domain::calendar::Visit::Session(i)) => format!("{name}, session {}", i + 1),
        (Some(name), crate::domain::calendar::Visit::Review(_)) => format!("{name}, review"),
        (None, _) => who.to_string(),
    }
}

impl Violation {
    /// The message with the patient in the way named by `name_of` (their name in the app;
    /// `Display` gives their id, for contexts that hold no names).
    pub fn text(&self, name_of: &dyn Fn(&str) -> Option<String>) -> String {
        struct With<'a>(&'a Violation, &'a dyn Fn(&str) -> Option<String>);
        impl std::fmt::Display for With<'_> {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.write(f, self.1)
            }
        }
        With(self, name_of).to_string()
    }

    fn write(
        &self,
        f: &mut std::fmt::Formatter<'_>,
        name_of: &dyn Fn(&str) -> Option<String>,
    ) -> std::fmt::Result {
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
                clash_text(&clash.who, name_of)
            ),
            Violation::RoomBusy { room, clash } => write!(
                f,
                "{room} is already booked {}-{} ({})",
                hm(clash.start),
                hm(clash.end),
                clash_text(&clash.who, name_of)
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
            Violation::BookedWithoutTime { date } => write!(
                f,
                "the session of {date} is booked without a time: give it a time (HH:MM), or leave it planned"
            ),
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

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.write(f, &|_| None)
    }
}

/// A session booked on `date` without a time is refused ([`Violation::BookedWithoutTime`]);
/// any other status may go without one.
pub fn booked_without_time(
    status: SessionStatus,
    date: NaiveDate,
    time: Option<NaiveTime>,
) -> Option<Violation> {
    (status == SessionStatus::Booked && time.is_none()).then_some(Violation::BookedWithoutTime { date })
}

/// A reason for overriding the minimum interval that is too short to count.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("type why the minimum interval is overridden (at least {MIN_OVERRIDE_REASON_CHARS} characters)")]
pub struct ReasonTooShort;

/// A typed reason for overriding the minimum interval, trimmed; refused when too short.
pub fn override_reason(text: &str) -> Result<String, ReasonTooShort> {
    let reason = text.trim();
    if reason.chars().count() < MIN_OVERRIDE_REASON_CHARS {
        return Err(ReasonTooShort);
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
