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

use crate::domain::dates::{DATE_HINT, parse_date, parse_days};

use super::booking::resource_options;
use super::form::{Field, Form, FormEvent};
use super::keymap::{Binding, Scope, code, k, move_down, move_up, screen_action_for};
use super::model::{Effect, FormPurpose, Model, Overlay, Pane, StatusKind};
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
        bar: Some("open/book"),
        help: "patient of the booking; book a slot found; week: the day",
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

// The "find the next free slot" form (`f`): one form of the form model
// (`FormPurpose::FindSlot`), its fields read by name.
pub const FIND_CLINICIAN: &str = "clinician";
pub const FIND_ROOM: &str = "room";
pub const FIND_LENGTH: &str = "length";
pub const FIND_FROM: &str = "from";

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
    day_of(model, model.screens.agenda.date)
}

pub fn day_of(model: &Model, date: NaiveDate) -> DayAgenda {
    agenda::day(
        &model.clinic,
        &model.calendar,
        &model.patients,
        date,
        model.screens.agenda.grouping,
        model.screens.agenda.found.as_ref(),
    )
}

pub fn handle_key(model: &mut Model, key: KeyEvent) -> Vec<Effect> {
    let Some(action) = screen_action_for(AGENDA_KEYS, &key) else {
        return Vec::new();
    };
    let week = model.screens.agenda.view == View::Week;
    match action {
        AgendaAction::Prev => go_to(model, add_days(model.screens.agenda.date, if week { -7 } else { -1 })),
        AgendaAction::Next => go_to(model, add_days(model.screens.agenda.date, if week { 7 } else { 1 })),
        AgendaAction::Today => {
            go_to(model, model.today);
            model.set_status(StatusKind::Info, "today");
        }
        AgendaAction::ToggleView => {
            model.screens.agenda.view = if week { View::Day } else { View::Week };
            model.screens.agenda.offset.set(0);
            if week {
                select_first_booking(model);
            }
        }
        AgendaAction::ToggleGrouping => {
            let before = selected_booking(model).map(|b| b.who.clone());
            model.screens.agenda.grouping = model.screens.agenda.grouping.toggled();
            model.screens.agenda.offset.set(0);
            let day = shown_day(model);
            model.screens.agenda.selected = before.and_then(|who| {
                day.items()
                    .iter()
                    .position(|&(l, e)| matches!(&day.lanes[l].entries[e], Entry::Booking(b) if b.who == who))
            });
            model.set_status(
                StatusKind::Info,
                format!("grouped by {}", model.screens.agenda.grouping.label()),
            );
        }
        AgendaAction::Up | AgendaAction::Down | AgendaAction::First | AgendaAction::Last if week => {
            let monday = week_start(model.screens.agenda.date);
            model.screens.agenda.date = match action {
                AgendaAction::Up => add_days(model.screens.agenda.date, -1),
                AgendaAction::Down => add_days(model.screens.agenda.date, 1),
                AgendaAction::First => monday,
                _ => add_days(monday, 6),
            };
        }
        AgendaAction::Up | AgendaAction::Down | AgendaAction::First | AgendaAction::Last => {
            let day = shown_day(model);
            let last = day.items().len().saturating_sub(1);
            let s = selection(model, &day);
            model.screens.agenda.selected = Some(match action {
                AgendaAction::Up => s.saturating_sub(1),
                AgendaAction::Down => (s + 1).min(last),
                AgendaAction::First => 0,
                _ => last,
            });
        }
        AgendaAction::Open if week => {
            model.screens.agenda.view = View::Day;
            model.screens.agenda.offset.set(0);
            select_first_booking(model);
        }
        AgendaAction::Open => open_selected(model),
        AgendaAction::Find => open_find(model),
    }
    Vec::new()
}

fn go_to(model: &mut Model, date: NaiveDate) {
    model.screens.agenda.date = date;
    model.screens.agenda.offset.set(0);
    select_first_booking(model);
}

fn select_first_booking(model: &mut Model) {
    model.screens.agenda.selected = None;
}

/// The selected item of `day` (the shown day): the first booking until the user moves.
pub fn selection(model: &Model, day: &DayAgenda) -> usize {
    let last = day.items().len().saturating_sub(1);
    model
        .screens
        .agenda
        .selected
        .unwrap_or_else(|| day.first_booking_item())
        .min(last)
}

/// The booking under the selection in the day view.
pub fn selected_booking(model: &Model) -> Option<agenda::AgendaBooking> {
    if model.screens.agenda.view != View::Day {
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
        Some(Entry::Found(s)) => {
            let slot = s.clone();
            super::picker::open_for_slot(model, slot);
        }
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
    let minutes = model
        .clinic
        .default_minutes
        .clamp(*MINUTES_RANGE.start(), *MINUTES_RANGE.end());
    let from = model.screens.agenda.date.max(model.today);
    let mut form = Form::new(
        "Find the next free slot",
        vec![
            Field::choice(
                FIND_CLINICIAN,
                "Clinician",
                resource_options(&model.clinic.clinicians, "any", None),
                None,
            ),
            Field::choice(
                FIND_ROOM,
                "Room",
                resource_options(&model.clinic.rooms, "any", None),
                None,
            ),
            Field::text(
                FIND_LENGTH,
                "Length (min)",
                "minutes, e.g. 60",
                minutes.to_string(),
            ),
            Field::text(FIND_FROM, "From", DATE_HINT, from.to_string()),
        ],
    );
    form.enter_label = "find";
    model.push_overlay(Overlay::Form(FormPurpose::FindSlot, form));
}

/// The clinic's settings changed while the find form is open: its clinician and room
/// choices follow; one made inactive or removed meanwhile is refused on its field.
pub fn clinic_changed(model: &Model, form: &mut Form) {
    let fields = super::booking::BookingFields {
        date: FIND_FROM,
        time: FIND_LENGTH,
        clinician: FIND_CLINICIAN,
        room: FIND_ROOM,
    };
    super::booking::refresh_resources(form, &model.clinic, fields, (None, None));
}

/// A key in the find form (`Overlay::Form(FormPurpose::FindSlot, ..)`, taken off the
/// model: it is put back unless the key closes it).
pub fn find_key(model: &mut Model, mut form: Form, key: KeyEvent) -> Vec<Effect> {
    match form.handle_key(&key) {
        FormEvent::Cancel => {
            model.set_status(StatusKind::Info, "search closed");
            return Vec::new();
        }
        FormEvent::Submit => {
            if search(model, &mut form) {
                return Vec::new();
            }
        }
        FormEvent::Changed => form.warnings.clear(),
        FormEvent::Nothing => {}
    }
    model.overlay = Overlay::Form(FormPurpose::FindSlot, form);
    Vec::new()
}

/// What the find form asks for.
struct FindQuery {
    clinician: Option<String>,
    room: Option<String>,
    minutes: u32,
    from: NaiveDate,
}

/// What the find form asks for, or every field at fault and why.
fn find_query(model: &Model, form: &Form) -> Result<FindQuery, Vec<(String, String)>> {
    let mut r = form.reader();
    let clinician = r.choice(FIND_CLINICIAN);
    let room = r.choice(FIND_ROOM);
    let minutes = r.parse(FIND_LENGTH, |t| parse_days(t, "length", MINUTES_RANGE));
    let from = r.parse(FIND_FROM, parse_date);
    match (clinician, room, minutes, from) {
        (Some(clinician), Some(room), Some(minutes), Some(from)) if !r.has_errors() => Ok(FindQuery {
            clinician,
            room,
            minutes,
            from: from.max(model.today),
        }),
        _ => Err(r.finish().err().unwrap_or_default()),
    }
}

/// Runs the search of the find form: on success (`true`) the form closes and the agenda
/// shows the slot's day with the slot selected; otherwise the form says why.
fn search(model: &mut Model, form: &mut Form) -> bool {
    let FindQuery {
        clinician,
        room,
        minutes,
        from: from_day,
    } = match find_query(model, form) {
        Ok(q) => q,
        Err(errors) => {
            form.set_errors(errors);
            return false;
        }
    };
    // From the chosen day's start, or from now when that is today.
    let from = if from_day <= model.today {
        model.now
    } else {
        from_day.and_time(NaiveTime::MIN)
    };
    let query = SlotQuery {
        from,
        minutes,
        clinician: clinician.as_deref(),
        room: room.as_deref(),
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
            model.screens.agenda.view = View::Day;
            model.screens.agenda.date = slot.date;
            model.screens.agenda.offset.set(0);
            model.screens.agenda.found = Some(slot);
            let day = shown_day(model);
            model.screens.agenda.selected = day.found_item();
            model.set_status(StatusKind::Saved, format!("{text}; Enter books it"));
            true
        }
        None => {
            let message = format!(
                "nothing free: no {} slot with {} in {} within {} days from {}",
                agenda::duration_label(minutes as i64),
                match clinician {
                    None => "any clinician".to_string(),
                    Some(_) => form.shown(FIND_CLINICIAN),
                },
                match room {
                    None => "any room".to_string(),
                    Some(_) => form.shown(FIND_ROOM),
                },
                SEARCH_DAYS,
                from_day.format("%Y-%m-%d"),
            );
            model.set_status(StatusKind::Error, message.clone());
            form.warnings = vec![message];
            false
        }
    }
}

/// The agenda's key bar (an overlay open over it shows its own).
pub fn bar_hints(model: &Model) -> Vec<super::screen::KeyHint> {
    // Say what w and r switch to, not both ways.
    let a = &model.screens.agenda;
    super::screen::bar_rows(AGENDA_KEYS)
        .into_iter()
        .map(|(key, label)| match key.as_str() {
            "w" if a.view == View::Day => (key, "week".into()),
            "w" => (key, "day".into()),
            "r" => (key, format!("by {}", a.grouping.toggled().label())),
            // On a slot found with f, Enter books it; elsewhere it opens the patient.
            "Enter" if a.view == View::Day && matches!(shown_day(model).item(selection(model, &shown_day(model))), Some(Entry::Found(_))) => {
                (key, "book it".into())
            }
            "Enter" => (key, "patient".into()),
            _ => (key, label),
        })
        .collect()
}

// The screen's interface to its registry (`app::screen`).
pub type State = AgendaState;
pub const SWITCH_HELP: &str = "agenda: day and week views of every booking";

pub fn new_state(today: NaiveDate) -> State {
    AgendaState::new(today)
}

/// Nothing to set up: the agenda shows the day it showed last.
pub fn enter(_model: &mut Model) {}

pub fn help_sections() -> Vec<(&'static str, Vec<super::screen::KeyHint>)> {
    vec![("Agenda screen (2)", super::screen::help_rows(AGENDA_KEYS))]
}
