//! Clinical changes are attributed and explained (issue 10, item 2): every change to a
//! screening answer, an exposure date, the review, an override, a skin assessment or a
//! chart is kept in the patient's history with who (the acting OS login), when, old ->
//! new; clearing an absolute contraindication or a washout date asks for a reason; a
//! washout override lapses when the exposure date it was judged on changes; an interval
//! override records who and when. Driven by keys over a hand-built clinic.

use chrono::{NaiveDate, NaiveDateTime};
use needleplan::app::consult::ConsultForm;
use needleplan::app::model::{Effect, FormPurpose, Overlay};
use needleplan::app::screen::ScreenId;
use needleplan::app::{Model, handle_key};
use needleplan::domain::patient::{Patient, PatientDetails, PatientId};
use needleplan::store::templates::Templates;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use KeyCode::{Backspace, Char, End, Enter, Esc};

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn now() -> NaiveDateTime {
    NaiveDateTime::parse_from_str("2026-11-25 10:00", "%Y-%m-%d %H:%M").unwrap()
}

/// One patient: pregnancy answered yes, isotretinoin last taken 2026-09-01.
fn model() -> Model {
    let details = PatientDetails {
        full_name: "Amara Okonkwo".into(),
        ..PatientDetails::default()
    };
    let mut p = Patient::new(PatientId::new("p-00000001").unwrap(), details, d("2026-08-01"));
    p.screening.answers.insert("pregnancy".into(), true);
    p.screening
        .exposures
        .insert("isotretinoin".into(), Some(d("2026-09-01")));
    let mut m = Model::new(now(), Templates::builtin(), vec![p])
        .with_clinic(needleplan::store::demo::demo_settings())
        .with_acting("okafor");
    press(&mut m, &[Char('4')]);
    assert_eq!(m.screen, ScreenId::Consult);
    m
}

fn press(m: &mut Model, keys: &[KeyCode]) -> Vec<Effect> {
    keys.iter()
        .flat_map(|k| handle_key(m, KeyEvent::new(*k, KeyModifiers::NONE)))
        .collect()
}

fn type_text(m: &mut Model, text: &str) -> Vec<Effect> {
    text.chars()
        .flat_map(|c| handle_key(m, KeyEvent::new(Char(c), KeyModifiers::NONE)))
        .collect()
}

fn patient(m: &Model) -> &Patient {
    m.selected_patient().unwrap()
}

fn consult_form(m: &Model) -> Option<&ConsultForm> {
    match &m.overlay {
        Overlay::Form(FormPurpose::Consult(c), _) => Some(c),
        _ => None,
    }
}

fn draw(m: &Model, w: u16, h: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
    terminal.draw(|f| needleplan::ui::view(m, f)).unwrap();
    terminal.backend().to_string()
}

/// Opens the screening list on the row of `id` (an absolute rule or a washout).
fn screening_row(m: &mut Model, id: &str) {
    let t = Templates::builtin().screening;
    let ids: Vec<&str> = t
        .absolute
        .iter()
        .chain(&t.relative)
        .map(|r| r.id.as_str())
        .chain(t.prompts.iter().map(|p| p.id.as_str()))
        .chain(t.washouts.iter().map(|w| w.id.as_str()))
        .collect();
    let row = ids.iter().position(|i| *i == id).unwrap();
    press(m, &[Char('s')]);
    press(m, &vec![Char('j'); row]);
}

/// Types `text` as the isotretinoin exposure date (the form is opened on its row).
fn set_exposure(m: &mut Model, text: &str) -> Vec<Effect> {
    screening_row(m, "isotretinoin");
    press(m, &[Enter]);
    press(m, &[End]);
    press(m, &[Backspace; 20]);
    type_text(m, text);
    press(m, &[Enter])
}

#[test]
fn clearing_an_absolute_yes_asks_for_a_reason_and_esc_changes_nothing() {
    let mut m = model();
    screening_row(&mut m, "pregnancy");
    // yes -> unanswered (Space cycles no, yes, unanswered).
    let effects = press(&mut m, &[Char(' ')]);
    assert!(effects.is_empty(), "nothing saved before the reason");
    assert!(matches!(consult_form(&m), Some(ConsultForm::Reason(..))));
    assert_eq!(patient(&m).screening.answers.get("pregnancy"), Some(&true));
    press(&mut m, &[Esc]);
    assert_eq!(patient(&m).screening.answers.get("pregnancy"), Some(&true));
    assert!(patient(&m).history.is_empty());
    assert!(matches!(m.overlay, Overlay::Screening { .. }), "back on the list");
}

#[test]
fn a_reason_of_a_few_words_is_required_and_kept_in_the_history() {
    let mut m = model();
    screening_row(&mut m, "pregnancy");
    press(&mut m, &[Char(' ')]);
    type_text(&mut m, "no");
    assert!(press(&mut m, &[Enter]).is_empty(), "too short: refused");
    match &m.overlay {
        Overlay::Form(_, f) => assert!(f.first_error().is_some_and(|e| e.1.contains("few words"))),
        other => panic!("the reason form should stay open: {other:?}"),
    }
    type_text(&mut m, "t: test was negative");
    let effects = press(&mut m, &[Enter]);
    assert_eq!(effects, vec![Effect::Save(patient(&m).id.clone())]);
    let p = patient(&m);
    assert_eq!(p.screening.answers.get("pregnancy"), None);
    assert_eq!(p.history.len(), 1);
    let h = &p.history[0];
    assert_eq!(
        (
            h.by.as_str(),
            h.at,
            h.what.as_str(),
            h.old.as_str(),
            h.new.as_str()
        ),
        (
            "okafor",
            now(),
            "screening.answers.pregnancy",
            "yes",
            "unanswered"
        )
    );
    assert_eq!(h.reason.as_deref(), Some("not: test was negative"));
}

#[test]
fn answering_a_question_is_recorded_without_a_reason() {
    let mut m = model();
    screening_row(&mut m, "active_infection");
    press(&mut m, &[Char(' ')]);
    let h = patient(&m).history.last().unwrap().clone();
    assert_eq!(
        (h.what.as_str(), h.old.as_str(), h.new.as_str(), h.reason),
        ("screening.answers.active_infection", "unanswered", "no", None)
    );
}

#[test]
fn clearing_or_changing_a_washout_date_asks_for_a_reason() {
    for (typed, new) in [("none", "none"), ("", "unanswered"), ("2026-10-01", "2026-10-01")] {
        let mut m = model();
        assert!(set_exposure(&mut m, typed).is_empty(), "{typed}: not saved yet");
        assert!(
            matches!(consult_form(&m), Some(ConsultForm::Reason(..))),
            "{typed}: {:?}",
            m.overlay
        );
        type_text(&mut m, "checked the prescription");
        assert_eq!(press(&mut m, &[Enter]).len(), 1, "{typed}");
        let h = patient(&m).history.last().unwrap();
        assert_eq!(
            (h.what.as_str(), h.old.as_str(), h.new.as_str()),
            ("screening.exposures.isotretinoin", "2026-09-01", new),
            "{typed}"
        );
        assert_eq!(h.reason.as_deref(), Some("checked the prescription"));
    }
}

#[test]
fn a_first_washout_date_needs_no_reason() {
    let mut m = model();
    screening_row(&mut m, "tan");
    press(&mut m, &[Enter]);
    type_text(&mut m, "2026-11-01");
    assert_eq!(press(&mut m, &[Enter]).len(), 1);
    let h = patient(&m).history.last().unwrap();
    assert_eq!(
        (h.what.as_str(), h.old.as_str(), h.new.as_str()),
        ("screening.exposures.tan", "unanswered", "2026-11-01")
    );
}

#[test]
fn a_washout_override_lapses_when_its_exposure_date_changes() {
    let mut m = model();
    screening_row(&mut m, "isotretinoin");
    press(&mut m, &[Char('o')]);
    type_text(&mut m, "Dr Okafor");
    press(&mut m, &[KeyCode::Tab]);
    type_text(&mut m, "low dose, dermatologist agrees");
    assert_eq!(press(&mut m, &[Enter]).len(), 1);
    let o = patient(&m).screening.overrides[0].clone();
    assert_eq!(o.judged_on, Some(d("2026-09-01")));
    assert!(
        patient(&m)
            .screening
            .override_for("washout:isotretinoin")
            .is_some()
    );
    let h = patient(&m).history.last().unwrap();
    assert_eq!(h.what, "screening.overrides[0]");
    press(&mut m, &[Esc]);

    set_exposure(&mut m, "2026-11-24");
    type_text(&mut m, "last dose was yesterday");
    press(&mut m, &[Enter]);
    let s = &patient(&m).screening;
    assert!(s.override_for("washout:isotretinoin").is_none(), "lapsed");
    assert_eq!(
        s.lapsed_override("washout:isotretinoin"),
        Some((d("2026-09-01"), Some(d("2026-11-24"))))
    );
    let screen = draw(&m, 160, 50);
    assert!(
        screen.contains("override lapsed: exposure date changed from 2026-09-01 to 2026-11-24"),
        "{screen}"
    );
}

#[test]
fn the_consult_screen_shows_the_history_latest_first_at_both_sizes() {
    let mut m = model();
    set_exposure(&mut m, "none");
    type_text(&mut m, "never took it, misfiled");
    press(&mut m, &[Enter]);
    press(&mut m, &[Esc]);
    let wide = draw(&m, 160, 50);
    assert!(wide.contains("History"), "{wide}");
    assert!(
        wide.contains("okafor screening.exposures.isotretinoin: 2026-09-01 -> none"),
        "{wide}"
    );
    assert!(wide.contains("why: never took it, misfiled"), "{wide}");
    let narrow = draw(&m, 80, 24);
    assert!(narrow.contains("History"), "{narrow}");
    assert!(narrow.contains("2026-11-25 10:00 okafor screening"), "{narrow}");
}

#[test]
fn an_interval_override_records_who_and_when() {
    use needleplan::domain::history::clinical_changes;
    let m = model();
    let before = patient(&m).clone();
    let mut after = before.clone();
    let t = Templates::builtin();
    let plan = needleplan::domain::series::SeriesPlan::from_protocol(&t.protocols[0], d("2026-12-01"), None);
    after.series.push(needleplan::domain::series::Series::from_plan(
        &plan,
        d("2026-11-25"),
    ));
    let mut base = after.clone();
    base.history.clear();
    after.series[0].sessions[1].interval_override = Some("flies abroad".into());
    after.record_changes(&base, "okafor", now(), None);
    let s = &after.series[0].sessions[1];
    assert_eq!(
        (s.interval_override_by.as_deref(), s.interval_override_at),
        (Some("okafor"), Some(now()))
    );
    assert!(
        clinical_changes(&base, &after)
            .iter()
            .any(|(w, o, n)| w == "series[0].sessions[1].interval_override"
                && o == "none"
                && n == "override: flies abroad")
    );
    let _ = before;
}
