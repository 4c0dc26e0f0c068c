//! HTTP for the wallet: every request has a timeout and a body-size limit, answers are read as JSON defensively,
//! and transient failures (timeouts, connection errors, 5xx, 429) are retried with backoff that honours
//! `Retry-After`. Failures become coded errors naming the party (`hospital.*` or `broker.*`) — never a panic,
//! never a secret in the message.

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

    /// POST a token request (a code exchange, a refresh with rotation, an RFC 8693 exchange): not idempotent, so it
    /// is retried only when it certainly did not reach the server — the connection failed, or the server answered
    /// 429/503 with `Retry-After` (it did not act). A reused code can make a server revoke what it issued; a lost
    /// rotation reply would orphan a token. `build_form` is called once per attempt (client assertions are fresh).
    pub async fn post_form(
        &self,
        party: Party,
        url: &str,
        build_form: impl Fn() -> Result<Vec<(String, String)>>,
    ) -> Result<Answer> {
        self.send_with(party, Retry::OnlyIfUnprocessed, || Ok(self.client.post(url).form(&build_form()?))).await
    }

    /// POST a form whose repetition is harmless (RFC 7009 revocation), retried like a GET.
    pub async fn post_form_idempotent(
        &self,
        party: Party,
        url: &str,
        build_form: impl Fn() -> Result<Vec<(String, String)>>,
    ) -> Result<Answer> {
        self.send(party, || Ok(self.client.post(url).form(&build_form()?))).await
    }

    /// POST with a bearer token and no body.
    pub async fn post_bearer(&self, party: Party, url: &str, bearer: &str) -> Result<Answer> {
        self.send(party, || Ok(self.client.post(url).bearer_auth(bearer))).await
    }

    /// POST JSON to `url`.
    pub async fn post_json(&self, party: Party, url: &str, body: &Value) -> Result<Answer> {
        self.send(party, || Ok(self.client.post(url).json(body))).await
    }

    async fn send(&self, party: Party, build: impl Fn() -> Result<reqwest::RequestBuilder>) -> Result<Answer> {
        self.send_with(party, Retry::Transient, build).await
    }

    async fn send_with(
        &self,
        party: Party,
        retry: Retry,
        build: impl Fn() -> Result<reqwest::RequestBuilder>,
    ) -> Result<Answer> {
        let attempts = self.policy.attempts.max(1);
        for attempt in 0..attempts {
            let error = match self.once(party, build()?).await {
                Ok(answer) if !transient_status(answer.status) => return Ok(answer),
                Ok(answer) if retry == Retry::OnlyIfUnprocessed && !(answer.status == 503 && answer.retry_after) => {
                    return Err(status_error(party, &answer));
                }
                Ok(answer) => status_error(party, &answer),
                Err(Failure { error, retry: Some(Sent::Unsent) }) => error,
                Err(Failure { error, retry: Some(Sent::Maybe) }) if retry == Retry::Transient => error,
                Err(Failure { error, .. }) => return Err(error),
            };
            if attempt + 1 == attempts {
                return Err(error);
            }
            self.wait(attempt, &error).await?;
        }
        unreachable!("the loop returns on its last attempt")
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

    /// One attempt. A failure says whether it is worth retrying, and whether the request may have been processed.
    async fn once(&self, party: Party, request: reqwest::RequestBuilder) -> std::result::Result<Answer, Failure> {
        let mut response = request.send().await.map_err(|e| transport_error(party, e))?;
        let status = response.status().as_u16();
        let retry_after = response.headers().get("retry-after").and_then(|v| v.to_str().ok()).map(str::to_string);
        let cache = response.headers().get("cache-control").and_then(|v| v.to_str().ok()).and_then(max_age);
        if response.content_length().is_some_and(|len| len as usize > self.policy.max_body) {
            return Err(Failure { error: too_large(party, self.policy.max_body), retry: None });
        }
        let mut body = Vec::new();
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    body.extend_from_slice(&chunk);
                    if body.len() > self.policy.max_body {
                        return Err(Failure { error: too_large(party, self.policy.max_body), retry: None });
                    }
                }
                Ok(None) => break,
                Err(e) => return Err(transport_error(party, e)),
            }
        }
        if status == 429 {
            let seconds = retry_after.and_then(|v| v.trim().parse::<u64>().ok()).unwrap_or(1);
            let busy = code_for(party, ErrorCode::HospitalBusy).with_detail(format!("retry-after:{seconds}"));
            // 429: the server did not act on it.
            return Err(Failure { error: busy, retry: Some(Sent::Unsent) });
        }
        let parsed = serde_json::from_slice::<Value>(&body);
        let is_json = parsed.is_ok();
        Ok(Answer {
            status,
            json: parsed.unwrap_or(Value::Null),
            is_json,
            max_age: cache,
            retry_after: retry_after.is_some(),
        })
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

/// The longest access-token lifetime (`expires_in`) accepted from a token endpoint: a year.
pub const MAX_EXPIRES_IN: i64 = 366 * 24 * 3600;

/// Reads a token response's `expires_in` (RFC 6749 §5.1): absent (or `null`) is `default`; otherwise it must be a
/// whole number of seconds from 0 to [`MAX_EXPIRES_IN`]. Anything else — a string, a fraction, a negative or
/// overflowing number — is refused with a reason, which the caller turns into its party's coded error.
pub fn expires_in(body: &Value, default: i64) -> std::result::Result<i64, String> {
    match body.get("expires_in") {
        None | Some(Value::Null) => Ok(default),
        Some(value) => value
            .as_i64()
            .filter(|seconds| (0..=MAX_EXPIRES_IN).contains(seconds))
            .ok_or_else(|| format!("expires_in is not a number of seconds from 0 to {MAX_EXPIRES_IN}")),
    }
}

fn transient_status(status: u16) -> bool {
    status >= 500
}

fn status_error(party: Party, answer: &Answer) -> Error {
    code_for(party, ErrorCode::HospitalError).with_detail(format!("HTTP {}", answer.status))
}

fn code_for(party: Party, hospital_code: ErrorCode) -> Error {
    match party {
        Party::Hospital => Error::new(hospital_code),
        Party::Broker => Error::new(ErrorCode::BrokerUnreachable),
    }
}

/// Which failures a request may be retried after.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Retry {
    /// Timeouts, connection errors, 5xx, 429: the request is safe to repeat.
    Transient,
    /// Only when the server certainly did not act: no connection, 429, 503 with `Retry-After`.
    OnlyIfUnprocessed,
}

/// Whether a failed request may have reached the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sent {
    /// It never left (no connection) or the server said it did not act (429).
    Unsent,
    /// It may have been processed (a timeout, a connection lost mid-answer).
    Maybe,
}

/// A failed attempt: the error, and whether retrying is worth it (`None`: never).
struct Failure {
    error: Error,
    retry: Option<Sent>,
}

fn transport_error(party: Party, error: reqwest::Error) -> Failure {
    let code = if error.is_timeout() { ErrorCode::HospitalTimeout } else { ErrorCode::HospitalUnreachable };
    let sent = if error.is_connect() { Sent::Unsent } else { Sent::Maybe };
    // reqwest's Display includes the URL, never headers or bodies.
    Failure { error: code_for(party, code).with_detail(error.without_url().to_string()), retry: Some(sent) }
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

    #[tokio::test]
    async fn token_requests_are_not_repeated_once_they_may_have_been_processed() {
        let http = client();
        let attempts = http.policy().attempts;
        let form = || Ok(vec![("grant_type".to_string(), "refresh_token".to_string())]);
        let (url, count) = counting_server(500, false).await;
        assert!(http.post_form(super::Party::Hospital, &url, form).await.is_err());
        assert_eq!(count.load(std::sync::atomic::Ordering::SeqCst), 1, "a 500 may mean it was processed");
        assert!(http.get(super::Party::Hospital, &url, None).await.is_err());
        assert_eq!(count.load(std::sync::atomic::Ordering::SeqCst), 1 + attempts, "a GET is retried");
        let (busy, busy_count) = counting_server(503, true).await;
        assert!(http.post_form(super::Party::Hospital, &busy, form).await.is_err());
        assert_eq!(busy_count.load(std::sync::atomic::Ordering::SeqCst), attempts, "503 + Retry-After: not processed");
        // Nothing listens: the request never left, so it is tried again.
        let closed = {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            format!("http://{}/token", listener.local_addr().unwrap())
        };
        let error = http.post_form(super::Party::Hospital, &closed, form).await.unwrap_err();
        assert_eq!(error.code(), crate::ErrorCode::HospitalUnreachable);
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
    fn expires_in_is_a_bounded_whole_number_of_seconds() {
        use serde_json::json;
        assert_eq!(super::expires_in(&json!({}), 3600), Ok(3600));
        assert_eq!(super::expires_in(&json!({"expires_in": null}), 3600), Ok(3600));
        assert_eq!(super::expires_in(&json!({"expires_in": 300}), 3600), Ok(300));
        for bad in [json!("300"), json!(-1), json!(1.5), json!(1e300), json!(u64::MAX), json!(i64::MAX), json!(true)] {
            assert!(super::expires_in(&json!({ "expires_in": bad }), 3600).is_err(), "{bad}");
        }
    }

    #[test]
    fn cache_control_max_age() {
        assert_eq!(super::max_age("public, max-age=3600"), Some(3600));
        assert_eq!(super::max_age("no-store"), None);
        assert_eq!(super::max_age("max-age=60, no-cache"), None);
        assert_eq!(super::max_age("max-age=abc"), None);
    }
}
