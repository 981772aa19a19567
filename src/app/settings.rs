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
//! lock follow) and returns [`Effect::SaveClinic`]; [`save_pending`] then writes the
//! file, and keeps retrying while writing fails ("NOT SAVED"), like a patient's save.
//!
//! When `clinic.json` exists but cannot be read, the app runs on the built-in settings
//! and this screen refuses every change, so that the file is never written over.
//!
//! While a form or a question is open the screen takes every key, the global ones (q, ?,
//! 2, 5, ...) included, so that text can be typed (see [`takes_all_keys`]).
//!
//! Several instances share `clinic.json`: a save from a stale revision becomes a conflict
//! the screen shows until the user chooses, and changes saved by another instance are
//! taken in on the next tick (see [`conflict`]).

pub mod conflict;

use std::cell::Cell;
use std::collections::BTreeSet;

use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime};
use ratatui::crossterm::event::{KeyCode, KeyEvent};

use crate::domain::clinic::{
    ClinicSettings, ClosedDate, DayHours, Resource, SettingsError, WEEKDAY_KEYS, is_file_safe_id,
};
use crate::domain::dates::{DATE_HINT, parse_date};
use crate::store::clinic_file::CLINIC_FILE;

use super::form::{Field, Form, FormEvent};
use super::keymap::{Binding, Scope, code, k, screen_action_for};
use super::model::{Effect, Model, StatusKind};
use super::persist::Saver;
use super::screen::{KeyHint, ScreenId};
use crate::store::clinic_file::ClinicSaveError;

/// Weekday names, Monday first (the index into `ClinicSettings::hours`).
pub const WEEKDAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

/// The screen's sections, top to bottom.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    General,
    Hours,
    ClosedDates,
    Clinicians,
    Rooms,
    Protocols,
}

impl Section {
    pub const ALL: [Section; 6] = [
        Section::General,
        Section::Hours,
        Section::ClosedDates,
        Section::Clinicians,
        Section::Rooms,
        Section::Protocols,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Section::General => "General",
            Section::Hours => "Opening hours",
            Section::ClosedDates => "Closed dates",
            Section::Clinicians => "Clinicians",
            Section::Rooms => "Rooms",
            Section::Protocols => "Protocols in use",
        }
    }
}

/// Clinicians or rooms: the two lists that work alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResourceKind {
    Clinician,
    Room,
}

impl ResourceKind {
    pub fn noun(self) -> &'static str {
        match self {
            ResourceKind::Clinician => "clinician",
            ResourceKind::Room => "room",
        }
    }

    /// The list's name in `clinic.json` (and in `SettingsError::field`).
    fn list_name(self) -> &'static str {
        match self {
            ResourceKind::Clinician => "clinicians",
            ResourceKind::Room => "rooms",
        }
    }

    pub fn list(self, clinic: &ClinicSettings) -> &[Resource] {
        match self {
            ResourceKind::Clinician => &clinic.clinicians,
            ResourceKind::Room => &clinic.rooms,
        }
    }

    fn list_mut(self, clinic: &mut ClinicSettings) -> &mut Vec<Resource> {
        match self {
            ResourceKind::Clinician => &mut clinic.clinicians,
            ResourceKind::Room => &mut clinic.rooms,
        }
    }
}

/// One selectable row of the screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Row {
    Name,
    DefaultMinutes,
    IdleLock,
    /// A weekday, Monday = 0.
    Day(usize),
    /// An index into `closed_dates`.
    Closed(usize),
    /// The "none yet" row of an empty closed dates list, so that `a` can be used there.
    NoClosedDates,
    Resource(ResourceKind, usize),
    /// An index into `model.templates.protocols`.
    Protocol(usize),
}

impl Row {
    pub fn section(self) -> Section {
        match self {
            Row::Name | Row::DefaultMinutes | Row::IdleLock => Section::General,
            Row::Day(_) => Section::Hours,
            Row::Closed(_) | Row::NoClosedDates => Section::ClosedDates,
            Row::Resource(ResourceKind::Clinician, _) => Section::Clinicians,
            Row::Resource(ResourceKind::Room, _) => Section::Rooms,
            Row::Protocol(_) => Section::Protocols,
        }
    }
}

/// Every row, in screen order. Closed dates are listed in the order of the file, which
/// this screen keeps sorted by date.
pub fn rows(model: &Model) -> Vec<Row> {
    let c = &model.clinic;
    let mut out = vec![Row::Name, Row::DefaultMinutes, Row::IdleLock];
    out.extend((0..7).map(Row::Day));
    if c.closed_dates.is_empty() {
        out.push(Row::NoClosedDates);
    } else {
        out.extend((0..c.closed_dates.len()).map(Row::Closed));
    }
    for kind in [ResourceKind::Clinician, ResourceKind::Room] {
        out.extend((0..kind.list(c).len()).map(|i| Row::Resource(kind, i)));
    }
    out.extend((0..model.templates.protocols.len()).map(Row::Protocol));
    out
}

/// What a form, once saved, changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Edit {
    Name,
    DefaultMinutes,
    IdleLock,
    Day(usize),
    /// `None`: a new closed date.
    ClosedDate(Option<usize>),
    /// `None`: a new clinician or room.
    Resource(ResourceKind, Option<usize>),
}

/// What is open over the list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Popup {
    Form(Edit, Form),
    /// "Remove this closed date?" (the index into `closed_dates`).
    ConfirmRemove(usize),
}

/// The screen's state.
#[derive(Debug, Default)]
pub struct SettingsState {
    /// Index into [`rows`].
    pub cursor: usize,
    /// First line shown; kept by the view so the selection stays on screen.
    pub offset: Cell<usize>,
    /// Rows that fit on screen, for PageUp/PageDown; set by the view.
    pub page: Cell<usize>,
    pub popup: Option<Popup>,
    /// `model.clinic` holds changes not written yet (the last write failed); retried by
    /// `persist::flush` until it succeeds.
    pub unsaved: bool,
    /// Hours of the weekdays closed with Space, given back when Space opens them again.
    reopen: [Option<DayHours>; 7],
    /// Ids a new clinician or room must not take (listed, or named by a booking),
    /// gathered when the add form opens.
    taken_ids: BTreeSet<String>,
    /// The settings as saved when the changes not written yet began (`None`: everything
    /// is on disk): what "keep mine" puts my changes on top of theirs from.
    pub base: Option<ClinicSettings>,
    /// Another user saved the settings first: their version, until the user chooses.
    pub conflict: Option<conflict::Conflict>,
    /// What this instance last saw of `clinic.json` on disk (see [`conflict::poll_file`]).
    pub watch: conflict::Watch,
}

/// What a key does on the settings screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SettingsAction {
    Up,
    Down,
    PageUp,
    PageDown,
    Home,
    End,
    NextSection,
    PrevSection,
    Edit,
    Add,
    Remove,
    Toggle,
    /// In a conflict: take the other user's settings.
    TakeTheirs,
    /// In a conflict: keep my changes, put on top of theirs.
    KeepMine,
}

use SettingsAction as S;

/// The screen's keys, in the order the help lists them (Esc, back to the patients, is
/// the screen framework's).
pub static SETTINGS_KEYS: &[Binding<SettingsAction>] = &[
    Binding {
        keys: &[code(KeyCode::Up), k('k')],
        action: S::Up,
        scope: Scope::Everywhere,
        bar: None,
        help: "move up",
    },
    Binding {
        keys: &[code(KeyCode::Down), k('j')],
        action: S::Down,
        scope: Scope::Everywhere,
        bar: Some("move"),
        help: "move down",
    },
    Binding {
        keys: &[code(KeyCode::PageUp)],
        action: S::PageUp,
        scope: Scope::Everywhere,
        bar: None,
        help: "page up",
    },
    Binding {
        keys: &[code(KeyCode::PageDown)],
        action: S::PageDown,
        scope: Scope::Everywhere,
        bar: None,
        help: "page down",
    },
    Binding {
        keys: &[code(KeyCode::Home), k('g')],
        action: S::Home,
        scope: Scope::Everywhere,
        bar: None,
        help: "first row",
    },
    Binding {
        keys: &[code(KeyCode::End), k('G')],
        action: S::End,
        scope: Scope::Everywhere,
        bar: None,
        help: "last row",
    },
    Binding {
        keys: &[code(KeyCode::Tab)],
        action: S::NextSection,
        scope: Scope::Everywhere,
        bar: Some("section"),
        help: "next section",
    },
    Binding {
        keys: &[code(KeyCode::BackTab)],
        action: S::PrevSection,
        scope: Scope::Everywhere,
        bar: None,
        help: "previous section",
    },
    Binding {
        keys: &[code(KeyCode::Enter), k('e')],
        action: S::Edit,
        scope: Scope::Everywhere,
        bar: Some("edit"),
        help: "edit the selected row in a form: name, length, idle lock, hours, closed date",
    },
    Binding {
        keys: &[k('a')],
        action: S::Add,
        scope: Scope::Everywhere,
        bar: Some("add"),
        help: "add a closed date, a clinician or a room (in the section the cursor is in)",
    },
    Binding {
        keys: &[k('x')],
        action: S::Remove,
        scope: Scope::Everywhere,
        bar: Some("remove"),
        help: "remove the selected closed date (asks y/n); clinicians and rooms stay",
    },
    Binding {
        keys: &[k(' ')],
        action: S::Toggle,
        scope: Scope::Everywhere,
        bar: Some("toggle"),
        help: "open/close a weekday; clinician or room active/inactive; protocol in use",
    },
    Binding {
        keys: &[k('t')],
        action: S::TakeTheirs,
        scope: Scope::Everywhere,
        bar: None,
        help: "when another user saved the settings first: take their version (drops your changes)",
    },
    Binding {
        keys: &[k('m')],
        action: S::KeepMine,
        scope: Scope::Everywhere,
        bar: None,
        help: "when another user saved the settings first: keep your changes, put on top of theirs",
    },
];

/// Whether the screen has a form or a question open: it then takes every key (the
/// global ones included, so that "2026-12-24" or "q" can be typed) and Esc.
pub fn takes_all_keys(model: &Model) -> bool {
    model.screen == ScreenId::Settings && model.settings.popup.is_some()
}

/// The row under the cursor (the cursor clamped to the rows there are).
pub fn selected_row(model: &Model) -> Option<Row> {
    let rows = rows(model);
    rows.get(model.settings.cursor.min(rows.len().saturating_sub(1)))
        .copied()
}

/// Why `clinic.json` cannot be used, as reported at start.
pub fn file_problem(model: &Model) -> Option<&str> {
    model
        .problems
        .iter()
        .find(|p| p.starts_with(CLINIC_FILE))
        .map(String::as_str)
}

pub fn handle_key(model: &mut Model, key: KeyEvent) -> Vec<Effect> {
    match model.settings.popup.take() {
        Some(Popup::Form(edit, form)) => return form_key(model, edit, form, key),
        Some(Popup::ConfirmRemove(i)) => return confirm_remove(model, i, key),
        None => {}
    }
    // A form opened before the conflict finishes first; then the choice is due.
    if model.settings.conflict.is_some() {
        return conflict::handle_key(model, key);
    }
    let Some(action) = screen_action_for(SETTINGS_KEYS, &key) else {
        return Vec::new();
    };
    let rows = rows(model);
    let last = rows.len().saturating_sub(1);
    let cursor = model.settings.cursor.min(last);
    let page = model.settings.page.get().max(1);
    let row = rows.get(cursor).copied();
    match action {
        S::Up => model.settings.cursor = cursor.saturating_sub(1),
        S::Down => model.settings.cursor = (cursor + 1).min(last),
        S::PageUp => model.settings.cursor = cursor.saturating_sub(page),
        S::PageDown => model.settings.cursor = (cursor + page).min(last),
        S::Home => model.settings.cursor = 0,
        S::End => model.settings.cursor = last,
        S::NextSection | S::PrevSection => {
            let here = row.map_or(Section::General, Row::section);
            let i = Section::ALL.iter().position(|s| *s == here).unwrap_or(0);
            let n = Section::ALL.len();
            // Skips a section without rows (no protocol templates).
            for step in 1..=n {
                let to = if action == S::NextSection {
                    (i + step) % n
                } else {
                    (i + n - step) % n
                };
                if let Some(at) = rows.iter().position(|r| r.section() == Section::ALL[to]) {
                    model.settings.cursor = at;
                    break;
                }
            }
        }
        S::Edit => {
            if let Some(row) = row {
                edit(model, row);
            }
        }
        S::Add => add(model, row),
        S::Remove => remove(model, row),
        S::Toggle => return row.map_or_else(Vec::new, |r| toggle(model, r)),
        S::TakeTheirs | S::KeepMine => model.set_status(
            StatusKind::Info,
            "no conflict: nobody else changed the settings meanwhile",
        ),
    }
    Vec::new()
}

/// Refuses a change when `clinic.json` cannot be read (returns true).
fn refused_read_only(model: &mut Model) -> bool {
    if model.clinic_read_only {
        model.set_status(
            StatusKind::Error,
            format!(
                "refused: {CLINIC_FILE} cannot be read, so it is never written over; fix it by hand or \
                 move it away: it is read again within a second (nothing changed)"
            ),
        );
    }
    model.clinic_read_only
}

// ---------------------------------------------------------------------------------------
// Forms
// ---------------------------------------------------------------------------------------

fn hhmm(t: NaiveTime) -> String {
    t.format("%H:%M").to_string()
}

/// The hours a closed weekday opens with: those it had before it was closed on this
/// visit, else those of the first open weekday, else 09:00-18:00.
fn reopening_hours(model: &Model, day: usize) -> DayHours {
    model.settings.reopen[day]
        .or_else(|| model.clinic.hours.iter().flatten().next().copied())
        .unwrap_or_else(|| {
            DayHours::new(
                NaiveTime::from_hms_opt(9, 0, 0).expect("valid"),
                NaiveTime::from_hms_opt(18, 0, 0).expect("valid"),
            )
        })
}

fn edit(model: &mut Model, row: Row) {
    let (edit, form) = match row {
        Row::Protocol(_) => {
            model.set_status(StatusKind::Info, "Space ticks or unticks a protocol in use");
            return;
        }
        Row::NoClosedDates => {
            add(model, Some(row));
            return;
        }
        _ if refused_read_only(model) => return,
        Row::Name => (
            Edit::Name,
            Form::new(
                "Clinic name",
                vec![Field::text("Clinic name", "", model.clinic.name.clone())],
            ),
        ),
        Row::DefaultMinutes => (
            Edit::DefaultMinutes,
            Form::new(
                "Default appointment length",
                vec![Field::text(
                    "Length",
                    "minutes, 5 to 480",
                    model.clinic.default_minutes.to_string(),
                )],
            ),
        ),
        Row::IdleLock => (
            Edit::IdleLock,
            Form::new(
                "Idle lock",
                vec![Field::text(
                    "Lock after",
                    "minutes without a key, 1 to 1440; empty: off",
                    model
                        .clinic
                        .idle_lock_minutes
                        .map(|m| m.to_string())
                        .unwrap_or_default(),
                )],
            ),
        ),
        Row::Day(day) => {
            let (hours, title) = match model.clinic.hours[day] {
                Some(h) => (h, format!("Opening hours · {}", WEEKDAYS[day])),
                None => (
                    reopening_hours(model, day),
                    format!("Opening hours · {} (closed now: saving opens it)", WEEKDAYS[day]),
                ),
            };
            (
                Edit::Day(day),
                Form::new(
                    title,
                    vec![
                        Field::text("Opens", "HH:MM, e.g. 08:30", hhmm(hours.open)),
                        Field::text("Closes", "HH:MM, e.g. 18:00", hhmm(hours.close)),
                    ],
                ),
            )
        }
        Row::Closed(i) => {
            let Some(c) = model.clinic.closed_dates.get(i) else {
                return;
            };
            (
                Edit::ClosedDate(Some(i)),
                closed_date_form("Closed date", Some(c.date), &c.reason),
            )
        }
        Row::Resource(kind, i) => {
            let Some(r) = kind.list(&model.clinic).get(i) else {
                return;
            };
            let mut form = resource_form(kind, &format!("Rename {} · {}", kind.noun(), r.id), &r.name);
            form.notes = vec![format!("the id {} stays: sessions refer to it", r.id)];
            (Edit::Resource(kind, Some(i)), form)
        }
    };
    model.settings.popup = Some(Popup::Form(edit, form));
}

fn closed_date_form(title: &str, date: Option<NaiveDate>, reason: &str) -> Form {
    let date = date.map(|d| d.to_string()).unwrap_or_default();
    Form::new(
        title,
        vec![
            Field::text("Date", DATE_HINT, date),
            Field::text("Reason", "optional, e.g. Christmas Day", reason),
        ],
    )
}

fn resource_form(kind: ResourceKind, title: &str, name: &str) -> Form {
    let hint = match kind {
        ResourceKind::Clinician => "full name, e.g. Sara Lund",
        ResourceKind::Room => "as staff call it, e.g. Room 3",
    };
    Form::new(title, vec![Field::text("Name", hint, name)])
}

fn add(model: &mut Model, row: Option<Row>) {
    let section = row.map_or(Section::General, Row::section);
    let kind = match section {
        Section::ClosedDates => None,
        Section::Clinicians => Some(ResourceKind::Clinician),
        Section::Rooms => Some(ResourceKind::Room),
        _ => {
            model.set_status(
                StatusKind::Info,
                "a adds a closed date, a clinician or a room: move to that section first (Tab)",
            );
            return;
        }
    };
    if refused_read_only(model) {
        return;
    }
    let (edit, form) = match kind {
        None => (
            Edit::ClosedDate(None),
            closed_date_form("New closed date", None, ""),
        ),
        Some(kind) => {
            model.settings.taken_ids = ids_taken(model, kind);
            let mut form = resource_form(kind, &format!("New {}", kind.noun()), "");
            form.notes = vec![id_note(model, kind, "")];
            (Edit::Resource(kind, None), form)
        }
    };
    model.settings.popup = Some(Popup::Form(edit, form));
}

fn remove(model: &mut Model, row: Option<Row>) {
    match row {
        Some(Row::Closed(i)) => {
            if !refused_read_only(model) {
                model.settings.popup = Some(Popup::ConfirmRemove(i));
            }
        }
        Some(Row::Resource(kind, i)) => {
            let name = kind.list(&model.clinic).get(i).map_or("", |r| r.name.as_str());
            let text = format!(
                "{}s are never removed (sessions refer to them): Space marks {name} inactive",
                kind.noun()
            );
            model.set_status(StatusKind::Info, text);
        }
        _ => model.set_status(
            StatusKind::Info,
            "x removes a closed date; nothing else is removed",
        ),
    }
}

fn confirm_remove(model: &mut Model, i: usize, key: KeyEvent) -> Vec<Effect> {
    let yes = matches!(key.code, KeyCode::Char('y') | KeyCode::Char('Y'));
    let Some(gone) = model.clinic.closed_dates.get(i).cloned() else {
        return Vec::new();
    };
    if !yes {
        model.set_status(StatusKind::Info, "nothing removed");
        return Vec::new();
    }
    if refused_read_only(model) {
        return Vec::new();
    }
    let mut new = model.clinic.clone();
    new.closed_dates.remove(i);
    let text = format!("closed date {} removed", gone.date.format("%a %Y-%m-%d"));
    let effects = commit(model, new, text);
    let last = rows(model).len().saturating_sub(1);
    model.settings.cursor = model.settings.cursor.min(last);
    effects
}

fn form_key(model: &mut Model, edit: Edit, mut form: Form, key: KeyEvent) -> Vec<Effect> {
    match form.handle_key(&key) {
        FormEvent::Cancel => {
            model.set_status(StatusKind::Info, "cancelled; nothing changed");
            return Vec::new();
        }
        FormEvent::Changed => {
            if let Edit::Resource(kind, None) = edit {
                form.notes = vec![id_note(model, kind, form.value(0))];
            }
        }
        FormEvent::Submit => {
            if refused_read_only(model) {
                return Vec::new();
            }
            if let Some((new, text, select)) = submit(model, &edit, &mut form) {
                let effects = commit(model, new, text);
                if let Some(at) = select.and_then(|r| rows(model).iter().position(|x| *x == r)) {
                    model.settings.cursor = at;
                }
                return effects;
            }
        }
        FormEvent::Nothing => {}
    }
    model.settings.popup = Some(Popup::Form(edit, form));
    Vec::new()
}

/// The settings the form asks for, a status text and the row to select; `None` (with
/// the message next to its field) when something typed is refused.
fn submit(model: &Model, edit: &Edit, form: &mut Form) -> Option<(ClinicSettings, String, Option<Row>)> {
    let mut new = model.clinic.clone();
    let (text, select) = match *edit {
        Edit::Name => {
            new.name = form.value(0).trim().to_string();
            (format!("clinic name: {}", new.name), None)
        }
        Edit::DefaultMinutes => {
            let Ok(m) = form.value(0).trim().parse::<u32>() else {
                form.fail(0, "the length must be a whole number of minutes, e.g. 60");
                return None;
            };
            new.default_minutes = m;
            (format!("default appointment length {m} min"), None)
        }
        Edit::IdleLock => {
            let typed = form.value(0).trim();
            new.idle_lock_minutes = match typed {
                "" | "0" | "off" => None,
                _ => match typed.parse::<u32>() {
                    Ok(m) => Some(m),
                    Err(_) => {
                        form.fail(0, "a whole number of minutes, e.g. 10; empty turns the lock off");
                        return None;
                    }
                },
            };
            let text = match new.idle_lock_minutes {
                Some(m) => format!("the screen locks after {m} min without a key"),
                None => "idle lock off".to_string(),
            };
            (text, None)
        }
        Edit::Day(day) => {
            let open = parse_time(form, 0)?;
            let close = parse_time(form, 1)?;
            new.hours[day] = Some(DayHours::new(open, close));
            let text = format!("{}s {}-{}", WEEKDAYS[day], hhmm(open), hhmm(close));
            (text, None)
        }
        Edit::ClosedDate(index) => {
            let date = match parse_date(form.value(0)) {
                Ok(date) => date,
                Err(e) => {
                    form.fail(0, e);
                    return None;
                }
            };
            let reason = form.value(1).trim().to_string();
            if let Some(other) = new
                .closed_dates
                .iter()
                .enumerate()
                .find(|(i, c)| c.date == date && Some(*i) != index)
                .map(|(_, c)| c)
            {
                let why = if other.reason.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", other.reason)
                };
                form.fail(0, format!("{date} is already a closed date{why}"));
                return None;
            }
            let entry = ClosedDate { date, reason };
            match index {
                Some(i) if i < new.closed_dates.len() => new.closed_dates[i] = entry,
                _ => new.closed_dates.push(entry),
            }
            new.closed_dates.sort_by_key(|c| c.date);
            let at = new.closed_dates.iter().position(|c| c.date == date).unwrap_or(0);
            let verb = if index.is_some() { "changed" } else { "added" };
            let mut text = format!("closed date {} {verb}", date.format("%a %Y-%m-%d"));
            let booked = model.calendar.bookings_on(date).count();
            if booked > 0 {
                text.push_str(&format!(
                    " ({booked} booking(s) that day stay booked: move them from the agenda, 2)"
                ));
            }
            (text, Some(Row::Closed(at)))
        }
        Edit::Resource(kind, index) => {
            let name = form.value(0).trim().to_string();
            let list = kind.list(&model.clinic);
            if let Some(same) = list
                .iter()
                .enumerate()
                .find(|(i, r)| r.name.trim().eq_ignore_ascii_case(&name) && Some(*i) != index)
                .map(|(_, r)| r)
            {
                let more = if same.active {
                    String::new()
                } else {
                    " (inactive: Space on that row makes it active again)".to_string()
                };
                form.fail(
                    0,
                    format!("there is already a {} named {}{more}", kind.noun(), same.name),
                );
                return None;
            }
            match index {
                Some(i) => {
                    let r = kind.list_mut(&mut new).get_mut(i)?;
                    let text = format!("{} {} renamed {name}", kind.noun(), r.id);
                    r.name = name;
                    (text, None)
                }
                None => {
                    let id = new_id(model, kind, &name);
                    let text = format!("{} {name} added (id {id})", kind.noun());
                    kind.list_mut(&mut new).push(Resource::new(&id, &name));
                    let at = kind.list(&new).len() - 1;
                    (text, Some(Row::Resource(kind, at)))
                }
            }
        }
    };
    if let Err(e) = new.validate() {
        let (field, message) = place_error(edit, &e);
        form.fail(field, message);
        return None;
    }
    Some((new, text, select))
}

fn parse_time(form: &mut Form, field: usize) -> Option<NaiveTime> {
    let typed = form.value(field).trim().to_string();
    match NaiveTime::parse_from_str(&typed, "%H:%M") {
        Ok(t) => Some(t),
        Err(_) => {
            let message = if typed.is_empty() {
                "enter a time as HH:MM, e.g. 08:30".to_string()
            } else {
                format!("'{typed}' is not a time: use HH:MM, 00:00 to 23:59")
            };
            form.fail(field, message);
            None
        }
    }
}

/// The form field a validation error belongs to, and the message to show there: only
/// the message when the error is about what the form edits, else the field named too.
fn place_error(edit: &Edit, e: &SettingsError) -> (usize, String) {
    let about = match edit {
        Edit::Name => "name".to_string(),
        Edit::DefaultMinutes => "default_minutes".to_string(),
        Edit::IdleLock => "idle_lock_minutes".to_string(),
        Edit::Day(day) => format!("hours.{}", WEEKDAY_KEYS[*day]),
        Edit::ClosedDate(_) => "closed_dates".to_string(),
        Edit::Resource(kind, _) => kind.list_name().to_string(),
    };
    let field = match edit {
        Edit::Day(_) if !e.field.ends_with(".open") => 1,
        Edit::ClosedDate(_) if e.field.ends_with(".reason") => 1,
        _ => 0,
    };
    if e.field.starts_with(&about) {
        (field, e.message.clone())
    } else {
        (field, e.to_string())
    }
}

// ---------------------------------------------------------------------------------------
// Space
// ---------------------------------------------------------------------------------------

fn toggle(model: &mut Model, row: Row) -> Vec<Effect> {
    match row {
        Row::Day(_) | Row::Resource(..) | Row::Protocol(_) => {}
        _ => {
            model.set_status(
                StatusKind::Info,
                "Space opens or closes a weekday, marks a clinician or room inactive, ticks a protocol",
            );
            return Vec::new();
        }
    }
    if refused_read_only(model) {
        return Vec::new();
    }
    let mut new = model.clinic.clone();
    let text = match row {
        Row::Day(day) => match new.hours[day] {
            Some(h) => {
                new.hours[day] = None;
                model.settings.reopen[day] = Some(h);
                let booked = future_bookings_on_weekday(model, day);
                let mut text = format!("closed on {}s", WEEKDAYS[day]);
                if booked > 0 {
                    text.push_str(&format!(
                        " ({booked} booking(s) from today on stay booked: move them from the agenda, 2)"
                    ));
                }
                text
            }
            None => {
                let h = reopening_hours(model, day);
                new.hours[day] = Some(h);
                format!(
                    "open on {}s {}-{} (Enter changes the hours)",
                    WEEKDAYS[day],
                    hhmm(h.open),
                    hhmm(h.close)
                )
            }
        },
        Row::Resource(kind, i) => {
            let Some(r) = kind.list_mut(&mut new).get_mut(i) else {
                return Vec::new();
            };
            r.active = !r.active;
            if r.active {
                format!("{} active: offered for bookings again", r.name)
            } else {
                format!("{} inactive: no new bookings (booked ones stay)", r.name)
            }
        }
        Row::Protocol(i) => {
            let Some(p) = model.templates.protocols.get(i) else {
                return Vec::new();
            };
            let known: Vec<&str> = model.templates.protocols.iter().map(|p| p.id.as_str()).collect();
            let on = !new.protocol_in_use(&p.id);
            // "Empty" means every protocol: the list is spelled out before one is taken away.
            let mut in_use: Vec<String> = if new.protocols_in_use.is_empty() {
                known.iter().map(|s| s.to_string()).collect()
            } else {
                new.protocols_in_use.clone()
            };
            in_use.retain(|id| *id != p.id);
            if on {
                in_use.push(p.id.clone());
            }
            // Known ids in the templates' order; ids of templates no longer there stay, last.
            let rank = |id: &String| known.iter().position(|k| k == id).unwrap_or(usize::MAX);
            in_use.sort_by_key(rank);
            if !in_use.iter().any(|id| known.contains(&id.as_str())) {
                model.set_status(
                    StatusKind::Error,
                    format!(
                        "refused: {} is the last protocol in use, and new series need one (nothing changed)",
                        p.name
                    ),
                );
                return Vec::new();
            }
            new.protocols_in_use = in_use;
            if on {
                format!("{} offered for new series", p.name)
            } else {
                format!(
                    "{} no longer offered for new series (series under way keep it)",
                    p.name
                )
            }
        }
        _ => return Vec::new(),
    };
    if let Err(e) = new.validate() {
        model.set_status(
            StatusKind::Error,
            format!("refused: {} (nothing changed)", e.message),
        );
        return Vec::new();
    }
    commit(model, new, text)
}

/// Bookings from now on that fall on weekday `day` (Monday = 0).
fn future_bookings_on_weekday(model: &Model, day: usize) -> usize {
    model
        .calendar
        .bookings_between(model.now, NaiveDateTime::MAX)
        .filter(|b| b.start.weekday().num_days_from_monday() as usize == day)
        .count()
}

/// Puts a checked change into the model and asks for it to be written.
fn commit(model: &mut Model, new: ClinicSettings, text: String) -> Vec<Effect> {
    if new == model.clinic {
        model.set_status(StatusKind::Info, "nothing changed");
        return Vec::new();
    }
    if model.settings.base.is_none() {
        model.settings.base = Some(model.clinic.clone());
    }
    model.set_clinic(new);
    model.set_status(StatusKind::Info, text);
    vec![Effect::SaveClinic]
}

// ---------------------------------------------------------------------------------------
// Ids of new clinicians and rooms
// ---------------------------------------------------------------------------------------

/// A file-safe id made from a name: lower case a-z and 0-9, every other run of
/// characters one '-', common accented letters without their accent ("Chloé Ng" →
/// "chloe-ng"). At most 32 characters; empty when nothing is left.
pub fn slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars().flat_map(char::to_lowercase) {
        let plain = match c {
            'a'..='z' | '0'..='9' => Some(c.to_string()),
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ą' => Some("a".into()),
            'æ' => Some("ae".into()),
            'ç' | 'ć' | 'č' => Some("c".into()),
            'ď' | 'đ' | 'ð' => Some("d".into()),
            'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ę' | 'ě' => Some("e".into()),
            'ì' | 'í' | 'î' | 'ï' | 'ī' | 'ı' => Some("i".into()),
            'ł' | 'ľ' | 'ĺ' => Some("l".into()),
            'ñ' | 'ń' | 'ň' => Some("n".into()),
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ő' => Some("o".into()),
            'œ' => Some("oe".into()),
            'ř' | 'ŕ' => Some("r".into()),
            'ś' | 'š' | 'ş' => Some("s".into()),
            'ß' => Some("ss".into()),
            'ť' | 'ţ' => Some("t".into()),
            'ù' | 'ú' | 'û' | 'ü' | 'ū' | 'ů' | 'ű' => Some("u".into()),
            'ý' | 'ÿ' => Some("y".into()),
            'ź' | 'ż' | 'ž' => Some("z".into()),
            'þ' => Some("th".into()),
            _ => None,
        };
        match plain {
            Some(p) => out.push_str(&p),
            None if !out.is_empty() && !out.ends_with('-') => out.push('-'),
            None => {}
        }
    }
    out.truncate(32);
    out.trim_end_matches('-').to_string()
}

/// `slug(name)` (or `fallback` when the name gives none), with "-2", "-3", ... added
/// when it is taken. Always file-safe.
pub fn unique_id(name: &str, fallback: &str, taken: impl Fn(&str) -> bool) -> String {
    let base = match slug(name) {
        s if s.is_empty() => fallback.to_string(),
        s => s,
    };
    if !taken(&base) {
        return base;
    }
    (2..)
        .map(|n: u32| {
            let suffix = format!("-{n}");
            let keep = 32 - suffix.len();
            format!("{}{suffix}", base[..base.len().min(keep)].trim_end_matches('-'))
        })
        .find(|id| !taken(id))
        .expect("some number is free")
}

/// Ids of `kind` a new entry must not take: those listed, and those named by any
/// session or review (of a clinician or room no longer listed).
fn ids_taken(model: &Model, kind: ResourceKind) -> BTreeSet<String> {
    let mut taken: BTreeSet<String> = kind.list(&model.clinic).iter().map(|r| r.id.clone()).collect();
    let pick = |clinician: &Option<String>, room: &Option<String>| match kind {
        ResourceKind::Clinician => clinician.clone(),
        ResourceKind::Room => room.clone(),
    };
    for series in model.patients.iter().flat_map(|p| &p.series) {
        taken.extend(series.sessions.iter().filter_map(|s| pick(&s.clinician, &s.room)));
        taken.extend(series.reviews.iter().filter_map(|r| pick(&r.clinician, &r.room)));
    }
    taken
}

fn new_id(model: &Model, kind: ResourceKind, name: &str) -> String {
    let listed = |id: &str| kind.list(&model.clinic).iter().any(|r| r.id == id);
    let id = unique_id(name, kind.noun(), |id| {
        listed(id) || model.settings.taken_ids.contains(id)
    });
    debug_assert!(is_file_safe_id(&id), "{id}");
    id
}

fn id_note(model: &Model, kind: ResourceKind, name: &str) -> String {
    if name.trim().is_empty() {
        return "the id is made from the name and never changes".to_string();
    }
    format!(
        "id: {} (made from the name; it never changes)",
        new_id(model, kind, name)
    )
}

// ---------------------------------------------------------------------------------------
// Saving
// ---------------------------------------------------------------------------------------

const NOT_SAVED: &str = "settings NOT SAVED";

/// Writes `model.clinic` when it has changes not on disk yet (`persist::flush` calls this
/// after every key and on every tick). A failed write keeps the change in memory, says
/// "NOT SAVED" and is tried again next time; "settings saved" only follows a write that
/// succeeded. Never writes while `clinic.json` cannot be read.
pub fn save_pending(model: &mut Model, saver: &dyn Saver) {
    if !model.settings.unsaved || model.settings.conflict.is_some() {
        return;
    }
    let result = if model.clinic_read_only {
        Err(format!(
            "{CLINIC_FILE} on disk cannot be read and is never written over; fix it or move it away"
        ))
    } else {
        match saver.save_clinic_revision(&model.clinic) {
            Ok(revision) => {
                // Only the count moves: the settings in use are those just written.
                model.clinic.revision = revision;
                model.settings.base = None;
                Ok(())
            }
            Err(ClinicSaveError::Conflict(theirs)) => {
                conflict::open(model, *theirs);
                return;
            }
            Err(e) => Err(e.to_string()),
        }
    };
    // What this key did ("closed on Sundays"), or a patient's failed save just now, stays
    // in front; an older message, or this one's own earlier failure, never does.
    let status = &model.status;
    let fresh = model.status_fresh && !status.text.is_empty();
    let says_not_saved = status.text.contains(NOT_SAVED);
    model.settings.unsaved = result.is_err();
    let (kind, text) = match (result, status.kind) {
        // "settings saved" comes first, so that a narrow status line never cuts it off.
        (Ok(()), StatusKind::Info) if fresh => {
            (StatusKind::Saved, format!("settings saved: {}", status.text))
        }
        (Ok(()), StatusKind::Error) if fresh && !says_not_saved => {
            (StatusKind::Error, format!("{}; settings saved", status.text))
        }
        (Ok(()), _) => (StatusKind::Saved, "settings saved".to_string()),
        // Already said, by the last try or by q's warning: kept as it is.
        (Err(_), StatusKind::Error) if fresh && says_not_saved => (StatusKind::Error, status.text.clone()),
        (Err(e), StatusKind::Info | StatusKind::Error) if fresh => (
            StatusKind::Error,
            format!("{}; {NOT_SAVED} (kept in memory, retrying): {e}", status.text),
        ),
        (Err(e), _) => (
            StatusKind::Error,
            format!("{NOT_SAVED} (kept in memory, retrying): {e}"),
        ),
    };
    model.set_status(kind, text);
}

/// Holds the first quit while settings are not written yet, saying so; true when it did.
/// A second q quits (`update::request_quit` then sees `quit_requested`).
pub fn hold_quit(model: &mut Model) -> bool {
    let in_conflict = model.settings.conflict.is_some();
    if !(model.settings.unsaved || in_conflict) || model.quit_requested {
        return false;
    }
    model.quit_requested = true;
    let patients = match model.unsaved.len() + model.conflicts.len() {
        0 => String::new(),
        n => format!(" (and {n} patient(s))"),
    };
    let text = if in_conflict {
        format!(
            "clinic settings{patients} in CONFLICT with another user's save, not saved: press 5 to \
             compare and choose, or press q again to quit and lose your changes"
        )
    } else {
        format!(
            "clinic settings{patients} NOT SAVED yet (see the error before): fix the disk problem and wait \
             for \"saved\", or press q again to quit and lose those changes"
        )
    };
    model.set_status(StatusKind::Error, text);
    true
}

// ---------------------------------------------------------------------------------------
// Help and key bar
// ---------------------------------------------------------------------------------------

/// The keys that do something on the selected row, with what they do to it.
pub fn bar_hints(model: &Model) -> Vec<KeyHint> {
    let pair = |k: &str, v: &str| (k.to_string(), v.to_string());
    if model.settings.conflict.is_some() {
        return conflict::bar_hints();
    }
    match &model.settings.popup {
        Some(Popup::Form(..)) => {
            return vec![
                pair("Enter", "save"),
                pair("Esc", "cancel"),
                pair("Tab", "next field"),
            ];
        }
        Some(Popup::ConfirmRemove(_)) => return vec![pair("y", "remove"), pair("any other key", "keep")],
        None => {}
    }
    let mut out = vec![pair("j/k", "move"), pair("Tab", "section")];
    let Some(row) = selected_row(model) else {
        return out;
    };
    if model.clinic_read_only {
        return out;
    }
    let c = &model.clinic;
    match row {
        Row::Name | Row::DefaultMinutes | Row::IdleLock => out.push(pair("Enter", "edit")),
        Row::Day(day) => {
            out.push(pair("Enter", "hours"));
            let what = if c.hours[day].is_some() {
                "close day"
            } else {
                "open day"
            };
            out.push(pair("Space", what));
        }
        Row::Closed(_) => {
            out.push(pair("Enter", "edit"));
            out.push(pair("a", "add"));
            out.push(pair("x", "remove"));
        }
        Row::NoClosedDates => out.push(pair("a", "add")),
        Row::Resource(kind, i) => {
            out.push(pair("Enter", "rename"));
            let active = kind.list(c).get(i).is_some_and(|r| r.active);
            out.push(pair(
                "Space",
                if active { "make inactive" } else { "make active" },
            ));
            out.push(pair("a", "add"));
        }
        Row::Protocol(i) => {
            let on = model
                .templates
                .protocols
                .get(i)
                .is_some_and(|p| c.protocol_in_use(&p.id));
            out.push(pair("Space", if on { "stop offering" } else { "offer" }));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_file_safe_and_readable() {
        assert_eq!(slug("Chloé Martin-Ng"), "chloe-martin-ng");
        assert_eq!(slug("  Room 3 (laser) "), "room-3-laser");
        assert_eq!(slug("Dr. Zoë O'Brien"), "dr-zoe-o-brien");
        assert_eq!(slug("李"), "");
        let long = slug("a very long name that goes on and on and on");
        assert!(long.len() <= 32 && is_file_safe_id(&long), "{long}");
        assert!(!long.ends_with('-'));
    }

    #[test]
    fn ids_are_unique_with_a_number_added() {
        let taken = ["ben", "ben-2", "room"];
        let is_taken = |id: &str| taken.contains(&id);
        assert_eq!(unique_id("Ben", "clinician", is_taken), "ben-3");
        assert_eq!(unique_id("Sara Lund", "clinician", is_taken), "sara-lund");
        assert_eq!(unique_id("李", "room", is_taken), "room-2");
        let long = "x".repeat(40);
        // Only the full-length slug is taken: the numbered id is cut to fit 32 characters.
        let id = unique_id(&long, "room", |id| id == "x".repeat(32));
        assert!(is_file_safe_id(&id) && id.ends_with("-2"), "{id}");
    }
}
