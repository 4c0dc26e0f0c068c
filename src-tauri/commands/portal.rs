//! A hospital that takes no permission tickets but has its own patient portal: signing in there for the person
//! whose page is open (through the browser; `cancel_sign_in` cancels it, nothing is kept), adding the portal's
//! patient as a new person only when the person confirms, and the hospital read into the record at once.

use super::record::progress_to_window;
use super::unlocked;
use crate::ipc::{HospitalForPersonArgs, PortalArgs, PortalResult};
use crate::AppState;
use tessera_core::portal::{PortalRequest, PortalSignIn, PortalSignInStatus};
use tessera_core::wallet::Wallet;
use tessera_core::ErrorView;

/// Signs in at the patient portal of `args.hospital` for `args.person`: the portal's patient must be that person (or
/// someone Tessera does not know yet, who is added only once the person confirms). Returns when the portal's answer
/// came back (or `cancel_sign_in` was called), with the hospital read into the record.
#[tauri::command]
pub async fn sign_in_at_portal<R: tauri::Runtime>(
    app: tauri::AppHandle<R>,
    state: tauri::State<'_, AppState>,
    args: HospitalForPersonArgs,
) -> Result<PortalResult, ErrorView> {
    let wallet = unlocked(&state).await?;
    let (cancel, cancelled) = tokio::sync::oneshot::channel();
    *state.sign_in.lock().unwrap_or_else(|p| p.into_inner()) = Some(cancel);
    let browser = state.browser();
    let request = PortalRequest { person: Some(&args.person), ..PortalRequest::default() };
    // Cancel ends the wait for the browser only: once the portal's code is back, the sign-in is finished (kept, or
    // its token revoked) — never dropped halfway with a live token at the hospital.
    let cancelled = async move {
        let _ = cancelled.await;
    };
    let result = wallet.portal_sign_in_cancellable(&args.hospital, request, &browser, cancelled).await;
    state.sign_in.lock().unwrap_or_else(|p| p.into_inner()).take();
    let signed = result.map_err(|e| e.view())?;
    read_after(&app, &wallet, signed).await
}

/// Adds the portal's patient of a sign-in waiting for the person's answer as a new person, and reads them.
#[tauri::command]
pub async fn confirm_portal_person<R: tauri::Runtime>(
    app: tauri::AppHandle<R>,
    state: tauri::State<'_, AppState>,
    args: PortalArgs,
) -> Result<PortalResult, ErrorView> {
    let wallet = unlocked(&state).await?;
    let signed = wallet.confirm_portal_person(&args.id).await.map_err(|e| e.view())?;
    read_after(&app, &wallet, signed).await
}

/// Gives up a sign-in waiting for the person's answer: nothing is kept (its token is revoked at the hospital).
#[tauri::command]
pub async fn cancel_portal_sign_in(state: tauri::State<'_, AppState>, args: PortalArgs) -> Result<(), ErrorView> {
    unlocked(&state).await?.cancel_portal_sign_in(&args.id).await.map_err(|e| e.view())
}

/// Once connected, reads the hospital for the person the sign-in was filed under, into their record.
async fn read_after<R: tauri::Runtime>(
    app: &tauri::AppHandle<R>,
    wallet: &Wallet,
    signed: PortalSignIn,
) -> Result<PortalResult, ErrorView> {
    let person = match (&signed.status, &signed.person) {
        (PortalSignInStatus::Connected, Some(person)) => person.clone(),
        _ => return Ok(PortalResult { sign_in: signed, record: None }),
    };
    let reading = wallet.read_hospital_into_record(&person, &signed.fhir_base_url, None, progress_to_window(app));
    let record = reading.await.map_err(|e| e.view())?;
    Ok(PortalResult { sign_in: signed, record: Some(record) })
}
