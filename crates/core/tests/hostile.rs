//! A corpus of hostile inputs, each with the stable error code it must produce (issue 12).
//!
//! Every table row is a description, an input and the expected [`ErrorCode`]; the runner evaluates each row in its
//! own task (a panic or a hang is a failure of that row, not of the run), prints every row with its outcome, and
//! fails naming each row whose outcome differs.
//!
//! Categories: tickets (envelope, signatures, `alg` confusion, `kid`, times, claim types, sizes), JWK Sets, SMART
//! configurations (hospital and broker), token responses (hospital and broker), FHIR search pages, loopback
//! redirect requests, and HTTP transport. Servers are started on 127.0.0.1 by the test itself and stopped after
//! each row; nothing else is contacted and no keychain is used.

use axum::body::{Body, Bytes};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::Response;
use futures_util::future::BoxFuture;
use futures_util::FutureExt;
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use tessera_core::base::http::{Http, HttpPolicy, Party};
use tessera_core::broker;
use tessera_core::hospitals::exchange::{self, HospitalEndpoints, TOKEN_EXCHANGE};
use tessera_core::oauth::{self, redirect::redirect_params, AuthorizationServer, Browser, Grant};
use tessera_core::records;
use tessera_core::ticket::Ticket;
use tessera_core::vault::identity::Identity;
use tessera_core::{Error, ErrorCode, ManualClock, SeededRandom, Sensitive};
use tessera_jose::{b64url, b64url_decode, SigningKey};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use ErrorCode::*;

/// The wallet's clock in every row.
const NOW: i64 = 1_800_000_000;
/// The ticket kind used by the valid ticket every ticket row starts from.
const SELF_ACCESS: &str = "https://smarthealthit.org/permission-ticket-type/patient-self-access-v1";
/// A body far over the HTTP client's cap (8 MiB).
const FORTY_MB: usize = 40 << 20;

// ------------------------------------------------------------------------------------------------------------------
// The runner
// ------------------------------------------------------------------------------------------------------------------

/// One hostile input and the code it must produce.
struct Row<I> {
    name: String,
    input: I,
    expect: ErrorCode,
}

fn row<I>(name: impl Into<String>, input: I, expect: ErrorCode) -> Row<I> {
    Row { name: name.into(), input, expect }
}

/// What evaluating a row gave.
#[derive(Debug, Clone, PartialEq)]
enum Outcome {
    /// No error at all: the hostile input was accepted.
    Accepted,
    /// A coded error.
    Code(ErrorCode),
    /// A panic, with its message.
    Panic(String),
    /// Still running after the row's deadline.
    Hung,
}

fn outcome<T>(result: Result<T, Error>) -> Outcome {
    match result {
        Ok(_) => Outcome::Accepted,
        Err(error) => Outcome::Code(error.code()),
    }
}

/// Runs every row of one table, each in its own task with a deadline; prints every row and fails with the list of
/// rows whose outcome is not their expected code.
async fn run<I, F>(category: &str, rows: Vec<Row<I>>, eval: F) -> usize
where
    I: Send + 'static,
    F: Fn(I) -> BoxFuture<'static, Outcome>,
{
    assert!(!rows.is_empty(), "{category}: an empty table tests nothing");
    let mut failures = Vec::new();
    let mut active = 0;
    for Row { name, input, expect } in rows {
        let task = tokio::spawn(tokio::time::timeout(Duration::from_secs(60), eval(input)));
        let got = match task.await {
            Ok(Ok(outcome)) => outcome,
            Ok(Err(_elapsed)) => Outcome::Hung,
            Err(join) => Outcome::Panic(panic_text(join)),
        };
        if got == Outcome::Code(expect) {
            println!("ok        [{category}] {name}: {expect}");
        } else {
            println!("FAILED    [{category}] {name}: expected {expect}, got {got:?}");
            failures.push(format!("[{category}] {name}: expected {expect}, got {got:?}"));
        }
        active += 1;
    }
    assert!(
        failures.is_empty(),
        "{} hostile input(s) gave the wrong outcome:\n{}",
        failures.len(),
        failures.join("\n")
    );
    active
}

fn panic_text(join: tokio::task::JoinError) -> String {
    match join.try_into_panic() {
        Ok(payload) => payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "panic".into()),
        Err(join) => join.to_string(),
    }
}

// ------------------------------------------------------------------------------------------------------------------
// Loopback servers
// ------------------------------------------------------------------------------------------------------------------

/// How a hostile server answers: from its own base URL and the request's path and query.
type Handler = Arc<dyn Fn(&str, &str) -> Response + Send + Sync>;

/// An HTTP server on 127.0.0.1, stopped when dropped.
struct Server {
    base: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        self.task.abort();
    }
}

async fn serve(handler: Handler) -> Server {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let own = base.clone();
    let app = axum::Router::new().fallback(move |uri: axum::http::Uri| {
        let (handler, own) = (handler.clone(), own.clone());
        async move { handler(&own, uri.path_and_query().map(|p| p.as_str()).unwrap_or("/")) }
    });
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = stopped.await;
            })
            .await;
    });
    Server { base, stop: Some(stop), task }
}

/// A raw TCP server on 127.0.0.1 that treats every connection with `behave` (for answers that are not HTTP).
type Behaviour = Arc<dyn Fn(tokio::net::TcpStream) -> BoxFuture<'static, ()> + Send + Sync>;

async fn serve_raw(behave: Behaviour) -> Server {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let task = tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(behave(stream));
        }
    });
    Server { base, stop: None, task }
}

fn reply(status: u16, content_type: &str, body: impl Into<Body>) -> Response {
    let mut response = Response::new(body.into());
    *response.status_mut() = StatusCode::from_u16(status).unwrap();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_str(content_type).unwrap());
    response
}

fn json_reply(status: u16, body: &Value) -> Response {
    reply(status, "application/json", body.to_string())
}

/// Always `status` with the JSON `body`.
fn always(status: u16, body: Value) -> Handler {
    Arc::new(move |_, _| json_reply(status, &body))
}

/// Always `status` with a non-JSON `body`.
fn always_text(status: u16, content_type: &'static str, body: &'static str) -> Handler {
    Arc::new(move |_, _| reply(status, content_type, body))
}

/// Always `status` with a JSON body built from the server's own base URL.
fn always_from_base(status: u16, body: impl Fn(&str) -> Value + Send + Sync + 'static) -> Handler {
    Arc::new(move |base, _| json_reply(status, &body(base)))
}

/// A header on top of `handler`'s answer.
fn with_header(handler: Handler, name: &'static str, value: &'static str) -> Handler {
    Arc::new(move |base, path| {
        let mut response = handler(base, path);
        response.headers_mut().insert(name, HeaderValue::from_static(value));
        response
    })
}

/// A 40 MB FHIR Bundle about the right patient (valid JSON: only its size is hostile).
fn forty_mb() -> Bytes {
    static BIG: OnceLock<Bytes> = OnceLock::new();
    BIG.get_or_init(|| {
        let entry = r#"{"resource":{"resourceType":"Condition","subject":{"reference":"Patient/p1"},"code":{"text":"Asthma"}}},"#;
        let mut text = String::from(r#"{"resourceType":"Bundle","type":"searchset","entry":["#);
        while text.len() < FORTY_MB {
            text.push_str(entry);
        }
        text.pop();
        text.push_str("]}");
        Bytes::from(text)
    })
    .clone()
}

/// The 40 MB body, announced with its `Content-Length`.
fn huge_with_length() -> Handler {
    Arc::new(|_, _| reply(200, "application/json", forty_mb()))
}

/// The 40 MB body, streamed in 1 MiB chunks without a `Content-Length`.
fn huge_streamed() -> Handler {
    Arc::new(|_, _| {
        let big = forty_mb();
        let chunks: Vec<Result<Bytes, std::io::Error>> =
            (0..big.len()).step_by(1 << 20).map(|at| Ok(big.slice(at..(at + (1 << 20)).min(big.len())))).collect();
        reply(200, "application/json", Body::from_stream(futures_util::stream::iter(chunks)))
    })
}

/// A client with the wallet's caps, one attempt and a short timeout.
fn http() -> Http {
    http_with(1, Duration::from_secs(5))
}

fn http_with(attempts: u32, timeout: Duration) -> Http {
    let policy = HttpPolicy { timeout, attempts, backoff: Duration::from_millis(1), ..HttpPolicy::default() };
    Http::new(policy, Arc::new(SeededRandom::new(7))).unwrap()
}

// ------------------------------------------------------------------------------------------------------------------
// Tickets
// ------------------------------------------------------------------------------------------------------------------

/// The issuer's key (published in its JWK Set) and an attacker's key (published nowhere).
struct Keys {
    issuer: SigningKey,
    attacker: SigningKey,
}

fn keys() -> &'static Keys {
    static KEYS: OnceLock<Keys> = OnceLock::new();
    KEYS.get_or_init(|| Keys { issuer: SigningKey::generate().unwrap(), attacker: SigningKey::generate().unwrap() })
}

fn issuer_jwks() -> Value {
    json!({ "keys": [keys().issuer.public_jwk()] })
}

/// A valid ticket's claims (newest kernel), valid at [`NOW`].
fn claims() -> Value {
    json!({
        "iss": "https://broker.example",
        "aud": ["https://hospital.example/fhir"],
        "exp": NOW + 3600,
        "iat": NOW - 60,
        "jti": "ticket-1",
        "ticket_type": SELF_ACCESS,
        "subject": {"patient": {"resourceType": "Patient", "name": [{"family": "Washington", "given": ["Harold"]}],
            "birthDate": "1948-03-02", "identifier": [{"system": "urn:example:mrn", "value": "p1"}]}},
        "access": {"smart_scopes": ["patient/*.rs"]},
    })
}

/// The valid claims with one edit.
fn claims_with(edit: impl FnOnce(&mut Value)) -> Value {
    let mut claims = claims();
    edit(&mut claims);
    claims
}

/// Sets `value` at a JSON pointer whose parent exists.
fn set(target: &mut Value, pointer: &str, value: Value) {
    let (parent, name) = pointer.rsplit_once('/').unwrap();
    let parent = if parent.is_empty() { target } else { target.pointer_mut(parent).unwrap() };
    parent.as_object_mut().unwrap().insert(name.to_string(), value);
}

fn remove(target: &mut Value, pointer: &str) {
    let (parent, name) = pointer.rsplit_once('/').unwrap();
    let parent = if parent.is_empty() { target } else { target.pointer_mut(parent).unwrap() };
    parent.as_object_mut().unwrap().remove(name);
}

/// Claims with `value` at `pointer`.
fn claim(pointer: &str, value: Value) -> Value {
    claims_with(|c| set(c, pointer, value))
}

/// Claims without the member at `pointer`.
fn without(pointer: &str) -> Value {
    claims_with(|c| remove(c, pointer))
}

/// Signed by the issuer the normal way (`alg` ES256, its `kid`).
fn signed(claims: &Value) -> String {
    keys().issuer.sign(claims, Some("JWT")).unwrap()
}

/// Signed by `key` under a header of our choosing.
fn signed_with_header(key: &SigningKey, header: Value, claims: &Value) -> String {
    let header: Map<String, Value> = header.as_object().unwrap().clone();
    key.sign_with_header(&header, claims).unwrap()
}

/// A compact JWT put together from parts, signed or not.
fn assemble(header: &Value, payload: &[u8], signature: &[u8]) -> String {
    format!("{}.{}.{}", b64url(header.to_string().as_bytes()), b64url(payload), b64url(signature))
}

fn parts(jwt: &str) -> Vec<String> {
    jwt.split('.').map(String::from).collect()
}

/// The valid ticket's signing input with another header and `signature`.
fn with_alg(header: Value, signature: &[u8]) -> String {
    let claims = serde_json::to_vec(&claims()).unwrap();
    assemble(&header, &claims, signature)
}

/// HMAC-SHA256 (RFC 2104), for the `alg` confusion attack where the public key is used as an HMAC secret.
fn hmac_sha256(key: &[u8], message: &[u8]) -> Vec<u8> {
    let mut block = [0u8; 64];
    if key.len() > 64 {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let pad = |byte: u8| block.iter().map(|b| b ^ byte).collect::<Vec<u8>>();
    let inner = Sha256::new().chain_update(pad(0x36)).chain_update(message).finalize();
    Sha256::new().chain_update(pad(0x5c)).chain_update(inner).finalize().to_vec()
}

/// An HS256 token over the valid claims keyed with `secret`, under the issuer's `kid`.
fn hs256(secret: &[u8]) -> String {
    let header = json!({"alg": "HS256", "typ": "JWT", "kid": keys().issuer.kid()});
    let input = format!("{}.{}", b64url(header.to_string().as_bytes()), b64url(claims().to_string().as_bytes()));
    format!("{input}.{}", b64url(&hmac_sha256(secret, input.as_bytes())))
}

/// A header in the issuer's name with `alg`.
fn alg(alg: Value) -> Value {
    json!({"alg": alg, "typ": "JWT", "kid": keys().issuer.kid()})
}

/// A ticket and the JWK Set it is verified against.
struct TicketCase {
    jwt: String,
    jwks: Value,
}

fn ticket_row(name: &str, jwt: String, expect: ErrorCode) -> Row<TicketCase> {
    row(name, TicketCase { jwt, jwks: issuer_jwks() }, expect)
}

/// What the wallet does with a ticket from a broker: parse, verify against the issuer's JWK Set, check its times.
fn ticket_outcome(case: TicketCase) -> Outcome {
    let result = Ticket::parse(Sensitive::new(case.jwt)).and_then(|ticket| {
        ticket.verify(&case.jwks)?;
        ticket.check_times(NOW)
    });
    outcome(result)
}

fn ticket_rows() -> Vec<Row<TicketCase>> {
    let keys = keys();
    let good = signed(&claims());
    let [header, payload, signature]: [String; 3] = parts(&good).try_into().unwrap();
    let sig = b64url_decode(&signature).unwrap();
    let claims_json = claims().to_string();
    let b64 = |bytes: &[u8]| b64url(bytes);
    let nested = format!(r#"{{"iss":"x","deep":{}{}}}"#, "[".repeat(10_000), "]".repeat(10_000));
    let mut flipped_sig = signature.clone().into_bytes();
    let last = flipped_sig.len() - 2;
    flipped_sig[last] = if flipped_sig[last] == b'A' { b'B' } else { b'A' };
    let other_claims = signed(&claim("/jti", json!("ticket-2")));
    let public_jwk = keys.issuer.public_jwk().to_string();
    let xy = |jwk: &Value| {
        let mut bytes = b64url_decode(jwk["x"].as_str().unwrap()).unwrap();
        bytes.extend(b64url_decode(jwk["y"].as_str().unwrap()).unwrap());
        bytes
    };
    let mut rows = vec![
        // The envelope.
        ticket_row("an empty string", String::new(), TicketMalformed),
        ticket_row("plain words", "not a ticket at all".into(), TicketMalformed),
        ticket_row("two segments", format!("{header}.{payload}"), TicketMalformed),
        ticket_row("four segments", format!("{good}.{signature}"), TicketMalformed),
        ticket_row("a header that is not base64url", format!("!!!.{payload}.{signature}"), TicketMalformed),
        ticket_row("a header that is not JSON", format!("{}.{payload}.{signature}", b64(b"hello")), TicketMalformed),
        ticket_row("a header that is a JSON array", format!("{}.{payload}.{signature}", b64(b"[]")), TicketMalformed),
        ticket_row("claims that are a JSON string", format!("{header}.{}.{signature}", b64(b"\"x\"")), TicketMalformed),
        ticket_row("claims that are null", format!("{header}.{}.{signature}", b64(b"null")), TicketMalformed),
        ticket_row(
            "claims followed by garbage",
            format!("{header}.{}.{signature}", b64(format!("{claims_json}x").as_bytes())),
            TicketMalformed,
        ),
        ticket_row(
            "claims nested 10,000 arrays deep",
            format!("{header}.{}.{signature}", b64(nested.as_bytes())),
            TicketMalformed,
        ),
        ticket_row(
            "claims that are not UTF-8",
            format!("{header}.{}.{signature}", b64(&[b'{', b'"', 0xff, 0xfe, b'"', b':', b'1', b'}'])),
            TicketMalformed,
        ),
        ticket_row(
            "a newline inside the header",
            format!("{}\n{}.{payload}.{signature}", &header[..10], &header[10..]),
            TicketMalformed,
        ),
        ticket_row("an empty header segment", format!(".{payload}.{signature}"), TicketMalformed),
        // Signatures.
        ticket_row(
            "a signature with one character changed",
            format!("{header}.{payload}.{}", String::from_utf8(flipped_sig).unwrap()),
            TicketSignatureInvalid,
        ),
        ticket_row(
            "other claims under the original signature",
            format!("{header}.{}.{signature}", parts(&other_claims)[1]),
            TicketSignatureInvalid,
        ),
        ticket_row(
            "the signature of another ticket by the same key",
            format!("{header}.{payload}.{}", parts(&other_claims)[2]),
            TicketSignatureInvalid,
        ),
        ticket_row("an empty signature", format!("{header}.{payload}."), TicketSignatureInvalid),
        ticket_row(
            "a signature cut to 63 bytes",
            format!("{header}.{payload}.{}", b64(&sig[..63])),
            TicketSignatureInvalid,
        ),
        ticket_row(
            "a signature with a byte appended",
            format!("{header}.{payload}.{}", b64(&[&sig[..], &[0]].concat())),
            TicketSignatureInvalid,
        ),
        ticket_row(
            "a signature of 64 zero bytes (r = s = 0)",
            format!("{header}.{payload}.{}", b64(&[0; 64])),
            TicketSignatureInvalid,
        ),
        ticket_row("a signature that is not base64url", format!("{header}.{payload}.***"), TicketSignatureInvalid),
        ticket_row(
            "the same header with other whitespace under the original signature",
            format!(
                "{}.{payload}.{signature}",
                b64(format!(" {}", String::from_utf8(b64url_decode(&header).unwrap()).unwrap()).as_bytes())
            ),
            TicketSignatureInvalid,
        ),
        ticket_row(
            "signed by an attacker's key under the issuer's kid",
            signed_with_header(&keys.attacker, json!({"typ": "JWT", "kid": keys.issuer.kid()}), &claims()),
            TicketSignatureInvalid,
        ),
        ticket_row(
            "a critical header extension nobody understands",
            signed_with_header(
                &keys.issuer,
                json!({"typ": "JWT", "kid": keys.issuer.kid(), "crit": ["urn:example:unknown"], "urn:example:unknown": true}),
                &claims(),
            ),
            TicketSignatureInvalid,
        ),
        ticket_row(
            "an unencoded payload (b64: false, RFC 7797), validly signed",
            signed_with_header(
                &keys.issuer,
                json!({"typ": "JWT", "kid": keys.issuer.kid(), "b64": false, "crit": ["b64"]}),
                // A compact unencoded payload cannot hold a dot: the same claims, without dots in their text.
                &serde_json::from_str::<Value>(&claims().to_string().replace('.', "-")).unwrap(),
            ),
            TicketMalformed,
        ),
        // alg confusion.
        ticket_row("alg none without a signature", with_alg(alg(json!("none")), b""), TicketSignatureInvalid),
        ticket_row("alg none with the original signature", with_alg(alg(json!("none")), &sig), TicketSignatureInvalid),
        ticket_row("alg None", with_alg(alg(json!("None")), b""), TicketSignatureInvalid),
        ticket_row("alg NONE", with_alg(alg(json!("NONE")), b""), TicketSignatureInvalid),
        ticket_row("HS256 keyed with the issuer's public JWK", hs256(public_jwk.as_bytes()), TicketSignatureInvalid),
        ticket_row(
            "HS256 keyed with the public point x‖y",
            hs256(&xy(keys.issuer.public_jwk())),
            TicketSignatureInvalid,
        ),
        ticket_row("HS256 keyed with the kid", hs256(keys.issuer.kid().as_bytes()), TicketSignatureInvalid),
        ticket_row("HS256 keyed with nothing", hs256(b""), TicketSignatureInvalid),
        ticket_row("alg RS256", with_alg(alg(json!("RS256")), &sig), TicketSignatureInvalid),
        ticket_row("alg PS256", with_alg(alg(json!("PS256")), &sig), TicketSignatureInvalid),
        ticket_row("alg ES384", with_alg(alg(json!("ES384")), &sig), TicketSignatureInvalid),
        ticket_row("alg ES512", with_alg(alg(json!("ES512")), &sig), TicketSignatureInvalid),
        ticket_row("alg EdDSA", with_alg(alg(json!("EdDSA")), &sig), TicketSignatureInvalid),
        ticket_row("alg es256 in lower case", with_alg(alg(json!("es256")), &sig), TicketSignatureInvalid),
        ticket_row("alg ES256 with a trailing space", with_alg(alg(json!("ES256 ")), &sig), TicketSignatureInvalid),
        ticket_row("no alg", with_alg(json!({"typ": "JWT", "kid": keys.issuer.kid()}), &sig), TicketSignatureInvalid),
        ticket_row("alg null", with_alg(alg(Value::Null), &sig), TicketSignatureInvalid),
        ticket_row("alg as a number", with_alg(alg(json!(256)), &sig), TicketSignatureInvalid),
        ticket_row("alg as a list", with_alg(alg(json!(["ES256"])), &sig), TicketSignatureInvalid),
        ticket_row("alg as an object", with_alg(alg(json!({"name": "ES256"})), &sig), TicketSignatureInvalid),
        // kid.
        ticket_row("no kid", signed_with_header(&keys.issuer, json!({"typ": "JWT"}), &claims()), TicketUnknownKey),
        ticket_row("an empty kid", signed_with_header(&keys.issuer, json!({"kid": ""}), &claims()), TicketUnknownKey),
        ticket_row(
            "a kid the issuer does not publish",
            signed_with_header(&keys.issuer, json!({"kid": "k-9"}), &claims()),
            TicketUnknownKey,
        ),
        ticket_row(
            "a kid that is a path",
            signed_with_header(&keys.issuer, json!({"kid": "../../../../etc/passwd"}), &claims()),
            TicketUnknownKey,
        ),
        ticket_row(
            "the issuer's kid with its letters' case swapped",
            signed_with_header(&keys.issuer, json!({"kid": swap_case(keys.issuer.kid())}), &claims()),
            TicketUnknownKey,
        ),
        ticket_row(
            "a 100 KB kid",
            signed_with_header(&keys.issuer, json!({"kid": "k".repeat(100_000)}), &claims()),
            TicketUnknownKey,
        ),
        ticket_row(
            "the attacker's key embedded as a jwk header",
            signed_with_header(
                &keys.attacker,
                json!({"kid": keys.attacker.kid(), "jwk": keys.attacker.public_jwk()}),
                &claims(),
            ),
            TicketUnknownKey,
        ),
        ticket_row(
            "a jku header pointing at the attacker's keys",
            signed_with_header(
                &keys.attacker,
                json!({"kid": keys.attacker.kid(), "jku": "https://evil.example/jwks"}),
                &claims(),
            ),
            TicketUnknownKey,
        ),
        ticket_row(
            "an x5u header pointing at the attacker's certificate",
            signed_with_header(
                &keys.attacker,
                json!({"kid": keys.attacker.kid(), "x5u": "https://evil.example/cert"}),
                &claims(),
            ),
            TicketUnknownKey,
        ),
        // Times.
        ticket_row("expired an hour ago", signed(&claim("/exp", json!(NOW - 3600))), TicketExpired),
        ticket_row("expiring now", signed(&claim("/exp", json!(NOW))), TicketExpired),
        ticket_row("expiring within the clock-skew margin", signed(&claim("/exp", json!(NOW + 59))), TicketExpired),
        ticket_row("exp 0", signed(&claim("/exp", json!(0))), TicketExpired),
        ticket_row("exp negative", signed(&claim("/exp", json!(-1))), TicketExpired),
        ticket_row("exp i64::MIN", signed(&claim("/exp", json!(i64::MIN))), TicketExpired),
        ticket_row("issued an hour in the future", signed(&claim("/iat", json!(NOW + 3600))), TicketNotYetValid),
        ticket_row("issued just past the skew margin", signed(&claim("/iat", json!(NOW + 61))), TicketNotYetValid),
        ticket_row("iat i64::MAX", signed(&claim("/iat", json!(i64::MAX))), TicketNotYetValid),
        ticket_row(
            "exp and iat both i64::MAX",
            signed(&claims_with(|c| {
                set(c, "/exp", json!(i64::MAX));
                set(c, "/iat", json!(i64::MAX));
            })),
            TicketNotYetValid,
        ),
        ticket_row("not before an hour from now (nbf)", signed(&claim("/nbf", json!(NOW + 3600))), TicketNotYetValid),
        // Claims of the wrong type, or missing.
        ticket_row("no iss", signed(&without("/iss")), TicketMalformed),
        ticket_row("iss a number", signed(&claim("/iss", json!(42))), TicketMalformed),
        ticket_row("iss an object", signed(&claim("/iss", json!({"url": "https://broker.example"}))), TicketMalformed),
        ticket_row("iss null", signed(&claim("/iss", Value::Null)), TicketMalformed),
        ticket_row("iss empty", signed(&claim("/iss", json!(""))), TicketMalformed),
        ticket_row("no aud", signed(&without("/aud")), TicketMalformed),
        ticket_row("aud a number", signed(&claim("/aud", json!(42))), TicketMalformed),
        ticket_row("aud an empty list", signed(&claim("/aud", json!([]))), TicketMalformed),
        ticket_row(
            "aud an object",
            signed(&claim("/aud", json!({"0": "https://hospital.example/fhir"}))),
            TicketMalformed,
        ),
        ticket_row("aud null", signed(&claim("/aud", Value::Null)), TicketMalformed),
        ticket_row("aud a list of numbers", signed(&claim("/aud", json!([1, 2]))), TicketMalformed),
        ticket_row("no exp", signed(&without("/exp")), TicketMalformed),
        ticket_row("exp a string", signed(&claim("/exp", json!((NOW + 3600).to_string()))), TicketMalformed),
        ticket_row("exp a fraction", signed(&claim("/exp", json!(NOW as f64 + 3600.5))), TicketMalformed),
        ticket_row(
            "exp in exponent notation",
            claims_text(&format!(r#"{{"exp":1.8e9,{}"#, &claims_tail())),
            TicketMalformed,
        ),
        ticket_row("exp true", signed(&claim("/exp", json!(true))), TicketMalformed),
        ticket_row("exp null", signed(&claim("/exp", Value::Null)), TicketMalformed),
        ticket_row("exp u64::MAX", signed(&claim("/exp", json!(u64::MAX))), TicketMalformed),
        ticket_row(
            "exp 1e400 (overflows a double)",
            claims_text(&format!(r#"{{"exp":1e400,{}"#, &claims_tail())),
            TicketMalformed,
        ),
        ticket_row("exp a list", signed(&claim("/exp", json!([NOW + 3600]))), TicketMalformed),
        ticket_row("no jti", signed(&without("/jti")), TicketMalformed),
        ticket_row("jti empty", signed(&claim("/jti", json!(""))), TicketMalformed),
        ticket_row("jti a number", signed(&claim("/jti", json!(7))), TicketMalformed),
        ticket_row("jti a list", signed(&claim("/jti", json!(["ticket-1"]))), TicketMalformed),
        ticket_row("no ticket_type", signed(&without("/ticket_type")), TicketMalformed),
        ticket_row("ticket_type a number", signed(&claim("/ticket_type", json!(1))), TicketMalformed),
        ticket_row("ticket_type a list", signed(&claim("/ticket_type", json!([SELF_ACCESS]))), TicketMalformed),
        ticket_row("no subject", signed(&without("/subject")), TicketMalformed),
        ticket_row("subject a string", signed(&claim("/subject", json!("Harold Washington"))), TicketMalformed),
        ticket_row("subject a list", signed(&claim("/subject", json!([]))), TicketMalformed),
        ticket_row("no subject.patient", signed(&without("/subject/patient")), TicketMalformed),
        ticket_row("subject.patient a string", signed(&claim("/subject/patient", json!("Harold"))), TicketMalformed),
        ticket_row("subject.patient null", signed(&claim("/subject/patient", Value::Null)), TicketMalformed),
        ticket_row("no access", signed(&without("/access")), TicketMalformed),
        ticket_row("access a list", signed(&claim("/access", json!([]))), TicketMalformed),
        ticket_row("access a string", signed(&claim("/access", json!("patient/*.rs"))), TicketMalformed),
        ticket_row("access null", signed(&claim("/access", Value::Null)), TicketMalformed),
        ticket_row(
            "smart_scopes a string",
            signed(&claim("/access/smart_scopes", json!("patient/*.rs"))),
            TicketMalformed,
        ),
        ticket_row(
            "iat a string in the future",
            signed(&claim("/iat", json!((NOW + 3600).to_string()))),
            TicketMalformed,
        ),
        ticket_row("iat a fraction in the future", signed(&claim("/iat", json!(NOW as f64 + 3600.5))), TicketMalformed),
        ticket_row(
            "presenter_binding jkt a number",
            signed(&claim("/presenter_binding", json!({"method": "jkt", "jkt": 42}))),
            TicketMalformed,
        ),
        ticket_row(
            "revocation url a number",
            signed(&claim("/revocation", json!({"url": 42, "index": 3}))),
            TicketMalformed,
        ),
        ticket_row(
            "revocation index negative",
            signed(&claim("/revocation", json!({"url": "https://broker.example/status", "index": -1}))),
            TicketMalformed,
        ),
        ticket_row(
            "revocation index a string",
            signed(&claim("/revocation", json!({"url": "https://broker.example/status", "index": "3"}))),
            TicketMalformed,
        ),
        ticket_row(
            "continuation refresh_until a string (would read as 'until revoked')",
            signed(&claim("/continuation", json!({"refresh_until": "soon"}))),
            TicketMalformed,
        ),
        ticket_row(
            "must_understand an unknown claim",
            signed(&claim("/must_understand", json!(["urn:example:unknown-policy"]))),
            TicketUnsupported,
        ),
        ticket_row(
            "must_understand a string",
            signed(&claim("/must_understand", json!("sensitivity_policy"))),
            TicketMalformed,
        ),
        // Sizes.
        ticket_row(
            "claims nested 200 objects deep",
            signed(&claim("/deep", (0..200).fold(json!(1), |inner, _| json!({ "a": inner })))),
            TicketMalformed,
        ),
        ticket_row(
            "a 1 MiB patient name",
            signed(&claim("/subject/patient/name/0/family", json!("W".repeat(1 << 20)))),
            TicketMalformed,
        ),
        ticket_row(
            "a 4 MiB ticket of padding claims",
            signed(&claim("/padding", json!(vec!["x".repeat(1024); 4096]))),
            TicketMalformed,
        ),
    ];
    rows.extend([
        ticket_row("a kid that is a number", header_only(json!({"alg": "ES256", "kid": 1})), TicketUnknownKey),
        ticket_row("a kid that is null", header_only(json!({"alg": "ES256", "kid": null})), TicketUnknownKey),
    ]);
    rows
}

/// The valid claims and signature under another header (for headers no signer would write).
fn header_only(header: Value) -> String {
    let good = signed(&claims());
    format!("{}.{}.{}", b64url(header.to_string().as_bytes()), parts(&good)[1], parts(&good)[2])
}

/// `text` with the case of every ASCII letter swapped (a different string unless it has no letters).
fn swap_case(text: &str) -> String {
    text.chars().map(|c| if c.is_ascii_lowercase() { c.to_ascii_uppercase() } else { c.to_ascii_lowercase() }).collect()
}

/// The valid claims after their first member, as JSON text, for claims that must be written by hand.
fn claims_tail() -> String {
    let mut map = claims().as_object().unwrap().clone();
    map.remove("exp");
    let text = Value::Object(map).to_string();
    text[1..].to_string()
}

/// A ticket whose claims are the JSON text `claims` (text serde_json refuses to read).
fn claims_text(claims: &str) -> String {
    let header = json!({"alg": "ES256", "typ": "JWT", "kid": keys().issuer.kid()});
    // The issuer cannot sign text serde_json refuses to read; an unverifiable signature is enough, since parsing
    // must fail first.
    assemble(&header, claims.as_bytes(), &[0; 64])
}

#[tokio::test]
async fn valid_ticket_is_accepted() {
    // The control: every ticket row starts from this ticket, so the rows fail for their one hostile change.
    assert_eq!(ticket_outcome(TicketCase { jwt: signed(&claims()), jwks: issuer_jwks() }), Outcome::Accepted);
}

#[tokio::test]
async fn hostile_tickets() {
    run("ticket", ticket_rows(), |case| async move { ticket_outcome(case) }.boxed()).await;
}

// ------------------------------------------------------------------------------------------------------------------
// JWK Sets
// ------------------------------------------------------------------------------------------------------------------

/// The issuer's public JWK with one edit.
fn jwk_with(edit: impl FnOnce(&mut Value)) -> Value {
    let mut jwk = keys().issuer.public_jwk().clone();
    edit(&mut jwk);
    jwk
}

fn jwks_row(name: &str, jwks: Value, expect: ErrorCode) -> Row<TicketCase> {
    row(name, TicketCase { jwt: signed(&claims()), jwks }, expect)
}

fn jwks_rows() -> Vec<Row<TicketCase>> {
    let keys = keys();
    let issuer = keys.issuer.public_jwk().clone();
    let kid = keys.issuer.kid().to_string();
    let mut off_curve = b64url_decode(issuer["y"].as_str().unwrap()).unwrap();
    off_curve[31] ^= 1;
    let attacker_under_our_kid = jwk_with(|k| {
        k["x"] = keys.attacker.public_jwk()["x"].clone();
        k["y"] = keys.attacker.public_jwk()["y"].clone();
    });
    let many: Vec<Value> = (0..10_000).map(|i| jwk_with(|k| k["kid"] = json!(format!("k{i}")))).collect();
    vec![
        jwks_row("a JWK Set that is a list", json!([issuer]), TicketUnknownKey),
        jwks_row("a JWK Set without keys", json!({}), TicketUnknownKey),
        jwks_row("keys null", json!({"keys": null}), TicketUnknownKey),
        jwks_row("keys a string", json!({"keys": "abc"}), TicketUnknownKey),
        jwks_row("keys an empty list", json!({"keys": []}), TicketUnknownKey),
        jwks_row("keys that are not objects", json!({"keys": [1, "x", null, []]}), TicketUnknownKey),
        jwks_row(
            "the kid in another case",
            json!({"keys": [jwk_with(|k| k["kid"] = json!(swap_case(&kid)))]}),
            TicketUnknownKey,
        ),
        jwks_row("10,000 keys, none of them the ticket's", json!({ "keys": many }), TicketUnknownKey),
        jwks_row(
            "kty RSA under the ticket's kid",
            json!({"keys": [{"kty": "RSA", "kid": kid, "n": "AQAB", "e": "AQAB"}]}),
            TicketSignatureInvalid,
        ),
        jwks_row(
            "kty oct (an HMAC secret) under the ticket's kid",
            json!({"keys": [{"kty": "oct", "kid": kid, "k": "c2VjcmV0"}]}),
            TicketSignatureInvalid,
        ),
        jwks_row(
            "kty OKP under the ticket's kid",
            json!({"keys": [jwk_with(|k| k["kty"] = json!("OKP"))]}),
            TicketSignatureInvalid,
        ),
        jwks_row(
            "no kty",
            json!({"keys": [jwk_with(|k| { k.as_object_mut().unwrap().remove("kty"); })]}),
            TicketSignatureInvalid,
        ),
        jwks_row("crv P-384", json!({"keys": [jwk_with(|k| k["crv"] = json!("P-384"))]}), TicketSignatureInvalid),
        jwks_row(
            "crv secp256k1",
            json!({"keys": [jwk_with(|k| k["crv"] = json!("secp256k1"))]}),
            TicketSignatureInvalid,
        ),
        jwks_row(
            "no crv",
            json!({"keys": [jwk_with(|k| { k.as_object_mut().unwrap().remove("crv"); })]}),
            TicketSignatureInvalid,
        ),
        jwks_row(
            "no x",
            json!({"keys": [jwk_with(|k| { k.as_object_mut().unwrap().remove("x"); })]}),
            TicketSignatureInvalid,
        ),
        jwks_row(
            "no y",
            json!({"keys": [jwk_with(|k| { k.as_object_mut().unwrap().remove("y"); })]}),
            TicketSignatureInvalid,
        ),
        jwks_row("x a number", json!({"keys": [jwk_with(|k| k["x"] = json!(7))]}), TicketSignatureInvalid),
        jwks_row("x not base64url", json!({"keys": [jwk_with(|k| k["x"] = json!("***"))]}), TicketSignatureInvalid),
        jwks_row(
            "x of 31 bytes",
            json!({"keys": [jwk_with(|k| k["x"] = json!(b64url(&[7; 31])))]}),
            TicketSignatureInvalid,
        ),
        jwks_row(
            "a point off the curve",
            json!({"keys": [jwk_with(|k| k["y"] = json!(b64url(&off_curve)))]}),
            TicketSignatureInvalid,
        ),
        jwks_row(
            "the attacker's point under the ticket's kid",
            json!({"keys": [attacker_under_our_kid]}),
            TicketSignatureInvalid,
        ),
        jwks_row(
            "two keys with the ticket's kid, the attacker's first",
            json!({"keys": [attacker_under_our_kid, issuer]}),
            TicketSignatureInvalid,
        ),
        jwks_row(
            "two keys with the ticket's kid, the issuer's first",
            json!({"keys": [issuer, attacker_under_our_kid]}),
            TicketSignatureInvalid,
        ),
        jwks_row("the issuer's key listed twice", json!({"keys": [issuer, issuer]}), TicketSignatureInvalid),
        jwks_row(
            "the key marked for encryption (use: enc)",
            json!({"keys": [jwk_with(|k| k["use"] = json!("enc"))]}),
            TicketSignatureInvalid,
        ),
        jwks_row(
            "the key marked for RS256",
            json!({"keys": [jwk_with(|k| k["alg"] = json!("RS256"))]}),
            TicketSignatureInvalid,
        ),
        jwks_row(
            "the key marked for HS256",
            json!({"keys": [jwk_with(|k| k["alg"] = json!("HS256"))]}),
            TicketSignatureInvalid,
        ),
        jwks_row(
            "key_ops without verify",
            json!({"keys": [jwk_with(|k| k["key_ops"] = json!(["encrypt"]))]}),
            TicketSignatureInvalid,
        ),
        jwks_row(
            "key_ops a string",
            json!({"keys": [jwk_with(|k| k["key_ops"] = json!("verify"))]}),
            TicketSignatureInvalid,
        ),
    ]
}

#[tokio::test]
async fn hostile_jwk_sets() {
    run("jwks", jwks_rows(), |case| async move { ticket_outcome(case) }.boxed()).await;
}

// ------------------------------------------------------------------------------------------------------------------
// SMART configurations
// ------------------------------------------------------------------------------------------------------------------

const HOSPITAL: &str = "https://hospital.example/fhir";

/// A hospital's valid SMART configuration for [`HOSPITAL`].
fn hospital_config() -> Value {
    json!({
        "grant_types_supported": ["authorization_code", TOKEN_EXCHANGE],
        "token_endpoint": "https://hospital.example/token",
        "registration_endpoint": "https://hospital.example/register",
        "revocation_endpoint": "https://hospital.example/revoke",
        "authorization_endpoint": "https://hospital.example/authorize",
        "smart_permission_ticket_types_supported": [SELF_ACCESS],
    })
}

fn hospital_config_with(pointer: &str, value: Value) -> Value {
    let mut config = hospital_config();
    set(&mut config, pointer, value);
    config
}

fn hospital_config_rows() -> Vec<Row<Value>> {
    let token = |url: &str| hospital_config_with("/token_endpoint", json!(url));
    let mut no_token = hospital_config();
    remove(&mut no_token, "/token_endpoint");
    let mut no_grants = hospital_config();
    remove(&mut no_grants, "/grant_types_supported");
    vec![
        row("an empty configuration", json!({}), HospitalUnsupported),
        row("a configuration that is a list", json!([hospital_config()]), HospitalUnsupported),
        row("a configuration that is a string", json!("token_endpoint"), HospitalUnsupported),
        row("a configuration that is null", Value::Null, HospitalUnsupported),
        row("no grant_types_supported", no_grants, HospitalUnsupported),
        row(
            "grant_types_supported a string",
            hospital_config_with("/grant_types_supported", json!(TOKEN_EXCHANGE)),
            HospitalUnsupported,
        ),
        row(
            "grant_types_supported empty",
            hospital_config_with("/grant_types_supported", json!([])),
            HospitalUnsupported,
        ),
        row(
            "no token exchange grant",
            hospital_config_with("/grant_types_supported", json!(["authorization_code"])),
            HospitalUnsupported,
        ),
        row(
            "grant types that are numbers",
            hospital_config_with("/grant_types_supported", json!([1, 2])),
            HospitalUnsupported,
        ),
        row(
            "the token-exchange grant in another case",
            hospital_config_with("/grant_types_supported", json!([TOKEN_EXCHANGE.to_uppercase()])),
            HospitalUnsupported,
        ),
        row("no token_endpoint", no_token, HospitalInvalidResponse),
        row("token_endpoint a number", hospital_config_with("/token_endpoint", json!(443)), HospitalInvalidResponse),
        row("token_endpoint on another host", token("https://evil.example/token"), HospitalInvalidResponse),
        row("token_endpoint on another port", token("https://hospital.example:8443/token"), HospitalInvalidResponse),
        row(
            "token_endpoint over http to a non-loopback host",
            token("http://hospital.example/token"),
            HospitalInvalidResponse,
        ),
        row(
            "token_endpoint with userinfo hiding another host",
            token("https://hospital.example@evil.example/token"),
            HospitalInvalidResponse,
        ),
        row(
            "token_endpoint on a look-alike host",
            token("https://hospital.example.evil.example/token"),
            HospitalInvalidResponse,
        ),
        row("token_endpoint javascript:", token("javascript:alert(1)"), HospitalInvalidResponse),
        row("token_endpoint relative", token("/token"), HospitalInvalidResponse),
        row("token_endpoint empty", token(""), HospitalInvalidResponse),
        row("token_endpoint a file", token("file:///etc/passwd"), HospitalInvalidResponse),
        row(
            "registration_endpoint on another host",
            hospital_config_with("/registration_endpoint", json!("https://evil.example/register")),
            HospitalInvalidResponse,
        ),
        row(
            "revocation_endpoint on another host",
            hospital_config_with("/revocation_endpoint", json!("https://evil.example/revoke")),
            HospitalInvalidResponse,
        ),
        row(
            "authorization_endpoint on another host",
            hospital_config_with("/authorization_endpoint", json!("https://evil.example/authorize")),
            HospitalInvalidResponse,
        ),
    ]
}

#[tokio::test]
async fn hostile_hospital_configurations() {
    run("hospital smart-configuration", hospital_config_rows(), |config| {
        async move { outcome(exchange::endpoints(HOSPITAL, &config)) }.boxed()
    })
    .await;
}

/// A served answer for a party's `.well-known/smart-configuration`, or an address to use without any server.
enum Served {
    /// Serve this and discover from the server's own address.
    Answer(Handler),
    /// Discover from this address; no server is started (nothing may be contacted).
    Address(&'static str),
}

/// What discovery gives against a served answer: the hospital's (`/fhir` on the server) or the broker's.
async fn discovery_outcome(party: Party, served: Served) -> Outcome {
    let http = http_with(1, Duration::from_secs(2));
    let (address, _server) = match served {
        Served::Answer(handler) => {
            let server = serve(handler).await;
            let address = match party {
                Party::Hospital => format!("{}/fhir", server.base),
                Party::Broker => server.base.clone(),
            };
            (address, Some(server))
        }
        Served::Address(address) => (address.to_string(), None),
    };
    match party {
        Party::Hospital => outcome(exchange::discover(&http, &address).await),
        Party::Broker => outcome(broker::discover(&http, &address).await),
    }
}

fn served_hospital_rows() -> Vec<Row<Served>> {
    let answer = Served::Answer;
    vec![
        row("no SMART configuration (404)", answer(always(404, json!({}))), HospitalUnsupported),
        row("a server error (500)", answer(always(500, json!({}))), HospitalError),
        row("401 instead of a configuration", answer(always(401, json!({}))), HospitalInvalidResponse),
        row(
            "a redirect elsewhere (302)",
            answer(with_header(always(302, json!({})), "location", "https://evil.example/")),
            HospitalInvalidResponse,
        ),
        row(
            "a configuration that is not JSON",
            answer(always_text(200, "application/json", "{\"token_endpoint\": ")),
            HospitalInvalidResponse,
        ),
        row(
            "an HTML page",
            answer(always_text(200, "text/html", "<html><body>Welcome</body></html>")),
            HospitalInvalidResponse,
        ),
        row("a configuration that is a JSON list", answer(always(200, json!([]))), HospitalInvalidResponse),
        row("a configuration that is a JSON string", answer(always(200, json!("hello"))), HospitalInvalidResponse),
        row("a 40 MB configuration", answer(huge_with_length()), RecordsTooLarge),
        row("a 40 MB configuration streamed without a length", answer(huge_streamed()), RecordsTooLarge),
        row(
            "a token endpoint on another loopback port",
            answer(always(
                200,
                json!({"grant_types_supported": [TOKEN_EXCHANGE], "token_endpoint": "http://127.0.0.1:1/token"}),
            )),
            HospitalInvalidResponse,
        ),
        row(
            "a token endpoint over http on another host",
            answer(always(
                200,
                json!({"grant_types_supported": [TOKEN_EXCHANGE], "token_endpoint": "http://hospital.example/token"}),
            )),
            HospitalInvalidResponse,
        ),
        row("a hospital over http on a non-loopback host", Served::Address("http://192.0.2.1/fhir"), InvalidInput),
        row("a hospital over http on 0.0.0.0", Served::Address("http://0.0.0.0:8080/fhir"), InvalidInput),
        row("a hospital over ftp", Served::Address("ftp://127.0.0.1/fhir"), InvalidInput),
        row("a hospital that is a file", Served::Address("file:///etc/passwd"), InvalidInput),
        row("a hospital that is not an address", Served::Address("hospital example"), InvalidInput),
    ]
}

#[tokio::test]
async fn hostile_hospital_discovery() {
    run("hospital discovery", served_hospital_rows(), |served| discovery_outcome(Party::Hospital, served).boxed())
        .await;
}

/// A broker's valid SMART configuration on its own `base`.
fn broker_config(base: &str) -> Value {
    json!({
        "issuer": base,
        "authorization_endpoint": format!("{base}/authorize"),
        "token_endpoint": format!("{base}/token"),
        "registration_endpoint": format!("{base}/register"),
        "code_challenge_methods_supported": ["S256"],
        "capabilities": ["permission-ticket-issuance"],
        "authorization_response_iss_parameter_supported": true,
    })
}

/// Serves the broker's valid configuration with `value` at `pointer` (`None`: the member removed).
fn broker_config_with(pointer: &'static str, value: Option<Value>) -> Served {
    Served::Answer(always_from_base(200, move |base| {
        let mut config = broker_config(base);
        match &value {
            Some(value) => set(&mut config, pointer, value.clone()),
            None => remove(&mut config, pointer),
        }
        config
    }))
}

fn broker_discovery_rows() -> Vec<Row<Served>> {
    let with = |pointer: &'static str, value: Value| broker_config_with(pointer, Some(value));
    let without = |pointer: &'static str| broker_config_with(pointer, None);
    vec![
        row("a broker over http on a public host", Served::Address("http://broker.example.org"), InvalidInput),
        row("a broker over http on a private address", Served::Address("http://10.0.0.5:8080"), InvalidInput),
        row("a broker on a look-alike of loopback", Served::Address("http://127.0.0.1.nip.io"), InvalidInput),
        row("a broker on 0.0.0.0", Served::Address("http://0.0.0.0:8080"), InvalidInput),
        row("a broker over ftp", Served::Address("ftp://127.0.0.1"), InvalidInput),
        row("a broker that is javascript:", Served::Address("javascript:alert(1)"), InvalidInput),
        row("a broker that is not an address", Served::Address("my broker"), InvalidInput),
        row("no SMART configuration (404)", Served::Answer(always(404, json!({}))), BrokerInvalid),
        row("a server error (500)", Served::Answer(always(500, json!({}))), BrokerUnreachable),
        row(
            "a configuration that is not JSON",
            Served::Answer(always_text(200, "application/json", "{")),
            BrokerInvalid,
        ),
        row("a configuration that is a JSON list", Served::Answer(always(200, json!([]))), BrokerInvalid),
        row("a 40 MB configuration", Served::Answer(huge_with_length()), BrokerInvalid),
        row("a 40 MB configuration streamed without a length", Served::Answer(huge_streamed()), BrokerInvalid),
        row("another issuer", with("/issuer", json!("https://evil.example")), BrokerInvalid),
        row("issuer a number", with("/issuer", json!(1)), BrokerInvalid),
        row("issuer a list", with("/issuer", json!(["x"])), BrokerInvalid),
        row(
            "authorization_endpoint on another host",
            with("/authorization_endpoint", json!("https://evil.example/authorize")),
            BrokerInvalid,
        ),
        row(
            "authorization_endpoint javascript:",
            with("/authorization_endpoint", json!("javascript:alert(1)")),
            BrokerInvalid,
        ),
        row("authorization_endpoint a number", with("/authorization_endpoint", json!(80)), BrokerInvalid),
        row("no authorization_endpoint", without("/authorization_endpoint"), BrokerInvalid),
        row(
            "token_endpoint over http on a public host",
            with("/token_endpoint", json!("http://broker.example.org/token")),
            BrokerInvalid,
        ),
        row(
            "token_endpoint on another loopback port",
            with("/token_endpoint", json!("http://127.0.0.1:1/token")),
            BrokerInvalid,
        ),
        row("no token_endpoint", without("/token_endpoint"), BrokerInvalid),
        row("no registration_endpoint", without("/registration_endpoint"), BrokerInvalid),
        row(
            "registration_endpoint on another host",
            with("/registration_endpoint", json!("https://evil.example/register")),
            BrokerInvalid,
        ),
        row("no PKCE methods", without("/code_challenge_methods_supported"), BrokerInvalid),
        row("PKCE plain only", with("/code_challenge_methods_supported", json!(["plain"])), BrokerInvalid),
        row("PKCE methods a string", with("/code_challenge_methods_supported", json!("S256")), BrokerInvalid),
        row("no capabilities", without("/capabilities"), BrokerInvalid),
        row("capabilities a string", with("/capabilities", json!("permission-ticket-issuance")), BrokerInvalid),
        row("capabilities empty", with("/capabilities", json!([])), BrokerInvalid),
        row("capabilities without ticket issuance", with("/capabilities", json!(["launch-standalone"])), BrokerInvalid),
    ]
}

#[tokio::test]
async fn hostile_broker_discovery() {
    run("broker discovery", broker_discovery_rows(), |served| discovery_outcome(Party::Broker, served).boxed()).await;
}

// ------------------------------------------------------------------------------------------------------------------
// Token responses
// ------------------------------------------------------------------------------------------------------------------

/// A valid hospital token response, with one member replaced (`None`: removed).
fn redemption_with(name: &str, value: Option<Value>) -> Handler {
    let mut body = json!({"access_token": "at-1", "token_type": "Bearer", "expires_in": 300, "scope": "patient/*.rs",
        "patient": "p1", "refresh_token": "rt-1"});
    match value {
        Some(value) => body[name] = value,
        None => {
            body.as_object_mut().unwrap().remove(name);
        }
    }
    always(200, body)
}

/// A token request to `party`'s token endpoint served by `handler`, with real client authentication.
async fn token_outcome(party: Party, handler: Handler) -> Outcome {
    let server = serve(handler).await;
    let http = http();
    let identity = Identity::from_key(SigningKey::generate().unwrap());
    let (clock, random) = (ManualClock::at_unix(NOW), SeededRandom::new(3));
    let auth = identity.as_client("client-1", &clock, &random);
    let token = format!("{}/token", server.base);
    let grant = Grant::AuthorizationCode {
        code: Sensitive::new("c".into()),
        redirect_uri: "http://127.0.0.1/callback".into(),
        verifier: Sensitive::new("v".repeat(43)),
    };
    match party {
        Party::Hospital => {
            let endpoints = HospitalEndpoints {
                fhir_base_url: format!("{}/fhir", server.base),
                token,
                register: None,
                revoke: None,
                authorize: None,
                ticket_types: vec![],
                trust_frameworks: vec![],
            };
            // A code exchange's answer must name the patient (a refresh answer need not: `Redemption::patient`).
            let answer = exchange::token_request(&http, &endpoints, &auth, &grant).await;
            outcome(answer.and_then(|exchange| match exchange {
                exchange::Exchange::Token(redemption) => redemption.patient().map(|_| ()),
                exchange::Exchange::Interaction(_) => Ok(()),
            }))
        }
        Party::Broker => outcome(broker::token_request(&http, &token, &auth, &grant).await),
    }
}

fn hospital_token_rows() -> Vec<Row<Handler>> {
    let with = |name: &str, value: Value| redemption_with(name, Some(value));
    vec![
        row(
            "an answer that is not JSON",
            always_text(200, "application/json", "access_token=at-1"),
            HospitalInvalidResponse,
        ),
        row("an HTML page", always_text(200, "text/html", "<html>Sign in</html>"), HospitalInvalidResponse),
        row("an empty object", always(200, json!({})), HospitalInvalidResponse),
        row("a JSON list", always(200, json!([{"access_token": "at-1", "patient": "p1"}])), HospitalInvalidResponse),
        row("no access_token", redemption_with("access_token", None), HospitalInvalidResponse),
        row("access_token a number", with("access_token", json!(12345)), HospitalInvalidResponse),
        row("access_token empty", with("access_token", json!("")), HospitalInvalidResponse),
        row("access_token null", with("access_token", Value::Null), HospitalInvalidResponse),
        row("access_token an object", with("access_token", json!({"value": "at-1"})), HospitalInvalidResponse),
        row("no patient", redemption_with("patient", None), HospitalInvalidResponse),
        row("patient a number", with("patient", json!(42)), HospitalInvalidResponse),
        row("patient a path", with("patient", json!("../../Patient/p2")), HospitalInvalidResponse),
        row("patient with a query", with("patient", json!("p1?_id=p2")), HospitalInvalidResponse),
        row("patient with a space", with("patient", json!("p1 p2")), HospitalInvalidResponse),
        row("patient empty", with("patient", json!("")), HospitalInvalidResponse),
        row("patient of 10,000 characters", with("patient", json!("p".repeat(10_000))), HospitalInvalidResponse),
        row("patient in full-width digits", with("patient", json!("ｐ１")), HospitalInvalidResponse),
        row("expires_in a string", with("expires_in", json!("3600")), HospitalInvalidResponse),
        row("expires_in negative", with("expires_in", json!(-1)), HospitalInvalidResponse),
        row("expires_in a fraction", with("expires_in", json!(1.5)), HospitalInvalidResponse),
        row("expires_in 1e300", with("expires_in", json!(1e300)), HospitalInvalidResponse),
        row("expires_in u64::MAX", with("expires_in", json!(u64::MAX)), HospitalInvalidResponse),
        row("expires_in i64::MAX", with("expires_in", json!(i64::MAX)), HospitalInvalidResponse),
        row("expires_in i64::MIN", with("expires_in", json!(i64::MIN)), HospitalInvalidResponse),
        row("expires_in a list", with("expires_in", json!([300])), HospitalInvalidResponse),
        row("refresh_token a number", with("refresh_token", json!(7)), HospitalInvalidResponse),
        row("refresh_token an object", with("refresh_token", json!({"token": "rt"})), HospitalInvalidResponse),
        row("refresh_token empty", with("refresh_token", json!("")), HospitalInvalidResponse),
        row("scope a list", with("scope", json!(["patient/*.rs"])), HospitalInvalidResponse),
        row("an error that is a number", always(400, json!({"error": 42})), HospitalInvalidResponse),
        row("an error answer without error", always(400, json!({})), HospitalInvalidResponse),
        row("an unknown error", always(400, json!({"error": "server_on_fire"})), HospitalInvalidResponse),
        row(
            "invalid_grant with a description that is an object",
            always(400, json!({"error": "invalid_grant", "error_description": {"x": 1}})),
            HospitalNothingShared,
        ),
        row(
            "interaction_required without a launch",
            always(400, json!({"error": "interaction_required"})),
            HospitalInteractionRequired,
        ),
        row(
            "interaction_required with a 10,000-character launch",
            always(400, json!({"error": "interaction_required", "launch": "l".repeat(10_000)})),
            HospitalInteractionRequired,
        ),
        row(
            "interaction_required with a launch that is a number",
            always(400, json!({"error": "interaction_required", "launch": 5})),
            HospitalInteractionRequired,
        ),
        row("a server error (500, not repeated)", always(500, json!({})), HospitalError),
        row("429 without Retry-After", always(429, json!({})), HospitalBusy),
        row(
            "a redirect elsewhere (302)",
            with_header(always_text(302, "text/html", ""), "location", "https://evil.example/"),
            HospitalInvalidResponse,
        ),
        row("a 40 MB answer", huge_with_length(), RecordsTooLarge),
        row("a 40 MB answer streamed without a length", huge_streamed(), RecordsTooLarge),
    ]
}

#[tokio::test]
async fn hostile_hospital_token_responses() {
    run("hospital token response", hospital_token_rows(), |handler| token_outcome(Party::Hospital, handler).boxed())
        .await;
}

/// A valid broker token response, with one member replaced (`None`: removed).
fn sign_in_with(name: &str, value: Option<Value>) -> Handler {
    let mut body = json!({"access_token": "at-1", "token_type": "Bearer", "expires_in": 300, "refresh_token": "rt-1",
        "smart_permission_ticket": [], "smart_permission_ticket_endpoints": []});
    match value {
        Some(value) => body[name] = value,
        None => {
            body.as_object_mut().unwrap().remove(name);
        }
    }
    always(200, body)
}

fn broker_token_rows() -> Vec<Row<Handler>> {
    let with = |name: &str, value: Value| sign_in_with(name, Some(value));
    vec![
        row("an answer that is not JSON", always_text(200, "application/json", "{"), BrokerInvalid),
        row("an empty object", always(200, json!({})), BrokerInvalid),
        row("a JSON list", always(200, json!([])), BrokerInvalid),
        row("no access_token", sign_in_with("access_token", None), BrokerInvalid),
        row("access_token a number", with("access_token", json!(1)), BrokerInvalid),
        row("access_token empty", with("access_token", json!("")), BrokerInvalid),
        row("tickets a string", with("smart_permission_ticket", json!("eyJ...")), BrokerInvalid),
        row("tickets an object", with("smart_permission_ticket", json!({"0": "eyJ..."})), BrokerInvalid),
        row("a ticket that is a number", with("smart_permission_ticket", json!([1])), BrokerInvalid),
        row("a ticket that is null", with("smart_permission_ticket", json!([null])), BrokerInvalid),
        row("expires_in a string", with("expires_in", json!("300")), BrokerInvalid),
        row("expires_in negative", with("expires_in", json!(-300)), BrokerInvalid),
        row("expires_in 1e308", with("expires_in", json!(1e308)), BrokerInvalid),
        row("expires_in i64::MAX", with("expires_in", json!(i64::MAX)), BrokerInvalid),
        row("expires_in u64::MAX", with("expires_in", json!(u64::MAX)), BrokerInvalid),
        row("refresh_token a number", with("refresh_token", json!(7)), BrokerInvalid),
        row("refresh_token empty", with("refresh_token", json!("")), BrokerInvalid),
        row("invalid_grant", always(400, json!({"error": "invalid_grant"})), BrokerDenied),
        row("an error that is not JSON", always_text(400, "text/plain", "no"), BrokerInvalid),
        row("an error that is a number", always(400, json!({"error": 400})), BrokerInvalid),
        row("a server error (500, not repeated)", always(500, json!({})), BrokerUnreachable),
        row("a 40 MB answer", huge_with_length(), BrokerInvalid),
        row("a 40 MB answer streamed without a length", huge_streamed(), BrokerInvalid),
    ]
}

#[tokio::test]
async fn hostile_broker_token_responses() {
    run("broker token response", broker_token_rows(), |handler| token_outcome(Party::Broker, handler).boxed()).await;
}

// ------------------------------------------------------------------------------------------------------------------
// FHIR search pages
// ------------------------------------------------------------------------------------------------------------------

/// A Condition whose `subject` is `subject`.
fn condition(subject: Value) -> Value {
    json!({"resourceType": "Condition", "id": "c1", "code": {"text": "Asthma"}, "subject": subject,
        "onsetDateTime": "2020-01-02"})
}

/// A searchset Bundle of `resources`.
fn bundle(resources: Vec<Value>) -> Value {
    let entries: Vec<Value> = resources.into_iter().map(|r| json!({ "resource": r })).collect();
    json!({"resourceType": "Bundle", "type": "searchset", "entry": entries})
}

/// A page whose single Condition's subject is `reference` (built from the FHIR base).
fn about(reference: impl Fn(&str) -> String + Send + Sync + 'static) -> Handler {
    always_from_base(200, move |base| {
        bundle(vec![condition(json!({ "reference": reference(&format!("{base}/fhir")) }))])
    })
}

/// A page whose `next` link is `next(fhir base, this request's path and query)`.
fn paging(next: impl Fn(&str, &str) -> String + Send + Sync + 'static) -> Handler {
    Arc::new(move |base, path| {
        let mut page = bundle(vec![condition(json!({"reference": "Patient/p1"}))]);
        page["link"] = json!([{"relation": "next", "url": next(&format!("{base}/fhir"), path)}]);
        json_reply(200, &page)
    })
}

/// What the wallet reads from a hostile FHIR server: every Condition of patient `p1`.
async fn search_outcome(handler: Handler) -> Outcome {
    let server = serve(handler).await;
    let token = Sensitive::new("at-1".to_string());
    let fhir = format!("{}/fhir", server.base);
    let http = http();
    let reader =
        records::FhirReader { http: &http, fhir_base_url: &fhir, token: &token, patient: "p1", client_jkt: None };
    outcome(reader.search(&records::Search { resource_type: "Condition", filter: None }).await)
}

fn fhir_rows() -> Vec<Row<Handler>> {
    let page = |body: Value| always(200, body);
    let mut both = condition(json!({"reference": "Patient/p1"}));
    both["patient"] = json!({"reference": "Patient/p2"});
    vec![
        row("another patient", about(|_| "Patient/p2".into()), RecordsWrongPatient),
        row(
            "the same id on another server",
            about(|_| "https://other.example/fhir/Patient/p1".into()),
            RecordsWrongPatient,
        ),
        row(
            "the hospital's base written twice",
            about(|fhir| format!("{fhir}/{fhir}/Patient/p1")),
            RecordsWrongPatient,
        ),
        row("a patient whose id extends ours", about(|_| "Patient/p10".into()), RecordsWrongPatient),
        row("a patient whose id is a prefix of ours", about(|_| "Patient/p".into()), RecordsWrongPatient),
        row("a Group with our patient's id", about(|_| "Group/p1".into()), RecordsWrongPatient),
        row("patient in lower case", about(|_| "patient/p1".into()), RecordsWrongPatient),
        row("our patient with a trailing space", about(|_| "Patient/p1 ".into()), RecordsWrongPatient),
        row("our patient with a query", about(|_| "Patient/p1?_id=p2".into()), RecordsWrongPatient),
        row("a path walking to another patient", about(|_| "Patient/p1/../p2".into()), RecordsWrongPatient),
        row("a contained patient", about(|_| "#p1".into()), RecordsWrongPatient),
        row("subject ours but patient someone else's", page(bundle(vec![both])), RecordsWrongPatient),
        row(
            "the second entry about someone else",
            page(bundle(vec![
                condition(json!({"reference": "Patient/p1"})),
                condition(json!({"reference": "Patient/p2"})),
            ])),
            RecordsWrongPatient,
        ),
        row(
            "no patient reference at all",
            page(bundle(vec![json!({"resourceType": "Condition", "code": {"text": "Asthma"}})])),
            RecordsInvalid,
        ),
        row(
            "a subject with only a display",
            page(bundle(vec![condition(json!({"display": "Harold Washington"}))])),
            RecordsInvalid,
        ),
        row("a subject that is a string", page(bundle(vec![condition(json!("Patient/p1"))])), RecordsInvalid),
        row("a reference that is a number", page(bundle(vec![condition(json!({"reference": 1}))])), RecordsInvalid),
        row("a reference that is null", page(bundle(vec![condition(json!({"reference": null}))])), RecordsInvalid),
        row(
            "an entry without a resource",
            page(json!({"resourceType": "Bundle", "entry": [{"fullUrl": "x"}]})),
            RecordsInvalid,
        ),
        row("an entry that is a number", page(json!({"resourceType": "Bundle", "entry": [1]})), RecordsInvalid),
        row(
            "entry that is an object, not a list",
            page(
                json!({"resourceType": "Bundle", "entry": {"resource": condition(json!({"reference": "Patient/p2"}))}}),
            ),
            RecordsInvalid,
        ),
        row(
            "an Observation in a Condition search",
            page(bundle(vec![json!({"resourceType": "Observation", "subject": {"reference": "Patient/p1"}})])),
            RecordsInvalid,
        ),
        row(
            "a resourceType that is a number",
            page(bundle(vec![json!({"resourceType": 5, "subject": {"reference": "Patient/p1"}})])),
            RecordsInvalid,
        ),
        row(
            "an OperationOutcome with 200",
            page(json!({"resourceType": "OperationOutcome", "issue": []})),
            RecordsInvalid,
        ),
        row(
            "a body that is not JSON",
            always_text(200, "application/fhir+json", "{\"resourceType\": \"Bundle\""),
            RecordsInvalid,
        ),
        row("a JSON list", page(json!([bundle(vec![])])), RecordsInvalid),
        row("a 404", always(404, json!({"resourceType": "OperationOutcome"})), RecordsInvalid),
        row("a server error (500)", always(500, json!({})), HospitalError),
        row("a 40 MB Bundle", huge_with_length(), RecordsTooLarge),
        row("a 40 MB Bundle streamed without a length", huge_streamed(), RecordsTooLarge),
        row(
            "endless paging (every page links a new one)",
            paging(|fhir, path| {
                let n: u64 = path.rsplit_once("page=").and_then(|(_, n)| n.parse().ok()).unwrap_or(0);
                format!("{fhir}/Condition?patient=p1&page={}", n + 1)
            }),
            RecordsInvalid,
        ),
        row(
            "a next link to the same page",
            paging(|fhir, _| format!("{fhir}/Condition?patient=p1&_count=100")),
            RecordsInvalid,
        ),
        row(
            "next links going back and forth",
            paging(|fhir, path| {
                let page = if path.ends_with("page=a") { "b" } else { "a" };
                format!("{fhir}/Condition?patient=p1&page={page}")
            }),
            RecordsInvalid,
        ),
        row(
            "a next link to another host",
            paging(|_, _| "https://evil.example/fhir/Condition?page=2".into()),
            RecordsInvalid,
        ),
        row(
            "a next link to another loopback port",
            paging(|_, _| "http://127.0.0.1:1/fhir/Condition?page=2".into()),
            RecordsInvalid,
        ),
        row("a next link that is javascript:", paging(|_, _| "javascript:alert(1)".into()), RecordsInvalid),
        row("a relative next link", paging(|_, _| "/fhir/Condition?page=2".into()), RecordsInvalid),
        row("a next link to a file", paging(|_, _| "file:///etc/passwd".into()), RecordsInvalid),
    ]
}

#[tokio::test]
async fn hostile_fhir_pages() {
    run("fhir", fhir_rows(), |handler| search_outcome(handler).boxed()).await;
}

/// Bad dates are not an error (refusing them would hide the rest of the hospital's record): the item is kept,
/// without a date. Not part of the coded corpus.
#[tokio::test]
async fn bad_dates_are_dropped_not_shown_and_do_not_panic() {
    let hospital = records::HospitalRef { name: "Hospital".into(), fhir_base_url: "http://127.0.0.1:1/fhir".into() };
    for bad in [
        json!("2024-13-45"),
        json!("2024-02-30T00:00:00Z"),
        json!("yesterday"),
        json!("99999-01-01"),
        json!(""),
        json!(42),
        json!(null),
        json!(["2024-01-01"]),
        json!("２０２４-01-05"),
        json!("\u{202e}2024-01-05"),
        json!("2024-01-05garbage"),
        json!("-2024-01-05"),
    ] {
        let mut resource = condition(json!({"reference": "Patient/p1"}));
        resource["onsetDateTime"] = bad.clone();
        let item = std::panic::catch_unwind(|| records::normalise(&resource, &hospital))
            .unwrap_or_else(|_| panic!("normalising a Condition with onsetDateTime {bad} panicked"))
            .unwrap_or_else(|| panic!("a Condition with onsetDateTime {bad} was dropped"));
        assert_eq!(item.date, None, "onsetDateTime {bad} was kept as a date");
        assert_eq!(item.sources[0].date, None, "onsetDateTime {bad} was shown as a date");
    }
    let resource = condition(json!({"reference": "Patient/p1"}));
    assert_eq!(records::normalise(&resource, &hospital).unwrap().date.as_deref(), Some("2020-01-02"), "the control");
}

// ------------------------------------------------------------------------------------------------------------------
// Loopback redirect requests
// ------------------------------------------------------------------------------------------------------------------

const BROKER: &str = "http://127.0.0.1:9";

/// A hostile request to the sign-in's redirect listener: its query, from this sign-in's `state`.
type Query = Arc<dyn Fn(&str) -> String + Send + Sync>;

fn query(build: impl Fn(&str) -> String + Send + Sync + 'static) -> Query {
    Arc::new(build)
}

/// Runs a real sign-in round trip whose "browser" sends the hostile redirect. A redirect that is not this sign-in's
/// (`signin.state_mismatch` from the listener's own [`redirect_params`]) must be answered with an error page
/// and leave the sign-in waiting: the browser then sends the real redirect, which must be accepted. Any other
/// redirect ends the sign-in with its code.
async fn redirect_outcome(hostile: Query) -> Outcome {
    let (report, mut reports) = tokio::sync::mpsc::unbounded_channel::<(String, String, u16)>();
    let browser = Browser::Open(Arc::new(move |url: &str| {
        let pairs: std::collections::HashMap<String, String> =
            url::Url::parse(url).map_err(|e| e.to_string())?.query_pairs().into_owned().collect();
        let (redirect, state) = (pairs["redirect_uri"].clone(), pairs["state"].clone());
        let (hostile, report) = (hostile.clone(), report.clone());
        tokio::spawn(async move {
            let client = reqwest::Client::new();
            let query = hostile(&state);
            let status = client.get(format!("{redirect}?{query}")).send().await.map(|r| r.status().as_u16());
            let _ = report.send((query.clone(), state.clone(), status.unwrap_or(0)));
            if redirect_params(&query, &state).is_err() {
                let good = format!("{redirect}?state={state}&code=good&iss={BROKER}");
                let _ = client.get(good).send().await;
            }
        });
        Ok(())
    }));
    let server = AuthorizationServer { issuer: BROKER, iss_required: true };
    let random = SeededRandom::new(11);
    let signed_in = tokio::time::timeout(
        Duration::from_secs(20),
        oauth::authorize(&format!("{BROKER}/authorize"), server, "c1", "openid", BROKER, &[], &browser, &random),
    )
    .await;
    let Ok(signed_in) = signed_in else { return Outcome::Hung };
    let Some((query, state, status)) = reports.recv().await else { return Outcome::Panic("no request sent".into()) };
    match redirect_params(&query, &state) {
        // Not this sign-in's: refused with an error page, and the real answer still got through.
        Err(not_ours) => {
            let code = signed_in.as_ref().ok().and_then(Grant::authorization_code).map(|code| code.expose().as_str());
            let continued = code == Some("good");
            if status == 400 && continued {
                Outcome::Code(not_ours.code())
            } else {
                Outcome::Panic(format!("the listener answered {status} and the sign-in continued: {continued}"))
            }
        }
        Ok(params) => {
            // The listener's verdict must be the same as checking the parameters directly.
            let direct = oauth::check_redirect(&params, &state, server).map(|_| ()).map_err(|e| e.code());
            let through = signed_in.as_ref().map(|_| ()).map_err(|e| e.code());
            if direct != through {
                return Outcome::Panic(format!("listener gave {through:?}, check_redirect {direct:?}"));
            }
            outcome(signed_in)
        }
    }
}

fn redirect_rows() -> Vec<Row<Query>> {
    let changed = |state: &str| {
        let first = if state.starts_with('A') { 'B' } else { 'A' };
        format!("{first}{}", &state[1..])
    };
    vec![
        row("no state", query(|_| "code=x".into()), SigninStateMismatch),
        row("an empty query", query(|_| String::new()), SigninStateMismatch),
        row("a wrong state", query(|_| "state=wrong&code=x".into()), SigninStateMismatch),
        row("an empty state", query(|_| "state=&code=x".into()), SigninStateMismatch),
        row(
            "the state with its first character changed",
            query(move |s| format!("state={}&code=x", changed(s))),
            SigninStateMismatch,
        ),
        row("the state with a suffix", query(|s| format!("state={s}x&code=x")), SigninStateMismatch),
        row("half of the state", query(|s| format!("state={}&code=x", &s[..s.len() / 2])), SigninStateMismatch),
        row("the state with a NUL", query(|s| format!("state={s}%00&code=x")), SigninStateMismatch),
        row("STATE in upper case", query(|s| format!("STATE={s}&code=x")), SigninStateMismatch),
        row("two states, ours first", query(|s| format!("state={s}&state=wrong&code=x")), SigninStateMismatch),
        row("two states, ours second", query(|s| format!("state=wrong&state={s}&code=x")), SigninStateMismatch),
        row("our state twice", query(|s| format!("state={s}&state={s}&code=x")), SigninStateMismatch),
        row(
            "a 5 KB query with our state",
            query(|s| format!("state={s}&code={}", "a".repeat(5000))),
            SigninStateMismatch,
        ),
        row("two codes", query(|s| format!("state={s}&code=a&code=b&iss={BROKER}")), BrokerInvalid),
        row("no code", query(|s| format!("state={s}&iss={BROKER}")), BrokerInvalid),
        row("an empty code", query(|s| format!("state={s}&code=&iss={BROKER}")), BrokerInvalid),
        row("another issuer", query(|s| format!("state={s}&code=x&iss=https://evil.example")), SigninIssuerMismatch),
        row("no issuer from a broker that promised one", query(|s| format!("state={s}&code=x")), SigninIssuerMismatch),
        row(
            "two issuers, ours first",
            query(|s| format!("state={s}&code=x&iss={BROKER}&iss=https://evil.example")),
            BrokerInvalid,
        ),
        row("an error", query(|s| format!("state={s}&error=access_denied&iss={BROKER}")), BrokerDenied),
        row(
            "an error and a code",
            query(|s| format!("state={s}&error=access_denied&code=x&iss={BROKER}")),
            BrokerDenied,
        ),
    ]
}

#[tokio::test]
async fn hostile_redirects() {
    run("redirect", redirect_rows(), |hostile| redirect_outcome(hostile).boxed()).await;
}

// ------------------------------------------------------------------------------------------------------------------
// HTTP transport
// ------------------------------------------------------------------------------------------------------------------

/// A raw-TCP behaviour.
fn raw(behave: impl Fn(tokio::net::TcpStream) -> BoxFuture<'static, ()> + Send + Sync + 'static) -> Behaviour {
    Arc::new(behave)
}

/// Reads the request head, then writes `answer` and closes.
fn answers_raw(answer: &'static [u8]) -> Behaviour {
    raw(move |mut stream| {
        async move {
            let mut buffer = [0u8; 4096];
            let _ = stream.read(&mut buffer).await;
            let _ = stream.write_all(answer).await;
            let _ = stream.shutdown().await;
        }
        .boxed()
    })
}

/// How a transport row is served.
enum Transport {
    /// An HTTP server.
    Http(Handler),
    /// A raw TCP server.
    Raw(Behaviour),
    /// Nothing listens.
    Closed,
}

/// A GET to a hostile server, with `attempts` attempts and a one-second timeout.
async fn transport_outcome(party: Party, attempts: u32, transport: Transport) -> Outcome {
    let (url, _server) = match transport {
        Transport::Http(handler) => {
            let server = serve(handler).await;
            (format!("{}/x", server.base), Some(server))
        }
        Transport::Raw(behave) => {
            let server = serve_raw(behave).await;
            (format!("{}/x", server.base), Some(server))
        }
        Transport::Closed => {
            let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
            (format!("http://127.0.0.1:{port}/x"), None)
        }
    };
    outcome(http_with(attempts, Duration::from_secs(1)).get(party, &url, None).await)
}

/// A transport row: who is asked, how many attempts, how it is served.
type TransportCase = (Party, u32, Transport);

fn transport_rows() -> Vec<Row<TransportCase>> {
    let hangs = || {
        raw(|stream| {
            async move {
                tokio::time::sleep(Duration::from_secs(30)).await;
                drop(stream)
            }
            .boxed()
        })
    };
    let busy =
        |retry_after: &'static str| Transport::Http(with_header(always(429, json!({})), "retry-after", retry_after));
    let trickle: Handler = Arc::new(|_, _| {
        let drops = futures_util::stream::unfold(0u32, |n| async move {
            tokio::time::sleep(Duration::from_millis(200)).await;
            (n < 100).then(|| (Ok::<_, std::io::Error>(Bytes::from_static(b" ")), n + 1))
        });
        reply(200, "application/json", Body::from_stream(drops))
    });
    let h = Party::Hospital;
    vec![
        row("a hospital that never answers", (h, 1, Transport::Raw(hangs())), HospitalTimeout),
        row(
            "a hospital that closes at once",
            (h, 1, Transport::Raw(raw(|s| async move { drop(s) }.boxed()))),
            HospitalUnreachable,
        ),
        row(
            "an answer that is not HTTP",
            (h, 1, Transport::Raw(answers_raw(b"HELLO THERE\r\n\r\n"))),
            HospitalUnreachable,
        ),
        row(
            "a body shorter than its Content-Length",
            (h, 1, Transport::Raw(answers_raw(b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n{\"a\":"))),
            HospitalUnreachable,
        ),
        row(
            "a Content-Length that is not a number",
            (h, 1, Transport::Raw(answers_raw(b"HTTP/1.1 200 OK\r\ncontent-length: lots\r\n\r\n{}"))),
            HospitalUnreachable,
        ),
        row("a body that trickles past the timeout", (h, 1, Transport::Http(trickle)), HospitalTimeout),
        row("429 asking for a wait of 10^12 s", (h, 3, busy("1000000000000")), HospitalBusy),
        row("429 asking for a wait of u64::MAX s", (h, 3, busy("18446744073709551615")), HospitalBusy),
        row("429 asking for a wait beyond u64", (h, 3, busy("99999999999999999999999")), HospitalBusy),
        row("429 asking for a negative wait", (h, 2, busy("-1")), HospitalBusy),
        row("429 asking for a wait until a date", (h, 2, busy("Wed, 21 Oct 2015 07:28:00 GMT")), HospitalBusy),
        row(
            "503 with a Retry-After of 10^12 s",
            (h, 2, Transport::Http(with_header(always(503, json!({})), "retry-after", "1000000000000"))),
            HospitalError,
        ),
        row("nothing listening", (h, 1, Transport::Closed), HospitalUnreachable),
        row("a 40 MB answer", (h, 1, Transport::Http(huge_with_length())), RecordsTooLarge),
        row("a broker that never answers", (Party::Broker, 1, Transport::Raw(hangs())), BrokerUnreachable),
        row("a 40 MB answer from the broker", (Party::Broker, 1, Transport::Http(huge_with_length())), BrokerInvalid),
    ]
}

#[tokio::test]
async fn hostile_transport() {
    run("transport", transport_rows(), |(party, attempts, transport)| {
        transport_outcome(party, attempts, transport).boxed()
    })
    .await;
}

// ------------------------------------------------------------------------------------------------------------------
// The corpus as a whole
// ------------------------------------------------------------------------------------------------------------------

/// The rows of a table (every one must pass).
fn active<I>(rows: &[Row<I>]) -> usize {
    rows.len()
}

#[test]
fn the_corpus_holds_at_least_100_hostile_inputs_with_codes() {
    let counts = [
        ("tickets", active(&ticket_rows())),
        ("jwks", active(&jwks_rows())),
        ("hospital smart-configuration", active(&hospital_config_rows())),
        ("hospital discovery", active(&served_hospital_rows())),
        ("broker discovery", active(&broker_discovery_rows())),
        ("hospital token response", active(&hospital_token_rows())),
        ("broker token response", active(&broker_token_rows())),
        ("fhir", active(&fhir_rows())),
        ("redirect", active(&redirect_rows())),
        ("transport", active(&transport_rows())),
    ];
    for (category, count) in counts {
        println!("{category}: {count} rows");
        assert!(count >= 5, "{category} has only {count} rows");
    }
    let total: usize = counts.iter().map(|(_, count)| count).sum();
    println!("total: {total} hostile inputs with their expected codes");
    assert!(total >= 100, "only {total} hostile inputs");
    let names: Vec<String> = ticket_rows().into_iter().chain(jwks_rows()).map(|r| r.name).collect();
    let unique: std::collections::HashSet<&String> = names.iter().collect();
    assert_eq!(unique.len(), names.len(), "two ticket or JWK Set rows share a name");
}
