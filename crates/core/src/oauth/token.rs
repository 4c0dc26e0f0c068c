//! Token requests with `private_key_jwt` client authentication: the authorization-code exchange (RFC 6749 §4.1.3
//! with PKCE) and the refresh with rotation (§6) through the `oauth2` crate, the RFC 8693 token exchange (which
//! `oauth2` does not build) as a form of the same shape. Each attempt carries a fresh client assertion, and a
//! request is repeated only when it certainly did not reach the server. A token response is read into
//! [`Issued`] — its secrets in their wrappers — with the members its party adds ([`Extras`]).
//!
//! Token responses are read through Tessera's own type, not `oauth2`'s: it refuses to serialize (`oauth2` requires
//! the trait) and its `Debug` prints `<redacted>`; `expires_in` must be a whole number of seconds within bounds,
//! and a response without a non-empty bearer `access_token` is refused.

use crate::base::http::{Failed, Http, Party, Retry};
use crate::oauth::error::Refusal;
use crate::oauth::transport::{self, Outcome};
use crate::vault::identity::{ClientAuth, JWT_BEARER};
use crate::{Error, ErrorCode, Result, Sensitive};
use oauth2::basic::{BasicRevocationErrorResponse, BasicTokenIntrospectionResponse, BasicTokenType};
use oauth2::{EndpointNotSet, EndpointSet, StandardRevocableToken};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};
use std::borrow::Cow;
use zeroize::Zeroize;

/// The RFC 8693 grant type.
pub const TOKEN_EXCHANGE: &str = "urn:ietf:params:oauth:grant-type:token-exchange";
/// The longest access-token lifetime (`expires_in`) accepted from a token endpoint: a year.
pub const MAX_EXPIRES_IN: i64 = 366 * 24 * 3600;

/// What a token request presents. The secrets stay in their wrappers until the request body is encoded.
#[derive(Clone)]
pub enum Grant {
    /// RFC 6749 §4.1.3: the code the redirect brought back, the redirect URI it was sent to, the PKCE verifier.
    AuthorizationCode {
        /// The authorization code.
        code: Sensitive<String>,
        /// The redirect URI of the authorization request.
        redirect_uri: String,
        /// The PKCE (S256) code verifier.
        verifier: Sensitive<String>,
    },
    /// RFC 6749 §6: a refresh token (the server may rotate it: the answer then carries the next one).
    RefreshToken(Sensitive<String>),
    /// RFC 8693: a subject token presented for an access token.
    TokenExchange {
        /// The subject token (a Permission Ticket).
        subject_token: Sensitive<String>,
        /// Its token type.
        subject_token_type: String,
        /// The scope asked for, if any.
        scope: Option<String>,
    },
}

impl Grant {
    /// Its `grant_type`.
    pub fn grant_type(&self) -> &'static str {
        match self {
            Grant::AuthorizationCode { .. } => "authorization_code",
            Grant::RefreshToken(_) => "refresh_token",
            Grant::TokenExchange { .. } => TOKEN_EXCHANGE,
        }
    }

    /// The scope it asks for, if any (blank counts as none).
    pub fn scope(&self) -> Option<&str> {
        match self {
            Grant::TokenExchange { scope, .. } => scope.as_deref().filter(|s| !s.trim().is_empty()),
            _ => None,
        }
    }

    /// The same grant asking for no scope (the server then grants what the grant itself allows).
    pub fn without_scope(&self) -> Self {
        match self {
            Grant::TokenExchange { subject_token, subject_token_type, .. } => Grant::TokenExchange {
                subject_token: subject_token.clone(),
                subject_token_type: subject_token_type.clone(),
                scope: None,
            },
            other => other.clone(),
        }
    }

    /// The authorization code, for a code grant.
    pub fn authorization_code(&self) -> Option<&Sensitive<String>> {
        match self {
            Grant::AuthorizationCode { code, .. } => Some(code),
            _ => None,
        }
    }
}

impl std::fmt::Debug for Grant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Grant({}, <redacted>)", self.grant_type())
    }
}

/// The members a party adds to a token response (RFC 6749 §5.1 allows any): the tickets and hints of a broker, the
/// patient of a hospital.
pub trait Extras: Sized + Send + Sync {
    /// Reads them from the response's other members, taking what it keeps (secrets go straight into their
    /// wrappers). An error says which member is wrong, never its value.
    fn read(members: &mut Map<String, Value>) -> std::result::Result<Self, String>;
}

impl Extras for () {
    fn read(_: &mut Map<String, Value>) -> std::result::Result<Self, String> {
        Ok(())
    }
}

/// A successful token response (RFC 6749 §5.1), its secrets wrapped.
pub struct Issued<X> {
    /// The access token (a Bearer token).
    pub access_token: Sensitive<String>,
    /// The refresh token, when one was issued (after a refresh: the rotated one).
    pub refresh_token: Option<Sensitive<String>>,
    /// Seconds the access token lives, when said: a whole number from 0 to [`MAX_EXPIRES_IN`].
    pub expires_in: Option<i64>,
    /// The granted scope, space-separated, when said.
    pub scope: Option<String>,
    /// The party's own members.
    pub extras: X,
}

/// What a token endpoint answered.
pub enum Answer<X> {
    /// Tokens.
    Issued(Issued<X>),
    /// An error answer, typed by its `error` member.
    Refused(Refusal),
}

impl<X> Answer<X> {
    /// The tokens, or the refusal as `party`'s coded error.
    pub fn issued(self, party: Party) -> Result<Issued<X>> {
        match self {
            Answer::Issued(issued) => Ok(issued),
            Answer::Refused(refusal) => Err(refusal.into_error(party)),
        }
    }
}

/// A token response as the `oauth2` crate holds it (its [`oauth2::TokenResponse`]); turned into [`Issued`] at once,
/// the token strings moving into their wrappers.
struct Tokens<X> {
    access_token: oauth2::AccessToken,
    token_type: BasicTokenType,
    refresh_token: Option<oauth2::RefreshToken>,
    expires_in: Option<i64>,
    scopes: Option<Vec<oauth2::Scope>>,
    extras: X,
}

impl<X> From<Tokens<X>> for Issued<X> {
    fn from(tokens: Tokens<X>) -> Self {
        Issued {
            access_token: Sensitive::new(tokens.access_token.into_secret()),
            refresh_token: tokens.refresh_token.map(|token| Sensitive::new(token.into_secret())),
            expires_in: tokens.expires_in,
            scope: tokens.scopes.map(|scopes| scopes.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" ")),
            extras: tokens.extras,
        }
    }
}

impl<X: Extras> Tokens<X> {
    /// Reads a token response: a JSON object with a non-empty `access_token`, `token_type` Bearer (any case), and,
    /// when present, a bounded `expires_in`, a non-empty `refresh_token` and a text `scope`; then the party's extras.
    fn read(body: Value) -> std::result::Result<Self, String> {
        let Value::Object(mut members) = body else { return Err("a token response that is not a JSON object".into()) };
        let access_token = token(&mut members, "access_token")?.ok_or("a token response without access_token")?;
        let token_type = match members.remove("token_type") {
            Some(Value::String(kind)) if kind.eq_ignore_ascii_case("bearer") => BasicTokenType::Bearer,
            _ => return Err("token_type is not Bearer".into()),
        };
        let expires_in = expires_in(members.get("expires_in"))?;
        let refresh_token = token(&mut members, "refresh_token")?;
        let scopes = match members.remove("scope") {
            None | Some(Value::Null) => None,
            Some(Value::String(scope)) => {
                Some(scope.split_whitespace().map(|s| oauth2::Scope::new(s.into())).collect())
            }
            Some(_) => return Err("scope is not text".into()),
        };
        Ok(Tokens {
            access_token: oauth2::AccessToken::new(access_token),
            token_type,
            refresh_token: refresh_token.map(oauth2::RefreshToken::new),
            expires_in,
            scopes,
            extras: X::read(&mut members)?,
        })
    }
}

/// Takes a token member: absent (or `null`) is none; otherwise it must be non-empty text.
fn token(members: &mut Map<String, Value>, name: &str) -> std::result::Result<Option<String>, String> {
    match members.remove(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(token)) if !token.is_empty() => Ok(Some(token)),
        Some(_) => Err(format!("{name} is not a token")),
    }
}

/// Reads `expires_in` (RFC 6749 §5.1): absent (or `null`) is none; otherwise a whole number of seconds from 0 to
/// [`MAX_EXPIRES_IN`]. Anything else — a string, a fraction, a negative or overflowing number — is refused.
pub fn expires_in(value: Option<&Value>) -> std::result::Result<Option<i64>, String> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(value) => value
            .as_i64()
            .filter(|seconds| (0..=MAX_EXPIRES_IN).contains(seconds))
            .map(Some)
            .ok_or_else(|| format!("expires_in is not a number of seconds from 0 to {MAX_EXPIRES_IN}")),
    }
}

/// Reads a token response body into [`Issued`]: a JSON object with a non-empty `access_token`, `token_type` Bearer
/// (any case), and, when present, a bounded `expires_in`, a non-empty `refresh_token` and a text `scope`; then the
/// party's [`Extras`]. An error names what is wrong, never a value.
pub fn read_issued<X: Extras>(body: Value) -> std::result::Result<Issued<X>, String> {
    Tokens::read(body).map(Issued::from)
}

impl<'de, X: Extras> Deserialize<'de> for Tokens<X> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        Self::read(Value::deserialize(deserializer)?).map_err(serde::de::Error::custom)
    }
}

/// The `oauth2` crate wants token responses serializable; these hold secrets, so they refuse.
impl<X> Serialize for Tokens<X> {
    fn serialize<S: Serializer>(&self, _: S) -> std::result::Result<S::Ok, S::Error> {
        Err(serde::ser::Error::custom("a token response holds secrets and is never serialized"))
    }
}

impl<X> std::fmt::Debug for Tokens<X> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Tokens(<redacted>)")
    }
}

impl<X: Extras> oauth2::TokenResponse for Tokens<X> {
    type TokenType = BasicTokenType;

    fn access_token(&self) -> &oauth2::AccessToken {
        &self.access_token
    }

    fn token_type(&self) -> &BasicTokenType {
        &self.token_type
    }

    fn expires_in(&self) -> Option<std::time::Duration> {
        self.expires_in.and_then(|seconds| u64::try_from(seconds).ok()).map(std::time::Duration::from_secs)
    }

    fn refresh_token(&self) -> Option<&oauth2::RefreshToken> {
        self.refresh_token.as_ref()
    }

    fn scopes(&self) -> Option<&Vec<oauth2::Scope>> {
        self.scopes.as_ref()
    }
}

/// The `oauth2` client Tessera uses at one token endpoint: its own error and token-response types, client
/// authentication in the request body (the client assertion is added to each request).
type Client<X> = oauth2::Client<
    Refusal,
    Tokens<X>,
    BasicTokenIntrospectionResponse,
    StandardRevocableToken,
    BasicRevocationErrorResponse,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointSet,
>;

/// The party's code for an answer that is not what was asked for (`hospital.invalid_response`, `broker.invalid`).
pub(crate) fn unreadable(party: Party, reason: impl Into<String>) -> Error {
    let code = match party {
        Party::Hospital => ErrorCode::HospitalInvalidResponse,
        Party::Broker => ErrorCode::BrokerInvalid,
    };
    Error::new(code).with_detail(reason.into())
}

/// Sends `grant` to the token endpoint `token_url` of `party`, authenticated as `auth`. A transport failure or an
/// answer that is neither tokens nor an error answer is a coded error; an error answer is [`Answer::Refused`].
pub async fn request<X: Extras>(
    http: &Http,
    party: Party,
    token_url: &str,
    auth: &ClientAuth<'_>,
    grant: &Grant,
) -> Result<Answer<X>> {
    let endpoint = oauth2::TokenUrl::new(token_url.to_string()).map_err(|e| unreadable(party, e.to_string()))?;
    let client: Client<X> = oauth2::Client::new(oauth2::ClientId::new(auth.client_id().to_string()))
        .set_auth_type(oauth2::AuthType::RequestBody)
        .set_token_uri(endpoint);
    let outcome =
        http.retrying(Retry::OnlyIfUnprocessed, || attempt(http, party, &client, token_url, auth, grant)).await?;
    match outcome {
        Outcome::Answer(tokens) => Ok(Answer::Issued(tokens.into())),
        Outcome::Refused(refusal) => Ok(Answer::Refused(refusal)),
        Outcome::Unreadable(reason) => Err(unreadable(party, format!("token endpoint: {reason}"))),
    }
}

/// One attempt of [`request`], with a fresh client assertion.
async fn attempt<X: Extras>(
    http: &Http,
    party: Party,
    client: &Client<X>,
    token_url: &str,
    auth: &ClientAuth<'_>,
    grant: &Grant,
) -> std::result::Result<Outcome<Tokens<X>>, Failed> {
    let assertion = auth.assertion_if_any(token_url).map_err(Failed::fatal)?;
    // A public client (a client id configured for a patient portal) sends its client id alone.
    let client_auth: Vec<(&str, &str)> = match &assertion {
        Some(assertion) => {
            vec![("client_assertion_type", JWT_BEARER), ("client_assertion", assertion.expose().as_str())]
        }
        None => Vec::new(),
    };
    let send = transport::Client::new(http, party);
    let result = match grant {
        Grant::AuthorizationCode { code, redirect_uri, verifier } => {
            let redirect = oauth2::RedirectUrl::new(redirect_uri.clone())
                .map_err(|e| Failed::fatal(unreadable(party, format!("redirect URI: {e}"))))?;
            // `oauth2` takes the code and verifier as its own secret types (redacted, not zeroed), for this request.
            let mut request = client
                .exchange_code(oauth2::AuthorizationCode::new(code.expose().clone()))
                .set_pkce_verifier(oauth2::PkceCodeVerifier::new(verifier.expose().clone()))
                .set_redirect_uri(Cow::Owned(redirect));
            for (name, value) in &client_auth {
                request = request.add_extra_param(*name, *value);
            }
            request.request_async(&send).await
        }
        Grant::RefreshToken(token) => {
            let refresh = oauth2::RefreshToken::new(token.expose().clone());
            let mut request = client.exchange_refresh_token(&refresh);
            for (name, value) in &client_auth {
                request = request.add_extra_param(*name, *value);
            }
            let result = request.request_async(&send).await;
            refresh.into_secret().zeroize();
            result
        }
        Grant::TokenExchange { subject_token, subject_token_type, scope } => {
            let mut fields = vec![
                ("grant_type", TOKEN_EXCHANGE),
                ("subject_token", subject_token.expose().as_str()),
                ("subject_token_type", subject_token_type.as_str()),
            ];
            fields.extend(scope.as_deref().map(|scope| ("scope", scope)));
            fields.extend(transport::client_fields(auth, assertion.as_ref()));
            let request = transport::form_post(token_url, &fields).map_err(|e| Failed::fatal(unreadable(party, e)))?;
            return Ok(transport::read(&send.send(request).await?));
        }
    };
    transport::settle(result, send.status())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn expires_in_is_a_bounded_whole_number_of_seconds() {
        assert_eq!(expires_in(None), Ok(None));
        assert_eq!(expires_in(Some(&Value::Null)), Ok(None));
        assert_eq!(expires_in(Some(&json!(300))), Ok(Some(300)));
        for bad in [json!("300"), json!(-1), json!(1.5), json!(1e300), json!(u64::MAX), json!(i64::MAX), json!(true)] {
            assert!(expires_in(Some(&bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn token_responses_need_a_bearer_token_and_typed_members() {
        let base = json!({"access_token": "a", "token_type": "bearer", "expires_in": 60, "scope": "x  y",
            "refresh_token": "r"});
        let issued = read_issued::<()>(base.clone()).unwrap();
        assert_eq!(issued.access_token.expose(), "a");
        assert_eq!(issued.refresh_token.map(|r| r.expose().clone()).as_deref(), Some("r"));
        assert_eq!((issued.expires_in, issued.scope.as_deref()), (Some(60), Some("x y")));
        for (name, value) in [
            ("access_token", json!("")),
            ("access_token", Value::Null),
            ("access_token", json!(5)),
            ("token_type", json!("DPoP")),
            ("token_type", Value::Null),
            ("expires_in", json!("60")),
            ("refresh_token", json!("")),
            ("refresh_token", json!(7)),
            ("scope", json!(["x"])),
        ] {
            let mut body = base.clone();
            body[name] = value;
            let refused = read_issued::<()>(body).err().unwrap();
            assert!(refused.contains(name) || refused.contains("access_token"), "{name}: {refused}");
        }
        assert!(read_issued::<()>(json!([base])).is_err());
    }

    #[test]
    fn grants_print_without_their_secrets() {
        let grant = Grant::TokenExchange {
            subject_token: Sensitive::new("eyJ.secret.sig".into()),
            subject_token_type: "t".into(),
            scope: Some("patient/*.rs".into()),
        };
        assert!(!format!("{grant:?}").contains("secret"));
        assert_eq!(grant.scope(), Some("patient/*.rs"));
        assert_eq!(grant.without_scope().scope(), None);
        assert_eq!(Grant::RefreshToken(Sensitive::new("r".into())).grant_type(), "refresh_token");
    }
}
