//! The terminal loop: load, draw, read keys, carry out saves, restore the terminal on
//! every way out (quit, error, panic).

use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::Local;
use ratatui::crossterm::event::{self, Event};

use crate::app::Model;
use crate::app::message::{Msg, update};
use crate::app::model::{ReadOnly, StatusKind};
use crate::app::persist::{self, flush, run_effects};
use crate::domain::staff::{self, Acting};
use crate::store::templates::Templates;
use crate::store::{LoadReport, PatientStore};
use crate::store::{clinic_file, permissions};
use crate::ui;

/// How often the clock and failed saves are looked at when no key is pressed.
const TICK: Duration = Duration::from_millis(1000);

/// Why the app could not start or stopped: the data dir, or the terminal.
#[derive(Debug, thiserror::Error)]
pub enum RuntimeError {
    #[error("cannot open data dir {}: {error}", .dir.display())]
    OpenDataDir { dir: PathBuf, error: io::Error },
    /// The `patients/` folder could not be listed.
    #[error("cannot read {}: {error}", .dir.display())]
    ReadPatients { dir: PathBuf, error: io::Error },
    #[error("cannot start the terminal: {0}")]
    StartTerminal(io::Error),
    #[error("terminal error: {0}")]
    Terminal(io::Error),
}

/// Opens the data dir's patient store and loads every patient file in it.
pub fn open_store(data_dir: &Path) -> Result<(PatientStore, LoadReport), RuntimeError> {
    let mut store = PatientStore::open(data_dir).map_err(|error| RuntimeError::OpenDataDir {
        dir: data_dir.to_path_buf(),
        error,
    })?;
    let report = store.load_all().map_err(|error| RuntimeError::ReadPatients {
        dir: data_dir.join("patients"),
        error,
    })?;
    Ok((store, report))
}

/// Loads the clinic in `data_dir` into a model, with start-up messages.
pub fn load(data_dir: &Path, intro: Option<String>) -> Result<(Model, PatientStore), RuntimeError> {
    let (store, report) = open_store(data_dir)?;
    let (templates, template_problems) = Templates::load(data_dir);
    let mut patients = report.patients;
    let mut read_only = std::collections::BTreeMap::new();
    for r in report.read_only {
        read_only.insert(r.patient.id.clone(), ReadOnly::NewerVersion(r.schema_version));
        patients.push(r.patient);
    }
    // Read-only records are listed, planned and booked like the others (so the calendar
    // knows their sessions); the model refuses every change to them.
    let mut model = Model::new(Local::now().naive_local(), templates, patients);
    model.read_only = read_only;
    model.reserved_ids = store.protected_ids().clone();
    model.problems = report
        .problems
        .iter()
        .map(|p| format!("{}: {}", p.file, p.message))
        .collect();
    model.problems.extend(template_problems);
    let mut clinic = clinic_file::load(data_dir);
    let first_run = !clinic.exists && !clinic.read_only;
    if !clinic.exists {
        // A new data dir (and the demo): whoever starts it is its admin and a clinician,
        // written with the first settings save.
        clinic.settings.staff = vec![staff::first_user(model.acting_login(), None)];
    }
    model.problems.extend(clinic.problem);
    model.clinic_read_only = clinic.read_only;
    model.set_clinic(clinic.settings);
    model.data_dir_label = data_dir.display().to_string();
    if let Some(first) = model.problems.first() {
        let n = model.problems.len();
        model.set_status(
            StatusKind::Error,
            format!("{n} file(s) not loaded, press ! for the list: {first}"),
        );
    } else if let Some(warning) = permissions::startup_warning(data_dir) {
        model.set_status(StatusKind::Error, warning);
    } else if let Some(text) = intro {
        // The demo: where its temporary copy is, before anything about its staff list.
        model.set_status(StatusKind::Info, text);
    } else if let Some((kind, text)) = staff_notice(&model) {
        model.set_status(kind, text);
    } else if !model.read_only.is_empty() {
        model.set_status(
            StatusKind::Info,
            format!(
                "{} patients loaded, {} of them read-only (written by a newer needleplan)",
                model.patients.len(),
                model.read_only.len()
            ),
        );
    } else {
        model.set_status(
            StatusKind::Info,
            format!("{} patients loaded", model.patients.len()),
        );
    }
    if first_run && model.problems.is_empty() {
        // A new data dir: the clinic is set up before anything else (never the demo's,
        // which brings its own clinic.json).
        crate::app::setup::open(&mut model);
    }
    Ok((model, store))
}

/// What the acting person is told once at start about the staff list: nothing when they
/// are on it.
fn staff_notice(model: &Model) -> Option<(StatusKind, String)> {
    match model.acting() {
        Acting::Staff(_) => None,
        Acting::NotListed(login) => Some((
            StatusKind::Error,
            staff::not_listed_message(&login, &model.clinic.staff),
        )),
        Acting::NoStaffList(_) => Some((
            StatusKind::Info,
            "no staff list yet: anyone can change anything; an admin adds staff in Settings (5)".into(),
        )),
    }
}

/// Runs the app until it quits; returns what the user is to be told on stderr once the
/// terminal is restored (e.g. that an unfinished set-up wrote nothing).
pub fn run(mut model: Model, store: PatientStore) -> Result<Option<String>, RuntimeError> {
    install_panic_hook();
    let mut terminal = ratatui::try_init().map_err(RuntimeError::StartTerminal)?;
    let result = event_loop(&mut terminal, &mut model, &store);
    ratatui::restore();
    result.map_err(RuntimeError::Terminal)?;
    Ok(model.exit_message.take())
}

fn event_loop(
    terminal: &mut ratatui::DefaultTerminal,
    model: &mut Model,
    store: &PatientStore,
) -> io::Result<()> {
    loop {
        terminal.draw(|frame| ui::view(model, frame))?;
        if event::poll(TICK)? {
            // Handle every key already waiting before drawing again, so a burst of keys
            // (a held j, a paste) costs one frame.
            loop {
                if let Event::Key(key) = event::read()? {
                    let effects = update(model, Msg::Key(key, Local::now().naive_local()));
                    run_effects(model, effects, store);
                }
                if model.quit || !event::poll(Duration::ZERO)? {
                    break;
                }
            }
        } else {
            // The runtime looks (IO) and says what it found; `update` takes it in.
            update(model, Msg::Tick(Local::now().naive_local()));
            // Other instances' saves show up within a tick; cheap when nothing changed.
            persist::poll(model, store);
            persist::poll_clinic(model, store);
            flush(model, store);
        }
        if model.quit {
            return Ok(());
        }
    }
}

/// Replaces the default panic message (which could quote data) with one that names only
/// the place in the code. ratatui's own hook, installed after this one, restores the
/// terminal first.
fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let place = info
            .location()
            .map(|l| format!("{}:{}", l.file(), l.line()))
            .unwrap_or_else(|| "unknown place".into());
        eprintln!(
            "needleplan stopped on an internal error at {place}.\nEvery change confirmed before this was already saved."
        );
    }));
}
