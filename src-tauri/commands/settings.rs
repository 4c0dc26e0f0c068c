//! Settings: the lock timeout, locking on sleep, notifications, the brokers signed in with (sign out), and About.

use super::unlocked;
use crate::ipc::{AboutView, BrokerArgs, SettingsArgs};
use crate::AppState;
use tessera_core::base::settings::Settings;
use tessera_core::ErrorView;

/// The settings of this profile.
#[tauri::command]
pub async fn load_settings(state: tauri::State<'_, AppState>) -> Result<Settings, ErrorView> {
    Ok(Settings::load(state.profile.dir()))
}

/// Keeps new settings (not while locked) and applies the lock timeout at once. Returns them as kept (bounded).
#[tauri::command]
pub async fn save_settings(state: tauri::State<'_, AppState>, args: SettingsArgs) -> Result<Settings, ErrorView> {
    let wallet = unlocked(&state).await?;
    let saved = args.settings.save(state.profile.dir()).map_err(|e| e.view())?;
    wallet.set_idle_lock(saved.idle_lock());
    Ok(saved)
}

/// Signs out of a broker: its refresh token is revoked there and removed from the keychain.
#[tauri::command]
pub async fn sign_out(state: tauri::State<'_, AppState>, args: BrokerArgs) -> Result<(), ErrorView> {
    unlocked(&state).await?.sign_out(&args.broker).await.map_err(|e| e.view())
}

/// Version, where data lives, licences.
#[tauri::command]
pub async fn about_tessera(state: tauri::State<'_, AppState>) -> Result<AboutView, ErrorView> {
    Ok(AboutView {
        version: env!("CARGO_PKG_VERSION").to_string(),
        profile_folder: state.profile.dir().display().to_string(),
        keychain: format!(
            "Your system keychain, in items whose service is \"{}\" (labelled \"Tessera — …\")",
            state.profile.namespace()
        ),
        licences: vec![
            "Tessera is free software under the Apache License 2.0.".to_string(),
            "It is built with Tauri, Svelte, Tokio, reqwest, sqlx, keyring and other open-source parts, each under its \
             own licence (MIT, Apache-2.0, BSD, ISC or MPL-2.0)."
                .to_string(),
        ],
    })
}
