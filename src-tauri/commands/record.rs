//! A person's record: read from every hospital with live progress (or from memory when recent), a hospital
//! retried or confirmed on its own, and the shown items exported as a FHIR Bundle through a save dialog.

use super::{unlocked, CONNECT_PROGRESS};
use crate::ipc::{ExportArgs, ExportResult, HospitalForPersonArgs, OpenRecordArgs};
use crate::AppState;
use std::sync::Arc;
use tauri::Emitter;
use tessera_core::hospitals::fan_out::Progress;
use tessera_core::records::shelf::{Freshness, RecordView};
use tessera_core::{Error, ErrorCode, ErrorView};

/// Progress events forwarded to the window as [`CONNECT_PROGRESS`].
pub(crate) fn progress_to_window<R: tauri::Runtime>(app: &tauri::AppHandle<R>) -> Progress {
    let app = app.clone();
    Arc::new(move |event| {
        let _ = app.emit(CONNECT_PROGRESS, event);
    })
}

/// The person's record: from memory when read less than [`tessera_core::records::shelf::FRESH_FOR_SECS`] ago (unless
/// `refresh`), else read from every hospital at once, each hospital's progress emitted as it moves.
#[tauri::command]
pub async fn open_record<R: tauri::Runtime>(
    app: tauri::AppHandle<R>,
    state: tauri::State<'_, AppState>,
    args: OpenRecordArgs,
) -> Result<RecordView, ErrorView> {
    let freshness = if args.refresh { Freshness::ReadAgain } else { Freshness::Recent };
    let wallet = unlocked(&state).await?;
    wallet.open_record(&args.person, freshness, progress_to_window(&app)).await.map_err(|e| e.view())
}

/// Tries one hospital again for the person and adds what it returns to the record.
#[tauri::command]
pub async fn retry_hospital<R: tauri::Runtime>(
    app: tauri::AppHandle<R>,
    state: tauri::State<'_, AppState>,
    args: HospitalForPersonArgs,
) -> Result<RecordView, ErrorView> {
    let wallet = unlocked(&state).await?;
    let progress = progress_to_window(&app);
    wallet.read_hospital_into_record(&args.person, &args.hospital, None, progress).await.map_err(|e| e.view())
}

/// Opens the hospital's page in the browser so the person confirms who the patient is (one hospital, one tab),
/// then reads its records into the record. Outside the per-hospital deadline: the person takes their time.
#[tauri::command]
pub async fn confirm_patient<R: tauri::Runtime>(
    app: tauri::AppHandle<R>,
    state: tauri::State<'_, AppState>,
    args: HospitalForPersonArgs,
) -> Result<RecordView, ErrorView> {
    let wallet = unlocked(&state).await?;
    let (browser, progress) = (state.browser(), progress_to_window(&app));
    let reading = wallet.read_hospital_into_record(&args.person, &args.hospital, Some(&browser), progress);
    reading.await.map_err(|e| e.view())
}

/// Saves the shown items (by id, in order) as a FHIR `collection` Bundle of the hospitals' own resources, to a
/// file the person picks in a save dialog. `TESSERA_EXPORT_DIR`, when set, replaces the dialog with that folder
/// (the end-to-end tests cannot click a native dialog).
#[tauri::command]
pub async fn export_record<R: tauri::Runtime>(
    app: tauri::AppHandle<R>,
    state: tauri::State<'_, AppState>,
    args: ExportArgs,
) -> Result<ExportResult, ErrorView> {
    let record = unlocked(&state).await?.record_read(&args.person).ok_or_else(|| {
        Error::new(ErrorCode::ExportFailed)
            .with_message("There is no record on screen to save.")
            .with_action("Open the person's record first.")
            .view()
    })?;
    let shown: Vec<_> = args.items.iter().filter_map(|id| record.items.iter().find(|item| &item.id == id)).collect();
    let now = state.clock.unix_now();
    let timestamp = time::OffsetDateTime::from_unix_timestamp(now)
        .ok()
        .and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok())
        .unwrap_or_default();
    let bundle = tessera_core::records::export_bundle(shown.iter().copied(), &timestamp);
    let resources = bundle["entry"].as_array().map_or(0, Vec::len) as u32;
    let file_name = format!("health-record-{}.json", timestamp.get(..10).unwrap_or("export"));
    let Some(path) = save_path(&app, &file_name, "Save the record as a FHIR file", "json").await else {
        return Ok(ExportResult { saved: false, file_name: None, resources: 0 });
    };
    let text = serde_json::to_string_pretty(&bundle).unwrap_or_default();
    std::fs::write(&path, text).map_err(|e| Error::new(ErrorCode::ExportFailed).with_detail(e.to_string()).view())?;
    let file_name = path.file_name().map(|n| n.to_string_lossy().into_owned());
    Ok(ExportResult { saved: true, file_name, resources })
}

/// Where to save: the folder in `TESSERA_EXPORT_DIR`, else the path the person picks in a save dialog titled
/// `title` (`None` if they cancel).
pub(crate) async fn save_path<R: tauri::Runtime>(
    app: &tauri::AppHandle<R>,
    file_name: &str,
    title: &str,
    extension: &str,
) -> Option<std::path::PathBuf> {
    if let Some(dir) = std::env::var_os("TESSERA_EXPORT_DIR") {
        return Some(std::path::PathBuf::from(dir).join(file_name));
    }
    use tauri_plugin_dialog::DialogExt;
    let (chosen, answer) = tokio::sync::oneshot::channel();
    app.dialog()
        .file()
        .set_title(title)
        .set_file_name(file_name)
        .add_filter(extension.to_uppercase(), &[extension])
        .save_file(move |path| {
            let _ = chosen.send(path);
        });
    answer.await.ok().flatten().and_then(|path| path.into_path().ok())
}
