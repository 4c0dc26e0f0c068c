//! One hospital (Data Holder): what is particular to it — its SMART configuration (token exchange required), the
//! RFC 8693 grant that presents a ticket (and asks once more without `scope` when the scope is refused), the token
//! answer that names the patient, and Proposal 001's `interaction_required`. The requests themselves (registration,
//! token requests, revocation) are [`crate::oauth`]'s, and so is the typing of every error answer.
//!
//! All of `invalid_grant` (no such patient, nothing visible under the ticket's limits, an issuer not trusted, a
//! binding…) is `hospital.nothing_shared`: the connection's outcome is `no_records`, not a failure, and the
//! hospital's description is kept as the log's detail. `hospitals::reach` then reads the ticket's status list
//! again; only the issuer's bit makes it `ticket.revoked`. The scope the hospital granted is kept per connection
//! and reported by the record view and the grants view. The token answer's `patient` must be a plain FHIR id.

use crate::base::http::{Http, Party};
use crate::base::text::plain;
use crate::oauth::discovery::{self, Metadata};
use crate::oauth::{token, Answer, Extras, Grant, OAuthError};
use crate::ticket::Ticket;
use crate::vault::identity::ClientAuth;
use crate::{Error, ErrorCode, Result, Sensitive};
use serde_json::{Map, Value};

pub use crate::oauth::token::TOKEN_EXCHANGE;

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
    /// The local Patient id, when the answer names it (a refresh answer need not repeat the launch context).
    pub patient: Option<String>,
    /// Seconds until the access token expires.
    pub expires_in: i64,
}

impl Redemption {
    /// The local Patient id the token is for: `hospital.invalid_response` when the answer names none (a ticket's
    /// redemption and a sign-in's code exchange must).
    pub fn patient(&self) -> Result<&str> {
        self.patient.as_deref().ok_or_else(|| invalid("a token response without a valid patient"))
    }
}

fn invalid(detail: impl Into<String>) -> Error {
    Error::new(ErrorCode::HospitalInvalidResponse).with_detail(detail.into())
}

/// Fetches the hospital's SMART configuration: the JSON and how long it may be cached (`max-age`).
pub async fn fetch_configuration(http: &Http, fhir_base_url: &str) -> Result<(Value, Option<i64>)> {
    let answer = discovery::fetch(http, Party::Hospital, fhir_base_url).await?;
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
    let named = |value: Option<&Value>| value.and_then(Value::as_str).and_then(|n| plain(n, 120));
    if let Some(name) = named(config.pointer("/organization/name")) {
        return Some(name);
    }
    let answer = http.get(Party::Hospital, &format!("{fhir_base_url}/metadata"), None).await.ok()?;
    let statement = (answer.status == 200).then_some(answer.json)?;
    ["/title", "/implementation/description", "/publisher", "/name"]
        .iter()
        .find_map(|pointer| named(statement.pointer(pointer)))
}

/// Reads the hospital's SMART configuration; `hospital.unsupported` when it does not take permission tickets.
pub async fn discover(http: &Http, fhir_base_url: &str) -> Result<HospitalEndpoints> {
    endpoints(fhir_base_url, &fetch_configuration(http, fhir_base_url).await?.0)
}

/// Checks a SMART configuration and reads the endpoints Tessera uses.
pub fn endpoints(fhir_base_url: &str, config: &Value) -> Result<HospitalEndpoints> {
    let metadata = Metadata::new(fhir_base_url, config);
    if !metadata.lists("grant_types_supported", TOKEN_EXCHANGE) {
        return Err(Error::new(ErrorCode::HospitalUnsupported));
    }
    let endpoint = |name: &str| metadata.endpoint(name).map_err(invalid);
    Ok(HospitalEndpoints {
        fhir_base_url: fhir_base_url.to_string(),
        token: endpoint("token_endpoint")?.ok_or_else(|| invalid("token_endpoint missing"))?,
        register: endpoint("registration_endpoint")?,
        revoke: endpoint("revocation_endpoint")?,
        authorize: endpoint("authorization_endpoint")?,
        ticket_types: metadata.strings("smart_permission_ticket_types_supported"),
        trust_frameworks: config
            .pointer(&format!("/extensions/{}", TICKETS_EXTENSION.replace('~', "~0").replace('/', "~1")))
            .and_then(|e| e.get("supported_trust_frameworks"))
            .and_then(Value::as_array)
            .map(|all| all.iter().filter_map(|f| f.get("framework")?.as_str().map(String::from)).collect())
            .unwrap_or_default(),
    })
}

/// What a hospital adds to its token responses: the local Patient id the token is for (`patient`), a FHIR id
/// (1 to 64 of `[A-Za-z0-9-.]`: it becomes part of every search URL). It may be absent (a SMART refresh answer need
/// not repeat the launch context: [`Redemption::patient`] requires it where it must be there); present but not a
/// FHIR id, the answer is refused.
struct Patient(Option<String>);

impl Extras for Patient {
    fn read(members: &mut Map<String, Value>) -> std::result::Result<Self, String> {
        match members.remove("patient") {
            None => Ok(Patient(None)),
            Some(Value::String(id))
                if (1..=64).contains(&id.len())
                    && id.chars().all(|c| c.is_ascii_alphanumeric() || "-.".contains(c)) =>
            {
                Ok(Patient(Some(id)))
            }
            _ => Err("a token response without a valid patient".into()),
        }
    }
}

/// Sends a token request with fresh client authentication and reads a redemption from the answer; an
/// `interaction_required` answer with a `launch` is [`Exchange::Interaction`], any other refusal the code its
/// `error` maps to (see [`OAuthError::code`]), with the hospital's own words as detail.
pub async fn token_request(
    http: &Http,
    endpoints: &HospitalEndpoints,
    auth: &ClientAuth<'_>,
    grant: &Grant,
) -> Result<Exchange> {
    match token::request::<Patient>(http, Party::Hospital, &endpoints.token, auth, grant).await? {
        Answer::Issued(issued) => Ok(Exchange::Token(Redemption {
            access_token: issued.access_token,
            refresh_token: issued.refresh_token,
            scope: issued.scope.unwrap_or_default(),
            patient: issued.extras.0,
            expires_in: issued.expires_in.unwrap_or(3600),
        })),
        Answer::Refused(mut refusal) => match refusal.take_launch() {
            Some(launch) => Ok(Exchange::Interaction(launch)),
            None => Err(refusal.into_error(Party::Hospital)),
        },
    }
}

/// The RFC 8693 grant presenting `ticket` and asking for exactly what it grants: its SMART v2 scopes, granular
/// narrowing included (see [`crate::ticket::Claims::scopes`]). A ticket that lists no scope (e.g. payer claims,
/// limited by `claim_linkage` only) asks for none: the hospital then grants what the ticket allows.
pub fn exchange_form(ticket: &Ticket) -> Grant {
    Grant::TokenExchange {
        subject_token: ticket.raw().clone(),
        subject_token_type: TICKET_TOKEN_TYPE.into(),
        scope: (!ticket.claims.scopes.is_empty()).then(|| ticket.claims.scopes.join(" ")),
    }
}

/// A granted scope as Tessera keeps and shows it: at most 256 scopes of a sane length (1024 bytes), whatever the
/// hospital sends; empty when it says none.
pub(crate) fn sane_scope(scope: &str) -> String {
    scope.split_whitespace().filter(|scope| scope.len() <= 1024).take(256).collect::<Vec<_>>().join(" ")
}

/// Sends a token request like [`token_request`]; when the hospital refuses the requested `scope`
/// (`invalid_scope`), asks once more without `scope`, so that the hospital grants what the ticket allows. Retrying
/// is safe: the hospital refused the first request, so nothing was issued. The redemption's `scope` is what the
/// hospital granted: its answer's `scope`, else (RFC 6749 §5.1) the scope asked for; empty when neither says.
pub async fn token_request_with_fallback(
    http: &Http,
    endpoints: &HospitalEndpoints,
    auth: &ClientAuth<'_>,
    grant: &Grant,
) -> Result<Exchange> {
    let asked = grant.scope();
    let (answer, asked) = match token_request(http, endpoints, auth, grant).await {
        Err(refused) if refused.code() == OAuthError::InvalidScope.code(Party::Hospital) && asked.is_some() => {
            tracing::info!(hospital = %endpoints.fhir_base_url, "requested scope refused; asking without scope");
            (token_request(http, endpoints, auth, &grant.without_scope()).await?, None)
        }
        other => (other?, asked),
    };
    Ok(match answer {
        Exchange::Token(mut redemption) => {
            redemption.scope = sane_scope(&redemption.scope);
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

    #[test]
    fn a_granted_scope_is_kept_within_sane_bounds() {
        assert_eq!(
            sane_scope("  patient/Condition.rs\tpatient/Observation.rs "),
            "patient/Condition.rs patient/Observation.rs"
        );
        let long = format!("{} patient/Condition.rs", "x".repeat(1025));
        assert_eq!(sane_scope(&long), "patient/Condition.rs");
        assert_eq!(sane_scope(&"s ".repeat(300)).split(' ').count(), 256);
        assert_eq!(sane_scope(""), "");
    }
    use std::sync::{Arc, Mutex};

    #[test]
    fn an_interaction_required_answer_is_a_launch_and_its_description_changes_nothing() {
        let answer = |body: Value| serde_json::from_value::<crate::oauth::Refusal>(body).unwrap();
        let mut asked = answer(json!({"error": "interaction_required", "launch": "l1", "error_description": "x"}));
        assert_eq!(asked.take_launch().map(|l| l.expose().clone()).as_deref(), Some("l1"));
        // The spec's descriptions of `invalid_grant` (revoked, expired, patient not found) are indicative only.
        for description in ["Ticket has been revoked", "Ticket expired", "Unable to resolve ticket subject"] {
            let refused = answer(json!({"error": "invalid_grant", "error_description": description}));
            let error = refused.with_status(400).into_error(Party::Hospital);
            assert_eq!(error.code(), ErrorCode::HospitalNothingShared, "{description}");
            assert_eq!(error.detail(), Some(format!("HTTP 400 invalid_grant: {description}").as_str()));
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

    fn form(scope: Option<&str>) -> Grant {
        Grant::TokenExchange {
            subject_token: Sensitive::new("eyJ.ticket.sig".into()),
            subject_token_type: TICKET_TOKEN_TYPE.into(),
            scope: scope.map(String::from),
        }
    }

    #[tokio::test]
    async fn a_refused_scope_is_asked_once_more_without_scope_and_the_grant_is_recorded() {
        let random: Arc<dyn crate::Random> = Arc::new(crate::SeededRandom::new(7));
        let http = Http::new(crate::base::http::HttpPolicy::default(), random.clone()).unwrap();
        let identity = crate::vault::identity::Identity::from_key(tessera_jose::SigningKey::generate().unwrap());
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
        let read = |body: Value| token::read_issued::<Patient>(body);
        let base = json!({"access_token": "a", "token_type": "Bearer", "patient": "pt1"});
        assert_eq!(read(base.clone()).unwrap().extras.0.as_deref(), Some("pt1"));
        // A refresh answer need not repeat the launch context: no `patient` at all is read as none.
        let without = json!({"access_token": "a", "token_type": "Bearer"});
        assert_eq!(read(without).unwrap().extras.0, None);
        for patient in [json!("../../Patient/x?y"), json!("p".repeat(65)), json!(""), json!(42), Value::Null] {
            let mut body = base.clone();
            body["patient"] = patient.clone();
            assert!(read(body).is_err(), "{patient}");
        }
        for (name, value) in [("expires_in", json!("3600")), ("refresh_token", json!(7)), ("scope", json!(["a"]))] {
            let mut body = base.clone();
            body[name] = value;
            assert!(read(body).is_err(), "{name}");
        }
    }
}
