//! The screen's state kept in the model, and what can be open over the list.

use std::cell::Cell;
use std::collections::BTreeSet;

use crate::domain::clinic::{ClinicSettings, DayHours};

use super::conflict;
use super::rows::ResourceKind;

/// Field names of the settings forms: a one-field form's field is its `VALUE`.
pub const VALUE: &str = "value";
pub const OPENS: &str = "opens";
pub const CLOSES: &str = "closes";
pub const DATE: &str = "date";
pub const REASON: &str = "reason";
/// Fields of the staff form.
pub const LOGIN: &str = "login";
pub const STAFF_NAME: &str = "name";
pub const FRONT_DESK: &str = "front_desk";
pub const CLINICIAN: &str = "clinician";
pub const ADMIN: &str = "admin";
pub const LINKED: &str = "linked_clinician";

/// What a form, once saved, changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Edit {
    Name,
    Phone,
    Address,
    DefaultMinutes,
    IdleLock,
    Day(usize),
    /// `None`: a new closed date.
    ClosedDate(Option<usize>),
    /// `None`: a new clinician or room.
    Resource(ResourceKind, Option<usize>),
    /// `None`: a new staff member.
    Staff(Option<usize>),
}

/// The screen's state.
#[derive(Debug, Default)]
pub struct SettingsState {
    /// Index into [`rows`](super::rows()).
    pub cursor: usize,
    /// First line shown; kept by the view so the selection stays on screen.
    pub offset: Cell<usize>,
    /// Rows that fit on screen, for PageUp/PageDown; set by the view.
    pub page: Cell<usize>,
    /// `model.clinic` holds changes not written yet (the last write failed); retried by
    /// `persist::flush` until it succeeds.
    pub unsaved: bool,
    /// Hours of the weekdays closed with Space, given back when Space opens them again.
    pub(super) reopen: [Option<DayHours>; 7],
    /// Ids a new clinician or room must not take (listed, or named by a booking),
    /// gathered when the add form opens.
    pub(super) taken_ids: BTreeSet<String>,
    /// The settings as saved when the changes not written yet began (`None`: everything
    /// is on disk): what "keep mine" puts my changes on top of theirs from.
    pub base: Option<ClinicSettings>,
    /// Another user saved the settings first: their version, until the user chooses.
    pub conflict: Option<conflict::Conflict>,
    /// What this instance last saw of `clinic.json` on disk (see [`conflict::look_at_file`]).
    pub watch: conflict::Watch,
}
