//! The hospital directory: list, add by address, import a SMART User-access Brands bundle, remove.

use super::unlocked;
use crate::ipc::{AddHospitalArgs, ImportBrandsArgs, RemoveHospitalArgs};
use crate::AppState;
use tessera_core::view::HospitalView;
use tessera_core::ErrorView;

/// Every hospital: name, last connection, last contact, the people whose tickets it takes.
#[tauri::command]
pub async fn list_hospitals(state: tauri::State<'_, AppState>) -> Result<Vec<HospitalView>, ErrorView> {
    unlocked(&state).await?.hospitals().await.map_err(|e| e.view())
}

/// Adds a hospital by address after checking it answers; its name comes from the hospital itself.
#[tauri::command]
pub async fn add_hospital(state: tauri::State<'_, AppState>, args: AddHospitalArgs) -> Result<HospitalView, ErrorView> {
    unlocked(&state).await?.add_hospital(&args.address).await.map_err(|e| e.view())
}

/// Imports a Brands bundle from a web address, or from a file the person picks (`url: null`). Returns the
/// hospitals added (none when the picker was closed).
#[tauri::command]
pub async fn import_brands<R: tauri::Runtime>(
    app: tauri::AppHandle<R>,
    state: tauri::State<'_, AppState>,
    args: ImportBrandsArgs,
) -> Result<Vec<HospitalView>, ErrorView> {
    let wallet = unlocked(&state).await?;
    let source = match args.url {
        Some(url) => url,
        None => {
            use tauri_plugin_dialog::DialogExt;
            let (chosen, answer) = tokio::sync::oneshot::channel();
            app.dialog()
                .file()
                .set_title("Choose a hospital list (SMART Brands bundle)")
                .add_filter("JSON", &["json"])
                .pick_file(move |path| {
                    let _ = chosen.send(path);
                });
            let Some(path) = answer.await.ok().flatten().and_then(|p| p.into_path().ok()) else {
                return Ok(Vec::new());
            };
            path.to_string_lossy().into_owned()
        }
    };
    wallet.import_brands(&source).await.map_err(|e| e.view())
}

/// Removes a hospital from the directory.
#[tauri::command]
pub async fn remove_hospital(state: tauri::State<'_, AppState>, args: RemoveHospitalArgs) -> Result<(), ErrorView> {
    unlocked(&state).await?.remove_hospital(&args.hospital).await.map_err(|e| e.view())
}
