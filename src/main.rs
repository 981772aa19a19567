use std::path::{Path, PathBuf};
use std::process::ExitCode;

use chrono::Local;
use clap::Parser;

use needleplan::cli::{Cli, Command};
use needleplan::domain::clinic::ClinicSettings;
use needleplan::domain::{agenda_text, ics};
use needleplan::runtime::{self, RuntimeError};
use needleplan::store::backup::BackupError;
use needleplan::store::demo::DemoError;
use needleplan::store::paths::DataDirError;
use needleplan::store::{atomic, clinic_file};
use needleplan::store::{backup, demo, doctor, paths};

mod cli_transfer;

fn main() -> ExitCode {
    restore_sigpipe();
    let cli = Cli::parse();
    match start(cli) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("needleplan: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Reports piped into `head` or `less` stop quietly when the reader goes away, as other
/// command-line tools do, instead of failing on the next write (Rust ignores SIGPIPE
/// by default, which turns it into a panic inside `println!`).
fn restore_sigpipe() {
    #[cfg(unix)]
    {
        use nix::sys::signal::{SigHandler, Signal, signal};
        // SAFETY: at the very start of main, before any thread exists; SIG_DFL installs
        // no handler of ours.
        let _ = unsafe { signal(Signal::SIGPIPE, SigHandler::SigDfl) };
    }
}

/// Why a command failed; shown as `needleplan: <message>` with a failing exit code.
#[derive(Debug, thiserror::Error)]
enum CliError {
    #[error(transparent)]
    DataDir(#[from] DataDirError),
    #[error(transparent)]
    Demo(#[from] DemoError),
    #[error(transparent)]
    Backup(#[from] BackupError),
    #[error(transparent)]
    Runtime(#[from] RuntimeError),
    #[error("cannot create a temporary dir: {0}")]
    TempDir(std::io::Error),
    #[error("cannot make {} private: {error}", .dir.display())]
    MakePrivate { dir: PathBuf, error: std::io::Error },
    #[error("no data dir at {} (give --data-dir PATH, or try --demo)", .0.display())]
    NoDataDir(PathBuf),
    #[error("no patient with id '{id}' in {}", .data_dir.display())]
    NoSuchPatient { id: String, data_dir: PathBuf },
    #[error("{0} has no planned or booked session with a time: nothing to export")]
    NothingToExport(String),
    #[error("{0} has no session done or planned: nothing to write a handout for")]
    NothingToHandOut(String),
    #[error("cannot read the current dir: {0}")]
    CurrentDir(std::io::Error),
    #[error(
        "the current dir is inside the data dir {}: give --out FILE to write the export elsewhere",
        .0.display()
    )]
    ExportInsideDataDir(PathBuf),
    #[error("cannot write {}: {error}", .path.display())]
    Write { path: PathBuf, error: std::io::Error },
    #[error("{} already exists and was left as it is (give --force to replace it)", .0.display())]
    Exists(PathBuf),
    #[error(transparent)]
    Transfer(#[from] cli_transfer::TransferCliError),
}

fn start(cli: Cli) -> Result<ExitCode, CliError> {
    // With --demo, a fresh copy of the demo clinic in a temporary dir: this guard removes
    // it when `start` returns, whether the app or command succeeded or failed (`restore`
    // makes its own dir and needs none).
    let demo = match (&cli.command, cli.demo) {
        (Some(Command::Restore { .. }), _) | (_, false) => None,
        (_, true) => Some(demo_copy()?),
    };
    let demo_dir = demo.as_ref().map(|d| d.path().to_path_buf());
    match cli.command {
        None => {
            let (data_dir, intro) = match demo_dir {
                Some(dir) => {
                    let intro = format!(
                        "demo clinic: a temporary copy in {}, removed on exit; real data untouched",
                        dir.display()
                    );
                    (dir, Some(intro))
                }
                None => (chosen_data_dir(cli.data_dir)?, None),
            };
            let (model, store) = runtime::load(&data_dir, intro)?;
            if let Some(message) = runtime::run(model, store)? {
                eprintln!("needleplan: {message}");
            }
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Doctor { fix }) => {
            let data_dir = data_dir_for_command(demo_dir, cli.data_dir)?;
            let report = if fix {
                doctor::fix(&data_dir)
            } else {
                doctor::run(&data_dir)
            };
            for line in &report.lines {
                println!("{line}");
            }
            Ok(if report.is_clean() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        Some(Command::Backup { dest }) => {
            let data_dir = data_dir_for_command(demo_dir, cli.data_dir)?;
            let dest = dest.unwrap_or_else(|| PathBuf::from(backup::default_backup_name(Local::now())));
            let s = backup::backup(&data_dir, &dest)?;
            println!(
                "backed up {} files ({} patient files, {} bytes) from {} to {}",
                s.files,
                s.patient_files,
                s.bytes,
                data_dir.display(),
                s.dest.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Restore { backup_dir, into }) => {
            let target = match into {
                Some(dir) => dir,
                None if cli.demo => {
                    let dir = tempfile::Builder::new()
                        .prefix("needleplan-restore-")
                        .tempdir()
                        .map_err(CliError::TempDir)?
                        .keep();
                    make_private(&dir)?;
                    println!(
                        "restoring into a new temporary dir {} (real data untouched)",
                        dir.display()
                    );
                    dir
                }
                None => chosen_data_dir(cli.data_dir)?,
            };
            let s = backup::restore(&backup_dir, &target)?;
            println!(
                "restored {} files ({} patient files, {} bytes) from the backup of {} into {}",
                s.files,
                s.patient_files,
                s.bytes,
                s.created,
                s.target.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Agenda { date, days }) => {
            let (patients, clinic, _) = load_for_report(demo_dir, cli.data_dir)?;
            let calendar = needleplan::domain::calendar::Calendar::for_clinic(&clinic, &patients);
            let from = date.unwrap_or_else(|| Local::now().date_naive());
            print!(
                "{}",
                agenda_text::render(&clinic, &calendar, &patients, from, days)
            );
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Handout {
            patient_id,
            format,
            out,
            force,
        }) => {
            let (patients, clinic, data_dir) = load_for_report(demo_dir, cli.data_dir)?;
            let out = out.map(|path| Output { path, force });
            handout_cmd(&patients, &clinic, &data_dir, &patient_id, format, out)?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::ExportIcs {
            patient_id,
            out,
            force,
        }) => {
            let (patients, clinic, data_dir) = load_for_report(demo_dir, cli.data_dir)?;
            let (path, events) = export_ics(&patients, &clinic, &data_dir, &patient_id, out, force)?;
            println!("wrote {events} session(s) of {patient_id} to {}", path.display());
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::ImportCsv {
            file,
            maps,
            date_format,
            dry_run,
            skip_bad,
        }) => {
            let args = cli_transfer::ImportArgs {
                file,
                maps,
                date_format,
                dry_run,
                skip_bad,
            };
            cli_transfer::import_csv(demo_dir, cli.data_dir, args)
        }
        Some(Command::ExportCsv {
            what,
            from,
            to,
            out,
            force,
            no_names,
        }) => {
            let args = cli_transfer::ExportArgs {
                what,
                from,
                to,
                out,
                force,
                no_names,
            };
            cli_transfer::export_csv(demo_dir, cli.data_dir, args)
        }
        Some(Command::Reminders { date, format, exec }) => {
            cli_transfer::reminders(demo_dir, cli.data_dir, &date, format, exec)
        }
    }
}

/// Patients and clinic settings for a read-only command (`agenda`, `export-ics`). Files
/// that cannot be read are named on stderr, so stdout stays clean for scripts.
fn load_for_report(
    demo: Option<PathBuf>,
    flag: Option<PathBuf>,
) -> Result<(Vec<needleplan::domain::patient::Patient>, ClinicSettings, PathBuf), CliError> {
    let data_dir = match demo {
        Some(dir) => {
            eprintln!(
                "needleplan: demo clinic copied to {} (real data untouched; removed when done)",
                dir.display()
            );
            dir
        }
        None => chosen_data_dir(flag)?,
    };
    if !data_dir.is_dir() {
        return Err(CliError::NoDataDir(data_dir));
    }
    let (_, report) = runtime::open_store(&data_dir)?;
    for p in &report.problems {
        eprintln!("needleplan: warning: {}: {} (left out)", p.file, p.message);
    }
    let clinic = clinic_file::load(&data_dir);
    if let Some(problem) = &clinic.problem {
        eprintln!("needleplan: warning: {problem}");
    }
    if !clinic.exists {
        eprintln!(
            "needleplan: warning: the clinic is not set up yet (no clinic.json): start needleplan on {} to set it up",
            data_dir.display()
        );
    }
    Ok((report.patients, clinic.settings, data_dir))
}

/// Writes the patient's sessions as an `.ics` file: `out`, else `<id>.ics` in the
/// current dir, which must then not be inside the data dir (an export is not a record).
fn export_ics(
    patients: &[needleplan::domain::patient::Patient],
    clinic: &ClinicSettings,
    data_dir: &Path,
    patient_id: &str,
    out: Option<PathBuf>,
    force: bool,
) -> Result<(PathBuf, usize), CliError> {
    let patient = find_patient(patients, data_dir, patient_id)?;
    let export = ics::patient_calendar(clinic, patient, chrono::Utc::now());
    if export.events == 0 {
        return Err(CliError::NothingToExport(patient_id.to_string()));
    }
    let cwd = std::env::current_dir().map_err(CliError::CurrentDir)?;
    let path = match out {
        Some(path) => cwd.join(path),
        None => {
            let inside = match (cwd.canonicalize(), data_dir.canonicalize()) {
                (Ok(here), Ok(data)) => here.starts_with(data),
                _ => false,
            };
            if inside {
                return Err(CliError::ExportInsideDataDir(data_dir.to_path_buf()));
            }
            cwd.join(format!("{patient_id}.ics"))
        }
    };
    write_file(
        &Output {
            path: path.clone(),
            force,
        },
        export.text.as_bytes(),
    )?;
    Ok((path, export.events))
}

fn find_patient<'a>(
    patients: &'a [needleplan::domain::patient::Patient],
    data_dir: &Path,
    patient_id: &str,
) -> Result<&'a needleplan::domain::patient::Patient, CliError> {
    patients
        .iter()
        .find(|p| p.id.as_str() == patient_id)
        .ok_or_else(|| CliError::NoSuchPatient {
            id: patient_id.to_string(),
            data_dir: data_dir.to_path_buf(),
        })
}

/// A file a command writes (`--out`), and whether an existing one may be replaced.
struct Output {
    path: PathBuf,
    force: bool,
}

/// Writes `out` atomically. Without `--force` an existing file (or link, or anything)
/// at that name is left exactly as it is and the command fails saying so.
fn write_file(out: &Output, bytes: &[u8]) -> Result<(), CliError> {
    let path = &out.path;
    if !out.force && path.symlink_metadata().is_ok() {
        return Err(CliError::Exists(path.clone()));
    }
    let written = if out.force {
        atomic::write_atomic(path, bytes)
    } else {
        atomic::write_atomic_new(path, bytes)
    };
    written.map_err(|error| match error.kind() {
        // Created meanwhile, between the look and the write.
        std::io::ErrorKind::AlreadyExists if !out.force => CliError::Exists(path.clone()),
        _ => CliError::Write {
            path: path.clone(),
            error,
        },
    })
}

/// Writes the aftercare sheet of the patient's latest session done, else of the next
/// one, to `out` or stdout; which session it is for goes to stderr (or stdout with `--out`).
fn handout_cmd(
    patients: &[needleplan::domain::patient::Patient],
    clinic: &ClinicSettings,
    data_dir: &Path,
    patient_id: &str,
    format: needleplan::cli::HandoutFormatArg,
    out: Option<Output>,
) -> Result<(), CliError> {
    use needleplan::domain::handout::{HandoutFormat, HandoutInput, render_handout};
    let patient = find_patient(patients, data_dir, patient_id)?;
    let chosen = needleplan::app::clinical_rules::handout_session(patient)
        .ok_or_else(|| CliError::NothingToHandOut(patient_id.to_string()))?;
    let (templates, problems) = needleplan::store::templates::Templates::load(data_dir);
    for p in problems {
        eprintln!("needleplan: warning: {p}");
    }
    let input = HandoutInput {
        clinic_name: clinic.name.clone(),
        clinic_phone: clinic.phone.clone(),
        clinic_address: clinic.address.clone(),
        patient_name: patient.full_name.clone(),
        session_date: chosen.date,
        last_in_series: chosen.last_in_series,
    };
    let format = match format {
        needleplan::cli::HandoutFormatArg::Text => HandoutFormat::Text,
        needleplan::cli::HandoutFormatArg::Markdown => HandoutFormat::Markdown,
    };
    let text = render_handout(&templates.handout, &input, format);
    let which = format!(
        "session {} of {} {}, {}",
        chosen.number,
        chosen.date,
        if chosen.done {
            "(the latest done)"
        } else {
            "(the next one; none is done yet)"
        },
        patient.full_name
    );
    match out {
        None => {
            eprintln!("needleplan: aftercare sheet for {which}");
            print!("{text}");
        }
        Some(out) => {
            write_file(&out, text.as_bytes())?;
            println!("wrote the aftercare sheet for {which} to {}", out.path.display());
        }
    }
    Ok(())
}

fn chosen_data_dir(flag: Option<PathBuf>) -> Result<PathBuf, CliError> {
    Ok(paths::choose_data_dir(flag, std::env::var(paths::ENV_VAR).ok())?)
}

/// The data dir a command works on: with `--demo`, the fresh copy of the demo clinic.
fn data_dir_for_command(demo: Option<PathBuf>, flag: Option<PathBuf>) -> Result<PathBuf, CliError> {
    match demo {
        Some(dir) => {
            println!(
                "demo clinic copied to {} (real data untouched; removed when done)",
                dir.display()
            );
            Ok(dir)
        }
        None => chosen_data_dir(flag),
    }
}

/// A fresh copy of the demo clinic, private like a real data dir (a temporary dir is
/// created with the umask's mode, often 0755); removed when the guard is dropped.
fn demo_copy() -> Result<tempfile::TempDir, CliError> {
    let dir = demo::install_in_temp_dir(Local::now().date_naive())?;
    make_private(dir.path())?;
    Ok(dir)
}

fn make_private(dir: &std::path::Path) -> Result<(), CliError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).map_err(|error| {
            CliError::MakePrivate {
                dir: dir.to_path_buf(),
                error,
            }
        })?;
    }
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}
