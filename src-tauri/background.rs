//! The desktop app's schedule: the wallet locks itself when it has been idle (the records read this session are
//! dropped and the window hears `wallet-locked`); every hour it checks its tickets against their status lists
//! (closing the connections of revoked ones) and retries pending revocations. Failures are logged by code only and
//! retried at the next tick.
//!
//! `TESSERA_IDLE_LOCK_SECS=N` (tests) replaces the idle period with N seconds and checks every second.

use crate::commands::WALLET_LOCKED;
use crate::AppState;
use std::time::Duration;
use tauri::{Emitter, Manager};

/// How often the idle lock is checked.
pub const LOCK_CHECK: Duration = Duration::from_secs(60);
/// How often statuses are checked and pending revocations retried.
pub const STATUS_CHECK: Duration = Duration::from_secs(3600);

/// The idle period forced by `TESSERA_IDLE_LOCK_SECS`, if set.
pub fn forced_idle_lock() -> Option<Duration> {
    std::env::var("TESSERA_IDLE_LOCK_SECS").ok()?.parse().ok().filter(|s| *s > 0).map(Duration::from_secs)
}

/// Starts the schedule on Tauri's async runtime.
pub fn start(app: &tauri::AppHandle) {
    let app = app.clone();
    let forced = forced_idle_lock();
    let tick = if forced.is_some() { Duration::from_secs(1) } else { LOCK_CHECK };
    let status_every = (STATUS_CHECK.as_secs() / tick.as_secs()).max(1);
    tauri::async_runtime::spawn(async move {
        let mut ticks: u64 = 0;
        loop {
            tokio::time::sleep(tick).await;
            ticks += 1;
            let state = app.state::<AppState>();
            let Ok(wallet) = state.wallet().await else { continue };
            if forced.is_some() && ticks == 1 {
                wallet.set_idle_lock(forced);
            }
            if wallet.lock_if_idle().await {
                state.shelf.clear();
                let _ = app.emit(WALLET_LOCKED, ());
            }
            if ticks.is_multiple_of(status_every) && !wallet.is_locked() {
                if let Err(error) = wallet.grants().await {
                    tracing::warn!(code = %error.code(), "status check failed");
                }
                if let Err(error) = wallet.retry_pending_revocations().await {
                    tracing::warn!(code = %error.code(), "pending revocations not retried");
                }
            }
        }
    });
}
