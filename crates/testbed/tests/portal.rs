//! A `portal-only` hospital: no ticket exchange, the hospital's own SMART standalone patient launch instead — its
//! login and patient-picker pages (or auto-approve), PKCE, `iss`, refresh rotation and RFC 7009. Real HTTP on
//! loopback.

use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::Arc;
use tessera_jose::SigningKey;
use tessera_testbed::faults::Fault;
use tessera_testbed::portal_state::RefreshState;
use tessera_testbed::{Config, Testbed};

/// The portal-only hospital's index.
const PORTAL: usize = 1;
const REDIRECT: &str = "http://127.0.0.1:53682/callback";
const SCOPE: &str = "launch/patient openid fhirUser offline_access patient/Condition.rs patient/Observation.rs \
                     patient/Encounter.cruds user/Procedure.rs";
const GRANTED: &str = "patient/Condition.rs patient/Observation.rs patient/Encounter.rs launch/patient offline_access";

/// A network of three hospitals, the second portal-only, on a clock the test moves.
async fn network(auto_approve: bool) -> (Testbed, Arc<AtomicI64>) {
    let clock = Arc::new(AtomicI64::new(time::OffsetDateTime::now_utc().unix_timestamp()));
    let reading = clock.clone();
    let config = Config {
        sites: 3,
        seed: 5,
        faults: HashMap::from([(PORTAL, vec![Fault::PortalOnly])]),
        auto_approve,
        now: Arc::new(move || reading.load(Ordering::SeqCst)),
        ..Config::default()
    };
    (Testbed::start(config).await.unwrap(), clock)
}

/// The local Patient id of network person `person` at hospital `index`.
fn local_id(tb: &Testbed, index: usize, person: &str) -> String {
    tb.hospitals[index].patients.iter().find(|p| p.person_id == person).unwrap().id.clone()
}

/// A registered app: `private_key_jwt` with its own key, or a public client (`key` is `None`).
struct App {
    http: reqwest::Client,
    config: Value,
    client_id: String,
    key: Option<SigningKey>,
    clock: Arc<AtomicI64>,
    jtis: AtomicU64,
}

/// One authorization request's secrets.
struct Attempt {
    verifier: String,
    state: String,
}

impl Attempt {
    fn new(tag: &str) -> Self {
        Self { verifier: format!("{tag}-{}", "v".repeat(50)), state: format!("state-{tag}") }
    }

    fn challenge(&self) -> String {
        tessera_jose::b64url(&Sha256::digest(self.verifier.as_bytes()))
    }
}

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

/// The query of a redirect's `Location`.
fn location(response: &reqwest::Response) -> Option<(url::Url, HashMap<String, String>)> {
    let location = response.headers().get("location")?.to_str().ok()?;
    let url = url::Url::parse(location).ok()?;
    let query = url.query_pairs().into_owned().collect();
    Some((url, query))
}

/// The value of the hidden `request` field of a portal page.
fn request_id(html: &str) -> String {
    let start = html.find(r#"name="request" value=""#).expect("a request field") + r#"name="request" value=""#.len();
    html[start..].split('"').next().unwrap().to_string()
}

impl App {
    async fn register(tb: &Testbed, clock: &Arc<AtomicI64>, index: usize, public: bool) -> App {
        let http = no_redirects();
        let fhir_base = &tb.manifest.hospitals[index].fhir_base_url;
        let config: Value = http
            .get(format!("{fhir_base}/.well-known/smart-configuration"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let key = (!public).then(|| SigningKey::generate().unwrap());
        let mut metadata = json!({
            "client_name": "portal test app",
            "application_type": "native",
            "redirect_uris": ["http://127.0.0.1/callback"],
            "grant_types": ["authorization_code", "refresh_token"],
            "token_endpoint_auth_method": if public { "none" } else { "private_key_jwt" },
        });
        if let Some(key) = &key {
            metadata["jwks"] = json!({ "keys": [key.public_jwk()] });
        }
        let response =
            http.post(config["registration_endpoint"].as_str().unwrap()).json(&metadata).send().await.unwrap();
        assert_eq!(response.status().as_u16(), 201);
        let registration: Value = response.json().await.unwrap();
        App {
            http,
            config,
            client_id: registration["client_id"].as_str().unwrap().to_string(),
            key,
            clock: clock.clone(),
            jtis: AtomicU64::new(0),
        }
    }

    fn endpoint(&self, name: &str) -> String {
        self.config[name].as_str().unwrap().to_string()
    }

    /// Client authentication for a request to `endpoint`: an assertion, or the public client's id.
    fn authenticate(&self, form: &mut Vec<(String, String)>, endpoint: &str) {
        match &self.key {
            Some(key) => {
                let now = self.clock.load(Ordering::SeqCst);
                let jti = format!("jti-{}", self.jtis.fetch_add(1, Ordering::SeqCst));
                let claims = json!({ "iss": self.client_id, "sub": self.client_id, "aud": endpoint, "jti": jti,
                    "iat": now, "exp": now + 120 });
                form.push(("client_assertion_type".into(), tessera_testbed::oauth::JWT_BEARER.into()));
                form.push(("client_assertion".into(), key.sign(&claims, Some("JWT")).unwrap()));
            }
            None => form.push(("client_id".into(), self.client_id.clone())),
        }
    }

    /// The authorization URL for `attempt`, with `scope` and `extra` parameters (replacing the defaults).
    fn authorize_url(&self, attempt: &Attempt, scope: &str, extra: &[(&str, &str)]) -> String {
        let fhir_base = self.endpoint("fhir_base_url");
        let challenge = attempt.challenge();
        let mut params: Vec<(&str, &str)> = vec![
            ("response_type", "code"),
            ("client_id", &self.client_id),
            ("redirect_uri", REDIRECT),
            ("scope", scope),
            ("state", &attempt.state),
            ("aud", &fhir_base),
            ("code_challenge", &challenge),
            ("code_challenge_method", "S256"),
        ];
        for (name, value) in extra {
            params.retain(|(n, _)| n != name);
            if !value.is_empty() {
                params.push((name, value));
            }
        }
        let mut url = url::Url::parse(&self.endpoint("authorization_endpoint")).unwrap();
        url.query_pairs_mut().extend_pairs(&params);
        url.to_string()
    }

    /// Follows an auto-approved authorization request: the redirect's query.
    async fn authorize(&self, attempt: &Attempt, scope: &str, extra: &[(&str, &str)]) -> HashMap<String, String> {
        let response = self.http.get(self.authorize_url(attempt, scope, extra)).send().await.unwrap();
        assert_eq!(response.status().as_u16(), 303, "a redirect");
        let (url, query) = location(&response).unwrap();
        assert_eq!(url.as_str().split('?').next(), Some(REDIRECT));
        query
    }

    async fn post(&self, endpoint: &str, params: &[(&str, &str)]) -> (u16, Value) {
        let mut form: Vec<(String, String)> = params.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect();
        self.authenticate(&mut form, endpoint);
        let response = self.http.post(endpoint).form(&form).send().await.unwrap();
        let status = response.status().as_u16();
        if status == 200 && endpoint.ends_with("/token") {
            assert_eq!(response.headers().get("cache-control").unwrap(), "no-store");
        }
        (status, response.json().await.unwrap_or(Value::Null))
    }

    async fn exchange(&self, code: &str, verifier: &str, redirect: &str) -> (u16, Value) {
        let params = [
            ("grant_type", "authorization_code"),
            ("code", code),
            ("code_verifier", verifier),
            ("redirect_uri", redirect),
        ];
        self.post(&self.endpoint("token_endpoint"), &params).await
    }

    async fn refresh(&self, refresh_token: &str, scope: Option<&str>) -> (u16, Value) {
        let mut params = vec![("grant_type", "refresh_token"), ("refresh_token", refresh_token)];
        if let Some(scope) = scope {
            params.push(("scope", scope));
        }
        self.post(&self.endpoint("token_endpoint"), &params).await
    }

    async fn revoke(&self, token: &str, hint: &str) -> (u16, Value) {
        self.post(&self.endpoint("revocation_endpoint"), &[("token", token), ("token_type_hint", hint)]).await
    }

    /// Signs in (auto-approved) and exchanges the code: the token response.
    async fn sign_in(&self, tag: &str, scope: &str, extra: &[(&str, &str)]) -> Value {
        let attempt = Attempt::new(tag);
        let answer = self.authorize(&attempt, scope, extra).await;
        let (status, body) = self.exchange(&answer["code"], &attempt.verifier, REDIRECT).await;
        assert_eq!(status, 200, "{body}");
        body
    }

    /// Submits the portal's `page` form (`login` or `pick`) of sign-in `request` with `fields`, redirects not
    /// followed.
    async fn submit(&self, page: &str, request: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        let mut form = vec![("request", request)];
        form.extend_from_slice(fields);
        self.http.post(format!("{}/portal/{page}", self.endpoint("issuer"))).form(&form).send().await.unwrap()
    }

    /// `GET {fhir_base}/{path}` with `token`: status and body.
    async fn read(&self, path: &str, token: &str) -> (u16, Value) {
        let response = self
            .http
            .get(format!("{}/{path}", self.endpoint("fhir_base_url")))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        (response.status().as_u16(), response.json().await.unwrap_or(Value::Null))
    }
}

#[tokio::test]
async fn discovery_shows_the_portal_and_no_token_exchange() {
    let (tb, clock) = network(true).await;
    assert_eq!(tb.manifest.hospitals[PORTAL].faults, vec!["portal-only"]);
    let app = App::register(&tb, &clock, PORTAL, false).await;
    let config = &app.config;
    assert_eq!(config["grant_types_supported"], json!(["authorization_code", "refresh_token"]));
    assert_eq!(config["code_challenge_methods_supported"], json!(["S256"]));
    assert_eq!(config["authorization_response_iss_parameter_supported"], true);
    assert!(config.get("smart_permission_ticket_types_supported").is_none() && config.get("extensions").is_none());
    let capabilities = config["capabilities"].as_array().unwrap();
    for capability in [
        "launch-standalone",
        "client-public",
        "client-confidential-asymmetric",
        "context-standalone-patient",
        "permission-v2",
        "permission-offline",
    ] {
        assert!(capabilities.contains(&json!(capability)), "{capability}");
    }
    assert!(!capabilities.contains(&json!("launch-ehr")));
    let scopes = config["scopes_supported"].as_array().unwrap();
    for scope in ["launch/patient", "openid", "fhirUser", "offline_access", "patient/*.rs", "patient/Condition.rs"] {
        assert!(scopes.contains(&json!(scope)), "{scope}");
    }
    let base = config["issuer"].as_str().unwrap();
    for (name, path) in [
        ("authorization_endpoint", "/portal/authorize"),
        ("token_endpoint", "/auth/token"),
        ("registration_endpoint", "/auth/register"),
        ("revocation_endpoint", "/auth/revoke"),
    ] {
        assert_eq!(config[name], format!("{base}{path}"), "{name}");
    }
    assert_eq!(config["token_endpoint_auth_methods_supported"], json!(["private_key_jwt", "none"]));

    // A ticket exchange is refused as a grant this hospital does not take.
    let exchange = [
        ("grant_type", "urn:ietf:params:oauth:grant-type:token-exchange"),
        ("subject_token", "a.b.c"),
        ("subject_token_type", "https://smarthealthit.org/token-type/permission-ticket"),
    ];
    let (status, body) = app.post(&app.endpoint("token_endpoint"), &exchange).await;
    assert_eq!((status, body["error"].as_str()), (400, Some("unsupported_grant_type")), "{body}");
    // A client asking to be registered for token exchange is refused too.
    let key = SigningKey::generate().unwrap();
    let refused: Value = app
        .http
        .post(app.endpoint("registration_endpoint"))
        .json(&json!({ "token_endpoint_auth_method": "private_key_jwt", "jwks": { "keys": [key.public_jwk()] },
            "grant_types": ["urn:ietf:params:oauth:grant-type:token-exchange"] }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(refused["error"], "invalid_client_metadata");

    // The ticket hospitals beside it are unchanged, and have no portal.
    let ticket_hospital = App::register(&tb, &clock, 0, false).await;
    let grants = ticket_hospital.config["grant_types_supported"].as_array().unwrap();
    assert!(grants.contains(&json!("urn:ietf:params:oauth:grant-type:token-exchange")));
    let base = ticket_hospital.config["issuer"].as_str().unwrap();
    let portal = ticket_hospital.http.get(format!("{base}/portal/authorize")).send().await.unwrap();
    assert_eq!(portal.status().as_u16(), 404);
    // A ticket hospital registers no public client.
    let public = ticket_hospital
        .http
        .post(ticket_hospital.endpoint("registration_endpoint"))
        .json(&json!({ "token_endpoint_auth_method": "none", "redirect_uris": ["http://127.0.0.1/callback"] }))
        .send()
        .await
        .unwrap();
    assert_eq!(public.status().as_u16(), 400);
    tb.stop().await;
}

#[tokio::test]
async fn an_auto_approved_standalone_launch_reads_the_picked_patients_records() {
    let (tb, clock) = network(true).await;
    let (caregiver, elder) = (&tb.world.people[0], &tb.world.people[1]);
    let (elder_here, caregiver_here) = (local_id(&tb, PORTAL, &elder.id), local_id(&tb, PORTAL, &caregiver.id));
    let hospital = &tb.hospitals[PORTAL];
    let app = App::register(&tb, &clock, PORTAL, false).await;

    // Without hints: the first account (the caregiver), the first patient she acts for (her father).
    let attempt = Attempt::new("a");
    let answer = app.authorize(&attempt, SCOPE, &[]).await;
    assert_eq!(answer["state"], attempt.state);
    assert_eq!(answer["iss"], app.config["issuer"].as_str().unwrap(), "RFC 9207");
    let (status, body) = app.exchange(&answer["code"], &attempt.verifier, REDIRECT).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3600);
    assert_eq!(body["scope"], GRANTED, "narrowed to what exists here; no id_token, so no openid");
    assert_eq!(body["patient"], elder_here.as_str());
    assert!(body["refresh_token"].is_string() && body.get("id_token").is_none());
    let token = body["access_token"].as_str().unwrap();

    // The FHIR API, exactly as with a ticket's token.
    let (status, bundle) = app.read(&format!("Condition?patient={elder_here}"), token).await;
    assert_eq!(status, 200, "{bundle}");
    let conditions = hospital.records[&elder_here].iter().filter(|r| r["resourceType"] == "Condition").count();
    assert!(conditions > 0);
    assert_eq!(bundle["total"], conditions);
    let (status, outcome) = app.read(&format!("Procedure?patient={elder_here}"), token).await;
    assert_eq!((status, outcome["resourceType"].as_str()), (403, Some("OperationOutcome")), "not granted");
    let (status, _) = app.read(&format!("Condition?patient={caregiver_here}"), token).await;
    assert_eq!(status, 403, "another patient's compartment");
    let (status, patient) = app.read(&format!("Patient/{elder_here}"), token).await;
    assert_eq!((status, patient["birthDate"].as_str()), (200, Some(elder.birth_date.as_str())));

    // The caregiver's own chart, chosen by patient_hint (a network person id or the local id).
    for hint in [caregiver.id.as_str(), caregiver_here.as_str()] {
        let body = app.sign_in("b", SCOPE, &[("patient_hint", hint)]).await;
        assert_eq!(body["patient"], caregiver_here.as_str());
    }
    // A patient signing in sees only themself.
    let body = app.sign_in("c", SCOPE, &[("login_hint", &elder.id)]).await;
    assert_eq!(body["patient"], elder_here.as_str());
    let denied =
        app.authorize(&Attempt::new("d"), SCOPE, &[("login_hint", &elder.id), ("patient_hint", &caregiver.id)]).await;
    assert_eq!((denied["error"].as_str(), denied["state"].as_str()), ("access_denied", "state-d"));
    // Someone with no chart here has no account.
    let stranger = tb.world.people.iter().find(|p| !tb.world.has_chart(p, PORTAL, true)).map(|p| p.id.clone());
    if let Some(stranger) = stranger {
        let denied = app.authorize(&Attempt::new("e"), SCOPE, &[("login_hint", &stranger)]).await;
        assert_eq!(denied["error"], "access_denied");
    }

    // A public client: its client_id is its only credential, PKCE its only proof.
    let public = App::register(&tb, &clock, PORTAL, true).await;
    let body = public.sign_in("f", "patient/*.rs", &[]).await;
    assert_eq!((body["scope"].as_str(), body["patient"].as_str()), (Some("patient/*.rs"), Some(elder_here.as_str())));
    assert!(body.get("refresh_token").is_none(), "no offline_access asked, no refresh token");
    let (status, _) =
        public.read(&format!("Observation?patient={elder_here}"), body["access_token"].as_str().unwrap()).await;
    assert_eq!(status, 200);

    // The inspection API.
    assert_eq!(hospital.active_portal_grants(), 5);
    let grants = hospital.portal_grants();
    assert_eq!(grants[0].account, caregiver.id);
    assert_eq!(
        (grants[0].patient.as_str(), grants[0].patient_person.as_str()),
        (elder_here.as_str(), elder.id.as_str())
    );
    assert_eq!(grants[0].scope, GRANTED);
    assert_eq!(hospital.portal_grant_for(&caregiver.id).unwrap().patient, caregiver_here);
    assert_eq!(hospital.portal_grant_for(&elder_here).unwrap().client_id, public.client_id);
    assert_eq!(hospital.portal_refresh_token(body["access_token"].as_str().unwrap()), None);
    tb.stop().await;
}

#[tokio::test]
async fn the_manual_path_is_a_login_page_then_a_patient_picker() {
    let (tb, clock) = network(false).await;
    let (caregiver, elder) = (&tb.world.people[0], &tb.world.people[1]);
    let (elder_here, caregiver_here) = (local_id(&tb, PORTAL, &elder.id), local_id(&tb, PORTAL, &caregiver.id));
    let app = App::register(&tb, &clock, PORTAL, false).await;
    let base = app.endpoint("issuer");
    let attempt = Attempt::new("m");

    // The login page: an account to choose (the caregiver preselected), no redirect yet.
    let login = app.http.get(app.authorize_url(&attempt, SCOPE, &[])).send().await.unwrap();
    assert_eq!(login.status().as_u16(), 200);
    let html = login.text().await.unwrap();
    assert!(html.contains(&format!(r#"value="{}" checked"#, caregiver.id)), "{html}");
    assert!(html.contains(r#"action="/portal/login""#));
    let id = request_id(&html);

    // Someone without an account here is refused on the same page.
    let nobody = app.submit("login", &id, &[("person", "p999"), ("decision", "sign-in")]).await;
    assert_eq!(nobody.status().as_u16(), 400);
    // The picker before signing in is refused.
    let early = app.submit("pick", &id, &[("patient", &elder_here), ("decision", "allow")]).await;
    assert_eq!(early.status().as_u16(), 400);
    let login = app.http.get(app.authorize_url(&attempt, SCOPE, &[])).send().await.unwrap();
    let id = request_id(&login.text().await.unwrap());

    // Signing in as the caregiver: the picker lists her father (proxy access) and herself.
    let picker = app.submit("login", &id, &[("person", &caregiver.id), ("decision", "sign-in")]).await;
    assert_eq!(picker.status().as_u16(), 200);
    let html = picker.text().await.unwrap();
    assert!(html.contains(&format!(r#"value="{elder_here}" checked"#)), "{html}");
    assert!(html.contains(&format!(r#"value="{caregiver_here}""#)));
    assert!(html.contains("proxy access: healthcare power of attorney"));
    assert_eq!(html.matches(r#"name="patient""#).count(), 2);
    assert!(html.contains(&tb.hospitals[PORTAL].info.name));
    // Someone she may not see is refused; the page stays.
    let other = tb.hospitals[PORTAL].patients.iter().find(|p| p.id != elder_here && p.id != caregiver_here).unwrap();
    let refused = app.submit("pick", &id, &[("patient", &other.id), ("decision", "allow")]).await;
    assert_eq!(refused.status().as_u16(), 400);
    // Her father, allowed: the redirect with code, state and iss.
    let chosen = app.submit("pick", &id, &[("patient", &elder_here), ("decision", "allow")]).await;
    assert_eq!(chosen.status().as_u16(), 303);
    let (_, answer) = location(&chosen).unwrap();
    assert_eq!((answer["state"].as_str(), answer["iss"].as_str()), (attempt.state.as_str(), base.as_str()));
    let (status, body) = app.exchange(&answer["code"], &attempt.verifier, REDIRECT).await;
    assert_eq!((status, body["patient"].as_str()), (200, Some(elder_here.as_str())), "{body}");
    // The page cannot be used twice.
    let again = app.submit("pick", &id, &[("patient", &elder_here), ("decision", "allow")]).await;
    assert_eq!(again.status().as_u16(), 400);

    // Cancel on the login page, deny on the picker: access_denied, with state and iss.
    for (step, tag) in [("login", "n"), ("pick", "o")] {
        let attempt = Attempt::new(tag);
        let login = app.http.get(app.authorize_url(&attempt, SCOPE, &[])).send().await.unwrap();
        let id = request_id(&login.text().await.unwrap());
        let decision = if step == "login" { "cancel" } else { "sign-in" };
        let mut answer = app.submit("login", &id, &[("person", &caregiver.id), ("decision", decision)]).await;
        if step == "pick" {
            answer = app.submit("pick", &id, &[("patient", &elder_here), ("decision", "deny")]).await;
        }
        assert_eq!(answer.status().as_u16(), 303, "{step}");
        let (_, query) = location(&answer).unwrap();
        assert_eq!(query["error"], "access_denied", "{step}");
        assert_eq!((query["state"].as_str(), query["iss"].as_str()), (attempt.state.as_str(), base.as_str()));
    }
    assert_eq!(tb.hospitals[PORTAL].active_portal_grants(), 1);
    tb.stop().await;
}

#[tokio::test]
async fn bad_requests_get_their_oauth_errors() {
    let (tb, clock) = network(true).await;
    let app = App::register(&tb, &clock, PORTAL, false).await;
    let other_app = App::register(&tb, &clock, PORTAL, false).await;
    let base = app.endpoint("issuer");

    // What cannot be trusted is not redirected to: an unknown client, an unregistered redirect.
    for extra in [[("client_id", "client-nobody")], [("redirect_uri", "http://127.0.0.1:53682/elsewhere")]] {
        let response = app.http.get(app.authorize_url(&Attempt::new("x"), SCOPE, &extra)).send().await.unwrap();
        assert_eq!(response.status().as_u16(), 400);
        assert!(response.headers().get("location").is_none());
    }
    // The rest goes back to the app, with iss.
    let ticket_base = tb.manifest.hospitals[0].fhir_base_url.clone();
    type Case<'a> = (&'a str, Vec<(&'a str, &'a str)>, &'a str, &'a str);
    let cases: Vec<Case> = vec![
        ("no state", vec![("state", "")], SCOPE, "invalid_request"),
        ("plain PKCE", vec![("code_challenge_method", "plain")], SCOPE, "invalid_request"),
        ("no PKCE", vec![("code_challenge", ""), ("code_challenge_method", "")], SCOPE, "invalid_request"),
        ("another aud", vec![("aud", ticket_base.as_str())], SCOPE, "invalid_request"),
        ("implicit", vec![("response_type", "token")], SCOPE, "unsupported_response_type"),
        ("no resource scope", vec![], "openid fhirUser user/*.rs", "invalid_scope"),
    ];
    for (name, extra, scope, error) in cases {
        let answer = app.authorize(&Attempt::new("y"), scope, &extra).await;
        assert_eq!(answer["error"], error, "{name}");
        assert_eq!(answer["iss"], base, "{name}");
        assert_eq!(answer.get("state").map(String::as_str), (name != "no state").then_some("state-y"), "{name}");
    }

    let code = |tag: &'static str| {
        let attempt = Attempt::new(tag);
        let url = app.authorize_url(&attempt, SCOPE, &[]);
        let http = app.http.clone();
        async move {
            let response = http.get(url).send().await.unwrap();
            (location(&response).unwrap().1["code"].clone(), attempt)
        }
    };
    // Each of these uses the code up.
    let (first, attempt) = code("p").await;
    let (status, body) = app.exchange(&first, &"w".repeat(50), REDIRECT).await;
    assert_eq!((status, body["error_description"].as_str()), (400, Some("PKCE verification failed")), "{body}");
    assert_eq!(app.exchange(&first, &attempt.verifier, REDIRECT).await.1["error_description"], "Unknown code");
    let (second, attempt) = code("q").await;
    let (_, body) = app.exchange(&second, &attempt.verifier, "http://127.0.0.1:40000/callback").await;
    assert_eq!(body["error"], "invalid_grant");
    assert_eq!(body["error_description"], "redirect_uri does not match the authorization request");
    let (third, attempt) = code("r").await;
    let (_, body) = other_app.exchange(&third, &attempt.verifier, REDIRECT).await;
    assert_eq!(body["error_description"], "Code was issued to another client");
    let (fourth, attempt) = code("s").await;
    clock.fetch_add(121, Ordering::SeqCst);
    assert_eq!(app.exchange(&fourth, &attempt.verifier, REDIRECT).await.1["error_description"], "Code has expired");

    // A confidential client must prove its key.
    let (fifth, attempt) = code("t").await;
    let form = [
        ("grant_type", "authorization_code"),
        ("code", fifth.as_str()),
        ("code_verifier", attempt.verifier.as_str()),
        ("redirect_uri", REDIRECT),
        ("client_id", app.client_id.as_str()),
    ];
    let response = app.http.post(app.endpoint("token_endpoint")).form(&form).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 401);
    assert_eq!(response.json::<Value>().await.unwrap()["error"], "invalid_client");

    // A code presented twice: refused, and what it gave is revoked.
    let (sixth, attempt) = code("u").await;
    let (status, body) = app.exchange(&sixth, &attempt.verifier, REDIRECT).await;
    assert_eq!(status, 200, "{body}");
    let token = body["access_token"].as_str().unwrap();
    let patient = body["patient"].as_str().unwrap();
    assert_eq!(app.read(&format!("Condition?patient={patient}"), token).await.0, 200);
    let (status, again) = app.exchange(&sixth, &attempt.verifier, REDIRECT).await;
    assert_eq!((status, again["error"].as_str()), (400, Some("invalid_grant")));
    assert_eq!(app.read(&format!("Condition?patient={patient}"), token).await.0, 401);
    let hospital = &tb.hospitals[PORTAL];
    assert_eq!(hospital.active_portal_grants(), 0);
    assert!(hospital.portal_grants()[0].revoked.as_deref().unwrap().contains("code"));
    assert_eq!(hospital.portal_refresh_token(body["refresh_token"].as_str().unwrap()), Some(RefreshState::Revoked));
    tb.stop().await;
}

#[tokio::test]
async fn refresh_rotates_and_revocation_ends_the_grant() {
    let (tb, clock) = network(true).await;
    let hospital = &tb.hospitals[PORTAL];
    let app = App::register(&tb, &clock, PORTAL, false).await;
    let patient = local_id(&tb, PORTAL, &tb.world.people[1].id);
    let conditions = format!("Condition?patient={patient}");

    // Rotation: each refresh answers a new refresh token; the old one is refused from then on.
    let first = app.sign_in("a", SCOPE, &[]).await;
    let rt1 = first["refresh_token"].as_str().unwrap().to_string();
    assert_eq!(hospital.portal_refresh_token(&rt1), Some(RefreshState::Active));
    clock.fetch_add(3000, Ordering::SeqCst);
    let (status, second) = app.refresh(&rt1, None).await;
    assert_eq!(status, 200, "{second}");
    assert_eq!((second["scope"].as_str(), second["patient"].as_str()), (Some(GRANTED), Some(patient.as_str())));
    let rt2 = second["refresh_token"].as_str().unwrap().to_string();
    assert_ne!(rt1, rt2);
    assert_eq!(hospital.portal_refresh_token(&rt1), Some(RefreshState::Rotated));
    assert_eq!(hospital.portal_refresh_token(&rt2), Some(RefreshState::Active));
    assert_eq!(app.read(&conditions, second["access_token"].as_str().unwrap()).await.0, 200);
    // A narrower scope may be asked for; a wider one may not.
    let (status, narrower) = app.refresh(&rt2, Some("patient/Condition.rs offline_access")).await;
    assert_eq!((status, narrower["scope"].as_str()), (200, Some("patient/Condition.rs offline_access")));
    let rt3 = narrower["refresh_token"].as_str().unwrap().to_string();
    let observations = format!("Observation?patient={patient}");
    assert_eq!(app.read(&observations, narrower["access_token"].as_str().unwrap()).await.0, 403);
    let (status, wider) = app.refresh(&rt3, Some("patient/Procedure.rs")).await;
    assert_eq!((status, wider["error"].as_str()), (400, Some("invalid_scope")));
    // Only the client it was issued to may use it.
    let other_app = App::register(&tb, &clock, PORTAL, false).await;
    assert_eq!(
        other_app.refresh(&rt3, None).await.1["error_description"],
        "Refresh token was issued to another client"
    );
    assert_eq!(hospital.portal_refresh_token(&rt3), Some(RefreshState::Active));

    // A rotated refresh token presented again: refused, and the whole grant ends.
    let (status, reused) = app.refresh(&rt1, None).await;
    assert_eq!((status, reused["error"].as_str()), (400, Some("invalid_grant")));
    assert_eq!(reused["error_description"], "Refresh token was already used; the grant is revoked");
    assert_eq!(hospital.portal_refresh_token(&rt3), Some(RefreshState::Revoked));
    assert_eq!(app.refresh(&rt3, None).await.1["error_description"], "Refresh token has been revoked");
    assert_eq!(app.read(&conditions, narrower["access_token"].as_str().unwrap()).await.0, 401);
    assert_eq!(hospital.active_portal_grants(), 0);

    // RFC 7009: revoking an access token ends only it.
    let grant = app.sign_in("b", SCOPE, &[]).await;
    let (access, refresh) = (grant["access_token"].as_str().unwrap(), grant["refresh_token"].as_str().unwrap());
    assert_eq!(other_app.revoke(access, "access_token").await.0, 400, "not its token");
    assert_eq!(app.revoke(access, "access_token").await.0, 200);
    assert_eq!(app.read(&conditions, access).await.0, 401);
    assert_eq!(hospital.active_portal_grants(), 1);
    let (status, renewed) = app.refresh(refresh, None).await;
    assert_eq!(status, 200, "{renewed}");
    let (access, refresh) = (renewed["access_token"].as_str().unwrap(), renewed["refresh_token"].as_str().unwrap());
    // Revoking the refresh token ends the grant: the refresh token and its access tokens stop working.
    assert_eq!(other_app.revoke(refresh, "refresh_token").await.1["error"], "invalid_grant");
    assert_eq!(hospital.portal_refresh_token(refresh), Some(RefreshState::Active));
    let (status, _) = app.revoke(refresh, "refresh_token").await;
    assert_eq!(status, 200);
    assert_eq!(hospital.portal_refresh_token(refresh), Some(RefreshState::Revoked));
    assert_eq!(app.refresh(refresh, None).await.1["error_description"], "Refresh token has been revoked");
    assert_eq!(app.read(&conditions, access).await.0, 401);
    assert_eq!(hospital.active_portal_grants(), 0);
    let newest = hospital.portal_grant_for(&patient).unwrap();
    assert!(newest.revoked.as_deref().unwrap().contains("RFC 7009"), "{newest:?}");
    // Revoking it again (or a token never issued) is answered 200 and changes nothing.
    assert_eq!(app.revoke(refresh, "refresh_token").await.0, 200);
    assert_eq!(app.revoke("never-issued", "refresh_token").await.0, 200);
    assert_eq!(hospital.revoked_tokens(), vec!["access_token", "refresh_token"]);

    // The same through the broker's test control route.
    let listed: Value = app
        .http
        .get(format!("{}/testbed/hospitals/{PORTAL}/portal-grants", tb.manifest.broker))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 2);
    assert!(listed[1]["revoked"].is_string() && listed[1]["patient"] == patient.as_str());
    assert!(!listed.to_string().contains(refresh), "no tokens");

    // A public client refreshes and revokes with its client_id alone.
    let public = App::register(&tb, &clock, PORTAL, true).await;
    let grant = public.sign_in("c", SCOPE, &[]).await;
    let (status, renewed) = public.refresh(grant["refresh_token"].as_str().unwrap(), None).await;
    assert_eq!(status, 200, "{renewed}");
    let refresh = renewed["refresh_token"].as_str().unwrap();
    assert_eq!(public.revoke(refresh, "refresh_token").await.0, 200);
    assert_eq!(hospital.portal_refresh_token(refresh), Some(RefreshState::Revoked));
    assert_eq!(hospital.active_portal_grants(), 0);
    tb.stop().await;
}
