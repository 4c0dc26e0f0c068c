//! Connecting to many hospitals at once: bounded concurrency, a deadline per hospital, live progress events, and
//! isolation — one slow, broken or hostile hospital never delays or breaks the others.

use crate::{Error, ErrorCode, ErrorView};
use futures_util::stream::{self, StreamExt};
use serde::Serialize;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use ts_rs::TS;

/// Where one hospital's connection is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Reading its SMART configuration.
    Discovering,
    /// Registering this install.
    Registering,
    /// Presenting the ticket.
    Exchanging,
    /// Reading records.
    Reading,
    /// Finished.
    Done,
    /// Failed (see the error).
    Failed,
}

/// A progress event for one hospital. Carries no secret and no record content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ProgressEvent {
    /// The hospital's FHIR base URL.
    pub fhir_base_url: String,
    /// Its name.
    pub name: String,
    /// Where it is.
    pub phase: Phase,
    /// The coded failure, when `phase` is `failed`.
    pub error: Option<ErrorView>,
    /// Resources read so far.
    pub resources: u32,
}

/// Receives progress events (the CLI draws lines, the desktop app forwards them to the window).
pub type Progress = Arc<dyn Fn(ProgressEvent) + Send + Sync>;

/// A progress sink that drops every event.
pub fn no_progress() -> Progress {
    Arc::new(|_| {})
}

/// How hard to push.
#[derive(Debug, Clone)]
pub struct FanOut {
    /// Hospitals worked on at once.
    pub concurrency: usize,
    /// Deadline for one hospital, all retries included.
    pub per_hospital: Duration,
}

impl Default for FanOut {
    fn default() -> Self {
        Self { concurrency: 16, per_hospital: Duration::from_secs(45) }
    }
}

/// Runs `work` for every item with bounded concurrency; an item that overruns the deadline yields
/// `hospital.timeout` without holding up the rest. Results come back in the items' order.
pub async fn fan_out<I, T, F, Fut>(items: Vec<I>, policy: &FanOut, work: F) -> Vec<Result<T, Error>>
where
    F: Fn(I) -> Fut,
    Fut: Future<Output = Result<T, Error>>,
{
    let deadline = policy.per_hospital;
    let mut results: Vec<(usize, Result<T, Error>)> = stream::iter(items.into_iter().enumerate())
        .map(|(index, item)| {
            let job = work(item);
            async move {
                let outcome = tokio::time::timeout(deadline, job).await.unwrap_or_else(|_| {
                    Err(Error::new(ErrorCode::HospitalTimeout).with_detail("hospital deadline passed"))
                });
                (index, outcome)
            }
        })
        .buffer_unordered(policy.concurrency.max(1))
        .collect()
        .await;
    results.sort_by_key(|(index, _)| *index);
    results.into_iter().map(|(_, r)| r).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hanging_item_times_out_alone_and_order_is_kept() {
        let policy = FanOut { concurrency: 2, per_hospital: Duration::from_millis(200) };
        let results = fan_out(vec![0u64, 1, 2, 3], &policy, |n| async move {
            if n == 1 {
                std::future::pending::<()>().await;
            }
            Ok::<u64, Error>(n * 10)
        })
        .await;
        assert_eq!(results[0].as_ref().unwrap(), &0);
        assert_eq!(results[1].as_ref().unwrap_err().code(), ErrorCode::HospitalTimeout);
        assert_eq!(results[3].as_ref().unwrap(), &30);
    }
}
