//! The person's own secret for unlocking: a passphrase, kept only as an Argon2id verifier (a PHC string) in the
//! keychain, never the passphrase itself. Wrong tries back off: after [`FREE_TRIES`] wrong ones, each waits twice as
//! long as the last, up to [`MAX_WAIT_SECS`].

use crate::base::random::Random;
use crate::{Error, ErrorCode, Result, Sensitive};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use serde::{Deserialize, Deserializer};

/// The keychain item holding the verifier.
pub const VERIFIER_ITEM: &str = "unlock-passphrase";
/// Its label in the person's keychain manager.
pub const VERIFIER_LABEL: &str = "Tessera — the check for your unlock passphrase";
/// The fewest characters a passphrase may have.
pub const MIN_CHARS: usize = 8;
/// The most characters a passphrase may have.
pub const MAX_CHARS: usize = 1024;
/// Wrong tries allowed before the wallet makes the person wait.
pub const FREE_TRIES: u32 = 3;
/// The longest wait after wrong tries, in seconds.
pub const MAX_WAIT_SECS: i64 = 300;

/// A passphrase as the person typed it: read from the window or the terminal, never printed, serialized or kept.
pub struct Passphrase(Sensitive<String>);

impl Passphrase {
    /// Wraps what was typed.
    pub fn new(typed: String) -> Self {
        Self(Sensitive::new(typed))
    }

    /// Whether `other` is the same text (for "type it again").
    pub fn same_as(&self, other: &Passphrase) -> bool {
        self.0.expose() == other.0.expose()
    }

    /// A second copy, for work that must own it (the Argon2id check on a blocking thread); dropped zeroized.
    pub(crate) fn duplicate(&self) -> Self {
        Self::new(self.0.expose().clone())
    }

    /// Whether nothing was typed.
    pub fn is_empty(&self) -> bool {
        self.0.expose().is_empty()
    }

    /// `passphrase.too_short` (or too long) unless it can be set as a new passphrase.
    pub fn check_new(&self) -> Result<()> {
        let chars = self.0.expose().chars().count();
        if chars < MIN_CHARS {
            return Err(Error::new(ErrorCode::PassphraseTooShort));
        }
        if chars > MAX_CHARS {
            return Err(Error::new(ErrorCode::PassphraseTooShort)
                .with_message(format!("A passphrase may have at most {MAX_CHARS} characters."))
                .with_action("Choose a shorter one."));
        }
        Ok(())
    }
}

impl std::fmt::Debug for Passphrase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(crate::base::sensitive::REDACTED)
    }
}

impl<'de> Deserialize<'de> for Passphrase {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        String::deserialize(deserializer).map(Passphrase::new)
    }
}

/// How the wallet is protected when locked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum Protection {
    /// Not chosen yet: the window asks after the first sign-in. Until then the lock is a privacy screen.
    Unset,
    /// The person chose no passphrase: the lock is a privacy screen (anyone at the computer can unlock).
    Off,
    /// Unlocking needs the passphrase.
    Passphrase,
}

impl Protection {
    /// Its stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            Protection::Unset => "unset",
            Protection::Off => "off",
            Protection::Passphrase => "passphrase",
        }
    }

    /// From its stored form (anything unknown reads as a passphrase, the safe side).
    pub fn parse(text: &str) -> Self {
        match text {
            "unset" => Protection::Unset,
            "off" => Protection::Off,
            _ => Protection::Passphrase,
        }
    }
}

/// Argon2id with the parameters OWASP recommends (19 MiB, two passes, one lane).
fn hasher() -> Result<Argon2<'static>> {
    let params =
        Params::new(19 * 1024, 2, 1, None).map_err(|e| Error::new(ErrorCode::Internal).with_detail(e.to_string()))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// The verifier of `passphrase`: a PHC string with a fresh salt (CPU-heavy; call it on a blocking thread).
pub fn verifier(passphrase: &Passphrase, random: &dyn Random) -> Result<Sensitive<String>> {
    let mut salt = [0u8; 16];
    random.fill(&mut salt);
    let salt = SaltString::encode_b64(&salt).map_err(|e| Error::new(ErrorCode::Internal).with_detail(e.to_string()))?;
    let hash = hasher()?
        .hash_password(passphrase.0.expose().as_bytes(), &salt)
        .map_err(|e| Error::new(ErrorCode::Internal).with_detail(e.to_string()))?;
    Ok(Sensitive::new(hash.to_string()))
}

/// Whether `passphrase` is the one `verifier` was made from (a verifier that cannot be read matches nothing).
pub fn matches(verifier: &Sensitive<String>, passphrase: &Passphrase) -> bool {
    let Ok(parsed) = PasswordHash::new(verifier.expose()) else { return false };
    Argon2::default().verify_password(passphrase.0.expose().as_bytes(), &parsed).is_ok()
}

/// Wrong tries since the last right one, and until when the next try must wait (Unix seconds).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Tries {
    /// Wrong tries in a row.
    pub wrong: u32,
    /// No try is checked before this time.
    pub not_before: i64,
}

impl Tries {
    /// `wallet.unlock_wait` while a wait after wrong tries is running.
    pub fn check(&self, now: i64) -> Result<()> {
        let left = self.not_before.saturating_sub(now);
        if left > 0 {
            return Err(Error::new(ErrorCode::UnlockWait)
                .with_action(format!("Wait {left} seconds, then type the passphrase again.")));
        }
        Ok(())
    }

    /// One more wrong try at `now`: the wait it earns starts.
    pub fn wrong_at(self, now: i64) -> Self {
        let wrong = self.wrong.saturating_add(1);
        Self { wrong, not_before: now.saturating_add(wait_after(wrong)) }
    }
}

/// Seconds to wait after `wrong` wrong tries in a row: none for the first [`FREE_TRIES`], then 1, 2, 4 … up to
/// [`MAX_WAIT_SECS`].
pub fn wait_after(wrong: u32) -> i64 {
    match wrong.checked_sub(FREE_TRIES + 1) {
        None => 0,
        Some(doublings) => 1i64.checked_shl(doublings.min(20)).unwrap_or(MAX_WAIT_SECS).min(MAX_WAIT_SECS),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::base::random::SeededRandom;

    #[test]
    fn a_verifier_matches_its_own_passphrase_only_and_never_holds_it() {
        let random = SeededRandom::new(7);
        let right = Passphrase::new("correct horse battery".into());
        let made = verifier(&right, &random).unwrap();
        assert!(made.expose().starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{}", made.expose());
        assert!(!made.expose().contains("correct horse"));
        assert!(matches(&made, &right));
        assert!(!matches(&made, &Passphrase::new("correct horse battery ".into())));
        assert!(!matches(&Sensitive::new("not a verifier".into()), &right));
        // A fresh salt each time: two verifiers of one passphrase differ, and both match it.
        let again = verifier(&right, &random).unwrap();
        assert_ne!(made.expose(), again.expose());
        assert!(matches(&again, &right));
    }

    #[test]
    fn a_new_passphrase_has_at_least_eight_characters() {
        assert!(Passphrase::new("seven77".into()).check_new().is_err());
        assert_eq!(Passphrase::new("".into()).check_new().unwrap_err().code(), ErrorCode::PassphraseTooShort);
        assert!(Passphrase::new("eight888".into()).check_new().is_ok());
        assert!(Passphrase::new("ééééééé".into()).check_new().is_err(), "characters, not bytes");
        assert!(Passphrase::new("x".repeat(MAX_CHARS + 1)).check_new().is_err());
        assert_eq!(format!("{:?}", Passphrase::new("eight888".into())), crate::base::sensitive::REDACTED);
    }

    #[test]
    fn wrong_tries_wait_longer_each_time_up_to_five_minutes() {
        assert_eq!((1..=5).map(wait_after).collect::<Vec<_>>(), vec![0, 0, 0, 1, 2]);
        assert_eq!(wait_after(12), 256);
        assert_eq!(wait_after(13), MAX_WAIT_SECS);
        assert_eq!(wait_after(u32::MAX), MAX_WAIT_SECS);
        let mut tries = Tries::default();
        for _ in 0..FREE_TRIES {
            tries = tries.wrong_at(100);
            assert!(tries.check(100).is_ok());
        }
        tries = tries.wrong_at(100);
        assert_eq!(tries.check(100).unwrap_err().code(), ErrorCode::UnlockWait);
        assert!(tries.check(101).is_ok());
        tries = tries.wrong_at(101);
        assert!(tries.check(102).is_err() && tries.check(103).is_ok());
    }
}
