//! The screen's keys, and where each one goes: a form or a question open over the list,
//! a conflict waiting for a choice, or the list itself.

use ratatui::crossterm::event::{KeyCode, KeyEvent};

use super::super::keymap::{Binding, Scope, code, k, move_down, move_up, screen_action_for};
use super::super::model::{Effect, Model, StatusKind};
use super::conflict;
use super::open_form::{add, edit};
use super::remove::remove;
use super::rows::{Row, Section, rows};
use super::toggle::toggle;

/// What a key does on the settings screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SettingsAction {
    Up,
    Down,
    PageUp,
    PageDown,
    Home,
    End,
    NextSection,
    PrevSection,
    Edit,
    Add,
    Remove,
    Toggle,
    /// In a conflict: take the other user's settings.
    TakeTheirs,
    /// In a conflict: keep my changes, put on top of theirs.
    KeepMine,
    /// Write patients, sessions and aftercare as CSV files into `exports/`.
    ExportCsv,
}

use SettingsAction as S;

/// The screen's keys, in the order the help lists them (Esc, back to the patients, is
/// the screen framework's).
pub static SETTINGS_KEYS: &[Binding<SettingsAction>] = &[
    move_up(S::Up, "move up"),
    move_down(S::Down, Some("move"), "move down"),
    Binding {
        keys: &[code(KeyCode::PageUp)],
        action: S::PageUp,
        scope: Scope::Everywhere,
        bar: None,
        help: "page up",
    },
    Binding {
        keys: &[code(KeyCode::PageDown)],
        action: S::PageDown,
        scope: Scope::Everywhere,
        bar: None,
        help: "page down",
    },
    Binding {
        keys: &[code(KeyCode::Home), k('g')],
        action: S::Home,
        scope: Scope::Everywhere,
        bar: None,
        help: "first row",
    },
    Binding {
        keys: &[code(KeyCode::End), k('G')],
        action: S::End,
        scope: Scope::Everywhere,
        bar: None,
        help: "last row",
    },
    Binding {
        keys: &[code(KeyCode::Tab)],
        action: S::NextSection,
        scope: Scope::Everywhere,
        bar: Some("section"),
        help: "next section",
    },
    Binding {
        keys: &[code(KeyCode::BackTab)],
        action: S::PrevSection,
        scope: Scope::Everywhere,
        bar: None,
        help: "previous section",
    },
    Binding {
        keys: &[code(KeyCode::Enter), k('e')],
        action: S::Edit,
        scope: Scope::Everywhere,
        bar: Some("edit"),
        help: "edit the selected row in a form: name, length, idle lock, hours, closed date",
    },
    Binding {
        keys: &[k('a')],
        action: S::Add,
        scope: Scope::Everywhere,
        bar: Some("add"),
        help: "add a closed date, a clinician, a room or a staff member (in the section the cursor is in)",
    },
    Binding {
        keys: &[k('x')],
        action: S::Remove,
        scope: Scope::Everywhere,
        bar: Some("remove"),
        help: "remove the selected closed date or staff member (asks y/n); clinicians and rooms stay",
    },
    Binding {
        keys: &[k(' ')],
        action: S::Toggle,
        scope: Scope::Everywhere,
        bar: Some("toggle"),
        help: "open/close a weekday; clinician or room active/inactive; protocol in use",
    },
    Binding {
        keys: &[k('t')],
        action: S::TakeTheirs,
        scope: Scope::Everywhere,
        bar: None,
        help: "when another user saved the settings first: take their version (drops your changes)",
    },
    Binding {
        keys: &[k('m')],
        action: S::KeepMine,
        scope: Scope::Everywhere,
        bar: None,
        help: "when another user saved the settings first: keep your changes, put on top of theirs",
    },
    Binding {
        keys: &[k('E')],
        action: S::ExportCsv,
        scope: Scope::Everywhere,
        bar: Some("export CSV"),
        help: "export patients, sessions and aftercare as CSV files (patient data) into exports/ in the data dir",
    },
];

pub fn handle_key(model: &mut Model, key: KeyEvent) -> Vec<Effect> {
    // A form opened before the conflict finished first (it is an overlay, which takes
    // the keys before the screen); then the choice is due.
    if model.screens.settings.conflict.is_some() {
        return conflict::handle_key(model, key);
    }
    let Some(action) = screen_action_for(SETTINGS_KEYS, &key) else {
        return Vec::new();
    };
    let rows = rows(model);
    let last = rows.len().saturating_sub(1);
    let cursor = model.screens.settings.cursor.min(last);
    let page = model.screens.settings.page.get().max(1);
    let row = rows.get(cursor).copied();
    match action {
        S::Up => model.screens.settings.cursor = cursor.saturating_sub(1),
        S::Down => model.screens.settings.cursor = (cursor + 1).min(last),
        S::PageUp => model.screens.settings.cursor = cursor.saturating_sub(page),
        S::PageDown => model.screens.settings.cursor = (cursor + page).min(last),
        S::Home => model.screens.settings.cursor = 0,
        S::End => model.screens.settings.cursor = last,
        S::NextSection | S::PrevSection => {
            let here = row.map_or(Section::General, Row::section);
            let i = Section::ALL.iter().position(|s| *s == here).unwrap_or(0);
            let n = Section::ALL.len();
            // Skips a section without rows (no protocol templates).
            for step in 1..=n {
                let to = if action == S::NextSection {
                    (i + step) % n
                } else {
                    (i + n - step) % n
                };
                if let Some(at) = rows.iter().position(|r| r.section() == Section::ALL[to]) {
                    model.screens.settings.cursor = at;
                    break;
                }
            }
        }
        S::Edit => {
            if let Some(row) = row {
                edit(model, row);
            }
        }
        S::Add => add(model, row),
        S::Remove => remove(model, row),
        S::Toggle => return row.map_or_else(Vec::new, |r| toggle(model, r)),
        S::ExportCsv => return vec![Effect::ExportCsv],
        S::TakeTheirs | S::KeepMine => model.set_status(
            StatusKind::Info,
            "no conflict: nobody else changed the settings meanwhile",
        ),
    }
    Vec::new()
}
