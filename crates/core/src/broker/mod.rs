//! Sign-in with a trust broker (Permission Tickets Proposal 003): what is particular to a ticket issuer — its
//! discovery (same-origin endpoints, S256, the issuance capability, RFC 9207), the scopes Tessera asks it for, and
//! its token answer, which carries tickets and endpoint hints. The OAuth requests themselves (registration, the
//! authorization round trip, the code exchange and the refresh) are [`crate::oauth`]'s.
//!
//! `LOGIN_SCOPE` asks for tickets, identity, re-minting (`offline_access`) and every record type. Each ticket in a
//! token answer goes straight into a `Sensitive`. `Browser`, `authorize`, `register`, `AuthorizationServer`,
//! `SIGN_IN_TIMEOUT` and `same_origin` are re-exported here at their former paths (the front ends name
//! `broker::Browser`); new code takes them from `oauth` and `base::http`.

pub mod names;
pub mod signin;
pub mod status_list;

use crate::base::http::{Http, Party};
use crate::oauth::discovery::{self, Metadata};
use crate::oauth::{token, Extras, Grant};
use crate::vault::identity::ClientAuth;
use crate::{Error, ErrorCode, Result, Sensitive};
use serde_json::{Map, Value};

// Kept at their former paths: `Browser` for the front ends, the rest for `reach` and `records`, which still name
// them here (new code takes them from `oauth` and `http`).
pub use crate::base::http::same_origin;
pub use crate::oauth::{authorize, register, AuthorizationServer, Browser, SIGN_IN_TIMEOUT};

/// The scopes Tessera asks the broker for: tickets, identity, re-minting, and every record type.
pub const LOGIN_SCOPE: &str = "permission_ticket openid fhirUser offline_access patient/*.rs";

/// The broker's discovered endpoints.
#[derive(Debug, Clone)]
pub struct BrokerEndpoints {
    /// Normalised base URL (the issuer).
    pub issuer: String,
    /// Authorization endpoint.
    pub authorize: String,
    /// Token endpoint.
    pub token: String,
    /// Registration endpoint.
    pub register: String,
    /// RFC 7009 endpoint.
    pub revoke: Option<String>,
    /// Grant-management endpoint.
    pub management: Option<String>,
    /// Whether it promises RFC 9207 `iss` on every authorization response (then one is required).
    pub iss_required: bool,
    /// The name it gives itself (see [`names`]).
    pub name: Option<String>,
}

/// What a successful sign-in returns (secrets wrapped).
pub struct SignIn {
    /// The broker's access token (for its grant-management endpoint).
    pub access_token: Sensitive<String>,
    /// Seconds the access token lives (`expires_in`, default one hour).
    pub expires_in: i64,
    /// The refresh token for re-minting, when offline access was granted.
    pub refresh_token: Option<Sensitive<String>>,
    /// The tickets, raw.
    pub tickets: Vec<Sensitive<String>>,
    /// `smart_permission_ticket_endpoints`.
    pub hints: Vec<Value>,
}

fn invalid(detail: impl Into<String>) -> Error {
    Error::new(ErrorCode::BrokerInvalid).with_detail(detail.into())
}

/// Reads and checks the broker's SMART configuration.
pub async fn discover(http: &Http, broker_url: &str) -> Result<BrokerEndpoints> {
    let base = crate::base::http::normalise_base(broker_url)?;
    let answer = discovery::fetch(http, Party::Broker, &base).await?;
    if answer.status != 200 || !answer.json.is_object() {
        return Err(invalid(format!("smart-configuration answered HTTP {}", answer.status)));
    }
    let config = Metadata::new(&base, &answer.json);
    let endpoint = |name: &str| -> Result<String> {
        config.endpoint(name).map_err(invalid)?.ok_or_else(|| invalid(format!("{name} missing")))
    };
    let issuer = match answer.json.get("issuer") {
        None | Some(Value::Null) => base.as_str(),
        Some(Value::String(issuer)) => issuer.as_str(),
        Some(_) => return Err(invalid("issuer is not text")),
    };
    if issuer.trim_end_matches('/') != base {
        return Err(invalid("issuer differs from the broker address"));
    }
    if !config.lists("code_challenge_methods_supported", "S256") {
        return Err(invalid("S256 PKCE not supported"));
    }
    if !config.lists("capabilities", "permission-ticket-issuance") {
        return Err(Error::new(ErrorCode::BrokerInvalid)
            .with_message("That server does not issue permission tickets.")
            .with_action("Check the trust broker's address."));
    }
    Ok(BrokerEndpoints {
        authorize: endpoint("authorization_endpoint")?,
        token: endpoint("token_endpoint")?,
        register: endpoint("registration_endpoint")?,
        revoke: endpoint("revocation_endpoint").ok(),
        management: endpoint("management_endpoint").ok(),
        iss_required: config.flag("authorization_response_iss_parameter_supported"),
        name: names::from_metadata(&answer.json),
        issuer: base.clone(),
    })
}

/// What a broker adds to its token responses: the tickets (`smart_permission_ticket`, each into its wrapper) and
/// the endpoint hints (`smart_permission_ticket_endpoints`).
struct Tickets {
    tickets: Vec<Sensitive<String>>,
    hints: Vec<Value>,
}

impl Extras for Tickets {
    fn read(members: &mut Map<String, Value>) -> std::result::Result<Self, String> {
        let tickets = match members.remove("smart_permission_ticket") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(items)) => items
                .into_iter()
                .map(|item| match item {
                    Value::String(ticket) => Ok(Sensitive::new(ticket)),
                    _ => Err("a ticket is not a string".to_string()),
                })
                .collect::<std::result::Result<_, _>>()?,
            Some(_) => return Err("smart_permission_ticket is not an array".into()),
        };
        let hints = match members.remove("smart_permission_ticket_endpoints") {
            Some(Value::Array(hints)) => hints,
            _ => Vec::new(),
        };
        Ok(Tickets { tickets, hints })
    }
}

/// Sends `grant` (the sign-in's code, or the broker's refresh token) to the broker's token endpoint and reads the
/// ticket answer. A refusal is typed by its `error` (`invalid_grant`: `broker.denied`).
pub async fn token_request(http: &Http, token_url: &str, auth: &ClientAuth<'_>, grant: &Grant) -> Result<SignIn> {
    let issued = token::request::<Tickets>(http, Party::Broker, token_url, auth, grant).await?.issued(Party::Broker)?;
    Ok(SignIn {
        access_token: issued.access_token,
        expires_in: issued.expires_in.unwrap_or(3600),
        refresh_token: issued.refresh_token,
        tickets: issued.extras.tickets,
        hints: issued.extras.hints,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_broker_answer_brings_tickets_wrapped_and_hints() {
        let body = json!({"access_token": "a", "token_type": "Bearer", "smart_permission_ticket": ["eyJ.t.s"],
            "smart_permission_ticket_endpoints": [{"fhir_base_url": "https://h.example/fhir"}]});
        let issued = token::read_issued::<Tickets>(body.clone()).unwrap();
        assert_eq!(issued.extras.tickets.len(), 1);
        assert_eq!(issued.extras.tickets[0].expose(), "eyJ.t.s");
        assert_eq!(issued.extras.hints.len(), 1);
        for tickets in [json!("eyJ.t.s"), json!([1]), json!([null]), json!({"0": "eyJ"})] {
            let mut body = body.clone();
            body["smart_permission_ticket"] = tickets;
            assert!(token::read_issued::<Tickets>(body).is_err());
        }
    }
}
