//! tessera-core: the Tessera wallet without any user interface.
//!
//! Everything a caregiver, a patient or a research participant does with Tessera is implemented here and driven
//! by thin front ends (the `tessera` CLI and the Tauri shell). One folder per capability; data flows one way, from
//! the facade down to `base`:
//!
//! - [`wallet`]: the facade, `Wallet` = `Deps` (what every part uses) + [`session`] (what locking forgets); the
//!   first screen's [`status`].
//! - [`broker`]: sign-in at the trust broker, re-minting tickets with the rotated refresh token, status lists.
//! - [`hospitals`]: the directory, discovery, registration and token exchange, and the fan-out to many at once.
//! - [`portal`]: SMART standalone patient launch at hospitals that take no tickets.
//! - [`records`]: FHIR search with paging, normalise, merge, export; the record shelf of the session.
//! - [`grants`]: every grant with its one status, revocation end to end, the activity log, reminders, the
//!   background check.
//! - [`oauth`]: the OAuth client every party shares.
//! - [`ticket`]: SMART Permission Tickets parsed and checked; [`words`]: them described in plain words.
//! - [`store`]: the SQLite index and its journal; [`vault`]: secrets in the OS keychain, the install's key.
//! - [`base`]: errors with codes, `Sensitive`, clock, random, profile, settings, HTTP, the origin gate, logging, ids.

pub mod base;
pub mod broker;
pub mod grants;
pub mod hospitals;
pub mod oauth;
pub mod portal;
pub mod records;
pub(crate) mod session;
pub mod status;
pub mod store;
pub mod ticket;
pub mod vault;
pub mod view;
pub mod wallet;
pub mod words;

pub use base::clock::{Clock, ManualClock, SystemClock};
pub use base::error::{Error, ErrorCode, ErrorView, Result};
pub use base::profile::Profile;
pub use base::random::{OsRandom, Random, SeededRandom};
pub use base::sensitive::Sensitive;
