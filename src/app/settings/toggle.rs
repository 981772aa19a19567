//! Space: a weekday open or closed, a clinician or room active or not, a protocol offered
//! or not.

use chrono::{Datelike, NaiveDateTime};

use super::super::model::{Effect, Model, StatusKind};
use super::hours::{hhmm, reopening_hours};
use super::read_only::refused_read_only;
use super::rows::{Row, WEEKDAYS};
use super::save::commit;

pub(super) fn toggle(model: &mut Model, row: Row) -> Vec<Effect> {
    match row {
        Row::Day(_) | Row::Resource(..) | Row::Protocol(_) => {}
        _ => {
            model.set_status(
                StatusKind::Info,
                "Space opens or closes a weekday, marks a clinician or room inactive, ticks a protocol",
            );
            return Vec::new();
        }
    }
    if refused_read_only(model) {
        return Vec::new();
    }
    let mut new = model.clinic.clone();
    let text = match row {
        Row::Day(day) => match new.hours[day] {
            Some(h) => {
                new.hours[day] = None;
                model.screens.settings.reopen[day] = Some(h);
                let booked = future_bookings_on_weekday(model, day);
                let mut text = format!("closed on {}s", WEEKDAYS[day]);
                if booked > 0 {
                    text.push_str(&format!(
                        " ({booked} booking(s) from today on stay booked: move them from the agenda, 2)"
                    ));
                }
                text
            }
            None => {
                let h = reopening_hours(model, day);
                new.hours[day] = Some(h);
                format!(
                    "open on {}s {}-{} (Enter changes the hours)",
                    WEEKDAYS[day],
                    hhmm(h.open),
                    hhmm(h.close)
                )
            }
        },
        Row::Resource(kind, i) => {
            let Some(r) = kind.list_mut(&mut new).get_mut(i) else {
                return Vec::new();
            };
            r.active = !r.active;
            if r.active {
                format!("{} active: offered for bookings again", r.name)
            } else {
                format!("{} inactive: no new bookings (booked ones stay)", r.name)
            }
        }
        Row::Protocol(i) => {
            let Some(p) = model.templates.protocols.get(i) else {
                return Vec::new();
            };
            let known: Vec<&str> = model.templates.protocols.iter().map(|p| p.id.as_str()).collect();
            let on = !new.protocol_in_use(&p.id);
            // "Empty" means every protocol: the list is spelled out before one is taken away.
            let mut in_use: Vec<String> = if new.protocols_in_use.is_empty() {
                known.iter().map(|s| s.to_string()).collect()
            } else {
                new.protocols_in_use.clone()
            };
            in_use.retain(|id| *id != p.id);
            if on {
                in_use.push(p.id.clone());
            }
            // Known ids in the templates' order; ids of templates no longer there stay, last.
            let rank = |id: &String| known.iter().position(|k| k == id).unwrap_or(usize::MAX);
            in_use.sort_by_key(rank);
            if !in_use.iter().any(|id| known.contains(&id.as_str())) {
                model.set_status(
                    StatusKind::Error,
                    format!(
                        "refused: {} is the last protocol in use, and new series need one (nothing changed)",
                        p.name
                    ),
                );
                return Vec::new();
            }
            new.protocols_in_use = in_use;
            if on {
                format!("{} offered for new series", p.name)
            } else {
                format!(
                    "{} no longer offered for new series (series under way keep it)",
                    p.name
                )
            }
        }
        _ => return Vec::new(),
    };
    if let Err(e) = new.validate() {
        model.set_status(
            StatusKind::Error,
            format!("refused: {} (nothing changed)", e.message),
        );
        return Vec::new();
    }
    commit(model, new, text)
}

/// Bookings from now on that fall on weekday `day` (Monday = 0).
fn future_bookings_on_weekday(model: &Model, day: usize) -> usize {
    model
        .calendar
        .bookings_between(model.now, NaiveDateTime::MAX)
        .filter(|b| b.start.weekday().num_days_from_monday() as usize == day)
        .count()
}
