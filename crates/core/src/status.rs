//! The wallet's status: what the first screen and `tessera status` show.

use crate::vault::passphrase::Protection;
use serde::Serialize;
use ts_rs::TS;

/// Whether the wallet holds anything yet and whether its secrets are available.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum WalletState {
    /// Nothing signed in yet.
    Empty,
    /// Signed in with at least one trust broker; secrets can be read.
    Ready,
    /// Signed in, but the secrets are locked away until the person comes back.
    Locked,
}

/// A summary of the wallet with no secret and no patient detail in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct WalletStatus {
    /// Tessera's version.
    pub version: String,
    /// The profile's name (the last part of its folder), never a path with a user name in it.
    pub profile: String,
    /// See [`WalletState`].
    pub state: WalletState,
    /// Trust brokers signed in with.
    pub brokers: u32,
    /// People whose records can be opened.
    pub people: u32,
    /// Permission tickets held.
    pub tickets: u32,
    /// Hospitals in the directory.
    pub hospitals: u32,
    /// One sentence for people describing the above.
    pub summary: String,
    /// How the wallet is protected when locked: the lock screen asks for the passphrase when it is one.
    pub protection: Protection,
}

impl WalletStatus {
    /// Builds a status and its one-sentence summary from the counts.
    pub fn new(profile: &str, state: WalletState, brokers: u32, people: u32, tickets: u32, hospitals: u32) -> Self {
        let summary = match state {
            WalletState::Empty => {
                "Your wallet is empty: sign in with a trust broker to receive your first permission tickets."
                    .to_string()
            }
            WalletState::Locked => "Your wallet is locked: unlock it to use your tickets again.".to_string(),
            WalletState::Ready => format!(
                "{} for {}, usable at {}.",
                plural(tickets, "ticket", "tickets"),
                plural(people, "person", "people"),
                plural(hospitals, "hospital", "hospitals")
            ),
        };
        Self {
            version: env!("CARGO_PKG_VERSION").to_string(),
            profile: profile.to_string(),
            state,
            brokers,
            people,
            tickets,
            hospitals,
            summary,
            protection: Protection::Unset,
        }
    }

    /// The same status, saying how the wallet is protected.
    pub fn with_protection(mut self, protection: Protection) -> Self {
        self.protection = protection;
        self
    }
}

/// "1 ticket", "3 tickets".
pub fn plural(count: u32, one: &str, many: &str) -> String {
    format!("{count} {}", if count == 1 { one } else { many })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_follows_state_and_counts() {
        let empty = WalletStatus::new("default", WalletState::Empty, 0, 0, 0, 0);
        assert!(empty.summary.starts_with("Your wallet is empty"));
        let ready = WalletStatus::new("default", WalletState::Ready, 1, 2, 3, 1);
        assert_eq!(ready.summary, "3 tickets for 2 people, usable at 1 hospital.");
        let json = serde_json::to_value(&ready).unwrap();
        assert_eq!(json["state"], "ready");
    }
}
