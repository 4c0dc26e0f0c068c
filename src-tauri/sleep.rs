//! Locking when the computer sleeps or the screen locks, when the person's setting asks for it. On Linux: logind's
//! `PrepareForSleep(true)` on the system bus, and the screensaver's `ActiveChanged(true)` on the session bus (the
//! freedesktop and GNOME names). Each bus is watched on a thread of its own; a bus that is not there is skipped.
//! Other systems: not wired yet (the setting says so in the README).

use crate::commands::WALLET_LOCKED;
use crate::AppState;
use tauri::{Emitter, Manager};

/// Which D-Bus bus a signal comes on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Bus {
    System,
    Session,
}

/// The signals that mean the person walked away: their interface and member, each carrying one boolean.
const WALK_AWAY: &[(Bus, &str, &str)] = &[
    (Bus::System, "org.freedesktop.login1.Manager", "PrepareForSleep"),
    (Bus::Session, "org.freedesktop.ScreenSaver", "ActiveChanged"),
    (Bus::Session, "org.gnome.ScreenSaver", "ActiveChanged"),
];

/// Starts watching both buses.
pub fn start(app: &tauri::AppHandle) {
    #[cfg(target_os = "linux")]
    for bus in [Bus::System, Bus::Session] {
        let app = app.clone();
        std::thread::spawn(move || watch(bus, app));
    }
    #[cfg(not(target_os = "linux"))]
    let _ = app;
}

#[cfg(target_os = "linux")]
fn watch(bus: Bus, app: tauri::AppHandle) {
    let connection = match bus {
        Bus::System => dbus::blocking::Connection::new_system(),
        Bus::Session => dbus::blocking::Connection::new_session(),
    };
    let Ok(connection) = connection else { return };
    for (_, interface, member) in WALK_AWAY.iter().filter(|(on, ..)| *on == bus) {
        let rule = dbus::message::MatchRule::new_signal(*interface, *member);
        let app = app.clone();
        let watched = connection.add_match(rule, move |(away,): (bool,), _, _| {
            if away {
                lock_if_asked(&app);
            }
            true
        });
        if watched.is_err() {
            return;
        }
    }
    while connection.process(std::time::Duration::from_secs(3600)).is_ok() {}
}

/// Locks (and tells the window) when the setting "lock when the computer sleeps or the screen locks" is on.
fn lock_if_asked(app: &tauri::AppHandle) {
    let state = app.state::<AppState>();
    if !tessera_core::base::settings::Settings::load(state.profile.dir()).lock_on_sleep {
        return;
    }
    tauri::async_runtime::block_on(crate::lock_now(&state));
    let _ = app.emit(WALLET_LOCKED, ());
}
