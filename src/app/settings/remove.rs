//! `x`: removing a closed date, after a y/n question. Nothing else is ever removed.

use ratatui::crossterm::event::{KeyCode, KeyEvent};

use super::super::model::{Effect, Model, StatusKind};
use super::read_only::refused_read_only;
use super::rows::{Row, rows};
use super::save::commit;
use super::state::Popup;

pub(super) fn remove(model: &mut Model, row: Option<Row>) {
    match row {
        Some(Row::Closed(i)) => {
            if !refused_read_only(model) {
                model.settings.popup = Some(Popup::ConfirmRemove(i));
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

pub(super) fn confirm_remove(model: &mut Model, i: usize, key: KeyEvent) -> Vec<Effect> {
    let yes = matches!(key.code, KeyCode::Char('y') | KeyCode::Char('Y'));
    let Some(gone) = model.clinic.closed_dates.get(i).cloned() else {
        return Vec::new();
    };
    if !yes {
        model.set_status(StatusKind::Info, "nothing removed");
        return Vec::new();
    }
    if refused_read_only(model) {
        return Vec::new();
    }
    let mut new = model.clinic.clone();
    new.closed_dates.remove(i);
    let text = format!("closed date {} removed", gone.date.format("%a %Y-%m-%d"));
    let effects = commit(model, new, text);
    let last = rows(model).len().saturating_sub(1);
    model.settings.cursor = model.settings.cursor.min(last);
    effects
}
