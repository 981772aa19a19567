//! The settings screen (key `5`): the clinic's `clinic.json`, section by section. Drawn by
//! `ui::settings`.
//!
//! - General: the clinic's name, the default appointment length, the idle lock.
//! - Opening hours: one row per weekday; Space closes or opens the day.
//! - Closed dates: holidays and training days; `a` adds, `x` removes (asks y/n).
//! - Clinicians and rooms: `a` adds one (its id made from the name), Space marks it
//!   inactive or active again. They are never deleted: sessions refer to their ids.
//! - Protocols in use: the protocol templates offered for new series, ticked with Space.
//!
//! Enter (or `e`) edits the selected row in a small form ([`Form`]); what is typed is
//! checked by parsing it and by [`ClinicSettings::validate`], and a refusal is shown next
//! to its field with everything typed kept. Every confirmed change goes into
//! `model.clinic` at once (through [`Model::set_clinic`], so the calendar and the idle
//! lock follow) and returns [`Effect::SaveClinic`]; [`save_clinic`] then writes the
//! file ([`clinic_saved`] takes the outcome in), and keeps retrying while writing fails ("NOT SAVED"), like a patient's save.
//!
//! When `clinic.json` exists but cannot be read, the app runs on the built-in settings
//! and this screen refuses every change, so that the file is never written over.
//!
//! Forms and the y/n question are overlays (`app::overlay`): while one is open it takes
//! every key, the global ones (q, ?, 2, 5, ...) included, so that text can be typed.
//!
//! Several instances share `clinic.json`: a save from a stale revision becomes a conflict
//! the screen shows until the user chooses, and changes saved by another instance are
//! taken in on the next tick (see [`conflict`]).
//!
//! The parts, one concern each (everything other modules use is re-exported here):
//!
//! - `rows`: the sections and rows the screen lists, and the row under the cursor.
//! - `state`: [`SettingsState`] in the model, and the field names of the forms.
//! - `keys`: the screen's key bindings, and where a key goes (conflict or list; a form
//!   or question open over the screen is an overlay and takes its keys first).
//! - `open_form`: Enter and `a`, the form each row opens.
//! - `submit`: keys in an open form, and what was typed turned into checked settings.
//! - `toggle`: Space on a weekday, a clinician or room, a protocol.
//! - `remove`: `x` and its y/n question (closed dates only).
//! - `hours`: opening hours as forms and Space show them.
//! - `ids`: ids of new clinicians and rooms, made from the name.
//! - `read_only`: the refusal every change meets while `clinic.json` cannot be read.
//! - `save`: a change into the model, then onto disk, retried; the quit it holds.
//! - `key_bar`: the keys the bar offers for the selected row.
//! - [`conflict`]: another instance's save, compared and chosen from.
//!
//! [`Form`]: super::form::Form
//! [`ClinicSettings::validate`]: crate::domain::clinic::ClinicSettings::validate
//! [`Model::set_clinic`]: super::model::Model::set_clinic
//! [`Effect::SaveClinic`]: super::model::Effect::SaveClinic

pub mod conflict;
mod hours;
mod ids;
mod key_bar;
mod keys;
mod open_form;
mod read_only;
mod remove;
mod rows;
mod save;
mod state;
mod submit;
mod toggle;

pub use ids::{slug, unique_id};
pub use key_bar::bar_hints;
pub use keys::{SETTINGS_KEYS, SettingsAction, handle_key};
pub use read_only::file_problem;
pub use remove::{confirm_remove, confirm_remove_staff};
pub use rows::{ResourceKind, Row, Section, WEEKDAYS, rows, selected_row};
pub use save::{clinic_saved, hold_quit, save_clinic};
pub use state::{CLOSES, DATE, Edit, OPENS, REASON, SettingsState, VALUE};
pub use submit::form_key;

// The screen's interface to its registry (`app::screen`).
pub type State = SettingsState;
pub const SWITCH_HELP: &str = "clinic settings: hours, closed dates, clinicians, rooms, protocols";

pub fn new_state(_today: chrono::NaiveDate) -> State {
    State::default()
}

/// Nothing to set up: the cursor stays where it was.
pub fn enter(_model: &mut super::model::Model) {}

pub fn help_sections() -> Vec<(&'static str, Vec<super::screen::KeyHint>)> {
    vec![("Settings screen (5)", super::screen::help_rows(SETTINGS_KEYS))]
}
