//! Screens besides the main three-pane screen, and their registry.
//!
//! A screen is one module in each of two layers: `app/<name>.rs` holds its state, key
//! table, key handling, key bar and help (the interface below), `ui/<name>.rs` draws it.
//! **Adding a screen touches three files**: those two, and one line in [`screens!`]
//! below (variant, module, switch key, title). Everything else is generated from that
//! line: the `ScreenId` variant, both module declarations (`app/mod.rs`, `ui/mod.rs`),
//! its state in the model (`ScreenStates`), the key that opens it and its help row, the
//! title bar, and the dispatch of keys, key bar, help, entering and drawing.
//!
//! What `app/<name>.rs` provides:
//! - `pub type State` (`Debug`) and `pub fn new_state(today: NaiveDate) -> State`;
//! - `pub const SWITCH_HELP: &str`, what the help says the switch key opens;
//! - `pub fn enter(&mut Model)`, on switching to the screen;
//! - `pub fn handle_key(&mut Model, KeyEvent) -> Vec<Effect>`;
//! - `pub fn bar_hints(&Model) -> Vec<KeyHint>` and
//!   `pub fn help_sections() -> Vec<(&'static str, Vec<KeyHint>)>`.
//!
//! What `ui/<name>.rs` provides: `pub fn draw(&Model, &mut Frame, Rect)`.
//!
//! Global keys (help, quit, screen switches) work on every screen and are handled before
//! the screen sees the key; an overlay open over a screen takes every key; Esc on a
//! screen returns to the main one.

use chrono::NaiveDate;
use ratatui::crossterm::event::{KeyCode, KeyEvent};

use super::keymap::{Binding, Key, k};
use super::model::{Effect, Model};

/// The registry: `Variant module 'key' "Title",` for every screen besides the main one,
/// in the order the title bar lists them. Calls `$then!` with the list, so each layer
/// generates what it needs from the same lines.
macro_rules! screens {
    ($then:ident) => {
        $then! {
            /// Day and week views of every booking, by clinician or room.
            Agenda agenda '2' "Agenda",
            /// Front-desk lists: to book, reviews missing, follow-ups due.
            Queues queues '3' "Queues",
            /// The selected patient's clinical picture: skin, screening, charts, aftercare.
            Consult consult '4' "Consult",
            /// The clinic's settings (`clinic.json`): hours, closed dates, clinicians, rooms.
            Settings settings '5' "Settings",
        }
    };
}
pub(crate) use screens;

/// The main screen's switch key.
const MAIN_KEY: char = '1';

macro_rules! define_screens {
    ($($(#[$doc:meta])* $variant:ident $module:ident $key:literal $title:literal,)*) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
        pub enum ScreenId {
            /// Patient list, treatment plan and recovery checklist.
            #[default]
            Main,
            $($(#[$doc])* $variant,)*
        }

        impl ScreenId {
            /// Every screen, the main one first, in the order of their keys.
            pub const ALL: &'static [ScreenId] = &[ScreenId::Main, $(ScreenId::$variant),*];

            pub fn title(self) -> &'static str {
                match self {
                    ScreenId::Main => "Patients",
                    $(ScreenId::$variant => $title,)*
                }
            }

            /// The key that opens the screen, from anywhere.
            pub fn key(self) -> char {
                match self {
                    ScreenId::Main => MAIN_KEY,
                    $(ScreenId::$variant => $key,)*
                }
            }

            /// What the help says the screen's key opens.
            pub fn switch_help(self) -> &'static str {
                match self {
                    ScreenId::Main => "patients: list, treatment plan and recovery checklist",
                    $(ScreenId::$variant => super::$module::SWITCH_HELP,)*
                }
            }
        }

        /// Each screen's own state, kept while the user is elsewhere.
        #[derive(Debug)]
        pub struct ScreenStates {
            $(pub $module: super::$module::State,)*
        }

        impl ScreenStates {
            pub fn new(today: NaiveDate) -> Self {
                Self {
                    $($module: super::$module::new_state(today),)*
                }
            }
        }

        /// Switches to `id`; the screen sets itself up for it.
        pub fn enter(model: &mut Model, id: ScreenId) {
            model.screen = id;
            match id {
                ScreenId::Main => {}
                $(ScreenId::$variant => super::$module::enter(model),)*
            }
        }

        /// Handles a key on a screen other than the main one (an overlay open over it
        /// takes the keys before the screen sees them, Esc included).
        pub fn handle_key(model: &mut Model, key: KeyEvent) -> Vec<Effect> {
            if key.code == KeyCode::Esc {
                model.screen = ScreenId::Main;
                return Vec::new();
            }
            match model.screen {
                ScreenId::Main => Vec::new(),
                $(ScreenId::$variant => super::$module::handle_key(model, key),)*
            }
        }

        /// Every screen's keys for the help overlay: (screen title, rows).
        pub fn help_sections() -> Vec<(&'static str, Vec<KeyHint>)> {
            let mut out = Vec::new();
            $(out.extend(super::$module::help_sections());)*
            out
        }

        /// The key bar of the current screen (global keys are added by the bar itself).
        pub fn bar_hints(model: &Model) -> Vec<KeyHint> {
            match model.screen {
                ScreenId::Main => Vec::new(),
                $(ScreenId::$variant => super::$module::bar_hints(model),)*
            }
        }
    };
}
screens!(define_screens);

/// The screen a key opens, when it is a screen key.
pub fn screen_for(key: &KeyEvent) -> Option<ScreenId> {
    ScreenId::ALL.iter().copied().find(|s| k(s.key()).matches(key))
}

/// The screen keys as key bindings, for the help's "on every screen" rows.
pub fn switch_rows() -> Vec<KeyHint> {
    ScreenId::ALL
        .iter()
        .map(|s| (Key::label(&k(s.key())), s.switch_help().to_string()))
        .collect()
}

/// A key and what it does, as the help and the key bar show it.
pub type KeyHint = (String, String);

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

#[cfg(test)]
mod tests {
    use ratatui::crossterm::event::KeyModifiers;

    use super::*;
    use crate::app::keymap::MAIN_KEYS;

    #[test]
    fn every_screen_has_its_own_key_and_no_main_key_takes_it() {
        for (i, a) in ScreenId::ALL.iter().enumerate() {
            for b in &ScreenId::ALL[i + 1..] {
                assert_ne!(a.key(), b.key(), "{a:?} and {b:?}");
            }
            let ev = KeyEvent::new(KeyCode::Char(a.key()), KeyModifiers::NONE);
            assert_eq!(screen_for(&ev), Some(*a));
            assert!(
                !MAIN_KEYS.iter().any(|b| b.keys.iter().any(|k| k.matches(&ev))),
                "{} opens {a:?} and is in MAIN_KEYS too",
                a.key()
            );
        }
        assert_eq!(switch_rows().len(), ScreenId::ALL.len());
    }
}
