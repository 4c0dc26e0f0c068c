//! Sign-in with a trust broker (Permission Tickets Proposal 003): discovery, RFC 7591 registration with the
//! install's key, authorization code + PKCE S256 with `state` and `aud`, a single-use loopback redirect listener,
//! the RFC 9207 `iss` check, and the code exchange whose answer carries tickets and endpoint hints.

use crate::http::{Http, Party};
use crate::identity::{ClientAuth, Identity};
use crate::{Error, ErrorCode, Random, Result, Sensitive};
use serde_json::{json, Value};
use std::time::Duration;
use tokio::net::TcpListener;

/// The scopes Tessera asks the broker for: tickets, identity, re-minting, and every record type.
pub const LOGIN_SCOPE: &str = "permission_ticket openid fhirUser offline_access patient/*.rs";
/// How long the loopback listener waits for the browser.
pub const SIGN_IN_TIMEOUT: Duration = Duration::from_secs(300);

/// Opens a URL in the person's browser; returns a reason when it could not.
pub type UrlOpener = std::sync::Arc<dyn Fn(&str) -> std::result::Result<(), String> + Send + Sync>;

/// How the authorization URL is opened.
#[derive(Clone)]
pub enum Browser {
    /// The desktop's default browser (the `open` crate: `xdg-open` and its kin on Linux, `open` on macOS, the shell on
    /// Windows).
    System,
    /// A command run with the URL as its last argument (`--browser CMD`).
    Command(String),
    /// Follow the URL and its redirects with an HTTP client (headless runs against an auto-approving broker).
    Fetch,
    /// A front end's own way of opening the default browser (the desktop app's opener plugin).
    Open(UrlOpener),
}

impl std::fmt::Debug for Browser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Browser::System => f.write_str("System"),
            Browser::Command(command) => f.debug_tuple("Command").field(command).finish(),
            Browser::Fetch => f.write_str("Fetch"),
            Browser::Open(_) => f.write_str("Open"),
        }
    }
}

impl Browser {
    /// Opens `url`; a browser that cannot be started is `browser.unavailable` (naming the page's host).
    pub(crate) async fn open(&self, url: &str) -> Result<()> {
        let host = crate::wallet::host_of(url);
        let failed = |detail: String| {
            Error::new(ErrorCode::BrowserUnavailable)
                .with_message(format!("Tessera could not open a web browser to show the page of {host}."))
                .with_detail(detail)
        };
        match self {
            Browser::Open(open) => open(url).map_err(failed),
            Browser::Fetch => {
                // Like a browser, it keeps the cookies the pages set: an authorization server keeps its place in
                // the sign-in (login, then consent) in cookies across its redirects.
                let client = reqwest::Client::builder()
                    .timeout(Duration::from_secs(30))
                    .cookie_store(true)
                    .build()
                    .map_err(|e| failed(e.to_string()))?;
                let answer = client.get(url).send().await.map_err(|e| failed(e.without_url().to_string()))?;
                // Nobody is there to finish a page: ending anywhere but back at Tessera's loopback redirect (an
                // error page, a form) fails the sign-in now rather than after the whole sign-in timeout.
                let end = answer.url();
                let returned =
                    end.scheme() == "http" && end.host_str() == Some("127.0.0.1") && end.path() == "/callback";
                if !returned || !answer.status().is_success() {
                    return Err(failed(format!(
                        "the page ended at {} with HTTP {}",
                        crate::wallet::host_of(end.as_str()),
                        answer.status().as_u16()
                    ))
                    .with_message(format!("The sign-in page of {host} did not return to Tessera without a person.")));
                }
                Ok(())
            }
            Browser::System => open::that_detached(url).map_err(|e| failed(e.to_string())),
            Browser::Command(command) => {
                let words =
                    split_command(command).ok_or_else(|| failed("unbalanced quotes in the browser command".into()))?;
                let (program, args) = words.split_first().ok_or_else(|| failed("empty browser command".into()))?;
                tokio::process::Command::new(program)
                    .args(args)
                    .arg(url)
                    .stdout(std::process::Stdio::null())
                    .stderr(std::process::Stdio::null())
                    .spawn()
                    .map_err(|e| failed(format!("{program}: {e}")))?;
                Ok(())
            }
        }
    }
}

/// Splits a command line into words the way a POSIX shell does for plain words, 'single' and "double" quotes and
/// backslash escapes (no variables, no globbing). `None` when a quote is left open.
pub fn split_command(text: &str) -> Option<Vec<String>> {
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                let current = word.get_or_insert_with(String::new);
                loop {
                    match chars.next()? {
                        '\'' => break,
                        other => current.push(other),
                    }
                }
            }
            '"' => {
                let current = word.get_or_insert_with(String::new);
                loop {
                    match chars.next()? {
                        '"' => break,
                        '\\' => current.push(chars.next()?),
                        other => current.push(other),
                    }
                }
            }
            '\\' => word.get_or_insert_with(String::new).push(chars.next()?),
            c if c.is_whitespace() => words.extend(word.take()),
            c => word.get_or_insert_with(String::new).push(c),
        }
    }
    words.extend(word);
    Some(words)
}

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

/// Normalises a base URL: no trailing slash, no query or fragment.
pub fn normalise_base(url: &str) -> Result<String> {
    let mut parsed = url::Url::parse(url.trim()).map_err(|e| {
        Error::new(ErrorCode::InvalidInput).with_message("That is not a web address.").with_detail(e.to_string())
    })?;
    let loopback = match parsed.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        None => false,
    };
    // Tickets carry the patient's name and birth date: nothing travels in clear text except on this computer.
    if parsed.scheme() != "https" && !(parsed.scheme() == "http" && loopback) {
        return Err(Error::new(ErrorCode::InvalidInput)
            .with_message("Only secure (https) addresses are accepted.")
            .with_action("Check the address; it should start with https://."));
    }
    parsed.set_query(None);
    parsed.set_fragment(None);
    Ok(parsed.as_str().trim_end_matches('/').to_string())
}

/// Whether `url` is on the same origin as `base`.
pub fn same_origin(base: &str, url: &str) -> bool {
    match (url::Url::parse(base), url::Url::parse(url)) {
        (Ok(a), Ok(b)) => a.origin() == b.origin(),
        _ => false,
    }
}

/// Reads and checks the broker's SMART configuration.
pub async fn discover(http: &Http, broker_url: &str) -> Result<BrokerEndpoints> {
    let base = normalise_base(broker_url)?;
    let answer = http.get(Party::Broker, &format!("{base}/.well-known/smart-configuration"), None).await?;
    let config = answer.json;
    if answer.status != 200 || !config.is_object() {
        return Err(invalid(format!("smart-configuration answered HTTP {}", answer.status)));
    }
    let text = |name: &str| config.get(name).and_then(Value::as_str).map(String::from);
    let endpoint = |name: &str| -> Result<String> {
        let url = text(name).ok_or_else(|| invalid(format!("{name} missing")))?;
        if !same_origin(&base, &url) {
            return Err(invalid(format!("{name} points at another origin")));
        }
        Ok(url)
    };
    let issuer = match config.get("issuer") {
        None | Some(Value::Null) => base.clone(),
        Some(Value::String(issuer)) => issuer.clone(),
        Some(_) => return Err(invalid("issuer is not text")),
    };
    if issuer.trim_end_matches('/') != base {
        return Err(invalid("issuer differs from the broker address"));
    }
    let lists = |name: &str, item: &str| {
        config.get(name).and_then(Value::as_array).is_some_and(|a| a.iter().any(|v| v == item))
    };
    if !lists("code_challenge_methods_supported", "S256") {
        return Err(invalid("S256 PKCE not supported"));
    }
    if !lists("capabilities", "permission-ticket-issuance") {
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
        iss_required: config.get("authorization_response_iss_parameter_supported") == Some(&Value::Bool(true)),
        issuer: base,
    })
}

/// The client metadata Tessera registers (RFC 7591) at `party`: a native app (RFC 8252: its loopback redirect
/// may take any port) authenticating with the install's key, asking only for the grants it uses there — a broker
/// is never asked for token exchange, which a server that does not offer it refuses to register.
pub fn client_metadata(identity: &Identity, party: Party) -> Value {
    let grant_types: &[&str] = match party {
        Party::Broker => &["authorization_code", "refresh_token"],
        Party::Hospital => &["authorization_code", "refresh_token", "urn:ietf:params:oauth:grant-type:token-exchange"],
    };
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

/// RFC 7591 registration of the install's key, with the loopback redirect. Returns the client id.
pub async fn register(http: &Http, endpoint: &str, identity: &Identity, party: Party) -> Result<String> {
    let answer = http.post_json(party, endpoint, &client_metadata(identity, party)).await?;
    let client_id =
        answer.json.get("client_id").and_then(Value::as_str).filter(|_| (200..300).contains(&answer.status));
    client_id.map(String::from).ok_or_else(|| {
        let code = if party == Party::Broker { ErrorCode::BrokerInvalid } else { ErrorCode::HospitalClientRejected };
        // RFC 7591 §3.2.2: the error code says what was refused (`invalid_redirect_uri`, `invalid_client_metadata`).
        let error: String = answer.json.get("error").and_then(Value::as_str).unwrap_or("").chars().take(64).collect();
        Error::new(code)
            .with_detail(format!("registration answered HTTP {} {error}", answer.status).trim_end().to_string())
    })
}

/// The authorization URL (RFC 6749 §4.1.1 with PKCE S256, built by the `oauth2` crate) for one attempt, with
/// `state` and the PKCE verifier drawn from `random`. Returns the URL and the verifier.
fn authorization_url(
    endpoint: &str,
    client_id: &str,
    redirect_uri: &str,
    scope: &str,
    state: &str,
    extra: &[(&str, &str)],
    random: &dyn Random,
) -> Result<(url::Url, oauth2::PkceCodeVerifier)> {
    let client = oauth2::basic::BasicClient::new(oauth2::ClientId::new(client_id.to_string()))
        .set_auth_uri(oauth2::AuthUrl::new(endpoint.to_string()).map_err(|e| invalid(e.to_string()))?)
        .set_redirect_uri(oauth2::RedirectUrl::new(redirect_uri.to_string()).map_err(|e| invalid(e.to_string()))?);
    let verifier = oauth2::PkceCodeVerifier::new(random.token(32));
    let mut request = client
        .authorize_url(|| oauth2::CsrfToken::new(state.to_string()))
        .set_pkce_challenge(oauth2::PkceCodeChallenge::from_code_verifier_sha256(&verifier))
        .add_scopes(scope.split_whitespace().map(|s| oauth2::Scope::new(s.to_string())));
    for (name, value) in extra {
        request = request.add_extra_param(*name, *value);
    }
    Ok((request.url().0, verifier))
}

/// Who answered an authorization request, and how sure Tessera can be (mix-up defence).
#[derive(Debug, Clone, Copy)]
pub struct AuthorizationServer<'a> {
    /// Its issuer identifier.
    pub issuer: &'a str,
    /// It advertises RFC 9207 (`authorization_response_iss_parameter_supported`): the response must carry `iss`.
    /// Without it, the server is identified by the redirect itself: every request gets its own one-time loopback
    /// port and a fresh `state`, so an answer can only reach the request it belongs to.
    pub iss_required: bool,
}

/// Checks the parameters of the redirect that came back: `state` must be this request's (exactly once), `iss`
/// (when present, and always when the server promises it) must be the server's, an `error` is a refusal, and none of
/// `code`, `iss` and `error` may appear twice (RFC 6749 §3.1: which one counts could not be known). Returns the code.
pub fn check_redirect(params: &[(String, String)], state: &str, server: AuthorizationServer<'_>) -> Result<String> {
    let param = |name: &str| params.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    let count = |name: &str| params.iter().filter(|(k, _)| k == name).count();
    if param("state") != Some(state) || count("state") != 1 {
        return Err(Error::new(ErrorCode::SigninStateMismatch));
    }
    if ["code", "iss", "error"].iter().any(|name| count(name) > 1) {
        return Err(invalid("a redirect parameter appears twice"));
    }
    match param("iss") {
        Some(iss) if iss.trim_end_matches('/') != server.issuer.trim_end_matches('/') => {
            return Err(Error::new(ErrorCode::SigninIssuerMismatch));
        }
        None if server.iss_required => {
            return Err(Error::new(ErrorCode::SigninIssuerMismatch).with_detail("RFC 9207 iss missing"));
        }
        _ => {}
    }
    if let Some(error) = param("error") {
        return Err(Error::new(ErrorCode::BrokerDenied).with_detail(error.chars().take(64).collect::<String>()));
    }
    param("code").filter(|c| !c.is_empty()).map(String::from).ok_or_else(|| invalid("redirect without code"))
}

/// One authorization-code round trip through the system browser and a loopback listener. Returns the form of the
/// `authorization_code` token request (code, redirect URI, PKCE verifier) — secrets, to be sent once and dropped.
#[allow(clippy::too_many_arguments)]
pub async fn authorize(
    authorize_url: &str,
    server: AuthorizationServer<'_>,
    client_id: &str,
    scope: &str,
    aud: &str,
    extra: &[(&str, &str)],
    browser: &Browser,
    random: &dyn Random,
) -> Result<Vec<(String, String)>> {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| Error::new(ErrorCode::Internal).with_detail(e.to_string()))?;
    let port = listener.local_addr().map_err(|e| Error::new(ErrorCode::Internal).with_detail(e.to_string()))?.port();
    let redirect_uri = format!("http://127.0.0.1:{port}/callback");
    let state = random.token(32);
    let mut params = vec![("aud", aud)];
    params.extend_from_slice(extra);
    let (url, verifier) = authorization_url(authorize_url, client_id, &redirect_uri, scope, &state, &params, random)?;
    // Dropping this sign-in (the person cancelled) stops the listener too.
    let expected = state.clone();
    let mut wait = AbortOnDrop(tokio::spawn(async move {
        tokio::time::timeout(SIGN_IN_TIMEOUT, accept_redirect(listener, expected)).await
    }));
    browser.open(url.as_str()).await?;
    let params = (&mut wait.0)
        .await
        .map_err(|e| Error::new(ErrorCode::Internal).with_detail(e.to_string()))?
        .map_err(|_| Error::new(ErrorCode::SigninTimeout))??;
    let code = check_redirect(&params, &state, server)?;
    Ok(vec![
        ("grant_type".into(), "authorization_code".into()),
        ("code".into(), code),
        ("redirect_uri".into(), redirect_uri),
        ("code_verifier".into(), verifier.into_secret()),
    ])
}

/// A spawned task that is stopped when its handle is dropped.
struct AbortOnDrop<T>(tokio::task::JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// The longest redirect query accepted (a real one is a few hundred bytes).
pub const MAX_REDIRECT_QUERY: usize = 4096;

/// Serves the loopback redirect on a real HTTP server: many connections at once (an idle or slow one delays
/// nobody), only `GET /callback`. A request whose `state` is not this sign-in's — a local process or a web page
/// probing loopback ports — gets a neutral page and the sign-in keeps waiting; the first one with the right
/// `state` is answered "you can close this tab", its query parameters returned, and the server closes.
async fn accept_redirect(listener: TcpListener, state: String) -> Result<Vec<(String, String)>> {
    type Answer = std::sync::Mutex<Option<tokio::sync::oneshot::Sender<Vec<(String, String)>>>>;
    let (answered, answer) = tokio::sync::oneshot::channel();
    let slot: std::sync::Arc<Answer> = std::sync::Arc::new(std::sync::Mutex::new(Some(answered)));
    let callback = {
        let slot = slot.clone();
        move |axum::extract::RawQuery(query): axum::extract::RawQuery| {
            let slot = slot.clone();
            let state = state.clone();
            async move {
                let Ok(params) = redirect_params(&query.unwrap_or_default(), &state) else {
                    return (axum::http::StatusCode::BAD_REQUEST, axum::response::Html(NOT_OURS_PAGE));
                };
                if let Some(answered) = slot.lock().unwrap_or_else(|p| p.into_inner()).take() {
                    let _ = answered.send(params);
                }
                (axum::http::StatusCode::OK, axum::response::Html(CLOSE_TAB_PAGE))
            }
        }
    };
    let app = axum::Router::new().route("/callback", axum::routing::get(callback));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = stopped.await;
            })
            .await
    });
    let _server = AbortOnDrop(server);
    let params = answer.await.map_err(|_| Error::new(ErrorCode::Internal).with_detail("redirect listener stopped"))?;
    // Give the browser its page before closing.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let _ = stop.send(());
    Ok(params)
}

/// Reads a request to the loopback redirect listener: its query parameters when it is this sign-in's answer — at most
/// [`MAX_REDIRECT_QUERY`] bytes with exactly one `state`, equal to `state` —, else `signin.state_mismatch`: the
/// listener answers such a request with a neutral page and keeps waiting for the real one.
pub fn redirect_params(query: &str, state: &str) -> Result<Vec<(String, String)>> {
    let params: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes()).into_owned().collect();
    let mut states = params.iter().filter(|(k, _)| k == "state");
    let ours =
        query.len() <= MAX_REDIRECT_QUERY && states.next().is_some_and(|(_, v)| v == state) && states.next().is_none();
    if ours {
        Ok(params)
    } else {
        Err(Error::new(ErrorCode::SigninStateMismatch).with_detail("not this sign-in's redirect"))
    }
}

const CLOSE_TAB_PAGE: &str = "<!doctype html><html lang=en><head><meta charset=utf-8><title>Tessera</title></head><body style=\"font-family:sans-serif;text-align:center;margin-top:20vh\"><h1>You can close this tab</h1><p>Tessera received the answer and is back in charge.</p></body></html>";
const NOT_OURS_PAGE: &str = "<!doctype html><html lang=en><head><meta charset=utf-8><title>Tessera</title></head><body style=\"font-family:sans-serif;text-align:center;margin-top:20vh\"><h1>Nothing to do here</h1><p>This address is not waiting for this page.</p></body></html>";

/// Exchanges the code (or a refresh token) at the broker's token endpoint and reads the ticket answer.
pub async fn token_request(
    http: &Http,
    token_url: &str,
    auth: &ClientAuth<'_>,
    grant: &[(String, String)],
) -> Result<SignIn> {
    let answer = http.post_form(Party::Broker, token_url, || auth.form(token_url, grant)).await?;
    let body = answer.json;
    if answer.status != 200 {
        let error = body.get("error").and_then(Value::as_str).unwrap_or("unknown");
        let code = if error == "invalid_grant" { ErrorCode::BrokerDenied } else { ErrorCode::BrokerInvalid };
        return Err(Error::new(code).with_detail(format!("token endpoint: HTTP {} {error}", answer.status)));
    }
    let access_token = body
        .get("access_token")
        .and_then(Value::as_str)
        .filter(|token| !token.is_empty())
        .ok_or_else(|| invalid("token response without access_token"))?;
    let tickets = match body.get("smart_permission_ticket") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|t| t.as_str().map(|s| Sensitive::new(s.to_string())).ok_or_else(|| invalid("ticket is not a string")))
            .collect::<Result<_>>()?,
        Some(_) => return Err(invalid("smart_permission_ticket is not an array")),
    };
    Ok(SignIn {
        access_token: Sensitive::new(access_token.to_string()),
        expires_in: crate::http::expires_in(&body, 3600).map_err(invalid)?,
        refresh_token: match body.get("refresh_token") {
            None | Some(Value::Null) => None,
            Some(Value::String(token)) if !token.is_empty() => Some(Sensitive::new(token.clone())),
            Some(_) => return Err(invalid("refresh_token is not a token")),
        },
        tickets,
        hints: body.get("smart_permission_ticket_endpoints").and_then(Value::as_array).cloned().unwrap_or_default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha2::{Digest, Sha256};

    #[test]
    fn browser_commands_are_split_like_a_shell_would() {
        let words = |t: &str| split_command(t).unwrap();
        assert_eq!(words("firefox --new-window"), ["firefox", "--new-window"]);
        assert_eq!(words("'/opt/My Browser/run' -p \"work profile\""), ["/opt/My Browser/run", "-p", "work profile"]);
        assert_eq!(words(r"/opt/My\ Browser/run  a''b"), ["/opt/My Browser/run", "ab"]);
        assert_eq!(words(r#""say \"hi\"""#), [r#"say "hi""#]);
        assert!(words("   ").is_empty());
        assert_eq!(split_command("'open"), None);
        assert_eq!(split_command("\"open"), None);
    }

    #[test]
    fn registration_asks_for_a_native_app_and_only_the_grants_used_there() {
        let identity = Identity::from_key(tessera_jose::SigningKey::generate().unwrap());
        let broker = client_metadata(&identity, Party::Broker);
        assert_eq!(broker["application_type"], "native");
        assert_eq!(broker["grant_types"], json!(["authorization_code", "refresh_token"]));
        assert_eq!(broker["jwks"]["keys"][0], *identity.public_jwk());
        let hospital = client_metadata(&identity, Party::Hospital);
        let exchange = json!("urn:ietf:params:oauth:grant-type:token-exchange");
        assert!(hospital["grant_types"].as_array().unwrap().contains(&exchange));
        assert_eq!(hospital["application_type"], "native");
    }

    #[test]
    fn the_authorization_url_carries_pkce_s256_state_aud_and_scopes() {
        let random = crate::SeededRandom::new(3);
        let (url, verifier) = authorization_url(
            "http://127.0.0.1:9/authorize",
            "c1",
            "http://127.0.0.1:5/callback",
            "permission_ticket openid",
            "st",
            &[("aud", "http://127.0.0.1:9")],
            &random,
        )
        .unwrap();
        let query: std::collections::HashMap<String, String> = url.query_pairs().into_owned().collect();
        assert_eq!(query["response_type"], "code");
        assert_eq!(query["state"], "st");
        assert_eq!(query["aud"], "http://127.0.0.1:9");
        assert_eq!(query["scope"], "permission_ticket openid");
        assert_eq!(query["code_challenge_method"], "S256");
        assert_eq!(query["code_challenge"], tessera_jose::b64url(&Sha256::digest(verifier.secret().as_bytes())));
        assert_eq!(verifier.secret().len(), 43);
    }

    /// The browser a hostile computer would give: before the real redirect arrives, an idle connection sits open and
    /// other local processes probe the listener (wrong or no or two `state`s, a huge query, other methods and paths).
    #[tokio::test]
    async fn probes_of_the_redirect_listener_are_ignored_and_the_real_answer_gets_through() {
        let (report, probes) = tokio::sync::mpsc::unbounded_channel::<(String, u16)>();
        let browser = Browser::Open(std::sync::Arc::new(move |url: &str| {
            let query: std::collections::HashMap<String, String> =
                url::Url::parse(url).unwrap().query_pairs().into_owned().collect();
            let (redirect, state, report) = (query["redirect_uri"].clone(), query["state"].clone(), report.clone());
            tokio::spawn(async move {
                let host = url::Url::parse(&redirect).unwrap();
                let idle = tokio::net::TcpStream::connect((host.host_str().unwrap(), host.port().unwrap())).await;
                let http = reqwest::Client::new();
                let huge = "a".repeat(MAX_REDIRECT_QUERY);
                for probe in [
                    format!("{redirect}?state=wrong&code=x"),
                    format!("{redirect}?code=x"),
                    format!("{redirect}?state={state}&state=other&code=y"),
                    format!("{redirect}?state={state}&code={huge}"),
                    redirect.replace("/callback", "/other"),
                ] {
                    let status = http.get(&probe).send().await.map(|r| r.status().as_u16()).unwrap_or(0);
                    let _ = report.send((probe.chars().take(60).collect(), status));
                }
                let posted = http.post(format!("{redirect}?state={state}&code=z")).send().await.unwrap();
                let _ = report.send(("POST".into(), posted.status().as_u16()));
                let answer =
                    http.get(format!("{redirect}?state={state}&code=good&iss=http://127.0.0.1:9")).send().await;
                let page = answer.unwrap().text().await.unwrap();
                let _ = report.send((page, 200));
                drop(idle);
            });
            Ok(())
        }));
        let server = AuthorizationServer { issuer: "http://127.0.0.1:9", iss_required: true };
        let random = crate::SeededRandom::new(7);
        let form = authorize("http://127.0.0.1:9/authorize", server, "c1", "openid", "aud", &[], &browser, &random)
            .await
            .unwrap();
        assert!(form.contains(&("code".to_string(), "good".to_string())), "the real answer got through");
        drop(browser);
        let mut probes = probes;
        let mut seen = Vec::new();
        while let Some(probe) = probes.recv().await {
            seen.push(probe);
        }
        let statuses: Vec<u16> = seen.iter().map(|(_, status)| *status).collect();
        assert_eq!(statuses, [400, 400, 400, 400, 404, 405, 200], "{seen:?}");
        assert!(seen.last().unwrap().0.contains("You can close this tab"));
    }

    #[test]
    fn the_redirect_must_carry_this_requests_state_and_the_servers_iss() {
        let server = AuthorizationServer { issuer: "https://b.example", iss_required: true };
        let lenient = AuthorizationServer { iss_required: false, ..server };
        let with = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
            pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
        };
        let good = with(&[("code", "c1"), ("state", "s1"), ("iss", "https://b.example/")]);
        assert_eq!(check_redirect(&good, "s1", server).unwrap(), "c1");
        let code = |p: &[(String, String)], server| check_redirect(p, "s1", server).unwrap_err().code();
        assert_eq!(
            code(&with(&[("code", "c1"), ("state", "s2"), ("iss", "https://b.example")]), server),
            ErrorCode::SigninStateMismatch
        );
        assert_eq!(code(&with(&[("code", "c1")]), server), ErrorCode::SigninStateMismatch);
        assert_eq!(
            code(&with(&[("code", "c1"), ("state", "s1"), ("iss", "https://evil.example")]), server),
            ErrorCode::SigninIssuerMismatch
        );
        // RFC 9207 promised: a missing iss is a mix-up risk, refused. Not promised: state and the port suffice.
        assert_eq!(code(&with(&[("code", "c1"), ("state", "s1")]), server), ErrorCode::SigninIssuerMismatch);
        assert_eq!(check_redirect(&with(&[("code", "c1"), ("state", "s1")]), "s1", lenient).unwrap(), "c1");
        assert_eq!(code(&with(&[("error", "access_denied"), ("state", "s1")]), lenient), ErrorCode::BrokerDenied);
        assert_eq!(code(&with(&[("state", "s1"), ("code", "")]), lenient), ErrorCode::BrokerInvalid);
        assert_eq!(code(&with(&[("state", "s1"), ("code", "a"), ("code", "b")]), lenient), ErrorCode::BrokerInvalid);
        assert_eq!(
            code(&with(&[("state", "s1"), ("state", "s1"), ("code", "a")]), lenient),
            ErrorCode::SigninStateMismatch
        );
    }

    #[test]
    fn bases_are_normalised_and_origins_compared() {
        assert_eq!(normalise_base("http://127.0.0.1:8080/?x=1#y").unwrap(), "http://127.0.0.1:8080");
        assert!(normalise_base("ftp://example.org").is_err());
        assert_eq!(normalise_base("https://broker.example.org/").unwrap(), "https://broker.example.org");
        for clear in ["http://broker.example.org", "http://10.0.0.5:8080", "http://127.0.0.1.example.org"] {
            assert_eq!(normalise_base(clear).unwrap_err().code(), ErrorCode::InvalidInput, "{clear}");
        }
        for local in ["http://127.0.0.1:9", "http://127.3.4.5", "http://[::1]:8080", "http://localhost:3000"] {
            assert!(normalise_base(local).is_ok(), "{local}");
        }
        assert!(same_origin("http://127.0.0.1:8080", "http://127.0.0.1:8080/token"));
        assert!(!same_origin("http://127.0.0.1:8080", "http://127.0.0.1:9090/token"));
    }
}
