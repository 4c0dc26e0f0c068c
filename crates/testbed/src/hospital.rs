//! A hospital (Data Holder): SMART discovery, RFC 7591 registration, the RFC 8693 token exchange that redeems
//! Permission Tickets (validated in the spec's order), continuation refresh, RFC 7009 revocation, introspection,
//! and the Proposal 001 `interaction_required` fallback with its EHR-style launch. The FHIR API is in
//! [`crate::fhir`]; faults are applied by [`crate::faults_layer`].
//!
//! | method | path | what |
//! |---|---|---|
//! | GET | `/fhir/.well-known/smart-configuration` | discovery |
//! | POST | `/auth/register` | RFC 7591 |
//! | POST | `/auth/token` | token exchange, `refresh_token` (continuation), `authorization_code` (after a launch) |
//! | GET/POST | `/auth/authorize` | EHR-style launch that resolves `interaction_required` |
//! | POST | `/auth/revoke` | RFC 7009 |
//! | POST | `/auth/introspect` | RFC 7662 |
//!
//! A `portal-only` hospital takes no tickets: its SMART configuration, token endpoint and revocation are its patient
//! portal's, with the standalone launch under `/portal/` ([`crate::portal`]).

use crate::broker::{UC1, UC2};
use crate::data::HospitalInfo;
use crate::faults::Fault;
use crate::html::{escape, page};
use crate::oauth::{no_store, pkce_matches, random_token, Clients, OAuthError};
use crate::scopes::Scope;
use crate::Now;
use axum::extract::{Form, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64};
use std::sync::{Arc, Mutex};
use tessera_jose::status_list::StatusList;

/// The subject-token type of a Permission Ticket.
pub const TICKET_TOKEN_TYPE: &str = "https://smarthealthit.org/token-type/permission-ticket";
/// The RFC 8693 grant type.
pub const TOKEN_EXCHANGE: &str = "urn:ietf:params:oauth:grant-type:token-exchange";
/// The access constraints this hospital recognises and enforces.
/// `permissions` and `sensitive_data` are the April-2026 kernel's (the reference Data Holder's), accepted too.
const KNOWN_CONSTRAINTS: &[&str] =
    &["smart_scopes", "data_period", "data_holder_filter", "sensitivity_withhold", "permissions", "sensitive_data"];

/// A patient as this hospital knows them.
#[derive(Debug, Clone)]
pub struct LocalPatient {
    /// The local Patient id.
    pub id: String,
    /// The network person id (for the test only; real hospitals have no such link).
    pub person_id: String,
    /// Given name.
    pub given: String,
    /// Family name.
    pub family: String,
    /// `YYYY-MM-DD`.
    pub birth_date: String,
    /// `male` / `female`.
    pub gender: String,
}

/// What an access token allows.
#[derive(Debug, Clone)]
pub struct AccessGrant {
    /// The local patient id.
    pub patient: String,
    /// Granted scopes.
    pub scopes: Vec<Scope>,
    /// Unix expiry.
    pub expires_at: i64,
    /// The ticket's `data_period` (`start`, `end`), as dates.
    pub data_period: (Option<String>, Option<String>),
    /// Sensitivity codes to withhold.
    pub withhold: Vec<String>,
    /// The thumbprint of the key the ticket was bound to (the presenting client's).
    pub jkt: String,
}

#[derive(Debug, Clone)]
struct RefreshGrant {
    client_id: String,
    ticket: String,
    access: AccessGrant,
    refresh_until: Option<i64>,
}

#[derive(Debug, Clone)]
struct Launch {
    client_id: String,
    ticket_jti: String,
    access: AccessGrant,
    candidates: Vec<String>,
    person_hint: Option<String>,
    expires_at: i64,
}

struct LaunchCode {
    client_id: String,
    redirect_uri: String,
    challenge: String,
    access: AccessGrant,
    ticket_jti: String,
}

/// One hospital: its setup (reachable directly through `Deref`, e.g. `hospital.info.name`) and its live state.
pub struct Hospital {
    setup: HospitalSetup,
    pub(crate) clients: Clients,
    http: reqwest::Client,
    jwks_cache: Mutex<Option<Value>>,
    pub(crate) tokens: Mutex<HashMap<String, AccessGrant>>,
    pub(crate) portal: crate::portal::Portal,
    refresh_tokens: Mutex<HashMap<String, RefreshGrant>>,
    launches: Mutex<HashMap<String, Launch>>,
    launch_codes: Mutex<HashMap<String, LaunchCode>>,
    resolved: Mutex<HashMap<String, String>>,
    revoked_log: Mutex<Vec<String>>,
    /// Requests seen, for `flaky` and `rate-limit`.
    pub requests: AtomicU64,
    /// Set to answer every request with 503 (an outage that can end, for tests).
    pub offline: AtomicBool,
    /// Requests being answered right now.
    pub in_flight: AtomicU64,
    /// The most requests it ever answered at once (the wallet's per-origin cap, seen from the server).
    pub most_in_flight: AtomicU64,
    /// How many times it read a ticket's status list at the broker (each token exchange does).
    pub status_list_reads: AtomicU64,
}

/// How a hospital is set up.
pub struct HospitalSetup {
    /// Its position in the manifest.
    pub index: usize,
    /// Name, NPI, state, city.
    pub info: HospitalInfo,
    /// Origin, e.g. `http://127.0.0.1:PORT`.
    pub base: String,
    /// Latency added to every response.
    pub latency_ms: u64,
    /// Its faults.
    pub faults: Vec<Fault>,
    /// The trusted ticket issuer (the broker's base URL).
    pub issuer: String,
    /// The trust framework it belongs to (accepted as ticket `aud`).
    pub network: String,
    /// Whether the EHR-style launch picks the right patient without a person clicking.
    pub auto_approve: bool,
    /// Its patients.
    pub patients: Vec<LocalPatient>,
    /// Records by local patient id.
    pub records: HashMap<String, Vec<Value>>,
    /// Who can sign in to its patient portal (a `portal-only` hospital; else empty).
    pub portal_accounts: Vec<crate::portal::PortalAccount>,
    /// The clock.
    pub now: Now,
}

impl std::ops::Deref for Hospital {
    type Target = HospitalSetup;

    fn deref(&self) -> &HospitalSetup {
        &self.setup
    }
}

impl Hospital {
    /// A hospital from its setup.
    pub fn new(setup: HospitalSetup) -> Self {
        let clients = if setup.faults.contains(&Fault::PortalOnly) {
            Clients::offering(&["authorization_code", "refresh_token"]).allowing_public_clients()
        } else {
            Clients::default()
        };
        Self {
            setup,
            clients,
            portal: crate::portal::Portal::default(),
            http: reqwest::Client::builder().timeout(std::time::Duration::from_secs(5)).build().expect("HTTP client"),
            jwks_cache: Mutex::default(),
            tokens: Mutex::default(),
            refresh_tokens: Mutex::default(),
            launches: Mutex::default(),
            launch_codes: Mutex::default(),
            resolved: Mutex::default(),
            revoked_log: Mutex::default(),
            requests: AtomicU64::new(0),
            offline: AtomicBool::new(false),
            in_flight: AtomicU64::new(0),
            most_in_flight: AtomicU64::new(0),
            status_list_reads: AtomicU64::new(0),
        }
    }

    /// The FHIR base URL.
    pub fn fhir_base(&self) -> String {
        format!("{}/fhir", self.base)
    }

    /// Whether it has `fault`.
    pub fn has(&self, fault: Fault) -> bool {
        self.faults.contains(&fault)
    }

    /// Whether the hospital refuses searches of `resource_type` (`refuse:TYPE`).
    pub fn refuses(&self, resource_type: &str) -> bool {
        self.faults.iter().any(|f| matches!(f, Fault::Refuse(refused) if *refused == resource_type))
    }

    /// The routes (FHIR included).
    pub fn router(self: Arc<Self>) -> Router {
        Router::new()
            .route("/fhir/.well-known/smart-configuration", get(smart_configuration))
            .route("/auth/register", post(register))
            .route("/auth/token", post(token))
            .route("/auth/authorize", get(authorize).post(authorize_submitted))
            .route("/auth/revoke", post(revoke))
            .route("/auth/introspect", post(introspect))
            .merge(crate::fhir::routes())
            .merge(crate::portal::routes())
            .layer(axum::middleware::from_fn_with_state(self.clone(), crate::faults_layer))
            .with_state(self)
    }

    /// The access grant behind a bearer token, if it is live.
    pub fn access(&self, token: &str) -> Option<AccessGrant> {
        let grant = self.tokens.lock().unwrap().get(token).cloned()?;
        (grant.expires_at > (self.now)()).then_some(grant)
    }

    /// How many tokens of each kind were revoked through RFC 7009 (`access_token` / `refresh_token` entries).
    pub fn revoked_tokens(&self) -> Vec<String> {
        self.revoked_log.lock().unwrap().clone()
    }

    /// Every live access token this hospital issued (for leak audits in tests).
    pub fn issued_access_tokens(&self) -> Vec<String> {
        self.tokens.lock().unwrap().keys().cloned().collect()
    }

    /// Live refresh tokens (continuation).
    pub fn live_refresh_tokens(&self) -> usize {
        self.refresh_tokens.lock().unwrap().len()
    }

    fn token_url(&self) -> String {
        format!("{}/auth/token", self.base)
    }

    async fn issuer_jwks(&self, refresh: bool) -> Result<Value, OAuthError> {
        if !refresh {
            if let Some(cached) = self.jwks_cache.lock().unwrap().clone() {
                return Ok(cached);
            }
        }
        let url = format!("{}/.well-known/jwks.json", self.issuer);
        let jwks: Value = async { self.http.get(&url).send().await?.error_for_status()?.json().await }
            .await
            .map_err(|_: reqwest::Error| OAuthError::grant("Unable to retrieve issuer keys"))?;
        *self.jwks_cache.lock().unwrap() = Some(jwks.clone());
        Ok(jwks)
    }

    /// Fetches the status list named by the ticket and answers whether the ticket is revoked. Fails closed.
    async fn revoked(&self, claims: &Value) -> Result<bool, OAuthError> {
        if self.has(Fault::Revoked) {
            return Ok(true);
        }
        let Some(revocation) = claims.get("revocation") else { return Ok(false) };
        let unknown = || OAuthError::grant("Unable to determine ticket revocation status");
        let url = revocation.get("url").and_then(Value::as_str).ok_or_else(unknown)?;
        let index = revocation.get("index").and_then(Value::as_u64).ok_or_else(unknown)? as usize;
        if !url.starts_with(&self.issuer) {
            return Err(unknown());
        }
        self.status_list_reads.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let list: Value = async { self.http.get(url).send().await?.error_for_status()?.json().await }
            .await
            .map_err(|_: reqwest::Error| unknown())?;
        let bits = list.get("bits").and_then(Value::as_str).ok_or_else(unknown)?;
        let list = StatusList::decode(bits, 16 << 20).map_err(|_| unknown())?;
        Ok(list.is_set(index))
    }

    /// Steps 3–14 of the spec's validation order for one ticket presented by `client_jkt`.
    async fn redeem(
        &self,
        ticket: &str,
        client_jkt: &str,
        requested_scope: Option<&str>,
    ) -> Result<(AccessGrant, Value), OAuthError> {
        let now = (self.now)();
        // (3) parse
        let decoded =
            tessera_jose::decode_unverified(ticket).map_err(|_| OAuthError::grant("Malformed permission ticket"))?;
        let claims = decoded.claims;
        let text = |name: &str| claims.get(name).and_then(Value::as_str).unwrap_or("");
        if text("ticket_type").is_empty() {
            return Err(OAuthError::grant("Missing ticket type"));
        }
        // (4) signature, by kid, against the issuer's JWKS (re-fetched once for an unknown kid: rotation)
        if text("iss") != self.issuer {
            return Err(OAuthError::grant(format!("Ticket issuer not trusted: {}", text("iss"))));
        }
        let mut verified = tessera_jose::verify(ticket, &self.issuer_jwks(false).await?);
        if matches!(verified, Err(tessera_jose::JoseError::UnknownKey(_))) {
            verified = tessera_jose::verify(ticket, &self.issuer_jwks(true).await?);
        }
        verified.map_err(|_| OAuthError::grant("Ticket signature verification failed"))?;
        // (5, 6) type supported, issuer trusted for it
        let ticket_type = text("ticket_type");
        if ticket_type != UC1 && ticket_type != UC2 {
            return Err(OAuthError::grant("Unsupported ticket type"));
        }
        // (7) exp, aud
        let exp = claims.get("exp").and_then(Value::as_i64).unwrap_or(0);
        if exp <= now {
            return Err(OAuthError::grant("Ticket expired"));
        }
        if !self.audience_ok(&claims) {
            return Err(OAuthError::grant("Ticket not valid for this server"));
        }
        // (8) revocation, fail closed
        if self.revoked(&claims).await? {
            return Err(OAuthError::grant("Ticket has been revoked"));
        }
        // (9) binding
        let binding = claims.get("presenter_binding");
        match binding.and_then(|b| b.get("method")).and_then(Value::as_str) {
            Some("jkt") if binding.and_then(|b| b.get("jkt")).and_then(Value::as_str) == Some(client_jkt) => {}
            Some("jkt") => return Err(OAuthError::grant("Ticket presenter binding mismatch")),
            _ => return Err(OAuthError::grant("Ticket presenter binding mismatch")),
        }
        // (11, with the access members) every `must_understand` entry understood: here, only the sensitivity policy
        if let Some(entries) = claims.get("must_understand") {
            let names: Vec<&str> =
                entries.as_array().map(|a| a.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
            if let Some(unknown) = names.iter().find(|n| **n != "sensitivity_policy") {
                return Err(OAuthError::grant(format!("Cannot enforce kernel field: {unknown}")));
            }
        }
        // (11) every access member known
        let access = claims
            .get("access")
            .and_then(Value::as_object)
            .ok_or_else(|| OAuthError::grant("Malformed permission ticket"))?;
        if let Some(unknown) = access.keys().find(|k| !KNOWN_CONSTRAINTS.contains(&k.as_str())) {
            return Err(OAuthError::grant(format!("Unsupported access constraint: {unknown}")));
        }
        if !self.holder_filter_ok(access.get("data_holder_filter")) {
            return Err(OAuthError::grant("Ticket not valid for this server"));
        }
        // (12) type-required claims
        let requester = claims.get("requester");
        let type_ok = if ticket_type == UC1 {
            requester.is_none()
        } else {
            requester.and_then(|r| r.get("resourceType")) == Some(&json!("RelatedPerson"))
                && requester.and_then(|r| r.pointer("/relationship/0/coding")).and_then(Value::as_array).map(Vec::len)
                    == Some(1)
                && requester.and_then(|r| r.get("relationship")).and_then(Value::as_array).map(Vec::len) == Some(1)
        };
        if !type_ok {
            return Err(OAuthError::grant("Ticket lacks the claims its type requires"));
        }
        // (14) scopes: requested ∩ ticket
        let ceiling: Vec<Scope> = match access.get("permissions") {
            Some(permissions) => crate::scopes::from_permissions(permissions)
                .ok_or_else(|| OAuthError::grant("Unsupported access constraint: permissions"))?,
            None => access
                .get("smart_scopes")
                .and_then(Value::as_array)
                .map(|s| s.iter().filter_map(|v| v.as_str().and_then(Scope::parse)).collect())
                .unwrap_or_default(),
        };
        let requested: Vec<Scope> = match requested_scope {
            Some(scope) if !scope.trim().is_empty() => scope.split(' ').filter_map(Scope::parse).collect(),
            _ => ceiling.clone(),
        };
        // A strict hospital (like the reference Data Holder) refuses the whole request when any requested scope is
        // wider than the ticket, instead of narrowing it.
        if self.has(Fault::StrictScopes) && requested.iter().any(|r| !ceiling.iter().any(|c| c.covers(r))) {
            return Err(OAuthError::bad("invalid_scope", "Requested scope is not permitted by the ticket"));
        }
        let granted: Vec<Scope> = requested.into_iter().filter(|r| ceiling.iter().any(|c| c.covers(r))).collect();
        if granted.is_empty() {
            return Err(OAuthError::bad("invalid_scope", "No authorized scopes"));
        }
        let period = access.get("data_period");
        let date = |name: &str| period.and_then(|p| p.get(name)).and_then(Value::as_str).map(String::from);
        let mut withhold: Vec<String> = access
            .get("sensitivity_withhold")
            .and_then(|w| w.get("codes"))
            .and_then(Value::as_array)
            .map(|codes| codes.iter().filter_map(|c| c.get("code").and_then(Value::as_str).map(String::from)).collect())
            .unwrap_or_default();
        // The April-2026 kernel and the sensitivity policy: sensitive data is withheld unless the ticket says
        // `include` (default deny).
        let policy = claims.pointer("/sensitivity_policy/unlisted_sensitive_data");
        let excluded = match policy {
            Some(policy) => policy != &json!("include"),
            None => access.contains_key("permissions") && access.get("sensitive_data") != Some(&json!("include")),
        };
        if excluded {
            withhold.extend(crate::broker::SENSITIVE_CODES.iter().map(|(code, _)| code.to_string()));
        }
        let grant = AccessGrant {
            patient: String::new(),
            scopes: granted,
            expires_at: now + 3600,
            data_period: (date("start"), date("end")),
            withhold,
            jkt: client_jkt.to_string(),
        };
        Ok((grant, claims))
    }

    fn audience_ok(&self, claims: &Value) -> bool {
        let auds: Vec<&str> = match claims.get("aud") {
            Some(Value::String(a)) => vec![a.as_str()],
            Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
            _ => vec![],
        };
        let trust_framework = claims.get("aud_type").and_then(Value::as_str) == Some("trust_framework");
        let fhir_base = self.fhir_base();
        auds.iter().any(|a| if trust_framework { *a == self.network } else { a.trim_end_matches('/') == fhir_base })
    }

    fn holder_filter_ok(&self, filter: Option<&Value>) -> bool {
        let Some(entries) = filter.and_then(Value::as_array) else { return filter.is_none() };
        entries.iter().any(|entry| match entry.get("kind").and_then(Value::as_str) {
            Some("jurisdiction") => {
                entry.pointer("/address/state").and_then(Value::as_str).is_none_or(|s| s == self.info.state)
            }
            Some("organization") => entry
                .get("organization")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .any(|org| org.pointer("/identifier/value").and_then(Value::as_str) == Some(self.info.npi.as_str())),
            _ => false,
        })
    }

    /// (13) Resolves the ticket's subject among this hospital's patients.
    fn resolve(&self, claims: &Value) -> Vec<&LocalPatient> {
        let patient = claims.pointer("/subject/patient");
        let field =
            |path: &str| patient.and_then(|p| p.pointer(path)).and_then(Value::as_str).unwrap_or("").to_lowercase();
        let (family, given, birth) = (field("/name/0/family"), field("/name/0/given/0"), field("/birthDate"));
        if family.is_empty() || birth.is_empty() {
            return vec![];
        }
        self.patients
            .iter()
            .filter(|p| p.family.to_lowercase() == family && p.given.to_lowercase() == given && p.birth_date == birth)
            .collect()
    }

    fn issue(
        &self,
        mut access: AccessGrant,
        patient: &str,
        continuation: Option<(String, String, Option<i64>)>,
    ) -> Response {
        access.patient = patient.to_string();
        let token = random_token(24);
        let scope: Vec<String> = access.scopes.iter().map(scope_text).collect();
        let mut body = json!({
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": 3600,
            "scope": scope.join(" "),
            "issued_token_type": "urn:ietf:params:oauth:token-type:access_token",
            "patient": patient,
        });
        if let Some((client_id, ticket, refresh_until)) = continuation {
            let refresh = random_token(32);
            body["refresh_token"] = json!(refresh);
            self.refresh_tokens
                .lock()
                .unwrap()
                .insert(refresh, RefreshGrant { client_id, ticket, access: access.clone(), refresh_until });
        }
        self.tokens.lock().unwrap().insert(token, access);
        no_store(Json(body).into_response())
    }

    async fn exchange(&self, form: &HashMap<String, String>) -> Result<Response, OAuthError> {
        let now = (self.now)();
        // (1) client authentication
        let (client_id, client) = self.clients.authenticate(form, &self.token_url(), now)?;
        if self.has(Fault::NoTickets) {
            return Err(OAuthError::bad("unsupported_grant_type", "Token exchange not supported"));
        }
        // (2) subject token type
        if form.get("subject_token_type").map(String::as_str) != Some(TICKET_TOKEN_TYPE) {
            return Err(OAuthError::bad("invalid_request", "Unsupported subject token type"));
        }
        let ticket = form
            .get("subject_token")
            .filter(|t| !t.is_empty())
            .ok_or_else(|| OAuthError::bad("invalid_request", "No permission ticket provided"))?;
        let (access, claims) = self.redeem(ticket, &client.jkt, form.get("scope").map(String::as_str)).await?;
        let jti = claims.get("jti").and_then(Value::as_str).unwrap_or("").to_string();
        let continuation = claims
            .get("continuation")
            .map(|c| (client_id.clone(), ticket.clone(), c.get("refresh_until").and_then(Value::as_i64)));
        if let Some(local) = self.resolved.lock().unwrap().get(&jti).cloned() {
            return Ok(self.issue(access, &local, continuation));
        }
        let matches = self.resolve(&claims);
        match matches.as_slice() {
            [] => Err(OAuthError::grant("Unable to resolve ticket subject")),
            [one] => Ok(self.issue(access, &one.id, continuation)),
            many => {
                let launch = random_token(24);
                let person_hint =
                    claims.pointer("/subject/patient/identifier/0/value").and_then(Value::as_str).map(String::from);
                self.launches.lock().unwrap().insert(
                    launch.clone(),
                    Launch {
                        client_id,
                        ticket_jti: jti,
                        access,
                        candidates: many.iter().map(|p| p.id.clone()).collect(),
                        person_hint,
                        expires_at: now + 600,
                    },
                );
                Err(OAuthError {
                    extra: Some(("launch", launch)),
                    ..OAuthError::bad("interaction_required", "Patient match needs confirmation")
                })
            }
        }
    }

    async fn refresh(&self, form: &HashMap<String, String>) -> Result<Response, OAuthError> {
        let now = (self.now)();
        let (client_id, _) = self.clients.authenticate(form, &self.token_url(), now)?;
        let token = form.get("refresh_token").cloned().unwrap_or_default();
        let grant = self
            .refresh_tokens
            .lock()
            .unwrap()
            .remove(&token)
            .ok_or_else(|| OAuthError::grant("Unknown refresh token"))?;
        if grant.client_id != client_id {
            return Err(OAuthError::grant("Refresh token was issued to another client"));
        }
        if grant.refresh_until.is_some_and(|until| until <= now) {
            return Err(OAuthError::grant("Continuation has ended"));
        }
        let claims = tessera_jose::decode_unverified(&grant.ticket).map(|d| d.claims).unwrap_or_default();
        if self.revoked(&claims).await? {
            return Err(OAuthError::grant("Ticket has been revoked"));
        }
        let mut access = grant.access.clone();
        access.expires_at = now + 3600;
        let patient = access.patient.clone();
        Ok(self.issue(access, &patient, Some((client_id, grant.ticket, grant.refresh_until))))
    }

    fn code_exchange(&self, form: &HashMap<String, String>) -> Result<Response, OAuthError> {
        let (client_id, _) = self.clients.authenticate(form, &self.token_url(), (self.now)())?;
        let field = |name: &str| form.get(name).cloned().unwrap_or_default();
        let code = self
            .launch_codes
            .lock()
            .unwrap()
            .remove(&field("code"))
            .ok_or_else(|| OAuthError::grant("Unknown or used code"))?;
        if code.client_id != client_id
            || code.redirect_uri != field("redirect_uri")
            || !pkce_matches(&field("code_verifier"), &code.challenge)
        {
            return Err(OAuthError::grant("Code, client, redirect or PKCE mismatch"));
        }
        let patient = code.access.patient.clone();
        self.resolved.lock().unwrap().insert(code.ticket_jti, patient.clone());
        Ok(self.issue(code.access, &patient, None))
    }
}

/// The text form of a scope.
pub fn scope_text(scope: &Scope) -> String {
    let base = format!("{}/{}.{}", scope.context, scope.resource, scope.permissions);
    scope.query.as_ref().map_or(base.clone(), |q| format!("{base}?{q}"))
}

async fn smart_configuration(State(h): State<Arc<Hospital>>) -> Response {
    if h.has(Fault::PortalOnly) {
        return crate::portal::smart_configuration(&h);
    }
    let tickets = !h.has(Fault::NoTickets);
    let mut grant_types = vec!["authorization_code", "refresh_token"];
    if tickets {
        grant_types.push(TOKEN_EXCHANGE);
    }
    let mut config = json!({
        "issuer": h.base,
        "fhir_base_url": h.fhir_base(),
        "authorization_endpoint": format!("{}/auth/authorize", h.base),
        "token_endpoint": h.token_url(),
        "registration_endpoint": format!("{}/auth/register", h.base),
        "revocation_endpoint": format!("{}/auth/revoke", h.base),
        "introspection_endpoint": format!("{}/auth/introspect", h.base),
        "grant_types_supported": grant_types,
        "response_types_supported": ["code"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["private_key_jwt"],
        "token_endpoint_auth_signing_alg_values_supported": ["ES256"],
        "scopes_supported": ["patient/*.rs", "launch"],
        "capabilities": ["launch-ehr", "client-confidential-asymmetric", "permission-v2", "context-ehr-patient"],
        "organization": { "name": h.info.name, "npi": h.info.npi, "state": h.info.state },
    });
    if h.has(Fault::Unnamed) {
        config.as_object_mut().map(|c| c.remove("organization"));
    }
    if tickets {
        config["smart_permission_ticket_types_supported"] = json!([UC1, UC2]);
    }
    if tickets && !h.has(Fault::OutsideNetwork) {
        config["extensions"] = json!({
            "https://smarthealthit.org/smart-permission-tickets/smart-configuration": {
                "permission_ticket_profile": "v2",
                "supported_client_binding_types": ["jkt"],
                "supported_trust_frameworks": [{ "framework": h.network, "framework_type": "well-known" }],
            }
        });
    }
    ([(axum::http::header::CACHE_CONTROL, "max-age=3600")], Json(config)).into_response()
}

async fn register(State(h): State<Arc<Hospital>>, body: String) -> Response {
    as_outcome(&h, h.clients.registration_response(&body, (h.now)())).await
}

/// At a hospital that answers OAuth errors as FHIR OperationOutcomes (`outcome-errors`, as the spec's reference
/// Data Holder does at registration), an error answer becomes one: the same status, an issue whose code stands for
/// the `error`, the description as its diagnostics. A Proposal 001 `launch` answer is left as it is.
async fn as_outcome(h: &Hospital, response: Response) -> Response {
    if !h.has(Fault::OutcomeErrors) || response.status().is_success() {
        return response;
    }
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20).await.unwrap_or_default();
    let body: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    if body.get("launch").is_some() {
        return (status, Json(body)).into_response();
    }
    let code = match body.get("error").and_then(Value::as_str) {
        Some("invalid_client") => "security",
        Some("invalid_grant") => "processing",
        Some("invalid_scope") => "forbidden",
        Some("unsupported_grant_type") => "not-supported",
        Some("server_error") => "exception",
        _ => "invalid",
    };
    let diagnostics = body.get("error_description").and_then(Value::as_str).unwrap_or_default();
    let outcome = json!({ "resourceType": "OperationOutcome",
        "issue": [{ "severity": "error", "code": code, "diagnostics": diagnostics }] });
    no_store((status, Json(outcome)).into_response())
}

async fn token(State(h): State<Arc<Hospital>>, Form(form): Form<HashMap<String, String>>) -> Response {
    if h.has(Fault::Malformed) {
        return ([(axum::http::header::CONTENT_TYPE, "application/json")], r#"{"access_token": "abc", "token_"#)
            .into_response();
    }
    if h.has(Fault::PortalOnly) {
        return crate::portal::token(&h, &form);
    }
    let result = match form.get("grant_type").map(String::as_str) {
        Some(TOKEN_EXCHANGE) => h.exchange(&form).await,
        Some("refresh_token") => h.refresh(&form).await,
        Some("authorization_code") => h.code_exchange(&form),
        _ => Err(OAuthError::bad("unsupported_grant_type", "Unsupported grant type")),
    };
    as_outcome(&h, result.unwrap_or_else(IntoResponse::into_response)).await
}

async fn authorize(State(h): State<Arc<Hospital>>, Query(q): Query<HashMap<String, String>>) -> Response {
    let param = |name: &str| q.get(name).cloned().unwrap_or_default();
    let Some(client) = h.clients.get(&param("client_id")) else {
        return (StatusCode::BAD_REQUEST, "unknown client").into_response();
    };
    let redirect_uri = param("redirect_uri");
    if !client.allows_redirect(&redirect_uri) {
        return (StatusCode::BAD_REQUEST, "redirect_uri not registered").into_response();
    }
    let launch = h.launches.lock().unwrap().get(&param("launch")).cloned();
    let valid = launch.as_ref().is_some_and(|l| l.client_id == param("client_id") && l.expires_at > (h.now)());
    if !valid || param("code_challenge_method") != "S256" || param("aud").trim_end_matches('/') != h.fhir_base() {
        let mut url = url::Url::parse(&redirect_uri).expect("validated");
        url.query_pairs_mut().append_pair("error", "invalid_request").append_pair("state", &param("state"));
        return Redirect::to(url.as_str()).into_response();
    }
    let launch = launch.expect("checked");
    if h.auto_approve {
        let chosen = h
            .patients
            .iter()
            .find(|p| launch.candidates.contains(&p.id) && Some(&p.person_id) == launch.person_hint.as_ref());
        let chosen = chosen.map(|p| p.id.clone()).unwrap_or_else(|| launch.candidates[0].clone());
        return finish_launch(&h, &param("launch"), &chosen, &redirect_uri, &param("state"), &param("code_challenge"));
    }
    let options: String = h
        .patients
        .iter()
        .filter(|p| launch.candidates.contains(&p.id))
        .map(|p| {
            format!(
                r#"<label><input type="radio" name="patient" value="{}"> {} {} — born {} — record {}</label>"#,
                escape(&p.id),
                escape(&p.given),
                escape(&p.family),
                escape(&p.birth_date),
                escape(&p.id)
            )
        })
        .collect();
    let hidden = ["launch", "redirect_uri", "state", "code_challenge"]
        .iter()
        .map(|n| format!(r#"<input type="hidden" name="{n}" value="{}">"#, escape(&param(n))))
        .collect::<String>();
    Html(page(&h.info.name, &format!(
        "<h1>{}</h1><p>More than one patient here matches. Which one is the person you act for?</p><form method=\"post\" action=\"/auth/authorize\">{hidden}<fieldset>{options}</fieldset><button type=\"submit\">Confirm</button></form>",
        escape(&h.info.name)
    )))
    .into_response()
}

async fn authorize_submitted(State(h): State<Arc<Hospital>>, Form(form): Form<HashMap<String, String>>) -> Response {
    let field = |name: &str| form.get(name).cloned().unwrap_or_default();
    let candidates = h.launches.lock().unwrap().get(&field("launch")).map(|l| l.candidates.clone()).unwrap_or_default();
    if !candidates.contains(&field("patient")) {
        return (StatusCode::BAD_REQUEST, "choose one of the listed patients").into_response();
    }
    finish_launch(
        &h,
        &field("launch"),
        &field("patient"),
        &field("redirect_uri"),
        &field("state"),
        &field("code_challenge"),
    )
}

fn finish_launch(
    h: &Hospital,
    launch_id: &str,
    patient: &str,
    redirect_uri: &str,
    state: &str,
    challenge: &str,
) -> Response {
    let Some(launch) = h.launches.lock().unwrap().remove(launch_id) else {
        return (StatusCode::BAD_REQUEST, "launch used").into_response();
    };
    let code = random_token(24);
    let mut access = launch.access;
    access.patient = patient.to_string();
    h.launch_codes.lock().unwrap().insert(
        code.clone(),
        LaunchCode {
            client_id: launch.client_id,
            redirect_uri: redirect_uri.to_string(),
            challenge: challenge.to_string(),
            access,
            ticket_jti: launch.ticket_jti,
        },
    );
    let mut url = match url::Url::parse(redirect_uri) {
        Ok(url) => url,
        Err(_) => return (StatusCode::BAD_REQUEST, "bad redirect").into_response(),
    };
    url.query_pairs_mut().append_pair("code", &code).append_pair("state", state).append_pair("iss", &h.base);
    Redirect::to(url.as_str()).into_response()
}

async fn revoke(State(h): State<Arc<Hospital>>, Form(form): Form<HashMap<String, String>>) -> Response {
    let client_id = match h.clients.authenticate(&form, &format!("{}/auth/revoke", h.base), (h.now)()) {
        Ok((client_id, _)) => client_id,
        Err(error) => return error.into_response(),
    };
    let token = form.get("token").cloned().unwrap_or_default();
    match crate::portal::revoke(&h, &client_id, &token) {
        Ok(Some(kind)) => h.revoked_log.lock().unwrap().push(kind.into()),
        Ok(None) => {}
        Err(error) => return error.into_response(),
    }
    if h.tokens.lock().unwrap().remove(&token).is_some() {
        h.revoked_log.lock().unwrap().push("access_token".into());
    }
    if h.refresh_tokens.lock().unwrap().remove(&token).is_some() {
        h.revoked_log.lock().unwrap().push("refresh_token".into());
    }
    StatusCode::OK.into_response()
}

async fn introspect(State(h): State<Arc<Hospital>>, Form(form): Form<HashMap<String, String>>) -> Response {
    if let Err(error) = h.clients.authenticate(&form, &format!("{}/auth/introspect", h.base), (h.now)()) {
        return error.into_response();
    }
    let token = form.get("token").cloned().unwrap_or_default();
    let body = match h.access(&token) {
        Some(grant) => json!({
            "active": true,
            "scope": grant.scopes.iter().map(scope_text).collect::<Vec<_>>().join(" "),
            "patient": grant.patient,
            "exp": grant.expires_at,
            "token_type": "Bearer",
        }),
        None => json!({
            "active": h.refresh_tokens.lock().unwrap().contains_key(&token)
                || h.portal_refresh_token(&token) == Some(crate::portal::RefreshState::Active)
        }),
    };
    no_store(Json(body).into_response())
}
