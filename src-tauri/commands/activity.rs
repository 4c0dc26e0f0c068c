//! The activity log: filtered entries with hospital names, and an export as CSV or JSON through a save dialog.

use super::unlocked;
use crate::ipc::{ActivityArgs, ExportActivityArgs, ExportFormat, ExportResult};
use crate::AppState;
use tessera_core::grants::activity::{to_csv, to_json, ActivityView};
use tessera_core::{Error, ErrorCode, ErrorView};

/// The log, newest first, filtered.
#[tauri::command]
pub async fn list_activity(
    state: tauri::State<'_, AppState>,
    args: ActivityArgs,
) -> Result<Vec<ActivityView>, ErrorView> {
    unlocked(&state).await?.activity(&args.filter).await.map_err(|e| e.view())
}

/// Saves the filtered log as CSV or JSON where the person chooses (`TESSERA_EXPORT_DIR` replaces the dialog).
#[tauri::command]
pub async fn export_activity<R: tauri::Runtime>(
    app: tauri::AppHandle<R>,
    state: tauri::State<'_, AppState>,
    args: ExportActivityArgs,
) -> Result<ExportResult, ErrorView> {
    let entries = unlocked(&state).await?.activity(&args.filter).await.map_err(|e| e.view())?;
    let (text, extension) = match args.format {
        ExportFormat::Csv => (to_csv(&entries), "csv"),
        ExportFormat::Json => (to_json(&entries), "json"),
    };
    let day = tessera_core::grants::activity::rfc3339(state.clock.unix_now());
    let file_name = format!("tessera-activity-{}.{extension}", day.get(..10).unwrap_or("export"));
    let Some(path) = super::record::save_path(&app, &file_name, "Save the activity log", extension).await else {
        return Ok(ExportResult { saved: false, file_name: None, resources: 0 });
    };
    std::fs::write(&path, text).map_err(|e| Error::new(ErrorCode::ExportFailed).with_detail(e.to_string()).view())?;
    let file_name = path.file_name().map(|n| n.to_string_lossy().into_owned());
    Ok(ExportResult { saved: true, file_name, resources: entries.len() as u32 })
}
