//! The bundled demo clinic (`assets/demo/clinic.json`, written by
//! `assets/demo/generate_demo.py`) must look alive and obey the clinic's rules whatever
//! day it is opened on. Its dates are moved by whole weeks (the reference Monday becomes
//! the Monday of today's week) and bookings of that week already past are rolled one
//! week on, so "today" can fall on any day of the (moved) reference week: the days below
//! cover all seven weekdays.

use std::collections::BTreeSet;

use chrono::{Datelike, NaiveDate, Weekday};
use needleplan::domain::calendar::{BookingRef, Calendar};
use needleplan::domain::patient::Patient;
use needleplan::domain::queues::{attendance, due_to_book, reviews_missing};
use needleplan::domain::schedule::{BookingRequest, check_slot};
use needleplan::domain::series::SessionStatus;
use needleplan::domain::status::{Badge, badge, overdue_items};
use needleplan::store::PatientStore;
use needleplan::store::demo::demo_settings as builtin;
use needleplan::store::demo::{demo_patients, install};

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

/// Days the demo may be opened on: the reference day itself (a Monday), a whole week
/// from Monday to Sunday, days before the reference day and some far from it.
fn todays() -> Vec<NaiveDate> {
    [
        "2026-06-01",
        "2026-11-23",
        "2026-11-24",
        "2026-11-25",
        "2026-11-26",
        "2026-11-27",
        "2026-11-28",
        "2026-11-29",
        "2027-03-01",
        "2030-12-31",
        "2026-05-31",
        "2025-12-31",
    ]
    .into_iter()
    .map(d)
    .collect()
}

#[test]
fn the_days_above_cover_every_weekday() {
    let weekdays: BTreeSet<_> = todays()
        .iter()
        .map(|t| t.weekday().num_days_from_monday())
        .collect();
    assert_eq!(weekdays.len(), 7);
}

/// Patients whose overdue aftercare the demo keeps open.
fn keep_open() -> Vec<needleplan::domain::patient::PatientId> {
    #[derive(serde::Deserialize)]
    struct Doc {
        keep_open: Vec<needleplan::domain::patient::PatientId>,
    }
    let doc: Doc = serde_json::from_str(include_str!("../assets/demo/clinic.json")).unwrap();
    assert_eq!(doc.keep_open.len(), 2);
    doc.keep_open
}

/// The demo file as stored, before any date is moved.
fn raw() -> (NaiveDate, Vec<Patient>) {
    #[derive(serde::Deserialize)]
    struct Doc {
        reference_day: NaiveDate,
        patients: Vec<Patient>,
    }
    let doc: Doc = serde_json::from_str(include_str!("../assets/demo/clinic.json")).unwrap();
    (doc.reference_day, doc.patients)
}

/// The app's shift: whole weeks, so that the reference day (a Monday) becomes the Monday
/// of today's week (rounding down before the reference day too).
fn week_shift(reference_day: NaiveDate, today: NaiveDate) -> chrono::TimeDelta {
    chrono::TimeDelta::days((today - reference_day).num_days().div_euclid(7) * 7)
}

fn holds_time(status: SessionStatus) -> bool {
    matches!(
        status,
        SessionStatus::Planned | SessionStatus::Booked | SessionStatus::Done
    )
}

#[test]
fn dates_move_by_whole_weeks_and_past_bookings_roll_one_week_on() {
    let (reference_day, raw) = raw();
    let keep_open = keep_open();
    assert_eq!(reference_day.weekday(), Weekday::Mon);
    for today in todays() {
        let patients = demo_patients(today);
        assert_eq!(patients.len(), raw.len());
        let shift = week_shift(reference_day, today);
        let monday = reference_day + shift;
        assert_eq!(monday.weekday(), Weekday::Mon, "{today}");
        assert!(monday <= today && (today - monday).num_days() < 7, "{today}");
        let mut rolled = 0;
        for (p, r) in patients.iter().zip(&raw) {
            assert_eq!(p.id, r.id);
            assert_eq!(p.created, r.created + shift, "{today}: {}", p.id);
            assert_eq!(p.date_of_birth, r.date_of_birth, "{today}: {}", p.id);
            assert_eq!(p.series.len(), r.series.len());
            for (s, rs) in p.series.iter().zip(&r.series) {
                assert_eq!(s.created, rs.created + shift, "{today}: {}", p.id);
                assert_eq!(s.sessions.len(), rs.sessions.len());
                for (x, rx) in s.sessions.iter().zip(&rs.sessions) {
                    let shifted = rx.date + shift;
                    let expected = if rx.status.is_upcoming() && shifted < today {
                        rolled += 1;
                        // Only bookings of today's week roll: nothing upcoming is older.
                        assert!(shifted >= monday, "{today}: {} {}", p.id, rx.date);
                        shifted + chrono::Days::new(7)
                    } else {
                        shifted
                    };
                    assert_eq!(x.date, expected, "{today}: {}", p.id);
                    assert_eq!(x.date.weekday(), rx.date.weekday(), "{today}: {}", p.id);
                    assert_eq!(x.time, rx.time, "{today}: {}", p.id);
                    assert_eq!(x.status, rx.status, "{today}: {}", p.id);
                    assert_eq!(
                        (&x.clinician, &x.room, x.minutes),
                        (&rx.clinician, &rx.room, rx.minutes),
                        "{today}: {}",
                        p.id
                    );
                    for (e, re) in x.checklist.iter().zip(&rx.checklist) {
                        let due = e.due_date(x.date);
                        let expected = match re.ticked_at {
                            Some(t) => Some(t + shift),
                            // Items due this week before today are ticked on their due day
                            // (the demo's two overdue patients excepted).
                            None if due >= monday && due < today && !keep_open.contains(&p.id) => {
                                Some(due.and_hms_opt(11, 30, 0).unwrap())
                            }
                            None => None,
                        };
                        assert_eq!(e.ticked_at, expected, "{today}: {}", p.id);
                    }
                }
            }
        }
        // Opened on a Monday nothing rolls; later in the week that week's bookings do.
        let weekday = today.weekday().num_days_from_monday();
        assert_eq!(rolled == 0, weekday == 0, "{today}: {rolled} sessions rolled");
    }
}

/// Result reviews are visits in the calendar like sessions: they move with their series
/// (and are not rolled: the generator books them a week after the reference day at the
/// earliest, in the last half hour of a weekday, which sessions leave free).
#[test]
fn reviews_move_with_their_series() {
    let (reference_day, raw) = raw();
    for today in todays() {
        let shift = week_shift(reference_day, today);
        for (p, r) in demo_patients(today).iter().zip(&raw) {
            for (s, rs) in p.series.iter().zip(&r.series) {
                for (v, rv) in s.reviews.iter().zip(&rs.reviews) {
                    assert_eq!(v.date, rv.date + shift, "{today}: {}", p.id);
                }
            }
        }
    }
}

#[test]
fn no_upcoming_session_is_before_today() {
    for today in todays() {
        for (p, x) in sessions(&demo_patients(today)) {
            assert!(
                !x.status.is_upcoming() || x.date >= today,
                "{today}: {} has a {:?} session on {}",
                p.id,
                x.status,
                x.date
            );
        }
    }
}

/// Every visit that holds time (planned, booked or done, with a time) has a clinician and
/// a room and passes the booking rules against every other visit of the clinic: an open
/// day, inside its opening hours, nobody and no room booked twice at once.
#[test]
fn every_visit_that_holds_time_fits_the_clinic_calendar() {
    let settings = builtin();
    for today in todays() {
        let patients = demo_patients(today);
        let calendar = Calendar::for_clinic(&settings, &patients);
        let mut checked = 0;
        for p in &patients {
            for (si, series) in p.series.iter().enumerate() {
                for (i, s) in series.sessions.iter().enumerate() {
                    let Some(time) = s.time.filter(|_| holds_time(s.status)) else {
                        if s.time.is_none() {
                            assert_eq!(
                                s.status,
                                SessionStatus::Planned,
                                "{today}: {} session {i} has no time",
                                p.id
                            );
                            assert!(s.clinician.is_none() && s.room.is_none(), "{}", p.id);
                        }
                        continue;
                    };
                    assert!(
                        s.clinician.is_some() && s.room.is_some(),
                        "{today}: {} session {i} ({}) holds time without a clinician or room",
                        p.id,
                        s.date
                    );
                    let req = BookingRequest {
                        date: s.date,
                        time: Some(time),
                        minutes: series.minutes_of(i, settings.default_minutes),
                        clinician: s.clinician.as_deref(),
                        room: s.room.as_deref(),
                    };
                    let me = [BookingRef::session(p.id.as_str(), si, i)];
                    let violations = check_slot(&settings, &calendar, &req, &me);
                    assert!(
                        violations.is_empty(),
                        "{today}: {} session {i} on {} {time}: {violations:?}",
                        p.id,
                        s.date
                    );
                    checked += 1;
                }
                for (j, r) in series.reviews.iter().enumerate() {
                    let Some(time) = r.time.filter(|_| holds_time(r.status)) else {
                        continue;
                    };
                    assert!(r.clinician.is_some() && r.room.is_some(), "{}", p.id);
                    let req = BookingRequest {
                        date: r.date,
                        time: Some(time),
                        minutes: r.minutes.unwrap_or(settings.default_minutes),
                        clinician: r.clinician.as_deref(),
                        room: r.room.as_deref(),
                    };
                    let me = [BookingRef::review(p.id.as_str(), si, j)];
                    let violations = check_slot(&settings, &calendar, &req, &me);
                    assert!(
                        violations.is_empty(),
                        "{today}: {} review {j} on {} {time}: {violations:?}",
                        p.id,
                        r.date
                    );
                    checked += 1;
                }
            }
        }
        assert_eq!(checked, calendar.len(), "{today}: every booking was checked");
        assert!(checked >= 100, "{today}: only {checked} visits hold time");
    }
}

/// Two clinicians and two rooms: busy days run two sessions at once somewhere.
#[test]
fn the_clinic_works_two_chairs_in_parallel() {
    let settings = builtin();
    for today in todays() {
        let patients = demo_patients(today);
        let calendar = Calendar::for_clinic(&settings, &patients);
        let from = today.and_time(chrono::NaiveTime::MIN);
        let week: Vec<_> = calendar
            .bookings_between(from, from + chrono::TimeDelta::days(7))
            .collect();
        let parallel = week.iter().enumerate().any(|(n, a)| {
            week[n + 1..]
                .iter()
                .any(|b| b.overlaps(a.start, a.end()) && a.clinician != b.clinician)
        });
        assert!(parallel, "{today}: no two sessions at once in the coming week");
        let clinicians: BTreeSet<_> = week.iter().filter_map(|b| b.clinician.clone()).collect();
        let rooms: BTreeSet<_> = week.iter().filter_map(|b| b.room.clone()).collect();
        assert_eq!((clinicians.len(), rooms.len()), (2, 2), "{today}");
    }
}

#[test]
fn the_front_desk_queues_and_attendance_have_something_to_show() {
    let settings = builtin();
    for today in todays() {
        let patients = demo_patients(today);
        let to_book = due_to_book(&patients, today);
        assert!(
            to_book.len() >= 3,
            "{today}: only {} series to book",
            to_book.len()
        );
        let reviews = reviews_missing(&patients, &settings.review_months, today);
        assert!(
            reviews.len() >= 2,
            "{today}: only {} reviews missing",
            reviews.len()
        );
        let booked_reviews = patients
            .iter()
            .flat_map(|p| &p.series)
            .flat_map(|s| &s.reviews)
            .filter(|r| r.status == SessionStatus::Booked && r.time.is_some())
            .count();
        assert!(booked_reviews >= 1, "{today}: no review booked");
        let no_shows = patients
            .iter()
            .filter(|p| !p.archived && attendance(p).no_shows > 0)
            .count();
        assert!(no_shows >= 2, "{today}: {no_shows} patients with no-shows");
        let late = patients
            .iter()
            .filter(|p| !p.archived && attendance(p).late_cancellations > 0)
            .count();
        assert!(late >= 1, "{today}: no late cancellation");
    }
}

#[test]
fn no_booking_is_left_in_the_past_by_the_shift() {
    let (reference_day, raw) = raw();
    let raw_upcoming_in_future = sessions(&raw)
        .filter(|(_, x)| x.status.is_upcoming() && x.date >= reference_day)
        .count();
    for today in todays() {
        let patients = demo_patients(today);
        let upcoming_in_future = sessions(&patients)
            .filter(|(_, x)| x.status.is_upcoming() && x.date >= today)
            .count();
        assert_eq!(upcoming_in_future, raw_upcoming_in_future, "{today}");
    }
}

#[test]
fn no_session_is_on_a_sunday() {
    let (_, raw) = raw();
    for x in sessions(&raw).map(|(_, x)| x) {
        assert_ne!(x.date.weekday(), Weekday::Sun, "raw session on Sunday {}", x.date);
    }
    for today in todays() {
        let patients = demo_patients(today);
        for (p, x) in sessions(&patients) {
            assert_ne!(
                x.date.weekday(),
                Weekday::Sun,
                "{today}: {} has a session on Sunday {}",
                p.id,
                x.date
            );
        }
    }
}

#[test]
fn the_demo_has_enough_patients_with_unique_ids() {
    for today in todays() {
        let patients = demo_patients(today);
        assert!(patients.len() >= 25, "{today}: only {} patients", patients.len());
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
            Badge::Booked,
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
        assert!(count(Badge::Planned) >= 1, "{today}: no patient shows Planned");
        assert!(
            count(Badge::Overdue) >= 2,
            "{today}: fewer than two overdue patients"
        );
        let overdue: usize = patients
            .iter()
            .filter(|p| !p.archived)
            .map(|p| overdue_items(p, today))
            .sum();
        assert!(overdue >= 2, "{today}: only {overdue} overdue aftercare items");
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
        assert!(!upcoming.is_empty(), "{today}: nothing booked within a week");
        let booked_today = upcoming
            .iter()
            .filter(|(_, s)| s.date == today && s.status == SessionStatus::Booked)
            .count();
        if today.weekday() == Weekday::Sun {
            assert_eq!(booked_today, 0, "{today}: something booked on a Sunday");
        } else {
            assert!(booked_today >= 1, "{today}: nothing booked today");
        }
        if today.weekday() != Weekday::Sat && today.weekday() != Weekday::Sun {
            assert!(booked_today >= 3, "{today}: only {booked_today} booked today");
        }
        let next_week = upcoming
            .iter()
            .filter(|(_, s)| s.date > today && s.status == SessionStatus::Booked)
            .count();
        assert!(next_week >= 1, "{today}: nothing booked in the next 7 days");
    }
}

#[test]
fn a_session_done_in_the_last_days_still_has_aftercare_open() {
    for today in todays() {
        let patients = demo_patients(today);
        let recent = sessions(&patients).any(|(p, s)| {
            !p.archived
                && s.status == SessionStatus::Done
                && s.date < today
                && (today - s.date).num_days() <= 9
                && s.checklist.iter().any(|e| e.ticked_at.is_none())
        });
        assert!(recent, "{today}: no recent session with aftercare still open");
    }
}

#[test]
fn sessions_respect_the_interval_rules_of_their_series() {
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
                    // Longer than the maximum is only a warning, but the demo avoids it.
                    let max = series.max_interval_days.expect("the demo records the maximum");
                    assert!(
                        gap <= max as i64,
                        "{today}: {} sessions {} and {} are {gap} days apart, maximum {max}",
                        p.id,
                        pair[0],
                        pair[1]
                    );
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
                        assert!(at.date() >= s.date, "{}: ticked before session {}", p.id, s.date);
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
                let first = series.sessions.iter().map(|s| s.date).min().expect("sessions");
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
    // Each file was saved once: revision 1 (the bundled records are at 0).
    for p in &mut expected {
        p.revision = 1;
    }
    loaded.sort_by(|a, b| a.id.cmp(&b.id));
    expected.sort_by(|a, b| a.id.cmp(&b.id));
    assert_eq!(loaded, expected);
}

fn sessions(patients: &[Patient]) -> impl Iterator<Item = (&Patient, &needleplan::domain::series::Session)> {
    patients.iter().flat_map(|p| {
        p.series
            .iter()
            .flat_map(move |s| s.sessions.iter().map(move |x| (p, x)))
    })
}

// ---------------------------------------------------------------------------------------
// The clinical records (issue 4): skin, screening, session prep and charts
// ---------------------------------------------------------------------------------------

use needleplan::app::clinical_rules::{
    missing, pih_text, screening_for, screening_refusals, session_prompts,
};
use needleplan::app::model::Model;
use needleplan::domain::readiness::{Missing, PhotoView};
use needleplan::domain::skin::{self, Direction};
use needleplan::store::templates::Templates;

/// Seven consecutive opening days: the moved reference week, Monday to Sunday.
fn week() -> Vec<NaiveDate> {
    let days: Vec<NaiveDate> = todays()[1..8].to_vec();
    assert_eq!(days[0].weekday(), Weekday::Mon);
    assert!(days.windows(2).all(|w| (w[1] - w[0]).num_days() == 1));
    days
}

fn model(today: NaiveDate) -> Model {
    Model::new(
        today.and_hms_opt(9, 0, 0).unwrap(),
        Templates::builtin(),
        Vec::new(),
    )
    .with_clinic(needleplan::store::demo::demo_settings())
}

fn upcoming(p: &Patient) -> impl Iterator<Item = &needleplan::domain::series::Session> {
    p.series
        .iter()
        .flat_map(|s| &s.sessions)
        .filter(|s| s.status.is_upcoming())
}

#[test]
fn no_upcoming_session_is_refused_by_the_screening() {
    for today in todays() {
        let m = model(today);
        let mut checked = 0;
        for p in demo_patients(today) {
            for s in upcoming(&p) {
                let refused = screening_refusals(&m, &p, s.date);
                assert!(
                    refused.is_empty(),
                    "{today}: {} ({}) on {}: {refused:?}",
                    p.full_name,
                    p.id,
                    s.date
                );
                checked += 1;
            }
        }
        assert!(checked >= 100, "{today}: only {checked} upcoming sessions");
    }
}

#[test]
fn most_patients_have_a_dated_skin_history_and_most_trends_improve() {
    for today in week() {
        let patients = demo_patients(today);
        let mut better = 0;
        let mut unchanged = 0;
        for p in patients.iter().filter(|p| !p.series.is_empty()) {
            assert!(
                (1..=3).contains(&p.skin.len()),
                "{today}: {} has {} assessments",
                p.id,
                p.skin.len()
            );
            assert!(p.skin.iter().all(|a| a.date <= today), "{today}: {}", p.id);
            match skin::trend(&p.skin).map(|t| t.direction()) {
                Some(Direction::Better) => better += 1,
                Some(Direction::Unchanged) => unchanged += 1,
                Some(Direction::Worse) => panic!("{today}: {} got worse", p.id),
                None => {}
            }
        }
        assert!(
            better >= 20 && unchanged >= 2 && better >= 3 * unchanged,
            "{today}: {better} better, {unchanged} unchanged"
        );
        let types: BTreeSet<_> = patients
            .iter()
            .filter_map(|p| skin::latest(&p.skin))
            .map(|a| a.fitzpatrick)
            .collect();
        assert_eq!(types.len(), 6, "{today}: Fitzpatrick types {types:?}");
    }
}

#[test]
fn a_fitzpatrick_v_patient_with_a_booking_shows_the_pih_caution() {
    let t = Templates::builtin();
    for today in week() {
        let patients = demo_patients(today);
        let cautioned = patients.iter().filter(|p| pih_text(&t, p).is_some()).count();
        assert!(cautioned >= 5, "{today}: {cautioned} PIH cautions");
        let v_booked = patients.iter().any(|p| {
            skin::latest(&p.skin).is_some_and(|a| a.fitzpatrick == skin::Fitzpatrick::V)
                && pih_text(&t, p).is_some()
                && upcoming(p).any(|s| s.status == SessionStatus::Booked)
        });
        assert!(
            v_booked,
            "{today}: no Fitzpatrick V patient with a booking and the caution"
        );
    }
}

#[test]
fn a_running_washout_has_nothing_booked_before_it_and_is_queued_to_book_after_it() {
    let t = Templates::builtin();
    for today in week() {
        let patients = demo_patients(today);
        let queue = due_to_book(&patients, today);
        let waiting: Vec<&Patient> = patients
            .iter()
            .filter(|p| {
                let r = screening_for(&t, p, today);
                r.earliest_eligible.as_ref().is_some_and(|e| e.date > today) && upcoming(p).next().is_some()
            })
            .collect();
        assert!(
            !waiting.is_empty(),
            "{today}: no washout running for a planned course"
        );
        for p in waiting {
            let eligible = screening_for(&t, p, today).earliest_eligible.unwrap();
            assert_eq!(eligible.washout_id, "isotretinoin", "{today}: {}", p.id);
            for s in upcoming(p) {
                assert!(
                    s.date >= eligible.date,
                    "{today}: {} on {} before {}",
                    p.id,
                    s.date,
                    eligible.date
                );
                assert_eq!(s.status, SessionStatus::Planned, "{today}: {} is booked", p.id);
            }
            let row = queue
                .iter()
                .find(|r| r.patient_id == p.id)
                .unwrap_or_else(|| panic!("{today}: {} is not in the queue to book", p.id));
            assert!(row.since >= eligible.date && !row.overdue, "{today}: {row:?}");
        }
    }
}

#[test]
fn cold_sores_prompt_for_antiviral_prophylaxis_and_done_sessions_confirmed_it() {
    let t = Templates::builtin();
    for today in week() {
        let patients = demo_patients(today);
        let prompted: Vec<&Patient> = patients
            .iter()
            .filter(|p| !session_prompts(&t, p).is_empty() && upcoming(p).next().is_some())
            .collect();
        assert!(!prompted.is_empty(), "{today}: no antiviral prompt");
        for p in prompted {
            assert!(session_prompts(&t, p)[0].contains("Antiviral"), "{}", p.id);
            let done = p
                .series
                .iter()
                .flat_map(|s| &s.sessions)
                .filter(|s| s.status == SessionStatus::Done);
            for s in done {
                assert!(
                    s.prep.confirmed_prompts.contains("hsv_history"),
                    "{}: {}",
                    p.id,
                    s.date
                );
            }
        }
    }
}

#[test]
fn a_relative_contraindication_is_acknowledged_and_a_re_screen_is_due() {
    let t = Templates::builtin();
    for today in week() {
        let patients = demo_patients(today);
        let acknowledged = patients.iter().any(|p| {
            upcoming(p).next().is_some_and(|s| {
                let r = screening_for(&t, p, s.date);
                !r.warnings.is_empty() && r.unacknowledged().next().is_none()
            })
        });
        assert!(acknowledged, "{today}: no acknowledged relative contraindication");
        let mut covered = 0;
        let mut rescreen = 0;
        for p in patients.iter().filter(|p| !p.archived) {
            let Some(next) = p.current_series().and_then(|s| s.next_session()) else {
                continue;
            };
            if next.status != SessionStatus::Booked || next.date > today + chrono::Days::new(14) {
                continue;
            }
            if screening_for(&t, p, next.date).rescreen_needed {
                rescreen += 1;
            } else {
                covered += 1;
            }
        }
        assert!(rescreen >= 1, "{today}: no re-screen due");
        assert!(
            covered >= 8 * rescreen,
            "{today}: only {covered} of the next two weeks' bookings are covered by a review ({rescreen} not)"
        );
    }
}

#[test]
fn done_sessions_have_their_prep_and_a_signed_chart_within_the_device() {
    let t = Templates::builtin();
    for today in week() {
        let mut amended = 0;
        let mut charts = 0;
        for p in demo_patients(today) {
            for s in p.series.iter().flat_map(|s| &s.sessions) {
                let Some(chart) = &s.chart else {
                    assert_ne!(
                        s.status,
                        SessionStatus::Done,
                        "{today}: {} {} has no chart",
                        p.id,
                        s.date
                    );
                    continue;
                };
                assert_eq!(
                    s.status,
                    SessionStatus::Done,
                    "{today}: {} charts a {:?} session",
                    p.id,
                    s.status
                );
                charts += 1;
                let prep = &s.prep;
                assert!(
                    prep.consent_signed.is_some() && prep.photo_consent.is_some(),
                    "{}",
                    p.id
                );
                assert_eq!(prep.photos, PhotoView::ALL.into_iter().collect(), "{}", p.id);
                let signed = chart
                    .signature()
                    .unwrap_or_else(|| panic!("{}: {} unsigned", p.id, s.date));
                assert!(
                    signed.at > s.starts_at() && signed.at.date() <= today,
                    "{}: {signed:?}",
                    p.id
                );
                assert!(!chart.record().cartridge_lot.is_empty(), "{}", p.id);
                let problems = chart.record().problems(&t.devices, &t.depth_ranges);
                assert!(problems.is_empty(), "{today}: {} {}: {problems:?}", p.id, s.date);
                let device = t
                    .devices
                    .iter()
                    .find(|d| d.id == chart.record().device_id)
                    .unwrap();
                for (area, depth) in chart.current_depths() {
                    assert!(
                        device.allows(depth),
                        "{today}: {} {area} {depth} mm on {}",
                        p.id,
                        device.id
                    );
                }
                let areas = &skin::latest(&p.skin).expect("assessed").areas;
                assert!(
                    chart.current_depths().keys().all(|a| areas.contains(a)),
                    "{}: charted an untreated area",
                    p.id
                );
                let mut last = signed.at;
                for a in chart.amendments() {
                    assert!(a.at >= last && a.at.date() <= today, "{}: {a:?}", p.id);
                    last = a.at;
                    amended += 1;
                }
            }
        }
        assert!(charts >= 150, "{today}: only {charts} charts");
        assert!(amended >= 1, "{today}: no chart was amended");
    }
}

#[test]
fn some_next_sessions_are_partly_prepared_so_the_plan_shows_what_is_missing() {
    let t = Templates::builtin();
    for today in week() {
        let partly = demo_patients(today)
            .iter()
            .filter(|p| {
                let si = p.series.len().saturating_sub(1);
                let Some(i) = p
                    .current_series()
                    .and_then(|s| s.sessions.iter().position(|x| x.status.is_upcoming()))
                else {
                    return false;
                };
                let prep = &p.series[si].sessions[i].prep;
                let left = missing(&t, p, si, i);
                prep.consent_signed.is_some()
                    && left.iter().any(|m| matches!(m, Missing::Photo(_)))
                    && !left.contains(&Missing::Consent)
            })
            .count();
        assert!(partly >= 3, "{today}: {partly} partly prepared next sessions");
    }
}

/// Every answer, exposure, acknowledgement, override and prompt names what the screening
/// template knows; every assessment passes its own validation.
#[test]
fn the_templates_validate_the_clinical_records() {
    let t = Templates::builtin();
    let s = &t.screening;
    let questions: BTreeSet<&str> = s
        .absolute
        .iter()
        .chain(&s.relative)
        .map(|r| r.id.as_str())
        .chain(s.prompts.iter().map(|p| p.id.as_str()))
        .collect();
    let (_, raw) = raw();
    let mut screened = 0;
    for p in &raw {
        for a in &p.skin {
            assert_eq!(a.validate(), Ok(()), "{}", p.id);
        }
        let sc = &p.screening;
        if sc.reviewed_on.is_some() {
            screened += 1;
            assert!(!sc.reviewed_by.is_empty(), "{}", p.id);
            let answered: BTreeSet<&str> = sc.answers.keys().map(String::as_str).collect();
            assert_eq!(answered, questions, "{}: every question answered", p.id);
            assert!(
                s.washouts.iter().all(|w| sc.exposures.contains_key(&w.id))
                    && sc.exposures.len() == s.washouts.len(),
                "{}",
                p.id
            );
        }
        for a in &sc.acknowledgements {
            assert!(s.relative.iter().any(|r| r.id == a.rule_id), "{}", p.id);
        }
        for o in &sc.overrides {
            assert!(
                s.is_override_target(&o.target) && !o.reason.is_empty(),
                "{}",
                p.id
            );
        }
        for x in p.series.iter().flat_map(|s| &s.sessions) {
            for id in &x.prep.confirmed_prompts {
                assert!(s.prompts.iter().any(|r| &r.id == id), "{}", p.id);
            }
        }
    }
    assert!(screened >= 80, "only {screened} patients screened");
}

/// Walks two JSON documents of the same shape and collects every string that is a date
/// or a date and time, with where it is, from both.
fn dated(a: &serde_json::Value, b: &serde_json::Value, path: &str, out: &mut Vec<(String, String, String)>) {
    use serde_json::Value;
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for (k, v) in x {
                dated(v, &y[k], &format!("{path}.{k}"), out);
            }
        }
        (Value::Array(x), Value::Array(y)) => {
            for (i, (v, w)) in x.iter().zip(y).enumerate() {
                dated(v, w, &format!("{path}[{i}]"), out);
            }
        }
        (Value::String(x), Value::String(y))
            if x.parse::<NaiveDate>().is_ok() || x.parse::<chrono::NaiveDateTime>().is_ok() =>
        {
            out.push((path.to_string(), x.clone(), y.clone()));
        }
        _ => assert_eq!(a, b, "{path}"),
    }
}

#[test]
fn every_date_of_the_demo_records_moves_with_the_shift() {
    let (_, raw) = raw();
    for weeks in [-3_i64, 1, 25, 240] {
        let mut found = BTreeSet::new();
        for p in &raw {
            let mut moved = p.clone();
            moved.shift_dates(weeks * 7);
            let mut pairs = Vec::new();
            dated(
                &serde_json::to_value(p).unwrap(),
                &serde_json::to_value(&moved).unwrap(),
                "",
                &mut pairs,
            );
            for (path, before, after) in pairs {
                // The kind of field, without indices: `.series.sessions.chart.signed.at`.
                let kind: String = path
                    .split('[')
                    .map(|s| s.split_once(']').map_or(s, |x| x.1))
                    .collect();
                found.insert(kind.clone());
                if kind == ".date_of_birth" {
                    assert_eq!(before, after);
                    continue;
                }
                let days = match (before.parse::<NaiveDate>(), after.parse::<NaiveDate>()) {
                    (Ok(b), Ok(a)) => (a - b).num_days(),
                    _ => {
                        let b: chrono::NaiveDateTime = before.parse().unwrap();
                        let a: chrono::NaiveDateTime = after.parse().unwrap();
                        (a - b).num_days()
                    }
                };
                assert_eq!(days, weeks * 7, "{}: {path} {before} -> {after}", p.id);
            }
        }
        for kind in [
            ".skin.date",
            ".screening.reviewed_on",
            ".screening.exposures.isotretinoin",
            ".screening.acknowledgements.at",
            ".screening.overrides.at",
            ".series.sessions.prep.consent_signed",
            ".series.sessions.prep.photo_consent",
            ".series.sessions.chart.signed.at",
            ".series.sessions.chart.amendments.at",
        ] {
            assert!(found.contains(kind), "the demo has no {kind}: {found:?}");
        }
    }
}

#[test]
fn the_installed_demo_has_one_create_line_per_patient_and_passes_doctor() {
    let today = d("2026-11-25");
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    install(&data, today).unwrap();
    let patients = demo_patients(today);
    // One line per patient, and one for the demo's clinic.json (saved after them).
    assert_eq!(
        needleplan::store::audit::verify(&data),
        Ok(patients.len() + 1),
        "the chain verifies"
    );
    let mut entries = needleplan::store::audit::read_entries(&data).unwrap();
    let clinic = entries.pop().unwrap();
    assert_eq!(
        (clinic.action, clinic.revision_after),
        (needleplan::store::audit::AuditAction::ClinicUpdate, 1)
    );
    assert_eq!(
        needleplan::store::clinic_file::load(&data).settings,
        needleplan::domain::clinic::ClinicSettings {
            revision: 1,
            ..needleplan::store::demo::demo_settings()
        },
        "the demo brings its own clinic settings"
    );
    let logged: BTreeSet<&str> = entries.iter().map(|e| e.patient_id.as_str()).collect();
    let ids: BTreeSet<&str> = patients.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(logged, ids);
    for e in &entries {
        assert_eq!(
            (e.action, e.revision_before, e.revision_after),
            (needleplan::store::audit::AuditAction::Create, None, 1)
        );
    }
    let report = needleplan::store::doctor::run(&data);
    assert!(report.is_clean(), "{}", report.lines.join("\n"));
    // No temporary file is left behind by the bulk write.
    let leftovers: Vec<_> = std::fs::read_dir(data.join("patients"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn the_demo_is_never_installed_over_existing_records() {
    let today = d("2026-11-25");
    let tmp = tempfile::tempdir().unwrap();
    install(tmp.path(), today).unwrap();
    let log = std::fs::read(tmp.path().join("audit.log")).unwrap();
    let err = install(tmp.path(), today).unwrap_err().to_string();
    assert!(err.contains("already holds patients"), "{err}");
    assert_eq!(
        std::fs::read(tmp.path().join("audit.log")).unwrap(),
        log,
        "log untouched"
    );

    // A data dir with one real patient and no log is refused too, and left as it was.
    let other = tempfile::tempdir().unwrap();
    let store = PatientStore::open(other.path()).unwrap();
    let mut someone = demo_patients(today).remove(0);
    someone.id = needleplan::domain::patient::PatientId::new("p-real").unwrap();
    store.save(&someone).unwrap();
    std::fs::remove_file(other.path().join("audit.log")).unwrap();
    assert!(install(other.path(), today).is_err());
    let names: Vec<_> = std::fs::read_dir(other.path().join("patients"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["p-real.json"]);
}
