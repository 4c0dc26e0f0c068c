//! What the wallet's integration tests share: a throwaway profile and wallet options on a manual clock. Each test
//! file is a crate of its own and uses only some of these.
#![allow(dead_code)]

use std::sync::Arc;
use std::time::Duration;
use tessera_core::base::http::HttpPolicy;
use tessera_core::hospitals::fan_out::FanOut;
use tessera_core::wallet::WalletOptions;
use tessera_core::{ManualClock, OsRandom, Profile, Random};

/// A new profile in a fresh temporary folder, named `tessera-{suite}-{name}-…`.
pub fn temp_profile(suite: &str, name: &str) -> Profile {
    let dir = std::env::temp_dir().join(format!("tessera-{suite}-{name}-{}", OsRandom.token(6)));
    Profile::open(Some(&dir)).unwrap()
}

/// Wallet options on `clock`: real randomness, `timeout` per request with a short backoff, `concurrency`
/// hospitals at once, no browser for interaction, no idle lock.
pub fn wallet_options(clock: &ManualClock, timeout: Duration, concurrency: usize) -> WalletOptions {
    WalletOptions {
        clock: Arc::new(clock.clone()),
        random: Arc::new(OsRandom),
        http: HttpPolicy { timeout, backoff: Duration::from_millis(50), ..HttpPolicy::default() },
        fan_out: FanOut { concurrency, per_hospital: Duration::from_secs(30), per_origin: 4 },
        interaction: None,
        idle_lock: None,
    }
}
