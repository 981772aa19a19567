//! The front desk's queues screen (key `3`): who is due to be booked, whose series ended
//! without the result reviews booked, and which aftercare follow-ups are due today or
//! overdue, across all patients. Drawn by `ui::queues`.
//!
//! The lists are computed from every patient, so they are cached here rather than
//! rebuilt on every frame: on entering the screen, on `r`, and before a key when the
//! clinic changed underneath (another user's save, a new day; see [`Fingerprint`]).
//!
//! Ticking a follow-up (Space) ticks the entry on the patient's record and returns the
//! save, exactly like the checklist pane. The row stays where it is, marked ticked and
//! no longer counted, so a mistaken tick is seen and undone with Space again; it leaves
//! the list when the list is next built (`r`, or the next visit to the screen).

use std::cell::Cell;
use std::collections::{BTreeSet, HashMap};

use chrono::{NaiveDate, NaiveDateTime};
use ratatui::crossterm::event::{KeyCode, KeyEvent};

use crate::domain::aftercare::ItemState;
use crate::domain::patient::{Patient, PatientId};
use crate::domain::queues::{self, Attendance, QueueRow, attendance};
use crate::domain::series::{Series, SessionStatus};

use super::keymap::{Binding, Scope, code, k, move_down, move_up, screen_action_for};
use super::model::{Effect, Model, Pane, StatusKind};
use super::screen::{KeyHint, ScreenId, bar_rows};

/// The three lists of the screen, in tab order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum QueueTab {
    #[default]
    ToBook,
    Reviews,
    FollowUps,
}

impl QueueTab {
    pub const ALL: [QueueTab; 3] = [QueueTab::ToBook, QueueTab::Reviews, QueueTab::FollowUps];

    pub fn title(self) -> &'static str {
        match self {
            QueueTab::ToBook => "To book",
            QueueTab::Reviews => "Reviews missing",
            QueueTab::FollowUps => "Follow-ups due",
        }
    }

    pub fn index(self) -> usize {
        self as usize
    }

    fn step(self, forward: bool) -> Self {
        let n = Self::ALL.len();
        Self::ALL[(self.index() + if forward { 1 } else { n - 1 }) % n]
    }
}

/// What a key does on the queues screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueueAction {
    NextTab,
    PrevTab,
    Up,
    Down,
    PageUp,
    PageDown,
    Home,
    End,
    Open,
    Tick,
    Refresh,
}

use QueueAction as Q;

/// The screen's keys, in the order the help lists them (Esc, back to the patients, is
/// the screen framework's).
pub static QUEUE_KEYS: &[Binding<QueueAction>] = &[
    Binding {
        keys: &[code(KeyCode::Tab)],
        action: Q::NextTab,
        scope: Scope::Everywhere,
        bar: Some("lists"),
        help: "next list: to book, reviews missing, follow-ups due",
    },
    Binding {
        keys: &[code(KeyCode::Right)],
        action: Q::NextTab,
        scope: Scope::Everywhere,
        bar: None,
        help: "next list",
    },
    Binding {
        keys: &[code(KeyCode::BackTab), code(KeyCode::Left)],
        action: Q::PrevTab,
        scope: Scope::Everywhere,
        bar: None,
        help: "previous list",
    },
    move_up(Q::Up, "move up"),
    move_down(Q::Down, None, "move down"),
    Binding {
        keys: &[code(KeyCode::PageUp)],
        action: Q::PageUp,
        scope: Scope::Everywhere,
        bar: None,
        help: "page up",
    },
    Binding {
        keys: &[code(KeyCode::PageDown)],
        action: Q::PageDown,
        scope: Scope::Everywhere,
        bar: None,
        help: "page down",
    },
    Binding {
        keys: &[code(KeyCode::Home), k('g')],
        action: Q::Home,
        scope: Scope::Everywhere,
        bar: None,
        help: "first row",
    },
    Binding {
        keys: &[code(KeyCode::End), k('G')],
        action: Q::End,
        scope: Scope::Everywhere,
        bar: None,
        help: "last row",
    },
    Binding {
        keys: &[code(KeyCode::Enter)],
        action: Q::Open,
        scope: Scope::Everywhere,
        bar: Some("open/book"),
        help: "open the patient's plan (To book: with the booking form)",
    },
    Binding {
        keys: &[k(' ')],
        action: Q::Tick,
        scope: Scope::Everywhere,
        bar: Some("tick"),
        help: "follow-ups due: tick the item on the patient (again: untick)",
    },
    Binding {
        keys: &[k('r')],
        action: Q::Refresh,
        scope: Scope::Everywhere,
        bar: None,
        help: "rebuild the lists (ticked follow-ups leave)",
    },
];

/// An aftercare item of a session done, due today or overdue, and not ticked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FollowUp {
    pub patient_id: PatientId,
    pub name: String,
    pub series: usize,
    pub session: usize,
    pub session_date: NaiveDate,
    /// Index into the session's checklist, and the item's id to check it still is.
    pub item: usize,
    pub item_id: String,
    pub day: u32,
    pub text: String,
    pub due: NaiveDate,
}

/// Aftercare items of sessions done that are due today or overdue and not ticked, over
/// every series of every active patient. Oldest first, then by name.
pub fn follow_ups_due(patients: &[Patient], today: NaiveDate) -> Vec<FollowUp> {
    let mut out = Vec::new();
    for p in patients.iter().filter(|p| !p.archived) {
        for (si, series) in p.series.iter().enumerate() {
            for (ci, session) in series.sessions.iter().enumerate() {
                if session.status != SessionStatus::Done {
                    continue;
                }
                for (ii, e) in session.checklist.iter().enumerate() {
                    if !matches!(
                        e.state(session.date, today),
                        ItemState::DueToday | ItemState::Overdue(_)
                    ) {
                        continue;
                    }
                    out.push(FollowUp {
                        patient_id: p.id.clone(),
                        name: p.full_name.clone(),
                        series: si,
                        session: ci,
                        session_date: session.date,
                        item: ii,
                        item_id: e.item_id.clone(),
                        day: e.day,
                        text: e.text.clone(),
                        due: e.due_date(session.date),
                    });
                }
            }
        }
    }
    out.sort_by(|a, b| follow_up_order(a).cmp(&follow_up_order(b)));
    out
}

/// A follow-up row's place in the record.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ItemRef {
    pub series: usize,
    pub session: usize,
    pub item: usize,
    pub item_id: String,
}

/// One row of a queue, whatever the tab: who, how to reach them, what is due and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub patient_id: PatientId,
    pub name: String,
    pub phone: String,
    pub attendance: Attendance,
    pub series: usize,
    pub protocol_name: String,
    /// What is due, short enough for a row (a follow-up's whole item text).
    pub what: String,
    /// When it fell (or falls) due.
    pub due: NaiveDate,
    /// The session Enter selects in the plan.
    pub session: Option<usize>,
    pub kind: EntryKind,
    /// Follow-ups ticked on this screen since the list was built.
    pub ticked_at: Option<NaiveDateTime>,
}

/// What is particular to each tab's rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntryKind {
    /// Indices of the sessions to book.
    ToBook(Vec<usize>),
    /// The months of the reviews not booked, with their due dates.
    Reviews(Vec<(u8, NaiveDate)>),
    /// The checklist entry Space ticks.
    FollowUp(ItemRef),
}

impl Entry {
    /// What the row stands for, whatever its place: the same after a rebuild.
    fn key(&self) -> (&PatientId, usize, Option<&ItemRef>) {
        (&self.patient_id, self.series, self.item())
    }

    /// The follow-up's checklist entry, on the Follow-ups due tab.
    pub fn item(&self) -> Option<&ItemRef> {
        match &self.kind {
            EntryKind::FollowUp(r) => Some(r),
            _ => None,
        }
    }

    /// The row in full, for the line under the list: the sessions to book and their
    /// dates, the reviews and when they fell due, a follow-up's session and whole text.
    /// Built for the selected row only, when it is drawn.
    pub fn detail(&self, model: &Model) -> String {
        let Some(series) = model.patient(&self.patient_id).and_then(|p| {
            let s = p.series.get(self.series)?;
            Some((s, self.series + 1 < p.series.len()))
        }) else {
            return self.what.clone();
        };
        detail_text(self, series.0, series.1)
    }
}

/// What the cached lists were built from; when it no longer matches, they are rebuilt.
/// Every save moves a patient's revision on, so the sum changes with any saved change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fingerprint {
    today: NaiveDate,
    patients: usize,
    revisions: u64,
}

impl Fingerprint {
    pub fn of(model: &Model) -> Self {
        Self {
            today: model.today,
            patients: model.patients.len(),
            revisions: model
                .patients
                .iter()
                .fold(0u64, |acc, p| acc.wrapping_add(p.revision)),
        }
    }
}

/// The screen's state: the cached lists, and where the user is in each.
#[derive(Debug, Default)]
pub struct QueuesState {
    pub tab: QueueTab,
    /// Rows of each tab, indexed by [`QueueTab::index`].
    pub lists: [Vec<Entry>; 3],
    pub selected: [usize; 3],
    /// First row shown in each tab; kept by the view so the selection stays on screen.
    pub offset: [Cell<usize>; 3],
    /// Rows that fit on screen, for PageUp/PageDown; set by the view.
    pub page: Cell<usize>,
    /// When the lists were built, and from what.
    pub built_at: Option<NaiveDateTime>,
    pub built_from: Option<Fingerprint>,
    /// Follow-ups ticked here since the lists were built: they stay listed (ticked) when
    /// the lists are rebuilt for another reason, until `r` or the next visit.
    ticked_here: BTreeSet<(PatientId, ItemRef)>,
}

impl QueuesState {
    pub fn list(&self, tab: QueueTab) -> &[Entry] {
        &self.lists[tab.index()]
    }

    pub fn current(&self) -> &[Entry] {
        self.list(self.tab)
    }

    pub fn selected_entry(&self) -> Option<&Entry> {
        self.current().get(self.selected[self.tab.index()])
    }

    /// Rows still to work on: every row, less follow-ups ticked here.
    pub fn open_count(&self, tab: QueueTab) -> usize {
        self.list(tab).iter().filter(|e| e.ticked_at.is_none()).count()
    }

    /// The lists no longer reflect the clinic (a save, another user's change, a new day).
    pub fn is_stale(&self, model: &Model) -> bool {
        self.built_from != Some(Fingerprint::of(model))
    }
}

/// Entering the screen: the lists are built afresh, and follow-ups ticked on an earlier
/// visit are gone.
pub fn enter(model: &mut Model) {
    model.screens.queues.ticked_here.clear();
    rebuild(model);
}

fn follow_up_order(f: &FollowUp) -> (NaiveDate, &str, &PatientId, usize, usize, usize) {
    (f.due, &f.name, &f.patient_id, f.series, f.session, f.item)
}

/// Builds every list from the patients, keeping the tab, and in each list the selected
/// row when it is still there (else the same place). Linear in the number of patients
/// (`cargo bench` times it with 10,000).
pub fn rebuild(model: &mut Model) {
    let today = model.today;
    let was_selected: Vec<Option<(PatientId, usize, Option<ItemRef>)>> = QueueTab::ALL
        .iter()
        .map(|&t| {
            let q = &model.screens.queues;
            q.list(t)
                .get(q.selected[t.index()])
                .map(|e| (e.patient_id.clone(), e.series, e.item().cloned()))
        })
        .collect();
    let by_id: HashMap<&PatientId, &Patient> = model.patients.iter().map(|p| (&p.id, p)).collect();

    let to_book: Vec<Entry> = queues::due_to_book(&model.patients, today)
        .into_iter()
        .filter_map(|mut row| {
            let p = by_id.get(&row.patient_id)?;
            let sessions = std::mem::take(&mut row.sessions);
            let session = sessions.first().copied();
            Some(queue_entry(p, row, EntryKind::ToBook(sessions), session))
        })
        .collect();
    let reviews: Vec<Entry> = queues::reviews_missing(&model.patients, &model.clinic.review_months, today)
        .into_iter()
        .filter_map(|mut row| {
            let p = by_id.get(&row.patient_id)?;
            let reviews = std::mem::take(&mut row.reviews);
            Some(queue_entry(p, row, EntryKind::Reviews(reviews), None))
        })
        .collect();

    // Open follow-ups, plus those ticked on this visit (still ticked on the record), in
    // their place: a mistaken tick stays in sight and can be undone.
    let mut items: Vec<(FollowUp, Option<NaiveDateTime>)> = follow_ups_due(&model.patients, today)
        .into_iter()
        .map(|f| (f, None))
        .collect();
    for (id, r) in &model.screens.queues.ticked_here {
        let Some(p) = by_id.get(id) else { continue };
        let Some((session_date, e)) = located(p, r) else {
            continue;
        };
        if let Some(at) = e.ticked_at {
            let f = FollowUp {
                patient_id: p.id.clone(),
                name: p.full_name.clone(),
                series: r.series,
                session: r.session,
                session_date,
                item: r.item,
                item_id: e.item_id.clone(),
                day: e.day,
                text: e.text.clone(),
                due: e.due_date(session_date),
            };
            items.push((f, Some(at)));
        }
    }
    if !model.screens.queues.ticked_here.is_empty() {
        items.sort_by(|a, b| follow_up_order(&a.0).cmp(&follow_up_order(&b.0)));
    }
    let follow_ups: Vec<Entry> = items
        .into_iter()
        .filter_map(|(f, ticked_at)| Some(follow_up_entry(by_id.get(&f.patient_id)?, f, ticked_at)))
        .collect();

    let fingerprint = Fingerprint::of(model);
    let q = &mut model.screens.queues;
    q.lists = [to_book, reviews, follow_ups];
    for (i, before) in was_selected.into_iter().enumerate() {
        let same = before.and_then(|(id, series, item)| {
            q.lists[i]
                .iter()
                .position(|e| e.key() == (&id, series, item.as_ref()))
        });
        q.selected[i] = same
            .unwrap_or(q.selected[i])
            .min(q.lists[i].len().saturating_sub(1));
    }
    q.built_at = Some(model.now);
    q.built_from = Some(fingerprint);
}

fn queue_entry(p: &Patient, row: QueueRow, kind: EntryKind, session: Option<usize>) -> Entry {
    Entry {
        patient_id: row.patient_id,
        name: row.name,
        phone: p.phone.clone(),
        attendance: attendance(p),
        series: row.series,
        protocol_name: row.protocol_name,
        what: row.what,
        due: row.since,
        session,
        kind,
        ticked_at: None,
    }
}

fn follow_up_entry(p: &Patient, f: FollowUp, ticked_at: Option<NaiveDateTime>) -> Entry {
    Entry {
        phone: p.phone.clone(),
        attendance: attendance(p),
        protocol_name: p
            .series
            .get(f.series)
            .map(|s| s.protocol_name.clone())
            .unwrap_or_default(),
        series: f.series,
        due: f.due,
        session: Some(f.session),
        kind: EntryKind::FollowUp(ItemRef {
            series: f.series,
            session: f.session,
            item: f.item,
            item_id: f.item_id,
        }),
        patient_id: f.patient_id,
        name: f.name,
        what: f.text,
        ticked_at,
    }
}

fn detail_text(e: &Entry, series: &Series, earlier: bool) -> String {
    let earlier = if earlier { " (an earlier series)" } else { "" };
    match &e.kind {
        // "Acne scars · to book: session 2 on 2026-12-15 (booked, no room), ... · what".
        EntryKind::ToBook(sessions) => {
            let sessions: Vec<String> = sessions
                .iter()
                .filter_map(|&i| {
                    let s = series.sessions.get(i)?;
                    let mut missing = Vec::new();
                    if s.status == SessionStatus::Booked {
                        if s.time.is_none() {
                            missing.push("time");
                        }
                        if s.clinician.is_none() {
                            missing.push("clinician");
                        }
                        if s.room.is_none() {
                            missing.push("room");
                        }
                    }
                    let needs = if missing.is_empty() {
                        String::new()
                    } else {
                        format!(" (booked, no {})", missing.join("/"))
                    };
                    Some(format!("session {} on {}{needs}", i + 1, s.date))
                })
                .collect();
            let mut parts = vec![format!("{}{earlier}", e.protocol_name)];
            if !sessions.is_empty() {
                parts.push(format!("to book: {}", sessions.join(", ")));
            }
            parts.push(e.what.clone());
            parts.join(" · ")
        }
        // "Acne scars, last session 2026-10-14 · 1-month review due 2026-11-14, ...".
        EntryKind::Reviews(due) => {
            let ended = series
                .ended_on()
                .map(|d| format!(", last session {d}"))
                .unwrap_or_default();
            let due: Vec<String> = due
                .iter()
                .map(|(m, d)| format!("{m}-month review due {d}"))
                .collect();
            format!("{}{earlier}{ended} · {}", e.protocol_name, due.join(", "))
        }
        // "day 4 after session 3 on 2026-11-18, Acne scars: <the whole item>".
        EntryKind::FollowUp(r) => {
            let (day, date) = series
                .sessions
                .get(r.session)
                .and_then(|s| Some((s.checklist.get(r.item)?.day, s.date)))
                .unwrap_or((0, e.due));
            format!(
                "day {day} after session {} on {date}, {}{earlier}: {}",
                r.session + 1,
                e.protocol_name,
                e.what
            )
        }
    }
}

/// The session date and the checklist entry a follow-up row stands for, if the record
/// still has that item at that place.
fn located<'a>(
    p: &'a Patient,
    r: &ItemRef,
) -> Option<(NaiveDate, &'a crate::domain::aftercare::ChecklistEntry)> {
    let session = p.series.get(r.series)?.sessions.get(r.session)?;
    let e = session.checklist.get(r.item)?;
    (e.item_id == r.item_id).then_some((session.date, e))
}

/// Handles a key on the queues screen (global keys and Esc were handled before).
pub fn handle_key(model: &mut Model, key: KeyEvent) -> Vec<Effect> {
    let Some(action) = screen_action_for(QUEUE_KEYS, &key) else {
        return Vec::new();
    };
    if model.screens.queues.is_stale(model) {
        let before = model.screens.queues.selected_entry().map(|e| {
            let (id, series, item) = e.key();
            (id.clone(), series, item.cloned())
        });
        rebuild(model);
        let after = model.screens.queues.selected_entry().map(Entry::key);
        let gone = before
            .as_ref()
            .is_some_and(|(id, series, item)| after != Some((id, *series, item.as_ref())));
        if gone && matches!(action, Q::Open | Q::Tick) {
            // The row the user was looking at went away (another user's change): act
            // only on what is on the screen.
            model.set_status(
                StatusKind::Info,
                "the list changed since it was drawn (another user saved); nothing done: check the row and press again",
            );
            return Vec::new();
        }
    }
    // Rows on screen, as the view last drew them (10 before the first frame).
    let page = match model.screens.queues.page.get() {
        0 => 10,
        n => n as i64,
    };
    match action {
        Q::NextTab | Q::PrevTab => {
            let q = &mut model.screens.queues;
            q.tab = q.tab.step(action == Q::NextTab);
        }
        Q::Up => move_by(model, -1),
        Q::Down => move_by(model, 1),
        Q::PageUp => move_by(model, -page),
        Q::PageDown => move_by(model, page),
        Q::Home => move_by(model, i64::MIN / 2),
        Q::End => move_by(model, i64::MAX / 2),
        Q::Open if model.screens.queues.tab == QueueTab::ToBook => book(model),
        Q::Open => open(model),
        Q::Tick => return tick(model),
        Q::Refresh => {
            enter(model);
            let q = &model.screens.queues;
            let counts: Vec<String> = QueueTab::ALL
                .iter()
                .map(|&t| format!("{} {}", q.open_count(t), t.title().to_lowercase()))
                .collect();
            model.set_status(StatusKind::Info, format!("lists rebuilt: {}", counts.join(", ")));
        }
    }
    Vec::new()
}

fn move_by(model: &mut Model, delta: i64) {
    let q = &mut model.screens.queues;
    let i = q.tab.index();
    let len = q.lists[i].len();
    if len == 0 {
        q.selected[i] = 0;
        return;
    }
    q.selected[i] = (q.selected[i] as i64)
        .saturating_add(delta)
        .clamp(0, len as i64 - 1) as usize;
}

/// Enter: the patients screen, with the row's patient selected (the filter cleared and
/// archived patients shown if that is what it takes), the plan focused and the row's
/// session selected, so that the checklist shows a follow-up's item.
fn open(model: &mut Model) {
    let Some(entry) = model.screens.queues.selected_entry().cloned() else {
        model.set_status(StatusKind::Info, "nothing to open: this list is empty");
        return;
    };
    let Some(index) = model.patient_index(&entry.patient_id) else {
        rebuild(model);
        model.set_status(
            StatusKind::Info,
            "that patient is no longer in the clinic; lists rebuilt",
        );
        return;
    };
    let patient = &model.patients[index];
    let archived = patient.archived;
    let filtered_out = !patient.matches(&model.filter.trim().to_lowercase());
    let current = patient.series.len().checked_sub(1);
    let sessions = patient.current_series().map_or(0, |s| s.sessions.len());
    let mut notes = Vec::new();
    if archived && !model.show_archived {
        model.show_archived = true;
        notes.push("archived patients shown");
    }
    if filtered_out {
        model.filter.clear();
        notes.push("filter cleared");
    }
    model.filter_typing = false;
    model.refresh_visible(Some(entry.patient_id.clone()));
    model.reset_session_selection();
    if Some(entry.series) == current {
        if let Some(s) = entry.session.filter(|&s| s < sessions) {
            model.session = s;
            model.checklist_item = entry.item().map_or(0, |r| r.item);
        }
    } else {
        notes.push("this is from an earlier series; the plan shows the latest one");
    }
    model.screen = ScreenId::Main;
    model.focus = Pane::Plan;
    if !notes.is_empty() {
        model.set_status(StatusKind::Info, format!("{}: {}", entry.name, notes.join("; ")));
    }
}

/// Enter on a "to book" row: the patient's plan (as [`open`]) with the form that books
/// for them over it: the first session still to book, as booked; or, when the course is
/// only short of a cancelled or missed session, the add-session form (the series
/// builder when they have no series under way).
fn book(model: &mut Model) {
    let Some(entry) = model.screens.queues.selected_entry().cloned() else {
        model.set_status(StatusKind::Info, "nothing to book: this list is empty");
        return;
    };
    open(model);
    if model.screen != ScreenId::Main || model.selected_id().as_ref() != Some(&entry.patient_id) {
        return;
    }
    let current = model
        .patient(&entry.patient_id)
        .and_then(|p| p.series.len().checked_sub(1));
    if current != Some(entry.series) {
        // An earlier series: the plan shows the latest, and `open` said so.
        return;
    }
    match &entry.kind {
        EntryKind::ToBook(sessions) if !sessions.is_empty() => {
            super::picker::book_planned(model, &entry.patient_id, sessions[0]);
        }
        _ => super::picker::book_for(model, &entry.patient_id, None),
    }
}

/// Space on a follow-up: ticks the item on the patient's record (or unticks one ticked
/// here) and returns the save. The main screen's selection is left as it was.
fn tick(model: &mut Model) -> Vec<Effect> {
    if model.screens.queues.tab != QueueTab::FollowUps {
        model.set_status(
            StatusKind::Info,
            "Space ticks aftercare items in Follow-ups due (Tab to get there)",
        );
        return Vec::new();
    }
    let row = model.screens.queues.selected[QueueTab::FollowUps.index()];
    let Some(entry) = model.screens.queues.selected_entry().cloned() else {
        model.set_status(StatusKind::Info, "no follow-up due: nothing to tick");
        return Vec::new();
    };
    let Some(r) = entry.item().cloned() else {
        return Vec::new();
    };
    let Some(mut patient) = model.patient(&entry.patient_id).cloned() else {
        rebuild(model);
        model.set_status(
            StatusKind::Info,
            "that patient is no longer in the clinic; lists rebuilt",
        );
        return Vec::new();
    };
    if model.refuse_unless(crate::domain::staff::Permission::Aftercare) || model.refuse_read_only(&patient.id) {
        return Vec::new();
    }
    let want_ticked = entry.ticked_at.is_none();
    let now = model.now;
    let record = patient
        .series
        .get_mut(r.series)
        .and_then(|s| s.sessions.get_mut(r.session))
        .and_then(|s| s.checklist.get_mut(r.item))
        .filter(|e| e.item_id == r.item_id);
    let Some(record) = record else {
        rebuild(model);
        model.set_status(
            StatusKind::Info,
            "that item changed on the record; lists rebuilt, nothing ticked",
        );
        return Vec::new();
    };
    if record.ticked_at.is_some() == want_ticked {
        // Someone ticked (or unticked) it already: show the record, change nothing.
        let at = record.ticked_at;
        set_row_ticked(model, row, at);
        let text = match at {
            Some(at) => format!(
                "already ticked at {}; nothing changed",
                at.format("%Y-%m-%d %H:%M")
            ),
            None => "already unticked; nothing changed".to_string(),
        };
        model.set_status(StatusKind::Info, text);
        return Vec::new();
    }
    record.ticked_at = want_ticked.then_some(now);
    let at = record.ticked_at;
    let key = (entry.patient_id.clone(), r);
    if want_ticked {
        model.screens.queues.ticked_here.insert(key);
    } else {
        model.screens.queues.ticked_here.remove(&key);
    }
    set_row_ticked(model, row, at);
    let what = short(&entry.what, 24);
    model.set_status(
        StatusKind::Info,
        match at {
            Some(at) => format!("{}: \"{what}\" ticked at {}", entry.name, at.format("%H:%M")),
            None => format!("{}: \"{what}\" unticked", entry.name),
        },
    );
    // `put_patient` selects the saved patient in the list; the patients screen should
    // look as it was when the user comes back.
    let (keep, session, item) = (model.selected_id(), model.session, model.checklist_item);
    let effect = model.put_patient(patient);
    // Its save moves the patient's revision on by one; the lists already show the
    // change, so that must not read as someone else's (a failed save will, harmlessly).
    if let Some(f) = model.screens.queues.built_from.as_mut() {
        f.revisions = f.revisions.wrapping_add(1);
    }
    model.refresh_visible(keep.clone());
    if keep.is_some() && model.selected_id() == keep {
        model.session = session;
        model.checklist_item = item;
    }
    vec![effect]
}

fn set_row_ticked(model: &mut Model, row: usize, at: Option<NaiveDateTime>) {
    if let Some(e) = model.screens.queues.lists[QueueTab::FollowUps.index()].get_mut(row) {
        e.ticked_at = at;
    }
}

fn short(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let cut: String = text.chars().take(max - 1).collect();
    format!("{}…", cut.trim_end())
}

/// The key bar: Space only where it does something.
pub fn bar_hints(model: &Model) -> Vec<KeyHint> {
    let tab = model.screens.queues.tab;
    bar_rows(QUEUE_KEYS)
        .into_iter()
        .filter(|(key, _)| key != "Space" || tab == QueueTab::FollowUps)
        // What Enter does on this tab: To book opens the booking form.
        .map(|(key, label)| match key.as_str() {
            "Enter" if tab == QueueTab::ToBook => (key, "book".into()),
            "Enter" => (key, "open".into()),
            _ => (key, label),
        })
        .collect()
}

// The screen's interface to its registry (`app::screen`).
pub type State = QueuesState;
pub const SWITCH_HELP: &str = "queues: to book, reviews missing, follow-ups due";

pub fn new_state(_today: chrono::NaiveDate) -> State {
    State::default()
}

pub fn help_sections() -> Vec<(&'static str, Vec<KeyHint>)> {
    vec![("Queues screen (3)", super::screen::help_rows(QUEUE_KEYS))]
}
