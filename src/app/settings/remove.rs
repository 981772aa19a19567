//! `x`: removing a closed date, after a y/n question. Nothing else is ever removed.

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
            "x removes a closed date; nothing else is removed",
        ),
    }
}

/// A key in the "remove this closed date?" question (`Overlay::ConfirmRemoveClosedDate`).
pub fn confirm_remove(model: &mut Model, i: usize, key: KeyEvent) -> Vec<Effect> {
    let Some(gone) = model.clinic.closed_dates.get(i).cloned() else {
        return Vec::new();
    };
    match screen_action_for(CONFIRM_KEYS, &key) {
        Some(ConfirmAction::Yes) => {}
        Some(ConfirmAction::No) => {
            model.set_status(StatusKind::Info, "nothing removed");
            return Vec::new();
        }
        None => {
            model.overlay = Overlay::ConfirmRemoveClosedDate(i);
            return Vec::new();
        }
    }
    if refused_read_only(model) {
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
