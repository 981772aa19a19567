//! `import-csv`, `export-csv` and `reminders`: the commands of data in and out (issue 13),
//! on top of `needleplan::transfer` and the pure parts in `needleplan::domain`.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use chrono::Local;

use needleplan::cli::{DateFormatArg, ExportWhatArg, ReminderFormatArg, reminder_date};
use needleplan::domain::export_csv::{self, ExportOptions};
use needleplan::domain::import_csv::{ColumnMap, ImportOptions};
use needleplan::domain::reminders;
use needleplan::transfer::{self, ImportMode};

use super::{CliError, Output, data_dir_for_command, load_for_report, write_file};

/// Why a command of data in and out failed.
#[derive(Debug, thiserror::Error)]
pub enum TransferCliError {
    #[error(transparent)]
    Import(#[from] transfer::ImportError),
    #[error(transparent)]
    Export(#[from] export_csv::ExportError),
    #[error("{0}")]
    Date(String),
    #[error("cannot write to the standard output: {0}")]
    Stdout(std::io::Error),
}

pub struct ImportArgs {
    pub file: PathBuf,
    pub maps: Vec<ColumnMap>,
    pub date_format: Option<DateFormatArg>,
    pub dry_run: bool,
    pub skip_bad: bool,
}

pub fn import_csv(
    demo: Option<PathBuf>,
    flag: Option<PathBuf>,
    args: ImportArgs,
) -> Result<ExitCode, CliError> {
    let data_dir = data_dir_for_command(demo, flag)?;
    let options = ImportOptions {
        maps: args.maps,
        date_format: args.date_format.map(Into::into),
    };
    let mode = ImportMode {
        dry_run: args.dry_run,
        skip_bad: args.skip_bad,
    };
    let run = transfer::import(&data_dir, &args.file, &options, mode, Local::now().naive_local())
        .map_err(TransferCliError::from)?;
    print!("{}", transfer::import_report(&run, &args.file, mode));
    Ok(exit(run.ok(mode)))
}

pub struct ExportArgs {
    pub what: ExportWhatArg,
    pub from: Option<chrono::NaiveDate>,
    pub to: Option<chrono::NaiveDate>,
    pub out: Option<PathBuf>,
    pub force: bool,
    pub no_names: bool,
}

pub fn export_csv(
    demo: Option<PathBuf>,
    flag: Option<PathBuf>,
    args: ExportArgs,
) -> Result<ExitCode, CliError> {
    let (patients, clinic, _) = load_for_report(demo, flag)?;
    let options = ExportOptions {
        what: args.what.into(),
        from: args.from,
        to: args.to,
        names: !args.no_names,
    };
    let export = export_csv::export(&patients, &clinic, &options).map_err(TransferCliError::from)?;
    match args.out {
        None => stdout(&export.bytes)?,
        Some(path) => {
            let out = Output {
                path: path.clone(),
                force: args.force,
            };
            write_file(&out, &export.bytes)?;
            println!("wrote {} row(s) to {}", export.rows, path.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn reminders(
    demo: Option<PathBuf>,
    flag: Option<PathBuf>,
    date: &str,
    format: ReminderFormatArg,
    exec: Option<String>,
) -> Result<ExitCode, CliError> {
    let date = reminder_date(date, Local::now().date_naive()).map_err(TransferCliError::Date)?;
    let (patients, clinic, _) = load_for_report(demo, flag)?;
    let list = reminders::reminders(&patients, &clinic, date);
    let Some(cmd) = exec else {
        match format {
            ReminderFormatArg::Csv => stdout(&reminders::to_csv(&list))?,
            ReminderFormatArg::Text => stdout(reminders::to_text(&list, date).as_bytes())?,
        }
        return Ok(ExitCode::SUCCESS);
    };
    let sent = transfer::exec_each(&cmd, &list);
    for s in &sent {
        println!("{}", s.line());
    }
    let failed = sent.iter().filter(|s| !s.succeeded()).count();
    println!(
        "{} reminder(s) for {date}: {} ok, {failed} failed",
        sent.len(),
        sent.len() - failed
    );
    Ok(exit(failed == 0))
}

fn exit(ok: bool) -> ExitCode {
    if ok { ExitCode::SUCCESS } else { ExitCode::from(1) }
}

fn stdout(bytes: &[u8]) -> Result<(), TransferCliError> {
    let mut out = std::io::stdout().lock();
    out.write_all(bytes)
        .and_then(|()| out.flush())
        .map_err(TransferCliError::Stdout)
}
