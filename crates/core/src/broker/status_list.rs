//! Ending things: reading a ticket's bit in its issuer's revocation status list (the only proof that a revocation
//! took effect everywhere); RFC 7009 token revocation itself is the OAuth client's ([`crate::oauth::revoke_token`]).
//!
//! A status list must live on its issuer's origin. `revoked_bits` reads each distinct list once for many tickets,
//! all lists at once; a list that cannot be read or trusted answers `None`. The grant views ask `is_revoked`
//! instead, and show a grant whose list cannot be read as `unchecked`.

use crate::base::http::{same_origin, Http, Party};
use crate::{Error, ErrorCode, Result};
use serde_json::Value;
use tessera_jose::status_list::StatusList;

pub use crate::oauth::revoke_token;

/// Largest status list accepted, decompressed.
const MAX_STATUS_LIST: usize = 16 << 20;

/// Whether bit `index` of the status list at `url` is set. The list must live on the issuer's origin; a list that
/// cannot be read is an error (the caller decides how to show "unknown").
pub async fn is_revoked(http: &Http, issuer: &str, url: &str, index: u64) -> Result<bool> {
    on_issuers_origin(issuer, url)?;
    Ok(bit(&fetch_status_list(http, url).await?, index))
}

/// For each `(issuer, status list URL, index)` entry, whether its bit is set — `None` when the list cannot be read
/// or trusted — reading each distinct list once, all of them at the same time. Many tickets from one broker share
/// one list: a connect reads it once, not once per ticket.
pub async fn revoked_bits(http: &Http, entries: &[(&str, &str, u64)]) -> Vec<Option<bool>> {
    let mut urls: Vec<&str> =
        entries.iter().filter(|(issuer, url, _)| on_issuers_origin(issuer, url).is_ok()).map(|e| e.1).collect();
    urls.sort_unstable();
    urls.dedup();
    let lists = futures_util::future::join_all(urls.iter().map(|url| fetch_status_list(http, url))).await;
    let lists: std::collections::HashMap<&str, StatusList> =
        urls.into_iter().zip(lists).filter_map(|(url, list)| Some((url, list.ok()?))).collect();
    entries
        .iter()
        .map(|(issuer, url, index)| {
            on_issuers_origin(issuer, url).ok()?;
            lists.get(url).map(|list| bit(list, *index))
        })
        .collect()
}

/// A status list must live on its issuer's origin.
fn on_issuers_origin(issuer: &str, url: &str) -> Result<()> {
    if same_origin(issuer, url) {
        Ok(())
    } else {
        Err(Error::new(ErrorCode::BrokerInvalid).with_detail("status list on another origin"))
    }
}

/// Reads and decodes the status list at `url` (at most [`MAX_STATUS_LIST`] bytes decompressed).
async fn fetch_status_list(http: &Http, url: &str) -> Result<StatusList> {
    let answer = http.get(Party::Broker, url, None).await?;
    let bits = answer.json.get("bits").and_then(Value::as_str).filter(|_| answer.status == 200);
    let bits = bits.ok_or_else(|| {
        Error::new(ErrorCode::BrokerInvalid).with_detail(format!("status list: HTTP {}", answer.status))
    })?;
    StatusList::decode(bits, MAX_STATUS_LIST).map_err(|e| Error::new(ErrorCode::BrokerInvalid).with_detail(e))
}

/// Bit `index` of `list`; an index beyond any address (from the network) is not set.
fn bit(list: &StatusList, index: u64) -> bool {
    usize::try_from(index).is_ok_and(|index| list.is_set(index))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::sync::Arc;

    /// A loopback issuer serving one status list (bit 3 set) at every path, counting reads.
    async fn issuer() -> (String, Arc<AtomicU32>) {
        let reads = Arc::new(AtomicU32::new(0));
        let seen = reads.clone();
        let mut list = StatusList::with_capacity(64);
        list.set(3);
        let body = serde_json::json!({ "bits": list.encode() }).to_string();
        let app = axum::Router::new().fallback(move || {
            seen.fetch_add(1, Ordering::SeqCst);
            let body = body.clone();
            async move { body }
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        (base, reads)
    }

    #[tokio::test]
    async fn a_status_list_shared_by_many_tickets_is_read_once() {
        let (issuer, reads) = issuer().await;
        let http = Http::new(Default::default(), Arc::new(crate::SeededRandom::new(1))).unwrap();
        let (one, two) = (format!("{issuer}/status/1"), format!("{issuer}/status/2"));
        let mut entries: Vec<(&str, &str, u64)> = (0..40).map(|i| (issuer.as_str(), one.as_str(), i)).collect();
        entries.push((issuer.as_str(), two.as_str(), 3));
        // A list on another origin than its issuer's is not read, and says nothing.
        entries.push(("http://elsewhere.example", one.as_str(), 3));
        let bits = revoked_bits(&http, &entries).await;
        assert_eq!(reads.load(Ordering::SeqCst), 2, "two lists, two reads, for 42 entries");
        assert_eq!(bits[3], Some(true));
        assert_eq!(bits[4], Some(false));
        assert_eq!(bits[40], Some(true));
        assert_eq!(bits[41], None);
        assert_eq!(revoked_bits(&http, &[(issuer.as_str(), one.as_str(), u64::MAX)]).await, [Some(false)]);
    }
}
