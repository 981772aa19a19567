//! `x`: removing a closed date or a staff member, after a y/n question. Nothing else is
//! ever removed.

use ratatui::crossterm::event::KeyEvent;

use super::super::keymap::screen_action_for;
use super::super::model::{Effect, Model, Overlay, StatusKind};
use super::super::overlay::{CONFIRM_KEYS, ConfirmAction};
use super::read_only::refused_read_only;
use super::rows::{Row, rows};
use super::save::commit;

pub(super) fn remove(model: &mut Model, row: Option<Row>) {
    match row {
        Some(Row::Closed(i)) => {
            if !refused_read_only(model) {
                model.push_overlay(Overlay::ConfirmRemoveClosedDate(i));
            }
        }
        Some(Row::Staff(i)) => {
            if refused_read_only(model) {
                return;
            }
            let me = model.acting_login().to_string();
            if model.clinic.staff.get(i).is_some_and(|s| s.login == me) {
                model.set_status(
                    StatusKind::Error,
                    "you cannot remove yourself from the staff list: another admin can",
                );
                return;
            }
            model.push_overlay(Overlay::ConfirmRemoveStaff(i));
        }
        Some(Row::Resource(kind, i)) => {
            let name = kind.list(&model.clinic).get(i).map_or("", |r| r.name.as_str());
            let text = format!(
                "{}s are never removed (sessions refer to them): Space marks {name} inactive",
                kind.noun()
            );
            model.set_status(StatusKind::Info, text);
        }
        _ => model.set_status(
            StatusKind::Info,
            "x removes a closed date or a staff member; nothing else is removed",
        ),
    }
}

/// The answer to a "remove ...?" question (`question`, taken off the model): true for
/// yes, when the settings may be changed; no says "nothing removed"; another key leaves
/// the question open.
fn answered_yes(model: &mut Model, key: KeyEvent, question: Overlay) -> bool {
    match screen_action_for(CONFIRM_KEYS, &key) {
        Some(ConfirmAction::Yes) => !refused_read_only(model),
        Some(ConfirmAction::No) => {
            model.set_status(StatusKind::Info, "nothing removed");
            false
        }
        None => {
            model.overlay = question;
            false
        }
    }
}

/// A key in the "remove this closed date?" question (`Overlay::ConfirmRemoveClosedDate`).
pub fn confirm_remove(model: &mut Model, i: usize, key: KeyEvent) -> Vec<Effect> {
    let Some(gone) = model.clinic.closed_dates.get(i).cloned() else {
        return Vec::new();
    };
    if !answered_yes(model, key, Overlay::ConfirmRemoveClosedDate(i)) {
        return Vec::new();
    }
    let mut new = model.clinic.clone();
    new.closed_dates.remove(i);
    let text = format!("closed date {} removed", gone.date.format("%a %Y-%m-%d"));
    let effects = commit(model, new, text);
    let last = rows(model).len().saturating_sub(1);
    model.screens.settings.cursor = model.screens.settings.cursor.min(last);
    effects
}

/// A key in the "remove this staff member?" question (`Overlay::ConfirmRemoveStaff`).
/// Removing the last admin is refused by the settings' rules (nothing changes).
pub fn confirm_remove_staff(model: &mut Model, i: usize, key: KeyEvent) -> Vec<Effect> {
    let Some(gone) = model.clinic.staff.get(i).cloned() else {
        return Vec::new();
    };
    if !answered_yes(model, key, Overlay::ConfirmRemoveStaff(i)) {
        return Vec::new();
    }
    let mut new = model.clinic.clone();
    new.staff.remove(i);
    if let Err(e) = new.validate() {
        model.set_status(StatusKind::Error, format!("refused: {} (nothing removed)", e.message));
        return Vec::new();
    }
    let text = format!("{} (login {}) removed from the staff list", gone.name, gone.login);
    let effects = commit(model, new, text);
    let last = rows(model).len().saturating_sub(1);
    model.screens.settings.cursor = model.screens.settings.cursor.min(last);
    effects
}
