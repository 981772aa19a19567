//! One text input for every form: the editing people expect from a shell or a browser
//! field. The editing itself (cursor, Home/End, Backspace/Delete, Ctrl-U clears, Ctrl-W
//! deletes a word, Ctrl-K to the end, unicode widths) is `tui-input`'s, a small,
//! maintained crate for exactly this, instead of a third hand-written copy. Which keys
//! reach it is the form's key table (`form::FORM_KEYS`), so the help lists them all. What it lacks is added here: **select-on-entry**. A filled
//! field is selected when the cursor enters it, so typing replaces it ("2026-12-15",
//! not "2027-04-012026-12-15") and Backspace clears it; any movement key keeps the text
//! and puts the cursor where the key says.

use ratatui::crossterm::event::{Event, KeyEvent};
use tui_input::backend::crossterm::to_input_request;
use tui_input::{Input, InputRequest};

#[derive(Debug, Clone, Default)]
pub struct TextInput {
    input: Input,
    /// The whole value is selected: the next character replaces it.
    selected: bool,
}

/// Two inputs are equal when they show the same thing (the crate's type has no `Eq`).
impl PartialEq for TextInput {
    fn eq(&self, other: &Self) -> bool {
        self.value() == other.value() && self.cursor() == other.cursor() && self.selected == other.selected
    }
}
impl Eq for TextInput {}

impl TextInput {
    pub fn new(value: impl Into<String>) -> Self {
        Self {
            input: Input::new(value.into()),
            selected: false,
        }
    }

    pub fn value(&self) -> &str {
        self.input.value()
    }

    /// The cursor, in chars from the start.
    pub fn cursor(&self) -> usize {
        self.input.cursor()
    }

    /// The cursor's column in terminal cells (wide characters count two).
    pub fn visual_cursor(&self) -> usize {
        self.input.visual_cursor()
    }

    pub fn is_selected(&self) -> bool {
        self.selected
    }

    /// Replaces the value (e.g. a suggestion), cursor at the end, nothing selected.
    pub fn set(&mut self, value: impl Into<String>) {
        self.input = Input::new(value.into());
        self.selected = false;
    }

    /// The cursor enters the field: a filled field is selected, cursor at its end.
    pub fn enter(&mut self) {
        self.input.handle(InputRequest::GoToEnd);
        self.selected = !self.input.value().is_empty();
    }

    /// The cursor is put here to fix what was refused: at the end, nothing selected, so
    /// Backspace takes one character as usual.
    pub fn fix(&mut self) {
        self.input.handle(InputRequest::GoToEnd);
        self.selected = false;
    }

    /// Applies an editing key; returns `Some(changed)` when the key was an editing key
    /// (`changed`: the value changed), `None` when the input does not use it.
    pub fn key(&mut self, key: &KeyEvent) -> Option<bool> {
        let request = to_input_request(&Event::Key(*key))?;
        if std::mem::take(&mut self.selected) {
            match request {
                InputRequest::InsertChar(_) => {
                    self.input.reset();
                }
                InputRequest::DeletePrevChar
                | InputRequest::DeleteNextChar
                | InputRequest::DeleteLine
                | InputRequest::DeletePrevWord
                | InputRequest::DeleteNextWord => {
                    let changed = !self.input.value().is_empty();
                    self.input.reset();
                    return Some(changed);
                }
                // Movement and the rest: the selection goes, the key acts as usual.
                _ => {}
            }
        }
        let before = self.input.value().len();
        let response = self.input.handle(request);
        Some(response.is_some_and(|r| r.value) || before != self.input.value().len())
    }
}

#[cfg(test)]
mod tests {
    use ratatui::crossterm::event::{KeyCode, KeyModifiers};

    use super::*;

    fn press(input: &mut TextInput, code: KeyCode, mods: KeyModifiers) -> Option<bool> {
        input.key(&KeyEvent::new(code, mods))
    }

    fn typed(input: &mut TextInput, text: &str) {
        for c in text.chars() {
            press(input, KeyCode::Char(c), KeyModifiers::NONE);
        }
    }

    #[test]
    fn typing_into_a_selected_field_replaces_it() {
        let mut i = TextInput::new("2027-04-01");
        i.enter();
        assert!(i.is_selected());
        typed(&mut i, "2026-12-15");
        assert_eq!(i.value(), "2026-12-15");
    }

    #[test]
    fn a_movement_key_keeps_the_text_and_edits_at_the_cursor() {
        let mut i = TextInput::new("Zoë");
        i.enter();
        press(&mut i, KeyCode::Left, KeyModifiers::NONE);
        press(&mut i, KeyCode::Backspace, KeyModifiers::NONE);
        typed(&mut i, "e");
        assert_eq!(i.value(), "Zeë");
        press(&mut i, KeyCode::Home, KeyModifiers::NONE);
        press(&mut i, KeyCode::Delete, KeyModifiers::NONE);
        assert_eq!(i.value(), "eë");
    }

    #[test]
    fn backspace_on_a_selected_field_clears_it() {
        let mut i = TextInput::new("+44 7700 900123");
        i.enter();
        assert_eq!(press(&mut i, KeyCode::Backspace, KeyModifiers::NONE), Some(true));
        assert_eq!(i.value(), "");
    }

    #[test]
    fn ctrl_u_clears_and_ctrl_w_deletes_the_last_word() {
        let mut i = TextInput::new("redness settled overnight");
        press(&mut i, KeyCode::Char('w'), KeyModifiers::CONTROL);
        assert_eq!(i.value(), "redness settled ");
        press(&mut i, KeyCode::Char('u'), KeyModifiers::CONTROL);
        assert_eq!(i.value(), "");
    }

    #[test]
    fn keys_it_does_not_use_are_left_to_the_form() {
        let mut i = TextInput::new("x");
        assert_eq!(press(&mut i, KeyCode::Enter, KeyModifiers::NONE), None);
        assert_eq!(press(&mut i, KeyCode::Tab, KeyModifiers::NONE), None);
        assert_eq!(press(&mut i, KeyCode::Esc, KeyModifiers::NONE), None);
    }
}
