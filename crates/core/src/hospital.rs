//! One hospital (Data Holder): SMART discovery, RFC 7591 registration, the RFC 8693 token exchange that presents a
//! ticket, continuation refresh, and RFC 7009 revocation. Every answer a hospital can give maps to a coded error.

use crate::broker::same_origin;
use crate::http::{Http, Party};
use crate::identity::ClientAuth;
use crate::ticket::Ticket;
use crate::{Error, ErrorCode, Result, Sensitive};
use serde_json::Value;

/// The RFC 8693 grant type.
pub const TOKEN_EXCHANGE: &str = "urn:ietf:params:oauth:grant-type:token-exchange";
/// The subject-token type of a Permission Ticket.
pub const TICKET_TOKEN_TYPE: &str = "https://smarthealthit.org/token-type/permission-ticket";

/// A hospital's discovered endpoints.
#[derive(Debug, Clone)]
pub struct HospitalEndpoints {
    /// FHIR base URL.
    pub fhir_base_url: String,
    /// Token endpoint.
    pub token: String,
    /// Registration endpoint.
    pub register: Option<String>,
    /// RFC 7009 endpoint.
    pub revoke: Option<String>,
    /// Authorization endpoint (for the `interaction_required` launch).
    pub authorize: Option<String>,
    /// Ticket types accepted.
    pub ticket_types: Vec<String>,
    /// The trust frameworks it says it belongs to (`supported_trust_frameworks[].framework` in the SMART
    /// Permission Tickets extension of its configuration).
    pub trust_frameworks: Vec<String>,
}

/// The key of the SMART Permission Tickets extension in a hospital's SMART configuration.
pub const TICKETS_EXTENSION: &str = "https://smarthealthit.org/smart-permission-tickets/smart-configuration";

/// What a token request brings back.
pub enum Exchange {
    /// An access token.
    Token(Redemption),
    /// `interaction_required` with its `launch` value (Proposal 001).
    Interaction(Sensitive<String>),
}

/// A successful redemption: an access token (memory only) and what it allows.
pub struct Redemption {
    /// Bearer token.
    pub access_token: Sensitive<String>,
    /// Continuation refresh token, if the hospital issued one.
    pub refresh_token: Option<Sensitive<String>>,
    /// Granted scopes, space-separated: the token response's `scope` (see [`token_request_with_fallback`]).
    pub scope: String,
    /// The local Patient id.
    pub patient: String,
    /// Seconds until the access token expires.
    pub expires_in: i64,
}

fn invalid(detail: impl Into<String>) -> Error {
    Error::new(ErrorCode::HospitalInvalidResponse).with_detail(detail.into())
}

/// Fetches the hospital's SMART configuration: the JSON and how long it may be cached (`max-age`).
pub async fn fetch_configuration(http: &Http, fhir_base_url: &str) -> Result<(Value, Option<i64>)> {
    // https only, except on this computer: refused before anything is sent.
    crate::broker::normalise_base(fhir_base_url)?;
    let answer = http.get(Party::Hospital, &format!("{fhir_base_url}/.well-known/smart-configuration"), None).await?;
    if answer.status == 404 {
        return Err(Error::new(ErrorCode::HospitalUnsupported).with_detail("no smart-configuration"));
    }
    if answer.status != 200 || !answer.json.is_object() {
        return Err(invalid(format!("smart-configuration: HTTP {}, JSON {}", answer.status, answer.is_json)));
    }
    Ok((answer.json, answer.max_age))
}

/// The hospital's name for people: the SMART configuration's `organization.name`, else its CapabilityStatement's
/// `title`, `implementation.description`, `publisher` or `name`; `None` when it names itself nowhere.
pub async fn name_of(http: &Http, fhir_base_url: &str, config: &Value) -> Option<String> {
    let named = |value: Option<&Value>| {
        value.and_then(Value::as_str).map(str::trim).filter(|n| !n.is_empty()).map(String::from)
    };
    if let Some(name) = named(config.pointer("/organization/name")) {
        return Some(name);
    }
    let answer = http.get(Party::Hospital, &format!("{fhir_base_url}/metadata"), None).await.ok()?;
    let statement = (answer.status == 200).then_some(answer.json)?;
    ["/title", "/implementation/description", "/publisher", "/name"]
        .iter()
        .find_map(|pointer| named(statement.pointer(pointer)))
        .map(|name| name.chars().take(120).collect())
}

/// Reads the hospital's SMART configuration; `hospital.unsupported` when it does not take permission tickets.
pub async fn discover(http: &Http, fhir_base_url: &str) -> Result<HospitalEndpoints> {
    endpoints(fhir_base_url, &fetch_configuration(http, fhir_base_url).await?.0)
}

/// Checks a SMART configuration and reads the endpoints Tessera uses.
pub fn endpoints(fhir_base_url: &str, config: &Value) -> Result<HospitalEndpoints> {
    let list = |name: &str| -> Vec<String> {
        config
            .get(name)
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).map(String::from).collect())
            .unwrap_or_default()
    };
    if !list("grant_types_supported").iter().any(|g| g == TOKEN_EXCHANGE) {
        return Err(Error::new(ErrorCode::HospitalUnsupported));
    }
    let endpoint = |name: &str| -> Result<Option<String>> {
        match config.get(name).and_then(Value::as_str) {
            Some(url) if same_origin(fhir_base_url, url) => Ok(Some(url.to_string())),
            Some(_) => Err(invalid(format!("{name} points at another origin"))),
            None => Ok(None),
        }
    };
    Ok(HospitalEndpoints {
        fhir_base_url: fhir_base_url.to_string(),
        token: endpoint("token_endpoint")?.ok_or_else(|| invalid("token_endpoint missing"))?,
        register: endpoint("registration_endpoint")?,
        revoke: endpoint("revocation_endpoint")?,
        authorize: endpoint("authorization_endpoint")?,
        ticket_types: list("smart_permission_ticket_types_supported"),
        trust_frameworks: config
            .pointer(&format!("/extensions/{}", TICKETS_EXTENSION.replace('~', "~0").replace('/', "~1")))
            .and_then(|e| e.get("supported_trust_frameworks"))
            .and_then(Value::as_array)
            .map(|all| all.iter().filter_map(|f| f.get("framework")?.as_str().map(String::from)).collect())
            .unwrap_or_default(),
    })
}

/// Maps a hospital's OAuth error answer to a coded error (digest §4.6). Descriptions are indicative only; they are
/// kept as developer detail, never shown as a fact about the patient.
pub fn token_error(status: u16, body: &Value) -> Error {
    let error = body.get("error").and_then(Value::as_str).unwrap_or("");
    let description = body.get("error_description").and_then(Value::as_str).unwrap_or("").to_string();
    let lower = description.to_lowercase();
    let code = match error {
        "invalid_grant" if lower.contains("revoked") => ErrorCode::TicketRevoked,
        "invalid_grant" if lower.contains("expired") => ErrorCode::TicketExpired,
        "invalid_grant" if lower.contains("resolve") || lower.contains("ambiguous") => {
            ErrorCode::HospitalPatientNotFound
        }
        "invalid_grant" => ErrorCode::HospitalRejected,
        "invalid_scope" => ErrorCode::HospitalScopeDenied,
        "invalid_client" => ErrorCode::HospitalClientRejected,
        "unsupported_grant_type" => ErrorCode::HospitalUnsupported,
        "interaction_required" => ErrorCode::HospitalInteractionRequired,
        _ => ErrorCode::HospitalInvalidResponse,
    };
    Error::new(code)
        .with_detail(format!("HTTP {status} {error}: {}", description.chars().take(200).collect::<String>()))
}

fn redemption(body: &Value) -> Result<Redemption> {
    let text = |name: &str| body.get(name).and_then(Value::as_str).map(String::from);
    let access_token =
        text("access_token").filter(|t| !t.is_empty()).ok_or_else(|| invalid("token response without access_token"))?;
    // A FHIR id: 1 to 64 of [A-Za-z0-9-.].
    let patient = text("patient")
        .filter(|p| (1..=64).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric() || "-.".contains(c)))
        .ok_or_else(|| invalid("token response without a valid patient"))?;
    // Optional members, when present, must have their types: a number where a token belongs is not "no token".
    let optional = |name: &str| match body.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(value)) => Ok(Some(value.clone())),
        Some(_) => Err(invalid(format!("token response {name} is not text"))),
    };
    let refresh_token = match optional("refresh_token")? {
        Some(token) if token.is_empty() => return Err(invalid("token response with an empty refresh_token")),
        token => token.map(Sensitive::new),
    };
    Ok(Redemption {
        access_token: Sensitive::new(access_token),
        refresh_token,
        scope: optional("scope")?.unwrap_or_default(),
        patient,
        expires_in: crate::http::expires_in(body, 3600).map_err(invalid)?,
    })
}

/// Sends a token request with fresh client authentication and reads a redemption from the answer.
pub async fn token_request(
    http: &Http,
    endpoints: &HospitalEndpoints,
    auth: &ClientAuth<'_>,
    grant: &[(String, String)],
) -> Result<Exchange> {
    let answer = http.post_form(Party::Hospital, &endpoints.token, || auth.form(&endpoints.token, grant)).await?;
    if !answer.is_json {
        return Err(invalid(format!("token endpoint answered HTTP {} without JSON", answer.status)));
    }
    let launch = answer.json.get("launch").and_then(Value::as_str).filter(|l| !l.is_empty() && l.len() < 512);
    match (answer.status, answer.json.get("error").and_then(Value::as_str), launch) {
        (200, _, _) => redemption(&answer.json).map(Exchange::Token),
        (_, Some("interaction_required"), Some(launch)) => {
            Ok(Exchange::Interaction(Sensitive::new(launch.to_string())))
        }
        _ => Err(token_error(answer.status, &answer.json)),
    }
}

/// The RFC 8693 form presenting `ticket` and asking for exactly what it grants: its SMART v2 scopes, granular
/// narrowing included (see [`crate::ticket::Claims::scopes`]). A ticket that lists no scope (e.g. payer claims,
/// limited by `claim_linkage` only) asks for none: the hospital then grants what the ticket allows.
pub fn exchange_form(ticket: &Ticket) -> Vec<(String, String)> {
    let mut form = vec![
        ("grant_type".into(), TOKEN_EXCHANGE.into()),
        ("subject_token".into(), ticket.raw().expose().clone()),
        ("subject_token_type".into(), TICKET_TOKEN_TYPE.into()),
    ];
    if !ticket.claims.scopes.is_empty() {
        form.push(("scope".into(), ticket.claims.scopes.join(" ")));
    }
    form
}

/// The scope a form asks for, if any.
fn requested_scope(grant: &[(String, String)]) -> Option<&str> {
    grant.iter().find(|(name, _)| name == "scope").map(|(_, value)| value.as_str()).filter(|s| !s.trim().is_empty())
}

/// Sends a token request like [`token_request`]; when the hospital refuses the requested `scope`
/// (`invalid_scope`), asks once more without `scope`, so that the hospital grants what the ticket allows. Retrying
/// is safe: the hospital refused the first request, so nothing was issued. The redemption's `scope` is what the
/// hospital granted: its answer's `scope`, else (RFC 6749 §5.1) the scope asked for; empty when neither says.
pub async fn token_request_with_fallback(
    http: &Http,
    endpoints: &HospitalEndpoints,
    auth: &ClientAuth<'_>,
    grant: &[(String, String)],
) -> Result<Exchange> {
    let asked = requested_scope(grant);
    let (answer, asked) = match token_request(http, endpoints, auth, grant).await {
        Err(refused) if refused.code() == ErrorCode::HospitalScopeDenied && asked.is_some() => {
            tracing::info!(hospital = %endpoints.fhir_base_url, "requested scope refused; asking without scope");
            let unscoped: Vec<(String, String)> = grant.iter().filter(|(name, _)| name != "scope").cloned().collect();
            (token_request(http, endpoints, auth, &unscoped).await?, None)
        }
        other => (other?, asked),
    };
    Ok(match answer {
        Exchange::Token(mut redemption) => {
            // The granted scope is kept and shown: at most 256 scopes of a sane length, whatever the hospital sends.
            redemption.scope = redemption
                .scope
                .split_whitespace()
                .filter(|scope| scope.len() <= 1024)
                .take(256)
                .collect::<Vec<_>>()
                .join(" ");
            if redemption.scope.is_empty() {
                redemption.scope = asked.unwrap_or_default().to_string();
            }
            Exchange::Token(redemption)
        }
        interaction => interaction,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::collections::HashMap;
    use std::sync::{Arc, Mutex};

    #[test]
    fn error_answers_map_to_codes() {
        let cases = [
            (
                json!({"error": "invalid_grant", "error_description": "Ticket has been revoked"}),
                ErrorCode::TicketRevoked,
            ),
            (json!({"error": "invalid_grant", "error_description": "Ticket expired"}), ErrorCode::TicketExpired),
            (
                json!({"error": "invalid_grant", "error_description": "Unable to resolve ticket subject"}),
                ErrorCode::HospitalPatientNotFound,
            ),
            (
                json!({"error": "invalid_grant", "error_description": "Ticket presenter binding mismatch"}),
                ErrorCode::HospitalRejected,
            ),
            (json!({"error": "interaction_required", "launch": "x"}), ErrorCode::HospitalInteractionRequired),
            (json!({"error": "invalid_client"}), ErrorCode::HospitalClientRejected),
            (json!({"weird": true}), ErrorCode::HospitalInvalidResponse),
        ];
        for (body, code) in cases {
            assert_eq!(token_error(400, &body).code(), code, "{body}");
        }
    }

    /// A token endpoint on loopback that refuses any request carrying `scope` with `invalid_scope` (when `strict`)
    /// and otherwise grants `granted`; it records the `scope` of every request it saw (`-` for none).
    async fn token_endpoint(strict: bool, granted: Option<&str>) -> (HospitalEndpoints, Arc<Mutex<Vec<String>>>) {
        let granted = granted.map(String::from);
        use axum::{routing::post, Form, Json, Router};
        let seen: Arc<Mutex<Vec<String>>> = Arc::default();
        let log = seen.clone();
        let app = Router::new().route(
            "/token",
            post(move |Form(form): Form<HashMap<String, String>>| {
                let (log, granted) = (log.clone(), granted.clone());
                async move {
                    let scope = form.get("scope").cloned();
                    log.lock().unwrap().push(scope.clone().unwrap_or_else(|| "-".into()));
                    if strict && scope.is_some() {
                        let body = json!({"error": "invalid_scope", "error_description": "Requested scope is not permitted by the ticket"});
                        return (axum::http::StatusCode::BAD_REQUEST, Json(body));
                    }
                    let mut body = json!({"access_token": "a", "token_type": "Bearer", "patient": "p1"});
                    if let Some(granted) = granted {
                        body["scope"] = json!(granted);
                    }
                    (axum::http::StatusCode::OK, Json(body))
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        let endpoints = HospitalEndpoints {
            fhir_base_url: format!("{base}/fhir"),
            token: format!("{base}/token"),
            register: None,
            revoke: None,
            authorize: None,
            ticket_types: vec![],
            trust_frameworks: vec![],
        };
        (endpoints, seen)
    }

    fn form(scope: Option<&str>) -> Vec<(String, String)> {
        let mut form = vec![("grant_type".to_string(), TOKEN_EXCHANGE.to_string())];
        if let Some(scope) = scope {
            form.push(("scope".into(), scope.into()));
        }
        form
    }

    #[tokio::test]
    async fn a_refused_scope_is_asked_once_more_without_scope_and_the_grant_is_recorded() {
        let random: Arc<dyn crate::Random> = Arc::new(crate::SeededRandom::new(7));
        let http = Http::new(crate::http::HttpPolicy::default(), random.clone()).unwrap();
        let identity = crate::identity::Identity::from_key(tessera_jose::SigningKey::generate().unwrap());
        let clock = crate::ManualClock::new(time::OffsetDateTime::now_utc());
        let auth = identity.as_client("client-1", &clock, random.as_ref());
        const LABS: &str = "patient/Observation.rs?category=http://x|laboratory";

        // Refused with the scope, then asked once without: granted what the answer says.
        let (endpoints, seen) = token_endpoint(true, Some("patient/Observation.rs")).await;
        let Exchange::Token(redemption) =
            token_request_with_fallback(&http, &endpoints, &auth, &form(Some(LABS))).await.unwrap()
        else {
            panic!("expected a token")
        };
        assert_eq!(*seen.lock().unwrap(), vec![LABS.to_string(), "-".to_string()]);
        assert_eq!(redemption.scope, "patient/Observation.rs");

        // A flood of granted scopes is cut to 256.
        let (endpoints, _) = token_endpoint(false, Some(&vec!["patient/Condition.rs"; 1000].join("  "))).await;
        let Exchange::Token(redemption) =
            token_request_with_fallback(&http, &endpoints, &auth, &form(Some(LABS))).await.unwrap()
        else {
            panic!("expected a token")
        };
        assert_eq!(redemption.scope.split(' ').count(), 256);

        // Accepted at once: no second request; an answer without `scope` granted what was asked (RFC 6749 §5.1).
        let (endpoints, seen) = token_endpoint(false, None).await;
        let Exchange::Token(redemption) =
            token_request_with_fallback(&http, &endpoints, &auth, &form(Some(LABS))).await.unwrap()
        else {
            panic!("expected a token")
        };
        assert_eq!(*seen.lock().unwrap(), vec![LABS.to_string()]);
        assert_eq!(redemption.scope, LABS);

        // Nothing asked and nothing said: the scope stays empty (the caller falls back to the ticket's grant); a
        // refusal without a requested scope is not retried.
        let (endpoints, seen) = token_endpoint(false, None).await;
        let Exchange::Token(redemption) =
            token_request_with_fallback(&http, &endpoints, &auth, &form(None)).await.unwrap()
        else {
            panic!("expected a token")
        };
        assert_eq!((seen.lock().unwrap().len(), redemption.scope.as_str()), (1, ""));
        let (endpoints, seen) = token_endpoint(true, None).await;
        let refused = token_request_with_fallback(&http, &endpoints, &auth, &form(Some(""))).await;
        assert_eq!(refused.err().map(|e| e.code()), Some(ErrorCode::HospitalScopeDenied));
        assert_eq!(*seen.lock().unwrap(), vec!["".to_string()], "asked once: there was no scope to leave out");
    }

    #[test]
    fn redemptions_need_a_token_and_a_plain_patient_id() {
        assert!(redemption(&json!({"access_token": "a", "patient": "pt1"})).is_ok());
        assert!(redemption(&json!({"patient": "pt1"})).is_err());
        assert!(redemption(&json!({"access_token": "a", "patient": "../../Patient/x?y"})).is_err());
        assert!(redemption(&json!({"access_token": "a", "patient": "p".repeat(65)})).is_err());
        for (name, value) in [("expires_in", json!("3600")), ("refresh_token", json!(7)), ("scope", json!(["a"]))] {
            let mut body = json!({"access_token": "a", "patient": "pt1"});
            body[name] = value;
            assert!(redemption(&body).is_err(), "{name}");
        }
    }
}
