//! The authorization request (RFC 6749 §4.1 with PKCE S256, built by the `oauth2` crate; `state`; `aud`), its round
//! trip through the person's browser and a one-time loopback redirect, and the checks on what comes back (`state`,
//! RFC 9207 `iss`). Used for the broker's sign-in and for a hospital's Proposal 001 patient confirmation.

use crate::oauth::browser::Browser;
use crate::oauth::error::OAuthError;
use crate::oauth::redirect::{accept_redirect, AbortOnDrop};
use crate::oauth::token::Grant;
use crate::{Error, ErrorCode, Random, Result, Sensitive};
use std::time::Duration;
use tokio::net::TcpListener;

/// How long the loopback listener waits for the browser.
pub const SIGN_IN_TIMEOUT: Duration = Duration::from_secs(300);

/// An authorization response Tessera cannot use (the sign-in's code for it: `broker.invalid`).
fn invalid(detail: impl Into<String>) -> Error {
    Error::new(ErrorCode::BrokerInvalid).with_detail(detail.into())
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
pub fn check_redirect(
    params: &[(String, String)],
    state: &str,
    server: AuthorizationServer<'_>,
) -> Result<Sensitive<String>> {
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
        return Err(Error::new(ErrorCode::BrokerDenied).with_detail(OAuthError::parse(Some(error)).to_string()));
    }
    let code = param("code").filter(|c| !c.is_empty()).ok_or_else(|| invalid("redirect without code"))?;
    Ok(Sensitive::new(code.to_string()))
}

/// One authorization-code round trip through the person's browser and a one-time loopback listener. Returns the
/// grant of the `authorization_code` token request (code, redirect URI, PKCE verifier), to be sent once.
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
) -> Result<Grant> {
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
    Ok(Grant::AuthorizationCode { code, redirect_uri, verifier: Sensitive::new(verifier.into_secret()) })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oauth::redirect::MAX_REDIRECT_QUERY;
    use sha2::{Digest, Sha256};

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
        let grant = authorize("http://127.0.0.1:9/authorize", server, "c1", "openid", "aud", &[], &browser, &random)
            .await
            .unwrap();
        let code = grant.authorization_code().map(|code| code.expose().as_str());
        assert_eq!(code, Some("good"), "the real answer got through");
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
        assert_eq!(check_redirect(&good, "s1", server).unwrap().expose(), "c1");
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
        assert_eq!(check_redirect(&with(&[("code", "c1"), ("state", "s1")]), "s1", lenient).unwrap().expose(), "c1");
        assert_eq!(code(&with(&[("error", "access_denied"), ("state", "s1")]), lenient), ErrorCode::BrokerDenied);
        assert_eq!(code(&with(&[("state", "s1"), ("code", "")]), lenient), ErrorCode::BrokerInvalid);
        assert_eq!(code(&with(&[("state", "s1"), ("code", "a"), ("code", "b")]), lenient), ErrorCode::BrokerInvalid);
        assert_eq!(
            code(&with(&[("state", "s1"), ("state", "s1"), ("code", "a")]), lenient),
            ErrorCode::SigninStateMismatch
        );
    }
}
