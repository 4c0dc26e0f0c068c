//! The OAuth client the broker's sign-in and every hospital use, one job per module:
//!
//! - [`discovery`] — a server's SMART configuration, fetched from https (or loopback) and read defensively;
//! - [`registration`] — RFC 7591 registration of the install's key;
//! - [`authorization`] — the authorization request (PKCE S256, `state`, `aud`; built by the `oauth2` crate), its
//!   round trip through the [`browser`] and the one-time loopback listener ([`redirect`]), `state` and RFC 9207
//!   `iss` checks;
//! - [`token`] — the code exchange and the refresh with rotation (through `oauth2`), the RFC 8693 token exchange;
//! - [`revocation`] — RFC 7009;
//! - [`error`] — error answers typed by their `error` member, mapped to Tessera's codes in one table; the
//!   `error_description` is only ever detail for the log.
//!
//! Client authentication is `private_key_jwt` (a fresh assertion per attempt, from [`crate::vault::identity`]). Every
//! request travels through the wallet's own HTTP layer ([`crate::base::http`]: deadlines, size caps, no redirects, retries
//! only where safe); secrets stay in their wrappers until the request body is encoded.

pub mod authorization;
pub mod browser;
pub mod discovery;
pub mod error;
pub mod redirect;
pub mod registration;
pub mod revocation;
pub mod token;
mod transport;

pub use authorization::{authorize, check_redirect, AuthorizationServer, SIGN_IN_TIMEOUT};
pub use browser::{Browser, UrlOpener};
pub use error::{OAuthError, Refusal};
pub use registration::register;
pub use revocation::revoke_token;
pub use token::{Answer, Extras, Grant, Issued};
