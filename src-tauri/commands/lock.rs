//! Locking: on demand (the Lock button, Ctrl+L), after the idle period (`background.rs`) and when the computer
//! sleeps. Locking forgets every secret the wallet holds in memory and drops the records read this session;
//! unlocking reads the keychain again.

use super::wallet;
use crate::AppState;
use tessera_core::ErrorView;

/// Locks now: secrets and records leave memory.
#[tauri::command]
pub async fn lock_wallet(state: tauri::State<'_, AppState>) -> Result<(), ErrorView> {
    crate::lock_now(&state).await;
    Ok(())
}

/// Unlocks: the install's key is read from the keychain again (a locked keychain is `vault.locked`).
#[tauri::command]
pub async fn unlock_wallet(state: tauri::State<'_, AppState>) -> Result<(), ErrorView> {
    wallet(&state).await?.unlock().await.map_err(|e| e.view())
}
