//! Grants: every grant with its status, the preview of a revocation, and the revocation with live steps.

use super::{unlocked, REVOCATION_PROGRESS};
use crate::ipc::GrantArgs;
use crate::AppState;
use tauri::Emitter;
use tessera_core::grants::{GrantDetail, GrantView, RevocationStep};
use tessera_core::ErrorView;

/// Every grant: tickets held, connections, grants about me (statuses checked against the issuers' lists).
#[tauri::command]
pub async fn list_grants(state: tauri::State<'_, AppState>) -> Result<Vec<GrantView>, ErrorView> {
    unlocked(&state).await?.grants().await.map_err(|e| e.view())
}

/// One grant in full, for its detail page.
#[tauri::command]
pub async fn grant_detail(state: tauri::State<'_, AppState>, args: GrantArgs) -> Result<GrantDetail, ErrorView> {
    unlocked(&state).await?.grant_detail(&args.id).await.map_err(|e| e.view())
}

/// Retries every hospital revocation still pending; returns how many are still pending.
#[tauri::command]
pub async fn retry_revocations(state: tauri::State<'_, AppState>) -> Result<u32, ErrorView> {
    let still = unlocked(&state).await?.retry_pending_revocations().await.map_err(|e| e.view())?;
    Ok(u32::try_from(still).unwrap_or(u32::MAX))
}

/// The steps revoking a grant would take, without doing anything (the confirmation screen).
#[tauri::command]
pub async fn preview_revocation(
    state: tauri::State<'_, AppState>,
    args: GrantArgs,
) -> Result<Vec<RevocationStep>, ErrorView> {
    unlocked(&state).await?.revoke_preview(&args.id).await.map_err(|e| e.view())
}

/// Revokes a grant everywhere, emitting [`REVOCATION_PROGRESS`] for each step, and returns every step.
#[tauri::command]
pub async fn revoke_grant<R: tauri::Runtime>(
    app: tauri::AppHandle<R>,
    state: tauri::State<'_, AppState>,
    args: GrantArgs,
) -> Result<Vec<RevocationStep>, ErrorView> {
    let wallet = unlocked(&state).await?;
    let report = move |step: &RevocationStep| {
        let _ = app.emit(REVOCATION_PROGRESS, step);
    };
    wallet.revoke_with_progress(&args.id, &report).await.map_err(|e| e.view())
}
