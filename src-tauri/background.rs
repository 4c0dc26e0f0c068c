//! The desktop app's schedule: every minute the wallet locks itself if it has been idle (and the records read
//! this session are dropped); every hour it checks its
//! tickets against their status lists (closing the connections of revoked ones) and retries pending revocations.
//! Failures are logged by code only and retried at the next tick.

use crate::AppState;
use std::time::Duration;
use tauri::Manager;

/// How often the idle lock is checked.
pub const LOCK_CHECK: Duration = Duration::from_secs(60);
/// How often statuses are checked and pending revocations retried.
pub const STATUS_CHECK: Duration = Duration::from_secs(3600);

/// Starts the schedule on Tauri's async runtime.
pub fn start(app: &tauri::AppHandle) {
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let mut ticks: u64 = 0;
        loop {
            tokio::time::sleep(LOCK_CHECK).await;
            ticks += 1;
            let state = app.state::<AppState>();
            let Ok(wallet) = state.wallet().await else { continue };
            if wallet.lock_if_idle().await {
                state.shelf.clear();
            }
            if ticks.is_multiple_of(STATUS_CHECK.as_secs() / LOCK_CHECK.as_secs()) && !wallet.is_locked() {
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
