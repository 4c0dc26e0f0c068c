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
