//! Without a display the desktop app says so in one line, names the fix, and exits with status 2 — no GTK panic.

#[test]
fn without_a_display_the_app_explains_itself_in_one_line() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_tessera-app"))
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .env("TESSERA_HOME", std::env::temp_dir().join(format!("tessera-no-display-{}", std::process::id())))
        .output()
        .expect("the app binary runs");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "{stderr}");
    assert!(lines[0].contains("app.no_display") || lines[0].contains("No graphical display"), "{stderr}");
    assert!(lines[0].contains("tessera demo"), "{stderr}");
    assert!(!stderr.contains("panicked"));
}
