//! A cap on the requests the wallet has in flight at one origin. A hospital is one server: like a browser, the
//! wallet opens a few connections to it at a time, however many searches it has to make there, so that reading
//! 500 hospitals at once never turns into hundreds of requests at one of them.
//!
//! One gate serves one run (a connect, a revocation). `OriginGate::run_alone` is for a server that answered 429: it
//! waits until nothing else is in flight at that origin and holds every place while it runs.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// The default cap per origin (browsers open six HTTP/1.1 connections per origin).
pub const DEFAULT_PER_ORIGIN: usize = 6;

/// Counts requests in flight per origin and makes a request wait while its origin is at the cap. Cheap to share by
/// reference; one gate serves one run (a connect, a revocation).
#[derive(Debug)]
pub struct OriginGate {
    per_origin: usize,
    origins: Mutex<HashMap<String, Arc<Semaphore>>>,
}

/// A place at an origin, held while a request (or a run of requests, such as the pages of one search) is in flight;
/// dropping it lets the next request in.
#[derive(Debug)]
pub struct Place {
    _permit: Option<OwnedSemaphorePermit>,
}

/// The origin (`scheme://host:port`) of `url`; an address that does not parse is its own origin.
pub fn origin_of(url: &str) -> String {
    url::Url::parse(url).map(|u| u.origin().ascii_serialization()).unwrap_or_else(|_| url.to_string())
}

impl OriginGate {
    /// A gate letting at most `per_origin` requests (at least one, at most 1,024) in flight at each origin.
    pub fn new(per_origin: usize) -> Self {
        Self { per_origin: per_origin.clamp(1, 1_024), origins: Mutex::default() }
    }

    /// The cap per origin.
    pub fn per_origin(&self) -> usize {
        self.per_origin
    }

    /// Waits for a place at `url`'s origin.
    pub async fn enter(&self, url: &str) -> Place {
        // The semaphore is never closed, so acquiring cannot fail; if it ever did, the request goes ahead ungated.
        Place { _permit: self.semaphore(url).acquire_owned().await.ok() }
    }

    /// Runs `work` holding a place at `url`'s origin.
    pub async fn run<T>(&self, url: &str, work: impl std::future::Future<Output = T>) -> T {
        let _place = self.enter(url).await;
        work.await
    }

    /// Runs `work` alone at `url`'s origin: it waits until nothing else is in flight there and holds every place
    /// while it runs. For a server that asked to slow down (HTTP 429).
    pub async fn run_alone<T>(&self, url: &str, work: impl std::future::Future<Output = T>) -> T {
        let semaphore = self.semaphore(url);
        let all = u32::try_from(self.per_origin).unwrap_or(u32::MAX);
        let _every_place = semaphore.acquire_many_owned(all).await.ok();
        work.await
    }

    fn semaphore(&self, url: &str) -> Arc<Semaphore> {
        let mut origins = self.origins.lock().unwrap_or_else(|p| p.into_inner());
        origins.entry(origin_of(url)).or_insert_with(|| Arc::new(Semaphore::new(self.per_origin))).clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test]
    async fn no_more_than_the_cap_run_at_one_origin_and_origins_do_not_wait_for_each_other() {
        let gate = OriginGate::new(2);
        let (now, most) = (AtomicUsize::new(0), AtomicUsize::new(0));
        let work = |url: &'static str| {
            let (gate, now, most) = (&gate, &now, &most);
            async move {
                gate.run(url, async {
                    let inside = now.fetch_add(1, Ordering::SeqCst) + 1;
                    most.fetch_max(inside, Ordering::SeqCst);
                    tokio::task::yield_now().await;
                    tokio::task::yield_now().await;
                    now.fetch_sub(1, Ordering::SeqCst);
                })
                .await
            }
        };
        let same: Vec<_> = (0..8).map(|_| work("http://127.0.0.1:9/fhir/Condition")).collect();
        futures_util::future::join_all(same).await;
        assert_eq!(most.load(Ordering::SeqCst), 2);
        // A place held at one origin does not block another.
        let _held = gate.enter("http://127.0.0.1:9/a").await;
        let _also = gate.enter("http://127.0.0.1:9/b").await;
        gate.run("http://127.0.0.1:10/fhir", async {}).await;
        assert_eq!(origin_of("http://127.0.0.1:9/fhir/x?y=1"), "http://127.0.0.1:9");
        assert_eq!(origin_of("not a url"), "not a url");
    }

    #[tokio::test]
    async fn work_alone_waits_for_the_origin_to_empty_and_keeps_it_empty() {
        let gate = OriginGate::new(3);
        let held = gate.enter("http://127.0.0.1:9/a").await;
        let alone = gate.run_alone("http://127.0.0.1:9/b", async {});
        tokio::pin!(alone);
        // One request is in flight there: the lone work waits.
        assert!(futures_util::poll!(alone.as_mut()).is_pending());
        drop(held);
        alone.await;
        // And while it runs, nothing else gets in.
        let inside = gate.run_alone("http://127.0.0.1:9/c", async {
            let other = gate.enter("http://127.0.0.1:9/d");
            tokio::pin!(other);
            futures_util::poll!(other.as_mut()).is_pending()
        });
        assert!(inside.await, "no place while the origin is held alone");
    }
}
