//! `tessera-bench`: Tessera's benchmarks against the testbed on loopback, in one run. Build and run it in release,
//! with a keychain (see docs/benchmarks.md):
//!
//! ```sh
//! scripts/with-keyring.sh cargo run --release -p tessera-bench
//! ```
//!
//! The testbed runs in this process; every measured wallet runs in a child process of its own (`tessera-bench
//! worker …`), so the CPU time and memory reported are the wallet's alone. Prints a Markdown report on stdout,
//! with one `fanout n=… latency_ms=… ratio=… cpu_ms_per_hospital=… rss_kb_per_hospital=…` line per fan-out size.
//!
//! `--app` measures the desktop app instead, under a display (`xvfb-run -a scripts/with-keyring.sh cargo run
//! --release -p tessera-bench -- --app`): launch to first screen and idle memory next to a minimal Tauri window
//! (`crates/bench-window`), both built in the run, and unlocking a wallet with 20 grants (`--unlock` alone needs no
//! display).

mod app;
mod measure;
mod micro;
mod report;
mod unlock;
mod worker;

use report::{Case, Mode, Report, Revocation, Startup, UnlockCase};
use std::path::{Path, PathBuf};
use std::time::Duration;
use tessera_testbed::{data::Role, Config, Testbed};
use unlock::Shape;
use worker::{FanOutRun, Push, RevocationRun};

/// The testbed's seed: the same network every run.
const SEED: u64 = 7;

/// What to run.
struct Plan {
    sizes: Vec<usize>,
    latencies: Vec<u64>,
    /// The sequential comparison runs for sizes up to this.
    sequential_max: usize,
    /// Run the revocation benchmark.
    revocation: bool,
    /// Measure the app (startup, idle memory) and unlocking, instead of the fan-out.
    app: bool,
    /// Measure unlocking only.
    unlock: bool,
    /// Launches of each window, unlocks of each wallet.
    runs: usize,
    /// Seconds each window idles after its first screen before its memory is read.
    idle_secs: u64,
}

fn usage() -> ! {
    eprintln!(
        "usage: tessera-bench [--sizes 1,10,100,500] [--latencies 0,50] [--sequential-max N] [--no-revocation]\n\
         \x20      tessera-bench --app | --unlock [--runs N] [--idle-secs S]\n\
         (run it in release with a keychain: scripts/with-keyring.sh cargo run --release -p tessera-bench;\n\
         --app also needs a display: xvfb-run -a scripts/with-keyring.sh cargo run --release -p tessera-bench -- --app)"
    );
    std::process::exit(2)
}

fn number<T: std::str::FromStr>(text: Option<String>) -> T {
    text.and_then(|v| v.parse().ok()).unwrap_or_else(|| usage())
}

fn list<T: std::str::FromStr>(text: Option<String>) -> Vec<T> {
    let parsed: Option<Vec<T>> = text.and_then(|t| t.split(',').map(|v| v.trim().parse().ok()).collect());
    parsed.filter(|v| !v.is_empty()).unwrap_or_else(|| usage())
}

fn plan(mut args: impl Iterator<Item = String>) -> Plan {
    let mut plan = Plan {
        sizes: vec![1, 10, 100, 500],
        latencies: vec![0, 50],
        sequential_max: 500,
        revocation: true,
        app: false,
        unlock: false,
        runs: 5,
        idle_secs: 5,
    };
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--sizes" => plan.sizes = list(args.next()),
            "--latencies" => plan.latencies = list(args.next()),
            "--sequential-max" => plan.sequential_max = number(args.next()),
            "--no-revocation" => plan.revocation = false,
            "--app" => plan.app = true,
            "--unlock" => plan.unlock = true,
            "--runs" => plan.runs = number::<usize>(args.next()).max(1),
            "--idle-secs" => plan.idle_secs = number(args.next()),
            _ => usage(),
        }
    }
    plan.sizes.sort_unstable();
    plan.sizes.dedup();
    plan
}

/// Runs this program again as a worker and reads the JSON line it prints. Returns it with the CPU time this
/// process (the testbed) spent meanwhile.
async fn child<T: serde::de::DeserializeOwned>(args: &[String]) -> anyhow::Result<(T, f64)> {
    let cpu = measure::cpu_ms();
    let output = tokio::process::Command::new(std::env::current_exe()?)
        .arg("worker")
        .args(args)
        .stderr(std::process::Stdio::inherit())
        .output()
        .await?;
    let testbed_cpu_ms = measure::cpu_ms() - cpu;
    if !output.status.success() {
        anyhow::bail!("worker {args:?} failed ({})", output.status);
    }
    let text = String::from_utf8_lossy(&output.stdout);
    let line = text.lines().last().ok_or_else(|| anyhow::anyhow!("worker {args:?} printed nothing"))?;
    Ok((serde_json::from_str(line)?, testbed_cpu_ms))
}

async fn network(sites: usize, latency_ms: u64, participant_everywhere: bool) -> anyhow::Result<Testbed> {
    let config =
        Config { sites, seed: SEED, latency_ms, auto_approve: true, participant_everywhere, ..Config::default() };
    Testbed::start(config).await
}

/// What the caregiver's patient has at each hospital, on average: resources, and kB of FHIR JSON.
fn records_per_hospital(tb: &Testbed) -> (f64, f64) {
    let patient = tb.manifest.people.iter().find(|p| p.role == Role::Caregiver).and_then(|c| c.acts_for.first());
    let (mut resources, mut bytes) = (0usize, 0usize);
    for hospital in &tb.hospitals {
        let local = hospital.patients.iter().find(|p| Some(&p.person_id) == patient);
        for resource in local.and_then(|p| hospital.records.get(&p.id)).into_iter().flatten() {
            resources += 1;
            bytes += resource.to_string().len();
        }
    }
    let n = tb.hospitals.len().max(1) as f64;
    (resources as f64 / n, bytes as f64 / 1024.0 / n)
}

fn person(tb: &Testbed, role: Role) -> anyhow::Result<String> {
    let found = tb.manifest.people.iter().find(|p| p.role == role);
    Ok(found.ok_or_else(|| anyhow::anyhow!("no {role:?} in the network"))?.id.clone())
}

async fn fan_out_cases(plan: &Plan, report: &mut Report) -> anyhow::Result<()> {
    for &latency_ms in &plan.latencies {
        for &n in &plan.sizes {
            let tb = network(n, latency_ms, false).await?;
            let caregiver = person(&tb, Role::Caregiver)?;
            report.records_per_hospital = records_per_hospital(&tb);
            let mut modes = vec![(Mode::Parallel, Push { concurrency: None, per_origin: None })];
            if n <= plan.sequential_max {
                modes.push((Mode::Sequential, Push { concurrency: Some(1), per_origin: Some(1) }));
            }
            for (mode, push) in modes {
                eprintln!("tessera-bench: fan-out n={n} latency_ms={latency_ms} {mode:?}");
                let args = [
                    "fanout".to_string(),
                    tb.manifest.broker.clone(),
                    caregiver.clone(),
                    push.concurrency.map_or("default".into(), |c| c.to_string()),
                    push.per_origin.map_or("default".into(), |c| c.to_string()),
                    // The sequential comparison connects once: a second time would add minutes and tell nothing new.
                    if mode == Mode::Parallel { "twice" } else { "once" }.to_string(),
                ];
                let (run, testbed_cpu_ms): (FanOutRun, f64) = child(&args).await?;
                report.cases.push(Case { n, latency_ms, mode, run, testbed_cpu_ms });
            }
            tb.stop().await;
        }
    }
    Ok(())
}

async fn revocation_cases(plan: &Plan, report: &mut Report) -> anyhow::Result<()> {
    for &latency_ms in &plan.latencies {
        for &n in &plan.sizes {
            eprintln!("tessera-bench: revocation n={n} latency_ms={latency_ms}");
            let tb = network(n, latency_ms, true).await?;
            let participant = person(&tb, Role::ResearchParticipant)?;
            let (run, _): (RevocationRun, f64) =
                child(&["revoke".to_string(), tb.manifest.broker.clone(), participant]).await?;
            report.revocations.push(Revocation { n, latency_ms, run });
            tb.stop().await;
        }
    }
    Ok(())
}

/// Ticket verification and keychain costs, in this process.
async fn micro_cases(report: &mut Report) -> anyhow::Result<()> {
    eprintln!("tessera-bench: ticket verification and keychain");
    let tb = network(1, 0, false).await?;
    let caregiver = person(&tb, Role::Caregiver)?;
    let dir = std::env::temp_dir().join(format!("tessera-bench-micro-{}", std::process::id()));
    let options = tessera_core::wallet::WalletOptions {
        clock: std::sync::Arc::new(tessera_core::SystemClock),
        random: std::sync::Arc::new(tessera_core::OsRandom),
        http: Default::default(),
        fan_out: Default::default(),
        interaction: None,
        idle_lock: None,
    };
    let profile = tessera_core::Profile::open(Some(&dir)).map_err(|e| anyhow::anyhow!("{e}"))?;
    let wallet = tessera_core::wallet::Wallet::open(profile, options).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let browser = tessera_core::broker::Browser::Fetch;
    wallet.login(&tb.manifest.broker, &browser, Some(&caregiver)).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let held = wallet.held_tickets().await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let raw = held.first().ok_or_else(|| anyhow::anyhow!("no ticket"))?.ticket.raw().expose().clone();
    let jwks = format!("{}/.well-known/jwks.json", tb.manifest.broker);
    report.verification = Some(micro::verification(&raw, &jwks, Duration::from_secs(2)).await?);
    report.keychain = Some(micro::keychain(50).await?);
    drop(wallet);
    let _ = std::fs::remove_dir_all(dir);
    tb.stop().await;
    Ok(())
}

/// Grants in the wallet that is unlocked (and launched with).
const GRANTS: usize = 20;

/// Unlocks of a wallet with [`GRANTS`] grants of `shape`, each in a worker of its own.
async fn unlock_case(shape: Shape, dir: &Path, runs: usize) -> anyhow::Result<UnlockCase> {
    let mut case = UnlockCase { wallet: shape.describe(GRANTS), runs: Vec::new() };
    for run in 0..runs {
        eprintln!("tessera-bench: unlock, {} ({}/{runs})", case.wallet, run + 1);
        let (measured, _) = child(&["unlock".to_string(), dir.display().to_string()]).await?;
        case.runs.push(measured);
    }
    Ok(case)
}

/// A window to launch: the binary and its environment.
struct Window {
    label: String,
    binary: PathBuf,
    env: Vec<(&'static str, PathBuf)>,
}

/// Launches `window` once and measures it; off the async runtime, so the networks in this process keep answering.
async fn launch(window: &Window, scratch: &Path, idle: Duration) -> anyhow::Result<app::Launch> {
    let (binary, env, scratch) = (window.binary.clone(), window.env.clone(), scratch.to_path_buf());
    let launch = tokio::task::spawn_blocking(move || {
        let env: Vec<(&str, &Path)> = env.iter().map(|(k, v)| (*k, v.as_path())).collect();
        app::launch(&binary, &env, &scratch, idle)
    })
    .await?;
    launch.map_err(|e| anyhow::anyhow!("{}: {e}", window.label))
}

/// Unlocking with 20 grants (both shapes), then, with `plan.app`, the windows' startup and idle memory.
async fn app_cases(plan: &Plan, report: &mut Report) -> anyhow::Result<()> {
    let has = |name: &str| std::env::var_os(name).is_some_and(|v| !v.is_empty());
    if plan.app && !has("DISPLAY") && !has("WAYLAND_DISPLAY") {
        anyhow::bail!(
            "--app launches windows and needs a display: \
             xvfb-run -a scripts/with-keyring.sh cargo run --release -p tessera-bench -- --app"
        );
    }
    let binaries = if plan.app {
        let workspace = app::workspace();
        Some(tokio::task::spawn_blocking(move || app::build(&workspace)).await??)
    } else {
        None
    };
    let root = std::env::temp_dir().join(format!("tessera-bench-app-{}", std::process::id()));
    let result = app_cases_in(plan, binaries, &root, report).await;
    let _ = std::fs::remove_dir_all(&root);
    result
}

async fn app_cases_in(
    plan: &Plan,
    binaries: Option<app::Binaries>,
    root: &Path,
    report: &mut Report,
) -> anyhow::Result<()> {
    eprintln!("tessera-bench: signing in {GRANTS} times (one trust broker each)");
    let tickets = unlock::prepare(Shape::Tickets, GRANTS, SEED, root).await?;
    report.unlocks.push(unlock_case(Shape::Tickets, &tickets.dir, plan.runs).await?);
    eprintln!("tessera-bench: signing in and connecting to {} hospitals", GRANTS - 1);
    let connections = unlock::prepare(Shape::Connections, GRANTS, SEED, root).await?;
    report.unlocks.push(unlock_case(Shape::Connections, &connections.dir, plan.runs).await?);
    connections.remove().await;
    if let Some(binaries) = binaries {
        let empty = root.join("empty");
        std::fs::create_dir_all(&empty)?;
        let idle = Duration::from_secs(plan.idle_secs);
        report.idle_secs = plan.idle_secs;
        let tessera = |home: PathBuf| vec![("TESSERA_HOME", home)];
        let windows = [
            Window { label: "minimal Tauri window (`bench-window`)".into(), binary: binaries.minimal, env: vec![] },
            Window {
                label: "Tessera, empty profile: the welcome".into(),
                binary: binaries.tessera.clone(),
                env: tessera(empty),
            },
            Window {
                label: format!("Tessera, {GRANTS} tickets: the people"),
                binary: binaries.tessera,
                env: tessera(tickets.dir.clone()),
            },
        ];
        for (index, window) in windows.iter().enumerate() {
            report.startups.push(Startup { label: window.label.clone(), baseline: index == 0, launches: Vec::new() });
        }
        let load = || {
            let text = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
            text.split_whitespace().take(3).collect::<Vec<_>>().join(" ")
        };
        report.load.0 = load();
        for round in 0..=plan.runs {
            for (index, window) in windows.iter().enumerate() {
                eprintln!("tessera-bench: launch {round}/{}: {}", plan.runs, window.label);
                let scratch = root.join(format!("launch-{index}"));
                let launch = launch(window, &scratch, idle).await?;
                // The first round warms the caches (and creates the empty profile's store): not counted.
                if round > 0 {
                    report.startups[index].launches.push(launch);
                }
            }
        }
        report.load.1 = load();
    }
    tickets.remove().await;
    Ok(())
}

async fn worker(mut args: impl Iterator<Item = String>) -> anyhow::Result<()> {
    let mut next = || args.next().ok_or_else(|| anyhow::anyhow!("worker: missing argument"));
    let json = match next()?.as_str() {
        "fanout" => {
            let (broker, person) = (next()?, next()?);
            let number = |v: String| v.parse::<usize>().ok();
            let push = Push { concurrency: number(next()?), per_origin: number(next()?) };
            let twice = next()? == "twice";
            serde_json::to_string(&worker::fan_out(&broker, &person, push, twice).await?)?
        }
        "revoke" => {
            let (broker, person) = (next()?, next()?);
            serde_json::to_string(&worker::revocation(&broker, &person).await?)?
        }
        "unlock" => serde_json::to_string(&unlock::run(Path::new(&next()?)).await?)?,
        other => anyhow::bail!("worker: unknown job {other}"),
    };
    println!("{json}");
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1).peekable();
    if args.peek().map(String::as_str) == Some("worker") {
        args.next();
        return worker(args).await;
    }
    let plan = plan(args);
    let command: Vec<String> = std::env::args().skip(1).collect();
    let mut report = Report::new(command.join(" "));
    if plan.app || plan.unlock {
        app_cases(&plan, &mut report).await?;
        print!("{}", report.markdown());
        return Ok(());
    }
    fan_out_cases(&plan, &mut report).await?;
    if plan.revocation {
        revocation_cases(&plan, &mut report).await?;
    }
    micro_cases(&mut report).await?;
    print!("{}", report.markdown());
    Ok(())
}
