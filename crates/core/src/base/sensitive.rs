//! [`Sensitive`]: a secret that cannot be printed, logged or serialized.
//!
//! Tickets, tokens, private keys and record contents are wrapped in `Sensitive` from the moment they are
//! received. `Debug` and `Display` print `<redacted>`, and the type deliberately has no `serde::Serialize`
//! implementation, so a secret can never end up in an IPC payload, a JSON file or a SQLite row by accident:
//!
//! ```compile_fail
//! let token = tessera_core::Sensitive::new(String::from("secret"));
//! serde_json::to_string(&token).unwrap(); // does not compile: Sensitive is not Serialize
//! ```
//!
//! Reading the value is always explicit: [`Sensitive::expose`]. When a `Sensitive` is dropped (on lock, at the end of a
//! request) its memory is overwritten with zeros first (the `zeroize` crate's [`Zeroizing`]), so a locked wallet's
//! freed memory holds no ticket, token or key.

use std::fmt;
use zeroize::{Zeroize, Zeroizing};

/// The text every secret prints as.
pub const REDACTED: &str = "<redacted>";

/// A secret value, zeroed when dropped. See the module documentation.
#[derive(Clone, PartialEq, Eq)]
pub struct Sensitive<T: Zeroize>(Zeroizing<T>);

impl<T: Zeroize> Sensitive<T> {
    /// Wraps a secret.
    pub fn new(value: T) -> Self {
        Self(Zeroizing::new(value))
    }

    /// Gives read access to the secret. Every call site is a place where a secret leaves its wrapper:
    /// keep them few and obvious (the HTTP body being sent, the keychain write).
    pub fn expose(&self) -> &T {
        &self.0
    }
}

impl<T: Zeroize + Default> Sensitive<T> {
    /// Unwraps the secret, consuming the wrapper (the value moves out; the wrapper zeroes what is left).
    pub fn into_exposed(mut self) -> T {
        std::mem::take(&mut *self.0)
    }

    /// Applies `f` to the secret and keeps the result wrapped.
    pub fn map<U: Zeroize>(self, f: impl FnOnce(T) -> U) -> Sensitive<U> {
        Sensitive::new(f(self.into_exposed()))
    }
}

impl<T: Zeroize> From<T> for Sensitive<T> {
    fn from(value: T) -> Self {
        Self::new(value)
    }
}

impl<T: Zeroize> fmt::Debug for Sensitive<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl<T: Zeroize> fmt::Display for Sensitive<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_never_show_the_value() {
        let secret = Sensitive::new("eyJhbGciOiJFUzI1NiJ9.payload.sig".to_string());
        assert_eq!(format!("{secret:?}"), REDACTED);
        assert_eq!(format!("{secret}"), REDACTED);
        assert_eq!(format!("{:#?}", Some(&secret)), format!("Some(\n    {REDACTED},\n)"));
        assert_eq!(secret.expose(), "eyJhbGciOiJFUzI1NiJ9.payload.sig");
    }

    #[test]
    fn map_keeps_the_result_wrapped() {
        let secret = Sensitive::new(vec![1u8, 2, 3]).map(|bytes| bytes.len());
        assert_eq!(format!("{secret:?}"), REDACTED);
        assert_eq!(*secret.expose(), 3);
    }
}
