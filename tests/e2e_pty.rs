//! End to end: the real `needleplan` binary in a pseudo-terminal (portable-pty), its
//! output read back through a terminal emulator (vt100), keys typed as bytes, and the
//! JSON on disk checked afterwards. No tmux needed.
//!
//! Every run gets its own `--data-dir`, and `NEEDLEPLAN_DATA_DIR`, `HOME`,
//! `XDG_DATA_HOME`, `TMPDIR` and the working dir all point at other temporary dirs that
//! must stay empty: that proves `--data-dir` wins and that nothing leaks elsewhere.

use std::ffi::OsString;
use std::fs;
use std::io::{Read, Write};
use std::num::NonZeroU16;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use portable_pty::{Child, CommandBuilder, ExitStatus, MasterPty, PtySize, native_pty_system};
use tempfile::TempDir;

use needleplan::domain::patient::{Patient, PatientDetails, PatientId};
use needleplan::store::PatientStore;
use needleplan::store::patient_file::SCHEMA_VERSION;

const BIN: &str = env!("CARGO_BIN_EXE_needleplan");
const TIMEOUT: Duration = Duration::from_secs(10);
const POLL: Duration = Duration::from_millis(10);

const ENTER: &str = "\r";
const TAB: &str = "\t";
/// The empty list's first-run hint, as `ui/patient_list.rs` renders it.
const FIRST_RUN_HINT: &str = "Press a to add your first patient";

// ---------------------------------------------------------------------------------------
// Sandbox: the data dir the app may use, and the places it must leave alone.
// ---------------------------------------------------------------------------------------

struct Sandbox {
    /// Passed as `--data-dir`.
    data: TempDir,
    /// Holds `env-data/` (NEEDLEPLAN_DATA_DIR), `home/` (HOME, with XDG_DATA_HOME
    /// inside it, not created), `tmp/` (TMPDIR) and `cwd/` (the working dir).
    outside: TempDir,
}

impl Sandbox {
    fn new() -> Self {
        let sandbox = Self {
            data: tempfile::tempdir().expect("temp data dir"),
            outside: tempfile::tempdir().expect("temp outside dir"),
        };
        for dir in ["env-data", "home", "tmp", "cwd"] {
            fs::create_dir(sandbox.outside.path().join(dir)).expect("create sandbox dir");
        }
        sandbox
    }

    fn data_dir(&self) -> &Path {
        self.data.path()
    }

    fn patients_dir(&self) -> PathBuf {
        self.data_dir().join("patients")
    }

    fn env_data_dir(&self) -> PathBuf {
        self.outside.path().join("env-data")
    }

    fn home(&self) -> PathBuf {
        self.outside.path().join("home")
    }

    fn tmp(&self) -> PathBuf {
        self.outside.path().join("tmp")
    }

    fn cwd(&self) -> PathBuf {
        self.outside.path().join("cwd")
    }

    /// The whole environment of a run: nothing is inherited from the test process.
    fn env(&self) -> Vec<(&'static str, OsString)> {
        vec![
            ("TERM", "xterm-256color".into()),
            ("LANG", "C.UTF-8".into()),
            ("HOME", self.home().into()),
            ("XDG_DATA_HOME", self.home().join(".local/share").into()),
            ("NEEDLEPLAN_DATA_DIR", self.env_data_dir().into()),
            ("TMPDIR", self.tmp().into()),
        ]
    }

    /// `--data-dir <data>` followed by `extra`.
    fn args_with_data_dir(&self, extra: &[&str]) -> Vec<OsString> {
        let mut args: Vec<OsString> = vec!["--data-dir".into(), self.data_dir().into()];
        args.extend(extra.iter().map(OsString::from));
        args
    }

    /// The env data dir, the fake home and the working dir are still empty.
    fn assert_nothing_leaked(&self) {
        for dir in [self.env_data_dir(), self.home(), self.cwd()] {
            assert_eq!(
                entries(&dir),
                Vec::<String>::new(),
                "{} was written to",
                dir.display()
            );
        }
    }

    /// As `assert_nothing_leaked`, and the temp dir is empty too.
    fn assert_nothing_leaked_incl_tmp(&self) {
        self.assert_nothing_leaked();
        let tmp = self.tmp();
        assert_eq!(
            entries(&tmp),
            Vec::<String>::new(),
            "{} was written to",
            tmp.display()
        );
    }

    fn patient_files(&self) -> Vec<String> {
        entries(&self.patients_dir())
    }
}

/// Every name under `dir`, recursively, relative to it and sorted.
fn entries(dir: &Path) -> Vec<String> {
    fn walk(base: &Path, dir: &Path, out: &mut Vec<String>) {
        let Ok(read) = fs::read_dir(dir) else { return };
        for entry in read.flatten() {
            let path = entry.path();
            out.push(path.strip_prefix(base).unwrap().display().to_string());
            if path.is_dir() {
                walk(base, &path, out);
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

// ---------------------------------------------------------------------------------------
// Tui: the binary in a pseudo-terminal.
// ---------------------------------------------------------------------------------------

/// What the terminal showed at one moment.
struct Screen {
    rows: Vec<String>,
    alternate: bool,
    cursor_hidden: bool,
}

impl Screen {
    fn contains(&self, text: &str) -> bool {
        self.rows.iter().any(|r| r.contains(text))
    }

    /// The status line: the second row from the bottom of the main screen.
    fn status_line(&self) -> &str {
        &self.rows[self.rows.len() - 2]
    }

    fn dump(&self) -> String {
        let mut s = String::new();
        for (i, row) in self.rows.iter().enumerate() {
            s.push_str(&format!("{i:>2}|{row}\n"));
        }
        s
    }
}

struct Tui {
    master: Box<dyn MasterPty + Send>,
    writer: Box<dyn Write + Send>,
    child: Box<dyn Child + Send + Sync>,
    parser: Arc<Mutex<vt100::Parser>>,
    /// Set once the pty has no more output (the child and its terminal are gone).
    output_done: Arc<AtomicBool>,
    exit: Option<ExitStatus>,
}

fn nz(n: u16) -> NonZeroU16 {
    NonZeroU16::new(n).expect("non-zero terminal size")
}

fn pty_size(cols: u16, rows: u16) -> PtySize {
    PtySize {
        rows,
        cols,
        pixel_width: 0,
        pixel_height: 0,
    }
}

impl Tui {
    fn spawn(sandbox: &Sandbox, args: &[OsString], cols: u16, rows: u16) -> Self {
        let pair = native_pty_system()
            .openpty(pty_size(cols, rows))
            .expect("open a pty");
        let mut cmd = CommandBuilder::new(BIN);
        cmd.args(args);
        cmd.env_clear();
        for (key, value) in sandbox.env() {
            cmd.env(key, value);
        }
        cmd.cwd(sandbox.cwd());
        let child = pair.slave.spawn_command(cmd).expect("spawn needleplan");
        // Only the child may hold the slave side, so reads end when the child is gone.
        drop(pair.slave);

        let parser = Arc::new(Mutex::new(vt100::Parser::new(nz(rows), nz(cols), 0)));
        let output_done = Arc::new(AtomicBool::new(false));
        let mut reader = pair.master.try_clone_reader().expect("pty reader");
        {
            let parser = Arc::clone(&parser);
            let output_done = Arc::clone(&output_done);
            thread::spawn(move || {
                let mut buf = [0u8; 8192];
                loop {
                    match reader.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => parser.lock().unwrap().process(&buf[..n]),
                    }
                }
                output_done.store(true, Ordering::SeqCst);
            });
        }
        let writer = pair.master.take_writer().expect("pty writer");
        Self {
            master: pair.master,
            writer,
            child,
            parser,
            output_done,
            exit: None,
        }
    }

    /// Types `keys` as raw bytes.
    fn send(&mut self, keys: &str) {
        self.writer.write_all(keys.as_bytes()).expect("write to pty");
        self.writer.flush().expect("flush pty");
    }

    /// Esc on its own: crossterm reads an Esc followed at once by more bytes as the
    /// start of an escape sequence (or Alt-key), so give it a moment alone.
    fn esc(&mut self) {
        self.send("\x1b");
        thread::sleep(Duration::from_millis(100));
    }

    fn screen(&self) -> Screen {
        let parser = self.parser.lock().unwrap();
        let screen = parser.screen();
        let (_, cols) = screen.size();
        Screen {
            rows: screen.rows(0, cols.get()).collect(),
            alternate: screen.alternate_screen(),
            cursor_hidden: screen.hide_cursor(),
        }
    }

    /// Polls the screen until `ok` holds; panics with the screen when time runs out.
    fn wait_until(&mut self, what: &str, timeout: Duration, ok: impl Fn(&Screen) -> bool) -> Screen {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            if ok(&screen) {
                return screen;
            }
            if start.elapsed() > timeout {
                let exited = match self.child.try_wait() {
                    Ok(Some(status)) => format!("the app has exited: {status:?}"),
                    Ok(None) => "the app is still running".to_string(),
                    Err(e) => format!("cannot tell whether the app runs: {e}"),
                };
                panic!(
                    "timed out after {timeout:?} waiting for {what} ({exited}); the screen:\n{}",
                    screen.dump()
                );
            }
            thread::sleep(POLL);
        }
    }

    fn wait_for(&mut self, text: &str, timeout: Duration) -> Screen {
        self.wait_until(&format!("{text:?} on screen"), timeout, |s| s.contains(text))
    }

    /// Waits until every text in `has` is on screen and none in `lacks` is. Checking
    /// them together matters: a frame may arrive in several writes, so one text being
    /// there says nothing about rows drawn after it.
    fn wait_screen(&mut self, has: &[&str], lacks: &[&str], timeout: Duration) -> Screen {
        let what = format!("a screen with {has:?} and without {lacks:?}");
        self.wait_until(&what, timeout, |s| {
            has.iter().all(|t| s.contains(t)) && !lacks.iter().any(|t| s.contains(t))
        })
    }

    fn wait_gone(&mut self, text: &str, timeout: Duration) -> Screen {
        self.wait_until(&format!("{text:?} to disappear"), timeout, |s| !s.contains(text))
    }

    fn wait_status(&mut self, text: &str, timeout: Duration) -> Screen {
        self.wait_until(&format!("{text:?} on the status line"), timeout, |s| {
            s.status_line().contains(text)
        })
    }

    /// Resizes the emulator and the pty together (the app gets SIGWINCH).
    fn resize(&mut self, cols: u16, rows: u16) {
        let mut parser = self.parser.lock().unwrap();
        parser.set_size(nz(rows), nz(cols));
        self.master.resize(pty_size(cols, rows)).expect("resize pty");
    }

    /// Waits for the app to exit, then for its last output, and checks that it gave the
    /// terminal back: main screen, cursor visible.
    fn wait_exit(&mut self, timeout: Duration) -> ExitStatus {
        let start = Instant::now();
        let status = loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                break status;
            }
            if start.elapsed() > timeout {
                panic!(
                    "the app did not exit within {timeout:?}; the screen:\n{}",
                    self.screen().dump()
                );
            }
            thread::sleep(POLL);
        };
        self.exit = Some(status.clone());
        while !self.output_done.load(Ordering::SeqCst) && start.elapsed() < timeout {
            thread::sleep(POLL);
        }
        let screen = self.screen();
        assert!(
            !screen.alternate && !screen.cursor_hidden,
            "the terminal was not restored on exit (alternate screen: {}, cursor hidden: {}):\n{}",
            screen.alternate,
            screen.cursor_hidden,
            screen.dump()
        );
        status
    }

    /// Sends `q` and expects a clean exit.
    fn quit(&mut self) {
        self.send("q");
        let status = self.wait_exit(TIMEOUT);
        assert!(
            status.success(),
            "exit status {status:?}; the screen:\n{}",
            self.screen().dump()
        );
    }
}

impl Drop for Tui {
    fn drop(&mut self) {
        if self.exit.is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn read_json(path: &Path) -> serde_json::Value {
    let bytes = fs::read(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

// ---------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------

#[test]
fn adds_a_patient_by_typing_and_finds_it_on_disk() {
    let sandbox = Sandbox::new();
    let mut tui = Tui::spawn(&sandbox, &sandbox.args_with_data_dir(&[]), 100, 30);
    let screen = tui.wait_for(FIRST_RUN_HINT, TIMEOUT);
    assert!(screen.alternate, "the app should draw on the alternate screen");

    tui.send("a");
    tui.wait_for("New patient", TIMEOUT);
    tui.send("Ada Lovelace");
    tui.send(TAB);
    tui.send("1990-12-10");
    tui.send(TAB);
    tui.send("+44 7700 900123");
    tui.send(ENTER);

    let screen = tui.wait_until("\"saved\" on the status line", TIMEOUT, |s| {
        let status = s.status_line();
        status.contains("saved") && !status.contains("unsaved") && !status.contains("NOT SAVED")
    });
    assert!(
        !screen.contains("New patient"),
        "the form is still open:\n{}",
        screen.dump()
    );
    assert!(
        screen.contains("Ada Lovelace"),
        "the name is not listed:\n{}",
        screen.dump()
    );
    assert!(
        screen.contains("Patients (1)"),
        "the list does not count 1:\n{}",
        screen.dump()
    );
    assert!(
        screen.contains("+44 7700 900123"),
        "the phone is not listed:\n{}",
        screen.dump()
    );
    tui.quit();

    let files = sandbox.patient_files();
    assert_eq!(files.len(), 1, "expected exactly one patient file: {files:?}");
    assert!(
        files[0].starts_with("p-") && files[0].ends_with(".json"),
        "{files:?}"
    );
    assert!(
        !files[0].to_lowercase().contains("ada"),
        "a name in a file name: {files:?}"
    );
    let doc = read_json(&sandbox.patients_dir().join(&files[0]));
    assert_eq!(doc["schema_version"], SCHEMA_VERSION, "{doc:#}");
    assert_eq!(doc["patient"]["revision"], 1, "{doc:#}");
    assert_eq!(doc["patient"]["full_name"], "Ada Lovelace", "{doc:#}");
    assert_eq!(doc["patient"]["date_of_birth"], "1990-12-10", "{doc:#}");
    assert_eq!(doc["patient"]["phone"], "+44 7700 900123", "{doc:#}");
    assert_eq!(
        doc["patient"]["id"].as_str(),
        files[0].strip_suffix(".json"),
        "{doc:#}"
    );
    sandbox.assert_nothing_leaked_incl_tmp();
}

#[test]
fn an_impossible_date_is_refused_inline_and_nothing_is_saved() {
    let sandbox = Sandbox::new();
    let mut tui = Tui::spawn(&sandbox, &sandbox.args_with_data_dir(&[]), 100, 30);
    tui.wait_for(FIRST_RUN_HINT, TIMEOUT);

    tui.send("a");
    tui.wait_for("New patient", TIMEOUT);
    tui.send("Ada Lovelace");
    tui.send(TAB);
    tui.send("2026-02-30");
    tui.send(ENTER);
    let screen = tui.wait_for("does not exist", TIMEOUT);
    assert!(
        screen.contains("New patient"),
        "the form closed:\n{}",
        screen.dump()
    );
    assert!(
        screen.contains("Ada Lovelace"),
        "the name was lost:\n{}",
        screen.dump()
    );
    assert!(
        screen.contains("2026-02-30"),
        "the date was lost:\n{}",
        screen.dump()
    );
    assert!(!screen.status_line().contains("saved"), "{}", screen.dump());

    tui.esc();
    tui.wait_screen(
        &[FIRST_RUN_HINT, "Patients (0)"],
        &["New patient", "Ada Lovelace", "does not exist"],
        TIMEOUT,
    );
    tui.quit();

    let files = sandbox.patient_files();
    assert!(files.is_empty(), "nothing should be saved: {files:?}");
    sandbox.assert_nothing_leaked_incl_tmp();
}

#[test]
fn demo_opens_in_a_temp_dir_and_says_where() {
    let sandbox = Sandbox::new();
    let mut tui = Tui::spawn(&sandbox, &["--demo".into()], 100, 30);

    const INTRO: &str = "demo clinic copied to ";
    let screen = tui.wait_status(INTRO, TIMEOUT);
    let status = screen.status_line();
    let after = &status[status.find(INTRO).unwrap() + INTRO.len()..];
    let demo_dir = PathBuf::from(after.split(';').next().unwrap().trim());
    assert!(
        demo_dir.starts_with(sandbox.tmp()),
        "the demo dir {} is not in TMPDIR {}:\n{}",
        demo_dir.display(),
        sandbox.tmp().display(),
        screen.dump()
    );

    // The list shows patients: "Patients (N)" with N > 0, and rows under the header.
    let shown = tui.wait_until("a non-empty patient list", TIMEOUT, |s| {
        patients_count(s).is_some_and(|n| n > 0)
    });
    let count = patients_count(&shown).unwrap();
    assert!(!shown.contains(FIRST_RUN_HINT), "{}", shown.dump());

    tui.send("?");
    // The help box (its title starts "Keys (") has a row "q   quit ...".
    tui.wait_until("the help listing q as quit", TIMEOUT, |s| {
        s.contains("Keys (")
            && s.rows.iter().any(|row| {
                row.split('║')
                    .any(|cell| cell.trim_start().starts_with("q ") && cell.contains("quit"))
            })
    });
    // Any key but j/k closes the help, q included; the second q quits.
    tui.send("q");
    tui.wait_gone("Keys (", TIMEOUT);
    tui.quit();

    let files = entries(&demo_dir.join("patients"));
    assert!(
        files.len() >= count,
        "{count} patients listed but {} files in {}",
        files.len(),
        demo_dir.display()
    );
    assert!(files.iter().all(|f| f.ends_with(".json")), "{files:?}");
    sandbox.assert_nothing_leaked();
    assert!(sandbox.patient_files().is_empty(), "--demo wrote to the data dir");
    fs::remove_dir_all(&demo_dir).expect("remove the demo dir");
    sandbox.assert_nothing_leaked_incl_tmp();
}

/// N in the "Patients (N)" pane title.
fn patients_count(screen: &Screen) -> Option<usize> {
    screen.rows.iter().find_map(|row| {
        let rest = &row[row.find("Patients (")? + "Patients (".len()..];
        rest[..rest.find(')')?].trim().parse().ok()
    })
}

#[test]
fn too_small_terminal_shows_a_message_not_a_crash() {
    let sandbox = Sandbox::new();
    let mut tui = Tui::spawn(&sandbox, &sandbox.args_with_data_dir(&[]), 60, 20);
    tui.wait_screen(
        &["terminal too small", "this one is 60x20"],
        &["Patients"],
        TIMEOUT,
    );

    tui.resize(100, 30);
    tui.wait_screen(
        &[FIRST_RUN_HINT, "Patients (0)"],
        &["terminal too small"],
        TIMEOUT,
    );
    tui.quit();
    sandbox.assert_nothing_leaked_incl_tmp();
}

#[test]
fn corrupt_file_is_reported_and_left_untouched() {
    let sandbox = Sandbox::new();
    let store = PatientStore::open(sandbox.data_dir()).expect("open store");
    let patient = Patient::new(
        PatientId::new("p-00000001").unwrap(),
        PatientDetails {
            full_name: "Grace Hopper".into(),
            date_of_birth: Some("1986-12-09".parse().unwrap()),
            phone: "+1 555 0100".into(),
            ..PatientDetails::default()
        },
        "2026-01-15".parse().unwrap(),
    );
    store.save(&patient).expect("save the valid patient");
    let corrupt = sandbox.patients_dir().join("p-0000bad1.json");
    let corrupt_bytes = b"{ not json".to_vec();
    fs::write(&corrupt, &corrupt_bytes).unwrap();
    let valid = sandbox.patients_dir().join("p-00000001.json");
    let valid_bytes = fs::read(&valid).unwrap();

    let mut tui = Tui::spawn(&sandbox, &sandbox.args_with_data_dir(&[]), 100, 30);
    let screen = tui.wait_status("p-0000bad1.json", TIMEOUT);
    assert!(
        screen.contains("Grace Hopper"),
        "the valid patient is not listed:\n{}",
        screen.dump()
    );
    assert!(screen.contains("Patients (1)"), "{}", screen.dump());

    // `!` lists the problem files; any key closes the list.
    tui.send("!");
    tui.wait_until("the problems popup", TIMEOUT, |s| {
        s.contains("were not loaded") && s.rows.iter().any(|r| r.contains("• patients/p-0000bad1.json"))
    });
    tui.send("x");
    tui.wait_gone("were not loaded", TIMEOUT);
    tui.quit();

    assert_eq!(
        fs::read(&corrupt).unwrap(),
        corrupt_bytes,
        "the corrupt file was changed"
    );
    assert_eq!(
        fs::read(&valid).unwrap(),
        valid_bytes,
        "the valid file was rewritten"
    );
    assert_eq!(
        sandbox.patient_files(),
        vec!["p-00000001.json".to_string(), "p-0000bad1.json".to_string()]
    );
    sandbox.assert_nothing_leaked_incl_tmp();
}

#[test]
fn help_and_version_flags() {
    let sandbox = Sandbox::new();
    let run = |arg: &str| {
        let out = Command::new(BIN)
            .arg(arg)
            .env_clear()
            .envs(sandbox.env())
            .current_dir(sandbox.cwd())
            .output()
            .expect("run needleplan");
        assert!(
            out.status.success(),
            "{arg}: {:?}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("utf-8 output")
    };

    let help = run("--help");
    assert!(help.contains("--data-dir"), "{help}");
    assert!(help.contains("--demo"), "{help}");

    let version = run("--version");
    assert_eq!(
        version.trim_end(),
        format!("needleplan {}", env!("CARGO_PKG_VERSION"))
    );
    sandbox.assert_nothing_leaked_incl_tmp();
    assert!(entries(sandbox.data_dir()).is_empty());
}
