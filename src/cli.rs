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
}

/// The format of `needleplan handout`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum HandoutFormatArg {
    Text,
    Markdown,
}
