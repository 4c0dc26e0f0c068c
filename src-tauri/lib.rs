//! The Tessera desktop shell: the window, single instance, and the IPC commands that adapt tessera-core to the UI.
//!
//! This crate holds adapters only (invariant 1): every command calls into tessera-core and returns a view model
//! with no secret in it, or an [`ErrorView`](tessera_core::ErrorView).
//!
//! The app installs the single-instance (a second launch focuses the window), opener, dialog and notification
//! plugins. Without a display on Linux it prints one line naming the fix and exits with status 2, instead of GTK's
//! panic. `AppState` opens the wallet on first use, with the settings' idle lock and no interaction browser: a
//! hospital that asks to confirm the patient is opened only by `confirm_patient`, one at a time. Pages open through
//! `TESSERA_BROWSER` (a command) when set, else the opener plugin. The in-app demo network (`start_demo_network`)
//! is a `tessera_testbed::Testbed` with a real consent page, kept in `AppState`.

pub mod background;
pub mod bindings;
pub mod commands;
pub mod contract;
pub mod ipc;
pub mod sleep;

use std::sync::{Arc, Mutex, OnceLock};
use tessera_core::broker::Browser;
use tessera_core::wallet::Wallet;
use tessera_core::{Clock, Error, ErrorCode, Profile};

/// Shared state of the running app.
pub struct AppState {
    /// The wallet profile the window shows.
    pub profile: Profile,
    /// The clock every part of the app reads.
    pub clock: Arc<dyn Clock>,
    /// The wallet, opened on first use (a damaged store becomes a coded error on screen, not a crash).
    pub wallet: tokio::sync::OnceCell<Wallet>,
    /// How sign-in and patient-confirmation pages are opened (set when the app starts).
    pub browser: OnceLock<Browser>,
    /// Cancels the sign-in under way, if any.
    pub sign_in: Mutex<Option<tokio::sync::oneshot::Sender<()>>>,
    /// The demo network, once the person chose to try it.
    pub demo: tokio::sync::Mutex<Option<tessera_testbed::Testbed>>,
}

impl AppState {
    /// State for `profile`, with the wallet not yet opened.
    pub fn new(profile: Profile) -> Self {
        Self {
            profile,
            clock: Arc::new(tessera_core::SystemClock),
            wallet: tokio::sync::OnceCell::new(),
            browser: OnceLock::new(),
            sign_in: Mutex::new(None),
            demo: tokio::sync::Mutex::new(None),
        }
    }

    /// The wallet, opening it with the app's clock and real randomness on first use. Hospitals that ask to confirm
    /// the patient are left for the person to confirm one at a time (`confirm_patient`), never opened in bulk.
    pub async fn wallet(&self) -> Result<&Wallet, Error> {
        self.wallet
            .get_or_try_init(|| {
                let options = tessera_core::wallet::WalletOptions {
                    clock: self.clock.clone(),
                    random: Arc::new(tessera_core::OsRandom),
                    http: Default::default(),
                    fan_out: Default::default(),
                    interaction: None,
                    idle_lock: tessera_core::base::settings::Settings::load(self.profile.dir()).idle_lock(),
                };
                Wallet::open(self.profile.clone(), options)
            })
            .await
    }

    /// How pages are opened: `TESSERA_BROWSER` (a command, given the URL as its last argument) when set, else the
    /// system's default browser.
    pub fn browser(&self) -> Browser {
        self.browser.get().cloned().unwrap_or(Browser::System)
    }
}

/// Locks now: the wallet ends its session (its secrets and the records read are forgotten).
pub async fn lock_now(state: &AppState) {
    if let Some(wallet) = state.wallet.get() {
        wallet.lock().await;
    }
}

/// The browser the app uses: `TESSERA_BROWSER` when set, else the opener plugin (the desktop's default browser).
fn app_browser(app: &tauri::AppHandle) -> Browser {
    if let Some(command) = std::env::var("TESSERA_BROWSER").ok().filter(|c| !c.trim().is_empty()) {
        return Browser::Command(command);
    }
    let app = app.clone();
    Browser::Open(Arc::new(move |url: &str| {
        use tauri_plugin_opener::OpenerExt;
        app.opener().open_url(url, None::<&str>).map_err(|e| e.to_string())
    }))
}

/// Starts the desktop app and returns the process exit code.
pub fn run() -> i32 {
    tessera_core::base::logging::init();
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
        .plugin(tauri_plugin_opener::init())
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_notification::init())
        .manage(AppState::new(profile))
        .setup(|app| {
            use tauri::Manager;
            let _ = app.state::<AppState>().browser.set(app_browser(app.handle()));
            background::start(app.handle());
            sleep::start(app.handle());
            Ok(())
        })
        .invoke_handler(commands::handler())
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
