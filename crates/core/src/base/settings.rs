//! The person's settings for this profile: when to lock, whether to lock when the computer sleeps or the screen
//! locks, and whether to send desktop notifications. Kept in `settings.json` in the profile folder (nothing secret,
//! nothing about a patient). A missing or unreadable file means the defaults.

use crate::{Error, ErrorCode, Result};
use serde::{Deserialize, Serialize};
use std::path::Path;
use ts_rs::TS;

/// The file in the profile folder.
pub const SETTINGS_FILE: &str = "settings.json";

/// The person's settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct Settings {
    /// Minutes without use before Tessera locks itself; 0: never.
    pub lock_after_minutes: u32,
    /// Lock when the computer goes to sleep or the screen locks.
    pub lock_on_sleep: bool,
    /// Desktop notifications for grants ending in 30 and 7 days and for revocations still pending.
    pub notifications: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Self { lock_after_minutes: 15, lock_on_sleep: true, notifications: true }
    }
}

impl Settings {
    /// The longest idle period offered (a day).
    pub const MAX_LOCK_MINUTES: u32 = 24 * 60;

    /// Reads the profile's settings; the defaults when there are none (or the file cannot be read).
    pub fn load(profile_dir: &Path) -> Self {
        std::fs::read_to_string(profile_dir.join(SETTINGS_FILE))
            .ok()
            .and_then(|text| serde_json::from_str::<Settings>(&text).ok())
            .map(Settings::bounded)
            .unwrap_or_default()
    }

    /// Writes the settings (bounded) next to the store, replacing the file atomically.
    pub fn save(&self, profile_dir: &Path) -> Result<Settings> {
        let settings = self.clone().bounded();
        let text = serde_json::to_string_pretty(&settings).unwrap_or_default();
        let partial = profile_dir.join(format!("{SETTINGS_FILE}.partial"));
        std::fs::write(&partial, text)
            .and_then(|()| std::fs::rename(&partial, profile_dir.join(SETTINGS_FILE)))
            .map_err(|e| {
                Error::new(ErrorCode::DiskFull)
                    .with_message("Tessera could not save your settings.")
                    .with_action("Check the disk has room and try again; your settings are unchanged.")
                    .with_detail(e.to_string())
            })?;
        Ok(settings)
    }

    /// The idle period before locking (`None`: never).
    pub fn idle_lock(&self) -> Option<std::time::Duration> {
        (self.lock_after_minutes > 0).then(|| std::time::Duration::from_secs(u64::from(self.lock_after_minutes) * 60))
    }

    fn bounded(mut self) -> Self {
        self.lock_after_minutes = self.lock_after_minutes.min(Self::MAX_LOCK_MINUTES);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_round_trip_default_when_missing_and_stay_in_bounds() {
        let dir = std::env::temp_dir().join(format!("tessera-settings-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        assert_eq!(Settings::load(&dir), Settings::default());
        let chosen = Settings { lock_after_minutes: 99_999, lock_on_sleep: false, notifications: false };
        let saved = chosen.save(&dir).unwrap();
        assert_eq!(saved.lock_after_minutes, Settings::MAX_LOCK_MINUTES);
        assert_eq!(Settings::load(&dir), saved);
        std::fs::write(dir.join(SETTINGS_FILE), "{\"lock_after_minutes\": 0}").unwrap();
        let never = Settings::load(&dir);
        assert_eq!((never.idle_lock(), never.lock_on_sleep), (None, true), "missing fields take their defaults");
        std::fs::write(dir.join(SETTINGS_FILE), "not json").unwrap();
        assert_eq!(Settings::load(&dir), Settings::default());
        std::fs::remove_dir_all(dir).unwrap();
    }
}
