//! `cargo bench --bench scheduling`: the scheduling rules on a large clinic.
//! 10,000 patients with 40,000 booked one-hour sessions, 4 clinicians and 4 rooms.
//! Prints figures to quote; asserts nothing (timing belongs in a benchmark, not a test).
//!
//! 4 clinicians x 4 rooms hold about 49 open hours a week each (Mon-Fri 09-18, Sat
//! 09-13): ~10,200 one-hour slots a year, so 40,000 sessions cannot fit in one year
//! without double-booking. They are spread over ~5 years around today instead, with
//! 80% of all slots taken: every day a proposal looks at is dense.

use std::hint::black_box;
use std::time::{Duration, Instant};

use chrono::{NaiveDate, NaiveTime, TimeDelta};
use needleplan::domain::calendar::{Booking, BookingRef, Calendar, ResourceKey};
use needleplan::domain::clinic::{ClinicSettings, Resource};
use needleplan::domain::patient::{Patient, PatientDetails, PatientId};
use needleplan::domain::schedule::{
    BookingRequest, ProposalPlan, SeriesAt, SlotQuery, check_booking, next_free_slot, propose_series,
};
use needleplan::domain::series::{Series, Session, SessionStatus};

const PATIENTS: usize = 10_000;
const SESSIONS: usize = 40_000;
const FILL: f64 = 0.8;

/// xorshift64*: deterministic, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn chance(&mut self, p: f64) -> bool {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn settings() -> ClinicSettings {
    ClinicSettings {
        clinicians: ["amara", "ben", "chen", "dara"]
            .iter()
            .map(|id| Resource::new(id, id))
            .collect(),
        rooms: (1..=4)
            .map(|i| Resource::new(&format!("room-{i}"), &format!("Room {i}")))
            .collect(),
        ..needleplan::store::demo::demo_settings()
    }
}

/// Hour slots (date, start, clinician, room) taken at `fill`, from `first` on, until
/// `count` are taken. Each clinician works in one room at a time, but pairs vary by day.
fn slots(
    settings: &ClinicSettings,
    first: NaiveDate,
    count: usize,
    fill: f64,
    rng: &mut Rng,
) -> Vec<(NaiveDate, NaiveTime, usize, usize)> {
    let mut out = Vec::with_capacity(count);
    let mut date = first;
    while out.len() < count {
        if let Some(h) = settings.hours_on(date) {
            let rotate = rng.below(4);
            let mut t = h.open;
            while t + TimeDelta::hours(1) <= h.close && out.len() < count {
                for c in 0..4 {
                    if out.len() < count && rng.chance(fill) {
                        out.push((date, t, c, (c + rotate) % 4));
                    }
                }
                t += TimeDelta::hours(1);
            }
        }
        date += TimeDelta::days(1);
    }
    out
}

/// The clinic as patients: 4 sessions each, done in the past, booked in the future.
fn patients(settings: &ClinicSettings, today: NaiveDate, first: NaiveDate, rng: &mut Rng) -> Vec<Patient> {
    let taken = slots(settings, first, SESSIONS, FILL, rng);
    let mut patients: Vec<Patient> = (0..PATIENTS)
        .map(|i| {
            let details = PatientDetails {
                full_name: format!("Patient {i}"),
                ..PatientDetails::default()
            };
            let mut p = Patient::new(PatientId::new(&format!("p-{i:08x}")).unwrap(), details, first);
            p.series.push(Series {
                protocol_id: "acne-scars-standard".into(),
                protocol_name: "Acne scars, standard".into(),
                interval_days: 28,
                min_interval_days: 14,
                max_interval_days: Some(42),
                created: first,
                ..Series::default()
            });
            p
        })
        .collect();
    for (n, (date, time, c, r)) in taken.into_iter().enumerate() {
        let status = if date < today {
            SessionStatus::Done
        } else {
            SessionStatus::Booked
        };
        patients[n % PATIENTS].series[0].sessions.push(Session {
            date,
            time: Some(time),
            status,
            clinician: Some(settings.clinicians[c].id.clone()),
            room: Some(settings.rooms[r].id.clone()),
            ..Session::default()
        });
    }
    patients
}

/// Runs `f` `n` times and returns the mean, the 99th percentile and the worst time.
fn measure(n: usize, mut f: impl FnMut(usize)) -> (Duration, Duration, Duration) {
    let mut times = Vec::with_capacity(n);
    let start = Instant::now();
    for i in 0..n {
        let t = Instant::now();
        f(i);
        times.push(t.elapsed());
    }
    let mean = start.elapsed() / n as u32;
    times.sort();
    let p99 = times[(n * 99 / 100).min(n - 1)];
    (mean, p99, times[n - 1])
}

fn report(what: &str, (mean, p99, worst): (Duration, Duration, Duration)) {
    println!(
        "{what:<58} mean {:>8.3} ms  p99 {:>8.3} ms  worst {:>8.3} ms",
        ms(mean),
        ms(p99),
        ms(worst)
    );
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn plan(first_date: NaiveDate, i: usize) -> ProposalPlan {
    ProposalPlan {
        sessions: 6,
        interval_days: 28,
        min_interval_days: 14,
        max_interval_days: 42,
        minutes: [60, 75, 90][i % 3],
        first_date,
        preferred_time: Some(NaiveTime::from_hms_opt(9 + (i % 8) as u32, 0, 0).unwrap()),
        clinician: None,
        room: None,
    }
}

fn main() {
    let today = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
    let first = today - TimeDelta::days(365 * 5 / 2);
    let settings = settings();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let clinic = patients(&settings, today, first, &mut rng);
    let last = clinic
        .iter()
        .flat_map(|p| &p.series[0].sessions)
        .map(|s| s.date)
        .max()
        .unwrap();
    println!(
        "{PATIENTS} patients, {SESSIONS} one-hour sessions, 4 clinicians, 4 rooms, {:.0}% of slots taken, {first} to {last}",
        FILL * 100.0
    );

    report(
        "Calendar::from_patients (10,000 patients, 40,000 sessions)",
        measure(20, |_| {
            black_box(Calendar::for_clinic(&settings, &clinic));
        }),
    );
    let calendar = Calendar::for_clinic(&settings, &clinic);
    assert_eq!(calendar.len(), SESSIONS);
    let raw: Vec<Booking> = calendar
        .bookings_between(
            first.and_time(NaiveTime::MIN),
            (last + TimeDelta::days(1)).and_time(NaiveTime::MIN),
        )
        .cloned()
        .collect();
    report(
        "Calendar::build from 40,000 bookings",
        measure(20, |_| {
            black_box(Calendar::build(raw.iter().cloned()));
        }),
    );

    let runs = 1000;
    let mut failed = 0;
    report(
        "propose_series, 6 sessions, 80% full calendar",
        measure(runs, |i| {
            let first_date = today + TimeDelta::days((i % 90) as i64);
            if propose_series(&settings, &calendar, black_box(&plan(first_date, i))).is_err() {
                failed += 1;
            }
        }),
    );
    println!("{:<58} {failed} of {runs} found no proposal", "");

    // Every slot of the next 8 weeks taken (on top of the 80%): the first session has to
    // search past them.
    let mut packed = calendar.clone();
    let mut extra = 0;
    for (date, time, c, r) in slots(&settings, today, 49 * 4 * 8, 1.0, &mut rng) {
        extra += 1;
        packed.insert(Booking {
            start: date.and_time(time),
            minutes: 60,
            clinician: Some(settings.clinicians[c].id.as_str().into()),
            room: Some(settings.rooms[r].id.as_str().into()),
            who: BookingRef::session("p-packed", 0, extra),
        });
    }
    report(
        "propose_series, 6 sessions, next 8 weeks 100% full",
        measure(200, |i| {
            black_box(propose_series(&settings, &packed, &plan(today, i)).ok());
        }),
    );

    let mut closed = settings.clone();
    closed.hours = [closed.hours[0], None, None, None, None, None, None];
    let impossible = ProposalPlan {
        interval_days: 16,
        min_interval_days: 15,
        max_interval_days: 20,
        ..plan(today, 0)
    };
    report(
        "propose_series that cannot fit (open Mondays, 15-20 days)",
        measure(20, |_| {
            black_box(propose_series(&closed, &calendar, &impossible).unwrap_err());
        }),
    );

    report(
        "next_free_slot, any clinician and room",
        measure(runs, |i| {
            let q = SlotQuery {
                from: (today + TimeDelta::days((i % 120) as i64))
                    .and_hms_opt(9, 0, 0)
                    .unwrap(),
                minutes: 60,
                clinician: None,
                room: None,
                not_before: None,
            };
            black_box(next_free_slot(&settings, &calendar, &q));
        }),
    );
    report(
        "next_free_slot, one clinician and one room, 90 min",
        measure(runs, |i| {
            let q = SlotQuery {
                from: (today + TimeDelta::days((i % 120) as i64))
                    .and_hms_opt(9, 0, 0)
                    .unwrap(),
                minutes: 90,
                clinician: Some(settings.clinicians[i % 4].id.as_str()),
                room: Some(settings.rooms[(i / 4) % 4].id.as_str()),
                not_before: None,
            };
            black_box(next_free_slot(&settings, &calendar, &q));
        }),
    );

    let p = &clinic[17];
    let at = SeriesAt {
        patient_id: p.id.as_str(),
        series_index: 0,
        series: &p.series[0],
    };
    report(
        "check_booking (every rule for one session)",
        measure(10_000, |i| {
            let req = BookingRequest {
                date: today + TimeDelta::days((i % 60) as i64),
                time: NaiveTime::from_hms_opt(10, 0, 0),
                minutes: 60,
                clinician: Some("amara"),
                room: Some("room-1"),
            };
            black_box(check_booking(&settings, &calendar, &at, Some(1), &req));
        }),
    );
    report(
        "is_free (one clinician, one hour)",
        measure(100_000, |i| {
            let start = (today + TimeDelta::days((i % 300) as i64))
                .and_hms_opt(10, 0, 0)
                .unwrap();
            black_box(calendar.is_free(
                ResourceKey::Clinician("ben"),
                start,
                start + TimeDelta::hours(1),
                &[],
            ));
        }),
    );
    report(
        "bookings_on (agenda day view)",
        measure(10_000, |i| {
            black_box(
                calendar
                    .bookings_on(today + TimeDelta::days((i % 60) as i64))
                    .count(),
            );
        }),
    );
}
