//! Reading through portal connections, alongside the tickets of a connect: each connection a fan-out job of its own
//! (the per-hospital deadline, the per-origin cap), its refresh token presented once (never twice at once: one lock
//! per connection) and the rotated one kept in the keychain before anything is read, then the records the granted
//! scope allows, each source marked "via the patient portal".
//!
//! The connection's lock is per process (`portal::waiting::ConnectionLocks`): the CLI and the window working on the
//! same connection at the same instant can still present one refresh token twice. Each re-reads the keychain under
//! its lock, which narrows but does not close that window; there is no cross-process file lock. The rotated token
//! is kept with `Store::put_rotated`, refused for a connection ended meanwhile; an ended connection's row is never
//! changed again. A refresh answer without `patient` keeps the patient of the sign-in; one with another patient is
//! refused.

use crate::base::origin::OriginGate;
use crate::hospitals::exchange::{self, Exchange};
use crate::hospitals::fan_out::{fan_out, ConnectionStatus, FanOut, Phase, Progress, ProgressEvent};
use crate::oauth::Grant;
use crate::portal::clients::PortalClient;
use crate::portal::connections::PortalConnection;
use crate::portal::secret::PortalSecret;
use crate::portal::signin::token_endpoints;
use crate::portal::{scope, secret_label};
use crate::records::{self, Gathered, HospitalRef, RecordItem, Via};
use crate::store::ConnectionState;
use crate::store::{ActivityEntry, ActivityKind, Outcome, PortalRow, SecretKind, VaultItem};
use crate::vault::identity::Identity;
use crate::view::HospitalOutcome;
use crate::wallet::{Deps, Wallet};
use crate::{Error, ErrorCode, Result};
use std::sync::Arc;

/// What one portal connection gave a connect: its line, and its items.
pub(crate) struct PortalRead {
    /// The hospital line (its `ticket_id` is the connection's grant id).
    pub outcome: HospitalOutcome,
    /// The records read, each source marked [`Via::Portal`].
    pub items: Vec<RecordItem>,
}

/// One connection's job, owned so that it runs as a task of its own.
struct Job {
    deps: Deps,
    identity: Arc<Identity>,
    gate: Arc<OriginGate>,
    progress: Progress,
    lock: Arc<tokio::sync::Mutex<()>>,
    row: PortalRow,
    person: String,
    name: String,
}

impl Job {
    fn emit(&self, phase: Phase, resources: u32, error: Option<crate::ErrorView>) {
        (self.progress)(ProgressEvent {
            person: self.person.clone(),
            ticket_id: self.row.id.clone(),
            fhir_base_url: self.row.fhir_base_url.clone(),
            name: self.name.clone(),
            phase,
            error,
            resources,
            via: Via::Portal,
        });
    }

    fn entry(&self, kind: ActivityKind, outcome: Outcome, detail: Option<String>) -> ActivityEntry {
        ActivityEntry {
            at: self.deps.clock.unix_now(),
            kind,
            hospital: Some(self.row.fhir_base_url.clone()),
            grant: Some(self.row.id.clone()),
            outcome,
            detail,
        }
    }

    /// Refreshes (rotating the refresh token, kept before any use of the access token), then reads. Everything from
    /// the connection's state to the new token's keeping happens under the connection's lock, and the refresh token
    /// presented is the one the keychain holds once the lock is held: another read, an end of the connection, or
    /// (re-read here) another Tessera process may have rotated or ended it while this one waited.
    async fn read(self) -> Result<(Gathered, String)> {
        let _one_at_a_time = self.lock.clone().lock_owned().await;
        self.emit(Phase::Exchanging, 0, None);
        let ended_here = || Error::new(ErrorCode::PortalEnded).with_detail("ended in Tessera while the read waited");
        let current = self.deps.store.portal_connections().await?.into_iter().find(|r| r.id == self.row.id);
        if !current.is_some_and(|row| row.status.is_live()) {
            return Err(ended_here());
        }
        let secret = PortalSecret::decode(&self.deps.store.get_secret(&self.deps.vault, &self.row.vault_item).await?)?;
        let base = self.row.fhir_base_url.as_str();
        let client = PortalClient { id: self.row.client_id.clone(), public: self.row.public_client };
        let auth = client.auth(&self.identity, self.deps.clock.as_ref(), self.deps.random.as_ref());
        let endpoints = token_endpoints(base, &self.row.token_endpoint, self.row.revocation_endpoint.as_deref());
        let grant = Grant::RefreshToken(secret.refresh_token.clone());
        let answer = self.gate.run(base, exchange::token_request(&self.deps.http, &endpoints, &auth, &grant)).await;
        let redemption = match answer {
            Ok(Exchange::Token(redemption)) => redemption,
            Ok(Exchange::Interaction(_)) => {
                return Err(Error::new(ErrorCode::HospitalInvalidResponse).with_detail("interaction_required"))
            }
            // The refresh token is refused (`invalid_grant`): the hospital, or the portal account, ended the access.
            Err(e) if e.code() == ErrorCode::HospitalNothingShared => {
                return Err(Error::new(ErrorCode::PortalEnded).with_detail(e.detail().unwrap_or_default().to_string()))
            }
            Err(e) => return Err(e),
        };
        // The rotated token first, whatever else the answer says: the one presented is spent.
        if let Some(next) = &redemption.refresh_token {
            let label = secret_label(&secret.named.full_name(), &self.name);
            let now = self.deps.clock.unix_now();
            let kept = self
                .deps
                .store
                .put_rotated(
                    &self.deps.vault,
                    VaultItem { id: &self.row.vault_item, kind: SecretKind::PortalRefresh, label: &label },
                    &secret.rotated(next.clone()).encode(),
                    now,
                )
                .await;
            match kept {
                Err(e) if e.code() == ErrorCode::VaultItemMissing => return Err(ended_here()),
                other => other?,
            }
        }
        self.deps.store.log(&self.entry(ActivityKind::Refresh, Ok(()), None)).await?;
        // A refresh answer need not repeat the launch context; when it does, it must name the same patient.
        let patient = match redemption.patient.as_deref() {
            Some(named) if named != secret.patient => {
                return Err(
                    Error::new(ErrorCode::RecordsWrongPatient).with_detail("the refreshed token names another patient")
                )
            }
            _ => secret.patient.clone(),
        };
        self.emit(Phase::Reading, 0, None);
        let granted = exchange::sane_scope(&redemption.scope);
        let granted = match (granted.is_empty(), &self.row.granted_scope) {
            (false, _) => granted,
            (true, Some(earlier)) => earlier.clone(),
            (true, None) => scope(),
        };
        let plan = records::search_plan(&granted);
        let reader = records::FhirReader {
            http: &self.deps.http,
            fhir_base_url: base,
            token: &redemption.access_token,
            patient: &patient,
            client_jkt: None,
        };
        let from = HospitalRef { name: self.name.clone(), fhir_base_url: base.to_string() };
        let mut gathered =
            records::read_all(&reader, &self.gate, &plan, &from, |so_far| self.emit(Phase::Reading, so_far, None))
                .await?;
        records::reached_via(&mut gathered.items, Via::Portal);
        self.deps.store.log(&self.entry(ActivityKind::RecordsRead, Ok(()), Some(gathered.counts.join(", ")))).await?;
        self.emit(Phase::Done, gathered.resources, None);
        Ok((gathered, granted))
    }
}

impl Wallet {
    /// Reads every portal connection in force for `person` (everyone when `None`) at `hospital` (every hospital when
    /// `None`), all at once under `policy`, reporting each through `progress` like a ticket's line.
    pub(crate) async fn read_portals(
        &self,
        person: Option<&str>,
        hospital: Option<&str>,
        policy: &FanOut,
        progress: Progress,
    ) -> Result<Vec<PortalRead>> {
        let connections: Vec<PortalConnection> = self
            .portal_connections(person, false)
            .await?
            .into_iter()
            .filter(|c| hospital.is_none_or(|h| h == c.row.fhir_base_url))
            .collect();
        if connections.is_empty() {
            return Ok(Vec::new());
        }
        let identity = self.identity().await?;
        let names = self.deps.store.hospital_names().await?;
        let gate = Arc::new(OriginGate::new(policy.per_origin));
        let jobs: Vec<Job> = connections
            .into_iter()
            .map(|connection| {
                let who = connection.person().or(person).unwrap_or_default().to_string();
                let base = &connection.row.fhir_base_url;
                Job {
                    deps: self.deps.clone(),
                    identity: identity.clone(),
                    gate: gate.clone(),
                    progress: progress.clone(),
                    lock: self.connection_locks.lock_for(&connection.row.id),
                    name: names.get(base).cloned().unwrap_or_else(|| crate::base::ids::host_of(base)),
                    person: who,
                    row: connection.row,
                }
            })
            .collect();
        let lines: Vec<(PortalRow, String, String)> =
            jobs.iter().map(|j| (j.row.clone(), j.person.clone(), j.name.clone())).collect();
        let failed = |index: usize, result: &Result<(Gathered, String)>| {
            if let (Err(error), Some((row, person, name))) = (result, lines.get(index)) {
                progress(ProgressEvent {
                    person: person.clone(),
                    ticket_id: row.id.clone(),
                    fhir_base_url: row.fhir_base_url.clone(),
                    name: name.clone(),
                    phase: Phase::Failed,
                    error: Some(error.view()),
                    resources: 0,
                    via: Via::Portal,
                });
            }
        };
        let results = fan_out(jobs, policy, Job::read, failed).await;
        let now = self.deps.clock.unix_now();
        let mut reads = Vec::new();
        for ((row, person, name), result) in lines.into_iter().zip(results) {
            let mut outcome = HospitalOutcome {
                person,
                ticket_id: row.id.clone(),
                fhir_base_url: row.fhir_base_url.clone(),
                name,
                status: ConnectionStatus::Connected,
                error: None,
                resources: 0,
                granted: Vec::new(),
                not_available: Vec::new(),
                via: Via::Portal,
                portal_sign_in: false,
            };
            let items = match result {
                Ok((gathered, granted)) => {
                    self.deps
                        .store
                        .set_portal_status(&row.id, ConnectionState::Connected, None, Some(&granted), Some(now))
                        .await?;
                    outcome.resources = gathered.resources;
                    outcome.granted = crate::words::describe::granted_words(&granted);
                    outcome.not_available =
                        gathered.refused.iter().map(|r| crate::words::describe::resource_words(r)).collect();
                    gathered.items
                }
                Err(error) => {
                    let code = error.code();
                    self.log(
                        ActivityKind::Refresh,
                        Some(&row.fhir_base_url),
                        Some(&row.id),
                        Err(code),
                        error.detail().map(String::from),
                    )
                    .await;
                    self.deps.store.set_portal_status(&row.id, ConnectionState::Failed, Some(code), None, None).await?;
                    outcome.status = ConnectionStatus::of_failure(code);
                    // Signing in again mends an ended connection, and one whose client the hospital forgot (the
                    // next sign-in registers Tessera there again).
                    outcome.portal_sign_in = matches!(code, ErrorCode::PortalEnded | ErrorCode::HospitalClientRejected);
                    outcome.error = Some(error.view());
                    Vec::new()
                }
            };
            reads.push(PortalRead { outcome, items });
        }
        Ok(reads)
    }
}
