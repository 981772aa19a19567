//! What differs between two versions of a patient record, in words staff can act on.
//! Used when another user saved the same patient first: the screen lists these lines
//! so the user can choose which version to keep.

use super::chart::SessionChart;
use super::patient::Patient;
use super::screening::Screening;
use super::series::{Series, Session};
use super::skin::SkinAssessment;

/// Differences from `theirs` to `mine`, one line each, naming the field.
pub fn describe(theirs: &Patient, mine: &Patient) -> Vec<String> {
    let mut out = Vec::new();
    let mut field = |name: &str, a: String, b: String| {
        if a != b {
            out.push(format!("{name}: theirs \"{a}\", yours \"{b}\""));
        }
    };
    field("name", theirs.full_name.clone(), mine.full_name.clone());
    field(
        "date of birth",
        opt(theirs.date_of_birth),
        opt(mine.date_of_birth),
    );
    field("phone", theirs.phone.clone(), mine.phone.clone());
    field("email", theirs.email.clone(), mine.email.clone());
    field("notes", theirs.notes.clone(), mine.notes.clone());
    field("archived", yes_no(theirs.archived), yes_no(mine.archived));
    if theirs.series.len() != mine.series.len() {
        out.push(format!(
            "series: theirs has {}, yours has {}",
            theirs.series.len(),
            mine.series.len()
        ));
    }
    if theirs.skin != mine.skin {
        out.push(format!(
            "skin assessments: theirs {}, yours {}",
            skin_text(&theirs.skin),
            skin_text(&mine.skin)
        ));
    }
    if theirs.screening != mine.screening {
        out.push(format!(
            "screening: theirs {}, yours {}",
            screening_text(&theirs.screening),
            screening_text(&mine.screening)
        ));
    }
    for (i, (a, b)) in theirs.series.iter().zip(&mine.series).enumerate() {
        series(i + 1, a, b, &mut out);
    }
    out
}

fn skin_text(skin: &[SkinAssessment]) -> String {
    match skin.iter().map(|a| a.date).max() {
        Some(last) => format!("{} (latest {last})", skin.len()),
        None => "none".into(),
    }
}

fn screening_text(s: &Screening) -> String {
    let reviewed = s
        .reviewed_on
        .map_or("not reviewed".to_string(), |d| format!("reviewed {d}"));
    format!(
        "{reviewed}, {} answers, {} overrides, {} acknowledgements",
        s.answers.len() + s.exposures.len(),
        s.overrides.len(),
        s.acknowledgements.len()
    )
}

fn chart_text(c: Option<&SessionChart>) -> String {
    match c {
        None => "none".into(),
        Some(c) => {
            let signed = match c.signature() {
                Some(sig) => format!("signed by {}", sig.by),
                None => "unsigned".into(),
            };
            format!("{signed}, {} amendments", c.amendments().len())
        }
    }
}

fn series(n: usize, a: &Series, b: &Series, out: &mut Vec<String>) {
    if a.sessions.len() != b.sessions.len() {
        out.push(format!(
            "series {n}: theirs has {} sessions, yours {}",
            a.sessions.len(),
            b.sessions.len()
        ));
    }
    for (i, (x, y)) in a.sessions.iter().zip(&b.sessions).enumerate() {
        session(n, i + 1, x, y, out);
    }
}

fn session(series: usize, n: usize, a: &Session, b: &Session, out: &mut Vec<String>) {
    let at = |s: &Session| {
        let time = s.time.map(|t| t.format(" %H:%M").to_string()).unwrap_or_default();
        format!("{}{time}", s.date)
    };
    let place = format!("series {series} session {n}");
    if at(a) != at(b) {
        out.push(format!("{place} date: theirs {}, yours {}", at(a), at(b)));
    }
    if a.status != b.status {
        out.push(format!(
            "{place} status: theirs {}, yours {}",
            a.status.label(),
            b.status.label()
        ));
    }
    if a.notes != b.notes {
        out.push(format!(
            "{place} notes: theirs \"{}\", yours \"{}\"",
            a.notes, b.notes
        ));
    }
    if a.chart != b.chart {
        out.push(format!(
            "{place} chart: theirs {}, yours {}",
            chart_text(a.chart.as_ref()),
            chart_text(b.chart.as_ref())
        ));
    }
    let ticked = |s: &Session| s.checklist.iter().filter(|e| e.ticked_at.is_some()).count();
    if a.checklist != b.checklist {
        out.push(format!(
            "{place} aftercare: theirs {} ticked, yours {} ticked",
            ticked(a),
            ticked(b)
        ));
    }
    if a != b && out.last().is_none_or(|l| !l.starts_with(&place)) {
        out.push(format!("{place}: other details differ"));
    }
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map(|x| x.to_string()).unwrap_or_default()
}

fn yes_no(b: bool) -> String {
    if b { "yes" } else { "no" }.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::patient::{PatientDetails, PatientId};
    use crate::domain::series::{SeriesPlan, SessionStatus};
    use chrono::NaiveDate;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn base() -> Patient {
        let details = PatientDetails {
            full_name: "Ann Lee".into(),
            phone: "1".into(),
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

    #[test]
    fn identical_records_have_no_differences() {
        assert!(describe(&base(), &base()).is_empty());
    }

    #[test]
    fn each_changed_field_is_named_once() {
        let theirs = base();
        let mut mine = base();
        mine.phone = "2".into();
        mine.series[0].sessions[1].date = d("2027-01-02");
        mine.series[0].sessions[0].status = SessionStatus::Booked;
        let lines = describe(&theirs, &mine);
        assert_eq!(lines.len(), 3, "{lines:?}");
        assert!(lines[0].starts_with("phone: theirs \"1\", yours \"2\""));
        assert!(lines[1].contains("session 1 status: theirs planned, yours booked"));
        assert!(lines[2].contains("session 2 date"));
    }

    #[test]
    fn skin_screening_and_chart_changes_are_one_line_each() {
        use crate::domain::chart::{ChartRecord, SessionChart};
        use crate::domain::skin::{Fitzpatrick, Iga};
        let theirs = base();
        let mut mine = base();
        mine.skin.push(SkinAssessment {
            date: d("2026-11-02"),
            by: "Dr A".into(),
            fitzpatrick: Fitzpatrick::IV,
            iga: Iga::Mild,
            scars: Vec::new(),
            quantitative_score: None,
            areas: Default::default(),
            notes: String::new(),
        });
        mine.screening.review("Dr A", d("2026-11-02")).unwrap();
        mine.series[0].sessions[0].chart = Some(SessionChart::new(ChartRecord::default()));
        let lines = describe(&theirs, &mine);
        assert_eq!(lines.len(), 3, "{lines:?}");
        assert_eq!(
            lines[0],
            "skin assessments: theirs none, yours 1 (latest 2026-11-02)"
        );
        assert!(
            lines[1].starts_with("screening: theirs not reviewed, 0 answers"),
            "{}",
            lines[1]
        );
        assert!(lines[1].contains("yours reviewed 2026-11-02"), "{}", lines[1]);
        assert_eq!(
            lines[2],
            "series 1 session 1 chart: theirs none, yours unsigned, 0 amendments"
        );
    }

    #[test]
    fn a_new_series_on_one_side_is_reported() {
        let theirs = base();
        let mut mine = base();
        mine.series.push(mine.series[0].clone());
        assert_eq!(
            describe(&theirs, &mine),
            vec!["series: theirs has 1, yours has 2".to_string()]
        );
    }
}
