//! Key scripts for tests that drive the model without a terminal:
//! `"aAnn<Tab>1990-01-01<Enter>"` types letters as they are and names other keys in
//! angle brackets, `<Backspace*10>` repeats one, `<lt>` is a literal `<`.

use needleplan::app::persist::{self, Saver};
use needleplan::app::{Model, handle_key};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// The key a name in angle brackets stands for.
pub fn named_key(name: &str) -> KeyCode {
    match name {
        "Enter" => KeyCode::Enter,
        "Esc" => KeyCode::Esc,
        "Tab" => KeyCode::Tab,
        "BackTab" => KeyCode::BackTab,
        "Up" => KeyCode::Up,
        "Down" => KeyCode::Down,
        "Left" => KeyCode::Left,
        "Right" => KeyCode::Right,
        "Home" => KeyCode::Home,
        "End" => KeyCode::End,
        "PageUp" => KeyCode::PageUp,
        "PageDown" => KeyCode::PageDown,
        "Space" => KeyCode::Char(' '),
        "Backspace" => KeyCode::Backspace,
        "Delete" => KeyCode::Delete,
        "lt" => KeyCode::Char('<'),
        other => panic!("unknown key name <{other}> in a test key script"),
    }
}

/// Turns a key script into key codes.
pub fn parse_key_script(script: &str) -> Vec<KeyCode> {
    let mut out = Vec::new();
    let mut chars = script.chars();
    while let Some(c) = chars.next() {
        if c != '<' {
            out.push(KeyCode::Char(c));
            continue;
        }
        let name: String = chars.by_ref().take_while(|&c| c != '>').collect();
        let (name, times) = match name.split_once('*') {
            Some((n, t)) => (n.to_string(), t.parse::<usize>().expect("<Key*N> count")),
            None => (name, 1),
        };
        out.extend(std::iter::repeat_n(named_key(&name), times));
    }
    out
}

/// One key event, as a terminal reports it (upper-case letters and Shift-Tab carry SHIFT).
pub fn key_event(code: KeyCode) -> KeyEvent {
    let modifiers = match code {
        KeyCode::Char(c) if c.is_uppercase() => KeyModifiers::SHIFT,
        KeyCode::BackTab => KeyModifiers::SHIFT,
        _ => KeyModifiers::NONE,
    };
    KeyEvent::new(code, modifiers)
}

/// Sends one key to the model and carries out the effects it returns, as the runtime
/// does between two frames.
pub fn press_key(model: &mut Model, saver: &dyn Saver, code: KeyCode) {
    let effects = handle_key(model, key_event(code));
    persist::run_effects(model, effects, saver);
}

/// Types a whole key script into the model.
pub fn type_keys(model: &mut Model, saver: &dyn Saver, script: &str) {
    for code in parse_key_script(script) {
        press_key(model, saver, code);
    }
}
