//! Starts tauri-driver (which starts WebKitWebDriver, which starts the app) and connects fantoccini to it.

use fantoccini::{Client, ClientBuilder, Locator};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// One running app window with a fresh wallet profile.
pub struct AppSession {
    /// The WebDriver client.
    pub client: Client,
    _driver: DriverProcess,
    profile_dir: PathBuf,
}

/// The tauri-driver child process and everything it started (WebKitWebDriver, the app), in a process group of
/// their own, all killed when dropped — also when a test panics: a Tessera left running would make the next test's
/// app hand over to it and exit (single instance).
struct DriverProcess(Child);

impl Drop for DriverProcess {
    fn drop(&mut self) {
        let group = format!("-{}", self.0.id());
        let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The workspace root (this package's folder).
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The workspace's target folder.
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| workspace_root().join("target"))
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn require(tool: &str, fix: &str) {
    let found = std::env::var_os("PATH")
        .map(|paths| std::env::split_paths(&paths).any(|dir| dir.join(tool).is_file()))
        .unwrap_or(false);
    assert!(found, "{tool} was not found on PATH: {fix}");
}

/// The WebDriver key code of Tab.
pub const TAB: &str = "\u{E004}";
/// The WebDriver key code of Enter.
pub const ENTER: &str = "\u{E007}";
/// The WebDriver key code of the right arrow.
pub const ARROW_RIGHT: &str = "\u{E014}";

impl AppSession {
    /// Starts the app with a new, empty profile whose folder name is unique to this run, and extra environment
    /// variables for the app (e.g. `TESSERA_BROWSER`).
    pub async fn start(label: &str, env: &[(&str, &std::path::Path)]) -> Self {
        assert!(std::env::var_os("DISPLAY").is_some(), "no DISPLAY: run the end-to-end tests under xvfb-run");
        require("tauri-driver", "run scripts/setup.sh test (cargo install tauri-driver)");
        require("WebKitWebDriver", "run scripts/setup.sh test (apt package webkit2gtk-driver)");
        let application = target_dir().join("debug").join("tessera-app");
        assert!(application.is_file(), "{} is missing: run cargo build --bin tessera-app", application.display());

        let profile_name = format!("{label}-{}-{}", std::process::id(), free_port());
        let profile_dir = std::env::temp_dir().join("tessera-e2e").join(&profile_name);
        std::fs::create_dir_all(&profile_dir).unwrap();
        let (port, native_port) = (free_port(), free_port());
        // Two rustls crypto back ends are linked into the test; pick one explicitly.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut command = Command::new("tauri-driver");
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        command
            .args(["--port", &port.to_string(), "--native-port", &native_port.to_string()])
            .env("TESSERA_HOME", &profile_dir)
            .stdout(Stdio::null())
            .stderr(Stdio::inherit());
        for (name, value) in env {
            command.env(name, value);
        }
        let driver = DriverProcess(command.spawn().expect("tauri-driver starts"));

        let mut capabilities = serde_json::Map::new();
        capabilities.insert("browserName".into(), "wry".into());
        capabilities
            .insert("tauri:options".into(), serde_json::json!({ "application": application.to_string_lossy() }));
        let url = format!("http://127.0.0.1:{port}");
        let mut last_error = None;
        for _ in 0..100 {
            match ClientBuilder::rustls().expect("tls").capabilities(capabilities.clone()).connect(&url).await {
                Ok(client) => {
                    return Self { client, _driver: driver, profile_dir };
                }
                Err(error) => {
                    last_error = Some(error);
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
            }
        }
        panic!("could not open a WebDriver session through tauri-driver: {last_error:?}");
    }

    /// The visible text of the first element matching `css`, waiting for it to appear.
    pub async fn text_of(&self, css: &str) -> String {
        let element = self
            .client
            .wait()
            .at_most(Duration::from_secs(20))
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no element {css} on screen: {e}"));
        element.text().await.unwrap()
    }

    /// Saves a screenshot of the window as `target/e2e/NAME.png` and returns its path.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        let png = self.client.screenshot().await.expect("a screenshot");
        let dir = target_dir().join("e2e");
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, png).unwrap();
        path
    }

    /// Saves a screenshot for the README: `docs/screenshots/NAME.png` (and `target/e2e/NAME.png`), after letting
    /// WebKit paint what the DOM already holds.
    pub async fn screenshot_for_docs(&self, name: &str) -> PathBuf {
        tokio::time::sleep(Duration::from_millis(1200)).await;
        let taken = self.screenshot(name).await;
        let docs = workspace_root().join("docs").join("screenshots");
        std::fs::create_dir_all(&docs).unwrap();
        let path = docs.join(format!("{name}.png"));
        std::fs::copy(&taken, &path).unwrap();
        assert!(path.metadata().unwrap().len() > 1000, "the screenshot {name} is empty");
        path
    }

    /// The text of the first element matching `css` once `ready` accepts it (screens show "Loading…" first).
    pub async fn text_when(&self, css: &str, what: &str, ready: impl Fn(&str) -> bool) -> String {
        let mut last = String::new();
        for _ in 0..150 {
            if let Ok(element) = self.client.find(Locator::Css(css)).await {
                last = element.text().await.unwrap_or_default();
                if ready(&last) {
                    return last;
                }
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        panic!("{css} never showed {what}; last: {last}");
    }

    /// Clicks the first element matching `css`, waiting for it to appear.
    pub async fn click(&self, css: &str) {
        let element = self
            .client
            .wait()
            .at_most(Duration::from_secs(20))
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no element {css} to click: {e}"));
        element.click().await.unwrap_or_else(|e| panic!("could not click {css}: {e}"));
    }

    /// Moves the focus with Tab alone until it is on the first element matching `css` (at most 80 presses; the
    /// element may still be appearing), checks the focus can be seen (an outline or a ring), then presses `key`
    /// (e.g. [`ENTER`]). Panics when Tab never reaches it: the control cannot be used without a mouse.
    pub async fn keyboard_to(&self, css: &str, key: &str) {
        let focused_here = "const e = document.activeElement; if (!e || !e.matches(arguments[0])) return null; \
            const s = getComputedStyle(e); \
            return (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0) || s.boxShadow !== 'none';";
        for _ in 0..80 {
            match self.client.execute(focused_here, vec![serde_json::json!(css)]).await.unwrap() {
                serde_json::Value::Bool(visible) => {
                    assert!(visible, "{css} has the focus but shows no focus indicator");
                    // The page may redraw the element between finding and pressing: then look again.
                    if let Ok(element) = self.client.active_element().await {
                        if element.send_keys(key).await.is_ok() {
                            return;
                        }
                    }
                }
                _ => {
                    if let Ok(element) = self.client.active_element().await {
                        let _ = element.send_keys(TAB).await;
                    }
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("Tab never reached {css}: it cannot be used with the keyboard alone");
    }

    /// Waits up to `seconds` for `check` to hold, polling; panics with `what` otherwise.
    pub async fn wait_until<F, Fut>(&self, seconds: u64, what: &str, mut check: F)
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = bool>,
    {
        for _ in 0..seconds * 5 {
            if check().await {
                return;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        panic!("timed out waiting for {what}");
    }

    /// Closes the window and stops the driver.
    pub async fn stop(self) {
        let _ = self.client.clone().close().await;
    }
}

impl Drop for AppSession {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.profile_dir);
    }
}
