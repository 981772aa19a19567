//! The queues screen (key `3`): To book, Reviews missing, Follow-ups due. Snapshot tests
//! of each tab at 80x24 and 160x50, and key tests: tabs, moving, Enter to the patient,
//! Space ticking a follow-up on the patient's record (saved to a temporary dir), and the
//! counts against `domain::queues`.
//!
//! The clinic is built here by hand and every test runs at a fixed "now"
//! (Wed 2026-11-25 10:00), never the real clock, never the real data dir.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use needleplan::app::model::{Effect, StatusKind};
use needleplan::app::persist;
use needleplan::app::queues::{QueueTab, follow_ups_due};
use needleplan::app::screen::ScreenId;
use needleplan::app::{Model, Pane, handle_key};
use needleplan::domain::aftercare::ItemState;
use needleplan::domain::patient::{Patient, PatientDetails, PatientId};
use needleplan::domain::queues::{attendance, due_to_book, reviews_missing};
use needleplan::domain::series::{Series, SeriesPlan, Session, SessionStatus};
use needleplan::store::PatientStore;
use needleplan::store::templates::Templates;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use tempfile::TempDir;

// ---------------------------------------------------------------------------------------
// A small clinic, by hand
// ---------------------------------------------------------------------------------------

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn now() -> NaiveDateTime {
    d("2026-11-25").and_hms_opt(10, 0, 0).unwrap()
}

fn at(date: &str, h: u32, m: u32) -> NaiveDateTime {
    d(date).and_hms_opt(h, m, 0).unwrap()
}

fn pid(id: &str) -> PatientId {
    PatientId::new(id).unwrap()
}

fn patient(id: &str, name: &str, phone: &str) -> Patient {
    let details = PatientDetails {
        full_name: name.into(),
        date_of_birth: Some(d("1990-06-02")),
        phone: phone.into(),
        email: String::new(),
        notes: String::new(),
    };
    Patient::new(pid(id), details, d("2025-06-01"))
}

/// A series of the built-in standard protocol with one session per date (all planned),
/// planned for `target` sessions.
fn series(dates: &[&str], target: u32) -> Series {
    let t = Templates::builtin();
    let plan = SeriesPlan {
        sessions: 0,
        ..SeriesPlan::from_protocol(&t.protocols[0], d(dates[0]), None)
    };
    let mut s = Series::from_plan(&plan, d(dates[0]));
    s.target_sessions = Some(target);
    s.sessions = dates
        .iter()
        .map(|x| Session::planned(d(x), NaiveTime::from_hms_opt(9, 30, 0)))
        .collect();
    s
}

fn done(s: &mut Session) {
    s.set_status(SessionStatus::Done, &Templates::builtin().aftercare);
}

/// Marks the session done and ticks every item due up to `through_day`.
fn done_ticked_through(s: &mut Session, through_day: u32) {
    done(s);
    let when = s.date.and_hms_opt(17, 0, 0).unwrap();
    for e in s.checklist.iter_mut().filter(|e| e.day <= through_day) {
        e.ticked_at = Some(when);
    }
}

fn booked(s: &mut Session, room: Option<&str>) {
    s.status = SessionStatus::Booked;
    s.clinician = Some("amara".into());
    s.room = room.map(Into::into);
}

/// Six patients:
/// - Amara: mid-series; day 3 and 4 items of session 3 overdue, day 7 due today; one
///   late cancellation; next session fully booked.
/// - Bruno: a new series, nothing booked yet (to book, in 7 days).
/// - Chloé: series ended 2026-10-14, no review booked (1-month review 11 days overdue);
///   one no-show and one late cancellation.
/// - Dmitri: archived, with an overdue item and nothing booked: on no list.
/// - Esther (a long name): an earlier series with an item left open (403 days overdue)
///   and two no-shows; current series: session 1 done yesterday (day-1 call due today),
///   session 2 booked without a room, session 3 planned.
/// - Farid: a no-show never replaced (to book, 2 days overdue).
fn clinic() -> Vec<Patient> {
    let mut amara = patient("p-00000001", "Amara Okonkwo", "+44 7700 900001");
    let mut s = series(&["2026-10-20", "2026-11-04", "2026-11-18", "2026-12-16"], 3);
    done_ticked_through(&mut s.sessions[0], 10);
    s.sessions[1].status = SessionStatus::Cancelled;
    s.sessions[1].cancelled_late = true;
    done_ticked_through(&mut s.sessions[2], 1);
    booked(&mut s.sessions[3], Some("room-1"));
    amara.series.push(s);

    let mut bruno = patient("p-00000002", "Bruno Costa", "+44 7700 900002");
    bruno
        .series
        .push(series(&["2026-12-02", "2026-12-30", "2027-01-27"], 3));

    let mut chloe = patient("p-00000003", "Chloé Martin", "+44 7700 900003");
    let mut s = series(
        &[
            "2026-08-19",
            "2026-09-02",
            "2026-09-16",
            "2026-09-30",
            "2026-10-14",
        ],
        3,
    );
    for i in [0, 2, 4] {
        done_ticked_through(&mut s.sessions[i], 10);
    }
    s.sessions[1].status = SessionStatus::NoShow;
    s.sessions[3].status = SessionStatus::Cancelled;
    s.sessions[3].cancelled_late = true;
    chloe.series.push(s);

    let mut dmitri = patient("p-00000004", "Dmitri Volkov", "+44 7700 900004");
    let mut s = series(&["2026-11-10", "2026-12-08"], 2);
    done(&mut s.sessions[0]);
    dmitri.series.push(s);
    dmitri.archived = true;

    let mut esther = patient("p-00000005", "Esther Nakamura-Whitfield", "+44 7700 900005");
    let mut old = series(&["2025-09-10", "2025-09-24", "2025-10-01", "2025-10-08"], 2);
    done_ticked_through(&mut old.sessions[0], 10);
    old.sessions[1].status = SessionStatus::NoShow;
    old.sessions[2].status = SessionStatus::NoShow;
    done_ticked_through(&mut old.sessions[3], 7);
    esther.series.push(old);
    let mut s = series(&["2026-11-24", "2026-12-22", "2027-01-19"], 3);
    done_ticked_through(&mut s.sessions[0], 0);
    booked(&mut s.sessions[1], None);
    esther.series.push(s);

    let mut farid = patient("p-00000006", "Farid Haddad", "+44 7700 900006");
    let mut s = series(&["2026-10-28", "2026-11-23", "2026-12-23"], 3);
    done_ticked_through(&mut s.sessions[0], 10);
    s.sessions[1].status = SessionStatus::NoShow;
    booked(&mut s.sessions[2], Some("room-2"));
    farid.series.push(s);

    vec![amara, bruno, chloe, dmitri, esther, farid]
}

fn model() -> Model {
    let mut m = Model::new(now(), Templates::builtin(), clinic())
        .with_clinic(needleplan::store::demo::demo_settings());
    m.data_dir_label = "/clinic/data".into();
    m
}

// ---------------------------------------------------------------------------------------
// Keys and drawing
// ---------------------------------------------------------------------------------------

fn key_event(code: KeyCode) -> KeyEvent {
    let modifiers = match code {
        KeyCode::Char(c) if c.is_uppercase() => KeyModifiers::SHIFT,
        KeyCode::BackTab => KeyModifiers::SHIFT,
        _ => KeyModifiers::NONE,
    };
    KeyEvent::new(code, modifiers)
}

/// Sends keys and returns every effect they asked for (nothing is carried out).
fn press(m: &mut Model, keys: &[KeyCode]) -> Vec<Effect> {
    keys.iter().flat_map(|k| handle_key(m, key_event(*k))).collect()
}

fn type_text(m: &mut Model, text: &str) {
    for c in text.chars() {
        handle_key(m, key_event(KeyCode::Char(c)));
    }
}

fn draw(m: &Model, w: u16, h: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
    terminal.draw(|f| needleplan::ui::view(m, f)).unwrap();
    terminal.backend().to_string()
}

fn snap_both(name: &str, m: &Model) {
    insta::assert_snapshot!(format!("{name}_80x24"), draw(m, 80, 24));
    insta::assert_snapshot!(format!("{name}_160x50"), draw(m, 160, 50));
}

use KeyCode::{BackTab, Char, Down, End, Enter, Esc, Home, Left, PageDown, PageUp, Right, Tab, Up};

const SPACE: KeyCode = Char(' ');

fn names(m: &Model) -> Vec<String> {
    m.screens
        .queues
        .current()
        .iter()
        .map(|e| e.name.clone())
        .collect()
}

/// Moves down the current tab until the selected row is `name`'s with `what` in it.
fn select_row(m: &mut Model, name: &str, what: &str) {
    press(m, &[Home]);
    for _ in 0..m.screens.queues.current().len() {
        let e = m.screens.queues.selected_entry().unwrap();
        if e.name == name && e.what.contains(what) {
            return;
        }
        press(m, &[Down]);
    }
    panic!("no row {name} / {what} in {:?}", names(m));
}

/// A model over real files in its own temporary dir.
struct TestApp {
    model: Model,
    store: PatientStore,
    _dir: TempDir,
}

impl TestApp {
    fn new() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = PatientStore::open(dir.path()).expect("store opens in a temp dir");
        let mut model = model();
        model.data_dir_label = dir.path().display().to_string();
        Self {
            model,
            store,
            _dir: dir,
        }
    }

    /// Sends keys, carries out their saves as the runtime would, returns the effects.
    fn keys(&mut self, keys: &[KeyCode]) -> Vec<Effect> {
        let mut all = Vec::new();
        for k in keys {
            let effects = handle_key(&mut self.model, key_event(*k));
            all.extend(effects.iter().cloned());
            persist::run_effects(&mut self.model, effects, &self.store);
        }
        all
    }
}

// ---------------------------------------------------------------------------------------
// Snapshots
// ---------------------------------------------------------------------------------------

#[test]
fn to_book_tab() {
    let mut m = model();
    press(&mut m, &[Char('3')]);
    assert_eq!(m.screen, ScreenId::Queues);
    let screen = draw(&m, 80, 24);
    assert!(screen.contains("▶ To book (3)"), "{screen}");
    assert!(
        screen.contains("OVERDUE 2d") && screen.contains("+44 7700 900006"),
        "{screen}"
    );
    snap_both("queues_to_book", &m);
}

#[test]
fn reviews_missing_tab() {
    let mut m = model();
    press(&mut m, &[Char('3'), Tab]);
    let screen = draw(&m, 160, 50);
    assert!(screen.contains("▶ Reviews missing (1)"), "{screen}");
    assert!(
        screen.contains("1-, 3- and 6-month reviews not booked") && screen.contains("OVERDUE 11d"),
        "{screen}"
    );
    snap_both("queues_reviews", &m);
}

#[test]
fn follow_ups_tab() {
    let mut m = model();
    press(&mut m, &[Char('3'), Tab, Tab]);
    let screen = draw(&m, 80, 24);
    assert!(screen.contains("▶ Follow-ups due (5)"), "{screen}");
    assert!(
        screen.contains("OVERDUE 403d") && screen.contains("today"),
        "{screen}"
    );
    snap_both("queues_follow_ups", &m);
}

#[test]
fn a_follow_up_ticked_here_shows_ticked_until_the_lists_are_rebuilt() {
    let mut m = model();
    press(&mut m, &[Char('3'), Tab, Tab]);
    select_row(&mut m, "Amara Okonkwo", "Flaking");
    press(&mut m, &[SPACE]);
    let screen = draw(&m, 80, 24);
    assert!(
        screen.contains("[x] 10:00") && screen.contains("Follow-ups due (4)"),
        "{screen}"
    );
    snap_both("queues_follow_up_ticked", &m);
}

#[test]
fn empty_tabs_say_so_in_words() {
    let mut m = Model::new(
        now(),
        Templates::builtin(),
        vec![patient("p-00000009", "Ana Silva", "")],
    )
    .with_clinic(needleplan::store::demo::demo_settings());
    press(&mut m, &[Char('3')]);
    assert!(draw(&m, 80, 24).contains("Nobody to book"));
    press(&mut m, &[Tab]);
    assert!(draw(&m, 80, 24).contains("No reviews missing"));
    press(&mut m, &[Tab]);
    let screen = draw(&m, 80, 24);
    assert!(
        screen.contains("No follow-ups due") && screen.contains("Follow-ups due (0)"),
        "{screen}"
    );
    insta::assert_snapshot!("queues_empty_80x24", screen);
}

#[test]
fn attendance_is_marked_in_the_patient_list_and_the_plan() {
    let mut m = model();
    // Chloé: the plan spells out what the list abbreviates.
    press(&mut m, &[Down, Down, Tab]);
    assert_eq!(m.selected_patient().unwrap().full_name, "Chloé Martin");
    for (w, h) in [(80, 24), (160, 50)] {
        let screen = draw(&m, w, h);
        assert!(screen.contains("NS1 LC1"), "{screen}");
        assert!(
            screen.contains("Missed: 1 no-show, 1 late cancellation"),
            "{screen}"
        );
        // A name too long gives way to the marker; a clean record has none.
        assert!(screen.contains("… NS2"), "{screen}");
        assert!(!screen.contains("Bruno Costa N"), "{screen}");
    }
    let wide = draw(&m, 160, 50);
    assert!(
        wide.contains("Chloé Martin NS1 LC1") && wide.contains("Amara Okonkwo LC1"),
        "{wide}"
    );
    snap_both("patient_list_attendance", &m);
}

// ---------------------------------------------------------------------------------------
// Keys
// ---------------------------------------------------------------------------------------

#[test]
fn tab_and_arrows_switch_lists_and_esc_goes_back() {
    let mut m = model();
    press(&mut m, &[Char('3')]);
    assert_eq!(m.screens.queues.tab, QueueTab::ToBook);
    let steps = [
        (Tab, QueueTab::Reviews),
        (Tab, QueueTab::FollowUps),
        (Tab, QueueTab::ToBook),
        (BackTab, QueueTab::FollowUps),
        (Left, QueueTab::Reviews),
        (Right, QueueTab::FollowUps),
        (Right, QueueTab::ToBook),
    ];
    for (k, tab) in steps {
        press(&mut m, &[k]);
        assert_eq!(m.screens.queues.tab, tab, "after {k:?}");
        assert_eq!(m.screen, ScreenId::Queues);
    }
    // Digits stay global screen keys; Esc returns to the patients with the panes as they were.
    press(&mut m, &[Esc]);
    assert_eq!((m.screen, m.focus), (ScreenId::Main, Pane::Patients));
    // The tab is remembered for the next visit.
    press(&mut m, &[Char('3')]);
    assert_eq!(m.screens.queues.tab, QueueTab::ToBook);
}

#[test]
fn the_lists_match_the_domain_queues() {
    let mut m = model();
    press(&mut m, &[Char('3')]);
    let today = m.today;
    let to_book = due_to_book(&m.patients, today);
    let reviews = reviews_missing(&m.patients, &m.clinic.review_months, today);
    assert_eq!(m.screens.queues.open_count(QueueTab::ToBook), to_book.len());
    assert_eq!(m.screens.queues.open_count(QueueTab::Reviews), reviews.len());
    let rows: Vec<(String, String)> = m
        .screens
        .queues
        .list(QueueTab::ToBook)
        .iter()
        .map(|e| (e.name.clone(), e.what.clone()))
        .collect();
    let expected: Vec<(String, String)> = to_book.iter().map(|r| (r.name.clone(), r.what.clone())).collect();
    assert_eq!(rows, expected);
    assert_eq!(
        names(&m),
        ["Farid Haddad", "Bruno Costa", "Esther Nakamura-Whitfield"],
        "oldest first"
    );
    assert_eq!(m.screens.queues.list(QueueTab::Reviews)[0].name, reviews[0].name);

    // Follow-ups: every open item of a session done, due today or before, of active
    // patients, counted here straight from the records.
    let mut expected = 0;
    for p in m.patients.iter().filter(|p| !p.archived) {
        for s in p.series.iter().flat_map(|s| &s.sessions) {
            if s.status != SessionStatus::Done {
                continue;
            }
            expected += s
                .checklist
                .iter()
                .filter(|e| {
                    matches!(
                        e.state(s.date, today),
                        ItemState::DueToday | ItemState::Overdue(_)
                    )
                })
                .count();
        }
    }
    assert_eq!(expected, 5);
    assert_eq!(m.screens.queues.open_count(QueueTab::FollowUps), expected);
    assert_eq!(follow_ups_due(&m.patients, today).len(), expected);
    // Dmitri is archived: on no list, though he has an item overdue and nothing booked.
    for tab in QueueTab::ALL {
        assert!(
            m.screens
                .queues
                .list(tab)
                .iter()
                .all(|e| e.name != "Dmitri Volkov")
        );
    }
}

#[test]
fn moving_stays_within_the_list() {
    let mut m = model();
    press(&mut m, &[Char('3'), Tab, Tab]);
    let sel = |m: &Model| m.screens.queues.selected[QueueTab::FollowUps.index()];
    assert_eq!(sel(&m), 0);
    press(&mut m, &[Up]);
    assert_eq!(sel(&m), 0);
    press(&mut m, &[Char('j'), Down]);
    assert_eq!(sel(&m), 2);
    press(&mut m, &[Char('k')]);
    assert_eq!(sel(&m), 1);
    press(&mut m, &[End]);
    assert_eq!(sel(&m), 4);
    press(&mut m, &[PageDown]);
    assert_eq!(sel(&m), 4);
    press(&mut m, &[PageUp]);
    assert_eq!(sel(&m), 0);
    press(&mut m, &[Char('G')]);
    assert_eq!(sel(&m), 4);
    press(&mut m, &[Char('g')]);
    assert_eq!(sel(&m), 0);
    // Each list keeps its own place.
    press(&mut m, &[End, Tab]);
    assert_eq!(m.screens.queues.selected[QueueTab::ToBook.index()], 0);
}

#[test]
fn enter_on_a_follow_up_opens_the_patient_at_that_session_and_item() {
    let mut m = model();
    press(&mut m, &[Char('3'), Tab, Tab]);
    select_row(&mut m, "Amara Okonkwo", "Flaking");
    press(&mut m, &[Enter]);
    assert_eq!(m.screen, ScreenId::Main);
    assert_eq!(m.focus, Pane::Plan);
    assert_eq!(m.selected_id(), Some(pid("p-00000001")));
    assert_eq!(
        m.session, 2,
        "session 3 of the series, whose checklist holds the item"
    );
    let series = m.current_series().unwrap();
    assert_eq!(series.sessions[2].checklist[m.checklist_item].item_id, "day4-spf");
    let screen = draw(&m, 160, 50);
    assert!(
        screen.contains("▶ Treatment plan") && screen.contains("session 3 (2026-11-18)"),
        "{screen}"
    );
}

#[test]
fn enter_on_a_booking_row_selects_the_first_session_to_book() {
    let mut m = model();
    press(&mut m, &[Char('3')]);
    select_row(&mut m, "Esther Nakamura-Whitfield", "to book");
    press(&mut m, &[Enter]);
    assert_eq!(m.selected_id(), Some(pid("p-00000005")));
    assert_eq!(
        (m.focus, m.session),
        (Pane::Plan, 1),
        "session 2: booked without a room"
    );
}

#[test]
fn enter_clears_a_filter_that_hides_the_patient() {
    let mut m = model();
    press(&mut m, &[Char('/')]);
    type_text(&mut m, "bruno");
    press(&mut m, &[Enter]);
    assert_eq!(m.visible.len(), 1);
    press(&mut m, &[Char('3'), Tab]);
    press(&mut m, &[Enter]);
    assert_eq!(m.filter, "");
    assert_eq!(m.selected_patient().unwrap().full_name, "Chloé Martin");
    assert_eq!(m.focus, Pane::Plan);
    assert!(m.status.text.contains("filter cleared"), "{}", m.status.text);
}

#[test]
fn enter_on_an_item_of_an_earlier_series_says_so() {
    let mut m = model();
    press(&mut m, &[Char('3'), Tab, Tab, Home, Enter]);
    assert_eq!(m.selected_id(), Some(pid("p-00000005")));
    assert!(m.status.text.contains("earlier series"), "{}", m.status.text);
}

#[test]
fn space_ticks_the_item_on_the_patient_and_saves_it() {
    let mut app = TestApp::new();
    app.keys(&[Char('3'), Tab, Tab]);
    select_row(&mut app.model, "Amara Okonkwo", "Check: gentle");
    let effects = app.keys(&[SPACE]);
    assert_eq!(effects, vec![Effect::Save(pid("p-00000001"))]);

    let amara = app.model.patient(&pid("p-00000001")).unwrap();
    let entry = amara.series[0].sessions[2]
        .checklist
        .iter()
        .find(|e| e.item_id == "day3-check")
        .unwrap();
    assert_eq!(entry.ticked_at, Some(now()));
    assert_eq!(
        app.model.status.kind,
        StatusKind::Saved,
        "{}",
        app.model.status.text
    );
    // The lists know about this change: it does not read as someone else's.
    assert!(!app.model.screens.queues.is_stale(&app.model));
    assert!(!draw(&app.model, 80, 24).contains("records changed since"));
    // On disk too, in this test's own dir.
    let on_disk = app.store.load_all().unwrap().patients;
    let saved = on_disk.iter().find(|p| p.id == pid("p-00000001")).unwrap();
    assert_eq!(saved.series[0].sessions[2].checklist[4].ticked_at, Some(now()));

    // The row stays, ticked and no longer counted, also across a rebuild caused by
    // another user's save (Bruno's) before the next key.
    assert_eq!(app.model.screens.queues.open_count(QueueTab::FollowUps), 4);
    let mut theirs = app.model.patient(&pid("p-00000002")).unwrap().clone();
    theirs.revision += 1;
    app.model.replace_from_disk(theirs);
    assert!(app.model.screens.queues.is_stale(&app.model));
    app.keys(&[Down, Up]);
    assert!(!app.model.screens.queues.is_stale(&app.model));
    assert_eq!(app.model.screens.queues.list(QueueTab::FollowUps).len(), 5);
    assert_eq!(
        app.model.screens.queues.selected_entry().unwrap().ticked_at,
        Some(now())
    );
}

#[test]
fn a_ticked_item_leaves_follow_ups_due_when_the_list_is_rebuilt() {
    let mut app = TestApp::new();
    app.keys(&[Char('3'), Tab, Tab]);
    select_row(&mut app.model, "Amara Okonkwo", "Check: gentle");
    app.keys(&[SPACE, Char('r')]);
    let left: Vec<String> = app
        .model
        .screens
        .queues
        .current()
        .iter()
        .map(|e| e.what.clone())
        .collect();
    assert_eq!(left.len(), 4);
    assert!(left.iter().all(|w| !w.starts_with("Check: gentle")), "{left:?}");
    assert_eq!(
        app.model.screens.queues.open_count(QueueTab::FollowUps),
        follow_ups_due(&app.model.patients, app.model.today).len()
    );
    // Leaving and coming back builds the lists afresh as well.
    select_row(
        &mut app.model,
        "Esther Nakamura-Whitfield",
        "Clinic follow-up call",
    );
    app.keys(&[SPACE, Esc, Char('3')]);
    assert_eq!(app.model.screens.queues.list(QueueTab::FollowUps).len(), 3);
    assert_eq!(app.model.screens.queues.tab, QueueTab::FollowUps);
}

#[test]
fn space_again_unticks_a_mistaken_tick() {
    let mut app = TestApp::new();
    app.keys(&[Char('3'), Tab, Tab, Home]);
    let first = app.keys(&[SPACE]);
    let second = app.keys(&[SPACE]);
    assert_eq!(first, vec![Effect::Save(pid("p-00000005"))]);
    assert_eq!(second, first);
    let esther = app.model.patient(&pid("p-00000005")).unwrap();
    assert!(
        esther.series[0].sessions[3]
            .checklist
            .iter()
            .all(|e| e.day < 10 || e.ticked_at.is_none())
    );
    assert_eq!(app.model.screens.queues.open_count(QueueTab::FollowUps), 5);
}

#[test]
fn ticking_in_the_queue_leaves_the_patients_screen_as_it_was() {
    let mut app = TestApp::new();
    app.keys(&[Down, Tab]); // Bruno's plan
    app.keys(&[Char('3'), Tab, Tab]);
    select_row(&mut app.model, "Amara Okonkwo", "Retinoids");
    app.keys(&[SPACE, Esc]);
    assert_eq!(app.model.selected_patient().unwrap().full_name, "Bruno Costa");
    assert_eq!(app.model.focus, Pane::Plan);
}

#[test]
fn space_does_nothing_outside_follow_ups() {
    let mut m = model();
    press(&mut m, &[Char('3')]);
    let before = m.patients.clone();
    assert!(press(&mut m, &[SPACE]).is_empty());
    press(&mut m, &[Tab]);
    assert!(press(&mut m, &[SPACE]).is_empty());
    assert_eq!(m.patients, before);
    assert!(m.status.text.contains("Follow-ups due"), "{}", m.status.text);
}

#[test]
fn an_item_ticked_by_another_user_is_not_unticked() {
    let mut m = model();
    press(&mut m, &[Char('3'), Tab, Tab]);
    select_row(&mut m, "Amara Okonkwo", "Flaking");
    // Another user ticks it and saves (a new revision): the next key rebuilds the list.
    let mut theirs = m.patient(&pid("p-00000001")).unwrap().clone();
    theirs.series[0].sessions[2].checklist[5].ticked_at = Some(at("2026-11-25", 9, 45));
    theirs.revision += 1;
    m.replace_from_disk(theirs);
    assert!(draw(&m, 80, 24).contains("records changed since: r rebuilds"));
    let before = m.patients.clone();
    // Space was meant for the row on the screen, which is gone: nothing is ticked, not
    // even the row that moved under the cursor.
    assert!(press(&mut m, &[SPACE]).is_empty());
    assert_eq!(m.patients, before, "their tick stands, nothing else changed");
    assert!(m.status.text.contains("changed"), "{}", m.status.text);
    assert!(
        m.screens
            .queues
            .current()
            .iter()
            .all(|e| !e.what.starts_with("Flaking"))
    );
    assert!(!draw(&m, 80, 24).contains("records changed since"));
    // Enter likewise waits for a second look.
    let mut m2 = model();
    press(&mut m2, &[Char('3'), Tab, Tab]);
    select_row(&mut m2, "Amara Okonkwo", "Flaking");
    let mut theirs = m2.patient(&pid("p-00000001")).unwrap().clone();
    theirs.series[0].sessions[2].checklist[5].ticked_at = Some(at("2026-11-25", 9, 45));
    theirs.revision += 1;
    m2.replace_from_disk(theirs);
    press(&mut m2, &[Enter]);
    assert_eq!(m2.screen, ScreenId::Queues);
}

#[test]
fn a_change_elsewhere_keeps_the_selected_row() {
    let mut m = model();
    press(&mut m, &[Char('3'), Tab, Tab]);
    select_row(&mut m, "Esther Nakamura-Whitfield", "Clinic follow-up call");
    // Another user ticks one of Amara's items (before Esther's row in the list).
    let mut theirs = m.patient(&pid("p-00000001")).unwrap().clone();
    theirs.series[0].sessions[2].checklist[4].ticked_at = Some(at("2026-11-25", 9, 45));
    theirs.revision += 1;
    m.replace_from_disk(theirs);
    let effects = press(&mut m, &[SPACE]);
    assert_eq!(effects, vec![Effect::Save(pid("p-00000005"))]);
    assert_eq!(m.screens.queues.current().len(), 4);
    assert_eq!(
        m.screens.queues.selected_entry().unwrap().name,
        "Esther Nakamura-Whitfield"
    );
}

#[test]
fn help_and_key_bar_show_the_queue_keys() {
    let mut m = model();
    press(&mut m, &[Char('3')]);
    let bar = draw(&m, 80, 24);
    assert!(
        bar.contains("Tab  lists") && bar.contains("Esc  back to patients"),
        "{bar}"
    );
    assert!(!bar.contains("Space"), "{bar}");
    press(&mut m, &[Tab, Tab]);
    let bar = draw(&m, 80, 24);
    assert!(
        bar.contains("Space  tick") && bar.contains("Esc  back to patients"),
        "{bar}"
    );
    let sections = needleplan::app::screen::help_sections();
    let (_, rows) = sections
        .iter()
        .find(|(title, _)| title.contains("Queues"))
        .expect("the help has a queues section");
    for key in ["Tab", "Enter", "Space", "r"] {
        assert!(
            rows.iter().any(|(k, _)| k.split('/').any(|x| x == key)),
            "{key} in {rows:?}"
        );
    }
    assert_eq!(ScreenId::Queues.key(), '3');
    assert_eq!(
        ScreenId::Queues.switch_help(),
        "queues: to book, reviews missing, follow-ups due"
    );
}

#[test]
fn attendance_counts_come_from_the_domain() {
    let m = model();
    let chloe = m.patient(&pid("p-00000003")).unwrap();
    let a = attendance(chloe);
    assert_eq!((a.no_shows, a.late_cancellations), (1, 1));
}
