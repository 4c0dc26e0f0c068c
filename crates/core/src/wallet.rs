//! The wallet: one profile's store, vault and identity, its view models, and the operations on the directory,
//! people and tickets. Front ends (CLI, desktop) call only `Wallet` and receive view models that carry no secret.
//! The other operations are `impl Wallet` blocks of their own modules: `signin` (broker sign-in, re-minting),
//! `reach` (connecting to hospitals, records) and `grants` (grants and revocation).

use crate::broker::Browser;
use crate::connect::{ConnectionStatus, FanOut};
use crate::describe::{describe, TicketDescription};
use crate::hospital;
use crate::http::{Http, HttpPolicy, Party};
use crate::identity::Identity;
use crate::portal::signin::ConnectionLocks;
use crate::profile::hex;
use crate::records::RecordItem;
use crate::session::Session;
use crate::status::{WalletState, WalletStatus};
use crate::store::{ActivityEntry, ConnectionRow, HospitalRow, Store};
use crate::ticket::Ticket;
use crate::vault::Vault;
use crate::{Clock, Error, ErrorCode, ErrorView, Profile, Random, Result};
use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;
use std::sync::Arc;
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
    /// Unix expiry of this ticket itself (new presentations); the broker re-mints it before then.
    #[ts(type = "number")]
    pub expires_at: i64,
    /// The grant's one status — the same as in the grants list (see `Wallet::ticket_state`).
    pub status: crate::grants::GrantStatus,
    /// When the grant behind it ends (`None`: until someone ends it).
    #[ts(type = "number | null")]
    pub ends_at: Option<i64>,
    /// What needs saying about it: revoked, not checked, or ending soon.
    pub warning: Option<String>,
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
    /// "14 Sep 1946".
    pub born: Option<String>,
    /// The authority in words ("healthcare power of attorney"); `None` for the user's own records.
    pub authority: Option<String>,
    /// Hospitals in the directory that a ticket about this person can be shown at.
    pub hospitals: u32,
    /// Of those, how many are connected (records were read there).
    pub connected: u32,
    /// When the access ends, "12 Nov 2027"; `None`: until someone ends it.
    pub access_ends: Option<String>,
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
    /// How the last connection there went (the best across tickets); `None` before the first.
    pub status: Option<ConnectionStatus>,
    /// When Tessera last reached it, "12 Nov 2026".
    pub last_contact: Option<String>,
    /// The people whose tickets can be shown there.
    pub people: Vec<String>,
    /// The people whose records Tessera reads there through the hospital's own patient portal.
    pub portal: Vec<String>,
}

/// One hospital's connection outcome for one ticket (the `connect --json` contract).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct HospitalOutcome {
    /// The person the ticket is about (their id at the issuer).
    pub person: String,
    /// The ticket presented.
    pub ticket_id: String,
    /// FHIR base URL.
    pub fhir_base_url: String,
    /// Name.
    pub name: String,
    /// How it ended.
    pub status: ConnectionStatus,
    /// The coded failure, if any.
    pub error: Option<ErrorView>,
    /// Resources read.
    pub resources: u32,
    /// What the hospital granted this time, in words (one line per scope of its token); empty when it failed.
    pub granted: Vec<String>,
    /// Kinds of records the hospital would not let this grant read, in words ("Documents"); the rest was read.
    pub not_available: Vec<String>,
    /// How the hospital was reached: with the ticket, or through its own patient portal (then `ticket_id` is the
    /// portal connection's grant id).
    pub via: crate::records::Via,
    /// The hospital takes no permission tickets but offers its own patient-portal sign-in, which the person may
    /// choose for this person ("Sign in at <hospital>'s patient portal"); it is never started on its own.
    pub portal_sign_in: bool,
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

/// What every part of the wallet uses, and a job running on its own clones: cheap handles, no secret.
#[derive(Clone)]
pub(crate) struct Deps {
    pub profile: Profile,
    pub store: Store,
    pub vault: Vault,
    pub http: Http,
    pub clock: Arc<dyn Clock>,
    pub random: Arc<dyn Random>,
    pub fan_out: FanOut,
    pub interaction: Option<Browser>,
}

/// An open wallet: its [`Deps`] and the [`Session`] that lives only while it is unlocked.
pub struct Wallet {
    pub(crate) deps: Deps,
    pub(crate) session: Session,
    /// Seconds without use before locking; 0: never.
    idle_lock: std::sync::atomic::AtomicI64,
    /// One lock per portal connection (kept across locking, see [`ConnectionLocks`]).
    pub(crate) connection_locks: ConnectionLocks,
}

tokio::task_local! {
    /// Set while the schedule works (see [`Wallet::in_background`]).
    static IN_BACKGROUND: ();
}

/// Whether the current task is the schedule's.
fn in_background() -> bool {
    IN_BACKGROUND.try_with(|()| ()).is_ok()
}

/// An idle period in whole seconds, at least one; 0 for never.
fn idle_secs(idle: Option<std::time::Duration>) -> i64 {
    idle.map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX).max(1))
}

pub(crate) fn short_hash(parts: &[&str]) -> String {
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
pub(crate) fn serves(held: &HeldTicket, row: &HospitalRow, linked: &[String]) -> bool {
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
        let deps = Deps {
            http: Http::new(options.http, options.random.clone())?,
            vault,
            store,
            profile,
            clock: options.clock,
            random: options.random,
            fan_out: options.fan_out,
            interaction: options.interaction,
        };
        Ok(Self {
            deps,
            session: Session::default(),
            idle_lock: std::sync::atomic::AtomicI64::new(idle_secs(options.idle_lock)),
            connection_locks: ConnectionLocks::default(),
        })
    }

    /// The store (activity log and index).
    pub fn store(&self) -> &Store {
        &self.deps.store
    }

    /// The status for the first screen. Reads the store only, never the keychain.
    pub async fn status(&self) -> Result<WalletStatus> {
        let [brokers, people, tickets, hospitals] = self.deps.store.counts().await?;
        let state = match (brokers, self.is_locked()) {
            (0, _) => WalletState::Empty,
            (_, true) => WalletState::Locked,
            (_, false) => WalletState::Ready,
        };
        Ok(WalletStatus::new(&self.deps.profile.name(), state, brokers, people, tickets, hospitals))
    }

    /// The install's identity, read from the keychain on first use after opening or unlocking.
    /// Work done by the schedule (see [`Wallet::in_background`]) never unlocks the wallet and never counts as use.
    pub(crate) async fn identity(&self) -> Result<Arc<Identity>> {
        self.lock_if_idle().await;
        if in_background() {
            if self.is_locked() {
                return Err(Error::new(ErrorCode::WalletLocked));
            }
        } else {
            *self.session.last_use.lock().unwrap_or_else(|p| p.into_inner()) = Some(self.deps.clock.unix_now());
        }
        let mut slot = self.session.identity.lock().await;
        if let Some(identity) = slot.as_ref() {
            return Ok(identity.clone());
        }
        let identity = Arc::new(Identity::load_or_create(&self.deps.vault).await?);
        *slot = Some(identity.clone());
        self.session.begin();
        Ok(identity)
    }

    /// Ends the session: every secret and record held in memory is forgotten at once (the signing key, brokers'
    /// access tokens, cached keys, the records read); the keychain is read again on next use. Portal sign-ins that
    /// were waiting for the person's answer are given up, their tokens revoked at the hospital.
    pub async fn lock(&self) {
        let waiting = self.session.end().await;
        self.give_up(waiting).await;
    }

    /// Locks when the idle period has passed since the last use. Returns whether it locked.
    pub async fn lock_if_idle(&self) -> bool {
        let idle = self.idle_lock.load(std::sync::atomic::Ordering::SeqCst);
        if idle == 0 {
            return false;
        }
        let last = *self.session.last_use.lock().unwrap_or_else(|p| p.into_inner());
        let holding = self.session.identity.lock().await.is_some();
        if holding && last.is_some_and(|last| self.deps.clock.unix_now().saturating_sub(last) >= idle) {
            self.lock().await;
            return true;
        }
        false
    }

    /// Changes how long the wallet may stay idle before it locks (`None`: never).
    pub fn set_idle_lock(&self, idle: Option<std::time::Duration>) {
        self.idle_lock.store(idle_secs(idle), std::sync::atomic::Ordering::SeqCst);
    }

    /// Unlocks: reads the install's key from the keychain again (a locked keychain is `vault.locked`). Tickets and
    /// records are read again when a screen needs them.
    pub async fn unlock(&self) -> Result<()> {
        self.identity().await.map(|_| ())
    }

    /// Runs `work` as the schedule: nothing it does counts as use (it never keeps the wallet from locking), and
    /// anything that needs the install's key fails with `wallet.locked` instead of unlocking the wallet.
    pub async fn in_background<F: std::future::Future>(&self, work: F) -> F::Output {
        IN_BACKGROUND.scope((), work).await
    }

    /// Whether the secrets are locked away (after [`Wallet::lock`] or the idle period).
    pub fn is_locked(&self) -> bool {
        self.session.is_locked()
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
            at: self.deps.clock.unix_now(),
            kind: kind.into(),
            hospital: hospital.map(String::from),
            grant: grant.map(String::from),
            outcome: outcome.into(),
            detail,
        };
        if let Err(error) = self.deps.store.log(&entry).await {
            tracing::warn!(code = %error.code(), "activity not recorded");
        }
    }

    /// Every ticket held, read from the keychain.
    pub async fn held_tickets(&self) -> Result<Vec<HeldTicket>> {
        let rows = self.deps.store.tickets().await?;
        let reads = rows.iter().map(|(_, item)| self.deps.store.get_secret(&self.deps.vault, item));
        let raws = futures_util::future::join_all(reads).await;
        rows.into_iter().zip(raws).map(|((id, _), raw)| Ok(HeldTicket { id, ticket: Ticket::parse(raw?)? })).collect()
    }

    /// A held ticket as people see it, with its grant's one status.
    pub(crate) async fn view(&self, held: &HeldTicket, connections: &[ConnectionRow]) -> Result<TicketView> {
        let own: Vec<&ConnectionRow> = connections.iter().filter(|k| k.ticket_id == held.id).collect();
        let state = self.ticket_state(held, &own, self.deps.clock.unix_now()).await?;
        Ok(TicketView {
            id: held.id.clone(),
            person: held.ticket.claims.patient_key.clone(),
            description: describe(&held.ticket),
            expires_at: held.ticket.claims.exp,
            status: state.status,
            ends_at: state.ends,
            warning: state.warning,
        })
    }

    /// Every ticket, described, each with its grant's status. Tickets due for re-minting are re-minted first, so
    /// what is shown is what holds now (a broker that cannot be reached leaves the tickets as they are).
    pub async fn tickets(&self) -> Result<Vec<TicketView>> {
        if let Err(error) = self.remint_due_tickets().await {
            tracing::warn!(code = %error.code(), "tickets not re-minted before listing");
        }
        let connections = self.deps.store.connections().await?;
        let mut out = Vec::new();
        for held in self.held_tickets().await? {
            out.push(self.view(&held, &connections).await?);
        }
        Ok(out)
    }

    /// The people whose records can be opened, from the tickets, with how many hospitals are connected for each
    /// and when their access ends (the latest end among their tickets).
    pub async fn people(&self) -> Result<Vec<PersonView>> {
        /// One person as their tickets are gathered.
        struct Gathered {
            person: PersonView,
            ends: Vec<Option<i64>>,
            hospitals: BTreeSet<String>,
            connected: BTreeSet<String>,
        }
        let directory = self.deps.store.hospitals().await?;
        let connections = self.deps.store.connections().await?;
        let mut people: Vec<Gathered> = Vec::new();
        for held in self.held_tickets().await? {
            let c = &held.ticket.claims;
            let index = match people.iter().position(|g| g.person.id == c.patient_key) {
                Some(index) => index,
                None => {
                    people.push(Gathered {
                        person: PersonView {
                            id: c.patient_key.clone(),
                            name: c.patient.full_name(),
                            birth_date: c.patient.birth_date.clone(),
                            relationship: c.authority.clone().unwrap_or_else(|| "self".into()),
                            born: c.patient.birth_date.as_deref().map(crate::describe::iso_date_words),
                            authority: c.authority.as_deref().map(|a| crate::describe::authority_words(a).to_string()),
                            hospitals: 0,
                            connected: 0,
                            access_ends: None,
                        },
                        ends: Vec::new(),
                        hospitals: BTreeSet::new(),
                        connected: BTreeSet::new(),
                    });
                    people.len() - 1
                }
            };
            let gathered = &mut people[index];
            gathered.ends.push(self.grant_end(&held).await?);
            gathered.hospitals.extend(
                directory
                    .iter()
                    .filter(|(row, linked)| serves(&held, row, linked))
                    .map(|(row, _)| row.fhir_base_url.clone()),
            );
            gathered.connected.extend(
                connections
                    .iter()
                    .filter(|k| k.ticket_id == held.id && k.status == ConnectionStatus::Connected.as_str())
                    .map(|k| k.fhir_base_url.clone()),
            );
        }
        // People read through a hospital's own patient portal: a hospital more for someone known, or someone known
        // only through portals (their name and birth date as the hospital gives them, kept in the keychain).
        for connection in self.portal_connections(None, false).await? {
            let Ok(secret) = &connection.secret else { continue };
            let index = match people.iter().position(|g| g.person.id == secret.person) {
                Some(index) => index,
                None => {
                    people.push(Gathered {
                        person: PersonView {
                            id: secret.person.clone(),
                            name: secret.named.full_name(),
                            birth_date: secret.named.birth_date.clone(),
                            relationship: "portal".into(),
                            born: secret.named.birth_date.as_deref().map(crate::describe::iso_date_words),
                            authority: Some("proxy at a patient portal".into()),
                            hospitals: 0,
                            connected: 0,
                            access_ends: None,
                        },
                        ends: vec![None],
                        hospitals: BTreeSet::new(),
                        connected: BTreeSet::new(),
                    });
                    people.len() - 1
                }
            };
            let base = &connection.row.fhir_base_url;
            people[index].hospitals.insert(base.clone());
            if connection.row.status == ConnectionStatus::Connected.as_str() {
                people[index].connected.insert(base.clone());
            }
        }
        Ok(people
            .into_iter()
            .map(|gathered| {
                // Access lasts as long as the longest-lasting ticket; one without an end lasts until it is ended.
                let end = gathered.ends.iter().try_fold(i64::MIN, |latest, end| end.map(|e| latest.max(e)));
                PersonView {
                    hospitals: gathered.hospitals.len() as u32,
                    connected: gathered.connected.len() as u32,
                    access_ends: end.map(crate::describe::date_words),
                    ..gathered.person
                }
            })
            .collect())
    }

    /// The hospital directory, with each hospital's last connection and the people whose tickets it takes.
    pub async fn hospitals(&self) -> Result<Vec<HospitalView>> {
        let held = self.held_tickets().await?;
        let connections = self.deps.store.connections().await?;
        let portals = self.portal_connections(None, false).await?;
        Ok(self
            .deps
            .store
            .hospitals()
            .await?
            .into_iter()
            .map(|(row, linked)| {
                let mine: Vec<_> = connections.iter().filter(|k| k.fhir_base_url == row.fhir_base_url).collect();
                let through: Vec<_> = portals.iter().filter(|c| c.row.fhir_base_url == row.fhir_base_url).collect();
                let status = ["connected", "needs_confirmation", "not_shown", "no_records", "unsupported", "failed"]
                    .into_iter()
                    .find(|s| mine.iter().any(|k| k.status == *s) || through.iter().any(|c| c.row.status == *s))
                    .map(|s| match s {
                        "connected" => ConnectionStatus::Connected,
                        "needs_confirmation" => ConnectionStatus::NeedsConfirmation,
                        "not_shown" => ConnectionStatus::NotShown,
                        "no_records" => ConnectionStatus::NoRecords,
                        "unsupported" => ConnectionStatus::Unsupported,
                        _ => ConnectionStatus::Failed,
                    });
                let last = mine.iter().map(|k| k.last_used).chain(through.iter().map(|c| c.row.last_used)).max();
                let mut portal: Vec<String> =
                    through.iter().filter_map(|c| c.secret.as_ref().ok()).map(|s| s.named.full_name()).collect();
                portal.dedup();
                let mut people: Vec<String> = held
                    .iter()
                    .filter(|t| serves(t, &row, &linked))
                    .map(|t| t.ticket.claims.patient.full_name())
                    .collect();
                people.dedup();
                HospitalView {
                    fhir_base_url: row.fhir_base_url,
                    name: row.name,
                    source: row.source,
                    tickets: linked.len() as u32,
                    status,
                    last_contact: last.map(crate::describe::date_words),
                    people,
                    portal,
                }
            })
            .collect())
    }

    /// Adds a hospital by its FHIR base URL, after checking it answers SMART discovery; its name is read from its
    /// SMART configuration or CapabilityStatement (never shown as host and port when it names itself).
    pub async fn add_hospital(&self, url: &str) -> Result<HospitalView> {
        let base = crate::http::normalise_base(url)?;
        let (config, _) = hospital::fetch_configuration(&self.deps.http, &base).await.map_err(|error| {
            let action = "Check the address and that the hospital is online, then add it again; nothing was added.";
            error.with_action(action)
        })?;
        let name = hospital::name_of(&self.deps.http, &base, &config).await.unwrap_or_else(|| host_of(&base));
        let row = HospitalRow { fhir_base_url: base.clone(), name, source: "manual".into() };
        self.deps.store.save_hospital(&row, &[], self.deps.clock.unix_now()).await?;
        Ok(self.hospitals().await?.into_iter().find(|h| h.fhir_base_url == base).unwrap_or(HospitalView {
            fhir_base_url: base,
            name: row.name,
            source: row.source,
            tickets: 0,
            status: None,
            last_contact: None,
            people: Vec::new(),
            portal: Vec::new(),
        }))
    }

    /// Removes a hospital from the directory (its registration and cached configuration are forgotten too);
    /// `portal.still_connected`, naming the connection to end, while a patient-portal connection there is in force
    /// or being ended (removing the hospital would leave its token live there, out of sight).
    pub async fn remove_hospital(&self, url: &str) -> Result<()> {
        let base = crate::http::normalise_base(url)?;
        if !self.deps.store.hospitals().await?.iter().any(|(row, _)| row.fhir_base_url == base) {
            return Err(Error::new(ErrorCode::InvalidInput)
                .with_message("That hospital is not in your directory.")
                .with_action("List hospitals with `tessera hospitals`."));
        }
        let portals = self.deps.store.portal_connections().await?;
        let reading = portals.iter().filter(|row| row.fhir_base_url == base && row.status != "revoked");
        let ids: Vec<&str> = reading.map(|row| row.id.as_str()).collect();
        if !ids.is_empty() {
            let name = self.deps.store.hospital_names().await?.remove(&base).unwrap_or_else(|| host_of(&base));
            return Err(Error::new(ErrorCode::PortalStillConnected)
                .with_message(format!("Tessera still reads {name} through its patient portal."))
                .with_action(format!(
                    "End the portal connection first: in Grants (\"End the portal connection to {name}\"), or \
                     `tessera revoke {}`; then remove the hospital.",
                    ids.join("` and `tessera revoke ")
                )));
        }
        self.deps.store.forget_hospital(&base).await
    }

    /// Imports a SMART User-access Brands bundle from a file path or an http(s) URL into the hospital directory.
    pub async fn import_brands(&self, source: &str) -> Result<Vec<HospitalView>> {
        let bundle: Value = if source.starts_with("https://") || source.starts_with("http://") {
            let answer = self.deps.http.get(Party::Hospital, source, None).await?;
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
            self.deps.store.save_hospital(&row, &[], self.deps.clock.unix_now()).await?;
            added.push(row.fhir_base_url);
        }
        let directory = self.hospitals().await?;
        Ok(added.iter().filter_map(|url| directory.iter().find(|h| &h.fhir_base_url == url).cloned()).collect())
    }
}
