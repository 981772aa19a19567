//! End to end, screening: the real binary in a pseudo-terminal (portable-pty + vt100, as
//! in `e2e_pty.rs`) screens a patient on the consult screen (key 4, s) by typing an
//! isotretinoin last dose; the record on disk holds it; and, read back through the real
//! store, `screening_refusals` refuses a booking before the earliest eligible date and
//! allows one on it.
//!
//! The booking form itself does not call `screening_refusals` yet (it is being rewritten
//! separately), so the refusal is checked at library level on the record the binary
//! wrote, not by typing a booking.

use std::io::{Read, Write};
use std::num::NonZeroU16;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use chrono::{Local, Months, NaiveDate, NaiveTime};
use portable_pty::{CommandBuilder, PtySize, native_pty_system};

use needleplan::app::Model;
use needleplan::app::clinical_rules::screening_refusals;
use needleplan::domain::patient::{Patient, PatientDetails, PatientId};
use needleplan::domain::series::{Series, SeriesPlan};
use needleplan::store::PatientStore;
use needleplan::store::templates::Templates;

const BIN: &str = env!("CARGO_BIN_EXE_needleplan");
const TIMEOUT: Duration = Duration::from_secs(10);

struct Tui {
    writer: Box<dyn Write + Send>,
    child: Box<dyn portable_pty::Child + Send + Sync>,
    parser: Arc<Mutex<vt100::Parser>>,
}

impl Tui {
    fn spawn(data: &Path, home: &Path) -> Self {
        let size = PtySize {
            rows: 40,
            cols: 120,
            pixel_width: 0,
            pixel_height: 0,
        };
        let pair = native_pty_system().openpty(size).expect("open a pty");
        let mut cmd = CommandBuilder::new(BIN);
        cmd.arg("--data-dir");
        cmd.arg(data);
        cmd.env_clear();
        cmd.env("TERM", "xterm-256color");
        cmd.env("LANG", "C.UTF-8");
        cmd.env("HOME", home);
        cmd.env("TMPDIR", home);
        cmd.cwd(home);
        let child = pair.slave.spawn_command(cmd).expect("spawn needleplan");
        drop(pair.slave);
        let nz = |n| NonZeroU16::new(n).unwrap();
        let parser = Arc::new(Mutex::new(vt100::Parser::new(nz(40), nz(120), 0)));
        let mut reader = pair.master.try_clone_reader().expect("pty reader");
        let p = Arc::clone(&parser);
        thread::spawn(move || {
            let mut buf = [0u8; 8192];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                p.lock().unwrap().process(&buf[..n]);
            }
        });
        let writer = pair.master.take_writer().expect("pty writer");
        // The master must outlive the child's run; leak it with the test process.
        std::mem::forget(pair.master);
        Self {
            writer,
            child,
            parser,
        }
    }

    fn send(&mut self, keys: &str) {
        self.writer.write_all(keys.as_bytes()).unwrap();
        self.writer.flush().unwrap();
    }

    fn esc(&mut self) {
        self.send("\x1b");
        thread::sleep(Duration::from_millis(150));
    }

    fn text(&self) -> String {
        let parser = self.parser.lock().unwrap();
        let screen = parser.screen();
        let (_, cols) = screen.size();
        screen.rows(0, cols.get()).collect::<Vec<_>>().join("\n")
    }

    fn wait_for(&mut self, want: &str) {
        let start = Instant::now();
        while !self.text().contains(want) {
            assert!(
                start.elapsed() < TIMEOUT,
                "timed out waiting for {want:?}; screen:\n{}",
                self.text()
            );
            thread::sleep(Duration::from_millis(10));
        }
    }
}

fn seed(data: &Path, today: NaiveDate) -> Patient {
    let details = PatientDetails {
        full_name: "Iris Tretinoin".into(),
        ..PatientDetails::default()
    };
    let mut p = Patient::new(PatientId::new("p-0000150a").unwrap(), details, today);
    let t = Templates::builtin();
    let plan = SeriesPlan::from_protocol(
        &t.protocols[0],
        today + chrono::Days::new(10),
        NaiveTime::from_hms_opt(9, 30, 0),
    );
    p.series.push(Series::from_plan(&plan, today));
    PatientStore::open(data).unwrap().save(&p).unwrap();
    p
}

#[test]
fn a_patient_screened_with_an_isotretinoin_date_is_refused_before_the_eligible_date_and_allowed_after() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let home = tmp.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    let today = Local::now().date_naive();
    seed(&data, today);
    let last_dose = today - chrono::Days::new(30);

    let mut tui = Tui::spawn(&data, &home);
    tui.wait_for("Iris Tretinoin");
    tui.send("4");
    tui.wait_for("Consult · Iris Tretinoin");
    tui.send("s");
    tui.wait_for("Oral isotretinoin");
    let t = Templates::builtin().screening;
    let row = t.absolute.len() + t.relative.len() + t.prompts.len();
    tui.send(&"j".repeat(row));
    tui.send("\r");
    tui.wait_for("Last exposure ·");
    tui.send(&last_dose.to_string());
    tui.send("\r");
    let eligible = last_dose.checked_add_months(Months::new(6)).unwrap();
    tui.wait_for(&format!("earliest eligible {eligible}"));
    tui.esc();
    tui.esc();
    tui.send("q");
    let status = tui.child.wait().expect("the app exits");
    assert!(status.success(), "{status:?}");

    // What the binary saved, read back through the real store.
    let mut store = PatientStore::open(&data).unwrap();
    let report = store.load_all().unwrap();
    let p = report.patients.into_iter().next().unwrap();
    assert_eq!(p.screening.exposures.get("isotretinoin"), Some(&Some(last_dose)));

    let model = Model::new(Local::now().naive_local(), Templates::builtin(), vec![p.clone()]);
    let before = eligible - chrono::Days::new(1);
    let refused = screening_refusals(&model, &p, before);
    assert_eq!(refused.len(), 1, "{refused:?}");
    assert!(
        refused[0].contains(&format!("earliest eligible {eligible}")),
        "{refused:?}"
    );
    assert!(screening_refusals(&model, &p, eligible).is_empty());
    assert!(screening_refusals(&model, &p, eligible + chrono::Days::new(30)).is_empty());
}
