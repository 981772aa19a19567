//! Command-line arguments: the app itself, or one of the maintenance commands.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "needleplan",
    version,
    about = "Plan microneedling series for acne scars: patients, treatment plans and aftercare checklists, keyboard only.",
    after_help = "Without a command, the app opens.\nData dir: --data-dir, else $NEEDLEPLAN_DATA_DIR, else the platform data dir (Linux: $XDG_DATA_HOME/needleplan).\nPress ? inside the app for every key."
)]
pub struct Cli {
    /// Use this data dir instead of $NEEDLEPLAN_DATA_DIR or the platform default.
    #[arg(long, value_name = "PATH", global = true)]
    pub data_dir: Option<PathBuf>,

    /// Work on a copy of the bundled demo clinic in a new temporary dir (real data untouched).
    #[arg(long, conflicts_with = "data_dir", global = true)]
    pub demo: bool,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check every file, the permissions and the audit chain; exit status 1 on problems.
    Doctor {
        /// Also remove temp files left by interrupted saves (older than a minute), under the
        /// lock; records are never touched. Exit status 0 only when nothing else is wrong.
        #[arg(long)]
        fix: bool,
    },
    /// Copy the data dir, under its lock, into a new folder with a manifest of checksums.
    Backup {
        /// New or empty folder [default: ./needleplan-backup-YYYYMMDD-HHMMSS]
        #[arg(value_name = "DEST")]
        dest: Option<PathBuf>,
    },
    /// Bring a backup back into an empty data dir, after checking every file against its manifest.
    Restore {
        /// A folder written by `needleplan backup`.
        #[arg(value_name = "BACKUP_DIR")]
        backup_dir: PathBuf,
        /// Empty or new dir to restore into [default: the data dir; with --demo, a new temporary dir].
        #[arg(long, value_name = "DIR")]
        into: Option<PathBuf>,
    },
    /// Print the agenda as plain text: each day's bookings per clinician, in time order, with the free time.
    Agenda {
        /// First day [default: today]
        #[arg(long, value_name = "YYYY-MM-DD", value_parser = crate::domain::dates::parse_date)]
        date: Option<chrono::NaiveDate>,
        /// How many days to print, from that day on.
        #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=366))]
        days: u32,
    },
    /// Write a patient's planned and booked sessions to an .ics calendar file (RFC 5545).
    ExportIcs {
        /// The patient's id, e.g. p-1a2b3c4d (shown by `needleplan agenda`, on the plan, and in the files' names).
        #[arg(value_name = "PATIENT_ID")]
        patient_id: String,
        /// File to write [default: ./<PATIENT_ID>.ics]; an existing one is not replaced without --force.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// Replace the file if it already exists.
        #[arg(long)]
        force: bool,
    },
    /// Print a patient's aftercare sheet with the real dates, for the latest session done (else the next one).
    Handout {
        /// The patient's id, e.g. p-1a2b3c4d.
        #[arg(value_name = "PATIENT_ID")]
        patient_id: String,
        /// Plain text, or Markdown.
        #[arg(long, value_enum, default_value_t = HandoutFormatArg::Text)]
        format: HandoutFormatArg,
        /// File to write instead of printing the sheet; an existing one is not replaced without --force.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// Replace the --out file if it already exists.
        #[arg(long, requires = "out")]
        force: bool,
    },
    /// Add patients from a CSV file with a header row (Name or First/Last name, Date of birth, Phone, Email, Notes).
    #[command(
        after_help = "Every row is checked first. A real run writes nothing if any row is refused (unless --skip-bad), \
and a second run of the same file creates nothing new: rows whose patient is already there are reported as such.\n\
Lines are numbered as in the file, the header being line 1."
    )]
    ImportCsv {
        /// The CSV file (UTF-8, with or without BOM; separated by commas, semicolons or tabs).
        #[arg(value_name = "FILE")]
        file: PathBuf,
        /// Take a column under another name, e.g. --map 'Mobile=phone'; fields: name, first_name, last_name,
        /// date_of_birth, phone, email, notes, ignore. May be given several times.
        #[arg(long = "map", value_name = "COLUMN=FIELD")]
        maps: Vec<crate::domain::import_csv::ColumnMap>,
        /// How to read dates such as 03/04/1990, when the file does not tell [default: found from the file].
        #[arg(long, value_enum, value_name = "dmy|mdy|ymd")]
        date_format: Option<DateFormatArg>,
        /// Print what would be created, refused and possibly duplicated; write nothing.
        #[arg(long)]
        dry_run: bool,
        /// Import the good rows even when some rows are refused (those are listed).
        #[arg(long)]
        skip_bad: bool,
    },
    /// Write patients, sessions or aftercare items as CSV (for spreadsheets and reports): to --out, or stdout.
    ExportCsv {
        /// What one row is.
        #[arg(long, value_enum)]
        what: ExportWhatArg,
        /// Sessions (aftercare items due) on or after this day.
        #[arg(long, value_name = "YYYY-MM-DD", value_parser = crate::domain::dates::parse_date)]
        from: Option<chrono::NaiveDate>,
        /// Sessions (aftercare items due) on or before this day.
        #[arg(long, value_name = "YYYY-MM-DD", value_parser = crate::domain::dates::parse_date)]
        to: Option<chrono::NaiveDate>,
        /// File to write; an existing one is not replaced without --force [default: stdout].
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// Replace the --out file if it already exists.
        #[arg(long, requires = "out")]
        force: bool,
        /// Leave out names and contact details (phone, email, notes): patient ids only.
        #[arg(long)]
        no_names: bool,
    },
    /// List a day's booked sessions with the patients' contacts, for a mail merge or SMS tool (patient data).
    Reminders {
        /// `tomorrow`, `today` or a day as YYYY-MM-DD.
        #[arg(long, value_name = "tomorrow|YYYY-MM-DD", default_value = "tomorrow")]
        date: String,
        /// CSV (with a header row) or plain text.
        #[arg(long, value_enum, default_value_t = ReminderFormatArg::Text)]
        format: ReminderFormatArg,
        /// Run this command (with sh -c) once per reminder, the fields in NEEDLEPLAN_NAME, NEEDLEPLAN_PHONE,
        /// NEEDLEPLAN_EMAIL, NEEDLEPLAN_DATE, NEEDLEPLAN_TIME, NEEDLEPLAN_CLINICIAN, NEEDLEPLAN_CLINIC,
        /// NEEDLEPLAN_ADDRESS, NEEDLEPLAN_PATIENT_ID; each exit status is reported, and the exit status is 1
        /// if any failed. needleplan itself sends nothing.
        #[arg(long, value_name = "CMD")]
        exec: Option<String>,
    },
}

/// `--date-format` of `needleplan import-csv`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DateFormatArg {
    /// Day first: 31/12/1990.
    Dmy,
    /// Month first: 12/31/1990.
    Mdy,
    /// Year first: 1990-12-31.
    Ymd,
}

impl From<DateFormatArg> for crate::domain::import_csv::DateFormat {
    fn from(a: DateFormatArg) -> Self {
        match a {
            DateFormatArg::Dmy => Self::Dmy,
            DateFormatArg::Mdy => Self::Mdy,
            DateFormatArg::Ymd => Self::Ymd,
        }
    }
}

/// `--what` of `needleplan export-csv`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportWhatArg {
    Patients,
    Sessions,
    Aftercare,
}

impl From<ExportWhatArg> for crate::domain::export_csv::What {
    fn from(a: ExportWhatArg) -> Self {
        match a {
            ExportWhatArg::Patients => Self::Patients,
            ExportWhatArg::Sessions => Self::Sessions,
            ExportWhatArg::Aftercare => Self::Aftercare,
        }
    }
}

/// `--format` of `needleplan reminders`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReminderFormatArg {
    Text,
    Csv,
}

/// The day `--date` names: `today`, `tomorrow`, or an ISO date.
pub fn reminder_date(text: &str, today: chrono::NaiveDate) -> Result<chrono::NaiveDate, String> {
    match text.trim() {
        "tomorrow" => Ok(today + chrono::Days::new(1)),
        "today" => Ok(today),
        other => crate::domain::dates::parse_date(other)
            .map_err(|e| format!("--date: {e} (or 'today', 'tomorrow')")),
    }
}

/// The format of `needleplan handout`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum HandoutFormatArg {
    Text,
    Markdown,
}
