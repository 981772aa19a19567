//! Booking rules and the series builder.
//!
//! Every rule of a booking is checked in one place, [`check_booking`]: open day, inside
//! opening hours, clinician and room free, both active, and at least the series' minimum
//! interval from every other session. Only the interval rule can be overridden, and only
//! with a typed reason ([`refusals`]). [`propose_series`] fits a whole series into the
//! calendar, [`cascade`] moves a session and the ones after it, [`next_free_slot`] and
//! [`next_valid_slot`] find the first free time. All pure: the calendar is passed in.
//!
//! The parts, each in its own file under `schedule/`:
//! - `violation`: [`Violation`] (why a booking is refused or only warned about),
//!   [`override_reason`] and [`refusals`].
//! - `request`: [`SeriesAt`] and [`BookingRequest`], what every check is asked about.
//! - `slot_rules`: [`check_slot`], the rules that hold whoever the patient is.
//! - `series_rules`: [`check_booking`], adding the series' interval rules.
//! - `day_search`: free time within one day (shared by the searches below).
//! - `free_slots`: [`next_free_slot`] and [`next_valid_slot`].
//! - `proposal`: [`ProposalPlan`], [`Proposal`], [`check_proposals`], [`build_series`].
//! - `proposal_search`: [`propose_series`], fitting a whole series into the calendar.
//! - `moves`: [`move_one`] and [`cascade`].

mod day_search;
mod free_slots;
mod moves;
mod proposal;
mod proposal_search;
mod request;
mod series_rules;
mod slot_rules;
#[cfg(test)]
mod test_support;
mod violation;

pub use free_slots::{Slot, SlotQuery, next_free_slot, next_valid_slot};
pub use moves::{CascadePlan, Move, MoveRequest, cascade, move_one};
pub use proposal::{PlanError, Proposal, ProposalPlan, build_series, check_proposals};
pub use proposal_search::{ProposeError, propose_series};
pub use request::{BookingRequest, SeriesAt};
pub use series_rules::check_booking;
pub use slot_rules::check_slot;
pub use violation::{
    Clash, ReasonTooShort, ResourceKind, Violation, booked_without_time, override_reason, refusals,
};

/// Appointments start on this grid, counted from opening time.
pub const SLOT_STEP_MINUTES: i64 = 15;
/// Searches for a free slot look this many days ahead at most, so they always end.
pub const SEARCH_DAYS: i64 = 365;
/// A reason for overriding the minimum interval has at least this many characters.
pub const MIN_OVERRIDE_REASON_CHARS: usize = 4;
/// Shortest and longest appointment.
pub const MINUTES_RANGE: std::ops::RangeInclusive<u32> = 5..=480;
