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

use crate::access::{scope_text, AccessGrant, LocalPatient};
use crate::broker::{UC1, UC2};
use crate::data::HospitalInfo;
use crate::faults::Fault;
use crate::oauth::{no_store, pkce_matches, random_token, Clients, OAuthError};
use crate::portal_state::{Portal, PortalAccount};
use crate::scopes::Scope;
use crate::Now;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64};
use std::sync::Mutex;
use tessera_jose::status_list::StatusList;

/// The subject-token type of a Permission Ticket.
pub const TICKET_TOKEN_TYPE: &str = "https://smarthealthit.org/token-type/permission-ticket";
/// The RFC 8693 grant type.
pub const TOKEN_EXCHANGE: &str = "urn:ietf:params:oauth:grant-type:token-exchange";
/// The access constraints this hospital recognises and enforces.
/// `permissions` and `sensitive_data` are the April-2026 kernel's (the reference Data Holder's), accepted too.
const KNOWN_CONSTRAINTS: &[&str] =
    &["smart_scopes", "data_period", "data_holder_filter", "sensitivity_withhold", "permissions", "sensitive_data"];

#[derive(Debug, Clone)]
pub(crate) struct RefreshGrant {
    pub(crate) client_id: String,
    pub(crate) ticket: String,
    pub(crate) access: AccessGrant,
    pub(crate) refresh_until: Option<i64>,
}

#[derive(Debug, Clone)]
pub(crate) struct Launch {
    pub(crate) client_id: String,
    pub(crate) ticket_jti: String,
    pub(crate) access: AccessGrant,
    pub(crate) candidates: Vec<String>,
    pub(crate) person_hint: Option<String>,
    pub(crate) expires_at: i64,
}

pub(crate) struct LaunchCode {
    pub(crate) client_id: String,
    pub(crate) redirect_uri: String,
    pub(crate) challenge: String,
    pub(crate) access: AccessGrant,
    pub(crate) ticket_jti: String,
}

/// One hospital: its setup (reachable directly through `Deref`, e.g. `hospital.info.name`) and its live state.
pub struct Hospital {
    pub(crate) setup: HospitalSetup,
    pub(crate) clients: Clients,
    pub(crate) http: reqwest::Client,
    pub(crate) jwks_cache: Mutex<Option<Value>>,
    pub(crate) tokens: Mutex<HashMap<String, AccessGrant>>,
    pub(crate) portal: Portal,
    pub(crate) refresh_tokens: Mutex<HashMap<String, RefreshGrant>>,
    pub(crate) launches: Mutex<HashMap<String, Launch>>,
    pub(crate) launch_codes: Mutex<HashMap<String, LaunchCode>>,
    pub(crate) resolved: Mutex<HashMap<String, String>>,
    pub(crate) revoked_log: Mutex<Vec<String>>,
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
    pub portal_accounts: Vec<PortalAccount>,
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
            portal: Portal::default(),
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

    pub(crate) fn token_url(&self) -> String {
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

    pub(crate) async fn exchange(&self, form: &HashMap<String, String>) -> Result<Response, OAuthError> {
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

    pub(crate) async fn refresh(&self, form: &HashMap<String, String>) -> Result<Response, OAuthError> {
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

    pub(crate) fn code_exchange(&self, form: &HashMap<String, String>) -> Result<Response, OAuthError> {
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
