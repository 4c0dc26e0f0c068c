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
}

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
    /// Granted scopes.
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
    let patient = text("patient")
        .filter(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric() || "-.".contains(c)))
        .ok_or_else(|| invalid("token response without a valid patient"))?;
    Ok(Redemption {
        access_token: Sensitive::new(access_token),
        refresh_token: text("refresh_token").map(Sensitive::new),
        scope: text("scope").unwrap_or_default(),
        patient,
        expires_in: body.get("expires_in").and_then(Value::as_i64).unwrap_or(3600),
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

/// The RFC 8693 form presenting `ticket` for `scope`.
pub fn exchange_form(ticket: &Ticket) -> Vec<(String, String)> {
    vec![
        ("grant_type".into(), TOKEN_EXCHANGE.into()),
        ("subject_token".into(), ticket.raw().expose().clone()),
        ("subject_token_type".into(), TICKET_TOKEN_TYPE.into()),
        ("scope".into(), ticket.claims.scopes.join(" ")),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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

    #[test]
    fn redemptions_need_a_token_and_a_plain_patient_id() {
        assert!(redemption(&json!({"access_token": "a", "patient": "pt1"})).is_ok());
        assert!(redemption(&json!({"patient": "pt1"})).is_err());
        assert!(redemption(&json!({"access_token": "a", "patient": "../../Patient/x?y"})).is_err());
    }
}
