//! IPC commands, one module per capability. Each command is a thin adapter over tessera-core and returns a view
//! model or an [`ErrorView`](tessera_core::ErrorView); none of them returns a secret, and records cross only as the
//! normalised items a screen draws. Every command is listed in [`crate::bindings::commands`], from which the UI's
//! TypeScript types are generated.

pub mod activity;
pub mod grants;
pub mod hospitals;
pub mod lock;
pub mod people;
pub mod portal;
pub mod record;
pub mod settings;
pub mod signin;

use crate::AppState;
use tessera_core::wallet::Wallet;
use tessera_core::ErrorView;

/// The event that carries each hospital's progress while a record is read.
pub const CONNECT_PROGRESS: &str = "connect-progress";
/// The event that says the wallet locked itself (idle): the window shows the lock screen.
pub const WALLET_LOCKED: &str = "wallet-locked";
/// The event that carries each step of `revoke_grant` as it completes.
pub const REVOCATION_PROGRESS: &str = "revocation-progress";

/// Every command, for the app's invoke handler (and the mock runtime in tests).
pub fn handler<R: tauri::Runtime>() -> impl Fn(tauri::ipc::Invoke<R>) -> bool + Send + Sync + 'static {
    tauri::generate_handler![
        signin::wallet_status,
        signin::first_screen,
        signin::known_brokers,
        signin::sign_in,
        signin::cancel_sign_in,
        signin::start_demo_network,
        people::people,
        people::tickets,
        record::open_record,
        record::retry_hospital,
        record::confirm_patient,
        record::export_record,
        portal::sign_in_at_portal,
        portal::confirm_portal_person,
        portal::cancel_portal_sign_in,
        hospitals::hospitals,
        hospitals::add_hospital,
        hospitals::import_brands,
        hospitals::remove_hospital,
        grants::list_grants,
        grants::grant_detail,
        grants::preview_revocation,
        grants::revoke_grant,
        grants::retry_revocations,
        activity::activity,
        activity::export_activity,
        lock::lock,
        lock::unlock,
        settings::settings,
        settings::save_settings,
        settings::sign_out,
        settings::about,
    ]
}

/// The opened wallet, or the coded reason it could not be opened.
pub(crate) async fn wallet(state: &AppState) -> Result<&Wallet, ErrorView> {
    state.wallet().await.map_err(|e| e.view())
}

#[cfg(test)]
mod tests;
