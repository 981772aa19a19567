//! The keymap as data. Key handling, the bottom key bar and the `?` help overlay all read
//! these tables, so what the help says is always what the keys do.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::action::Action;
use super::model::Pane;

/// Where a binding applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// On every screen (help, quit, switching screens).
    Global,
    /// On the main screen, whichever pane has focus.
    Everywhere,
    Pane(Pane),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key {
    pub code: KeyCode,
    pub shift: bool,
    /// Held with Ctrl (Ctrl-U, Ctrl-W in a text field).
    pub ctrl: bool,
}

pub const fn k(c: char) -> Key {
    Key {
        code: KeyCode::Char(c),
        shift: false,
        ctrl: false,
    }
}

pub const fn code(code: KeyCode) -> Key {
    Key {
        code,
        shift: false,
        ctrl: false,
    }
}

/// A letter held with Ctrl.
pub const fn ctrl(c: char) -> Key {
    Key {
        code: KeyCode::Char(c),
        shift: false,
        ctrl: true,
    }
}

impl Key {
    pub fn matches(&self, ev: &KeyEvent) -> bool {
        if self.ctrl {
            return ev.modifiers.contains(KeyModifiers::CONTROL)
                && !ev.modifiers.contains(KeyModifiers::ALT)
                && matches!((self.code, ev.code), (KeyCode::Char(a), KeyCode::Char(b)) if a.eq_ignore_ascii_case(&b));
        }
        if ev.modifiers.intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) {
            return false;
        }
        match (self.code, ev.code) {
            // Terminals report Shift-Tab as BackTab, with or without the SHIFT flag.
            (KeyCode::BackTab, KeyCode::BackTab) => true,
            // Letters carry their case; the SHIFT flag is not reliable across terminals.
            (KeyCode::Char(a), KeyCode::Char(b)) => a == b,
            (a, b) => a == b && self.shift == ev.modifiers.contains(KeyModifiers::SHIFT),
        }
    }

    pub fn label(&self) -> String {
        if self.ctrl {
            let c = match self.code {
                KeyCode::Char(c) => c.to_ascii_uppercase().to_string(),
                other => format!("{other:?}"),
            };
            return format!("Ctrl-{c}");
        }
        match self.code {
            KeyCode::Char(' ') => "Space".into(),
            KeyCode::Char(c) => c.to_string(),
            KeyCode::Tab => "Tab".into(),
            KeyCode::BackTab => "Shift-Tab".into(),
            KeyCode::Enter => "Enter".into(),
            KeyCode::Esc => "Esc".into(),
            KeyCode::Up => "Up".into(),
            KeyCode::Down => "Down".into(),
            KeyCode::Left => "Left".into(),
            KeyCode::Right => "Right".into(),
            KeyCode::PageUp => "PgUp".into(),
            KeyCode::PageDown => "PgDn".into(),
            KeyCode::Home => "Home".into(),
            KeyCode::End => "End".into(),
            KeyCode::Backspace => "Backspace".into(),
            KeyCode::Delete => "Delete".into(),
            other => format!("{other:?}"),
        }
    }
}

/// One key binding. `A` is the action type of the screen that owns the table: the main
/// screen uses `Action`, every other screen its own enum.
pub struct Binding<A: 'static = Action> {
    pub keys: &'static [Key],
    pub action: A,
    pub scope: Scope,
    /// Short label for the key bar; `None` keeps the binding out of the bar.
    pub bar: Option<&'static str>,
    pub help: &'static str,
}

/// Up and `k`, Down and `j`: the same two keys move in every list of every screen.
pub const UP_KEYS: &[Key] = &[code(KeyCode::Up), k('k')];
pub const DOWN_KEYS: &[Key] = &[code(KeyCode::Down), k('j')];

/// Moving up in a list: kept out of the key bar (its Down twin stands for both).
pub const fn move_up<A>(action: A, help: &'static str) -> Binding<A> {
    Binding {
        keys: UP_KEYS,
        action,
        scope: Scope::Everywhere,
        bar: None,
        help,
    }
}

/// Moving down in a list; `bar` ("move", "row") when the bar should show it.
pub const fn move_down<A>(action: A, bar: Option<&'static str>, help: &'static str) -> Binding<A> {
    Binding {
        keys: DOWN_KEYS,
        action,
        scope: Scope::Everywhere,
        bar,
        help,
    }
}

impl<A> Binding<A> {
    pub fn keys_label(&self) -> String {
        self.keys.iter().map(Key::label).collect::<Vec<_>>().join("/")
    }

    pub fn applies_in(&self, pane: Pane) -> bool {
        match self.scope {
            Scope::Global | Scope::Everywhere => true,
            Scope::Pane(p) => p == pane,
        }
    }
}

use Scope::{Everywhere, Global, Pane as In};

/// The main screen's keys, in the order the help lists them.
pub static MAIN_KEYS: &[Binding] = &[
    Binding {
        keys: &[code(KeyCode::Tab)],
        action: Action::NextPane,
        scope: Everywhere,
        bar: Some("pane"),
        help: "next pane",
    },
    Binding {
        keys: &[code(KeyCode::BackTab)],
        action: Action::PrevPane,
        scope: Everywhere,
        bar: None,
        help: "previous pane",
    },
    move_up(Action::Up, "move up"),
    move_down(Action::Down, Some("move"), "move down"),
    Binding {
        keys: &[code(KeyCode::PageUp)],
        action: Action::PageUp,
        scope: Everywhere,
        bar: None,
        help: "page up",
    },
    Binding {
        keys: &[code(KeyCode::PageDown)],
        action: Action::PageDown,
        scope: Everywhere,
        bar: None,
        help: "page down",
    },
    Binding {
        keys: &[code(KeyCode::Home), k('g')],
        action: Action::Home,
        scope: Everywhere,
        bar: None,
        help: "first item",
    },
    Binding {
        keys: &[code(KeyCode::End), k('G')],
        action: Action::End,
        scope: Everywhere,
        bar: None,
        help: "last item",
    },
    Binding {
        keys: &[k('/')],
        action: Action::Filter,
        scope: In(Pane::Patients),
        bar: Some("filter"),
        help: "filter patients by name, phone or email",
    },
    Binding {
        keys: &[k('a')],
        action: Action::Add,
        scope: In(Pane::Patients),
        bar: Some("add"),
        help: "add a patient",
    },
    Binding {
        keys: &[k('e')],
        action: Action::Edit,
        scope: In(Pane::Patients),
        bar: Some("edit"),
        help: "edit the selected patient",
    },
    Binding {
        keys: &[code(KeyCode::Enter)],
        action: Action::Open,
        scope: In(Pane::Patients),
        bar: Some("plan"),
        help: "open the patient's treatment plan",
    },
    Binding {
        keys: &[k('x')],
        action: Action::Archive,
        scope: In(Pane::Patients),
        bar: Some("archive"),
        help: "archive or restore the selected patient (asks first)",
    },
    Binding {
        keys: &[k('A')],
        action: Action::ShowArchived,
        scope: In(Pane::Patients),
        bar: Some("archived"),
        help: "show or hide archived patients",
    },
    Binding {
        keys: &[k('n')],
        action: Action::NewSeries,
        scope: In(Pane::Patients),
        bar: Some("new series"),
        help: "new treatment series for the selected patient",
    },
    Binding {
        keys: &[k('n')],
        action: Action::NewSeries,
        scope: In(Pane::Plan),
        bar: Some("new series"),
        help: "new treatment series for this patient",
    },
    Binding {
        keys: &[k('a')],
        action: Action::Add,
        scope: In(Pane::Plan),
        bar: Some("add session"),
        help: "add a session to the series",
    },
    Binding {
        keys: &[k('e'), code(KeyCode::Enter)],
        action: Action::Edit,
        scope: In(Pane::Plan),
        bar: Some("edit"),
        help: "edit the selected session (move, book, cancel, notes)",
    },
    Binding {
        keys: &[k('c')],
        action: Action::ExportIcs,
        scope: In(Pane::Plan),
        bar: Some(".ics"),
        help: "save the calendar (.ics) in the data dir's exports/",
    },
    Binding {
        keys: &[k('h')],
        action: Action::SaveHandout,
        scope: In(Pane::Plan),
        bar: Some("handout"),
        help: "save the aftercare handout in exports/",
    },
    Binding {
        keys: &[k(' ')],
        action: Action::Toggle,
        scope: In(Pane::Checklist),
        bar: Some("tick/untick"),
        help: "tick or untick the selected aftercare item",
    },
    Binding {
        keys: &[k('C')],
        action: Action::Conflicts,
        scope: Global,
        bar: None,
        help: "compare and resolve a patient another user changed at the same time",
    },
    Binding {
        keys: &[k('!')],
        action: Action::Problems,
        scope: Global,
        bar: None,
        help: "list files that could not be loaded",
    },
    Binding {
        keys: &[k('?')],
        action: Action::Help,
        scope: Global,
        bar: Some("help"),
        help: "this help",
    },
    Binding {
        keys: &[k('q')],
        action: Action::Quit,
        scope: Global,
        bar: Some("quit"),
        help: "quit (everything is already saved)",
    },
];

/// The action a key has in the focused pane, if any.
pub fn action_for(ev: &KeyEvent, pane: Pane) -> Option<Action> {
    if let Some(id) = super::screen::screen_for(ev) {
        return Some(Action::Screen(id));
    }
    MAIN_KEYS
        .iter()
        .filter(|b| b.applies_in(pane))
        .find(|b| b.keys.iter().any(|key| key.matches(ev)))
        .map(|b| b.action)
}

/// The action of a global key (help, quit, screens), on any screen.
pub fn global_action_for(ev: &KeyEvent) -> Option<Action> {
    if let Some(id) = super::screen::screen_for(ev) {
        return Some(Action::Screen(id));
    }
    MAIN_KEYS
        .iter()
        .filter(|b| b.scope == Scope::Global)
        .find(|b| b.keys.iter().any(|key| key.matches(ev)))
        .map(|b| b.action)
}

/// The action a key has in a screen's own table.
pub fn screen_action_for<A: Copy>(table: &[Binding<A>], ev: &KeyEvent) -> Option<A> {
    table
        .iter()
        .find(|b| b.keys.iter().any(|key| key.matches(ev)))
        .map(|b| b.action)
}

/// Keys while typing a filter.
pub static FILTER_KEYS: &[(&str, &str)] = &[
    ("type", "filter as you type"),
    ("Enter", "keep the filter and go back to the list"),
    ("Esc", "clear the filter"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_key_is_bound_twice_in_the_same_pane() {
        for pane in Pane::ALL {
            let mut seen: Vec<String> = Vec::new();
            for b in MAIN_KEYS.iter().filter(|b| b.applies_in(pane)) {
                for key in b.keys {
                    let label = key.label();
                    assert!(!seen.contains(&label), "{label} bound twice in {pane:?}");
                    seen.push(label);
                }
            }
        }
    }
}
