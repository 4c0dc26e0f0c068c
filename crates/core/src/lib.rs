//! tessera-core: the Tessera wallet without any user interface.
//!
//! Everything a caregiver, a patient or a research participant does with Tessera is implemented here and driven
//! by thin front ends (the `tessera` CLI and the Tauri shell). The modules that exist today:
//!
//! - [`error`]: every failure as a stable dotted code, a message for people and a next step.
//! - [`sensitive`]: [`Sensitive`], the wrapper that keeps secrets out of logs, files and IPC.
//! - [`clock`] and [`random`]: time and randomness, always passed in.
//! - [`logging`]: structured logging that cannot print a secret.
//! - [`profile`]: the profile folder and its keychain namespace.
//! - [`status`]: the wallet's status as shown on the first screen.
//! - [`vault`]: secrets in the OS keychain.

pub mod activity;
pub mod background;
pub mod brands;
pub mod broker;
pub mod clock;
pub mod connect;
pub mod describe;
pub mod error;
pub mod grants;
pub mod hospital;
pub mod http;
pub mod identity;
pub mod journal;
pub mod logging;
pub mod oauth;
pub mod origin;
pub mod portal;
pub mod profile;
pub mod random;
pub mod reach;
pub mod records;
pub mod reminders;
pub mod revocation;
pub mod sensitive;
pub(crate) mod session;
pub mod settings;
pub mod shelf;
pub mod signin;
pub mod status;
pub mod store;
pub mod ticket;
pub mod vault;
pub mod wallet;

pub use clock::{Clock, ManualClock, SystemClock};
pub use error::{Error, ErrorCode, ErrorView, Result};
pub use profile::Profile;
pub use random::{OsRandom, Random, SeededRandom};
pub use sensitive::Sensitive;
