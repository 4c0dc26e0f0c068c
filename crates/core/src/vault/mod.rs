//! The vault: every secret in the OS keychain (Secret Service on Linux, via the `keyring` crate).
//!
//! One keychain item per secret, in the profile's namespace (the item's "service"), with a label a person
//! recognises in their keychain manager ("Tessera — ticket for Harold Washington from Georgia Trust Broker").
//! Values longer than the backend's item limit (Windows: 2,560 bytes) are split into numbered chunks and
//! reassembled on read. Every keychain call runs on a blocking thread, never on the async runtime.
//!
//! The platform keychain is chosen at build time: the Secret Service on Linux and the BSDs, the macOS Keychain,
//! the Windows Credential Manager (see `crates/core/Cargo.toml`). Failures map to coded errors: no Secret Service
//! (`vault.unavailable`), a locked keychain (`vault.locked`), an item that is gone (`vault.item_missing`), and
//! keyring's in-memory mock store (a build without a platform keychain) is refused as `vault.unavailable`. The
//! vault never falls back to a plain file or to memory.
//!
//! Keychain writes go one at a time (a process-wide lock): gnome-keyring fails concurrent item creation with
//! spurious "locked" and "not running" errors; reads stay parallel. A chunked value's header item is written last,
//! so a reader never sees a header whose chunks are not all there, and chunks left from a longer earlier value are
//! removed. `Vault::put_new` writes an item that holds nothing yet (a secret's next generation) in one keychain
//! call, labelled at creation on the Secret Service, instead of look-up, write and relabel. The `keyring` crate
//! opens a new Secret Service session per call and offers no batch, so that per-call cost remains
//! (docs/benchmarks.md).

pub mod identity;
pub mod passphrase;

use crate::{Error, ErrorCode, Result, Sensitive};
use keyring::Entry;
use std::collections::HashMap;

/// The item size limit of the strictest backend (Windows Credential Manager), in bytes.
pub const DEFAULT_CHUNK_LIMIT: usize = 2_560;

/// Keychain writes go one at a time: the Secret Service (gnome-keyring) fails concurrent item creation with
/// spurious "locked" and "not running" errors when many hospitals hand out refresh tokens at once. Reads stay
/// parallel.
static WRITES: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Marks a value stored whole in one item.
const WHOLE: &str = "tessera1:";
/// Marks an item that only says how many chunk items hold the value.
const CHUNKED: &str = "tessera1-chunks:";

/// A handle on one profile's keychain namespace. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Vault {
    namespace: String,
    chunk_limit: usize,
}

impl Vault {
    /// The vault for a profile namespace (see [`crate::Profile::namespace`]).
    pub fn new(namespace: impl Into<String>) -> Self {
        Self { namespace: namespace.into(), chunk_limit: DEFAULT_CHUNK_LIMIT }
    }

    /// The same vault with a smaller item limit, to exercise chunking in tests.
    pub fn with_chunk_limit(mut self, limit: usize) -> Self {
        self.chunk_limit = limit.max(16);
        self
    }

    /// The namespace every item of this vault lives in.
    pub fn namespace(&self) -> &str {
        &self.namespace
    }

    /// Checks that the keychain is reachable and unlocked by reading an item that need not exist.
    pub async fn probe(&self) -> Result<()> {
        self.contains("probe").await.map(|_| ())
    }

    /// Stores `secret` under `id` with a human-readable `label`, replacing any previous value.
    pub async fn put(&self, id: &str, label: &str, secret: &Sensitive<String>) -> Result<()> {
        let (namespace, id, label, limit) =
            (self.namespace.clone(), id.to_string(), label.to_string(), self.chunk_limit);
        let value = secret.clone();
        let _one_writer = WRITES.lock().await;
        blocking(move || write_item(&namespace, &id, &label, value.expose(), limit, false)).await
    }

    /// Stores `secret` under `id`, which holds nothing yet (a secret's next generation): nothing to look up or
    /// replace first, and on the Secret Service the label is given when the item is created — one keychain write
    /// instead of four calls.
    pub async fn put_new(&self, id: &str, label: &str, secret: &Sensitive<String>) -> Result<()> {
        let (namespace, id, label, limit) =
            (self.namespace.clone(), id.to_string(), label.to_string(), self.chunk_limit);
        let value = secret.clone();
        let _one_writer = WRITES.lock().await;
        blocking(move || write_item(&namespace, &id, &label, value.expose(), limit, true)).await
    }

    /// Reads the secret stored under `id`; `vault.item_missing` when there is none.
    pub async fn get(&self, id: &str) -> Result<Sensitive<String>> {
        let (namespace, id) = (self.namespace.clone(), id.to_string());
        blocking(move || read_item(&namespace, &id)).await
    }

    /// Whether a keychain item (a whole value, a chunk header or a chunk) exists under `id`.
    pub async fn contains(&self, id: &str) -> Result<bool> {
        let (namespace, id) = (self.namespace.clone(), id.to_string());
        blocking(move || match entry(&namespace, &id)?.get_password() {
            Ok(_) => Ok(true),
            Err(keyring::Error::NoEntry) => Ok(false),
            Err(error) => Err(map_error(error)),
        })
        .await
    }

    /// Deletes the item under `id` and its chunks. Deleting an item that does not exist is not an error.
    pub async fn delete(&self, id: &str) -> Result<()> {
        let (namespace, id) = (self.namespace.clone(), id.to_string());
        let _one_writer = WRITES.lock().await;
        blocking(move || delete_item(&namespace, &id)).await
    }
}

/// Runs `work` on a blocking thread (keychain calls, Argon2id), never on the async runtime.
pub(crate) async fn blocking<T: Send + 'static>(work: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| Error::new(ErrorCode::Internal).with_detail(format!("blocking task failed: {e}")))?
}

fn entry(namespace: &str, id: &str) -> Result<Entry> {
    let entry = Entry::new(namespace, id).map_err(map_error)?;
    refuse_memory_store(&entry)?;
    Ok(entry)
}

/// keyring falls back to an in-memory mock store when no platform keychain was compiled in (or one was replaced
/// with the mock): secrets would vanish when Tessera quits. Tessera refuses to run on it.
fn refuse_memory_store(entry: &Entry) -> Result<()> {
    if entry.get_credential().downcast_ref::<keyring::mock::MockCredential>().is_some() {
        return Err(Error::new(ErrorCode::VaultUnavailable)
            .with_message("This build of Tessera has no keychain for this system, so it cannot keep anything safely.")
            .with_action("Use a Tessera build for your operating system; nothing was stored.")
            .with_detail("keyring's in-memory mock credential store is selected"));
    }
    Ok(())
}

fn chunk_id(id: &str, index: usize) -> String {
    format!("{id}#{index}")
}

/// Writes one item; a `fresh` one (that did not exist) gets its label at creation where the keychain allows.
fn set(namespace: &str, id: &str, label: &str, value: &str, fresh: bool) -> Result<()> {
    let item = entry(namespace, id)?;
    if let Some(labelled) = fresh.then(|| labelled(&item, label)).flatten() {
        return labelled.set_password(value).map_err(map_error);
    }
    item.set_password(value).map_err(map_error)?;
    item.update_attributes(&HashMap::from([("label", label)])).map_err(map_error)
}

/// The Secret Service item `item` will create, with `label` already on it (keyring names new items after itself;
/// relabelling afterwards costs two more keychain writes).
#[cfg(any(target_os = "linux", target_os = "freebsd", target_os = "openbsd"))]
fn labelled(item: &Entry, label: &str) -> Option<Entry> {
    let mut credential = item.get_credential().downcast_ref::<keyring::secret_service::SsCredential>()?.clone();
    credential.label = label.to_string();
    Some(Entry::new_with_credential(Box::new(credential)))
}

/// Other keychains are labelled after the write.
#[cfg(not(any(target_os = "linux", target_os = "freebsd", target_os = "openbsd")))]
fn labelled(_item: &Entry, _label: &str) -> Option<Entry> {
    None
}

fn write_item(namespace: &str, id: &str, label: &str, value: &str, limit: usize, fresh: bool) -> Result<()> {
    let previous_chunks = if fresh { 0 } else { chunk_count(namespace, id)? };
    let whole = format!("{WHOLE}{value}");
    let chunks = if whole.len() <= limit {
        set(namespace, id, label, &whole, fresh)?;
        0
    } else {
        let pieces = split_at_char_boundaries(value, limit);
        for (index, piece) in pieces.iter().enumerate() {
            set(namespace, &chunk_id(id, index + 1), &format!("{label} (part {})", index + 1), piece, fresh)?;
        }
        // The header is written last: a reader never sees a header whose chunks are not all there.
        set(namespace, id, label, &format!("{CHUNKED}{}", pieces.len()), fresh)?;
        pieces.len()
    };
    for stale in chunks + 1..=previous_chunks {
        delete_one(namespace, &chunk_id(id, stale))?;
    }
    Ok(())
}

fn chunk_count(namespace: &str, id: &str) -> Result<usize> {
    match entry(namespace, id)?.get_password() {
        Ok(header) => Ok(header.strip_prefix(CHUNKED).and_then(|n| n.parse().ok()).unwrap_or(0)),
        Err(keyring::Error::NoEntry) => Ok(0),
        Err(error) => Err(map_error(error)),
    }
}

fn read_item(namespace: &str, id: &str) -> Result<Sensitive<String>> {
    let header = entry(namespace, id)?.get_password().map_err(map_error)?;
    if let Some(value) = header.strip_prefix(WHOLE) {
        return Ok(Sensitive::new(value.to_string()));
    }
    let count: usize = header.strip_prefix(CHUNKED).and_then(|n| n.parse().ok()).ok_or_else(|| {
        Error::new(ErrorCode::VaultItemMissing).with_detail(format!("item {id} has an unknown format"))
    })?;
    let mut value = String::new();
    for index in 1..=count {
        value.push_str(&entry(namespace, &chunk_id(id, index))?.get_password().map_err(map_error)?);
    }
    Ok(Sensitive::new(value))
}

fn delete_item(namespace: &str, id: &str) -> Result<()> {
    delete_one(namespace, id)?;
    // Chunks are found by probing, not from the header: a write interrupted before its header leaves chunks only.
    let mut index = 1;
    while delete_one(namespace, &chunk_id(id, index))? {
        index += 1;
    }
    Ok(())
}

/// Deletes one keychain item; `false` when there was none.
fn delete_one(namespace: &str, id: &str) -> Result<bool> {
    match entry(namespace, id)?.delete_credential() {
        Ok(()) => Ok(true),
        Err(keyring::Error::NoEntry) => Ok(false),
        Err(error) => Err(map_error(error)),
    }
}

/// Splits `value` into pieces of at most `limit` bytes without cutting a UTF-8 character.
fn split_at_char_boundaries(value: &str, limit: usize) -> Vec<&str> {
    let mut pieces = Vec::new();
    let mut rest = value;
    while !rest.is_empty() {
        let mut end = rest.len().min(limit);
        while !rest.is_char_boundary(end) {
            end -= 1;
        }
        let (piece, tail) = rest.split_at(end);
        pieces.push(piece);
        rest = tail;
    }
    pieces
}

/// Maps a keyring failure to a coded error. The detail never contains the secret.
fn map_error(error: keyring::Error) -> Error {
    let detail = match &error {
        keyring::Error::BadEncoding(_) => "item is not valid UTF-8".to_string(),
        keyring::Error::Ambiguous(items) => format!("{} items match", items.len()),
        other => other.to_string(),
    };
    let lower = detail.to_ascii_lowercase();
    // A locked collection shows up as "locked" or as an unlock prompt the user (or a missing display) dismissed.
    let locked = lower.contains("locked") || lower.contains("unlock");
    let code = match &error {
        keyring::Error::NoEntry => ErrorCode::VaultItemMissing,
        keyring::Error::NoStorageAccess(_) | keyring::Error::PlatformFailure(_) if locked => ErrorCode::VaultLocked,
        keyring::Error::NoStorageAccess(_) | keyring::Error::PlatformFailure(_) => ErrorCode::VaultUnavailable,
        _ => ErrorCode::Internal,
    };
    Error::new(code).with_detail(detail)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitting_respects_the_limit_and_utf8() {
        let value = "é".repeat(10) + "abc";
        let pieces = split_at_char_boundaries(&value, 5);
        assert!(pieces.iter().all(|p| p.len() <= 5));
        assert_eq!(pieces.concat(), value);
    }

    // keyring's default store is process-wide: no other unit test in this crate touches the keychain (the real
    // keychain tests are in tests/keychain.rs, their own process).
    #[tokio::test]
    async fn the_in_memory_mock_store_is_refused_not_used() {
        keyring::set_default_credential_builder(keyring::mock::default_credential_builder());
        let vault = Vault::new("tessera:mock-guard-test");
        let refused = vault.put("ticket/x", "label", &Sensitive::new("secret".into())).await.unwrap_err();
        assert_eq!(refused.code(), ErrorCode::VaultUnavailable);
        assert!(refused.message().contains("no keychain"), "{}", refused.message());
        assert_eq!(vault.probe().await.unwrap_err().code(), ErrorCode::VaultUnavailable);
    }

    #[test]
    fn missing_entry_maps_to_item_missing() {
        assert_eq!(map_error(keyring::Error::NoEntry).code(), ErrorCode::VaultItemMissing);
    }
}
