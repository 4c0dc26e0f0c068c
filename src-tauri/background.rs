//! The desktop app's schedule. Every minute the wallet locks itself if it has been idle (the records read this
//! session are dropped and the window hears `wallet-locked`). Every hour it runs the wallet's background check: the
//! tickets' revocation status from their public status lists (also while locked: that needs no secret), pending
//! revocations retried (only while unlocked), and the desktop reminders that are due, sent through the notification
//! plugin when the person's settings allow. Nothing the schedule does counts as use or unlocks the wallet
//! ([`tessera_core::wallet::Wallet::in_background`]). Failures are logged by code only and retried at the next tick.
//!
//! Test seams: `TESSERA_IDLE_LOCK_SECS=N` replaces the idle period with N seconds, `TESSERA_STATUS_CHECK_SECS=N` the
//! hour with N seconds; with either, the schedule ticks every second.

use crate::commands::WALLET_LOCKED;
use crate::AppState;
use std::time::Duration;
use tauri::{Emitter, Manager};
use tessera_core::base::settings::Settings;
use tessera_core::grants::reminders::Reminder;

/// How often the idle lock is checked.
pub const LOCK_CHECK: Duration = Duration::from_secs(60);
/// How often statuses are checked, pending revocations retried and reminders sent.
pub const STATUS_CHECK: Duration = Duration::from_secs(3600);

/// A period forced by a test seam (whole seconds, at least one), if set.
fn forced(variable: &str) -> Option<Duration> {
    std::env::var(variable).ok()?.parse().ok().filter(|s| *s > 0).map(Duration::from_secs)
}

/// The idle period forced by `TESSERA_IDLE_LOCK_SECS`, if set.
pub fn forced_idle_lock() -> Option<Duration> {
    forced("TESSERA_IDLE_LOCK_SECS")
}

/// Starts the schedule on Tauri's async runtime.
pub fn start(app: &tauri::AppHandle) {
    let app = app.clone();
    let forced_idle = forced_idle_lock();
    let forced_status = forced("TESSERA_STATUS_CHECK_SECS");
    let tick = if forced_idle.is_some() || forced_status.is_some() { Duration::from_secs(1) } else { LOCK_CHECK };
    let status_every = (forced_status.unwrap_or(STATUS_CHECK).as_secs() / tick.as_secs()).max(1);
    tauri::async_runtime::spawn(async move {
        let mut ticks: u64 = 0;
        loop {
            tokio::time::sleep(tick).await;
            ticks = ticks.saturating_add(1);
            let state = app.state::<AppState>();
            let Ok(wallet) = state.wallet().await else { continue };
            if forced_idle.is_some() && ticks == 1 {
                wallet.set_idle_lock(forced_idle);
            }
            if wallet.lock_if_idle().await {
                let _ = app.emit(WALLET_LOCKED, ());
            }
            if ticks.is_multiple_of(status_every) {
                let remind = Settings::load(state.profile.dir()).notifications;
                match wallet.check_in_background(remind).await {
                    Ok(reminders) => {
                        tracing::debug!(reminders = reminders.len(), "background check done");
                        reminders.iter().for_each(|r| notify(&app, r));
                    }
                    Err(error) => tracing::warn!(code = %error.code(), "background check failed"),
                }
            }
        }
    });
}

/// Shows one reminder as a desktop notification. A desktop without a notification service logs a warning.
fn notify(app: &tauri::AppHandle, reminder: &Reminder) {
    use tauri_plugin_notification::NotificationExt;
    if let Err(error) = app.notification().builder().title(&reminder.title).body(&reminder.body).show() {
        tracing::warn!(error = %error, "desktop notification not shown");
    }
}
