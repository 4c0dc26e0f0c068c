//! RFC 7591 dynamic client registration of the install's key, at a broker or a hospital.
//!
//! The registration asks for `application_type: native` and only the grant types used at that server.

use crate::base::http::{Http, Party};
use crate::oauth::error::OAuthError;
use crate::oauth::token::TOKEN_EXCHANGE;
use crate::vault::identity::Identity;
use crate::{Error, ErrorCode, Result};
use serde_json::{json, Value};

/// The grants Tessera uses at `party` (and so registers there): a broker is never asked for token exchange, which a
/// server that does not offer it refuses to register.
pub fn grant_types(party: Party) -> &'static [&'static str] {
    match party {
        Party::Broker => &["authorization_code", "refresh_token"],
        Party::Hospital => &["authorization_code", "refresh_token", TOKEN_EXCHANGE],
    }
}

/// The client metadata Tessera registers (RFC 7591) at `party`: a native app (RFC 8252: its loopback redirect
/// may take any port) authenticating with the install's key, asking only for the grants it uses there.
pub fn client_metadata(identity: &Identity, party: Party) -> Value {
    client_metadata_for(identity, grant_types(party))
}

/// [`client_metadata`] asking for exactly `grant_types` (a hospital's patient portal: the code and refresh grants).
pub fn client_metadata_for(identity: &Identity, grant_types: &[&str]) -> Value {
    json!({
        "client_name": "Tessera",
        "application_type": "native",
        "redirect_uris": ["http://127.0.0.1/callback"],
        "grant_types": grant_types,
        "response_types": ["code"],
        "token_endpoint_auth_method": "private_key_jwt",
        "jwks": { "keys": [identity.public_jwk()] },
    })
}

/// Registers the install's key at `endpoint` with the loopback redirect. Returns the client id. A refusal is
/// `broker.invalid` at a broker and `hospital.client_rejected` at a hospital, whatever its `error` (RFC 7591
/// §3.2.2: `invalid_redirect_uri`, `invalid_client_metadata`…), which is kept in the detail.
pub async fn register(http: &Http, endpoint: &str, identity: &Identity, party: Party) -> Result<String> {
    register_for(http, endpoint, identity, party, grant_types(party)).await
}

/// [`register`] for exactly `grant_types`.
pub async fn register_for(
    http: &Http,
    endpoint: &str,
    identity: &Identity,
    party: Party,
    grant_types: &[&str],
) -> Result<String> {
    let answer = http.post_json(party, endpoint, &client_metadata_for(identity, grant_types)).await?;
    let client_id =
        answer.json.get("client_id").and_then(Value::as_str).filter(|_| (200..300).contains(&answer.status));
    client_id.map(String::from).ok_or_else(|| {
        let code = match party {
            Party::Broker => ErrorCode::BrokerInvalid,
            Party::Hospital => ErrorCode::HospitalClientRejected,
        };
        let error = OAuthError::parse(answer.json.get("error").and_then(Value::as_str));
        Error::new(code).with_detail(format!("registration answered HTTP {} {error}", answer.status))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registration_asks_for_a_native_app_and_only_the_grants_used_there() {
        let identity = Identity::from_key(tessera_jose::SigningKey::generate().unwrap());
        let broker = client_metadata(&identity, Party::Broker);
        assert_eq!(broker["application_type"], "native");
        assert_eq!(broker["grant_types"], json!(["authorization_code", "refresh_token"]));
        assert_eq!(broker["jwks"]["keys"][0], *identity.public_jwk());
        let hospital = client_metadata(&identity, Party::Hospital);
        assert!(hospital["grant_types"].as_array().unwrap().contains(&json!(TOKEN_EXCHANGE)));
        assert_eq!(hospital["application_type"], "native");
    }
}
