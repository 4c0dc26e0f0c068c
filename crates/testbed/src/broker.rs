//! The trust broker: a SMART authorization server that issues Permission Tickets (Proposal 003).
//!
//! Endpoints (all under the broker's base URL):
//!
//! | method | path | what |
//! |---|---|---|
//! | GET | `/.well-known/smart-configuration` | SMART discovery with the ticket-issuer fields |
//! | GET | `/.well-known/jwks.json` | two ES256 keys (the previous and the current: rotation), `kid` = thumbprint |
//! | POST | `/register` | RFC 7591 registration (`private_key_jwt`, one EC P-256 key) |
//! | GET/POST | `/authorize` | authorization code + PKCE S256; the sign-in and consent page, or auto-approve |
//! | POST | `/token` | code exchange and refresh; answers tickets and endpoint hints |
//! | POST | `/revoke` | RFC 7009 |
//! | GET | `/status/1` | the revocation status list |
//! | GET | `/brands.json` | every hospital as a SMART User-access Brands bundle |
//! | GET | `/grants` | testbed-only: the grants about, and held by, the bearer's person |
//! | POST | `/grants/{id}/revoke` | testbed-only: revoke a grant (sets its status bit) |

use crate::data::{Person, Role, World};
use crate::html::{escape, page};
use crate::oauth::{error_redirect, no_store, pkce_matches, random_token, Clients, OAuthError};
use crate::{HospitalDirectoryEntry, Now};
use axum::extract::{Form, Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tessera_jose::status_list::StatusList;
use tessera_jose::SigningKey;

/// The permission-ticket type URIs.
pub const UC1: &str = "https://smarthealthit.org/permission-ticket-type/patient-self-access-v1";
/// Patient-delegated access.
pub const UC2: &str = "https://smarthealthit.org/permission-ticket-type/patient-delegated-access-v1";
/// The v3-RoleCode system for requester relationships.
pub const ROLE_CODE: &str = "http://terminology.hl7.org/CodeSystem/v3-RoleCode";
/// The resource types a ticket may cover, in the order the consent page lists them.
pub const RECORD_TYPES: &[(&str, &str)] = &[
    ("Condition", "Problems"),
    ("MedicationRequest", "Medications"),
    ("AllergyIntolerance", "Allergies"),
    ("Observation", "Results and vital signs"),
    ("Immunization", "Immunizations"),
    ("Encounter", "Visits"),
    ("DiagnosticReport", "Reports"),
    ("DocumentReference", "Documents"),
    ("Procedure", "Procedures"),
];
/// Sensitivity labels withheld unless the person chooses to share them.
pub const SENSITIVE_CODES: &[(&str, &str)] = &[("PSY", "Mental health"), ("ETH", "Substance use"), ("HIV", "HIV")];

/// Ways the broker can misbehave, switched on at run time by tests of the wallet's defences.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hostility {
    /// Its smart-configuration names a token endpoint on another origin.
    ForeignEndpoints,
    /// Its JWKS has no keys.
    EmptyJwks,
    /// Its JWKS has 500 keys.
    HugeJwks,
    /// Its token response lacks `access_token`.
    NoAccessToken,
    /// It issues tickets with `alg: none`.
    AlgNoneTickets,
    /// It signs tickets with a key it does not publish.
    UnpublishedKey,
    /// Its revocation status list answers 503.
    StatusListDown,
}

/// One grant the broker issued: who may access whose records, how, until when.
#[derive(Debug, Clone)]
pub struct Grant {
    /// `g1`, `g2`, …
    pub id: String,
    /// The patient the tickets are about.
    pub patient_id: String,
    /// The person acting for the patient (UC2), if any.
    pub requester_id: Option<String>,
    /// v3-RoleCode of the requester's authority.
    pub relationship: Option<&'static str>,
    /// UC1 or UC2.
    pub ticket_type: &'static str,
    /// The `smart_scopes` ceiling.
    pub scopes: Vec<String>,
    /// Sensitivity labels withheld.
    pub withhold: Vec<&'static str>,
    /// When it was granted.
    pub issued_at: i64,
    /// When new redemptions stop (end of the grant).
    pub expires_at: i64,
    /// `continuation.refresh_until`, for a long-lived research consent.
    pub refresh_until: Option<i64>,
    /// The research study, if this is a study consent.
    pub study: Option<String>,
    /// Bit in the status list.
    pub status_index: usize,
    /// The wallet key thumbprint the tickets are bound to.
    pub jkt: String,
    /// One ticket per hospital (each naming that hospital as `aud` and in a `data_holder_filter`) instead of one
    /// ticket for the whole network; chosen on the consent page, kept for every re-mint.
    pub per_site: bool,
    /// Whether it has been revoked.
    pub revoked: bool,
}

/// The kernel the broker writes tickets in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum TicketFormat {
    /// The newest: `access.smart_scopes` and `access.sensitivity_withhold`.
    #[default]
    Current,
    /// The April-2026 kernel (the reference implementation's): `access.permissions` and `access.sensitive_data`.
    April2026,
}

impl TicketFormat {
    /// Parses `current` or `april-2026`.
    pub fn parse(text: &str) -> Result<Self, String> {
        match text {
            "current" => Ok(Self::Current),
            "april-2026" => Ok(Self::April2026),
            other => Err(format!("unknown ticket format {other:?}: use current or april-2026")),
        }
    }
}

/// How the broker writes tickets: the dialects issuers other than ours speak (issue #13).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Dialect {
    /// The kernel.
    pub format: TicketFormat,
    /// What the consent page (and auto-approve) chooses unless the person changes it: one ticket per hospital.
    pub per_site: bool,
    /// Tickets carry `must_understand: ["sensitivity_policy"]` and `sensitivity_policy.unlisted_sensitive_data`
    /// (as the reference issuer writes them) instead of listing the withheld labels.
    pub sensitivity_policy: bool,
    /// Seconds the broker's own access token lives (`None`: an hour; the reference issuer's live 300).
    pub access_token_secs: Option<i64>,
    /// A `data_holder_filter` on the tickets for the whole network (the hints still name every hospital holding
    /// the patient's records, as a careless broker's would).
    pub network_limit: Option<NetworkLimit>,
}

/// A hospital limit written into the tickets for the whole network.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NetworkLimit {
    /// Only hospitals in this US state (`kind: jurisdiction`).
    State(&'static str),
    /// Only the first this many hospitals of the directory, by NPI (`kind: organization`).
    FirstHospitals(usize),
}

impl Dialect {
    /// Seconds the broker's access token lives.
    pub fn access_token_secs(&self) -> i64 {
        self.access_token_secs.unwrap_or(3600)
    }
}

struct PendingCode {
    client_id: String,
    redirect_uri: String,
    challenge: String,
    person_id: String,
    grant_ids: Vec<String>,
    scope: String,
    expires_at: i64,
}

struct PendingConsent {
    client_id: String,
    redirect_uri: String,
    state: String,
    challenge: String,
    scope: String,
    login_hint: Option<String>,
}

struct Session {
    client_id: String,
    person_id: String,
    grant_ids: Vec<String>,
    scope: String,
}

/// The broker's state: its setup (reachable directly through `Deref`, e.g. `broker.base`) and its live state.
/// Shared by its routes and the in-process API.
pub struct Broker {
    setup: BrokerSetup,
    /// The trust framework id tickets name as `aud`.
    pub network: String,
    keys: Vec<SigningKey>,
    clients: Clients,
    codes: Mutex<HashMap<String, PendingCode>>,
    consents: Mutex<HashMap<String, PendingConsent>>,
    refresh_tokens: Mutex<HashMap<String, Session>>,
    access_tokens: Mutex<HashMap<String, (Session, i64)>>,
    grants: Mutex<Vec<Grant>>,
    status: Mutex<StatusList>,
    hostility: Mutex<Option<Hostility>>,
    consent_scopes: Mutex<Option<Vec<String>>>,
    dialect: Mutex<Dialect>,
    /// How many times the status list was read (by wallets and by hospitals checking tickets).
    pub status_list_reads: std::sync::atomic::AtomicU64,
}

/// How the broker is set up.
pub struct BrokerSetup {
    /// Base URL, e.g. `http://127.0.0.1:PORT`.
    pub base: String,
    /// Sign in as the `login_hint` person (default: the first caregiver) and approve everything they may grant.
    pub auto_approve: bool,
    /// The people.
    pub world: Arc<World>,
    /// The hospitals (for endpoint hints).
    pub directory: Vec<HospitalDirectoryEntry>,
    /// Seconds a ticket stays valid for new redemptions (capped by the grant's end).
    pub ticket_lifetime: i64,
    /// How tickets are written.
    pub dialect: Dialect,
    /// The clock.
    pub now: Now,
    /// Its name, given in its SMART configuration (`None`: it gives none, as many servers do).
    pub name: Option<String>,
}

impl std::ops::Deref for Broker {
    type Target = BrokerSetup;

    fn deref(&self) -> &BrokerSetup {
        &self.setup
    }
}

impl Broker {
    /// A broker with two fresh signing keys (the first plays "the previous key" after a rotation).
    pub fn new(setup: BrokerSetup) -> anyhow::Result<Self> {
        let keys = vec![SigningKey::generate()?, SigningKey::generate()?];
        let dialect = setup.dialect;
        Ok(Self {
            network: format!("{}/network", setup.base),
            setup,
            keys,
            clients: Clients::offering(&["authorization_code", "refresh_token"]),
            codes: Mutex::default(),
            consents: Mutex::default(),
            refresh_tokens: Mutex::default(),
            access_tokens: Mutex::default(),
            grants: Mutex::default(),
            status: Mutex::new(StatusList::with_capacity(1024)),
            hostility: Mutex::default(),
            consent_scopes: Mutex::default(),
            dialect: Mutex::new(dialect),
            status_list_reads: std::sync::atomic::AtomicU64::new(0),
        })
    }

    /// The routes.
    pub fn router(self: Arc<Self>) -> Router {
        Router::new()
            .route("/", get(index))
            .route("/.well-known/smart-configuration", get(smart_configuration))
            .route("/.well-known/jwks.json", get(jwks))
            .route("/register", post(register))
            .route("/authorize", get(authorize).post(consent_submitted))
            .route("/token", post(token))
            .route("/revoke", post(revoke_token))
            .route("/status/1", get(status_list))
            .route("/brands.json", get(brands_bundle))
            .route("/grants", get(list_grants))
            .route("/grants/{id}/revoke", post(revoke_grant_route))
            .with_state(self)
    }

    /// Makes the broker misbehave (or, with `None`, behave again).
    pub fn set_hostility(&self, hostility: Option<Hostility>) {
        *self.hostility.lock().unwrap() = hostility;
    }

    /// Makes every later consent grant exactly these `smart_scopes` (e.g. a category-limited
    /// `patient/Observation.rs?category=…|laboratory`), whatever the app asked for — as a person who chose only
    /// some categories on a finer consent page would. `None` returns to granting what the app asked for.
    pub fn set_consent_scopes(&self, scopes: Option<Vec<String>>) {
        *self.consent_scopes.lock().unwrap() = scopes;
    }

    /// Mints later tickets in the April-2026 kernel (the reference Data Holder's): `access.permissions` with
    /// `category_any_of`/`code_any_of` and `access.sensitive_data` instead of `smart_scopes` and
    /// `sensitivity_withhold`.
    pub fn set_older_kernel(&self, on: bool) {
        self.dialect.lock().unwrap().format = if on { TicketFormat::April2026 } else { TicketFormat::Current };
    }

    /// Writes later tickets in `dialect`.
    pub fn set_dialect(&self, dialect: Dialect) {
        *self.dialect.lock().unwrap() = dialect;
    }

    fn dialect(&self) -> Dialect {
        *self.dialect.lock().unwrap()
    }

    fn hostile(&self, which: Hostility) -> bool {
        *self.hostility.lock().unwrap() == Some(which)
    }

    /// The public JWK Set.
    pub fn jwks(&self) -> Value {
        if self.hostile(Hostility::EmptyJwks) {
            return json!({ "keys": [] });
        }
        let mut keys: Vec<Value> = self.keys.iter().map(|k| k.public_jwk().clone()).collect();
        if self.hostile(Hostility::HugeJwks) {
            let filler = keys[0].clone();
            keys.extend((0..500).map(|i| {
                let mut key = filler.clone();
                key["kid"] = json!(format!("filler-{i}"));
                key
            }));
        }
        json!({ "keys": keys })
    }

    /// The key that signs new tickets.
    pub fn current_key(&self) -> &SigningKey {
        &self.keys[1]
    }

    /// The previous key, still published, so tickets signed before a rotation still verify.
    pub fn previous_key(&self) -> &SigningKey {
        &self.keys[0]
    }

    /// Every grant issued so far.
    pub fn grants(&self) -> Vec<Grant> {
        self.grants.lock().unwrap().clone()
    }

    /// Revokes a grant: sets its status bit. Returns false when there is no such grant.
    pub fn revoke_grant(&self, id: &str) -> bool {
        let mut grants = self.grants.lock().unwrap();
        let Some(grant) = grants.iter_mut().find(|g| g.id == id) else { return false };
        grant.revoked = true;
        self.status.lock().unwrap().set(grant.status_index);
        true
    }

    /// Sets a status-list bit directly (for tickets minted by hand in tests).
    pub fn set_status_bit(&self, index: usize) {
        self.status.lock().unwrap().set(index);
    }

    /// Whether a status-list bit is set.
    pub fn is_revoked_index(&self, index: usize) -> bool {
        self.status.lock().unwrap().is_set(index)
    }

    fn person(&self, id: &str) -> Option<&Person> {
        self.world.people.iter().find(|p| p.id == id)
    }

    /// The grants `person` may give: their own records (if they have any) and each patient they act for.
    fn grantable(&self, person: &Person) -> Vec<(String, Option<&'static str>)> {
        let mut out = Vec::new();
        if person.role != Role::Caregiver {
            out.push((person.id.clone(), None));
        }
        out.extend(person.acts_for.iter().map(|(id, code)| (id.clone(), Some(*code))));
        out
    }

    fn create_grant(
        &self,
        patient_id: &str,
        requester: Option<(&str, &'static str)>,
        consent: &Consent,
        jkt: &str,
    ) -> String {
        let now = (self.now)();
        let mut grants = self.grants.lock().unwrap();
        let index = grants.len() + 7;
        let patient = self.person(patient_id);
        let study = patient.and_then(|p| p.study.clone()).filter(|_| requester.is_none());
        let refresh_until = study.as_ref().map(|_| now + 5 * 365 * 86_400);
        let id = format!("g{}", grants.len() + 1);
        grants.push(Grant {
            id: id.clone(),
            patient_id: patient_id.to_string(),
            requester_id: requester.map(|(id, _)| id.to_string()),
            relationship: requester.map(|(_, code)| code),
            ticket_type: if requester.is_some() { UC2 } else { UC1 },
            scopes: consent.scopes.clone(),
            withhold: if consent.share_sensitive { vec![] } else { SENSITIVE_CODES.iter().map(|(c, _)| *c).collect() },
            issued_at: now,
            expires_at: refresh_until.unwrap_or(now + consent.days * 86_400),
            refresh_until,
            study,
            status_index: index,
            jkt: jkt.to_string(),
            per_site: consent.per_site,
            revoked: false,
        });
        id
    }

    /// Mints a ticket for a grant, signed with the current key: for the whole network, or (`site`) for one hospital
    /// only — its FHIR base as `aud` and its organisation (name and NPI) as `data_holder_filter`.
    pub fn mint(&self, grant: &Grant, site: Option<&HospitalDirectoryEntry>) -> anyhow::Result<String> {
        let now = (self.now)();
        let dialect = self.dialect();
        let patient = self.person(&grant.patient_id).ok_or_else(|| anyhow::anyhow!("unknown patient"))?;
        let mut claims = json!({
            "iss": self.base,
            "aud": self.network,
            "aud_type": "trust_framework",
            "exp": grant.expires_at.min(now + self.ticket_lifetime).min(grant.refresh_until.map_or(i64::MAX, |_| now + 365 * 86_400)),
            "iat": now,
            "jti": format!("{}-{}", grant.id, random_token(9)),
            "ticket_type": grant.ticket_type,
            "subject": { "patient": patient_resource(&self.base, patient) },
            "access": { "smart_scopes": grant.scopes },
            "presenter_binding": { "method": "jkt", "jkt": grant.jkt },
            "revocation": { "url": format!("{}/status/1", self.base), "index": grant.status_index },
        });
        match (site, dialect.network_limit) {
            (None, Some(NetworkLimit::State(state))) => {
                claims["access"]["data_holder_filter"] =
                    json!([{ "kind": "jurisdiction", "address": { "country": "US", "state": state } }]);
            }
            (None, Some(NetworkLimit::FirstHospitals(n))) => {
                let organizations: Vec<Value> = self
                    .directory
                    .iter()
                    .take(n)
                    .map(|h| {
                        json!({ "display": h.name,
                    "identifier": { "system": "http://hl7.org/fhir/sid/us-npi", "value": h.npi } })
                    })
                    .collect();
                claims["access"]["data_holder_filter"] =
                    json!([{ "kind": "organization", "organization": organizations }]);
            }
            _ => {}
        }
        if let Some(site) = site {
            claims["aud"] = json!([site.fhir_base_url]);
            claims["aud_type"] = json!("data_holder_url");
            claims["access"]["data_holder_filter"] = json!([{ "kind": "organization", "organization": [{
                "name": site.name, "identifier": { "system": "http://hl7.org/fhir/sid/us-npi", "value": site.npi } }] }]);
        }
        if dialect.sensitivity_policy {
            let unlisted = if grant.withhold.is_empty() { "include" } else { "exclude" };
            claims["must_understand"] = json!(["sensitivity_policy"]);
            claims["sensitivity_policy"] = json!({ "unlisted_sensitive_data": unlisted });
        } else if !grant.withhold.is_empty() {
            claims["access"]["sensitivity_withhold"] = json!({
                "codes": grant.withhold.iter().map(|c| json!({"system": crate::data::ACT_CODE, "code": c})).collect::<Vec<_>>()
            });
        }
        if let (Some(requester), Some(code)) =
            (grant.requester_id.as_deref().and_then(|id| self.person(id)), grant.relationship)
        {
            claims["requester"] = json!({
                "resourceType": "RelatedPerson",
                "name": [{ "family": requester.family, "given": [requester.given] }],
                "relationship": [{ "coding": [{ "system": ROLE_CODE, "code": code, "display": authority_label(code) }] }],
                "period": { "end": date_of(grant.expires_at) },
            });
        }
        if dialect.format == TicketFormat::April2026 {
            let permissions: Vec<Value> =
                grant.scopes.iter().filter_map(|s| crate::scopes::Scope::parse(s)).map(|s| s.as_permission()).collect();
            let sensitive = if grant.withhold.is_empty() { "include" } else { "exclude" };
            let filter = claims["access"].get("data_holder_filter").cloned();
            claims["access"] = json!({ "permissions": permissions, "sensitive_data": sensitive });
            if let Some(filter) = filter {
                claims["access"]["data_holder_filter"] = filter;
            }
        }
        if let Some(until) = grant.refresh_until {
            claims["continuation"] = json!({ "refresh_until": until });
            claims["study"] = json!({ "resourceType": "ResearchStudy", "title": grant.study });
        }
        if self.hostile(Hostility::AlgNoneTickets) {
            let part = |v: &Value| tessera_jose::b64url(v.to_string().as_bytes());
            return Ok(format!(
                "{}.{}.",
                part(&json!({"alg": "none", "kid": self.current_key().kid()})),
                part(&claims)
            ));
        }
        if self.hostile(Hostility::UnpublishedKey) {
            return Ok(SigningKey::generate()?.sign(&claims, Some("JWT"))?);
        }
        Ok(self.current_key().sign(&claims, Some("JWT"))?)
    }

    fn token_response(&self, session: Session, refresh: bool) -> Result<Response, OAuthError> {
        let grants = self.grants();
        let mut tickets = Vec::new();
        let mut hints: Vec<(String, Value)> = Vec::new();
        let mut hint_indices: HashMap<String, Vec<usize>> = HashMap::new();
        let ticket_scope = session.scope.split(' ').any(|s| s == "permission_ticket");
        for grant_id in &session.grant_ids {
            let Some(grant) = grants.iter().find(|g| &g.id == grant_id && !g.revoked) else { continue };
            if !ticket_scope || grant.expires_at <= (self.now)() {
                continue;
            }
            let mint = |site| self.mint(grant, site).map_err(|e| OAuthError::bad("server_error", e.to_string()));
            let network_ticket = if grant.per_site { None } else { Some(tickets.len()) };
            if network_ticket.is_some() {
                tickets.push(mint(None)?);
            }
            for &site in &self.person(&grant.patient_id).map(|p| p.sites.clone()).unwrap_or_default() {
                let Some(entry) = self.directory.get(site) else { continue };
                let ticket_index = match network_ticket {
                    Some(index) => index,
                    None => {
                        tickets.push(mint(Some(entry))?);
                        tickets.len() - 1
                    }
                };
                let indices = hint_indices.entry(entry.fhir_base_url.clone()).or_default();
                if indices.is_empty() {
                    hints.push((
                        entry.fhir_base_url.clone(),
                        json!({
                            "fhir_base_url": entry.fhir_base_url,
                            "organization": { "resourceType": "Organization", "name": entry.name,
                                "identifier": [{ "system": "http://hl7.org/fhir/sid/us-npi", "value": entry.npi }],
                                "address": [{ "state": entry.state }] },
                        }),
                    ));
                }
                indices.push(ticket_index);
            }
        }
        let access_token = random_token(24);
        let mut body = json!({
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": self.dialect().access_token_secs(),
            "scope": session.scope,
        });
        if self.hostile(Hostility::NoAccessToken) {
            body.as_object_mut().map(|b| b.remove("access_token"));
        }
        if ticket_scope {
            body["smart_permission_ticket"] = json!(tickets);
            body["smart_permission_ticket_endpoints"] = Value::Array(
                hints
                    .into_iter()
                    .map(|(url, mut hint)| {
                        hint["ticket_indices"] = json!(hint_indices[&url]);
                        hint
                    })
                    .collect(),
            );
        }
        if refresh && session.scope.split(' ').any(|s| s == "offline_access") {
            let refresh_token = random_token(32);
            body["refresh_token"] = json!(refresh_token);
            self.refresh_tokens.lock().unwrap().insert(refresh_token, Session { ..clone_session(&session) });
        }
        let expires = (self.now)() + self.dialect().access_token_secs();
        self.access_tokens.lock().unwrap().insert(access_token, (session, expires));
        Ok(no_store(Json(body).into_response()))
    }

    fn bearer_person(&self, headers: &HeaderMap) -> Option<String> {
        let token = headers.get(header::AUTHORIZATION)?.to_str().ok()?.strip_prefix("Bearer ")?;
        let tokens = self.access_tokens.lock().unwrap();
        let (session, expires) = tokens.get(token)?;
        (*expires > (self.now)()).then(|| session.person_id.clone())
    }

    fn token_url(&self) -> String {
        format!("{}/token", self.base)
    }
}

fn clone_session(s: &Session) -> Session {
    Session {
        client_id: s.client_id.clone(),
        person_id: s.person_id.clone(),
        grant_ids: s.grant_ids.clone(),
        scope: s.scope.clone(),
    }
}

/// The thin Patient resource a ticket's `subject.patient` carries.
pub fn patient_resource(broker: &str, person: &Person) -> Value {
    json!({
        "resourceType": "Patient",
        "identifier": [{ "system": format!("{broker}/people"), "value": person.id }],
        "name": [{ "family": person.family, "given": [person.given] }],
        "birthDate": person.birth_date,
        "gender": person.gender,
    })
}

/// The plain-words label of a v3-RoleCode authority.
pub fn authority_label(code: &str) -> &'static str {
    match code {
        "DELEGATEE" => "delegate chosen by the patient",
        "HPOWATT" => "healthcare power of attorney",
        "DPOWATT" => "durable power of attorney",
        "POWATT" => "power of attorney",
        "SPOWATT" => "special power of attorney",
        "GUARD" => "guardian",
        _ => "authorized representative",
    }
}

fn date_of(unix: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(unix).map(|t| t.date().to_string()).unwrap_or_default()
}

async fn index(State(broker): State<Arc<Broker>>) -> Html<String> {
    let people: String = broker
        .world
        .people
        .iter()
        .map(|p| {
            format!(
                "<li>{} ({}, born {})</li>",
                escape(&p.name()),
                escape(&format!("{:?}", p.role).to_lowercase()),
                p.birth_date
            )
        })
        .collect();
    Html(page(
        "Tessera test network — trust broker",
        &format!(
            "<h1>Trust broker (test network)</h1><p>{} hospitals. People who can sign in:</p><ul>{people}</ul>",
            broker.directory.len()
        ),
    ))
}

async fn smart_configuration(State(broker): State<Arc<Broker>>) -> Json<Value> {
    let base = &broker.base;
    let token_endpoint = if broker.hostile(Hostility::ForeignEndpoints) {
        "http://127.0.0.2:9/token".to_string()
    } else {
        broker.token_url()
    };
    let mut config = json!({
        "issuer": base,
        "authorization_endpoint": format!("{base}/authorize"),
        "token_endpoint": token_endpoint,
        "registration_endpoint": format!("{base}/register"),
        "revocation_endpoint": format!("{base}/revoke"),
        "jwks_uri": format!("{base}/.well-known/jwks.json"),
        "management_endpoint": format!("{base}/grants"),
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "response_types_supported": ["code"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["private_key_jwt"],
        "token_endpoint_auth_signing_alg_values_supported": ["ES256"],
        "authorization_response_iss_parameter_supported": true,
        "scopes_supported": ["permission_ticket", "openid", "fhirUser", "offline_access", "patient/*.rs"],
        "capabilities": ["launch-standalone", "client-confidential-asymmetric", "permission-offline", "permission-v2", "permission-ticket-issuance"],
        "smart_permission_ticket_issuer": true,
        "smart_permission_ticket_types_issued": [UC1, UC2],
    });
    if let Some(name) = &broker.name {
        config["organization"] = json!({ "name": name });
    }
    Json(config)
}

/// Every hospital of the network as a SMART User-access Brands bundle (Organization + Endpoint).
async fn brands_bundle(State(broker): State<Arc<Broker>>) -> Json<Value> {
    let entries: Vec<Value> = broker
        .directory
        .iter()
        .enumerate()
        .flat_map(|(i, h)| {
            [
                json!({ "resource": { "resourceType": "Organization", "id": format!("org{i}"), "name": h.name,
                    "identifier": [{ "system": "http://hl7.org/fhir/sid/us-npi", "value": h.npi }],
                    "address": [{ "state": h.state }], "endpoint": [{ "reference": format!("Endpoint/ep{i}") }] } }),
                json!({ "resource": { "resourceType": "Endpoint", "id": format!("ep{i}"), "status": "active",
                    "connectionType": { "system": "http://terminology.hl7.org/CodeSystem/endpoint-connection-type", "code": "hl7-fhir-rest" },
                    "address": h.fhir_base_url } }),
            ]
        })
        .collect();
    Json(json!({ "resourceType": "Bundle", "type": "collection", "entry": entries }))
}

async fn jwks(State(broker): State<Arc<Broker>>) -> Json<Value> {
    Json(broker.jwks())
}

async fn register(State(broker): State<Arc<Broker>>, body: String) -> Response {
    broker.clients.registration_response(&body, (broker.now)())
}

/// What the person approved.
struct Consent {
    person_id: String,
    patients: Vec<String>,
    scopes: Vec<String>,
    days: i64,
    share_sensitive: bool,
    per_site: bool,
}

fn requested_resource_scopes(scope: &str) -> Vec<String> {
    let requested: Vec<String> = scope.split(' ').filter(|s| s.starts_with("patient/")).map(String::from).collect();
    if requested.iter().any(|s| s.starts_with("patient/*.")) || requested.is_empty() {
        RECORD_TYPES.iter().map(|(t, _)| format!("patient/{t}.rs")).collect()
    } else {
        requested
    }
}

/// The requested scope the broker goes on with. Like a certified OpenID Provider (OpenID Connect Core §11), it
/// ignores `offline_access` — no refresh token — unless the request prompts for consent.
fn granted_request_scope(scope: &str, prompt: &str) -> String {
    let consent = prompt.split(' ').any(|p| p == "consent");
    scope.split(' ').filter(|s| !s.is_empty() && (consent || *s != "offline_access")).collect::<Vec<_>>().join(" ")
}

async fn authorize(State(broker): State<Arc<Broker>>, Query(q): Query<HashMap<String, String>>) -> Response {
    let request = match broker.clients.authorization_request(&q, &broker.base, &broker.base) {
        Ok(request) => request,
        Err(refusal) => return *refusal,
    };
    let client = request.client;
    let pending = PendingConsent {
        client_id: request.client_id,
        redirect_uri: request.redirect_uri,
        state: request.state,
        challenge: request.challenge,
        scope: granted_request_scope(&request.scope, q.get("prompt").map_or("", String::as_str)),
        login_hint: request.login_hint,
    };
    if broker.auto_approve {
        let person = pending
            .login_hint
            .as_deref()
            .and_then(|id| broker.person(id))
            .or_else(|| broker.world.people.iter().find(|p| p.role == Role::Caregiver));
        let Some(person) = person else {
            return error_redirect(&pending.redirect_uri, &pending.state, &broker.base, "access_denied");
        };
        let consent = Consent {
            person_id: person.id.clone(),
            patients: broker.grantable(person).into_iter().map(|(id, _)| id).collect(),
            scopes: requested_resource_scopes(&pending.scope),
            days: 365,
            share_sensitive: false,
            per_site: broker.dialect().per_site,
        };
        return approve(&broker, pending, consent, &client.jkt);
    }
    let id = random_token(16);
    let body = consent_page(&broker, &id, &pending);
    broker.consents.lock().unwrap().insert(id, pending);
    Html(body).into_response()
}

fn consent_page(broker: &Broker, id: &str, pending: &PendingConsent) -> String {
    let people: String = broker
        .world
        .people
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let checked =
                if pending.login_hint.as_deref() == Some(p.id.as_str()) || (pending.login_hint.is_none() && i == 0) {
                    " checked"
                } else {
                    ""
                };
            let acts: Vec<String> = p
                .acts_for
                .iter()
                .filter_map(|(id, code)| broker.person(id).map(|q| format!("{} ({})", q.name(), authority_label(code))))
                .collect();
            let note = if acts.is_empty() { String::new() } else { format!(" — acts for {}", acts.join(", ")) };
            format!(
                r#"<label><input type="radio" name="person" value="{}"{checked}> {}{}</label>"#,
                escape(&p.id),
                escape(&p.name()),
                escape(&note)
            )
        })
        .collect();
    let patients: String = broker
        .world
        .people
        .iter()
        .filter(|p| p.role != Role::Caregiver)
        .map(|p| {
            format!(
                r#"<label><input type="checkbox" name="patient" value="{}" checked> {} (born {})</label>"#,
                escape(&p.id),
                escape(&p.name()),
                p.birth_date
            )
        })
        .collect();
    let types: String = RECORD_TYPES
        .iter()
        .map(|(t, label)| format!(r#"<label><input type="checkbox" name="type" value="{t}" checked> {label}</label>"#))
        .collect();
    let (any_site, per_site) = if broker.dialect().per_site { ("", " checked") } else { (" checked", "") };
    page(
        "Sign in to the trust broker",
        &format!(
            r#"<h1>Share health records with Tessera</h1>
<p class="note">Tessera asks for permission tickets it can show at hospitals. Choose who you are, whose records, what, and for how long.</p>
<form method="post" action="/authorize"><input type="hidden" name="request" value="{id}">
<fieldset><legend>Who are you?</legend>{people}</fieldset>
<fieldset><legend>Whose records? (only those you may act for are granted)</legend>{patients}</fieldset>
<fieldset><legend>Which records?</legend>{types}
<label><input type="checkbox" name="sensitive" value="yes"> Also share sensitive categories (mental health, substance use, HIV)</label></fieldset>
<fieldset><legend>Where?</legend><label><input type="radio" name="tickets" value="any-site"{any_site}> One permission for every hospital in the network</label>
<label><input type="radio" name="tickets" value="per-site"{per_site}> One permission per hospital (each names only that hospital)</label></fieldset>
<fieldset><legend>For how long?</legend><select name="days"><option value="7">7 days</option><option value="30">30 days</option><option value="365" selected>1 year</option><option value="1825">5 years</option></select></fieldset>
<button type="submit" name="decision" value="approve">Approve</button> <button type="submit" name="decision" value="deny">Deny</button>
</form>"#
        ),
    )
}

async fn consent_submitted(State(broker): State<Arc<Broker>>, body: String) -> Response {
    let fields: Vec<(String, String)> = url::form_urlencoded::parse(body.as_bytes()).into_owned().collect();
    let first = |name: &str| fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_default();
    let all = |name: &str| fields.iter().filter(|(k, _)| k == name).map(|(_, v)| v.clone()).collect::<Vec<_>>();
    let Some(pending) = broker.consents.lock().unwrap().remove(&first("request")) else {
        return (
            StatusCode::BAD_REQUEST,
            Html(page("Sign-in error", "<h1>This page has expired</h1><p>Start again from Tessera.</p>")),
        )
            .into_response();
    };
    let Some(client) = broker.clients.get(&pending.client_id) else { return StatusCode::BAD_REQUEST.into_response() };
    if first("decision") != "approve" {
        return error_redirect(&pending.redirect_uri, &pending.state, &broker.base, "access_denied");
    }
    let Some(person) = broker.person(&first("person")) else {
        return error_redirect(&pending.redirect_uri, &pending.state, &broker.base, "access_denied");
    };
    let chosen = all("patient");
    let allowed: Vec<String> =
        broker.grantable(person).into_iter().map(|(id, _)| id).filter(|id| chosen.contains(id)).collect();
    let types = all("type");
    let consent = Consent {
        person_id: person.id.clone(),
        patients: allowed,
        scopes: requested_resource_scopes(&pending.scope)
            .into_iter()
            .filter(|s| types.iter().any(|t| s.starts_with(&format!("patient/{t}."))))
            .collect(),
        days: first("days").parse().unwrap_or(365).clamp(1, 1825),
        share_sensitive: first("sensitive") == "yes",
        per_site: first("tickets") == "per-site",
    };
    approve(&broker, pending, consent, &client.jkt)
}

fn approve(broker: &Broker, pending: PendingConsent, mut consent: Consent, jkt: &str) -> Response {
    if let Some(scopes) = broker.consent_scopes.lock().unwrap().clone() {
        consent.scopes = scopes;
    }
    let person = broker.person(&consent.person_id).cloned();
    let grantable = person.as_ref().map(|p| broker.grantable(p)).unwrap_or_default();
    let grant_ids: Vec<String> = if consent.scopes.is_empty() {
        Vec::new()
    } else {
        grantable
            .iter()
            .filter(|(patient, _)| consent.patients.contains(patient))
            .map(|(patient, relationship)| {
                let requester = relationship.map(|code| (consent.person_id.as_str(), code));
                broker.create_grant(patient, requester, &consent, jkt)
            })
            .collect()
    };
    let code = random_token(24);
    broker.codes.lock().unwrap().insert(
        code.clone(),
        PendingCode {
            client_id: pending.client_id,
            redirect_uri: pending.redirect_uri.clone(),
            challenge: pending.challenge,
            person_id: consent.person_id,
            grant_ids,
            scope: pending.scope,
            expires_at: (broker.now)() + 120,
        },
    );
    let mut url = url::Url::parse(&pending.redirect_uri).expect("validated redirect");
    url.query_pairs_mut()
        .append_pair("code", &code)
        .append_pair("state", &pending.state)
        .append_pair("iss", &broker.base);
    Redirect::to(url.as_str()).into_response()
}

async fn token(State(broker): State<Arc<Broker>>, Form(form): Form<HashMap<String, String>>) -> Response {
    let now = (broker.now)();
    let result = (|| {
        let (client_id, _) = broker.clients.authenticate(&form, &broker.token_url(), now)?;
        let field = |name: &str| form.get(name).cloned().unwrap_or_default();
        match field("grant_type").as_str() {
            "authorization_code" => {
                let pending = broker
                    .codes
                    .lock()
                    .unwrap()
                    .remove(&field("code"))
                    .ok_or_else(|| OAuthError::grant("Unknown or used code"))?;
                if pending.client_id != client_id
                    || pending.redirect_uri != field("redirect_uri")
                    || pending.expires_at <= now
                {
                    return Err(OAuthError::grant("Code was issued to another client, redirect or has expired"));
                }
                if !pkce_matches(&field("code_verifier"), &pending.challenge) {
                    return Err(OAuthError::grant("PKCE verification failed"));
                }
                let session = Session {
                    client_id,
                    person_id: pending.person_id,
                    grant_ids: pending.grant_ids,
                    scope: pending.scope,
                };
                broker.token_response(session, true)
            }
            "refresh_token" => {
                let session = broker
                    .refresh_tokens
                    .lock()
                    .unwrap()
                    .remove(&field("refresh_token"))
                    .ok_or_else(|| OAuthError::grant("Unknown refresh token"))?;
                if session.client_id != client_id {
                    return Err(OAuthError::grant("Refresh token was issued to another client"));
                }
                broker.token_response(session, true)
            }
            _ => Err(OAuthError::bad("unsupported_grant_type", "Use authorization_code or refresh_token")),
        }
    })();
    result.unwrap_or_else(IntoResponse::into_response)
}

async fn revoke_token(State(broker): State<Arc<Broker>>, Form(form): Form<HashMap<String, String>>) -> Response {
    if let Err(error) = broker.clients.authenticate(&form, &format!("{}/revoke", broker.base), (broker.now)()) {
        return error.into_response();
    }
    let token = form.get("token").cloned().unwrap_or_default();
    broker.refresh_tokens.lock().unwrap().remove(&token);
    broker.access_tokens.lock().unwrap().remove(&token);
    StatusCode::OK.into_response()
}

async fn status_list(State(broker): State<Arc<Broker>>) -> Response {
    broker.status_list_reads.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    if broker.hostile(Hostility::StatusListDown) {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    }
    let body = json!({ "kid": broker.current_key().kid(), "bits": broker.status.lock().unwrap().encode() });
    ([(header::CACHE_CONTROL, "no-cache")], Json(body)).into_response()
}

fn grant_view(broker: &Broker, grant: &Grant) -> Value {
    let person = |id: &str| broker.person(id).map(|p| json!({ "id": p.id, "name": p.name() }));
    let status = if grant.revoked {
        "revoked"
    } else if grant.expires_at <= (broker.now)() {
        "expired"
    } else {
        "active"
    };
    json!({
        "id": grant.id,
        "patient": person(&grant.patient_id),
        "requester": grant.requester_id.as_deref().and_then(person),
        "relationship": grant.relationship,
        "ticket_type": grant.ticket_type,
        "scopes": grant.scopes,
        "withheld": grant.withhold,
        "issued_at": grant.issued_at,
        "expires_at": grant.expires_at,
        "refresh_until": grant.refresh_until,
        "study": grant.study,
        "status": status,
        "revocation": { "url": format!("{}/status/1", broker.base), "index": grant.status_index },
    })
}

async fn list_grants(State(broker): State<Arc<Broker>>, headers: HeaderMap) -> Response {
    let Some(person) = broker.bearer_person(&headers) else { return StatusCode::UNAUTHORIZED.into_response() };
    let grants = broker.grants();
    let about: Vec<Value> = grants.iter().filter(|g| g.patient_id == person).map(|g| grant_view(&broker, g)).collect();
    let held: Vec<Value> = grants
        .iter()
        .filter(|g| g.requester_id.as_deref() == Some(person.as_str()))
        .map(|g| grant_view(&broker, g))
        .collect();
    no_store(Json(json!({ "person": person, "about_me": about, "held": held })).into_response())
}

async fn revoke_grant_route(State(broker): State<Arc<Broker>>, Path(id): Path<String>, headers: HeaderMap) -> Response {
    let Some(person) = broker.bearer_person(&headers) else { return StatusCode::UNAUTHORIZED.into_response() };
    let allowed = broker
        .grants()
        .iter()
        .any(|g| g.id == id && (g.patient_id == person || g.requester_id.as_deref() == Some(person.as_str())));
    if !allowed || !broker.revoke_grant(&id) {
        return (StatusCode::NOT_FOUND, Json(json!({ "error": "not_found" }))).into_response();
    }
    Json(json!({ "id": id, "status": "revoked" })).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offline_access_needs_a_consent_prompt() {
        let scope = "permission_ticket openid offline_access patient/*.rs";
        assert_eq!(granted_request_scope(scope, "consent"), scope);
        assert_eq!(granted_request_scope(scope, "login consent"), scope);
        assert_eq!(granted_request_scope(scope, ""), "permission_ticket openid patient/*.rs");
        assert_eq!(granted_request_scope(scope, "login"), "permission_ticket openid patient/*.rs");
    }
}
