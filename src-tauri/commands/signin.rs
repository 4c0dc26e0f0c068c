//! First run and sign-in: the wallet's status, brokers used before, signing in through the browser (cancellable),
//! and the embedded demo network.

use super::{opened, unlocked};
use crate::ipc::{DemoNetwork, SignInArgs};
use crate::AppState;
use tessera_core::status::WalletStatus;
use tessera_core::view::LoginSummary;
use tessera_core::{Error, ErrorCode, ErrorView};

/// The wallet's status for the first screen (read from the store; the keychain is not touched).
#[tauri::command]
pub async fn wallet_status(state: tauri::State<'_, AppState>) -> Result<WalletStatus, ErrorView> {
    opened(&state).await?.status().await.map_err(|e| e.view())
}

/// The window drew its first screen (the welcome, the lock screen, the people or an error, from the wallet's
/// status). Does nothing unless `TESSERA_BENCH_READY=PATH` is set — the startup benchmark (`tessera-bench --app`)
/// sets it — and then appends one line to PATH, once: the time, in microseconds since the Unix epoch.
#[tauri::command]
pub async fn first_screen() -> Result<(), ErrorView> {
    static REPORTED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
    let Some(path) = std::env::var_os("TESSERA_BENCH_READY").filter(|p| !p.is_empty()) else { return Ok(()) };
    if REPORTED.swap(true, std::sync::atomic::Ordering::SeqCst) {
        return Ok(());
    }
    let micros = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_micros());
    let file = std::fs::OpenOptions::new().create(true).append(true).open(path);
    if let Err(error) = file.and_then(|mut f| std::io::Write::write_all(&mut f, format!("{micros}\n").as_bytes())) {
        tracing::warn!(%error, "first screen not reported to the benchmark");
    }
    Ok(())
}

/// The addresses of the brokers signed in with before, to pick from.
#[tauri::command]
pub async fn known_brokers(state: tauri::State<'_, AppState>) -> Result<Vec<String>, ErrorView> {
    let brokers = unlocked(&state).await?.store().brokers().await.map_err(|e| e.view())?;
    Ok(brokers.into_iter().map(|b| b.url).collect())
}

/// Signs in with a trust broker through the person's browser; returns when the broker's answer came back to the
/// loopback redirect and every ticket was verified and kept, or when `cancel_sign_in` was called.
#[tauri::command]
pub async fn sign_in(state: tauri::State<'_, AppState>, args: SignInArgs) -> Result<LoginSummary, ErrorView> {
    let wallet = unlocked(&state).await?;
    let (cancel, cancelled) = tokio::sync::oneshot::channel();
    *state.sign_in.lock().unwrap_or_else(|p| p.into_inner()) = Some(cancel);
    let browser = state.browser();
    let result = tokio::select! {
        result = wallet.login(&args.broker, &browser, None) => result,
        _ = cancelled => Err(Error::new(ErrorCode::SigninCancelled)),
    };
    state.sign_in.lock().unwrap_or_else(|p| p.into_inner()).take();
    result.map_err(|e| e.view())
}

/// Cancels the sign-in under way (nothing is kept). Does nothing when none is.
#[tauri::command]
pub async fn cancel_sign_in(state: tauri::State<'_, AppState>) -> Result<(), ErrorView> {
    if let Some(cancel) = state.sign_in.lock().unwrap_or_else(|p| p.into_inner()).take() {
        let _ = cancel.send(());
    }
    Ok(())
}

/// Starts the demo network inside the app (once; later calls return the same one): a trust broker with a real
/// consent page and six hospitals on loopback, one of them down and one that needs the patient confirmed.
#[tauri::command]
pub async fn start_demo_network(state: tauri::State<'_, AppState>) -> Result<DemoNetwork, ErrorView> {
    let mut demo = state.demo.lock().await;
    if demo.is_none() {
        let started = tessera_testbed::Testbed::start(tessera_testbed::demo::config(false)).await.map_err(|e| {
            Error::new(ErrorCode::Internal)
                .with_message("The demo network could not start.")
                .with_action("Close Tessera and open it again; nothing was lost.")
                .with_detail(e.to_string())
                .view()
        })?;
        *demo = Some(started);
    }
    let manifest = &demo.as_ref().expect("started above").manifest;
    Ok(DemoNetwork { broker: manifest.broker.clone(), hospitals: manifest.hospitals.len() as u32 })
}
