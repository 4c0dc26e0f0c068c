//! Structured logging with `tracing`.
//!
//! Secrets cannot reach a log line because they live in [`crate::Sensitive`], whose `Debug` and `Display` print
//! `<redacted>`; record contents are never logged at all (only resource types and counts). [`init`] installs the
//! subscriber used by the CLI and the desktop app; the level comes from `TESSERA_LOG` (default `info`).

use tracing_subscriber::{fmt, EnvFilter};

/// The environment variable that sets the log filter, e.g. `TESSERA_LOG=tessera_core=trace`.
pub const LOG_ENV: &str = "TESSERA_LOG";

/// Installs a global subscriber writing to stderr. Calling it twice is harmless.
pub fn init() {
    let filter = EnvFilter::try_from_env(LOG_ENV).unwrap_or_else(|_| EnvFilter::new("warn"));
    let _ = fmt().with_env_filter(filter).with_writer(std::io::stderr).with_target(false).try_init();
}

#[cfg(test)]
mod tests {
    use crate::Sensitive;
    use std::io::Write;
    use std::sync::{Arc, Mutex};

    #[derive(Clone, Default)]
    struct Capture(Arc<Mutex<Vec<u8>>>);

    impl Write for Capture {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn sensitive_fields_are_redacted_in_every_log_format() {
        let capture = Capture::default();
        let writer = capture.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .json()
            .with_writer(move || writer.clone())
            .finish();
        let token = Sensitive::new("refresh-token-value-123".to_string());
        tracing::subscriber::with_default(subscriber, || {
            tracing::trace!(?token, "debug form");
            tracing::trace!(%token, "display form");
            tracing::trace!(wrapped = ?Some(&token), "nested");
        });
        let text = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
        assert_eq!(text.matches("<redacted>").count(), 3, "{text}");
        assert!(!text.contains("refresh-token-value-123"), "{text}");
    }
}
