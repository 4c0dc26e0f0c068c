//! OAuth error answers, typed by their `error` member and mapped to Tessera's codes in one table
//! ([`OAuthError::code`]). `error_description` is text for developers (RFC 6749 §5.2) and, in the spec Tessera
//! follows, "indicative" only: it is kept, shortened, as the detail the activity log shows, and never decides
//! anything — a hospital cannot make Tessera say a grant was revoked by writing "revoked".
//!
//! An unknown or missing `error` is the party's "cannot read" code (`hospital.invalid_response`, `broker.invalid`).
//! A FHIR OperationOutcome answered instead of RFC 6749 JSON (as the spec's reference Data Holder does) is typed
//! from its HTTP status and first issue code. `Refusal` keeps the status, the `error`, the `error_description`
//! shortened to printable ASCII and Proposal 001's `launch` in a `Sensitive`.

use crate::base::http::Party;
use crate::{Error, ErrorCode, Sensitive};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};
use std::fmt;

/// The longest `error` value kept (for the log).
const MAX_ERROR: usize = 64;
/// The longest `error_description` kept (for the log).
const MAX_DESCRIPTION: usize = 200;
/// The longest Proposal 001 `launch` value accepted.
const MAX_LAUNCH: usize = 512;

/// The `error` member of an OAuth error answer: the values Tessera tells apart, from RFC 6749 §4.1.2.1 and §5.2,
/// RFC 8693 §2.2.2, RFC 7009 §2.2.1 and OpenID Connect Core §3.1.2.6 (`interaction_required`, which Proposal 001
/// uses with a `launch`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OAuthError {
    /// `invalid_request`: the server found the request malformed.
    InvalidRequest,
    /// `invalid_client`: client authentication failed (unknown client, bad assertion).
    InvalidClient,
    /// `invalid_grant`: the code, refresh token or presented ticket is not accepted (for a ticket: expired, revoked,
    /// not bound to this device, patient not matched… — the description may say which; Tessera does not read it).
    InvalidGrant,
    /// `unauthorized_client`: this client may not use this grant type.
    UnauthorizedClient,
    /// `unsupported_grant_type`: the server does not offer this grant (e.g. no token exchange).
    UnsupportedGrantType,
    /// `invalid_scope`: the requested scope is refused.
    InvalidScope,
    /// `access_denied`: the person or the server said no.
    AccessDenied,
    /// `invalid_target` (RFC 8693): no token for the requested audience or resource.
    InvalidTarget,
    /// `unsupported_token_type` (RFC 7009): the server does not revoke that kind of token.
    UnsupportedTokenType,
    /// `interaction_required`: a person must act first (Proposal 001: confirm the patient, with `launch`).
    InteractionRequired,
    /// `server_error`: the server failed.
    ServerError,
    /// `temporarily_unavailable`: the server is overloaded or down for maintenance.
    TemporarilyUnavailable,
    /// Any other value, kept (printable ASCII, at most 64 characters) for the log.
    Other(String),
    /// No `error` member, or one that is not text.
    Missing,
}

impl OAuthError {
    /// Reads an `error` value (`None`: absent, or not text).
    pub fn parse(text: Option<&str>) -> Self {
        let Some(text) = text else { return Self::Missing };
        match text {
            "invalid_request" => Self::InvalidRequest,
            "invalid_client" => Self::InvalidClient,
            "invalid_grant" => Self::InvalidGrant,
            "unauthorized_client" => Self::UnauthorizedClient,
            "unsupported_grant_type" => Self::UnsupportedGrantType,
            "invalid_scope" => Self::InvalidScope,
            "access_denied" => Self::AccessDenied,
            "invalid_target" => Self::InvalidTarget,
            "unsupported_token_type" => Self::UnsupportedTokenType,
            "interaction_required" => Self::InteractionRequired,
            "server_error" => Self::ServerError,
            "temporarily_unavailable" => Self::TemporarilyUnavailable,
            other => Self::Other(printable(other, MAX_ERROR)),
        }
    }

    /// The OAuth error an OperationOutcome answer stands for, from its HTTP `status` and its first issue's `code`
    /// (FHIR's IssueType): 401 is client authentication; `not-supported` a grant not offered; a transient or
    /// internal failure the server's; a security or processing refusal a grant declined (as `invalid_grant`); a
    /// malformed request `invalid_request`; anything else an answer Tessera cannot read.
    pub fn from_outcome(status: u16, code: &str) -> Self {
        match (status, code) {
            (401, _) => Self::InvalidClient,
            (_, "not-supported") => Self::UnsupportedGrantType,
            (_, "transient" | "exception" | "timeout" | "throttled" | "lock-error" | "no-store" | "incomplete") => {
                Self::ServerError
            }
            (_, "security" | "forbidden" | "login" | "unknown" | "suppressed" | "processing" | "business-rule")
            | (_, "not-found") => Self::InvalidGrant,
            (
                _,
                "invalid" | "structure" | "required" | "value" | "invariant" | "too-long" | "code-invalid"
                | "extension" | "duplicate" | "conflict" | "too-costly",
            ) => Self::InvalidRequest,
            _ => Self::Missing,
        }
    }

    /// The value as the server wrote it (`-` when there was none).
    pub fn as_str(&self) -> &str {
        match self {
            Self::InvalidRequest => "invalid_request",
            Self::InvalidClient => "invalid_client",
            Self::InvalidGrant => "invalid_grant",
            Self::UnauthorizedClient => "unauthorized_client",
            Self::UnsupportedGrantType => "unsupported_grant_type",
            Self::InvalidScope => "invalid_scope",
            Self::AccessDenied => "access_denied",
            Self::InvalidTarget => "invalid_target",
            Self::UnsupportedTokenType => "unsupported_token_type",
            Self::InteractionRequired => "interaction_required",
            Self::ServerError => "server_error",
            Self::TemporarilyUnavailable => "temporarily_unavailable",
            Self::Other(text) => text,
            Self::Missing => "-",
        }
    }

    /// Tessera's code for this answer from `party`: the one table from OAuth errors to codes. An unknown or missing
    /// `error` is an answer Tessera cannot read (`hospital.invalid_response`, `broker.invalid`).
    pub fn code(&self, party: Party) -> ErrorCode {
        use OAuthError::*;
        match party {
            Party::Hospital => match self {
                // §4.6 gives every reason a hospital declines a valid ticket (no such patient, nothing visible under
                // the ticket's limits, an issuer it does not trust, a binding it cannot check…) one code, with words
                // that are "indicative" only: all Tessera can truthfully say is that nothing was shared.
                InvalidGrant => ErrorCode::HospitalNothingShared,
                AccessDenied | InvalidRequest | InvalidTarget | UnsupportedTokenType => ErrorCode::HospitalRejected,
                InvalidScope => ErrorCode::HospitalScopeDenied,
                InvalidClient | UnauthorizedClient => ErrorCode::HospitalClientRejected,
                UnsupportedGrantType => ErrorCode::HospitalUnsupported,
                InteractionRequired => ErrorCode::HospitalInteractionRequired,
                ServerError | TemporarilyUnavailable => ErrorCode::HospitalError,
                Other(_) | Missing => ErrorCode::HospitalInvalidResponse,
            },
            // Refused by the broker: signing in again (which registers again) is the way on.
            Party::Broker => match self {
                InvalidGrant | InvalidScope | AccessDenied | InvalidClient | UnauthorizedClient
                | InteractionRequired => ErrorCode::BrokerDenied,
                ServerError | TemporarilyUnavailable => ErrorCode::BrokerUnreachable,
                InvalidRequest | UnsupportedGrantType | InvalidTarget | UnsupportedTokenType | Other(_) | Missing => {
                    ErrorCode::BrokerInvalid
                }
            },
        }
    }
}

impl fmt::Display for OAuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Printable ASCII only (RFC 6749 §5.2 allows nothing else in `error` and `error_description`), at most `max`
/// characters: what a server wrote can reach the log, never a control character.
fn printable(text: &str, max: usize) -> String {
    text.chars().filter(|c| c.is_ascii_graphic() || *c == ' ').take(max).collect()
}

/// A server's error answer (RFC 6749 §5.2): its typed `error`, its description for the log and, for Proposal 001's
/// `interaction_required`, the `launch` value (a secret: it opens the patient-confirmation page). Read from any
/// JSON object, however odd its members; a body that is not a JSON object is not an error answer.
pub struct Refusal {
    /// The `error` member.
    pub error: OAuthError,
    /// A FHIR OperationOutcome answered instead (as the spec's reference Data Holder does): its first issue's code,
    /// read into `error` once the HTTP status is known (see [`OAuthError::from_outcome`]).
    outcome: Option<String>,
    description: Option<String>,
    launch: Option<Sensitive<String>>,
    status: u16,
}

impl Refusal {
    /// Reads an error answer's members (`launch` is taken out of `members`, into its wrapper).
    pub fn from_members(members: &mut Map<String, Value>) -> Self {
        let launch = match members.remove("launch") {
            Some(Value::String(launch)) if !launch.is_empty() && launch.len() < MAX_LAUNCH => {
                Some(Sensitive::new(launch))
            }
            _ => None,
        };
        let issue = (members.get("error").is_none()
            && members.get("resourceType").and_then(Value::as_str) == Some("OperationOutcome"))
        .then(|| members.get("issue").and_then(|i| i.get(0)))
        .flatten();
        let words = issue.and_then(|i| i.get("diagnostics").or_else(|| i.pointer("/details/text")));
        Self {
            error: OAuthError::parse(members.get("error").and_then(Value::as_str)),
            outcome: issue.and_then(|i| i.get("code")).and_then(Value::as_str).map(|c| printable(c, MAX_ERROR)),
            description: members
                .get("error_description")
                .or(words)
                .and_then(Value::as_str)
                .map(|text| printable(text, MAX_DESCRIPTION)),
            launch,
            status: 0,
        }
    }

    /// The same answer, noting the HTTP status it came with (which an OperationOutcome's meaning depends on).
    pub(crate) fn with_status(mut self, status: u16) -> Self {
        self.status = status;
        if let Some(code) = &self.outcome {
            self.error = OAuthError::from_outcome(status, code);
        }
        self
    }

    /// Tessera's code for it (see [`OAuthError::code`]).
    pub fn code(&self, party: Party) -> ErrorCode {
        self.error.code(party)
    }

    /// The `launch` of an `interaction_required` answer (Proposal 001), if it came with a usable one.
    pub fn take_launch(&mut self) -> Option<Sensitive<String>> {
        self.launch.take().filter(|_| self.error == OAuthError::InteractionRequired)
    }

    /// The coded error, with the server's own words (status, `error`, description) as its detail for the log.
    pub fn into_error(self, party: Party) -> Error {
        let code = self.code(party);
        let said = match &self.outcome {
            Some(issue) => format!("OperationOutcome {issue}"),
            None => self.error.to_string(),
        };
        let detail = match &self.description {
            Some(description) => format!("HTTP {} {said}: {description}", self.status),
            None => format!("HTTP {} {said}", self.status),
        };
        Error::new(code).with_detail(detail)
    }
}

impl fmt::Debug for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Refusal")
            .field("error", &self.error)
            .field("description", &self.description)
            .field("launch", &self.launch)
            .field("status", &self.status)
            .finish()
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.description {
            Some(description) => write!(f, "{}: {description}", self.error),
            None => write!(f, "{}", self.error),
        }
    }
}

impl<'de> Deserialize<'de> for Refusal {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match Value::deserialize(deserializer)? {
            Value::Object(mut members) => Ok(Self::from_members(&mut members)),
            _ => Err(serde::de::Error::custom("an error answer that is not a JSON object")),
        }
    }
}

/// The `oauth2` crate wants error answers serializable: `error` and `error_description` only (never `launch`).
impl Serialize for Refusal {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("error", self.error.as_str())?;
        if let Some(description) = &self.description {
            map.serialize_entry("error_description", description)?;
        }
        map.end()
    }
}

impl oauth2::ErrorResponse for Refusal {}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn refusal(body: Value) -> Refusal {
        serde_json::from_value(body).unwrap()
    }

    #[test]
    fn an_operation_outcome_answer_is_read_by_its_status_and_issue_code() {
        use ErrorCode::*;
        let outcome = |code: &str, words: &str| json!({"resourceType": "OperationOutcome", "issue": [{"severity": "error", "code": code, "diagnostics": words}]});
        let cases = [
            (400, outcome("processing", "Unable to resolve ticket subject"), HospitalNothingShared),
            (400, outcome("security", "Ticket signature verification failed"), HospitalNothingShared),
            (401, outcome("security", "Client authentication failed"), HospitalClientRejected),
            (400, outcome("invalid", "Missing subject_token"), HospitalRejected),
            (400, outcome("not-supported", "Token exchange not supported"), HospitalUnsupported),
            (500, outcome("exception", "boom"), HospitalError),
            (400, outcome("informational", "?"), HospitalInvalidResponse),
            (400, json!({"resourceType": "OperationOutcome"}), HospitalInvalidResponse),
            // An `error` member wins over everything else; a Bundle is no error answer at all.
            (400, json!({"resourceType": "OperationOutcome", "error": "invalid_scope"}), HospitalScopeDenied),
            (400, json!({"resourceType": "Bundle", "issue": [{"code": "security"}]}), HospitalInvalidResponse),
        ];
        for (status, body, code) in cases {
            let error = refusal(body.clone()).with_status(status).into_error(Party::Hospital);
            assert_eq!(error.code(), code, "{status} {body}");
        }
        let error = refusal(outcome("processing", "Unable to resolve ticket subject")).with_status(400);
        assert_eq!(
            error.into_error(Party::Hospital).detail(),
            Some("HTTP 400 OperationOutcome processing: Unable to resolve ticket subject")
        );
    }

    #[test]
    fn errors_are_classified_by_their_error_member_alone() {
        use ErrorCode::*;
        let hospital = [
            (json!({"error": "invalid_grant"}), HospitalNothingShared),
            (json!({"error": "invalid_scope", "error_description": "No authorized scopes"}), HospitalScopeDenied),
            (json!({"error": "invalid_client"}), HospitalClientRejected),
            (json!({"error": "unauthorized_client"}), HospitalClientRejected),
            (json!({"error": "unsupported_grant_type"}), HospitalUnsupported),
            (json!({"error": "interaction_required", "launch": "l1"}), HospitalInteractionRequired),
            (json!({"error": "invalid_request"}), HospitalRejected),
            (json!({"error": "invalid_target"}), HospitalRejected),
            (json!({"error": "access_denied"}), HospitalRejected),
            (json!({"error": "unsupported_token_type"}), HospitalRejected),
            (json!({"error": "server_error"}), HospitalError),
            (json!({"error": "temporarily_unavailable"}), HospitalError),
            (json!({"error": "server_on_fire"}), HospitalInvalidResponse),
            (json!({"error": "INVALID_GRANT"}), HospitalInvalidResponse),
            (json!({"error": 42}), HospitalInvalidResponse),
            (json!({}), HospitalInvalidResponse),
            // The spec's descriptions of invalid_grant say why (§4.6); they are indicative, so all are one code.
            (json!({"error": "invalid_grant", "error_description": "Ticket has been revoked"}), HospitalNothingShared),
            (json!({"error": "invalid_grant", "error_description": "Ticket expired"}), HospitalNothingShared),
            (
                json!({"error": "invalid_grant", "error_description": "Unable to resolve ticket subject"}),
                HospitalNothingShared,
            ),
            // Misleading words in the description never override the error member.
            (
                json!({"error": "invalid_scope", "error_description": "invalid_client: ticket revoked, expired"}),
                HospitalScopeDenied,
            ),
            (
                json!({"error": "server_error", "error_description": "interaction_required invalid_grant"}),
                HospitalError,
            ),
            (json!({"error": "invalid_client", "error_description": "unsupported_grant_type"}), HospitalClientRejected),
            (json!({"error": "bogus", "error_description": "invalid_grant"}), HospitalInvalidResponse),
            (json!({"error_description": "invalid_grant: revoked"}), HospitalInvalidResponse),
        ];
        for (body, code) in hospital {
            assert_eq!(refusal(body.clone()).code(Party::Hospital), code, "{body}");
        }
        let broker = [
            (json!({"error": "invalid_grant"}), BrokerDenied),
            (json!({"error": "invalid_client"}), BrokerDenied),
            (json!({"error": "access_denied"}), BrokerDenied),
            (json!({"error": "temporarily_unavailable"}), BrokerUnreachable),
            (json!({"error": "unsupported_grant_type"}), BrokerInvalid),
            (json!({"error": 400}), BrokerInvalid),
            (json!({"error": "invalid_request", "error_description": "invalid_grant"}), BrokerInvalid),
            (json!({"error": "server_on_fire", "error_description": "access_denied"}), BrokerInvalid),
        ];
        for (body, code) in broker {
            assert_eq!(refusal(body.clone()).code(Party::Broker), code, "{body}");
        }
        assert!(serde_json::from_value::<Refusal>(json!("invalid_grant")).is_err(), "not an object");
        assert!(serde_json::from_value::<Refusal>(json!(["invalid_grant"])).is_err(), "not an object");
    }

    #[test]
    fn the_servers_words_are_kept_for_the_log_shortened_and_printable() {
        let body =
            json!({"error": "invalid_grant", "error_description": format!("Ticket\nrevoked{}", "!".repeat(500))});
        let error = refusal(body).with_status(400).into_error(Party::Hospital);
        let detail = error.detail().unwrap();
        assert!(detail.starts_with("HTTP 400 invalid_grant: Ticketrevoked!"), "{detail}");
        assert!(detail.len() < 240 && !detail.contains('\n'), "{detail}");
        let odd = refusal(json!({"error": format!("x\u{7}{}", "y".repeat(100))}));
        assert_eq!(odd.error.as_str(), format!("x{}", "y".repeat(63)));
        let error = refusal(json!({"error": "invalid_client", "error_description": {"x": 1}})).with_status(401);
        assert_eq!(error.into_error(Party::Hospital).detail(), Some("HTTP 401 invalid_client"));
    }

    #[test]
    fn a_launch_comes_only_with_interaction_required_and_stays_wrapped() {
        let mut asked = refusal(json!({"error": "interaction_required", "launch": "l-123"}));
        assert!(!format!("{asked:?}").contains("l-123"));
        assert!(!serde_json::to_string(&asked).unwrap().contains("l-123"));
        assert_eq!(asked.take_launch().map(|l| l.expose().clone()).as_deref(), Some("l-123"));
        for body in [
            json!({"error": "invalid_grant", "launch": "l-123"}),
            json!({"error": "interaction_required", "launch": 5}),
            json!({"error": "interaction_required", "launch": ""}),
            json!({"error": "interaction_required", "launch": "l".repeat(10_000)}),
        ] {
            assert!(refusal(body.clone()).take_launch().is_none(), "{body}");
        }
    }
}
