//! A hospital's HTTP surface: its routes (SMART discovery, registration, the token endpoint, the EHR-style launch,
//! RFC 7009 revocation, RFC 7662 introspection, and the FHIR API and patient-portal pages merged in), each answered
//! by the hospital's own logic ([`crate::hospital`]) or, at a `portal-only` hospital, its portal's
//! ([`crate::portal`]).

use crate::access::scope_text;
use crate::broker::{UC1, UC2};
use crate::faults::Fault;
use crate::hospital::{Hospital, LaunchCode, TOKEN_EXCHANGE};
use crate::html::{escape, page};
use crate::oauth::{no_store, random_token, OAuthError};
use crate::portal_state::RefreshState;
use axum::extract::{Form, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::Arc;

impl Hospital {
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
                || h.portal_refresh_token(&token) == Some(RefreshState::Active)
        }),
    };
    no_store(Json(body).into_response())
}
