//! What the wallet holds only while it is unlocked, in one place: the install's key, when the wallet was last used,
//! the issuers' public key sets (JWKS) and the brokers' access tokens, patient-portal sign-ins waiting for the
//! person's answer, and the records read. [`Session::end`] forgets all of it at once (the wallet locks); nothing
//! here is written to disk.

use crate::portal::waiting::{Pending, WaitingSignIns};
use crate::records::shelf::RecordShelf;
use crate::vault::identity::Identity;
use crate::Sensitive;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// A broker's access token (for grant management) and when it expires (Unix seconds).
pub(crate) type BrokerAccess = (Sensitive<String>, i64);

/// The memory of one unlocked period.
#[derive(Default)]
pub(crate) struct Session {
    /// The install's key, read from the keychain on first use.
    pub identity: tokio::sync::Mutex<Option<Arc<Identity>>>,
    /// When the person last used the wallet (Unix seconds; `None`: not since the session began).
    pub last_use: Mutex<Option<i64>>,
    /// Set by [`Session::end`], cleared when the key is read again.
    locked: AtomicBool,
    /// Issuers' JWK Sets, by issuer.
    pub jwks: Mutex<HashMap<String, Value>>,
    /// Brokers' access tokens, by broker URL.
    pub broker_access: Mutex<HashMap<String, BrokerAccess>>,
    /// Portal sign-ins waiting for the person's answer.
    pub waiting: WaitingSignIns,
    /// The records read, per person.
    pub shelf: RecordShelf,
}

impl Session {
    /// A session that has not begun: the wallet starts locked (a passphrase is set).
    pub fn locked() -> Self {
        let session = Self::default();
        session.locked.store(true, Ordering::SeqCst);
        session
    }

    /// Whether the session ended (the wallet is locked) and no key was read since.
    pub fn is_locked(&self) -> bool {
        self.locked.load(Ordering::SeqCst)
    }

    /// Marks the session as begun again (the key was read).
    pub fn begin(&self) {
        self.locked.store(false, Ordering::SeqCst);
    }

    /// Forgets everything the session holds. Returns the portal sign-ins that were waiting: each still holds a live
    /// token at its hospital, for the caller to revoke.
    pub async fn end(&self) -> Vec<Pending> {
        self.locked.store(true, Ordering::SeqCst);
        *self.identity.lock().await = None;
        *self.last_use.lock().unwrap_or_else(|p| p.into_inner()) = None;
        self.jwks.lock().unwrap_or_else(|p| p.into_inner()).clear();
        self.broker_access.lock().unwrap_or_else(|p| p.into_inner()).clear();
        self.shelf.clear();
        self.waiting.drain()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::view::ConnectReport;

    #[tokio::test]
    async fn ending_the_session_forgets_everything_it_holds_at_once() {
        let session = Session::default();
        session.begin();
        *session.last_use.lock().unwrap() = Some(7);
        session.jwks.lock().unwrap().insert("https://broker".into(), serde_json::json!({"keys": []}));
        session.broker_access.lock().unwrap().insert("https://broker".into(), (Sensitive::new("at".into()), 9));
        session.shelf.put("p1", ConnectReport { hospitals: vec![], records: vec![] }, 5);
        assert!(!session.is_locked() && session.shelf.get("p1").is_some());

        let waiting = session.end().await;
        assert!(waiting.is_empty());
        assert!(session.is_locked());
        assert!(session.identity.lock().await.is_none());
        assert_eq!(*session.last_use.lock().unwrap(), None);
        assert!(session.jwks.lock().unwrap().is_empty());
        assert!(session.broker_access.lock().unwrap().is_empty());
        assert!(session.shelf.get("p1").is_none());
    }
}
