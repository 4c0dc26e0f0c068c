//! `tessera`: the wallet on the command line. Every command prints readable text, or with `--json` one JSON
//! object for scripts. Failures print `{"error": {code, message, action}}` with `--json`, otherwise one line.
//!
//! Exit status: 0 when everything asked for succeeded; 1 on an error, or when nothing succeeded (`connect` or
//! `records` where no hospital could be read); 2 when some of it failed (some hospitals, or a revocation with steps
//! still pending). Output into a closed pipe (`tessera activity | head`) ends quietly.

mod demo;
mod hints;
mod output;
mod passphrase;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use tessera_core::broker::Browser;
use tessera_core::records::Category;
use tessera_core::vault::passphrase::Protection;
use tessera_core::wallet::{Wallet, WalletOptions};
use tessera_core::{Error, ErrorCode, OsRandom, Profile, SystemClock};

#[derive(Parser)]
#[command(name = "tessera", version, about = "A wallet for SMART Permission Tickets")]
struct Cli {
    /// The wallet profile's folder (also selects its keychain namespace). Default: $TESSERA_HOME, else
    /// ~/.local/share/tessera/default.
    #[arg(long, global = true)]
    home: Option<PathBuf>,
    /// Print one JSON object instead of text.
    #[arg(long, global = true)]
    json: bool,
    /// A command to open web pages with (sign-in pages, hospitals asking to confirm the patient); the page's URL is
    /// its last argument; quotes work as in a shell. Default: the system browser.
    #[arg(long, global = true)]
    browser: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Show the wallet's status.
    Status,
    /// Sign in with a trust broker and receive permission tickets.
    Login {
        /// The broker's base URL.
        #[arg(long)]
        broker: String,
        /// Passed to the broker as `login_hint` (who is signing in).
        #[arg(long)]
        login_hint: Option<String>,
    },
    /// The people whose records you can open.
    People,
    /// The permission tickets you hold, in plain words.
    Tickets,
    /// The hospital directory.
    Hospitals {
        #[command(subcommand)]
        action: Option<HospitalsAction>,
    },
    /// Connect to every hospital and report each outcome.
    Connect {
        /// Only this person's hospitals (an id from `tessera people`).
        #[arg(long)]
        person: Option<String>,
        /// Only this hospital (FHIR base URL). With --person, this is choosing the hospital for that person: the
        /// ticket is shown there even when the broker did not name it (the hospital learns the patient's name and
        /// birth date).
        #[arg(long, conflicts_with = "portal")]
        hospital: Option<String>,
        /// Sign in at this hospital's own patient portal (its FHIR base URL), for a hospital that takes no
        /// permission tickets but offers the SMART standalone launch; then read it. With --person, the portal's
        /// patient must be that person; without, it is matched by name and birth date.
        #[arg(long)]
        portal: Option<String>,
        /// With --portal: add the portal's patient as a new person when nobody Tessera knows matches (otherwise
        /// Tessera asks on the terminal).
        #[arg(long, requires = "portal")]
        add_person: bool,
        /// With --portal: passed to the portal as `login_hint` (whose account signs in).
        #[arg(long, requires = "portal")]
        login_hint: Option<String>,
    },
    /// Connect and show one merged record.
    Records {
        /// Only this person (an id from `tessera people`).
        #[arg(long)]
        person: Option<String>,
        /// Only one kind: problems, medications, allergies, results, immunizations, visits, documents, procedures.
        #[arg(long = "type")]
        kind: Option<String>,
    },
    /// Every grant: tickets held, connections made with them, grants about you.
    Grants,
    /// Revoke a grant everywhere it lives (shows each step first).
    Revoke {
        /// A grant id from `tessera grants`.
        id: String,
        /// Do it without asking.
        #[arg(long)]
        yes: bool,
    },
    /// The activity log: every sign-in, redemption and read (never record contents).
    Activity {
        /// Only this person's grants (an id from `tessera people`).
        #[arg(long)]
        person: Option<String>,
        /// Only this hospital (FHIR base URL).
        #[arg(long)]
        hospital: Option<String>,
        /// Only this grant (a ticket id).
        #[arg(long)]
        grant: Option<String>,
        /// Only entries at or after this date (YYYY-MM-DD).
        #[arg(long)]
        since: Option<String>,
        /// Export as CSV instead of a table.
        #[arg(long)]
        csv: bool,
    },
    /// Start the embedded test network, sign in, connect and summarise: the headless tour.
    Demo,
    /// The passphrase that unlocking Tessera needs (the window's lock screen and every command here ask for it).
    Passphrase {
        #[command(subcommand)]
        action: PassphraseAction,
    },
}

#[derive(Subcommand)]
enum PassphraseAction {
    /// Set or change it (typed twice on the terminal, or TESSERA_NEW_PASSPHRASE).
    Set,
    /// Turn it off: the lock is then a privacy screen only.
    Off,
}

#[derive(Subcommand)]
enum HospitalsAction {
    /// Add a hospital by its FHIR base URL.
    Add {
        /// The FHIR base URL.
        url: String,
    },
    /// Remove a hospital from the directory.
    Remove {
        /// The FHIR base URL.
        url: String,
    },
    /// Import the hospitals of a SMART User-access Brands bundle (a file or an http(s) URL).
    ImportBrands {
        /// The bundle's path or URL.
        source: String,
    },
}

/// How much of what was asked succeeded, for the exit status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    /// Everything: exit 0.
    All,
    /// Some of it failed: exit 2.
    Some,
    /// Nothing succeeded: exit 1.
    Nothing,
}

impl Outcome {
    /// The outcome of a connect: hospitals read (connected, or no records there) against the rest.
    fn of_connect(report: &tessera_core::view::ConnectReport) -> Self {
        use tessera_core::hospitals::fan_out::ConnectionStatus;
        let read = report
            .hospitals
            .iter()
            .filter(|h| matches!(h.status, ConnectionStatus::Connected | ConnectionStatus::NoRecords));
        match (read.count(), report.hospitals.len()) {
            (_, 0) | (0, _) => Outcome::Nothing,
            (read, all) if read == all => Outcome::All,
            _ => Outcome::Some,
        }
    }

    fn exit_code(self) -> ExitCode {
        match self {
            Outcome::All => ExitCode::SUCCESS,
            Outcome::Nothing => ExitCode::FAILURE,
            Outcome::Some => ExitCode::from(2),
        }
    }
}

/// Output into a closed pipe ends the process quietly (the default for command-line tools) instead of a panic.
fn quiet_on_closed_pipe() {
    #[cfg(unix)]
    // SAFETY: restoring the default disposition of SIGPIPE before any thread starts; no handler is involved.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

fn main() -> ExitCode {
    quiet_on_closed_pipe();
    tessera_core::base::logging::init();
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("tessera: cannot start: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(&cli)) {
        Ok(outcome) => outcome.exit_code(),
        Err(error) => {
            if cli.json {
                println!("{}", serde_json::json!({ "error": hints::view(&error.view()) }));
            } else {
                eprintln!("tessera: {} {} [{}]", error.message(), hints::action(&error.view()), error.code());
            }
            ExitCode::FAILURE
        }
    }
}

/// Opens the wallet of `--home` with the real clock and randomness; `interaction` opens hospital pages that ask
/// the person to confirm the patient.
pub async fn open_wallet(home: Option<&std::path::Path>, interaction: Browser) -> Result<Wallet, Error> {
    let options = WalletOptions {
        clock: Arc::new(SystemClock),
        random: Arc::new(OsRandom),
        http: Default::default(),
        fan_out: Default::default(),
        interaction: Some(interaction),
        idle_lock: Some(std::time::Duration::from_secs(15 * 60)),
    };
    Wallet::open(Profile::open(home)?, options).await
}

/// The Unix time at which `YYYY-MM-DD` begins (UTC).
fn day_start(day: &str) -> Result<i64, Error> {
    tessera_core::words::describe::parse_day(day).map(|d| d.midnight().assume_utc().unix_timestamp()).ok_or_else(|| {
        Error::new(ErrorCode::InvalidInput)
            .with_message(format!("{day:?} is not a date."))
            .with_action("Use YYYY-MM-DD.")
    })
}

/// Fails with `wallet.empty` (and its "sign in first" step) when the profile holds no sign-in yet.
async fn signed_in(wallet: &Wallet) -> Result<(), Error> {
    match wallet.status().await?.state {
        tessera_core::status::WalletState::Empty => Err(Error::new(ErrorCode::WalletEmpty)),
        _ => Ok(()),
    }
}

async fn run(cli: &Cli) -> Result<Outcome, Error> {
    let home = cli.home.as_deref();
    let out = output::Output { json: cli.json };
    let browser = cli.browser.clone().map(Browser::Command).unwrap_or(Browser::System);
    match &cli.command {
        Command::Demo => return demo::run(home, out).await.map(|()| Outcome::All),
        Command::Status => {
            return out.status(&open_wallet(home, browser).await?.status().await?).map(|()| Outcome::All)
        }
        _ => {}
    }
    let wallet = open_wallet(home, browser.clone()).await?;
    // Asked once: the same passphrase unlocks and, for `passphrase set|off`, proves the change.
    let protection = wallet.protection().await?;
    let current = passphrase::current(protection);
    if protection == Protection::Passphrase {
        wallet.unlock(current.as_ref()).await?;
    }
    if matches!(cli.command, Command::Connect { .. } | Command::Records { .. }) {
        signed_in(&wallet).await?;
    }
    let done = |printed: Result<(), Error>| printed.map(|()| Outcome::All);
    match &cli.command {
        Command::Login { broker, login_hint } => {
            if !cli.json {
                eprintln!("Contacting {broker}; its sign-in page opens in your browser once it answers…");
            }
            done(out.login(&wallet.login(broker, &browser, login_hint.as_deref()).await?))
        }
        Command::People => done(out.people(&wallet.people().await?)),
        Command::Tickets => done(out.tickets(&wallet.tickets().await?)),
        Command::Hospitals { action: Some(HospitalsAction::Add { url }) } => {
            done(out.hospitals(&[wallet.add_hospital(url).await?]))
        }
        Command::Hospitals { action: Some(HospitalsAction::ImportBrands { source }) } => {
            done(out.hospitals(&wallet.import_brands(source).await?))
        }
        Command::Hospitals { action: Some(HospitalsAction::Remove { url }) } => {
            wallet.remove_hospital(url).await?;
            done(out.hospitals(&wallet.hospitals().await?))
        }
        Command::Hospitals { action: None } => done(out.hospitals(&wallet.hospitals().await?)),
        Command::Connect { person, portal: Some(portal), add_person, login_hint, .. } => {
            let request = tessera_core::portal::PortalRequest {
                person: person.as_deref(),
                add_new_person: *add_person,
                login_hint: login_hint.as_deref(),
            };
            if !cli.json {
                eprintln!("Opening the patient portal of {portal} in your browser…");
            }
            let mut signed = wallet.portal_sign_in(portal, request, &browser).await?;
            if signed.status == tessera_core::portal::PortalSignInStatus::NeedsConfirmation {
                signed = if out.confirm_new_person(&signed) {
                    wallet.confirm_portal_person(&signed.id).await?
                } else {
                    wallet.cancel_portal_sign_in(&signed.id).await?;
                    return Err(Error::new(ErrorCode::PortalNewPerson)
                        .with_message(format!(
                            "The portal's patient, {}, is not someone Tessera knows; nothing was kept.",
                            signed.patient
                        ))
                        .with_action("Run again with --add-person to add them as a new person."));
                };
            }
            let scope = tessera_core::hospitals::reach::ConnectScope {
                person: signed.person.as_deref(),
                hospital: Some(&signed.fhir_base_url),
                interaction: Some(&browser),
            };
            let report = wallet.connect_scoped(scope, out.progress()).await?;
            out.portal(&signed, &report)?;
            Ok(Outcome::of_connect(&report))
        }
        Command::Connect { person, hospital, .. } => {
            let scope = tessera_core::hospitals::reach::ConnectScope {
                person: person.as_deref(),
                hospital: hospital.as_deref(),
                interaction: Some(&browser),
            };
            let report = wallet.connect_scoped(scope, out.progress()).await?;
            out.connect(&report)?;
            Ok(Outcome::of_connect(&report))
        }
        Command::Records { person, kind } => {
            let category = match kind {
                Some(name) => Some(Category::parse(name).ok_or_else(|| {
                    Error::new(ErrorCode::InvalidInput).with_message(format!("Unknown record type {name:?}.")).with_action(
                        "Use problems, medications, allergies, results, immunizations, visits, documents or procedures.",
                    )
                })?),
                None => None,
            };
            let report = wallet.connect(person.as_deref(), out.progress()).await?;
            out.records(&report, category)?;
            Ok(Outcome::of_connect(&report))
        }
        Command::Activity { person, hospital, grant, since, csv } => {
            let since = match since {
                Some(day) => Some(day_start(day)?),
                None => None,
            };
            let filter = tessera_core::grants::activity::ActivityFilter {
                person: person.clone(),
                hospital: hospital.clone(),
                grant: grant.clone(),
                since,
                ..Default::default()
            };
            let entries = wallet.activity(&filter).await?;
            done(if *csv { out.activity_csv(&entries) } else { out.activity(&entries) })
        }
        Command::Grants => done(out.grants(&wallet.grants().await?)),
        Command::Revoke { id, yes } => {
            if !yes {
                let preview = wallet.revoke_preview(id).await?;
                if !out.confirm(&preview) {
                    return Err(Error::new(ErrorCode::InvalidInput)
                        .with_message("Nothing was revoked.")
                        .with_action("Run again with --yes to revoke."));
                }
            }
            let steps = wallet.revoke(id).await?;
            out.revocation(id, &steps)?;
            let complete = steps.iter().all(|s| s.state == tessera_core::grants::status::StepState::Done);
            Ok(if complete { Outcome::All } else { Outcome::Some })
        }
        Command::Passphrase { action: PassphraseAction::Set } => {
            wallet.set_passphrase(current.as_ref(), passphrase::new_one()?).await?;
            done(out.protection(Protection::Passphrase))
        }
        Command::Passphrase { action: PassphraseAction::Off } => {
            wallet.turn_passphrase_off(current.as_ref()).await?;
            done(out.protection(Protection::Off))
        }
        Command::Demo | Command::Status => unreachable!("handled above"),
    }
}
