//! Data in and out, the side that touches files and processes: `import-csv` (the plan
//! from `domain::import_csv`, carried out through the same save path as the app: lock,
//! revision check, one audit line per new patient), the exports (`domain::export_csv`)
//! written into a folder for the app's settings screen, and `reminders --exec` (the
//! clinic's own command run once per reminder).

use std::collections::BTreeSet;
use std::io;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};

use chrono::{NaiveDate, NaiveDateTime};

use crate::domain::clinic::ClinicSettings;
use crate::domain::export_csv::{self, ExportOptions, What};
use crate::domain::import_csv::{AlreadyThere, FileError, ImportOptions, ImportPlan, Match, plan_import};
use crate::domain::patient::{Patient, PatientId};
use crate::domain::reminders::{self, Reminder};
use crate::domain::staff::{Acting, Permission};
use crate::store::atomic::write_atomic_new;
use crate::store::regular_file::{NotRead, read_regular, size_text};
use crate::store::{PatientStore, SaveError, audit, clinic_file};

/// The biggest CSV file read (a clinic of 100,000 patients is a few MB).
pub const MAX_IMPORT_BYTES: u64 = 64 * 1024 * 1024;

/// Why an import did not start (nothing was written).
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{} does not exist", .0.display())]
    Missing(PathBuf),
    #[error("{} is {kind}, not a file", .path.display())]
    NotAFile { path: PathBuf, kind: String },
    #[error("{} is {}, more than the {} an import reads", .path.display(), size_text(*.bytes), size_text(MAX_IMPORT_BYTES))]
    TooLarge { path: PathBuf, bytes: u64 },
    #[error("cannot read {}: {error}", .path.display())]
    Read { path: PathBuf, error: io::Error },
    #[error("{}: {error}; nothing imported", .path.display())]
    File { path: PathBuf, error: FileError },
    #[error("cannot open the data dir {}: {error}", .dir.display())]
    DataDir { dir: PathBuf, error: io::Error },
    #[error("{0}; nothing imported")]
    NotAllowed(String),
}

/// Whether rows are written, and what a refused row does to the others.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImportMode {
    pub dry_run: bool,
    /// Import the good rows when some are refused (otherwise nothing is written).
    pub skip_bad: bool,
}

/// What an import did.
#[derive(Debug)]
pub struct ImportRun {
    pub plan: ImportPlan,
    /// New patients written: (line, id).
    pub created: Vec<(u64, PatientId)>,
    /// Refused rows stopped the import: nothing was written.
    pub stopped: bool,
    /// A save that failed, at that row; the rows before it were written (a second run
    /// of the same file finds them and goes on from there).
    pub failed: Option<(u64, SaveError)>,
}

impl ImportRun {
    /// Everything asked was (or, in a dry run, would be) done: no refused row stops it
    /// and no save failed. The command's exit status.
    pub fn ok(&self, mode: ImportMode) -> bool {
        !self.stopped && self.failed.is_none() && (self.plan.refused.is_empty() || mode.skip_bad)
    }
}

/// Reads `file`, plans the import against the patients in `data_dir` and, unless it is
/// a dry run, writes the new patients one by one through [`PatientStore::save`].
pub fn import(
    data_dir: &Path,
    file: &Path,
    options: &ImportOptions,
    mode: ImportMode,
    now: NaiveDateTime,
) -> Result<ImportRun, ImportError> {
    let bytes = read_import_file(file)?;
    let open_error = |error| ImportError::DataDir {
        dir: data_dir.to_path_buf(),
        error,
    };
    if mode.dry_run && !data_dir.exists() {
        // Nothing there to compare with, and a dry run creates no data dir.
        let plan = plan_import(&bytes, options, &[], now.date()).map_err(|error| ImportError::File {
            path: file.to_path_buf(),
            error,
        })?;
        return Ok(ImportRun {
            plan,
            created: Vec::new(),
            stopped: false,
            failed: None,
        });
    }
    let mut store = PatientStore::open(data_dir).map_err(open_error)?;
    let report = store.load_all().map_err(open_error)?;
    let mut existing = report.patients;
    existing.extend(report.read_only.into_iter().map(|r| r.patient));
    let plan = plan_import(&bytes, options, &existing, now.date()).map_err(|error| ImportError::File {
        path: file.to_path_buf(),
        error,
    })?;
    let mut run = ImportRun {
        plan,
        created: Vec::new(),
        stopped: false,
        failed: None,
    };
    if mode.dry_run {
        return Ok(run);
    }
    if !run.plan.refused.is_empty() && !mode.skip_bad {
        run.stopped = true;
        return Ok(run);
    }
    if !run.plan.new.is_empty() {
        let clinic = clinic_file::load(data_dir).settings;
        let acting = Acting::resolve(&clinic.staff, &audit::os_user());
        if let Some(why) = acting.refusal(Permission::Patients, &clinic.staff) {
            return Err(ImportError::NotAllowed(why));
        }
    }
    let mut taken: BTreeSet<String> = existing.iter().map(|p| p.id.to_string()).collect();
    taken.extend(store.protected_ids());
    let mut ids = IdSource::new(now);
    for row in &run.plan.new {
        let id = ids.next(&taken);
        taken.insert(id.to_string());
        let patient = Patient::new(id.clone(), row.details.clone(), now.date());
        match store.save(&patient) {
            Ok(_) => run.created.push((row.line, id)),
            Err(e) => {
                run.failed = Some((row.line, e));
                break;
            }
        }
    }
    Ok(run)
}

/// "1 patient", "2 patients".
fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn read_import_file(file: &Path) -> Result<Vec<u8>, ImportError> {
    let path = file.to_path_buf();
    match read_regular(file, MAX_IMPORT_BYTES) {
        Ok((bytes, _)) => Ok(bytes),
        Err(NotRead::Missing) => Err(ImportError::Missing(path)),
        Err(NotRead::NotRegular { kind, .. }) => Err(ImportError::NotAFile {
            path,
            kind: kind.to_string(),
        }),
        Err(NotRead::TooLarge { bytes, .. }) => Err(ImportError::TooLarge { path, bytes }),
        Err(NotRead::Io(error)) => Err(ImportError::Read { path, error }),
    }
}

/// New patient ids in the app's form (`p-` and 8 hex digits), never one already used.
struct IdSource(u64);

impl IdSource {
    fn new(now: NaiveDateTime) -> Self {
        let nanos = now.and_utc().timestamp_nanos_opt().unwrap_or(0) as u64;
        Self(nanos ^ ((std::process::id() as u64) << 32))
    }

    fn next(&mut self, taken: &BTreeSet<String>) -> PatientId {
        loop {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let candidate = format!("p-{:08x}", (self.0 >> 32) as u32);
            if !taken.contains(&candidate) {
                return PatientId::new(&candidate).expect("hex ids are valid");
            }
        }
    }
}

/// The report front-desk staff read: every row by its line in the file (the header is
/// line 1), what became of it, and what to do next.
pub fn import_report(run: &ImportRun, file: &Path, mode: ImportMode) -> String {
    let plan = &run.plan;
    let mut out = String::new();
    let mut line = |s: String| {
        out.push_str(&s);
        out.push('\n');
    };
    let names: std::collections::HashMap<u64, &crate::domain::patient::PatientDetails> =
        plan.new.iter().map(|r| (r.line, &r.details)).collect();
    let who = |l: u64| {
        names.get(&l).map_or_else(String::new, |d| {
            let mut parts = vec![d.full_name.clone()];
            if let Some(dob) = d.date_of_birth {
                parts.push(format!("born {dob}"));
            }
            parts.extend(
                [d.phone.clone(), d.email.clone()]
                    .into_iter()
                    .filter(|s| !s.is_empty()),
            );
            parts.join(", ")
        })
    };
    line(format!(
        "{}{}",
        file.display(),
        if mode.dry_run {
            " (dry run: nothing written)"
        } else {
            ""
        }
    ));
    if let Some(f) = plan.date_format {
        line(format!("dates read {}", f.label()));
    }
    if !plan.unused_columns.is_empty() {
        let how = match &plan.phone_column {
            Some(h) => format!("give --map '{h}=phone' to import the phone from {h}"),
            None => "give --map 'COLUMN=FIELD' to import one".to_string(),
        };
        line(format!(
            "columns not imported: {} ({how})",
            plan.unused_columns.join(", ")
        ));
    }
    if plan.blank_rows > 0 {
        line(format!(
            "{} skipped",
            count(plan.blank_rows, "empty row", "empty rows")
        ));
    }
    if mode.dry_run || run.stopped {
        line(String::new());
        let verb = if run.stopped {
            "would have created"
        } else {
            "would create"
        };
        line(format!(
            "{verb} {}:",
            count(plan.new.len(), "patient", "patients")
        ));
        for r in &plan.new {
            line(format!("  line {}: {}", r.line, who(r.line)));
        }
    } else {
        line(String::new());
        line(format!(
            "created {}:",
            count(run.created.len(), "patient", "patients")
        ));
        for (l, id) in &run.created {
            line(format!("  line {l}: {id} {}", who(*l)));
        }
    }
    if !plan.already.is_empty() {
        line(String::new());
        line(format!(
            "already there, nothing created ({}):",
            plan.already.len()
        ));
        for a in &plan.already {
            line(match a {
                AlreadyThere::Patient { line, id } => format!("  line {line}: same as {id}"),
                AlreadyThere::Row { line, earlier } => format!("  line {line}: same as line {earlier}"),
            });
        }
    }
    if !plan.duplicates.is_empty() {
        line(String::new());
        line(format!(
            "likely duplicates, {} all the same: check them ({}):",
            if mode.dry_run {
                "would be created"
            } else {
                "created"
            },
            plan.duplicates.len()
        ));
        for d in &plan.duplicates {
            let of = match &d.of {
                Match::Patient(id) => id.to_string(),
                Match::Row(l) => format!("line {l}"),
            };
            line(format!("  line {}: {} as {of}", d.line, d.why));
        }
    }
    if !plan.refused.is_empty() {
        line(String::new());
        line(format!("refused ({}):", plan.refused.len()));
        for r in &plan.refused {
            line(format!("  line {}: {}", r.line, r.reasons.join("; ")));
        }
    }
    line(String::new());
    if let Some((l, e)) = &run.failed {
        let saved = match run.created.len() {
            0 => "Nothing was saved".to_string(),
            n => format!(
                "The {} above {} saved",
                count(n, "patient", "patients"),
                if n == 1 { "is" } else { "are" }
            ),
        };
        line(format!(
            "STOPPED at line {l}: {e}. {saved}; once the problem is fixed, run the same command again to import the rest."
        ));
    } else if run.stopped {
        line(format!(
            "Nothing was written: {} refused. Correct the file and run again, or give --skip-bad to import the other rows.",
            count(plan.refused.len(), "row is", "rows are")
        ));
    } else if mode.dry_run && !plan.refused.is_empty() && !mode.skip_bad {
        line(format!(
            "Without --dry-run nothing would be written while {} refused (give --skip-bad to import the other rows).",
            count(plan.refused.len(), "row is", "rows are")
        ));
    } else if mode.dry_run {
        line("Run again without --dry-run to import.".to_string());
    } else if !plan.refused.is_empty() {
        line(format!(
            "Done; {} left out.",
            count(plan.refused.len(), "refused row was", "refused rows were")
        ));
    } else {
        line("Done.".to_string());
    }
    out
}

/// Where the app's export went: the folder and the rows in each file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportedFiles {
    pub dir: PathBuf,
    pub rows: Vec<(What, usize)>,
}

/// `exports/` in the data dir: where the settings screen writes its CSV files.
pub fn exports_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("exports")
}

/// Writes the patients, sessions and aftercare CSVs (with names) into a new folder
/// `exports/<date>_<time>/` of the data dir, private like the records they come from.
pub fn export_all(
    data_dir: &Path,
    patients: &[Patient],
    clinic: &ClinicSettings,
    now: NaiveDateTime,
) -> io::Result<ExportedFiles> {
    let parent = exports_dir(data_dir);
    create_private_dir(&parent)?;
    let stamp = now.format("%Y-%m-%d_%H%M%S").to_string();
    let mut dir = parent.join(&stamp);
    let mut n = 1;
    while let Err(e) = std::fs::create_dir(&dir) {
        if e.kind() != io::ErrorKind::AlreadyExists || n > 99 {
            return Err(e);
        }
        n += 1;
        dir = parent.join(format!("{stamp}-{n}"));
    }
    set_private(&dir)?;
    let mut rows = Vec::new();
    for what in What::ALL {
        let options = ExportOptions {
            what,
            from: None,
            to: None,
            names: true,
        };
        let export = export_csv::export(patients, clinic, &options).map_err(io::Error::other)?;
        write_atomic_new(&dir.join(what.file_name()), &export.bytes)?;
        rows.push((what, export.rows));
    }
    Ok(ExportedFiles { dir, rows })
}

fn create_private_dir(dir: &Path) -> io::Result<()> {
    match std::fs::create_dir(dir) {
        Ok(()) => set_private(dir),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists && dir.is_dir() => Ok(()),
        Err(e) => Err(e),
    }
}

fn set_private(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    }
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// What became of one reminder handed to the clinic's command.
#[derive(Debug)]
pub struct Sent {
    pub patient_id: String,
    pub date: NaiveDate,
    pub time: String,
    pub result: io::Result<ExitStatus>,
}

impl Sent {
    pub fn succeeded(&self) -> bool {
        self.result.as_ref().is_ok_and(ExitStatus::success)
    }

    /// "p-1a2b3c4d 09:30: exit status 0" — ids and times only, no names.
    pub fn line(&self) -> String {
        let what = match &self.result {
            Ok(s) => match s.code() {
                Some(c) => format!("exit status {c}"),
                None => format!("ended without an exit status ({s})"),
            },
            Err(e) => format!("could not be started: {e}"),
        };
        let ok = if self.succeeded() { "ok" } else { "FAILED" };
        format!("{} {} {}: {ok}, {what}", self.date, self.time, self.patient_id)
    }
}

/// Runs `sh -c CMD` once per reminder, in order, with the reminder's fields in
/// `NEEDLEPLAN_*` environment variables, standard input closed and its output passed
/// through. Each run is waited for before the next.
pub fn exec_each(cmd: &str, list: &[Reminder]) -> Vec<Sent> {
    list.iter()
        .map(|r| {
            let result = Command::new("sh")
                .arg("-c")
                .arg(cmd)
                .envs(reminders::env_vars(r))
                .stdin(Stdio::null())
                .status();
            Sent {
                patient_id: r.patient_id.clone(),
                date: r.date,
                time: r
                    .time
                    .map(|t| t.format("%H:%M").to_string())
                    .unwrap_or_else(|| "--:--".into()),
                result,
            }
        })
        .collect()
}
