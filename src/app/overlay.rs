//! One overlay stack for every screen: forms, questions, the compare screen, the help,
//! the problems list, the series proposal and the consult screen's lists are all one
//! [`Overlay`], opened over the screen or over another overlay and closed back to it.
//!
//! Each overlay has one interface: its key table ([`Overlay::keys`], data, as the main
//! keymap is), its key-bar hints and help rows from that same table, its title, and the
//! record it is about ([`Overlay::record`]). The handler of each overlay decides by its
//! table only, so the bar and the help list exactly the keys it accepts (a test presses
//! every key on every overlay to hold this).
//!
//! The top of the stack is `Model::overlay`; the ones under it are `Model::overlays_below`
//! (e.g. the screening list under the form that answers one of its rows). Every key goes
//! to the top one; when it closes, the one under it is shown again.

use ratatui::crossterm::event::{KeyCode, KeyEvent};

use crate::domain::patient::PatientId;

use super::consult::{CHART_VIEW_KEYS, ListAction, PREP_KEYS, SCREENING_KEYS};
use super::form::{FORM_KEYS, Form, FormAction, TYPING_HELP};
use super::keymap::{Binding, Scope, code, k, move_down, move_up, screen_action_for};
use super::model::{FormPurpose, Model};
use super::preview::{PREVIEW_KEYS, Preview, PreviewAction};
use super::rebook::{REBOOK_KEYS, Rebook, RebookAction};
use super::reschedule::{RESCHEDULE_KEYS, Reschedule, RescheduleAction};
use super::screen::{KeyHint, bar_rows, help_rows};

// One overlay at a time is on top: its size does not matter, and boxing `Form` would
// touch every form's call site.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Overlay {
    None,
    Form(FormPurpose, Form),
    /// "Archive (or restore) this patient?"
    ConfirmArchive(PatientId),
    /// "Remove this closed date?" (the index into the clinic's `closed_dates`).
    ConfirmRemoveClosedDate(usize),
    /// "Remove this staff member?" (the index into the clinic's `staff`).
    ConfirmRemoveStaff(usize),
    Help {
        scroll: usize,
    },
    Problems,
    /// Another user saved this patient first: compare and choose.
    Conflict(PatientId),
    /// A proposed series, shown before anything is booked.
    SeriesPreview(Box<Preview>),
    /// A moved session with sessions after it: shift them too, or move it alone.
    Reschedule(Box<Reschedule>),
    /// After a cancellation or no-show: the next slot that keeps the series valid.
    Rebook(Box<Rebook>),
    /// The consult screen's screening list; `row` indexes `consult::screening_rows`.
    Screening {
        row: usize,
    },
    /// The consult screen's session prep list; `row` indexes `consult::prep_rows`.
    Prep {
        row: usize,
    },
    /// A signed chart, read-only, with its amendments.
    ChartView,
    /// "Replace the file in exports?" (an export of that name is there already).
    ConfirmReplaceExport(Box<super::exports::Export>),
    /// Which patient a free slot found in the agenda is booked for (`app::picker`).
    PickPatient(Box<super::picker::Picker>),
}

/// The record an overlay is about (what a refusal or a change concerns).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Record {
    Patient(PatientId),
    /// The patient selected on the screen (the consult screen's lists).
    Selected,
    /// The clinic's settings (`clinic.json`).
    Clinic,
    /// Nothing stored (help, problems).
    None,
}

// ---------------------------------------------------------------------------------------
// The small overlays' key tables (the larger ones keep theirs with their code).

/// A yes/no question.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfirmAction {
    Yes,
    No,
}

pub static CONFIRM_KEYS: &[Binding<ConfirmAction>] = &[
    Binding {
        keys: &[k('y'), k('Y')],
        action: ConfirmAction::Yes,
        scope: Scope::Everywhere,
        bar: Some("yes"),
        help: "yes, do it",
    },
    Binding {
        keys: &[k('n'), k('N'), code(KeyCode::Esc)],
        action: ConfirmAction::No,
        scope: Scope::Everywhere,
        bar: Some("no"),
        help: "no, keep as is",
    },
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HelpAction {
    Down,
    Up,
    PageDown,
    PageUp,
    Close,
}

pub static HELP_KEYS: &[Binding<HelpAction>] = &[
    move_down(HelpAction::Down, Some("scroll"), "scroll down"),
    move_up(HelpAction::Up, "scroll up"),
    Binding {
        keys: &[code(KeyCode::PageDown), k(' ')],
        action: HelpAction::PageDown,
        scope: Scope::Everywhere,
        bar: None,
        help: "a page down",
    },
    Binding {
        keys: &[code(KeyCode::PageUp)],
        action: HelpAction::PageUp,
        scope: Scope::Everywhere,
        bar: None,
        help: "a page up",
    },
    Binding {
        keys: &[code(KeyCode::Esc), k('?'), k('q'), code(KeyCode::Enter)],
        action: HelpAction::Close,
        scope: Scope::Everywhere,
        bar: Some("close"),
        help: "close the help",
    },
];

pub static PROBLEMS_KEYS: &[Binding<()>] = &[Binding {
    keys: &[code(KeyCode::Esc), code(KeyCode::Enter), k('!'), k('q')],
    action: (),
    scope: Scope::Everywhere,
    bar: Some("close"),
    help: "close the list",
}];

pub use super::conflict::{CONFLICT_KEYS, ConflictAction};

/// A key table whatever its action type: the rows of the help and of the key bar, and
/// which row a key belongs to.
pub struct Table {
    pub help: Vec<KeyHint>,
    pub bar: Vec<KeyHint>,
    row_of: RowOf,
}

/// Which help row a key belongs to.
type RowOf = Box<dyn Fn(&KeyEvent) -> Option<usize>>;

/// The row of `table` that binds `key` (the first, as `screen_action_for` picks it).
fn row_in<A>(table: &[Binding<A>], key: &KeyEvent) -> Option<usize> {
    table.iter().position(|b| b.keys.iter().any(|k| k.matches(key)))
}

impl Table {
    fn of<A: Copy + 'static>(table: &'static [Binding<A>]) -> Self {
        Self {
            help: help_rows(table),
            bar: bar_rows(table),
            row_of: Box::new(move |key| row_in(table, key)),
        }
    }

    /// The help row of the binding `key` belongs to, if any.
    pub fn row_of(&self, key: &KeyEvent) -> Option<usize> {
        (self.row_of)(key)
    }

    /// Whether the overlay's handler acts on `key` (typed characters included for a form).
    pub fn accepts(&self, key: &KeyEvent) -> bool {
        self.row_of(key).is_some()
    }
}

/// The patient picker's table; typed letters narrow the list.
fn picker_table() -> Table {
    use super::picker::{PICKER_KEYS, TYPING_HELP as PICKER_TYPING};
    let mut t = Table::of(PICKER_KEYS);
    let typing = t.help.len();
    t.help.push((PICKER_TYPING.0.into(), PICKER_TYPING.1.into()));
    t.row_of = Box::new(move |key| {
        row_in(PICKER_KEYS, key).or_else(|| super::form::is_typed(key).then_some(typing))
    });
    t
}

/// The form's table; Enter says what it does in this form ("find", "sign", ...).
fn form_table(form: &Form) -> Table {
    let mut t = Table::of(FORM_KEYS);
    if let Some(enter) = t.bar.iter_mut().find(|(k, _)| k == "Enter") {
        enter.1 = form.enter_label.to_string();
    }
    let typing = t.help.len();
    t.help.push((TYPING_HELP.0.into(), TYPING_HELP.1.into()));
    t.row_of =
        Box::new(move |key| row_in(FORM_KEYS, key).or_else(|| super::form::is_typed(key).then_some(typing)));
    t
}

impl Overlay {
    /// The overlay's keys: one table for its handler, its key bar and its help rows.
    pub fn keys(&self) -> Table {
        match self {
            Overlay::None => Table::of::<()>(&[]),
            Overlay::Form(_, f) => form_table(f),
            Overlay::SeriesPreview(p) if let Some(f) = &p.edit => form_table(f),
            Overlay::SeriesPreview(_) => Table::of::<PreviewAction>(PREVIEW_KEYS),
            Overlay::ConfirmArchive(_)
            | Overlay::ConfirmRemoveClosedDate(_)
            | Overlay::ConfirmRemoveStaff(_)
            | Overlay::ConfirmReplaceExport(_) => Table::of(CONFIRM_KEYS),
            Overlay::Help { .. } => Table::of(HELP_KEYS),
            Overlay::Problems => Table::of(PROBLEMS_KEYS),
            Overlay::Conflict(_) => Table::of(CONFLICT_KEYS),
            Overlay::Reschedule(_) => Table::of::<RescheduleAction>(RESCHEDULE_KEYS),
            Overlay::Rebook(_) => Table::of::<RebookAction>(REBOOK_KEYS),
            Overlay::Screening { .. } => Table::of::<ListAction>(SCREENING_KEYS),
            Overlay::Prep { .. } => Table::of::<ListAction>(PREP_KEYS),
            Overlay::ChartView => Table::of::<ListAction>(CHART_VIEW_KEYS),
            Overlay::PickPatient(_) => picker_table(),
        }
    }

    /// What the help calls the overlay.
    pub fn title(&self) -> String {
        match self {
            Overlay::None => String::new(),
            Overlay::Form(_, f) => f.title.clone(),
            Overlay::ConfirmArchive(_) => "Archive or restore a patient".into(),
            Overlay::ConfirmRemoveClosedDate(_) => "Remove a closed date".into(),
            Overlay::ConfirmRemoveStaff(_) => "Remove a staff member".into(),
            Overlay::Help { .. } => "Keys".into(),
            Overlay::Problems => "Problems".into(),
            Overlay::Conflict(_) => "Conflict: pick theirs or mine per field".into(),
            Overlay::SeriesPreview(p) => match &p.edit {
                Some(f) => f.title.clone(),
                None => format!("Proposed series · {}", p.protocol_name),
            },
            Overlay::Reschedule(r) => r.title(),
            Overlay::Rebook(_) => "Book a replacement?".into(),
            Overlay::Screening { .. } => "Screening".into(),
            Overlay::Prep { .. } => "Session prep".into(),
            Overlay::ChartView => "Signed chart".into(),
            Overlay::PickPatient(_) => "Book the free slot for".into(),
            Overlay::ConfirmReplaceExport(_) => "Replace a file".into(),
        }
    }

    /// The record the overlay is about.
    pub fn record(&self) -> Record {
        match self {
            Overlay::Form(purpose, _) => match purpose.patient() {
                Some(id) => Record::Patient(id.clone()),
                None if purpose.is_clinic() => Record::Clinic,
                None => Record::None,
            },
            Overlay::ConfirmArchive(id) | Overlay::Conflict(id) => Record::Patient(id.clone()),
            Overlay::SeriesPreview(p) => Record::Patient(p.patient.clone()),
            Overlay::Reschedule(r) => Record::Patient(r.patient.clone()),
            Overlay::Rebook(r) => Record::Patient(r.patient.clone()),
            Overlay::ConfirmRemoveClosedDate(_) | Overlay::ConfirmRemoveStaff(_) => Record::Clinic,
            Overlay::Screening { .. } | Overlay::Prep { .. } | Overlay::ChartView => Record::Selected,
            Overlay::None
            | Overlay::Help { .. }
            | Overlay::Problems
            | Overlay::PickPatient(_)
            | Overlay::ConfirmReplaceExport(_) => Record::None,
        }
    }

    /// Whether every key, the global ones included, goes to the overlay (text is typed
    /// into it): true for all of them, so that "q" or "2" never leave a form or a list
    /// half-done; Ctrl-C still quits (every confirmed edit is on disk).
    pub fn is_open(&self) -> bool {
        *self != Overlay::None
    }
}

/// Every overlay's keys for the help, by the title staff know it by.
pub fn help_sections() -> Vec<(&'static str, Vec<KeyHint>)> {
    let with_typing = {
        let mut rows = help_rows(FORM_KEYS);
        rows.push((TYPING_HELP.0.into(), TYPING_HELP.1.into()));
        rows
    };
    vec![
        ("In a form", with_typing),
        ("Series proposal (after n)", help_rows(PREVIEW_KEYS)),
        ("Moved, with later sessions", help_rows(RESCHEDULE_KEYS)),
        ("After a cancellation or no-show", help_rows(REBOOK_KEYS)),
        ("Consult: screening list (s)", help_rows(SCREENING_KEYS)),
        ("Consult: session prep (d)", help_rows(PREP_KEYS)),
        ("Consult: signed chart (c)", help_rows(CHART_VIEW_KEYS)),
        ("A yes/no question", help_rows(CONFIRM_KEYS)),
        (
            "Conflict: pick theirs or mine per field (C)",
            help_rows(CONFLICT_KEYS),
        ),
        ("Book a slot found: pick the patient", {
            let mut rows = help_rows(super::picker::PICKER_KEYS);
            rows.push((
                super::picker::TYPING_HELP.0.into(),
                super::picker::TYPING_HELP.1.into(),
            ));
            rows
        }),
        ("This help", help_rows(HELP_KEYS)),
        ("Problems list (!)", help_rows(PROBLEMS_KEYS)),
    ]
}

impl Model {
    /// Opens `overlay` over whatever is open (which shows again when it closes).
    pub fn push_overlay(&mut self, overlay: Overlay) {
        let under = std::mem::replace(&mut self.overlay, overlay);
        if under.is_open() {
            self.overlays_below.push(under);
        }
    }

    /// Closes the top overlay; the one under it, if any, is on top again.
    pub fn close_overlay(&mut self) {
        self.overlay = self.overlays_below.pop().unwrap_or(Overlay::None);
    }

    /// Closes every overlay (e.g. when the screen changes).
    pub fn close_all_overlays(&mut self) {
        self.overlays_below.clear();
        self.overlay = Overlay::None;
    }

    /// Closes every overlay about patient `id`, wherever it is in the stack (the record
    /// turned read-only: nothing typed in them can be saved); the others stay in order.
    pub fn close_overlays_about(&mut self, id: &PatientId) {
        let about = |o: &Overlay| o.record() == Record::Patient(id.clone());
        self.overlays_below.retain(|o| !about(o));
        if about(&self.overlay) {
            self.close_overlay();
        }
    }

    /// The overlays from the bottom one to the top one.
    pub fn overlay_stack(&self) -> impl Iterator<Item = &Overlay> {
        self.overlays_below
            .iter()
            .chain(std::iter::once(&self.overlay).filter(|o| o.is_open()))
    }
}

/// The form action a key is, for handlers outside the form that care (e.g. Esc).
pub fn form_action(key: &KeyEvent) -> Option<FormAction> {
    screen_action_for(FORM_KEYS, key)
}
