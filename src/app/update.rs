//! Keys in, state and effects out. No terminal and no files: tests drive this directly.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use crate::domain::aftercare::ChecklistEntry;
use crate::domain::patient::PatientDetails;
use crate::domain::staff::Permission;

use super::action::Action;
use super::form::{Form, FormEvent};
use super::keymap::{action_for, global_action_for};
use super::model::{Effect, FormPurpose, Model, Overlay, Pane, StatusKind};
use super::screen::{self, ScreenId};
use super::{patient_form, preview, rebook, reschedule, series_form, session_form};

/// Handles one key event and returns what must be saved. A save of a read-only patient
/// never leaves here, whichever path asked for it.
pub fn handle_key(model: &mut Model, key: KeyEvent) -> Vec<Effect> {
    let mut effects = dispatch(model, key);
    effects.retain(|e| !matches!(e, Effect::Save(id) if model.read_only.contains_key(id)));
    // A safety net behind the keys, which refuse before any form opens: a login not
    // on the staff list saves nothing, and only an admin saves the settings.
    let acting = model.acting();
    effects.retain(|e| match e {
        Effect::Save(_) => acting.may(Permission::Patients),
        Effect::SaveClinic => acting.may(Permission::Settings),
        // Writes no record: whoever may see the patients may export them.
        Effect::ExportCsv => true,
        // Reading the record into a file changes nothing stored.
        Effect::Export(_) => true,
    });
    effects
}

fn dispatch(model: &mut Model, key: KeyEvent) -> Vec<Effect> {
    if key.kind == KeyEventKind::Release {
        return Vec::new();
    }
    if model.idle.key(model.now) {
        return Vec::new();
    }
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    let quit_key = matches!(
        (key.code, ctrl),
        (KeyCode::Char('q'), false) | (KeyCode::Char('c'), true)
    );
    model.status_fresh = false;
    if !quit_key {
        model.quit_requested = false;
    }
    // Ctrl-C quits from anywhere: every confirmed edit is already on disk.
    if key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c') {
        request_quit(model);
        return Vec::new();
    }
    // The top overlay takes every key; when its handler leaves none on top, the one
    // under it shows again.
    let top = std::mem::replace(&mut model.overlay, Overlay::None);
    if top.is_open() {
        let effects = overlay_key(model, top, key);
        if !model.overlay.is_open() {
            model.close_overlay();
        }
        return effects;
    }
    if model.filter_typing {
        filter_key(model, key);
        return Vec::new();
    }
    if model.screen != ScreenId::Main {
        return match global_action_for(&key) {
            Some(action) => main_action(model, action),
            None => screen::handle_key(model, key),
        };
    }
    match action_for(&key, model.focus) {
        Some(action) => main_action(model, action),
        None => Vec::new(),
    }
}

/// A key for the top overlay (taken off the model: its handler puts it back to keep it
/// open). Each decides by its own key table (see `app::overlay`).
fn overlay_key(model: &mut Model, top: Overlay, key: KeyEvent) -> Vec<Effect> {
    use super::keymap::screen_action_for;
    use super::overlay::{CONFIRM_KEYS, ConfirmAction, HELP_KEYS, HelpAction, PROBLEMS_KEYS};
    match top {
        Overlay::None => Vec::new(),
        Overlay::Form(purpose, form) => form_key(model, purpose, form, key),
        Overlay::ConfirmArchive(id) => match screen_action_for(CONFIRM_KEYS, &key) {
            Some(ConfirmAction::Yes) => toggle_archive(model, &id),
            Some(ConfirmAction::No) => {
                model.set_status(StatusKind::Info, "nothing changed");
                Vec::new()
            }
            None => {
                model.overlay = Overlay::ConfirmArchive(id);
                Vec::new()
            }
        },
        Overlay::ConfirmRemoveClosedDate(i) => super::settings::confirm_remove(model, i, key),
        Overlay::ConfirmRemoveStaff(i) => super::settings::confirm_remove_staff(model, i, key),
        Overlay::Help { scroll } => {
            model.overlay = match screen_action_for(HELP_KEYS, &key) {
                Some(HelpAction::Down) => Overlay::Help { scroll: scroll + 1 },
                Some(HelpAction::Up) => Overlay::Help {
                    scroll: scroll.saturating_sub(1),
                },
                Some(HelpAction::PageDown) => Overlay::Help { scroll: scroll + 10 },
                Some(HelpAction::PageUp) => Overlay::Help {
                    scroll: scroll.saturating_sub(10),
                },
                Some(HelpAction::Close) => Overlay::None,
                None => Overlay::Help { scroll },
            };
            Vec::new()
        }
        Overlay::Problems => {
            if screen_action_for(PROBLEMS_KEYS, &key).is_none() {
                model.overlay = Overlay::Problems;
            }
            Vec::new()
        }
        Overlay::Conflict(id) => super::conflict::handle_key(model, id, key),
        Overlay::SeriesPreview(p) => preview::handle_key(model, p, key),
        Overlay::Reschedule(r) => reschedule::handle_key(model, r, key),
        Overlay::Rebook(r) => rebook::handle_key(model, r, key),
        Overlay::Screening { row } => super::consult::screening_key(model, row, key),
        Overlay::Prep { row } => super::consult::prep_key(model, row, key),
        Overlay::ChartView => super::consult::chart_view_key(model, key),
        Overlay::PickPatient(p) => super::picker::handle_key(model, p, key),
        Overlay::ConfirmReplaceExport(e) => super::exports::confirm_replace(model, e, key),
    }
}

/// Quits at once when everything is on disk. With a failed save pending, the first
/// request only explains what would be lost; asking again while that warning is still on
/// the status line quits (a status that replaced it, such as a new conflict, arms it
/// again: the user must have seen what a quit loses).
fn request_quit(model: &mut Model) {
    if super::setup::pending(model) {
        model.exit_message = Some(super::setup::NOT_SET_UP.into());
        model.quit = true;
        return;
    }
    if super::settings::hold_quit(model) {
        return;
    }
    let pending = model.unsaved.len() + model.conflicts.len();
    if pending == 0 || model.quit_requested {
        model.quit = true;
        return;
    }
    let what = if model.conflicts.is_empty() {
        "NOT SAVED yet (see the error before). Fix the disk problem and wait for \"saved\""
    } else {
        "in CONFLICT with another user's save, not saved. Press C to compare and choose"
    };
    model.set_status(
        StatusKind::Error,
        format!("{pending} patient(s) {what}, or press q again to quit and lose those changes"),
    );
    // After the status: setting one clears the flag.
    model.quit_requested = true;
}

fn filter_key(model: &mut Model, key: KeyEvent) {
    let keep = model.selected_id();
    match key.code {
        KeyCode::Esc => {
            model.filter.clear();
            model.filter_typing = false;
        }
        KeyCode::Enter | KeyCode::Down | KeyCode::Tab => model.filter_typing = false,
        KeyCode::Backspace => {
            model.filter.pop();
        }
        KeyCode::Char(c)
            if !key
                .modifiers
                .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) =>
        {
            model.filter.push(c);
            // The selected patient stays selected while they still match.
            model.selected = 0;
            model.refresh_visible(keep);
            return;
        }
        _ => return,
    }
    model.refresh_visible(keep);
}

fn main_action(model: &mut Model, action: Action) -> Vec<Effect> {
    match action {
        Action::Quit => request_quit(model),
        Action::NextPane | Action::PrevPane => {
            let i = Pane::ALL.iter().position(|p| *p == model.focus).unwrap_or(0);
            let step = if action == Action::NextPane {
                1
            } else {
                Pane::ALL.len() - 1
            };
            model.focus = Pane::ALL[(i + step) % Pane::ALL.len()];
        }
        Action::Up => move_by(model, -1),
        Action::Down => move_by(model, 1),
        Action::PageUp => move_by(model, -(model.list_page.get() as i64)),
        Action::PageDown => move_by(model, model.list_page.get() as i64),
        Action::Home => move_by(model, i64::MIN / 2),
        Action::End => move_by(model, i64::MAX / 2),
        Action::Filter => model.filter_typing = true,
        Action::Open => {
            if model.selected_patient().is_some() {
                model.focus = Pane::Plan;
            }
        }
        Action::Add | Action::Edit | Action::NewSeries | Action::Toggle | Action::Archive
            if main_permission(model, action).is_some_and(|p| model.refuse_unless(p)) => {}
        Action::Add if model.focus != Pane::Patients && model.refuse_selected_read_only() => {}
        Action::Edit | Action::NewSeries | Action::Toggle | Action::Archive
            if model.refuse_selected_read_only() => {}
        Action::Add => open_add(model),
        Action::Edit => open_edit(model),
        Action::NewSeries => match model.selected_id() {
            Some(id) => {
                let form = series_form::form(model, &id);
                model.overlay = Overlay::Form(FormPurpose::NewSeries(id), form);
            }
            None => model.set_status(StatusKind::Info, "add a patient first (a in the patient list)"),
        },
        Action::Toggle => return toggle_item(model),
        Action::ExportIcs => return super::exports::export_ics(model),
        Action::SaveHandout => return super::exports::save_handout(model),
        Action::Archive => {
            if let Some(id) = model.selected_id() {
                model.overlay = Overlay::ConfirmArchive(id);
            }
        }
        Action::ShowArchived => {
            let keep = model.selected_id();
            model.show_archived = !model.show_archived;
            model.refresh_visible(keep);
            let shown = if model.show_archived { "shown" } else { "hidden" };
            model.set_status(StatusKind::Info, format!("archived patients {shown}"));
        }
        Action::Problems => model.overlay = Overlay::Problems,
        Action::Conflicts => {
            // The selected patient's conflict first, else the first one open.
            let selected = model.selected_id().filter(|id| model.conflicts.contains_key(id));
            match selected.or_else(|| model.conflicts.keys().next().cloned()) {
                Some(id) => model.overlay = Overlay::Conflict(id),
                None => model.set_status(StatusKind::Info, "no conflicts: every edit is saved"),
            }
        }
        Action::Help => model.overlay = Overlay::Help { scroll: 0 },
        Action::Screen(id) => {
            screen::enter(model, id);
        }
    }
    Vec::new()
}

/// What a main-screen key would change, by the pane it is pressed in (`None`: nothing).
fn main_permission(model: &Model, action: Action) -> Option<Permission> {
    match (action, model.focus) {
        (Action::Add | Action::Edit, Pane::Patients) | (Action::Archive, _) => Some(Permission::Patients),
        (Action::Add | Action::Edit, Pane::Plan) | (Action::NewSeries, _) => Some(Permission::Bookings),
        (Action::Toggle, _) => Some(Permission::Aftercare),
        _ => None,
    }
}

/// The permission a form's save needs (checked again at the save: the staff list may
/// have changed while it was open).
fn form_permission(purpose: &FormPurpose) -> Option<Permission> {
    match purpose {
        FormPurpose::AddPatient | FormPurpose::EditPatient(_) => Some(Permission::Patients),
        FormPurpose::NewSeries(_) | FormPurpose::AddSession(_) | FormPurpose::EditSession(..) => {
            Some(Permission::Bookings)
        }
        FormPurpose::Consult(c) => Some(super::consult::permission_of(c)),
        FormPurpose::Settings(_) | FormPurpose::FindSlot | FormPurpose::SetUp(_) => None,
    }
}

/// Moves the selection of the focused pane, clamped to its list.
fn move_by(model: &mut Model, delta: i64) {
    let clamp = |current: usize, len: usize| -> usize {
        if len == 0 {
            return 0;
        }
        (current as i64).saturating_add(delta).clamp(0, len as i64 - 1) as usize
    };
    match model.focus {
        Pane::Patients => {
            let before = model.selected;
            model.selected = clamp(model.selected, model.visible.len());
            if model.selected != before {
                model.reset_session_selection();
            }
        }
        Pane::Plan => {
            let len = model.current_series().map_or(0, |s| s.sessions.len());
            let before = model.session;
            model.session = clamp(model.session, len);
            if model.session != before {
                model.checklist_item = 0;
            }
        }
        Pane::Checklist => {
            let len = checklist_len(model);
            model.checklist_item = clamp(model.checklist_item, len);
        }
    }
}

/// Items the checklist pane lists for the selected session: its own entries once it is
/// done, else a preview of the template.
pub fn checklist_len(model: &Model) -> usize {
    match model.current_series().and_then(|s| s.sessions.get(model.session)) {
        Some(s) if !s.checklist.is_empty() => s.checklist.len(),
        Some(_) => model.templates.aftercare.len(),
        None => 0,
    }
}

fn open_add(model: &mut Model) {
    match model.focus {
        Pane::Patients => {
            let form = patient_form::form("New patient", &PatientDetails::default());
            model.overlay = Overlay::Form(FormPurpose::AddPatient, form);
        }
        Pane::Plan => {
            let Some(id) = model.selected_id() else {
                return;
            };
            match session_form::add_form(model, &id) {
                Some(form) => model.overlay = Overlay::Form(FormPurpose::AddSession(id), form),
                None => model.set_status(StatusKind::Info, "no series yet: press n to create one"),
            }
        }
        Pane::Checklist => {}
    }
}

fn open_edit(model: &mut Model) {
    let Some(patient) = model.selected_patient() else {
        return;
    };
    let id = patient.id.clone();
    match model.focus {
        Pane::Patients => {
            let form = patient_form::form("Edit patient", &patient.details());
            model.overlay = Overlay::Form(FormPurpose::EditPatient(id), form);
        }
        Pane::Plan => match session_form::edit_form(model, &id, model.session) {
            Some(form) => model.overlay = Overlay::Form(FormPurpose::EditSession(id, model.session), form),
            None => model.set_status(StatusKind::Info, "no series yet: press n to create one"),
        },
        Pane::Checklist => {}
    }
}

fn form_key(model: &mut Model, purpose: FormPurpose, mut form: Form, key: KeyEvent) -> Vec<Effect> {
    match purpose {
        FormPurpose::Settings(edit) => return super::settings::form_key(model, edit, form, key),
        FormPurpose::FindSlot => return super::agenda::find_key(model, form, key),
        FormPurpose::SetUp(step) => return super::setup::form_key(model, step, form, key),
        _ => {}
    }
    match form.handle_key(&key) {
        FormEvent::Cancel => {
            model.set_status(StatusKind::Info, "cancelled; nothing changed");
            return Vec::new();
        }
        FormEvent::Changed => match &purpose {
            FormPurpose::NewSeries(_) => series_form::changed(model, &mut form),
            FormPurpose::AddSession(id) => session_form::refresh(model, id, None, &mut form),
            FormPurpose::EditSession(id, i) => session_form::refresh(model, id, Some(*i), &mut form),
            FormPurpose::Consult(c) => super::consult::changed(model, c, &mut form),
            _ => {}
        },
        FormEvent::Submit if form_permission(&purpose).is_some_and(|p| model.refuse_unless(p)) => {
            // The staff list changed while the form was open: nothing is saved.
            return Vec::new();
        }
        FormEvent::Submit if purpose.patient().is_some_and(|id| model.refuse_read_only(id)) => {
            // The record turned read-only while the form was open (a newer needleplan
            // saved it): what was typed cannot be saved by this version.
            return Vec::new();
        }
        FormEvent::Submit => {
            // `Some`: the form is done (saved, or handed on to a preview or a question).
            let done = match &purpose {
                FormPurpose::AddPatient | FormPurpose::EditPatient(_) => {
                    patient_form::submit(model, &purpose, &mut form).map(|e| vec![e])
                }
                FormPurpose::NewSeries(id) => series_form::submit(model, id, &mut form),
                FormPurpose::AddSession(id) => session_form::submit(model, id, None, &mut form),
                FormPurpose::EditSession(id, i) => session_form::submit(model, id, Some(*i), &mut form),
                FormPurpose::Consult(c) => super::consult::submit(model, c, &mut form),
                FormPurpose::Settings(_) | FormPurpose::FindSlot | FormPurpose::SetUp(_) => None,
            };
            if let Some(effects) = done {
                return effects;
            }
        }
        FormEvent::Nothing => {}
    }
    model.overlay = Overlay::Form(purpose, form);
    Vec::new()
}

fn toggle_archive(model: &mut Model, id: &crate::domain::patient::PatientId) -> Vec<Effect> {
    let Some(mut patient) = model.patient(id).cloned() else {
        return Vec::new();
    };
    patient.archived = !patient.archived;
    let what = if patient.archived { "archived" } else { "restored" };
    model.set_status(StatusKind::Info, format!("patient {what}"));
    vec![model.put_patient(patient)]
}

fn toggle_item(model: &mut Model) -> Vec<Effect> {
    let Some(mut patient) = model.selected_patient().cloned() else {
        return Vec::new();
    };
    let (index, item, now) = (model.session, model.checklist_item, model.now);
    let Some(session) = patient
        .current_series_mut()
        .and_then(|s| s.sessions.get_mut(index))
    else {
        model.set_status(StatusKind::Info, "no session selected");
        return Vec::new();
    };
    if session.checklist.is_empty() {
        model.set_status(
            StatusKind::Info,
            "the checklist starts when the session is marked done (e in the plan)",
        );
        return Vec::new();
    }
    let Some(entry) = session.checklist.get_mut(item) else {
        return Vec::new();
    };
    entry.toggle(now);
    model.set_status(StatusKind::Info, tick_message(entry));
    vec![model.put_patient(patient)]
}

fn tick_message(entry: &ChecklistEntry) -> String {
    match entry.ticked_at {
        Some(at) => format!("ticked at {}", at.format("%Y-%m-%d %H:%M")),
        None => "unticked".to_string(),
    }
}
