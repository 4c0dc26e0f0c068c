//! What every capability stands on, importing none of them: errors with stable codes, [`sensitive::Sensitive`],
//! the clock and randomness passed in, the profile folder and its settings, HTTP with Tessera's rules, the cap per
//! origin, logging, the ids derived from addresses, and network text made plain.

pub mod clock;
pub mod error;
pub mod http;
pub mod ids;
pub mod logging;
pub mod origin;
pub mod profile;
pub mod random;
pub mod sensitive;
pub mod settings;
pub mod text;
