//! The minimal Tauri window `tessera-bench --app` compares Tessera's startup and idle memory with: the same tauri
//! as the app, built in the same run with the same release profile, one static page (`page/`), no plugins, one
//! command. Its page calls `first_screen` after the frame following its first render; with
//! `TESSERA_BENCH_READY=PATH` set, that appends one line to PATH (the time, in microseconds since the Unix epoch),
//! exactly as Tessera's window does (`src-tauri/commands/signin.rs`).
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};

/// Whether the first screen was reported already.
static REPORTED: AtomicBool = AtomicBool::new(false);

/// The page drew its first screen: say when, once, to the file `TESSERA_BENCH_READY` names (if set).
#[tauri::command]
fn first_screen() {
    let Some(path) = std::env::var_os("TESSERA_BENCH_READY").filter(|p| !p.is_empty()) else { return };
    if REPORTED.swap(true, Ordering::SeqCst) {
        return;
    }
    let micros = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_micros());
    let file = std::fs::OpenOptions::new().create(true).append(true).open(path);
    if let Err(error) = file.and_then(|mut f| writeln!(f, "{micros}")) {
        eprintln!("bench-window: the first screen could not be reported: {error}");
    }
}

fn main() {
    let result = tauri::Builder::default()
        .invoke_handler(tauri::generate_handler![first_screen])
        .run(tauri::generate_context!());
    if let Err(error) = result {
        eprintln!("bench-window: the window could not start: {error}");
        std::process::exit(1);
    }
}
