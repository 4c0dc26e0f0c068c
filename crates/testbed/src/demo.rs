//! The demo network both front ends start (`tessera demo`, the window's "Try the demo network"): a trust broker and
//! six hospitals on this computer, the stories' people, one hospital down tonight and one that needs the patient
//! confirmed. Harold Washington has records at every hospital; Margaret signs in as his healthcare power of attorney.

use crate::faults::Fault;
use crate::Config;
use std::collections::HashMap;

/// Hospitals in the demo.
pub const SITES: usize = 6;
/// The seed of its data.
pub const SEED: u64 = 2026;
/// The hospital that is down tonight (its index).
pub const DOWN: usize = 3;
/// The hospital that needs the patient confirmed once (its index).
pub const CONFIRM: usize = 4;

/// What the demo's trust broker calls itself.
pub const BROKER_NAME: &str = "Lakeside Trust Broker";

/// The demo network's configuration. `auto_approve` skips the broker's consent page and the hospital's
/// patient-confirmation page (headless runs); the window shows them to the person.
pub fn config(auto_approve: bool) -> Config {
    Config {
        sites: SITES,
        seed: SEED,
        faults: HashMap::from([(DOWN, vec![Fault::Down]), (CONFIRM, vec![Fault::Interaction])]),
        auto_approve,
        story_names: true,
        broker_name: Some(BROKER_NAME.to_string()),
        ..Config::default()
    }
}
