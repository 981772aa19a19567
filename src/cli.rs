//! Command-line arguments.

use std::path::PathBuf;

use clap::Parser;

#[derive(Debug, Parser)]
#[command(
    name = "needleplan",
    version,
    about = "Plan microneedling series for acne scars: patients, treatment plans and aftercare checklists, keyboard only.",
    after_help = "Data dir: --data-dir, else $NEEDLEPLAN_DATA_DIR, else the platform data dir (Linux: $XDG_DATA_HOME/needleplan).\nPress ? inside the app for every key."
)]
pub struct Cli {
    /// Use this data dir instead of $NEEDLEPLAN_DATA_DIR or the platform default.
    #[arg(long, value_name = "PATH")]
    pub data_dir: Option<PathBuf>,

    /// Open a copy of the bundled demo clinic in a new temporary dir (real data untouched).
    #[arg(long, conflicts_with = "data_dir")]
    pub demo: bool,
}
