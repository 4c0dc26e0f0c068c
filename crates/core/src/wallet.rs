//! The wallet: one profile's [`Deps`] (store, vault, HTTP, clock, randomness, fan-out limits) and its [`Session`]
//! (what locking forgets), the lock itself, and the tickets and people read from the keychain. Front ends (CLI,
//! desktop) call only `Wallet` and receive view models ([`crate::view`]) that carry no secret. The other operations
//! are `impl Wallet` blocks in their capability's folder: `broker::signin`, `hospitals::{directory, reach}`,
//! `records::opening`, `grants`, `portal`.

use crate::base::http::{Http, HttpPolicy};
use crate::broker::Browser;
use crate::hospitals::fan_out::FanOut;
use crate::portal::waiting::ConnectionLocks;
use crate::session::Session;
use crate::status::{WalletState, WalletStatus};
use crate::store::{ActivityEntry, ActivityKind, ConnectionRow, ConnectionState, Outcome, Store};
use crate::ticket::Ticket;
use crate::vault::identity::Identity;
use crate::vault::passphrase::{self, Passphrase, Protection, Tries};
use crate::vault::Vault;
use crate::view::{serves, HeldTicket, PersonView, Relationship, TicketView};
use crate::words::describe::describe_issued;
use crate::{Clock, Error, ErrorCode, Profile, Random, Result};
use std::collections::BTreeSet;
use std::sync::Arc;

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
    /// Wrong passphrases in a row; held while a passphrase is checked, so tries go one at a time.
    tries: tokio::sync::Mutex<Tries>,
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

/// The wallet, found unlocked when it was handed out by [`Wallet::unlocked`]: what the window's commands that read
/// or change anyone's data take, so that a command cannot reach the wallet without passing the lock. Each read
/// inside checks again, so a handle kept past a lock still gets `wallet.locked`.
pub struct Unlocked<'w>(&'w Wallet);

impl std::ops::Deref for Unlocked<'_> {
    type Target = Wallet;

    fn deref(&self) -> &Wallet {
        self.0
    }
}

impl Wallet {
    /// Opens the profile's store (finishing any interrupted keychain work) and vault.
    pub async fn open(profile: Profile, options: WalletOptions) -> Result<Self> {
        let store = Store::open(profile.dir()).await?;
        let vault = Vault::new(profile.namespace());
        store.recover(&vault).await?;
        // With a passphrase, a wallet starts locked: nothing answers until the person unlocks it.
        let session = match store.protection().await? {
            Protection::Passphrase => Session::locked(),
            Protection::Unset | Protection::Off => Session::default(),
        };
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
            session,
            tries: tokio::sync::Mutex::new(Tries::default()),
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
        // Locked comes first: a wallet with a passphrase that signed out of every broker still asks for it.
        let state = match (brokers, self.is_locked()) {
            (_, true) => WalletState::Locked,
            (0, false) => WalletState::Empty,
            (_, false) => WalletState::Ready,
        };
        Ok(WalletStatus::new(&self.deps.profile.name(), state, brokers, people, tickets, hospitals)
            .with_protection(self.protection().await?))
    }

    /// How the wallet is protected when locked (one read of the store, no keychain).
    pub async fn protection(&self) -> Result<Protection> {
        self.deps.store.protection().await
    }

    /// The wallet as an [`Unlocked`] handle; `wallet.locked` once the session has ended (after [`Wallet::lock`] or
    /// the idle period) until [`Wallet::unlock`]: nothing about anyone is read meanwhile — no ticket, no portal
    /// connection's secret, no signing key. Every read of those passes here.
    pub async fn unlocked(&self) -> Result<Unlocked<'_>> {
        self.lock_if_idle().await;
        if self.is_locked() {
            return Err(Error::new(ErrorCode::WalletLocked));
        }
        Ok(Unlocked(self))
    }

    /// The install's identity, read from the keychain on first use after opening or unlocking; `wallet.locked`
    /// while locked. Work done by the schedule (see [`Wallet::in_background`]) never counts as use.
    pub(crate) async fn identity(&self) -> Result<Arc<Identity>> {
        self.unlocked().await?;
        self.note_use();
        self.load_identity().await
    }

    /// Counts now as use (keeping the wallet from locking), unless the schedule is the one working.
    fn note_use(&self) {
        if !in_background() {
            *self.session.last_use.lock().unwrap_or_else(|p| p.into_inner()) = Some(self.deps.clock.unix_now());
        }
    }

    /// The install's key: the one the session holds, else read from the keychain (the session begins again).
    async fn load_identity(&self) -> Result<Arc<Identity>> {
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

    /// Unlocks: checks the passphrase when one is set (wrong tries back off), then reads the install's key from the
    /// keychain again (a locked keychain is `vault.locked`) and begins a new session; the only way out of
    /// [`Wallet::lock`]. Tickets and records are read again when a screen needs them.
    pub async fn unlock(&self, passphrase: Option<&Passphrase>) -> Result<()> {
        self.check_passphrase(passphrase).await?;
        self.note_use();
        self.load_identity().await.map(|_| ())
    }

    /// Sets the passphrase that unlocking needs (changing one needs the `current` one). Only its Argon2id verifier is
    /// kept, in the keychain.
    pub async fn set_passphrase(&self, current: Option<&Passphrase>, new: Passphrase) -> Result<()> {
        self.unlocked().await?;
        new.check_new()?;
        self.check_passphrase(current).await?;
        let random = self.deps.random.clone();
        let verifier = crate::vault::blocking(move || passphrase::verifier(&new, random.as_ref())).await?;
        self.deps.vault.put(passphrase::VERIFIER_ITEM, passphrase::VERIFIER_LABEL, &verifier).await?;
        self.deps.store.set_protection(Protection::Passphrase, self.deps.clock.unix_now()).await
    }

    /// Turns the passphrase off (it needs the `current` one; when none was ever chosen, this is the person's "not
    /// now"): the lock is a privacy screen from then on.
    pub async fn turn_passphrase_off(&self, current: Option<&Passphrase>) -> Result<()> {
        self.unlocked().await?;
        self.check_passphrase(current).await?;
        self.deps.store.set_protection(Protection::Off, self.deps.clock.unix_now()).await?;
        match self.deps.vault.delete(passphrase::VERIFIER_ITEM).await {
            Err(error) if error.code() != ErrorCode::VaultItemMissing => Err(error),
            _ => Ok(()),
        }
    }

    /// `Ok` when no passphrase is set or `typed` is it; `wallet.passphrase_wrong` otherwise (an empty try does not
    /// count), and `wallet.unlock_wait` while the wait after repeated wrong tries runs.
    async fn check_passphrase(&self, typed: Option<&Passphrase>) -> Result<()> {
        if self.protection().await? != Protection::Passphrase {
            return Ok(());
        }
        let Some(typed) = typed.filter(|typed| !typed.is_empty()) else {
            return Err(Error::new(ErrorCode::PassphraseWrong).with_message("Type Tessera's passphrase first."));
        };
        let mut tries = self.tries.lock().await;
        tries.check(self.deps.clock.unix_now())?;
        let verifier = self.deps.vault.get(passphrase::VERIFIER_ITEM).await?;
        let typed = typed.duplicate();
        let right = crate::vault::blocking(move || Ok(passphrase::matches(&verifier, &typed))).await?;
        if right {
            *tries = Tries::default();
            return Ok(());
        }
        *tries = tries.wrong_at(self.deps.clock.unix_now());
        Err(Error::new(ErrorCode::PassphraseWrong))
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
        kind: ActivityKind,
        hospital: Option<&str>,
        grant: Option<&str>,
        outcome: Outcome,
        detail: Option<String>,
    ) {
        let entry = ActivityEntry {
            at: self.deps.clock.unix_now(),
            kind,
            hospital: hospital.map(String::from),
            grant: grant.map(String::from),
            outcome,
            detail,
        };
        if let Err(error) = self.deps.store.log(&entry).await {
            tracing::warn!(code = %error.code(), "activity not recorded");
        }
    }

    /// Every ticket held, read from the keychain.
    pub async fn held_tickets(&self) -> Result<Vec<HeldTicket>> {
        self.unlocked().await?;
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
            description: describe_issued(&held.ticket, &self.deps.store.issuer_names().await?),
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
                            relationship: c.authority.clone().map_or(Relationship::Own, Relationship::Authority),
                            born: c.patient.birth_date.as_deref().map(crate::words::describe::iso_date_words),
                            authority: c
                                .authority
                                .as_deref()
                                .map(|a| crate::words::describe::authority_words(a).to_string()),
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
                    .filter(|k| k.ticket_id == held.id && k.status == ConnectionState::Connected)
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
                            relationship: Relationship::PortalProxy,
                            born: secret.named.birth_date.as_deref().map(crate::words::describe::iso_date_words),
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
            if connection.row.status == ConnectionState::Connected {
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
                    access_ends: end.map(crate::words::describe::date_words),
                    ..gathered.person
                }
            })
            .collect())
    }
}
