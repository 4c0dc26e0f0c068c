//! How pages of an authorization server are shown to the person: the desktop's default browser, a command, a front
//! end's own opener, or (headless runs against an auto-approving server) an HTTP client that follows redirects.
//!
//! `Browser::System` uses the `open` crate; `Command` runs `--browser CMD` (or the desktop app's `TESSERA_BROWSER`)
//! with the URL as its last argument, split like a shell's words. `Fetch` keeps cookies across redirects, as a
//! browser does through a login and a consent page, and fails at once, as `browser.unavailable`, unless it ends
//! back on Tessera's loopback `/callback`.

use crate::{Error, ErrorCode, Result};
use std::time::Duration;

/// Opens a URL in the person's browser; returns a reason when it could not.
pub type UrlOpener = std::sync::Arc<dyn Fn(&str) -> std::result::Result<(), String> + Send + Sync>;

/// How the authorization URL is opened.
#[derive(Clone)]
pub enum Browser {
    /// The desktop's default browser (the `open` crate: `xdg-open` and its kin on Linux, `open` on macOS, the shell on
    /// Windows).
    System,
    /// A command run with the URL as its last argument (`--browser CMD`).
    Command(String),
    /// Follow the URL and its redirects with an HTTP client (headless runs against an auto-approving broker).
    Fetch,
    /// A front end's own way of opening the default browser (the desktop app's opener plugin).
    Open(UrlOpener),
}

impl std::fmt::Debug for Browser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Browser::System => f.write_str("System"),
            Browser::Command(command) => f.debug_tuple("Command").field(command).finish(),
            Browser::Fetch => f.write_str("Fetch"),
            Browser::Open(_) => f.write_str("Open"),
        }
    }
}

impl Browser {
    /// Opens `url`; a browser that cannot be started is `browser.unavailable` (naming the page's host).
    pub(crate) async fn open(&self, url: &str) -> Result<()> {
        let host = crate::base::ids::host_of(url);
        let failed = |detail: String| {
            Error::new(ErrorCode::BrowserUnavailable)
                .with_message(format!("Tessera could not open a web browser to show the page of {host}."))
                .with_detail(detail)
        };
        match self {
            Browser::Open(open) => open(url).map_err(failed),
            Browser::Fetch => {
                // Like a browser, it keeps the cookies the pages set: an authorization server keeps its place in
                // the sign-in (login, then consent) in cookies across its redirects.
                let client = reqwest::Client::builder()
                    .timeout(Duration::from_secs(30))
                    .cookie_store(true)
                    .build()
                    .map_err(|e| failed(e.to_string()))?;
                let answer = client.get(url).send().await.map_err(|e| failed(e.without_url().to_string()))?;
                // Nobody is there to finish a page: ending anywhere but back at Tessera's loopback redirect (an
                // error page, a form) fails the sign-in now rather than after the whole sign-in timeout.
                let end = answer.url();
                let returned =
                    end.scheme() == "http" && end.host_str() == Some("127.0.0.1") && end.path() == "/callback";
                if !returned || !answer.status().is_success() {
                    return Err(failed(format!(
                        "the page ended at {} with HTTP {}",
                        crate::base::ids::host_of(end.as_str()),
                        answer.status().as_u16()
                    ))
                    .with_message(format!("The sign-in page of {host} did not return to Tessera without a person.")));
                }
                Ok(())
            }
            Browser::System => open::that_detached(url).map_err(|e| failed(e.to_string())),
            Browser::Command(command) => {
                let words =
                    split_command(command).ok_or_else(|| failed("unbalanced quotes in the browser command".into()))?;
                let (program, args) = words.split_first().ok_or_else(|| failed("empty browser command".into()))?;
                tokio::process::Command::new(program)
                    .args(args)
                    .arg(url)
                    .stdout(std::process::Stdio::null())
                    .stderr(std::process::Stdio::null())
                    .spawn()
                    .map_err(|e| failed(format!("{program}: {e}")))?;
                Ok(())
            }
        }
    }
}

/// Splits a command line into words the way a POSIX shell does for plain words, 'single' and "double" quotes and
/// backslash escapes (no variables, no globbing). `None` when a quote is left open.
pub fn split_command(text: &str) -> Option<Vec<String>> {
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                let current = word.get_or_insert_with(String::new);
                loop {
                    match chars.next()? {
                        '\'' => break,
                        other => current.push(other),
                    }
                }
            }
            '"' => {
                let current = word.get_or_insert_with(String::new);
                loop {
                    match chars.next()? {
                        '"' => break,
                        '\\' => current.push(chars.next()?),
                        other => current.push(other),
                    }
                }
            }
            '\\' => word.get_or_insert_with(String::new).push(chars.next()?),
            c if c.is_whitespace() => words.extend(word.take()),
            c => word.get_or_insert_with(String::new).push(c),
        }
    }
    words.extend(word);
    Some(words)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn browser_commands_are_split_like_a_shell_would() {
        let words = |t: &str| split_command(t).unwrap();
        assert_eq!(words("firefox --new-window"), ["firefox", "--new-window"]);
        assert_eq!(words("'/opt/My Browser/run' -p \"work profile\""), ["/opt/My Browser/run", "-p", "work profile"]);
        assert_eq!(words(r"/opt/My\ Browser/run  a''b"), ["/opt/My Browser/run", "ab"]);
        assert_eq!(words(r#""say \"hi\"""#), [r#"say "hi""#]);
        assert!(words("   ").is_empty());
        assert_eq!(split_command("'open"), None);
        assert_eq!(split_command("\"open"), None);
    }
}
