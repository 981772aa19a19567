//! The skin assessment form (`p` on the consult screen): Fitzpatrick type, IGA, scar
//! grades, an optional quantitative score and the treated areas, dated and signed.

use crate::app::form::{ChoiceOption, Field, Form};
use crate::app::model::Model;
use crate::domain::dates::parse_date;
use crate::domain::patient::Patient;
use crate::domain::skin::{
    self, Fitzpatrick, Iga, QUANTITATIVE_MAX, ScarFinding, ScarType, SkinAssessment, SkinError,
};

use super::area_text::parse_areas;

pub const PROFILE_DATE: &str = "date";
pub const PROFILE_BY: &str = "assessed_by";
const PROFILE_FITZPATRICK: &str = "fitzpatrick";
const PROFILE_IGA: &str = "iga";
pub const PROFILE_SCORE: &str = "quantitative_score";
pub const PROFILE_AREAS: &str = "areas";
const PROFILE_NOTES: &str = "notes";

/// The field of a scar type's grade ("scar.rolling").
fn scar_field(kind: ScarType) -> String {
    format!("scar.{}", kind.label().replace(' ', "_"))
}

/// Grades by their number ("0" for none).
fn grade_options() -> Vec<ChoiceOption> {
    std::iter::once(ChoiceOption::new(Some("0"), "none"))
        .chain(
            skin::GRADE_RANGE
                .map(|g| ChoiceOption::new(Some(g.to_string()), format!("{g} {}", skin::grade_label(g)))),
        )
        .collect()
}

/// The new assessment starts from the latest one (skin type, scars and areas rarely
/// change all at once); date today, assessor empty.
pub(super) fn profile_form(model: &Model, patient: &Patient) -> Form {
    let latest = skin::latest(&patient.skin);
    let fitz = latest.map_or(Fitzpatrick::III, |a| a.fitzpatrick);
    let iga = latest.map_or(Iga::Clear, |a| a.iga);
    let mut fields = vec![
        Field::text(PROFILE_DATE, "Date", "YYYY-MM-DD", model.today.to_string()),
        Field::text(PROFILE_BY, "Assessed by", "clinician's name", ""),
        Field::choice(
            PROFILE_FITZPATRICK,
            "Fitzpatrick",
            Fitzpatrick::ALL
                .iter()
                .map(|f| ChoiceOption::new(Some(f.label()), f.label()))
                .collect(),
            Some(fitz.label().into()),
        ),
        Field::choice(
            PROFILE_IGA,
            "IGA",
            Iga::ALL
                .iter()
                .map(|i| {
                    ChoiceOption::new(
                        Some(i.score().to_string()),
                        format!("{} {}", i.score(), i.label()),
                    )
                })
                .collect(),
            Some(iga.score().to_string()),
        ),
    ];
    for kind in ScarType::ALL {
        let grade = latest.and_then(|a| a.grade_of(kind)).unwrap_or(0);
        // Labels fit the form's label column ("hypertrophic/keloid" does not).
        let label = match kind {
            ScarType::Hypertrophic => "hypertrophic",
            other => other.label(),
        };
        fields.push(Field::choice(
            scar_field(kind),
            label,
            grade_options(),
            Some(grade.to_string()),
        ));
    }
    fields.push(Field::text(
        PROFILE_SCORE,
        "Score",
        "quantitative score 0-84, optional",
        latest
            .and_then(|a| a.quantitative_score)
            .map(|q| q.to_string())
            .unwrap_or_default(),
    ));
    let areas: Vec<&str> = latest.map_or(Vec::new(), |a| a.areas.iter().map(|a| a.label()).collect());
    fields.push(Field::text(
        PROFILE_AREAS,
        "Treated areas",
        "e.g. cheeks, forehead",
        areas.join(", "),
    ));
    fields.push(Field::text(PROFILE_NOTES, "Notes", "", ""));
    let mut form = Form::new(format!("Skin assessment · {}", patient.full_name), fields);
    form.focus_on(PROFILE_BY);
    form
}

fn parse_profile(model: &Model, form: &mut Form) -> Option<SkinAssessment> {
    // Everything is checked again: what the last try said no longer holds.
    form.errors.clear();
    let mut r = form.reader();
    let date = r.parse(PROFILE_DATE, parse_date);
    // Checked here too (the assessment's own validation repeats it), so that a missing
    // name shows with every other error at once.
    if r.text(PROFILE_BY).is_empty() {
        r.fail(PROFILE_BY, SkinError::AssessedBy);
    }
    if date.is_some_and(|d| d > model.today) {
        r.fail(PROFILE_DATE, "the assessment date is in the future");
    }
    let mut scars = Vec::new();
    for kind in ScarType::ALL {
        let grade = r
            .choice(&scar_field(kind))
            .flatten()
            .and_then(|g| g.parse::<u8>().ok())
            .unwrap_or(0);
        if grade > 0 {
            scars.push(ScarFinding { kind, grade });
        }
    }
    let quantitative_score = r.parse(PROFILE_SCORE, |t| {
        let t = t.trim();
        if t.is_empty() {
            return Ok(None);
        }
        t.parse::<u32>()
            .map(Some)
            .map_err(|_| format!("'{t}' is not a whole number 0-{QUANTITATIVE_MAX}"))
    });
    let areas = r.parse(PROFILE_AREAS, parse_areas);
    let fitzpatrick = r.choice_of(PROFILE_FITZPATRICK, &Fitzpatrick::ALL, Fitzpatrick::label);
    let iga = r
        .choice(PROFILE_IGA)
        .flatten()
        .and_then(|s| s.parse::<u8>().ok())
        .and_then(|n| Iga::try_from(n).ok());
    if iga.is_none() {
        r.fail(PROFILE_IGA, "choose an IGA grade");
    }
    let (Some(date), Some(quantitative_score), Some(areas), Some(fitzpatrick), Some(iga)) =
        (date, quantitative_score, areas, fitzpatrick, iga)
    else {
        let errors = r.finish().err().unwrap_or_default();
        form.set_errors(errors);
        return None;
    };
    if let Err(errors) = r.finish() {
        form.set_errors(errors);
        return None;
    }
    let a = SkinAssessment {
        date,
        by: form.text(PROFILE_BY).trim().to_string(),
        fitzpatrick,
        iga,
        scars,
        quantitative_score,
        areas,
        notes: form.text(PROFILE_NOTES).trim().to_string(),
    };
    if let Err(e) = a.validate() {
        form.fail(&profile_field(&e), e);
        return None;
    }
    Some(a)
}

/// The form field a refused assessment is about (a scar finding: that scar type's).
fn profile_field(e: &SkinError) -> String {
    match e {
        SkinError::AssessedBy => PROFILE_BY.into(),
        SkinError::QuantitativeScore(_) => PROFILE_SCORE.into(),
        SkinError::ScarGrade { kind, .. } | SkinError::ScarListedTwice(kind) => scar_field(*kind),
        SkinError::NoSuchIga(_) => PROFILE_IGA.into(),
    }
}

/// Saves the form as a new assessment; the earlier ones stay, so the trend shows.
pub(super) fn save_profile(model: &Model, patient: &mut Patient, form: &mut Form) -> Option<String> {
    let a = parse_profile(model, form)?;
    let mut text = format!("skin assessment of {} added", a.date);
    patient.skin.push(a);
    // Say at once what the new assessment makes the screening count (IGA 3-4, a
    // hypertrophic/keloid scar), whoever reads the status line.
    let t = &model.templates.screening;
    for id in t.skin_findings(skin::latest(&patient.skin)).keys() {
        if let Some(r) = t.absolute.iter().find(|r| &r.id == id) {
            text.push_str(&format!(
                "; screening: '{}' now blocks booking until a clinician overrides it (s)",
                r.label
            ));
        } else if let Some(r) = t.relative.iter().find(|r| &r.id == id) {
            text.push_str(&format!("; screening: '{}' to acknowledge (s)", r.label));
        }
    }
    Some(text)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use chrono::NaiveDate;

    use super::*;
    use crate::domain::patient::{PatientDetails, PatientId};
    use crate::domain::skin::Area;
    use crate::store::templates::Templates;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn model() -> Model {
        Model::new(
            day("2026-11-25").and_hms_opt(9, 0, 0).unwrap(),
            Templates::builtin(),
            Vec::new(),
        )
    }

    fn patient_assessed_on(date: NaiveDate) -> Patient {
        let details = PatientDetails {
            full_name: "Ann Lee".into(),
            ..Default::default()
        };
        let mut p = Patient::new(PatientId::new("p-1").unwrap(), details, day("2026-01-01"));
        p.skin.push(SkinAssessment {
            date,
            by: "Dr A".into(),
            fitzpatrick: Fitzpatrick::IV,
            iga: Iga::Mild,
            scars: vec![ScarFinding {
                kind: ScarType::Rolling,
                grade: 3,
            }],
            quantitative_score: Some(22),
            areas: BTreeSet::from([Area::Cheeks, Area::Temples]),
            notes: "old notes".into(),
        });
        p
    }

    #[test]
    fn the_form_opens_on_the_assessor_with_every_named_field() {
        let form = profile_form(&model(), &patient_assessed_on(day("2026-10-01")));
        for name in [
            PROFILE_DATE,
            PROFILE_BY,
            PROFILE_FITZPATRICK,
            PROFILE_IGA,
            PROFILE_SCORE,
            PROFILE_AREAS,
            PROFILE_NOTES,
        ] {
            assert!(form.has_field(name), "{name}");
        }
        assert_eq!(form.shown(&scar_field(ScarType::Rolling)), "3 moderate");
        assert_eq!(form.focused(), PROFILE_BY);
    }

    #[test]
    fn a_new_assessment_carries_the_latest_findings_dated_today_with_a_new_assessor() {
        let m = model();
        let earlier = patient_assessed_on(day("2026-10-01"));
        let mut form = profile_form(&m, &earlier);
        form.set_text(PROFILE_BY, "Dr B");
        let a = parse_profile(&m, &mut form).expect("the prefilled form parses");
        let last = &earlier.skin[0];
        assert_eq!(a.date, m.today);
        assert_eq!(a.by, "Dr B");
        assert_eq!(
            (a.fitzpatrick, a.iga, &a.scars, a.quantitative_score, &a.areas),
            (
                last.fitzpatrick,
                last.iga,
                &last.scars,
                last.quantitative_score,
                &last.areas
            )
        );
        assert_eq!(a.notes, "");
    }

    #[test]
    fn each_refusal_of_the_assessment_lands_on_its_field() {
        assert_eq!(profile_field(&SkinError::AssessedBy), PROFILE_BY);
        assert_eq!(profile_field(&SkinError::QuantitativeScore(85)), PROFILE_SCORE);
        let grade = SkinError::ScarGrade {
            kind: ScarType::Rolling,
            grade: 5,
        };
        assert_eq!(profile_field(&grade), scar_field(ScarType::Rolling));
        assert_eq!(
            profile_field(&SkinError::ScarListedTwice(ScarType::Boxcar)),
            scar_field(ScarType::Boxcar)
        );
        assert_eq!(profile_field(&SkinError::NoSuchIga(5)), PROFILE_IGA);

        let m = model();
        let mut form = profile_form(&m, &patient_assessed_on(day("2026-10-01")));
        form.set_text(PROFILE_BY, "  ");
        assert!(parse_profile(&m, &mut form).is_none());
        assert_eq!(
            form.first_error(),
            Some((PROFILE_BY, "assessed by: enter the clinician's name"))
        );
        form.set_text(PROFILE_BY, "Dr B");
        form.set_text(PROFILE_SCORE, "85");
        assert!(parse_profile(&m, &mut form).is_none());
        assert_eq!(
            form.first_error(),
            Some((
                PROFILE_SCORE,
                "quantitative score: 85 is above the scale's maximum of 84"
            ))
        );
    }

    #[test]
    fn a_future_date_or_a_score_that_is_not_a_number_stays_on_its_field() {
        let m = model();
        let p = patient_assessed_on(day("2026-10-01"));
        let mut form = profile_form(&m, &p);
        form.set_text(PROFILE_BY, "Dr B");
        form.set_text(PROFILE_DATE, "2026-11-26");
        form.set_text(PROFILE_SCORE, "lots");
        assert!(parse_profile(&m, &mut form).is_none());
        assert_eq!(
            form.error_of(PROFILE_DATE),
            Some("the assessment date is in the future"),
            "both errors at once"
        );
        assert_eq!(
            form.error_of(PROFILE_SCORE),
            Some("'lots' is not a whole number 0-84")
        );
        assert_eq!(form.focused(), PROFILE_DATE, "the first bad field");
        form.set_text(PROFILE_DATE, "2026-11-25");
        assert!(parse_profile(&m, &mut form).is_none());
        assert_eq!(form.errors.len(), 1);
        assert!(form.error_of(PROFILE_SCORE).is_some());
    }
}
