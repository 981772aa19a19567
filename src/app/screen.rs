//! Screens besides the main three-pane screen. Each screen lives in its own module pair
//! (`app::<screen>` for state, key table and key handling; `ui::<screen>` for drawing)
//! and is registered here in four places: `ScreenId`, `handle_key`, `help_sections` and
//! `bar_hints`. Global keys (help, quit, screen switches) work on every screen and are
//! handled before the screen sees the key; Esc on a screen returns to the main one.

use ratatui::crossterm::event::{KeyCode, KeyEvent};

use super::keymap::Binding;
use super::model::{Effect, Model};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ScreenId {
    /// Patient list, treatment plan and recovery checklist.
    #[default]
    Main,
    /// Front-desk lists: to book, reviews missing, follow-ups due.
    Queues,
    /// Day and week views of every booking, by clinician or room.
    Agenda,
    /// The selected patient's clinical picture: skin, screening, charts, aftercare.
    Consult,
    /// The clinic's settings (`clinic.json`): hours, closed dates, clinicians, rooms.
    Settings,
}

impl ScreenId {
    pub fn title(self) -> &'static str {
        match self {
            ScreenId::Main => "Patients",
            ScreenId::Queues => "Queues",
            ScreenId::Agenda => "Agenda",
            ScreenId::Consult => "Consult",
            ScreenId::Settings => "Settings",
        }
    }
}

/// A key and what it does, as the help and the key bar show it.
pub type KeyHint = (String, String);

/// Handles a key on a screen other than the main one (an overlay open over it takes
/// the keys before the screen sees them, Esc included).
pub fn handle_key(model: &mut Model, key: KeyEvent) -> Vec<Effect> {
    if key.code == KeyCode::Esc {
        model.screen = ScreenId::Main;
        return Vec::new();
    }
    match model.screen {
        ScreenId::Main => Vec::new(),
        ScreenId::Queues => super::queues::handle_key(model, key),
        ScreenId::Agenda => super::agenda::handle_key(model, key),
        ScreenId::Consult => super::consult::handle_key(model, key),
        ScreenId::Settings => super::settings::handle_key(model, key),
    }
}

/// Every screen's keys for the help overlay: (screen title, rows).
pub fn help_sections() -> Vec<(&'static str, Vec<KeyHint>)> {
    vec![
        ("Queues screen (3)", help_rows(super::queues::QUEUE_KEYS)),
        ("Agenda screen (2)", help_rows(super::agenda::AGENDA_KEYS)),
        ("Settings screen (5)", help_rows(super::settings::SETTINGS_KEYS)),
    ]
    .into_iter()
    .chain(super::consult::help_sections())
    .collect()
}

/// The key bar of the current screen (global keys are added by the bar itself).
pub fn bar_hints(model: &Model) -> Vec<KeyHint> {
    match model.screen {
        ScreenId::Main => Vec::new(),
        ScreenId::Queues => super::queues::bar_hints(model),
        ScreenId::Agenda => super::agenda::bar_hints(model),
        ScreenId::Consult => super::consult::bar_hints(model),
        ScreenId::Settings => super::settings::bar_hints(model),
    }
}

/// Rows of a screen's key table for the help overlay.
pub fn help_rows<A>(table: &[Binding<A>]) -> Vec<KeyHint> {
    table
        .iter()
        .map(|b| (b.keys_label(), b.help.to_string()))
        .collect()
}

/// Entries of a screen's key table that belong in the key bar.
pub fn bar_rows<A>(table: &[Binding<A>]) -> Vec<KeyHint> {
    table
        .iter()
        .filter_map(|b| b.bar.map(|label| (b.keys_label(), label.to_string())))
        .collect()
}
