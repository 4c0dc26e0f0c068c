//! What the CLI's integration tests share: running the built `tessera` with a profile folder and `--json`.

use serde_json::Value;
use std::path::Path;
use std::process::Command;

/// Runs `tessera --home HOME --json ARGS…`: whether it exited 0, and its standard output read as JSON (a panic with
/// both outputs when it is not JSON).
pub fn tessera(home: &Path, args: &[&str]) -> (bool, Value) {
    tessera_with(home, &[], args)
}

/// [`tessera`] with variables set for that run (and `TESSERA_PASSPHRASE` / `TESSERA_NEW_PASSPHRASE` unset unless
/// given; without a terminal nothing can be typed).
pub fn tessera_with(home: &Path, vars: &[(&str, &str)], args: &[&str]) -> (bool, Value) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_tessera"));
    command.env_remove("TESSERA_PASSPHRASE").env_remove("TESSERA_NEW_PASSPHRASE").stdin(std::process::Stdio::null());
    command.envs(vars.iter().copied());
    let output = command.arg("--home").arg(home).arg("--json").args(args).output().expect("tessera runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let json = serde_json::from_str(&stdout)
        .unwrap_or_else(|_| panic!("not JSON from {args:?}: {stdout} {}", String::from_utf8_lossy(&output.stderr)));
    (output.status.success(), json)
}
