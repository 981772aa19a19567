//! The clinical history of a patient record: every change to a screening answer, an
//! exposure date, the review, an override or acknowledgement, a skin assessment, a chart
//! or an interval override, with who made it, when, the old and the new value (short
//! display words: yes/no/unanswered, a date, "signed", "added") and, where one was asked
//! for, the reason. Kept in the patient file (`patient.history`, schema v4) and shown on
//! the consult screen.
//!
//! `clinical_changes` compares two versions of a record, so every place that changes one
//! records its history the same way; who and when are passed in (the domain reads no
//! clock and no OS account).

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

use super::chart::SessionChart;
use super::patient::Patient;

/// One change to the clinical record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClinicalChange {
    pub at: NaiveDateTime,
    /// The acting person's OS login.
    pub by: String,
    /// The field path: `screening.answers.pregnancy`, `screening.exposures.isotretinoin`,
    /// `skin[2]`, `series[0].sessions[1].chart`, `screening.overrides[0]`.
    pub what: String,
    pub old: String,
    pub new: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// What changed between `old` and `new`: (field path, old value, new value), in a
/// stable order.
pub fn clinical_changes(old: &Patient, new: &Patient) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    let mut push = |what: String, o: String, n: String| {
        if o != n {
            out.push((what, o, n));
        }
    };
    let (a, b) = (&old.screening, &new.screening);
    let keys: std::collections::BTreeSet<&String> = a.answers.keys().chain(b.answers.keys()).collect();
    for k in keys {
        push(
            format!("screening.answers.{k}"),
            answer_text(a.answers.get(k).copied()),
            answer_text(b.answers.get(k).copied()),
        );
    }
    let keys: std::collections::BTreeSet<&String> = a.exposures.keys().chain(b.exposures.keys()).collect();
    for k in keys {
        push(
            format!("screening.exposures.{k}"),
            exposure_text(a.exposures.get(k).copied()),
            exposure_text(b.exposures.get(k).copied()),
        );
    }
    let review = |s: &super::screening::Screening| match s.reviewed_on {
        Some(d) => format!("reviewed {d}"),
        None => "never reviewed".to_string(),
    };
    if a.reviewed_on != b.reviewed_on || a.reviewed_by != b.reviewed_by {
        out.push(("screening.review".into(), review(a), review(b)));
    }
    for (i, o) in b.overrides.iter().enumerate().skip(a.overrides.len()) {
        out.push((
            format!("screening.overrides[{i}]"),
            "-".into(),
            format!("added: {}", o.target),
        ));
    }
    for (i, k) in b
        .acknowledgements
        .iter()
        .enumerate()
        .skip(a.acknowledgements.len())
    {
        out.push((
            format!("screening.acknowledgements[{i}]"),
            "-".into(),
            format!("added: {}", k.rule_id),
        ));
    }
    for (i, s) in new.skin.iter().enumerate() {
        match old.skin.get(i) {
            None => out.push((format!("skin[{i}]"), "-".into(), format!("added {}", s.date))),
            Some(o) if o != s => out.push((format!("skin[{i}]"), o.date.to_string(), "changed".into())),
            _ => {}
        }
    }
    for (si, series) in new.series.iter().enumerate() {
        for (ci, session) in series.sessions.iter().enumerate() {
            let before = old.series.get(si).and_then(|s| s.sessions.get(ci));
            let path = format!("series[{si}].sessions[{ci}]");
            let old_chart = before.and_then(|s| s.chart.as_ref());
            if let Some((o, n)) = chart_change(old_chart, session.chart.as_ref()) {
                out.push((format!("{path}.chart"), o, n));
            }
            let old_io = before.and_then(|s| s.interval_override.clone());
            let new_io = session.interval_override.clone();
            if old_io != new_io {
                let t = |r: Option<String>| r.map_or("none".to_string(), |r| format!("override: {r}"));
                out.push((format!("{path}.interval_override"), t(old_io), t(new_io)));
            }
        }
    }
    out
}

/// yes / no / unanswered.
pub fn answer_text(a: Option<bool>) -> String {
    match a {
        Some(true) => "yes",
        Some(false) => "no",
        None => "unanswered",
    }
    .to_string()
}

/// A date, none, or unanswered.
pub fn exposure_text(e: Option<Option<chrono::NaiveDate>>) -> String {
    match e {
        None => "unanswered".into(),
        Some(None) => "none".into(),
        Some(Some(d)) => d.to_string(),
    }
}

fn chart_state(c: Option<&SessionChart>) -> String {
    match c {
        None => "none".into(),
        Some(c) if !c.amendments().is_empty() => format!("amended ({})", c.amendments().len()),
        Some(c) if c.signature().is_some() => "signed".into(),
        Some(_) => "charted".into(),
    }
}

fn chart_change(old: Option<&SessionChart>, new: Option<&SessionChart>) -> Option<(String, String)> {
    if old == new {
        return None;
    }
    let (o, n) = (chart_state(old), chart_state(new));
    if o == n {
        // An unsigned chart edited again.
        return Some((o, "edited".into()));
    }
    Some((o, n))
}

impl Patient {
    /// Records in `history` every clinical change from `before` to this record, made
    /// by `by` at `at`, with `reason` (when one was asked for) on each.
    pub fn record_changes(&mut self, before: &Patient, by: &str, at: NaiveDateTime, reason: Option<&str>) {
        for (si, series) in self.series.iter_mut().enumerate() {
            for (ci, session) in series.sessions.iter_mut().enumerate() {
                let old = before
                    .series
                    .get(si)
                    .and_then(|s| s.sessions.get(ci))
                    .and_then(|s| s.interval_override.as_ref());
                if session.interval_override.as_ref() != old {
                    let set = session.interval_override.is_some();
                    session.interval_override_by = set.then(|| by.to_string());
                    session.interval_override_at = set.then_some(at);
                }
            }
        }
        for (what, old, new) in clinical_changes(before, self) {
            self.history.push(ClinicalChange {
                at,
                by: by.to_string(),
                what,
                old,
                new,
                reason: reason.map(|r| r.trim().to_string()),
            });
        }
    }
}

/// A change that takes away a safety fact and so needs a reason: an absolute
/// contraindication that was answered yes no longer is, or a washout's recorded last
/// exposure date is cleared or changed. The text says what ("Pregnancy: yes ->
/// unanswered"); `None` when no reason is needed.
pub fn reason_needed(
    template: &super::screening::ScreeningTemplate,
    old: &Patient,
    new: &Patient,
) -> Option<String> {
    let (a, b) = (&old.screening, &new.screening);
    for rule in &template.absolute {
        let (o, n) = (a.answers.get(&rule.id).copied(), b.answers.get(&rule.id).copied());
        if o == Some(true) && n != Some(true) {
            return Some(format!(
                "{}: {} -> {}",
                rule.label,
                answer_text(o),
                answer_text(n)
            ));
        }
    }
    for w in &template.washouts {
        let (o, n) = (a.exposures.get(&w.id).copied(), b.exposures.get(&w.id).copied());
        if matches!(o, Some(Some(_))) && o != n {
            return Some(format!(
                "{}: {} -> {}",
                w.label,
                exposure_text(o),
                exposure_text(n)
            ));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::patient::{PatientDetails, PatientId};
    use crate::domain::series::{Series, Session};
    use chrono::NaiveDate;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn base() -> Patient {
        let mut p = Patient::new(
            PatientId::new("p-1").unwrap(),
            PatientDetails {
                full_name: "A".into(),
                ..Default::default()
            },
            day("2026-01-01"),
        );
        let session: Session = serde_json::from_value(serde_json::json!({
            "date": "2026-02-01", "status": "done"
        }))
        .unwrap();
        let series: Series = serde_json::from_value(serde_json::json!({
            "protocol_id": "x", "protocol_name": "X", "interval_days": 28,
            "min_interval_days": 14, "created": "2026-01-01", "sessions": []
        }))
        .unwrap();
        p.series.push(series);
        p.series[0].sessions.push(session);
        p
    }

    fn chart(json: serde_json::Value) -> SessionChart {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn a_skin_assessment_a_chart_and_its_signature_and_amendment_are_changes() {
        let old = base();
        let mut new = old.clone();
        new.skin.push(
            serde_json::from_value(serde_json::json!({
                "date": "2026-02-01", "by": "x", "fitzpatrick": "III", "iga": 0
            }))
            .unwrap(),
        );
        new.series[0].sessions[0].chart = Some(SessionChart::default());
        assert_eq!(
            clinical_changes(&old, &new),
            vec![
                ("skin[0]".into(), "-".into(), "added 2026-02-01".into()),
                (
                    "series[0].sessions[0].chart".into(),
                    "none".into(),
                    "charted".into()
                ),
            ]
        );
        let signed = chart(serde_json::json!({"signed": {"by": "x", "at": "2026-02-01T10:00:00"}}));
        let amended = chart(serde_json::json!({
            "signed": {"by": "x", "at": "2026-02-01T10:00:00"},
            "amendments": [{"at": "2026-02-02T10:00:00", "by": "x", "text": "fix"}]
        }));
        let mut a = old.clone();
        a.series[0].sessions[0].chart = Some(SessionChart::default());
        let mut b = a.clone();
        b.series[0].sessions[0].chart = Some(signed);
        let mut c = b.clone();
        c.series[0].sessions[0].chart = Some(amended);
        let path = "series[0].sessions[0].chart".to_string();
        assert_eq!(
            clinical_changes(&a, &b),
            vec![(path.clone(), "charted".into(), "signed".into())]
        );
        assert_eq!(
            clinical_changes(&b, &c),
            vec![(path, "signed".into(), "amended (1)".into())]
        );
        assert!(clinical_changes(&c, &c).is_empty());
    }

    #[test]
    fn contact_details_are_not_clinical_changes() {
        let old = base();
        let mut new = old.clone();
        new.phone = "123".into();
        new.notes = "x".into();
        assert!(clinical_changes(&old, &new).is_empty());
        let at = NaiveDate::from_ymd_opt(2026, 3, 1)
            .unwrap()
            .and_hms_opt(9, 0, 0)
            .unwrap();
        new.record_changes(&old, "me", at, None);
        assert!(new.history.is_empty());
    }
}
