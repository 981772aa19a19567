//! The consult screen's keys as data: what each key does on the screen and in each
//! popup, so the help overlay, the key-hint bar and `handle_key` read the same tables.

use ratatui::crossterm::event::KeyCode;

use crate::app::keymap::{Binding, Scope, code, k, move_down, move_up};
use crate::app::model::Model;
use crate::app::model::Overlay;
use crate::app::screen::{KeyHint, bar_rows, help_rows};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConsultAction {
    Up,
    Down,
    Profile,
    Screening,
    Chart,
    Sign,
    Prep,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListAction {
    Up,
    Down,
    Toggle,
    Date,
    Review,
    Override,
    Acknowledge,
    Amend,
    /// Esc: back to the consult screen.
    Close,
}

use ConsultAction as C;
use ListAction as L;

/// The consult screen's keys (Esc, back to the patients, is the screen framework's).
pub static CONSULT_KEYS: &[Binding<ConsultAction>] = &[
    move_up(C::Up, "previous session (the chart and prep keys act on it)"),
    move_down(C::Down, None, "next session"),
    Binding {
        keys: &[k('p')],
        action: C::Profile,
        scope: Scope::Everywhere,
        bar: Some("profile"),
        help: "add a skin assessment (Fitzpatrick, IGA, scar grades, areas)",
    },
    Binding {
        keys: &[k('s')],
        action: C::Screening,
        scope: Scope::Everywhere,
        bar: Some("screening"),
        help: "screening: contraindications, washout dates, review, overrides",
    },
    Binding {
        keys: &[k('c')],
        action: C::Chart,
        scope: Scope::Everywhere,
        bar: Some("chart"),
        help: "chart the selected session (a signed chart opens read-only)",
    },
    Binding {
        keys: &[k('S')],
        action: C::Sign,
        scope: Scope::Everywhere,
        bar: Some("sign"),
        help: "sign the selected session's chart with your name (then read-only)",
    },
    Binding {
        keys: &[k('d')],
        action: C::Prep,
        scope: Scope::Everywhere,
        bar: Some("prep"),
        help: "session prep: consent, photo consent, before-photos, prompts",
    },
];

/// The screening list's keys.
pub static SCREENING_KEYS: &[Binding<ListAction>] = &[
    move_up(L::Up, "move up"),
    move_down(L::Down, None, "move down"),
    Binding {
        keys: &[k(' ')],
        action: L::Toggle,
        scope: Scope::Everywhere,
        bar: Some("answer"),
        help: "question: answer no, yes, unanswered in turn",
    },
    Binding {
        keys: &[code(KeyCode::Enter), k('e')],
        action: L::Date,
        scope: Scope::Everywhere,
        bar: Some("date"),
        help: "washout: type the last exposure date, or none",
    },
    Binding {
        keys: &[k('r')],
        action: L::Review,
        scope: Scope::Everywhere,
        bar: Some("reviewed"),
        help: "mark the screening reviewed today, with your name",
    },
    Binding {
        keys: &[k('o')],
        action: L::Override,
        scope: Scope::Everywhere,
        bar: Some("override"),
        help: "override the selected block: your name and a reason, both kept",
    },
    Binding {
        keys: &[k('a')],
        action: L::Acknowledge,
        scope: Scope::Everywhere,
        bar: Some("acknowledge"),
        help: "acknowledge the selected relative contraindication, with your name",
    },
    Binding {
        keys: &[code(KeyCode::Esc)],
        action: L::Close,
        scope: Scope::Everywhere,
        bar: Some("close"),
        help: CLOSE_HELP,
    },
];

/// The session prep list's keys.
pub static PREP_KEYS: &[Binding<ListAction>] = &[
    move_up(L::Up, "move up"),
    move_down(L::Down, None, "move down"),
    Binding {
        keys: &[k(' ')],
        action: L::Toggle,
        scope: Scope::Everywhere,
        bar: Some("tick/untick"),
        help: "tick or untick (consents are dated today)",
    },
    Binding {
        keys: &[code(KeyCode::Esc)],
        action: L::Close,
        scope: Scope::Everywhere,
        bar: Some("close"),
        help: CLOSE_HELP,
    },
];

/// The signed chart's keys.
pub static CHART_VIEW_KEYS: &[Binding<ListAction>] = &[
    Binding {
        keys: &[k('m')],
        action: L::Amend,
        scope: Scope::Everywhere,
        bar: Some("amend"),
        help: "append a dated amendment: who, what changed, corrected depths",
    },
    Binding {
        keys: &[code(KeyCode::Esc)],
        action: L::Close,
        scope: Scope::Everywhere,
        bar: Some("close"),
        help: CLOSE_HELP,
    },
];

/// Esc in the consult screen's lists, as the help says it.
const CLOSE_HELP: &str = "close, back to the consult screen";

/// The screen's own table for the help overlay (its lists are overlays, whose tables
/// `app::overlay::help_sections` lists).
pub fn help_sections() -> Vec<(&'static str, Vec<KeyHint>)> {
    vec![("Consult screen (4)", help_rows(CONSULT_KEYS))]
}

/// The key bar for the screen, or for its list open on top (`Overlay::Screening`,
/// `Prep`, `ChartView`). On a read-only record only the keys that show something stay.
pub fn bar_hints(model: &Model) -> Vec<KeyHint> {
    let rows = match model.overlay {
        Overlay::Screening { .. } => bar_rows(SCREENING_KEYS),
        Overlay::Prep { .. } => bar_rows(PREP_KEYS),
        Overlay::ChartView => bar_rows(CHART_VIEW_KEYS),
        _ => bar_rows(CONSULT_KEYS),
    };
    if !model
        .selected_id()
        .is_some_and(|id| model.read_only.contains_key(&id))
    {
        return rows;
    }
    // A read-only record opens to be read: only the keys that show something stay.
    let shows = ["screening", "prep", "close"];
    std::iter::once(("read-only".to_string(), "view only".to_string()))
        .chain(
            rows.into_iter()
                .filter(|(_, label)| shows.contains(&label.as_str())),
        )
        .collect()
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;
    use crate::app::model::ReadOnly;
    use crate::domain::patient::{Patient, PatientDetails, PatientId};
    use crate::store::templates::Templates;

    fn model() -> Model {
        let day = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
        let details = PatientDetails {
            full_name: "Ann Lee".into(),
            ..Default::default()
        };
        let p = Patient::new(PatientId::new("p-1").unwrap(), details, day);
        Model::new(day.and_hms_opt(9, 0, 0).unwrap(), Templates::builtin(), vec![p])
    }

    fn labels(rows: &[KeyHint]) -> Vec<&str> {
        rows.iter().map(|(_, label)| label.as_str()).collect()
    }

    #[test]
    fn the_bar_shows_the_keys_of_the_open_popup_and_how_to_close_it() {
        let mut m = model();
        assert_eq!(
            labels(&bar_hints(&m)),
            ["profile", "screening", "chart", "sign", "prep"]
        );
        m.overlay = Overlay::Screening { row: 0 };
        assert_eq!(
            labels(&bar_hints(&m)),
            ["answer", "date", "reviewed", "override", "acknowledge", "close"]
        );
        m.overlay = Overlay::ChartView;
        assert_eq!(labels(&bar_hints(&m)), ["amend", "close"]);
    }

    #[test]
    fn a_read_only_record_keeps_only_the_keys_that_show_something() {
        let mut m = model();
        let id = m.selected_id().unwrap();
        m.read_only.insert(id, ReadOnly::NewerVersion(99));
        assert_eq!(labels(&bar_hints(&m)), ["view only", "screening", "prep"]);
        assert_eq!(bar_hints(&m)[0].0, "read-only");
        m.overlay = Overlay::Prep { row: 0 };
        assert_eq!(labels(&bar_hints(&m)), ["view only", "close"]);
    }

    #[test]
    fn every_list_table_ends_with_esc_back_to_the_screen() {
        for table in [SCREENING_KEYS, PREP_KEYS, CHART_VIEW_KEYS] {
            let rows = help_rows(table);
            let (key, text) = rows.last().unwrap();
            assert_eq!((key.as_str(), text.as_str()), ("Esc", CLOSE_HELP));
        }
        assert!(help_rows(CONSULT_KEYS).iter().all(|(key, _)| key != "Esc"));
    }
}
