//! OAuth requests over the wallet's own HTTP layer. The `oauth2` crate's HTTP client is an adapter over
//! [`Http::send_once`] (one attempt under Tessera's rules: deadline, size cap, no redirects; the addresses were
//! checked https-or-loopback at discovery), and every retry is decided around it by [`Http::retrying`], so each
//! attempt carries a fresh client assertion. The forms `oauth2` does not build (RFC 8693, and RFC 7009 to the
//! loopback test network, which `oauth2` refuses for not being https) are encoded here in the same shape, and their
//! answers read with the same checks `oauth2` applies to its own.

use crate::base::http::{Failed, Http, Party};
use crate::oauth::error::Refusal;
use crate::vault::identity::{ClientAuth, JWT_BEARER};
use crate::Sensitive;
use oauth2::http::{header, Method, StatusCode};
use oauth2::{HttpRequest, HttpResponse, RequestTokenError};
use serde::de::DeserializeOwned;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU16, Ordering};

/// What an OAuth endpoint answered, once the request went through.
pub(crate) enum Outcome<T> {
    /// The answer asked for.
    Answer(T),
    /// An error answer (RFC 6749 §5.2).
    Refused(Refusal),
    /// Something that is neither, with the reason (never its content).
    Unreadable(String),
}

/// The HTTP client given to `oauth2` for one attempt: sends once through `http` and notes the answer's status
/// (`oauth2` keeps it to itself). Its future is boxed: the retry loop's future must stay `Send` for the fan-out.
pub(crate) struct Client<'a> {
    http: &'a Http,
    party: Party,
    status: AtomicU16,
}

impl<'a> Client<'a> {
    /// A client sending to `party` through `http`.
    pub(crate) fn new(http: &'a Http, party: Party) -> Self {
        Self { http, party, status: AtomicU16::new(0) }
    }

    /// The status of the last answer (0 before any).
    pub(crate) fn status(&self) -> u16 {
        self.status.load(Ordering::Relaxed)
    }

    /// Sends `request` once.
    pub(crate) async fn send(&self, request: HttpRequest) -> Result<HttpResponse, Failed> {
        let response = self.http.send_once(self.party, request).await?;
        self.status.store(response.status().as_u16(), Ordering::Relaxed);
        Ok(response)
    }
}

impl<'c> oauth2::AsyncHttpClient<'c> for Client<'_> {
    type Error = Failed;
    type Future = Pin<Box<dyn Future<Output = Result<HttpResponse, Failed>> + Send + 'c>>;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(self.send(request))
    }
}

/// Sorts what an `oauth2` request gave: a transport failure goes back to the retry loop, the rest is an outcome.
pub(crate) fn settle<T>(
    result: Result<T, RequestTokenError<Failed, Refusal>>,
    status: u16,
) -> Result<Outcome<T>, Failed> {
    match result {
        Ok(answer) => Ok(Outcome::Answer(answer)),
        Err(RequestTokenError::ServerResponse(refusal)) => Ok(Outcome::Refused(refusal.with_status(status))),
        Err(RequestTokenError::Request(failed)) => Err(failed),
        Err(RequestTokenError::Parse(error, _)) => Ok(Outcome::Unreadable(format!("HTTP {status}: {}", error.inner()))),
        Err(RequestTokenError::Other(reason)) => Ok(Outcome::Unreadable(format!("HTTP {status}: {reason}"))),
    }
}

/// The fields that authenticate Tessera in a form built here: `private_key_jwt` (RFC 7523 §2.2) with `assertion`, or
/// the client id alone for a public client (no assertion).
pub(crate) fn client_fields<'a>(
    auth: &'a ClientAuth<'_>,
    assertion: Option<&'a Sensitive<String>>,
) -> Vec<(&'a str, &'a str)> {
    let mut fields = vec![("client_id", auth.client_id())];
    if let Some(assertion) = assertion {
        fields.extend([("client_assertion_type", JWT_BEARER), ("client_assertion", assertion.expose().as_str())]);
    }
    fields
}

/// A form POST in the shape `oauth2` builds its own (`Accept: application/json`, form-encoded body). The secrets
/// among `fields` leave their wrappers only here, into the encoded body.
pub(crate) fn form_post(url: &str, fields: &[(&str, &str)]) -> Result<HttpRequest, String> {
    let body = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(fields).finish().into_bytes();
    oauth2::http::Request::builder()
        .method(Method::POST)
        .uri(url)
        .header(header::ACCEPT, "application/json")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(body)
        .map_err(|e| format!("the request could not be built: {e}"))
}

/// Reads an answer the way `oauth2` reads those of the requests it builds: 200 with a non-empty JSON body (no other
/// `Content-Type`) is the answer; any other status is an error answer.
pub(crate) fn read<T: DeserializeOwned>(response: &HttpResponse) -> Outcome<T> {
    let status = response.status().as_u16();
    if response.status() != StatusCode::OK {
        return refusal(response);
    }
    let json = response.headers().get(header::CONTENT_TYPE).is_none_or(|value| {
        value.to_str().is_ok_and(|value| value.to_ascii_lowercase().starts_with("application/json"))
    });
    if !json {
        return Outcome::Unreadable(format!("HTTP {status}: an answer that is not JSON"));
    }
    if response.body().is_empty() {
        return Outcome::Unreadable(format!("HTTP {status}: an empty answer"));
    }
    match serde_json::from_slice(response.body()) {
        Ok(answer) => Outcome::Answer(answer),
        Err(error) => Outcome::Unreadable(format!("HTTP {status}: {error}")),
    }
}

/// Reads an answer whose body means nothing on success (RFC 7009 §2.2: 200 is success); any other status is an
/// error answer.
pub(crate) fn read_status(response: &HttpResponse) -> Outcome<()> {
    match response.status() {
        StatusCode::OK => Outcome::Answer(()),
        _ => refusal(response),
    }
}

/// An error answer, as `oauth2` reads one: a non-empty body that is an RFC 6749 §5.2 object.
fn refusal<T>(response: &HttpResponse) -> Outcome<T> {
    let status = response.status().as_u16();
    if response.body().is_empty() {
        return Outcome::Unreadable(format!("HTTP {status}: an empty error answer"));
    }
    match serde_json::from_slice::<Refusal>(response.body()) {
        Ok(refusal) => Outcome::Refused(refusal.with_status(status)),
        Err(error) => Outcome::Unreadable(format!("HTTP {status}: {error}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oauth::error::OAuthError;

    fn response(status: u16, content_type: Option<&str>, body: &str) -> HttpResponse {
        let mut response = HttpResponse::new(body.as_bytes().to_vec());
        *response.status_mut() = StatusCode::from_u16(status).unwrap();
        if let Some(content_type) = content_type {
            response.headers_mut().insert(header::CONTENT_TYPE, content_type.parse().unwrap());
        }
        response
    }

    #[test]
    fn answers_are_read_like_oauth2_reads_its_own() {
        let json = Some("application/json; charset=utf-8");
        assert!(matches!(read::<serde_json::Value>(&response(200, json, "{}")), Outcome::Answer(_)));
        assert!(matches!(read::<serde_json::Value>(&response(200, None, "{}")), Outcome::Answer(_)));
        assert!(matches!(read::<serde_json::Value>(&response(200, Some("text/html"), "{}")), Outcome::Unreadable(_)));
        assert!(matches!(read::<serde_json::Value>(&response(200, json, "")), Outcome::Unreadable(_)));
        assert!(matches!(read::<serde_json::Value>(&response(200, json, "{")), Outcome::Unreadable(_)));
        let Outcome::Refused(refused) = read::<()>(&response(400, json, r#"{"error":"invalid_grant"}"#)) else {
            panic!("an error answer")
        };
        assert_eq!(refused.error, OAuthError::InvalidGrant);
        assert!(matches!(read::<()>(&response(302, Some("text/html"), "")), Outcome::Unreadable(_)));
        assert!(matches!(read::<()>(&response(400, Some("text/plain"), "no")), Outcome::Unreadable(_)));
        assert!(matches!(read_status(&response(200, Some("text/html"), "")), Outcome::Answer(())));
        assert!(matches!(read_status(&response(401, json, r#"{"error":"invalid_client"}"#)), Outcome::Refused(_)));
    }

    #[test]
    fn a_form_keeps_its_secrets_only_in_the_encoded_body() {
        let request = form_post("http://127.0.0.1:9/revoke", &[("token", "a b&c"), ("token_type_hint", "x")]).unwrap();
        assert_eq!(request.body().as_slice(), b"token=a+b%26c&token_type_hint=x");
        assert_eq!(request.headers()[header::ACCEPT], "application/json");
        assert!(form_post("not a url", &[]).is_err());
    }
}
