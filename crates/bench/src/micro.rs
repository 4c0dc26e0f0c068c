//! Small costs measured on their own: verifying a ticket's signature, and one keychain read, write or delete on the
//! Secret Service.

use serde::Serialize;
use std::time::{Duration, Instant};
use tessera_core::base::http::{Http, HttpPolicy, Party};
use tessera_core::ticket::Ticket;
use tessera_core::vault::Vault;
use tessera_core::{OsRandom, Random, Sensitive};

/// Ticket verification throughput.
#[derive(Debug, Clone, Serialize)]
pub struct Verification {
    /// Tickets parsed and verified (ES256) per second, on one thread.
    pub per_second: f64,
    /// The ticket's size in bytes.
    pub ticket_bytes: usize,
}

/// Keychain costs, each the mean over `items` operations, one after another.
#[derive(Debug, Clone, Serialize)]
pub struct Keychain {
    /// Items written, read and deleted.
    pub items: usize,
    /// One `Vault::put_new` (a new item, labelled at creation: how the store writes a secret's next generation).
    pub write_ms: f64,
    /// One `Vault::put` over an existing item (looked up, replaced, relabelled).
    pub rewrite_ms: f64,
    /// One `Vault::get`.
    pub read_ms: f64,
    /// One `Vault::get`, `items` of them at once.
    pub read_parallel_ms: f64,
    /// One `Vault::delete`.
    pub delete_ms: f64,
}

/// Parses and verifies `raw` (signed by a key in the JWKS at `jwks_url`) for `for_at_least`, on this thread.
pub async fn verification(raw: &str, jwks_url: &str, for_at_least: Duration) -> anyhow::Result<Verification> {
    let http = Http::new(HttpPolicy::default(), std::sync::Arc::new(OsRandom)).map_err(|e| anyhow::anyhow!("{e}"))?;
    let jwks = http.get(Party::Broker, jwks_url, None).await.map_err(|e| anyhow::anyhow!("{e}"))?.json;
    let started = Instant::now();
    let mut done = 0u64;
    while started.elapsed() < for_at_least {
        for _ in 0..100 {
            let ticket = Ticket::parse(Sensitive::new(raw.to_string())).map_err(|e| anyhow::anyhow!("{e}"))?;
            ticket.verify(&jwks).map_err(|e| anyhow::anyhow!("{e}"))?;
        }
        done += 100;
    }
    Ok(Verification { per_second: done as f64 / started.elapsed().as_secs_f64(), ticket_bytes: raw.len() })
}

/// Writes, reads (one by one, then all at once) and deletes `items` keychain items in a namespace of their own.
pub async fn keychain(items: usize) -> anyhow::Result<Keychain> {
    let vault = Vault::new(format!("tessera:bench-{}", OsRandom.token(6)));
    let secret = Sensitive::new(OsRandom.token(200));
    let ids: Vec<String> = (0..items).map(|i| format!("connection/bench{i}/refresh~1")).collect();
    let per_item = |started: Instant| started.elapsed().as_secs_f64() * 1000.0 / items.max(1) as f64;
    let started = Instant::now();
    for id in &ids {
        vault.put_new(id, "Tessera — benchmark item", &secret).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    let write_ms = per_item(started);
    let started = Instant::now();
    for id in &ids {
        vault.put(id, "Tessera — benchmark item", &secret).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    let rewrite_ms = per_item(started);
    let started = Instant::now();
    for id in &ids {
        vault.get(id).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    let read_ms = per_item(started);
    let started = Instant::now();
    for read in futures_util::future::join_all(ids.iter().map(|id| vault.get(id))).await {
        read.map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    let read_parallel_ms = per_item(started);
    let started = Instant::now();
    for id in &ids {
        vault.delete(id).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    let delete_ms = per_item(started);
    Ok(Keychain { items, write_ms, rewrite_ms, read_ms, read_parallel_ms, delete_ms })
}
