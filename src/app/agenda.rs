//! The agenda screen: every booking of the clinic for a day or a week, by clinician or
//! by room, with the free time between; Enter opens the selected booking's patient, `f`
//! finds the next free slot. State, key table and key handling; `ui::agenda` draws it.

use std::cell::Cell;

use chrono::{NaiveDate, NaiveTime, TimeDelta};
use ratatui::crossterm::event::{KeyCode, KeyEvent};

use crate::domain::agenda::{self, DayAgenda, Entry, Grouping, week_start};
use crate::domain::calendar::{BookingRef, Visit};
use crate::domain::patient::PatientId;
use crate::domain::schedule::{MINUTES_RANGE, SEARCH_DAYS, Slot, SlotQuery, next_free_slot};
use crate::domain::series::add_days;

use super::keymap::{Binding, Scope, code, k, move_down, move_up, screen_action_for};
use super::model::{Effect, Model, Pane, StatusKind};
use super::screen::ScreenId;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum View {
    #[default]
    Day,
    Week,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AgendaAction {
    Prev,
    Next,
    Today,
    ToggleView,
    ToggleGrouping,
    Up,
    Down,
    First,
    Last,
    Open,
    Find,
}

/// The agenda's keys, in the order the help lists them (the key bar shows those with a
/// label, in this order, as far as they fit).
pub static AGENDA_KEYS: &[Binding<AgendaAction>] = &[
    Binding {
        keys: &[code(KeyCode::Enter)],
        action: AgendaAction::Open,
        scope: Scope::Everywhere,
        bar: Some("patient"),
        help: "open the selected booking's patient (week view: open the day)",
    },
    Binding {
        keys: &[k('f')],
        action: AgendaAction::Find,
        scope: Scope::Everywhere,
        bar: Some("free slot"),
        help: "find the next free slot for a clinician, room and length",
    },
    Binding {
        keys: &[k('w')],
        action: AgendaAction::ToggleView,
        scope: Scope::Everywhere,
        bar: Some("day/week"),
        help: "switch between the day and the week view",
    },
    Binding {
        keys: &[k('r')],
        action: AgendaAction::ToggleGrouping,
        scope: Scope::Everywhere,
        bar: Some("by room/clinician"),
        help: "group by room or by clinician",
    },
    Binding {
        keys: &[k('t')],
        action: AgendaAction::Today,
        scope: Scope::Everywhere,
        bar: Some("today"),
        help: "back to today",
    },
    Binding {
        keys: &[code(KeyCode::Left), k('h')],
        action: AgendaAction::Prev,
        scope: Scope::Everywhere,
        bar: Some("prev"),
        help: "previous day (previous week in the week view)",
    },
    Binding {
        keys: &[code(KeyCode::Right), k('l')],
        action: AgendaAction::Next,
        scope: Scope::Everywhere,
        bar: Some("next"),
        help: "next day (next week in the week view)",
    },
    move_up(
        AgendaAction::Up,
        "select the booking or free time before (week view: the day before)",
    ),
    move_down(
        AgendaAction::Down,
        None,
        "select the booking or free time after (week view: the day after)",
    ),
    Binding {
        keys: &[code(KeyCode::Home), k('g')],
        action: AgendaAction::First,
        scope: Scope::Everywhere,
        bar: None,
        help: "first line of the day (week view: Monday)",
    },
    Binding {
        keys: &[code(KeyCode::End), k('G')],
        action: AgendaAction::Last,
        scope: Scope::Everywhere,
        bar: None,
        help: "last line of the day (week view: Sunday)",
    },
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FindAction {
    NextField,
    PrevField,
    Less,
    More,
    MuchLess,
    MuchMore,
    Search,
}

/// Keys of the "find next free slot" form. Every field is a choice: a form on a screen
/// gets no text typed into it, because the global keys (q, ?, 2, ...) come first.
pub static FIND_KEYS: &[Binding<FindAction>] = &[
    Binding {
        keys: &[code(KeyCode::Enter)],
        action: FindAction::Search,
        scope: Scope::Everywhere,
        bar: Some("find"),
        help: "find the first free slot from the chosen day on",
    },
    Binding {
        keys: &[code(KeyCode::Left)],
        action: FindAction::Less,
        scope: Scope::Everywhere,
        bar: Some("change"),
        help: "previous choice, 15 minutes shorter, or a day earlier",
    },
    Binding {
        keys: &[code(KeyCode::Right)],
        action: FindAction::More,
        scope: Scope::Everywhere,
        bar: None,
        help: "next choice, 15 minutes longer, or a day later",
    },
    Binding {
        keys: &[code(KeyCode::PageUp)],
        action: FindAction::MuchLess,
        scope: Scope::Everywhere,
        bar: None,
        help: "an hour shorter, or a week earlier",
    },
    Binding {
        keys: &[code(KeyCode::PageDown)],
        action: FindAction::MuchMore,
        scope: Scope::Everywhere,
        bar: None,
        help: "an hour longer, or a week later",
    },
    Binding {
        keys: &[code(KeyCode::Down), code(KeyCode::Tab)],
        action: FindAction::NextField,
        scope: Scope::Everywhere,
        bar: Some("field"),
        help: "next field",
    },
    Binding {
        keys: &[code(KeyCode::Up), code(KeyCode::BackTab)],
        action: FindAction::PrevField,
        scope: Scope::Everywhere,
        bar: None,
        help: "previous field",
    },
];

/// The "Esc" row the help lists for the form (Esc is not in the table: the screen
/// framework gives it to the form only while the form is open).
pub const FIND_ESC_HELP: (&str, &str) = ("Esc", "close the form, back to the agenda");

/// A choice of "any" or one active clinician (room): (id, name), `None` for any.
pub type ResourceChoice = (Option<String>, String);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FindForm {
    pub clinicians: Vec<ResourceChoice>,
    pub rooms: Vec<ResourceChoice>,
    pub clinician: usize,
    pub room: usize,
    pub minutes: u32,
    pub from: NaiveDate,
    /// Field with focus: 0 clinician, 1 room, 2 length, 3 from.
    pub focus: usize,
    /// Why the last search found nothing.
    pub message: Option<String>,
}

impl FindForm {
    pub const FIELDS: usize = 4;
    pub const LABELS: [&'static str; 4] = ["Clinician", "Room", "Length", "From"];

    pub fn clinician_id(&self) -> Option<&str> {
        self.clinicians
            .get(self.clinician)
            .and_then(|(id, _)| id.as_deref())
    }

    pub fn room_id(&self) -> Option<&str> {
        self.rooms.get(self.room).and_then(|(id, _)| id.as_deref())
    }

    /// The text each field shows.
    pub fn values(&self) -> [String; 4] {
        [
            self.clinicians
                .get(self.clinician)
                .map_or("any".into(), |c| c.1.clone()),
            self.rooms.get(self.room).map_or("any".into(), |r| r.1.clone()),
            agenda::duration_label(self.minutes as i64),
            self.from.format("%a %Y-%m-%d").to_string(),
        ]
    }
}

#[derive(Debug, Default)]
pub struct AgendaState {
    /// The day shown (the week view shows its week and marks it).
    pub date: NaiveDate,
    pub view: View,
    pub grouping: Grouping,
    /// Day view: index into `DayAgenda::items` of the shown day; `None` is the day's
    /// first booking (see [`selection`]).
    pub selected: Option<usize>,
    /// First line shown; kept by the view so the selection stays on screen.
    pub offset: Cell<usize>,
    pub form: Option<FindForm>,
    /// The last slot found, highlighted while it is on the shown day and still free.
    pub found: Option<Slot>,
}

impl AgendaState {
    pub fn new(today: NaiveDate) -> Self {
        Self {
            date: today,
            ..Self::default()
        }
    }
}

/// The shown day as the agenda lays it out.
pub fn shown_day(model: &Model) -> DayAgenda {
    day_of(model, model.agenda.date)
}

pub fn day_of(model: &Model, date: NaiveDate) -> DayAgenda {
    agenda::day(
        &model.clinic,
        &model.calendar,
        &model.patients,
        date,
        model.agenda.grouping,
        model.agenda.found.as_ref(),
    )
}

/// Whether the screen wants Esc for itself (a form is open) instead of leaving.
pub fn keeps_esc(model: &Model) -> bool {
    model.agenda.form.is_some()
}

pub fn handle_key(model: &mut Model, key: KeyEvent) -> Vec<Effect> {
    if model.agenda.form.is_some() {
        find_key(model, key);
        return Vec::new();
    }
    let Some(action) = screen_action_for(AGENDA_KEYS, &key) else {
        return Vec::new();
    };
    let week = model.agenda.view == View::Week;
    match action {
        AgendaAction::Prev => go_to(model, add_days(model.agenda.date, if week { -7 } else { -1 })),
        AgendaAction::Next => go_to(model, add_days(model.agenda.date, if week { 7 } else { 1 })),
        AgendaAction::Today => {
            go_to(model, model.today);
            model.set_status(StatusKind::Info, "today");
        }
        AgendaAction::ToggleView => {
            model.agenda.view = if week { View::Day } else { View::Week };
            model.agenda.offset.set(0);
            if week {
                select_first_booking(model);
            }
        }
        AgendaAction::ToggleGrouping => {
            let before = selected_booking(model).map(|b| b.who.clone());
            model.agenda.grouping = model.agenda.grouping.toggled();
            model.agenda.offset.set(0);
            let day = shown_day(model);
            model.agenda.selected = before.and_then(|who| {
                day.items()
                    .iter()
                    .position(|&(l, e)| matches!(&day.lanes[l].entries[e], Entry::Booking(b) if b.who == who))
            });
            model.set_status(
                StatusKind::Info,
                format!("grouped by {}", model.agenda.grouping.label()),
            );
        }
        AgendaAction::Up | AgendaAction::Down | AgendaAction::First | AgendaAction::Last if week => {
            let monday = week_start(model.agenda.date);
            model.agenda.date = match action {
                AgendaAction::Up => add_days(model.agenda.date, -1),
                AgendaAction::Down => add_days(model.agenda.date, 1),
                AgendaAction::First => monday,
                _ => add_days(monday, 6),
            };
        }
        AgendaAction::Up | AgendaAction::Down | AgendaAction::First | AgendaAction::Last => {
            let day = shown_day(model);
            let last = day.items().len().saturating_sub(1);
            let s = selection(model, &day);
            model.agenda.selected = Some(match action {
                AgendaAction::Up => s.saturating_sub(1),
                AgendaAction::Down => (s + 1).min(last),
                AgendaAction::First => 0,
                _ => last,
            });
        }
        AgendaAction::Open if week => {
            model.agenda.view = View::Day;
            model.agenda.offset.set(0);
            select_first_booking(model);
        }
        AgendaAction::Open => open_selected(model),
        AgendaAction::Find => open_find(model),
    }
    Vec::new()
}

fn go_to(model: &mut Model, date: NaiveDate) {
    model.agenda.date = date;
    model.agenda.offset.set(0);
    select_first_booking(model);
}

fn select_first_booking(model: &mut Model) {
    model.agenda.selected = None;
}

/// The selected item of `day` (the shown day): the first booking until the user moves.
pub fn selection(model: &Model, day: &DayAgenda) -> usize {
    let last = day.items().len().saturating_sub(1);
    model
        .agenda
        .selected
        .unwrap_or_else(|| day.first_booking_item())
        .min(last)
}

/// The booking under the selection in the day view.
pub fn selected_booking(model: &Model) -> Option<agenda::AgendaBooking> {
    if model.agenda.view != View::Day {
        return None;
    }
    let day = shown_day(model);
    match day.item(selection(model, &day))? {
        Entry::Booking(b) => Some(b.clone()),
        _ => None,
    }
}

fn open_selected(model: &mut Model) {
    let day = shown_day(model);
    match day.item(selection(model, &day)) {
        Some(Entry::Booking(b)) => {
            let (who, when, what) = (b.who.clone(), b.start, b.visit_long());
            open_patient(
                model,
                &who,
                &format!("{what} on {}", when.format("%a %Y-%m-%d %H:%M")),
            );
        }
        Some(Entry::Free(g)) => model.set_status(
            StatusKind::Info,
            format!(
                "free {}-{}: press f to find a slot, or select a booking to open its patient",
                g.start.format("%H:%M"),
                g.end.format("%H:%M")
            ),
        ),
        Some(Entry::Found(s)) => model.set_status(
            StatusKind::Info,
            format!(
                "free slot {} {}: to book it, open the patient (Esc) and add a session at that time",
                s.date.format("%Y-%m-%d"),
                s.time.format("%H:%M")
            ),
        ),
        None => model.set_status(StatusKind::Info, "nothing booked on this day"),
    }
}

/// Shows the patient of `who` on the main screen with the plan focused and the visit's
/// session selected. A filter that hides them is cleared; archived patients are shown.
pub fn open_patient(model: &mut Model, who: &BookingRef, what: &str) {
    let Some(index) = PatientId::new(&who.patient_id)
        .ok()
        .and_then(|id| model.patient_index(&id))
    else {
        model.set_status(
            StatusKind::Error,
            format!(
                "the record {} is not loaded (press ! for files that failed)",
                who.patient_id
            ),
        );
        return;
    };
    let patient = &model.patients[index];
    let id = patient.id.clone();
    let name = patient.full_name.clone();
    let is_current = who.series + 1 == patient.series.len();
    let mut notes = Vec::new();
    if patient.archived && !model.show_archived {
        model.show_archived = true;
        notes.push("archived patients shown");
    }
    if !patient.matches(&model.filter.trim().to_lowercase()) {
        model.filter.clear();
        notes.push("filter cleared");
    }
    model.filter_typing = false;
    model.refresh_visible(Some(id));
    model.screen = ScreenId::Main;
    model.focus = Pane::Plan;
    model.checklist_item = 0;
    match who.visit {
        Visit::Session(i) if is_current => model.session = i,
        Visit::Session(_) => {
            model.reset_session_selection();
            notes.push("that session is in an earlier series, not in this plan");
        }
        Visit::Review(_) => {
            model.reset_session_selection();
            notes.push("reviews are not listed in the plan");
        }
    }
    let mut text = format!("{name}: {what}");
    if !notes.is_empty() {
        text.push_str(&format!(" ({})", notes.join("; ")));
    }
    model.set_status(StatusKind::Info, text);
}

fn open_find(model: &mut Model) {
    let any = || (None, "any".to_string());
    let list = |rs: &[crate::domain::clinic::Resource]| -> Vec<ResourceChoice> {
        std::iter::once(any())
            .chain(
                rs.iter()
                    .filter(|r| r.active)
                    .map(|r| (Some(r.id.clone()), r.name.clone())),
            )
            .collect()
    };
    let minutes = model
        .clinic
        .default_minutes
        .clamp(*MINUTES_RANGE.start(), *MINUTES_RANGE.end());
    model.agenda.form = Some(FindForm {
        clinicians: list(&model.clinic.clinicians),
        rooms: list(&model.clinic.rooms),
        clinician: 0,
        room: 0,
        minutes,
        from: model.agenda.date.max(model.today),
        focus: 0,
        message: None,
    });
}

fn find_key(model: &mut Model, key: KeyEvent) {
    if key.code == KeyCode::Esc {
        model.agenda.form = None;
        model.set_status(StatusKind::Info, "search closed");
        return;
    }
    let Some(action) = screen_action_for(FIND_KEYS, &key) else {
        return;
    };
    let today = model.today;
    let Some(form) = model.agenda.form.as_mut() else {
        return;
    };
    let step = |current: usize, len: usize, forward: bool| -> usize {
        let len = len.max(1);
        if forward {
            (current + 1) % len
        } else {
            (current + len - 1) % len
        }
    };
    let change = |form: &mut FindForm, by: i64| match form.focus {
        0 => form.clinician = step(form.clinician, form.clinicians.len(), by > 0),
        1 => form.room = step(form.room, form.rooms.len(), by > 0),
        2 => {
            let m = (form.minutes as i64 + by * 15).clamp(15, *MINUTES_RANGE.end() as i64);
            form.minutes = m as u32;
        }
        _ => form.from = add_days(form.from, by).max(today),
    };
    match action {
        FindAction::NextField => form.focus = (form.focus + 1) % FindForm::FIELDS,
        FindAction::PrevField => form.focus = (form.focus + FindForm::FIELDS - 1) % FindForm::FIELDS,
        FindAction::Less => change(form, -1),
        FindAction::More => change(form, 1),
        FindAction::MuchLess | FindAction::MuchMore => {
            let sign = if action == FindAction::MuchMore { 1 } else { -1 };
            match form.focus {
                2 => change(form, 4 * sign),
                3 => change(form, 7 * sign),
                _ => change(form, sign),
            }
        }
        FindAction::Search => {
            search(model);
            return;
        }
    }
    form.message = None;
}

/// Runs the search of the open form: on success the form closes and the agenda shows
/// the slot's day with the slot selected; otherwise the form says why.
fn search(model: &mut Model) {
    let Some(form) = model.agenda.form.clone() else {
        return;
    };
    // From the chosen day's start, or from now when that is today.
    let from = if form.from <= model.today {
        model.now
    } else {
        form.from.and_time(NaiveTime::MIN)
    };
    let query = SlotQuery {
        from,
        minutes: form.minutes,
        clinician: form.clinician_id(),
        room: form.room_id(),
        not_before: None,
    };
    match next_free_slot(&model.clinic, &model.calendar, &query) {
        Some(slot) => {
            let end = slot.start() + TimeDelta::minutes(slot.minutes as i64);
            let text = format!(
                "next free: {} {}-{} with {} in {}",
                slot.date.format("%a %Y-%m-%d"),
                slot.time.format("%H:%M"),
                end.format("%H:%M"),
                model.clinic.clinician_name(&slot.clinician),
                model.clinic.room_name(&slot.room),
            );
            model.agenda.form = None;
            model.agenda.view = View::Day;
            model.agenda.date = slot.date;
            model.agenda.offset.set(0);
            model.agenda.found = Some(slot);
            let day = shown_day(model);
            model.agenda.selected = day.found_item();
            model.set_status(StatusKind::Saved, text);
        }
        None => {
            let values = form.values();
            let message = format!(
                "nothing free: no {} slot with {} in {} within {} days from {}",
                values[2],
                if form.clinician == 0 {
                    "any clinician"
                } else {
                    &values[0]
                },
                if form.room == 0 { "any room" } else { &values[1] },
                SEARCH_DAYS,
                form.from.format("%Y-%m-%d"),
            );
            model.set_status(StatusKind::Error, message.clone());
            if let Some(f) = model.agenda.form.as_mut() {
                f.message = Some(message);
            }
        }
    }
}

/// The form's keys for the help overlay, Esc included.
pub fn find_help_rows() -> Vec<super::screen::KeyHint> {
    let mut rows = super::screen::help_rows(FIND_KEYS);
    rows.push((FIND_ESC_HELP.0.into(), FIND_ESC_HELP.1.into()));
    rows
}

/// The key bar: the form's keys while it is open, else the agenda's.
pub fn bar_hints(model: &Model) -> Vec<super::screen::KeyHint> {
    if model.agenda.form.is_some() {
        let mut rows = super::screen::bar_rows(FIND_KEYS);
        rows.push(("Esc".into(), "close".into()));
        rows
    } else {
        // Say what w and r switch to, not both ways.
        let a = &model.agenda;
        super::screen::bar_rows(AGENDA_KEYS)
            .into_iter()
            .map(|(key, label)| match key.as_str() {
                "w" if a.view == View::Day => (key, "week".into()),
                "w" => (key, "day".into()),
                "r" => (key, format!("by {}", a.grouping.toggled().label())),
                _ => (key, label),
            })
            .collect()
    }
}
