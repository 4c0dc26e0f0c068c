//! HTTP for the wallet: every request has a timeout and a body-size limit, answers are read as JSON defensively,
//! and transient failures (timeouts, connection errors, 5xx, 429) are retried with backoff that honours
//! `Retry-After` — token requests only when they certainly did not reach the server. Only https addresses are
//! accepted, except loopback ([`normalise_base`]). Failures become coded errors naming the party (`hospital.*` or
//! `broker.*`) — never a panic, never a secret in the message. The OAuth client ([`crate::oauth`]) sends through
//! `Http::send_once` and `Http::retrying`.
//!
//! Which failures are retried depends on the request (`Retry`): GETs and RFC 7009 revocations are repeated after a
//! timeout, a connection error, a 5xx or a 429 (`Retry::Transient`); token requests — the code exchange, the
//! refresh with rotation, the RFC 8693 exchange — only when the server certainly did not act on them: no
//! connection, a 429, or a 503 with `Retry-After` (`Retry::OnlyIfUnprocessed`), because a reused code can make a
//! server revoke what it issued and a lost rotation reply would orphan a token. Backoff doubles per attempt with
//! jitter from the injected `Random`; a 429's `Retry-After` longer than the policy's cap fails at once instead of
//! waiting. Redirects are never followed. A body over the cap is `records.too_large` from a hospital and
//! `broker.invalid` from a broker. One idle connection is kept per host (`pool_max_idle_per_host(1)`), so a fan-out
//! to hundreds of hospitals does not keep their idle sockets. An `Answer`'s `Debug` prints no body. `same_origin`
//! is the second address rule, beside `normalise_base`.

use crate::{Error, ErrorCode, Random, Result};
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;

/// Which party a request goes to, for error codes and messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Party {
    /// The trust broker.
    Broker,
    /// A hospital.
    Hospital,
}

/// Limits and retry policy.
#[derive(Debug, Clone)]
pub struct HttpPolicy {
    /// Per-attempt timeout (connect + whole body).
    pub timeout: Duration,
    /// Largest body accepted.
    pub max_body: usize,
    /// Attempts for transient failures (1 = no retry).
    pub attempts: u32,
    /// First backoff; doubles each attempt, plus jitter.
    pub backoff: Duration,
    /// Longest `Retry-After` honoured; longer waits fail as busy instead.
    pub max_retry_after: Duration,
}

impl Default for HttpPolicy {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(10),
            max_body: 8 << 20,
            attempts: 3,
            backoff: Duration::from_millis(200),
            max_retry_after: Duration::from_secs(5),
        }
    }
}

/// An HTTP answer that arrived whole: status and parsed JSON (or `Null` when the body was not JSON). Its `Debug`
/// never prints the body, which may hold tokens or records.
pub struct Answer {
    /// HTTP status.
    pub status: u16,
    /// The body as JSON, `Value::Null` if it was not JSON.
    pub json: Value,
    /// Whether the body was JSON at all.
    pub is_json: bool,
    /// `Cache-Control: max-age` in seconds, when given (and not `no-store`/`no-cache`).
    pub max_age: Option<i64>,
    /// Whether the answer carried `Retry-After`.
    pub retry_after: bool,
}

impl std::fmt::Debug for Answer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Answer")
            .field("status", &self.status)
            .field("json", &"<redacted>")
            .field("is_json", &self.is_json)
            .field("max_age", &self.max_age)
            .finish()
    }
}

/// Reads `max-age` from a Cache-Control header value; `None` with `no-store` or `no-cache`.
pub fn max_age(cache_control: &str) -> Option<i64> {
    let directives: Vec<&str> = cache_control.split(',').map(str::trim).collect();
    if directives.iter().any(|d| d.eq_ignore_ascii_case("no-store") || d.eq_ignore_ascii_case("no-cache")) {
        return None;
    }
    directives.iter().find_map(|d| d.strip_prefix("max-age=")).and_then(|v| v.parse().ok()).filter(|v: &i64| *v >= 0)
}

/// Normalises a server's base URL: no trailing slash, no query or fragment. Only https is accepted, except on this
/// computer (loopback: the test network); anything else is `input.invalid`, before any request is made.
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

/// An address as a person types it: `broker.example.org` or `mercy.example/fhir` means https; anything with a scheme
/// is taken as written. Then [`normalise_base`].
pub fn typed_address(text: &str) -> Result<String> {
    let text = text.trim();
    if text.is_empty() {
        return Err(Error::new(ErrorCode::InvalidInput)
            .with_message("Type the address first.")
            .with_action("It looks like broker.example.org or https://hospital.example/fhir."));
    }
    if text.contains("://") {
        normalise_base(text)
    } else {
        normalise_base(&format!("https://{text}"))
    }
}

/// Whether `url` is on the same origin as `base`.
pub fn same_origin(base: &str, url: &str) -> bool {
    match (url::Url::parse(base), url::Url::parse(url)) {
        (Ok(a), Ok(b)) => a.origin() == b.origin(),
        _ => false,
    }
}

/// The wallet's HTTP client. Cheap to clone.
#[derive(Clone)]
pub struct Http {
    client: reqwest::Client,
    policy: HttpPolicy,
    random: Arc<dyn Random>,
}

impl Http {
    /// A client with `policy`; `random` drives backoff jitter.
    pub fn new(policy: HttpPolicy, random: Arc<dyn Random>) -> Result<Self> {
        let client = reqwest::Client::builder()
            .timeout(policy.timeout)
            .connect_timeout(policy.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("Tessera/", env!("CARGO_PKG_VERSION")))
            // A hospital's parallel searches open a few connections; once they are answered one stays open for the
            // next request there, the others close (500 hospitals' idle sockets and buffers are not kept).
            .pool_max_idle_per_host(1)
            .build()
            .map_err(|e| Error::new(ErrorCode::Internal).with_detail(e.to_string()))?;
        Ok(Self { client, policy, random })
    }

    /// The policy in force.
    pub fn policy(&self) -> &HttpPolicy {
        &self.policy
    }

    /// GET `url` (optionally with a bearer token), retrying transient failures.
    pub async fn get(&self, party: Party, url: &str, bearer: Option<&str>) -> Result<Answer> {
        self.get_with(party, url, bearer, None).await
    }

    /// GET like [`Http::get`], with one extra request header (e.g. `X-Client-JKT` on FHIR reads).
    pub async fn get_with(
        &self,
        party: Party,
        url: &str,
        bearer: Option<&str>,
        header: Option<(&str, &str)>,
    ) -> Result<Answer> {
        self.send(party, || {
            let mut request = self.client.get(url).header("Accept", "application/json");
            if let Some((name, value)) = header {
                request = request.header(name, value);
            }
            Ok(match bearer {
                Some(token) => request.bearer_auth(token),
                None => request,
            })
        })
        .await
    }

    /// POST with a bearer token and no body.
    pub async fn post_bearer(&self, party: Party, url: &str, bearer: &str) -> Result<Answer> {
        self.send(party, || Ok(self.client.post(url).bearer_auth(bearer))).await
    }

    /// POST JSON to `url`.
    pub async fn post_json(&self, party: Party, url: &str, body: &Value) -> Result<Answer> {
        self.send(party, || Ok(self.client.post(url).json(body))).await
    }

    /// Sends a request prepared elsewhere — by the `oauth2` crate, or in its shape by [`crate::oauth`] — exactly once
    /// under this client's rules (deadline, size cap, no redirects): the HTTP client `oauth2` is given. 429 and 5xx
    /// answers become a [`Failed`] saying whether the server may have acted; [`Http::retrying`] decides around it.
    pub(crate) async fn send_once(
        &self,
        party: Party,
        request: oauth2::HttpRequest,
    ) -> std::result::Result<oauth2::HttpResponse, Failed> {
        let request = reqwest::Request::try_from(request).map_err(|e| transport_error(party, e))?;
        let raw = self.once(party, request).await?;
        let mut response = oauth2::HttpResponse::new(raw.body);
        *response.status_mut() = raw.status;
        if let Some(content_type) = raw.content_type {
            response.headers_mut().insert(reqwest::header::CONTENT_TYPE, content_type);
        }
        Ok(response)
    }

    /// Runs `attempt` until it succeeds, or fails in a way `retry` does not repeat, or the policy's attempts are
    /// spent; waits between attempts with backoff (or the server's `Retry-After`, up to the policy's cap).
    pub(crate) async fn retrying<T, Attempt>(&self, retry: Retry, mut attempt: impl FnMut() -> Attempt) -> Result<T>
    where
        Attempt: std::future::Future<Output = std::result::Result<T, Failed>>,
    {
        let attempts = self.policy.attempts.max(1);
        let mut tried = 0;
        loop {
            let error = match attempt().await {
                Ok(value) => return Ok(value),
                Err(Failed { error, retry: Some(Sent::Unsent) }) => error,
                Err(Failed { error, retry: Some(Sent::Maybe) }) if retry == Retry::Transient => error,
                Err(Failed { error, .. }) => return Err(error),
            };
            if tried + 1 >= attempts {
                return Err(error);
            }
            self.wait(tried, &error).await?;
            tried += 1;
        }
    }

    async fn send(&self, party: Party, build: impl Fn() -> Result<reqwest::RequestBuilder>) -> Result<Answer> {
        let build = &build;
        self.retrying(Retry::Transient, || async move {
            let request = build().map_err(Failed::fatal)?.build().map_err(|e| transport_error(party, e))?;
            self.once(party, request).await.map(Raw::into_answer)
        })
        .await
    }

    async fn wait(&self, attempt: u32, last: &Error) -> Result<()> {
        let retry_after =
            last.detail().and_then(|d| d.strip_prefix("retry-after:")).and_then(|s| s.parse::<u64>().ok());
        let delay = match retry_after {
            Some(seconds) if Duration::from_secs(seconds) > self.policy.max_retry_after => {
                return Err(last.clone());
            }
            Some(seconds) => Duration::from_secs(seconds),
            None => {
                let base = self.policy.backoff * 2u32.pow(attempt);
                base + Duration::from_millis(self.random.below(base.as_millis() as u64 / 2 + 1))
            }
        };
        tokio::time::sleep(delay).await;
        Ok(())
    }

    /// One attempt. A failure says whether it is worth retrying, and whether the request may have been processed:
    /// 429 was not acted on, nor a 503 with `Retry-After`; any other 5xx may have been.
    async fn once(&self, party: Party, request: reqwest::Request) -> std::result::Result<Raw, Failed> {
        let mut response = self.client.execute(request).await.map_err(|e| transport_error(party, e))?;
        let status = response.status();
        let header = |name: &str| response.headers().get(name).cloned();
        let (retry_after, cache_control, content_type) =
            (header("retry-after"), header("cache-control"), header("content-type"));
        let retry_after = retry_after.and_then(|v| v.to_str().ok().map(str::to_string));
        if response.content_length().is_some_and(|len| len as usize > self.policy.max_body) {
            return Err(Failed::fatal(too_large(party, self.policy.max_body)));
        }
        let mut body = Vec::new();
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    body.extend_from_slice(&chunk);
                    if body.len() > self.policy.max_body {
                        return Err(Failed::fatal(too_large(party, self.policy.max_body)));
                    }
                }
                Ok(None) => break,
                Err(e) => return Err(transport_error(party, e)),
            }
        }
        if status.as_u16() == 429 {
            let seconds = retry_after.and_then(|v| v.trim().parse::<u64>().ok()).unwrap_or(1);
            let busy = code_for(party, ErrorCode::HospitalBusy).with_detail(format!("retry-after:{seconds}"));
            // 429: the server did not act on it.
            return Err(Failed { error: busy, retry: Some(Sent::Unsent) });
        }
        if status.is_server_error() {
            let error = code_for(party, ErrorCode::HospitalError).with_detail(format!("HTTP {}", status.as_u16()));
            let acted = if status.as_u16() == 503 && retry_after.is_some() { Sent::Unsent } else { Sent::Maybe };
            return Err(Failed { error, retry: Some(acted) });
        }
        let max_age = cache_control.as_ref().and_then(|v| v.to_str().ok()).and_then(max_age);
        Ok(Raw { status, content_type, max_age, retry_after: retry_after.is_some(), body })
    }
}

/// An answer as it arrived, before its body is read as anything.
struct Raw {
    status: reqwest::StatusCode,
    content_type: Option<reqwest::header::HeaderValue>,
    max_age: Option<i64>,
    retry_after: bool,
    body: Vec<u8>,
}

impl Raw {
    /// The body read as JSON (`Null` when it is not).
    fn into_answer(self) -> Answer {
        let parsed = serde_json::from_slice::<Value>(&self.body);
        let is_json = parsed.is_ok();
        Answer {
            status: self.status.as_u16(),
            json: parsed.unwrap_or(Value::Null),
            is_json,
            max_age: self.max_age,
            retry_after: self.retry_after,
        }
    }
}

/// A body over the size cap: `records.too_large` from a hospital; from the broker, whose answers are small, an
/// answer Tessera cannot trust (`broker.invalid`).
fn too_large(party: Party, max_body: usize) -> Error {
    let code = match party {
        Party::Hospital => ErrorCode::RecordsTooLarge,
        Party::Broker => ErrorCode::BrokerInvalid,
    };
    Error::new(code).with_detail(format!("answer larger than {max_body} bytes"))
}

fn code_for(party: Party, hospital_code: ErrorCode) -> Error {
    match party {
        Party::Hospital => Error::new(hospital_code),
        Party::Broker => Error::new(ErrorCode::BrokerUnreachable),
    }
}

/// Which failures a request may be retried after.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Retry {
    /// Timeouts, connection errors, 5xx, 429: the request is safe to repeat (GETs, RFC 7009 revocation).
    Transient,
    /// Only when the server certainly did not act: no connection, 429, 503 with `Retry-After`. For token requests
    /// (a code exchange, a refresh with rotation, an RFC 8693 exchange): a reused code can make a server revoke
    /// what it issued, and a lost rotation reply would orphan a token.
    OnlyIfUnprocessed,
}

/// Whether a failed request may have reached the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sent {
    /// It never left (no connection) or the server said it did not act (429, 503 with `Retry-After`).
    Unsent,
    /// It may have been processed (a timeout, a connection lost mid-answer, a 5xx).
    Maybe,
}

/// A failed attempt: the coded error, and whether retrying is worth it (`None`: never). It is also the error of the
/// HTTP client given to the `oauth2` crate, which hands it back untouched.
#[derive(Debug)]
pub(crate) struct Failed {
    error: Error,
    retry: Option<Sent>,
}

impl Failed {
    /// A failure no retry can mend.
    pub(crate) fn fatal(error: Error) -> Self {
        Self { error, retry: None }
    }
}

impl std::fmt::Display for Failed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.error.code().as_str())
    }
}

impl std::error::Error for Failed {}

fn transport_error(party: Party, error: reqwest::Error) -> Failed {
    let code = if error.is_timeout() { ErrorCode::HospitalTimeout } else { ErrorCode::HospitalUnreachable };
    let sent = if error.is_connect() { Sent::Unsent } else { Sent::Maybe };
    // reqwest's Display includes the URL, never headers or bodies.
    Failed { error: code_for(party, code).with_detail(error.without_url().to_string()), retry: Some(sent) }
}

#[cfg(test)]
mod tests {
    /// A loopback server that counts requests and answers each with `status` (and `Retry-After: 0` if asked).
    async fn counting_server(status: u16, retry_after: bool) -> (String, std::sync::Arc<std::sync::atomic::AtomicU32>) {
        let count = std::sync::Arc::new(std::sync::atomic::AtomicU32::new(0));
        let seen = count.clone();
        let app = axum::Router::new().fallback(move || {
            let seen = seen.clone();
            async move {
                seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let mut response = axum::http::Response::new(axum::body::Body::from("{}"));
                *response.status_mut() = axum::http::StatusCode::from_u16(status).unwrap();
                if retry_after {
                    response.headers_mut().insert("retry-after", axum::http::HeaderValue::from_static("0"));
                }
                response
            }
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/token", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        (url, count)
    }

    fn client() -> super::Http {
        let policy = super::HttpPolicy { backoff: std::time::Duration::from_millis(1), ..Default::default() };
        super::Http::new(policy, std::sync::Arc::new(crate::SeededRandom::new(1))).unwrap()
    }

    /// A token request as the OAuth client sends it: one attempt through [`super::Http::send_once`] per try.
    async fn token_request(http: &super::Http, url: &str) -> crate::Result<oauth2::HttpResponse> {
        let party = super::Party::Hospital;
        let request = || {
            let body = b"grant_type=refresh_token".to_vec();
            oauth2::http::Request::builder().method("POST").uri(url).body(body).unwrap()
        };
        http.retrying(super::Retry::OnlyIfUnprocessed, || http.send_once(party, request())).await
    }

    #[tokio::test]
    async fn token_requests_are_not_repeated_once_they_may_have_been_processed() {
        let http = client();
        let attempts = http.policy().attempts;
        let (url, count) = counting_server(500, false).await;
        assert!(token_request(&http, &url).await.is_err());
        assert_eq!(count.load(std::sync::atomic::Ordering::SeqCst), 1, "a 500 may mean it was processed");
        assert!(http.get(super::Party::Hospital, &url, None).await.is_err());
        assert_eq!(count.load(std::sync::atomic::Ordering::SeqCst), 1 + attempts, "a GET is retried");
        let (busy, busy_count) = counting_server(503, true).await;
        assert!(token_request(&http, &busy).await.is_err());
        assert_eq!(busy_count.load(std::sync::atomic::Ordering::SeqCst), attempts, "503 + Retry-After: not processed");
        // Nothing listens: the request never left, so it is tried again.
        let closed = {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            format!("http://{}/token", listener.local_addr().unwrap())
        };
        let error = token_request(&http, &closed).await.unwrap_err();
        assert_eq!(error.code(), crate::ErrorCode::HospitalUnreachable);
        // An answer the server gave (an error answer too) is passed on as it came, for the OAuth client to read.
        let (refused, refused_count) = counting_server(400, false).await;
        let answer = token_request(&http, &refused).await.unwrap();
        assert_eq!((answer.status().as_u16(), answer.body().as_slice()), (400, &b"{}"[..]));
        assert_eq!(refused_count.load(std::sync::atomic::Ordering::SeqCst), 1);
    }

    #[test]
    fn an_answer_prints_without_its_body() {
        let answer = super::Answer {
            status: 200,
            json: serde_json::json!({ "access_token": "tok-secret-123" }),
            is_json: true,
            max_age: None,
            retry_after: false,
        };
        let printed = format!("{answer:?}");
        assert!(!printed.contains("tok-secret-123") && printed.contains("200"), "{printed}");
    }

    #[test]
    fn bases_are_normalised_and_origins_compared() {
        use super::{normalise_base, same_origin};
        assert_eq!(normalise_base("http://127.0.0.1:8080/?x=1#y").unwrap(), "http://127.0.0.1:8080");
        assert!(normalise_base("ftp://example.org").is_err());
        assert_eq!(normalise_base("https://broker.example.org/").unwrap(), "https://broker.example.org");
        for clear in ["http://broker.example.org", "http://10.0.0.5:8080", "http://127.0.0.1.example.org"] {
            assert_eq!(normalise_base(clear).unwrap_err().code(), crate::ErrorCode::InvalidInput, "{clear}");
        }
        for local in ["http://127.0.0.1:9", "http://127.3.4.5", "http://[::1]:8080", "http://localhost:3000"] {
            assert!(normalise_base(local).is_ok(), "{local}");
        }
        assert!(same_origin("http://127.0.0.1:8080", "http://127.0.0.1:8080/token"));
        assert!(!same_origin("http://127.0.0.1:8080", "http://127.0.0.1:9090/token"));
    }

    #[test]
    fn an_address_typed_without_its_scheme_means_https() {
        use super::typed_address;
        assert_eq!(typed_address(" broker.example.org ").unwrap(), "https://broker.example.org");
        assert_eq!(typed_address("mercy.example/fhir/").unwrap(), "https://mercy.example/fhir");
        assert_eq!(typed_address("http://127.0.0.1:8080/fhir").unwrap(), "http://127.0.0.1:8080/fhir");
        // Written with a scheme, it is taken as written: clear text to another computer is still refused.
        assert_eq!(typed_address("http://broker.example.org").unwrap_err().code(), crate::ErrorCode::InvalidInput);
        assert_eq!(typed_address("  ").unwrap_err().code(), crate::ErrorCode::InvalidInput);
        assert!(typed_address("not an address").is_err());
    }

    #[test]
    fn cache_control_max_age() {
        assert_eq!(super::max_age("public, max-age=3600"), Some(3600));
        assert_eq!(super::max_age("no-store"), None);
        assert_eq!(super::max_age("max-age=60, no-cache"), None);
        assert_eq!(super::max_age("max-age=abc"), None);
    }
}
