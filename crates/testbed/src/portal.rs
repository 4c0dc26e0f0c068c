//! A hospital's own patient portal: the way into a `portal-only` hospital ([`Fault::PortalOnly`]), which takes no
//! permission tickets but offers SMART App Launch's standalone patient launch, as certified EHRs do.
//!
//! | method | path | what |
//! |---|---|---|
//! | GET | `/fhir/.well-known/smart-configuration` | `launch-standalone`, `authorization_code` and `refresh_token`; no token exchange, no ticket fields |
//! | POST | `/auth/register` | RFC 7591: `private_key_jwt` with one EC P-256 key, or `none` (a public client) |
//! | GET | `/portal/authorize` | the standalone launch; its login page (or, with auto-approve, straight to the redirect) |
//! | POST | `/portal/login` | the login form; answers the patient picker |
//! | POST | `/portal/pick` | the picker form; redirects with `code`, `state` and `iss` (RFC 9207) |
//! | POST | `/auth/token` | `authorization_code` with PKCE S256, `refresh_token` rotated; anything else `unsupported_grant_type` |
//! | POST | `/auth/revoke` | RFC 7009: a refresh token ends its whole grant (its access tokens too); an access token only itself |
//!
//! **The request** (`GET /portal/authorize`) is checked as the broker checks its own
//! ([`crate::oauth::Clients::authorization_request`]): a registered client, one of its redirect URIs (a native app's
//! loopback one on any port, RFC 8252), then — answered as error redirects — `response_type=code`, a `state`, PKCE
//! S256, `aud` = the hospital's FHIR base, and at least one scope this server grants ([`Granted`]).
//!
//! **Who signs in, and whom they see.** Every person with a chart here has an account; a caregiver's account carries
//! proxy access to each patient she acts for who is seen here (and she has a chart of her own: see
//! [`crate::data::World::has_chart`]). The picker lists the patients she acts for first, then herself; a patient
//! sees only themself ([`crate::data::World::portal_charts`]).
//!
//! **Auto-approve** (`--auto-approve`) shows no page: it signs in as the `login_hint` person (a network person id,
//! e.g. `p1`; without one, the first account in the manifest's order — the main caregiver, Margaret in the stories)
//! and picks the `patient_hint` patient (a local Patient id here or a network person id; without one, the first
//! chart in the picker's order: the first patient she acts for, else herself). A hint naming someone who has no
//! account here, or a patient that account cannot see, is answered `access_denied`.
//!
//! **Tokens.** The access token opens the FHIR API exactly as a ticket's does ([`crate::fhir`]: same scope
//! enforcement, the picked patient's compartment; nothing is withheld: it is the patient's own portal) and lives an
//! hour. A refresh token comes with `offline_access`; each refresh answers a new one and the old one is refused from
//! then on — presenting it again revokes the whole grant (a stolen token used twice). A code is redeemable once, for
//! two minutes; presenting it again revokes what it was exchanged for (RFC 6749 §4.1.2). With
//! [`Fault::RefreshWithoutPatient`] a refresh answer carries no `patient` (SMART does not require a refresh answer to
//! repeat the launch context). With [`Fault::PortalWithholdsPatient`] the consent grants no `patient/Patient.*` scope
//! (the person unticked the patient's demographics), so the token cannot read its own Patient.
//!
//! **Inspection** for tests, in process on the [`Hospital`]: [`Hospital::portal_grants`],
//! [`Hospital::active_portal_grants`], [`Hospital::portal_grant_for`] and [`Hospital::portal_refresh_token`]; over
//! HTTP, `GET /testbed/hospitals/{index}/portal-grants` on the broker's origin (the grants, never a token). One
//! switch, in process: [`Hospital::forget_portal_clients`] (its registrations reset).

use crate::access::{AccessGrant, LocalPatient};
use crate::data::World;
use crate::faults::Fault;
use crate::hospital::Hospital;
use crate::html::{escape, page};
use crate::oauth::{
    error_page, error_redirect, error_redirect_described, no_store, pkce_matches, random_token, redirect_with, Client,
    OAuthError,
};
use crate::portal_state::{
    Code, Granted, Pending, PortalAccount, PortalGrant, PortalState, RefreshState, RefreshToken,
};
use crate::scopes::SEARCHABLE;
use axum::extract::{Form, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::json;
use std::collections::HashMap;
use std::sync::Arc;

/// Seconds a sign-in under way (its login and picker pages) stays usable.
const REQUEST_LIFETIME: i64 = 600;
/// Seconds an authorization code stays redeemable.
const CODE_LIFETIME: i64 = 120;
/// Seconds an access token lives.
const ACCESS_LIFETIME: i64 = 3600;
/// What a portal offers besides resource scopes (`scopes_supported`).
const CONTEXT_SCOPES: &[&str] = &["launch/patient", "openid", "fhirUser", "offline_access"];

/// The portal accounts of hospital `site`, whose patients are `patients`, in the order of the world's people.
pub fn accounts(world: &World, site: usize, patients: &[LocalPatient]) -> Vec<PortalAccount> {
    world
        .people
        .iter()
        .filter_map(|person| {
            let charts: Vec<(String, Option<&'static str>)> = world
                .portal_charts(person, site)
                .into_iter()
                .filter_map(|(id, code)| patients.iter().find(|p| p.person_id == id).map(|p| (p.id.clone(), code)))
                .collect();
            (!charts.is_empty()).then(|| PortalAccount {
                person_id: person.id.clone(),
                name: person.name(),
                birth_date: person.birth_date.clone(),
                charts,
            })
        })
        .collect()
}

impl PortalState {
    /// Ends a grant: its refresh tokens are revoked and its access tokens stop working. False when it already had
    /// ended (or does not exist).
    fn revoke_grant(&mut self, h: &Hospital, grant_id: &str, why: &str) -> bool {
        let Some(grant) = self.grants.iter_mut().find(|g| g.id == grant_id && g.active()) else { return false };
        grant.revoked = Some(why.to_string());
        for token in self.refresh.values_mut().filter(|t| t.grant == grant_id) {
            token.state = RefreshState::Revoked;
        }
        let ended: Vec<String> =
            self.access.iter().filter(|(_, (g, _))| g == grant_id).map(|(t, _)| t.clone()).collect();
        let mut live = h.tokens.lock().unwrap_or_else(|p| p.into_inner());
        for token in ended {
            live.remove(&token);
            self.access.remove(&token);
        }
        true
    }

    /// The token response for `grant_id`: a new access token with `scope` and, for an offline grant, a new refresh
    /// token.
    fn issue(
        &mut self,
        h: &Hospital,
        grant_id: &str,
        client_id: &str,
        client: &Client,
        scope: &str,
        refreshed: bool,
    ) -> Response {
        let now = (h.now)();
        let Some(grant) = self.grants.iter().find(|g| g.id == grant_id).cloned() else {
            return OAuthError::bad("server_error", "grant vanished").into_response();
        };
        let granted = Granted::of(scope);
        let access_token = random_token(24);
        let access = AccessGrant {
            patient: grant.patient.clone(),
            scopes: granted.resources,
            expires_at: now + ACCESS_LIFETIME,
            data_period: (None, None),
            withhold: Vec::new(),
            jkt: client.jkt.clone(),
        };
        h.tokens.lock().unwrap_or_else(|p| p.into_inner()).insert(access_token.clone(), access);
        self.access.insert(access_token.clone(), (grant.id.clone(), client_id.to_string()));
        let mut body = json!({
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": ACCESS_LIFETIME,
            "scope": scope,
            "patient": grant.patient,
        });
        if refreshed && h.has(Fault::RefreshWithoutPatient) {
            body.as_object_mut().map(|members| members.remove("patient"));
        }
        if Granted::of(&grant.scope).offline {
            let refresh_token = random_token(32);
            body["refresh_token"] = json!(refresh_token);
            self.refresh.insert(
                refresh_token,
                RefreshToken { grant: grant.id, client_id: client_id.to_string(), state: RefreshState::Active },
            );
        }
        no_store(Json(body).into_response())
    }
}

/// The portal's pages, merged into every hospital's router (they answer 404 where the hospital is not portal-only).
pub fn routes() -> Router<Arc<Hospital>> {
    Router::new()
        .route("/portal/authorize", get(authorize))
        .route("/portal/login", post(login))
        .route("/portal/pick", post(pick))
}

/// The SMART configuration of a portal-only hospital.
pub fn smart_configuration(h: &Hospital) -> Response {
    let base = &h.base;
    let mut scopes: Vec<String> = vec!["patient/*.rs".into(), "patient/Patient.rs".into()];
    scopes.extend(SEARCHABLE.iter().map(|t| format!("patient/{t}.rs")));
    scopes.extend(CONTEXT_SCOPES.iter().map(|s| s.to_string()));
    let mut config = json!({
        "issuer": base,
        "fhir_base_url": h.fhir_base(),
        "authorization_endpoint": format!("{base}/portal/authorize"),
        "token_endpoint": format!("{base}/auth/token"),
        "registration_endpoint": format!("{base}/auth/register"),
        "revocation_endpoint": format!("{base}/auth/revoke"),
        "introspection_endpoint": format!("{base}/auth/introspect"),
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "response_types_supported": ["code"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["private_key_jwt", "none"],
        "token_endpoint_auth_signing_alg_values_supported": ["ES256"],
        "authorization_response_iss_parameter_supported": true,
        "scopes_supported": scopes,
        "capabilities": [
            "launch-standalone", "client-public", "client-confidential-asymmetric", "context-standalone-patient",
            "permission-patient", "permission-v2", "permission-offline",
        ],
        "organization": { "name": h.info.name, "npi": h.info.npi, "state": h.info.state },
    });
    if h.has(Fault::Unnamed) {
        config.as_object_mut().map(|c| c.remove("organization"));
    }
    ([(axum::http::header::CACHE_CONTROL, "max-age=3600")], Json(config)).into_response()
}

/// The token endpoint of a portal-only hospital.
pub fn token(h: &Hospital, form: &HashMap<String, String>) -> Response {
    let result = match form.get("grant_type").map(String::as_str) {
        Some("authorization_code") => code_exchange(h, form),
        Some("refresh_token") => refresh(h, form),
        _ => Err(OAuthError::bad(
            "unsupported_grant_type",
            "This hospital takes no permission tickets: use authorization_code (its patient portal) or refresh_token",
        )),
    };
    result.unwrap_or_else(IntoResponse::into_response)
}

fn token_url(h: &Hospital) -> String {
    format!("{}/auth/token", h.base)
}

fn code_exchange(h: &Hospital, form: &HashMap<String, String>) -> Result<Response, OAuthError> {
    let now = (h.now)();
    let (client_id, client) = h.clients.authenticate(form, &token_url(h), now)?;
    let field = |name: &str| form.get(name).cloned().unwrap_or_default();
    let text = field("code");
    let mut state = h.portal.lock();
    let Some(code) = state.codes.remove(&text) else {
        if let Some(grant) = state.used_codes.get(&text).cloned() {
            state.revoke_grant(h, &grant, "its authorization code was presented again");
            return Err(OAuthError::grant("Code was already used; the tokens issued for it are revoked"));
        }
        return Err(OAuthError::grant("Unknown code"));
    };
    if code.client_id != client_id {
        return Err(OAuthError::grant("Code was issued to another client"));
    }
    if code.redirect_uri != field("redirect_uri") {
        return Err(OAuthError::grant("redirect_uri does not match the authorization request"));
    }
    if code.expires_at <= now {
        return Err(OAuthError::grant("Code has expired"));
    }
    if !pkce_matches(&field("code_verifier"), &code.challenge) {
        return Err(OAuthError::grant("PKCE verification failed"));
    }
    let id = format!("pg{}", state.grants.len() + 1);
    let patient_person = h.patients.iter().find(|p| p.id == code.patient).map(|p| p.person_id.clone());
    state.grants.push(PortalGrant {
        id: id.clone(),
        client_id: client_id.clone(),
        account: code.account,
        patient: code.patient,
        patient_person: patient_person.unwrap_or_default(),
        scope: code.scope.clone(),
        issued_at: now,
        revoked: None,
    });
    state.used_codes.insert(text, id.clone());
    Ok(state.issue(h, &id, &client_id, &client, &code.scope, false))
}

fn refresh(h: &Hospital, form: &HashMap<String, String>) -> Result<Response, OAuthError> {
    let (client_id, client) = h.clients.authenticate(form, &token_url(h), (h.now)())?;
    let presented = form.get("refresh_token").cloned().unwrap_or_default();
    let mut state = h.portal.lock();
    let Some(token) = state.refresh.get(&presented).cloned() else {
        return Err(OAuthError::grant("Unknown refresh token"));
    };
    if token.client_id != client_id {
        return Err(OAuthError::grant("Refresh token was issued to another client"));
    }
    match token.state {
        RefreshState::Rotated => {
            state.revoke_grant(h, &token.grant, "a refresh token was used again after its rotation");
            return Err(OAuthError::grant("Refresh token was already used; the grant is revoked"));
        }
        RefreshState::Revoked => return Err(OAuthError::grant("Refresh token has been revoked")),
        RefreshState::Active => {}
    }
    let Some(grant) = state.grants.iter().find(|g| g.id == token.grant && g.active()).cloned() else {
        return Err(OAuthError::grant("Refresh token has been revoked"));
    };
    // A narrower scope may be asked for (RFC 6749 §6); the grant keeps its own.
    let scope = match form.get("scope").filter(|s| !s.trim().is_empty()) {
        Some(asked) => {
            let granted: Vec<&str> = grant.scope.split(' ').collect();
            if asked.split(' ').filter(|s| !s.is_empty()).any(|s| !granted.contains(&s)) {
                return Err(OAuthError::bad("invalid_scope", "The scope asked for is wider than the grant"));
            }
            asked.split(' ').filter(|s| !s.is_empty()).collect::<Vec<_>>().join(" ")
        }
        None => grant.scope.clone(),
    };
    if let Some(used) = state.refresh.get_mut(&presented) {
        used.state = RefreshState::Rotated;
    }
    Ok(state.issue(h, &grant.id, &client_id, &client, &scope, true))
}

/// RFC 7009 at a hospital, for the tokens its portal issued: a refresh token ends its whole grant, an access token
/// only itself. Answers the kind revoked (`refresh_token`/`access_token`) when it ended something, `None` when the
/// token is not the portal's (or had already ended), and an error when it was issued to another client.
pub fn revoke(h: &Hospital, client_id: &str, token: &str) -> Result<Option<&'static str>, OAuthError> {
    let mut state = h.portal.lock();
    if let Some(refresh) = state.refresh.get(token).cloned() {
        if refresh.client_id != client_id {
            return Err(OAuthError::grant("Token was issued to another client"));
        }
        let ended = refresh.state != RefreshState::Revoked;
        state.revoke_grant(h, &refresh.grant, "its refresh token was revoked (RFC 7009)");
        if let Some(revoked) = state.refresh.get_mut(token) {
            revoked.state = RefreshState::Revoked;
        }
        return Ok(ended.then_some("refresh_token"));
    }
    if let Some((_, owner)) = state.access.get(token).cloned() {
        if owner != client_id {
            return Err(OAuthError::grant("Token was issued to another client"));
        }
        state.access.remove(token);
        let removed = h.tokens.lock().unwrap_or_else(|p| p.into_inner()).remove(token).is_some();
        return Ok(removed.then_some("access_token"));
    }
    Ok(None)
}

/// Inspection for tests (in process; `GET /testbed/hospitals/{index}/portal-grants` on the broker's origin answers
/// the same grants).
impl Hospital {
    /// Every sign-in through this hospital's portal, oldest first.
    pub fn portal_grants(&self) -> Vec<PortalGrant> {
        self.portal.lock().grants.clone()
    }

    /// How many portal grants are active (not revoked).
    pub fn active_portal_grants(&self) -> usize {
        self.portal.lock().grants.iter().filter(|g| g.active()).count()
    }

    /// The newest portal grant for a patient, named by local Patient id or network person id.
    pub fn portal_grant_for(&self, patient: &str) -> Option<PortalGrant> {
        self.portal.lock().grants.iter().rev().find(|g| g.patient == patient || g.patient_person == patient).cloned()
    }

    /// The switch for a portal that forgets its clients (its registrations reset): every client registered so far is
    /// unknown from now on, and a new registration is needed to sign in or refresh again.
    pub fn forget_portal_clients(&self) {
        self.clients.forget_all();
    }

    /// Where a refresh token this portal issued stands (`None`: it never issued it).
    pub fn portal_refresh_token(&self, token: &str) -> Option<RefreshState> {
        let state = self.portal.lock();
        let refresh = state.refresh.get(token)?;
        let grant_active = state.grants.iter().any(|g| g.id == refresh.grant && g.active());
        Some(if grant_active { refresh.state } else { RefreshState::Revoked })
    }
}

fn not_here() -> Response {
    (StatusCode::NOT_FOUND, "This hospital has no patient portal sign-in").into_response()
}

async fn authorize(State(h): State<Arc<Hospital>>, Query(q): Query<HashMap<String, String>>) -> Response {
    if !h.has(Fault::PortalOnly) {
        return not_here();
    }
    let request = match h.clients.authorization_request(&q, &h.fhir_base(), &h.base) {
        Ok(request) => request,
        Err(refusal) => return *refusal,
    };
    let granted = if h.has(Fault::PortalWithholdsPatient) {
        let kept: Vec<&str> = request.scope.split(' ').filter(|s| !s.starts_with("patient/Patient.")).collect();
        Granted::of(&kept.join(" "))
    } else {
        Granted::of(&request.scope)
    };
    if granted.resources.is_empty() {
        return error_redirect_described(
            &request.redirect_uri,
            &request.state,
            &h.base,
            "invalid_scope",
            "No patient/ scope on a resource type this server serves",
        );
    }
    let now = (h.now)();
    let pending = Pending {
        request,
        granted,
        patient_hint: q.get("patient_hint").cloned().filter(|p| !p.is_empty()),
        account: None,
        expires_at: now + REQUEST_LIFETIME,
    };
    if h.auto_approve {
        return approve_at_once(&h, pending);
    }
    let id = random_token(16);
    let body = login_page(&h, &id, &pending, None);
    let mut state = h.portal.lock();
    state.pending.retain(|_, p| p.expires_at > now);
    state.pending.insert(id, pending);
    Html(body).into_response()
}

/// Auto-approve: signs in as the `login_hint` person (else the first account) and picks the `patient_hint` patient
/// (else the first chart that account sees).
fn approve_at_once(h: &Hospital, pending: Pending) -> Response {
    let account = match &pending.request.login_hint {
        Some(hint) => h.portal_accounts.iter().find(|a| &a.person_id == hint),
        None => h.portal_accounts.first(),
    };
    let chart = account.and_then(|account| match &pending.patient_hint {
        Some(hint) => account.charts.iter().find(|(id, _)| id == hint || person_of(h, id) == Some(hint.as_str())),
        None => account.charts.first(),
    });
    match (account, chart) {
        (Some(account), Some((patient, _))) => finish(h, pending, account.person_id.clone(), patient.clone()),
        _ => denied(h, &pending),
    }
}

fn person_of<'a>(h: &'a Hospital, local_id: &str) -> Option<&'a str> {
    h.patients.iter().find(|p| p.id == local_id).map(|p| p.person_id.as_str())
}

fn denied(h: &Hospital, pending: &Pending) -> Response {
    error_redirect(&pending.request.redirect_uri, &pending.request.state, &h.base, "access_denied")
}

/// Answers the code: redirect with `code`, `state` and `iss`.
fn finish(h: &Hospital, pending: Pending, account: String, patient: String) -> Response {
    let now = (h.now)();
    let code = random_token(24);
    let request = pending.request;
    {
        let mut state = h.portal.lock();
        state.codes.retain(|_, c| c.expires_at > now);
        state.codes.insert(
            code.clone(),
            Code {
                client_id: request.client_id,
                redirect_uri: request.redirect_uri.clone(),
                challenge: request.challenge,
                expires_at: now + CODE_LIFETIME,
                account,
                patient,
                scope: pending.granted.scope,
            },
        );
    }
    redirect_with(&request.redirect_uri, &[("code", &code), ("state", &request.state), ("iss", &h.base)])
}

fn expired() -> Response {
    error_page("This page has expired", "Start again from the app.")
}

async fn login(State(h): State<Arc<Hospital>>, Form(form): Form<HashMap<String, String>>) -> Response {
    if !h.has(Fault::PortalOnly) {
        return not_here();
    }
    let field = |name: &str| form.get(name).cloned().unwrap_or_default();
    let (id, now) = (field("request"), (h.now)());
    let mut state = h.portal.lock();
    let Some(pending) = state.pending.get_mut(&id).filter(|p| p.expires_at > now) else {
        state.pending.remove(&id);
        return expired();
    };
    if field("decision") == "cancel" {
        let answer = denied(&h, pending);
        state.pending.remove(&id);
        return answer;
    }
    let Some(account) = h.portal_accounts.iter().find(|a| a.person_id == field("person")) else {
        let page = login_page(&h, &id, pending, Some("That account cannot sign in here. Choose one of the accounts."));
        return (StatusCode::BAD_REQUEST, Html(page)).into_response();
    };
    pending.account = Some(account.person_id.clone());
    Html(picker_page(&h, &id, account, &pending.granted, None)).into_response()
}

async fn pick(State(h): State<Arc<Hospital>>, Form(form): Form<HashMap<String, String>>) -> Response {
    if !h.has(Fault::PortalOnly) {
        return not_here();
    }
    let field = |name: &str| form.get(name).cloned().unwrap_or_default();
    let (id, now) = (field("request"), (h.now)());
    let mut state = h.portal.lock();
    let signed_in = state.pending.get(&id).filter(|p| p.expires_at > now).and_then(|p| p.account.clone());
    let Some(account) = signed_in.and_then(|person| h.portal_accounts.iter().find(|a| a.person_id == person)) else {
        state.pending.remove(&id);
        return expired();
    };
    let patient = field("patient");
    if field("decision") == "allow" && !account.charts.iter().any(|(chart, _)| *chart == patient) {
        let granted = state.pending.get(&id).map(|p| p.granted.clone()).unwrap_or_else(|| Granted::of(""));
        let page = picker_page(&h, &id, account, &granted, Some("Choose one of the patients listed."));
        return (StatusCode::BAD_REQUEST, Html(page)).into_response();
    }
    let Some(pending) = state.pending.remove(&id) else { return expired() };
    drop(state);
    if field("decision") != "allow" {
        return denied(&h, &pending);
    }
    finish(&h, pending, account.person_id.clone(), patient)
}

fn login_page(h: &Hospital, id: &str, pending: &Pending, error: Option<&str>) -> String {
    let chosen = pending
        .request
        .login_hint
        .as_deref()
        .filter(|hint| h.portal_accounts.iter().any(|a| a.person_id == *hint))
        .or(h.portal_accounts.first().map(|a| a.person_id.as_str()));
    let accounts: String = h
        .portal_accounts
        .iter()
        .map(|a| {
            let checked = if Some(a.person_id.as_str()) == chosen { " checked" } else { "" };
            format!(
                r#"<label><input type="radio" name="person" value="{}"{checked}> {} (born {})</label>"#,
                escape(&a.person_id),
                escape(&a.name),
                escape(&a.birth_date)
            )
        })
        .collect();
    let error = error.map(|e| format!(r#"<p class="note" role="alert">{}</p>"#, escape(e))).unwrap_or_default();
    let name = escape(&h.info.name);
    page(
        &format!("{} patient portal", h.info.name),
        &format!(
            r#"<h1>{name} patient portal</h1>
<p>Sign in to let an app read health records kept at {name}.</p>
<p class="note">Test network: choose whose account this is; there is no password.</p>{error}
<form method="post" action="/portal/login"><input type="hidden" name="request" value="{id}">
<fieldset><legend>Who is signing in?</legend>{accounts}</fieldset>
<button type="submit" name="decision" value="sign-in">Sign in</button> <button type="submit" name="decision" value="cancel">Cancel</button>
</form>"#,
            id = escape(id)
        ),
    )
}

fn picker_page(h: &Hospital, id: &str, account: &PortalAccount, granted: &Granted, error: Option<&str>) -> String {
    let charts: String = account
        .charts
        .iter()
        .enumerate()
        .filter_map(|(i, (chart, authority))| {
            let patient = h.patients.iter().find(|p| p.id == *chart)?;
            let whose = match authority {
                None => "you".to_string(),
                Some(code) => format!("proxy access: {}", crate::broker::authority_label(code)),
            };
            let checked = if i == 0 { " checked" } else { "" };
            Some(format!(
                r#"<label><input type="radio" name="patient" value="{}"{checked}> {} {}, born {} — {}</label>"#,
                escape(chart),
                escape(&patient.given),
                escape(&patient.family),
                escape(&patient.birth_date),
                escape(&whose)
            ))
        })
        .collect();
    let what: Vec<String> = granted
        .resources
        .iter()
        .map(|s| {
            let kind = crate::broker::RECORD_TYPES.iter().find(|(t, _)| *t == s.resource).map(|(_, label)| *label);
            let kind = match (s.resource.as_str(), kind) {
                ("*", _) => "All records".to_string(),
                ("Patient", _) => "Name and birth date".to_string(),
                (other, label) => label.unwrap_or(other).to_string(),
            };
            if s.query.is_some() {
                format!("{kind} (some)")
            } else {
                kind
            }
        })
        .collect();
    let how_long = if granted.offline { "until you end it, also while you are not using it" } else { "for one hour" };
    let error = error.map(|e| format!(r#"<p class="note" role="alert">{}</p>"#, escape(e))).unwrap_or_default();
    page(
        &format!("{} patient portal", h.info.name),
        &format!(
            r#"<h1>Whose records?</h1>
<p>Signed in to {hospital} as {name}.</p>{error}
<form method="post" action="/portal/pick"><input type="hidden" name="request" value="{id}">
<fieldset><legend>Choose the patient whose records the app may read</legend>{charts}</fieldset>
<p>The app will be able to read: {what}, {how_long}.</p>
<button type="submit" name="decision" value="allow">Allow</button> <button type="submit" name="decision" value="deny">Deny</button>
</form>"#,
            hospital = escape(&h.info.name),
            name = escape(&account.name),
            id = escape(id),
            what = escape(&what.join(", ")),
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grants_patient_scopes_on_what_exists_here() {
        let granted = Granted::of(
            "launch/patient openid fhirUser offline_access patient/Condition.cruds patient/Observation.rs?category=laboratory \
             patient/Observation.rs?_lastUpdated=gt2020 user/Procedure.rs patient/Spaceship.rs patient/Encounter.cud \
             patient/*.read patient/Condition.rs",
        );
        assert_eq!(
            granted.scope,
            "patient/Condition.rs patient/Observation.rs?category=laboratory launch/patient offline_access"
        );
        assert!(granted.offline);
        assert_eq!(granted.resources.len(), 2);
        let online = Granted::of("patient/*.rs");
        assert_eq!((online.scope.as_str(), online.offline), ("patient/*.rs", false));
        assert!(Granted::of("openid fhirUser user/*.rs").resources.is_empty());
    }
}
