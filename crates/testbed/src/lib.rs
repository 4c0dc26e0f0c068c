//! tessera-testbed: a trust broker and N hospitals on loopback, speaking SMART Permission Tickets.
//!
//! [`Testbed::start`] builds a deterministic synthetic world ([`data`]), starts the broker ([`broker`]) and one
//! server per hospital ([`hospital`], [`fhir`]), each on its own port of 127.0.0.1 (its own origin), and returns
//! the [`Manifest`] that names them. Faults ([`faults`]) are injected per hospital; a `portal-only` hospital takes
//! no tickets and is reached through its own patient portal's SMART standalone launch ([`portal`]). The
//! `tessera-testbed` binary is a thin wrapper that prints the manifest and serves until killed.
//!
//! Control and inspection routes on the broker's origin: `POST /testbed/hospitals/{index}/up` and `…/down` (a
//! hospital started or taken down keeps its address), `GET …/revocations` and `GET …/portal-grants` (never a
//! token). For the scale tests and the benchmark each hospital counts the requests it is answering (`in_flight`,
//! `most_in_flight`) and its status-list reads, the broker counts status-list reads, and
//! `Config::participant_everywhere` puts the research participant at every hospital. Transport faults (latency,
//! errors, rate limits, hangs, slow bodies) are applied by `faults_layer`.

pub mod access;
pub mod broker;
pub mod data;
pub mod demo;
pub mod faults;
pub mod fhir;
pub mod fixtures;
pub mod hospital;
pub mod hospital_routes;
pub mod html;
pub mod oauth;
pub mod portal;
pub mod portal_state;
pub mod scopes;
pub use tessera_jose::status_list;

use access::LocalPatient;
use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use broker::{Broker, BrokerSetup};
use faults::Fault;
use hospital::{Hospital, HospitalSetup};
use serde::Serialize;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// The testbed's clock: seconds since the Unix epoch. Tests pass a movable one.
pub type Now = Arc<dyn Fn() -> i64 + Send + Sync>;

/// The machine's clock.
pub fn system_now() -> Now {
    Arc::new(|| time::OffsetDateTime::now_utc().unix_timestamp())
}

/// How to build the network.
#[derive(Clone)]
pub struct Config {
    /// Number of hospitals.
    pub sites: usize,
    /// Seed of the synthetic data.
    pub seed: u64,
    /// Latency added to every hospital response.
    pub latency_ms: u64,
    /// Faults per hospital index.
    pub faults: HashMap<usize, Vec<Fault>>,
    /// Approve sign-ins and patient confirmations without a person.
    pub auto_approve: bool,
    /// How long a ticket stays redeemable (capped by its grant's end).
    pub ticket_lifetime_secs: i64,
    /// The clock.
    pub now: Now,
    /// Serve this directory of per-site FHIR bundles instead of generated data (see [`fixtures`]).
    pub data_dir: Option<std::path::PathBuf>,
    /// Name the generated people after the stories (see [`data::name_the_story`]).
    pub story_names: bool,
    /// The research participant has been seen at every hospital (a consent used at N hospitals, for the
    /// revocation benchmark); otherwise at a few.
    pub participant_everywhere: bool,
    /// How the broker writes tickets: kernel, one ticket per hospital, sensitivity policy (see
    /// [`broker::Dialect`]).
    pub dialect: broker::Dialect,
    /// The broker's name in its SMART configuration (`organization.name`); `None`: it gives none.
    pub broker_name: Option<String>,
}

/// What the test network's broker calls itself unless told otherwise.
pub const TEST_BROKER_NAME: &str = "Test Network Trust Broker";

impl Default for Config {
    fn default() -> Self {
        Self {
            sites: 8,
            seed: 1,
            latency_ms: 0,
            faults: HashMap::new(),
            auto_approve: true,
            ticket_lifetime_secs: 30 * 86_400,
            now: system_now(),
            data_dir: None,
            story_names: false,
            participant_everywhere: false,
            dialect: broker::Dialect::default(),
            broker_name: Some(TEST_BROKER_NAME.to_string()),
        }
    }
}

/// A hospital as listed in the manifest and in the broker's endpoint hints.
#[derive(Debug, Clone, Serialize)]
pub struct HospitalDirectoryEntry {
    /// Display name.
    pub name: String,
    /// FHIR base URL.
    pub fhir_base_url: String,
    /// NPI.
    pub npi: String,
    /// US state.
    pub state: String,
    /// Fault labels (see [`faults`]).
    pub faults: Vec<String>,
}

/// A person as listed in the manifest.
#[derive(Debug, Clone, Serialize)]
pub struct ManifestPerson {
    /// Id, usable as `login_hint`.
    pub id: String,
    /// Full name.
    pub name: String,
    /// `YYYY-MM-DD`.
    pub birth_date: String,
    /// `patient`, `caregiver` or `research_participant`.
    pub role: data::Role,
    /// Ids of the patients this person acts for.
    pub acts_for: Vec<String>,
}

/// What the testbed prints once every server listens: the contract scripts rely on.
#[derive(Debug, Clone, Serialize)]
pub struct Manifest {
    /// The broker's base URL.
    pub broker: String,
    /// Every hospital.
    pub hospitals: Vec<HospitalDirectoryEntry>,
    /// Everyone who can sign in.
    pub people: Vec<ManifestPerson>,
}

/// A running network. Dropping it stops every server.
pub struct Testbed {
    /// The manifest.
    pub manifest: Manifest,
    /// The broker, for in-process inspection (grants, revocation).
    pub broker: Arc<Broker>,
    /// The hospitals, in manifest order.
    pub hospitals: Vec<Arc<Hospital>>,
    /// The world the data came from.
    pub world: Arc<data::World>,
    switchboard: Arc<Switchboard>,
    shutdown: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

async fn loopback_listener() -> anyhow::Result<(TcpListener, String)> {
    let listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await?;
    let base = format!("http://{}", listener.local_addr()?);
    Ok((listener, base))
}

impl Testbed {
    /// Starts the broker and every hospital; returns once all of them listen.
    pub async fn start(config: Config) -> anyhow::Result<Self> {
        let (world, fixture_records) = match &config.data_dir {
            Some(dir) => {
                let loaded = fixtures::load(dir)?;
                (loaded.world, Some(loaded.records))
            }
            None => (data::generate(config.seed, config.sites), None),
        };
        let mut world = world;
        if config.story_names {
            data::name_the_story(&mut world);
        }
        if config.participant_everywhere {
            let all: Vec<usize> = (0..world.hospitals.len()).collect();
            for person in world.people.iter_mut().filter(|p| p.role == data::Role::ResearchParticipant) {
                person.sites = all.clone();
            }
        }
        let world = Arc::new(world);
        let (shutdown, watcher) = watch::channel(false);
        let mut tasks = Vec::new();
        let (broker_listener, broker_base) = loopback_listener().await?;
        let network = format!("{broker_base}/network");

        let mut listeners = Vec::new();
        let mut directory = Vec::new();
        for (index, info) in world.hospitals.iter().enumerate() {
            let (listener, base) = loopback_listener().await?;
            let faults = config.faults.get(&index).cloned().unwrap_or_default();
            directory.push(HospitalDirectoryEntry {
                name: info.name.clone(),
                fhir_base_url: format!("{base}/fhir"),
                npi: info.npi.clone(),
                state: info.state.to_string(),
                faults: faults.iter().map(Fault::label).collect(),
            });
            listeners.push((listener, base, faults));
        }

        let broker = Arc::new(Broker::new(BrokerSetup {
            base: broker_base.clone(),
            auto_approve: config.auto_approve,
            world: world.clone(),
            directory: directory.clone(),
            ticket_lifetime: config.ticket_lifetime_secs,
            dialect: config.dialect,
            now: config.now.clone(),
            name: config.broker_name.clone(),
        })?);
        let switchboard = Arc::new(Switchboard { switches: std::sync::Mutex::default(), shutdown: watcher.clone() });
        let control = axum::Router::new()
            .route("/testbed/hospitals/{index}/up", axum::routing::post(bring_up))
            .route("/testbed/hospitals/{index}/down", axum::routing::post(take_down))
            .route("/testbed/hospitals/{index}/revocations", axum::routing::get(revocations))
            .route("/testbed/hospitals/{index}/portal-grants", axum::routing::get(portal_grants))
            .with_state(switchboard.clone());
        tasks.push(serve(broker_listener, broker.clone().router().merge(control), watcher.clone()));

        let mut hospitals = Vec::new();
        for (index, (listener, base, faults)) in listeners.into_iter().enumerate() {
            let (patients, records) =
                hospital_population(&world, config.seed, index, &faults, fixture_records.as_ref());
            let portal_accounts = if faults.contains(&Fault::PortalOnly) {
                portal::accounts(&world, index, &patients)
            } else {
                Vec::new()
            };
            let hospital = Arc::new(Hospital::new(HospitalSetup {
                index,
                info: world.hospitals[index].clone(),
                base,
                latency_ms: config.latency_ms,
                faults: faults.clone(),
                issuer: broker_base.clone(),
                network: network.clone(),
                auto_approve: config.auto_approve,
                patients,
                records,
                portal_accounts,
                now: config.now.clone(),
            }));
            let address = listener.local_addr()?;
            let server = if faults.contains(&Fault::Down) {
                // Nothing listens (connection refused) until the control route brings it up on the same address.
                drop(listener);
                None
            } else {
                Some(serve(listener, hospital.clone().router(), watcher.clone()))
            };
            switchboard.lock().push(Switch { address, hospital: hospital.clone(), server });
            hospitals.push(hospital);
        }

        let people = world
            .people
            .iter()
            .map(|p| ManifestPerson {
                id: p.id.clone(),
                name: p.name(),
                birth_date: p.birth_date.clone(),
                role: p.role,
                acts_for: p.acts_for.iter().map(|(id, _)| id.clone()).collect(),
            })
            .collect();
        let manifest = Manifest { broker: broker_base, hospitals: directory, people };
        Ok(Self { manifest, broker, hospitals, world, switchboard, shutdown, tasks })
    }

    /// Stops every server and waits for them to finish.
    pub async fn stop(mut self) {
        let _ = self.shutdown.send(true);
        let hospitals: Vec<JoinHandle<()>> =
            self.switchboard.lock().iter_mut().filter_map(|s| s.server.take()).collect();
        for task in self.tasks.drain(..).chain(hospitals) {
            let _ = tokio::time::timeout(Duration::from_secs(2), task).await;
        }
    }

    /// Takes hospital `index` down (connections refused; open connections answer 503) or brings it back up on its
    /// own address. Returns false when it already was in that state. The same as `POST /testbed/hospitals/{index}/
    /// down|up` on the broker's origin.
    pub async fn set_down(&self, index: usize, down: bool) -> anyhow::Result<bool> {
        self.switchboard.set_down(index, down).await
    }

    /// The hospital whose FHIR base URL is `fhir_base_url`.
    pub fn hospital(&self, fhir_base_url: &str) -> Option<&Arc<Hospital>> {
        self.hospitals.iter().find(|h| h.fhir_base() == fhir_base_url)
    }
}

impl Drop for Testbed {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
        for task in &self.tasks {
            task.abort();
        }
        for switch in self.switchboard.lock().iter() {
            if let Some(server) = &switch.server {
                server.abort();
            }
        }
    }
}

/// One hospital's server: its address and, while it is up, the task serving it.
struct Switch {
    address: SocketAddr,
    hospital: Arc<Hospital>,
    server: Option<JoinHandle<()>>,
}

/// Every hospital's server, which the control routes (and [`Testbed::set_down`]) take down and bring back up.
struct Switchboard {
    switches: std::sync::Mutex<Vec<Switch>>,
    shutdown: watch::Receiver<bool>,
}

impl Switchboard {
    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Switch>> {
        self.switches.lock().unwrap_or_else(|p| p.into_inner())
    }

    async fn set_down(&self, index: usize, down: bool) -> anyhow::Result<bool> {
        let (address, hospital, running) = {
            let switches = self.lock();
            let switch = switches.get(index).ok_or_else(|| anyhow::anyhow!("no hospital {index}"))?;
            (switch.address, switch.hospital.clone(), switch.server.is_some())
        };
        if down != running {
            return Ok(false);
        }
        let offline = std::sync::atomic::Ordering::SeqCst;
        if down {
            // The listener goes (new connections are refused); connections already open answer 503.
            hospital.offline.store(true, offline);
            if let Some(server) = self.lock()[index].server.take() {
                server.abort();
            }
        } else {
            let listener = TcpListener::bind(address).await?;
            hospital.offline.store(false, offline);
            let server = serve(listener, hospital.router(), self.shutdown.clone());
            self.lock()[index].server = Some(server);
        }
        Ok(true)
    }
}

/// `POST /testbed/hospitals/{index}/up` on the broker's origin: a hospital that is down starts listening again on
/// its own address (the demo's "the hospital is back"). 404 when it is not down.
async fn bring_up(
    State(switchboard): State<Arc<Switchboard>>,
    axum::extract::Path(index): axum::extract::Path<usize>,
) -> Response {
    switch(&switchboard, index, false).await
}

/// `POST /testbed/hospitals/{index}/down`: the hospital stops answering. 404 when it is already down.
async fn take_down(
    State(switchboard): State<Arc<Switchboard>>,
    axum::extract::Path(index): axum::extract::Path<usize>,
) -> Response {
    switch(&switchboard, index, true).await
}

/// `GET /testbed/hospitals/{index}/revocations`: the kinds of the tokens revoked there through RFC 7009, in order
/// (`["refresh_token", …]`) — inspection for tests; never a token.
async fn revocations(
    State(switchboard): State<Arc<Switchboard>>,
    axum::extract::Path(index): axum::extract::Path<usize>,
) -> Response {
    match switchboard.lock().get(index) {
        Some(switch) => axum::Json(switch.hospital.revoked_tokens()).into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// `GET /testbed/hospitals/{index}/portal-grants`: the sign-ins through that hospital's patient portal
/// ([`portal::PortalGrant`]: who, which patient, scope, revoked or not) — inspection for tests; never a token.
async fn portal_grants(
    State(switchboard): State<Arc<Switchboard>>,
    axum::extract::Path(index): axum::extract::Path<usize>,
) -> Response {
    match switchboard.lock().get(index) {
        Some(switch) => axum::Json(switch.hospital.portal_grants()).into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn switch(switchboard: &Switchboard, index: usize, down: bool) -> Response {
    match switchboard.set_down(index, down).await {
        Ok(true) => (StatusCode::OK, if down { "down" } else { "up" }).into_response(),
        Ok(false) => {
            (StatusCode::NOT_FOUND, if down { "it is already down" } else { "it is not down" }).into_response()
        }
        Err(error) => (StatusCode::CONFLICT, error.to_string()).into_response(),
    }
}

fn serve(listener: TcpListener, router: axum::Router, mut shutdown: watch::Receiver<bool>) -> JoinHandle<()> {
    tokio::spawn(async move {
        let _ = axum::serve(listener, router)
            .with_graceful_shutdown(async move {
                let _ = shutdown.wait_for(|stop| *stop).await;
            })
            .await;
    })
}

type Population = (Vec<LocalPatient>, HashMap<String, Vec<serde_json::Value>>);

/// One request a hospital is answering: counted in `in_flight` (and `most_in_flight`) until it is answered or its
/// client goes away.
struct Answering<'a>(&'a Hospital);

impl<'a> Answering<'a> {
    fn new(hospital: &'a Hospital) -> Self {
        let now = hospital.in_flight.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
        hospital.most_in_flight.fetch_max(now, std::sync::atomic::Ordering::SeqCst);
        Self(hospital)
    }
}

impl Drop for Answering<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
    }
}

/// The patients (and their records) hospital `index` holds, shaped by its faults: from the fixtures when given,
/// else generated.
fn hospital_population(
    world: &data::World,
    seed: u64,
    index: usize,
    faults: &[Fault],
    fixtures: Option<&fixtures::SiteRecords>,
) -> Population {
    let mut patients = Vec::new();
    let mut records = HashMap::new();
    let portal = faults.contains(&Fault::PortalOnly);
    for person in world.people.iter().filter(|p| world.has_chart(p, index, portal)) {
        let fixture = fixtures.and_then(|f| f.get(&(person.id.clone(), index)));
        let local_id = match fixture {
            Some((local, _)) => local.clone(),
            None => format!("pt{index}x{}", person.id.trim_start_matches('p')),
        };
        let mut birth_date = person.birth_date.clone();
        if faults.contains(&Fault::PatientNotFound) {
            birth_date.replace_range(0..4, "1901"); // registered with a wrong birth year: no match
        }
        let resources = match fixture {
            Some((_, resources)) => resources.clone(),
            None => data::records(seed, person, index, &local_id),
        };
        records.insert(local_id.clone(), resources);
        patients.push(LocalPatient {
            id: local_id.clone(),
            person_id: person.id.clone(),
            given: person.given.clone(),
            family: person.family.clone(),
            birth_date: birth_date.clone(),
            gender: person.gender.to_string(),
        });
        if faults.contains(&Fault::Interaction) {
            patients.push(LocalPatient {
                id: format!("{local_id}dup"),
                person_id: "someone-else".into(),
                given: person.given.clone(),
                family: person.family.clone(),
                birth_date,
                gender: person.gender.to_string(),
            });
        }
    }
    (patients, records)
}

/// Applies a hospital's transport faults (latency, errors, rate limits, hangs, slow bodies) to every request.
pub async fn faults_layer(State(h): State<Arc<Hospital>>, request: Request, next: Next) -> Response {
    let seen = h.requests.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
    let _answering = Answering::new(&h);
    if h.offline.load(std::sync::atomic::Ordering::SeqCst) {
        return (StatusCode::SERVICE_UNAVAILABLE, "offline").into_response();
    }
    if h.latency_ms > 0 {
        tokio::time::sleep(Duration::from_millis(h.latency_ms)).await;
    }
    for fault in &h.faults {
        match *fault {
            Fault::Latency(ms) => tokio::time::sleep(Duration::from_millis(ms)).await,
            Fault::Hang => std::future::pending::<()>().await,
            Fault::ServerError => return (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response(),
            Fault::Flaky(count) if seen <= u64::from(count) => {
                return (StatusCode::SERVICE_UNAVAILABLE, "temporarily unavailable").into_response()
            }
            Fault::RateLimit(seconds) if seen % 2 == 1 => {
                return (StatusCode::TOO_MANY_REQUESTS, [(header::RETRY_AFTER, seconds.to_string())], "slow down")
                    .into_response()
            }
            _ => {}
        }
    }
    let response = next.run(request).await;
    if !h.has(Fault::SlowBody) {
        return response;
    }
    let (parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX).await.unwrap_or_default();
    let stream = futures_util::stream::unfold(bytes, |mut rest| async move {
        if rest.is_empty() {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
        let chunk = rest.split_to(rest.len().min(16));
        Some((Ok::<_, std::io::Error>(chunk), rest))
    });
    Response::from_parts(parts, axum::body::Body::from_stream(stream))
}
