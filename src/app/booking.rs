//! Small helpers shared by the booking forms and confirmations: clinician and room
//! choices, where a refusal belongs in a form, and how a time or a shift reads.

use chrono::{NaiveDate, NaiveTime, TimeDelta};

use crate::domain::clinic::{ClinicSettings, Resource};
use crate::domain::schedule::Violation;

/// The options of a clinician or room choice: `first` (no one / any), the active ones,
/// then `current` when it is not among them (inactive, or no longer in the settings), so
/// an existing booking shows as it is. The ids line up with the labels.
pub fn resource_options(
    list: &[Resource],
    first: &str,
    current: Option<&str>,
) -> (Vec<Option<String>>, Vec<String>) {
    let mut ids = vec![None];
    let mut labels = vec![first.to_string()];
    for r in list.iter().filter(|r| r.active) {
        ids.push(Some(r.id.clone()));
        labels.push(r.name.clone());
    }
    if let Some(id) = current
        && !ids.iter().any(|x| x.as_deref() == Some(id))
    {
        let label = match list.iter().find(|r| r.id == id) {
            Some(r) => format!("{} (inactive)", r.name),
            None => format!("{id} (unknown)"),
        };
        ids.push(Some(id.to_string()));
        labels.push(label);
    }
    (ids, labels)
}

/// The index of `current` among `ids` (the first entry when it is not there).
pub fn position(ids: &[Option<String>], current: Option<&str>) -> usize {
    ids.iter().position(|x| x.as_deref() == current).unwrap_or(0)
}

/// Fields of a booking form, for pointing at the one a refusal is about.
#[derive(Debug, Clone, Copy)]
pub struct BookingFields {
    pub date: usize,
    pub time: usize,
    pub clinician: usize,
    pub room: usize,
}

/// The field a violation is about: the day and the interval rules are the date's, the
/// hours the time's, a busy or inactive clinician or room its own field.
pub fn field_of(v: &Violation, f: BookingFields) -> usize {
    use crate::domain::schedule::ResourceKind;
    match v {
        Violation::OutsideHours { .. } | Violation::BadLength { .. } => f.time,
        Violation::ClinicianBusy { .. } => f.clinician,
        Violation::RoomBusy { .. } => f.room,
        Violation::InactiveResource { kind, .. } | Violation::UnknownResource { kind, .. } => match kind {
            ResourceKind::Clinician => f.clinician,
            ResourceKind::Room => f.room,
        },
        Violation::ClosedDay { .. } | Violation::TooClose { .. } | Violation::TooFar { .. } => f.date,
    }
}

/// "Tue 2026-12-01 10:00", or without a time "Tue 2026-12-01".
pub fn when(date: NaiveDate, time: Option<NaiveTime>) -> String {
    match time {
        Some(t) => format!("{} {}", date.format("%a %Y-%m-%d"), t.format("%H:%M")),
        None => date.format("%a %Y-%m-%d").to_string(),
    }
}

/// "+7 days", "-1 day", "+2 days 1 h 30 min", "+45 min", "+0 days".
pub fn shift_text(shift: TimeDelta) -> String {
    let sign = if shift < TimeDelta::zero() { "-" } else { "+" };
    let total = shift.num_minutes().abs();
    let (days, hours, minutes) = (total / (24 * 60), total / 60 % 24, total % 60);
    let mut parts = Vec::new();
    if days > 0 || (hours == 0 && minutes == 0) {
        parts.push(format!("{days} {}", if days == 1 { "day" } else { "days" }));
    }
    if hours > 0 {
        parts.push(format!("{hours} h"));
    }
    if minutes > 0 {
        parts.push(format!("{minutes} min"));
    }
    format!("{sign}{}", parts.join(" "))
}

/// A clinician's name for display ("no clinician" when none).
pub fn clinician_label(clinic: &ClinicSettings, id: Option<&str>) -> String {
    id.map_or_else(
        || "no clinician".into(),
        |id| clinic.clinician_name(id).to_string(),
    )
}

/// A room's name for display ("no room" when none).
pub fn room_label(clinic: &ClinicSettings, id: Option<&str>) -> String {
    id.map_or_else(|| "no room".into(), |id| clinic.room_name(id).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shifts_read_in_days_hours_and_minutes() {
        assert_eq!(shift_text(TimeDelta::days(7)), "+7 days");
        assert_eq!(shift_text(TimeDelta::days(-1)), "-1 day");
        assert_eq!(
            shift_text(TimeDelta::minutes(2 * 24 * 60 + 90)),
            "+2 days 1 h 30 min"
        );
        assert_eq!(shift_text(TimeDelta::minutes(45)), "+45 min");
        assert_eq!(shift_text(TimeDelta::zero()), "+0 days");
    }

    #[test]
    fn an_inactive_current_resource_stays_choosable() {
        let mut list = vec![Resource::new("a", "Amara"), Resource::new("b", "Ben")];
        list[1].active = false;
        let (ids, labels) = resource_options(&list, "none", Some("b"));
        assert_eq!(labels, vec!["none", "Amara", "Ben (inactive)"]);
        assert_eq!(position(&ids, Some("b")), 2);
        let (ids, labels) = resource_options(&list, "any", Some("gone"));
        assert_eq!(labels, vec!["any", "Amara", "gone (unknown)"]);
        assert_eq!(position(&ids, None), 0);
    }
}
