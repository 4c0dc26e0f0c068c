//! Reaching hospitals: connecting to every hospital at once with a ticket each, presenting tickets (or continuing
//! with refresh tokens), confirming ambiguous patients, reading and merging records.
//!
//! A connect, in order: tickets due are re-minted; each hospital gets the tickets its broker hints link to it, or,
//! without hints, every ticket whose audience covers it; every ticket's status list is read once per list, and a
//! ticket revoked at its issuer is presented nowhere. A ticket whose audience is a trust framework goes, unasked,
//! only to a hospital its broker named, one whose SMART configuration lists that framework, or the one the person
//! chose for this patient (`ConnectScope` with one person and one hospital); elsewhere the line is `not_shown`
//! (`hospital.not_chosen`) and nothing is sent. A ticket whose own hospital limits (`data_holder_filter`, matched
//! against the identifiers and state the hints or a Brands bundle gave) leave a hospital out is shown there by no
//! one: the line is `not_covered` (`hospital.not_covered`) and the hospital is not contacted. Every presentation is a `disclosure` activity entry naming no one.
//! Then, per (hospital, ticket) `Job` — owned clones, each a task of its own: discovery through the store's cache,
//! the registration remembered (registered again after `hospital.client_rejected`), the token exchange or the
//! continuation refresh, Proposal 001's launch for `interaction_required` (only when the connect has a browser for
//! it; otherwise the line is `needs_confirmation`), then the searches, which start as soon as the token arrives
//! while a continuation's refresh token goes to the keychain. Index writes go to the run's `Journal`, committed
//! once at the end (a continuation's refresh token and its connection row are written at once). Pending revocations
//! are retried alongside and never hold the connect up. A hospital that takes no tickets but offers a patient
//! portal has `portal_sign_in` on its `unsupported` line — never a sign-in of its own accord; the person's portal
//! connections are read alongside (`Wallet::read_portals`), and no ticket is presented where that person is read
//! through a portal.

use crate::base::http::Party;
use crate::base::ids::connection_refresh_item;
use crate::base::origin::OriginGate;
use crate::broker::{self, Browser};
use crate::hospitals::exchange::{self, Exchange, HospitalEndpoints};
use crate::hospitals::fan_out::{fan_out, ConnectionStatus, Phase, Progress, ProgressEvent};
use crate::portal::person_ref;
use crate::records::{self, HospitalRef, RecordItem};
use crate::store::journal::Journal;
use crate::store::ConnectionState;
use crate::store::{ActivityEntry, ActivityKind, HospitalRow, Outcome, SecretKind, VaultItem};
use crate::vault::identity::Identity;
use crate::view::{serves, ConnectReport, HeldTicket, HospitalOutcome};
use crate::wallet::{Deps, Wallet};
use crate::{Error, ErrorCode, Result, Sensitive};
use std::sync::Arc;

/// What one hospital gave.
struct HospitalRead {
    /// Resources read.
    resources: u32,
    /// What they became.
    items: Vec<RecordItem>,
    /// The scope it granted (space-separated).
    granted: String,
    /// The resource types it would not let this grant read (the rest was read).
    refused: Vec<&'static str>,
}

/// What the jobs of one connect share: the cap on requests in flight per hospital, and the index writes they make,
/// committed in one transaction when the connect ends.
struct Run {
    gate: OriginGate,
    journal: Journal,
    /// The hospitals found to take no tickets but to offer their own patient-portal sign-in.
    portals: std::sync::Mutex<std::collections::HashSet<String>>,
}

impl Run {
    fn new(per_origin: usize) -> Self {
        Self { gate: OriginGate::new(per_origin), journal: Journal::new(), portals: Default::default() }
    }

    /// Whether the hospital at `fhir_base_url` was found to offer a patient-portal sign-in.
    fn offers_portal(&self, fhir_base_url: &str) -> bool {
        self.portals.lock().unwrap_or_else(|p| p.into_inner()).contains(fhir_base_url)
    }
}

/// A hospital's job and what it needs, owned — cheap clones of the wallet's parts — so that every hospital's job
/// runs as a task of its own, on every core, while the fan-out keeps each one's deadline.
#[derive(Clone)]
struct Job {
    deps: Deps,
    identity: Arc<Identity>,
    progress: Progress,
    interaction: Option<Browser>,
    run: Arc<Run>,
}

/// What one connect covers.
#[derive(Debug, Clone, Copy, Default)]
pub struct ConnectScope<'a> {
    /// Only this person's tickets (their id at the issuer); every person when `None`.
    pub person: Option<&'a str>,
    /// Only this hospital (FHIR base URL); every hospital when `None`.
    pub hospital: Option<&'a str>,
    /// How to open a hospital's page when it asks the person to confirm the patient. `None`: such a hospital ends
    /// as [`ConnectionStatus::NeedsConfirmation`] and the person confirms later, one hospital at a time.
    pub interaction: Option<&'a Browser>,
}

impl Wallet {
    /// Connects to every hospital for `person` (or everyone), reads their records and merges them. Tickets due
    /// for re-minting are re-minted first. A hospital asking to confirm the patient opens the wallet's browser.
    pub async fn connect(&self, person: Option<&str>, progress: Progress) -> Result<ConnectReport> {
        let scope = ConnectScope { person, hospital: None, interaction: self.deps.interaction.as_ref() };
        self.connect_scoped(scope, progress).await
    }

    /// Connects within `scope`. Each hospital's failure is reported through `progress` the moment it happens.
    /// With a single hospital and a browser for interaction, the hospital's deadline leaves the person time to
    /// confirm the patient in the browser.
    /// Pending revocations are retried alongside, never ahead of, the connect: once the connect is done, a retry
    /// still waiting for its hospital is left for next time (it stays pending; nothing is left half-done).
    pub async fn connect_scoped(&self, scope: ConnectScope<'_>, progress: Progress) -> Result<ConnectReport> {
        let connect = std::pin::pin!(self.connect_now(scope, progress));
        let retries = std::pin::pin!(self.retry_pending_revocations());
        match futures_util::future::select(connect, retries).await {
            futures_util::future::Either::Left((report, _unfinished_retries)) => report,
            futures_util::future::Either::Right((_, connect)) => connect.await,
        }
    }

    async fn connect_now(&self, scope: ConnectScope<'_>, progress: Progress) -> Result<ConnectReport> {
        self.remint_due_tickets().await?;
        let tickets: Vec<HeldTicket> = self
            .held_tickets()
            .await?
            .into_iter()
            .filter(|t| scope.person.is_none_or(|p| t.ticket.claims.patient_key == p))
            .collect();
        // Where a person reads through a hospital's own patient portal, no ticket is shown there for them.
        let through_portals = self.portal_reach().await?;
        let portal_person = scope.person.is_some_and(|p| through_portals.iter().any(|(_, who)| *who == person_ref(p)));
        if scope.person.is_some() && tickets.is_empty() && !portal_person {
            return Err(Error::new(ErrorCode::InvalidInput)
                .with_message("No ticket is about that person.")
                .with_action("Choose one of the people Tessera lists."));
        }
        let mut jobs = Vec::new();
        // Presenting a ticket tells the hospital the patient's name and birth date. A ticket whose audience is a
        // trust framework goes, unasked, only where its broker named it; elsewhere only to a hospital that says it
        // belongs to that framework, or that the person chose for this patient (one hospital, one person).
        let chosen_here = scope.hospital.is_some() && scope.person.is_some();
        let mut must_advertise: std::collections::HashSet<(String, String)> = std::collections::HashSet::new();
        // A ticket whose own limits (`data_holder_filter`) leave a hospital out is never shown there, even where
        // its broker named the hospital: its line says so and the hospital is not contacted.
        let mut not_covered: std::collections::HashSet<(String, String)> = std::collections::HashSet::new();
        for (row, linked) in self.deps.store.hospitals().await? {
            if scope.hospital.is_some_and(|h| h != row.fhir_base_url) {
                continue;
            }
            let by_portal = |held: &HeldTicket| {
                through_portals.contains(&(row.fhir_base_url.clone(), person_ref(&held.ticket.claims.patient_key)))
            };
            for held in tickets.iter().filter(|t| serves(t, &row, &linked) && !by_portal(t)) {
                if !held.ticket.covers(&row.holder_facts()) {
                    not_covered.insert((row.fhir_base_url.clone(), held.id.clone()));
                } else if held.ticket.claims.aud_is_framework && !linked.contains(&held.id) && !chosen_here {
                    must_advertise.insert((row.fhir_base_url.clone(), held.id.clone()));
                }
                jobs.push((row.clone(), held.clone()));
            }
        }
        // Before use: a ticket revoked at its issuer is not presented anywhere (each status list read once).
        let revoked = self.revoked_among(&tickets).await;
        let identity = self.identity().await?;
        let mut policy = self.deps.fan_out.clone();
        if scope.interaction.is_some() && scope.hospital.is_some() {
            policy.per_hospital += broker::SIGN_IN_TIMEOUT;
        }
        let run = Arc::new(Run::new(policy.per_origin));
        let job = Job {
            deps: self.deps.clone(),
            identity,
            progress: progress.clone(),
            interaction: scope.interaction.cloned(),
            run: run.clone(),
        };
        let failed = |index: usize, result: &Result<HospitalRead>| {
            if let (Err(error), Some((row, held))) = (result, jobs.get(index)) {
                progress(ProgressEvent {
                    person: held.ticket.claims.patient_key.clone(),
                    ticket_id: held.id.clone(),
                    fhir_base_url: row.fhir_base_url.clone(),
                    name: row.name.clone(),
                    phase: Phase::Failed,
                    error: Some(error.view()),
                    resources: 0,
                    via: records::Via::Ticket,
                });
            }
        };
        let portals = self.read_portals(scope.person, scope.hospital, &policy, progress.clone());
        let tickets_read = fan_out(
            jobs.clone(),
            &policy,
            |(row, held)| {
                let job = job.clone();
                let known_revoked = revoked.contains(&held.id);
                let unasked = must_advertise.contains(&(row.fhir_base_url.clone(), held.id.clone()));
                let outside_limits = not_covered.contains(&(row.fhir_base_url.clone(), held.id.clone()));
                async move {
                    if outside_limits {
                        return Err(Error::new(ErrorCode::HospitalNotCovered));
                    }
                    if known_revoked {
                        return Err(
                            Error::new(ErrorCode::TicketRevoked).with_detail("status list bit set at the issuer")
                        );
                    }
                    if unasked {
                        let frameworks = job.discover(&row.fhir_base_url).await?.trust_frameworks;
                        if !frameworks.iter().any(|f| held.ticket.claims.aud.contains(f)) {
                            return Err(Error::new(ErrorCode::HospitalNotChosen));
                        }
                    }
                    job.connect_one(&row, &held).await
                }
            },
            failed,
        );
        let (results, portals) = futures_util::future::join(tickets_read, portals).await;
        let mut outcomes = Vec::new();
        let mut items = Vec::new();
        let now = self.deps.clock.unix_now();
        for ((row, held), result) in jobs.into_iter().zip(results) {
            let (status, error, count, granted, refused) = match result {
                Ok(read) => {
                    items.extend(read.items);
                    (ConnectionStatus::Connected, None, read.resources, Some(read.granted), read.refused)
                }
                Err(error) => {
                    let code = error.code();
                    // The hospital's own reason (its `error` and `error_description`, never a secret) stays with it.
                    let reason = error.detail().map(String::from);
                    run.journal.log(job.entry(
                        ActivityKind::Redemption,
                        &row.fhir_base_url,
                        &held.id,
                        Err(code),
                        reason,
                    ));
                    (ConnectionStatus::of_failure(error.code()), Some(error.view()), 0, None, Vec::new())
                }
            };
            let code = error.as_ref().and_then(|e| ErrorCode::parse(&e.code));
            run.journal.save_connection(&row.fhir_base_url, &held.id, status.kept_as(), code, None, now);
            if let Some(granted) = &granted {
                run.journal.save_granted_scope(&row.fhir_base_url, &held.id, granted);
            }
            let portal_sign_in = status == ConnectionStatus::Unsupported && run.offers_portal(&row.fhir_base_url);
            let error = if portal_sign_in { error.map(|e| crate::portal::offered(e, &row.name)) } else { error };
            outcomes.push(HospitalOutcome {
                person: held.ticket.claims.patient_key.clone(),
                ticket_id: held.id,
                fhir_base_url: row.fhir_base_url,
                name: row.name,
                status,
                error,
                resources: count,
                granted: granted.as_deref().map(crate::words::describe::granted_words).unwrap_or_default(),
                not_available: refused.iter().map(|r| crate::words::describe::resource_words(r)).collect(),
                via: records::Via::Ticket,
                portal_sign_in,
            });
        }
        match portals {
            Ok(portals) => {
                for read in portals {
                    items.extend(read.items);
                    outcomes.push(read.outcome);
                }
            }
            Err(error) => tracing::warn!(code = %error.code(), "the portal connections were not read"),
        }
        if let Err(error) = self.deps.store.commit(&run.journal).await {
            // The outcome stands; what was not recorded is recorded again by the next connect.
            tracing::warn!(code = %error.code(), "the connect's writes were not recorded");
        }
        Ok(ConnectReport { hospitals: outcomes, records: records::merge(items) })
    }

    /// The ids of `tickets` their issuers list as revoked, reading each status list once, all lists at once.
    async fn revoked_among(&self, tickets: &[HeldTicket]) -> Vec<String> {
        let listed: Vec<(&HeldTicket, (&str, &str, u64))> = tickets
            .iter()
            .filter_map(|held| {
                let (url, index) = held.ticket.claims.revocation.as_ref()?;
                Some((held, (held.ticket.claims.iss.as_str(), url.as_str(), *index)))
            })
            .collect();
        let entries: Vec<(&str, &str, u64)> = listed.iter().map(|(_, entry)| *entry).collect();
        let bits = crate::broker::status_list::revoked_bits(&self.deps.http, &entries).await;
        listed.iter().zip(bits).filter(|(_, bit)| *bit == Some(true)).map(|((held, _), _)| held.id.clone()).collect()
    }
}

impl Job {
    /// An activity-log entry about one hospital and ticket, made now.
    fn entry(
        &self,
        kind: ActivityKind,
        hospital: &str,
        grant: &str,
        outcome: Outcome,
        detail: Option<String>,
    ) -> ActivityEntry {
        ActivityEntry {
            at: self.deps.clock.unix_now(),
            kind,
            hospital: Some(hospital.into()),
            grant: Some(grant.into()),
            outcome,
            detail,
        }
    }

    async fn connect_one(&self, row: &HospitalRow, held: &HeldTicket) -> Result<HospitalRead> {
        let (run, identity) = (self.run.as_ref(), self.identity.as_ref());
        let emit = |phase: Phase, resources: u32| {
            (self.progress)(ProgressEvent {
                person: held.ticket.claims.patient_key.clone(),
                ticket_id: held.id.clone(),
                fhir_base_url: row.fhir_base_url.clone(),
                name: row.name.clone(),
                phase,
                error: None,
                resources,
                via: records::Via::Ticket,
            })
        };
        let base = row.fhir_base_url.as_str();
        let now = self.deps.clock.unix_now();
        emit(Phase::Discovering, 0);
        let endpoints = self.discover_in(base).await?;
        if !endpoints.ticket_types.is_empty() && !endpoints.ticket_types.contains(&held.ticket.claims.ticket_type) {
            return Err(Error::new(ErrorCode::TicketUnsupported));
        }
        let refresh_item = connection_refresh_item(base, &held.id);
        let continuing = held.ticket.claims.continuation.is_some() && held.ticket.check_times(now).is_err();
        if !continuing {
            held.ticket.check_times(now)?;
        }
        let mut client_id = match self.deps.store.registration(base).await? {
            Some(id) => id,
            None => self.register_at(&endpoints, row, held).await?,
        };
        emit(Phase::Exchanging, 0);
        let grant = if continuing {
            let refresh = self
                .deps
                .store
                .get_secret(&self.deps.vault, &refresh_item)
                .await
                .map_err(|_| Error::new(ErrorCode::TicketExpired))?;
            crate::oauth::Grant::RefreshToken(refresh)
        } else {
            exchange::exchange_form(&held.ticket)
        };
        let (clock, random) = (self.deps.clock.as_ref(), self.deps.random.as_ref());
        let auth = identity.as_client(&client_id, clock, random);
        let first =
            run.gate.run(base, exchange::token_request_with_fallback(&self.deps.http, &endpoints, &auth, &grant)).await;
        if !continuing && !matches!(&first, Err(e) if e.code() == ErrorCode::HospitalUnreachable) {
            // The ticket reached the hospital: say so, without the name itself (the log names no one).
            let detail = "the patient's name and birth date, in the permission ticket".to_string();
            run.journal.log(self.entry(ActivityKind::Disclosure, base, &held.id, Ok(()), Some(detail)));
        }
        let exchange = match first {
            Err(e) if e.code() == ErrorCode::HospitalClientRejected => {
                run.journal.forget_registration(base);
                run.journal.cache_configuration(base, None);
                client_id = self.register_at(&endpoints, row, held).await?;
                let auth = identity.as_client(&client_id, clock, random);
                run.gate
                    .run(base, exchange::token_request_with_fallback(&self.deps.http, &endpoints, &auth, &grant))
                    .await?
            }
            Err(declined) if declined.code() == ErrorCode::HospitalNothingShared => {
                return Err(self.revoked_since_checked(held).await.unwrap_or(declined));
            }
            other => other?,
        };
        let mut redemption = match exchange {
            Exchange::Token(redemption) => redemption,
            Exchange::Interaction(launch) => self.confirm_patient(&endpoints, &client_id, held, launch).await?,
        };
        run.journal.log(self.entry(
            if continuing { ActivityKind::Refresh } else { ActivityKind::Redemption },
            base,
            &held.id,
            Ok(()),
            None,
        ));
        emit(Phase::Reading, 0);
        if redemption.scope.trim().is_empty() {
            // Neither the answer nor the request named a scope: the hospital granted what the ticket allows.
            redemption.scope = held.ticket.claims.scopes.join(" ");
        }
        let plan = records::search_plan(&redemption.scope);
        // The continuation's refresh token goes to the keychain while the searches run (they start the moment the
        // token arrives); the hospital is connected only once both are done.
        let keep = async {
            let Some(refresh) = &redemption.refresh_token else { return Ok(()) };
            let label = format!("Tessera — connection to {} (refresh token)", row.name);
            self.deps
                .store
                .put_secret(
                    &self.deps.vault,
                    VaultItem { id: &refresh_item, kind: SecretKind::ConnectionRefresh, label: &label },
                    refresh,
                    now,
                )
                .await?;
            self.deps
                .store
                .save_connection(base, &held.id, ConnectionState::Connected, None, Some(&refresh_item), now)
                .await
        };
        // An answer that names no patient cannot be read with; a rotated refresh token in it is still kept.
        let patient = match redemption.patient() {
            Ok(patient) => patient.to_string(),
            Err(missing) => {
                keep.await?;
                return Err(missing);
            }
        };
        let reader = records::FhirReader {
            http: &self.deps.http,
            fhir_base_url: base,
            token: &redemption.access_token,
            patient: &patient,
            client_jkt: held.ticket.claims.jkt.as_ref().map(|_| identity.thumbprint()),
        };
        let from = HospitalRef { name: row.name.clone(), fhir_base_url: row.fhir_base_url.clone() };
        let search = records::read_all(&reader, &run.gate, &plan, &from, |so_far| emit(Phase::Reading, so_far));
        let (kept, found) = futures_util::future::join(keep, search).await;
        kept?;
        let gathered = found?;
        let read = HospitalRead {
            resources: gathered.resources,
            items: gathered.items,
            granted: redemption.scope.clone(),
            refused: gathered.refused,
        };
        run.journal.log(self.entry(
            ActivityKind::RecordsRead,
            base,
            &held.id,
            Ok(()),
            Some(gathered.counts.join(", ")),
        ));
        emit(Phase::Done, read.resources);
        Ok(read)
    }

    /// A hospital declined a ticket that was not revoked when the connect began: whether its issuer has revoked it
    /// since (its status list read again). Only the issuer says a ticket is revoked, never a hospital's words.
    async fn revoked_since_checked(&self, held: &HeldTicket) -> Option<Error> {
        let (url, index) = held.ticket.claims.revocation.as_ref()?;
        let revoked =
            crate::broker::status_list::is_revoked(&self.deps.http, &held.ticket.claims.iss, url, *index).await.ok()?;
        revoked.then(|| Error::new(ErrorCode::TicketRevoked).with_detail("status list bit set at the issuer"))
    }

    /// Proposal 001: the hospital could not match the patient uniquely. An EHR-style launch in the browser lets the
    /// person confirm who the patient is, once; the code it returns is exchanged like any other.
    async fn confirm_patient(
        &self,
        endpoints: &HospitalEndpoints,
        client_id: &str,
        held: &HeldTicket,
        launch: Sensitive<String>,
    ) -> Result<exchange::Redemption> {
        let (Some(browser), Some(authorize)) = (&self.interaction, &endpoints.authorize) else {
            return Err(Error::new(ErrorCode::HospitalInteractionRequired));
        };
        let origin =
            url::Url::parse(&endpoints.fhir_base_url).map(|u| u.origin().ascii_serialization()).unwrap_or_default();
        let scope = held.ticket.claims.scopes.join(" ");
        let extra = [("launch", launch.expose().as_str())];
        // The hospital's launch is identified by its own one-time redirect port and state (see AuthorizationServer).
        let server = broker::AuthorizationServer { issuer: &origin, iss_required: false };
        let grant = broker::authorize(
            authorize,
            server,
            client_id,
            &scope,
            &endpoints.fhir_base_url,
            &extra,
            browser,
            self.deps.random.as_ref(),
        )
        .await?;
        self.run.journal.log(self.entry(ActivityKind::Interaction, &endpoints.fhir_base_url, &held.id, Ok(()), None));
        let auth = self.identity.as_client(client_id, self.deps.clock.as_ref(), self.deps.random.as_ref());
        match exchange::token_request(&self.deps.http, endpoints, &auth, &grant).await? {
            Exchange::Token(redemption) => Ok(redemption),
            Exchange::Interaction(_) => Err(Error::new(ErrorCode::HospitalInteractionRequired)),
        }
    }

    /// SMART discovery through the store's cache, which honours the hospital's `Cache-Control: max-age`.
    async fn discover(&self, fhir_base_url: &str) -> Result<HospitalEndpoints> {
        let journal = Journal::new();
        let endpoints = self.discover_into(&journal, None, fhir_base_url).await;
        self.deps.store.commit(&journal).await?;
        endpoints
    }

    /// [`Job::discover`] within the run: the request holds a place at the hospital, the cache is written with the
    /// run's other writes.
    async fn discover_in(&self, fhir_base_url: &str) -> Result<HospitalEndpoints> {
        self.discover_into(&self.run.journal, Some(&self.run.gate), fhir_base_url).await
    }

    async fn discover_into(
        &self,
        journal: &Journal,
        gate: Option<&OriginGate>,
        fhir_base_url: &str,
    ) -> Result<HospitalEndpoints> {
        let now = self.deps.clock.unix_now();
        if let Some(config) = self.deps.store.cached_configuration(fhir_base_url, now).await? {
            return exchange::endpoints(fhir_base_url, &config);
        }
        let fetch = exchange::fetch_configuration(&self.deps.http, fhir_base_url);
        let (config, max_age) = match gate {
            Some(gate) => gate.run(fhir_base_url, fetch).await?,
            None => fetch.await?,
        };
        let endpoints = exchange::endpoints(fhir_base_url, &config).inspect_err(|error| {
            // No tickets here: the person may still choose the hospital's own patient portal.
            if error.code() == ErrorCode::HospitalUnsupported && crate::portal::offer(fhir_base_url, &config).is_some()
            {
                self.run.portals.lock().unwrap_or_else(|p| p.into_inner()).insert(fhir_base_url.to_string());
            }
        })?;
        if let Some(seconds) = max_age.filter(|s| *s > 0) {
            // max-age comes from the hospital: capped at a day, never overflowing.
            journal.cache_configuration(fhir_base_url, Some((&config, now.saturating_add(seconds.min(86_400)))));
        }
        Ok(endpoints)
    }

    async fn register_at(&self, endpoints: &HospitalEndpoints, row: &HospitalRow, held: &HeldTicket) -> Result<String> {
        let (run, identity) = (self.run.as_ref(), self.identity.as_ref());
        (self.progress)(ProgressEvent {
            person: held.ticket.claims.patient_key.clone(),
            ticket_id: held.id.clone(),
            fhir_base_url: row.fhir_base_url.clone(),
            name: row.name.clone(),
            phase: Phase::Registering,
            error: None,
            resources: 0,
            via: records::Via::Ticket,
        });
        let endpoint = endpoints
            .register
            .as_deref()
            .ok_or_else(|| Error::new(ErrorCode::HospitalClientRejected).with_detail("no registration endpoint"))?;
        let client_id =
            run.gate.run(endpoint, broker::register(&self.deps.http, endpoint, identity, Party::Hospital)).await?;
        let (token, revoke) = (&endpoints.token, endpoints.revoke.as_deref());
        run.journal.save_registration(&row.fhir_base_url, &client_id, token, revoke, self.deps.clock.unix_now());
        Ok(client_id)
    }
}
