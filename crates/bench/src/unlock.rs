//! Unlocking a wallet that holds 20 grants: the keychain and the network work the window waits for between the
//! Unlock button and the grants list being ready.
//!
//! The wallet is a real one (tessera-core, the Secret Service keychain), filled by signing in against test networks
//! on loopback that stay up while it is measured. Each measurement runs in a process of its own (`tessera-bench
//! worker unlock DIR`): it opens the wallet, locks it (what the Lock button, Ctrl+L and the idle timeout do), then
//! does what the window does on Unlock — `unlock`, then `wallet_status`, then `people` (the screen shown after
//! unlocking), and only once the people are drawn `list_grants` (the rail's badge).

use crate::worker::open_wallet;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::time::Instant;
use tessera_core::broker::Browser;
use tessera_core::grants::status::GrantKind;
use tessera_core::hospitals::fan_out::no_progress;
use tessera_testbed::{data::Role, Config, Testbed};

/// How the wallet's grants came to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// One ticket from each of `grants` trust brokers (a sign-in with each: signing in again with one broker replaces
    /// its ticket rather than adding one).
    Tickets,
    /// One sign-in with one broker, its ticket then used at `grants - 1` hospitals: one ticket and its connections.
    Connections,
}

impl Shape {
    /// The shape in words, for the report.
    pub fn describe(self, grants: usize) -> String {
        match self {
            Shape::Tickets => format!("{grants} tickets, one from each of {grants} trust brokers"),
            Shape::Connections => {
                format!("1 ticket and its connections at {} hospitals, one trust broker", grants.saturating_sub(1))
            }
        }
    }
}

/// A signed-in profile and the networks it signed in with (kept running while it is measured).
pub struct Prepared {
    /// The profile folder (its keychain namespace follows from it).
    pub dir: PathBuf,
    /// The networks.
    pub networks: Vec<Testbed>,
}

impl Prepared {
    /// Stops the networks and removes the profile folder (its keychain items go with the throwaway keyring of
    /// `scripts/with-keyring.sh`, as the other benchmarks' do).
    pub async fn remove(self) {
        for network in self.networks {
            network.stop().await;
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn caregiver(network: &Testbed) -> anyhow::Result<String> {
    let found = network.manifest.people.iter().find(|p| p.role == Role::Caregiver);
    Ok(found.ok_or_else(|| anyhow::anyhow!("no caregiver in the network"))?.id.clone())
}

/// Fills a new profile in `root` with `grants` grants of `shape`.
pub async fn prepare(shape: Shape, grants: usize, seed: u64, root: &Path) -> anyhow::Result<Prepared> {
    let dir = root.join(match shape {
        Shape::Tickets => "tickets",
        Shape::Connections => "connections",
    });
    let wallet = open_wallet(&dir).await?;
    let mut networks = Vec::new();
    let config = |sites: usize, seed: u64| Config { sites, seed, auto_approve: true, ..Config::default() };
    match shape {
        Shape::Tickets => {
            for i in 0..grants {
                // Another seed for each network: other people and records behind each broker.
                let network = Testbed::start(config(1, seed + i as u64)).await?;
                let person = caregiver(&network)?;
                let login = wallet.login(&network.manifest.broker, &Browser::Fetch, Some(&person)).await;
                networks.push(network);
                login.map_err(|e| anyhow::anyhow!("sign-in: {e}"))?;
            }
        }
        Shape::Connections => {
            let network = Testbed::start(config(grants.saturating_sub(1).max(1), seed)).await?;
            let person = caregiver(&network)?;
            let login = wallet.login(&network.manifest.broker, &Browser::Fetch, Some(&person)).await;
            networks.push(network);
            login.map_err(|e| anyhow::anyhow!("sign-in: {e}"))?;
            wallet.connect(None, no_progress()).await.map_err(|e| anyhow::anyhow!("connect: {e}"))?;
        }
    }
    Ok(Prepared { dir, networks })
}

/// One unlock, measured in a process of its own. Times are from the call to `unlock`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct UnlockRun {
    /// `unlock` returned (the install's key read from the keychain).
    pub unlocked_ms: f64,
    /// `wallet_status` returned (the window then shows the people screen).
    pub status_ms: f64,
    /// The grants list (the badge, asked for once the people are drawn) was ready.
    pub grants_ms: f64,
    /// The people were ready: the screen the person unlocked for.
    pub people_ms: f64,
    /// Grants listed.
    pub grants: usize,
    /// Of them, tickets.
    pub tickets: usize,
    /// People listed.
    pub people: usize,
    /// CPU time of the process from `unlock` to the last of the lists.
    pub cpu_ms: f64,
    /// Afterwards, still unlocked: every ticket read from the keychain (`held_tickets`) alone.
    pub held_tickets_ms: f64,
    /// Afterwards, still unlocked: the grants listed again (the brokers' access tokens still in memory).
    pub grants_again_ms: f64,
}

/// Opens the wallet in `dir`, locks it, and measures what the window's Unlock does.
pub async fn run(dir: &Path) -> anyhow::Result<UnlockRun> {
    let wallet = open_wallet(dir).await?;
    wallet.lock().await;
    let since = |started: Instant| started.elapsed().as_secs_f64() * 1000.0;
    let cpu = crate::measure::cpu_ms();
    let started = Instant::now();
    wallet.unlock(None).await.map_err(|e| anyhow::anyhow!("unlock: {e}"))?;
    let unlocked_ms = since(started);
    wallet.status().await.map_err(|e| anyhow::anyhow!("status: {e}"))?;
    let status_ms = since(started);
    let people = wallet.people().await;
    let people_ms = since(started);
    let grants = wallet.grants().await;
    let grants_ms = since(started);
    let cpu_ms = crate::measure::cpu_ms() - cpu;
    let grants = grants.map_err(|e| anyhow::anyhow!("grants: {e}"))?;
    let people = people.map_err(|e| anyhow::anyhow!("people: {e}"))?;
    let again = Instant::now();
    wallet.held_tickets().await.map_err(|e| anyhow::anyhow!("tickets: {e}"))?;
    let held_tickets_ms = since(again);
    let again = Instant::now();
    wallet.grants().await.map_err(|e| anyhow::anyhow!("grants: {e}"))?;
    let grants_again_ms = since(again);
    Ok(UnlockRun {
        unlocked_ms,
        status_ms,
        grants_ms,
        people_ms,
        grants: grants.len(),
        tickets: grants.iter().filter(|g| g.kind == GrantKind::Ticket).count(),
        people: people.len(),
        cpu_ms,
        held_tickets_ms,
        grants_again_ms,
    })
}
