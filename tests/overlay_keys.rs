//! Every overlay's key bar and help list exactly the keys its handler accepts.
//!
//! For each kind of overlay a small clinic is opened on it (by keys, as staff would),
//! and every key of a wide set (printable characters, named keys, Ctrl letters) is
//! pressed on a fresh copy:
//! - a key the overlay's table does not list changes nothing at all (model and effects);
//! - every row of the table has a key that does change something from that state;
//! - the key bar drawn on screen shows the table's bar rows, and the help overlay its
//!   help rows.
//!
//! In memory, at a fixed "now" (Wed 2026-11-25 10:00); no data dir.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use needleplan::app::overlay::{self, Overlay};
use needleplan::app::{Effect, Model, handle_key};
use needleplan::domain::clinic::ClosedDate;
use needleplan::domain::patient::{Patient, PatientDetails, PatientId};
use needleplan::domain::series::{Series, SeriesPlan};
use needleplan::store::templates::Templates;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn now() -> NaiveDateTime {
    d("2026-11-25").and_hms_opt(10, 0, 0).unwrap()
}

fn ann() -> Patient {
    let templates = Templates::builtin();
    let details = PatientDetails {
        full_name: "Ann Lee".into(),
        ..Default::default()
    };
    let mut ann = Patient::new(PatientId::new("p-ann").unwrap(), details, d("2026-10-01"));
    let plan = SeriesPlan::from_protocol(
        &templates.protocols[0],
        d("2026-12-02"),
        NaiveTime::from_hms_opt(10, 0, 0),
    );
    let mut series = Series::from_plan(&plan, d("2026-11-01"));
    for s in &mut series.sessions {
        s.clinician = Some("ben".into());
        s.room = Some("room-1".into());
    }
    ann.series.push(series);
    ann
}

fn base() -> Model {
    let mut m = Model::new(now(), Templates::builtin(), vec![ann()])
        .with_clinic(needleplan::store::demo::demo_settings());
    let mut clinic = needleplan::store::demo::demo_settings();
    clinic.closed_dates.push(ClosedDate {
        date: d("2026-12-24"),
        reason: "Christmas Eve".into(),
    });
    m.set_clinic(clinic);
    m.problems.push("patients/p-bad.json: not JSON".into());
    m
}

fn ev(code: KeyCode, modifiers: KeyModifiers) -> KeyEvent {
    KeyEvent::new(code, modifiers)
}

/// A key script: characters as typed, `<Name>` for named keys, `^x` for Ctrl-x.
fn keys(m: &mut Model, script: &str) {
    let mut chars = script.chars();
    while let Some(c) = chars.next() {
        let key = match c {
            '<' => {
                let name: String = chars.by_ref().take_while(|&c| c != '>').collect();
                let code = match name.as_str() {
                    "Enter" => KeyCode::Enter,
                    "Esc" => KeyCode::Esc,
                    "Tab" => KeyCode::Tab,
                    "Left" => KeyCode::Left,
                    "Right" => KeyCode::Right,
                    other => panic!("unknown key {other}"),
                };
                ev(code, KeyModifiers::NONE)
            }
            '^' => ev(KeyCode::Char(chars.next().unwrap()), KeyModifiers::CONTROL),
            c if c.is_uppercase() => ev(KeyCode::Char(c), KeyModifiers::SHIFT),
            c => ev(KeyCode::Char(c), KeyModifiers::NONE),
        };
        handle_key(m, key);
    }
}

/// Every key pressed on every overlay.
fn universe() -> Vec<KeyEvent> {
    let mut out: Vec<KeyEvent> = (' '..='~')
        .map(|c| {
            let mods = if c.is_ascii_uppercase() {
                KeyModifiers::SHIFT
            } else {
                KeyModifiers::NONE
            };
            ev(KeyCode::Char(c), mods)
        })
        .collect();
    out.push(ev(KeyCode::Char('ë'), KeyModifiers::NONE));
    use KeyCode::*;
    for code in [
        Enter,
        Esc,
        Tab,
        Up,
        Down,
        Left,
        Right,
        Home,
        End,
        PageUp,
        PageDown,
        Backspace,
        Delete,
        Insert,
        F(1),
        F(5),
    ] {
        out.push(ev(code, KeyModifiers::NONE));
    }
    out.push(ev(BackTab, KeyModifiers::SHIFT));
    for c in 'a'..='z' {
        if c != 'c' {
            // Ctrl-C quits from anywhere, overlays included (every confirmed edit is saved).
            out.push(ev(Char(c), KeyModifiers::CONTROL));
        }
    }
    out.push(ev(Char('x'), KeyModifiers::ALT));
    out
}

/// The model as a comparable text (what a key changed); the "set while handling this
/// key" flag is not state.
fn state(m: &mut Model) -> String {
    m.status_fresh = false;
    format!("{m:?}")
}

/// One overlay kind and how to open it from the base clinic.
struct Case {
    name: &'static str,
    open: fn(&mut Model),
    is: fn(&Overlay) -> bool,
}

fn cases() -> Vec<Case> {
    vec![
        Case {
            name: "patient form (cursor inside the name)",
            open: |m| keys(m, "e<Left>"),
            is: |o| matches!(o, Overlay::Form(..)),
        },
        Case {
            name: "archive question",
            open: |m| keys(m, "x"),
            is: |o| matches!(o, Overlay::ConfirmArchive(_)),
        },
        Case {
            name: "remove a closed date",
            open: |m| {
                keys(m, "5");
                while needleplan::app::settings::selected_row(m)
                    != Some(needleplan::app::settings::Row::Closed(0))
                {
                    keys(m, "j");
                }
                keys(m, "x");
            },
            is: |o| matches!(o, Overlay::ConfirmRemoveClosedDate(_)),
        },
        Case {
            name: "help, scrolled",
            open: |m| keys(m, "?j"),
            is: |o| matches!(o, Overlay::Help { .. }),
        },
        Case {
            name: "problems",
            open: |m| keys(m, "!"),
            is: |o| matches!(o, Overlay::Problems),
        },
        Case {
            name: "conflict",
            open: |m| {
                let id = PatientId::new("p-ann").unwrap();
                let mut theirs = m.patient(&id).unwrap().clone();
                theirs.notes = "their note".into();
                theirs.phone = "0100".into();
                theirs.email = "their@example.com".into();
                let c = needleplan::app::conflict::try_merge(m, &id, theirs, "Bea".into())
                    .expect_err("no base: their fields clash with mine");
                m.conflicts.insert(id, *c);
                // On the second of three clashing fields: both j and k move.
                keys(m, "Cj");
            },
            is: |o| matches!(o, Overlay::Conflict(_)),
        },
        Case {
            name: "series proposal, second row",
            open: |m| keys(m, "n<Tab>2027-01-05<Enter>j"),
            is: |o| matches!(o, Overlay::SeriesPreview(p) if p.edit.is_none()),
        },
        Case {
            name: "series proposal's row form",
            open: |m| keys(m, "n<Tab>2027-01-05<Enter>je<Left>"),
            is: |o| matches!(o, Overlay::SeriesPreview(p) if p.edit.is_some()),
        },
        Case {
            name: "move with later sessions",
            open: |m| keys(m, "<Tab>e^u2026-12-03<Enter>"),
            is: |o| matches!(o, Overlay::Reschedule(_)),
        },
        Case {
            name: "replacement offer",
            open: |m| {
                keys(m, "<Tab>e<Tab><Tab>");
                for _ in 0..6 {
                    if matches!(&m.overlay, Overlay::Form(_, f) if f.shown("status") == "cancelled") {
                        break;
                    }
                    keys(m, "<Right>");
                }
                keys(m, "<Enter>");
            },
            is: |o| matches!(o, Overlay::Rebook(_)),
        },
        Case {
            name: "screening list, second row",
            open: |m| keys(m, "4sj"),
            is: |o| matches!(o, Overlay::Screening { .. }),
        },
        Case {
            name: "session prep, second row",
            open: |m| keys(m, "4dj"),
            is: |o| matches!(o, Overlay::Prep { .. }),
        },
        Case {
            name: "signed chart",
            open: |m| {
                keys(m, "4c<Enter>SDr Okafor<Enter>");
                keys(m, "c");
            },
            is: |o| matches!(o, Overlay::ChartView),
        },
        Case {
            name: "find a free slot (agenda)",
            open: |m| keys(m, "2f<Tab><Tab><Left>"),
            is: |o| matches!(o, Overlay::Form(..)),
        },
    ]
}

fn opened(case: &Case) -> Model {
    let mut m = base();
    (case.open)(&mut m);
    assert!((case.is)(&m.overlay), "{}: opened {:?}", case.name, m.overlay);
    m
}

fn draw(m: &Model, w: u16, h: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
    terminal.draw(|f| needleplan::ui::view(m, f)).unwrap();
    terminal.backend().to_string()
}

#[test]
fn a_key_an_overlay_does_not_list_changes_nothing_and_every_listed_key_acts() {
    for case in cases() {
        let table = opened(&case).overlay.keys();
        let mut acting_rows = vec![false; table.help.len()];
        for key in universe() {
            let mut m = opened(&case);
            let before = state(&mut m);
            let effects: Vec<Effect> = handle_key(&mut m, key);
            let changed = !effects.is_empty() || state(&mut m) != before;
            if !table.accepts(&key) {
                assert!(
                    !changed,
                    "{}: {key:?} is not listed but changed the model",
                    case.name
                );
                continue;
            }
            if changed && let Some(i) = table.row_of(&key) {
                acting_rows[i] = true;
            }
        }
        for (i, acted) in acting_rows.iter().enumerate() {
            let (keys, what) = &table.help[i];
            // "typing" is not a key of its own: typed characters are in `accepts`.
            assert!(
                *acted || keys == "typing",
                "{}: no key of the row '{keys}: {what}' changed anything",
                case.name
            );
        }
    }
}

#[test]
fn the_key_bar_shows_the_overlays_table_and_the_help_lists_it() {
    let help_text = {
        let mut m = base();
        keys(&mut m, "?");
        needleplan::ui::help_text()
    };
    for case in cases() {
        let m = opened(&case);
        let table = m.overlay.keys();
        let screen = draw(&m, 250, 50);
        let bar = screen.lines().next_back().unwrap_or_default();
        for (_, label) in &table.bar {
            assert!(
                bar.contains(label.as_str()),
                "{}: '{label}' not in the bar:\n{bar}",
                case.name
            );
        }
        for (keys, what) in &table.help {
            assert!(
                help_text.contains(what.as_str()),
                "{}: '{keys}: {what}' is not in the help",
                case.name
            );
        }
        let titles: Vec<&str> = overlay::help_sections().iter().map(|(t, _)| *t).collect();
        assert!(!titles.is_empty());
    }
}
