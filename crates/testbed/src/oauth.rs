//! OAuth pieces both the broker and the hospitals use: RFC 7591 client registration, `private_key_jwt` client
//! authentication (RFC 7523) with a `jti` replay cache, RFC 6749 error responses and random values.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use rand::RngCore;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::Mutex;

/// The client-assertion type of `private_key_jwt`.
pub const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// An RFC 6749 error answer: `{error, error_description}` with a status code.
#[derive(Debug, Clone)]
pub struct OAuthError {
    /// HTTP status.
    pub status: StatusCode,
    /// The `error` code.
    pub error: &'static str,
    /// The `error_description`.
    pub description: String,
    /// Extra members (e.g. `launch` for `interaction_required`).
    pub extra: Option<(&'static str, String)>,
}

impl OAuthError {
    /// A 400 error.
    pub fn bad(error: &'static str, description: impl Into<String>) -> Self {
        Self { status: StatusCode::BAD_REQUEST, error, description: description.into(), extra: None }
    }

    /// `invalid_grant` with a description.
    pub fn grant(description: impl Into<String>) -> Self {
        Self::bad("invalid_grant", description)
    }

    /// `invalid_client` (401).
    pub fn client(description: impl Into<String>) -> Self {
        Self { status: StatusCode::UNAUTHORIZED, ..Self::bad("invalid_client", description) }
    }
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        let mut body = json!({ "error": self.error, "error_description": self.description });
        if let Some((name, value)) = self.extra {
            body[name] = Value::String(value);
        }
        no_store((self.status, Json(body)).into_response())
    }
}

/// Adds `Cache-Control: no-store` (token responses must not be cached).
pub fn no_store(mut response: Response) -> Response {
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// A random URL-safe value of `bytes` random bytes.
pub fn random_token(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rngs::OsRng.fill_bytes(&mut buf);
    tessera_jose::b64url(&buf)
}

/// One registered client.
#[derive(Debug, Clone)]
pub struct Client {
    /// The client's public JWK.
    pub jwk: Value,
    /// Its RFC 7638 thumbprint.
    pub jkt: String,
    /// Registered redirect URIs.
    pub redirect_uris: Vec<String>,
    /// Registered as a native app (`application_type: native`, RFC 8252), whose loopback redirects may use any
    /// port; a web app's redirects must match exactly.
    pub native: bool,
}

impl Client {
    /// Whether `redirect` is one of this client's redirect URIs: exactly, or — for a native app's loopback
    /// redirect (RFC 8252 §7.3) — on any port.
    pub fn allows_redirect(&self, redirect: &str) -> bool {
        if self.native {
            redirect_allowed(&self.redirect_uris, redirect)
        } else {
            self.redirect_uris.iter().any(|allowed| allowed == redirect)
        }
    }
}

/// Registered clients and the assertion replay cache of one authorization server.
#[derive(Debug, Default)]
pub struct Clients {
    clients: Mutex<HashMap<String, Client>>,
    seen_jtis: Mutex<HashMap<String, i64>>,
    grant_types: Option<Vec<&'static str>>,
}

impl Clients {
    /// An authorization server that registers clients only for these grant types (RFC 7591 `grant_types`), as a
    /// server refuses grants it does not offer. `Clients::default()` takes any.
    pub fn offering(grant_types: &[&'static str]) -> Self {
        Self { grant_types: Some(grant_types.to_vec()), ..Self::default() }
    }

    /// RFC 7591: registers a client from its metadata and answers the registration response.
    pub fn register(&self, metadata: &Value, issued_at: i64) -> Result<Value, OAuthError> {
        if metadata.get("token_endpoint_auth_method").and_then(Value::as_str) != Some("private_key_jwt") {
            return Err(OAuthError::bad(
                "invalid_client_metadata",
                "token_endpoint_auth_method must be private_key_jwt",
            ));
        }
        if let Some(offered) = &self.grant_types {
            let asked = metadata.get("grant_types").and_then(Value::as_array).cloned().unwrap_or_default();
            if asked.iter().any(|g| !g.as_str().is_some_and(|g| offered.contains(&g))) {
                return Err(OAuthError::bad(
                    "invalid_client_metadata",
                    format!("grant_types can only contain {}", offered.join(", ")),
                ));
            }
        }
        let native = match metadata.get("application_type") {
            None => false,
            Some(kind) if kind == "web" => false,
            Some(kind) if kind == "native" => true,
            Some(_) => {
                return Err(OAuthError::bad("invalid_client_metadata", "application_type must be web or native"))
            }
        };
        let keys = metadata.pointer("/jwks/keys").and_then(Value::as_array).cloned().unwrap_or_default();
        let jwk = match keys.as_slice() {
            [key] if key.get("kty") == Some(&json!("EC")) && key.get("crv") == Some(&json!("P-256")) => key.clone(),
            _ => return Err(OAuthError::bad("invalid_client_metadata", "jwks must hold exactly one EC P-256 key")),
        };
        if jwk.get("d").is_some() {
            return Err(OAuthError::bad("invalid_client_metadata", "jwks must not contain private keys"));
        }
        let jkt =
            tessera_jose::thumbprint(&jwk).map_err(|e| OAuthError::bad("invalid_client_metadata", e.to_string()))?;
        let redirect_uris: Vec<String> = metadata
            .get("redirect_uris")
            .and_then(Value::as_array)
            .map(|uris| uris.iter().filter_map(|u| u.as_str().map(String::from)).collect())
            .unwrap_or_default();
        let client_id = format!("client-{}", random_token(12));
        self.clients
            .lock()
            .unwrap()
            .insert(client_id.clone(), Client { jwk, jkt: jkt.clone(), redirect_uris: redirect_uris.clone(), native });
        Ok(json!({
            "client_id": client_id,
            "client_id_issued_at": issued_at,
            "application_type": if native { "native" } else { "web" },
            "token_endpoint_auth_method": "private_key_jwt",
            "redirect_uris": redirect_uris,
            "jwk_thumbprint": jkt,
        }))
    }

    /// The HTTP answer to an RFC 7591 registration request body: 201 with the registration, or the error.
    pub fn registration_response(&self, body: &str, issued_at: i64) -> Response {
        let Ok(metadata) = serde_json::from_str::<Value>(body) else {
            return OAuthError::bad("invalid_client_metadata", "body is not JSON").into_response();
        };
        match self.register(&metadata, issued_at) {
            Ok(answer) => (StatusCode::CREATED, Json(answer)).into_response(),
            Err(error) => error.into_response(),
        }
    }

    /// Looks up a client.
    pub fn get(&self, client_id: &str) -> Option<Client> {
        self.clients.lock().unwrap().get(client_id).cloned()
    }

    /// Authenticates a token-endpoint request by `private_key_jwt`: the assertion must be signed by the registered
    /// key, `iss` = `sub` = client id, `aud` = `token_url` exactly, `exp` in the future (at most 5 minutes), and its
    /// `jti` never seen before. Returns the client id and client.
    pub fn authenticate(
        &self,
        form: &HashMap<String, String>,
        token_url: &str,
        now: i64,
    ) -> Result<(String, Client), OAuthError> {
        if form.get("client_assertion_type").map(String::as_str) != Some(JWT_BEARER) {
            return Err(OAuthError::client("client_assertion_type must be jwt-bearer"));
        }
        let assertion = form.get("client_assertion").ok_or_else(|| OAuthError::client("client_assertion missing"))?;
        let decoded =
            tessera_jose::decode_unverified(assertion).map_err(|_| OAuthError::client("Malformed client assertion"))?;
        let claims = &decoded.claims;
        let claim = |name: &str| claims.get(name).and_then(Value::as_str).unwrap_or("");
        let client_id = claim("iss").to_string();
        if client_id.is_empty() || claim("sub") != client_id {
            return Err(OAuthError::client("Client assertion iss and sub must both be the client id"));
        }
        if form.get("client_id").is_some_and(|id| *id != client_id) {
            return Err(OAuthError::client("client_id does not match the assertion"));
        }
        let client = self.get(&client_id).ok_or_else(|| OAuthError::client("Unknown client"))?;
        tessera_jose::verify_with_key(assertion, &client.jwk)
            .map_err(|_| OAuthError::client("Client assertion signature verification failed"))?;
        let audience_ok = match claims.get("aud") {
            Some(Value::String(aud)) => aud == token_url,
            Some(Value::Array(auds)) => auds.iter().any(|a| a.as_str() == Some(token_url)),
            _ => false,
        };
        if !audience_ok {
            return Err(OAuthError::client("Client assertion audience must be the token endpoint"));
        }
        let exp = claims.get("exp").and_then(Value::as_i64).unwrap_or(0);
        if exp <= now || exp > now + 360 {
            return Err(OAuthError::client("Client assertion expired or too long-lived"));
        }
        let jti = claim("jti");
        if jti.is_empty() {
            return Err(OAuthError::client("Client assertion jti missing"));
        }
        let mut seen = self.seen_jtis.lock().unwrap();
        seen.retain(|_, expires| *expires > now);
        if seen.insert(format!("{client_id}\u{0}{jti}"), exp).is_some() {
            return Err(OAuthError::client("Client assertion jti replayed"));
        }
        Ok((client_id, client))
    }
}

/// Whether `redirect` matches one of `registered` exactly, or — for loopback (RFC 8252 §7.3) — except for the port.
pub fn redirect_allowed(registered: &[String], redirect: &str) -> bool {
    registered.iter().any(|allowed| allowed == redirect || same_except_loopback_port(allowed, redirect))
}

fn same_except_loopback_port(allowed: &str, redirect: &str) -> bool {
    let (Ok(a), Ok(b)) = (url::Url::parse(allowed), url::Url::parse(redirect)) else { return false };
    let loopback = |u: &url::Url| matches!(u.host_str(), Some("127.0.0.1") | Some("[::1]"));
    a.scheme() == "http"
        && b.scheme() == "http"
        && loopback(&a)
        && a.host_str() == b.host_str()
        && a.path() == b.path()
        && a.query() == b.query()
}

/// SHA-256 PKCE check: BASE64URL(SHA256(verifier)) == challenge.
pub fn pkce_matches(verifier: &str, challenge: &str) -> bool {
    use sha2::{Digest, Sha256};
    (43..=128).contains(&verifier.len()) && tessera_jose::b64url(&Sha256::digest(verifier.as_bytes())) == challenge
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_redirects_match_on_any_port_only() {
        let registered = vec!["http://127.0.0.1/callback".to_string()];
        assert!(redirect_allowed(&registered, "http://127.0.0.1:49152/callback"));
        assert!(!redirect_allowed(&registered, "http://127.0.0.1:49152/other"));
        assert!(!redirect_allowed(&registered, "http://evil.example/callback"));
        assert!(!redirect_allowed(&["https://app.example/cb".into()], "https://app.example:444/cb"));
    }

    fn metadata(extra: Value) -> Value {
        let key = tessera_jose::SigningKey::generate().unwrap();
        let mut metadata = json!({
            "token_endpoint_auth_method": "private_key_jwt",
            "redirect_uris": ["http://127.0.0.1/callback"],
            "jwks": { "keys": [key.public_jwk()] },
        });
        metadata.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        metadata
    }

    #[test]
    fn only_a_native_app_redirects_to_any_loopback_port() {
        let clients = Clients::default();
        let register = |extra: Value| {
            let id = clients.register(&metadata(extra), 0).unwrap()["client_id"].as_str().unwrap().to_string();
            clients.get(&id).unwrap()
        };
        let native = register(json!({ "application_type": "native" }));
        assert!(native.allows_redirect("http://127.0.0.1:49152/callback"));
        assert!(!native.allows_redirect("http://127.0.0.1:49152/other"));
        let web = register(json!({}));
        assert!(!web.allows_redirect("http://127.0.0.1:49152/callback"));
        assert!(web.allows_redirect("http://127.0.0.1/callback"));
        assert!(clients.register(&metadata(json!({ "application_type": "desktop" })), 0).is_err());
    }

    #[test]
    fn grants_a_server_does_not_offer_are_refused_at_registration() {
        let clients = Clients::offering(&["authorization_code", "refresh_token"]);
        assert!(clients
            .register(&metadata(json!({ "grant_types": ["authorization_code", "refresh_token"] })), 0)
            .is_ok());
        let exchange =
            json!({ "grant_types": ["authorization_code", "urn:ietf:params:oauth:grant-type:token-exchange"] });
        assert_eq!(clients.register(&metadata(exchange.clone()), 0).unwrap_err().error, "invalid_client_metadata");
        assert!(Clients::default().register(&metadata(exchange), 0).is_ok());
    }

    #[test]
    fn pkce_s256() {
        // RFC 7636 appendix B verifier; challenge recomputed independently (Python hashlib).
        assert!(pkce_matches(
            "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk",
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        ));
        assert!(!pkce_matches("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk", "nope"));
    }
}
