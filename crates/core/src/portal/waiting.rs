//! What the wallet holds in memory about patient-portal sign-ins: sign-ins waiting for the person's answer (part of
//! the session, so locking gives each one up), and one lock per portal connection (kept across locking).

use crate::portal::clients::PortalClient;
use crate::portal::PortalOffer;
use crate::ticket::NamedPerson;
use crate::vault::identity::Identity;
use crate::Sensitive;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// A sign-in waiting for the user to confirm a new person: its tokens, in memory only (forgotten when the wallet
/// locks).
pub(crate) struct Pending {
    /// The install's key, kept so that the token can still be revoked once the wallet locks.
    pub identity: Arc<Identity>,
    pub offer: PortalOffer,
    pub hospital: String,
    pub client: PortalClient,
    pub refresh: Sensitive<String>,
    pub granted: String,
    pub patient: String,
    pub named: NamedPerson,
    pub gender: Option<String>,
    pub expires_at: i64,
}

/// Patient-portal sign-ins waiting for the person's answer (a patient Tessera does not know), memory only: part of
/// the [`crate::session::Session`], so locking gives each one up.
#[derive(Default)]
pub(crate) struct WaitingSignIns {
    pending: Mutex<HashMap<String, Pending>>,
}

impl WaitingSignIns {
    fn pending(&self) -> std::sync::MutexGuard<'_, HashMap<String, Pending>> {
        self.pending.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Keeps a sign-in waiting under `id`.
    pub(crate) fn insert(&self, id: String, pending: Pending) {
        self.pending().insert(id, pending);
    }

    /// Takes every sign-in waiting for confirmation (on lock: each is then given up, its token revoked).
    pub(crate) fn drain(&self) -> Vec<Pending> {
        self.pending().drain().map(|(_, p)| p).collect()
    }

    /// Takes the sign-in `id` if it still waits at `now`, and every one whose time ran out (to be given up).
    pub(crate) fn take(&self, id: &str, now: i64) -> (Option<Pending>, Vec<Pending>) {
        let mut pending = self.pending();
        let expired: Vec<String> =
            pending.iter().filter(|(_, p)| p.expires_at <= now).map(|(k, _)| k.clone()).collect();
        let expired = expired.iter().filter_map(|k| pending.remove(k)).collect();
        (pending.remove(id), expired)
    }
}

/// One lock per portal connection, so that its refresh token (single use: the hospital rotates it) is never
/// presented twice at once. Not part of the session: a lock held across `Wallet::lock` must stay the only one.
#[derive(Default)]
pub(crate) struct ConnectionLocks {
    locks: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

impl ConnectionLocks {
    /// The lock of connection `id`.
    pub fn lock_for(&self, id: &str) -> Arc<tokio::sync::Mutex<()>> {
        self.locks.lock().unwrap_or_else(|p| p.into_inner()).entry(id.to_string()).or_default().clone()
    }
}
