//! The people the user may act for, and the tickets that say so.

use super::unlocked;
use crate::AppState;
use tessera_core::view::{PersonView, TicketView};
use tessera_core::ErrorView;

/// Every person whose records the tickets open.
#[tauri::command]
pub async fn list_people(state: tauri::State<'_, AppState>) -> Result<Vec<PersonView>, ErrorView> {
    unlocked(&state).await?.people().await.map_err(|e| e.view())
}

/// Every ticket, described in plain words.
#[tauri::command]
pub async fn list_tickets(state: tauri::State<'_, AppState>) -> Result<Vec<TicketView>, ErrorView> {
    unlocked(&state).await?.tickets().await.map_err(|e| e.view())
}
