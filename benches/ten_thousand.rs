//! `cargo bench`: how long a key and a frame take with 10,000 patients.
//! Prints figures to quote; asserts nothing (timing belongs in a benchmark, not a test).

use std::hint::black_box;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use needleplan::app::{Model, handle_key};
use needleplan::domain::patient::PatientId;
use needleplan::store::demo::demo_patients;
use needleplan::store::templates::Templates;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

const PATIENTS: usize = 10_000;

fn clinic(today: NaiveDate) -> Vec<needleplan::domain::patient::Patient> {
    let base = demo_patients(today);
    (0..PATIENTS)
        .map(|i| {
            let mut p = base[i % base.len()].clone();
            p.id = PatientId::new(&format!("p-{i:08x}")).unwrap();
            p.full_name = format!("{} {i}", p.full_name);
            p
        })
        .collect()
}

fn key(c: KeyCode) -> KeyEvent {
    KeyEvent::new(c, KeyModifiers::NONE)
}

/// Runs `f` `n` times and returns the mean and the worst time.
fn measure(n: usize, mut f: impl FnMut()) -> (Duration, Duration) {
    let mut worst = Duration::ZERO;
    let start = Instant::now();
    for _ in 0..n {
        let t = Instant::now();
        f();
        worst = worst.max(t.elapsed());
    }
    (start.elapsed() / n as u32, worst)
}

fn report(what: &str, (mean, worst): (Duration, Duration)) {
    println!(
        "{what:<52} mean {:>9.3} ms   worst {:>9.3} ms",
        ms(mean),
        ms(worst)
    );
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn main() {
    let today = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
    let now = today.and_hms_opt(10, 0, 0).unwrap();
    let t = Instant::now();
    let mut model = Model::new(now, Templates::builtin(), clinic(today));
    println!(
        "model with {PATIENTS} patients built in {:.1} ms",
        ms(t.elapsed())
    );

    for (w, h) in [(80u16, 24u16), (160, 50)] {
        let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
        report(
            &format!("frame at {w}x{h}"),
            measure(200, || {
                terminal.draw(|f| needleplan::ui::view(&model, f)).unwrap();
            }),
        );
    }

    let mut terminal = Terminal::new(TestBackend::new(160, 50)).unwrap();
    report(
        "key j + frame (move down the list)",
        measure(2000, || {
            handle_key(&mut model, key(KeyCode::Char('j')));
            terminal.draw(|f| needleplan::ui::view(&model, f)).unwrap();
        }),
    );
    report(
        "key End then Home + frame",
        measure(200, || {
            handle_key(&mut model, key(KeyCode::End));
            handle_key(&mut model, key(KeyCode::Home));
            terminal.draw(|f| needleplan::ui::view(&model, f)).unwrap();
        }),
    );
    handle_key(&mut model, key(KeyCode::Char('/')));
    let mut typed = 0;
    report(
        "filter: one typed letter + Backspace + frame",
        measure(200, || {
            typed += 1;
            handle_key(
                &mut model,
                key(KeyCode::Char(if typed % 2 == 0 { 'a' } else { 'o' })),
            );
            terminal.draw(|f| needleplan::ui::view(&model, f)).unwrap();
            handle_key(&mut model, key(KeyCode::Backspace));
        }),
    );
    handle_key(&mut model, key(KeyCode::Esc));
    report(
        "save path: edit patient in memory (put_patient, re-sort)",
        measure(200, || {
            let p = model.selected_patient().unwrap().clone();
            black_box(model.put_patient(p));
        }),
    );
    report(
        "queues: build to book, reviews missing, follow-ups due",
        measure(50, || needleplan::app::queues::rebuild(&mut model)),
    );
}
