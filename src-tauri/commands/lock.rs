//! Locking: on demand (the Lock button, Ctrl+L), after the idle period (`background.rs`) and when the computer
//! sleeps. Locking forgets every secret the wallet holds in memory and drops the records read this session;
//! unlocking needs the person's passphrase when one is set, and reads the keychain again.

use super::{opened, unlocked};
use crate::ipc::{PassphraseOffArgs, SetPassphraseArgs, UnlockArgs};
use crate::AppState;
use tessera_core::ErrorView;

/// Locks now: secrets and records leave memory.
#[tauri::command]
pub async fn lock_wallet(state: tauri::State<'_, AppState>) -> Result<(), ErrorView> {
    crate::lock_now(&state).await;
    Ok(())
}

/// Unlocks with the passphrase (when one is set); the install's key is read from the keychain again.
#[tauri::command]
pub async fn unlock_wallet(state: tauri::State<'_, AppState>, args: UnlockArgs) -> Result<(), ErrorView> {
    opened(&state).await?.unlock(args.passphrase.as_ref()).await.map_err(|e| e.view())
}

/// Sets (or changes) the passphrase unlocking needs.
#[tauri::command]
pub async fn set_passphrase(state: tauri::State<'_, AppState>, args: SetPassphraseArgs) -> Result<(), ErrorView> {
    unlocked(&state).await?.set_passphrase(args.current.as_ref(), args.new).await.map_err(|e| e.view())
}

/// Turns the passphrase off (or chooses none at first run): the lock is then a privacy screen.
#[tauri::command]
pub async fn turn_passphrase_off(state: tauri::State<'_, AppState>, args: PassphraseOffArgs) -> Result<(), ErrorView> {
    unlocked(&state).await?.turn_passphrase_off(args.current.as_ref()).await.map_err(|e| e.view())
}
