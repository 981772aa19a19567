//! A small generic form: text fields with a cursor, and choice fields changed with
//! Left/Right. Validation lives with each form's owner; the form only keeps what was
//! typed, the focused field, and the message to show next to a field.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldKind {
    Text,
    Choice(Vec<String>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    pub label: &'static str,
    pub hint: &'static str,
    pub kind: FieldKind,
    /// For text: what was typed. For a choice: the chosen option's text.
    pub value: String,
    /// Cursor position in chars (text) or the chosen index (choice).
    pub cursor: usize,
}

impl Field {
    pub fn text(label: &'static str, hint: &'static str, value: impl Into<String>) -> Self {
        let value = value.into();
        let cursor = value.chars().count();
        Self {
            label,
            hint,
            kind: FieldKind::Text,
            value,
            cursor,
        }
    }

    pub fn choice(label: &'static str, options: Vec<String>, chosen: usize) -> Self {
        let value = options.get(chosen).cloned().unwrap_or_default();
        Self {
            label,
            hint: "Left/Right to change",
            kind: FieldKind::Choice(options),
            value,
            cursor: chosen,
        }
    }

    pub fn set_text(&mut self, value: impl Into<String>) {
        self.value = value.into();
        self.cursor = self.value.chars().count();
    }

    fn byte_at(&self, char_idx: usize) -> usize {
        self.value
            .char_indices()
            .nth(char_idx)
            .map_or(self.value.len(), |(i, _)| i)
    }

    /// Applies an editing key; returns true when the value changed.
    fn edit(&mut self, key: &KeyEvent) -> bool {
        let len = self.value.chars().count();
        match (&self.kind, key.code) {
            (FieldKind::Choice(options), KeyCode::Left | KeyCode::Right | KeyCode::Char(' ')) => {
                let n = options.len().max(1);
                self.cursor = if key.code == KeyCode::Left {
                    (self.cursor + n - 1) % n
                } else {
                    (self.cursor + 1) % n
                };
                self.value = options.get(self.cursor).cloned().unwrap_or_default();
                true
            }
            (FieldKind::Choice(_), _) => false,
            (FieldKind::Text, KeyCode::Char(c))
                if !key
                    .modifiers
                    .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) =>
            {
                let at = self.byte_at(self.cursor);
                self.value.insert(at, c);
                self.cursor += 1;
                true
            }
            (FieldKind::Text, KeyCode::Backspace) if self.cursor > 0 => {
                let at = self.byte_at(self.cursor - 1);
                self.value.remove(at);
                self.cursor -= 1;
                true
            }
            (FieldKind::Text, KeyCode::Delete) if self.cursor < len => {
                let at = self.byte_at(self.cursor);
                self.value.remove(at);
                true
            }
            (FieldKind::Text, KeyCode::Left) => {
                self.cursor = self.cursor.saturating_sub(1);
                false
            }
            (FieldKind::Text, KeyCode::Right) => {
                self.cursor = (self.cursor + 1).min(len);
                false
            }
            (FieldKind::Text, KeyCode::Home) => {
                self.cursor = 0;
                false
            }
            (FieldKind::Text, KeyCode::End) => {
                self.cursor = len;
                false
            }
            _ => false,
        }
    }
}

/// What a key did to the form, for its owner to act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormEvent {
    Nothing,
    Changed,
    Submit,
    Cancel,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Form {
    pub title: String,
    pub fields: Vec<Field>,
    pub focus: usize,
    /// A validation message and the field it belongs to; shown inline.
    pub error: Option<(usize, String)>,
    /// Rules that refuse what is typed: Enter does not save while there are any.
    pub refusals: Vec<String>,
    /// Warnings that do not block saving but must be seen (e.g. too far apart).
    pub warnings: Vec<String>,
    /// What the user can do about a refusal (e.g. type a reason to override it).
    pub notes: Vec<String>,
    /// What Enter does, as the form's footer says it ("save" unless set).
    pub enter_label: &'static str,
}

impl Form {
    pub fn new(title: impl Into<String>, fields: Vec<Field>) -> Self {
        Self {
            title: title.into(),
            fields,
            focus: 0,
            error: None,
            refusals: Vec::new(),
            warnings: Vec::new(),
            notes: Vec::new(),
            enter_label: "save",
        }
    }

    pub fn value(&self, i: usize) -> &str {
        &self.fields[i].value
    }

    pub fn choice(&self, i: usize) -> usize {
        self.fields[i].cursor
    }

    pub fn fail(&mut self, field: usize, message: impl Into<String>) {
        self.error = Some((field, message.into()));
        self.focus = field.min(self.fields.len().saturating_sub(1));
    }

    pub fn handle_key(&mut self, key: &KeyEvent) -> FormEvent {
        let n = self.fields.len();
        match key.code {
            KeyCode::Esc => FormEvent::Cancel,
            KeyCode::Enter => FormEvent::Submit,
            KeyCode::Tab | KeyCode::Down => {
                self.focus = (self.focus + 1) % n;
                FormEvent::Nothing
            }
            KeyCode::BackTab | KeyCode::Up => {
                self.focus = (self.focus + n - 1) % n;
                FormEvent::Nothing
            }
            _ => {
                if self.fields[self.focus].edit(key) {
                    self.error = None;
                    FormEvent::Changed
                } else {
                    FormEvent::Nothing
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn typing_edits_at_the_cursor_including_non_ascii() {
        let mut f = Form::new("t", vec![Field::text("Name", "", "Zoë")]);
        f.handle_key(&key(KeyCode::Left));
        f.handle_key(&key(KeyCode::Backspace));
        f.handle_key(&key(KeyCode::Char('e')));
        assert_eq!(f.value(0), "Zeë");
        f.handle_key(&key(KeyCode::Home));
        f.handle_key(&key(KeyCode::Delete));
        assert_eq!(f.value(0), "eë");
    }

    #[test]
    fn choices_cycle_both_ways() {
        let opts = vec!["a".to_string(), "b".to_string(), "c".to_string()];
        let mut f = Form::new("t", vec![Field::choice("Status", opts, 0)]);
        f.handle_key(&key(KeyCode::Left));
        assert_eq!(f.value(0), "c");
        f.handle_key(&key(KeyCode::Right));
        assert_eq!((f.value(0), f.choice(0)), ("a", 0));
    }

    #[test]
    fn an_edit_clears_the_error() {
        let mut f = Form::new("t", vec![Field::text("A", "", ""), Field::text("B", "", "")]);
        f.fail(1, "bad");
        assert_eq!(f.focus, 1);
        assert_eq!(f.handle_key(&key(KeyCode::Char('x'))), FormEvent::Changed);
        assert_eq!(f.error, None);
        assert_eq!(f.handle_key(&key(KeyCode::Tab)), FormEvent::Nothing);
        assert_eq!(f.focus, 0);
    }
}
