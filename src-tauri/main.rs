//! The Tessera desktop app's entry point. Everything lives in the library (`src-tauri/lib.rs`).
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    std::process::exit(tessera_app::run());
}
