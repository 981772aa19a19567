//! Small helpers shared by the booking forms and confirmations: clinician and room
//! choices, where a refusal belongs in a form, and how a time or a shift reads.

use chrono::{NaiveDate, NaiveTime, TimeDelta};

use crate::domain::clinic::{ClinicSettings, Resource};

use super::form::{ChoiceOption, Form};
use crate::domain::schedule::Violation;

/// The options of a clinician or room choice: `first` (no one / any), the active ones,
/// then `current` when it is not among them (inactive, or no longer in the settings), so
/// an existing booking shows as it is.
pub fn resource_options(list: &[Resource], first: &str, current: Option<&str>) -> Vec<ChoiceOption> {
    let mut options = vec![ChoiceOption::new(None::<String>, first)];
    options.extend(
        list.iter()
            .filter(|r| r.active)
            .map(|r| ChoiceOption::new(Some(r.id.clone()), r.name.clone())),
    );
    if let Some(id) = current
        && !options.iter().any(|o| o.id.as_deref() == Some(id))
    {
        let label = match list.iter().find(|r| r.id == id) {
            Some(r) => format!("{} (inactive)", r.name),
            None => format!("{id} (unknown)"),
        };
        options.push(ChoiceOption::new(Some(id), label));
    }
    options
}

/// The settings changed while a booking form was open: its clinician and room choices
/// are rebuilt, `kept` (the booking as stored, if any) still listed as it is. A choice
/// that is now inactive or gone, and is not what the booking already had, is marked
/// unavailable: the field says why and the form refuses to save until another is chosen.
pub fn refresh_resources(
    form: &mut Form,
    clinic: &ClinicSettings,
    fields: BookingFields,
    kept: (Option<&str>, Option<&str>),
) {
    let lists = [
        (fields.clinician, &clinic.clinicians, kept.0, "clinician"),
        (fields.room, &clinic.rooms, kept.1, "room"),
    ];
    for (name, list, kept, what) in lists {
        let Some(choice) = form.choice_mut(name) else {
            continue;
        };
        let chosen = choice.chosen.clone();
        let mut options = resource_options(
            list,
            choice.options.first().map_or("none", |o| o.label.as_str()),
            kept,
        );
        if let Some(id) = chosen.as_deref()
            && kept != Some(id)
        {
            let why = match list.iter().find(|r| r.id == id) {
                Some(r) if r.active => None,
                Some(r) => Some((
                    format!("{} (inactive)", r.name),
                    format!(
                        "{} was made inactive in Settings while this form was open: choose another {what}",
                        r.name
                    ),
                )),
                None => Some((
                    format!("{id} (removed)"),
                    format!("this {what} was removed in Settings while this form was open: choose another"),
                )),
            };
            if let Some((label, why)) = why {
                options.push(ChoiceOption {
                    id: Some(id.to_string()),
                    label,
                    unavailable: Some(why.clone()),
                });
                form.note(name, why);
            }
        }
        if let Some(choice) = form.choice_mut(name) {
            choice.set_options(options);
        }
    }
}

/// Fields of a booking form, for pointing at the one a refusal is about.
#[derive(Debug, Clone, Copy)]
pub struct BookingFields {
    pub date: &'static str,
    pub time: &'static str,
    pub clinician: &'static str,
    pub room: &'static str,
}

/// The field a violation is about: the day and the interval rules are the date's, the
/// hours the time's, a busy or inactive clinician or room its own field.
pub fn field_of(v: &Violation, f: BookingFields) -> &'static str {
    use crate::domain::schedule::ResourceKind;
    match v {
        Violation::OutsideHours { .. }
        | Violation::BadLength { .. }
        | Violation::BookedWithoutTime { .. } => f.time,
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
        let labels = |o: &[ChoiceOption]| o.iter().map(|o| o.label.clone()).collect::<Vec<_>>();
        let ids = |o: &[ChoiceOption]| o.iter().map(|o| o.id.clone()).collect::<Vec<_>>();
        let o = resource_options(&list, "none", Some("b"));
        assert_eq!(labels(&o), vec!["none", "Amara", "Ben (inactive)"]);
        assert_eq!(ids(&o), vec![None, Some("a".into()), Some("b".into())]);
        let o = resource_options(&list, "any", Some("gone"));
        assert_eq!(labels(&o), vec!["any", "Amara", "gone (unknown)"]);
        assert_eq!(ids(&o)[2].as_deref(), Some("gone"));
    }
}
