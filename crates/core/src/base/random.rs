//! Randomness, passed in. PKCE verifiers, `state`, `jti`s and backoff jitter take a [`Random`], so tests can be
//! deterministic while production uses the operating system's generator.

use base64::Engine;
use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha20Rng;
use std::sync::Mutex;

/// A source of random bytes.
pub trait Random: Send + Sync + 'static {
    /// Fills `out` with random bytes.
    fn fill(&self, out: &mut [u8]);

    /// `len` random bytes, base64url-encoded without padding (32 bytes give 43 characters).
    fn token(&self, len: usize) -> String {
        let mut bytes = vec![0u8; len];
        self.fill(&mut bytes);
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    }

    /// A random number in `0..bound` (`bound` > 0), for jitter.
    fn below(&self, bound: u64) -> u64 {
        let mut bytes = [0u8; 8];
        self.fill(&mut bytes);
        u64::from_le_bytes(bytes) % bound.max(1)
    }
}

/// The operating system's cryptographic generator.
#[derive(Debug, Clone, Copy, Default)]
pub struct OsRandom;

impl Random for OsRandom {
    fn fill(&self, out: &mut [u8]) {
        rand::rngs::OsRng.fill_bytes(out);
    }
}

/// A deterministic generator for tests and for the testbed's synthetic data.
#[derive(Debug)]
pub struct SeededRandom(Mutex<ChaCha20Rng>);

impl SeededRandom {
    /// A generator whose output depends only on `seed`.
    pub fn new(seed: u64) -> Self {
        Self(Mutex::new(ChaCha20Rng::seed_from_u64(seed)))
    }
}

impl Random for SeededRandom {
    fn fill(&self, out: &mut [u8]) {
        self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).fill_bytes(out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeded_random_is_repeatable_and_os_random_is_not() {
        assert_eq!(SeededRandom::new(7).token(32), SeededRandom::new(7).token(32));
        assert_ne!(SeededRandom::new(7).token(32), SeededRandom::new(8).token(32));
        assert_ne!(OsRandom.token(32), OsRandom.token(32));
        assert_eq!(OsRandom.token(32).len(), 43);
    }

    #[test]
    fn below_stays_in_range() {
        let random = SeededRandom::new(1);
        assert!((0..1000).all(|_| random.below(10) < 10));
    }
}
