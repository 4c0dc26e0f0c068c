//! End-to-end: the real Tessera binary in a real window, driven through tauri-driver and WebKitWebDriver.
//!
//! Run inside a display (the test script uses `xvfb-run`): `cargo test --workspace -- --ignored e2e_` (every e2e
//! test's name starts with `e2e_`). `cargo test` builds `target/debug/tessera-app` first. Screenshots go to
//! `target/e2e/`.

mod support;

use fantoccini::Locator;
use support::driver::AppSession;
use tessera_core::status::{WalletState, WalletStatus};

#[tokio::test]
#[ignore = "needs a display, tauri-driver and WebKitWebDriver; run by scripts/test.sh under xvfb-run"]
async fn e2e_first_screen_shows_the_wallet_status_from_rust() {
    let session = AppSession::start("first-screen").await;
    let client = &session.client;

    let heading = client.wait().for_element(Locator::Css("h1")).await.expect("the window shows a heading");
    assert_eq!(heading.text().await.unwrap(), "Tessera");
    let tagline = client.find(Locator::Css("[data-testid=tagline]")).await.unwrap().text().await.unwrap();
    assert!(tagline.contains("health records"), "tagline: {tagline}");

    // These values exist only in Rust: the profile folder's random name and the summary core computes.
    let expected = WalletStatus::new(&session.profile_name, WalletState::Empty, 0, 0, 0, 0);
    let profile = session.text_of("[data-testid=wallet-profile]").await;
    assert_eq!(profile, session.profile_name, "the profile name must come from the Rust command");
    assert_eq!(session.text_of("[data-testid=wallet-summary]").await, expected.summary);
    assert_eq!(session.text_of("[data-testid=wallet-version]").await, expected.version);
    assert_eq!(session.text_of("[data-testid=wallet-state]").await, "Empty");

    // WebKit paints asynchronously; give it a moment so the screenshot shows what the DOM already holds.
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let shot = session.screenshot("first-screen").await;
    assert!(shot.metadata().unwrap().len() > 1000, "the screenshot is empty");
    session.stop().await;
}

// Multi-threaded: the in-process testbed keeps serving while the CLI's sign-in blocks one worker.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a display, a Secret Service, tauri-driver and WebKitWebDriver; run by scripts/test.sh"]
async fn e2e_connect_shows_every_hospital_live() {
    use std::collections::HashMap;
    use tessera_testbed::faults::Fault;
    let testbed = tessera_testbed::Testbed::start(tessera_testbed::Config {
        sites: 4,
        seed: 31,
        faults: HashMap::from([(2, vec![Fault::Down])]),
        ..Default::default()
    })
    .await
    .unwrap();
    let broker = testbed.manifest.broker.clone();
    let session = AppSession::start_with("connect", |home| {
        let cli = support::driver::target_dir().join("debug").join("tessera");
        let signed_in = std::process::Command::new(cli)
            .arg("--home")
            .arg(home)
            .args(["--json", "login", "--broker", &broker, "--browser", "curl -s -L -o /dev/null"])
            .output()
            .expect("the tessera CLI runs (cargo test --workspace builds it)");
        assert!(signed_in.status.success(), "{}", String::from_utf8_lossy(&signed_in.stdout));
    })
    .await;
    let client = &session.client;
    assert!(session.text_of("[data-testid=wallet-summary]").await.contains("4 hospitals"));
    client.wait().for_element(Locator::Css("[data-testid=connect]")).await.unwrap().click().await.unwrap();

    // Every hospital gets its own line, each ends done or failed; the one that is down says so in words.
    let mut phases = Vec::new();
    for _ in 0..150 {
        phases.clear();
        for line in client.find_all(Locator::Css("[data-testid=hospital-line]")).await.unwrap() {
            let phase = line.attr("data-phase").await.unwrap().unwrap_or_default();
            phases.push((phase, line.text().await.unwrap()));
        }
        if phases.len() == 4 && phases.iter().all(|(p, _)| p == "done" || p == "failed") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert_eq!(phases.len(), 4, "{phases:?}");
    let down = &testbed.manifest.hospitals[2].name;
    for (phase, text) in &phases {
        if text.contains(down.as_str()) {
            assert_eq!(phase, "failed", "{text}");
            assert!(text.contains("not answering"), "{text}");
        } else {
            assert_eq!(phase, "done", "{text}");
            assert!(text.contains("records"), "{text}");
        }
    }
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    session.screenshot("connect").await;
    session.stop().await;
    testbed.stop().await;
}
