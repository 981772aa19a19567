//! The consult screen (key `4`): one screen for the selected patient that answers what
//! scars they have and whether they improve, whether it is safe to treat, which depths
//! were used where, and how the last recovery went. Drawn by `ui::consult`.
//!
//! From it a clinician adds a skin assessment (`p`), works through the screening list
//! (`s`), charts the selected session (`c`), signs the chart (`S`) and ticks the session
//! prep (`d`). Text is typed in ordinary forms (`Overlay::Form` with
//! `FormPurpose::Consult`); the screening list, the prep list and a signed chart are
//! popups of this screen, kept in [`ConsultState`]. Every change is saved at once.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use ratatui::crossterm::event::{KeyCode, KeyEvent};

use crate::domain::chart::{Adjunct, Amendment, Depth, SessionChart, default_depths, parse_depth};
use crate::domain::dates::parse_date;
use crate::domain::patient::{Patient, PatientId};
use crate::domain::readiness::PhotoView;
use crate::domain::skin::{
    self, Area, Fitzpatrick, Iga, QUANTITATIVE_MAX, ScarFinding, ScarType, SkinAssessment,
};

use super::form::{Field, Form};
use super::keymap::{Binding, Scope, code, k, screen_action_for};
use super::model::{Effect, FormPurpose, Model, Overlay, StatusKind};
use super::screen::{KeyHint, bar_rows, help_rows};

/// Where the user is on the consult screen.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConsultState {
    /// The selected session of the current series (charts and prep are about it).
    pub session: usize,
    pub popup: Popup,
}

/// A popup of the consult screen (forms are `Overlay::Form`s on top of it).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Popup {
    #[default]
    None,
    /// The screening list; `row` indexes [`screening_rows`].
    Screening { row: usize },
    /// The session prep toggles; `row` indexes [`prep_rows`].
    Prep { row: usize },
    /// A signed chart, read-only, with its amendments.
    ChartView,
}

/// What a consult form, once saved, changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConsultForm {
    /// A new skin assessment.
    Profile(PatientId),
    /// The last exposure for a washout (its id).
    Exposure(PatientId, String),
    Review(PatientId),
    /// Lifting a block: an absolute rule's id or `washout:<id>`.
    Override(PatientId, String),
    /// A relative contraindication's id.
    Acknowledge(PatientId, String),
    /// The chart of (series, session), unsigned.
    Chart(PatientId, usize, usize),
    Sign(PatientId, usize, usize),
    Amend(PatientId, usize, usize),
}

impl ConsultForm {
    pub fn patient(&self) -> &PatientId {
        match self {
            ConsultForm::Profile(id)
            | ConsultForm::Exposure(id, _)
            | ConsultForm::Review(id)
            | ConsultForm::Override(id, _)
            | ConsultForm::Acknowledge(id, _)
            | ConsultForm::Chart(id, ..)
            | ConsultForm::Sign(id, ..)
            | ConsultForm::Amend(id, ..) => id,
        }
    }
}

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
}

use ConsultAction as C;
use ListAction as L;

/// The consult screen's keys (Esc, back to the patients, is the screen framework's).
pub static CONSULT_KEYS: &[Binding<ConsultAction>] = &[
    Binding {
        keys: &[code(KeyCode::Up), k('k')],
        action: C::Up,
        scope: Scope::Everywhere,
        bar: None,
        help: "previous session (the chart and prep keys act on it)",
    },
    Binding {
        keys: &[code(KeyCode::Down), k('j')],
        action: C::Down,
        scope: Scope::Everywhere,
        bar: None,
        help: "next session",
    },
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
    Binding {
        keys: &[code(KeyCode::Up), k('k')],
        action: L::Up,
        scope: Scope::Everywhere,
        bar: None,
        help: "move up",
    },
    Binding {
        keys: &[code(KeyCode::Down), k('j')],
        action: L::Down,
        scope: Scope::Everywhere,
        bar: None,
        help: "move down",
    },
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
];

/// The session prep list's keys.
pub static PREP_KEYS: &[Binding<ListAction>] = &[
    Binding {
        keys: &[code(KeyCode::Up), k('k')],
        action: L::Up,
        scope: Scope::Everywhere,
        bar: None,
        help: "move up",
    },
    Binding {
        keys: &[code(KeyCode::Down), k('j')],
        action: L::Down,
        scope: Scope::Everywhere,
        bar: None,
        help: "move down",
    },
    Binding {
        keys: &[k(' ')],
        action: L::Toggle,
        scope: Scope::Everywhere,
        bar: Some("tick/untick"),
        help: "tick or untick (consents are dated today)",
    },
];

/// The signed chart's keys.
pub static CHART_VIEW_KEYS: &[Binding<ListAction>] = &[Binding {
    keys: &[k('m')],
    action: L::Amend,
    scope: Scope::Everywhere,
    bar: Some("amend"),
    help: "append a dated amendment: who, what changed, corrected depths",
}];

const CLOSE: (&str, &str) = ("Esc", "close");

/// Every table of the screen for the help overlay.
pub fn help_sections() -> Vec<(&'static str, Vec<KeyHint>)> {
    let with_esc = |mut rows: Vec<KeyHint>| {
        rows.push((CLOSE.0.into(), "close, back to the consult screen".into()));
        rows
    };
    vec![
        ("Consult screen (4)", help_rows(CONSULT_KEYS)),
        ("Consult: screening list (s)", with_esc(help_rows(SCREENING_KEYS))),
        ("Consult: session prep (d)", with_esc(help_rows(PREP_KEYS))),
        ("Consult: signed chart (c)", with_esc(help_rows(CHART_VIEW_KEYS))),
    ]
}

pub fn bar_hints(model: &Model) -> Vec<KeyHint> {
    let popup = |table: &[Binding<ListAction>]| {
        let mut rows = bar_rows(table);
        rows.push((CLOSE.0.into(), CLOSE.1.into()));
        rows
    };
    let rows = match model.consult.popup {
        Popup::None => bar_rows(CONSULT_KEYS),
        Popup::Screening { .. } => popup(SCREENING_KEYS),
        Popup::Prep { .. } => popup(PREP_KEYS),
        Popup::ChartView => popup(CHART_VIEW_KEYS),
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

/// Whether the screen wants Esc for itself (a popup is open) instead of leaving.
pub fn keeps_esc(model: &Model) -> bool {
    model.consult.popup != Popup::None
}

/// On entering the screen: the plan's selected session, no popup.
pub fn enter(model: &mut Model) {
    model.consult = ConsultState {
        session: model.session,
        popup: Popup::None,
    };
}

/// The selected patient, the index of their current series and the selected session.
fn target(model: &Model) -> Option<(&Patient, usize, usize)> {
    let p = model.selected_patient()?;
    let series = p.series.len().checked_sub(1)?;
    let len = p.series[series].sessions.len();
    if len == 0 {
        return None;
    }
    Some((p, series, model.consult.session.min(len - 1)))
}

pub fn handle_key(model: &mut Model, key: KeyEvent) -> Vec<Effect> {
    match model.consult.popup.clone() {
        Popup::None => {}
        Popup::Screening { row } => return screening_key(model, row, key),
        Popup::Prep { row } => return prep_key(model, row, key),
        Popup::ChartView => {
            if key.code == KeyCode::Esc {
                model.consult.popup = Popup::None;
            } else if screen_action_for(CHART_VIEW_KEYS, &key) == Some(L::Amend)
                && !model.refuse_selected_read_only()
            {
                open_amend(model);
            }
            return Vec::new();
        }
    }
    let Some(action) = screen_action_for(CONSULT_KEYS, &key) else {
        return Vec::new();
    };
    // A read-only record is shown in full (popups and signed charts open to be read);
    // only what would change it is refused.
    if matches!(action, C::Profile | C::Sign) && model.refuse_selected_read_only() {
        return Vec::new();
    }
    let Some(patient) = model.selected_patient() else {
        model.set_status(
            StatusKind::Info,
            "no patient selected: choose one on the patients screen (Esc)",
        );
        return Vec::new();
    };
    let id = patient.id.clone();
    let sessions = patient.current_series().map_or(0, |s| s.sessions.len());
    match action {
        C::Up => {
            model.consult.session = model
                .consult
                .session
                .min(sessions.saturating_sub(1))
                .saturating_sub(1)
        }
        C::Down => model.consult.session = (model.consult.session + 1).min(sessions.saturating_sub(1)),
        C::Profile => {
            let form = profile_form(model, patient);
            model.overlay = Overlay::Form(FormPurpose::Consult(ConsultForm::Profile(id)), form);
        }
        C::Screening => model.consult.popup = Popup::Screening { row: 0 },
        C::Chart => open_chart(model),
        C::Sign => open_sign(model),
        C::Prep => {
            if target(model).is_some() {
                model.consult.popup = Popup::Prep { row: 0 };
            } else {
                model.set_status(StatusKind::Info, "no session to prepare: plan a series first");
            }
        }
    }
    Vec::new()
}

/// Handles Enter in a consult form. `Some` when the form is done (saved).
pub fn submit(model: &mut Model, purpose: &ConsultForm, form: &mut Form) -> Option<Vec<Effect>> {
    let mut patient = model.patient(purpose.patient())?.clone();
    let message = match purpose {
        ConsultForm::Profile(_) => {
            let a = parse_profile(model, form)?;
            let text = format!("skin assessment of {} added", a.date);
            patient.skin.push(a);
            text
        }
        ConsultForm::Exposure(_, washout) => {
            let text = form.value(0).trim().to_lowercase();
            let label = model
                .templates
                .screening
                .washout(washout)
                .map_or(washout.clone(), |w| w.label.clone());
            if text.is_empty() {
                patient.screening.exposures.remove(washout);
                format!("{label}: unanswered")
            } else if text == "none" || text == "no" {
                patient.screening.exposures.insert(washout.clone(), None);
                format!("{label}: none")
            } else {
                let date = match parse_date(&text) {
                    Ok(d) if d > model.today => {
                        form.fail(0, "the last exposure cannot be in the future");
                        return None;
                    }
                    Ok(d) => d,
                    Err(e) => {
                        form.fail(0, format!("{e}, or none"));
                        return None;
                    }
                };
                patient.screening.exposures.insert(washout.clone(), Some(date));
                format!("{label}: last {date}")
            }
        }
        ConsultForm::Review(_) => {
            if let Err(e) = patient.screening.review(form.value(0), model.today) {
                form.fail(0, e);
                return None;
            }
            format!(
                "screening reviewed {} by {}",
                model.today, patient.screening.reviewed_by
            )
        }
        ConsultForm::Override(_, target) => {
            if form.value(0).trim().is_empty() {
                form.fail(0, "override: enter the clinician's name");
                return None;
            }
            if form.value(1).trim().is_empty() {
                form.fail(1, "override: enter the reason (it is kept with the record)");
                return None;
            }
            let t = &model.templates.screening;
            if let Err(e) = patient
                .screening
                .add_override(t, target, form.value(0), form.value(1), model.now)
            {
                form.fail(0, e);
                return None;
            }
            format!("block overridden by {}", form.value(0).trim())
        }
        ConsultForm::Acknowledge(_, rule) => {
            let t = &model.templates.screening;
            if let Err(e) = patient.screening.acknowledge(t, rule, form.value(0), model.now) {
                form.fail(0, e);
                return None;
            }
            format!("warning acknowledged by {}", form.value(0).trim())
        }
        ConsultForm::Chart(_, si, ci) => {
            let chart = parse_chart(model, &patient, *si, *ci, form)?;
            patient.series.get_mut(*si)?.sessions.get_mut(*ci)?.chart = Some(chart);
            format!("chart of session {} saved (not signed yet: S signs it)", ci + 1)
        }
        ConsultForm::Sign(_, si, ci) => {
            let session = patient.series.get_mut(*si)?.sessions.get_mut(*ci)?;
            let chart = session.chart.as_mut()?;
            if let Err(e) = chart.sign(form.value(0), model.now, &model.templates.devices) {
                form.fail(0, e);
                return None;
            }
            format!(
                "chart of session {} signed by {}; it is now read-only",
                ci + 1,
                form.value(0).trim()
            )
        }
        ConsultForm::Amend(_, si, ci) => {
            let depths = match parse_depth_fixes(form.value(2)) {
                Ok(d) => d,
                Err(e) => {
                    form.fail(2, e);
                    return None;
                }
            };
            let session = patient.series.get_mut(*si)?.sessions.get_mut(*ci)?;
            let chart = session.chart.as_mut()?;
            let amendment = Amendment {
                at: model.now,
                by: form.value(0).to_string(),
                text: form.value(1).to_string(),
                depths,
            };
            if let Err(e) = chart.amend(amendment, &model.templates.devices) {
                let field = if e.contains("name") {
                    0
                } else if e.contains("depth") {
                    2
                } else {
                    1
                };
                form.fail(field, e);
                return None;
            }
            format!(
                "amendment by {} added to the chart of session {}",
                form.value(0).trim(),
                ci + 1
            )
        }
    };
    model.set_status(StatusKind::Saved, message);
    Some(vec![model.put_patient(patient)])
}

// ---------------------------------------------------------------------------------------
// Skin assessment
// ---------------------------------------------------------------------------------------

pub const PROFILE_DATE: usize = 0;
pub const PROFILE_BY: usize = 1;
const PROFILE_FITZPATRICK: usize = 2;
const PROFILE_IGA: usize = 3;
const PROFILE_SCARS: usize = 4;
pub const PROFILE_SCORE: usize = PROFILE_SCARS + ScarType::ALL.len();
pub const PROFILE_AREAS: usize = PROFILE_SCORE + 1;
const PROFILE_NOTES: usize = PROFILE_AREAS + 1;

fn grade_options() -> Vec<String> {
    std::iter::once("none".to_string())
        .chain(skin::GRADE_RANGE.map(|g| format!("{g} {}", skin::grade_label(g))))
        .collect()
}

/// The new assessment starts from the latest one (skin type, scars and areas rarely
/// change all at once); date today, assessor empty.
fn profile_form(model: &Model, patient: &Patient) -> Form {
    let latest = skin::latest(&patient.skin);
    let fitz = latest.map_or(Fitzpatrick::III, |a| a.fitzpatrick);
    let iga = latest.map_or(Iga::Clear, |a| a.iga);
    let mut fields = vec![
        Field::text("Date", "YYYY-MM-DD", model.today.to_string()),
        Field::text("Assessed by", "clinician's name", ""),
        Field::choice(
            "Fitzpatrick",
            Fitzpatrick::ALL.iter().map(|f| f.label().to_string()).collect(),
            fitz as usize,
        ),
        Field::choice(
            "IGA",
            Iga::ALL
                .iter()
                .map(|i| format!("{} {}", i.score(), i.label()))
                .collect(),
            iga.score() as usize,
        ),
    ];
    for kind in ScarType::ALL {
        let grade = latest.and_then(|a| a.grade_of(kind)).unwrap_or(0);
        // Labels fit the form's label column ("hypertrophic/keloid" does not).
        let label = match kind {
            ScarType::Hypertrophic => "hypertrophic",
            other => other.label(),
        };
        fields.push(Field::choice(label, grade_options(), grade as usize));
    }
    fields.push(Field::text(
        "Score",
        "quantitative score 0-84, optional",
        latest
            .and_then(|a| a.quantitative_score)
            .map(|q| q.to_string())
            .unwrap_or_default(),
    ));
    let areas: Vec<&str> = latest.map_or(Vec::new(), |a| a.areas.iter().map(|a| a.label()).collect());
    fields.push(Field::text(
        "Treated areas",
        "e.g. cheeks, forehead",
        areas.join(", "),
    ));
    fields.push(Field::text("Notes", "", ""));
    let mut form = Form::new(format!("Skin assessment · {}", patient.full_name), fields);
    form.focus = PROFILE_BY;
    form
}

fn parse_profile(model: &Model, form: &mut Form) -> Option<SkinAssessment> {
    let date = match parse_date(form.value(PROFILE_DATE)) {
        Ok(d) if d > model.today => {
            form.fail(PROFILE_DATE, "the assessment date is in the future");
            return None;
        }
        Ok(d) => d,
        Err(e) => {
            form.fail(PROFILE_DATE, e);
            return None;
        }
    };
    let scars = ScarType::ALL
        .iter()
        .enumerate()
        .filter(|(i, _)| form.choice(PROFILE_SCARS + i) > 0)
        .map(|(i, kind)| ScarFinding {
            kind: *kind,
            grade: form.choice(PROFILE_SCARS + i) as u8,
        })
        .collect();
    let score_text = form.value(PROFILE_SCORE).trim();
    let quantitative_score = if score_text.is_empty() {
        None
    } else {
        match score_text.parse::<u32>() {
            Ok(q) => Some(q),
            Err(_) => {
                form.fail(
                    PROFILE_SCORE,
                    format!("'{score_text}' is not a whole number 0-{QUANTITATIVE_MAX}"),
                );
                return None;
            }
        }
    };
    let areas = match parse_areas(form.value(PROFILE_AREAS)) {
        Ok(a) => a,
        Err(e) => {
            form.fail(PROFILE_AREAS, e);
            return None;
        }
    };
    let a = SkinAssessment {
        date,
        by: form.value(PROFILE_BY).trim().to_string(),
        fitzpatrick: Fitzpatrick::ALL[form.choice(PROFILE_FITZPATRICK)],
        iga: Iga::ALL[form.choice(PROFILE_IGA)],
        scars,
        quantitative_score,
        areas,
        notes: form.value(PROFILE_NOTES).trim().to_string(),
    };
    if let Err(e) = a.validate() {
        let field = if e.starts_with("assessed by") {
            PROFILE_BY
        } else if e.starts_with("quantitative") {
            PROFILE_SCORE
        } else {
            PROFILE_SCARS
        };
        form.fail(field, e);
        return None;
    }
    Some(a)
}

fn area_named(name: &str) -> Option<Area> {
    let n = name.trim().to_lowercase();
    Area::ALL
        .into_iter()
        .find(|a| a.label() == n || a.key() == n || a.short_label() == n || a.key().replace('_', " ") == n)
}

/// "cheeks, forehead" -> the areas; an unknown name is an error listing the known ones.
fn parse_areas(text: &str) -> Result<BTreeSet<Area>, String> {
    let mut out = BTreeSet::new();
    for name in text.split([',', ';']).map(str::trim).filter(|s| !s.is_empty()) {
        match area_named(name) {
            Some(a) => {
                out.insert(a);
            }
            None => {
                let known: Vec<&str> = Area::ALL.iter().map(|a| a.label()).collect();
                return Err(format!("unknown area '{name}'; use {}", known.join(", ")));
            }
        }
    }
    Ok(out)
}

/// "cheeks=1.25, forehead=0.5" -> corrected depths (range checked by `amend`).
fn parse_depth_fixes(text: &str) -> Result<BTreeMap<Area, Depth>, String> {
    let mut out = BTreeMap::new();
    for part in text.split([',', ';']).map(str::trim).filter(|s| !s.is_empty()) {
        let Some((area, depth)) = part.split_once('=') else {
            return Err(format!("'{part}': write area=depth, e.g. cheeks=1.25"));
        };
        let area = area_named(area).ok_or_else(|| format!("unknown area '{}'", area.trim()))?;
        out.insert(area, Depth::parse(depth)?);
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------
// Screening
// ---------------------------------------------------------------------------------------

/// One row of the screening list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScreeningRow {
    Absolute {
        id: String,
        label: String,
    },
    Relative {
        id: String,
        label: String,
    },
    Prompt {
        id: String,
        label: String,
    },
    Washout {
        id: String,
        label: String,
        period: String,
    },
}

/// The screening list's rows, in the template's order: absolute, relative, prompts,
/// washouts.
pub fn screening_rows(model: &Model) -> Vec<ScreeningRow> {
    let t = &model.templates.screening;
    let rule = |r: &crate::domain::screening::Rule| (r.id.clone(), r.label.clone());
    t.absolute
        .iter()
        .map(|r| {
            let (id, label) = rule(r);
            ScreeningRow::Absolute { id, label }
        })
        .chain(t.relative.iter().map(|r| {
            let (id, label) = rule(r);
            ScreeningRow::Relative { id, label }
        }))
        .chain(t.prompts.iter().map(|p| ScreeningRow::Prompt {
            id: p.id.clone(),
            label: p.label.clone(),
        }))
        .chain(t.washouts.iter().map(|w| ScreeningRow::Washout {
            id: w.id.clone(),
            label: w.label.clone(),
            period: w.period_text(),
        }))
        .collect()
}

fn screening_key(model: &mut Model, row: usize, key: KeyEvent) -> Vec<Effect> {
    if key.code == KeyCode::Esc {
        model.consult.popup = Popup::None;
        return Vec::new();
    }
    let rows = screening_rows(model);
    let Some(action) = screen_action_for(SCREENING_KEYS, &key) else {
        return Vec::new();
    };
    if !matches!(action, L::Up | L::Down) && model.refuse_selected_read_only() {
        return Vec::new();
    }
    let Some(patient) = model.selected_patient() else {
        return Vec::new();
    };
    let id = patient.id.clone();
    let row = row.min(rows.len().saturating_sub(1));
    let set_row = |model: &mut Model, row: usize| model.consult.popup = Popup::Screening { row };
    let form = |model: &mut Model, purpose: ConsultForm, form: Form| {
        model.overlay = Overlay::Form(FormPurpose::Consult(purpose), form);
    };
    match (action, rows.get(row)) {
        (L::Up, _) => set_row(model, row.saturating_sub(1)),
        (L::Down, _) => set_row(model, (row + 1).min(rows.len().saturating_sub(1))),
        (
            L::Toggle,
            Some(
                ScreeningRow::Absolute { id: rule, label }
                | ScreeningRow::Relative { id: rule, label }
                | ScreeningRow::Prompt { id: rule, label },
            ),
        ) => {
            let mut p = patient.clone();
            let next = match p.screening.answers.get(rule) {
                None => Some(false),
                Some(false) => Some(true),
                Some(true) => None,
            };
            match next {
                Some(v) => p.screening.answers.insert(rule.clone(), v),
                None => p.screening.answers.remove(rule),
            };
            let word = match next {
                Some(true) => "yes",
                Some(false) => "no",
                None => "unanswered",
            };
            model.set_status(StatusKind::Saved, format!("{label}: {word}"));
            return vec![model.put_patient(p)];
        }
        (L::Toggle | L::Date, Some(ScreeningRow::Washout { id: w, label, .. })) => {
            let current = match patient.screening.exposures.get(w) {
                None => String::new(),
                Some(None) => "none".into(),
                Some(Some(d)) => d.to_string(),
            };
            let mut f = Form::new(
                format!("Last exposure · {label}"),
                vec![Field::text(
                    "Last exposure",
                    "YYYY-MM-DD, none, or empty",
                    current,
                )],
            );
            f.notes
                .push("none = never or not in the washout period; empty = unanswered".into());
            form(model, ConsultForm::Exposure(id, w.clone()), f);
        }
        (L::Date, _) => model.set_status(
            StatusKind::Info,
            "dates are typed on the washout rows (Space answers a question)",
        ),
        (L::Review, _) => {
            let f = Form::new(
                "Screening reviewed today",
                vec![Field::text("Reviewed by", "clinician's name", "")],
            );
            form(model, ConsultForm::Review(id), f);
        }
        (L::Override, Some(r)) => {
            let target = match r {
                ScreeningRow::Absolute { id: rule, .. }
                    if patient.screening.answers.get(rule) == Some(&true) =>
                {
                    Some(rule.clone())
                }
                ScreeningRow::Washout { id: w, .. }
                    if matches!(patient.screening.exposures.get(w), Some(Some(_))) =>
                {
                    Some(format!("{}{w}", crate::domain::screening::WASHOUT_PREFIX))
                }
                _ => None,
            };
            match target {
                Some(target) => {
                    let label = row_label(r);
                    let f = Form::new(
                        format!("Override · {label}"),
                        vec![
                            Field::text("Clinician", "your name (required)", ""),
                            Field::text("Reason", "why booking is safe (required)", ""),
                        ],
                    );
                    form(model, ConsultForm::Override(id, target), f);
                }
                None => model.set_status(
                    StatusKind::Info,
                    "only a contraindication answered yes, or a washout with a date, can be overridden",
                ),
            }
        }
        (L::Acknowledge, Some(ScreeningRow::Relative { id: rule, label })) => {
            if patient.screening.answers.get(rule) == Some(&true) {
                let f = Form::new(
                    format!("Acknowledge · {label}"),
                    vec![Field::text("Clinician", "your name (required)", "")],
                );
                form(model, ConsultForm::Acknowledge(id, rule.clone()), f);
            } else {
                model.set_status(StatusKind::Info, "nothing to acknowledge: the answer is not yes");
            }
        }
        (L::Acknowledge, _) => model.set_status(
            StatusKind::Info,
            "only relative contraindications are acknowledged",
        ),
        _ => {}
    }
    Vec::new()
}

pub fn row_label(r: &ScreeningRow) -> &str {
    match r {
        ScreeningRow::Absolute { label, .. }
        | ScreeningRow::Relative { label, .. }
        | ScreeningRow::Prompt { label, .. }
        | ScreeningRow::Washout { label, .. } => label,
    }
}

// ---------------------------------------------------------------------------------------
// Session prep
// ---------------------------------------------------------------------------------------

/// One toggle of the prep list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrepRow {
    Consent,
    PhotoConsent,
    Photo(PhotoView),
    /// A screening prompt (rule id, text) confirmed for this session.
    Prompt(String, String),
}

impl PrepRow {
    pub fn label(&self) -> String {
        match self {
            PrepRow::Consent => "Consent signed".into(),
            PrepRow::PhotoConsent => "Photo consent signed".into(),
            PrepRow::Photo(v) => format!("Before-photo: {}", v.label()),
            PrepRow::Prompt(_, text) => text.clone(),
        }
    }
}

/// The prep toggles: both consents, the photo views, and the prompts that apply.
pub fn prep_rows(model: &Model, patient: &Patient) -> Vec<PrepRow> {
    let mut rows = vec![PrepRow::Consent, PrepRow::PhotoConsent];
    rows.extend(PhotoView::ALL.into_iter().map(PrepRow::Photo));
    rows.extend(
        model
            .templates
            .screening
            .prompts
            .iter()
            .filter(|p| patient.screening.answers.get(&p.id) == Some(&true))
            .map(|p| PrepRow::Prompt(p.id.clone(), p.prompt.clone())),
    );
    rows
}

fn prep_key(model: &mut Model, row: usize, key: KeyEvent) -> Vec<Effect> {
    if key.code == KeyCode::Esc {
        model.consult.popup = Popup::None;
        return Vec::new();
    }
    let Some(action) = screen_action_for(PREP_KEYS, &key) else {
        return Vec::new();
    };
    let Some((patient, si, ci)) = target(model) else {
        return Vec::new();
    };
    let rows = prep_rows(model, patient);
    let row = row.min(rows.len() - 1);
    match action {
        L::Up => {
            model.consult.popup = Popup::Prep {
                row: row.saturating_sub(1),
            }
        }
        L::Down => {
            model.consult.popup = Popup::Prep {
                row: (row + 1).min(rows.len() - 1),
            }
        }
        L::Toggle if model.read_only.contains_key(&patient.id) => {
            let id = patient.id.clone();
            model.refuse_read_only(&id);
        }
        L::Toggle => {
            let mut p = patient.clone();
            let today = model.today;
            let prep = &mut p.series[si].sessions[ci].prep;
            let flip = |d: &mut Option<NaiveDate>| {
                *d = if d.is_some() { None } else { Some(today) };
                d.is_some()
            };
            let on = match &rows[row] {
                PrepRow::Consent => flip(&mut prep.consent_signed),
                PrepRow::PhotoConsent => flip(&mut prep.photo_consent),
                PrepRow::Photo(v) => prep.photos.insert(*v) || !prep.photos.remove(v),
                PrepRow::Prompt(id, _) => {
                    prep.confirmed_prompts.insert(id.clone()) || !prep.confirmed_prompts.remove(id)
                }
            };
            let word = if on { "ticked" } else { "unticked" };
            model.set_status(
                StatusKind::Saved,
                format!("session {}: {} {word}", ci + 1, rows[row].label()),
            );
            return vec![model.put_patient(p)];
        }
        _ => {}
    }
    Vec::new()
}

// ---------------------------------------------------------------------------------------
// Chart
// ---------------------------------------------------------------------------------------

const CHART_DEVICE: usize = 0;
const CHART_LOT: usize = 1;
const CHART_DEPTHS: usize = 2;

/// The areas a chart of this session lists: those already charted, else the latest
/// assessment's treated areas, else the protocol's areas with a default depth, else all.
pub fn chart_areas(model: &Model, patient: &Patient, si: usize, ci: usize) -> Vec<Area> {
    let session = &patient.series[si].sessions[ci];
    if let Some(c) = &session.chart
        && !c.record().depths.is_empty()
    {
        return c.record().depths.keys().copied().collect();
    }
    if let Some(a) = skin::latest(&patient.skin)
        && !a.areas.is_empty()
    {
        return a.areas.iter().copied().collect();
    }
    let protocol = model
        .templates
        .protocols
        .iter()
        .find(|p| p.id == patient.series[si].protocol_id);
    match protocol {
        Some(p) if !p.depths.is_empty() => p.depths.keys().copied().collect(),
        _ => Area::ALL.to_vec(),
    }
}

fn open_chart(model: &mut Model) {
    let Some((patient, si, ci)) = target(model) else {
        model.set_status(StatusKind::Info, "no session to chart: plan a series first");
        return;
    };
    let session = &patient.series[si].sessions[ci];
    if session.chart.as_ref().is_some_and(SessionChart::is_signed) {
        model.consult.popup = Popup::ChartView;
        model.set_status(
            StatusKind::Info,
            "the chart is signed and read-only: m appends an amendment",
        );
        return;
    }
    if model.read_only.contains_key(&patient.id) {
        let id = patient.id.clone();
        model.refuse_read_only(&id);
        return;
    }
    let areas = chart_areas(model, patient, si, ci);
    let protocol = model
        .templates
        .protocols
        .iter()
        .find(|p| p.id == patient.series[si].protocol_id);
    let devices = &model.templates.devices;
    let chart = match (&session.chart, protocol) {
        (Some(c), _) => c.clone(),
        (None, Some(p)) => {
            let set: BTreeSet<Area> = areas.iter().copied().collect();
            let device = devices.first().map_or("", |d| d.id.as_str());
            SessionChart::new(crate::domain::chart::ChartRecord {
                device_id: device.to_string(),
                depths: default_depths(p, &set),
                ..Default::default()
            })
        }
        (None, None) => SessionChart::default(),
    };
    let r = chart.record();
    let device_idx = devices.iter().position(|d| d.id == r.device_id).unwrap_or(0);
    let mut fields = vec![
        Field::choice(
            "Device",
            devices.iter().map(|d| d.name.clone()).collect(),
            device_idx,
        ),
        Field::text("Cartridge lot", "", r.cartridge_lot.clone()),
    ];
    for a in &areas {
        let depth = r.depths.get(a).map(|d| d.to_string()).unwrap_or_default();
        fields.push(Field::text(a.label(), "mm; empty = not treated", depth));
    }
    let passes = if r.passes == 0 {
        String::new()
    } else {
        r.passes.to_string()
    };
    fields.push(Field::text("Passes", "1-20", passes));
    fields.push(Field::text(
        "End point",
        "e.g. pinpoint bleeding",
        r.end_point.clone(),
    ));
    for adj in Adjunct::ALL {
        let on = usize::from(r.adjuncts.contains(&adj));
        fields.push(Field::choice(adj.label(), vec!["no".into(), "yes".into()], on));
    }
    fields.push(Field::text("Reaction", "immediate reaction", r.reaction.clone()));
    fields.push(Field::text("Notes", "", r.notes.clone()));
    let mut form = Form::new(
        format!(
            "Chart · session {} · {}",
            ci + 1,
            patient.series[si].sessions[ci].date
        ),
        fields,
    );
    form.focus = CHART_LOT;
    let id = patient.id.clone();
    model.overlay = Overlay::Form(FormPurpose::Consult(ConsultForm::Chart(id, si, ci)), form);
}

fn parse_chart(
    model: &Model,
    patient: &Patient,
    si: usize,
    ci: usize,
    form: &mut Form,
) -> Option<SessionChart> {
    let areas = chart_areas(model, patient, si, ci);
    let device = model.templates.devices.get(form.choice(CHART_DEVICE))?;
    let mut depths = BTreeMap::new();
    for (i, area) in areas.iter().enumerate() {
        let text = form.value(CHART_DEPTHS + i).trim().to_string();
        if text.is_empty() {
            continue;
        }
        match parse_depth(&text, device) {
            Ok(d) => {
                depths.insert(*area, d);
            }
            Err(e) => {
                form.fail(CHART_DEPTHS + i, e);
                return None;
            }
        }
    }
    let at = CHART_DEPTHS + areas.len();
    let passes_text = form.value(at).trim();
    let passes = if passes_text.is_empty() {
        0
    } else {
        match passes_text.parse::<u8>() {
            Ok(n) if (1..=20).contains(&n) => n,
            _ => {
                form.fail(
                    at,
                    format!("passes: '{passes_text}' is not a number from 1 to 20"),
                );
                return None;
            }
        }
    };
    let adjuncts = Adjunct::ALL
        .iter()
        .enumerate()
        .filter(|(i, _)| form.choice(at + 2 + i) == 1)
        .map(|(_, a)| *a)
        .collect();
    let after = at + 2 + Adjunct::ALL.len();
    let mut chart = patient.series[si].sessions[ci].chart.clone().unwrap_or_default();
    let record = match chart.edit() {
        Ok(r) => r,
        Err(e) => {
            form.fail(0, e);
            return None;
        }
    };
    record.device_id = device.id.clone();
    record.cartridge_lot = form.value(CHART_LOT).trim().to_string();
    record.depths = depths;
    record.passes = passes;
    record.end_point = form.value(at + 1).trim().to_string();
    record.adjuncts = adjuncts;
    record.reaction = form.value(after).trim().to_string();
    record.notes = form.value(after + 1).trim().to_string();
    Some(chart)
}

fn open_sign(model: &mut Model) {
    let Some((patient, si, ci)) = target(model) else {
        model.set_status(StatusKind::Info, "no session selected");
        return;
    };
    match &patient.series[si].sessions[ci].chart {
        None => model.set_status(StatusKind::Info, "no chart to sign yet: c charts the session"),
        Some(c) if c.is_signed() => {
            model.consult.popup = Popup::ChartView;
            model.set_status(
                StatusKind::Info,
                "already signed and read-only: m appends an amendment",
            );
        }
        Some(c) => {
            let mut form = Form::new(
                format!("Sign the chart of session {}", ci + 1),
                vec![Field::text("Signed by", "clinician's name", "")],
            );
            let problems = c.record().problems(&model.templates.devices);
            form.warnings = problems;
            form.notes
                .push("once signed the chart is read-only; changes become dated amendments".into());
            form.enter_label = "sign";
            let id = patient.id.clone();
            model.overlay = Overlay::Form(FormPurpose::Consult(ConsultForm::Sign(id, si, ci)), form);
        }
    }
}

fn open_amend(model: &mut Model) {
    let Some((patient, si, ci)) = target(model) else {
        return;
    };
    let mut form = Form::new(
        format!("Amend the chart of session {}", ci + 1),
        vec![
            Field::text("By", "clinician's name", ""),
            Field::text("What changed", "and why", ""),
            Field::text("Depth fixes", "optional, e.g. cheeks=1.25", ""),
        ],
    );
    form.enter_label = "append";
    form.notes.push(format!(
        "dated {} and appended; the signed chart stays as it was",
        model.now.format("%Y-%m-%d %H:%M")
    ));
    let id = patient.id.clone();
    model.overlay = Overlay::Form(FormPurpose::Consult(ConsultForm::Amend(id, si, ci)), form);
}
