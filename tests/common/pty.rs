//! The real `needleplan` binary in a pseudo-terminal (portable-pty), its output read
//! back through a terminal emulator (vt100), keys typed as bytes. Shared by the
//! end-to-end tests (`tests/e2e_*.rs`), which include it with `mod common;`.
//!
//! Every run gets its own `--data-dir`, and `NEEDLEPLAN_DATA_DIR`, `HOME`,
//! `XDG_DATA_HOME`, `TMPDIR` and the working dir all point at other temporary dirs that
//! must stay empty: that proves `--data-dir` wins and that nothing leaks elsewhere.

use std::ffi::OsString;
use std::fs;
use std::io::{Read, Write};
use std::num::NonZeroU16;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use portable_pty::{Child, CommandBuilder, ExitStatus, MasterPty, PtySize, native_pty_system};
use tempfile::TempDir;

pub const BIN: &str = env!("CARGO_BIN_EXE_needleplan");
pub const TIMEOUT: Duration = Duration::from_secs(10);
pub const POLL: Duration = Duration::from_millis(10);

pub const ENTER: &str = "\r";
pub const TAB: &str = "\t";
/// The empty list's first-run hint, as `ui/patient_list.rs` renders it.
pub const FIRST_RUN_HINT: &str = "Press a to add your first patient";

// ---------------------------------------------------------------------------------------
// Sandbox: the data dir the app may use, and the places it must leave alone.
// ---------------------------------------------------------------------------------------

pub struct Sandbox {
    /// Passed as `--data-dir`.
    pub data: TempDir,
    /// Holds `env-data/` (NEEDLEPLAN_DATA_DIR), `home/` (HOME, with XDG_DATA_HOME
    /// inside it, not created), `tmp/` (TMPDIR) and `cwd/` (the working dir).
    pub outside: TempDir,
}

impl Sandbox {
    /// A sandbox whose data dir holds a clinic already set up: the demo's clinicians and
    /// rooms, the login running the tests its admin (so no first-run set-up opens).
    pub fn new() -> Self {
        let sandbox = Self::fresh();
        let mut settings = needleplan::store::demo::demo_settings();
        let login = needleplan::store::audit::os_user();
        settings.staff = vec![needleplan::domain::staff::first_user(&login, Some("amara"))];
        needleplan::store::clinic_file::save(sandbox.data_dir(), &settings).expect("save clinic.json");
        sandbox
    }

    /// A sandbox with an empty data dir: the app opens its first-run set-up.
    pub fn fresh() -> Self {
        let sandbox = Self {
            data: tempfile::tempdir().expect("temp data dir"),
            outside: tempfile::tempdir().expect("temp outside dir"),
        };
        for dir in ["env-data", "home", "tmp", "cwd"] {
            fs::create_dir(sandbox.outside.path().join(dir)).expect("create sandbox dir");
        }
        // A data dir of one user, as the app wants it; otherwise every run opens with
        // the (correct) warning that other users could read it, hiding the status line.
        fs::set_permissions(sandbox.data_dir(), fs::Permissions::from_mode(0o700)).expect("chmod data dir");
        sandbox
    }

    pub fn data_dir(&self) -> &Path {
        self.data.path()
    }

    pub fn patients_dir(&self) -> PathBuf {
        self.data_dir().join("patients")
    }

    pub fn env_data_dir(&self) -> PathBuf {
        self.outside.path().join("env-data")
    }

    pub fn home(&self) -> PathBuf {
        self.outside.path().join("home")
    }

    pub fn tmp(&self) -> PathBuf {
        self.outside.path().join("tmp")
    }

    pub fn cwd(&self) -> PathBuf {
        self.outside.path().join("cwd")
    }

    /// The whole environment of a run: nothing is inherited from the test process.
    pub fn env(&self) -> Vec<(&'static str, OsString)> {
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
    pub fn args_with_data_dir(&self, extra: &[&str]) -> Vec<OsString> {
        let mut args: Vec<OsString> = vec!["--data-dir".into(), self.data_dir().into()];
        args.extend(extra.iter().map(OsString::from));
        args
    }

    /// The env data dir, the fake home and the working dir are still empty.
    pub fn assert_nothing_leaked(&self) {
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
    pub fn assert_nothing_leaked_incl_tmp(&self) {
        self.assert_nothing_leaked();
        let tmp = self.tmp();
        assert_eq!(
            entries(&tmp),
            Vec::<String>::new(),
            "{} was written to",
            tmp.display()
        );
    }

    pub fn patient_files(&self) -> Vec<String> {
        entries(&self.patients_dir())
    }
}

/// Every name under `dir`, recursively, relative to it and sorted.
pub fn entries(dir: &Path) -> Vec<String> {
    pub fn walk(base: &Path, dir: &Path, out: &mut Vec<String>) {
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
pub struct Screen {
    pub rows: Vec<String>,
    pub alternate: bool,
    pub cursor_hidden: bool,
}

impl Screen {
    pub fn contains(&self, text: &str) -> bool {
        self.rows.iter().any(|r| r.contains(text))
    }

    /// The status line: the second row from the bottom of the main screen.
    pub fn status_line(&self) -> &str {
        &self.rows[self.rows.len() - 2]
    }

    pub fn dump(&self) -> String {
        let mut s = String::new();
        for (i, row) in self.rows.iter().enumerate() {
            s.push_str(&format!("{i:>2}|{row}\n"));
        }
        s
    }
}

pub struct Tui {
    pub master: Box<dyn MasterPty + Send>,
    pub writer: Box<dyn Write + Send>,
    pub child: Box<dyn Child + Send + Sync>,
    pub parser: Arc<Mutex<vt100::Parser>>,
    /// Set once the pty has no more output (the child and its terminal are gone).
    pub output_done: Arc<AtomicBool>,
    pub exit: Option<ExitStatus>,
}

pub fn nz(n: u16) -> NonZeroU16 {
    NonZeroU16::new(n).expect("non-zero terminal size")
}

pub fn pty_size(cols: u16, rows: u16) -> PtySize {
    PtySize {
        rows,
        cols,
        pixel_width: 0,
        pixel_height: 0,
    }
}

impl Tui {
    pub fn spawn(sandbox: &Sandbox, args: &[OsString], cols: u16, rows: u16) -> Self {
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
    pub fn send(&mut self, keys: &str) {
        self.writer.write_all(keys.as_bytes()).expect("write to pty");
        self.writer.flush().expect("flush pty");
    }

    /// Esc on its own: crossterm reads an Esc followed at once by more bytes as the
    /// start of an escape sequence (or Alt-key), so give it a moment alone.
    pub fn esc(&mut self) {
        self.send("\x1b");
        thread::sleep(Duration::from_millis(100));
    }

    pub fn screen(&self) -> Screen {
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
    pub fn wait_until(&mut self, what: &str, timeout: Duration, ok: impl Fn(&Screen) -> bool) -> Screen {
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

    pub fn wait_for(&mut self, text: &str, timeout: Duration) -> Screen {
        self.wait_until(&format!("{text:?} on screen"), timeout, |s| s.contains(text))
    }

    /// Waits until every text in `has` is on screen and none in `lacks` is. Checking
    /// them together matters: a frame may arrive in several writes, so one text being
    /// there says nothing about rows drawn after it.
    pub fn wait_screen(&mut self, has: &[&str], lacks: &[&str], timeout: Duration) -> Screen {
        let what = format!("a screen with {has:?} and without {lacks:?}");
        self.wait_until(&what, timeout, |s| {
            has.iter().all(|t| s.contains(t)) && !lacks.iter().any(|t| s.contains(t))
        })
    }

    pub fn wait_gone(&mut self, text: &str, timeout: Duration) -> Screen {
        self.wait_until(&format!("{text:?} to disappear"), timeout, |s| !s.contains(text))
    }

    pub fn wait_status(&mut self, text: &str, timeout: Duration) -> Screen {
        self.wait_until(&format!("{text:?} on the status line"), timeout, |s| {
            s.status_line().contains(text)
        })
    }

    /// Resizes the emulator and the pty together (the app gets SIGWINCH).
    pub fn resize(&mut self, cols: u16, rows: u16) {
        let mut parser = self.parser.lock().unwrap();
        parser.set_size(nz(rows), nz(cols));
        self.master.resize(pty_size(cols, rows)).expect("resize pty");
    }

    /// Waits for the app to exit, then for its last output, and checks that it gave the
    /// terminal back: main screen, cursor visible.
    pub fn wait_exit(&mut self, timeout: Duration) -> ExitStatus {
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
    pub fn quit(&mut self) {
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

pub fn read_json(path: &Path) -> serde_json::Value {
    let bytes = fs::read(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}
