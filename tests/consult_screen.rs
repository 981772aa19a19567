//! The consult screen (key 4) driven by keys, over a fixed hand-built clinic and a fixed
//! now: skin assessments, the screening list, charts (defaults, depth limits, signing,
//! amendments) and the session prep; and snapshots of each at 80x24 and 160x50.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use needleplan::app::clinical_rules::{done_refusals, screening_refusals};
use needleplan::app::consult::ConsultForm;
use needleplan::app::model::{Effect, FormPurpose, Overlay};
use needleplan::app::screen::ScreenId;
use needleplan::app::{Model, handle_key};
use needleplan::domain::chart::{Amendment, ChartRecord, Depth, SIGNED_READ_ONLY, SessionChart};
use needleplan::domain::patient::{Patient, PatientDetails, PatientId};
use needleplan::domain::readiness::PhotoView;
use needleplan::domain::series::{Series, SeriesPlan, SessionStatus};
use needleplan::domain::skin::{Area, Fitzpatrick, Iga, ScarFinding, ScarType, SkinAssessment};
use needleplan::domain::staff::{Role, StaffMember};
use needleplan::store::templates::Templates;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use KeyCode::{Backspace, Char, Down, Enter, Esc, Tab, Up};

/// The consult screen's list open in the overlay stack (under a form, maybe), or none.
fn list(m: &Model) -> Overlay {
    m.overlay_stack()
        .find(|o| {
            matches!(
                o,
                Overlay::Screening { .. } | Overlay::Prep { .. } | Overlay::ChartView
            )
        })
        .cloned()
        .unwrap_or(Overlay::None)
}

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn at(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
}

fn now() -> NaiveDateTime {
    at("2026-11-25 10:00")
}

fn patient(id: &str, name: &str) -> Patient {
    let details = PatientDetails {
        full_name: name.into(),
        date_of_birth: Some(d("1991-03-14")),
        ..PatientDetails::default()
    };
    Patient::new(PatientId::new(id).unwrap(), details, d("2026-08-01"))
}

fn series(start: &str, sessions: u32) -> Series {
    let t = Templates::builtin();
    let plan = SeriesPlan {
        sessions,
        ..SeriesPlan::from_protocol(&t.protocols[0], d(start), NaiveTime::from_hms_opt(9, 30, 0))
    };
    Series::from_plan(&plan, d("2026-09-01"))
}

fn assessment(date: &str, fitz: Fitzpatrick, iga: Iga, scars: &[(ScarType, u8)]) -> SkinAssessment {
    SkinAssessment {
        date: d(date),
        by: "Dr Okafor".into(),
        fitzpatrick: fitz,
        iga,
        scars: scars
            .iter()
            .map(|&(kind, grade)| ScarFinding { kind, grade })
            .collect(),
        quantitative_score: Some(18),
        areas: [Area::Cheeks, Area::Forehead].into_iter().collect(),
        notes: String::new(),
    }
}

fn record(cheeks: u16, forehead: u16) -> ChartRecord {
    ChartRecord {
        device_id: "pen-2.5".into(),
        cartridge_lot: "LOT-7731".into(),
        depths: [
            (Area::Cheeks, Depth::from_hundredths(cheeks)),
            (Area::Forehead, Depth::from_hundredths(forehead)),
        ]
        .into_iter()
        .collect(),
        passes: 3,
        end_point: "pinpoint bleeding".into(),
        reaction: "even erythema".into(),
        ..ChartRecord::default()
    }
}

/// Amara: two assessments (grade 3 -> 2, Fitzpatrick V), a screening with cold sores and
/// an anticoagulant acknowledged, session 1 charted, signed and amended, session 2
/// charted (draft), session 3 booked. Bruno: new, no series. Chloé: a series, nothing
/// charted or assessed.
fn clinic() -> Vec<Patient> {
    let t = Templates::builtin();
    let mut amara = patient("p-00000001", "Amara Okonkwo");
    amara.skin = vec![
        assessment(
            "2026-09-15",
            Fitzpatrick::V,
            Iga::Moderate,
            &[(ScarType::Boxcar, 3), (ScarType::Rolling, 2)],
        ),
        assessment(
            "2026-11-18",
            Fitzpatrick::V,
            Iga::Mild,
            &[(ScarType::Boxcar, 2), (ScarType::Rolling, 2)],
        ),
    ];
    let s = &mut amara.screening;
    for r in t.screening.absolute.iter().chain(&t.screening.relative) {
        s.answers.insert(r.id.clone(), r.id == "anticoagulants");
    }
    s.answers.insert("hsv_history".into(), true);
    for w in &t.screening.washouts {
        s.exposures.insert(w.id.clone(), None);
    }
    s.exposures.insert("isotretinoin".into(), Some(d("2026-03-01")));
    s.review("Dr Okafor", d("2026-11-18")).unwrap();
    s.acknowledge(
        &t.screening,
        "anticoagulants",
        "Dr Okafor",
        at("2026-11-18 09:00"),
    )
    .unwrap();
    let mut sr = series("2026-10-20", 3);
    sr.sessions[0].set_status(SessionStatus::Done, &t.aftercare);
    sr.sessions[1].date = d("2026-11-18");
    sr.sessions[1].set_status(SessionStatus::Done, &t.aftercare);
    sr.sessions[2].date = d("2026-12-16");
    sr.sessions[2].status = SessionStatus::Booked;
    for e in &mut sr.sessions[0].checklist {
        e.ticked_at = Some(at("2026-10-21 09:00"));
    }
    let mut signed = SessionChart::new(record(150, 50));
    signed
        .sign("Dr Okafor", at("2026-10-20 10:30"), &t.devices, &t.depth_ranges)
        .unwrap();
    signed
        .amend(
            Amendment {
                at: at("2026-10-21 08:15"),
                by: "Dr Okafor".into(),
                text: "cheeks were 1.25 mm, not 1.5".into(),
                depths: [(Area::Cheeks, Depth::from_hundredths(125))]
                    .into_iter()
                    .collect(),
            },
            &t.devices,
        )
        .unwrap();
    sr.sessions[0].chart = Some(signed);
    sr.sessions[1].chart = Some(SessionChart::new(record(175, 50)));
    sr.sessions[2].prep.consent_signed = Some(d("2026-11-18"));
    amara.series.push(sr);

    let bruno = patient("p-00000002", "Bruno Costa");
    let mut chloe = patient("p-00000003", "Chloé Martin");
    chloe.series.push(series("2026-12-02", 3));
    vec![amara, bruno, chloe]
}

/// Acting as Dr Okafor (login `okafor`, admin and clinician): signatures, overrides and
/// acknowledgements carry that name, none is typed.
fn as_okafor(m: Model) -> Model {
    let mut m = m.with_acting("okafor");
    let mut clinic = m.clinic.clone();
    clinic.staff = vec![StaffMember {
        login: "okafor".into(),
        name: "Dr Okafor".into(),
        roles: vec![Role::Admin, Role::Clinician],
        clinician: None,
    }];
    m.set_clinic(clinic);
    m
}

fn model() -> Model {
    let mut m = as_okafor(
        Model::new(now(), Templates::builtin(), clinic())
            .with_clinic(needleplan::store::demo::demo_settings()),
    );
    m.data_dir_label = "/clinic/data".into();
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

/// Clears the focused text field.
fn clear(m: &mut Model) {
    press(m, &[KeyCode::End]);
    press(m, &[Backspace; 40]);
}

/// The model on the consult screen of the `n`-th patient of the list.
fn consult(n: usize) -> Model {
    let mut m = model();
    press(&mut m, &vec![Down; n]);
    press(&mut m, &[Char('4')]);
    assert_eq!(m.screen, ScreenId::Consult);
    m
}

fn form(m: &Model) -> (&ConsultForm, &needleplan::app::form::Form) {
    match &m.overlay {
        Overlay::Form(FormPurpose::Consult(c), f) => (c, f),
        other => panic!("no consult form open: {other:?}"),
    }
}

fn selected(m: &Model) -> &Patient {
    m.selected_patient().unwrap()
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

// ---------------------------------------------------------------------------------------
// Skin assessments
// ---------------------------------------------------------------------------------------

#[test]
fn p_adds_a_skin_assessment_dated_today_from_the_latest_one() {
    let mut m = consult(0);
    press(&mut m, &[Char('p')]);
    let (purpose, f) = form(&m);
    assert!(matches!(purpose, ConsultForm::Profile(_)));
    assert_eq!(f.shown("date"), "2026-11-25");
    assert_eq!(
        f.shown("fitzpatrick"),
        "V",
        "Fitzpatrick starts from the latest assessment"
    );
    type_text(&mut m, "Dr Adeyemi");
    // Boxcar (field 5) from 2 down to 1.
    press(&mut m, &[Tab, Tab, Tab, Tab, KeyCode::Left]);
    let effects = press(&mut m, &[Enter]);
    assert_eq!(effects, vec![Effect::Save(PatientId::new("p-00000001").unwrap())]);
    assert_eq!(m.overlay, Overlay::None);
    let p = selected(&m);
    assert_eq!(p.skin.len(), 3);
    let a = p.skin.last().unwrap();
    assert_eq!(
        (a.date, a.by.as_str(), a.grade_of(ScarType::Boxcar)),
        (d("2026-11-25"), "Dr Adeyemi", Some(1))
    );
    assert_eq!(a.areas, [Area::Cheeks, Area::Forehead].into_iter().collect());
    let screen = draw(&m, 160, 50);
    assert!(
        screen.contains("boxcar 1 (grade 3 -> 1 since 2026-09)"),
        "{screen}"
    );
}

#[test]
fn an_impossible_date_a_missing_name_and_a_score_out_of_range_are_explained_inline() {
    let mut m = consult(1);
    press(&mut m, &[Char('p'), Enter]);
    let (_, f) = form(&m);
    assert_eq!(
        f.first_error().map(|e| e.0),
        Some("assessed_by"),
        "the name is required"
    );
    type_text(&mut m, "Dr A");
    press(&mut m, &[Up]);
    clear(&mut m);
    type_text(&mut m, "2026-02-30");
    press(&mut m, &[Enter]);
    let (_, f) = form(&m);
    let (field, message) = f.first_error().unwrap();
    assert_eq!(field, "date");
    assert!(message.contains("does not exist"), "{message}");
    clear(&mut m);
    type_text(&mut m, "2026-12-01");
    press(&mut m, &[Enter]);
    assert!(form(&m).1.first_error().unwrap().1.contains("future"));
    clear(&mut m);
    type_text(&mut m, "2026-11-20");
    // Score (field 8): 99 is above the scale.
    for _ in 0..8 {
        press(&mut m, &[Tab]);
    }
    type_text(&mut m, "99");
    press(&mut m, &[Enter]);
    let (_, f) = form(&m);
    assert_eq!(f.first_error().map(|e| e.0), Some("quantitative_score"));
    assert!(f.first_error().unwrap().1.contains("84"), "{:?}", f.errors);
    press(&mut m, &[Backspace, Backspace, Tab]);
    type_text(&mut m, "cheeks, neck");
    press(&mut m, &[Enter]);
    assert!(
        form(&m)
            .1
            .first_error()
            .unwrap()
            .1
            .contains("unknown area 'neck'")
    );
    // Everything typed is kept: fix the area and save.
    press(&mut m, &[Backspace; 4]);
    type_text(&mut m, "nose");
    let effects = press(&mut m, &[Enter]);
    assert_eq!(effects.len(), 1);
    let a = &selected(&m).skin[0];
    assert_eq!((a.date, a.areas.len()), (d("2026-11-20"), 2));
}

// ---------------------------------------------------------------------------------------
// Screening
// ---------------------------------------------------------------------------------------

#[test]
fn space_answers_no_yes_unanswered_and_a_yes_to_an_absolute_rule_blocks_until_overridden() {
    let mut m = consult(1);
    press(&mut m, &[Char('s')]);
    assert_eq!(list(&m), Overlay::Screening { row: 0 });
    let rule = Templates::builtin().screening.absolute[0].id.clone();
    press(&mut m, &[Char(' ')]);
    assert_eq!(selected(&m).screening.answers.get(&rule), Some(&false));
    let effects = press(&mut m, &[Char(' ')]);
    assert_eq!(effects.len(), 1, "saved at once");
    assert_eq!(selected(&m).screening.answers.get(&rule), Some(&true));
    let p = selected(&m).clone();
    let refused = screening_refusals(&m, &p, d("2026-12-01"));
    assert_eq!(refused.len(), 1);
    assert!(
        refused[0].starts_with("absolute contraindication: Active infection"),
        "{refused:?}"
    );

    // An override needs a reason; the name is the acting clinician's, never typed.
    press(&mut m, &[Char('o')]);
    let (_, f) = form(&m);
    assert!(!f.has_field("clinician"), "no name is typed");
    assert!(
        f.notes.iter().any(|n| n == "overridden by Dr Okafor, now"),
        "{:?}",
        f.notes
    );
    press(&mut m, &[Enter]);
    let (_, f) = form(&m);
    assert_eq!(f.first_error().map(|e| e.0), Some("reason"));
    assert!(f.first_error().unwrap().1.contains("reason"));
    assert_eq!(f.focused(), "reason", "the reason field has the focus");
    // "x" explains nothing: a reason of a few words at least.
    type_text(&mut m, "x");
    assert!(press(&mut m, &[Enter]).is_empty(), "not saved");
    let (_, f) = form(&m);
    assert_eq!(f.first_error().map(|e| e.0), Some("reason"));
    press(&mut m, &[Backspace]);
    type_text(&mut m, "healed, checked today");
    assert_eq!(press(&mut m, &[Enter]).len(), 1);
    let o = &selected(&m).screening.overrides[0];
    assert_eq!(
        (o.by.as_str(), o.reason.as_str(), o.at),
        ("Dr Okafor", "healed, checked today", now())
    );
    let p = selected(&m).clone();
    assert!(screening_refusals(&m, &p, d("2026-12-01")).is_empty());
    assert_eq!(list(&m), Overlay::Screening { row: 0 }, "back on the list");

    // Clearing a yes to an absolute rule asks for the reason first.
    press(&mut m, &[Char(' ')]);
    assert!(matches!(form(&m).0, ConsultForm::Reason(..)));
    type_text(&mut m, "answered by mistake");
    press(&mut m, &[Enter]);
    assert_eq!(
        selected(&m).screening.answers.get(&rule),
        None,
        "third press: unanswered"
    );
}

#[test]
fn an_assessment_with_iga_3_blocks_booking_as_active_acne_until_a_clinician_overrides() {
    // Chloé: a series from 2026-12-02, no assessment, the screening unanswered.
    let mut m = consult(2);
    let first = d("2026-12-02");
    assert!(screening_refusals(&m, selected(&m), first).is_empty());
    // p, the assessor, IGA (field 4) from 0 clear to 3 moderate.
    press(&mut m, &[Char('p')]);
    type_text(&mut m, "Dr Okafor");
    press(
        &mut m,
        &[Tab, Tab, KeyCode::Right, KeyCode::Right, KeyCode::Right],
    );
    assert_eq!(form(&m).1.shown("iga"), "3 moderate");
    assert_eq!(press(&mut m, &[Enter]).len(), 1);
    assert!(
        m.status.text.contains(
            "screening: 'Active inflammatory acne in the treatment area' now blocks booking until a clinician overrides it (s)"
        ),
        "{}",
        m.status.text
    );
    assert_eq!(
        screening_refusals(&m, selected(&m), first),
        [
            "absolute contraindication: Active inflammatory acne in the treatment area (skin assessment 2026-11-25: IGA 3 moderate)"
        ]
    );
    // The screening list says where the yes comes from; o overrides it though the
    // question itself was never answered.
    press(&mut m, &[Char('s'), Char('j')]);
    let screen = draw(&m, 160, 50);
    assert!(screen.contains("YES (skin)"), "{screen}");
    assert!(
        screen.contains("✗ skin: IGA 3 moderate (o overrides)"),
        "{screen}"
    );
    press(&mut m, &[Char('o')]);
    assert!(
        matches!(form(&m).0, ConsultForm::Override(_, rule) if rule == "active_acne"),
        "{:?}",
        m.status
    );
    type_text(&mut m, "papules on the back only, face clear");
    assert_eq!(press(&mut m, &[Enter]).len(), 1);
    assert!(screening_refusals(&m, selected(&m), first).is_empty());
}

#[test]
fn a_hypertrophic_or_keloid_scar_blocks_booking_as_a_keloid_tendency() {
    let m = model();
    let mut p = m.patient(&PatientId::new("p-00000003").unwrap()).unwrap().clone();
    p.skin.push(assessment(
        "2026-11-20",
        Fitzpatrick::III,
        Iga::AlmostClear,
        &[(ScarType::Boxcar, 2), (ScarType::Hypertrophic, 1)],
    ));
    assert_eq!(
        screening_refusals(&m, &p, d("2026-12-02")),
        [
            "absolute contraindication: Tendency to keloid scarring (skin assessment 2026-11-20: hypertrophic/keloid scars)"
        ]
    );
    // A later assessment without it: the block goes with it.
    p.skin.push(assessment(
        "2026-11-24",
        Fitzpatrick::III,
        Iga::AlmostClear,
        &[(ScarType::Boxcar, 2)],
    ));
    assert!(screening_refusals(&m, &p, d("2026-12-02")).is_empty());
}

#[test]
fn a_washout_date_is_typed_checked_and_sets_the_earliest_eligible_date() {
    let mut m = consult(1);
    press(&mut m, &[Char('s')]);
    let t = Templates::builtin().screening;
    let row = t.absolute.len() + t.relative.len() + t.prompts.len();
    press(&mut m, &vec![Char('j'); row]);
    press(&mut m, &[Enter]);
    assert!(matches!(form(&m).0, ConsultForm::Exposure(_, w) if w == "isotretinoin"));
    type_text(&mut m, "2026-13-01");
    press(&mut m, &[Enter]);
    assert_eq!(form(&m).1.first_error().map(|e| e.0), Some("last_exposure"));
    clear(&mut m);
    type_text(&mut m, "2026-07-10");
    press(&mut m, &[Enter]);
    let p = selected(&m).clone();
    assert_eq!(
        p.screening.exposures.get("isotretinoin"),
        Some(&Some(d("2026-07-10")))
    );
    assert!(!screening_refusals(&m, &p, d("2027-01-09")).is_empty());
    assert!(screening_refusals(&m, &p, d("2027-01-10")).is_empty());
    let screen = draw(&m, 160, 50);
    assert!(screen.contains("earliest eligible 2027-01-10"), "{screen}");
    // "none" answers the washout without a date.
    press(&mut m, &[Char('j'), Char('e')]);
    type_text(&mut m, "none");
    press(&mut m, &[Enter]);
    assert_eq!(selected(&m).screening.exposures.get("radiotherapy"), Some(&None));
}

#[test]
fn a_relative_warning_is_acknowledged_with_a_name_and_review_marks_today() {
    let mut m = consult(1);
    press(&mut m, &[Char('s')]);
    let t = Templates::builtin().screening;
    press(&mut m, &vec![Char('j'); t.absolute.len()]);
    press(&mut m, &[Char('a')]);
    assert!(
        matches!(m.overlay, Overlay::Screening { .. }),
        "nothing to acknowledge while unanswered: the list stays, no form"
    );
    press(&mut m, &[Char(' '), Char(' '), Char('a')]);
    assert!(
        form(&m).1.fields.is_empty(),
        "no name is typed: the acting clinician's"
    );
    press(&mut m, &[Enter]);
    let ack = &selected(&m).screening.acknowledgements[0];
    assert_eq!(
        (ack.rule_id.as_str(), ack.by.as_str(), ack.at),
        (t.relative[0].id.as_str(), "Dr Okafor", now())
    );

    // The review too is the acting clinician's: no name is typed.
    press(&mut m, &[Char('r')]);
    assert!(form(&m).1.fields.is_empty(), "no name field");
    assert!(
        form(&m)
            .1
            .notes
            .iter()
            .any(|n| n.contains("reviewed by Dr Okafor"))
    );
    press(&mut m, &[Enter]);
    let s = &selected(&m).screening;
    assert_eq!(
        (s.reviewed_on, s.reviewed_by.as_str()),
        (Some(d("2026-11-25")), "Dr Okafor")
    );
    press(&mut m, &[Esc]);
    assert_eq!((m.screen, list(&m)), (ScreenId::Consult, Overlay::None));
    press(&mut m, &[Esc]);
    assert_eq!(m.screen, ScreenId::Main);
}

// ---------------------------------------------------------------------------------------
// Charts
// ---------------------------------------------------------------------------------------

#[test]
fn a_new_chart_starts_from_the_protocol_depths_and_refuses_a_depth_beyond_the_device() {
    let mut m = consult(2);
    press(&mut m, &[Char('c')]);
    let (purpose, f) = form(&m);
    assert!(matches!(purpose, ConsultForm::Chart(_, 0, 0)));
    let protocol = &Templates::builtin().protocols[0];
    for (area, depth) in &protocol.depths {
        let name = format!("depth.{}", area.key());
        assert_eq!(f.field(&name).label, area.label());
        assert_eq!(f.shown(&name), depth.to_string(), "{area}");
    }
    // Cheeks typed as 2.6 mm on the 2.5 mm pen.
    let cheeks = "depth.cheeks";
    m.overlay = match std::mem::replace(&mut m.overlay, Overlay::None) {
        Overlay::Form(p, mut f) => {
            f.focus_on(cheeks);
            Overlay::Form(p, f)
        }
        o => o,
    };
    clear(&mut m);
    type_text(&mut m, "2.6");
    assert!(press(&mut m, &[Enter]).is_empty());
    let (_, f) = form(&m);
    let (field, message) = f.first_error().unwrap();
    assert_eq!(field, cheeks);
    assert!(message.contains("between 0.1 and 2.5"), "{message}");
    press(&mut m, &[Backspace]);
    type_text(&mut m, "4");
    // Within the pen, but above the cheeks' usual 0.5-2.0 mm: the clinician's reason.
    assert!(press(&mut m, &[Enter]).is_empty());
    let (_, f) = form(&m);
    let (field, message) = f.first_error().unwrap();
    assert_eq!(field, "depth_reason");
    assert_eq!(
        message,
        "cheeks 2.4 mm is outside the usual 0.5-2.0 mm: type the clinician's reason (their confirmation)"
    );
    type_text(&mut m, "deep rolling scars, 2.0 mm tolerated last time");
    assert_eq!(press(&mut m, &[Enter]).len(), 1);
    let chart = selected(&m).series[0].sessions[0].chart.clone().unwrap();
    assert_eq!(chart.record().depths[&Area::Cheeks].to_string(), "2.4");
    assert_eq!(
        chart.record().depth_reason,
        "deep rolling scars, 2.0 mm tolerated last time"
    );
    assert_eq!(chart.record().device_id, "pen-2.5");
    assert!(!chart.is_signed());
}

/// Puts the focus of the open form on `field`.
fn focus(m: &mut Model, field: &str) {
    m.overlay = match std::mem::replace(&mut m.overlay, Overlay::None) {
        Overlay::Form(p, mut f) => {
            f.focus_on(field);
            Overlay::Form(p, f)
        }
        o => o,
    };
}

#[test]
fn a_depth_outside_its_areas_usual_range_needs_the_clinicians_reason_named_as_it_is_typed() {
    let mut m = consult(2);
    press(&mut m, &[Char('c')]);
    let (_, f) = form(&m);
    assert_eq!(f.field("depth_reason").label, "Depth reason");
    assert!(
        f.warnings.is_empty(),
        "the protocol's defaults are usual: {:?}",
        f.warnings
    );
    assert!(
        f.notes
            .iter()
            .any(|n| n.contains("under-eye 0.2-0.3;") && n.contains("Depth reason")),
        "the form names the ranges and the reason: {:?}",
        f.notes
    );
    // Under-eye typed as 0.5 mm: allowed by the pen, above the usual 0.2-0.3 mm.
    focus(&mut m, "depth.under_eye");
    clear(&mut m);
    type_text(&mut m, "0.5");
    let (_, f) = form(&m);
    assert_eq!(
        f.warnings,
        ["under-eye 0.5 mm is outside the usual 0.2-0.3 mm: Depth reason required"]
    );
    let screen = draw(&m, 160, 50);
    assert!(
        screen.contains("under-eye 0.5 mm is outside the usual 0.2-0.3 mm: Depth reason required"),
        "{screen}"
    );
    // Enter: nothing saved, everything typed kept, the reason field says why.
    assert!(press(&mut m, &[Enter]).is_empty());
    let (_, f) = form(&m);
    assert_eq!(f.focused(), "depth_reason");
    assert_eq!(f.shown("depth.under_eye"), "0.5");
    assert!(selected(&m).series[0].sessions[0].chart.is_none());
    // Two letters are no reason.
    type_text(&mut m, "ok");
    assert!(press(&mut m, &[Enter]).is_empty());
    assert!(
        form(&m)
            .1
            .error_of("depth_reason")
            .unwrap()
            .contains("at least 4 characters"),
        "{:?}",
        form(&m).1.errors
    );
    clear(&mut m);
    type_text(&mut m, "thick skin, test patch fine");
    assert!(form(&m).1.warnings[0].ends_with("confirmed by the Depth reason"));
    assert_eq!(press(&mut m, &[Enter]).len(), 1);
    let chart = selected(&m).series[0].sessions[0].chart.clone().unwrap();
    assert_eq!(chart.record().depths[&Area::UnderEye].to_string(), "0.5");
    assert_eq!(chart.record().depth_reason, "thick skin, test patch fine");

    // The depth table marks it; signed, the chart view shows the depth and the reason.
    let screen = draw(&m, 160, 50);
    assert!(screen.contains(" 0.5!"), "{screen}");
    press(&mut m, &[Char('S')]);
    assert_eq!(press(&mut m, &[Enter]).len(), 1);
    press(&mut m, &[Char('c')]);
    assert_eq!(m.overlay, Overlay::ChartView);
    let screen = draw(&m, 160, 50);
    assert!(screen.contains("under-eye 0.5!"), "{screen}");
    assert!(
        screen.contains("! outside the usual range: under-eye 0.5 mm is outside the usual 0.2-0.3 mm"),
        "{screen}"
    );
    assert!(
        screen.contains("Depth reason  thick skin, test patch fine"),
        "{screen}"
    );
}

#[test]
fn a_chart_saved_without_a_reason_before_the_rule_cannot_be_signed_until_charted_with_one() {
    // Chloé's first session holds a draft from before depth reasons: under-eye 0.5 mm,
    // no reason.
    let mut patients = clinic();
    let mut rec = record(150, 50);
    rec.depths.insert(Area::UnderEye, Depth::from_hundredths(50));
    patients[2].series[0].sessions[0].chart = Some(SessionChart::new(rec));
    let mut m = as_okafor(
        Model::new(now(), Templates::builtin(), patients)
            .with_clinic(needleplan::store::demo::demo_settings()),
    );
    press(&mut m, &[Down, Down, Char('4'), Char('S')]);
    let (_, f) = form(&m);
    assert!(
        f.warnings
            .iter()
            .any(|w| w.contains("under-eye 0.5 mm is outside the usual 0.2-0.3 mm")),
        "{:?}",
        f.warnings
    );
    assert!(press(&mut m, &[Enter]).is_empty());
    let message = form(&m).1.refusals.join("; ");
    assert!(
        message.contains("the clinician's reason is needed (c, Depth reason)"),
        "{message}"
    );
    assert!(
        !selected(&m).series[0].sessions[0]
            .chart
            .as_ref()
            .unwrap()
            .is_signed()
    );
}

#[test]
fn a_signed_chart_is_read_only_and_an_amendment_is_appended_with_who_and_when() {
    let mut m = consult(2);
    press(&mut m, &[Char('c'), Enter]);
    press(&mut m, &[Char('S')]);
    let (_, f) = form(&m);
    assert!(
        f.fields.is_empty(),
        "no name is typed: the acting clinician signs"
    );
    assert!(
        f.notes
            .iter()
            .any(|n| n == "signed by Dr Okafor (login okafor), now"),
        "{:?}",
        f.notes
    );
    assert_eq!(press(&mut m, &[Enter]).len(), 1);
    let signed = selected(&m).series[0].sessions[0].chart.clone().unwrap();
    assert_eq!(
        signed.signature().map(|s| (s.by.as_str(), s.at)),
        Some(("Dr Okafor", now()))
    );

    // Editing now shows the signed chart, not a form; the record itself refuses edits.
    press(&mut m, &[Char('c')]);
    assert_eq!(
        (m.overlay.clone(), list(&m)),
        (Overlay::ChartView, Overlay::ChartView),
        "the signed chart on top, no form"
    );
    assert_eq!(signed.clone().edit().unwrap_err().to_string(), SIGNED_READ_ONLY);
    let screen = draw(&m, 80, 24);
    assert!(
        screen.contains("Signed by Dr Okafor on 2026-11-25 10:00"),
        "{screen}"
    );

    press(&mut m, &[Char('m')]);
    assert!(matches!(form(&m).0, ConsultForm::Amend(_, 0, 0)));
    // By the acting clinician (no name typed): what changed, then the depth fix.
    type_text(&mut m, "cheeks at 1.25 mm");
    press(&mut m, &[Tab]);
    type_text(&mut m, "cheeks=2.6");
    press(&mut m, &[Enter]);
    assert_eq!(
        form(&m).1.first_error().map(|e| e.0),
        Some("depth_fixes"),
        "2.6 mm is beyond the pen"
    );
    press(&mut m, &[Backspace, Backspace, Backspace]);
    type_text(&mut m, "1.25");
    assert_eq!(press(&mut m, &[Enter]).len(), 1);
    let chart = selected(&m).series[0].sessions[0].chart.clone().unwrap();
    let a = &chart.amendments()[0];
    assert_eq!(
        (a.by.as_str(), a.at, a.text.as_str()),
        ("Dr Okafor", now(), "cheeks at 1.25 mm")
    );
    assert_eq!(chart.current_depths()[&Area::Cheeks].to_string(), "1.25");
    assert_eq!(chart.record(), signed.record(), "the signed record is unchanged");
}

// ---------------------------------------------------------------------------------------
// Session prep
// ---------------------------------------------------------------------------------------

#[test]
fn prep_toggles_record_consents_and_photos_and_shrink_what_is_missing() {
    let mut m = consult(2);
    let before = done_refusals(&m, selected(&m), 0, 0);
    assert!(before.contains(&"consent not signed".to_string()));
    press(&mut m, &[Char('d')]);
    assert_eq!(list(&m), Overlay::Prep { row: 0 });
    press(
        &mut m,
        &[
            Char(' '),
            Char('j'),
            Char(' '),
            Char('j'),
            Char(' '),
            Char('j'),
            Char(' '),
            Char('j'),
        ],
    );
    let effects = press(&mut m, &[Char(' ')]);
    assert_eq!(effects.len(), 1);
    let prep = &selected(&m).series[0].sessions[0].prep;
    assert_eq!(
        (prep.consent_signed, prep.photo_consent),
        (Some(d("2026-11-25")), Some(d("2026-11-25")))
    );
    assert_eq!(prep.photos, PhotoView::ALL.into_iter().collect());
    let after = done_refusals(&m, selected(&m), 0, 0);
    assert!(
        !after.iter().any(|r| r.contains("consent") || r.contains("photo")),
        "{after:?}"
    );
    // Space again unticks.
    press(&mut m, &[Char(' ')]);
    assert!(
        !selected(&m).series[0].sessions[0]
            .prep
            .photos
            .contains(&PhotoView::Right)
    );
    press(&mut m, &[Esc]);
    assert_eq!(list(&m), Overlay::None);
}

#[test]
fn the_antiviral_prompt_is_a_prep_item_for_a_patient_with_cold_sores() {
    let mut m = consult(0);
    press(&mut m, &[Char('j'), Char('d')]);
    let missing = done_refusals(&m, selected(&m), 0, 2);
    assert!(
        missing.iter().any(|r| r.starts_with("not confirmed: Antiviral")),
        "{missing:?}"
    );
    press(&mut m, &[Char('G')]);
    press(&mut m, &[Char('j'); 5]);
    press(&mut m, &[Char(' ')]);
    assert!(
        selected(&m).series[0].sessions[2]
            .prep
            .confirmed_prompts
            .contains("hsv_history")
    );
    let missing = done_refusals(&m, selected(&m), 0, 2);
    assert!(!missing.iter().any(|r| r.contains("Antiviral")), "{missing:?}");
}

// ---------------------------------------------------------------------------------------
// Snapshots
// ---------------------------------------------------------------------------------------

#[test]
fn consult_snapshot() {
    let m = consult(0);
    let screen = draw(&m, 160, 50);
    for want in [
        "boxcar 2 (grade 3 -> 2 since 2026-09)",
        "PIH caution",
        "Anticoagulants (acknowledged by Dr Okafor)",
        "Antiviral prophylaxis",
        "1.25",
        "signed+1",
        "session 3 Wed 2026-12-16",
    ] {
        assert!(screen.contains(want), "{want} missing:\n{screen}");
    }
    snap_both("consult", &m);
}

#[test]
fn profile_form_snapshot() {
    let mut m = consult(0);
    press(&mut m, &[Char('p')]);
    snap_both("consult_profile_form", &m);
}

#[test]
fn screening_snapshot() {
    let mut m = consult(0);
    press(&mut m, &[Char('s'), Char('j'), Char('j')]);
    snap_both("consult_screening", &m);
}

#[test]
fn chart_unsigned_snapshot() {
    let mut m = consult(0);
    press(&mut m, &[Char('c')]);
    assert!(matches!(form(&m).0, ConsultForm::Chart(_, 0, 1)));
    snap_both("consult_chart_unsigned", &m);
}

#[test]
fn chart_signed_with_amendment_snapshot() {
    let mut m = consult(0);
    press(&mut m, &[Char('k'), Char('c')]);
    assert_eq!(list(&m), Overlay::ChartView);
    snap_both("consult_chart_signed", &m);
}

#[test]
fn the_plan_shows_the_pih_caution_the_trend_the_prompt_and_what_is_missing() {
    let mut m = model();
    press(&mut m, &[Tab, Char('j')]);
    let screen = draw(&m, 160, 50);
    for want in [
        "PIH caution",
        "Scars: grade 3 -> 2 since 2026-09",
        "Every session: Antiviral prophylaxis",
        "Session 3 not ready (5 missing): photo consent, photo (front)",
    ] {
        assert!(screen.contains(want), "{want} missing:\n{screen}");
    }
}

#[test]
fn the_help_and_the_key_bar_come_from_the_consult_tables() {
    assert_eq!(ScreenId::Consult.key(), '4');
    assert!(
        ScreenId::Consult
            .switch_help()
            .starts_with("consult: profile trend")
    );
    let sections = needleplan::app::screen::help_sections();
    let rows = sections.iter().find(|(t, _)| *t == "Consult screen (4)").unwrap();
    for key in ["p", "s", "c", "S", "d"] {
        assert!(
            rows.1.iter().any(|(k, _)| k == key),
            "{key} missing from the help"
        );
    }
    let m = consult(0);
    let bar = draw(&m, 160, 50);
    let last = bar.lines().nth(49).unwrap();
    for want in ["profile", "screening", "chart", "sign", "prep"] {
        assert!(last.contains(want), "{want} missing from the key bar: {last}");
    }
}

/// A screening reviewed more than 30 days before the next session asks for a re-screen;
/// at 80 columns the date it is needed for is on a line of its own, not cut off.
#[test]
fn a_rescreen_shows_the_session_date_at_80_columns() {
    let mut m = consult(0);
    let amara = m
        .patients
        .iter_mut()
        .find(|p| p.id.as_str() == "p-00000001")
        .unwrap();
    amara.screening.review("Dr Okafor", d("2026-10-01")).unwrap();
    let screen = draw(&m, 80, 24);
    assert!(
        screen.contains("reviewed 2026-10-01, covers to 2026-10-31"),
        "{screen}"
    );
    assert!(
        screen.contains("RE-SCREEN needed before the session of 2026-12-16"),
        "{screen}"
    );
}

/// After looking at a signed chart, charting another session does not keep saying
/// that "the chart is signed and read-only": the status line speaks of the open form.
#[test]
fn charting_after_viewing_a_signed_chart_says_what_the_form_does() {
    let mut m = consult(0);
    m.screens.consult.session = 0;
    press(&mut m, &[Char('c')]);
    assert_eq!(list(&m), Overlay::ChartView, "session 1's chart is signed");
    assert!(
        m.status.text.contains("signed and read-only"),
        "{}",
        m.status.text
    );
    press(&mut m, &[Esc, Char('j'), Char('c')]);
    assert!(matches!(form(&m).0, ConsultForm::Chart(_, 0, 1)));
    assert_eq!(
        m.status.text,
        "charting session 2: Enter saves it unsigned; S signs it afterwards"
    );
}
