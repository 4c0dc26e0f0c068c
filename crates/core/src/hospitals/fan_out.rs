//! Connecting to many hospitals at once: bounded concurrency, a deadline per hospital, live progress events, and
//! isolation — one slow, broken or hostile hospital never delays or breaks the others.
//!
//! A panic inside one job ends that job only, as `internal`. `FanOut::default` runs as many hospitals at once as
//! the open-files limit allows (`hospitals_in_flight`: the soft limit is first raised toward the hard limit), 45 s
//! per hospital, at most `DEFAULT_PER_ORIGIN` requests at one origin. A `ProgressEvent` carries no secret and no
//! record content. `ConnectionStatus` is `connected`, `failed`, `unsupported`, `no_records`, `needs_confirmation`,
//! `not_shown` or `not_covered`.

use crate::store::ConnectionState;
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
    /// The ticket's own limits (`data_holder_filter`) leave this hospital out: it was not shown there, and cannot be.
    NotCovered,
}

impl ConnectionStatus {
    /// The status a failure with `code` leaves a connection in.
    pub fn of_failure(code: ErrorCode) -> Self {
        match code {
            ErrorCode::HospitalUnsupported => ConnectionStatus::Unsupported,
            ErrorCode::HospitalNothingShared => ConnectionStatus::NoRecords,
            ErrorCode::HospitalInteractionRequired => ConnectionStatus::NeedsConfirmation,
            ErrorCode::HospitalNotChosen => ConnectionStatus::NotShown,
            ErrorCode::HospitalNotCovered => ConnectionStatus::NotCovered,
            _ => ConnectionStatus::Failed,
        }
    }

    /// The state a connection is kept in after this outcome.
    pub fn kept_as(self) -> ConnectionState {
        match self {
            ConnectionStatus::Connected => ConnectionState::Connected,
            ConnectionStatus::Failed => ConnectionState::Failed,
            ConnectionStatus::Unsupported => ConnectionState::Unsupported,
            ConnectionStatus::NoRecords => ConnectionState::NoRecords,
            ConnectionStatus::NeedsConfirmation => ConnectionState::NeedsConfirmation,
            ConnectionStatus::NotShown => ConnectionState::NotShown,
            ConnectionStatus::NotCovered => ConnectionState::NotCovered,
        }
    }

    /// The name printed by the CLI.
    pub fn as_str(self) -> &'static str {
        match self {
            ConnectionStatus::Connected => "connected",
            ConnectionStatus::Failed => "failed",
            ConnectionStatus::Unsupported => "unsupported",
            ConnectionStatus::NoRecords => "no_records",
            ConnectionStatus::NeedsConfirmation => "needs_confirmation",
            ConnectionStatus::NotShown => "not_shown",
            ConnectionStatus::NotCovered => "not_covered",
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
    /// How the hospital is reached: with the ticket, or through its patient portal (then `ticket_id` is the portal
    /// connection's grant id).
    pub via: crate::records::Via,
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
    /// Requests in flight at one hospital (one origin) at once: its searches run in parallel up to this cap.
    pub per_origin: usize,
}

impl Default for FanOut {
    /// Every hospital at once, up to what the process can hold open (see [`hospitals_in_flight`]), a few
    /// connections each, 45 s per hospital.
    fn default() -> Self {
        let per_origin = crate::base::origin::DEFAULT_PER_ORIGIN;
        Self { concurrency: hospitals_in_flight(per_origin), per_hospital: Duration::from_secs(45), per_origin }
    }
}

/// Open files kept for everything but hospital connections (the store, the keychain, the broker, the runtime).
const RESERVED_FILES: u64 = 128;
/// The most hospitals in flight, whatever the open-files limit.
const MOST_IN_FLIGHT: u64 = 2_048;
/// The fewest hospitals in flight, however low the open-files limit.
const FEWEST_IN_FLIGHT: u64 = 16;

/// How many hospitals the process can have in flight when each holds up to `per_origin` connections (plus one being
/// opened): bounded by the open-files limit, which is first raised to its hard limit (see [`raise_open_files`]).
pub fn hospitals_in_flight(per_origin: usize) -> usize {
    let files = raise_open_files();
    let each = per_origin as u64 + 1;
    let fit = files.saturating_sub(RESERVED_FILES) / each;
    usize::try_from(fit.clamp(FEWEST_IN_FLIGHT, MOST_IN_FLIGHT)).unwrap_or(FEWEST_IN_FLIGHT as usize)
}

/// Raises this process's soft limit of open files to its hard limit (as Go programs do at start: a fan-out to 500
/// hospitals holds a few sockets for each) and returns the soft limit in force. Done once per process.
#[cfg(unix)]
#[allow(clippy::useless_conversion)] // rlim_t is u64 on Linux and macOS, i64 on FreeBSD
pub fn raise_open_files() -> u64 {
    static LIMIT: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *LIMIT.get_or_init(|| {
        let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
        // SAFETY: getrlimit and setrlimit only read and write the struct passed in.
        if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } != 0 {
            return 1_024;
        }
        // Enough for thousands of connections, and no more (children inherit it; macOS refuses more than 10,240).
        let wanted: libc::rlim_t = if cfg!(target_os = "macos") { 10_240 } else { 65_536 };
        let ceiling = limit.rlim_max.min(wanted);
        if limit.rlim_cur < ceiling {
            let raised = libc::rlimit { rlim_cur: ceiling, rlim_max: limit.rlim_max };
            // SAFETY: as above.
            if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &raised) } == 0 {
                limit.rlim_cur = ceiling;
            }
        }
        u64::try_from(limit.rlim_cur).unwrap_or(u64::MAX)
    })
}

/// Elsewhere the limit is not read: a conservative guess.
#[cfg(not(unix))]
pub fn raise_open_files() -> u64 {
    2_048
}

/// Runs `work` for every item with bounded concurrency, each item's job a task of its own (so jobs use every
/// core); an item that overruns the deadline yields `hospital.timeout` without holding up the rest, and its task is
/// cancelled. `finished` hears each item's result (by index) the moment it ends, timeouts included. Results come
/// back in the items' order.
pub async fn fan_out<I, T, F, Fut>(
    items: Vec<I>,
    policy: &FanOut,
    work: F,
    finished: impl Fn(usize, &Result<T, Error>),
) -> Vec<Result<T, Error>>
where
    F: Fn(I) -> Fut,
    Fut: Future<Output = Result<T, Error>> + Send + 'static,
    T: Send + 'static,
{
    let deadline = policy.per_hospital;
    let finished = &finished;
    let mut results: Vec<(usize, Result<T, Error>)> = stream::iter(items.into_iter().enumerate())
        .map(|(index, item)| {
            // Started when its turn comes; a panic inside it (a bug meeting hostile input) ends that job only, as
            // `internal`.
            let job = Cancelled(tokio::spawn(work(item)));
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

/// A job's task, cancelled when it is dropped: a job past its deadline (or whose fan-out is dropped) stops.
struct Cancelled<T>(tokio::task::JoinHandle<T>);

impl<T> Future for Cancelled<T> {
    type Output = Result<T, tokio::task::JoinError>;

    fn poll(mut self: std::pin::Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> std::task::Poll<Self::Output> {
        std::pin::Pin::new(&mut self.0).poll(cx)
    }
}

impl<T> Drop for Cancelled<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hanging_item_times_out_alone_and_order_is_kept() {
        let policy = FanOut { concurrency: 2, per_hospital: Duration::from_millis(200), per_origin: 1 };
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
    async fn with_every_item_in_flight_a_hanging_one_holds_up_none_of_the_others() {
        let policy = FanOut { concurrency: 500, per_hospital: Duration::from_millis(300), per_origin: 1 };
        let finished = std::sync::Mutex::new(Vec::new());
        let results = fan_out(
            (0u64..500).collect(),
            &policy,
            |n| async move {
                if n == 0 {
                    std::future::pending::<()>().await;
                }
                tokio::task::yield_now().await;
                Ok::<u64, Error>(n)
            },
            |index, result| finished.lock().unwrap().push((index, result.is_ok())),
        )
        .await;
        let finished = finished.into_inner().unwrap();
        assert_eq!(finished.len(), 500);
        assert!(finished[..499].iter().all(|(index, ok)| *index != 0 && *ok), "the others end first, all well");
        assert_eq!(finished[499], (0, false), "the hanging one ends last, at its deadline");
        assert_eq!(results[0].as_ref().unwrap_err().code(), ErrorCode::HospitalTimeout);
        assert_eq!(results[499].as_ref().unwrap(), &499);
    }

    #[test]
    fn hospitals_in_flight_fit_the_open_files_limit() {
        let in_flight = hospitals_in_flight(crate::base::origin::DEFAULT_PER_ORIGIN) as u64;
        assert!((FEWEST_IN_FLIGHT..=MOST_IN_FLIGHT).contains(&in_flight));
        let files = raise_open_files();
        assert!(
            in_flight == FEWEST_IN_FLIGHT
                || in_flight * (crate::base::origin::DEFAULT_PER_ORIGIN as u64 + 1) + RESERVED_FILES <= files,
            "{in_flight} hospitals with {files} files"
        );
    }

    #[tokio::test]
    async fn a_panicking_item_fails_alone_as_internal() {
        let policy = FanOut { concurrency: 4, per_hospital: Duration::from_secs(5), per_origin: 1 };
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
