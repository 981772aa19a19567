//! All UI state in one place. The views read it; only `update` changes it.

use std::cell::Cell;
use std::collections::BTreeSet;

use chrono::{NaiveDate, NaiveDateTime};

use crate::domain::patient::{Patient, PatientId};
use crate::domain::series::Series;
use crate::store::templates::Templates;

use super::form::Form;

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
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Overlay {
    None,
    Form(FormPurpose, Form),
    ConfirmArchive(PatientId),
    Help { scroll: usize },
    Problems,
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

/// Work for the runtime to do after a key was handled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    Save(PatientId),
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
    pub overlay: Overlay,
    pub status: Status,
    /// Whether `status` was set while handling the current key.
    pub status_fresh: bool,
    /// Files that failed to load, with the reason; shown at start and with `!`.
    pub problems: Vec<String>,
    /// Patients changed in memory whose last save failed; retried until it succeeds.
    pub unsaved: BTreeSet<PatientId>,
    /// Ids that must never be handed out (files on disk that failed to load).
    pub reserved_ids: BTreeSet<String>,
    pub id_seed: u64,
    pub data_dir_label: String,
    /// Set by a quit request while saves are failing: the next one quits regardless.
    pub quit_requested: bool,
    pub quit: bool,
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
            status: Status {
                kind: StatusKind::Info,
                text: String::new(),
            },
            status_fresh: false,
            problems: Vec::new(),
            unsaved: BTreeSet::new(),
            reserved_ids: BTreeSet::new(),
            id_seed: now.and_utc().timestamp_nanos_opt().unwrap_or(0) as u64,
            data_dir_label: String::new(),
            quit_requested: false,
            quit: false,
        };
        m.refresh_visible(None);
        m
    }

    pub fn set_status(&mut self, kind: StatusKind, text: impl Into<String>) {
        self.status = Status {
            kind,
            text: text.into(),
        };
        self.status_fresh = true;
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

    /// Replaces or inserts a patient, keeps the list sorted, and asks for a save.
    pub fn put_patient(&mut self, patient: Patient) -> Effect {
        let id = patient.id.clone();
        match self.patient_index(&id) {
            Some(i) => self.patients[i] = patient,
            None => self.patients.push(patient),
        }
        sort_patients(&mut self.patients);
        self.refresh_visible(Some(id.clone()));
        Effect::Save(id)
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
