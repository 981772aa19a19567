//! Opening hours as the forms and Space show them.

use chrono::NaiveTime;

use crate::domain::clinic::DayHours;

use super::super::model::Model;

pub(super) fn hhmm(t: NaiveTime) -> String {
    t.format("%H:%M").to_string()
}

/// The hours a closed weekday opens with: those it had before it was closed on this
/// visit, else those of the first open weekday, else 09:00-18:00.
pub(super) fn reopening_hours(model: &Model, day: usize) -> DayHours {
    model.screens.settings.reopen[day]
        .or_else(|| model.clinic.hours.iter().flatten().next().copied())
        .unwrap_or_else(|| {
            DayHours::new(
                NaiveTime::from_hms_opt(9, 0, 0).expect("valid"),
                NaiveTime::from_hms_opt(18, 0, 0).expect("valid"),
            )
        })
}
