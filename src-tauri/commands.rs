//! IPC commands. Each one is a thin adapter over tessera-core and returns a view model or an
//! [`ErrorView`]; none of them returns a secret. Every command here is listed in
//! [`crate::bindings::COMMANDS`], from which the UI's TypeScript types are generated.

use crate::AppState;
use std::sync::Arc;
use tauri::Emitter;
use tessera_core::grants::{GrantView, RevocationStep};
use tessera_core::status::WalletStatus;
use tessera_core::wallet::HospitalOutcome;
use tessera_core::ErrorView;

/// The event that carries each hospital's progress during `connect_hospitals`.
pub const CONNECT_PROGRESS: &str = "connect-progress";
/// The event that carries each step of `revoke_grant` as it completes.
pub const REVOCATION_PROGRESS: &str = "revocation-progress";

/// The wallet's status for the first screen (read from the store; the keychain is not touched).
#[tauri::command]
pub async fn wallet_status(state: tauri::State<'_, AppState>) -> Result<WalletStatus, ErrorView> {
    let wallet = state.wallet().await.map_err(|e| e.view())?;
    wallet.status().await.map_err(|e| e.view())
}

/// Connects to every hospital, emitting [`CONNECT_PROGRESS`] events as each one moves, and returns each outcome.
/// The merged record stays in Rust: only outcomes (names, statuses, coded errors, counts) cross to the window.
#[tauri::command]
pub async fn connect_hospitals(
    app: tauri::AppHandle,
    state: tauri::State<'_, AppState>,
) -> Result<Vec<HospitalOutcome>, ErrorView> {
    let wallet = state.wallet().await.map_err(|e| e.view())?;
    let emitter = app.clone();
    let progress = Arc::new(move |event| {
        let _ = emitter.emit(CONNECT_PROGRESS, event);
    });
    let report = wallet.connect(None, progress).await.map_err(|e| e.view())?;
    Ok(report.hospitals)
}

/// Every grant: tickets held, connections, grants about me (statuses checked against the issuers' lists).
#[tauri::command]
pub async fn list_grants(state: tauri::State<'_, AppState>) -> Result<Vec<GrantView>, ErrorView> {
    let wallet = state.wallet().await.map_err(|e| e.view())?;
    wallet.grants().await.map_err(|e| e.view())
}

/// The steps revoking a grant would take, without doing anything (the confirmation screen).
#[tauri::command]
pub async fn preview_revocation(
    state: tauri::State<'_, AppState>,
    id: String,
) -> Result<Vec<RevocationStep>, ErrorView> {
    let wallet = state.wallet().await.map_err(|e| e.view())?;
    wallet.revoke_preview(&id).await.map_err(|e| e.view())
}

/// Revokes a grant everywhere, emitting [`REVOCATION_PROGRESS`] for each step, and returns every step.
#[tauri::command]
pub async fn revoke_grant(
    app: tauri::AppHandle,
    state: tauri::State<'_, AppState>,
    id: String,
) -> Result<Vec<RevocationStep>, ErrorView> {
    let wallet = state.wallet().await.map_err(|e| e.view())?;
    let report = move |step: &RevocationStep| {
        let _ = app.emit(REVOCATION_PROGRESS, step);
    };
    wallet.revoke_with_progress(&id, &report).await.map_err(|e| e.view())
}

#[cfg(test)]
mod tests {
    use super::*;
    use tauri::test::{mock_builder, mock_context, noop_assets};

    #[test]
    fn wallet_status_answers_over_ipc_with_the_profile_name() {
        let dir = std::env::temp_dir().join(format!("tessera-ipc-test-{}", std::process::id()));
        let profile = tessera_core::Profile::open(Some(&dir)).unwrap();
        let app = mock_builder()
            .manage(AppState::new(profile))
            .invoke_handler(tauri::generate_handler![wallet_status])
            .build(mock_context(noop_assets()))
            .unwrap();
        let window = tauri::WebviewWindowBuilder::new(&app, "main", Default::default()).build().unwrap();
        let response = tauri::test::get_ipc_response(
            &window,
            tauri::webview::InvokeRequest {
                cmd: "wallet_status".into(),
                callback: tauri::ipc::CallbackFn(0),
                error: tauri::ipc::CallbackFn(1),
                url: "tauri://localhost".parse().unwrap(),
                body: tauri::ipc::InvokeBody::default(),
                headers: Default::default(),
                invoke_key: tauri::test::INVOKE_KEY.to_string(),
            },
        )
        .unwrap();
        let status: serde_json::Value = response.deserialize().unwrap();
        assert_eq!(status["profile"], dir.file_name().unwrap().to_str().unwrap());
        assert_eq!(status["state"], "empty");
        std::fs::remove_dir_all(dir).unwrap();
    }
}
