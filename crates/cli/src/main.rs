//! `tessera`: the wallet on the command line. Every command prints a readable table, or with `--json` one JSON
//! object for scripts. Errors print as `{code, message, action}` with `--json`, otherwise as one line.

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;
use tessera_core::status::{WalletState, WalletStatus};
use tessera_core::{Error, Profile};

#[derive(Parser)]
#[command(name = "tessera", version, about = "A wallet for SMART Permission Tickets")]
struct Cli {
    /// The wallet profile's folder (also selects its keychain namespace). Default: $TESSERA_HOME, else
    /// ~/.local/share/tessera/default.
    #[arg(long, global = true)]
    home: Option<PathBuf>,
    /// Print one JSON object instead of a table.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Show the wallet's status.
    Status,
}

fn main() -> ExitCode {
    tessera_core::logging::init();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Status => status(cli.home.as_deref(), cli.json),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            if cli.json {
                println!("{}", serde_json::json!({ "error": error.view() }));
            } else {
                eprintln!("tessera: {error}");
            }
            ExitCode::FAILURE
        }
    }
}

fn status(home: Option<&std::path::Path>, json: bool) -> Result<(), Error> {
    let profile = Profile::open(home)?;
    let status = WalletStatus::new(&profile.name(), WalletState::Empty, 0, 0, 0, 0);
    if json {
        println!(
            "{}",
            serde_json::to_string(&status)
                .map_err(|e| Error::from(tessera_core::ErrorCode::Internal).with_detail(e.to_string()))?
        );
    } else {
        println!("Tessera {} — profile {}\n{}", status.version, status.profile, status.summary);
    }
    Ok(())
}
