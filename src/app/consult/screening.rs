//! The screening list popup (`s` on the consult screen): contraindication questions,
//! prompts and washout dates, and the forms that answer them, mark the screening
//! reviewed, override a block or acknowledge a relative contraindication.

use ratatui::crossterm::event::KeyEvent;

use crate::app::clinical_rules;
use crate::app::form::{Field, Form};
use crate::app::keymap::screen_action_for;
use crate::app::model::{Effect, FormPurpose, Model, Overlay, StatusKind};
use crate::domain::dates::parse_date;
use crate::domain::patient::Patient;
use crate::domain::staff::Permission;

use super::ConsultForm;
use super::keys::{ListAction as L, SCREENING_KEYS};

const EXPOSURE: &str = "last_exposure";
const REASON: &str = "reason";
const CHANGE_REASON: &str = "change_reason";

/// The form that asks why an absolute contraindication or a washout date is cleared.
pub(super) fn reason_form(what: &str) -> Form {
    let mut f = Form::new(
        "Reason for this change",
        vec![Field::text(
            CHANGE_REASON,
            "Reason",
            "why (a few words, kept in the history)",
            "",
        )],
    );
    f.notes.push(what.to_string());
    f.notes
        .push("it clears a safety answer: the reason is kept with who and when".into());
    f
}

/// The reason typed in `reason_form`, or `None` (the field says why).
pub(super) fn read_reason(form: &mut Form) -> Option<String> {
    match crate::domain::schedule::override_reason(form.text(CHANGE_REASON)) {
        Ok(r) => Some(r),
        Err(_) => {
            form.fail(
                CHANGE_REASON,
                "reason: a few words at least (4 characters or more)",
            );
            None
        }
    }
}

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

/// A key in the screening list (`Overlay::Screening`, taken off the model: it is put
/// back unless the key closes it).
pub fn screening_key(model: &mut Model, row: usize, key: KeyEvent) -> Vec<Effect> {
    let rows = screening_rows(model);
    let Some(action) = screen_action_for(SCREENING_KEYS, &key) else {
        model.overlay = Overlay::Screening { row };
        return Vec::new();
    };
    if action == L::Close {
        return Vec::new();
    }
    model.overlay = Overlay::Screening { row };
    if !matches!(action, L::Up | L::Down) && model.refuse_selected_read_only() {
        return Vec::new();
    }
    let needs = match action {
        L::Override | L::Acknowledge => Some(Permission::ClinicalOverride),
        L::Up | L::Down => None,
        _ => Some(Permission::Screening),
    };
    if needs.is_some_and(|p| model.refuse_unless(p)) {
        return Vec::new();
    }
    let Some(patient) = model.selected_patient() else {
        return Vec::new();
    };
    let id = patient.id.clone();
    let row = row.min(rows.len().saturating_sub(1));
    let set_row = |model: &mut Model, row: usize| model.overlay = Overlay::Screening { row };
    // The form opens over the list, which shows again when the form closes.
    let form = |model: &mut Model, purpose: ConsultForm, form: Form| {
        model.push_overlay(Overlay::Form(FormPurpose::Consult(purpose), form));
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
            return super::commit(model, p, format!("{label}: {word}"));
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
                    EXPOSURE,
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
            // Reviewed by the acting staff member: no name is typed.
            let mut f = Form::new("Screening reviewed today", Vec::new());
            f.notes.push(format!(
                "reviewed by {} (login {}), today",
                model.acting_name(),
                model.acting_login()
            ));
            f.enter_label = "mark reviewed";
            form(model, ConsultForm::Review(id), f);
        }
        (L::Override, Some(r)) => {
            let target = match r {
                ScreeningRow::Absolute { id: rule, .. }
                    if clinical_rules::rule_present(&model.templates, patient, rule) =>
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
                    // Overridden by the acting clinician: only the reason is typed.
                    let mut f = Form::new(
                        format!("Override · {label}"),
                        vec![Field::text(REASON, "Reason", "why booking is safe (required)", "")],
                    );
                    f.notes.push(format!("overridden by {}, now", model.acting_name()));
                    form(model, ConsultForm::Override(id, target), f);
                }
                None => model.set_status(
                    StatusKind::Info,
                    "only a contraindication answered yes (or shown by the skin assessment), or a washout with a date, can be overridden",
                ),
            }
        }
        (L::Acknowledge, Some(ScreeningRow::Relative { id: rule, label })) => {
            if clinical_rules::rule_present(&model.templates, patient, rule) {
                let mut f = Form::new(format!("Acknowledge · {label}"), Vec::new());
                f.notes.push(format!("acknowledged by {}, now", model.acting_name()));
                f.enter_label = "acknowledge";
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

/// The last exposure for a washout: a date, "none" (or "no"), or empty for unanswered.
pub(super) fn save_exposure(
    model: &Model,
    patient: &mut Patient,
    washout: &str,
    form: &mut Form,
) -> Option<String> {
    let text = form.text(EXPOSURE).trim().to_lowercase();
    let label = model
        .templates
        .screening
        .washout(washout)
        .map_or(washout.to_string(), |w| w.label.clone());
    if text.is_empty() {
        patient.screening.exposures.remove(washout);
        Some(format!("{label}: unanswered"))
    } else if text == "none" || text == "no" {
        patient.screening.exposures.insert(washout.to_string(), None);
        Some(format!("{label}: none"))
    } else {
        let date = match parse_date(&text) {
            Ok(d) if d > model.today => {
                form.fail(EXPOSURE, "the last exposure cannot be in the future");
                return None;
            }
            Ok(d) => d,
            Err(e) => {
                form.fail(EXPOSURE, format!("{e}, or none"));
                return None;
            }
        };
        patient
            .screening
            .exposures
            .insert(washout.to_string(), Some(date));
        Some(format!("{label}: last {date}"))
    }
}

pub(super) fn save_review(model: &Model, patient: &mut Patient, form: &mut Form) -> Option<String> {
    if let Err(e) = patient.screening.review(&model.acting_name(), model.today) {
        form.refusals = vec![e.to_string()];
        return None;
    }
    Some(format!(
        "screening reviewed {} by {}",
        model.today, patient.screening.reviewed_by
    ))
}

/// Lifts a block (`target`: an absolute rule's id or `washout:<id>`); both the name and
/// the reason are required because they are kept with the record.
pub(super) fn save_override(
    model: &Model,
    patient: &mut Patient,
    target: &str,
    form: &mut Form,
) -> Option<String> {
    let by = model.acting_name();
    if form.text(REASON).trim().is_empty() {
        form.fail(REASON, "override: enter the reason (it is kept with the record)");
        return None;
    }
    // A reason of a few words, as for an interval override: "x" explains nothing.
    if let Err(e) = crate::domain::schedule::override_reason(form.text(REASON)) {
        form.fail(REASON, format!("override: {e}"));
        return None;
    }
    let t = &model.templates.screening;
    if let Err(e) = patient
        .screening
        .add_override(t, target, &by, form.text(REASON), model.now)
    {
        match e {
            crate::domain::screening::ScreeningError::OverrideReason => form.fail(REASON, e),
            _ => form.refusals = vec![e.to_string()],
        }
        return None;
    }
    Some(format!("block overridden by {by}"))
}

pub(super) fn save_acknowledge(
    model: &Model,
    patient: &mut Patient,
    rule: &str,
    form: &mut Form,
) -> Option<String> {
    let t = &model.templates.screening;
    let by = model.acting_name();
    if let Err(e) = patient.screening.acknowledge(t, rule, &by, model.now) {
        form.refusals = vec![e.to_string()];
        return None;
    }
    Some(format!("warning acknowledged by {by}"))
}
