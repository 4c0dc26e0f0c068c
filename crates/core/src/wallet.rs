//! The wallet: one profile's store, vault and identity, and the operations people perform — sign in with a
//! broker, list people, tickets and hospitals, connect to every hospital and read one merged record.
//! Front ends (CLI, desktop) call only this module and receive view models that carry no secret.

use crate::broker::{self, Browser, SignIn};
use crate::connect::{fan_out, FanOut, Phase, Progress, ProgressEvent};
use crate::describe::{describe, TicketDescription};
use crate::hospital::{self, Exchange, HospitalEndpoints};
use crate::http::{Http, HttpPolicy, Party};
use crate::identity::Identity;
use crate::profile::hex;
use crate::records::{self, HospitalRef, RecordItem};
use crate::status::{WalletState, WalletStatus};
use crate::store::{ActivityEntry, BrokerRow, HospitalRow, Store};
use crate::ticket::Ticket;
use crate::vault::Vault;
use crate::{Clock, Error, ErrorCode, ErrorView, Profile, Random, Result, Sensitive};
use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use ts_rs::TS;

/// Everything passed in to a wallet.
pub struct WalletOptions {
    /// The clock.
    pub clock: Arc<dyn Clock>,
    /// Randomness.
    pub random: Arc<dyn Random>,
    /// HTTP limits and retries.
    pub http: HttpPolicy,
    /// Fan-out limits.
    pub fan_out: FanOut,
    /// How to open a hospital's page when it asks the person to confirm the patient (`interaction_required`);
    /// `None` for background work, which then reports `hospital.interaction_required`.
    pub interaction: Option<Browser>,
    /// After this long without use the wallet forgets every secret it holds in memory (`None`: never).
    pub idle_lock: Option<std::time::Duration>,
}

/// A ticket held, with its id.
#[derive(Debug, Clone)]
pub struct HeldTicket {
    /// Stable id (the same across re-mints of the same grant).
    pub id: String,
    /// The ticket.
    pub ticket: Ticket,
}

/// A ticket as shown to people.
#[derive(Debug, Clone, Serialize, TS)]
pub struct TicketView {
    /// Stable id.
    pub id: String,
    /// The person it is about (their id at the issuer).
    pub person: String,
    /// Plain-words description.
    pub description: TicketDescription,
    /// Unix expiry of new redemptions.
    #[ts(type = "number")]
    pub expires_at: i64,
    /// `active` or `expired`.
    pub status: String,
}

/// A person whose records the wallet can open.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct PersonView {
    /// Their id at the issuer (use with `--person`).
    pub id: String,
    /// Full name.
    pub name: String,
    /// `YYYY-MM-DD`.
    pub birth_date: Option<String>,
    /// `self`, or the v3-RoleCode authority the user holds (e.g. `HPOWATT`).
    pub relationship: String,
}

/// A hospital in the directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct HospitalView {
    /// FHIR base URL.
    pub fhir_base_url: String,
    /// Name.
    pub name: String,
    /// `hint`, `brands` or `manual`.
    pub source: String,
    /// How many held tickets point at it.
    pub tickets: u32,
}

/// One hospital's connection outcome (the `connect --json` contract).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct HospitalOutcome {
    /// FHIR base URL.
    pub fhir_base_url: String,
    /// Name.
    pub name: String,
    /// `connected`, `failed`, `unsupported` or `no_records`.
    pub status: String,
    /// The coded failure, if any.
    pub error: Option<ErrorView>,
    /// Resources read.
    pub resources: u32,
}

/// What `connect` returns: every hospital's outcome and the merged record (PHI, memory only).
#[derive(Debug, Clone, Serialize, TS)]
pub struct ConnectReport {
    /// Per hospital.
    pub hospitals: Vec<HospitalOutcome>,
    /// The merged record.
    pub records: Vec<RecordItem>,
}

/// What a sign-in brought.
#[derive(Debug, Clone, Serialize, TS)]
pub struct LoginSummary {
    /// The broker.
    pub broker: String,
    /// Tickets received, described.
    pub tickets: Vec<TicketView>,
    /// Hospitals suggested by the broker.
    pub hospitals: u32,
}

/// An open wallet.
pub struct Wallet {
    pub(crate) profile: Profile,
    pub(crate) store: Store,
    pub(crate) vault: Vault,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) random: Arc<dyn Random>,
    pub(crate) http: Http,
    fan_out: FanOut,
    interaction: Option<Browser>,
    identity: tokio::sync::Mutex<Option<Arc<Identity>>>,
    idle_lock: Option<i64>,
    last_use: Mutex<i64>,
    locked: std::sync::atomic::AtomicBool,
    jwks: Mutex<HashMap<String, Value>>,
}

fn short_hash(parts: &[&str]) -> String {
    hex(&Sha256::digest(parts.join("\u{1f}").as_bytes())[..6])
}

/// The vault item of a broker's refresh token.
pub(crate) fn broker_refresh_item(issuer: &str) -> String {
    format!("broker/{}/refresh", short_hash(&[issuer]))
}

/// The vault item of a hospital connection's continuation refresh token.
pub(crate) fn connection_refresh_item(fhir_base_url: &str, ticket_id: &str) -> String {
    format!("connection/{}/refresh", short_hash(&[fhir_base_url, ticket_id]))
}

/// Whether `held` is the ticket to present at `row`: the broker's hints link tickets to hospitals; a hospital with
/// no hint (added by hand or from a Brands bundle) takes every ticket whose audience covers it.
fn serves(held: &HeldTicket, row: &HospitalRow, linked: &[String]) -> bool {
    if linked.is_empty() {
        held.ticket.usable_at(&row.fhir_base_url)
    } else {
        linked.contains(&held.id)
    }
}

pub(crate) fn host_of(url: &str) -> String {
    url::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(|h| format!("{h}{}", u.port().map(|p| format!(":{p}")).unwrap_or_default())))
        .unwrap_or_else(|| url.into())
}

impl Wallet {
    /// Opens the profile's store (finishing any interrupted keychain work) and vault.
    pub async fn open(profile: Profile, options: WalletOptions) -> Result<Self> {
        let store = Store::open(profile.dir()).await?;
        let vault = Vault::new(profile.namespace());
        store.recover(&vault).await?;
        Ok(Self {
            http: Http::new(options.http, options.random.clone())?,
            vault,
            store,
            profile,
            clock: options.clock,
            random: options.random,
            fan_out: options.fan_out,
            interaction: options.interaction,
            identity: tokio::sync::Mutex::new(None),
            idle_lock: options.idle_lock.map(|d| d.as_secs() as i64),
            last_use: Mutex::new(i64::MIN),
            locked: std::sync::atomic::AtomicBool::new(false),
            jwks: Mutex::default(),
        })
    }

    /// The store (activity log and index).
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The status for the first screen. Reads the store only, never the keychain.
    pub async fn status(&self) -> Result<WalletStatus> {
        let [brokers, people, tickets, hospitals] = self.store.counts().await?;
        let state = match (brokers, self.is_locked()) {
            (0, _) => WalletState::Empty,
            (_, true) => WalletState::Locked,
            (_, false) => WalletState::Ready,
        };
        Ok(WalletStatus::new(&self.profile.name(), state, brokers, people, tickets, hospitals))
    }

    /// The install's identity, read from the keychain on first use after opening or unlocking.
    pub(crate) async fn identity(&self) -> Result<Arc<Identity>> {
        self.lock_if_idle().await;
        *self.last_use.lock().unwrap_or_else(|p| p.into_inner()) = self.clock.unix_now();
        let mut slot = self.identity.lock().await;
        if let Some(identity) = slot.as_ref() {
            return Ok(identity.clone());
        }
        let identity = Arc::new(Identity::load_or_create(&self.vault).await?);
        *slot = Some(identity.clone());
        self.locked.store(false, std::sync::atomic::Ordering::SeqCst);
        Ok(identity)
    }

    /// Forgets every secret held in memory (the signing key, cached keys); the keychain is read again on next use.
    pub async fn lock(&self) {
        *self.identity.lock().await = None;
        self.jwks.lock().unwrap_or_else(|p| p.into_inner()).clear();
        self.locked.store(true, std::sync::atomic::Ordering::SeqCst);
    }

    /// Locks when the idle period has passed since the last use. Returns whether it locked.
    pub async fn lock_if_idle(&self) -> bool {
        let Some(idle) = self.idle_lock else { return false };
        let last = *self.last_use.lock().unwrap_or_else(|p| p.into_inner());
        let holding = self.identity.lock().await.is_some();
        if holding && last != i64::MIN && self.clock.unix_now() - last >= idle {
            self.lock().await;
            return true;
        }
        false
    }

    /// Whether the secrets are locked away (after [`Wallet::lock`] or the idle period).
    pub fn is_locked(&self) -> bool {
        self.locked.load(std::sync::atomic::Ordering::SeqCst)
    }

    pub(crate) async fn log(
        &self,
        kind: &str,
        hospital: Option<&str>,
        grant: Option<&str>,
        outcome: &str,
        detail: Option<String>,
    ) {
        let entry = ActivityEntry {
            at: self.clock.unix_now(),
            kind: kind.into(),
            hospital: hospital.map(String::from),
            grant: grant.map(String::from),
            outcome: outcome.into(),
            detail,
        };
        if let Err(error) = self.store.log(&entry).await {
            tracing::warn!(code = %error.code(), "activity not recorded");
        }
    }

    /// Signs in with a trust broker: discovery, registration, the browser round trip, then tickets and hints are
    /// verified and kept (tickets and the refresh token in the keychain, the rest in the store).
    pub async fn login(&self, broker_url: &str, browser: &Browser, login_hint: Option<&str>) -> Result<LoginSummary> {
        let result = self.login_inner(broker_url, browser, login_hint).await;
        let outcome = result.as_ref().map(|_| "ok".to_string()).unwrap_or_else(|e| e.code().to_string());
        self.log("sign_in", None, None, &outcome, Some(host_of(broker_url))).await;
        result
    }

    async fn login_inner(&self, broker_url: &str, browser: &Browser, login_hint: Option<&str>) -> Result<LoginSummary> {
        let identity = self.identity().await?;
        let identity = identity.as_ref();
        let endpoints = broker::discover(&self.http, broker_url).await?;
        let client_id = broker::register(&self.http, &endpoints.register, identity, Party::Broker).await?;
        let extra: Vec<(&str, &str)> = login_hint.map(|hint| vec![("login_hint", hint)]).unwrap_or_default();
        let grant = broker::authorize(
            &endpoints.authorize,
            &endpoints.issuer,
            &client_id,
            broker::LOGIN_SCOPE,
            &endpoints.issuer,
            &extra,
            browser,
            self.random.as_ref(),
        )
        .await?;
        let auth = identity.as_client(&client_id, self.clock.as_ref(), self.random.as_ref());
        let sign_in = broker::token_request(&self.http, &endpoints.token, &auth, &grant).await?;
        let row = BrokerRow {
            url: endpoints.issuer.clone(),
            client_id,
            token_endpoint: endpoints.token.clone(),
            revocation_endpoint: endpoints.revoke.clone(),
            management_endpoint: endpoints.management.clone(),
        };
        let held = self.keep(&endpoints.issuer, sign_in).await?;
        self.store.save_broker(&row, self.clock.unix_now()).await?;
        let hospitals = self.store.hospitals().await?.len() as u32;
        Ok(LoginSummary { broker: endpoints.issuer, tickets: held.iter().map(|t| self.view(t)).collect(), hospitals })
    }

    /// Verifies and stores what a broker's token endpoint returned.
    pub(crate) async fn keep(&self, issuer: &str, sign_in: SignIn) -> Result<Vec<HeldTicket>> {
        let now = self.clock.unix_now();
        let identity = self.identity().await?;
        let identity = identity.as_ref();
        // Everything is checked before anything is kept: a bad answer leaves no trace.
        let mut checked = Vec::new();
        for raw in sign_in.tickets {
            let ticket = Ticket::parse(raw)?;
            if ticket.claims.iss.trim_end_matches('/') != issuer {
                return Err(Error::new(ErrorCode::BrokerInvalid).with_detail("ticket from another issuer"));
            }
            self.verify(&ticket).await?;
            if ticket.claims.jkt.as_deref().is_some_and(|jkt| jkt != identity.thumbprint()) {
                return Err(Error::new(ErrorCode::TicketUnsupported)
                    .with_message("A ticket was bound to another device.")
                    .with_detail("jkt mismatch"));
            }
            checked.push(ticket);
        }
        let broker_host = host_of(issuer);
        if let Some(refresh) = &sign_in.refresh_token {
            let item = broker_refresh_item(issuer);
            self.store
                .put_secret(
                    &self.vault,
                    &item,
                    "broker_refresh",
                    &format!("Tessera — sign-in with {broker_host} (refresh token)"),
                    refresh,
                    now,
                )
                .await?;
        }
        let mut held = Vec::new();
        for ticket in checked {
            let c = &ticket.claims;
            let id = format!(
                "t-{}",
                short_hash(&[
                    &c.iss,
                    &c.patient_key,
                    &c.ticket_type,
                    c.authority.as_deref().unwrap_or(""),
                    &c.requester.as_ref().map(|r| r.full_name()).unwrap_or_default()
                ])
            );
            let item = format!("ticket/{id}");
            let label = format!("Tessera — ticket for {} from {broker_host}", c.patient.full_name());
            self.store
                .put_secret(&self.vault, &item, "ticket", &label, &Sensitive::new(ticket.raw().expose().clone()), now)
                .await?;
            self.store.save_ticket(&id, issuer, &item, &short_hash(&[&c.iss, &c.patient_key]), c.exp, now).await?;
            self.log("ticket_received", None, Some(&id), "ok", None).await;
            held.push(HeldTicket { id, ticket });
        }
        for hint in &sign_in.hints {
            let Some(url) =
                hint.get("fhir_base_url").and_then(Value::as_str).and_then(|u| broker::normalise_base(u).ok())
            else {
                continue;
            };
            let name = hint
                .pointer("/organization/name")
                .and_then(Value::as_str)
                .map(String::from)
                .unwrap_or_else(|| host_of(&url));
            let indices: Vec<usize> = match hint.get("ticket_indices").and_then(Value::as_array) {
                Some(list) => list.iter().filter_map(Value::as_u64).map(|i| i as usize).collect(),
                None => (0..held.len()).filter(|i| held[*i].ticket.usable_at(&url)).collect(),
            };
            let ids: Vec<String> = indices.iter().filter_map(|i| held.get(*i)).map(|h| h.id.clone()).collect();
            self.store
                .save_hospital(&HospitalRow { fhir_base_url: url, name, source: "hint".into() }, &ids, now)
                .await?;
        }
        Ok(held)
    }

    /// Verifies a ticket's signature against its issuer's JWKS (cached; re-fetched once for an unknown `kid`).
    async fn verify(&self, ticket: &Ticket) -> Result<()> {
        let issuer = ticket.claims.iss.trim_end_matches('/').to_string();
        let cached = self.jwks.lock().unwrap_or_else(|p| p.into_inner()).get(&issuer).cloned();
        if let Some(jwks) = cached {
            match ticket.verify(&jwks) {
                Err(e) if e.code() == ErrorCode::TicketUnknownKey => {}
                other => return other,
            }
        }
        let answer = self.http.get(Party::Broker, &format!("{issuer}/.well-known/jwks.json"), None).await?;
        let keys = answer.json.get("keys").and_then(Value::as_array).map(Vec::len).unwrap_or(0);
        if answer.status != 200 || keys == 0 || keys > 100 {
            return Err(
                Error::new(ErrorCode::BrokerInvalid).with_detail(format!("JWKS: HTTP {}, {keys} keys", answer.status))
            );
        }
        self.jwks.lock().unwrap_or_else(|p| p.into_inner()).insert(issuer, answer.json.clone());
        ticket.verify(&answer.json)
    }

    /// Every ticket held, read from the keychain.
    pub async fn held_tickets(&self) -> Result<Vec<HeldTicket>> {
        let rows = self.store.tickets().await?;
        let reads = rows.iter().map(|(_, item)| self.vault.get(item));
        let raws = futures_util::future::join_all(reads).await;
        rows.into_iter().zip(raws).map(|((id, _), raw)| Ok(HeldTicket { id, ticket: Ticket::parse(raw?)? })).collect()
    }

    fn view(&self, held: &HeldTicket) -> TicketView {
        let status = if held.ticket.check_times(self.clock.unix_now()).is_ok() { "active" } else { "expired" };
        TicketView {
            id: held.id.clone(),
            person: held.ticket.claims.patient_key.clone(),
            description: describe(&held.ticket),
            expires_at: held.ticket.claims.exp,
            status: status.into(),
        }
    }

    /// Every ticket, described.
    pub async fn tickets(&self) -> Result<Vec<TicketView>> {
        Ok(self.held_tickets().await?.iter().map(|t| self.view(t)).collect())
    }

    /// The people whose records can be opened, from the tickets.
    pub async fn people(&self) -> Result<Vec<PersonView>> {
        let mut people: Vec<PersonView> = Vec::new();
        for held in self.held_tickets().await? {
            let c = &held.ticket.claims;
            if people.iter().any(|p| p.id == c.patient_key) {
                continue;
            }
            people.push(PersonView {
                id: c.patient_key.clone(),
                name: c.patient.full_name(),
                birth_date: c.patient.birth_date.clone(),
                relationship: c.authority.clone().unwrap_or_else(|| "self".into()),
            });
        }
        Ok(people)
    }

    /// The hospital directory.
    pub async fn hospitals(&self) -> Result<Vec<HospitalView>> {
        Ok(self
            .store
            .hospitals()
            .await?
            .into_iter()
            .map(|(row, tickets)| HospitalView {
                fhir_base_url: row.fhir_base_url,
                name: row.name,
                source: row.source,
                tickets: tickets.len() as u32,
            })
            .collect())
    }

    /// Adds a hospital by its FHIR base URL (after checking it answers SMART discovery).
    pub async fn add_hospital(&self, url: &str) -> Result<HospitalView> {
        let base = broker::normalise_base(url)?;
        hospital::discover(&self.http, &base).await?;
        let row = HospitalRow { fhir_base_url: base.clone(), name: host_of(&base), source: "manual".into() };
        self.store.save_hospital(&row, &[], self.clock.unix_now()).await?;
        Ok(HospitalView { fhir_base_url: base, name: row.name, source: row.source, tickets: 0 })
    }

    /// Whether a ticket should be re-minted now: at 80 % of its life; for a ticket with `continuation`, only once it
    /// has expired and some hospital it is meant for holds no continuation refresh token (a hospital not reached
    /// yet can only be reached with a fresh ticket).
    async fn remint_due(&self, held: &HeldTicket, links: &[(HospitalRow, Vec<String>)]) -> Result<bool> {
        let claims = &held.ticket.claims;
        let now = self.clock.unix_now();
        if claims.continuation.is_none() {
            let issued = claims.iat.unwrap_or(claims.exp);
            return Ok(now >= issued + (claims.exp - issued) * 4 / 5);
        }
        if held.ticket.check_times(now).is_ok() {
            return Ok(false);
        }
        for (row, _) in links.iter().filter(|(row, linked)| serves(held, row, linked)) {
            if !self.vault.contains(&connection_refresh_item(&row.fhir_base_url, &held.id)).await? {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Re-mints tickets through each broker's refresh token (rotating it) when any of its tickets is due.
    /// Returns how many tickets were received. A broker that refuses is logged; the old tickets stay.
    pub async fn remint_due_tickets(&self) -> Result<usize> {
        let held = self.held_tickets().await?;
        let links = self.store.hospitals().await?;
        let mut received = 0;
        for broker in self.store.brokers().await? {
            let mut due = false;
            for ticket in held.iter().filter(|t| t.ticket.claims.iss.trim_end_matches('/') == broker.url) {
                due |= self.remint_due(ticket, &links).await?;
            }
            if !due {
                continue;
            }
            match self.broker_session(&broker).await {
                Ok(Some((_, tickets))) => received += tickets.len(),
                Ok(None) => {}
                Err(error) => self.log("refresh", None, None, error.code().as_str(), Some(host_of(&broker.url))).await,
            }
        }
        Ok(received)
    }

    /// Uses the broker's refresh token (rotating it): fresh tickets are verified and kept, and the broker's access
    /// token (for its grant management) is returned, in memory only. `None` when there is no refresh token.
    pub(crate) async fn broker_session(
        &self,
        broker: &BrokerRow,
    ) -> Result<Option<(Sensitive<String>, Vec<HeldTicket>)>> {
        let refresh = match self.vault.get(&broker_refresh_item(&broker.url)).await {
            Ok(refresh) => refresh,
            Err(e) if e.code() == ErrorCode::VaultItemMissing => return Ok(None),
            Err(e) => return Err(e),
        };
        let grant = vec![
            ("grant_type".to_string(), "refresh_token".to_string()),
            ("refresh_token".to_string(), refresh.into_exposed()),
        ];
        let identity = self.identity().await?;
        let identity = identity.as_ref();
        let auth = identity.as_client(&broker.client_id, self.clock.as_ref(), self.random.as_ref());
        let sign_in = broker::token_request(&self.http, &broker.token_endpoint, &auth, &grant).await?;
        let access = sign_in.access_token.clone();
        let tickets = self.keep(&broker.url, sign_in).await?;
        self.log("refresh", None, None, "ok", Some(format!("tickets re-minted by {}", host_of(&broker.url)))).await;
        Ok(Some((access, tickets)))
    }

    /// Removes a hospital from the directory (its registration and cached configuration are forgotten too).
    pub async fn remove_hospital(&self, url: &str) -> Result<()> {
        let base = broker::normalise_base(url)?;
        if !self.store.hospitals().await?.iter().any(|(row, _)| row.fhir_base_url == base) {
            return Err(Error::new(ErrorCode::InvalidInput)
                .with_message("That hospital is not in your directory.")
                .with_action("List hospitals with `tessera hospitals`."));
        }
        self.store.forget_hospital(&base).await
    }

    /// Imports a SMART User-access Brands bundle from a file path or an http(s) URL into the hospital directory.
    pub async fn import_brands(&self, source: &str) -> Result<Vec<HospitalView>> {
        let bundle: Value = if source.starts_with("https://") || source.starts_with("http://") {
            let answer = self.http.get(Party::Hospital, source, None).await?;
            if answer.status != 200 {
                return Err(
                    Error::new(ErrorCode::HospitalError).with_detail(format!("brands bundle: HTTP {}", answer.status))
                );
            }
            answer.json
        } else {
            let text = std::fs::read_to_string(source).map_err(|e| {
                Error::new(ErrorCode::InvalidInput)
                    .with_message("Tessera cannot read that file.")
                    .with_detail(e.to_string())
            })?;
            serde_json::from_str(&text).unwrap_or(Value::Null)
        };
        let mut added = Vec::new();
        for brand in crate::brands::parse(&bundle)? {
            let row = HospitalRow { fhir_base_url: brand.fhir_base_url, name: brand.name, source: "brands".into() };
            self.store.save_hospital(&row, &[], self.clock.unix_now()).await?;
            added.push(HospitalView {
                fhir_base_url: row.fhir_base_url,
                name: row.name,
                source: row.source,
                tickets: 0,
            });
        }
        Ok(added)
    }

    /// Connects to every hospital for `person` (or everyone), reads their records and merges them. Tickets due
    /// for re-minting are re-minted first.
    pub async fn connect(&self, person: Option<&str>, progress: Progress) -> Result<ConnectReport> {
        self.retry_pending_revocations().await?;
        self.remint_due_tickets().await?;
        let tickets: Vec<HeldTicket> = self
            .held_tickets()
            .await?
            .into_iter()
            .filter(|t| person.is_none_or(|p| t.ticket.claims.patient_key == p))
            .collect();
        if person.is_some() && tickets.is_empty() {
            return Err(Error::new(ErrorCode::InvalidInput)
                .with_message("No ticket is about that person.")
                .with_action("List people with `tessera people` and use one of their ids."));
        }
        let mut jobs = Vec::new();
        for (row, linked) in self.store.hospitals().await? {
            for held in tickets.iter().filter(|t| serves(t, &row, &linked)) {
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
        let results = fan_out(jobs.clone(), &self.fan_out, |(row, held)| {
            let progress = progress.clone();
            let known_revoked = revoked.contains(&held.id);
            async move {
                if known_revoked {
                    return Err(Error::new(ErrorCode::TicketRevoked).with_detail("status list bit set at the issuer"));
                }
                self.connect_one(identity, &row, &held, &progress).await
            }
        })
        .await;
        let mut outcomes = Vec::new();
        let mut items = Vec::new();
        for ((row, held), result) in jobs.into_iter().zip(results) {
            let (status, error, count) = match result {
                Ok((count, found)) => {
                    items.extend(found);
                    ("connected", None, count)
                }
                Err(error) => {
                    let status = match error.code() {
                        ErrorCode::HospitalUnsupported => "unsupported",
                        ErrorCode::HospitalPatientNotFound => "no_records",
                        _ => "failed",
                    };
                    progress(ProgressEvent {
                        fhir_base_url: row.fhir_base_url.clone(),
                        name: row.name.clone(),
                        phase: Phase::Failed,
                        error: Some(error.view()),
                        resources: 0,
                    });
                    self.log("redemption", Some(&row.fhir_base_url), Some(&held.id), error.code().as_str(), None).await;
                    (status, Some(error.view()), 0)
                }
            };
            let _ = self
                .store
                .save_connection(
                    &row.fhir_base_url,
                    &held.id,
                    status,
                    error.as_ref().map(|e| e.code.as_str()),
                    None,
                    self.clock.unix_now(),
                )
                .await;
            outcomes.push(HospitalOutcome {
                fhir_base_url: row.fhir_base_url,
                name: row.name,
                status: status.into(),
                error,
                resources: count,
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
    ) -> Result<(u32, Vec<RecordItem>)> {
        let emit = |phase: Phase, resources: u32| {
            progress(ProgressEvent {
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
            None => self.register_at(identity, &endpoints, progress, row).await?,
        };
        emit(Phase::Exchanging, 0);
        let grant = if continuing {
            let refresh = self.vault.get(&refresh_item).await.map_err(|_| Error::new(ErrorCode::TicketExpired))?;
            vec![
                ("grant_type".to_string(), "refresh_token".to_string()),
                ("refresh_token".to_string(), refresh.into_exposed()),
            ]
        } else {
            hospital::exchange_form(&held.ticket)
        };
        let (clock, random) = (self.clock.as_ref(), self.random.as_ref());
        let first =
            hospital::token_request(&self.http, &endpoints, &identity.as_client(&client_id, clock, random), &grant)
                .await;
        let exchange = match first {
            Err(e) if e.code() == ErrorCode::HospitalClientRejected => {
                self.store.forget_registration(&row.fhir_base_url).await?;
                self.store.cache_configuration(&row.fhir_base_url, None).await?;
                client_id = self.register_at(identity, &endpoints, progress, row).await?;
                hospital::token_request(&self.http, &endpoints, &identity.as_client(&client_id, clock, random), &grant)
                    .await?
            }
            other => other?,
        };
        let redemption = match exchange {
            Exchange::Token(redemption) => redemption,
            Exchange::Interaction(launch) => {
                self.confirm_patient(identity, &endpoints, &client_id, held, launch).await?
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
        let granted: Vec<&str> = redemption.scope.split(' ').collect();
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
        Ok((count, items))
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
    ) -> Result<hospital::Redemption> {
        let (Some(browser), Some(authorize)) = (&self.interaction, &endpoints.authorize) else {
            return Err(Error::new(ErrorCode::HospitalInteractionRequired));
        };
        let origin =
            url::Url::parse(&endpoints.fhir_base_url).map(|u| u.origin().ascii_serialization()).unwrap_or_default();
        let scope = held.ticket.claims.scopes.join(" ");
        let extra = [("launch", launch.expose().as_str())];
        let grant = broker::authorize(
            authorize,
            &origin,
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
            self.store.cache_configuration(fhir_base_url, Some((&config, now + seconds))).await?;
        }
        Ok(endpoints)
    }

    async fn register_at(
        &self,
        identity: &Identity,
        endpoints: &HospitalEndpoints,
        progress: &Progress,
        row: &HospitalRow,
    ) -> Result<String> {
        progress(ProgressEvent {
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
