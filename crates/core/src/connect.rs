//! Connecting to many hospitals at once: bounded concurrency, a deadline per hospital, live progress events, and
//! isolation — one slow, broken or hostile hospital never delays or breaks the others.

use crate::{Error, ErrorCode, ErrorView};
use futures_util::stream::{self, StreamExt};
use futures_util::FutureExt;
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

/// How one hospital's connection ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ConnectionStatus {
    /// Records were read.
    Connected,
    /// It failed (see the error); retrying may help.
    Failed,
    /// It does not accept permission tickets.
    Unsupported,
    /// It has no records about this person.
    NoRecords,
    /// It needs the person to confirm who the patient is, in the browser, before it can answer.
    NeedsConfirmation,
    /// The ticket was not shown there: not named by the broker, not in the ticket's network, not chosen by the person.
    NotShown,
}

impl ConnectionStatus {
    /// The status a failure with `code` leaves a connection in.
    pub fn of_failure(code: ErrorCode) -> Self {
        match code {
            ErrorCode::HospitalUnsupported => ConnectionStatus::Unsupported,
            ErrorCode::HospitalPatientNotFound => ConnectionStatus::NoRecords,
            ErrorCode::HospitalInteractionRequired => ConnectionStatus::NeedsConfirmation,
            ErrorCode::HospitalNotChosen => ConnectionStatus::NotShown,
            _ => ConnectionStatus::Failed,
        }
    }

    /// The name stored in the connection table and printed by the CLI.
    pub fn as_str(self) -> &'static str {
        match self {
            ConnectionStatus::Connected => "connected",
            ConnectionStatus::Failed => "failed",
            ConnectionStatus::Unsupported => "unsupported",
            ConnectionStatus::NoRecords => "no_records",
            ConnectionStatus::NeedsConfirmation => "needs_confirmation",
            ConnectionStatus::NotShown => "not_shown",
        }
    }
}

/// A progress event for one hospital and one ticket. Carries no secret and no record content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ProgressEvent {
    /// The person the ticket is about (their id at the issuer).
    pub person: String,
    /// The ticket presented (two tickets at one hospital are two lines).
    pub ticket_id: String,
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
/// `hospital.timeout` without holding up the rest. `finished` hears each item's result (by index) the moment it
/// ends, timeouts included. Results come back in the items' order.
pub async fn fan_out<I, T, F, Fut>(
    items: Vec<I>,
    policy: &FanOut,
    work: F,
    finished: impl Fn(usize, &Result<T, Error>),
) -> Vec<Result<T, Error>>
where
    F: Fn(I) -> Fut,
    Fut: Future<Output = Result<T, Error>>,
{
    let deadline = policy.per_hospital;
    let finished = &finished;
    let mut results: Vec<(usize, Result<T, Error>)> = stream::iter(items.into_iter().enumerate())
        .map(|(index, item)| {
            // A panic inside one job (a bug meeting hostile input) ends that job only, as `internal`.
            let job = std::panic::AssertUnwindSafe(work(item)).catch_unwind();
            async move {
                let outcome = match tokio::time::timeout(deadline, job).await {
                    Ok(Ok(outcome)) => outcome,
                    Ok(Err(_)) => Err(Error::new(ErrorCode::Internal).with_detail("a hospital's job panicked")),
                    Err(_) => Err(Error::new(ErrorCode::HospitalTimeout).with_detail("hospital deadline passed")),
                };
                finished(index, &outcome);
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
        let finished = std::sync::Mutex::new(Vec::new());
        let results = fan_out(
            vec![0u64, 1, 2, 3],
            &policy,
            |n| async move {
                if n == 1 {
                    std::future::pending::<()>().await;
                }
                Ok::<u64, Error>(n * 10)
            },
            |index, result| finished.lock().unwrap().push((index, result.is_ok())),
        )
        .await;
        // The hanging item is reported the moment its deadline passes, after the others that finished at once.
        assert_eq!(finished.into_inner().unwrap(), vec![(0, true), (2, true), (3, true), (1, false)]);
        assert_eq!(results[0].as_ref().unwrap(), &0);
        assert_eq!(results[1].as_ref().unwrap_err().code(), ErrorCode::HospitalTimeout);
        assert_eq!(results[3].as_ref().unwrap(), &30);
    }

    #[tokio::test]
    async fn a_panicking_item_fails_alone_as_internal() {
        let policy = FanOut { concurrency: 4, per_hospital: Duration::from_secs(5) };
        let results = fan_out(
            vec![1u64, 0, 2],
            &policy,
            |n| async move {
                let _ = 10u64.checked_div(n).expect("a hospital sent zero");
                Ok::<u64, Error>(n)
            },
            |_, _| {},
        )
        .await;
        assert_eq!(results[0].as_ref().unwrap(), &1);
        assert_eq!(results[1].as_ref().unwrap_err().code(), ErrorCode::Internal);
        assert_eq!(results[2].as_ref().unwrap(), &2);
    }
}
