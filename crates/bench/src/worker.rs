//! The measured side: a fresh wallet in its own process (so its CPU time and memory are its own, not the
//! testbed's), signed in with the testbed's broker, connecting or revoking once or twice, printing one JSON line.

use crate::measure::{cpu_ms, peak_kb, reset_peak, rss_kb, trimmed_rss_kb};
use serde::{Deserialize, Serialize};
use std::sync::{Arc, Mutex};
use std::time::Instant;
use tessera_core::base::http::HttpPolicy;
use tessera_core::broker::Browser;
use tessera_core::grants::status::StepState;
use tessera_core::hospitals::fan_out::{no_progress, ConnectionStatus, FanOut};
use tessera_core::view::ConnectReport;
use tessera_core::wallet::{Wallet, WalletOptions};
use tessera_core::{OsRandom, Profile, Random, SystemClock};

/// One measured operation.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Sample {
    /// Wall time.
    pub wall_ms: f64,
    /// CPU time of the wallet's process during it.
    pub cpu_ms: f64,
    /// Resident memory just before.
    pub rss_before_kb: u64,
    /// The most resident memory during it.
    pub rss_peak_kb: u64,
    /// Hospitals connected (or revoked) out of `hospitals`.
    pub done: usize,
    /// Hospitals tried.
    pub hospitals: usize,
}

/// What a fan-out worker reports: the first connect (discovery, registration, token exchange, searches) and the
/// second (discovery cached, registration remembered), when asked for.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct FanOutRun {
    /// The first connect.
    pub first: Sample,
    /// The second connect.
    pub second: Option<Sample>,
    /// After the last connect, once the allocator gave back its free pages: resident memory with the merged
    /// record held, and without it.
    pub held_kb: (u64, u64),
}

/// What a revocation worker reports.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RevocationRun {
    /// The connect that made the connections (each with a refresh token in the keychain).
    pub connect: Sample,
    /// The revocation, from the call to its return.
    pub revoke: Sample,
    /// When the last hospital's step was reported, from the call.
    pub hospitals_done_ms: f64,
}

/// How the worker's wallet pushes.
#[derive(Debug, Clone, Copy)]
pub struct Push {
    /// Hospitals at once; `None`: the wallet's default.
    pub concurrency: Option<usize>,
    /// Requests at once per hospital; `None`: the wallet's default.
    pub per_origin: Option<usize>,
}

async fn wallet(push: Push) -> anyhow::Result<(Wallet, std::path::PathBuf)> {
    let dir = std::env::temp_dir().join(format!("tessera-bench-{}-{}", std::process::id(), OsRandom.token(6)));
    let defaults = FanOut::default();
    let options = WalletOptions {
        clock: Arc::new(SystemClock),
        random: Arc::new(OsRandom),
        http: HttpPolicy::default(),
        fan_out: FanOut {
            concurrency: push.concurrency.unwrap_or(defaults.concurrency),
            per_hospital: defaults.per_hospital,
            per_origin: push.per_origin.unwrap_or(defaults.per_origin),
        },
        interaction: None,
        idle_lock: None,
    };
    let wallet = Wallet::open(Profile::open(Some(&dir)).map_err(|e| anyhow::anyhow!("{e}"))?, options)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok((wallet, dir))
}

/// Opens the wallet in `dir` as the app does (real randomness, the system clock, the default fan-out), without
/// the idle lock.
pub async fn open_wallet(dir: &std::path::Path) -> anyhow::Result<Wallet> {
    let options = WalletOptions {
        clock: Arc::new(SystemClock),
        random: Arc::new(OsRandom),
        http: HttpPolicy::default(),
        fan_out: FanOut::default(),
        interaction: None,
        idle_lock: None,
    };
    let profile = Profile::open(Some(dir)).map_err(|e| anyhow::anyhow!("{e}"))?;
    Wallet::open(profile, options).await.map_err(|e| anyhow::anyhow!("{e}"))
}

/// Measures `work` on this process: wall time, CPU time, memory before and at its peak.
async fn measured<T>(work: impl std::future::Future<Output = T>) -> (Sample, T) {
    reset_peak();
    let (rss_before_kb, cpu) = (rss_kb(), cpu_ms());
    let started = Instant::now();
    let out = work.await;
    let sample = Sample {
        wall_ms: started.elapsed().as_secs_f64() * 1000.0,
        cpu_ms: cpu_ms() - cpu,
        rss_before_kb,
        rss_peak_kb: peak_kb(),
        done: 0,
        hospitals: 0,
    };
    (sample, out)
}

async fn connect_once(wallet: &Wallet) -> anyhow::Result<(Sample, ConnectReport)> {
    let (mut sample, report) = measured(wallet.connect(None, no_progress())).await;
    let report = report.map_err(|e| anyhow::anyhow!("connect: {e}"))?;
    sample.hospitals = report.hospitals.len();
    sample.done = report.hospitals.iter().filter(|h| h.status == ConnectionStatus::Connected).count();
    Ok((sample, report))
}

/// Signs in as `person` and connects once, or twice.
pub async fn fan_out(broker: &str, person: &str, push: Push, twice: bool) -> anyhow::Result<FanOutRun> {
    let (wallet, dir) = wallet(push).await?;
    wallet.login(broker, &Browser::Fetch, Some(person)).await.map_err(|e| anyhow::anyhow!("sign-in: {e}"))?;
    let (first, mut report) = connect_once(&wallet).await?;
    let mut second = None;
    if twice {
        drop(report);
        let (sample, again) = connect_once(&wallet).await?;
        (second, report) = (Some(sample), again);
    }
    let held = trimmed_rss_kb();
    drop(report);
    let held_kb = (held, trimmed_rss_kb());
    drop(wallet);
    let _ = std::fs::remove_dir_all(dir);
    Ok(FanOutRun { first, second, held_kb })
}

/// Signs in as `person` (a research participant: a continuation, so each hospital hands out a refresh token),
/// connects, then revokes the consent everywhere.
pub async fn revocation(broker: &str, person: &str) -> anyhow::Result<RevocationRun> {
    let (wallet, dir) = wallet(Push { concurrency: None, per_origin: None }).await?;
    wallet.login(broker, &Browser::Fetch, Some(person)).await.map_err(|e| anyhow::anyhow!("sign-in: {e}"))?;
    let (connect, _) = connect_once(&wallet).await?;
    let ticket = wallet.tickets().await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let ticket = ticket.first().ok_or_else(|| anyhow::anyhow!("no ticket"))?.id.clone();
    let started = Instant::now();
    let last_hospital = Mutex::new(0.0f64);
    let report = |step: &tessera_core::grants::RevocationStep| {
        if step.what.starts_with("End the connection") {
            *last_hospital.lock().unwrap_or_else(|p| p.into_inner()) = started.elapsed().as_secs_f64() * 1000.0;
        }
    };
    let (mut revoke, steps) = measured(wallet.revoke_with_progress(&ticket, &report)).await;
    let steps = steps.map_err(|e| anyhow::anyhow!("revoke: {e}"))?;
    let hospital_steps: Vec<_> = steps.iter().filter(|s| s.what.starts_with("End the connection")).collect();
    revoke.hospitals = hospital_steps.len();
    revoke.done = hospital_steps.iter().filter(|s| s.state == StepState::Done).count();
    let hospitals_done_ms = *last_hospital.lock().unwrap_or_else(|p| p.into_inner());
    drop(wallet);
    let _ = std::fs::remove_dir_all(dir);
    Ok(RevocationRun { connect, revoke, hospitals_done_ms })
}
