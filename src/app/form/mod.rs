//! One form model for every form and popup that asks for input: named, typed fields.
//!
//! - Fields are read **by name** (`form.text(DATE)`, `form.choice(CLINICIAN)`), never by
//!   position, so adding or reordering a field cannot make a form read the wrong one.
//! - A choice holds the chosen option's id ([`Choice`]); options that changed while the
//!   form was open keep what was chosen, say so on the field and refuse to save.
//! - Text fields use one input ([`TextInput`]) with select-on-entry and the usual
//!   editing keys.
//! - Validation reports every error at once, each on its field ([`Reader`]); the first
//!   bad field takes the focus.
//!
//! What a form changes, and its rules, stay with the form's owner (patient, session,
//! series, settings, consult forms): this module only keeps what was typed.

mod choice;
mod reader;
mod text_input;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::keymap::{Binding, Scope, code, ctrl, screen_action_for};

pub use choice::{Choice, ChoiceOption};
pub use reader::Reader;
pub use text_input::TextInput;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldKind {
    Text(TextInput),
    Choice(Choice),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    /// What the form's owner reads it by; unique within a form.
    pub name: String,
    pub label: String,
    pub hint: &'static str,
    pub kind: FieldKind,
}

impl Field {
    pub fn text(
        name: impl Into<String>,
        label: impl Into<String>,
        hint: &'static str,
        value: impl Into<String>,
    ) -> Self {
        Self {
            name: name.into(),
            label: label.into(),
            hint,
            kind: FieldKind::Text(TextInput::new(value)),
        }
    }

    pub fn choice(
        name: impl Into<String>,
        label: impl Into<String>,
        options: Vec<ChoiceOption>,
        chosen: Option<String>,
    ) -> Self {
        Self {
            name: name.into(),
            label: label.into(),
            hint: "Left/Right to change",
            kind: FieldKind::Choice(Choice::new(options, chosen)),
        }
    }

    /// A yes/no choice (ids `yes` and `no`).
    pub fn yes_no(name: impl Into<String>, label: impl Into<String>, yes: bool) -> Self {
        let options = vec![
            ChoiceOption::new(Some("no"), "no"),
            ChoiceOption::new(Some("yes"), "yes"),
        ];
        let chosen = if yes { "yes" } else { "no" };
        Self::choice(name, label, options, Some(chosen.into()))
    }

    /// What the field shows: the text typed, or the chosen option's label.
    pub fn shown(&self) -> String {
        match &self.kind {
            FieldKind::Text(t) => t.value().to_string(),
            FieldKind::Choice(c) => c.label(),
        }
    }

    fn enter(&mut self) {
        if let FieldKind::Text(t) = &mut self.kind {
            t.enter();
        }
    }

    fn fix(&mut self) {
        if let FieldKind::Text(t) = &mut self.kind {
            t.fix();
        }
    }

    /// Applies an editing key; returns true when the value changed.
    fn edit(&mut self, key: &KeyEvent) -> bool {
        match &mut self.kind {
            FieldKind::Choice(c) => match key.code {
                KeyCode::Left => {
                    c.step(false);
                    true
                }
                KeyCode::Right | KeyCode::Char(' ') => {
                    c.step(true);
                    true
                }
                _ => false,
            },
            FieldKind::Text(t) => t.key(key).unwrap_or(false),
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
    /// The focused field's place (a matter of display only; values are read by name).
    pub focus: usize,
    /// Validation messages by field name, in the fields' order; each shown under its field.
    pub errors: Vec<(String, String)>,
    /// Fields whose message came from a rule checked at Enter (a clash, a closed day):
    /// the owner's re-check after any change clears them ([`Form::clear_rule_errors`]).
    rule_fields: Vec<String>,
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
        debug_assert!(
            fields
                .iter()
                .enumerate()
                .all(|(i, f)| fields[..i].iter().all(|g| g.name != f.name)),
            "field names are unique within a form"
        );
        let mut form = Self {
            title: title.into(),
            fields,
            focus: 0,
            errors: Vec::new(),
            rule_fields: Vec::new(),
            refusals: Vec::new(),
            warnings: Vec::new(),
            notes: Vec::new(),
            enter_label: "save",
        };
        if let Some(f) = form.fields.first_mut() {
            f.enter();
        }
        form
    }

    fn index(&self, name: &str) -> Option<usize> {
        self.fields.iter().position(|f| f.name == name)
    }

    /// The field called `name`. Every name a form's owner reads is one it created, so a
    /// missing one is a bug in that owner (the property tests open every form).
    pub fn field(&self, name: &str) -> &Field {
        match self.index(name) {
            Some(i) => &self.fields[i],
            None => panic!("form has no field named {name}"),
        }
    }

    fn field_mut(&mut self, name: &str) -> &mut Field {
        match self.index(name) {
            Some(i) => &mut self.fields[i],
            None => panic!("form has no field named {name}"),
        }
    }

    pub fn has_field(&self, name: &str) -> bool {
        self.index(name).is_some()
    }

    /// The text typed into a text field ("" for a choice).
    pub fn text(&self, name: &str) -> &str {
        match &self.field(name).kind {
            FieldKind::Text(t) => t.value(),
            FieldKind::Choice(_) => "",
        }
    }

    /// What a field shows (text, or the chosen option's label).
    pub fn shown(&self, name: &str) -> String {
        self.field(name).shown()
    }

    /// The chosen id of a choice field (`None`: "none", or not a choice).
    pub fn choice(&self, name: &str) -> Option<&str> {
        match &self.field(name).kind {
            FieldKind::Choice(c) => c.chosen.as_deref(),
            FieldKind::Text(_) => None,
        }
    }

    /// A choice field, to change its options or what is chosen.
    pub fn choice_mut(&mut self, name: &str) -> Option<&mut Choice> {
        match &mut self.field_mut(name).kind {
            FieldKind::Choice(c) => Some(c),
            FieldKind::Text(_) => None,
        }
    }

    /// Replaces what a text field holds (e.g. a suggestion).
    pub fn set_text(&mut self, name: &str, value: impl Into<String>) {
        if let FieldKind::Text(t) = &mut self.field_mut(name).kind {
            t.set(value);
        }
    }

    /// Puts the cursor on the field called `name`.
    pub fn focus_on(&mut self, name: &str) {
        if let Some(i) = self.index(name) {
            self.focus = i;
            self.fields[i].enter();
        }
    }

    /// The name of the focused field.
    pub fn focused(&self) -> &str {
        self.fields.get(self.focus).map_or("", |f| f.name.as_str())
    }

    /// The message shown under a field, if any.
    pub fn error_of(&self, name: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, m)| m.as_str())
    }

    /// The first message in field order and its field, if any.
    pub fn first_error(&self) -> Option<(&str, &str)> {
        self.errors.first().map(|(n, m)| (n.as_str(), m.as_str()))
    }

    /// Adds (or replaces) the message of one field and focuses the first field in error.
    pub fn fail(&mut self, name: &str, message: impl std::fmt::Display) {
        let mut errors = std::mem::take(&mut self.errors);
        errors.retain(|(n, _)| n != name);
        errors.push((name.to_string(), message.to_string()));
        self.set_errors(errors);
    }

    /// A rule refused what was typed at Enter (e.g. "refused: Ben is already booked"):
    /// the message goes on `name` like [`Form::fail`], and lasts until the next change.
    pub fn fail_by_rule(&mut self, name: &str, message: impl std::fmt::Display) {
        self.fail(name, message);
        self.rule_fields.push(name.to_string());
    }

    /// Drops the messages rules left at the last Enter: what is typed changed, and the
    /// owner shows what the rules say about it now (refusals, warnings).
    pub fn clear_rule_errors(&mut self) {
        let rules = std::mem::take(&mut self.rule_fields);
        self.errors.retain(|(n, _)| !rules.contains(n));
    }

    /// A message on `name` that does not move the cursor: it comes from elsewhere (a
    /// colleague's settings change on a tick), not from a key typed in this form.
    pub fn note(&mut self, name: &str, message: impl std::fmt::Display) {
        let mut errors = std::mem::take(&mut self.errors);
        errors.retain(|(n, _)| n != name);
        errors.push((name.to_string(), message.to_string()));
        errors.sort_by_key(|(n, _)| self.index(n).unwrap_or(usize::MAX));
        self.errors = errors;
    }

    /// Shows every message at once, in the fields' order, and focuses the first (cursor
    /// at its end, nothing selected: fixing a typo should not retype the field).
    pub fn set_errors(&mut self, mut errors: Vec<(String, String)>) {
        errors.sort_by_key(|(n, _)| self.index(n).unwrap_or(usize::MAX));
        let first = errors.first().and_then(|(n, _)| self.index(n));
        self.errors = errors;
        if let Some(i) = first {
            self.focus = i;
            self.fields[i].fix();
        }
    }

    fn move_focus(&mut self, forward: bool) {
        let n = self.fields.len();
        if n == 0 {
            return;
        }
        self.focus = if forward {
            (self.focus + 1) % n
        } else {
            (self.focus + n - 1) % n
        };
        self.fields[self.focus].enter();
    }

    /// A key in the form, by [`FORM_KEYS`]: a key not in the table does nothing, except
    /// typed characters, which go into a text field (or Space, which changes a choice).
    pub fn handle_key(&mut self, key: &KeyEvent) -> FormEvent {
        match screen_action_for(FORM_KEYS, key) {
            Some(FormAction::Cancel) => FormEvent::Cancel,
            // The owner checks everything again: messages from the last try go.
            Some(FormAction::Submit) => {
                self.errors.clear();
                FormEvent::Submit
            }
            Some(FormAction::Next) => {
                self.move_focus(true);
                FormEvent::Nothing
            }
            Some(FormAction::Prev) => {
                self.move_focus(false);
                FormEvent::Nothing
            }
            Some(FormAction::Edit) => self.edit(key),
            None if is_typed(key) => self.edit(key),
            None => FormEvent::Nothing,
        }
    }

    fn edit(&mut self, key: &KeyEvent) -> FormEvent {
        let Some(field) = self.fields.get_mut(self.focus) else {
            return FormEvent::Nothing;
        };
        if field.edit(key) {
            let name = field.name.clone();
            self.errors.retain(|(n, _)| *n != name);
            FormEvent::Changed
        } else {
            FormEvent::Nothing
        }
    }

    /// Reads the form's values, gathering every error (see [`Reader`]).
    pub fn reader(&self) -> Reader<'_> {
        Reader::new(self)
    }
}

/// A character typed into a field (not a command: no Ctrl or Alt).
pub fn is_typed(key: &KeyEvent) -> bool {
    matches!(key.code, KeyCode::Char(_))
        && !key
            .modifiers
            .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
}

/// What a key does in a form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormAction {
    Submit,
    Cancel,
    Next,
    Prev,
    /// Goes to the focused field: cursor, deletion, or the next/previous choice.
    Edit,
}

/// The keys every form takes: the handler above, the key bar and the help all read this
/// table. Typed characters are not listed key by key: [`TYPING_HELP`] says what they do.
pub static FORM_KEYS: &[Binding<FormAction>] = &[
    Binding {
        keys: &[code(KeyCode::Enter)],
        action: FormAction::Submit,
        scope: Scope::Everywhere,
        bar: Some("save"),
        help: "save (every field in error is named at once)",
    },
    Binding {
        keys: &[code(KeyCode::Esc)],
        action: FormAction::Cancel,
        scope: Scope::Everywhere,
        bar: Some("cancel"),
        help: "close without saving",
    },
    Binding {
        keys: &[code(KeyCode::Tab), code(KeyCode::Down)],
        action: FormAction::Next,
        scope: Scope::Everywhere,
        bar: Some("next field"),
        help: "next field (a filled field is selected: typing replaces it)",
    },
    Binding {
        keys: &[code(KeyCode::BackTab), code(KeyCode::Up)],
        action: FormAction::Prev,
        scope: Scope::Everywhere,
        bar: None,
        help: "previous field",
    },
    Binding {
        keys: &[code(KeyCode::Left), code(KeyCode::Right)],
        action: FormAction::Edit,
        scope: Scope::Everywhere,
        bar: Some("cursor / choice"),
        help: "move the cursor, or change a choice",
    },
    Binding {
        keys: &[code(KeyCode::Home), code(KeyCode::End)],
        action: FormAction::Edit,
        scope: Scope::Everywhere,
        bar: None,
        help: "start or end of the field",
    },
    Binding {
        keys: &[code(KeyCode::Backspace), code(KeyCode::Delete)],
        action: FormAction::Edit,
        scope: Scope::Everywhere,
        bar: None,
        help: "delete before or after the cursor (a selected field: all of it)",
    },
    Binding {
        keys: &[ctrl('u')],
        action: FormAction::Edit,
        scope: Scope::Everywhere,
        bar: Some("clear"),
        help: "clear the field",
    },
    Binding {
        keys: &[ctrl('w')],
        action: FormAction::Edit,
        scope: Scope::Everywhere,
        bar: None,
        help: "delete the word before the cursor",
    },
    Binding {
        keys: &[ctrl('k')],
        action: FormAction::Edit,
        scope: Scope::Everywhere,
        bar: None,
        help: "delete to the end of the field",
    },
];

/// What typed characters do, for the help beside [`FORM_KEYS`].
pub const TYPING_HELP: (&str, &str) = (
    "typing",
    "replaces a selected field, else inserts at the cursor; Space changes a choice",
);

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    fn form() -> Form {
        let opts = vec![
            ChoiceOption::new(None::<String>, "none"),
            ChoiceOption::new(Some("amara"), "Amara"),
            ChoiceOption::new(Some("ben"), "Ben"),
        ];
        Form::new(
            "t",
            vec![
                Field::text("name", "Name", "", "Zoë"),
                Field::choice("clinician", "Clinician", opts, Some("ben".into())),
                Field::text("notes", "Notes", "", ""),
            ],
        )
    }

    #[test]
    fn fields_are_read_by_name() {
        let mut f = form();
        assert_eq!(f.text("name"), "Zoë");
        assert_eq!(f.choice("clinician"), Some("ben"));
        f.handle_key(&key(KeyCode::Tab));
        f.handle_key(&key(KeyCode::Right));
        assert_eq!(f.choice("clinician"), None, "wraps to none");
        assert_eq!(f.shown("clinician"), "none");
    }

    #[test]
    fn typing_replaces_the_first_field_when_the_form_opens() {
        let mut f = form();
        f.handle_key(&key(KeyCode::Char('A')));
        assert_eq!(f.text("name"), "A");
    }

    #[test]
    fn an_edit_clears_only_its_own_error_and_fail_focuses_the_first_bad_field() {
        let mut f = form();
        f.set_errors(vec![
            ("notes".into(), "too long".into()),
            ("name".into(), "required".into()),
        ]);
        assert_eq!(f.focused(), "name", "the first bad field in form order");
        assert_eq!(f.errors.len(), 2);
        assert_eq!(f.handle_key(&key(KeyCode::Char('x'))), FormEvent::Changed);
        assert_eq!(f.error_of("name"), None);
        assert_eq!(f.error_of("notes"), Some("too long"));
    }

    #[test]
    fn a_rules_message_lasts_until_the_next_change_and_a_note_keeps_the_cursor() {
        let mut f = form();
        f.fail_by_rule("clinician", "refused: Ben is already booked");
        f.fail("notes", "too long");
        assert_eq!(f.focused(), "clinician");
        f.clear_rule_errors();
        assert_eq!(f.error_of("clinician"), None, "the rule's message goes");
        assert_eq!(
            f.error_of("notes"),
            Some("too long"),
            "a field's own message stays"
        );
        f.focus_on("name");
        f.note("clinician", "Ben was made inactive");
        assert_eq!(f.focused(), "name");
        assert_eq!(f.first_error(), Some(("clinician", "Ben was made inactive")));
    }

    #[test]
    fn tab_and_shift_tab_wrap() {
        let mut f = form();
        f.handle_key(&key(KeyCode::BackTab));
        assert_eq!(f.focused(), "notes");
        f.handle_key(&key(KeyCode::Down));
        assert_eq!(f.focused(), "name");
    }
}
