//! The skin assessment form (`p` on the consult screen): Fitzpatrick type, IGA, scar
//! grades, an optional quantitative score and the treated areas, dated and signed.

use crate::app::form::{Field, Form};
use crate::app::model::Model;
use crate::domain::dates::parse_date;
use crate::domain::patient::Patient;
use crate::domain::skin::{
    self, Fitzpatrick, Iga, QUANTITATIVE_MAX, ScarFinding, ScarType, SkinAssessment, SkinError,
};

use super::area_text::parse_areas;

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
pub(super) fn profile_form(model: &Model, patient: &Patient) -> Form {
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
            form.fail(PROFILE_DATE, e.to_string());
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
        form.fail(profile_field(&e), e.to_string());
        return None;
    }
    Some(a)
}

/// The form field a refused assessment is about.
fn profile_field(e: &SkinError) -> usize {
    match e {
        SkinError::AssessedBy => PROFILE_BY,
        SkinError::QuantitativeScore(_) => PROFILE_SCORE,
        SkinError::ScarGrade { .. } | SkinError::ScarListedTwice(_) => PROFILE_SCARS,
        SkinError::NoSuchIga(_) => PROFILE_IGA,
    }
}

/// Saves the form as a new assessment; the earlier ones stay, so the trend shows.
pub(super) fn save_profile(model: &Model, patient: &mut Patient, form: &mut Form) -> Option<String> {
    let a = parse_profile(model, form)?;
    let text = format!("skin assessment of {} added", a.date);
    patient.skin.push(a);
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
    fn the_field_indices_name_the_fields_the_form_puts_there() {
        let form = profile_form(&model(), &patient_assessed_on(day("2026-10-01")));
        let label = |i: usize| form.fields[i].label;
        assert_eq!(label(PROFILE_DATE), "Date");
        assert_eq!(label(PROFILE_BY), "Assessed by");
        assert_eq!(label(PROFILE_FITZPATRICK), "Fitzpatrick");
        assert_eq!(label(PROFILE_IGA), "IGA");
        assert_eq!(label(PROFILE_SCARS), "ice pick");
        assert_eq!(label(PROFILE_SCORE), "Score");
        assert_eq!(label(PROFILE_AREAS), "Treated areas");
        assert_eq!(label(PROFILE_NOTES), "Notes");
        assert_eq!(form.fields.len(), PROFILE_NOTES + 1);
        assert_eq!(form.focus, PROFILE_BY);
    }

    #[test]
    fn a_new_assessment_carries_the_latest_findings_dated_today_with_a_new_assessor() {
        let m = model();
        let earlier = patient_assessed_on(day("2026-10-01"));
        let mut form = profile_form(&m, &earlier);
        form.fields[PROFILE_BY].value = "Dr B".into();
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
        assert_eq!(profile_field(&grade), PROFILE_SCARS);
        assert_eq!(
            profile_field(&SkinError::ScarListedTwice(ScarType::Boxcar)),
            PROFILE_SCARS
        );
        assert_eq!(profile_field(&SkinError::NoSuchIga(5)), PROFILE_IGA);

        let m = model();
        let mut form = profile_form(&m, &patient_assessed_on(day("2026-10-01")));
        form.fields[PROFILE_BY].value = "  ".into();
        assert!(parse_profile(&m, &mut form).is_none());
        assert_eq!(
            form.error,
            Some((PROFILE_BY, "assessed by: enter the clinician's name".into()))
        );
        form.fields[PROFILE_BY].value = "Dr B".into();
        form.fields[PROFILE_SCORE].value = "85".into();
        assert!(parse_profile(&m, &mut form).is_none());
        assert_eq!(
            form.error,
            Some((
                PROFILE_SCORE,
                "quantitative score: 85 is above the scale's maximum of 84".into()
            ))
        );
    }

    #[test]
    fn a_future_date_or_a_score_that_is_not_a_number_stays_on_its_field() {
        let m = model();
        let p = patient_assessed_on(day("2026-10-01"));
        let mut form = profile_form(&m, &p);
        form.fields[PROFILE_BY].value = "Dr B".into();
        form.fields[PROFILE_DATE].value = "2026-11-26".into();
        assert!(parse_profile(&m, &mut form).is_none());
        assert_eq!(
            form.error,
            Some((PROFILE_DATE, "the assessment date is in the future".into()))
        );
        form.fields[PROFILE_DATE].value = "2026-11-25".into();
        form.fields[PROFILE_SCORE].value = "lots".into();
        assert!(parse_profile(&m, &mut form).is_none());
        assert_eq!(form.error.as_ref().map(|(field, _)| *field), Some(PROFILE_SCORE));
    }
}
