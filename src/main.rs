use std::process::ExitCode;

use chrono::Local;
use clap::Parser;

use needleplan::cli::Cli;
use needleplan::runtime;
use needleplan::store::{demo, paths};

fn main() -> ExitCode {
    let cli = Cli::parse();
    match start(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("needleplan: {message}");
            ExitCode::FAILURE
        }
    }
}

fn start(cli: Cli) -> Result<(), String> {
    let (data_dir, intro) = if cli.demo {
        let dir = demo::install_in_temp_dir(Local::now().date_naive())?;
        let intro = format!("demo clinic copied to {}; real data untouched", dir.display());
        (dir, Some(intro))
    } else {
        (
            paths::choose_data_dir(cli.data_dir, std::env::var(paths::ENV_VAR).ok())?,
            None,
        )
    };
    let (model, store) = runtime::load(&data_dir, intro)?;
    runtime::run(model, store)
}
