//! Reaching hospitals: connecting to every hospital at once with a ticket each, presenting tickets (or continuing
//! with refresh tokens), confirming ambiguous patients, reading and merging records.

use crate::broker::{self, Browser};
use crate::connect::{fan_out, ConnectionStatus, Phase, Progress, ProgressEvent};
use crate::hospital::{self, Exchange, HospitalEndpoints};
use crate::http::Party;
use crate::identity::Identity;
use crate::records::{self, HospitalRef, RecordItem};
use crate::store::HospitalRow;
use crate::wallet::{connection_refresh_item, serves, ConnectReport, HeldTicket, HospitalOutcome, Wallet};
use crate::{Error, ErrorCode, Result, Sensitive};

/// What one hospital gave: resources read, the items, and the scope it granted (space-separated).
type HospitalRead = (u32, Vec<RecordItem>, String);

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
        let scope = ConnectScope { person, hospital: None, interaction: self.interaction.as_ref() };
        self.connect_scoped(scope, progress).await
    }

    /// Connects within `scope`. Each hospital's failure is reported through `progress` the moment it happens.
    /// With a single hospital and a browser for interaction, the hospital's deadline leaves the person time to
    /// confirm the patient in the browser.
    pub async fn connect_scoped(&self, scope: ConnectScope<'_>, progress: Progress) -> Result<ConnectReport> {
        self.retry_pending_revocations().await?;
        self.remint_due_tickets().await?;
        let tickets: Vec<HeldTicket> = self
            .held_tickets()
            .await?
            .into_iter()
            .filter(|t| scope.person.is_none_or(|p| t.ticket.claims.patient_key == p))
            .collect();
        if scope.person.is_some() && tickets.is_empty() {
            return Err(Error::new(ErrorCode::InvalidInput)
                .with_message("No ticket is about that person.")
                .with_action("List people with `tessera people` and use one of their ids."));
        }
        let mut jobs = Vec::new();
        // Presenting a ticket tells the hospital the patient's name and birth date. A ticket whose audience is a
        // trust framework goes, unasked, only where its broker named it; elsewhere only to a hospital that says it
        // belongs to that framework, or that the person chose for this patient (one hospital, one person).
        let chosen_here = scope.hospital.is_some() && scope.person.is_some();
        let mut must_advertise: Vec<(String, String)> = Vec::new();
        for (row, linked) in self.store.hospitals().await? {
            if scope.hospital.is_some_and(|h| h != row.fhir_base_url) {
                continue;
            }
            for held in tickets.iter().filter(|t| serves(t, &row, &linked)) {
                if held.ticket.claims.aud_is_framework && !linked.contains(&held.id) && !chosen_here {
                    must_advertise.push((row.fhir_base_url.clone(), held.id.clone()));
                }
                jobs.push((row.clone(), held.clone()));
            }
        }
        // Before use: a ticket revoked at its issuer is not presented anywhere (one status-list read per ticket).
        let mut revoked = Vec::new();
        for held in &tickets {
            if self.revoked_at_issuer(held).await == Some(true) {
                revoked.push(held.id.clone());
            }
        }
        let identity = self.identity().await?;
        let identity = identity.as_ref();
        let mut policy = self.fan_out.clone();
        if scope.interaction.is_some() && scope.hospital.is_some() {
            policy.per_hospital += broker::SIGN_IN_TIMEOUT;
        }
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
                });
            }
        };
        let results = fan_out(
            jobs.clone(),
            &policy,
            |(row, held)| {
                let progress = progress.clone();
                let known_revoked = revoked.contains(&held.id);
                let unasked = must_advertise.contains(&(row.fhir_base_url.clone(), held.id.clone()));
                async move {
                    if known_revoked {
                        return Err(
                            Error::new(ErrorCode::TicketRevoked).with_detail("status list bit set at the issuer")
                        );
                    }
                    if unasked {
                        let frameworks = self.discover(&row.fhir_base_url).await?.trust_frameworks;
                        if !frameworks.iter().any(|f| held.ticket.claims.aud.contains(f)) {
                            return Err(Error::new(ErrorCode::HospitalNotChosen));
                        }
                    }
                    self.connect_one(identity, &row, &held, &progress, scope.interaction).await
                }
            },
            failed,
        )
        .await;
        let mut outcomes = Vec::new();
        let mut items = Vec::new();
        for ((row, held), result) in jobs.into_iter().zip(results) {
            let (status, error, count, granted) = match result {
                Ok((count, found, granted)) => {
                    items.extend(found);
                    (ConnectionStatus::Connected, None, count, Some(granted))
                }
                Err(error) => {
                    self.log("redemption", Some(&row.fhir_base_url), Some(&held.id), error.code().as_str(), None).await;
                    (ConnectionStatus::of_failure(error.code()), Some(error.view()), 0, None)
                }
            };
            let _ = self
                .store
                .save_connection(
                    &row.fhir_base_url,
                    &held.id,
                    status.as_str(),
                    error.as_ref().map(|e| e.code.as_str()),
                    None,
                    self.clock.unix_now(),
                )
                .await;
            if let Some(granted) = &granted {
                let _ = self.store.save_granted_scope(&row.fhir_base_url, &held.id, granted).await;
            }
            outcomes.push(HospitalOutcome {
                person: held.ticket.claims.patient_key.clone(),
                ticket_id: held.id,
                fhir_base_url: row.fhir_base_url,
                name: row.name,
                status,
                error,
                resources: count,
                granted: granted.as_deref().map(crate::describe::granted_words).unwrap_or_default(),
            });
        }
        Ok(ConnectReport { hospitals: outcomes, records: records::merge(items) })
    }

    async fn connect_one(
        &self,
        identity: &Identity,
        row: &HospitalRow,
        held: &HeldTicket,
        progress: &Progress,
        interaction: Option<&Browser>,
    ) -> Result<HospitalRead> {
        let emit = |phase: Phase, resources: u32| {
            progress(ProgressEvent {
                person: held.ticket.claims.patient_key.clone(),
                ticket_id: held.id.clone(),
                fhir_base_url: row.fhir_base_url.clone(),
                name: row.name.clone(),
                phase,
                error: None,
                resources,
            })
        };
        let now = self.clock.unix_now();
        emit(Phase::Discovering, 0);
        let endpoints = self.discover(&row.fhir_base_url).await?;
        if !endpoints.ticket_types.is_empty() && !endpoints.ticket_types.contains(&held.ticket.claims.ticket_type) {
            return Err(Error::new(ErrorCode::TicketUnsupported));
        }
        let refresh_item = connection_refresh_item(&row.fhir_base_url, &held.id);
        let continuing = held.ticket.claims.continuation.is_some() && held.ticket.check_times(now).is_err();
        if !continuing {
            held.ticket.check_times(now)?;
        }
        let mut client_id = match self.store.registration(&row.fhir_base_url).await? {
            Some(id) => id,
            None => self.register_at(identity, &endpoints, progress, row, held).await?,
        };
        emit(Phase::Exchanging, 0);
        let grant = if continuing {
            let refresh = self
                .store
                .get_secret(&self.vault, &refresh_item)
                .await
                .map_err(|_| Error::new(ErrorCode::TicketExpired))?;
            vec![
                ("grant_type".to_string(), "refresh_token".to_string()),
                ("refresh_token".to_string(), refresh.into_exposed()),
            ]
        } else {
            hospital::exchange_form(&held.ticket)
        };
        let (clock, random) = (self.clock.as_ref(), self.random.as_ref());
        let first = hospital::token_request_with_fallback(
            &self.http,
            &endpoints,
            &identity.as_client(&client_id, clock, random),
            &grant,
        )
        .await;
        if !continuing && !matches!(&first, Err(e) if e.code() == ErrorCode::HospitalUnreachable) {
            // The ticket reached the hospital: say so, without the name itself (the log names no one).
            let detail = "the patient's name and birth date, in the permission ticket".to_string();
            self.log("disclosure", Some(&row.fhir_base_url), Some(&held.id), "ok", Some(detail)).await;
        }
        let exchange = match first {
            Err(e) if e.code() == ErrorCode::HospitalClientRejected => {
                self.store.forget_registration(&row.fhir_base_url).await?;
                self.store.cache_configuration(&row.fhir_base_url, None).await?;
                client_id = self.register_at(identity, &endpoints, progress, row, held).await?;
                let auth = identity.as_client(&client_id, clock, random);
                hospital::token_request_with_fallback(&self.http, &endpoints, &auth, &grant).await?
            }
            other => other?,
        };
        let mut redemption = match exchange {
            Exchange::Token(redemption) => redemption,
            Exchange::Interaction(launch) => {
                self.confirm_patient(identity, &endpoints, &client_id, held, launch, interaction).await?
            }
        };
        self.log(
            if continuing { "refresh" } else { "redemption" },
            Some(&row.fhir_base_url),
            Some(&held.id),
            "ok",
            None,
        )
        .await;
        if let Some(refresh) = &redemption.refresh_token {
            let label = format!("Tessera — connection to {} (refresh token)", row.name);
            self.store.put_secret(&self.vault, &refresh_item, "connection_refresh", &label, refresh, now).await?;
            self.store
                .save_connection(&row.fhir_base_url, &held.id, "connected", None, Some(&refresh_item), now)
                .await?;
        }
        emit(Phase::Reading, 0);
        if redemption.scope.trim().is_empty() {
            // Neither the answer nor the request named a scope: the hospital granted what the ticket allows.
            redemption.scope = held.ticket.claims.scopes.join(" ");
        }
        let granted: Vec<&str> = redemption.scope.split_whitespace().collect();
        let allowed = |resource: &str| {
            granted.iter().any(|s| s.starts_with(&format!("patient/{resource}.")) || s.starts_with("patient/*."))
        };
        let from = HospitalRef { name: row.name.clone(), fhir_base_url: row.fhir_base_url.clone() };
        let (mut count, mut items, mut counts) = (0u32, Vec::new(), Vec::new());
        for (resource, _) in records::RESOURCE_TYPES.iter().filter(|(r, _)| allowed(r)) {
            let found = records::search_all(
                &self.http,
                &row.fhir_base_url,
                &redemption.access_token,
                &redemption.patient,
                resource,
            )
            .await?;
            count += found.len() as u32;
            counts.push(format!("{resource}: {}", found.len()));
            items.extend(found.iter().filter_map(|r| records::normalise(r, &from)));
            emit(Phase::Reading, count);
        }
        self.log("records_read", Some(&row.fhir_base_url), Some(&held.id), "ok", Some(counts.join(", "))).await;
        emit(Phase::Done, count);
        Ok((count, items, redemption.scope.clone()))
    }

    /// Proposal 001: the hospital could not match the patient uniquely. An EHR-style launch in the browser lets the
    /// person confirm who the patient is, once; the code it returns is exchanged like any other.
    async fn confirm_patient(
        &self,
        identity: &Identity,
        endpoints: &HospitalEndpoints,
        client_id: &str,
        held: &HeldTicket,
        launch: Sensitive<String>,
        interaction: Option<&Browser>,
    ) -> Result<hospital::Redemption> {
        let (Some(browser), Some(authorize)) = (interaction, &endpoints.authorize) else {
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
            self.random.as_ref(),
        )
        .await?;
        self.log("interaction", Some(&endpoints.fhir_base_url), Some(&held.id), "ok", None).await;
        let auth = identity.as_client(client_id, self.clock.as_ref(), self.random.as_ref());
        match hospital::token_request(&self.http, endpoints, &auth, &grant).await? {
            Exchange::Token(redemption) => Ok(redemption),
            Exchange::Interaction(_) => Err(Error::new(ErrorCode::HospitalInteractionRequired)),
        }
    }

    /// SMART discovery through the store's cache, which honours the hospital's `Cache-Control: max-age`.
    async fn discover(&self, fhir_base_url: &str) -> Result<HospitalEndpoints> {
        let now = self.clock.unix_now();
        if let Some(config) = self.store.cached_configuration(fhir_base_url, now).await? {
            return hospital::endpoints(fhir_base_url, &config);
        }
        let (config, max_age) = hospital::fetch_configuration(&self.http, fhir_base_url).await?;
        let endpoints = hospital::endpoints(fhir_base_url, &config)?;
        if let Some(seconds) = max_age.filter(|s| *s > 0) {
            // max-age comes from the hospital: capped at a day, never overflowing.
            self.store
                .cache_configuration(fhir_base_url, Some((&config, now.saturating_add(seconds.min(86_400)))))
                .await?;
        }
        Ok(endpoints)
    }

    async fn register_at(
        &self,
        identity: &Identity,
        endpoints: &HospitalEndpoints,
        progress: &Progress,
        row: &HospitalRow,
        held: &HeldTicket,
    ) -> Result<String> {
        progress(ProgressEvent {
            person: held.ticket.claims.patient_key.clone(),
            ticket_id: held.id.clone(),
            fhir_base_url: row.fhir_base_url.clone(),
            name: row.name.clone(),
            phase: Phase::Registering,
            error: None,
            resources: 0,
        });
        let endpoint = endpoints
            .register
            .as_deref()
            .ok_or_else(|| Error::new(ErrorCode::HospitalClientRejected).with_detail("no registration endpoint"))?;
        let client_id = broker::register(&self.http, endpoint, identity, Party::Hospital).await?;
        self.store
            .save_registration(
                &row.fhir_base_url,
                &client_id,
                &endpoints.token,
                endpoints.revoke.as_deref(),
                self.clock.unix_now(),
            )
            .await?;
        Ok(client_id)
    }
}
