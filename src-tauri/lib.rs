//! The Tessera desktop shell: the window, single instance, and the IPC commands that adapt tessera-core to the UI.
//!
//! This crate holds adapters only (invariant 1): every command calls into tessera-core and returns a view model
//! with no secret in it, or an [`ErrorView`](tessera_core::ErrorView).

pub mod background;
pub mod bindings;
pub mod commands;

use tessera_core::{Error, ErrorCode, Profile};

/// Shared state of the running app.
pub struct AppState {
    /// The wallet profile the window shows.
    pub profile: Profile,
    /// The wallet, opened on first use (a damaged store becomes a coded error on screen, not a crash).
    pub wallet: tokio::sync::OnceCell<tessera_core::wallet::Wallet>,
}

impl AppState {
    /// State for `profile`, with the wallet not yet opened.
    pub fn new(profile: Profile) -> Self {
        Self { profile, wallet: tokio::sync::OnceCell::new() }
    }

    /// The wallet, opening it with the real clock and randomness on first use.
    pub async fn wallet(&self) -> Result<&tessera_core::wallet::Wallet, Error> {
        self.wallet
            .get_or_try_init(|| {
                let options = tessera_core::wallet::WalletOptions {
                    clock: std::sync::Arc::new(tessera_core::SystemClock),
                    random: std::sync::Arc::new(tessera_core::OsRandom),
                    http: Default::default(),
                    fan_out: Default::default(),
                    interaction: Some(tessera_core::broker::Browser::System),
                    idle_lock: Some(std::time::Duration::from_secs(15 * 60)),
                };
                tessera_core::wallet::Wallet::open(self.profile.clone(), options)
            })
            .await
    }
}

/// Starts the desktop app and returns the process exit code.
pub fn run() -> i32 {
    tessera_core::logging::init();
    if let Some(problem) = missing_display() {
        eprintln!("tessera-app: {} ({}) {}", problem.message(), problem.detail().unwrap_or(""), problem.action());
        return 2;
    }
    let profile = match Profile::open(None) {
        Ok(profile) => profile,
        Err(error) => {
            eprintln!("tessera-app: {error}");
            return 1;
        }
    };
    let result = tauri::Builder::default()
        .plugin(tauri_plugin_single_instance::init(|app, _args, _cwd| focus_main_window(app)))
        .manage(AppState::new(profile))
        .setup(|app| {
            background::start(app.handle());
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::wallet_status,
            commands::connect_hospitals,
            commands::list_grants,
            commands::preview_revocation,
            commands::revoke_grant
        ])
        .run(tauri::generate_context!());
    match result {
        Ok(()) => 0,
        Err(error) => {
            eprintln!("tessera-app: the window could not start: {error}");
            1
        }
    }
}

/// Brings the existing window forward when a second instance is started.
fn focus_main_window(app: &tauri::AppHandle) {
    use tauri::Manager;
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.unminimize();
        let _ = window.show();
        let _ = window.set_focus();
    }
}

/// On Linux, a missing display would make GTK abort with a panic trace; say so in one line instead.
fn missing_display() -> Option<Error> {
    if !cfg!(target_os = "linux") {
        return None;
    }
    let has = |name: &str| std::env::var_os(name).is_some_and(|v| !v.is_empty());
    if has("DISPLAY") || has("WAYLAND_DISPLAY") {
        None
    } else {
        Some(Error::new(ErrorCode::DisplayMissing).with_detail("neither DISPLAY nor WAYLAND_DISPLAY is set"))
    }
}
