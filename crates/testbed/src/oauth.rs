//! OAuth pieces both the broker and the hospitals use: RFC 7591 client registration, `private_key_jwt` client
//! authentication (RFC 7523) with a `jti` replay cache (and public clients where a server allows them), the
//! front-channel authorization request with PKCE S256 and its redirects (RFC 6749 §4.1, RFC 8252 loopback
//! redirects, RFC 9207 `iss`), RFC 6749 error responses and random values.

use crate::html::page;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
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
    /// Registered with `token_endpoint_auth_method: none`: a public client, named by `client_id` alone (PKCE is
    /// its only proof). It has no key: `jwk` is null and `jkt` empty.
    pub public: bool,
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
    public_clients: bool,
}

impl Clients {
    /// An authorization server that registers clients only for these grant types (RFC 7591 `grant_types`), as a
    /// server refuses grants it does not offer. `Clients::default()` takes any.
    pub fn offering(grant_types: &[&'static str]) -> Self {
        Self { grant_types: Some(grant_types.to_vec()), ..Self::default() }
    }

    /// Also registers public clients (`token_endpoint_auth_method: none`, SMART's `client-public`).
    pub fn allowing_public_clients(self) -> Self {
        Self { public_clients: true, ..self }
    }

    /// RFC 7591: registers a client from its metadata and answers the registration response.
    pub fn register(&self, metadata: &Value, issued_at: i64) -> Result<Value, OAuthError> {
        let public = match metadata.get("token_endpoint_auth_method").and_then(Value::as_str) {
            Some("private_key_jwt") => false,
            Some("none") if self.public_clients => true,
            _ if self.public_clients => {
                return Err(OAuthError::bad(
                    "invalid_client_metadata",
                    "token_endpoint_auth_method must be private_key_jwt or none",
                ))
            }
            _ => {
                return Err(OAuthError::bad(
                    "invalid_client_metadata",
                    "token_endpoint_auth_method must be private_key_jwt",
                ))
            }
        };
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
        let (jwk, jkt) = if public { (Value::Null, String::new()) } else { client_key(metadata)? };
        let redirect_uris: Vec<String> = metadata
            .get("redirect_uris")
            .and_then(Value::as_array)
            .map(|uris| uris.iter().filter_map(|u| u.as_str().map(String::from)).collect())
            .unwrap_or_default();
        if let Some(bad) = redirect_uris.iter().find(|u| url::Url::parse(u).is_err()) {
            return Err(OAuthError::bad("invalid_redirect_uri", format!("{bad:?} is not an absolute URI")));
        }
        if public && redirect_uris.is_empty() {
            return Err(OAuthError::bad("invalid_redirect_uri", "a public client must register its redirect_uris"));
        }
        let client_id = format!("client-{}", random_token(12));
        let client = Client { jwk, jkt: jkt.clone(), redirect_uris: redirect_uris.clone(), native, public };
        self.clients.lock().unwrap().insert(client_id.clone(), client);
        let mut answer = json!({
            "client_id": client_id,
            "client_id_issued_at": issued_at,
            "application_type": if native { "native" } else { "web" },
            "token_endpoint_auth_method": if public { "none" } else { "private_key_jwt" },
            "redirect_uris": redirect_uris,
        });
        if !public {
            answer["jwk_thumbprint"] = json!(jkt);
        }
        Ok(answer)
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

    /// Forgets every registered client, as a server does whose registrations were reset: each is then unknown at
    /// the authorization endpoint and `invalid_client` at the token endpoint.
    pub fn forget_all(&self) {
        self.clients.lock().unwrap().clear();
    }

    /// Authenticates a token-endpoint request by `private_key_jwt`: the assertion must be signed by the registered
    /// key, `iss` = `sub` = client id, `aud` = `token_url` exactly, `exp` in the future (at most 5 minutes), and its
    /// `jti` never seen before. A public client (registered with `none`) sends its `client_id` and no assertion.
    /// Returns the client id and client.
    pub fn authenticate(
        &self,
        form: &HashMap<String, String>,
        token_url: &str,
        now: i64,
    ) -> Result<(String, Client), OAuthError> {
        if !form.contains_key("client_assertion_type") && !form.contains_key("client_assertion") {
            let public = form.get("client_id").and_then(|id| self.get(id).filter(|c| c.public).map(|c| (id, c)));
            if let Some((client_id, client)) = public {
                return Ok((client_id.clone(), client));
            }
        }
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

/// The key of a confidential client's registration: exactly one public EC P-256 key, and its thumbprint.
fn client_key(metadata: &Value) -> Result<(Value, String), OAuthError> {
    let keys = metadata.pointer("/jwks/keys").and_then(Value::as_array).cloned().unwrap_or_default();
    let jwk = match keys.as_slice() {
        [key] if key.get("kty") == Some(&json!("EC")) && key.get("crv") == Some(&json!("P-256")) => key.clone(),
        _ => return Err(OAuthError::bad("invalid_client_metadata", "jwks must hold exactly one EC P-256 key")),
    };
    if jwk.get("d").is_some() {
        return Err(OAuthError::bad("invalid_client_metadata", "jwks must not contain private keys"));
    }
    let jkt = tessera_jose::thumbprint(&jwk).map_err(|e| OAuthError::bad("invalid_client_metadata", e.to_string()))?;
    Ok((jwk, jkt))
}

/// A front-channel authorization request (RFC 6749 §4.1.1) that passed the checks every authorization server here
/// makes: a registered client, one of its redirect URIs, `response_type=code`, a `state`, PKCE S256 and `aud`.
#[derive(Debug, Clone)]
pub struct AuthorizationRequest {
    /// The client id.
    pub client_id: String,
    /// The registered client.
    pub client: Client,
    /// The redirect URI, one the client registered (any port for a native app's loopback one).
    pub redirect_uri: String,
    /// The client's `state`, returned with the answer.
    pub state: String,
    /// The PKCE S256 `code_challenge`.
    pub challenge: String,
    /// The requested `scope`, as sent.
    pub scope: String,
    /// `login_hint`, when given and not empty.
    pub login_hint: Option<String>,
}

impl Clients {
    /// Checks an authorization request's query against the server whose resource is `audience` and whose issuer
    /// (RFC 9207 `iss`) is `issuer`. An unknown client or an unregistered redirect URI is answered with a page (400):
    /// nothing is sent to an address the server cannot trust. Everything else that is wrong goes back to the client
    /// as an error redirect: `unsupported_response_type`, or `invalid_request` (no `state`, no S256 challenge, an
    /// `aud` that is not `audience`). The refusal is boxed (a response is large).
    pub fn authorization_request(
        &self,
        query: &HashMap<String, String>,
        audience: &str,
        issuer: &str,
    ) -> Result<AuthorizationRequest, Box<Response>> {
        let param = |name: &str| query.get(name).cloned().unwrap_or_default();
        let (client_id, redirect_uri, state) = (param("client_id"), param("redirect_uri"), param("state"));
        let Some(client) = self.get(&client_id) else {
            return Err(Box::new(error_page("Unknown app", "This app is not registered.")));
        };
        if !client.allows_redirect(&redirect_uri) || url::Url::parse(&redirect_uri).is_err() {
            return Err(Box::new(error_page("Wrong return address", "The app's redirect address is not registered.")));
        }
        let refuse = |error, description| {
            Err(Box::new(error_redirect_described(&redirect_uri, &state, issuer, error, description)))
        };
        if param("response_type") != "code" {
            return refuse("unsupported_response_type", "response_type must be code");
        }
        if state.is_empty() {
            return refuse("invalid_request", "state is required");
        }
        if param("code_challenge_method") != "S256" || param("code_challenge").is_empty() {
            return refuse("invalid_request", "PKCE with code_challenge_method S256 is required");
        }
        if param("aud").trim_end_matches('/') != audience.trim_end_matches('/') {
            return refuse("invalid_request", "aud is not this server");
        }
        Ok(AuthorizationRequest {
            client_id,
            client,
            redirect_uri,
            state,
            challenge: param("code_challenge"),
            scope: param("scope"),
            login_hint: query.get("login_hint").cloned().filter(|h| !h.is_empty()),
        })
    }
}

/// A sign-in error page (400), for a request whose redirect cannot be trusted.
pub fn error_page(heading: &str, text: &str) -> Response {
    let body = format!("<h1>{}</h1><p>{}</p>", crate::html::escape(heading), crate::html::escape(text));
    (StatusCode::BAD_REQUEST, Html(page("Sign-in error", &body))).into_response()
}

/// Redirects to `redirect_uri` with `params` added to its query (a 400 page if it is not a URI).
pub fn redirect_with(redirect_uri: &str, params: &[(&str, &str)]) -> Response {
    let Ok(mut url) = url::Url::parse(redirect_uri) else {
        return error_page("Wrong return address", "The app's redirect address is not a web address.");
    };
    url.query_pairs_mut().extend_pairs(params);
    Redirect::to(url.as_str()).into_response()
}

/// An authorization error answered to the client (RFC 6749 §4.1.2.1): `error`, `state` (when there was one) and
/// `iss` (RFC 9207).
pub fn error_redirect(redirect_uri: &str, state: &str, iss: &str, error: &str) -> Response {
    error_redirect_described(redirect_uri, state, iss, error, "")
}

/// [`error_redirect`] with an `error_description` (left out when empty).
pub fn error_redirect_described(
    redirect_uri: &str,
    state: &str,
    iss: &str,
    error: &str,
    description: &str,
) -> Response {
    let mut params = vec![("error", error)];
    if !description.is_empty() {
        params.push(("error_description", description));
    }
    if !state.is_empty() {
        params.push(("state", state));
    }
    params.push(("iss", iss));
    redirect_with(redirect_uri, &params)
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
    fn public_clients_only_where_allowed_and_named_by_client_id_alone() {
        let public = json!({ "token_endpoint_auth_method": "none", "redirect_uris": ["http://127.0.0.1/callback"] });
        assert_eq!(Clients::default().register(&public, 0).unwrap_err().error, "invalid_client_metadata");
        let clients = Clients::default().allowing_public_clients();
        let answer = clients.register(&public, 0).unwrap();
        assert_eq!(answer["token_endpoint_auth_method"], "none");
        let id = answer["client_id"].as_str().unwrap().to_string();
        let form = HashMap::from([("client_id".to_string(), id.clone())]);
        let (client_id, client) = clients.authenticate(&form, "http://as/token", 0).unwrap();
        assert!(client_id == id && client.public && client.jkt.is_empty());
        // A confidential client is not authenticated by its id.
        let confidential =
            clients.register(&metadata(json!({})), 0).unwrap()["client_id"].as_str().unwrap().to_string();
        let form = HashMap::from([("client_id".to_string(), confidential)]);
        assert_eq!(clients.authenticate(&form, "http://as/token", 0).unwrap_err().error, "invalid_client");
        let nowhere = json!({ "token_endpoint_auth_method": "none", "redirect_uris": [] });
        assert_eq!(clients.register(&nowhere, 0).unwrap_err().error, "invalid_redirect_uri");
        assert_eq!(
            clients.register(&metadata(json!({ "redirect_uris": ["not a uri"] })), 0).unwrap_err().error,
            "invalid_redirect_uri"
        );
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
