//! The bundled demo clinic (`assets/demo/clinic.json`, written by
//! `assets/demo/generate_demo.py`) must look alive and obey the clinic's rules whatever
//! day it is opened on.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use needleplan::domain::patient::Patient;
use needleplan::domain::series::SessionStatus;
use needleplan::domain::status::{Badge, badge, overdue_items};
use needleplan::store::PatientStore;
use needleplan::store::demo::{demo_patients, install};

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

/// Days the demo may be opened on: the reference day itself and some far from it.
fn todays() -> Vec<NaiveDate> {
    ["2026-06-01", "2026-11-25", "2027-03-01", "2030-12-31"]
        .into_iter()
        .map(d)
        .collect()
}

#[test]
fn the_demo_has_enough_patients_with_unique_ids() {
    for today in todays() {
        let patients = demo_patients(today);
        assert!(
            patients.len() >= 25,
            "{today}: only {} patients",
            patients.len()
        );
        let ids: BTreeSet<_> = patients.iter().map(|p| p.id.clone()).collect();
        assert_eq!(ids.len(), patients.len(), "{today}: duplicate patient ids");
    }
}

#[test]
fn every_badge_is_shown_by_some_patient() {
    for today in todays() {
        let patients = demo_patients(today);
        let count = |b: Badge| patients.iter().filter(|p| badge(p, today) == b).count();
        for b in [
            Badge::New,
            Badge::InSeries,
            Badge::Complete,
            Badge::Archived,
            Badge::Overdue,
        ] {
            assert!(count(b) >= 1, "{today}: no patient shows {b:?}");
        }
        assert!(
            count(Badge::Planned) + count(Badge::InSeries) >= 1,
            "{today}: no patient is planned or in a series"
        );
        assert!(
            count(Badge::Planned) >= 1,
            "{today}: no patient shows Planned"
        );
        assert!(
            count(Badge::Overdue) >= 2,
            "{today}: fewer than two overdue patients"
        );
        let overdue: usize = patients
            .iter()
            .filter(|p| !p.archived)
            .map(|p| overdue_items(p, today))
            .sum();
        assert!(
            overdue >= 2,
            "{today}: only {overdue} overdue aftercare items"
        );
    }
}

#[test]
fn today_and_the_coming_week_have_sessions() {
    for today in todays() {
        let patients = demo_patients(today);
        let week = today + chrono::Days::new(7);
        let upcoming: Vec<_> = sessions(&patients)
            .filter(|(p, s)| !p.archived && s.status.is_upcoming())
            .filter(|(_, s)| s.date >= today && s.date <= week)
            .collect();
        assert!(
            !upcoming.is_empty(),
            "{today}: nothing booked within a week"
        );
        assert!(
            upcoming.iter().any(|(_, s)| s.date == today),
            "{today}: nothing booked today"
        );
    }
}

#[test]
fn sessions_respect_the_minimum_interval_of_their_series() {
    for today in todays() {
        for p in demo_patients(today) {
            for series in &p.series {
                let mut counted: Vec<_> = series
                    .sessions
                    .iter()
                    .filter(|s| s.status.counts_for_interval())
                    .map(|s| s.date)
                    .collect();
                counted.sort();
                for pair in counted.windows(2) {
                    let gap = (pair[1] - pair[0]).num_days();
                    assert!(
                        gap >= series.min_interval_days as i64,
                        "{} ({}): sessions {} and {} are {gap} days apart, minimum {}",
                        p.full_name,
                        p.id,
                        pair[0],
                        pair[1],
                        series.min_interval_days
                    );
                }
            }
        }
    }
}

#[test]
fn done_sessions_have_a_checklist_and_others_none() {
    for today in todays() {
        let patients = demo_patients(today);
        for (p, s) in sessions(&patients) {
            if s.status == SessionStatus::Done {
                assert!(
                    !s.checklist.is_empty(),
                    "{}: done session {} has no checklist",
                    p.id,
                    s.date
                );
                for e in &s.checklist {
                    if let Some(at) = e.ticked_at {
                        assert!(
                            at.date() >= s.date,
                            "{}: ticked before session {}",
                            p.id,
                            s.date
                        );
                        assert!(at.date() <= today, "{}: ticked in the future ({at})", p.id);
                    }
                }
            } else {
                assert!(
                    s.checklist.is_empty(),
                    "{}: {:?} session {} has a checklist",
                    p.id,
                    s.status,
                    s.date
                );
            }
        }
    }
}

#[test]
fn records_are_created_before_their_series_and_sessions() {
    for today in todays() {
        for p in demo_patients(today) {
            assert!(p.created <= today, "{}: created in the future", p.id);
            for series in &p.series {
                assert!(
                    p.created <= series.created,
                    "{}: series older than the patient",
                    p.id
                );
                let first = series
                    .sessions
                    .iter()
                    .map(|s| s.date)
                    .min()
                    .expect("sessions");
                assert!(
                    series.created <= first,
                    "{}: session before its series was created",
                    p.id
                );
            }
        }
    }
}

#[test]
fn dates_of_birth_are_plausible_adults_never_in_the_future() {
    for today in todays() {
        for p in demo_patients(today) {
            if let Some(dob) = p.date_of_birth {
                assert!(dob <= today, "{}: born in the future ({dob})", p.id);
                assert!(
                    dob >= d("1960-01-01") && dob <= d("2005-12-31"),
                    "{}: born {dob}",
                    p.id
                );
            }
        }
    }
}

#[test]
fn install_writes_one_file_per_patient_that_loads_back() {
    let today = d("2027-03-01");
    let dir = tempfile::tempdir().unwrap();
    install(dir.path(), today).unwrap();
    let expected = demo_patients(today);

    let files: BTreeSet<String> = std::fs::read_dir(dir.path().join("patients"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    let wanted: BTreeSet<String> = expected.iter().map(|p| format!("{}.json", p.id)).collect();
    assert_eq!(files, wanted);

    let report = PatientStore::open(dir.path()).unwrap().load_all().unwrap();
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    let mut loaded = report.patients;
    let mut expected = expected;
    loaded.sort_by(|a, b| a.id.cmp(&b.id));
    expected.sort_by(|a, b| a.id.cmp(&b.id));
    assert_eq!(loaded, expected);
}

fn sessions(
    patients: &[Patient],
) -> impl Iterator<Item = (&Patient, &needleplan::domain::series::Session)> {
    patients.iter().flat_map(|p| {
        p.series
            .iter()
            .flat_map(move |s| s.sessions.iter().map(move |x| (p, x)))
    })
}
