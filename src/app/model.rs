//! All UI state in one place. The views read it; only `message::update` changes it
//! (the runtime and the effect runner do the IO and hand it what they found).

use std::cell::Cell;
use std::collections::{BTreeMap, BTreeSet};

use chrono::{NaiveDate, NaiveDateTime};

use crate::domain::patient::{Patient, PatientId};
use crate::domain::series::Series;
use crate::store::templates::Templates;

use super::idle::IdleLock;
pub use super::overlay::Overlay;
use super::screen::ScreenId;
use crate::domain::calendar::Calendar;
use crate::domain::clinic::ClinicSettings;
use crate::domain::staff::{Acting, Permission};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    Patients,
    Plan,
    Checklist,
}

impl Pane {
    pub const ALL: [Pane; 3] = [Pane::Patients, Pane::Plan, Pane::Checklist];

    pub fn title(self) -> &'static str {
        match self {
            Pane::Patients => "Patients",
            Pane::Plan => "Treatment plan",
            Pane::Checklist => "Recovery checklist",
        }
    }
}

/// What a form, once saved, will change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormPurpose {
    AddPatient,
    EditPatient(PatientId),
    NewSeries(PatientId),
    AddSession(PatientId),
    EditSession(PatientId, usize),
    /// A form of the consult screen (assessment, screening, chart).
    Consult(super::consult::ConsultForm),
    /// A form of the settings screen (one row of `clinic.json`).
    Settings(super::settings::Edit),
    /// The agenda's "find the next free slot" form.
    FindSlot,
    /// The first-run set-up of a new data dir (`app::setup`).
    SetUp(super::setup::Step),
}

impl FormPurpose {
    /// The patient the form changes; `None` for a new patient, the settings and the
    /// slot search.
    pub fn patient(&self) -> Option<&PatientId> {
        match self {
            FormPurpose::AddPatient
            | FormPurpose::Settings(_)
            | FormPurpose::FindSlot
            | FormPurpose::SetUp(_) => None,
            FormPurpose::EditPatient(id)
            | FormPurpose::NewSeries(id)
            | FormPurpose::AddSession(id)
            | FormPurpose::EditSession(id, _) => Some(id),
            FormPurpose::Consult(c) => Some(c.patient()),
        }
    }

    /// Whether the form changes the clinic's settings.
    pub fn is_clinic(&self) -> bool {
        matches!(self, FormPurpose::Settings(_) | FormPurpose::SetUp(_))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusKind {
    Info,
    Saved,
    Error,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    pub kind: StatusKind,
    pub text: String,
}

/// Why a loaded patient cannot be changed by this instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadOnly {
    /// Its file was written by a newer needleplan, of this `schema_version`: saving it
    /// here would drop what this version does not understand.
    NewerVersion(u64),
}

impl ReadOnly {
    /// What the user is told when a key would change the record.
    pub fn message(self) -> String {
        match self {
            ReadOnly::NewerVersion(v) => format!(
                "read-only: written by a newer needleplan (schema {v}); open it with that version to change it"
            ),
        }
    }
}

/// Work for the runtime to do after a key was handled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    Save(PatientId),
    /// Write `clinic` to `clinic.json` (the settings screen changed it).
    SaveClinic,
    /// Write the patients, sessions and aftercare CSV files into the data dir's
    /// `exports/` (the settings screen's `E`).
    ExportCsv,
    /// Write a file made from the plan (`.ics`, handout) into the exports folder.
    Export(Box<super::exports::Export>),
}

#[derive(Debug)]
pub struct Model {
    pub today: NaiveDate,
    pub now: NaiveDateTime,
    pub templates: Templates,
    /// Every loaded patient, sorted by name (case-insensitive), then id.
    pub patients: Vec<Patient>,
    /// Indices into `patients` that the list shows (filter and archive toggle applied).
    pub visible: Vec<usize>,
    pub selected: usize,
    /// First visible row of the patient list; kept by the view so the selection stays
    /// on screen without jumping.
    pub list_offset: Cell<usize>,
    pub list_page: Cell<usize>,
    pub focus: Pane,
    pub filter: String,
    pub filter_typing: bool,
    pub show_archived: bool,
    /// Index of the selected session in the current series of the selected patient.
    pub session: usize,
    pub checklist_item: usize,
    /// The top of the overlay stack (see `app::overlay`): every key goes to it.
    pub overlay: Overlay,
    /// The overlays under the top one, bottom first; shown again as those above close.
    pub overlays_below: Vec<Overlay>,
    pub status: Status,
    /// Whether `status` was set while handling the current key.
    pub status_fresh: bool,
    /// Files that failed to load, with the reason; shown at start and with `!`.
    pub problems: Vec<String>,
    /// Patients changed in memory whose last save failed; retried until it succeeds.
    pub unsaved: BTreeSet<PatientId>,
    /// Patients another user saved meanwhile whose changes clash with mine (the same
    /// field changed differently, or a merged booking that breaks a rule): their
    /// version and the merge, for the compare screen. My edit stays in `patients`,
    /// unsaved and not retried, until the user picks a side per clashing field
    /// (`app::conflict`).
    pub conflicts: BTreeMap<PatientId, super::conflict::Conflict>,
    /// For each patient with unsaved changes, the record as last loaded or saved: the
    /// base of the three-way merge when a save meets a file that moved on.
    pub bases: BTreeMap<PatientId, Patient>,
    /// Patients merged with another user's change and not saved yet: who made it (for
    /// "saved (merged with <who>'s change)").
    pub merged_with: BTreeMap<PatientId, String>,
    /// Patients other users changed since the user's last key: the title bar's counter
    /// ("2 updated by others"), so the status line keeps the user's own last result.
    pub others_updated: usize,
    /// Newer versions saved by another user, held back while a form or confirmation
    /// about that patient is open (applied by `persist::apply_external` once it closes).
    pub incoming: BTreeMap<PatientId, Patient>,
    /// Ids that must never be handed out (files on disk that failed to load).
    pub reserved_ids: BTreeSet<String>,
    /// Patients shown but never changed here, and why. They are in `patients` (so the
    /// list, the plan and the calendar know them); `put_patient` refuses them.
    pub read_only: BTreeMap<PatientId, ReadOnly>,
    pub id_seed: u64,
    pub data_dir_label: String,
    /// The quit warning (set by a q while something is not saved) is what the status
    /// line shows: the next q quits regardless. Any other status clears it (see
    /// [`Model::set_status`]), so a q only ever quits after the user saw the warning;
    /// a retry that fails again keeps it on screen (`persist::patients_saved`).
    pub quit_requested: bool,
    pub quit: bool,
    pub idle: IdleLock,
    /// Which screen is shown; the main screen is the three panes.
    pub screen: ScreenId,
    /// The clinic's settings (`clinic.json`, or the defaults).
    pub clinic: ClinicSettings,
    /// `clinic.json` exists but could not be read: the settings must not be saved over it.
    pub clinic_read_only: bool,
    /// Every visit holding a clinician's or a room's time, kept in step with `patients`.
    pub calendar: Calendar,
    /// Each screen's own state (queues, agenda, consult, settings; see `app::screen`).
    pub screens: super::screen::ScreenStates,
    /// The OS login of the process (from the effective uid, never an environment
    /// variable); clinical changes are recorded in the patient's history under it, and it
    /// is looked up in `clinic.staff` by [`Model::acting`]. Tests set it with
    /// [`Model::with_acting`].
    acting_login: String,
    /// Said on stderr once the terminal is restored (e.g. an unfinished first-run set-up
    /// wrote nothing).
    pub exit_message: Option<String>,
}

impl Model {
    pub fn new(now: NaiveDateTime, templates: Templates, mut patients: Vec<Patient>) -> Self {
        sort_patients(&mut patients);
        let mut m = Self {
            today: now.date(),
            now,
            templates,
            patients,
            visible: Vec::new(),
            selected: 0,
            list_offset: Cell::new(0),
            list_page: Cell::new(10),
            focus: Pane::Patients,
            filter: String::new(),
            filter_typing: false,
            show_archived: false,
            session: 0,
            checklist_item: 0,
            overlay: Overlay::None,
            overlays_below: Vec::new(),
            status: Status {
                kind: StatusKind::Info,
                text: String::new(),
            },
            status_fresh: false,
            problems: Vec::new(),
            unsaved: BTreeSet::new(),
            conflicts: BTreeMap::new(),
            bases: BTreeMap::new(),
            merged_with: BTreeMap::new(),
            others_updated: 0,
            incoming: BTreeMap::new(),
            reserved_ids: BTreeSet::new(),
            read_only: BTreeMap::new(),
            id_seed: now.and_utc().timestamp_nanos_opt().unwrap_or(0) as u64,
            data_dir_label: String::new(),
            quit_requested: false,
            quit: false,
            idle: IdleLock::new(None, now),
            screen: ScreenId::Main,
            clinic: ClinicSettings::default(),
            clinic_read_only: false,
            calendar: Calendar::default(),
            screens: super::screen::ScreenStates::new(now.date()),
            acting_login: crate::store::audit::os_user(),
            exit_message: None,
        };
        m.calendar = Calendar::for_clinic(&m.clinic, &m.patients);
        m.refresh_visible(None);
        m
    }

    /// The same model with `clinic`'s settings (tests: the runtime loads `clinic.json`).
    pub fn with_clinic(mut self, clinic: ClinicSettings) -> Self {
        self.set_clinic(clinic);
        self
    }

    /// The same model acting as `login` (tests: the real login comes from the uid).
    pub fn with_acting(mut self, login: &str) -> Self {
        self.acting_login = login.to_string();
        self
    }

    pub fn acting_login(&self) -> &str {
        &self.acting_login
    }

    /// Who is acting, looked up in the current staff list (so a change of
    /// `clinic.json` applies at once).
    pub fn acting(&self) -> Acting {
        Acting::resolve(&self.clinic.staff, &self.acting_login)
    }

    /// The name put on signatures and overrides: the acting staff member's name.
    pub fn acting_name(&self) -> String {
        self.acting().display_name().to_string()
    }

    /// When the acting person may not do `p`, says why on the status line (naming the
    /// role it needs) and returns true: the caller then changes nothing and opens no
    /// form.
    pub fn refuse_unless(&mut self, p: Permission) -> bool {
        match self.acting().refusal(p, &self.clinic.staff) {
            Some(why) => {
                self.set_status(StatusKind::Error, why);
                true
            }
            None => false,
        }
    }

    /// Replaces the status line. The quit warning, if it was shown, is gone with it: the
    /// next q warns again rather than quitting unseen.
    pub fn set_status(&mut self, kind: StatusKind, text: impl Into<String>) {
        self.status = Status {
            kind,
            text: text.into(),
        };
        self.status_fresh = true;
        self.quit_requested = false;
    }

    pub fn selected_index(&self) -> Option<usize> {
        self.visible.get(self.selected).copied()
    }

    pub fn selected_patient(&self) -> Option<&Patient> {
        self.selected_index().map(|i| &self.patients[i])
    }

    pub fn patient_index(&self, id: &PatientId) -> Option<usize> {
        self.patients.iter().position(|p| &p.id == id)
    }

    pub fn patient(&self, id: &PatientId) -> Option<&Patient> {
        self.patient_index(id).map(|i| &self.patients[i])
    }

    /// A scheduling rule's message with the people in the way named by their names
    /// ("Ben is already booked 10:00-11:00 (Zoë Adams, session 2)"), not their ids.
    pub fn explain(&self, v: &crate::domain::schedule::Violation) -> String {
        v.text(&|id| {
            self.patients
                .iter()
                .find(|p| p.id.as_str() == id)
                .map(|p| p.full_name.clone())
        })
    }

    pub fn current_series(&self) -> Option<&Series> {
        self.selected_patient().and_then(Patient::current_series)
    }

    /// Recomputes the visible rows after the filter, the archive toggle or a record
    /// changed. `keep` (read by the caller before the change) stays selected when it is
    /// still shown; when the selection lands on another patient the plan resets.
    pub fn refresh_visible(&mut self, keep: Option<PatientId>) {
        let needle = self.filter.trim().to_lowercase();
        self.visible = self
            .patients
            .iter()
            .enumerate()
            .filter(|(_, p)| (self.show_archived || !p.archived) && p.matches(&needle))
            .map(|(i, _)| i)
            .collect();
        match keep
            .as_ref()
            .and_then(|id| self.visible.iter().position(|&i| &self.patients[i].id == id))
        {
            Some(pos) => self.selected = pos,
            None => {
                self.selected = self.selected.min(self.visible.len().saturating_sub(1));
                self.reset_session_selection();
            }
        }
    }

    pub fn selected_id(&self) -> Option<PatientId> {
        self.selected_patient().map(|p| p.id.clone())
    }

    /// Points the plan at the latest session done (whose checklist matters most), or
    /// else the next one to come.
    pub fn reset_session_selection(&mut self) {
        self.session = self
            .current_series()
            .map(|s| {
                s.latest_done_index()
                    .or_else(|| s.sessions.iter().position(|x| x.status.is_upcoming()))
                    .unwrap_or(0)
            })
            .unwrap_or(0);
        self.checklist_item = 0;
    }

    /// Records the revision a save of `id` reached, so the next edit starts from it.
    pub fn set_revision(&mut self, id: &PatientId, revision: u64) {
        if let Some(i) = self.patient_index(id) {
            self.patients[i].revision = revision;
        }
    }

    /// Replaces or inserts a patient with the version on disk (saved by another user).
    /// Nothing is saved; the selection stays on the same patient and within its plan.
    pub fn replace_from_disk(&mut self, patient: Patient) {
        let keep = self.selected_id();
        self.bases.remove(&patient.id);
        self.merged_with.remove(&patient.id);
        self.store_patient(patient);
        self.refresh_visible(keep);
        let sessions = self.current_series().map_or(0, |s| s.sessions.len());
        if self.session >= sessions {
            self.reset_session_selection();
        }
    }

    /// Why `id` cannot be changed, if it cannot.
    pub fn read_only_of(&self, id: &PatientId) -> Option<ReadOnly> {
        self.read_only.get(id).copied()
    }

    /// When `id` is read-only, says why on the status line and returns true: the caller
    /// then changes nothing (and opens no form).
    pub fn refuse_read_only(&mut self, id: &PatientId) -> bool {
        match self.read_only_of(id) {
            Some(r) => {
                self.set_status(StatusKind::Error, r.message());
                true
            }
            None => false,
        }
    }

    /// `refuse_read_only` for the selected patient.
    pub fn refuse_selected_read_only(&mut self) -> bool {
        self.selected_id().is_some_and(|id| self.refuse_read_only(&id))
    }

    /// Puts a patient from a file this version may show but not save (arriving at start
    /// or later). Nothing of it is pending: it has no edit to save nor to compare.
    pub fn put_read_only(&mut self, patient: Patient, why: ReadOnly) {
        let id = patient.id.clone();
        self.unsaved.remove(&id);
        self.conflicts.remove(&id);
        self.incoming.remove(&id);
        self.bases.remove(&id);
        self.read_only.insert(id, why);
        self.replace_from_disk(patient);
    }

    /// Replaces or inserts a patient, keeps the list sorted, and asks for a save.
    ///
    /// A read-only patient is refused: the model keeps the version on disk, the status
    /// line says why, and the returned save is dropped by `handle_key` (a safety net
    /// behind the keys, which refuse before any form opens).
    pub fn put_patient(&mut self, patient: Patient) -> Effect {
        self.put_patient_because(patient, None)
    }

    /// As `put_patient`; every clinical change from the record in the model (a
    /// screening answer, an exposure date, an override, a skin assessment, a chart, an
    /// interval override) is added to its history under the acting login and the
    /// current time, with `reason` when one was asked for.
    pub fn put_patient_because(&mut self, mut patient: Patient, reason: Option<&str>) -> Effect {
        let id = patient.id.clone();
        if self.refuse_read_only(&id) || self.refuse_unless(Permission::Patients) {
            return Effect::Save(id);
        }
        if let Some(before) = self.patient(&id).cloned() {
            patient.record_changes(&before, &self.acting_login, self.now, reason);
            // The first edit since the last load or save: what a merge starts from
            // (dropped once saved, or when the version on disk replaces the record).
            self.bases.entry(id.clone()).or_insert(before);
        }
        self.store_patient(patient);
        self.refresh_visible(Some(id.clone()));
        // Marked here, in the model, so that it is written (and retried) whatever runs
        // the effect; the effect says "write it now".
        self.unsaved.insert(id.clone());
        Effect::Save(id)
    }

    /// Puts a record merged with another user's version (`theirs`, now the base: the
    /// merged record carries its revision) and asks for a save. Its history already
    /// holds both sides' entries, so nothing is added to it.
    pub fn put_merged(&mut self, merged: Patient, theirs: Patient) -> Effect {
        let id = merged.id.clone();
        self.store_patient(merged);
        self.refresh_visible(self.selected_id());
        self.bases.insert(id.clone(), theirs);
        self.unsaved.insert(id.clone());
        Effect::Save(id)
    }

    /// Replaces or inserts a patient in the sorted list and keeps the calendar in step.
    fn store_patient(&mut self, patient: Patient) {
        let minutes = self.clinic.default_minutes;
        match self.patient_index(&patient.id) {
            Some(i) => {
                let old = std::mem::replace(&mut self.patients[i], patient);
                self.calendar
                    .replace_patient(Some(&old), Some(&self.patients[i]), minutes);
            }
            None => {
                self.calendar.replace_patient(None, Some(&patient), minutes);
                self.patients.push(patient);
            }
        }
        sort_patients(&mut self.patients);
    }

    /// Sets the clinic's settings (from `clinic.json`) and rebuilds the calendar, whose
    /// lengths depend on them. An open booking form follows the new settings.
    pub fn set_clinic(&mut self, clinic: ClinicSettings) {
        self.calendar = Calendar::for_clinic(&clinic, &self.patients);
        self.idle = IdleLock::new(clinic.idle_lock_minutes, self.now);
        self.clinic = clinic;
        super::settings_follow::clinic_changed(self);
    }

    /// A new id, unused by any loaded patient and any unreadable file.
    pub fn fresh_id(&mut self) -> PatientId {
        loop {
            self.id_seed = self
                .id_seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let candidate = format!("p-{:08x}", (self.id_seed >> 32) as u32);
            if !self.reserved_ids.contains(&candidate)
                && !self.patients.iter().any(|p| p.id.as_str() == candidate)
            {
                return PatientId::new(&candidate).expect("hex ids are valid");
            }
        }
    }
}

fn sort_patients(patients: &mut [Patient]) {
    patients.sort_by_cached_key(|p| (p.full_name.to_lowercase(), p.id.clone()));
}
