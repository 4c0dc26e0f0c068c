//! The command line says only what is true: exit statuses (0 all, 1 none or an error, 2 some failed), an empty
//! profile that says "sign in first" with the command, and output into a closed pipe ending quietly.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tessera-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn tessera(home: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tessera")).arg("--home").arg(home).args(args).output().expect("tessera runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn an_empty_profile_says_sign_in_first_and_reading_nothing_is_a_failure() {
    let home = scratch("empty");
    let connect = tessera(&home, &["--json", "connect"]);
    assert_eq!(connect.status.code(), Some(1), "nothing was read");
    let error: Value = serde_json::from_slice(&connect.stdout).unwrap();
    assert_eq!(error["error"]["code"], "wallet.empty", "{error}");
    assert!(error["error"]["action"].as_str().unwrap().contains("tessera login --broker"), "{error}");

    let records = tessera(&home, &["records"]);
    assert_eq!(records.status.code(), Some(1));
    assert!(text(&records.stderr).contains("tessera login --broker"), "{}", text(&records.stderr));

    for listing in [&["people"][..], &["grants"], &["tickets"]] {
        let shown = tessera(&home, listing);
        assert_eq!(shown.status.code(), Some(0), "{listing:?}: listing nothing is not a failure");
        assert!(
            text(&shown.stdout).contains("Sign in first: `tessera login --broker"),
            "{listing:?}: {}",
            text(&shown.stdout)
        );
    }
    let _ = std::fs::remove_dir_all(home);
}

#[test]
fn output_into_a_closed_pipe_ends_quietly() {
    let home = scratch("pipe");
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let run = Command::new(env!("CARGO_BIN_EXE_tessera"))
        .arg("--home")
        .arg(&home)
        .arg("people")
        .stdout(writer)
        .output()
        .expect("tessera runs");
    assert!(text(&run.stderr).is_empty(), "no panic, no message: {}", text(&run.stderr));
    assert_ne!(run.status.code(), Some(101), "a panic's exit status");
    let _ = std::fs::remove_dir_all(home);
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs a Secret Service: scripts/with-keyring.sh"]
async fn some_hospitals_failing_exits_2_and_a_browser_command_may_be_quoted() {
    use tessera_testbed::faults::Fault;
    let faults = std::collections::HashMap::from([(1, vec![Fault::Down])]);
    let tb =
        tessera_testbed::Testbed::start(tessera_testbed::Config { sites: 3, seed: 4, faults, ..Default::default() })
            .await
            .unwrap();
    let home = scratch("partial");
    let caregiver = tb.manifest.people[0].id.clone();
    // A browser command with a quoted argument, split the way a shell would.
    let browser = "curl -s -L -o '/dev/null'";
    let login =
        tessera(&home, &["login", "--broker", &tb.manifest.broker, "--browser", browser, "--login-hint", &caregiver]);
    assert_eq!(login.status.code(), Some(0), "{}", text(&login.stderr));
    assert!(text(&login.stdout).contains("1 ticket,"), "one ticket, in words: {}", text(&login.stdout));

    let connect = tessera(&home, &["--json", "connect"]);
    assert_eq!(connect.status.code(), Some(2), "one hospital of three is down: {}", text(&connect.stdout));
    let report: Value = serde_json::from_slice(&connect.stdout).unwrap();
    let statuses: Vec<&str> =
        report["hospitals"].as_array().unwrap().iter().map(|h| h["status"].as_str().unwrap()).collect();
    assert_eq!(statuses.iter().filter(|s| **s == "connected").count(), 2, "{statuses:?}");

    let dead = tessera(&home, &["hospitals", "add", "http://127.0.0.1:9/fhir"]);
    assert_eq!(dead.status.code(), Some(1));
    assert!(text(&dead.stderr).contains("nothing was added"), "{}", text(&dead.stderr));
    let _ = std::fs::remove_dir_all(home);
    tb.stop().await;
}
