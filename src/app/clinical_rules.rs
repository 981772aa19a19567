//! The clinical rules of issue 4 as the screens need them: whether the screening lets a
//! session be booked on a date, and what is missing before a session can be marked done.
//! Pure functions of the model and a patient (no keys, no drawing, no saving), so the
//! booking and session forms, the plan pane and the consult screen all ask the same
//! questions and get the same answers.

use chrono::NaiveDate;

use crate::domain::patient::Patient;
use crate::domain::readiness::{Missing, missing_before_done};
use crate::domain::screening::{ScreeningResult, WASHOUT_PREFIX, booking_allowed, evaluate_with_skin};
use crate::domain::series::SessionStatus;
use crate::domain::skin::{self, pih_caution};
use crate::store::templates::Templates;

use super::consult::{CONSULT_KEYS, ConsultAction, ListAction, PREP_KEYS, SCREENING_KEYS};
use super::keymap::Binding;
use super::model::Model;
use super::screen::ScreenId;

/// The patient's screening evaluated for a session on `date`, with the clinic's template
/// and the patient's latest skin assessment (IGA 3-4 counts as active inflammatory acne,
/// a hypertrophic/keloid scar as a keloid tendency: `screening.json`'s `skin_rules`).
pub fn screening_for(templates: &Templates, patient: &Patient, date: NaiveDate) -> ScreeningResult {
    evaluate_with_skin(
        &patient.screening,
        skin::latest(&patient.skin),
        &templates.screening,
        date,
    )
}

/// Whether rule `id` counts for the patient: answered yes, or shown by the latest skin
/// assessment. Such a rule can be overridden (absolute) or acknowledged (relative).
pub fn rule_present(templates: &Templates, patient: &Patient, id: &str) -> bool {
    patient.screening.answers.get(id) == Some(&true)
        || templates
            .screening
            .skin_findings(skin::latest(&patient.skin))
            .contains_key(id)
}

/// Why the screening refuses booking `patient` on `date`, one line per reason: every
/// absolute contraindication that is present and every washout still running on `date`,
/// unless a clinician overrode it (name and reason, on the consult screen's screening
/// list). Empty when booking is allowed. Unanswered questions and an old review do not
/// refuse a booking; they are listed by [`done_refusals`] before the session is done.
pub fn screening_refusals(model: &Model, patient: &Patient, date: NaiveDate) -> Vec<String> {
    let result = screening_for(&model.templates, patient, date);
    if booking_allowed(&result).is_ok() {
        return Vec::new();
    }
    result
        .open_blocks()
        .map(|b| {
            if b.rule_id.starts_with(WASHOUT_PREFIX) {
                format!("washout: {}", b.message)
            } else {
                format!("absolute contraindication: {}", b.message)
            }
        })
        .collect()
}

/// The labels of the blocks that refuse booking `patient` on `date` (an absolute rule's
/// label, or a washout's), as the consult screen's screening list names their rows.
pub fn open_block_labels(model: &Model, patient: &Patient, date: NaiveDate) -> Vec<String> {
    let t = &model.templates.screening;
    screening_for(&model.templates, patient, date)
        .open_blocks()
        .map(|b| match b.rule_id.strip_prefix(WASHOUT_PREFIX) {
            Some(id) => t.washout(id).map_or_else(|| id.to_string(), |w| w.label.clone()),
            // The row's label, not the message (which may say what the skin shows).
            None => t
                .absolute
                .iter()
                .find(|r| r.id == b.rule_id)
                .map_or_else(|| b.message.clone(), |r| r.label.clone()),
        })
        .collect()
}

/// The washout that keeps the patient from treatment longest, among those no clinician
/// has lifted: (the first day it allows, its label). It may lie in the past; `None`
/// when no such washout has a recorded exposure.
pub fn eligible_from(model: &Model, patient: &Patient) -> Option<(NaiveDate, String)> {
    model
        .templates
        .screening
        .washouts
        .iter()
        .filter(|w| patient.screening.override_for(&w.target()).is_none())
        .filter_map(|w| {
            let last = (*patient.screening.exposures.get(&w.id)?)?;
            Some((w.eligible_from(last), w.label.clone()))
        })
        .max_by_key(|(date, _)| *date)
}

/// The label of the first key bound to `action` in `table` (e.g. "s").
fn key_of<A: PartialEq>(table: &[Binding<A>], action: A) -> String {
    table
        .iter()
        .find(|b| b.action == action)
        .and_then(|b| b.keys.first())
        .map(|k| k.label())
        .unwrap_or_default()
}

/// The key that opens the consult screen from the main screen ("4").
fn consult_key() -> String {
    ScreenId::Consult.key().to_string()
}

/// Where a clinician lifts the screening blocks `labels`, in the keys that do it (read
/// from the key tables, so the note follows the keymap). A booking form's override
/// reason never lifts them: only the clinician's name and reason on the consult screen.
pub fn override_note(labels: &[String]) -> String {
    let rows = labels
        .iter()
        .map(|l| format!("\"{l}\""))
        .collect::<Vec<_>>()
        .join(" / ");
    format!(
        "only a clinician can lift this (a booking's Override reason does not): Esc, {} (consult), {} (screening), Up/Down to {rows}, {}, their name and reason, Enter",
        consult_key(),
        key_of(CONSULT_KEYS, ConsultAction::Screening),
        key_of(SCREENING_KEYS, ListAction::Override),
    )
}

/// Where each kind of missing item is recorded on the consult screen, in keys: the
/// session prep (`d`) for consents, photos and prompts; the screening list (`s`) for the
/// review, answers, overrides and acknowledgements. `number` is the session's 1-based
/// number, `None` for a session not saved yet.
pub fn record_notes(missing: &[Missing], number: Option<usize>) -> Vec<String> {
    let prep = missing.iter().any(|m| {
        matches!(
            m,
            Missing::Consent | Missing::PhotoConsent | Missing::Photo(_) | Missing::Prompt(_)
        )
    });
    let screening = missing.iter().any(|m| {
        matches!(
            m,
            Missing::ScreeningNotReviewed
                | Missing::Rescreen { .. }
                | Missing::Unanswered(_)
                | Missing::OpenBlock(_)
                | Missing::Unacknowledged(_)
        )
    });
    let consult = consult_key();
    let mut out = Vec::new();
    if prep {
        let which = match number {
            Some(n) => format!("Up/Down to session {n}"),
            None => "save this session first (as planned or booked), then Up/Down to it".into(),
        };
        out.push(format!(
            "record consents, photos and prompts: Esc, {consult} (consult), {which}, {} (prep), {} ticks each",
            key_of(CONSULT_KEYS, ConsultAction::Prep),
            key_of(PREP_KEYS, ListAction::Toggle),
        ));
    }
    if screening {
        out.push(format!(
            "screening: Esc, {consult} (consult), {} (screening): {} answers, {} marks it reviewed, {} acknowledges, {} overrides",
            key_of(CONSULT_KEYS, ConsultAction::Screening),
            key_of(SCREENING_KEYS, ListAction::Toggle),
            key_of(SCREENING_KEYS, ListAction::Review),
            key_of(SCREENING_KEYS, ListAction::Acknowledge),
            key_of(SCREENING_KEYS, ListAction::Override),
        ));
    }
    if missing.iter().any(|m| matches!(m, Missing::Interval(_))) {
        out.push("interval: move the session, or type why in Override reason".into());
    }
    out
}

/// What is missing before session `session_idx` of series `series_idx` can be marked
/// done (consent, photo consent, before-photos, a current screening with nothing open,
/// prompts confirmed, the interval respected), in the order the plan lists it. Empty when
/// the session is ready, or when there is no such session.
///
/// An interval below the minimum counts as respected when a reason was recorded for it
/// (issue 3: the minimum interval may be overridden with a typed reason): on this
/// session, or on the neighbour it is too close to.
pub fn missing(
    templates: &Templates,
    patient: &Patient,
    series_idx: usize,
    session_idx: usize,
) -> Vec<Missing> {
    let Some(series) = patient.series.get(series_idx) else {
        return Vec::new();
    };
    let Some(session) = series.sessions.get(session_idx) else {
        return Vec::new();
    };
    let screening = screening_for(templates, patient, session.date);
    let interval = if session.interval_override.is_some() {
        Vec::new()
    } else {
        // A neighbour holding a reason was booked too close on purpose: it does not count.
        let mut counted = series.clone();
        for s in counted
            .sessions
            .iter_mut()
            .filter(|s| s.interval_override.is_some())
        {
            s.status = SessionStatus::Cancelled;
        }
        counted.interval_warnings(Some(session_idx), session.date, SessionStatus::Done)
    };
    missing_before_done(
        &session.prep,
        &screening,
        &interval,
        &templates.screening.before_session,
    )
}

/// Why session `session_idx` of series `series_idx` cannot be marked done yet, one line
/// per missing item ([`missing`] in words). Empty when it may be marked done.
pub fn done_refusals(model: &Model, patient: &Patient, series_idx: usize, session_idx: usize) -> Vec<String> {
    missing(&model.templates, patient, series_idx, session_idx)
        .iter()
        .map(Missing::text)
        .collect()
}

/// A short form of a missing item for the one-line "Missing: ..." of the plan.
pub fn short_text(m: &Missing) -> String {
    match m {
        Missing::Consent => "consent".into(),
        Missing::PhotoConsent => "photo consent".into(),
        Missing::Photo(v) => format!("photo ({})", v.label()),
        Missing::ScreeningNotReviewed => "screening not reviewed".into(),
        Missing::Rescreen { reviewed_on } => format!("re-screen (last {reviewed_on})"),
        Missing::Unanswered(labels) => format!("{} screening answers", labels.len()),
        Missing::OpenBlock(_) => "contraindication open".into(),
        Missing::Unacknowledged(_) => "warning to acknowledge".into(),
        Missing::Prompt(_) => "prompt not confirmed".into(),
        Missing::Interval(_) => "interval too short".into(),
    }
}

/// The prompts (antiviral prophylaxis for a history of cold sores) that apply before
/// every session of this patient: the texts of the prompt rules answered yes.
pub fn session_prompts(templates: &Templates, patient: &Patient) -> Vec<String> {
    templates
        .screening
        .prompts
        .iter()
        .filter(|p| patient.screening.answers.get(&p.id) == Some(&true))
        .map(|p| p.prompt.clone())
        .collect()
}

/// The PIH caution for the patient's latest skin type, if it calls for one.
pub fn pih_text(templates: &Templates, patient: &Patient) -> Option<String> {
    let latest = skin::latest(&patient.skin)?;
    pih_caution(latest.fitzpatrick, &templates.screening).then(|| templates.screening.pih.text.clone())
}

/// "Scars: grade 3 -> 2 since 2026-03" once there are two assessments.
pub fn trend_text(patient: &Patient) -> Option<String> {
    skin::trend(&patient.skin).map(|t| format!("Scars: {}", t.text()))
}

/// The session an aftercare sheet is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HandoutSession {
    /// 1-based number of the session in its series.
    pub number: usize,
    pub date: NaiveDate,
    /// Done; else it is the next one to come.
    pub done: bool,
    /// No later session of the series is planned: the sheet lists the review visits.
    pub last_in_series: bool,
}

/// The latest session done over every series, else the next upcoming one; `None` when
/// the patient has neither.
pub fn handout_session(patient: &Patient) -> Option<HandoutSession> {
    let all = || {
        patient
            .series
            .iter()
            .flat_map(|s| s.sessions.iter().enumerate().map(move |(i, x)| (s, i, x)))
    };
    let (series, i, session) = all()
        .filter(|(_, _, x)| x.status == SessionStatus::Done)
        .max_by_key(|(_, _, x)| x.starts_at())
        .or_else(|| {
            all()
                .filter(|(_, _, x)| x.status.is_upcoming())
                .min_by_key(|(_, _, x)| x.starts_at())
        })?;
    let later = series
        .sessions
        .iter()
        .any(|x| x.status.counts_for_interval() && x.starts_at() > session.starts_at());
    Some(HandoutSession {
        number: i + 1,
        date: session.date,
        done: session.status == SessionStatus::Done,
        last_in_series: !later,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::patient::{PatientDetails, PatientId};
    use crate::domain::readiness::PhotoView;
    use crate::domain::series::{Series, SeriesPlan};
    use chrono::NaiveDateTime;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn now() -> NaiveDateTime {
        d("2026-11-25").and_hms_opt(9, 0, 0).unwrap()
    }

    fn patient() -> Patient {
        let details = PatientDetails {
            full_name: "Ann Lee".into(),
            ..Default::default()
        };
        let mut p = Patient::new(PatientId::new("p-1").unwrap(), details, d("2026-11-01"));
        let plan = SeriesPlan {
            protocol_id: "x".into(),
            protocol_name: "X".into(),
            sessions: 2,
            interval_days: 28,
            min_interval_days: 14,
            start: d("2026-12-01"),
            time: None,
        };
        p.series.push(Series::from_plan(&plan, d("2026-11-01")));
        p
    }

    /// Every question answered no, no exposure, reviewed on `on`.
    fn screened(p: &mut Patient, t: &Templates, on: NaiveDate) {
        let s = &t.screening;
        for id in s
            .absolute
            .iter()
            .chain(&s.relative)
            .map(|r| &r.id)
            .chain(s.prompts.iter().map(|p| &p.id))
        {
            p.screening.answers.insert(id.clone(), false);
        }
        for w in &s.washouts {
            p.screening.exposures.insert(w.id.clone(), None);
        }
        p.screening.review("Dr A", on).unwrap();
    }

    fn model() -> Model {
        Model::new(now(), Templates::builtin(), Vec::new())
    }

    #[test]
    fn an_isotretinoin_washout_refuses_before_the_eligible_date_only() {
        let m = model();
        let mut p = patient();
        p.screening
            .exposures
            .insert("isotretinoin".into(), Some(d("2026-06-15")));
        let refused = screening_refusals(&m, &p, d("2026-12-14"));
        assert_eq!(refused.len(), 1, "{refused:?}");
        assert!(
            refused[0].starts_with("washout: Oral isotretinoin"),
            "{}",
            refused[0]
        );
        assert!(
            refused[0].contains("earliest eligible 2026-12-15"),
            "{}",
            refused[0]
        );
        assert!(screening_refusals(&m, &p, d("2026-12-15")).is_empty());
    }

    #[test]
    fn an_absolute_contraindication_refuses_until_overridden_with_name_and_reason() {
        let m = model();
        let mut p = patient();
        p.screening.answers.insert("pregnancy".into(), true);
        assert_eq!(
            screening_refusals(&m, &p, d("2026-12-01")),
            ["absolute contraindication: Pregnancy"]
        );
        let t = &m.templates.screening;
        assert!(
            p.screening
                .add_override(t, "pregnancy", "Dr A", " ", now())
                .is_err()
        );
        p.screening
            .add_override(t, "pregnancy", "Dr A", "post-partum, cleared", now())
            .unwrap();
        assert!(screening_refusals(&m, &p, d("2026-12-01")).is_empty());
    }

    #[test]
    fn done_is_refused_until_consents_photos_screening_and_prompts_are_in() {
        let m = model();
        let mut p = patient();
        let all = done_refusals(&m, &p, 0, 0);
        assert_eq!(
            &all[..3],
            [
                "consent not signed",
                "photo consent not signed",
                "before-photo missing: front"
            ]
        );
        assert!(all.contains(&"screening not reviewed".to_string()), "{all:?}");

        screened(&mut p, &m.templates, d("2026-11-25"));
        p.screening.answers.insert("hsv_history".into(), true);
        let prep = &mut p.series[0].sessions[0].prep;
        prep.consent_signed = Some(d("2026-11-25"));
        prep.photo_consent = Some(d("2026-11-25"));
        prep.photos = PhotoView::ALL.into_iter().collect();
        let left = done_refusals(&m, &p, 0, 0);
        assert_eq!(left.len(), 1, "{left:?}");
        assert!(
            left[0].starts_with("not confirmed: Antiviral prophylaxis"),
            "{left:?}"
        );
        assert_eq!(session_prompts(&m.templates, &p).len(), 1);

        p.series[0].sessions[0]
            .prep
            .confirmed_prompts
            .insert("hsv_history".into());
        assert!(done_refusals(&m, &p, 0, 0).is_empty());
        // The review covers 30 days: the second session (12-29) asks for a re-screen.
        let second = done_refusals(&m, &p, 0, 1);
        assert!(
            second.iter().any(|r| r.starts_with("re-screen needed")),
            "{second:?}"
        );
        // No such session: nothing to refuse.
        assert!(done_refusals(&m, &p, 3, 0).is_empty());
    }

    #[test]
    fn the_handout_is_for_the_latest_session_done_else_the_next() {
        let mut p = patient();
        let next = handout_session(&p).unwrap();
        assert_eq!((next.number, next.done, next.last_in_series), (1, false, false));
        p.series[0].sessions[0].status = SessionStatus::Done;
        let done = handout_session(&p).unwrap();
        assert_eq!((done.number, done.date, done.done), (1, d("2026-12-01"), true));
        p.series[0].sessions[1].status = SessionStatus::Done;
        assert!(handout_session(&p).unwrap().last_in_series);
        p.series.clear();
        assert_eq!(handout_session(&p), None);
    }

    #[test]
    fn a_session_too_close_to_its_neighbour_is_not_ready() {
        let m = model();
        let mut p = patient();
        p.series[0].sessions[1].date = d("2026-12-05");
        let texts = done_refusals(&m, &p, 0, 1);
        assert!(
            texts
                .iter()
                .any(|t| t.starts_with("interval: 4 days from session 1")),
            "{texts:?}"
        );
        let short: Vec<String> = missing(&m.templates, &p, 0, 1).iter().map(short_text).collect();
        assert!(short.contains(&"interval too short".to_string()));
        assert!(short.contains(&"photo (left)".to_string()));
    }

    #[test]
    fn an_interval_booked_with_a_typed_reason_counts_as_respected_on_either_session() {
        let m = model();
        let mut p = patient();
        p.series[0].sessions[1].date = d("2026-12-05");
        let interval = |p: &Patient, i| {
            missing(&m.templates, p, 0, i)
                .into_iter()
                .filter(|x| matches!(x, Missing::Interval(_)))
                .count()
        };
        assert_eq!((interval(&p, 0), interval(&p, 1)), (1, 1));
        p.series[0].sessions[1].interval_override = Some("flies abroad".into());
        assert_eq!((interval(&p, 0), interval(&p, 1)), (0, 0));
    }

    #[test]
    fn an_open_washout_gives_the_eligible_date_until_a_clinician_lifts_it() {
        let m = model();
        let mut p = patient();
        assert_eq!(eligible_from(&m, &p), None);
        p.screening
            .exposures
            .insert("isotretinoin".into(), Some(d("2026-08-31")));
        p.screening.exposures.insert("tan".into(), Some(d("2026-11-20")));
        let (date, label) = eligible_from(&m, &p).unwrap();
        assert_eq!(date, d("2027-02-28"));
        assert!(label.starts_with("Oral isotretinoin"), "{label}");
        p.screening
            .add_override(
                &m.templates.screening,
                "washout:isotretinoin",
                "Dr A",
                "stopped early",
                now(),
            )
            .unwrap();
        assert_eq!(
            eligible_from(&m, &p).map(|e| e.0),
            Some(d("2026-12-04")),
            "the tan's"
        );
        assert_eq!(open_block_labels(&m, &p, d("2026-12-01")), ["Tan or sunburn"]);
    }

    #[test]
    fn the_notes_name_the_keys_of_the_consult_screen() {
        let note = override_note(&["Pregnancy".to_string()]);
        assert!(
            note.ends_with(
                "Esc, 4 (consult), s (screening), Up/Down to \"Pregnancy\", o, their name and reason, Enter"
            ),
            "{note}"
        );
        let notes = record_notes(&[Missing::Consent, Missing::ScreeningNotReviewed], Some(2));
        assert_eq!(notes.len(), 2, "{notes:?}");
        assert!(
            notes[0].contains("Up/Down to session 2, d (prep), Space ticks each"),
            "{notes:?}"
        );
        assert!(
            notes[1].contains("s (screening): Space answers, r marks it reviewed"),
            "{notes:?}"
        );
        assert!(record_notes(&[Missing::Interval("x".into())], None)[0].contains("Override reason"));
    }
}
